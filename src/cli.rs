//! Command-line interface ([`Cli`]): parses arguments with clap and dispatches to the library.
//! Exit codes: 0 conformant, 1 not conformant, 2 usage or configuration error, 3 target
//! unreachable (see [`crate::error`]).

mod replay;

use crate::error::{EXIT_USAGE, TckError};
use crate::reference::Defect;
use crate::run::{RunOptions, run};
use crate::transport::Binding;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// dealer-tck: conformance tests for dealership AI-agent endpoints (DMC-12 over A2A 1.0 and MCP,
/// AAP lead.submit and lead.general over A2A).
#[derive(Debug, Parser)]
#[command(name = "dealer-tck", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suites (default target: the embedded reference server).
    Run(RunArgs),
    /// Serve the reference dealer server standalone (DMC-12 tools over A2A 1.0 and MCP, AAP
    /// skills over A2A).
    ServeReference(crate::reference::serve::ServeArgs),
    /// Write a commented target-profile template.
    Init {
        /// Where to write it.
        #[arg(long, default_value = "dealer-tck.toml")]
        out: PathBuf,
    },
    /// List the clause catalogue.
    Clauses,
    /// Check the seeds' worked examples: schema, clauses, typed round trip, dates, and the
    /// target's answers (default target: the embedded reference).
    Examples(crate::examples::cli::ExamplesArgs),
    /// Export the JSON Schemas and the clause catalogues for spec tooling.
    Schema(crate::examples::cli::SchemaArgs),
    /// Join the reports of every share of a partitioned run (`run --partition K/N`) into the
    /// report of the whole run (report.json, report.md, junit.xml, report.html); exit code as
    /// for `run`.
    Merge(MergeArgs),
    /// Draft a baseline of expected failures from a report: `baseline write REPORT > FILE`.
    Baseline {
        #[command(subcommand)]
        action: BaselineAction,
    },
    /// Send again exactly the cases a report recorded as failing (stateful chains included,
    /// their fixtures made anew), judge them with the same checks, and print FIXED, STILL
    /// FAILING or NOT RE-RUN per case. Exit 0 only when every one is fixed.
    Replay(replay::ReplayArgs),
    /// Compare two runs' report.json: new failures, fixes, other verdict changes and clauses
    /// newly NOT_TESTED, per clause × transport. Exit 1 when something regressed.
    Diff {
        /// The earlier run's report.json (or its run directory).
        old: PathBuf,
        /// The later run's report.json (or its run directory).
        new: PathBuf,
        /// Print the diff as JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
}

/// `dealer-tck baseline` actions.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Print a baseline with one entry per FAIL or WARN of the report (reasons to fill in).
    Write {
        /// The report.json (or its run directory).
        report: PathBuf,
    },
}

/// `dealer-tck merge` options.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shares' report.json files (or the run directories holding them), 1/N … N/N in any
    /// order.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Directory the merged report directory `<run-id>-merged/` is written into.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Print the merged JSON report to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 even if some MUST clause could not be tested.
    #[arg(long)]
    pub allow_not_tested: bool,
}

fn diff_command(old: &std::path::Path, new: &std::path::Path, json: bool) -> Result<u8, TckError> {
    let (a, b) = (
        crate::report::merge::load(old)?,
        crate::report::merge::load(new)?,
    );
    let d = crate::report::diff::diff(&a, &b);
    if json {
        let text = serde_json::to_string_pretty(&d)
            .map_err(|e| TckError::Internal(format!("diff as JSON: {e}")))?;
        outln!("{}", crate::report::inert::json(&text));
    } else {
        out!("{}", d.markdown());
    }
    Ok(u8::from(d.regressed()))
}

fn merge_command(args: &MergeArgs) -> Result<u8, TckError> {
    let shares = args
        .reports
        .iter()
        .map(|p| crate::report::merge::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let report = crate::report::merge::merge(shares, args.allow_not_tested)?;
    let dir = args.out.join(&report.run_id);
    report.write(&dir, &report.redactor)?;
    crate::report::summary_file::append_step_summary(&report, Some(&dir));
    if args.json {
        outln!("{}", report.to_json());
    } else {
        out!("{}", report.summary());
        outln!(
            "reports: {}/{{report.json,report.md,junit.xml,report.html}}",
            dir.display()
        );
    }
    Ok(report.exit_code)
}

/// Which server a run tests, and how to reach it: `run`'s and `replay`'s options alike.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// Target profile (TOML; `dealer-tck init` writes a commented template).
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Launch the server under test with this command template ({port} {base_url} {smtp_host}
    /// {smtp_port} {crm_url} {crm_token} {store_id} {db}).
    #[arg(long, conflicts_with = "target")]
    pub launch: Option<String>,
    /// Test an already running server at this base URL (or agent card URL).
    #[arg(long)]
    pub target: Option<String>,
    /// Seconds to wait for a launched server to answer.
    #[arg(long)]
    pub ready_timeout: Option<f64>,
    /// Bound on one exchange with the target, in seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Fixed port for the SMTP sink (where an already running server sends mail).
    #[arg(long)]
    pub smtp_port: Option<u16>,
    /// Fixed port for the DriveCentric mock (where an already running server posts leads).
    #[arg(long)]
    pub crm_port: Option<u16>,
    /// Inject this defect into the embedded reference (see `serve-reference --list-defects`).
    #[arg(long)]
    pub defect: Option<Defect>,
    /// Have the embedded reference take this alternative reading of the seeds (see
    /// `serve-reference --list-variants`).
    #[arg(long, conflicts_with = "defect")]
    pub variant: Option<crate::reference::Variant>,
    /// Have the embedded reference answer MCP with SSE streams.
    #[arg(long)]
    pub mcp_sse: bool,
    /// A2A protocol version the AAP suites speak on the A2A bindings: 1.0 (the default) or 0.3
    /// (`message/send`, kind-tagged parts, `/v1/message:send`, no version header). The embedded
    /// reference then serves 0.3 too; the DMC-12 suite's A2A client stays on 1.0.
    #[arg(long)]
    pub a2a_profile: Option<crate::transport::a2a::A2aProfile>,
    /// MCP eras to certify: auto (the spec's probe decides; both on a dual-era server),
    /// legacy (2025-11-25), modern (2026-07-28) or both. The embedded reference serves the
    /// eras chosen here (auto: both).
    #[arg(long)]
    pub mcp_era: Option<crate::transport::mcp::McpEra>,
}

/// `dealer-tck run` options.
#[derive(Debug, Default, clap::Args)]
pub struct RunArgs {
    /// Generator seed (the same seed reproduces the same cases).
    #[arg(long, default_value_t = 0x5eed_d3a1)]
    pub seed: u64,
    /// Generated valid cases per transport, on top of the fixed boundary cases.
    #[arg(long, default_value_t = 8)]
    pub cases: usize,
    /// Generated invalid cases per rule and transport.
    #[arg(long, default_value_t = 1)]
    pub invalid_per_rule: usize,
    /// Report only clauses whose id contains this text (e.g. CONSENT).
    #[arg(long)]
    pub clause: Option<String>,
    /// Directory the report directory `<run-id>/` is written into.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// The server under test.
    #[command(flatten)]
    pub on: TargetArgs,
    /// Transports to test (default: all the target offers): a2a-jsonrpc, a2a-rest, mcp
    /// (MCP 2025-11-25), mcp-modern (MCP 2026-07-28).
    #[arg(long, value_delimiter = ',')]
    pub transport: Option<Vec<Binding>>,
    /// Print the JSON report to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 even if some MUST clause could not be tested (it is still reported NOT_TESTED).
    #[arg(long)]
    pub allow_not_tested: bool,
    /// Have the embedded reference pad every JSON answer with trailing whitespace to this many
    /// bytes (at most 4190208): measures the harness's memory against answers near its cap.
    #[arg(long, value_name = "BYTES")]
    pub pad_answers: Option<usize>,
    /// Most requests in flight to the target, 1 to 64 (default: twice the CPUs). The DMC-12
    /// transports run side by side; 1 runs them one after another. The report is the same at
    /// any value, apart from timings.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Run share K of N of the cases (e.g. 2/3), for a CI matrix of N jobs; `dealer-tck merge`
    /// joins the N reports into the whole run's. Clauses with no case in this share are
    /// NOT_APPLICABLE here.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<String>,
    /// Expected failures (TOML `[[expected]]` entries: clause, optional transport and check,
    /// reason): a listed failure is XFAIL and does not fail the run; a listed cell that passes
    /// is XPASS and does (the entry is stale). `dealer-tck baseline write REPORT` drafts one.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

impl RunArgs {
    /// The runner options these arguments describe.
    pub fn options(&self) -> Result<RunOptions, TckError> {
        if let Some(t) = self.on.timeout
            && !(t > 0.0 && t <= 600.0)
        {
            return Err(TckError::Config(format!(
                "--timeout must be in (0, 600] seconds, got {t}"
            )));
        }
        if self.cases > 10_000 {
            return Err(TckError::Config("--cases must be at most 10000".into()));
        }
        let mut opts = RunOptions::default();
        if let Some(p) = &self.on.profile {
            crate::run::profile::Profile::load(p)?.apply(&mut opts)?;
            opts.profile_sha256 = std::fs::read(p).ok().map(|bytes| {
                use sha2::{Digest, Sha256};
                format!("{:x}", Sha256::digest(bytes))
            });
        }
        crate::run::profile::apply_target_flags(
            &mut opts,
            self.on.launch.as_deref(),
            self.on.target.as_deref(),
            self.on.ready_timeout,
        )?;
        if let Some(p) = self.on.smtp_port {
            opts.smtp_port = p;
        }
        if let Some(p) = self.on.crm_port {
            opts.crm_port = p;
        }
        if self.on.defect.is_some() && !matches!(opts.target, crate::run::TargetSpec::Embedded) {
            return Err(TckError::Config(
                "--defect applies to the embedded reference only".into(),
            ));
        }
        if self.pad_answers.is_some() && !matches!(opts.target, crate::run::TargetSpec::Embedded) {
            return Err(TckError::Config(
                "--pad-answers applies to the embedded reference only".into(),
            ));
        }
        if let Some(n) = self.pad_answers
            && n > crate::reference::pad::MAX_PAD
        {
            return Err(TckError::Config(format!(
                "--pad-answers must be at most {} bytes",
                crate::reference::pad::MAX_PAD
            )));
        }
        if self.on.variant.is_some() && !matches!(opts.target, crate::run::TargetSpec::Embedded) {
            return Err(TckError::Config(
                "--variant applies to the embedded reference only".into(),
            ));
        }
        let opts = RunOptions {
            seed: self.seed,
            cases: self.cases,
            invalid_per_rule: self.invalid_per_rule,
            clause_filter: self.clause.clone(),
            out_dir: Some(self.out.clone()),
            defect: self.on.defect,
            variant: self.on.variant,
            mcp_sse: self.on.mcp_sse,
            call_timeout: self
                .on
                .timeout
                .map(Duration::from_secs_f64)
                .unwrap_or(opts.call_timeout),
            transports: self.transport.clone().or(opts.transports.clone()),
            allow_not_tested: self.allow_not_tested,
            a2a_profile: self.on.a2a_profile.unwrap_or(opts.a2a_profile),
            mcp_era: self.on.mcp_era.unwrap_or(opts.mcp_era),
            pad_answers: self.pad_answers,
            concurrency: self.concurrency.unwrap_or(opts.concurrency),
            partition: self
                .partition
                .as_deref()
                .map(crate::run::Partition::parse)
                .transpose()?,
            baseline: self
                .baseline
                .as_deref()
                .map(crate::report::baseline::Baseline::load)
                .transpose()?,
            ..opts
        };
        crate::run::profile::validate_options(&opts)?;
        Ok(opts)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, TckError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| TckError::Internal(format!("cannot start the async runtime: {e}")))
}

/// Run `fut` until it ends or the harness gets SIGINT (Ctrl-C) or SIGTERM (None). The
/// handlers are installed before `fut` first runs, so a launched target can never outlive an
/// interrupted harness: dropping `fut` kills its process group.
pub(crate) async fn until_interrupted<F: std::future::Future>(
    fut: F,
) -> Result<Option<F::Output>, TckError> {
    use tokio::signal::unix::{SignalKind, signal};
    let handler = |kind: SignalKind, name: &str| {
        signal(kind).map_err(|e| TckError::Internal(format!("cannot handle {name}: {e}")))
    };
    let mut int = handler(SignalKind::interrupt(), "SIGINT")?;
    let mut term = handler(SignalKind::terminate(), "SIGTERM")?;
    Ok(tokio::select! {
        r = fut => Some(r),
        _ = int.recv() => None,
        _ = term.recv() => None,
    })
}

fn run_command(args: &RunArgs) -> Result<u8, TckError> {
    let mut opts = args.options()?;
    opts.progress = crate::run::progress::wanted(args.json);
    let rt = runtime()?;
    let outcome = rt.block_on(until_interrupted(run(opts)))?;
    let Some(outcome) = outcome else {
        eprintln!("dealer-tck: interrupted; the target was stopped and no report was written");
        return Ok(130);
    };
    let (report, dir) = outcome?;
    crate::report::summary_file::append_step_summary(&report, dir.as_deref());
    if args.json {
        outln!("{}", report.to_json());
    } else {
        out!("{}", report.summary());
        if let Some(d) = dir {
            outln!(
                "reports: {}/{{report.json,report.md,junit.xml,report.html}}",
                d.display()
            );
        }
    }
    if let Some(why) = &report.partial {
        eprintln!(
            "dealer-tck: run ended early: {}; the report holds what was judged before",
            crate::report::inert::visible(why)
        );
    }
    Ok(report.exit_code)
}

/// The exit status of a process whose stdout was closed under it (128 + SIGPIPE, as a shell
/// reports one killed by the signal).
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// Write to stdout; a stdout closed early (a pager or `head` that quit) ends the process
/// quietly with [`EXIT_BROKEN_PIPE`], never a panic. Used by the `out!`/`outln!` macros.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(EXIT_BROKEN_PIPE);
    }
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match &cli.command {
        Command::Run(args) => run_command(args),
        Command::ServeReference(args) => runtime().and_then(|rt| {
            rt.block_on(crate::reference::serve::serve(args.clone()))
                .map(|()| 0)
                .map_err(|e| TckError::Config(e.to_string()))
        }),
        Command::Init { out } => {
            if out.exists() {
                Err(TckError::Config(format!(
                    "{} already exists; not overwriting it",
                    out.display()
                )))
            } else {
                std::fs::write(out, crate::run::profile::TEMPLATE)
                    .map(|()| {
                        outln!(
                            "wrote {} — edit it, then: dealer-tck run --profile {}",
                            out.display(),
                            out.display()
                        );
                        0
                    })
                    .map_err(|e| TckError::Config(format!("cannot write {}: {e}", out.display())))
            }
        }
        Command::Clauses => {
            for cat in crate::suites::catalogues() {
                outln!("# {} ({})", cat.title, cat.suite);
                for c in &cat.clauses {
                    outln!("{:<34} {:<6} {}", c.id, c.level.as_str(), c.text);
                }
            }
            Ok(0)
        }
        Command::Examples(args) => crate::examples::cli::examples_command(args),
        Command::Schema(args) => crate::examples::cli::schema_command(args),
        Command::Merge(args) => merge_command(args),
        Command::Diff { old, new, json } => diff_command(old, new, *json),
        Command::Replay(args) => replay::replay_command(args),
        Command::Baseline {
            action: BaselineAction::Write { report },
        } => crate::report::merge::load(report).map(|r| {
            out!("{}", crate::report::baseline::draft(&r));
            0
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // The line may quote the target (a redirect's Location, a launched server's last
            // output): its control characters are shown, never sent to the terminal.
            eprintln!(
                "dealer-tck: {}",
                crate::report::inert::visible(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
