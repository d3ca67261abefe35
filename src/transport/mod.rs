//! Wire clients for the bindings a target may offer: A2A 1.0 JSON-RPC, A2A 1.0 HTTP+JSON and
//! MCP Streamable HTTP (JSON or SSE replies) in its two eras, 2025-11-25 (a session opened by
//! `initialize`) and 2026-07-28 (every request self-contained). The main type is [`Client`]: one
//! per binding and target, it sends an operation call (or a deliberately malformed request)
//! over reqwest with `serde_json::Value` bodies and returns an [`Exchange`] holding everything
//! the checks need — status, headers, the raw body for the leak scan, and the decoded reply.

pub mod a2a;
pub mod held;
pub mod mcp;
pub mod sse;

use serde_json::Value;
use std::time::Duration;

/// A wire binding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Binding {
    /// A2A 1.0, JSON-RPC binding (`SendMessage`).
    A2aJsonrpc,
    /// A2A 1.0, HTTP+JSON binding (`POST …/message:send`).
    A2aRest,
    /// MCP 2025-11-25 Streamable HTTP (`tools/call` in a session opened by `initialize`).
    Mcp,
    /// MCP 2026-07-28 Streamable HTTP (`tools/call`, each request carrying its own `_meta`).
    McpModern,
}

impl Binding {
    /// All bindings, in report order.
    pub const ALL: [Binding; 4] = [
        Binding::A2aJsonrpc,
        Binding::A2aRest,
        Binding::Mcp,
        Binding::McpModern,
    ];

    /// Stable name used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Binding::A2aJsonrpc => "a2a-jsonrpc",
            Binding::A2aRest => "a2a-rest",
            Binding::Mcp => "mcp",
            Binding::McpModern => "mcp-modern",
        }
    }

    /// Every binding's name, for a message: `a2a-jsonrpc, a2a-rest, mcp, mcp-modern`.
    pub fn names() -> String {
        Binding::ALL.map(Binding::name).join(", ")
    }

    /// Whether this is MCP, in either era (tools/call, CallToolResult).
    pub fn is_mcp(self) -> bool {
        matches!(self, Binding::Mcp | Binding::McpModern)
    }

    /// The value `_metadata.protocol` must carry for this binding (BINDINGS.md §2).
    pub fn protocol(self) -> &'static str {
        match self {
            Binding::A2aJsonrpc | Binding::A2aRest => "a2a",
            Binding::Mcp | Binding::McpModern => "mcp",
        }
    }
}

impl std::str::FromStr for Binding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Binding::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown transport '{s}' ({})", Binding::names()))
    }
}

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Client settings shared by all bindings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Upper bound for one whole exchange (connect, send, read every byte or SSE event).
    pub timeout: Duration,
    /// Upper bound on the bytes read from one response (or one SSE event).
    pub max_body: usize,
    /// Key inside A2A `message.metadata` that carries the skill id (default `skill`).
    pub skill_key: String,
    /// Value sent in the `A2A-Version` header (default `1.0`; the 0.3 profile sends none).
    pub a2a_version: String,
    /// The A2A protocol version spoken on the A2A bindings (default 1.0).
    pub a2a_profile: a2a::A2aProfile,
    /// Where the run counts the answer bytes it holds (clones share it).
    pub meter: held::Meter,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(20),
            max_body: 4 * 1024 * 1024,
            skill_key: "skill".into(),
            a2a_version: "1.0".into(),
            a2a_profile: a2a::A2aProfile::V1_0,
            meter: held::Meter::new(),
        }
    }
}

/// What came back from one exchange, decoded as far as the binding allows.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The operation's result object (the DMC-12 envelope `{"data"|"error", "_metadata"}`).
    /// For MCP, `is_error` is the CallToolResult's `isError` flag and `text` is `content[0].text`;
    /// for A2A `is_error` is `None` and `text` is `None`. `where_found` says where the object
    /// was (e.g. `message.parts[0].data`, `task.artifacts[0].parts[0].data`, `structuredContent`).
    Op {
        /// The result object.
        object: Value,
        /// MCP `isError` (None on A2A).
        is_error: Option<bool>,
        /// MCP `content[0].text` (None on A2A).
        text: Option<String>,
        /// Where in the reply the object was found.
        where_found: String,
    },
    /// A protocol-level error: JSON-RPC `error` object (A2A or MCP), or a google.rpc.Status body
    /// on A2A HTTP+JSON (`code` then holds the HTTP status).
    Protocol {
        /// JSON-RPC error code, or HTTP status for a REST Status body.
        code: i64,
        /// Error message.
        message: String,
        /// `error.data` / `error.details`, if any.
        data: Option<Value>,
    },
    /// A non-success HTTP status without a decodable protocol error (401, 403, 413, 5xx…).
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx reply the client could not decode (not JSON, no result, SSE without the answer…).
    Unparseable {
        /// One line saying what was wrong.
        reason: String,
    },
}

/// One request/response pair as seen on the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The binding used.
    pub binding: Binding,
    /// The URL the request went to.
    pub url: String,
    /// The JSON body sent (or the raw text for malformed requests, as a JSON string).
    pub request_body: Value,
    /// HTTP status of the response.
    pub status: u16,
    /// Response headers (lower-cased names), in order.
    pub headers: Vec<(String, String)>,
    /// The raw response body as received (lossy UTF-8), for the leak scan.
    pub raw_body: String,
    /// The decoded reply.
    pub reply: Reply,
    /// Wall time of the exchange.
    pub elapsed: Duration,
    /// This exchange's share of the run's [`held::Meter`] (its body and headers).
    pub held: held::Held,
    /// The request as it went on the wire, for a reproduction (None where it was not built
    /// by a client: a worked example judged offline, a unit test).
    pub sent: Option<std::sync::Arc<SentRequest>>,
}

/// The value in `m`, whoever panicked while holding it (the transports' request slots, the
/// run's shared ledger state, the progress line).
pub(crate) fn locked<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A request as it went on the wire: what a reproduction re-sends
/// ([`crate::report::repro`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// The binding it was sent on.
    pub binding: Binding,
    /// `POST` (every exchange the suites judge is one).
    pub method: &'static str,
    /// Where it went.
    pub url: String,
    /// The headers sent, in order, the bearer token included (a reproduction shows it as an
    /// environment variable reference, never its value).
    pub headers: Vec<(String, String)>,
    /// The body as sent (lossy UTF-8).
    pub body: String,
    /// When it was sent (a reproduction waits as long between two requests as the run did,
    /// when that was long enough for a hold to expire).
    pub at: std::time::Instant,
}

impl SentRequest {
    /// A POST of `body` with `headers` to `url`.
    pub fn post(
        binding: Binding,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> SentRequest {
        SentRequest {
            binding,
            method: "POST",
            url: url.to_string(),
            headers: headers.to_vec(),
            body: String::from_utf8_lossy(body).into_owned(),
            at: std::time::Instant::now(),
        }
    }
}

impl Exchange {
    /// The bytes of the target's answer this exchange holds: body and headers.
    pub fn answer_bytes(&self) -> usize {
        self.raw_body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }

    /// The exchange with its answer counted on `meter`.
    pub fn metered(mut self, meter: &held::Meter) -> Exchange {
        self.held = meter.hold(self.answer_bytes());
        self
    }

    /// A header value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The harness could not complete an exchange at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// TCP connect failed (refused, unreachable).
    #[error("cannot connect to {url}: {detail}")]
    Connect {
        /// Target URL.
        url: String,
        /// Cause.
        detail: String,
    },
    /// The exchange did not finish within the configured timeout.
    #[error("no complete answer from {url} within {secs:.1}s")]
    Timeout {
        /// Target URL.
        url: String,
        /// The bound that was hit.
        secs: f64,
    },
    /// The response exceeded `max_body`.
    #[error("answer from {url} exceeded {limit} bytes")]
    TooLarge {
        /// Target URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// Any other I/O or protocol failure (connection reset mid-body, MCP handshake refused…).
    #[error("exchange with {url} failed: {detail}")]
    Io {
        /// Target URL.
        url: String,
        /// Cause.
        detail: String,
    },
}

/// A deliberately hand-built request, for protocol-error checks (malformed JSON, wrong
/// content type, missing version header…). Sent as-is to the binding's endpoint.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// Body bytes, sent verbatim.
    pub body: Vec<u8>,
    /// Content-Type header (None: not sent).
    pub content_type: Option<String>,
    /// Extra headers, added after the binding's defaults.
    pub headers: Vec<(String, String)>,
    /// Whether to send the binding's default headers (A2A-Version, MCP session…).
    pub default_headers: bool,
    /// Bearer token to send (None: no Authorization header).
    pub token: Option<String>,
}

/// A client for one binding of one target.
pub struct Client {
    inner: ClientImpl,
}

enum ClientImpl {
    A2a(a2a::A2aClient),
    Mcp(mcp::McpClient),
}

impl Client {
    /// A client for `binding` at `url` (A2A JSON-RPC: the JSON-RPC endpoint; A2A HTTP+JSON: the
    /// REST base, `/message:send` is appended; MCP: the `/mcp` endpoint).
    pub fn new(binding: Binding, url: &str, cfg: ClientConfig) -> Client {
        let inner = match binding {
            Binding::A2aJsonrpc | Binding::A2aRest => {
                ClientImpl::A2a(a2a::A2aClient::new(binding, url, cfg))
            }
            Binding::Mcp => ClientImpl::Mcp(mcp::McpClient::new(url, cfg)),
            Binding::McpModern => ClientImpl::Mcp(mcp::McpClient::modern(url, cfg)),
        };
        Client { inner }
    }

    /// The binding of this client.
    pub fn binding(&self) -> Binding {
        match &self.inner {
            ClientImpl::A2a(c) => c.binding(),
            ClientImpl::Mcp(c) => c.binding(),
        }
    }

    /// Call operation `op` (a DMC-12 tool name or AAP skill id) with `args` as `token`.
    /// A2A: `SendMessage` with a DataPart; MCP: `tools/call` (the session handshake, per
    /// token, happens on first use).
    pub async fn call(
        &self,
        op: &str,
        args: &Value,
        token: Option<&str>,
    ) -> Result<Exchange, TransportError> {
        match &self.inner {
            ClientImpl::A2a(c) => c.call(op, args, token).await,
            ClientImpl::Mcp(c) => c.call(op, args, token).await,
        }
    }

    /// Send a hand-built request to the binding's endpoint.
    pub async fn raw(&self, req: RawRequest) -> Result<Exchange, TransportError> {
        match &self.inner {
            ClientImpl::A2a(c) => c.raw(req).await,
            ClientImpl::Mcp(c) => c.raw(req).await,
        }
    }
}

impl Client {
    /// The last request this client sent (or began to send): what a reproduction of a
    /// transport failure re-sends.
    pub fn last_sent(&self) -> Option<std::sync::Arc<SentRequest>> {
        match &self.inner {
            ClientImpl::A2a(c) => c.last_sent(),
            ClientImpl::Mcp(c) => c.last_sent(),
        }
    }

    /// The MCP client behind this client, if it is one (for handshake and tools/list checks).
    pub fn as_mcp(&self) -> Option<&mcp::McpClient> {
        match &self.inner {
            ClientImpl::Mcp(c) => Some(c),
            ClientImpl::A2a(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing for the binding clients: HTTP client construction, error mapping, the
// whole-exchange time bound, capped body reads and small JSON helpers.
// ---------------------------------------------------------------------------------------------

/// The reqwest client every binding uses: per-request timeout as a second bound (the first is
/// [`bounded`]), and no redirects, so the harness sees exactly what the target answered.
pub(crate) fn http_client(cfg: &ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(cfg.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Building only fails when a TLS backend cannot initialise; none is compiled in.
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// One line naming a reqwest error and its causes (`a: b: c`).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out.replace(['\n', '\r'], " ")
}

/// Map a reqwest failure to the transport error kinds: timeout, connect, everything else Io.
pub(crate) fn map_reqwest_error(
    url: &str,
    err: &reqwest::Error,
    cfg: &ClientConfig,
) -> TransportError {
    if err.is_timeout() {
        TransportError::Timeout {
            url: url.to_string(),
            secs: cfg.timeout.as_secs_f64(),
        }
    } else if err.is_connect() {
        TransportError::Connect {
            url: url.to_string(),
            detail: error_chain(err),
        }
    } else {
        TransportError::Io {
            url: url.to_string(),
            detail: error_chain(err),
        }
    }
}

/// Run `fut` (a whole exchange: connect, send, read) within `cfg.timeout`.
pub(crate) async fn bounded<T, F>(
    cfg: &ClientConfig,
    url: &str,
    fut: F,
) -> Result<T, TransportError>
where
    F: std::future::Future<Output = Result<T, TransportError>>,
{
    match tokio::time::timeout(cfg.timeout, fut).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Timeout {
            url: url.to_string(),
            secs: cfg.timeout.as_secs_f64(),
        }),
    }
}

/// Response headers as (lower-case name, lossy value), in order.
pub(crate) fn header_list(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Read a response body chunk by chunk, failing with `TooLarge` as soon as it exceeds
/// `max_body` (or announces more than that in `Content-Length`).
pub(crate) async fn read_body_capped(
    mut resp: reqwest::Response,
    url: &str,
    cfg: &ClientConfig,
) -> Result<Vec<u8>, TransportError> {
    let too_large = || TransportError::TooLarge {
        url: url.to_string(),
        limit: cfg.max_body,
    };
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > cfg.max_body))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| map_reqwest_error(url, &e, cfg))?
    {
        if body.len() + chunk.len() > cfg.max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether two JSON-RPC ids are the same (numbers compare numerically: `3` equals `3.0`).
pub(crate) fn ids_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_f64(), y.as_f64()) {
                (Some(f), Some(g)) => f == g,
                _ => x == y,
            },
        },
        _ => a == b,
    }
}

/// Decode a JSON-RPC `error` member into [`Reply::Protocol`]; `None` if it is not an object
/// with an integral `code`.
pub(crate) fn jsonrpc_error(error: &Value) -> Option<Reply> {
    let obj = error.as_object()?;
    let code = obj.get("code").and_then(integral)?;
    Some(Reply::Protocol {
        code,
        message: obj
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        data: obj.get("data").cloned(),
    })
}

/// An integer JSON value (`3` or `3.0`).
pub(crate) fn integral(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// A short description of a JSON parse failure of `body`, one line.
pub(crate) fn not_json_reason(body: &[u8], err: &serde_json::Error) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        "body is empty or blank".to_string()
    } else {
        format!("body is not JSON: {err}")
    }
}

/// What was sent as the request body, for [`Exchange::request_body`]: the JSON value if the
/// bytes parse, else the lossy text as a JSON string.
pub(crate) fn request_body_value(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
