//! The DriveCentric lead: the request shape the contract fixes and the ADF document it carries.

use super::*;
use crate::check::{Outcome, shown_str};
use crate::observe::adf;
use crate::observe::crm::CrmMode;
use serde_json::Value;

pub(crate) fn judge_crm(out: &mut Out<'_>, ctx: &JudgeCtx<'_>) {
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
                    "crm_status is {} with the CRM sink off",
                    shown_str(crm_status.as_deref())
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
                    "the CRM accepted the lead but crm_status is {}",
                    shown_str(other)
                )),
                (false, other) => f.push(format!(
                    "the CRM {} but crm_status is {}",
                    if obs.crm.is_empty() {
                        "received no lead".to_string()
                    } else {
                        format!("answered {}", mode.name())
                    },
                    shown_str(other)
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
                (Value::String(_), st) => f.push(format!(
                    "crm_lead_id is set although crm_status is {}",
                    shown_str(st)
                )),
                (other, _) => f.push(format!(
                    "crm_lead_id is {} (expected string or null)",
                    json_type(other)
                )),
            }
            out.verdict("DMC12-RCPT-CRMLEADID-001", "receipt-crm-lead-id", f);
        }
    }
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn header<'h>(h: &'h [(String, String)], name: &str) -> Option<&'h str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
