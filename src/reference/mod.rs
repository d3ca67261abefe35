//! The embedded reference dealer server ([`ReferenceServer`]): a conforming implementation of
//! the DMC-12 tools over A2A 1.0 (JSON-RPC and HTTP+JSON) and MCP 2025-11-25 Streamable HTTP,
//! with lettre SMTP, a DriveCentric ADF client, a rusqlite store and injectable [`Defect`]s.
//! It is what `dealer-tck run` tests when no target is given, and runs standalone as
//! `dealer-tck serve-reference`.
//!
//! Layout: [`ReferenceServer`] (this file) binds the listener and assembles the axum router;
//! `a2a` and `mcp` are the two transports, `auth` the bearer check, `tools` the four DMC-12
//! tools (with `validate`, `email`, `adf`, `crm` and `store` as the pieces of the hand-off),
//! `inventory` the seeded Mark Miller Subaru stock, `logging` the per-server log capture and
//! [`serve`] the `serve-reference` command. [`aap`] adds the AAP skills `lead.submit`,
//! `lead.general` and `inventory.search` on the A2A bindings (with `aap_adf` their ADF
//! leads), and `a2a_version_0_3` switches A2A to the 0.3 profile.

mod a2a;
pub mod aap;
mod aap_adf;
mod adf;
mod auth;
mod crm;
pub mod defect;
mod email;
mod http;
pub mod inventory;
mod logging;
mod mcp;
mod mcp_modern;
mod model;
pub mod pad;
pub mod serve;
mod store;
mod tools;
mod validate;
pub mod variant;

pub use defect::Defect;
pub use variant::Variant;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get};

/// Agent A's default bearer token (scopes: all; owns the reservations the harness creates).
pub const TOKEN_AGENT_A: &str = "tck-agent-a-7f3c9e21d4b8";
/// Agent B's default bearer token (scopes: all; another agent, for NOT_AUTHORIZED).
pub const TOKEN_AGENT_B: &str = "tck-agent-b-2a61f0c9e5d7";
/// A default token without `deal:handoff` (for 403 insufficient_scope).
pub const TOKEN_UNSCOPED: &str = "tck-unscoped-9b4e1d7c3a05";

/// The dealer the reference impersonates.
pub const DEALER_NAME: &str = "Mark Miller Subaru";
/// The A2A protocol version the reference speaks (`A2A-Version` header).
pub const A2A_VERSION: &str = "1.0";
/// The A2A version of the 0.3 profile (`protocolVersion` of its agent card).
pub const A2A_VERSION_0_3: &str = "0.3";
/// The MCP protocol version the reference speaks.
pub const MCP_PROTOCOL_VERSION: &str = "2025-11-25";

/// A bearer token the server accepts, the agent it identifies and its scopes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TokenGrant {
    /// The bearer token.
    pub token: String,
    /// The agent id it identifies (reservation owner).
    pub agent: String,
    /// Scopes, e.g. `deal:handoff`.
    pub scopes: Vec<String>,
}

/// The documented default tokens: agent-a and agent-b with every scope, and an unscoped agent
/// that may search and reserve but not hand off.
pub fn default_tokens() -> Vec<TokenGrant> {
    let all = ["inventory:read", "reservation:write", "deal:handoff"];
    let grant = |token: &str, agent: &str, scopes: &[&str]| TokenGrant {
        token: token.into(),
        agent: agent.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        grant(TOKEN_AGENT_A, "agent-a", &all),
        grant(TOKEN_AGENT_B, "agent-b", &all),
        grant(TOKEN_UNSCOPED, "agent-unscoped", &all[..2]),
    ]
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// `:memory:`.
    Memory,
    /// A SQLite file (created if missing).
    File(PathBuf),
}

/// Where the server's log lines are written to when embedded in the harness: a spool on disk,
/// which the end-of-run scans read piece by piece.
pub type LogCapture = Arc<crate::observe::spool::Spool>;

/// Everything the reference needs to start.
#[derive(Debug, Clone)]
pub struct ReferenceConfig {
    /// Address to bind (port 0 = any free port). Default 127.0.0.1:0.
    pub bind: SocketAddr,
    /// SMTP server `host:port` for the deal-intent email (plain SMTP, no TLS, no AUTH).
    pub smtp: String,
    /// DriveCentric base URL; None = CRM disabled (`crm_status: disabled`).
    pub crm_url: Option<String>,
    /// DriveCentric bearer token.
    pub crm_token: String,
    /// DriveCentric store id.
    pub store_id: String,
    /// Store location.
    pub db: DbLocation,
    /// Dealer-desk recipients of the deal-intent email.
    pub desk: Vec<String>,
    /// The injected defect, if any.
    pub defect: Option<Defect>,
    /// The alternative reading of the seeds it takes, if any.
    pub variant: Option<Variant>,
    /// Answer MCP requests with SSE streams instead of JSON.
    pub sse: bool,
    /// The MCP eras `/mcp` serves (`Auto` serves both, as `Both` does).
    pub mcp_era: crate::transport::mcp::McpEra,
    /// Accepted bearer tokens.
    pub tokens: Vec<TokenGrant>,
    /// Timeout of the CRM POST.
    pub crm_timeout: Duration,
    /// Timeout of the SMTP session.
    pub smtp_timeout: Duration,
    /// Request body cap (413 above it).
    pub max_body_bytes: usize,
    /// Where log lines go: None = the global tracing subscriber; Some = this buffer only.
    pub log: Option<LogCapture>,
    /// Where A2A requests carry the skill id: a key of `message.metadata` (default `skill`) or
    /// a dotted path from the SendMessage params (a profile mode for testing the harness).
    pub skill_path: String,
    /// The key of the error code inside the error envelope (default `code`).
    pub error_code_key: String,
    /// Serve the A2A 0.3 profile instead of 1.0: JSON-RPC `message/send`, kind-tagged parts,
    /// HTTP+JSON `POST /a2a/rest/v1/message:send`, no `A2A-Version` header, a 0.3 agent card.
    pub a2a_version_0_3: bool,
    /// Pad every JSON answer with trailing whitespace to this many bytes (at most
    /// [`pad::MAX_PAD`]): a mode for measuring the harness's memory against large answers.
    pub pad_answers: Option<usize>,
}

impl Default for ReferenceConfig {
    fn default() -> Self {
        ReferenceConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            smtp: "127.0.0.1:2525".into(),
            crm_url: None,
            crm_token: "tck-crm-token".into(),
            store_id: "store-0001".into(),
            db: DbLocation::Memory,
            desk: vec![
                "ben.sales@markmillersubaru.com".into(),
                "christine.desk@markmillersubaru.com".into(),
            ],
            defect: None,
            variant: None,
            sse: false,
            mcp_era: Default::default(),
            tokens: default_tokens(),
            crm_timeout: Duration::from_secs(2),
            smtp_timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024,
            log: None,
            skill_path: "skill".into(),
            error_code_key: "code".into(),
            a2a_version_0_3: false,
            pad_answers: None,
        }
    }
}

/// Why the reference could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// Binding the listen address failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// Opening or migrating the SQLite store failed.
    #[error("cannot open store: {0}")]
    Store(String),
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// One live MCP session (created by `initialize`, ended by `DELETE /mcp`).
#[derive(Debug, Clone)]
pub(crate) struct McpSession {
    /// The agent that initialized it.
    pub(crate) agent: String,
}

/// Shared state of one running server.
pub(crate) struct App {
    pub(crate) base_url: String,
    pub(crate) defect: Option<Defect>,
    pub(crate) variant: Option<Variant>,
    pub(crate) sse: bool,
    pub(crate) mcp_era: crate::transport::mcp::McpEra,
    pub(crate) tokens: Vec<TokenGrant>,
    pub(crate) desk: Vec<String>,
    pub(crate) max_body_bytes: usize,
    pub(crate) store: store::Store,
    pub(crate) validator: validate::RequestValidator,
    pub(crate) mailer: email::Mailer,
    pub(crate) crm: Option<crm::CrmClient>,
    pub(crate) inventory: Vec<inventory::Vehicle>,
    pub(crate) aap: aap::AapState,
    pub(crate) a2a_0_3: bool,
    pub(crate) sessions: Mutex<HashMap<String, McpSession>>,
    pub(crate) skill_path: String,
    pub(crate) error_code_key: String,
    pub(crate) dispatch: Option<tracing::Dispatch>,
    pub(crate) pad_answers: Option<usize>,
}

impl App {
    /// Is this defect injected?
    pub(crate) fn has(&self, d: Defect) -> bool {
        self.defect == Some(d)
    }

    /// Does it take this alternative reading?
    pub(crate) fn is(&self, v: Variant) -> bool {
        self.variant == Some(v)
    }

    /// Whether `/mcp` serves the 2025-11-25 era.
    pub(crate) fn serves_legacy_mcp(&self) -> bool {
        self.mcp_era != crate::transport::mcp::McpEra::Modern
    }

    /// Whether `/mcp` serves the 2026-07-28 era.
    pub(crate) fn serves_modern_mcp(&self) -> bool {
        self.mcp_era != crate::transport::mcp::McpEra::Legacy
    }

    /// The MCP session table, even if a panicking holder poisoned the lock.
    pub(crate) fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, McpSession>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running reference server; stops when [`ReferenceServer::stop`] is called or it is dropped.
pub struct ReferenceServer {
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ReferenceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Split `host:port` (`[v6]:port` allowed) into its parts.
pub(crate) fn parse_host_port(s: &str) -> Result<(String, u16), ReferenceError> {
    let bad = || ReferenceError::Config(format!("smtp address '{s}' is not HOST:PORT"));
    let (host, port) = s.trim().rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    let port: u16 = port.parse().map_err(|_| bad())?;
    Ok((host.to_string(), port))
}

impl ReferenceServer {
    /// Bind and start serving in the current tokio runtime.
    pub async fn start(cfg: ReferenceConfig) -> Result<ReferenceServer, ReferenceError> {
        if cfg.desk.is_empty() {
            return Err(ReferenceError::Config(
                "at least one dealer-desk recipient is required".into(),
            ));
        }
        if cfg.pad_answers.is_some_and(|n| n > pad::MAX_PAD) {
            return Err(ReferenceError::Config(format!(
                "answers can be padded to at most {} bytes",
                pad::MAX_PAD
            )));
        }
        if cfg.tokens.is_empty() {
            return Err(ReferenceError::Config(
                "at least one bearer token is required".into(),
            ));
        }
        if cfg.store_id.is_empty()
            || !cfg
                .store_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ReferenceError::Config(format!(
                "store id '{}' must be non-empty and use only A-Z a-z 0-9 - _ .",
                cfg.store_id
            )));
        }
        let (smtp_host, smtp_port) = parse_host_port(&cfg.smtp)?;
        let mailer = email::Mailer::new(
            &smtp_host,
            smtp_port,
            cfg.smtp_timeout,
            &cfg.store_id,
            &cfg.desk,
        )?;
        let crm = match &cfg.crm_url {
            Some(url) => Some(crm::CrmClient::new(
                url,
                &cfg.store_id,
                &cfg.crm_token,
                cfg.crm_timeout,
            )?),
            None => None,
        };
        let store = store::Store::open(&cfg.db)?;
        let validator = validate::RequestValidator::new()?;
        let aap = aap::AapState::new()?;

        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .map_err(|source| ReferenceError::Bind {
                addr: cfg.bind,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ReferenceError::Bind {
                addr: cfg.bind,
                source,
            })?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let base_url = format!("http://{host}:{}", addr.port());

        let app = Arc::new(App {
            base_url,
            defect: cfg.defect,
            variant: cfg.variant,
            skill_path: cfg.skill_path.clone(),
            error_code_key: cfg.error_code_key.clone(),
            sse: cfg.sse || cfg.variant == Some(Variant::McpSse),
            mcp_era: if cfg.defect == Some(Defect::McpModernClaimsLegacy) {
                crate::transport::mcp::McpEra::Modern
            } else {
                cfg.mcp_era
            },
            tokens: cfg.tokens.clone(),
            desk: cfg.desk.clone(),
            max_body_bytes: cfg.max_body_bytes,
            store,
            validator,
            mailer,
            crm,
            inventory: inventory::seed(),
            aap,
            a2a_0_3: cfg.a2a_version_0_3,
            sessions: Mutex::new(HashMap::new()),
            dispatch: cfg.log.clone().map(logging::capture_dispatch),
            pad_answers: cfg.pad_answers,
        });

        let rest_send_path = if cfg.a2a_version_0_3 {
            "/a2a/rest/v1/message:send"
        } else {
            "/a2a/rest/message:send"
        };
        let router = Router::new()
            .route("/.well-known/agent-card.json", get(a2a::agent_card))
            .route("/a2a/jsonrpc", any(a2a::jsonrpc))
            .route(rest_send_path, any(a2a::rest_send))
            .route("/a2a/rest/{*rest}", any(a2a::rest_not_found))
            .route("/mcp", any(mcp::handle))
            .fallback(http::not_found)
            .layer(axum::middleware::from_fn_with_state(
                app.clone(),
                pad::pad_answers,
            ))
            .layer(axum::middleware::from_fn_with_state(
                app.clone(),
                logging::log_requests,
            ))
            .with_state(app.clone());

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "reference server stopped with an error");
            }
        });
        logging::in_dispatch(app.dispatch.as_ref(), || {
            let a2a = if cfg.a2a_version_0_3 {
                A2A_VERSION_0_3
            } else {
                A2A_VERSION
            };
            tracing::info!(addr = %addr, defect = ?cfg.defect.map(|d| d.name()), variant = ?cfg.variant.map(|v| v.name()), sse = cfg.sse,
                crm = cfg.crm_url.is_some(), a2a, "dealer-tck reference started");
        });
        Ok(ReferenceServer {
            addr,
            base_url: app.base_url.clone(),
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Stop serving and wait for the server task to end (at most five seconds; open
    /// connections still running after that are aborted).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
