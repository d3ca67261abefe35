//! `cargo test --test conformance`: the DMC-12 suite against the embedded reference, one
//! libtest trial per clause × transport (FAIL and ERROR fail the trial, NOT_TESTED and NOT_APPLICABLE are ignored). A run
//! that yields no trial at all fails: a conformance binary that tests nothing is never green.

use dealer_tck::report::Verdict;
use dealer_tck::run::{RunOptions, run};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = RunOptions {
        cases: 4,
        out_dir: None,
        ..RunOptions::default()
    };
    let report = match rt.block_on(run(opts)) {
        Ok((r, _)) => r,
        Err(e) => {
            eprintln!("the conformance run could not start: {e}");
            std::process::exit(101);
        }
    };
    let trials: Vec<Trial> = report
        .results()
        .map(|r| {
            let name = format!("{}::{}", r.transport, r.clause);
            let verdict = r.verdict;
            let detail = r
                .details
                .iter()
                .map(|d| format!("{} [{}]: {}", d.case, d.check, d.detail))
                .collect::<Vec<_>>()
                .join("\n");
            let ignored = matches!(verdict, Verdict::NotTested | Verdict::NotApplicable);
            Trial::test(name, move || match verdict {
                Verdict::Pass | Verdict::Warn | Verdict::NotTested | Verdict::NotApplicable => {
                    Ok(())
                }
                Verdict::Fail | Verdict::Error => {
                    Err(Failed::from(format!("{}: {detail}", verdict.as_str())))
                }
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    if trials.is_empty() {
        eprintln!("the conformance run judged no clause: zero trials is a failure");
        std::process::exit(101);
    }
    libtest_mimic::run(&args, trials).exit();
}
