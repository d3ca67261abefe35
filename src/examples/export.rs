//! `dealer-tck schema`: the export ([`Bundle`]) of every JSON Schema (2020-12) and clause
//! catalogue the harness ships, plus the example rules, for spec tooling — as one JSON bundle on
//! stdout, or as files (with an `index.json`) in a directory.

use super::rules::{RULES, Rule};
use crate::error::TckError;
use crate::spec::catalogue::Catalogue;
use crate::suites::{catalogues, schema_files};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Everything `dealer-tck schema` exports.
#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    /// dealer-tck version.
    pub tool_version: String,
    /// `<suite>/<file>` → the schema.
    pub schemas: BTreeMap<String, Value>,
    /// suite → its clause catalogue.
    pub catalogues: BTreeMap<String, Catalogue>,
    /// The example rules (`EX-…`).
    pub example_rules: Vec<Rule>,
}

/// The bundle. Errors only if a shipped schema is not JSON (a build defect).
pub fn bundle() -> Result<Bundle, TckError> {
    let mut schemas = BTreeMap::new();
    for (suite, file, src) in schema_files() {
        let v: Value = serde_json::from_str(src).map_err(|e| {
            TckError::Internal(format!("shipped schema {suite}/{file} is not JSON: {e}"))
        })?;
        schemas.insert(format!("{suite}/{file}"), v);
    }
    let catalogues = catalogues()
        .map(|cat| (cat.suite.clone(), cat.clone()))
        .collect();
    Ok(Bundle {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        schemas,
        catalogues,
        example_rules: RULES.to_vec(),
    })
}

fn pretty<T: Serialize>(v: &T) -> Result<String, TckError> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| TckError::Internal(e.to_string()))
}

/// Write the export into `dir`: `<suite>/<file>` for each schema (as shipped), `<suite>/clauses.json`
/// for each catalogue, `example-rules.json`, and `index.json` naming them all. Returns the
/// paths written, relative to `dir`.
pub fn write(dir: &Path) -> Result<Vec<String>, TckError> {
    let b = bundle()?;
    let mut written = Vec::new();
    let mut index_schemas = Vec::new();
    for (suite, file, src) in schema_files() {
        let rel = format!("{suite}/{file}");
        std::fs::create_dir_all(dir.join(suite))?;
        std::fs::write(dir.join(&rel), src)?;
        let v = &b.schemas[&rel];
        index_schemas.push(serde_json::json!({
            "suite": suite,
            "path": rel,
            "$id": v.get("$id"),
            "title": v.get("title"),
            "dialect": v.get("$schema"),
        }));
        written.push(rel);
    }
    let mut index_catalogues = Vec::new();
    for (suite, cat) in &b.catalogues {
        let rel = format!("{suite}/clauses.json");
        std::fs::create_dir_all(dir.join(suite))?;
        std::fs::write(dir.join(&rel), pretty(cat)?)?;
        index_catalogues.push(serde_json::json!({
            "suite": suite,
            "path": rel,
            "version": cat.version,
            "clauses": cat.clauses.len(),
        }));
        written.push(rel);
    }
    std::fs::write(dir.join("example-rules.json"), pretty(&b.example_rules)?)?;
    written.push("example-rules.json".into());
    let index = serde_json::json!({
        "tool_version": b.tool_version,
        "schemas": index_schemas,
        "catalogues": index_catalogues,
        "example_rules": "example-rules.json",
    });
    std::fs::write(dir.join("index.json"), pretty(&index)?)?;
    written.push("index.json".into());
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_holds_every_schema_and_catalogue() {
        let b = bundle().expect("bundle");
        assert_eq!(b.schemas.len(), schema_files().count());
        assert!(b.schemas.contains_key("aap-draft/request.json"));
        assert!(b.catalogues["dmc12"].get("DMC12-REQ-TOKEN-001").is_some());
        assert_eq!(b.example_rules.len(), RULES.len());
    }

    #[test]
    fn write_puts_every_file_on_disk() {
        let dir = tempfile::tempdir().expect("tmp");
        let written = write(dir.path()).expect("write");
        for rel in &written {
            assert!(dir.path().join(rel).is_file(), "{rel}");
        }
        let index: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("index.json")).expect("index"),
        )
        .expect("json");
        assert_eq!(
            index["schemas"].as_array().map(Vec::len),
            Some(schema_files().count())
        );
    }
}
