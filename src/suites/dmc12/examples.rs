//! How the DMC-12 suite's worked examples are judged ([`Dmc12`]'s [`SuiteExamples`]): the
//! clause that owns each schema location ([`schema_clause`]), the receipt clauses a schema
//! cannot express ([`receipt_clauses`]), the consent expiry that makes a request's answer depend
//! on the day, PII in a response, and sending an example to `initiate_deal_handoff` with a live
//! reservation in place of its placeholder ([`send`]).

use super::Dmc12;
use crate::check::describe_reply;
use crate::examples::SuiteExamples;
use crate::examples::checks::{DueAnswer, date_at, leaked_fields, quoted, schema_findings};
use crate::examples::manifest::{ExampleEntry, Fixture};
use crate::examples::report::{Finding, SendRecord, SendStatus, Step};
use crate::examples::rules;
use crate::examples::send::{Responses, Sender, answer_text, replace_live, shape_against, tool};
use crate::observe::smtp::SmtpSink;
use crate::spec::catalogue::SchemaViolation;
use crate::spec::model::{ModelKind, Timestamp};
use crate::spec::{codes, mask_email};
use crate::transport::Reply;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use regex::Regex;
use serde_json::{Value, json};
use std::sync::OnceLock;

impl SuiteExamples for Dmc12 {
    fn accepted(&self) -> &'static str {
        "the success envelope (a hand-off)"
    }

    fn models(&self) -> [ModelKind; 2] {
        [ModelKind::HandoffRequest, ModelKind::HandoffEnvelope]
    }

    fn fixtures(&self) -> &'static [Fixture] {
        &[Fixture::Reservation]
    }

    /// The error envelope when the value has an `error` member, else the success envelope.
    fn response_schema(&self, value: &Value) -> &'static str {
        if value.get("error").is_some() {
            "error.json"
        } else {
            "success.json"
        }
    }

    fn schema_clause(
        &self,
        file: &str,
        v: &SchemaViolation,
        _value: &Value,
    ) -> Option<&'static str> {
        Some(schema_clause(file, v))
    }

    /// A success envelope: the receipt clauses.
    fn clauses(
        &self,
        entry: &ExampleEntry,
        file: &str,
        value: &Value,
        _by_schema: &[Finding],
    ) -> Vec<Finding> {
        if file == "success.json" {
            receipt_clauses(value, &entry.operation, None)
        } else {
            vec![]
        }
    }

    /// `consent.expires_at` is enforced: CONSENT_INVALID once it has passed.
    fn due(
        &self,
        _entry: &ExampleEntry,
        value: &Value,
        now: DateTime<Utc>,
    ) -> (Vec<Finding>, DueAnswer, Vec<String>) {
        let mut findings = Vec::new();
        let mut outcome = DueAnswer::Accept;
        let mut dated = Vec::new();
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
                outcome = DueAnswer::Reject {
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
        (findings, outcome, dated)
    }

    /// A success envelope must not carry the request's 🔒 values in plaintext, and its
    /// next_steps shows only the masked customer email.
    fn pair(
        &self,
        request: &ExampleEntry,
        req: &Value,
        _response: &ExampleEntry,
        resp: &Value,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        if resp.get("data").is_none() {
            return out;
        }
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
        out
    }

    fn send<'a, 's>(
        &'a self,
        sender: &'a mut Sender<'s>,
        entry: &'a ExampleEntry,
        value: &'a Value,
        outcome: &'a DueAnswer,
        _dated: &'a [String],
        responses: &'a Responses<'a>,
    ) -> BoxFuture<'a, (SendRecord, Vec<Finding>)> {
        Box::pin(send(sender, entry, value, outcome, responses))
    }
}

/// The DMC-12 clause a violation of `file` (request.json, success.json, error.json) breaks.
/// In a request, the location of a `required` violation is extended by the missing member
/// (each field's clause says it is required); a member missing from the receipt breaks
/// DMC12-RCPT-SCHEMA-001 ("always"), or DMC12-RCPT-META-001 inside `_metadata`.
pub fn schema_clause(file: &str, v: &SchemaViolation) -> &'static str {
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

/// Send a request example to `initiate_deal_handoff` and judge the answer.
pub(crate) async fn send(
    sender: &mut Sender<'_>,
    entry: &ExampleEntry,
    value: &Value,
    outcome: &DueAnswer,
    responses: &Responses<'_>,
) -> (SendRecord, Vec<Finding>) {
    let client = match &sender.dmc12 {
        Ok(c) => c,
        Err(why) => return (SendRecord::not_tested(why.clone()), vec![]),
    };
    // Replace the placeholders by live fixtures, and say so.
    let mut request = value.clone();
    let mut replaced = Vec::new();
    let mut reservations = Vec::new();
    for live in &entry.live {
        match live.fixture {
            Fixture::Reservation => {
                match sender
                    .fixtures
                    .reservation(client, &sender.token, &sender.rules)
                    .await
                {
                    Ok(token) => {
                        let Some(was) =
                            replace_live(&mut request, value, &live.pointer, token.clone())
                        else {
                            return (
                                SendRecord::not_tested(format!(
                                    "the example has no {} to replace",
                                    live.pointer
                                )),
                                vec![],
                            );
                        };
                        replaced.push(format!(
                            "{} {was} replaced by a live reservation (search_inventory + create_reservation as agent A)",
                            live.pointer
                        ));
                        reservations.push(token);
                    }
                    Err(why) => {
                        return (
                            SendRecord::not_tested(format!(
                                "the reservation fixture failed: {why}"
                            )),
                            vec![],
                        );
                    }
                }
            }
            Fixture::InStockVin | Fixture::ConfirmableTime => {
                return (
                    SendRecord::not_tested(format!(
                        "{} names an AAP fixture in a DMC-12 example",
                        live.pointer
                    )),
                    vec![],
                );
            }
        }
    }
    let mark = sender.sink.map(SmtpSink::mark);
    let exchange = client
        .call(&entry.operation, &request, Some(&sender.token))
        .await;
    let mails = match (sender.sink, mark) {
        (Some(sink), Some(m)) => Some(sink.since(m)),
        _ => None,
    };
    let mut record = SendRecord {
        status: SendStatus::Sent,
        binding: Some(sender.binding.name().to_string()),
        reason: None,
        replaced,
        expected: Some(outcome.describe(entry.suite)),
        answer: None,
        compared_with: vec![],
    };
    let ex = match exchange {
        Ok(ex) => ex,
        Err(e) => {
            let rule = match outcome {
                DueAnswer::Accept => "DMC12-REQ-ACCEPT-001",
                DueAnswer::Reject { .. } => "DMC12-CONSENT-EXPIRY-001",
            };
            record.answer = Some("no answer".into());
            return (
                record,
                vec![Finding::new(
                    rule,
                    Step::Send,
                    "",
                    format!("no answer: {e}"),
                )],
            );
        }
    };
    record.answer = Some(describe_reply(&ex, &sender.rules));
    let mut findings = Vec::new();
    let code = sender.rules.find(&ex).map(|f| f.code);
    let object = match &ex.reply {
        Reply::Op { object, .. } => Some(object.clone()),
        _ => None,
    };
    let succeeded = code.is_none() && object.as_ref().is_some_and(|o| o.get("data").is_some());
    match outcome {
        DueAnswer::Accept => {
            if !succeeded {
                findings.push(Finding::new(
                    "DMC12-REQ-ACCEPT-001",
                    Step::Send,
                    "",
                    format!(
                        "the example was not accepted: {}",
                        describe_reply(&ex, &sender.rules)
                    ),
                ));
            }
        }
        DueAnswer::Reject { code: want, why } => match &code {
            Some(got) if got == want => {}
            _ if succeeded => findings.push(Finding::new(
                "DMC12-CONSENT-EXPIRY-001",
                Step::Send,
                "",
                format!("the example was accepted although {why}; expected {want}"),
            )),
            _ => findings.push(Finding::new(
                "DMC12-CONSENT-EXPIRY-001",
                Step::Send,
                "",
                format!(
                    "answered {} where {want} was due ({why})",
                    describe_reply(&ex, &sender.rules)
                ),
            )),
        },
    }
    if let Some(object) = &object {
        if succeeded {
            findings.extend(schema_findings(entry.suite, "success.json", object, ""));
            findings.extend(receipt_clauses(
                object,
                &entry.operation,
                Some(sender.binding.protocol()),
            ));
            let (names, shape) = shape_against(responses, object, &[]);
            record.compared_with = names;
            findings.extend(shape);
        } else if object.get("error").is_some() {
            let object = sender.bindings_envelope(&ex, object);
            findings.extend(schema_findings(entry.suite, "error.json", &object, ""));
            record.compared_with = vec!["dmc12 error.json".into()];
        }
    }
    for field in leaked_fields(&request, &answer_text(&ex)) {
        findings.push(Finding::new(
            "DMC12-PII-RESPONSE-001",
            Step::Send,
            "",
            format!("the answer carries {field} in plaintext"),
        ));
    }
    if let Some(mails) = mails {
        if succeeded {
            match mails.first() {
                None => findings.push(Finding::new(
                    "DMC12-EMAIL-SEND-001",
                    Step::Send,
                    "",
                    "the target reported a hand-off but no dealer-desk email reached the SMTP sink",
                )),
                Some(mail) => {
                    let mut want: Vec<String> =
                        mail.rcpt_to.iter().map(|a| mask_email(a)).collect();
                    want.sort();
                    let mut got: Vec<String> = object
                        .as_ref()
                        .and_then(|o| o.pointer("/data/sent_to_masked"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    got.sort();
                    if got != want {
                        findings.push(Finding::new(
                            "DMC12-RCPT-SENTTO-001",
                            Step::Send,
                            "/data/sent_to_masked",
                            format!(
                                "sent_to_masked does not list the {} masked RCPT TO address(es) the sink received",
                                want.len()
                            ),
                        ));
                    }
                }
            }
        } else if !mails.is_empty() {
            findings.push(Finding::new(
                "DMC12-PII-REJECTED-001",
                Step::Send,
                "",
                format!(
                    "a rejected call sent {} email(s) to the SMTP sink",
                    mails.len()
                ),
            ));
        }
    }
    if !succeeded {
        for r in reservations {
            let _ = tool(
                client,
                &sender.token,
                &sender.rules,
                &sender.fixtures.tools[2],
                json!({"reservation_token": r}),
            )
            .await;
        }
    }
    (record, findings)
}
