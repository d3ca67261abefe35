//! The end-of-run scans: every surface the harness can see (mail, CRM requests, logs, database files) searched for canaries of rejected cases.

use std::collections::HashSet;

use crate::check::{Evaluation, Outcome};
use crate::observe::crm::CrmMock;
use crate::observe::leak::{Canary, LeakScanner};
use crate::observe::smtp::SmtpSink;
use crate::run::{Ledger, Target, digests_for};
use crate::transport::Binding;

/// Held by the transport whose end-of-run scans are running.
static SCAN_GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Scans after every call has been made: the log, the store, and every mail and CRM body for
/// canaries of rejected calls.
pub(crate) async fn end_of_run_scans(
    target: &Target,
    sink: &SmtpSink,
    crm: &CrmMock,
    transports: &[Binding],
    ledger: &mut Ledger,
) {
    // One transport's scans at a time: the transports finish side by side, and each scanner
    // holds every needle of its transport's cases (the largest thing a long run builds).
    let _one_at_a_time = SCAN_GATE.lock().await;
    for &b in transports {
        let cases = || ledger.cases.iter().filter(|c| c.binding == b);
        let rejected: HashSet<String> = cases()
            .filter(|c| !c.accepted)
            .flat_map(|c| c.canaries.iter().map(|k| k.value.clone()))
            .collect();
        // One scanner over every case of the transport finds any canary (log, store) and a
        // rejected case's (mail, CRM); the accepted cases' digests are looked up apart.
        let all = LeakScanner::plaintext(cases().flat_map(|c| c.canaries.clone()).collect());
        let accepted = digests_for(cases().filter(|c| c.accepted));
        let is_rejected = |c: &Canary| rejected.contains(&c.value);
        // Log.
        let outcome = match target.log_bytes() {
            None => Outcome::NotTested("the harness cannot see the target's log output".into()),
            Some(log) => {
                let f = all.scan("server log", &log);
                crate::suites::dmc12::judge::leak_outcome(&f)
            }
        };
        ledger.push(Evaluation::new(
            "DMC12-PII-LOG-001",
            "leak-log",
            Some(b),
            "end-of-run",
            outcome,
        ));
        // Store: plaintext, and (SHOULD) hashes of accepted hand-offs.
        let mut seen_file = false;
        let mut findings = vec![];
        let mut hash_hits = 0;
        for f in target.db_files() {
            if let Ok(bytes) = tokio::fs::read(&f).await {
                seen_file = true;
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                findings.extend(all.scan(&format!("db file {name}"), &bytes));
                hash_hits += accepted.scan_hashes("db", &bytes).len();
            }
        }
        let (o1, o2) = if !seen_file {
            let why = "the harness cannot see the target's database".to_string();
            (Outcome::NotTested(why.clone()), Outcome::NotTested(why))
        } else {
            (
                crate::suites::dmc12::judge::leak_outcome(&findings),
                if accepted.is_empty() {
                    Outcome::NotTested("no accepted hand-off with scannable PII".into())
                } else if hash_hits > 0 {
                    Outcome::Pass
                } else {
                    Outcome::Fail(
                        "no SHA-256 digest of any accepted hand-off's PII found in the store"
                            .into(),
                    )
                },
            )
        };
        ledger.push(Evaluation::new(
            "DMC12-PII-STORE-001",
            "leak-store",
            Some(b),
            "end-of-run",
            o1,
        ));
        ledger.push(Evaluation::new(
            "DMC12-PII-STORE-002",
            "store-hashes",
            Some(b),
            "end-of-run",
            o2,
        ));
        // Late side effects of rejected calls.
        let mut f = vec![];
        sink.each_mail(|m| f.extend(all.scan_matching("mail", &m.raw, is_rejected)));
        crm.each_request(|r| {
            f.extend(all.scan_matching("CRM request", r.body.as_bytes(), is_rejected))
        });
        ledger.push(Evaluation::new(
            "DMC12-PII-REJECTED-001",
            "rejected-no-side-effects",
            Some(b),
            "end-of-run",
            if f.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "PII of rejected calls reached mail or CRM: {}",
                    crate::suites::dmc12::judge::findings_text(&f)
                ))
            },
        ));
    }
}
