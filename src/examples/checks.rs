//! The checks that need no target ([`check_static`]): strict JSON, the suite's schema (findings
//! named by the clause that owns the location), the clauses beyond the schema (the DMC-12
//! receipt, [`aap_clauses`]), the typed-model round trip,
//! placeholders, dates that make the outcome depend on the day ([`DueAnswer`]), the page's skill
//! table, and a response example against the requests it answers ([`check_pair`]).

use super::json::{Parsed, parse_example, placeholders};
use super::manifest::{ExampleEntry, Fixture, Kind, SuiteRef};
use super::report::{Finding, Step};
use super::rules;
use crate::spec::PII_FIELDS;
use crate::spec::model::{Timestamp, json_diff, round_trip};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What a target must answer to a request example on the day it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueAnswer {
    /// Accepted (DMC-12: the success envelope; AAP: a lead received or duplicate).
    Accept,
    /// Rejected with this code, for this reason.
    Reject {
        /// The operation error code.
        code: &'static str,
        /// Why, in words.
        why: String,
    },
}

impl DueAnswer {
    /// One line for the report.
    pub fn describe(&self, suite: SuiteRef) -> String {
        match self {
            DueAnswer::Accept => suite.examples().accepted().into(),
            DueAnswer::Reject { code, why } => format!("error {code} ({why})"),
        }
    }
}

/// What the static checks make of one example.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parsed value (None: not JSON).
    pub value: Option<Value>,
    /// Findings, none yet marked expected.
    pub findings: Vec<Finding>,
    /// For a request: the outcome due today.
    pub outcome: DueAnswer,
    /// Pointers whose value makes the outcome depend on the day.
    pub dated: Vec<String>,
}

/// The schema file that judges an example of `suite` and `kind` (a response: the suite's
/// [`SuiteExamples::response_schema`]).
pub fn schema_file(suite: SuiteRef, kind: Kind, value: &Value) -> &'static str {
    match kind {
        Kind::Request => "request.json",
        Kind::Response => suite.examples().response_schema(value),
    }
}

/// Schema findings of `value` against the suite's `file`: each names the clause that owns the
/// location (and carries the schema rule); an AAP response location no clause owns names the
/// schema rule.
pub fn schema_findings(
    suite: SuiteRef,
    file: &str,
    value: &Value,
    pointer_base: &str,
) -> Vec<Finding> {
    let Some(schema) = crate::suites::schema(suite.name(), file) else {
        return vec![];
    };
    schema
        .detailed(value)
        .into_iter()
        .map(|v| {
            let name = rules::schema_rule_name(suite.name(), file, &v);
            let mut detail = v.message.clone();
            if v.keyword.ends_with("Length")
                && let Some(s) = value.pointer(&v.instance_path).and_then(Value::as_str)
            {
                detail.push_str(&format!(" ({} characters)", s.chars().count()));
            }
            let mut pointer = format!("{pointer_base}{}", v.instance_path);
            if let Some(m) = &v.missing {
                pointer = format!("{pointer}/{m}");
            }
            let clause = suite.examples().schema_clause(file, &v, value);
            match clause {
                Some(c) => Finding::new(c, Step::Schema, pointer, detail).with_schema_rule(name),
                None => Finding::new(name, Step::Schema, pointer, detail),
            }
        })
        .collect()
}

/// A value taken from a target's answer, as it may appear in a report: at most 40
/// characters, quoted and escaped.
pub fn quoted(s: &str) -> String {
    let mut cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// A date of `value` at `pointer`, as written and as an instant.
pub(crate) fn date_at(value: &Value, pointer: &str) -> Option<(String, DateTime<Utc>)> {
    let text = value.pointer(pointer)?.as_str()?;
    let ts = Timestamp::parse(text).ok()?;
    Some((text.to_string(), ts.at().with_timezone(&Utc)))
}

fn model_findings(entry: &ExampleEntry, value: &Value) -> Vec<Finding> {
    let [request, response] = entry.suite.examples().models();
    let kind = match entry.kind {
        Kind::Request => request,
        Kind::Response => response,
    };
    match round_trip(kind, value) {
        Err(e) => vec![Finding::new(
            rules::MODEL_PARSE,
            Step::Model,
            "",
            format!("the typed model {} refuses it: {e}", kind.type_name()),
        )],
        Ok(back) => json_diff(value, &back)
            .into_iter()
            .map(|d| {
                let (ptr, what) = d.split_once(": ").unwrap_or(("", d.as_str()));
                Finding::new(
                    rules::MODEL_ROUND_TRIP,
                    Step::Model,
                    if ptr == "/" { "" } else { ptr },
                    format!("through {}: {what}", kind.type_name()),
                )
            })
            .collect(),
    }
}

fn placeholder_findings(entry: &ExampleEntry, value: &Value) -> Vec<Finding> {
    placeholders(value)
        .into_iter()
        .map(|(ptr, s)| {
            let live = entry.live.iter().find(|l| l.pointer == ptr);
            let what = match (entry.kind, live.map(|l| l.fixture)) {
                (Kind::Request, Some(Fixture::Reservation)) => {
                    "replaced by a live reservation (search_inventory + create_reservation as agent A) before sending"
                }
                (Kind::Request, Some(Fixture::InStockVin)) => {
                    "replaced by a VIN the dealer has before sending"
                }
                (Kind::Request, Some(Fixture::ConfirmableTime)) => {
                    "replaced by an appointment time the dealer can book before sending"
                }
                (Kind::Request, None) => "sent as written (the manifest names no live fixture for it)",
                (Kind::Response, _) => "answers are compared with it by shape, not value",
            };
            Finding::new(
                rules::PLACEHOLDER,
                Step::Placeholder,
                ptr,
                format!("elided value {s:?}; {what}"),
            )
        })
        .collect()
}

/// Every check that needs no target, on one example's text, judged on the day `now`.
pub fn check_static(entry: &ExampleEntry, text: &str, now: DateTime<Utc>) -> Checked {
    let mut findings = Vec::new();
    let value = match parse_example(text) {
        Parsed::Strict(v) => v,
        Parsed::WithComments(v, comments) => {
            let at: Vec<String> = comments
                .iter()
                .map(|c| {
                    format!(
                        "a {} comment at line {}, column {}",
                        c.style, c.line, c.column
                    )
                })
                .collect();
            findings.push(Finding::new(
                rules::JSON,
                Step::Json,
                "",
                format!("not strict JSON: {} (stripped to continue)", at.join(", ")),
            ));
            v
        }
        Parsed::Invalid(e) => {
            findings.push(Finding::new(
                rules::JSON,
                Step::Json,
                "",
                format!("not JSON: {e}; nothing else could be checked"),
            ));
            return Checked {
                value: None,
                findings,
                outcome: DueAnswer::Accept,
                dated: vec![],
            };
        }
    };
    let file = schema_file(entry.suite, entry.kind, &value);
    findings.extend(schema_findings(entry.suite, file, &value, ""));
    let rules = entry.suite.examples();
    let beyond = rules.clauses(entry, file, &value, &findings);
    findings.extend(beyond);
    let (dates, outcome, dated) = if entry.kind == Kind::Request {
        rules.due(entry, &value, now)
    } else {
        (vec![], DueAnswer::Accept, vec![])
    };
    findings.extend(dates);
    if entry.kind == Kind::Request {
        findings.extend(rules.prose(entry, &value));
    }
    findings.extend(model_findings(entry, &value));
    findings.extend(placeholder_findings(entry, &value));
    Checked {
        value: Some(value),
        findings,
        outcome,
        dated,
    }
}

/// The 🔒 values of a DMC-12 request, as (field, value).
pub fn pii_values(request: &Value) -> Vec<(&'static str, String)> {
    PII_FIELDS
        .iter()
        .filter_map(|f| {
            let ptr = format!("/{}", f.replace('.', "/"));
            request
                .pointer(&ptr)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(|s| (*f, s.to_string()))
        })
        .collect()
}

/// The 🔒 fields of `request` whose value appears (case-insensitively) in `text`.
pub fn leaked_fields(request: &Value, text: &str) -> Vec<&'static str> {
    let hay = text.to_lowercase();
    pii_values(request)
        .into_iter()
        .filter(|(_, v)| hay.contains(&v.to_lowercase()))
        .map(|(f, _)| f)
        .collect()
}

/// A response example against a request example it answers.
pub fn check_pair(
    request: &ExampleEntry,
    req: &Value,
    response: &ExampleEntry,
    resp: &Value,
) -> Vec<Finding> {
    response.suite.examples().pair(request, req, response, resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::manifest::ExampleSet;
    use chrono::TimeZone;
    use serde_json::json;

    fn entry(id: &str) -> (ExampleEntry, String) {
        let set = ExampleSet::embedded().expect("set");
        let e = set.manifest.get(id).expect("example").clone();
        let text = set.texts[&e.file].clone();
        (e, text)
    }

    fn rules_of(c: &Checked) -> Vec<(String, String)> {
        c.findings
            .iter()
            .map(|f| (f.rule.clone(), f.pointer.clone()))
            .collect()
    }

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("date")
    }

    #[test]
    fn the_placeholder_token_breaks_the_token_clause() {
        let (e, text) = entry("dmc12-minimal");
        let c = check_static(&e, &text, day(2026, 11, 24));
        assert_eq!(
            rules_of(&c),
            vec![
                ("DMC12-REQ-TOKEN-001".into(), "/reservation_token".into()),
                ("EX-PLACEHOLDER-001".into(), "/reservation_token".into()),
            ]
        );
        assert!(
            c.findings[0].detail.contains("(9 characters)"),
            "{:?}",
            c.findings[0]
        );
        assert_eq!(
            c.findings[0].schema_rule.as_deref(),
            Some("dmc12 request.json: /reservation_token minLength")
        );
        assert_eq!(c.outcome, DueAnswer::Accept);
    }

    #[test]
    fn consent_example_outcome_depends_on_the_day() {
        let (e, text) = entry("dmc12-consent");
        let before = check_static(&e, &text, day(2026, 5, 27));
        assert_eq!(before.outcome, DueAnswer::Accept);
        let after = check_static(&e, &text, day(2026, 11, 24));
        assert!(matches!(
            after.outcome,
            DueAnswer::Reject {
                code: "CONSENT_INVALID",
                ..
            }
        ));
        for c in [&before, &after] {
            let date: Vec<_> = c.findings.iter().filter(|f| f.step == Step::Date).collect();
            assert_eq!(date.len(), 1);
            assert_eq!(date[0].rule, "DMC12-CONSENT-EXPIRY-001");
            assert_eq!(date[0].pointer, "/consent/expires_at");
        }
        assert_eq!(after.dated, vec!["/consent/expires_at".to_string()]);
    }

    #[test]
    fn the_receipt_is_not_strict_json_but_otherwise_keeps_its_clauses() {
        let (e, text) = entry("dmc12-receipt");
        let c = check_static(&e, &text, day(2026, 11, 24));
        assert_eq!(c.findings[0].rule, "EX-JSON-001");
        assert!(
            c.findings[0]
                .detail
                .contains("a // comment at line 6, column 34"),
            "{}",
            c.findings[0].detail
        );
        let rules: Vec<&str> = c.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(!rules.iter().any(|r| r.starts_with("DMC12-")), "{rules:?}");
        assert_eq!(
            rules.iter().filter(|r| **r == "EX-PLACEHOLDER-001").count(),
            4
        );
        assert!(c.value.is_some());
    }

    #[test]
    fn values_from_a_target_are_bounded_and_escaped() {
        assert_eq!(quoted("a2a"), "\"a2a\"");
        assert_eq!(quoted("x\ny"), "\"x\\ny\"");
        let long = "z".repeat(500);
        assert_eq!(quoted(&long), format!("\"{}…\"", "z".repeat(40)));
    }

    #[test]
    fn receipt_clauses_catch_what_the_schema_cannot() {
        let env = serde_json::json!({
            "data": {"handoff_token": "h", "sent_to_masked": "ben@x.com, be****@x.com", "sent_at": "2026-05-27T20:22:01+02:00",
                     "status": "sent", "crm_status": "disabled", "crm_lead_id": "L1",
                     "next_steps": "We will contact jane@example.com and ja****@example.com"},
            "_metadata": {"trace_id": "t", "tool": "search_inventory", "protocol": "mcp"}
        });
        let got: Vec<(String, String)> = crate::suites::dmc12::examples::receipt_clauses(
            &env,
            "initiate_deal_handoff",
            Some("a2a"),
        )
        .into_iter()
        .map(|f| (f.rule, f.pointer))
        .collect();
        assert_eq!(
            got,
            vec![
                ("DMC12-RCPT-SENTAT-001".into(), "/data/sent_at".into()),
                (
                    "DMC12-RCPT-CRMLEADID-001".into(),
                    "/data/crm_lead_id".into()
                ),
                (
                    "DMC12-RCPT-SENTTO-001".into(),
                    "/data/sent_to_masked".into()
                ),
                ("DMC12-RCPT-NEXTSTEPS-001".into(), "/data/next_steps".into()),
                ("DMC12-RCPT-META-001".into(), "/_metadata/tool".into()),
                ("DMC12-RCPT-META-001".into(), "/_metadata/protocol".into()),
            ]
        );
    }

    #[test]
    fn aap_examples_pass_their_schemas_and_the_past_appointment_is_dated() {
        let now = day(2026, 11, 24);
        for id in [
            "aap-0.2-full-response",
            "aap-0.2-general-inquiry-request",
            "aap-0.2-proposed-response",
            "aap-draft-full-request",
            "aap-draft-full-response",
        ] {
            let (e, text) = entry(id);
            let c = check_static(&e, &text, now);
            assert!(c.findings.is_empty(), "{id}: {:?}", c.findings);
        }
        let (e, text) = entry("aap-0.2-full-request");
        let c = check_static(&e, &text, now);
        assert_eq!(
            rules_of(&c),
            vec![("EX-DATE-001".into(), "/appointment/appointment_at".into())]
        );
        let (e, text) = entry("aap-draft-anonymous-request");
        let c = check_static(&e, &text, now);
        assert_eq!(rules_of(&c), vec![("EX-PROSE-001".into(), String::new())]);
    }

    #[test]
    fn a_broken_aap_example_names_its_clauses() {
        let now = day(2026, 11, 24);
        let (e, text) = entry("aap-0.2-full-request");
        let mut v: Value = serde_json::from_str(&text).expect("json");
        v["customer"]["preferred_contact"] = json!("sms");
        v["consent"]["allowed_channels"] = json!(["email"]);
        v["trade_in"]["condition"] = json!("cpo");
        v.as_object_mut().expect("object").remove("appointment");
        let c = check_static(&e, &v.to_string(), now);
        let mut got = rules_of(&c);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("AAP02-CONDITION-002".into(), "/trade_in/condition".into()),
                (
                    "AAP02-CONSENT-CHANNEL-001".into(),
                    "/customer/preferred_contact".into()
                ),
            ]
        );
        assert!(
            matches!(&c.outcome, DueAnswer::Reject { code, .. } if *code == crate::suites::aap::CONTACT_CONSENT_REQUIRED),
            "{:?}",
            c.outcome
        );
        // A response: the answer rules of the suites, each named once by its clause.
        let (e, text) = entry("aap-0.2-full-response");
        let mut v: Value = serde_json::from_str(&text).expect("json");
        v["type"] = json!("lead.response");
        v["data"]["dealer"]["phone"] = json!("(801) 555-0100");
        v["data"].as_object_mut().expect("data").remove("lead_id");
        v["data"]["appointment"] = json!({"appointment_id": "a", "status": "confirmed"});
        let c = check_static(&e, &v.to_string(), now);
        let mut got: Vec<&str> = c.findings.iter().map(|f| f.rule.as_str()).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                "AAP02-APPT-CONFIRMED-001",
                "AAP02-DEALER-PHONE-001",
                "AAP02-STATUS-001",
                "AAP02-TYPE-001",
                "EX-MODEL-001",
            ],
            "{:?}",
            c.findings
        );
        // The suites' own answer rules judge the same example, clause by clause (the schema
        // names each first, so the report shows each once).
        let mut beyond: Vec<String> =
            crate::suites::aap::examples::clauses(crate::suites::aap::AapSuite::V02, &e, &v)
                .into_iter()
                .map(|f| f.rule)
                .collect();
        beyond.sort();
        assert_eq!(
            beyond,
            vec![
                "AAP02-APPT-CONFIRMED-001",
                "AAP02-DEALER-PHONE-001",
                "AAP02-STATUS-001",
                "AAP02-TYPE-001",
            ]
        );
    }

    #[test]
    fn a_broken_example_names_each_rule() {
        let (e, _) = entry("dmc12-trade-in");
        let text = r#"{"reservation_token": "rsv_0123456789", "customer_contact": {"name": "J", "phone": "+15555551234", "email": "j@example.com"},
            "customer_consent": true, "financing_preference": "crypto", "trade_in": {"year": 1899, "colour": "red"}}"#;
        let c = check_static(&e, text, day(2026, 11, 24));
        let mut rules: Vec<&str> = c.findings.iter().map(|f| f.rule.as_str()).collect();
        rules.sort();
        assert_eq!(
            rules,
            vec![
                "DMC12-REQ-FINANCING-001",
                "DMC12-REQ-TRADEIN-001",
                "DMC12-REQ-TRADEIN-YEAR-001",
                "EX-MODEL-001",
            ]
        );
        let c = check_static(&e, "{\"a\": ", day(2026, 11, 24));
        assert_eq!(c.findings.len(), 1);
        assert_eq!(c.findings[0].rule, "EX-JSON-001");
        assert!(c.value.is_none());
    }

    #[test]
    fn pairs_check_pii_masking_and_appointments() {
        let (req_e, req_t) = entry("dmc12-minimal");
        let (resp_e, resp_t) = entry("dmc12-receipt");
        let req = check_static(&req_e, &req_t, day(2026, 11, 24))
            .value
            .expect("req");
        let resp = check_static(&resp_e, &resp_t, day(2026, 11, 24))
            .value
            .expect("resp");
        assert!(check_pair(&req_e, &req, &resp_e, &resp).is_empty());
        let mut leaky = resp.clone();
        leaky["data"]["next_steps"] = Value::String("Call Jane Doe at jo****@example.com".into());
        let got: Vec<String> = check_pair(&req_e, &req, &resp_e, &leaky)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(got, vec!["DMC12-PII-RESPONSE-001", "EX-PAIR-001"]);

        let (req_e, req_t) = entry("aap-0.2-general-inquiry-request");
        let (resp_e, resp_t) = entry("aap-0.2-full-response");
        let req = check_static(&req_e, &req_t, day(2026, 11, 24))
            .value
            .expect("req");
        let resp = check_static(&resp_e, &resp_t, day(2026, 11, 24))
            .value
            .expect("resp");
        let got: Vec<String> = check_pair(&req_e, &req, &resp_e, &resp)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(got, vec!["EX-PAIR-001"]);
    }
}
