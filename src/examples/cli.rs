//! The `examples` and `schema` subcommands ([`ExamplesArgs`], [`SchemaArgs`]) and what they do
//! ([`examples_command`], [`schema_command`]). Exit codes: 0 every example held, 1 an unexpected
//! finding, 2 usage, 3 target unreachable.

use super::{ExamplesOptions, TargetChoice};
use crate::error::TckError;
use crate::run::profile::{Profile, apply_target_flags};
use crate::run::{RunOptions, Tokens};
use crate::transport::Binding;
use std::path::PathBuf;
use std::time::Duration;

/// `dealer-tck examples` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ExamplesArgs {
    /// Base URL of a running target (its agent card at /.well-known/agent-card.json), or the
    /// agent card's URL. Default: the embedded reference, wired to an SMTP sink and a CRM mock.
    #[arg(long, conflicts_with_all = ["launch", "no_send"])]
    pub target: Option<String>,
    /// Launch the target with this command template, as `dealer-tck run --launch` does
    /// ({port} {base_url} {smtp_host} {smtp_port} {crm_url} {crm_token} {store_id} {db}); it
    /// is wired to an SMTP sink and a CRM mock and stopped at the end.
    #[arg(long)]
    pub launch: Option<String>,
    /// Seconds to wait for a launched target to answer (default 30, or the profile's).
    #[arg(long)]
    pub ready_timeout: Option<f64>,
    /// Target profile (TOML, as for `dealer-tck run`): its target, agent-A token, A2A skill
    /// selector, MCP endpoint, error-code rules and fixture recipe are used.
    #[arg(long, conflicts_with = "no_send")]
    pub profile: Option<PathBuf>,
    /// Environment variable holding agent A's bearer token for --target or --launch
    /// (default: the profile's, else the reference's agent-a token).
    #[arg(long)]
    pub token_env: Option<String>,
    /// Transport for the requests: a2a-jsonrpc, a2a-rest, mcp or mcp-modern (AAP examples
    /// need A2A).
    #[arg(long, default_value = "a2a-jsonrpc")]
    pub transport: Binding,
    /// Read manifest.toml and the examples from this directory instead of the built-in copy
    /// of fixtures/examples.
    #[arg(long)]
    pub examples: Option<PathBuf>,
    /// Check the examples only; send nothing (every request is NOT_TESTED).
    #[arg(long, conflicts_with = "launch")]
    pub no_send: bool,
    /// Print the JSON report instead of the human report.
    #[arg(long)]
    pub json: bool,
    /// Also write examples.json and examples.md into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Bound on one exchange with the target, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
}

/// `dealer-tck schema` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// Write the schemas, catalogues and an index.json into this directory
    /// (default: print one JSON bundle to stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl ExamplesArgs {
    /// The options these arguments describe (usage errors are `Config`).
    pub fn options(&self) -> Result<ExamplesOptions, TckError> {
        if !(self.timeout > 0.0 && self.timeout <= 600.0) {
            return Err(TckError::Config(format!(
                "--timeout must be in (0, 600] seconds, got {}",
                self.timeout
            )));
        }
        let token = match &self.token_env {
            None => None,
            Some(var) => {
                if self.target.is_none() && self.launch.is_none() && self.profile.is_none() {
                    return Err(TckError::Config(
                        "--token-env applies to --target, --launch or --profile".into(),
                    ));
                }
                let t = std::env::var(var).map_err(|_| {
                    TckError::Config(format!(
                        "--token-env {var}: the environment variable is not set"
                    ))
                })?;
                if t.trim().is_empty() {
                    return Err(TckError::Config("the bearer token is empty".into()));
                }
                Some(t.trim().to_string())
            }
        };
        let run_like = self.profile.is_some() || self.launch.is_some();
        let target = if self.no_send {
            TargetChoice::None {
                reason: "--no-send".into(),
            }
        } else if run_like {
            let mut run = RunOptions::default();
            if let Some(p) = &self.profile {
                Profile::load(p)?.apply(&mut run)?;
            }
            apply_target_flags(
                &mut run,
                self.launch.as_deref(),
                self.target.as_deref(),
                self.ready_timeout,
            )?;
            if let Some(t) = token {
                let mut tokens = run.tokens.take().unwrap_or_else(Tokens::reference_defaults);
                tokens.agent_a = t;
                run.tokens = Some(tokens);
            }
            run.out_dir = None;
            TargetChoice::Run(Box::new(run))
        } else if self.ready_timeout.is_some() {
            return Err(TckError::Config(
                "--ready-timeout applies to a launched target (--launch or target.launch)".into(),
            ));
        } else {
            match &self.target {
                None => TargetChoice::Embedded { defect: None },
                Some(url) => {
                    let parsed = reqwest::Url::parse(url)
                        .map_err(|e| TckError::Config(format!("--target {url:?}: {e}")))?;
                    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                        return Err(TckError::Config(format!(
                            "--target {url:?}: expected an http(s) base URL"
                        )));
                    }
                    TargetChoice::Url {
                        base_url: url.clone(),
                        token: token.unwrap_or_else(|| crate::reference::TOKEN_AGENT_A.to_string()),
                    }
                }
            }
        };
        Ok(ExamplesOptions {
            examples_dir: self.examples.clone(),
            target,
            binding: self.transport,
            timeout: Duration::from_secs_f64(self.timeout),
            now: None,
        })
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, TckError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| TckError::Internal(format!("cannot start the async runtime: {e}")))
}

/// Run `dealer-tck examples`; returns the exit code (0 every example held, 1 not).
pub fn examples_command(args: &ExamplesArgs) -> Result<u8, TckError> {
    let opts = args.options()?;
    let rt = runtime()?;
    let outcome = rt.block_on(crate::cli::until_interrupted(super::run(&opts)))?;
    let Some(outcome) = outcome else {
        eprintln!("dealer-tck: interrupted; the target was stopped and no report was written");
        return Ok(130);
    };
    let report = outcome?;
    if let Some(dir) = &args.out {
        report.write(dir)?;
    }
    if args.json {
        outln!("{}", report.to_json());
    } else {
        out!("{}", report.to_text());
        if let Some(dir) = &args.out {
            outln!("reports: {}/{{examples.json,examples.md}}", dir.display());
        }
    }
    Ok(report.exit_code)
}

/// Run `dealer-tck schema`.
pub fn schema_command(args: &SchemaArgs) -> Result<u8, TckError> {
    match &args.out {
        Some(dir) => {
            let written = super::export::write(dir)?;
            for rel in written {
                outln!("{}", dir.join(rel).display());
            }
        }
        None => {
            let b = super::export::bundle()?;
            let text =
                serde_json::to_string_pretty(&b).map_err(|e| TckError::Internal(e.to_string()))?;
            outln!("{text}");
        }
    }
    Ok(0)
}
