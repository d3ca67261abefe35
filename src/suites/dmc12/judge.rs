//! The DMC-12 judging functions. [`CaseObs`] is everything the runner saw for one call (the
//! exchange, the mails and CRM requests it caused, the call window); the `judge_*` functions
//! turn it into [`Evaluation`]s for the clauses of `suites/dmc12/clauses.toml`.

use crate::check::{CodeRules, Evaluation, Outcome, describe_reply};
use crate::observe::adf;
use crate::observe::crm::{CrmMode, CrmRequest};
use crate::observe::leak::{LeakFinding, LeakScanner, mask_value};
use crate::observe::smtp::CapturedMail;
use crate::spec::{is_masked_form, mask_email, tools};
use crate::transport::{Binding, Exchange, Reply};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// How the CRM side was set up for a call.
#[derive(Debug, Clone, Copy)]
pub enum CrmSetup<'a> {
    /// The server posts to our mock, which answers in `mode`.
    Enabled {
        /// Expected store id in the path.
        store_id: &'a str,
        /// Expected bearer token (never printed).
        token: &'a str,
        /// How the mock answered.
        mode: CrmMode,
    },
    /// The server was started with the CRM sink off.
    Disabled,
    /// The harness does not see the CRM (external target without it): CRM checks NOT_TESTED.
    Unobserved,
}

/// Everything observed around one call.
pub struct CaseObs<'a> {
    /// Transport used.
    pub binding: Binding,
    /// Case id (for the report).
    pub case_id: &'a str,
    /// The request as sent (live token filled in).
    pub request: &'a Value,
    /// The exchange.
    pub exchange: &'a Exchange,
    /// Mails the sink completed during the call.
    pub mails: &'a [CapturedMail],
    /// Requests the CRM mock received during the call.
    pub crm: &'a [CrmRequest],
    /// Clock just before sending.
    pub t0: DateTime<Utc>,
    /// Clock just after the answer.
    pub t1: DateTime<Utc>,
    /// Scanner for this case's canaries.
    pub scanner: &'a LeakScanner,
}

/// Settings the judges need.
pub struct JudgeCtx<'a> {
    /// Error-code rules.
    pub rules: &'a CodeRules,
    /// CRM setup during the call.
    pub crm: CrmSetup<'a>,
    /// Allowed clock difference between harness and server for sent_at.
    pub clock_skew: Duration,
    /// The dealer-desk recipients, when the profile knows them.
    pub desk: &'a [String],
}

struct Out<'a> {
    obs: &'a CaseObs<'a>,
    evals: Vec<Evaluation>,
}

impl Out<'_> {
    fn push(&mut self, clause: &str, check: &'static str, outcome: Outcome) {
        self.evals.push(Evaluation::new(
            clause,
            check,
            Some(self.obs.binding),
            self.obs.case_id,
            outcome,
        ));
    }
    fn verdict(&mut self, clause: &str, check: &'static str, failures: Vec<String>) {
        self.push(clause, check, Outcome::failing_on(failures));
    }
}

fn success_data(ex: &Exchange) -> Option<&Value> {
    match &ex.reply {
        Reply::Op { object, .. } if object.get("error").is_none() => object.get("data"),
        _ => None,
    }
}

/// Pass without leak findings, else a failure showing them (masked snippets only).
pub fn leak_outcome(f: &[LeakFinding]) -> Outcome {
    if f.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(findings_text(f))
    }
}

/// Findings formatted for evidence (masked snippets only).
pub fn findings_text(f: &[LeakFinding]) -> String {
    f.iter()
        .take(5)
        .map(|f| {
            format!(
                "{} ({}) in {} at byte {}: \"{}\"",
                f.field, f.form, f.surface, f.offset, f.snippet
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + &if f.len() > 5 {
            format!("; … {} more", f.len() - 5)
        } else {
            String::new()
        }
}

/// Scan the response (body and headers) for the case's canaries.
pub fn leak_findings(obs: &CaseObs<'_>) -> Vec<LeakFinding> {
    let mut f = obs
        .scanner
        .scan("response body", obs.exchange.raw_body.as_bytes());
    let headers: String = obs
        .exchange
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect();
    f.extend(obs.scanner.scan("response headers", headers.as_bytes()));
    f
}

fn judge_common(out: &mut Out<'_>) {
    let obs = out.obs;
    let f = leak_findings(obs);
    out.verdict(
        "DMC12-PII-RESPONSE-001",
        "leak-response",
        if f.is_empty() {
            vec![]
        } else {
            vec![findings_text(&f)]
        },
    );
    if obs.binding == Binding::Mcp
        && let Reply::Op {
            object,
            is_error,
            text,
            where_found,
        } = &obs.exchange.reply
    {
        {
            let mut fails = vec![];
            if where_found != "structuredContent" {
                fails.push(format!(
                    "the CallToolResult has no structuredContent (the envelope was read from {where_found})"
                ));
            }
            let is_err_env = object.get("error").is_some();
            if *is_error != Some(is_err_env) {
                fails.push(format!(
                    "isError is {} but the envelope is {}",
                    is_error.map(|b| b.to_string()).unwrap_or("absent".into()),
                    if is_err_env { "an error" } else { "a success" }
                ));
            }
            match text.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(t)) if json_eq(&t, object) => {}
                Some(Ok(_)) => {
                    fails.push("content[0].text is not the same JSON as structuredContent".into())
                }
                Some(Err(_)) => fails.push("content[0].text is not JSON".into()),
                None => fails.push("no content[0].text".into()),
            }
            out.verdict("BIND-MCP-RESULT-001", "mcp-call-result", fails);
        }
    }
}

/// JSON equality with numbers compared numerically (`3` == `3.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn str_at<'v>(v: &'v Value, ptr: &str) -> Option<&'v str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// Judge a call whose request was valid and that should have succeeded normally.
/// `extra_accept_clauses` are clauses whose acceptance also rests on this case
/// (e.g. DMC12-REQ-DISCLOSED-001 for trade-in fields with trade_in_disclosed false).
pub fn judge_accepted(
    obs: &CaseObs<'_>,
    ctx: &JudgeCtx<'_>,
    extra_accept_clauses: &[&str],
) -> Vec<Evaluation> {
    let mut out = Out { obs, evals: vec![] };
    judge_common(&mut out);
    let accepted = success_data(obs.exchange).is_some();
    let accept_outcome = if accepted {
        Outcome::Pass
    } else if let Reply::Unparseable { reason } = &obs.exchange.reply {
        Outcome::Error(format!("unparseable reply: {reason}"))
    } else {
        Outcome::Fail(format!(
            "valid request refused: {}",
            describe_reply(obs.exchange, ctx.rules)
        ))
    };
    out.push(
        "DMC12-REQ-ACCEPT-001",
        "accept-valid",
        accept_outcome.clone(),
    );
    for c in extra_accept_clauses {
        out.push(c, "accept-valid", accept_outcome.clone());
    }
    if !accepted {
        return out.evals;
    }
    judge_receipt(&mut out, ctx);
    judge_email(&mut out, ctx.desk);
    judge_crm(&mut out, ctx);
    out.evals
}

fn judge_receipt(out: &mut Out<'_>, ctx: &JudgeCtx<'_>) {
    let obs = out.obs;
    let Reply::Op { object, .. } = &obs.exchange.reply else {
        return;
    };
    let data = object.get("data").cloned().unwrap_or(Value::Null);
    // Shape.
    let v = super::schemas().success.violations(object);
    out.verdict(
        "DMC12-RCPT-SCHEMA-001",
        "receipt-schema",
        if v.is_empty() {
            vec![]
        } else {
            vec![format!("success envelope: {}", v.join(", "))]
        },
    );
    // status.
    let status = data.get("status");
    out.verdict(
        "DMC12-RCPT-STATUS-001",
        "receipt-status",
        if status == Some(&Value::String("sent".into())) {
            vec![]
        } else {
            vec![format!(
                "data.status is {}",
                status.map(|s| s.to_string()).unwrap_or("absent".into())
            )]
        },
    );
    // sent_at.
    let mut f = vec![];
    match data.get("sent_at").and_then(Value::as_str) {
        None => f.push("data.sent_at missing or not a string".to_string()),
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Err(_) => f.push(format!("sent_at {s:?} is not RFC 3339")),
            Ok(t) => {
                if t.offset().local_minus_utc() != 0 {
                    f.push(format!("sent_at {s:?} is not in UTC"));
                }
                let t = t.with_timezone(&Utc);
                let skew = chrono::Duration::from_std(ctx.clock_skew).unwrap_or_default();
                if t < obs.t0 - skew || t > obs.t1 + skew {
                    f.push(format!(
                        "sent_at {s} is outside the call window {} – {}",
                        obs.t0.to_rfc3339(),
                        obs.t1.to_rfc3339()
                    ));
                }
            }
        },
    }
    out.verdict("DMC12-RCPT-SENTAT-001", "receipt-sent-at", f);
    // sent_to_masked.
    if obs.mails.is_empty() {
        out.push(
            "DMC12-RCPT-SENTTO-001",
            "receipt-sent-to",
            Outcome::NotTested(
                "no mail reached the sink, so there is no RCPT TO set to compare".into(),
            ),
        );
    } else {
        let expected: BTreeSet<String> = obs
            .mails
            .iter()
            .flat_map(|m| m.rcpt_to.iter().map(|r| mask_email(r)))
            .collect();
        let mut f = vec![];
        match data.get("sent_to_masked").and_then(Value::as_str) {
            None => f.push("sent_to_masked missing".into()),
            Some(s) => {
                let parts: Vec<String> = s
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect();
                let rcpts: BTreeSet<&str> = obs
                    .mails
                    .iter()
                    .flat_map(|m| m.rcpt_to.iter().map(|r| r.trim()))
                    .collect();
                // Exactly the RCPT TO set, each in an acceptable masked form (at most two
                // characters kept): every part masks a recipient, every recipient is masked.
                // Two recipients may mask alike (sales@ and sam@ → sa****@), so parts are
                // counted, not deduplicated.
                let matches = parts.len() == rcpts.len()
                    && parts
                        .iter()
                        .all(|p| rcpts.iter().any(|r| is_masked_form(p, r)))
                    && rcpts
                        .iter()
                        .all(|r| parts.iter().any(|p| is_masked_form(p, r)));
                if !matches {
                    f.push(format!(
                        "sent_to_masked is {:?}; the masked RCPT TO set is {:?}",
                        parts.iter().map(|p| mask_if_plain(p)).collect::<Vec<_>>(),
                        expected
                    ));
                }
            }
        }
        out.verdict("DMC12-RCPT-SENTTO-001", "receipt-sent-to", f);
    }
    // next_steps.
    let email = str_at(obs.request, "/customer_contact/email").unwrap_or_default();
    let mut f = vec![];
    match data.get("next_steps").and_then(Value::as_str) {
        None => f.push("next_steps missing".into()),
        Some(ns) => {
            if !email.is_empty() && ns.to_lowercase().contains(&email.to_lowercase()) {
                f.push(format!(
                    "next_steps shows the customer email in plaintext (masked here: {})",
                    mask_email(email)
                ));
            } else if let Some((_, domain)) = email.rsplit_once('@') {
                let want = mask_email(email);
                for tok in masked_tokens(ns) {
                    if tok
                        .to_lowercase()
                        .ends_with(&format!("@{}", domain.to_lowercase()))
                        && !is_masked_form(&tok, email)
                    {
                        f.push(format!(
                            "next_steps shows {tok:?} for the customer; a masked form is {want:?} (at most two characters kept)"
                        ));
                    }
                }
            }
        }
    }
    out.verdict("DMC12-RCPT-NEXTSTEPS-001", "receipt-next-steps", f);
    // _metadata.
    let mut f = vec![];
    if str_at(object, "/_metadata/tool") != Some(tools::INITIATE_DEAL_HANDOFF) {
        f.push(format!(
            "_metadata.tool is {:?}",
            object.pointer("/_metadata/tool")
        ));
    }
    if str_at(object, "/_metadata/protocol") != Some(obs.binding.protocol()) {
        f.push(format!(
            "_metadata.protocol is {:?} over {}",
            object.pointer("/_metadata/protocol"),
            obs.binding
        ));
    }
    if str_at(object, "/_metadata/trace_id").is_none_or(str::is_empty) {
        f.push("_metadata.trace_id missing".into());
    }
    out.verdict("DMC12-RCPT-META-001", "receipt-metadata", f);
}

fn mask_if_plain(s: &str) -> String {
    if s.contains("****") {
        s.to_string()
    } else {
        mask_value(s)
    }
}

/// Substrings that look like masked addresses (`xx****@domain`).
fn masked_tokens(s: &str) -> Vec<String> {
    let re =
        regex::Regex::new(r#"[^\s,;:()<>"'\[\]]*\*{2,}@[A-Za-z0-9.\-*…]+"#).expect("static regex");
    re.find_iter(s)
        .map(|m| m.as_str().trim_end_matches('.').to_string())
        .collect()
}

fn contact_canaries(obs: &CaseObs<'_>) -> Vec<(&'static str, String)> {
    let mut v = vec![];
    for (f, p) in [
        ("customer_contact.name", "/customer_contact/name"),
        ("customer_contact.phone", "/customer_contact/phone"),
        ("customer_contact.email", "/customer_contact/email"),
    ] {
        if let Some(s) = str_at(obs.request, p) {
            v.push((f, s.to_string()));
        }
    }
    v
}

fn found_fields(scanner: &LeakScanner, surface: &str, hay: &[u8]) -> BTreeSet<String> {
    scanner
        .scan(surface, hay)
        .into_iter()
        .map(|f| f.field)
        .collect()
}

fn judge_email(out: &mut Out<'_>, desk: &[String]) {
    let obs = out.obs;
    if obs.mails.is_empty() {
        out.push(
            "DMC12-EMAIL-SEND-001",
            "email-sent",
            Outcome::Fail("the call succeeded but no mail reached the SMTP sink".into()),
        );
        return;
    }
    if !desk.is_empty() {
        let want: BTreeSet<String> = desk.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
        let got: BTreeSet<String> = obs
            .mails
            .iter()
            .flat_map(|m| m.rcpt_to.iter().map(|r| r.trim().to_ascii_lowercase()))
            .collect();
        if want != got {
            out.push(
                "DMC12-EMAIL-SEND-001",
                "email-sent",
                Outcome::Fail(format!(
                    "the mail went to {:?}, not to the dealer desk {:?}",
                    got.iter().map(|a| mask_email(a)).collect::<Vec<_>>(),
                    want.iter().map(|a| mask_email(a)).collect::<Vec<_>>()
                )),
            );
            return;
        }
    } else {
        // Without the desk's addresses, the mail must at least not go to the customer.
        let customer = str_at(obs.request, "/customer_contact/email")
            .map(|e| e.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let to_customer = obs.mails.iter().any(|m| {
            m.rcpt_to
                .iter()
                .any(|r| !customer.is_empty() && r.trim().eq_ignore_ascii_case(&customer))
        });
        if to_customer {
            out.push(
                "DMC12-EMAIL-SEND-001",
                "email-sent",
                Outcome::Fail(format!(
                    "the deal-intent mail went to the customer's own address ({}), not to the dealer desk",
                    mask_email(&customer)
                )),
            );
            return;
        }
        out.push(
            "DMC12-EMAIL-SEND-001",
            "email-sent",
            Outcome::NotTested(
                "the profile names no [observe] desk, so \"exactly the dealer desk\" is not checked (only that the mail did not go to the customer)".into(),
            ),
        );
    }
    let mut found = BTreeSet::new();
    for m in obs.mails {
        found.extend(found_fields(obs.scanner, "mail", &m.raw));
        found.extend(found_fields(obs.scanner, "mail", m.text.as_bytes()));
    }
    let scannable: BTreeSet<String> = obs
        .scanner
        .canaries()
        .iter()
        .map(|c| c.field.clone())
        .collect();
    let missing: Vec<&str> = contact_canaries(obs)
        .into_iter()
        .filter(|(f, _)| scannable.contains(*f) && !found.contains(*f))
        .map(|(f, _)| f)
        .collect();
    let checked = contact_canaries(obs)
        .iter()
        .filter(|(f, _)| scannable.contains(*f))
        .count();
    out.push(
        "DMC12-EMAIL-SEND-001",
        "email-sent",
        if checked == 0 {
            Outcome::NotTested(
                "no contact value of this call is long enough to be found in the mail".into(),
            )
        } else if missing.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("the dealer-desk mail lacks {}", missing.join(", ")))
        },
    );
    let optional: Vec<&str> = ["notes", "trade_in.description", "consent.consent_text"]
        .into_iter()
        .filter(|f| scannable.contains(*f))
        .collect();
    if !optional.is_empty() {
        let missing: Vec<&str> = optional
            .iter()
            .copied()
            .filter(|f| !found.contains(*f))
            .collect();
        out.verdict(
            "DMC12-EMAIL-PACKAGE-001",
            "email-package",
            if missing.is_empty() {
                vec![]
            } else {
                vec![format!("the dealer-desk mail lacks {}", missing.join(", "))]
            },
        );
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a phone written in a lead (any punctuation, international or national form) is the
/// customer's E.164 number: the same digits, or the national number with the country code
/// (1–3 digits) dropped, with or without a trunk `0`. The seeds ask for the plaintext in the
/// lead, not for a format.
fn same_phone(written: &str, e164: &str) -> bool {
    let (w, full) = (digits(written), digits(e164));
    let national = w.strip_prefix('0').unwrap_or(&w);
    w == full
        || [w.as_str(), national].iter().any(|n| {
            n.len() >= 6 && full.len() > n.len() && full.len() - n.len() <= 3 && full.ends_with(n)
        })
}

fn judge_crm(out: &mut Out<'_>, ctx: &JudgeCtx<'_>) {
    let obs = out.obs;
    let data = success_data(obs.exchange).cloned().unwrap_or(Value::Null);
    let crm_status = data
        .get("crm_status")
        .and_then(Value::as_str)
        .map(str::to_string);
    let lead_id = data.get("crm_lead_id").cloned().unwrap_or(Value::Null);
    match ctx.crm {
        CrmSetup::Unobserved => {
            for (c, k) in [
                ("DMC12-CRM-ADF-001", "crm-adf-valid"),
                ("DMC12-CRM-ADF-002", "crm-adf-content"),
                ("DMC12-CRM-HTTP-001", "crm-request-shape"),
                ("DMC12-RCPT-CRMSTATUS-001", "receipt-crm-status"),
            ] {
                out.push(
                    c,
                    k,
                    Outcome::NotTested(
                        "the target's CRM is not wired to the harness's mock".into(),
                    ),
                );
            }
        }
        CrmSetup::Disabled => {
            let mut f = vec![];
            if crm_status.as_deref() != Some("disabled") {
                f.push(format!(
                    "crm_status is {crm_status:?} with the CRM sink off"
                ));
            }
            if !obs.crm.is_empty() {
                f.push(format!(
                    "{} CRM request(s) with the CRM sink off",
                    obs.crm.len()
                ));
            }
            if !lead_id.is_null() {
                f.push("crm_lead_id is set with the CRM sink off".into());
            }
            out.verdict("DMC12-CRM-DISABLED-001", "crm-disabled", f);
            out.verdict(
                "DMC12-RCPT-CRMLEADID-001",
                "receipt-crm-lead-id",
                if lead_id.is_null() {
                    vec![]
                } else {
                    vec!["crm_lead_id present although crm_status should be disabled".into()]
                },
            );
        }
        CrmSetup::Enabled {
            store_id,
            token,
            mode,
        } => {
            let lead_ids: Vec<String> = obs.crm.iter().filter_map(|r| r.lead_id.clone()).collect();
            let reports: Vec<adf::AdfReport> =
                obs.crm.iter().map(|r| adf::validate(&r.body)).collect();
            // Request shape (every mode).
            if obs.crm.is_empty() {
                out.push(
                    "DMC12-CRM-HTTP-001",
                    "crm-request-shape",
                    Outcome::NotTested("no CRM request to inspect".into()),
                );
            } else {
                let mut f = vec![];
                let want_path = format!("/api/stores/{store_id}/leads/adf");
                for r in obs.crm {
                    if r.method != "POST" || r.path != want_path {
                        f.push(format!(
                            "{} {} (expected POST {want_path})",
                            r.method, r.path
                        ));
                    }
                    let ct = header(&r.headers, "content-type")
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !ct.starts_with("application/xml") {
                        f.push(format!("Content-Type {ct:?} (expected application/xml)"));
                    }
                    match header(&r.headers, "authorization") {
                        None => f.push("no Authorization header".into()),
                        // An unknown token (already running target): any Bearer credential.
                        Some(a)
                            if token.is_empty()
                                && !a.to_ascii_lowercase().starts_with("bearer ") =>
                        {
                            f.push("Authorization is not a Bearer credential".into())
                        }
                        Some(a) if !token.is_empty() && a != format!("Bearer {token}") => f.push(
                            "Authorization does not carry the configured CRM bearer token".into(),
                        ),
                        Some(_) => {}
                    }
                }
                out.verdict("DMC12-CRM-HTTP-001", "crm-request-shape", f);
            }
            // ADF validity and content (whatever the mode answered, the document was sent).
            if mode == CrmMode::Created && obs.crm.len() != 1 {
                out.push(
                    "DMC12-CRM-ADF-001",
                    "crm-adf-valid",
                    Outcome::Fail(format!(
                        "{} CRM requests for one accepted hand-off (expected 1)",
                        obs.crm.len()
                    )),
                );
            } else if !reports.is_empty() {
                let mut f = vec![];
                for r in &reports {
                    if let Some(e) = &r.not_well_formed {
                        f.push(format!("ADF not well-formed: {e}"));
                    }
                    for v in r.violations.iter().take(3) {
                        f.push(format!("ADF {}: {}", v.path, v.rule));
                    }
                }
                out.verdict("DMC12-CRM-ADF-001", "crm-adf-valid", f);
                if let Some(lead) = reports.iter().find_map(|r| r.lead.as_ref()) {
                    let mut f = vec![];
                    let names = lead.names.join(" ").to_lowercase();
                    if let Some(n) = str_at(obs.request, "/customer_contact/name")
                        && !n
                            .split_whitespace()
                            .all(|w| names.contains(&w.to_lowercase()))
                    {
                        f.push("ADF contact name does not carry the customer's name".into());
                    }
                    // The seed permits the plaintext in the CRM lead without listing which
                    // fields; the DTD needs an email or a phone. Each one given must be the
                    // customer's, and at least one must be there.
                    let email = str_at(obs.request, "/customer_contact/email");
                    let phone = str_at(obs.request, "/customer_contact/phone");
                    let has_email = email.is_some_and(|e| {
                        lead.emails.iter().any(|x| x.trim().eq_ignore_ascii_case(e))
                    });
                    let has_phone =
                        phone.is_some_and(|p| lead.phones.iter().any(|x| same_phone(x, p)));
                    if !has_email && !has_phone {
                        f.push(
                            "ADF contact has neither the customer's email nor their phone".into(),
                        );
                    }
                    if !lead.emails.is_empty() && !has_email {
                        f.push("ADF contact email is not the customer's".into());
                    }
                    if !lead.phones.is_empty() && !has_phone {
                        f.push("ADF contact phone is not the customer's".into());
                    }
                    out.verdict("DMC12-CRM-ADF-002", "crm-adf-content", f);
                    if let Some(ti) = obs.request.get("trade_in")
                        && let (Some(y), Some(mk), Some(md)) =
                            (ti.get("year"), str_at(ti, "/make"), str_at(ti, "/model"))
                    {
                        let ok = lead.vehicles.iter().any(|v| {
                            v.interest == "trade-in"
                                && v.year.trim() == y.to_string().as_str()
                                && v.make.trim() == mk.trim()
                                && v.model.trim() == md.trim()
                        });
                        out.verdict("DMC12-CRM-ADF-003", "crm-adf-tradein", if ok { vec![] } else { vec!["no ADF vehicle with interest=\"trade-in\" and the trade-in's year, make and model".into()] });
                    }
                }
            }
            // crm_status and crm_lead_id against what the mock did.
            let created = mode == CrmMode::Created && !lead_ids.is_empty();
            let mut f = vec![];
            match (created, crm_status.as_deref()) {
                (true, Some("sent")) | (false, Some("failed")) => {}
                (true, other) => f.push(format!(
                    "the CRM accepted the lead but crm_status is {other:?}"
                )),
                (false, other) => f.push(format!(
                    "the CRM {} but crm_status is {other:?}",
                    if obs.crm.is_empty() {
                        "received no lead".to_string()
                    } else {
                        format!("answered {}", mode.name())
                    }
                )),
            }
            out.verdict("DMC12-RCPT-CRMSTATUS-001", "receipt-crm-status", f);
            let mut f = vec![];
            match (&lead_id, crm_status.as_deref()) {
                (Value::Null, _) => {}
                (Value::String(id), Some("sent")) => {
                    let adf_ids: Vec<&String> = reports
                        .iter()
                        .filter_map(|r| r.lead.as_ref())
                        .flat_map(|l| l.ids.iter())
                        .collect();
                    // The seed's own receipt example shows the hand-off token as crm_lead_id.
                    let handoff = data.get("handoff_token").and_then(Value::as_str);
                    if !lead_ids.contains(id)
                        && !adf_ids.iter().any(|a| a.trim() == id)
                        && handoff != Some(id.as_str())
                    {
                        f.push("crm_lead_id is neither the CRM's leadId, an ADF <id> of the posted lead, nor the hand-off token".into());
                    }
                }
                (Value::String(_), st) => {
                    f.push(format!("crm_lead_id is set although crm_status is {st:?}"))
                }
                (other, _) => f.push(format!(
                    "crm_lead_id is {} (expected string or null)",
                    json_type(other)
                )),
            }
            out.verdict("DMC12-RCPT-CRMLEADID-001", "receipt-crm-lead-id", f);
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn header<'h>(h: &'h [(String, String)], name: &str) -> Option<&'h str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Judge a call that a conforming server rejects with `code` (clause `clause`, check `check`).
/// Also judges the error envelope, the absence of side effects and leaks.
pub fn judge_rejected(
    obs: &CaseObs<'_>,
    ctx: &JudgeCtx<'_>,
    clause: &str,
    check: &'static str,
    code: &str,
) -> Vec<Evaluation> {
    let mut out = Out { obs, evals: vec![] };
    judge_common(&mut out);
    let found = ctx.rules.find(obs.exchange);
    let outcome = match (&found, &obs.exchange.reply) {
        (Some(f), _) if ctx.rules.matches(code, &f.code) => Outcome::Pass,
        (_, Reply::Unparseable { reason }) => {
            Outcome::Error(format!("unparseable reply: {reason}"))
        }
        _ => Outcome::Fail(format!(
            "expected {code}; got {}",
            describe_reply(obs.exchange, ctx.rules)
        )),
    };
    out.push(clause, check, outcome);
    if let (Reply::Protocol { .. }, Some(f)) = (&obs.exchange.reply, &found) {
        // The code travelled in an A2A error's `error.data[]` (BINDINGS.md §2 lets the harness
        // look there): there is no operation envelope to judge.
        out.push(
            "DMC12-ERR-ENVELOPE-001",
            "error-envelope",
            Outcome::NotApplicable(format!(
                "the code was found at {}, not in an operation error envelope",
                f.at
            )),
        );
    }
    if let Reply::Op { object, .. } = &obs.exchange.reply
        && object.get("error").is_some()
    {
        // BINDINGS.md §2's envelope by default; with the profile's own code pointers the
        // envelope is the target's, and the rule is that the code is a string found there.
        let v = if ctx.rules.pointers == CodeRules::default().pointers {
            super::schemas().error.violations(object)
        } else if ctx.rules.find(obs.exchange).is_some() {
            vec![]
        } else {
            vec![format!(
                "no error code at {}",
                ctx.rules.pointers.join(", ")
            )]
        };
        out.verdict(
            "DMC12-ERR-ENVELOPE-001",
            "error-envelope",
            if v.is_empty() {
                vec![]
            } else {
                vec![format!("error envelope: {}", v.join(", "))]
            },
        );
    }
    judge_no_side_effects(&mut out);
    out.evals
}

fn judge_no_side_effects(out: &mut Out<'_>) {
    let obs = out.obs;
    let mut f = vec![];
    if !obs.mails.is_empty() {
        f.push(format!(
            "{} mail(s) sent for a rejected call",
            obs.mails.len()
        ));
    }
    if !obs.crm.is_empty() {
        f.push(format!(
            "{} CRM request(s) for a rejected call",
            obs.crm.len()
        ));
    }
    out.verdict("DMC12-PII-REJECTED-001", "rejected-no-side-effects", f);
}

/// Whether the error of `ex` conveys `reason` as a string value: BINDINGS.md's `error.reason`,
/// or anywhere a server that moves its envelope (the profile's pointers) or answers with an A2A
/// protocol error (`error.data[]`) put it.
fn carries_reason(ex: &Exchange, reason: &str) -> bool {
    fn any_string(v: &Value, want: &str) -> bool {
        match v {
            Value::String(s) => s == want,
            Value::Array(a) => a.iter().any(|x| any_string(x, want)),
            Value::Object(o) => o.values().any(|x| any_string(x, want)),
            _ => false,
        }
    }
    match &ex.reply {
        Reply::Op { object, .. } => any_string(object, reason),
        Reply::Protocol { data, .. } => data.as_ref().is_some_and(|d| any_string(d, reason)),
        _ => false,
    }
}

/// Judge a call made while the SMTP sink was failing: UPSTREAM_UNAVAILABLE/email_send_failed and
/// no CRM request. (Nothing-recorded is judged by the runner against the store.)
pub fn judge_smtp_fault(obs: &CaseObs<'_>, ctx: &JudgeCtx<'_>) -> Vec<Evaluation> {
    let mut out = Out { obs, evals: vec![] };
    judge_common(&mut out);
    let found = ctx.rules.find(obs.exchange);
    let mut f = vec![];
    match found {
        Some(c) if c.code == crate::spec::codes::UPSTREAM_UNAVAILABLE => {
            if !carries_reason(obs.exchange, crate::spec::codes::REASON_EMAIL_SEND_FAILED) {
                let at = match &obs.exchange.reply {
                    Reply::Op { object, .. } => str_at(object, "/error/reason").map(str::to_string),
                    _ => None,
                };
                f.push(format!(
                    "UPSTREAM_UNAVAILABLE without the reason email_send_failed (error.reason is {at:?}; not found in the error either)"
                ));
            }
        }
        _ => f.push(format!(
            "expected UPSTREAM_UNAVAILABLE; got {}",
            describe_reply(obs.exchange, ctx.rules)
        )),
    }
    if let Reply::Unparseable { reason } = &obs.exchange.reply {
        out.push(
            "DMC12-EMAIL-FAIL-001",
            "smtp-fault-code",
            Outcome::Error(format!("unparseable reply: {reason}")),
        );
    } else {
        out.verdict("DMC12-EMAIL-FAIL-001", "smtp-fault-code", f);
    }
    out.verdict(
        "DMC12-EMAIL-FAIL-003",
        "smtp-fault-no-crm",
        if obs.crm.is_empty() {
            vec![]
        } else {
            vec![format!(
                "{} CRM request(s) although the email failed",
                obs.crm.len()
            )]
        },
    );
    out.evals
}

/// Judge a call made while the CRM mock was failing: the call succeeds with crm_status failed
/// and no crm_lead_id.
pub fn judge_crm_fault(obs: &CaseObs<'_>, ctx: &JudgeCtx<'_>) -> Vec<Evaluation> {
    let mut out = Out { obs, evals: vec![] };
    judge_common(&mut out);
    if let Some(delay) = slow_crm_waited_out(obs, ctx) {
        // The server's CRM timeout is longer than the harness's delay: the lead was created
        // and `sent` is the truth. The fault was not tested, and nothing is wrong.
        out.push(
            "DMC12-CRM-BESTEFFORT-001",
            "crm-fault-success",
            Outcome::NotTested(format!(
                "the server waited out the CRM's {:.1}s delay and got the lead created: its CRM \
                 timeout is longer; set [observe] crm_timeout_ms to it",
                delay.as_secs_f64()
            )),
        );
        if let CrmSetup::Enabled {
            store_id, token, ..
        } = ctx.crm
        {
            let created = JudgeCtx {
                crm: CrmSetup::Enabled {
                    store_id,
                    token,
                    mode: CrmMode::Created,
                },
                ..*ctx
            };
            judge_crm(&mut out, &created);
        }
        return out.evals;
    }
    let mut f = vec![];
    match success_data(obs.exchange) {
        None => f.push(format!(
            "the call failed while the CRM was failing: {}",
            describe_reply(obs.exchange, ctx.rules)
        )),
        Some(d) => {
            if d.get("crm_status").and_then(Value::as_str) != Some("failed") {
                f.push(format!(
                    "crm_status is {:?} (expected failed)",
                    d.get("crm_status")
                ));
            }
        }
    }
    out.verdict("DMC12-CRM-BESTEFFORT-001", "crm-fault-success", f);
    if success_data(obs.exchange).is_some() {
        judge_crm(&mut out, ctx);
    }
    out.evals
}

/// With the CRM mock slower than the server was said to wait: `Some(delay)` when the server
/// answered `sent` after really waiting for the mock's answer (the exchange outlasted the delay,
/// or the receipt carries the lead id the mock answered with).
fn slow_crm_waited_out(obs: &CaseObs<'_>, ctx: &JudgeCtx<'_>) -> Option<std::time::Duration> {
    let CrmSetup::Enabled {
        mode: CrmMode::Slow(delay),
        ..
    } = ctx.crm
    else {
        return None;
    };
    let d = success_data(obs.exchange)?;
    if d.get("crm_status").and_then(Value::as_str) != Some("sent") || obs.crm.is_empty() {
        return None;
    }
    let echoed = d
        .get("crm_lead_id")
        .and_then(Value::as_str)
        .is_some_and(|id| obs.crm.iter().any(|r| r.lead_id.as_deref() == Some(id)));
    (echoed || obs.exchange.elapsed >= delay).then_some(delay)
}

/// Judge a call made with the CRM sink off.
pub fn judge_crm_disabled(obs: &CaseObs<'_>, ctx: &JudgeCtx<'_>) -> Vec<Evaluation> {
    let mut out = Out { obs, evals: vec![] };
    judge_common(&mut out);
    if success_data(obs.exchange).is_none() {
        out.push(
            "DMC12-CRM-DISABLED-001",
            "crm-disabled",
            Outcome::Fail(format!(
                "the call failed with the CRM sink off: {}",
                describe_reply(obs.exchange, ctx.rules)
            )),
        );
        return out.evals;
    }
    judge_crm(&mut out, ctx);
    out.evals
}

#[cfg(test)]
mod tests;
