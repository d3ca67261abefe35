//! Side-effect faults: the SMTP sink refusing mail, the CRM failing or slow, the CRM turned off.

use super::*;
use crate::check::{Evaluation, Outcome};
use crate::observe::crm::CrmMode;
use crate::observe::smtp::SmtpFault;
use crate::run::{Ledger, Target, digests_for, not_tested};
use crate::suites::dmc12::judge::{
    CrmSetup, judge_accepted, judge_crm_disabled, judge_crm_fault, judge_smtp_fault,
};
use crate::suites::dmc12::plan::{self as generate};
use crate::transport::TransportError;

pub(crate) async fn smtp_faults(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let dbs = ledger_db_files(ledger);
    // Can the store show a recorded hand-off at all? (Hashes of accepted cases of this binding.)
    let accepted_scanner =
        digests_for(ledger.cases.iter().filter(|c| c.binding == b && c.accepted));
    let hashes_visible = store_hashed_fields(&dbs, &accepted_scanner)
        .await
        .is_some_and(|fields| !fields.is_empty());
    for (i, fault) in SmtpFault::FAULTS.into_iter().enumerate() {
        let mut case = generate::edge_cases(&format!("{}f{i}", s.salt)).remove(2);
        case.id = format!("smtp-{}", fault.name());
        let Some((rsv, _)) = s
            .acquire_for(ledger, "DMC12-EMAIL-FAIL-001", "smtp-fault-code", &case.id)
            .await
        else {
            continue;
        };
        let window = s.world.window().await;
        s.sink.set_fault(fault);
        let x = s
            .exec_in(&window, ledger, case.with_token(&rsv), Some(&a))
            .await;
        s.sink.set_fault(SmtpFault::None);
        drop(window);
        match x {
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-EMAIL-FAIL-001",
                "smtp-fault-code",
                Some(b),
                &case.id,
                Outcome::Error(e.to_string()),
            )),
            Ok(x) => {
                s.record(ledger, &case.id, &case, false);
                let scanner = &x.scanner;
                ledger.extend(judge_smtp_fault(
                    &x.obs(b, &case.id),
                    &s.ctx(s.crm_enabled(CrmMode::Created)),
                ));
                // Nothing recorded: no hand-off record of this case's PII in the store. A
                // hand-off record holds the digests of several 🔒 fields together; an audit
                // row of the failed attempt may hold one digest (seed 000: "PII is hashed in
                // every audit/DB surface"), which is not a recorded hand-off. Absence proves
                // something only where a recorded hand-off shows: the run's accepted ones, or
                // else this case's own retry below (a replay of this unit alone has no other).
                let no_record = |outcome| {
                    Evaluation::new(
                        "DMC12-EMAIL-FAIL-002",
                        "smtp-fault-no-record",
                        Some(b),
                        &case.id,
                        outcome,
                    )
                };
                let mut unproven = None;
                match store_hashed_fields(&dbs, scanner.digests()).await {
                    None => ledger.push(no_record(Outcome::NotTested(
                        "the harness cannot see the target's database".into(),
                    ))),
                    Some(f) if f.len() > 1 => ledger.push(no_record(Outcome::Fail(format!(
                        "SHA-256 digests of this call's {} were written to the store although the email failed (a hand-off record)",
                        f.into_iter().collect::<Vec<_>>().join(", ")
                    )))),
                    Some(_) if hashes_visible => ledger.push(no_record(Outcome::Pass)),
                    Some(_) => unproven = Some(scanner),
                }
                // The same reservation then hands off cleanly.
                let retry_id = format!("{}-retry", case.id);
                match s.exec(ledger, case.with_token(&rsv), Some(&a)).await {
                    Err(e) => ledger.push(Evaluation::new(
                        "DMC12-EMAIL-FAIL-002",
                        "smtp-fault-retry",
                        Some(b),
                        &retry_id,
                        Outcome::Error(e.to_string()),
                    )),
                    Ok(r) => {
                        if let Some(rec) = ledger.cases.last_mut() {
                            rec.accepted = r.accepted();
                        }
                        if let Some(scanner) = unproven.take() {
                            let shows = r.accepted()
                                && store_hashed_fields(&dbs, scanner.digests())
                                    .await
                                    .is_some_and(|f| f.len() > 1);
                            ledger.push(no_record(if shows {
                                Outcome::Pass
                            } else {
                                Outcome::NotTested(NOT_VISIBLE.into())
                            }));
                        }
                        let outcome = if r.accepted() {
                            Outcome::Pass
                        } else {
                            Outcome::Fail(format!(
                                "after the SMTP fault the same reservation was refused: {}",
                                crate::check::describe_reply(&r.exchange, &s.opts.codes)
                            ))
                        };
                        ledger.push(Evaluation::new(
                            "DMC12-EMAIL-FAIL-002",
                            "smtp-fault-retry",
                            Some(b),
                            &retry_id,
                            outcome,
                        ));
                        ledger.extend(judge_accepted(
                            &r.obs(b, &retry_id),
                            &s.ctx(s.crm_enabled(CrmMode::Created)),
                            &[],
                        ));
                    }
                }
                if unproven.is_some() {
                    ledger.push(no_record(Outcome::NotTested(
                        "the retry was not answered, so no recorded hand-off shows what the store holds".into(),
                    )));
                }
            }
        }
        s.release(ledger, &rsv, &a).await;
    }
}

/// Why an empty store proves nothing.
const NOT_VISIBLE: &str =
    "accepted hand-offs are not visible as SHA-256 digests in the store, so absence proves nothing";

pub(crate) fn ledger_db_files(ledger: &Ledger) -> Vec<std::path::PathBuf> {
    ledger.db_files.clone()
}

pub(crate) async fn crm_faults(s: &mut Session<'_>, target: &Target, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let slow = target.crm_timeout() + std::time::Duration::from_secs(1);
    for (i, mode) in [
        CrmMode::Status500,
        CrmMode::Status503,
        CrmMode::Slow(slow),
        CrmMode::Reset,
    ]
    .into_iter()
    .enumerate()
    {
        let mut case = generate::edge_cases(&format!("{}c{i}", s.salt)).remove(0);
        case.id = format!("crm-{}", mode.name());
        let Some((rsv, _)) = s
            .acquire_for(
                ledger,
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                &case.id,
            )
            .await
        else {
            continue;
        };
        let window = s.world.window().await;
        s.crm.set_mode(mode).await;
        let x = s
            .exec_in(&window, ledger, case.with_token(&rsv), Some(&a))
            .await;
        s.crm.set_mode(CrmMode::Created).await;
        drop(window);
        match x {
            Err(TransportError::Timeout { secs, .. }) => ledger.push(Evaluation::new(
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                Some(b),
                &case.id,
                Outcome::Fail(format!(
                    "no answer within {secs:.1}s while the CRM was failing ({})",
                    mode.name()
                )),
            )),
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                Some(b),
                &case.id,
                Outcome::Error(e.to_string()),
            )),
            Ok(x) => {
                s.record(ledger, &case.id, &case, x.accepted());
                ledger.extend(judge_crm_fault(
                    &x.obs(b, &case.id),
                    &s.ctx(s.crm_enabled(mode)),
                ));
            }
        }
        s.release(ledger, &rsv, &a).await;
    }
}

pub(crate) async fn crm_disabled(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let mut case = generate::edge_cases(&format!("{}d", s.salt)).remove(2);
    case.id = "crm-disabled".into();
    if let Err(why) = load_inventory(s, ledger).await {
        ledger.extend(not_tested(
            &[("DMC12-CRM-DISABLED-001", "crm-disabled")],
            Some(b),
            &case.id,
            &why,
        ));
        return;
    }
    let (rsv, _) = match s.acquire(ledger, &a, None).await {
        Ok(r) => r,
        Err(why) => {
            ledger.extend(not_tested(
                &[("DMC12-CRM-DISABLED-001", "crm-disabled")],
                Some(b),
                &case.id,
                &why,
            ));
            return;
        }
    };
    match s.exec(ledger, case.with_token(&rsv), Some(&a)).await {
        Err(e) => ledger.push(Evaluation::new(
            "DMC12-CRM-DISABLED-001",
            "crm-disabled",
            Some(b),
            &case.id,
            Outcome::Error(e.to_string()),
        )),
        Ok(x) => {
            s.record(ledger, &case.id, &case, x.accepted());
            ledger.extend(judge_crm_disabled(
                &x.obs(b, &case.id),
                &s.ctx(CrmSetup::Disabled),
            ));
        }
    }
    s.release(ledger, &rsv, &a).await;
}
