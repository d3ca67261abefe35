//! The end-of-run scans: every surface the harness can see (mail, CRM requests, logs, database
//! files) searched for canaries, one [`Surfaces`] searched per transport. No surface is held
//! whole: the mails and CRM bodies are read back from the observers' spools one at a time, the
//! logs and store files piece by piece ([`LeakScanner::scan_pieces`]).
//!
//! The searches are independent: one over every mail and CRM body for every transport's
//! rejected cases runs on a thread of its own, beside the transports' log and store searches,
//! which take turns (one transport's scanner is held at a time) and search the log and the
//! store side by side. The evaluations are recorded in transport order.

use crate::check::{Evaluation, Outcome};
use crate::observe::crm::CrmMock;
use crate::observe::leak::{DigestScanner, LeakFinding, LeakScanner};
use crate::observe::smtp::SmtpSink;
use crate::run::{CaseRecord, Ledger, LogSource, Target, digests_for, plaintext_for};
use crate::suites::dmc12::judge::{findings_text, leak_outcome};
use crate::transport::Binding;
use std::fs::File;

/// What the end-of-run scans read: every surface is read piece by piece, never held whole.
struct Surfaces<'a> {
    /// The target's logs the harness sees, with their names.
    logs: Vec<(&'static str, LogSource)>,
    /// `(file name, file)` of every store file that could be opened.
    dbs: Vec<(String, File)>,
    /// Why a store file that exists could not be opened, if one could not.
    unopened: Option<String>,
    sink: &'a SmtpSink,
    crm: &'a CrmMock,
}

/// Scans after every call has been made: the log, the store, and every mail and CRM body for
/// canaries of rejected calls.
pub(crate) async fn end_of_run_scans(
    target: &Target,
    sink: &SmtpSink,
    crm: &CrmMock,
    transports: &[Binding],
    ledger: &mut Ledger,
) {
    let mut dbs = vec![];
    let mut unopened = None;
    for f in target.db_files() {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match File::open(&f) {
            Ok(file) => dbs.push((name, file)),
            // A -journal or -wal sibling that is not there, or a store the target never made.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                unopened.get_or_insert(format!("the store file {name} could not be opened: {e}"));
            }
        }
    }
    let surfaces = Surfaces {
        logs: target.logs(),
        dbs,
        unopened,
        sink,
        crm,
    };
    let cases = &ledger.cases;
    // The mails and CRM bodies are searched on a thread of their own, once for every
    // transport's rejected cases (only when that finds something is each transport's share
    // told apart), while the transports' log and store scans run one after another, each
    // searching its surfaces side by side: one transport's scanner (the largest thing a long
    // run builds) is held at a time.
    let (late, judged) = std::thread::scope(|scope| {
        let late = scope.spawn(|| late_side_effects(&surfaces, cases, transports));
        let judged: Vec<Vec<Evaluation>> = transports
            .iter()
            .map(|&b| log_and_store(&surfaces, cases, b))
            .collect();
        // A panicked search is not a clean pass: the bodies are then told apart one by one.
        (late.join().unwrap_or(true), judged)
    });
    for (&b, evals) in transports.iter().zip(judged) {
        ledger.extend(evals);
        ledger.push(rejected_no_side_effects(
            &surfaces,
            cases_of(&ledger.cases, b),
            b,
            late,
        ));
    }
}

fn cases_of(cases: &[CaseRecord], b: Binding) -> impl Iterator<Item = &CaseRecord> {
    cases.iter().filter(move |c| c.binding == b)
}

/// Whether any mail or CRM body carries a rejected case's canary, of any of `transports`.
fn late_side_effects(
    surfaces: &Surfaces<'_>,
    cases: &[CaseRecord],
    transports: &[Binding],
) -> bool {
    let rejected = plaintext_for(
        cases
            .iter()
            .filter(|c| transports.contains(&c.binding) && !c.accepted),
    );
    let mut joined = Joined::new(&rejected);
    surfaces.sink.each_raw(|raw| joined.push(raw));
    surfaces.crm.each_body(|body| joined.push(body));
    joined.carried()
}

/// DMC12-PII-LOG-001, DMC12-PII-STORE-001 and -002 for transport `b`: one scanner over every
/// case of the transport finds any canary in the log and the store; the accepted cases'
/// digests are looked up apart.
fn log_and_store(surfaces: &Surfaces<'_>, cases: &[CaseRecord], b: Binding) -> Vec<Evaluation> {
    let all = plaintext_for(cases_of(cases, b));
    let accepted = digests_for(cases_of(cases, b).filter(|c| c.accepted));
    // The log on a thread of its own while this one reads the store.
    let (log, (store, hashes)) = std::thread::scope(|scope| {
        let log = scope.spawn(|| log_outcome(&surfaces.logs, &all));
        let store = store_outcomes(surfaces, &all, &accepted);
        let log = log
            .join()
            .unwrap_or_else(|_| Outcome::Error("the log scan failed".into()));
        (log, store)
    });
    let eval =
        |clause, check, outcome| Evaluation::new(clause, check, Some(b), "end-of-run", outcome);
    vec![
        eval("DMC12-PII-LOG-001", "leak-log", log),
        eval("DMC12-PII-STORE-001", "leak-store", store),
        eval("DMC12-PII-STORE-002", "store-hashes", hashes),
    ]
}

/// DMC12-PII-LOG-001: any canary in any of the target's logs.
fn log_outcome(logs: &[(&'static str, LogSource)], all: &LeakScanner) -> Outcome {
    if logs.is_empty() {
        return Outcome::NotTested("the harness cannot see the target's log output".into());
    }
    let mut findings: Vec<LeakFinding> = vec![];
    for (name, log) in logs {
        match all.scan_pieces(name, log) {
            Ok(f) => findings.extend(f),
            Err(e) => return Outcome::Error(format!("the {name} could not be read: {e}")),
        }
    }
    leak_outcome(&findings)
}

/// DMC12-PII-STORE-001 (any canary in the store) and -002 (an accepted case's digest there).
fn store_outcomes(
    surfaces: &Surfaces<'_>,
    all: &LeakScanner,
    accepted: &DigestScanner,
) -> (Outcome, Outcome) {
    if let Some(why) = &surfaces.unopened {
        return (Outcome::Error(why.clone()), Outcome::Error(why.clone()));
    }
    if surfaces.dbs.is_empty() {
        let why = "the harness cannot see the target's database".to_string();
        return (Outcome::NotTested(why.clone()), Outcome::NotTested(why));
    }
    let mut findings: Vec<LeakFinding> = vec![];
    let mut hashed = false;
    for (name, file) in &surfaces.dbs {
        let read = all
            .scan_pieces(&format!("db file {name}"), file)
            .and_then(|f| {
                findings.extend(f);
                Ok(hashed || accepted.finds_in_pieces(file)?)
            });
        match read {
            Ok(h) => hashed = h,
            Err(e) => {
                let why = format!("the store file {name} could not be read: {e}");
                return (Outcome::Error(why.clone()), Outcome::Error(why));
            }
        }
    }
    let hashes = if accepted.is_empty() {
        Outcome::NotTested("no accepted hand-off with scannable PII".into())
    } else if hashed {
        Outcome::Pass
    } else {
        Outcome::Fail("no SHA-256 digest of any accepted hand-off's PII found in the store".into())
    };
    (leak_outcome(&findings), hashes)
}

/// DMC12-PII-REJECTED-001 for transport `b`: its rejected cases' canaries in mail or CRM,
/// told apart body by body when the joined search found any late side effect.
fn rejected_no_side_effects<'c>(
    surfaces: &Surfaces<'_>,
    cases: impl Iterator<Item = &'c CaseRecord>,
    b: Binding,
    late: bool,
) -> Evaluation {
    let mut f = vec![];
    if late {
        let rejected = plaintext_for(cases.filter(|c| !c.accepted));
        surfaces
            .sink
            .each_raw(|raw| f.extend(rejected.scan("mail", raw)));
        surfaces
            .crm
            .each_body(|body| f.extend(rejected.scan("CRM request", body)));
    }
    // A body the spools could not read back ends the run before any report (run::run).
    Evaluation::new(
        "DMC12-PII-REJECTED-001",
        "rejected-no-side-effects",
        Some(b),
        "end-of-run",
        if f.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "PII of rejected calls reached mail or CRM: {}",
                findings_text(&f)
            ))
        },
    )
}

/// Bodies searched in a few large pieces instead of one at a time: each body is followed by a
/// NUL byte, which no needle holds and no phone number's digits cross, so a piece carries a
/// canary exactly when one of its bodies does. Thousands of small bodies cost one search per
/// piece instead of one per body (each search makes its own case-folded and soft-break views).
struct Joined<'s> {
    scanner: &'s LeakScanner,
    piece: Vec<u8>,
    carried: bool,
}

impl<'s> Joined<'s> {
    /// Bytes gathered before a piece is searched.
    const PIECE: usize = 1 << 20;

    fn new(scanner: &'s LeakScanner) -> Joined<'s> {
        Joined {
            scanner,
            piece: Vec::new(),
            carried: false,
        }
    }

    fn push(&mut self, body: &[u8]) {
        if self.carried || self.scanner.canaries().is_empty() {
            return;
        }
        // Searched before it outgrows its piece, so the buffer keeps its first capacity (a
        // body longer than a piece grows it once).
        if !self.piece.is_empty() && self.piece.len() + body.len() >= Self::PIECE {
            self.search();
        }
        if self.piece.capacity() == 0 {
            self.piece.reserve_exact(Self::PIECE.max(body.len() + 1));
        }
        self.piece.extend_from_slice(body);
        self.piece.push(0);
    }

    fn search(&mut self) {
        self.carried |= !self.scanner.scan("side effects", &self.piece).is_empty();
        self.piece.clear();
    }

    /// Whether any body pushed carries a canary.
    fn carried(mut self) -> bool {
        if !self.piece.is_empty() {
            self.search();
        }
        self.carried
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::leak::Canary;

    fn scanner() -> LeakScanner {
        LeakScanner::plaintext(vec![
            Canary {
                field: "email".into(),
                value: "ada.q7x2k9pz@example.com".into(),
            },
            Canary {
                field: "phone".into(),
                value: "+15551234567".into(),
            },
        ])
    }

    #[test]
    fn joined_bodies_carry_a_canary_exactly_when_one_body_does() {
        let s = scanner();
        let clean: [&[u8]; 3] = [b"Hello 555", b"1234567 is not a phone", b"ada.q7x2k9pz@"];
        let mut joined = Joined::new(&s);
        clean.iter().for_each(|b| joined.push(b));
        assert!(
            !joined.carried(),
            "no body carries a canary, nor do two joined"
        );
        for leaky in [
            &b"to: ADA.Q7X2K9PZ@example.com"[..],
            b"call 555-123-4567 now",
        ] {
            let mut joined = Joined::new(&s);
            clean.iter().for_each(|b| joined.push(b));
            joined.push(leaky);
            assert!(joined.carried(), "{}", String::from_utf8_lossy(leaky));
        }
    }
}
