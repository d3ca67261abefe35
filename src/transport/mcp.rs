//! MCP Streamable HTTP client ([`McpClient`]) in either era: 2025-11-25 (the initialize
//! handshake per bearer token, then `tools/list`, `tools/call` in its session) or 2026-07-28
//! (every request self-contained: `params._meta` with the protocol version, the client's
//! capabilities and info, and the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`
//! headers; `server/discover`). Replies are JSON or SSE (read through [`super::sse`]).
//!
//! Sessions are created lazily, one per bearer token (no token is its own key), and cached.
//! A handshake the server refuses (initialize not answered with a 2xx JSON-RPC result, or
//! 401/403 on `notifications/initialized`) is not cached: the refused exchange is what
//! [`McpClient::call`] returns, so auth checks see its status and `WWW-Authenticate` header.

use super::SentRequest;
use super::held::Held;
use super::sse::SseReader;
use super::{
    Binding, ClientConfig, Exchange, RawRequest, Reply, TransportError, bounded, header_list,
    http_client, ids_equal, jsonrpc_error, map_reqwest_error, not_json_reason, read_body_capped,
    request_body_value,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::sync::{Mutex, OnceCell};

mod modern;
pub use modern::{
    Era, META_CAPABILITIES, META_CLIENT_INFO, META_VERSION, MODERN_VERSION, McpEra, header_value,
};
use modern::{modern_message, routing_headers};

/// The protocol version this client asks for in `initialize`.
pub const PROTOCOL_VERSION: &str = "2025-11-25";
/// The `Accept` header of every MCP POST.
pub const ACCEPT: &str = "application/json, text/event-stream";

/// MCP client for one `/mcp` endpoint; keeps one session per bearer token.
pub struct McpClient {
    era: Era,
    url: String,
    cfg: ClientConfig,
    http: reqwest::Client,
    next_id: AtomicU64,
    sessions: Mutex<HashMap<Option<String>, Arc<OnceCell<Session>>>>,
    last_sent: std::sync::Mutex<Option<Arc<SentRequest>>>,
}

/// What the handshake saw, for the BIND-MCP-INIT check.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The `initialize` exchange.
    pub initialize: Exchange,
    /// `result.protocolVersion` of the initialize answer.
    pub protocol_version: Option<String>,
    /// `MCP-Session-Id` returned, if any.
    pub session_id: Option<String>,
    /// HTTP status of `notifications/initialized` (expected 202); 0 when it was not sent
    /// because `initialize` was refused.
    pub initialized_status: u16,
    /// The `notifications/initialized` exchange, if it was sent.
    pub initialized: Option<Exchange>,
}

impl Handshake {
    /// Whether a session was established (and is cached for the token): `initialize` got a
    /// 2xx JSON-RPC result and `notifications/initialized` was not refused with 401/403.
    pub fn established(&self) -> bool {
        initialize_ok(&self.initialize)
            && self
                .initialized
                .as_ref()
                .is_some_and(|ex| !matches!(ex.status, 401 | 403))
    }

    /// The exchange that refused the handshake, if it was refused.
    pub fn refusal(&self) -> Option<&Exchange> {
        if !initialize_ok(&self.initialize) {
            return Some(&self.initialize);
        }
        self.initialized
            .as_ref()
            .filter(|ex| matches!(ex.status, 401 | 403))
    }
}

fn initialize_ok(ex: &Exchange) -> bool {
    (200..300).contains(&ex.status) && matches!(ex.reply, Reply::Op { .. })
}

/// An established session.
#[derive(Debug, Clone)]
struct Session {
    /// The negotiated version sent as `MCP-Protocol-Version`.
    protocol_version: String,
    session_id: Option<String>,
    handshake: Handshake,
}

/// Why no session could be had.
enum NoSession {
    Transport(TransportError),
    Refused(Box<Handshake>),
}

/// How to decode a JSON-RPC answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `tools/call`: the CallToolResult rules.
    ToolsCall,
    /// Any other request: the `result` object as is.
    Generic,
    /// A notification: no answer expected.
    Notification,
}

/// One POST to the endpoint.
struct Post {
    body: Vec<u8>,
    request_body: Value,
    headers: Vec<(String, String)>,
    expected_id: Option<Value>,
    kind: Kind,
}

impl McpClient {
    /// The last request this client sent (or began to send).
    pub fn last_sent(&self) -> Option<std::sync::Arc<SentRequest>> {
        super::locked(&self.last_sent).clone()
    }

    /// New 2025-11-25 client for the `/mcp` endpoint URL.
    pub fn new(url: &str, cfg: ClientConfig) -> Self {
        Self::of_era(Era::Legacy, url, cfg)
    }

    /// New 2026-07-28 client for the `/mcp` endpoint URL.
    pub fn modern(url: &str, cfg: ClientConfig) -> Self {
        Self::of_era(Era::Modern, url, cfg)
    }

    fn of_era(era: Era, url: &str, cfg: ClientConfig) -> Self {
        let http = http_client(&cfg);
        McpClient {
            era,
            url: url.to_string(),
            cfg,
            http,
            next_id: AtomicU64::new(1),
            last_sent: Default::default(),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The era this client speaks.
    pub fn era(&self) -> Era {
        self.era
    }

    /// The binding of this client's era.
    pub fn binding(&self) -> Binding {
        match self.era {
            Era::Legacy => Binding::Mcp,
            Era::Modern => Binding::McpModern,
        }
    }

    /// `server/discover` (2026-07-28), as `token`.
    pub async fn discover(&self, token: Option<&str>) -> Result<Exchange, TransportError> {
        self.modern_request("server/discover", json!({}), token, |_, _| {})
            .await
    }

    /// A 2026-07-28 request of `method` with `params` as `token`, built as every modern request
    /// is (`_meta` and the three headers), then handed to `alter` (its headers and body) before
    /// it is sent: how the transport checks send a request that breaks one rule and no other.
    pub async fn modern_request(
        &self,
        method: &str,
        params: Value,
        token: Option<&str>,
        alter: impl FnOnce(&mut Vec<(String, String)>, &mut Value),
    ) -> Result<Exchange, TransportError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (mut headers, mut body) = modern_message(method, params, token, id);
        alter(&mut headers, &mut body);
        let kind = match body.get("method").and_then(Value::as_str) {
            Some("tools/call") => Kind::ToolsCall,
            _ => Kind::Generic,
        };
        let expected_id = body.get("id").cloned();
        self.post_json(body, headers, expected_id, kind).await
    }

    /// Run (or reuse) the handshake for `token` and return what it saw. A refused handshake
    /// (see [`Handshake::established`]) is returned too, but not cached: the next call for the
    /// token tries again. Transport failures (connect, timeout, too large) are errors.
    pub async fn handshake(&self, token: Option<&str>) -> Result<Handshake, TransportError> {
        match self.session(token).await {
            Ok(session) => Ok(session.handshake),
            Err(NoSession::Refused(h)) => Ok(*h),
            Err(NoSession::Transport(e)) => Err(e),
        }
    }

    /// Forget the session of `token` (the next request runs the handshake again).
    pub async fn forget_session(&self, token: Option<&str>) {
        self.sessions
            .lock()
            .await
            .remove(&token.map(str::to_string));
    }

    /// `tools/list` in the session of `token`.
    pub async fn list_tools(&self, token: Option<&str>) -> Result<Exchange, TransportError> {
        self.request("tools/list", json!({}), token, Kind::Generic)
            .await
    }

    /// `tools/call {"name": op, "arguments": args}` in the session of `token`.
    pub async fn call(
        &self,
        op: &str,
        args: &Value,
        token: Option<&str>,
    ) -> Result<Exchange, TransportError> {
        self.request(
            "tools/call",
            json!({ "name": op, "arguments": args }),
            token,
            Kind::ToolsCall,
        )
        .await
    }

    /// Send a hand-built request to `/mcp`. With `default_headers`, the session of `req.token`
    /// is used (handshake first if needed; a refused handshake is returned instead) and
    /// `Accept`, `MCP-Protocol-Version` and `MCP-Session-Id` are sent. The reply is decoded
    /// like any other (a `tools/call` body gets the CallToolResult rules); with an SSE reply
    /// the answer is the response to the body's `id` (any response if it has none).
    pub async fn raw(&self, req: RawRequest) -> Result<Exchange, TransportError> {
        let token = req.token.as_deref();
        let mut headers = Vec::new();
        let mut session_sent = false;
        if req.default_headers && self.era == Era::Modern {
            headers.push(("accept".into(), ACCEPT.into()));
            headers.push(("mcp-protocol-version".into(), MODERN_VERSION.into()));
            if let Ok(body) = serde_json::from_slice::<Value>(&req.body) {
                headers.extend(routing_headers(&body));
            }
        } else if req.default_headers {
            let session = match self.session(token).await {
                Ok(s) => s,
                Err(NoSession::Transport(e)) => return Err(e),
                Err(NoSession::Refused(h)) => return Ok(refused_exchange(*h)),
            };
            session_sent = session.session_id.is_some();
            headers.extend(session_headers(&session));
        }
        if let Some(ct) = &req.content_type {
            headers.push(("content-type".into(), ct.clone()));
        }
        if let Some(token) = token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        headers.extend(req.headers.iter().cloned());
        let request_body = request_body_value(&req.body);
        let (expected_id, kind) = match &request_body {
            Value::Object(obj) => {
                let kind = match obj.get("method").and_then(Value::as_str) {
                    Some("tools/call") => Kind::ToolsCall,
                    _ if !obj.contains_key("id") && obj.contains_key("method") => {
                        Kind::Notification
                    }
                    _ => Kind::Generic,
                };
                (obj.get("id").cloned(), kind)
            }
            _ => (None, Kind::Generic),
        };
        let ex = self
            .post(Post {
                body: req.body,
                request_body,
                headers,
                expected_id,
                kind,
            })
            .await?;
        if session_sent && ex.status == 404 {
            self.forget_session(token).await;
        }
        Ok(ex)
    }

    /// A request in the session of `token`.
    async fn request(
        &self,
        method: &str,
        params: Value,
        token: Option<&str>,
        kind: Kind,
    ) -> Result<Exchange, TransportError> {
        if self.era == Era::Modern {
            // Self-contained: the request as every modern one is built, nothing bent.
            return self.modern_request(method, params, token, |_, _| {}).await;
        }
        let session = match self.session(token).await {
            Ok(s) => s,
            Err(NoSession::Transport(e)) => return Err(e),
            Err(NoSession::Refused(h)) => return Ok(refused_exchange(*h)),
        };
        let mut headers = session_headers(&session);
        headers.push(("content-type".into(), "application/json".into()));
        if let Some(token) = token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let ex = self.post_json(body, headers, Some(json!(id)), kind).await?;
        if session.session_id.is_some() && ex.status == 404 {
            // Per the transport spec a 404 means the session is gone: start a new one next time.
            self.forget_session(token).await;
        }
        Ok(ex)
    }

    /// The cached session of `token`, or a new one.
    async fn session(&self, token: Option<&str>) -> Result<Session, NoSession> {
        let cell = {
            let mut sessions = self.sessions.lock().await;
            sessions
                .entry(token.map(str::to_string))
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        cell.get_or_try_init(|| self.run_handshake(token))
            .await
            .cloned()
    }

    async fn run_handshake(&self, token: Option<&str>) -> Result<Session, NoSession> {
        let auth: Vec<(String, String)> = token
            .map(|t| vec![("authorization".to_string(), format!("Bearer {t}"))])
            .unwrap_or_default();
        let mut headers = vec![
            ("accept".to_string(), ACCEPT.to_string()),
            ("content-type".to_string(), "application/json".to_string()),
        ];
        headers.extend(auth.iter().cloned());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": { "name": "dealer-tck", "version": env!("CARGO_PKG_VERSION") },
            },
        });
        let initialize = self
            .post_json(body, headers.clone(), Some(json!(id)), Kind::Generic)
            .await
            .map_err(NoSession::Transport)?;
        let session_id = initialize.header("mcp-session-id").map(str::to_string);
        let protocol_version = match &initialize.reply {
            Reply::Op { object, .. } => object
                .get("protocolVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        };
        let mut handshake = Handshake {
            initialize,
            protocol_version,
            session_id,
            initialized_status: 0,
            initialized: None,
        };
        if !initialize_ok(&handshake.initialize) {
            return Err(NoSession::Refused(Box::new(handshake)));
        }
        let negotiated = handshake
            .protocol_version
            .clone()
            .unwrap_or_else(|| PROTOCOL_VERSION.to_string());
        headers.push(("mcp-protocol-version".into(), negotiated.clone()));
        if let Some(sid) = &handshake.session_id {
            headers.push(("mcp-session-id".into(), sid.clone()));
        }
        let note = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
        let initialized = self
            .post_json(note, headers, None, Kind::Notification)
            .await
            .map_err(NoSession::Transport)?;
        handshake.initialized_status = initialized.status;
        handshake.initialized = Some(initialized);
        if handshake.refusal().is_some() {
            return Err(NoSession::Refused(Box::new(handshake)));
        }
        Ok(Session {
            protocol_version: negotiated,
            session_id: handshake.session_id.clone(),
            handshake,
        })
    }

    async fn post_json(
        &self,
        body: Value,
        headers: Vec<(String, String)>,
        expected_id: Option<Value>,
        kind: Kind,
    ) -> Result<Exchange, TransportError> {
        let bytes = serde_json::to_vec(&body).map_err(|e| TransportError::Io {
            url: self.url.clone(),
            detail: format!("cannot encode request: {e}"),
        })?;
        self.post(Post {
            body: bytes,
            request_body: body,
            headers,
            expected_id,
            kind,
        })
        .await
    }

    async fn post(&self, post: Post) -> Result<Exchange, TransportError> {
        let url = self.url.as_str();
        let cfg = &self.cfg;
        let start = Instant::now();
        let Post {
            body,
            request_body,
            headers,
            expected_id,
            kind,
        } = post;
        let sent = Arc::new(SentRequest::post(self.binding(), url, &headers, &body));
        *super::locked(&self.last_sent) = Some(sent.clone());
        let exchange = async {
            let mut rb = self.http.post(url).body(body);
            for (k, v) in &headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            let resp = rb
                .send()
                .await
                .map_err(|e| map_reqwest_error(url, &e, cfg))?;
            let status = resp.status().as_u16();
            let headers = header_list(resp.headers());
            let is_sse = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| {
                    ct.trim_start()
                        .to_ascii_lowercase()
                        .starts_with("text/event-stream")
                });
            let (raw, message) = if is_sse {
                let read = SseReader::new(expected_id.clone(), cfg.max_body)
                    .read(resp, url, cfg)
                    .await?;
                let message = read.answer.ok_or(read.reason);
                (read.raw, message)
            } else {
                let bytes = read_body_capped(resp, url, cfg).await?;
                let message = json_answer(&bytes, expected_id.as_ref());
                (String::from_utf8_lossy(&bytes).into_owned(), message)
            };
            Ok((status, headers, raw, message))
        };
        let (status, headers, raw_body, message) = bounded(cfg, url, exchange).await?;
        let reply = decode(status, message, kind);
        Ok(Exchange {
            binding: self.binding(),
            url: url.to_string(),
            request_body,
            status,
            headers,
            raw_body,
            reply,
            elapsed: start.elapsed(),
            held: Held::none(),
            sent: Some(sent),
        }
        .metered(&cfg.meter))
    }
}

/// The exchange to return for a request whose session could not be had.
fn refused_exchange(h: Handshake) -> Exchange {
    match h.refusal() {
        Some(ex) => ex.clone(),
        None => h.initialize,
    }
}

fn session_headers(session: &Session) -> Vec<(String, String)> {
    let mut headers = vec![
        ("accept".to_string(), ACCEPT.to_string()),
        (
            "mcp-protocol-version".to_string(),
            session.protocol_version.clone(),
        ),
    ];
    if let Some(sid) = &session.session_id {
        headers.push(("mcp-session-id".into(), sid.clone()));
    }
    headers
}

/// The JSON-RPC message in an `application/json` body (for a batch, the element answering
/// `expected_id`), or a one-line reason.
fn json_answer(body: &[u8], expected_id: Option<&Value>) -> Result<Value, String> {
    let json: Value = serde_json::from_slice(body).map_err(|e| not_json_reason(body, &e))?;
    match json {
        Value::Array(items) => items
            .into_iter()
            .find(|m| match (expected_id, m.get("id")) {
                (Some(want), Some(got)) => ids_equal(want, got),
                (None, _) => m.get("result").is_some() || m.get("error").is_some(),
                _ => false,
            })
            .ok_or_else(|| "JSON-RPC batch holds no response to the request".to_string()),
        other => Ok(other),
    }
}

/// Decode the JSON-RPC answer (or the reason there is none) given the HTTP status.
///
/// Non-2xx: a JSON-RPC `error` → [`Reply::Protocol`], else [`Reply::Http`]. 2xx: `error` →
/// Protocol; `result` → [`Reply::Op`] (CallToolResult rules for `tools/call`, the result
/// object as is otherwise); a notification's answer → [`Reply::Http`] with the status;
/// anything else → [`Reply::Unparseable`].
fn decode(status: u16, message: Result<Value, String>, kind: Kind) -> Reply {
    let success = (200..300).contains(&status);
    let error = message
        .as_ref()
        .ok()
        .and_then(|m| m.get("error"))
        .map(|e| jsonrpc_error(e).ok_or(()));
    match error {
        Some(Ok(reply)) => return reply,
        Some(Err(())) if success => {
            return Reply::Unparseable {
                reason: "JSON-RPC error member is not an object with an integer code".into(),
            };
        }
        _ => {}
    }
    if !success || kind == Kind::Notification {
        return Reply::Http { status };
    }
    let message = match message {
        Ok(m) => m,
        Err(reason) => return Reply::Unparseable { reason },
    };
    let Some(result) = message.get("result") else {
        return Reply::Unparseable {
            reason: if message.is_object() {
                "JSON-RPC reply has neither result nor error".into()
            } else {
                "JSON-RPC reply is not a JSON object".into()
            },
        };
    };
    match kind {
        Kind::ToolsCall => tool_result(result),
        Kind::Generic | Kind::Notification => Reply::Op {
            object: result.clone(),
            is_error: None,
            text: None,
            where_found: "result".into(),
        },
    }
}

/// The CallToolResult rules: the object is `structuredContent`, else `content[0].text` parsed
/// as JSON. `is_error` is `isError` (absent means false; not a boolean gives `None`).
pub fn tool_result(result: &Value) -> Reply {
    let is_error = match result.get("isError") {
        None => Some(false),
        Some(v) => v.as_bool(),
    };
    let text = result
        .get("content")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(object) = result.get("structuredContent") {
        return Reply::Op {
            object: object.clone(),
            is_error,
            text,
            where_found: "structuredContent".into(),
        };
    }
    match text.as_deref().map(serde_json::from_str::<Value>) {
        Some(Ok(object)) => Reply::Op {
            object,
            is_error,
            text,
            where_found: "content[0].text".into(),
        },
        Some(Err(e)) => Reply::Unparseable {
            reason: format!(
                "CallToolResult has no structuredContent and content[0].text is not JSON: {e}"
            ),
        },
        None => Reply::Unparseable {
            reason: "CallToolResult has neither structuredContent nor content[0].text".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_result_rules() {
        let r = tool_result(&json!({
            "structuredContent": {"data": {}},
            "content": [{"type": "text", "text": "{\"data\":{}}"}],
            "isError": false
        }));
        assert_eq!(
            r,
            Reply::Op {
                object: json!({"data": {}}),
                is_error: Some(false),
                text: Some("{\"data\":{}}".into()),
                where_found: "structuredContent".into()
            }
        );
        let r = tool_result(&json!({
            "content": [{"type": "text", "text": "{\"error\":{\"code\":\"X\"}}"}],
            "isError": true
        }));
        assert!(matches!(
            r,
            Reply::Op { ref where_found, is_error: Some(true), ref object, .. }
                if where_found == "content[0].text" && object["error"]["code"] == "X"
        ));
        assert!(matches!(
            tool_result(&json!({"content": [{"type": "text", "text": "oops"}]})),
            Reply::Unparseable { .. }
        ));
        assert!(matches!(
            tool_result(&json!({"content": []})),
            Reply::Unparseable { .. }
        ));
        assert!(matches!(
            tool_result(&json!({"structuredContent": {}, "isError": "yes"})),
            Reply::Op { is_error: None, .. }
        ));
    }

    #[test]
    fn decode_statuses() {
        let err = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}});
        assert!(matches!(
            decode(200, Ok(err.clone()), Kind::ToolsCall),
            Reply::Protocol { code: -32602, .. }
        ));
        assert!(matches!(
            decode(400, Ok(err), Kind::ToolsCall),
            Reply::Protocol { code: -32602, .. }
        ));
        assert_eq!(
            decode(401, Err("body is empty or blank".into()), Kind::ToolsCall),
            Reply::Http { status: 401 }
        );
        assert_eq!(
            decode(
                202,
                Err("body is empty or blank".into()),
                Kind::Notification
            ),
            Reply::Http { status: 202 }
        );
        assert!(matches!(
            decode(202, Err("body is empty or blank".into()), Kind::ToolsCall),
            Reply::Unparseable { .. }
        ));
        assert!(matches!(
            decode(200, Ok(json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": []}})), Kind::Generic),
            Reply::Op { ref where_found, .. } if where_found == "result"
        ));
    }

    #[test]
    fn json_answer_batches() {
        let body = br#"[{"jsonrpc":"2.0","id":2,"result":1},{"jsonrpc":"2.0","id":1,"result":2}]"#;
        assert_eq!(
            json_answer(body, Some(&json!(1))),
            Ok(json!({"jsonrpc": "2.0", "id": 1, "result": 2}))
        );
        assert!(json_answer(body, Some(&json!(3))).is_err());
        assert_eq!(
            json_answer(b"  ", None),
            Err("body is empty or blank".to_string())
        );
    }
}
