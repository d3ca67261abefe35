//! The rules a finding can name ([`Rule`], [`RULES`]): the harness's own example rules
//! (`EX-…`), DMC-12 and AAP clause ids (mapped from schema locations by [`dmc12_clause`] and
//! [`aap_clause`]) and, where no AAP clause owns a location, the schema rule itself, named
//! `<suite> <file>: <location> <keyword>` (see [`schema_rule_name`]).

use crate::spec::catalogue::SchemaViolation;
use serde::Serialize;

/// One of the harness's example rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id (`EX-JSON-001`).
    pub id: &'static str,
    /// The rule in one sentence.
    pub text: &'static str,
}

/// An example is strict JSON.
pub const JSON: &str = "EX-JSON-001";
/// An example parses into the typed model.
pub const MODEL_PARSE: &str = "EX-MODEL-001";
/// The typed model gives the example back unchanged.
pub const MODEL_ROUND_TRIP: &str = "EX-MODEL-002";
/// No elided placeholder values.
pub const PLACEHOLDER: &str = "EX-PLACEHOLDER-001";
/// The outcome does not depend on the day.
pub const DATE: &str = "EX-DATE-001";
/// A response example agrees with its request.
pub const PAIR: &str = "EX-PAIR-001";
/// An example agrees with its page's skill table.
pub const PROSE: &str = "EX-PROSE-001";
/// An answer has the shape of the response example.
pub const SHAPE: &str = "EX-SHAPE-001";
/// A target answers a request example as promised.
pub const SEND: &str = "EX-SEND-001";
/// Every expected finding occurs.
pub const MANIFEST: &str = "EX-MANIFEST-001";

/// The harness's example rules.
pub const RULES: &[Rule] = &[
    Rule {
        id: JSON,
        text: "A worked example is strict JSON (RFC 8259): no comments, nothing around the value.",
    },
    Rule {
        id: MODEL_PARSE,
        text: "A worked example parses into the harness's typed model of its operation (src/spec/model.rs).",
    },
    Rule {
        id: MODEL_ROUND_TRIP,
        text: "Parsing a worked example into the typed model and serialising it again gives back the same JSON (numbers compared numerically).",
    },
    Rule {
        id: PLACEHOLDER,
        text: "A worked example carries no elided placeholder value (a string with \"…\").",
    },
    Rule {
        id: DATE,
        text: "A worked example's outcome does not depend on the day it is run.",
    },
    Rule {
        id: PAIR,
        text: "A response example agrees with the request example it answers.",
    },
    Rule {
        id: PROSE,
        text: "A request example agrees with its page's skill table (Anonymous allowed, Consent required).",
    },
    Rule {
        id: SHAPE,
        text: "A target's answer to a request example has the shape of the matching response example: the same members at each level with the same JSON types (null where the seed allows string|null; members the seed marks optional may be absent). A member the answer adds is noted as advisory: the seeds leave their objects open.",
    },
    Rule {
        id: SEND,
        text: "A target answers a request example (placeholders replaced by live fixtures) with the outcome its page promises.",
    },
    Rule {
        id: MANIFEST,
        text: "Every finding the manifest declares as expected occurs (an expectation nothing matches is stale).",
    },
];

/// The rule by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The name of a schema rule: `aap-0.2 request.json: /consent/scope const`.
pub fn schema_rule_name(suite: &str, file: &str, v: &SchemaViolation) -> String {
    format!("{suite} {file}: {}", v.rule())
}

/// Whether `name` is a rule this module can name: an `EX-` rule, a DMC-12 clause id, or a
/// schema rule of a shipped schema (`<suite> <file>: /<location> <keyword>`).
pub fn is_known_rule(name: &str) -> bool {
    if rule(name).is_some() || crate::suites::catalogues().any(|c| c.get(name).is_some()) {
        return true;
    }
    let Some((head, tail)) = name.split_once(": ") else {
        return false;
    };
    let Some((suite, file)) = head.split_once(' ') else {
        return false;
    };
    crate::suites::schema(suite, file).is_some()
        && tail.starts_with('/')
        && tail.split_once(' ').is_some_and(|(_, kw)| !kw.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suites::aap::{aap_draft, aap_v02};
    use crate::suites::dmc12::catalogue as dmc12;
    use crate::suites::dmc12::schemas as dmc12_schemas;
    use serde_json::json;

    #[test]
    fn every_mapped_clause_exists() {
        for file in ["request.json", "success.json", "error.json"] {
            for loc in [
                "",
                "/reservation_token",
                "/customer_contact",
                "/customer_contact/name",
                "/trade_in/appraised_value_partner/amount",
                "/consent/allowed_channels/*",
                "/data/status",
                "/_metadata/protocol",
                "/nowhere",
            ] {
                let v = SchemaViolation {
                    instance_path: loc.into(),
                    schema_path: String::new(),
                    location: loc.into(),
                    keyword: "type".into(),
                    missing: None,
                    message: String::new(),
                };
                let c = crate::suites::dmc12::examples::schema_clause(file, &v);
                assert!(dmc12().get(c).is_some(), "{file} {loc} → {c}");
            }
        }
        for r in RULES {
            assert!(is_known_rule(r.id));
        }
    }

    #[test]
    fn request_violations_map_to_the_field_table_clauses() {
        let s = dmc12_schemas().request;
        let v = json!({
            "reservation_token": "rsv_Qh7m…",
            "customer_contact": {"phone": "5555551234", "email": "jane@example.com"},
            "customer_consent": false,
            "trade_in": {"appraised_value_partner": {"amount": -1, "currency": "usd"}, "colour": "red"},
            "consent": {"allowed_channels": ["fax"]}
        });
        let mut got: Vec<&str> = s
            .detailed(&v)
            .iter()
            .map(|x| crate::suites::dmc12::examples::schema_clause("request.json", x))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                "DMC12-REQ-CHANNELS-001",
                "DMC12-REQ-CONSENT-001",
                "DMC12-REQ-NAME-001",
                "DMC12-REQ-PHONE-001",
                "DMC12-REQ-TOKEN-001",
                "DMC12-REQ-TRADEIN-001",
                "DMC12-REQ-TRADEIN-MONEY-001",
                "DMC12-REQ-TRADEIN-MONEY-001",
            ]
        );
    }

    #[test]
    fn a_member_missing_from_the_receipt_breaks_the_schema_clause() {
        let s = dmc12_schemas().success;
        let v = json!({
            "data": {"handoff_token": "h", "sent_to_masked": "be****@x.com", "sent_at": "2026-05-27T18:22:01Z",
                     "status": "queued", "crm_status": "sent"},
            "_metadata": {"trace_id": "t", "tool": "initiate_deal_handoff"}
        });
        let mut got: Vec<&str> = s
            .detailed(&v)
            .iter()
            .map(|x| crate::suites::dmc12::examples::schema_clause("success.json", x))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                "DMC12-RCPT-META-001",
                "DMC12-RCPT-SCHEMA-001",
                "DMC12-RCPT-STATUS-001"
            ]
        );
    }

    #[test]
    fn aap_violations_map_to_their_clauses() {
        use crate::suites::aap::{aap_draft_schemas, aap_v02_schemas};
        let map = |suite: &str, file: &str, v: &serde_json::Value| -> Vec<String> {
            let schemas = if suite == "aap-0.2" {
                aap_v02_schemas()
            } else {
                aap_draft_schemas()
            };
            let s = if file == "request.json" {
                &schemas.request
            } else {
                &schemas.response
            };
            let mut got: Vec<String> = s
                .detailed(v)
                .iter()
                .map(|x| {
                    crate::suites::aap::examples::schema_clause(
                        if suite == "aap-0.2" {
                            crate::suites::aap::AapSuite::V02
                        } else {
                            crate::suites::aap::AapSuite::Draft
                        },
                        file,
                        x,
                        v,
                    )
                    .map(str::to_string)
                    .unwrap_or_else(|| schema_rule_name(suite, file, x))
                })
                .collect();
            got.sort();
            got.dedup();
            got
        };
        let customer = json!({"first_name": "A", "last_name": "B", "email": "a@example.com"});
        let v = json!({
            "type": "lead.submit.request", "customer": customer, "source_agent": "x",
            "consent": {"granted_at": "2026-05-01T10:00:00Z", "allowed_channels": ["email"],
                        "scope": ["lead_submission", "marketing"]},
            "vehicle_of_interest": {"year": 2024, "make": "Subaru", "model": "Outback", "condition": "good"},
            "trade_in": {"year": 2019, "make": "VW", "model": "Golf", "condition": "mint"}
        });
        assert_eq!(
            map("aap-0.2", "request.json", &v),
            vec![
                "AAP02-CONDITION-001",
                "AAP02-CONDITION-003",
                "AAP02-CONSENT-SCOPE-001"
            ]
        );
        let v = json!({"type": "lead.submit.request", "customer": customer, "source_agent": "x",
                       "vehicle_of_interest": [{"vin": "1HGCY2F57RA000001"}],
                       "trade_in": {"year": 2019, "make": "VW", "model": "Golf", "condition": "new"}});
        assert_eq!(
            map("aap-0.2", "request.json", &v),
            vec![
                "AAP02-CONDITION-002",
                "AAP02-CONSENT-MISSING-001",
                "AAP02-ONEVEHICLE-001"
            ]
        );
        let v = json!({"type": "lead.general.request", "message": "", "source_agent": "x",
                       "customer": {"first_name": "A", "last_name": "B"}});
        let got = map("aap-draft", "request.json", &v);
        assert!(got.contains(&"AAPD-REQ-001".to_string()), "{got:?}");
        assert!(got.contains(&"AAPD-CUSTOMER-001".to_string()), "{got:?}");
        let v = json!({"type": "lead.response", "data": {"status": "accepted", "lead_id": "l",
                       "dealer": {"name": "D", "phone": "(801) 555-0100"}}, "message": "m"});
        assert_eq!(
            map("aap-0.2", "response.json", &v),
            vec![
                "AAP02-DEALER-PHONE-001",
                "AAP02-STATUS-001",
                "AAP02-TYPE-001"
            ]
        );
        for c in [aap_v02(), aap_draft()] {
            for clause in &c.clauses {
                assert!(is_known_rule(&clause.id));
            }
        }
    }

    #[test]
    fn schema_rule_names_are_recognised() {
        assert!(is_known_rule("aap-0.2 request.json: /consent/scope const"));
        assert!(is_known_rule("DMC12-REQ-TOKEN-001"));
        assert!(!is_known_rule("aap-9 request.json: /consent/scope const"));
        assert!(!is_known_rule("aap-0.2 request.json: consent"));
        assert!(!is_known_rule("EX-NOPE-001"));
        assert!(!is_known_rule(""));
    }
}
