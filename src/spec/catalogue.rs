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

/// What a suite ships in `suites/<id>/`: its clause catalogue and its JSON Schemas (2020-12),
/// embedded at build time so the binary works from any directory, parsed and compiled once on
/// first use. Each suite holds one in a `static` (see [`crate::suites::Suite::shipped`]).
pub struct Shipped {
    /// The suite id (`dmc12`), as in the catalogue.
    pub suite: &'static str,
    clauses_toml: &'static str,
    /// The schema files, `(file name, source)`, in `dealer-tck schema` order.
    pub schemas: &'static [(&'static str, &'static str)],
    catalogue: OnceLock<Catalogue>,
    compiled: OnceLock<Vec<Schema>>,
}

impl Shipped {
    /// SHA-256 (hex) of the catalogue's TOML source and the schemas, in order: two runs
    /// judged by the same clauses and schemas have the same digest.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.clauses_toml.as_bytes());
        for (name, source) in self.schemas {
            h.update([0]);
            h.update(name.as_bytes());
            h.update([0]);
            h.update(source.as_bytes());
        }
        format!("{:x}", h.finalize())
    }

    /// A suite's shipped data (`clauses_toml`: the catalogue's TOML source).
    pub const fn new(
        suite: &'static str,
        clauses_toml: &'static str,
        schemas: &'static [(&'static str, &'static str)],
    ) -> Shipped {
        Shipped {
            suite,
            clauses_toml,
            schemas,
            catalogue: OnceLock::new(),
            compiled: OnceLock::new(),
        }
    }

    /// The clause catalogue (parsed once; every embedded file is checked by the tests).
    pub fn catalogue(&self) -> &Catalogue {
        self.catalogue.get_or_init(|| {
            toml::from_str(self.clauses_toml).unwrap_or_else(|e| {
                panic!(
                    "embedded suites/{}/clauses.toml does not parse: {e}",
                    self.suite
                )
            })
        })
    }

    /// A schema by file name (`request.json`), compiled once.
    pub fn schema(&self, file: &str) -> Option<&Schema> {
        let i = self.schemas.iter().position(|(name, _)| *name == file)?;
        let compiled = self.compiled.get_or_init(|| {
            self.schemas
                .iter()
                .map(|(_, src)| Schema::compile(src))
                .collect()
        });
        compiled.get(i)
    }
}

/// One schema violation, with the rule it breaks named by where the keyword sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaViolation {
    /// JSON pointer of the offending instance value (`""` is the root).
    pub instance_path: String,
    /// JSON pointer of the failing keyword as evaluated from the schema root (the evaluation
    /// path: `$ref` steps included, `/properties/customer/$ref/anyOf`).
    pub schema_path: String,
    /// The keyword's place in instance terms: `properties/X` → `/X`, `items` → `/*`,
    /// `$ref` dropped (`/consent/scope`).
    pub location: String,
    /// The keyword, with any applicator steps after the last property
    /// (`const`, `anyOf`, `allOf/0/then/required`).
    pub keyword: String,
    /// For `required`: the missing member.
    pub missing: Option<String>,
    /// What is wrong, without the instance value (values may be PII).
    pub message: String,
}

impl SchemaViolation {
    /// The rule name: `<location> <keyword>` (`/consent/scope const`).
    pub fn rule(&self) -> String {
        let loc = if self.location.is_empty() {
            "/"
        } else {
            &self.location
        };
        format!("{loc} {}", self.keyword)
    }
}

fn split_schema_path(schema_path: &str) -> (String, String) {
    let segments: Vec<&str> = schema_path.split('/').filter(|s| !s.is_empty()).collect();
    let mut location = String::new();
    let mut keyword: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        match segments[i] {
            "properties" if i + 1 < segments.len() => {
                keyword.clear();
                location.push('/');
                location.push_str(segments[i + 1]);
                i += 2;
                continue;
            }
            "items" if i + 1 < segments.len() => {
                keyword.clear();
                location.push_str("/*");
            }
            "$ref" => {}
            other => keyword.push(other),
        }
        i += 1;
    }
    (location, keyword.join("/"))
}

impl Schema {
    /// Violations with their rule location and keyword (never the instance values).
    pub fn detailed(&self, instance: &serde_json::Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(instance)
            .map(|e| {
                let schema_path = e.evaluation_path().to_string();
                let (location, mut keyword) = split_schema_path(&schema_path);
                if keyword.is_empty() {
                    keyword = e.kind().keyword().to_string();
                }
                let missing = match e.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        property.as_str().map(str::to_string)
                    }
                    _ => None,
                };
                SchemaViolation {
                    instance_path: e.instance_path().to_string(),
                    schema_path,
                    location,
                    keyword,
                    missing,
                    message: e.masked().to_string(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod added_tests {
    use super::*;
    use crate::suites::aap::{aap_draft_schemas, aap_v02_schemas};
    use serde_json::json;

    #[test]
    fn violations_name_their_rule_by_location_and_keyword() {
        let s = aap_v02_schemas().request;
        let v = json!({
            "type": "lead.submit.request",
            "customer": {"first_name": "A", "last_name": "B"},
            "consent": {"scope": ["lead_submission", "marketing"], "allowed_channels": ["email", "fax"]},
            "vehicle_of_interest": {"condition": "good"},
            "trade_in": {"year": 2020, "make": "VW"},
            "appointment": {"appointment_type": "valet"},
            "message": "x".repeat(4001),
            "source_agent": "s"
        });
        let mut rules: Vec<String> = s.detailed(&v).iter().map(SchemaViolation::rule).collect();
        rules.sort();
        assert_eq!(
            rules,
            vec![
                "/appointment/appointment_type enum",
                "/consent/allowed_channels/* enum",
                "/consent/scope const",
                "/customer anyOf",
                "/message maxLength",
                "/trade_in required",
                "/vehicle_of_interest anyOf",
                "/vehicle_of_interest/condition enum",
            ]
        );
        let missing: Vec<_> = s
            .detailed(&v)
            .into_iter()
            .filter_map(|x| x.missing)
            .collect();
        assert_eq!(missing, vec!["model".to_string()]);
        let r = aap_v02_schemas().response;
        let resp = json!({"type": "lead.submit.response",
            "data": {"lead_id": "l", "status": "received", "appointment": {"status": "proposed"}}});
        let rules: Vec<String> = r
            .detailed(&resp)
            .iter()
            .map(SchemaViolation::rule)
            .collect();
        assert_eq!(rules, vec!["/data/appointment allOf/1/then/required"]);
    }

    #[test]
    fn the_draft_ties_consent_to_the_customer_both_ways() {
        let s = aap_draft_schemas().request;
        let base = json!({"type": "lead.general.request", "message": "m", "source_agent": "s"});
        assert!(s.detailed(&base).is_empty());
        let mut with_customer = base.clone();
        with_customer["customer"] =
            json!({"first_name": "A", "last_name": "B", "phone": "+14155550100"});
        let rules: Vec<String> = s
            .detailed(&with_customer)
            .iter()
            .map(SchemaViolation::rule)
            .collect();
        assert_eq!(rules, vec!["/ dependentRequired"]);
        let mut consent_only = base.clone();
        consent_only["consent"] = json!({"scope": ["general_inquiry"]});
        assert_eq!(s.detailed(&consent_only).len(), 1);
        let mut wrong_scope = with_customer.clone();
        wrong_scope["consent"] = json!({"scope": ["lead_submission"]});
        let rules: Vec<String> = s
            .detailed(&wrong_scope)
            .iter()
            .map(SchemaViolation::rule)
            .collect();
        assert_eq!(rules, vec!["/consent/scope contains"]);
    }
}
