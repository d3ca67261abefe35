//! `dealer-tck replay` on the command line ([`ReplayArgs`], [`replay_command`]): the report's
//! recorded failures ([`crate::run::replay`]) sent again with the report's seed and case counts
//! to the server chosen as for `run`, and one line per failure: FIXED, STILL FAILING or NOT
//! RE-RUN.

use super::{RunArgs, TargetArgs, runtime, until_interrupted};
use crate::error::TckError;
use crate::run::run;
use std::path::PathBuf;

/// `dealer-tck replay` options: the report, which of its failures, and the target, chosen as
/// for `run` (the embedded reference by default).
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The report.json (or its run directory) whose failures to send again.
    pub report: PathBuf,
    /// Only this case's failures.
    #[arg(long)]
    pub case: Option<String>,
    /// Only this clause's failures (its exact id).
    #[arg(long)]
    pub clause: Option<String>,
    /// The server to send them to, as for `run` (the embedded reference by default).
    #[command(flatten)]
    pub on: TargetArgs,
    /// Directory the replay's own report directory is written into.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
}

pub(super) fn replay_command(args: &ReplayArgs) -> Result<u8, TckError> {
    use crate::run::replay;
    let old = crate::report::merge::load(&args.report)?;
    let recorded = replay::recorded(&old, args.case.as_deref(), args.clause.as_deref());
    if recorded.is_empty() {
        if args.case.is_none() && args.clause.is_none() {
            outln!("replay: the report records no failure; nothing to send");
            return Ok(0);
        }
        return Err(TckError::Config(format!(
            "{} records no failure of{}{}",
            args.report.display(),
            args.case
                .as_deref()
                .map(|c| format!(" case {c}"))
                .unwrap_or_default(),
            args.clause
                .as_deref()
                .map(|c| format!(" clause {c}"))
                .unwrap_or_default(),
        )));
    }
    let prov = old.provenance.clone().unwrap_or_default();
    let run_args = RunArgs {
        seed: old.seed,
        cases: old.cases_per_transport,
        invalid_per_rule: if old.provenance.is_some() {
            prov.invalid_per_rule
        } else {
            1
        },
        clause: old.clause_filter.clone(),
        out: args.out.clone(),
        on: args.on.clone(),
        transport: replay::transports(&old),
        ..RunArgs::default()
    };
    let mut opts = run_args.options()?;
    let selection = replay::selection(&recorded);
    if selection.every_unit {
        outln!(
            "replay: some failure was judged from the whole run (a scan, discovery): sending every case again"
        );
    }
    opts.replay = Some(selection);
    let rt = runtime()?;
    let Some(outcome) = rt.block_on(until_interrupted(run(opts)))? else {
        eprintln!("dealer-tck: interrupted; the target was stopped");
        return Ok(130);
    };
    let (new, dir) = outcome?;
    let judged = replay::judge(&recorded, &new);
    let mut fixed = 0;
    for (rec, outcome) in &judged {
        let why = match outcome {
            replay::Replayed::Fixed => {
                fixed += 1;
                String::new()
            }
            replay::Replayed::StillFailing(d) | replay::Replayed::NotReRun(d) => {
                format!(" — {}", crate::report::inert::visible(d))
            }
        };
        outln!(
            "{:<13} {} [{}] {}{}",
            outcome.label(),
            rec.clause,
            rec.transport,
            crate::report::inert::visible(&rec.case),
            why
        );
    }
    outln!(
        "replay: {fixed} of {} fixed{}",
        judged.len(),
        dir.map(|d| format!(" (the replay's report: {})", d.display()))
            .unwrap_or_default()
    );
    if let Some(why) = &new.partial {
        eprintln!(
            "dealer-tck: the replay ended early: {}",
            crate::report::inert::visible(why)
        );
        return Ok(crate::error::EXIT_UNREACHABLE);
    }
    Ok(if fixed == judged.len() {
        0
    } else {
        crate::error::EXIT_NOT_CONFORMANT
    })
}
