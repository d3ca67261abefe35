//! Side-effect faults: SMTP refused, the CRM failing, slow or turned off.

use super::*;
use crate::check::{Evaluation, Outcome, describe_reply, shown};
use crate::observe::crm::CrmMode;
use crate::transport::Reply;
use serde_json::Value;

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
                    "crm_status is {} (expected failed)",
                    shown(d.get("crm_status"))
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
pub(crate) fn slow_crm_waited_out(
    obs: &CaseObs<'_>,
    ctx: &JudgeCtx<'_>,
) -> Option<std::time::Duration> {
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
