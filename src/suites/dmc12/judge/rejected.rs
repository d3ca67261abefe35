//! A rejected request: the error envelope and no side effect.

use super::*;
use crate::check::{CodeRules, Evaluation, Outcome, describe_reply};
use crate::transport::{Exchange, Reply};
use serde_json::Value;

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
            crate::suites::dmc12::schemas().error.violations(object)
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

pub(crate) fn judge_no_side_effects(out: &mut Out<'_>) {
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
pub(crate) fn carries_reason(ex: &Exchange, reason: &str) -> bool {
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
