//! The embedded reference dealer server ([`ReferenceServer`]): a conforming implementation of
//! the DMC-12 tools over A2A 1.0 (JSON-RPC and HTTP+JSON) and MCP 2025-11-25 Streamable HTTP,
//! with lettre SMTP, a DriveCentric ADF client, a rusqlite store and injectable [`Defect`]s.
//! It is what `dealer-tck run` tests when no target is given, and runs standalone as
//! `dealer-tck serve-reference`.

pub mod defect;

pub use defect::Defect;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Agent A's default bearer token (scopes: all; owns the reservations the harness creates).
pub const TOKEN_AGENT_A: &str = "tck-agent-a-7f3c9e21d4b8";
/// Agent B's default bearer token (scopes: all; another agent, for NOT_AUTHORIZED).
pub const TOKEN_AGENT_B: &str = "tck-agent-b-2a61f0c9e5d7";
/// A default token without `deal:handoff` (for 403 insufficient_scope).
pub const TOKEN_UNSCOPED: &str = "tck-unscoped-9b4e1d7c3a05";

/// A bearer token the server accepts, the agent it identifies and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A shared buffer the server's log lines are written to (when embedded in the harness).
pub type LogCapture = Arc<Mutex<Vec<u8>>>;

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
    /// Answer MCP requests with SSE streams instead of JSON.
    pub sse: bool,
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
            sse: false,
            tokens: default_tokens(),
            crm_timeout: Duration::from_secs(2),
            smtp_timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024,
            log: None,
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

/// A running reference server; stops when [`ReferenceServer::stop`] is called or it is dropped.
pub struct ReferenceServer {
    addr: SocketAddr,
}

impl ReferenceServer {
    /// Bind and start serving in the current tokio runtime.
    pub async fn start(cfg: ReferenceConfig) -> Result<ReferenceServer, ReferenceError> {
        let _ = cfg;
        todo!("ReferenceServer::start")
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving and wait for the server task to end.
    pub async fn stop(self) {
        todo!()
    }
}
