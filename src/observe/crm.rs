//! [`CrmMock`]: the DriveCentric mock (a wiremock server) per BINDINGS.md §4 — this contract
//! is dealer-tck's own, DriveCentric has no public API. It answers
//! `POST /api/stores/{store_id}/leads/adf` with `201 {"leadId","status":"accepted"}` (a fresh
//! leadId per request) or a fault, and records every request.

use std::time::Duration;

/// How the mock answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrmMode {
    /// 201 with a fresh leadId.
    Created,
    /// 500.
    Status500,
    /// 503.
    Status503,
    /// 201, but only after this delay (longer than the server's CRM timeout).
    Slow(#[serde(skip)] Duration),
    /// The connection is reset without an answer.
    Reset,
}

impl CrmMode {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            CrmMode::Created => "201",
            CrmMode::Status500 => "500",
            CrmMode::Status503 => "503",
            CrmMode::Slow(_) => "slow",
            CrmMode::Reset => "reset",
        }
    }
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct CrmRequest {
    /// Sequence number (0-based).
    pub seq: usize,
    /// HTTP method.
    pub method: String,
    /// Path (no query).
    pub path: String,
    /// Headers, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8).
    pub body: String,
    /// The leadId the mock answered with (Created/Slow modes), if any.
    pub lead_id: Option<String>,
}

/// The DriveCentric mock.
pub struct CrmMock {
    url: String,
}

impl CrmMock {
    /// Start on a loopback port (0 = any) with the store id and bearer token it expects.
    pub async fn start(port: u16, store_id: &str, token: &str) -> std::io::Result<CrmMock> {
        let _ = (port, store_id, token);
        todo!()
    }

    /// Base URL (`http://127.0.0.1:PORT`) to configure as the server's CRM URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Switch the answer mode.
    pub async fn set_mode(&self, mode: CrmMode) {
        let _ = mode;
        todo!()
    }

    /// Every request received so far, in order.
    pub async fn requests(&self) -> Vec<CrmRequest> {
        todo!()
    }
}
