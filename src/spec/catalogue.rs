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

// ---------------------------------------------------------------------------------------------
// Added for the worked examples (issue 6): the AAP schemas, the index of every shipped schema
// and catalogue (for `dealer-tck schema`), and structured schema violations.
// ---------------------------------------------------------------------------------------------

/// AAP v0.2 `lead.submit` request schema (seed 002).
pub const AAP_V02_REQUEST_SCHEMA: &str = include_str!("../../suites/aap-0.2/schemas/request.json");
/// AAP v0.2 `lead.submit` response schema (seed 002).
pub const AAP_V02_RESPONSE_SCHEMA: &str =
    include_str!("../../suites/aap-0.2/schemas/response.json");
/// AAP draft `lead.general` request schema (seed 003).
pub const AAP_DRAFT_REQUEST_SCHEMA: &str =
    include_str!("../../suites/aap-draft/schemas/request.json");
/// AAP draft `lead.general` response schema (seed 003).
pub const AAP_DRAFT_RESPONSE_SCHEMA: &str =
    include_str!("../../suites/aap-draft/schemas/response.json");

/// Every JSON Schema (2020-12) the harness ships, as `(suite, file name, source)`.
pub const SCHEMA_FILES: &[(&str, &str, &str)] = &[
    ("dmc12", "request.json", DMC12_REQUEST_SCHEMA),
    ("dmc12", "success.json", DMC12_SUCCESS_SCHEMA),
    ("dmc12", "error.json", DMC12_ERROR_SCHEMA),
    ("aap-0.2", "request.json", AAP_V02_REQUEST_SCHEMA),
    ("aap-0.2", "response.json", AAP_V02_RESPONSE_SCHEMA),
    ("aap-draft", "request.json", AAP_DRAFT_REQUEST_SCHEMA),
    ("aap-draft", "response.json", AAP_DRAFT_RESPONSE_SCHEMA),
];

/// Every clause catalogue the harness ships, as `(suite, parsed catalogue)`.
pub fn catalogues() -> Vec<(&'static str, &'static Catalogue)> {
    vec![
        ("dmc12", dmc12()),
        ("aap-0.2", aap_v02()),
        ("aap-draft", aap_draft()),
    ]
}

/// The request and response schemas of one AAP profile.
pub struct AapSchemas {
    /// Request.
    pub request: Schema,
    /// Response.
    pub response: Schema,
}

/// The compiled AAP v0.2 (`lead.submit`) schemas.
pub fn aap_v02_schemas() -> &'static AapSchemas {
    static S: OnceLock<AapSchemas> = OnceLock::new();
    S.get_or_init(|| AapSchemas {
        request: Schema::compile(AAP_V02_REQUEST_SCHEMA),
        response: Schema::compile(AAP_V02_RESPONSE_SCHEMA),
    })
}

/// The compiled AAP draft (`lead.general`) schemas.
pub fn aap_draft_schemas() -> &'static AapSchemas {
    static S: OnceLock<AapSchemas> = OnceLock::new();
    S.get_or_init(|| AapSchemas {
        request: Schema::compile(AAP_DRAFT_REQUEST_SCHEMA),
        response: Schema::compile(AAP_DRAFT_RESPONSE_SCHEMA),
    })
}

/// A shipped schema by suite and file name (see [`SCHEMA_FILES`]), compiled once.
pub fn schema(suite: &str, file: &str) -> Option<&'static Schema> {
    match (suite, file) {
        ("dmc12", "request.json") => Some(&dmc12_schemas().request),
        ("dmc12", "success.json") => Some(&dmc12_schemas().success),
        ("dmc12", "error.json") => Some(&dmc12_schemas().error),
        ("aap-0.2", "request.json") => Some(&aap_v02_schemas().request),
        ("aap-0.2", "response.json") => Some(&aap_v02_schemas().response),
        ("aap-draft", "request.json") => Some(&aap_draft_schemas().request),
        ("aap-draft", "response.json") => Some(&aap_draft_schemas().response),
        _ => None,
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
    use serde_json::json;

    #[test]
    fn every_shipped_schema_is_valid_2020_12_and_compiles() {
        for (suite, file, src) in SCHEMA_FILES {
            let v: serde_json::Value = serde_json::from_str(src).expect("JSON");
            assert!(
                jsonschema::draft202012::meta::validate(&v).is_ok(),
                "{suite}/{file}"
            );
            assert!(schema(suite, file).is_some(), "{suite}/{file} not indexed");
        }
    }

    #[test]
    fn violations_name_their_rule_by_location_and_keyword() {
        let s = &aap_v02_schemas().request;
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
        let r = &aap_v02_schemas().response;
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
        let s = &aap_draft_schemas().request;
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

// ---------------------------------------------------------------------------------------------
// Added for the AAP suites (issue 5): the clause catalogues of suites/aap-0.2 and
// suites/aap-draft.
// ---------------------------------------------------------------------------------------------

/// The embedded AAP v0.2 (`lead.submit`) catalogue source.
pub const AAP_V02_CLAUSES_TOML: &str = include_str!("../../suites/aap-0.2/clauses.toml");
/// The embedded AAP draft (`lead.general`) catalogue source.
pub const AAP_DRAFT_CLAUSES_TOML: &str = include_str!("../../suites/aap-draft/clauses.toml");

/// The AAP v0.2 (`lead.submit`) catalogue (parsed once; the embedded file is checked by the
/// tests).
pub fn aap_v02() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        toml::from_str(AAP_V02_CLAUSES_TOML).expect("embedded suites/aap-0.2/clauses.toml parses")
    })
}

/// The AAP draft (`lead.general`) catalogue (parsed once; the embedded file is checked by the
/// tests).
pub fn aap_draft() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        toml::from_str(AAP_DRAFT_CLAUSES_TOML)
            .expect("embedded suites/aap-draft/clauses.toml parses")
    })
}

/// Every catalogue the runner can report (DMC-12, AAP v0.2, AAP draft), in report order.
pub fn all_catalogues() -> [&'static Catalogue; 3] {
    [dmc12(), aap_v02(), aap_draft()]
}

#[cfg(test)]
mod aap_tests {
    use super::*;

    /// The clause ids shared with the reference (notes/aap-contract.md), exactly.
    const V02_IDS: &[&str] = &[
        "AAP02-ACCEPT-001",
        "AAP02-REQ-001",
        "AAP02-ONEVEHICLE-001",
        "AAP02-CONSENT-MISSING-001",
        "AAP02-CONSENT-SCOPE-001",
        "AAP02-CONSENT-CHANNEL-001",
        "AAP02-CONDITION-001",
        "AAP02-CONDITION-002",
        "AAP02-CONDITION-003",
        "AAP02-VEHICLE-NOTFOUND-001",
        "AAP02-VEHICLE-UNAVAILABLE-001",
        "AAP02-VEHICLE-NOTESTDRIVE-001",
        "AAP02-APPT-UNAVAILABLE-001",
        "AAP02-APPT-CONFIRMED-001",
        "AAP02-APPT-PROPOSED-001",
        "AAP02-APPT-ABSENT-001",
        "AAP02-DUPLICATE-001",
        "AAP02-TYPE-001",
        "AAP02-STATUS-001",
        "AAP02-DEALER-PHONE-001",
        "AAP02-LEADID-001",
        "AAP02-ADF-001",
        "AAP02-ADF-002",
    ];
    const DRAFT_IDS: &[&str] = &[
        "AAPD-ACCEPT-001",
        "AAPD-REQ-001",
        "AAPD-CUSTOMER-001",
        "AAPD-CONSENT-001",
        "AAPD-CONSENT-SCOPE-001",
        "AAPD-CONSENT-CHANNEL-001",
        "AAPD-ANON-001",
        "AAPD-TYPE-001",
        "AAPD-STATUS-001",
        "AAPD-DEALER-PHONE-001",
        "AAPD-LEADID-001",
        "AAPD-DUPLICATE-001",
        "AAPD-ADF-001",
    ];

    #[test]
    fn aap_catalogues_carry_exactly_the_contract_ids() {
        for (cat, ids, suite) in [
            (aap_v02(), V02_IDS, "aap-0.2"),
            (aap_draft(), DRAFT_IDS, "aap-draft"),
        ] {
            assert_eq!(cat.suite, suite);
            let got: Vec<&str> = cat.clauses.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(got, ids.to_vec(), "{suite}");
        }
    }

    #[test]
    fn only_duplicates_and_anonymous_are_should() {
        for cat in [aap_v02(), aap_draft()] {
            for c in &cat.clauses {
                let should = c.id.contains("DUPLICATE") || c.id.contains("ANON");
                let want = if should { Level::Should } else { Level::Must };
                assert_eq!(c.level, want, "{}", c.id);
            }
        }
    }

    #[test]
    fn clause_ids_are_unique_across_catalogues() {
        let mut ids: Vec<&str> = all_catalogues()
            .iter()
            .flat_map(|c| c.clauses.iter().map(|c| c.id.as_str()))
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
