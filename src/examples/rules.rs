//! The rules a finding can name ([`Rule`], [`RULES`]): the harness's own example rules
//! (`EX-…`), DMC-12 and AAP clause ids (mapped from schema locations by [`dmc12_clause`] and
//! [`aap_clause`]) and, where no AAP clause owns a location, the schema rule itself, named
//! `<suite> <file>: <location> <keyword>` (see [`schema_rule_name`]).

use crate::spec::catalogue::SchemaViolation;
use crate::suites::aap::{aap_draft, aap_v02};
use crate::suites::dmc12::catalogue as dmc12;
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

/// The DMC-12 clause a violation of `file` (request.json, success.json, error.json) breaks.
/// In a request, the location of a `required` violation is extended by the missing member
/// (each field's clause says it is required); a member missing from the receipt breaks
/// DMC12-RCPT-SCHEMA-001 ("always"), or DMC12-RCPT-META-001 inside `_metadata`.
pub fn dmc12_clause(file: &str, v: &SchemaViolation) -> &'static str {
    let mut at = v.location.clone();
    if let Some(m) = &v.missing {
        if file == "success.json" {
            return if at.starts_with("/_metadata") || m == "_metadata" {
                "DMC12-RCPT-META-001"
            } else {
                "DMC12-RCPT-SCHEMA-001"
            };
        }
        at.push('/');
        at.push_str(m);
    }
    let table: &[(&str, &'static str)] = match file {
        "request.json" => &[
            ("/reservation_token", "DMC12-REQ-TOKEN-001"),
            ("/customer_contact/name", "DMC12-REQ-NAME-001"),
            ("/customer_contact/phone", "DMC12-REQ-PHONE-001"),
            ("/customer_contact/email", "DMC12-REQ-EMAIL-001"),
            ("/customer_contact", "DMC12-REQ-CONTACT-001"),
            ("/customer_consent", "DMC12-REQ-CONSENT-001"),
            ("/financing_preference", "DMC12-REQ-FINANCING-001"),
            ("/notes", "DMC12-REQ-NOTES-001"),
            ("/trade_in_disclosed", "DMC12-REQ-DISCLOSED-001"),
            ("/trade_in/description", "DMC12-REQ-TRADEIN-DESC-001"),
            (
                "/trade_in/appraised_value_partner",
                "DMC12-REQ-TRADEIN-MONEY-001",
            ),
            ("/trade_in/vin", "DMC12-REQ-TRADEIN-VIN-001"),
            ("/trade_in/year", "DMC12-REQ-TRADEIN-YEAR-001"),
            ("/trade_in/make", "DMC12-REQ-TRADEIN-MAKE-001"),
            ("/trade_in/model", "DMC12-REQ-TRADEIN-MODEL-001"),
            ("/trade_in/mileage", "DMC12-REQ-TRADEIN-MILEAGE-001"),
            ("/trade_in/condition", "DMC12-REQ-TRADEIN-CONDITION-001"),
            ("/trade_in", "DMC12-REQ-TRADEIN-001"),
            ("/consent/allowed_channels", "DMC12-REQ-CHANNELS-001"),
            ("/consent/expires_at", "DMC12-REQ-EXPIRES-001"),
            ("/consent/consent_text", "DMC12-REQ-CONSENTTEXT-001"),
            ("/consent", "DMC12-REQ-CONSENTOBJ-001"),
            ("", "DMC12-REQ-ACCEPT-001"),
        ],
        "success.json" => &[
            ("/data/status", "DMC12-RCPT-STATUS-001"),
            ("/data/sent_at", "DMC12-RCPT-SENTAT-001"),
            ("/data/crm_status", "DMC12-RCPT-CRMSTATUS-001"),
            ("/data/crm_lead_id", "DMC12-RCPT-CRMLEADID-001"),
            ("/data/sent_to_masked", "DMC12-RCPT-SENTTO-001"),
            ("/data/next_steps", "DMC12-RCPT-NEXTSTEPS-001"),
            ("/_metadata", "DMC12-RCPT-META-001"),
            ("", "DMC12-RCPT-SCHEMA-001"),
        ],
        _ => &[("", "DMC12-ERR-ENVELOPE-001")],
    };
    table
        .iter()
        .find(|(prefix, _)| {
            prefix.is_empty()
                || at == *prefix
                || at.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'))
        })
        .map(|(_, c)| *c)
        .unwrap_or("DMC12-REQ-ACCEPT-001")
}

/// The AAP clause a violation of `file` (request.json, response.json) of `suite` (aap-0.2,
/// aap-draft) breaks; `value` is the example, to tell a condition word of the other vocabulary
/// (INVALID_CONDITION) from a word of neither (VALIDATION_ERROR). None: no clause owns that
/// location of a response (the finding then names the schema rule).
pub fn aap_clause(
    suite: &str,
    file: &str,
    v: &SchemaViolation,
    value: &serde_json::Value,
) -> Option<&'static str> {
    use crate::suites::aap::{SALE_CONDITIONS, TRADE_CONDITIONS};
    let mut at = v.location.clone();
    if let Some(m) = &v.missing {
        at.push('/');
        at.push_str(m);
    }
    let under =
        |prefix: &str| at == prefix || at.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'));
    let word = |ptr: &str| value.pointer(ptr).and_then(serde_json::Value::as_str);
    let v02 = suite == "aap-0.2";
    if file == "request.json" {
        return Some(match () {
            _ if at == "/consent" && v.missing.is_some() => {
                if v02 {
                    "AAP02-CONSENT-MISSING-001"
                } else {
                    "AAPD-CONSENT-001"
                }
            }
            _ if under("/consent/scope") => {
                if v02 {
                    "AAP02-CONSENT-SCOPE-001"
                } else {
                    "AAPD-CONSENT-SCOPE-001"
                }
            }
            _ if !v02 && under("/customer") => "AAPD-CUSTOMER-001",
            _ if !v02 => "AAPD-REQ-001",
            _ if at == "/vehicle_of_interest/condition" => {
                match word("/vehicle_of_interest/condition") {
                    Some(w) if TRADE_CONDITIONS.contains(&w) => "AAP02-CONDITION-001",
                    _ => "AAP02-CONDITION-003",
                }
            }
            _ if at == "/trade_in/condition" => match word("/trade_in/condition") {
                Some(w) if SALE_CONDITIONS.contains(&w) => "AAP02-CONDITION-002",
                _ => "AAP02-CONDITION-003",
            },
            _ if at == "/vehicle_of_interest"
                && value
                    .get("vehicle_of_interest")
                    .is_some_and(serde_json::Value::is_array) =>
            {
                "AAP02-ONEVEHICLE-001"
            }
            _ => "AAP02-REQ-001",
        });
    }
    let table: &[(&str, &'static str, &'static str)] = &[
        ("/type", "AAP02-TYPE-001", "AAPD-TYPE-001"),
        ("/data/status", "AAP02-STATUS-001", "AAPD-STATUS-001"),
        ("/data/lead_id", "AAP02-STATUS-001", "AAPD-STATUS-001"),
        (
            "/data/dealer/phone",
            "AAP02-DEALER-PHONE-001",
            "AAPD-DEALER-PHONE-001",
        ),
        (
            "/data/appointment/confirmed_at",
            "AAP02-APPT-CONFIRMED-001",
            "",
        ),
        (
            "/data/appointment/proposed_times",
            "AAP02-APPT-PROPOSED-001",
            "",
        ),
    ];
    table
        .iter()
        .find(|(prefix, _, _)| under(prefix))
        .map(|(_, a, d)| if v02 { *a } else { *d })
        .filter(|c| !c.is_empty())
}

/// Whether `name` is a rule this module can name: an `EX-` rule, a DMC-12 clause id, or a
/// schema rule of a shipped schema (`<suite> <file>: /<location> <keyword>`).
pub fn is_known_rule(name: &str) -> bool {
    if rule(name).is_some()
        || [dmc12(), aap_v02(), aap_draft()]
            .iter()
            .any(|c| c.get(name).is_some())
    {
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
                let c = dmc12_clause(file, &v);
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
            .map(|x| dmc12_clause("request.json", x))
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
            .map(|x| dmc12_clause("success.json", x))
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
                    aap_clause(suite, file, x, v)
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
