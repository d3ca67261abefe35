//! The `examples` and `schema` subcommands ([`ExamplesArgs`], [`SchemaArgs`]) and what they do
//! ([`examples_command`], [`schema_command`]). Exit codes: 0 every example held, 1 an unexpected
//! finding, 2 usage, 3 target unreachable.

use super::{ExamplesOptions, TargetChoice};
use crate::error::TckError;
use crate::transport::Binding;
use std::path::PathBuf;
use std::time::Duration;

/// `dealer-tck examples` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ExamplesArgs {
    /// Base URL of a running target (its agent card at /.well-known/agent-card.json).
    /// Default: the embedded reference, wired to an SMTP sink and a CRM mock.
    #[arg(long, conflicts_with_all = ["launch", "no_send"])]
    pub target: Option<String>,
    /// Launch the target with this command (not supported yet).
    #[arg(long)]
    pub launch: Option<String>,
    /// Environment variable holding the bearer token for --target
    /// (default: the reference's agent-a token).
    #[arg(long, requires = "target")]
    pub token_env: Option<String>,
    /// Transport for the requests: a2a-jsonrpc, a2a-rest or mcp (AAP examples need A2A).
    #[arg(long, default_value = "a2a-jsonrpc", value_parser = parse_binding)]
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

fn parse_binding(s: &str) -> Result<Binding, String> {
    Binding::ALL
        .into_iter()
        .find(|b| b.name() == s)
        .ok_or_else(|| format!("unknown transport '{s}' (a2a-jsonrpc, a2a-rest, mcp)"))
}

impl ExamplesArgs {
    /// The options these arguments describe (usage errors are `Config`).
    pub fn options(&self) -> Result<ExamplesOptions, TckError> {
        if self.launch.is_some() {
            return Err(TckError::Config(
                "--launch is not supported yet; start the target yourself and pass --target URL"
                    .into(),
            ));
        }
        if !(self.timeout > 0.0 && self.timeout <= 600.0) {
            return Err(TckError::Config(format!(
                "--timeout must be in (0, 600] seconds, got {}",
                self.timeout
            )));
        }
        let target = match (&self.target, self.no_send) {
            (_, true) => TargetChoice::None {
                reason: "--no-send".into(),
            },
            (None, false) => TargetChoice::Embedded { defect: None },
            (Some(url), false) => {
                let parsed = reqwest::Url::parse(url)
                    .map_err(|e| TckError::Config(format!("--target {url:?}: {e}")))?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                    return Err(TckError::Config(format!(
                        "--target {url:?}: expected an http(s) base URL"
                    )));
                }
                let token = match &self.token_env {
                    None => crate::reference::TOKEN_AGENT_A.to_string(),
                    Some(var) => std::env::var(var).map_err(|_| {
                        TckError::Config(format!(
                            "--token-env {var}: the environment variable is not set"
                        ))
                    })?,
                };
                if token.trim().is_empty() {
                    return Err(TckError::Config("the bearer token is empty".into()));
                }
                TargetChoice::Url {
                    base_url: url.clone(),
                    token,
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
    let report = rt.block_on(super::run(&opts))?;
    if let Some(dir) = &args.out {
        report.write(dir)?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
        if let Some(dir) = &args.out {
            println!("reports: {}/{{examples.json,examples.md}}", dir.display());
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
                println!("{}", dir.join(rel).display());
            }
        }
        None => {
            let b = super::export::bundle()?;
            let text =
                serde_json::to_string_pretty(&b).map_err(|e| TckError::Internal(e.to_string()))?;
            println!("{text}");
        }
    }
    Ok(0)
}
