//! `cargo test --test conformance`: the suites against the embedded reference, one libtest
//! trial per clause × transport. FAIL and ERROR fail the trial; NOT_TESTED and NOT_APPLICABLE
//! are reported as ignored, with the verdict and its first detail.
//!
//! The trial list comes from the clause catalogues, before anything runs: DMC-12 on every
//! binding a clause applies to, each suite of the registry on the bindings it names (the AAP
//! suites, A2A skills, on the two A2A bindings), and a
//! clause judged only by target-wide checks once, as `target`. `--list` and a filter that
//! selects nothing therefore run nothing. The run itself happens once, lazily, in the first
//! trial that needs it; the other trials wait for it and each judges its own clause ×
//! transport from it.
//!
//! A run that cannot start fails every trial, and so does a run that judged a clause on other
//! transports than the list says (a trial with no result, or a result with no trial): a
//! conformance binary that tests nothing, or less than the catalogue, is never green.

use dealer_tck::report::{ClauseResult, Report, Verdict};
use dealer_tck::run::{RunOptions, run};
use dealer_tck::spec::catalogue::{Catalogue, Clause};
use dealer_tck::transport::Binding;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The checks that judge the target as a whole, never one binding (their evaluations carry no
/// binding, so the report has one `target` column for a clause only they judge).
const TARGET_WIDE_CHECKS: &[&str] = &["aap-lead-id-unique"];

/// The column of a report result a trial judges: a binding name, or `target`.
fn columns(clause: &Clause, bindings: &[Binding]) -> Vec<String> {
    if clause
        .checks
        .iter()
        .all(|c| TARGET_WIDE_CHECKS.contains(&c.as_str()))
    {
        return vec!["target".to_string()];
    }
    bindings
        .iter()
        .filter(|b| clause.applies_to(b.name()))
        .map(|b| b.name().to_string())
        .collect()
}

/// Every catalogue of the registry with the bindings its suite runs on (the embedded reference
/// offers them all).
fn suites() -> Vec<(&'static Catalogue, &'static [Binding])> {
    dealer_tck::suites::all()
        .iter()
        .map(|s| (s.catalogue(), s.bindings()))
        .collect()
}

/// The one run every trial judges from: the report, or why there is none.
fn shared_run() -> &'static Result<Report, String> {
    static RUN: OnceLock<Result<Report, String>> = OnceLock::new();
    RUN.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("no tokio runtime: {e}"))?;
        let opts = RunOptions {
            cases: 4,
            out_dir: None,
            ..RunOptions::default()
        };
        // A panic inside the run is its failure too, once: the lock is never left empty for
        // the next trial to start the run again.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(run(opts))))
            .map_err(|_| "the conformance run panicked".to_string())?
            .map(|(report, _)| report)
            .map_err(|e| format!("the conformance run could not start: {e}"))
    })
}

/// The judgement of one trial: `clause` on `column`, which the list expects `clause` to be
/// judged on together with `expected` (all its columns).
fn judge(clause: &str, column: &str, expected: &BTreeSet<String>) -> Result<Completion, Failed> {
    let report = shared_run()
        .as_ref()
        .map_err(|e| Failed::from(e.as_str()))?;
    let mine: Vec<&ClauseResult> = report.results().filter(|r| r.clause == clause).collect();
    let judged: BTreeSet<String> = mine.iter().map(|r| r.transport.clone()).collect();
    if &judged != expected {
        return Err(Failed::from(format!(
            "the run judged {clause} on {judged:?}, the trial list expects {expected:?} \
             (tests/conformance.rs derives it from the catalogue)"
        )));
    }
    let r = mine
        .iter()
        .find(|r| r.transport == column)
        .ok_or_else(|| Failed::from(format!("no result for {clause} on {column}")))?;
    let detail = || {
        r.details
            .iter()
            .map(|d| format!("{} [{}]: {}", d.case, d.check, d.detail))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match r.verdict {
        Verdict::Pass | Verdict::Warn => Ok(Completion::Completed),
        Verdict::NotTested | Verdict::NotApplicable | Verdict::Xfail => {
            Ok(Completion::ignored_with(format!(
                "{}: {}",
                r.verdict.as_str(),
                r.details.first().map_or("", |d| d.detail.as_str())
            )))
        }
        Verdict::Fail | Verdict::Error | Verdict::Xpass => Err(Failed::from(format!(
            "{}: {}",
            r.verdict.as_str(),
            detail()
        ))),
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![];
    for (catalogue, bindings) in suites() {
        for clause in &catalogue.clauses {
            let expected: BTreeSet<String> = columns(clause, bindings).into_iter().collect();
            assert!(
                !expected.is_empty(),
                "{} applies to none of the bindings its suite runs on",
                clause.id
            );
            for column in &expected {
                let (id, column, expected) = (clause.id.clone(), column.clone(), expected.clone());
                trials.push(Trial::ignorable_test(
                    format!("{column}::{id}"),
                    move || judge(&id, &column, &expected),
                ));
            }
        }
    }
    if trials.is_empty() {
        eprintln!("the catalogues list no clause: zero trials is a failure");
        std::process::exit(101);
    }
    libtest_mimic::run(&args, trials).exit();
}
