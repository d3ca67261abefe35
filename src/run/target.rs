//! [`Target`]: the server under test as the runner sees it — the embedded reference, a server
//! the harness launches from a command template, or one already running. It knows where the
//! server listens, which bearer tokens to use, which extra surfaces (log output, database
//! files) the harness can scan, and whether it can be restarted with the CRM sink off. A
//! launched server runs in its own process group, which is always killed: at the end, on
//! Ctrl-C (the run future is dropped) and when the harness fails.

use super::RunOptions;
use crate::error::TckError;
use crate::observe::crm::CrmMock;
use crate::observe::leak::ReadAt;
use crate::observe::smtp::SmtpSink;
use crate::observe::spool::Spool;
use crate::reference::{self, DbLocation, LogCapture, ReferenceConfig, ReferenceServer};
use crate::report::Redactor;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// An endpoint a profile names: an absolute http(s) URL as given, or a path under `base`.
pub(crate) fn endpoint_url(base: &str, path_or_url: &str) -> String {
    if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
        path_or_url.to_string()
    } else {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path_or_url.trim_start_matches('/')
        )
    }
}

/// The bearer tokens the suites need (never written to a report or log).
#[derive(Debug, Clone)]
pub struct Tokens {
    /// Agent A: creates reservations and hands them off.
    pub agent_a: String,
    /// Agent B: another agent with the same scopes (NOT_AUTHORIZED).
    pub agent_b: Option<String>,
    /// A valid token without `deal:handoff` (403).
    pub unscoped: Option<String>,
    /// A token-shaped string the server never issued (401).
    pub unknown: String,
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn case_ids_survive_the_redactor_and_real_tokens_do_not() {
        let t = Tokens::reference_defaults();
        let r = Redactor::new(secret_list(&t, "tck-crm-0123456789abcdef"));
        let line = format!("reservation-never-issued sent {} as agent A", t.agent_a);
        assert_eq!(
            r.redact(&line),
            "reservation-never-issued sent [REDACTED] as agent A"
        );
        assert!(!secret_list(&t, "x").contains(&t.unknown));
    }
}

impl Tokens {
    /// The reference's documented default tokens.
    pub fn reference_defaults() -> Tokens {
        Tokens {
            agent_a: reference::TOKEN_AGENT_A.into(),
            agent_b: Some(reference::TOKEN_AGENT_B.into()),
            unscoped: Some(reference::TOKEN_UNSCOPED.into()),
            unknown: format!("tck-never-issued-{:08x}", super::rand_u32()),
        }
    }
}

/// Which server to test.
#[derive(Debug, Clone, Default)]
pub enum TargetSpec {
    /// The embedded reference (in-process).
    #[default]
    Embedded,
    /// A command the harness launches (placeholders: see the profile template).
    Launch {
        /// The command template.
        command: String,
        /// The template for the restart with the CRM sink off (default: `{crm_url}` empty).
        command_crm_disabled: Option<String>,
        /// How long to wait for it to answer.
        ready_timeout: Duration,
    },
    /// An already running server.
    External {
        /// Base URL.
        base_url: String,
        /// Agent card URL, if not under the base URL.
        card_url: Option<String>,
    },
}

/// The observers a target is wired to.
pub struct Wiring<'a> {
    /// The SMTP sink.
    pub sink: &'a SmtpSink,
    /// The CRM mock.
    pub crm: &'a CrmMock,
    /// The CRM bearer token the server should send (empty: unknown).
    pub crm_token: &'a str,
    /// The store id.
    pub store_id: &'a str,
}

/// How long a launched server has to exit after SIGTERM (sent to its whole process group)
/// before the group gets SIGKILL.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A process in the server's group that kills the group when the harness dies: it blocks
/// reading a pipe only the harness holds open, and a harness that is killed (SIGKILL, OOM, a
/// cancelled CI job) closes it. Dropping it on a normal stop ends it the same way.
struct Watchdog {
    _child: tokio::process::Child,
    _stdin: Option<tokio::process::ChildStdin>,
}

/// Start the [`Watchdog`] of process group `pgid` (None: it could not start; the group is
/// then only stopped by a harness that lives to stop it).
fn watchdog(pgid: i32) -> Option<Watchdog> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg("read _; kill -9 0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(pgid)
        .kill_on_drop(false)
        .spawn()
        .ok()?;
    let stdin = child.stdin.take();
    Some(Watchdog {
        _child: child,
        _stdin: stdin,
    })
}

/// Whether process group `pgid` has a live (not zombie) member.
fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        // SAFETY: signal 0 only checks that the group exists.
        return unsafe { libc::killpg(pgid, 0) } == 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            // After the command name: state, ppid, pgrp, …
            let mut f = stat.rsplit(')').next().unwrap_or("").split_whitespace();
            let state = f.next().unwrap_or("Z");
            let pgrp = f.nth(1).and_then(|p| p.parse::<i32>().ok());
            state != "Z" && state != "X" && pgrp == Some(pgid)
        })
}

struct Launched {
    child: tokio::process::Child,
    pgid: i32,
    watchdog: Option<Watchdog>,
    command: String,
    command_crm_disabled: Option<String>,
    ready_timeout: Duration,
    vars: Vec<(&'static str, String)>,
}

impl Launched {
    fn kill_group(&self, signal: i32) {
        if self.pgid > 0 {
            // SAFETY: killpg only sends a signal to the process group the harness created.
            unsafe {
                libc::killpg(self.pgid, signal);
            }
        }
    }

    /// SIGTERM to the whole group, [`SHUTDOWN_GRACE`] for every member to exit (a shell that
    /// exits at once does not cut its server's grace short), then SIGKILL to what is left.
    async fn stop(&mut self) {
        if self.pgid > 0 {
            self.kill_group(libc::SIGTERM);
            let deadline = Instant::now() + SHUTDOWN_GRACE;
            loop {
                let _ = self.child.try_wait();
                if !group_alive(self.pgid) || Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        self.kill_group(libc::SIGKILL);
        let _ = self.child.wait().await;
        self.pgid = 0;
        self.watchdog = None;
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        self.kill_group(libc::SIGKILL);
    }
}

enum Kind {
    Embedded {
        server: Option<ReferenceServer>,
        cfg: Box<ReferenceConfig>,
    },
    Launched(Box<Launched>),
    External,
}

/// The server under test.
pub struct Target {
    kind: Kind,
    base_url: String,
    card_url: Option<String>,
    mcp_path: String,
    /// Tokens to use.
    pub tokens: Tokens,
    log: Option<LogCapture>,
    log_file: Option<PathBuf>,
    db_files: Vec<PathBuf>,
    crm_timeout: Duration,
    crm_token: String,
    _tmp: tempfile::TempDir,
}

/// Fill a launch template's `{key}` placeholders. An empty value becomes an empty shell word:
/// `''` where the placeholder stands bare, nothing where the template already quotes it.
fn fill(template: &str, vars: &[(&'static str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        let key = format!("{{{k}}}");
        if !v.is_empty() {
            s = s.replace(&key, v);
            continue;
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(i) = rest.find(&key) {
            let before = &rest[..i];
            out.push_str(before);
            let quoted = out.ends_with('"') || out.ends_with('\'');
            if !quoted {
                out.push_str("''");
            }
            rest = &rest[i + key.len()..];
        }
        out.push_str(rest);
        s = out;
    }
    s
}

fn free_port() -> Result<u16, TckError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The tasks copying a launched server's stdout and stderr into the log capture.
type Readers = Vec<tokio::task::JoinHandle<()>>;

async fn spawn(
    command: &str,
    log: &LogCapture,
) -> Result<(tokio::process::Child, i32, Readers), TckError> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| TckError::Unreachable(format!("cannot run the launch command: {e}")))?;
    let pgid = child.id().map(|p| p as i32).unwrap_or(0);
    let mut readers = Readers::new();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let log = log.clone();
        readers.push(tokio::spawn(async move {
            let mut stream = stream;
            let mut buf = [0u8; 8192];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                // Keep at most MAX_PRINTED bytes of server output.
                if log.len() < MAX_PRINTED {
                    log.append(&buf[..n]);
                }
            }
        }));
    }
    Ok((child, pgid, readers))
}

/// The most server output the harness keeps (in its spool, on disk).
const MAX_PRINTED: u64 = 256 << 20;

/// A log the end-of-run scans read piece by piece.
pub enum LogSource {
    /// What the server printed (or the embedded reference logged).
    Printed(LogCapture),
    /// The profile's log file.
    File(std::fs::File),
}

impl ReadAt for LogSource {
    fn size(&self) -> std::io::Result<u64> {
        match self {
            LogSource::Printed(s) => s.size(),
            LogSource::File(f) => f.size(),
        }
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            LogSource::Printed(s) => ReadAt::read_at(&**s, offset, buf),
            LogSource::File(f) => ReadAt::read_at(f, offset, buf),
        }
    }
}

/// Every secret of a run: the bearer tokens and the CRM token (never in a report or a log).
/// The strings no report, log or command may show: the tokens the server accepts and the CRM
/// token. The never-issued token is no secret (the server must refuse it, and its pieces would
/// redact case ids such as `reservation-never-issued`).
fn secret_list(t: &Tokens, crm_token: &str) -> Vec<String> {
    let mut v = vec![t.agent_a.clone(), crm_token.to_string()];
    v.extend(t.agent_b.clone());
    v.extend(t.unscoped.clone());
    v.retain(|s| !s.is_empty());
    v
}

/// Wait until `base_url` answers HTTP (any status) or the child exits or time runs out.
/// The innermost cause of an HTTP client error (`connection refused`, `connection reset by
/// peer`), which is what a reader needs, not the request wrapper around it.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Why a launched server was never ready, from the last attempt's cause: nothing listening,
/// connections reset or closed unanswered, or requests accepted and never answered.
fn not_ready(base_url: &str, timeout: Duration, last_error: &str) -> String {
    let secs = timeout.as_secs_f64();
    let e = last_error.to_ascii_lowercase();
    if e.contains("reset") || e.contains("closed before message completed") {
        format!(
            "the launched server at {base_url} accepted connections but reset or closed every one unanswered for {secs:.0}s (last attempt: {last_error})"
        )
    } else if e.contains("timed out") {
        format!(
            "the launched server at {base_url} accepted connections but sent no answer to the agent card request for {secs:.0}s (last attempt: {last_error})"
        )
    } else {
        format!(
            "the launched server did not answer at {base_url} within {secs:.0}s (last attempt: {last_error})"
        )
    }
}

async fn wait_ready(
    base_url: &str,
    child: &mut tokio::process::Child,
    timeout: Duration,
    log: &LogCapture,
    readers: Readers,
    redactor: &Redactor,
) -> Result<(), TckError> {
    // Any HTTP answer means the server is up, a redirect too: it is not followed (a card that
    // redirects to itself would otherwise be fetched until the timeout), discovery reports it.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| TckError::Internal(e.to_string()))?;
    let url = format!("{base_url}/.well-known/agent-card.json");
    let start = Instant::now();
    let mut last_error;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            // The pipes close with the process (or its last child): let the readers drain them
            // so its last words are in the log, but never wait on a grandchild holding them.
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                for r in readers {
                    let _ = r.await;
                }
            })
            .await;
            let tail = {
                let mut tail = vec![0; 4096];
                let from = log.len().saturating_sub(tail.len() as u64);
                let n = log.read_at(from, &mut tail);
                tail.truncate(n);
                tail
            };
            let last = String::from_utf8_lossy(&tail)
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            // The server may print its tokens; the error line must not.
            let tail = if last.is_empty() {
                String::new()
            } else {
                format!(" (last output: {})", redactor.redact(&last))
            };
            return Err(TckError::Unreachable(format!(
                "the launch command exited with {status} before the server answered{tail}"
            )));
        }
        match http.get(&url).send().await {
            Ok(_) => return Ok(()),
            Err(e) => last_error = root_cause(&e),
        }
        if start.elapsed() >= timeout {
            return Err(TckError::Unreachable(not_ready(
                base_url,
                timeout,
                &last_error,
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Target {
    /// Bring up the target `opts.target` describes, wired to the observers.
    pub async fn start(opts: &RunOptions, w: Wiring<'_>) -> Result<Target, TckError> {
        let tmp = tempfile::tempdir()?;
        let db = tmp.path().join("target.sqlite");
        let log: LogCapture = Arc::new(Spool::new());
        let tokens = opts
            .tokens
            .clone()
            .unwrap_or_else(Tokens::reference_defaults);
        let mcp_path = opts.mcp_url.clone().unwrap_or_else(|| "/mcp".into());
        match &opts.target {
            TargetSpec::Embedded => {
                let desk = if opts.desk.is_empty() {
                    ReferenceConfig::default().desk
                } else {
                    opts.desk.clone()
                };
                let cfg = ReferenceConfig {
                    desk,
                    smtp: w.sink.addr().to_string(),
                    crm_url: Some(w.crm.url().to_string()),
                    crm_token: w.crm_token.to_string(),
                    store_id: w.store_id.to_string(),
                    db: DbLocation::File(db.clone()),
                    defect: opts.defect,
                    variant: opts.variant,
                    sse: opts.mcp_sse,
                    mcp_era: opts.mcp_era,
                    crm_timeout: Duration::from_millis(500),
                    smtp_timeout: Duration::from_secs(5),
                    log: Some(log.clone()),
                    a2a_version_0_3: opts.a2a_profile == crate::transport::a2a::A2aProfile::V0_3,
                    pad_answers: opts.pad_answers,
                    ..ReferenceConfig::default()
                };
                let crm_timeout = cfg.crm_timeout;
                let server = ReferenceServer::start(cfg.clone()).await.map_err(|e| {
                    TckError::Unreachable(format!("the embedded reference did not start: {e}"))
                })?;
                let base_url = server.base_url();
                Ok(Target {
                    kind: Kind::Embedded {
                        server: Some(server),
                        cfg: Box::new(cfg),
                    },
                    base_url,
                    card_url: None,
                    mcp_path,
                    tokens,
                    log: Some(log),
                    log_file: None,
                    db_files: vec![db],
                    crm_timeout,
                    crm_token: w.crm_token.to_string(),
                    _tmp: tmp,
                })
            }
            TargetSpec::Launch {
                command,
                command_crm_disabled,
                ready_timeout,
            } => {
                let port = free_port()?;
                let base_url = format!("http://127.0.0.1:{port}");
                let smtp = w.sink.addr();
                let vars = vec![
                    ("port", port.to_string()),
                    ("base_url", base_url.clone()),
                    ("smtp_host", smtp.ip().to_string()),
                    ("smtp_port", smtp.port().to_string()),
                    ("crm_url", w.crm.url().to_string()),
                    ("crm_token", w.crm_token.to_string()),
                    ("store_id", w.store_id.to_string()),
                    ("db", db.display().to_string()),
                ];
                let (child, pgid, readers) = spawn(&fill(command, &vars), &log).await?;
                // The guard owns the child before we wait, so any failure kills its group.
                let mut launched = Box::new(Launched {
                    child,
                    pgid,
                    watchdog: watchdog(pgid),
                    command: command.clone(),
                    command_crm_disabled: command_crm_disabled.clone(),
                    ready_timeout: *ready_timeout,
                    vars,
                });
                let redactor = Redactor::new(secret_list(&tokens, w.crm_token));
                wait_ready(
                    &base_url,
                    &mut launched.child,
                    *ready_timeout,
                    &log,
                    readers,
                    &redactor,
                )
                .await?;
                // The profile's `[observe] log` and `db` are scanned too: a launched server may
                // log to a file and keep a database elsewhere than `{db}`.
                let mut db_files = vec![db];
                db_files.extend(opts.db_files.iter().cloned());
                Ok(Target {
                    kind: Kind::Launched(launched),
                    base_url,
                    card_url: None,
                    mcp_path,
                    tokens,
                    log: Some(log),
                    log_file: opts.log_file.clone(),
                    db_files,
                    crm_timeout: opts.crm_timeout.unwrap_or(Duration::from_secs(2)),
                    crm_token: w.crm_token.to_string(),
                    _tmp: tmp,
                })
            }
            TargetSpec::External { base_url, card_url } => Ok(Target {
                kind: Kind::External,
                base_url: base_url.trim_end_matches('/').to_string(),
                card_url: card_url.clone(),
                mcp_path,
                tokens,
                log: None,
                log_file: opts.log_file.clone(),
                db_files: opts.db_files.clone(),
                crm_timeout: opts.crm_timeout.unwrap_or(Duration::from_secs(2)),
                crm_token: w.crm_token.to_string(),
                _tmp: tmp,
            }),
        }
    }

    /// Start the embedded reference (whatever `opts.target` says) wired to the observers.
    pub async fn embedded(
        opts: &RunOptions,
        sink: &SmtpSink,
        crm: &CrmMock,
        crm_token: &str,
        store_id: &str,
    ) -> Result<Target, TckError> {
        let opts = RunOptions {
            target: TargetSpec::Embedded,
            ..opts.clone()
        };
        Target::start(
            &opts,
            Wiring {
                sink,
                crm,
                crm_token,
                store_id,
            },
        )
        .await
    }

    /// `embedded-reference`, `launched` or `external`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Embedded { .. } => "embedded-reference",
            Kind::Launched(_) => "launched",
            Kind::External => "external",
        }
    }

    /// Base URL (agent card at `/.well-known/agent-card.json`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The agent card URL or the base URL to find it under.
    pub fn card_location(&self) -> String {
        self.card_url
            .clone()
            .unwrap_or_else(|| self.base_url.clone())
    }

    /// The MCP endpoint URL.
    pub fn mcp_url(&self) -> Option<String> {
        Some(endpoint_url(&self.base_url, &self.mcp_path))
    }

    /// The server's own CRM timeout, when known.
    pub fn crm_timeout(&self) -> Duration {
        self.crm_timeout
    }

    /// The bearer tokens a reproduction reads from the environment, with their variables
    /// (the names the profile template suggests). The unknown token is no secret: it is kept.
    pub fn token_env(&self) -> Vec<crate::report::repro::TokenEnv> {
        use crate::report::repro::TokenEnv;
        let t = &self.tokens;
        [
            (Some(&t.agent_a), "DEALER_TCK_TOKEN_A"),
            (t.agent_b.as_ref(), "DEALER_TCK_TOKEN_B"),
            (t.unscoped.as_ref(), "DEALER_TCK_TOKEN_UNSCOPED"),
        ]
        .into_iter()
        .filter_map(|(tok, var)| {
            tok.map(|token| TokenEnv {
                token: token.clone(),
                var,
            })
        })
        .collect()
    }

    /// Secrets every writer must redact.
    pub fn secrets(&self) -> Vec<String> {
        secret_list(&self.tokens, &self.crm_token)
    }

    /// The server's log output, if the harness can see it: what it printed (when the harness
    /// started it), and the profile's log file (when it names one and it can be opened), each
    /// with the name its findings give.
    pub fn logs(&self) -> Vec<(&'static str, LogSource)> {
        let mut logs = vec![];
        if let Some(l) = &self.log {
            logs.push(("server log", LogSource::Printed(l.clone())));
        }
        if let Some(f) = self
            .log_file
            .as_ref()
            .and_then(|f| std::fs::File::open(f).ok())
        {
            logs.push(("server log file", LogSource::File(f)));
        }
        logs
    }

    /// Database files the harness may scan (with their -journal / -wal siblings).
    pub fn db_files(&self) -> Vec<PathBuf> {
        let mut v = vec![];
        for f in &self.db_files {
            v.push(f.clone());
            for suffix in ["-journal", "-wal"] {
                let mut s = f.clone().into_os_string();
                s.push(suffix);
                v.push(PathBuf::from(s));
            }
        }
        v
    }

    /// Restart with the CRM sink off; returns the new base URL, or None when the target cannot
    /// be restarted by the harness.
    pub async fn restart_crm_disabled(&mut self) -> Result<Option<String>, TckError> {
        let redactor = Redactor::new(self.secrets());
        match &mut self.kind {
            Kind::External => Ok(None),
            Kind::Embedded { server, cfg } => {
                if let Some(s) = server.take() {
                    s.stop().await;
                }
                let mut c = (**cfg).clone();
                c.crm_url = None;
                let s = ReferenceServer::start(c).await.map_err(|e| {
                    TckError::Unreachable(format!("the embedded reference did not restart: {e}"))
                })?;
                self.base_url = s.base_url();
                *server = Some(s);
                Ok(Some(self.base_url.clone()))
            }
            Kind::Launched(l) => {
                l.stop().await;
                let port = free_port()?;
                let base_url = format!("http://127.0.0.1:{port}");
                for (k, v) in l.vars.iter_mut() {
                    match *k {
                        "port" => *v = port.to_string(),
                        "base_url" => *v = base_url.clone(),
                        // An empty argument whether or not the template quotes the placeholder.
                        "crm_url" => v.clear(),
                        _ => {}
                    }
                }
                let template = l
                    .command_crm_disabled
                    .clone()
                    .unwrap_or_else(|| l.command.clone());
                let log = self.log.clone().unwrap_or_default();
                let (child, pgid, readers) = spawn(&fill(&template, &l.vars), &log).await?;
                l.child = child;
                l.pgid = pgid;
                l.watchdog = watchdog(pgid);
                wait_ready(
                    &base_url,
                    &mut l.child,
                    l.ready_timeout,
                    &log,
                    readers,
                    &redactor,
                )
                .await?;
                self.base_url = base_url.clone();
                Ok(Some(base_url))
            }
        }
    }

    /// Stop the target (and, for a launched one, its whole process group).
    pub async fn stop(mut self) {
        match &mut self.kind {
            Kind::Embedded { server, .. } => {
                if let Some(s) = server.take() {
                    s.stop().await;
                }
            }
            Kind::Launched(l) => l.stop().await,
            Kind::External => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn an_empty_value_is_one_empty_shell_word_quoted_or_not() {
        let vars = [("crm_url", String::new()), ("port", "8080".to_string())];
        assert_eq!(
            fill("srv --crm-url {crm_url} --port {port}", &vars),
            "srv --crm-url '' --port 8080"
        );
        assert_eq!(
            fill("srv --crm-url \"{crm_url}\" --x '{crm_url}'", &vars),
            "srv --crm-url \"\" --x ''"
        );
        let set = [("crm_url", "http://127.0.0.1:1/x".to_string())];
        assert_eq!(
            fill("srv \"{crm_url}\" {crm_url}", &set),
            "srv \"http://127.0.0.1:1/x\" http://127.0.0.1:1/x"
        );
    }
}
