//! The stateful scenarios: reservation tokens reused, expired, released or held by another agent, and the hand-off's audit record.

use super::*;
use crate::check::{Evaluation, Outcome};
use crate::observe::crm::CrmMode;
use crate::run::{Ledger, not_tested};
use crate::spec::codes;
use crate::suites::dmc12::judge::judge_rejected;
use crate::suites::dmc12::plan::{self as generate, Dmc12Case};
use crate::transport::TransportError;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Judge a call that must be refused with `code` under `clause`.
fn reject_judged(
    s: &Session<'_>,
    ledger: &mut Ledger,
    x: Result<Executed, TransportError>,
    case: &Dmc12Case,
    clause: &str,
    check: &'static str,
    code: &str,
) {
    match x {
        Err(e) => ledger.push(Evaluation::new(
            clause,
            check,
            Some(s.binding),
            &case.id,
            Outcome::Error(e.to_string()),
        )),
        Ok(x) => {
            s.record(ledger, &case.id, case, x.accepted());
            let ev = judge_rejected(
                &x.obs(s.binding, &case.id),
                &s.ctx(s.crm_enabled(CrmMode::Created)),
                clause,
                check,
                code,
            );
            ledger.extend(ev);
        }
    }
}

pub(crate) async fn state_scenarios(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let salt = s.salt.clone();
    let base = |i: usize| generate::edge_cases(&format!("{salt}s{i}")).remove(0);
    // Never issued.
    let mut case = base(1);
    case.id = "reservation-never-issued".into();
    let fake = format!("rsv_{}", uuid::Uuid::new_v4().simple());
    let x = s.exec(ledger, case.with_token(&fake), Some(&a)).await;
    reject_judged(
        s,
        ledger,
        x,
        &case,
        "DMC12-RES-NOTFOUND-001",
        "state-not-found",
        codes::RESERVATION_NOT_FOUND,
    );
    // Released.
    let mut case = base(2);
    case.id = "reservation-released".into();
    match s.acquire(ledger, &a, None).await {
        Err(why) => ledger.extend(not_tested(
            &[("DMC12-RES-STATE-001", "state-released")],
            Some(b),
            &case.id,
            &why,
        )),
        Ok((r, _)) => match s
            .tool(
                ledger,
                &s.opts.fixture_tools[2].clone(),
                json!({"reservation_token": r}),
                &a,
            )
            .await
        {
            Err(why) => ledger.extend(not_tested(
                &[("DMC12-RES-STATE-001", "state-released")],
                Some(b),
                &case.id,
                &format!("release_reservation failed: {why}"),
            )),
            Ok(_) => {
                let x = s.exec(ledger, case.with_token(&r), Some(&a)).await;
                reject_judged(
                    s,
                    ledger,
                    x,
                    &case,
                    "DMC12-RES-STATE-001",
                    "state-released",
                    codes::RESERVATION_STATE,
                );
            }
        },
    }
    // Owned by another agent.
    let mut case = base(3);
    case.id = "reservation-of-another-agent".into();
    match (
        s.target_tokens.agent_b.clone(),
        s.acquire(ledger, &a, None).await,
    ) {
        (None, _) => ledger.extend(not_tested(
            &[("DMC12-RES-OWNER-001", "state-not-owner")],
            Some(b),
            &case.id,
            "the target profile names no second agent token",
        )),
        (_, Err(why)) => ledger.extend(not_tested(
            &[("DMC12-RES-OWNER-001", "state-not-owner")],
            Some(b),
            &case.id,
            &why,
        )),
        (Some(tb), Ok((r, _))) => {
            let x = s.exec(ledger, case.with_token(&r), Some(&tb)).await;
            reject_judged(
                s,
                ledger,
                x,
                &case,
                "DMC12-RES-OWNER-001",
                "state-not-owner",
                codes::NOT_AUTHORIZED,
            );
            s.release(ledger, &r, &a).await;
        }
    }
}

/// The expired-reservation scenario, started early: a one-second hold whose vehicle leaves
/// the session's rotation, so the generated cases run while it expires instead of the run
/// sleeping on it ([`finish_expiry`]).
pub(crate) struct PendingExpiry {
    case: Dmc12Case,
    hold: Result<(String, Value), String>,
    parked: Option<String>,
}

/// Ask for the one-second hold of the expiry scenario. With fewer than two vehicles the hold
/// is asked for only when the scenario finishes (the only vehicle cannot be parked).
pub(crate) async fn start_expiry(s: &mut Session<'_>, ledger: &mut Ledger) -> PendingExpiry {
    let mut case = generate::edge_cases(&format!("{}s4", s.salt)).remove(0);
    case.id = "reservation-expired".into();
    if s.vins.len() < 2 {
        return PendingExpiry {
            case,
            hold: Err(String::new()),
            parked: None,
        };
    }
    let a = s.target_tokens.agent_a.clone();
    let hold = s.acquire(ledger, &a, Some(1)).await;
    let parked = match &hold {
        Ok(_) => {
            let i = (s.next_vin + s.vins.len() - 1) % s.vins.len();
            Some(s.vins.remove(i))
        }
        Err(_) => None,
    };
    PendingExpiry { case, hold, parked }
}

/// Wait for the early hold's own `expires_at` (asking for it now when it was not asked for
/// early), hand it off, and expect RESERVATION_EXPIRED; the parked vehicle joins the rotation
/// again.
pub(crate) async fn finish_expiry(s: &mut Session<'_>, ledger: &mut Ledger, p: PendingExpiry) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let PendingExpiry { case, hold, parked } = p;
    let hold = match (hold, &parked) {
        (Err(_), None) => s.acquire(ledger, &a, Some(1)).await,
        (hold, _) => hold,
    };
    if let Some(vin) = parked {
        s.vins.push(vin);
    }
    match hold {
        Err(why) => ledger.extend(not_tested(
            &[("DMC12-RES-EXPIRED-001", "state-expired")],
            Some(b),
            &case.id,
            &why,
        )),
        Ok((r, d)) => match d
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        {
            None => ledger.extend(not_tested(
                &[("DMC12-RES-EXPIRED-001", "state-expired")],
                Some(b),
                &case.id,
                "create_reservation gave no RFC 3339 expires_at",
            )),
            Some(exp) => {
                let exp = exp.with_timezone(&Utc);
                let limit = Utc::now() + chrono::Duration::seconds(30);
                if exp > limit {
                    ledger.extend(not_tested(
                        &[("DMC12-RES-EXPIRED-001", "state-expired")],
                        Some(b),
                        &case.id,
                        "hold_seconds:1 gave a hold longer than 30 s",
                    ));
                } else {
                    // Wait until the clock has passed the hold's own expiry (plus the allowed
                    // skew); an expiry shown to the whole second may be up to a second early.
                    let whole_second = if exp.timestamp_subsec_nanos() == 0 {
                        chrono::Duration::seconds(1)
                    } else {
                        chrono::Duration::zero()
                    };
                    let deadline = exp
                        + whole_second
                        + chrono::Duration::from_std(
                            s.opts.clock_skew.min(std::time::Duration::from_millis(250)),
                        )
                        .unwrap_or_default();
                    while Utc::now() <= deadline {
                        let left = (deadline - Utc::now()).to_std().unwrap_or_default();
                        tokio::time::sleep(left + std::time::Duration::from_millis(5)).await;
                    }
                    let x = s.exec(ledger, case.with_token(&r), Some(&a)).await;
                    reject_judged(
                        s,
                        ledger,
                        x,
                        &case,
                        "DMC12-RES-EXPIRED-001",
                        "state-expired",
                        codes::RESERVATION_EXPIRED,
                    );
                }
            }
        },
    }
}

/// The distinct 🔒 fields whose SHA-256 digests the target's database files hold (None: no
/// file could be read).
pub(crate) async fn store_hashed_fields(
    target_dbs: &[std::path::PathBuf],
    scanner: &crate::observe::leak::DigestScanner,
) -> Option<std::collections::BTreeSet<String>> {
    let mut any_file = false;
    let mut fields = std::collections::BTreeSet::new();
    for f in target_dbs {
        if let Ok(bytes) = tokio::fs::read(f).await {
            any_file = true;
            fields.extend(
                scanner
                    .scan_hashes("db", &bytes)
                    .into_iter()
                    .map(|(f, _)| f),
            );
        }
    }
    any_file.then_some(fields)
}
