//! The DMC-12 suite: `initiate_deal_handoff` (seeds 000/001) — its generated cases ([`plan`],
//! [`mutations`]), its judges ([`judge`]) and its scenarios over every transport ([`scenarios`]).

pub mod examples;
pub mod judge;
pub mod mutations;
pub mod plan;
pub mod scenarios;

pub use plan::*;

use crate::error::TckError;
use crate::run::{RunCx, SuiteRun};
use crate::spec::catalogue::{Catalogue, Schema, Shipped};
use futures_util::future::BoxFuture;

/// The DMC-12 suite (registered in [`crate::suites::REGISTRY`]).
pub struct Dmc12;

impl super::Suite for Dmc12 {
    fn shipped(&self) -> &'static Shipped {
        &SHIPPED
    }

    fn operation(&self) -> &'static str {
        crate::spec::tools::INITIATE_DEAL_HANDOFF
    }

    /// MCP and both A2A bindings.
    fn bindings(&self) -> &'static [crate::transport::Binding] {
        &crate::transport::Binding::ALL
    }

    /// The suite ends by restarting the target with the CRM sink off (the AAP ADF clauses need
    /// it on, so the AAP suites run first).
    fn restarts_target(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, cx: &'a mut RunCx<'_>) -> BoxFuture<'a, Result<SuiteRun, TckError>> {
        Box::pin(scenarios::run(cx))
    }

    fn examples(&self) -> &dyn crate::examples::SuiteExamples {
        self
    }
}

/// What the suite ships in `suites/dmc12/`.
pub static SHIPPED: Shipped = Shipped::new(
    "dmc12",
    concat!(
        include_str!("../../../suites/dmc12/clauses.toml"),
        include_str!("../../../suites/dmc12/mcp-modern.toml")
    ),
    &[
        (
            "request.json",
            include_str!("../../../suites/dmc12/schemas/request.json"),
        ),
        (
            "success.json",
            include_str!("../../../suites/dmc12/schemas/success.json"),
        ),
        (
            "error.json",
            include_str!("../../../suites/dmc12/schemas/error.json"),
        ),
    ],
);

/// The DMC-12 catalogue.
pub fn catalogue() -> &'static Catalogue {
    SHIPPED.catalogue()
}

/// The DMC-12 schemas, compiled once.
pub struct Dmc12Schemas {
    /// Request.
    pub request: &'static Schema,
    /// Success envelope.
    pub success: &'static Schema,
    /// Error envelope.
    pub error: &'static Schema,
}

/// The compiled DMC-12 schemas.
pub fn schemas() -> Dmc12Schemas {
    let get = |f: &str| SHIPPED.schema(f).expect("shipped DMC-12 schema");
    Dmc12Schemas {
        request: get("request.json"),
        success: get("success.json"),
        error: get("error.json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_ids_are_unique() {
        let cat = catalogue();
        let mut ids: Vec<&str> = cat.clauses.iter().map(|c| c.id.as_str()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate clause ids");
        assert!(n > 40);
    }

    #[test]
    fn seed_examples_shape_validates() {
        let s = schemas();
        let ok = serde_json::json!({
            "reservation_token": "rsv_Qh7m0000000",
            "customer_contact": {"name": "Jane Doe", "phone": "+15555551234", "email": "jane@example.com"},
            "customer_consent": true
        });
        assert!(s.request.violations(&ok).is_empty());
        let bad = serde_json::json!({
            "reservation_token": "rsv_Qh7m0000000",
            "customer_contact": {"name": "Jane Doe", "phone": "5555551234", "email": "jane@example.com"},
            "customer_consent": false,
            "consent": {"expires_at": "2026-06-01T00:00:00"}
        });
        let v = s.request.violations(&bad);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v.iter().all(|l| !l.contains("5555551234")));
    }
}
