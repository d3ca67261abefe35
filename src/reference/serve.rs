//! `dealer-tck serve-reference`: [`ServeArgs`] (clap) and [`serve`], which runs the reference
//! server in the foreground until Ctrl-C or SIGTERM, logging to stderr via tracing-subscriber, or lists
//! the injectable defects (`--list-defects`).

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::{DbLocation, Defect, ReferenceConfig, ReferenceError, ReferenceServer, TokenGrant};

fn default_desk() -> Vec<String> {
    ReferenceConfig::default().desk
}

/// Arguments of `dealer-tck serve-reference`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// SMTP server for the deal-intent email, HOST:PORT (plain SMTP, no TLS, no AUTH).
    #[arg(
        long,
        value_name = "HOST:PORT",
        required_unless_present_any = ["list_defects", "list_variants"]
    )]
    pub smtp: Option<String>,
    /// DriveCentric base URL; absent = CRM disabled (crm_status "disabled").
    #[arg(long, value_name = "URL")]
    pub crm_url: Option<String>,
    /// DriveCentric bearer token.
    #[arg(long, value_name = "T", default_value = "tck-crm-token")]
    pub crm_token: String,
    /// DriveCentric store id.
    #[arg(long, value_name = "S", default_value = "store-0001")]
    pub store_id: String,
    /// SQLite database file, or `:memory:`.
    #[arg(long, value_name = "PATH", default_value = ":memory:")]
    pub db: String,
    /// Dealer-desk recipients of the deal-intent email, comma-separated.
    #[arg(long, value_name = "a@x,b@x", value_delimiter = ',', default_values_t = default_desk())]
    pub desk: Vec<String>,
    /// Inject one defect (see --list-defects).
    #[arg(long, value_name = "NAME")]
    pub defect: Option<Defect>,
    /// Print every defect (name, clause, rule) and exit.
    #[arg(long)]
    pub list_defects: bool,
    /// Take one alternative reading of the seeds (see --list-variants).
    #[arg(long, value_name = "NAME", conflicts_with = "defect")]
    pub variant: Option<super::Variant>,
    /// Print every variant (name, the seed sentence that allows it, what it does) and exit.
    #[arg(long)]
    pub list_variants: bool,
    /// Answer MCP requests with SSE streams instead of JSON.
    #[arg(long)]
    pub sse: bool,
    /// The MCP eras `/mcp` serves: legacy (2025-11-25), modern (2026-07-28) or both (the
    /// default).
    #[arg(long, value_name = "ERA", default_value = "both", value_parser = parse_served_era)]
    pub mcp_era: crate::transport::mcp::McpEra,
    /// Timeout of the CRM POST in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub crm_timeout_ms: u64,
    /// Timeout of the SMTP session in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub smtp_timeout_ms: u64,
    /// Serve the A2A 0.3 profile (JSON-RPC `message/send`, kind-tagged parts, HTTP+JSON
    /// `/a2a/rest/v1/message:send`, no A2A-Version header, a 0.3 agent card) instead of 1.0.
    #[arg(long = "a2a-0-3")]
    pub a2a_0_3: bool,
    /// TOML file of accepted tokens (`[[tokens]]` with token, agent, scopes); replaces the
    /// default tokens.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Where A2A requests carry the skill id: a key of message.metadata, or a dotted path from
    /// the SendMessage params (a mode for testing target profiles).
    #[arg(long, default_value = "skill")]
    pub skill_path: String,
    /// The key of the error code inside error envelopes (a mode for testing target profiles).
    #[arg(long, default_value = "code")]
    pub error_code_key: String,
    /// Pad every JSON answer with trailing whitespace to this many bytes (a mode for
    /// measuring a harness's memory against answers near its size cap).
    #[arg(long, value_name = "BYTES")]
    pub pad_answers: Option<usize>,
}

/// The `--tokens` file.
#[derive(Debug, serde::Deserialize)]
struct TokensFile {
    tokens: Vec<TokenGrant>,
}

/// Read a `--tokens` file.
pub fn load_tokens(path: &std::path::Path) -> Result<Vec<TokenGrant>, ReferenceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ReferenceError::Config(format!("--tokens {}: {e}", path.display())))?;
    let file: TokensFile = toml::from_str(&text).map_err(|e| {
        ReferenceError::Config(format!(
            "--tokens {}: {}",
            path.display(),
            e.message().replace('\n', " ")
        ))
    })?;
    if file.tokens.is_empty() {
        return Err(ReferenceError::Config(format!(
            "--tokens {}: no [[tokens]] entries",
            path.display()
        )));
    }
    Ok(file.tokens)
}

/// The one-line listing of `--list-defects` (`name<TAB>clause<TAB>rule` per defect).
pub fn defect_listing() -> String {
    Defect::ALL
        .iter()
        .map(|d| format!("{}\t{}\t{}\n", d.name(), d.clause(), d.rule()))
        .collect()
}

/// The one-line listing of `--list-variants` (`name<TAB>allowance<TAB>what` per variant).
pub fn variant_listing() -> String {
    super::Variant::ALL
        .iter()
        .map(|v| format!("{}\t{}\t{}\n", v.name(), v.allowance(), v.what()))
        .collect()
}

/// Turn arguments into a configuration (no I/O besides reading `--tokens`).
pub fn config_from_args(args: &ServeArgs) -> Result<ReferenceConfig, ReferenceError> {
    let smtp = args
        .smtp
        .clone()
        .ok_or_else(|| ReferenceError::Config("--smtp HOST:PORT is required".into()))?;
    super::parse_host_port(&smtp)?;
    let desk: Vec<String> = args
        .desk
        .iter()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect();
    let db = match args.db.as_str() {
        ":memory:" => DbLocation::Memory,
        path => DbLocation::File(PathBuf::from(path)),
    };
    let tokens = match &args.tokens {
        Some(path) => load_tokens(path)?,
        None => super::default_tokens(),
    };
    Ok(ReferenceConfig {
        bind: SocketAddr::new(args.host, args.port),
        smtp,
        crm_url: args.crm_url.clone().filter(|u| !u.trim().is_empty()),
        crm_token: args.crm_token.clone(),
        store_id: args.store_id.clone(),
        db,
        desk,
        defect: args.defect,
        variant: args.variant,
        sse: args.sse,
        mcp_era: args.mcp_era,
        tokens,
        crm_timeout: Duration::from_millis(args.crm_timeout_ms),
        skill_path: args.skill_path.clone(),
        error_code_key: args.error_code_key.clone(),
        smtp_timeout: Duration::from_millis(args.smtp_timeout_ms),
        a2a_version_0_3: args.a2a_0_3,
        pad_answers: args.pad_answers,
        ..ReferenceConfig::default()
    })
}

/// Wait for Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %e, "cannot wait for Ctrl-C; stopping");
    }
}

/// Run `serve-reference` until Ctrl-C / SIGTERM (or print the defects and return).
pub async fn serve(args: ServeArgs) -> Result<(), ReferenceError> {
    if args.list_defects {
        out!("{}", defect_listing());
        return Ok(());
    }
    if args.list_variants {
        out!("{}", variant_listing());
        return Ok(());
    }
    let cfg = config_from_args(&args)?;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let server = ReferenceServer::start(cfg).await?;
    outln!("dealer-tck reference listening on {}", server.base_url());
    shutdown_signal().await;
    server.stop().await;
    Ok(())
}

/// `--mcp-era`: an era the reference can serve (auto is a choice of the harness's probe).
fn parse_served_era(s: &str) -> Result<crate::transport::mcp::McpEra, String> {
    match s.parse()? {
        crate::transport::mcp::McpEra::Auto => {
            Err("the reference serves legacy, modern or both; auto is the harness's probe".into())
        }
        era => Ok(era),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn parse(argv: &[&str]) -> Result<ServeArgs, clap::Error> {
        let mut full = vec!["serve-reference"];
        full.extend_from_slice(argv);
        Cli::try_parse_from(full).map(|c| c.args)
    }

    #[test]
    fn defaults_and_overrides() {
        let a = parse(&["--smtp", "127.0.0.1:2525"]).expect("parse");
        let cfg = config_from_args(&a).expect("config");
        assert_eq!(cfg.bind.port(), 8080);
        assert_eq!(cfg.desk, ReferenceConfig::default().desk);
        assert_eq!(cfg.db, DbLocation::Memory);
        assert!(cfg.crm_url.is_none());
        let a = parse(&[
            "--smtp",
            "localhost:25",
            "--port",
            "0",
            "--desk",
            "a@x.io,b@x.io",
            "--defect",
            "status-queued",
            "--db",
            "/tmp/x.db",
            "--crm-url",
            "http://127.0.0.1:9",
            "--crm-timeout-ms",
            "300",
            "--sse",
        ])
        .expect("parse");
        let cfg = config_from_args(&a).expect("config");
        assert_eq!(cfg.desk, vec!["a@x.io".to_string(), "b@x.io".to_string()]);
        assert_eq!(cfg.defect, Some(Defect::StatusQueued));
        assert_eq!(cfg.db, DbLocation::File("/tmp/x.db".into()));
        assert_eq!(cfg.crm_timeout, Duration::from_millis(300));
        assert!(cfg.sse);
        assert!(!cfg.a2a_version_0_3, "A2A 1.0 unless --a2a-0-3");
        let a = parse(&["--smtp", "h:1", "--a2a-0-3"]).expect("parse");
        assert!(config_from_args(&a).expect("config").a2a_version_0_3);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&[]).is_err(), "--smtp is required");
        assert!(parse(&["--list-defects"]).is_ok());
        assert!(parse(&["--smtp", "h:1", "--defect", "no-such-defect"]).is_err());
        let a = parse(&["--smtp", "no-port"]).expect("parse");
        assert!(config_from_args(&a).is_err());
    }

    #[test]
    fn listing_has_every_defect() {
        let listing = defect_listing();
        assert_eq!(listing.lines().count(), Defect::ALL.len());
        for d in Defect::ALL {
            assert!(listing.contains(&format!("{}\t{}\t", d.name(), d.clause())));
        }
    }

    #[test]
    fn tokens_file_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tokens.toml");
        std::fs::write(
            &path,
            "[[tokens]]\ntoken = \"t1\"\nagent = \"a1\"\nscopes = [\"deal:handoff\"]\n",
        )
        .expect("write");
        let t = load_tokens(&path).expect("load");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].agent, "a1");
        std::fs::write(&path, "tokens = 3").expect("write");
        assert!(load_tokens(&path).is_err());
    }
}
