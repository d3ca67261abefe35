//! The DMC-12 judging functions. [`CaseObs`] is everything the runner saw for one call (the
//! exchange, the mails and CRM requests it caused, the call window); the `judge_*` functions
//! turn it into [`Evaluation`]s for the clauses of `suites/dmc12/clauses.toml`.

use crate::check::{CodeRules, Evaluation, Outcome, describe_reply, shown};
use crate::observe::crm::{CrmMode, CrmRequest};
use crate::observe::leak::{LeakFinding, LeakScanner};
use crate::observe::smtp::CapturedMail;
use crate::spec::{is_masked_form, mask_email, tools};
use crate::transport::{Binding, Exchange, Reply};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

mod crm;
mod faults;
mod mail;
mod rejected;
use crm::*;
pub use faults::*;
use mail::*;
pub use rejected::*;

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

pub(crate) struct Out<'a> {
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
    if obs.binding == Binding::McpModern
        && let Some(fails) = crate::check::mcp_modern::result_type_fails(obs.exchange)
    {
        out.verdict("MCP-MODERN-RESULT-001", "mcp-result-type", fails);
    }
    if obs.binding.is_mcp()
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
            "_metadata.tool is {}",
            shown(object.pointer("/_metadata/tool"))
        ));
    }
    if str_at(object, "/_metadata/protocol") != Some(obs.binding.protocol()) {
        f.push(format!(
            "_metadata.protocol is {} over {}",
            shown(object.pointer("/_metadata/protocol")),
            obs.binding
        ));
    }
    if str_at(object, "/_metadata/trace_id").is_none_or(str::is_empty) {
        f.push("_metadata.trace_id missing".into());
    }
    out.verdict("DMC12-RCPT-META-001", "receipt-metadata", f);
}

#[cfg(test)]
mod tests;
