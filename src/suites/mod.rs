//! The suites: each protocol document the harness certifies is one [`Suite`], in one folder
//! here, listed once in [`REGISTRY`]. A suite owns its identity and shipped data (the clause
//! catalogue and the JSON Schemas under `suites/<id>/`), its case plan, its scenarios and
//! judges ([`Suite::run`]), and how its worked examples are checked ([`Suite::examples`]).
//! The engine (`run`, `examples`, `report`, the CLI) iterates the registry and never names a
//! suite; shared plumbing (transports, sessions, the breaker, masking, the CRM and ADF checks,
//! correlation by canaries) lives outside, in `transport`, `observe`, `check` and `run`.
//!
//! Adding a suite is one folder and one line in [`REGISTRY`]: see `docs/adding-a-suite.md`.

pub mod aap;
pub mod dmc12;

use crate::error::TckError;
use crate::examples::SuiteExamples;
use crate::run::{RunCx, SuiteRun};
use crate::spec::catalogue::{Catalogue, Schema, Shipped};
use crate::transport::Binding;
use futures_util::future::BoxFuture;

/// One certifiable protocol document.
pub trait Suite: Sync {
    /// The suite's shipped data: its catalogue and schemas (`suites/<id>/`).
    fn shipped(&self) -> &'static Shipped;

    /// The one operation of the suite the seeds define (`initiate_deal_handoff`,
    /// `lead.submit`).
    fn operation(&self) -> &'static str;

    /// The transports the suite can run over (the target may offer fewer).
    fn bindings(&self) -> &'static [Binding];

    /// Whether running the suite restarts the target (such suites run after the others, so
    /// that theirs see the target as it was launched). The report keeps registry order.
    fn restarts_target(&self) -> bool {
        false
    }

    /// Run the suite against the target in `cx`: its evaluations go to `cx.ledger`.
    /// `Err(TckError::Unreachable)` ends the run (exit 3).
    fn run<'a>(&'a self, cx: &'a mut RunCx<'_>) -> BoxFuture<'a, Result<SuiteRun, TckError>>;

    /// How the suite's worked examples are judged and sent (`dealer-tck examples`).
    fn examples(&self) -> &dyn SuiteExamples;

    /// The suite id (`dmc12`, `aap-0.2`), as in its catalogue and the manifest.
    fn id(&self) -> &'static str {
        self.shipped().suite
    }

    /// The clause catalogue.
    fn catalogue(&self) -> &'static Catalogue {
        self.shipped().catalogue()
    }

    /// A shipped schema by file name (`request.json`), compiled once.
    fn schema(&self, file: &str) -> Option<&'static Schema> {
        self.shipped().schema(file)
    }

    /// Whether the clause filter keeps at least one clause of the suite.
    fn selected(&self, filter: Option<&str>) -> bool {
        filter.is_none_or(|f| self.catalogue().clauses.iter().any(|c| c.id.contains(f)))
    }
}

impl std::fmt::Debug for dyn Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl PartialEq for dyn Suite {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for dyn Suite {}

/// Every suite, in report order. Adding a suite: one line here.
pub static REGISTRY: [&dyn Suite; 3] = [&dmc12::Dmc12, &aap::AapSuite::V02, &aap::AapSuite::Draft];

/// Every suite, in report order.
pub fn all() -> &'static [&'static dyn Suite] {
    &REGISTRY
}

/// A suite by id (`dmc12`, `aap-0.2`, `aap-draft`).
pub fn by_id(id: &str) -> Option<&'static dyn Suite> {
    REGISTRY.iter().copied().find(|s| s.id() == id)
}

/// Every clause catalogue, in report order.
pub fn catalogues() -> impl Iterator<Item = &'static Catalogue> {
    REGISTRY.iter().map(|s| s.catalogue())
}

/// Every shipped schema, as `(suite id, file name, source)`, in `dealer-tck schema` order.
pub fn schema_files() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    REGISTRY.iter().flat_map(|s| {
        s.shipped()
            .schemas
            .iter()
            .map(|(f, src)| (s.id(), *f, *src))
    })
}

/// A shipped schema by suite id and file name.
pub fn schema(suite: &str, file: &str) -> Option<&'static Schema> {
    by_id(suite)?.schema(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_ids_are_unique_and_match_their_catalogues() {
        let mut ids: Vec<&str> = all().iter().map(|s| s.id()).collect();
        for s in all() {
            assert_eq!(s.catalogue().suite, s.id());
            assert!(by_id(s.id()).is_some_and(|x| x == *s));
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(by_id("dmc13").is_none());
    }

    #[test]
    fn clause_ids_are_unique_across_catalogues() {
        let mut ids: Vec<&str> = catalogues()
            .flat_map(|c| c.clauses.iter().map(|c| c.id.as_str()))
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn every_shipped_schema_is_valid_2020_12_and_compiles() {
        for (suite, file, src) in schema_files() {
            let v: serde_json::Value = serde_json::from_str(src).expect("JSON");
            assert!(
                jsonschema::draft202012::meta::validate(&v).is_ok(),
                "{suite}/{file}"
            );
            assert!(schema(suite, file).is_some(), "{suite}/{file} not indexed");
        }
    }
}
