//! [`Target`]: the server under test as the runner sees it — where it listens, which bearer
//! tokens to use, which extra surfaces (log output, database files) the harness can scan, and
//! whether it can be restarted with another configuration (the CRM sink off).

use super::RunOptions;
use crate::error::TckError;
use crate::observe::crm::CrmMock;
use crate::observe::smtp::SmtpSink;
use crate::reference::{self, DbLocation, LogCapture, ReferenceConfig, ReferenceServer};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

enum Kind {
    Embedded {
        server: Option<ReferenceServer>,
        cfg: ReferenceConfig,
    },
}

/// The server under test.
pub struct Target {
    kind: Kind,
    base_url: String,
    /// Tokens to use.
    pub tokens: Tokens,
    log: Option<LogCapture>,
    db_files: Vec<PathBuf>,
    crm_timeout: Duration,
    _tmp: tempfile::TempDir,
}

impl Target {
    /// Start the embedded reference wired to the sink and the mock, with its store in a
    /// temporary file the harness scans.
    pub async fn embedded(
        opts: &RunOptions,
        sink: &SmtpSink,
        crm: &CrmMock,
        crm_token: &str,
        store_id: &str,
    ) -> Result<Target, TckError> {
        let tmp = tempfile::tempdir()?;
        let db = tmp.path().join("reference.sqlite");
        let log: LogCapture = Arc::new(Mutex::new(Vec::new()));
        let cfg = ReferenceConfig {
            smtp: sink.addr().to_string(),
            crm_url: Some(crm.url().to_string()),
            crm_token: crm_token.to_string(),
            store_id: store_id.to_string(),
            db: DbLocation::File(db.clone()),
            defect: opts.defect,
            sse: opts.mcp_sse,
            crm_timeout: Duration::from_millis(500),
            smtp_timeout: Duration::from_secs(5),
            log: Some(log.clone()),
            a2a_version_0_3: opts.a2a_profile == crate::transport::a2a::A2aProfile::V0_3,
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
                cfg,
            },
            base_url,
            tokens: Tokens {
                agent_a: reference::TOKEN_AGENT_A.into(),
                agent_b: Some(reference::TOKEN_AGENT_B.into()),
                unscoped: Some(reference::TOKEN_UNSCOPED.into()),
                unknown: format!("tck-never-issued-{:08x}", super::rand_u32()),
            },
            log: Some(log),
            db_files: vec![db],
            crm_timeout,
            _tmp: tmp,
        })
    }

    /// Base URL (agent card at `/.well-known/agent-card.json`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The MCP endpoint, if the target has one.
    pub fn mcp_url(&self) -> Option<String> {
        Some(format!("{}/mcp", self.base_url))
    }

    /// The server's own CRM timeout, when known.
    pub fn crm_timeout(&self) -> Duration {
        self.crm_timeout
    }

    /// Secrets every writer must redact.
    pub fn secrets(&self) -> Vec<String> {
        let t = &self.tokens;
        let mut v = vec![t.agent_a.clone(), t.unknown.clone()];
        v.extend(t.agent_b.clone());
        v.extend(t.unscoped.clone());
        match &self.kind {
            Kind::Embedded { cfg, .. } => v.push(cfg.crm_token.clone()),
        }
        v
    }

    /// The server's log output so far, if the harness can see it.
    pub fn log_bytes(&self) -> Option<Vec<u8>> {
        self.log
            .as_ref()
            .map(|l| l.lock().map(|b| b.clone()).unwrap_or_default())
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
        match &mut self.kind {
            Kind::Embedded { server, cfg } => {
                if let Some(s) = server.take() {
                    s.stop().await;
                }
                let mut c = cfg.clone();
                c.crm_url = None;
                let s = ReferenceServer::start(c).await.map_err(|e| {
                    TckError::Unreachable(format!("the embedded reference did not restart: {e}"))
                })?;
                self.base_url = s.base_url();
                *server = Some(s);
                Ok(Some(self.base_url.clone()))
            }
        }
    }

    /// Stop the target.
    pub async fn stop(mut self) {
        match &mut self.kind {
            Kind::Embedded { server, .. } => {
                if let Some(s) = server.take() {
                    s.stop().await;
                }
            }
        }
    }
}
