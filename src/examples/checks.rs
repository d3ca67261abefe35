//! The checks that need no target ([`check_static`]): strict JSON, the suite's schema (findings
//! named by the clause that owns the location), the clauses beyond the schema (the DMC-12
//! receipt, [`aap_clauses`]), the typed-model round trip,
//! placeholders, dates that make the outcome depend on the day ([`Outcome`]), the page's skill
//! table, and a response example against the requests it answers ([`check_pair`]).

use super::json::{Parsed, parse_example, placeholders};
use super::manifest::{ExampleEntry, Fixture, Kind, Suite};
use super::report::{Finding, Step};
use super::rules;
use crate::spec::model::{ModelKind, Timestamp, json_diff, round_trip};
use crate::spec::{PII_FIELDS, codes, mask_email};
use chrono::{DateTime, Utc};
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// What a target must answer to a request example on the day it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
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

impl Outcome {
    /// One line for the report.
    pub fn describe(&self, suite: Suite) -> String {
        match (self, suite) {
            (Outcome::Accept, Suite::Dmc12) => "the success envelope (a hand-off)".into(),
            (Outcome::Accept, _) => "the lead received (status received or duplicate)".into(),
            (Outcome::Reject { code, why }, _) => format!("error {code} ({why})"),
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
    pub outcome: Outcome,
    /// Pointers whose value makes the outcome depend on the day.
    pub dated: Vec<String>,
}

/// The schema file that judges an example of `suite` and `kind` (DMC-12 responses: the error
/// envelope when the value has an `error` member, else the success envelope).
pub fn schema_file(suite: Suite, kind: Kind, value: &Value) -> &'static str {
    match (suite, kind) {
        (_, Kind::Request) => "request.json",
        (Suite::Dmc12, Kind::Response) if value.get("error").is_some() => "error.json",
        (Suite::Dmc12, Kind::Response) => "success.json",
        (_, Kind::Response) => "response.json",
    }
}

/// Schema findings of `value` against the suite's `file`: each names the clause that owns the
/// location (and carries the schema rule); an AAP response location no clause owns names the
/// schema rule.
pub fn schema_findings(
    suite: Suite,
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
            let clause = match suite {
                Suite::Dmc12 => Some(rules::dmc12_clause(file, &v)),
                _ => rules::aap_clause(suite.name(), file, &v, value),
            };
            match clause {
                Some(c) => Finding::new(c, Step::Schema, pointer, detail).with_schema_rule(name),
                None => Finding::new(name, Step::Schema, pointer, detail),
            }
        })
        .collect()
}

/// The AAP clauses a schema cannot express, judged on an example without a target. A request:
/// its follow-up channel (`customer.preferred_contact`) among `consent.allowed_channels`, else
/// the dealer must answer CONTACT_CONSENT_REQUIRED. A response: the answer rules the suites hold
/// every answer to ([`crate::suites::aap::judge::judge_response`]: the type, data.status with its
/// lead_id, the dealer phone, each appointment status with its fields); whether
/// data.appointment may be present needs the request, which is [`check_pair`]'s.
pub fn aap_clauses(entry: &ExampleEntry, value: &Value) -> Vec<Finding> {
    use crate::check::Outcome as Judged;
    use crate::suites::aap::AapSuite;
    use crate::suites::aap::judge::{AapObs, judge_response};
    let suite = match entry.suite {
        Suite::AapV02 => AapSuite::V02,
        Suite::AapDraft => AapSuite::Draft,
        Suite::Dmc12 => return vec![],
    };
    if entry.kind == Kind::Request {
        let Some(why) = channel_refusal(value) else {
            return vec![];
        };
        let clause = suite
            .clause(crate::suites::aap::Role::ConsentChannel)
            .unwrap_or_default();
        return vec![Finding::new(
            clause,
            Step::Clause,
            "/customer/preferred_contact",
            format!("{why}: a dealer must answer {CONTACT_CONSENT_REQUIRED}"),
        )];
    }
    let exchange = crate::transport::Exchange {
        binding: crate::transport::Binding::A2aJsonrpc,
        url: String::new(),
        request_body: Value::Null,
        status: 200,
        headers: vec![],
        raw_body: String::new(),
        reply: crate::transport::Reply::Op {
            object: value.clone(),
            is_error: None,
            text: None,
            where_found: "the example".into(),
        },
        elapsed: std::time::Duration::ZERO,
    };
    // The request is unknown here: one with an appointment keeps the absence rule out.
    let request = serde_json::json!({"appointment": {}});
    let evals = judge_response(
        &AapObs {
            suite,
            binding: crate::transport::Binding::A2aJsonrpc,
            case_id: &entry.id,
            request: &request,
            exchange: &exchange,
        },
        &crate::check::CodeRules {
            submit_dealer_phone_e164: true,
            ..crate::check::CodeRules::default()
        },
    );
    evals
        .into_iter()
        .filter_map(|e| match e.outcome {
            Judged::Fail(why) => {
                let pointer = match e.clause.rsplit_once("-0").map(|(head, _)| head) {
                    Some(h) if h.ends_with("-TYPE") => "/type",
                    Some(h) if h.ends_with("-STATUS") => "/data/status",
                    Some(h) if h.ends_with("-DEALER-PHONE") => "/data/dealer/phone",
                    Some(h) if h.ends_with("-APPT-CONFIRMED") => "/data/appointment/confirmed_at",
                    Some(h) if h.ends_with("-APPT-PROPOSED") => "/data/appointment/proposed_times",
                    _ => "",
                };
                Some(Finding::new(e.clause, Step::Clause, pointer, why))
            }
            _ => None,
        })
        .collect()
}

/// Why an AAP request's follow-up channel is refused, if it is: `customer.preferred_contact`
/// is not among `consent.allowed_channels`.
fn channel_refusal(value: &Value) -> Option<String> {
    let p = value
        .pointer("/customer/preferred_contact")
        .and_then(Value::as_str)?;
    let list = value
        .pointer("/consent/allowed_channels")
        .and_then(Value::as_array)?;
    (!list.iter().any(|c| c.as_str() == Some(p))).then(|| {
        format!(
            "preferred_contact {} is not in consent.allowed_channels {}",
            quoted(p),
            Value::Array(list.clone())
        )
    })
}

/// The AAP error code for consent missing, a wrong scope or a channel not allowed.
const CONTACT_CONSENT_REQUIRED: &str = crate::suites::aap::CONTACT_CONSENT_REQUIRED;

/// A value taken from a target's answer, as it may appear in a report: at most 40
/// characters, quoted and escaped.
pub fn quoted(s: &str) -> String {
    let mut cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z0-9._%+*\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").expect("regex")
    })
}

fn masked_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[^@*\s]{0,2}\*\*\*\*@[^@\s]+$").expect("regex"))
}

/// The clauses of the DMC-12 receipt that a schema cannot express, judged on a success
/// envelope: `sent_at` in UTC, `crm_lead_id` only with a created lead, `sent_to_masked` and
/// `next_steps` masked, `_metadata.tool` (and, for an answer, `_metadata.protocol`).
pub fn receipt_clauses(env: &Value, operation: &str, protocol: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let data = env.get("data").cloned().unwrap_or(Value::Null);
    if let Some(t) = data.get("sent_at").and_then(Value::as_str)
        && let Ok(ts) = Timestamp::parse(t)
        && !ts.is_utc()
    {
        out.push(Finding::new(
            "DMC12-RCPT-SENTAT-001",
            Step::Clause,
            "/data/sent_at",
            "sent_at carries a non-UTC offset; the seed says ISO-8601 UTC",
        ));
    }
    let crm = data.get("crm_status").and_then(Value::as_str);
    if matches!(crm, Some("failed" | "disabled"))
        && data.get("crm_lead_id").is_some_and(|v| !v.is_null())
    {
        out.push(Finding::new(
            "DMC12-RCPT-CRMLEADID-001",
            Step::Clause,
            "/data/crm_lead_id",
            format!(
                "a CRM lead id beside crm_status {}; the seed says null/absent then",
                crm.unwrap_or_default()
            ),
        ));
    }
    if let Some(list) = data.get("sent_to_masked").and_then(Value::as_str) {
        for (i, entry) in list.split(',').map(str::trim).enumerate() {
            if !masked_re().is_match(entry) {
                out.push(Finding::new(
                    "DMC12-RCPT-SENTTO-001",
                    Step::Clause,
                    "/data/sent_to_masked",
                    format!(
                        "recipient {} is not masked like be****@domain (at most two characters, then ****)",
                        i + 1
                    ),
                ));
            }
        }
    }
    if let Some(text) = data.get("next_steps").and_then(Value::as_str) {
        let unmasked = email_re()
            .find_iter(text)
            .filter(|m| !masked_re().is_match(m.as_str()))
            .count();
        if unmasked > 0 {
            out.push(Finding::new(
                "DMC12-RCPT-NEXTSTEPS-001",
                Step::Clause,
                "/data/next_steps",
                format!("next_steps shows {unmasked} address(es) unmasked"),
            ));
        }
    }
    if let Some(meta) = env.get("_metadata") {
        if let Some(tool) = meta.get("tool").and_then(Value::as_str)
            && tool != operation
        {
            out.push(Finding::new(
                "DMC12-RCPT-META-001",
                Step::Clause,
                "/_metadata/tool",
                format!("_metadata.tool names another tool than {operation}"),
            ));
        }
        if let Some(want) = protocol
            && let Some(got) = meta.get("protocol").and_then(Value::as_str)
            && got != want
        {
            out.push(Finding::new(
                "DMC12-RCPT-META-001",
                Step::Clause,
                "/_metadata/protocol",
                format!(
                    "_metadata.protocol is {} over a binding whose protocol is \"{want}\"",
                    quoted(got)
                ),
            ));
        }
    }
    out
}

fn date_at(value: &Value, pointer: &str) -> Option<(String, DateTime<Utc>)> {
    let text = value.pointer(pointer)?.as_str()?;
    let ts = Timestamp::parse(text).ok()?;
    Some((text.to_string(), ts.at().with_timezone(&Utc)))
}

/// The date rules: a DMC-12 `consent.expires_at` (enforced: CONSENT_INVALID once past) and an
/// AAP `appointment.appointment_at` (a past time cannot be booked) make a request's outcome
/// depend on the day it is run.
fn date_findings(
    entry: &ExampleEntry,
    value: &Value,
    now: DateTime<Utc>,
) -> (Vec<Finding>, Outcome, Vec<String>) {
    let mut findings = Vec::new();
    let mut outcome = Outcome::Accept;
    let mut dated = Vec::new();
    if entry.kind != Kind::Request {
        return (findings, outcome, dated);
    }
    match entry.suite {
        Suite::Dmc12 => {
            let ptr = "/consent/expires_at";
            if let Some((text, at)) = date_at(value, ptr) {
                dated.push(ptr.to_string());
                if at <= now {
                    findings.push(Finding::new(
                        "DMC12-CONSENT-EXPIRY-001",
                        Step::Date,
                        ptr,
                        format!(
                            "consent.expires_at {text} has passed, so this example's outcome depends on the day it is run: a hand-off before {text}, CONSENT_INVALID since — a target must now answer {}",
                            codes::CONSENT_INVALID
                        ),
                    ));
                    outcome = Outcome::Reject {
                        code: codes::CONSENT_INVALID,
                        why: format!("consent.expires_at {text} has passed"),
                    };
                } else {
                    findings.push(Finding::new(
                        "DMC12-CONSENT-EXPIRY-001",
                        Step::Date,
                        ptr,
                        format!(
                            "consent.expires_at {text} is still ahead, so this example's outcome depends on the day it is run: a hand-off until {text}, {} afterwards",
                            codes::CONSENT_INVALID
                        ),
                    ));
                }
            }
        }
        Suite::AapV02 | Suite::AapDraft => {
            let ptr = "/appointment/appointment_at";
            if let Some((text, at)) = date_at(value, ptr) {
                dated.push(ptr.to_string());
                let sent_as = if entry.live.iter().any(|l| l.pointer == ptr) {
                    "when the example is sent, a time the dealer can book replaces it"
                } else {
                    "when the example is sent, the appointment in the answer is not compared"
                };
                let detail = if at <= now {
                    format!(
                        "appointment.appointment_at {text} has passed, so this example's outcome depends on the day it is run: no dealer can book that time now, the seed names no outcome for a past time, and the appointment of its response example no longer follows ({sent_as})"
                    )
                } else {
                    format!(
                        "appointment.appointment_at {text} is still ahead, so this example's outcome depends on the day it is run: once it passes the time cannot be booked"
                    )
                };
                findings.push(Finding::new(rules::DATE, Step::Date, ptr, detail));
            }
        }
    }
    (findings, outcome, dated)
}

/// The page's skill table: both AAP pages say "Consent required: yes" and "Anonymous allowed: no".
fn prose_findings(entry: &ExampleEntry, value: &Value) -> Vec<Finding> {
    if entry.kind != Kind::Request || entry.suite == Suite::Dmc12 {
        return vec![];
    }
    if value.get("consent").is_some() {
        return vec![];
    }
    let who = if value.get("customer").is_some() {
        "a customer but no consent"
    } else {
        "neither a customer nor consent"
    };
    vec![Finding::new(
        rules::PROSE,
        Step::Prose,
        "",
        format!(
            "the skill table of {} says \"Consent required: yes\" and \"Anonymous allowed: no\", but this request carries {who}",
            entry.operation
        ),
    )]
}

fn model_findings(entry: &ExampleEntry, value: &Value) -> Vec<Finding> {
    let Some(kind) = ModelKind::for_operation(&entry.operation, entry.kind == Kind::Response)
    else {
        return vec![];
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
                outcome: Outcome::Accept,
                dated: vec![],
            };
        }
    };
    let file = schema_file(entry.suite, entry.kind, &value);
    findings.extend(schema_findings(entry.suite, file, &value, ""));
    if entry.suite == Suite::Dmc12 && entry.kind == Kind::Response && file == "success.json" {
        findings.extend(receipt_clauses(&value, &entry.operation, None));
    }
    // A clause the schema already named is not repeated.
    let by_schema: Vec<String> = findings.iter().map(|f| f.rule.clone()).collect();
    let beyond = aap_clauses(entry, &value);
    findings.extend(beyond.into_iter().filter(|f| !by_schema.contains(&f.rule)));
    let (dates, mut outcome, dated) = date_findings(entry, &value, now);
    let refused = (entry.suite != Suite::Dmc12 && entry.kind == Kind::Request)
        .then(|| channel_refusal(&value))
        .flatten();
    if let (Some(why), Outcome::Accept) = (refused, &outcome) {
        outcome = Outcome::Reject {
            code: CONTACT_CONSENT_REQUIRED,
            why,
        };
    }
    findings.extend(dates);
    findings.extend(prose_findings(entry, &value));
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
    let mut out = Vec::new();
    match response.suite {
        Suite::Dmc12 if resp.get("data").is_some() => {
            let text = resp.to_string();
            for field in leaked_fields(req, &text) {
                out.push(Finding::new(
                    "DMC12-PII-RESPONSE-001",
                    Step::Pair,
                    "",
                    format!(
                        "{field} of {} appears in plaintext in this response",
                        request.id
                    ),
                ));
            }
            if let (Some(next), Some(email)) = (
                resp.pointer("/data/next_steps").and_then(Value::as_str),
                req.pointer("/customer_contact/email")
                    .and_then(Value::as_str),
            ) {
                let shown: Vec<&str> = email_re().find_iter(next).map(|m| m.as_str()).collect();
                let want = mask_email(email);
                if !shown.is_empty() && !shown.contains(&want.as_str()) {
                    out.push(Finding::new(
                        rules::PAIR,
                        Step::Pair,
                        "/data/next_steps",
                        format!(
                            "next_steps shows an address that is not the masked customer email of {} ({want})",
                            request.id
                        ),
                    ));
                }
            }
        }
        Suite::AapV02
            if resp.pointer("/data/appointment").is_some() && req.get("appointment").is_none() =>
        {
            out.push(Finding::new(
                rules::PAIR,
                Step::Pair,
                "/data/appointment",
                format!(
                    "data.appointment is present, but {} has no appointment (present iff the request had one)",
                    request.id
                ),
            ));
        }
        _ => {}
    }
    out
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
        assert_eq!(c.outcome, Outcome::Accept);
    }

    #[test]
    fn consent_example_outcome_depends_on_the_day() {
        let (e, text) = entry("dmc12-consent");
        let before = check_static(&e, &text, day(2026, 5, 27));
        assert_eq!(before.outcome, Outcome::Accept);
        let after = check_static(&e, &text, day(2026, 11, 24));
        assert!(matches!(
            after.outcome,
            Outcome::Reject {
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
        let got: Vec<(String, String)> =
            receipt_clauses(&env, "initiate_deal_handoff", Some("a2a"))
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
            matches!(&c.outcome, Outcome::Reject { code, .. } if *code == CONTACT_CONSENT_REQUIRED),
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
        let mut beyond: Vec<String> = aap_clauses(&e, &v).into_iter().map(|f| f.rule).collect();
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
