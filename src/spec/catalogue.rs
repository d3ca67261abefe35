//! The clause catalogue ([`Catalogue`]) and the JSON Schemas of each suite, embedded from
//! `suites/` at build time so the binary works from any directory.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// How strongly a clause binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// Broken → FAIL.
    #[serde(rename = "MUST")]
    Must,
    /// Broken → WARN.
    #[serde(rename = "SHOULD")]
    Should,
    /// Informational.
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    /// `MUST`, `SHOULD` or `MAY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// One normative rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// Stable ID, e.g. `DMC12-CONSENT-EXPIRY-001`.
    pub id: String,
    /// MUST / SHOULD / MAY.
    pub level: Level,
    /// The seed sentence (or BINDINGS.md section) it rests on.
    pub source: String,
    /// The rule in one sentence.
    pub text: String,
    /// Check ids (see `crate::check::CHECKS`) that test it.
    pub checks: Vec<String>,
    /// Bindings the clause applies to (empty: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
}

impl Clause {
    /// Whether the clause applies to a binding named `name`.
    pub fn applies_to(&self, name: &str) -> bool {
        self.transports.is_empty() || self.transports.iter().any(|t| t == name)
    }
}

/// One suite's catalogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Suite id (`dmc12`).
    pub suite: String,
    /// Human title.
    pub title: String,
    /// Spec version the suite follows.
    pub version: String,
    /// Seed files it was written from.
    pub seeds: Vec<String>,
    /// The clauses, in catalogue order.
    #[serde(rename = "clause")]
    pub clauses: Vec<Clause>,
}

impl Catalogue {
    /// A clause by id.
    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }
}

/// The embedded DMC-12 catalogue source.
pub const DMC12_CLAUSES_TOML: &str = include_str!("../../suites/dmc12/clauses.toml");
/// DMC-12 request schema.
pub const DMC12_REQUEST_SCHEMA: &str = include_str!("../../suites/dmc12/schemas/request.json");
/// DMC-12 success envelope schema.
pub const DMC12_SUCCESS_SCHEMA: &str = include_str!("../../suites/dmc12/schemas/success.json");
/// DMC-12 error envelope schema.
pub const DMC12_ERROR_SCHEMA: &str = include_str!("../../suites/dmc12/schemas/error.json");

/// The DMC-12 catalogue (parsed once; the embedded file is checked by the tests).
pub fn dmc12() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        toml::from_str(DMC12_CLAUSES_TOML).expect("embedded suites/dmc12/clauses.toml parses")
    })
}

/// A compiled schema with format assertion on.
pub struct Schema {
    validator: jsonschema::Validator,
}

impl Schema {
    /// Compile an embedded schema.
    pub fn compile(src: &str) -> Schema {
        let schema: serde_json::Value = serde_json::from_str(src).expect("embedded schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("embedded schema compiles");
        Schema { validator }
    }

    /// Violations as `instance-path: keyword` lines (never the instance values themselves,
    /// which may be PII).
    pub fn violations(&self, instance: &serde_json::Value) -> Vec<String> {
        self.validator
            .iter_errors(instance)
            .map(|e| {
                let path = e.instance_path().to_string();
                let kw = e.schema_path().to_string();
                let kw = kw.rsplit('/').next().unwrap_or("").to_string();
                format!("{}: {}", if path.is_empty() { "/" } else { &path }, kw)
            })
            .collect()
    }
}

/// The DMC-12 schemas, compiled once.
pub struct Dmc12Schemas {
    /// Request.
    pub request: Schema,
    /// Success envelope.
    pub success: Schema,
    /// Error envelope.
    pub error: Schema,
}

/// The compiled DMC-12 schemas.
pub fn dmc12_schemas() -> &'static Dmc12Schemas {
    static S: OnceLock<Dmc12Schemas> = OnceLock::new();
    S.get_or_init(|| Dmc12Schemas {
        request: Schema::compile(DMC12_REQUEST_SCHEMA),
        success: Schema::compile(DMC12_SUCCESS_SCHEMA),
        error: Schema::compile(DMC12_ERROR_SCHEMA),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_ids_are_unique() {
        let cat = dmc12();
        let mut ids: Vec<&str> = cat.clauses.iter().map(|c| c.id.as_str()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate clause ids");
        assert!(n > 40);
    }

    #[test]
    fn seed_examples_shape_validates() {
        let s = dmc12_schemas();
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
