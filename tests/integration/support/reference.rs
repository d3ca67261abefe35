//! The reference-server tests' fixtures: [`Env`] (a reference server wired to a real SMTP
//! sink and the DriveCentric mock, with its store in a temp file and its log captured),
//! [`Canaries`] (unique plaintext values for every 🔒 field) and [`Client`].
//!
//! [`Client`] is a raw HTTP client on purpose, not the harness's `dealer_tck::transport`
//! client: these tests send exact bytes and headers (malformed JSON, missing or wrong
//! headers, no token), open a fresh MCP session per call, and require the reference's answer
//! in exactly one place (`message.parts[0].data`; `structuredContent` equal to
//! `content[0].text`) where the harness's client accepts every form a target may use. What it
//! shares with the harness is the wire vocabulary: the A2A message
//! ([`dealer_tck::transport::a2a::message`]), the SSE parser
//! (`sse-stream`, as [`dealer_tck::transport::sse`] uses it) and the MCP protocol version and `Accept`
//! header ([`dealer_tck::transport::mcp`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dealer_tck::observe::crm::{CrmMock, CrmRequest};
use dealer_tck::observe::smtp::SmtpSink;
use dealer_tck::reference::{
    DbLocation, Defect, LogCapture, ReferenceConfig, ReferenceServer, TOKEN_AGENT_A,
};
use dealer_tck::transport::mcp::{ACCEPT, PROTOCOL_VERSION};
use serde_json::{Value, json};

/// Store id and CRM token the tests configure.
pub const STORE: &str = "store-0042";
/// The CRM bearer token.
pub const CRM_TOKEN: &str = "tck-crm-token-for-tests";

/// How to start a server.
#[derive(Debug, Clone, Copy)]
pub struct Opts {
    /// Injected defect.
    pub defect: Option<Defect>,
    /// MCP answers as SSE.
    pub sse: bool,
    /// CRM enabled.
    pub crm: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            defect: None,
            sse: false,
            crm: true,
        }
    }
}

/// A running reference with its observers.
pub struct Env {
    pub server: ReferenceServer,
    pub sink: Arc<SmtpSink>,
    pub crm: Arc<CrmMock>,
    pub db: PathBuf,
    pub log: LogCapture,
    pub client: Client,
    pub desk: Vec<String>,
    _tmp: tempfile::TempDir,
}

impl Env {
    /// New sink, new CRM mock, new server.
    pub async fn start(opts: Opts) -> Env {
        let sink = Arc::new(SmtpSink::start(0).expect("smtp sink starts"));
        let crm = Arc::new(
            CrmMock::start(0, STORE, CRM_TOKEN)
                .await
                .expect("crm mock starts"),
        );
        Env::with(opts, sink, crm).await
    }

    /// A new server on existing observers.
    pub async fn with(opts: Opts, sink: Arc<SmtpSink>, crm: Arc<CrmMock>) -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let db = tmp.path().join("reference.sqlite");
        let log: LogCapture = Arc::default();
        let cfg = ReferenceConfig {
            smtp: sink.addr().to_string(),
            crm_url: opts.crm.then(|| crm.url().to_string()),
            crm_token: CRM_TOKEN.into(),
            store_id: STORE.into(),
            db: DbLocation::File(db.clone()),
            defect: opts.defect,
            sse: opts.sse,
            crm_timeout: Duration::from_millis(300),
            smtp_timeout: Duration::from_secs(5),
            log: Some(log.clone()),
            ..ReferenceConfig::default()
        };
        let desk = cfg.desk.clone();
        let server = ReferenceServer::start(cfg).await.expect("reference starts");
        let client = Client::new(server.base_url());
        Env {
            server,
            sink,
            crm,
            db,
            log,
            client,
            desk,
            _tmp: tmp,
        }
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&self.log.to_vec()).into_owned()
    }

    /// The bytes of the database file (and its journal, if any).
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut bytes = std::fs::read(&self.db).expect("db file exists");
        let mut journal = self.db.clone().into_os_string();
        journal.push("-journal");
        if let Ok(j) = std::fs::read(PathBuf::from(journal)) {
            bytes.extend_from_slice(&j);
        }
        bytes
    }

    /// Rows of deal_handoffs.
    pub fn handoff_rows(&self) -> i64 {
        self.rows("deal_handoffs")
    }

    /// Rows in one table of the server's store (read-only).
    pub fn rows(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open db");
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    /// CRM requests so far.
    pub async fn crm_requests(&self) -> Vec<CrmRequest> {
        self.crm.requests().await
    }

    /// Create a reservation as `token` on the first available vehicle (A2A JSON-RPC).
    pub async fn reserve(&self, token: &str, hold_seconds: Option<u64>) -> Value {
        let inv = self
            .client
            .call(Binding::JsonRpc, Some(token), "search_inventory", json!({}))
            .await
            .expect("search_inventory answers");
        let vehicles = inv["data"]["vehicles"]
            .as_array()
            .expect("vehicles")
            .clone();
        for v in vehicles.iter().filter(|v| v["status"] == "available") {
            let mut args = json!({"vin": v["vin"]});
            if let Some(h) = hold_seconds {
                args["hold_seconds"] = json!(h);
            }
            let env = self
                .client
                .call(Binding::JsonRpc, Some(token), "create_reservation", args)
                .await
                .expect("create_reservation answers");
            if env.get("data").is_some() {
                return env["data"].clone();
            }
        }
        panic!("no vehicle could be reserved");
    }

    /// A fresh reservation token of agent A.
    pub async fn reservation(&self) -> String {
        self.reserve(TOKEN_AGENT_A, None).await["reservation_token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

/// The three bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    JsonRpc,
    Rest,
    Mcp,
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The JSON body, or for SSE the JSON-RPC message that answers the request (Null if none).
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
}

/// Every JSON message of an SSE body (comments, empty data and ids skipped).
pub fn sse_messages(text: &str) -> Vec<Value> {
    use futures_util::{FutureExt, StreamExt};
    let input = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(text.as_bytes())]);
    let events: Vec<sse_stream::Sse> = sse_stream::SseByteStream::new(input)
        .filter_map(|e| std::future::ready(e.ok()))
        .collect()
        .now_or_never()
        .expect("a stream of ready chunks is ready");
    events
        .iter()
        .filter_map(|e| e.data.as_deref())
        .filter(|d| !d.trim().is_empty())
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect()
}

/// A raw client.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

/// A SendMessage message for `tool` with `args` (the skill in `metadata.skill`).
pub fn a2a_message(tool: &str, args: &Value) -> Value {
    dealer_tck::transport::a2a::message("skill", tool, args)
}

impl Client {
    pub fn new(base: String) -> Client {
        Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            base,
        }
    }

    /// POST raw bytes with the given headers.
    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        self.send(reqwest::Method::POST, path, headers, body).await
    }

    /// POST raw bytes to an A2A path as an A2A 1.0 client with `token`.
    pub async fn post_a2a(&self, path: &str, token: &str, body: Vec<u8>) -> Reply {
        let auth = format!("Bearer {token}");
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
            ("a2a-version", "1.0"),
        ];
        self.post(path, &headers, body).await
    }

    /// MCP initialize (no session yet).
    pub async fn mcp_initialize(&self, token: Option<&str>) -> Reply {
        self.mcp_raw(
            token,
            None,
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                "clientInfo": {"name": "reference-tests", "version": "0"}}}),
        )
        .await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request answered");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let is_sse = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/event-stream"));
        let json = if is_sse {
            sse_messages(&text)
                .into_iter()
                .find(|m| m.get("result").is_some() || m.get("error").is_some())
                .unwrap_or(Value::Null)
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, &[], Vec::new()).await
    }

    /// A2A JSON-RPC SendMessage.
    pub async fn jsonrpc(&self, token: Option<&str>, tool: &str, args: &Value) -> Reply {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": "SendMessage",
            "params": {"message": a2a_message(tool, args)}});
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json"), ("a2a-version", "1.0")];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        self.post("/a2a/jsonrpc", &headers, body.to_string().into_bytes())
            .await
    }

    /// A2A HTTP+JSON message:send.
    pub async fn rest(&self, token: Option<&str>, tool: &str, args: &Value) -> Reply {
        let body = json!({"message": a2a_message(tool, args)});
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![
            ("content-type", "application/a2a+json"),
            ("a2a-version", "1.0"),
        ];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        self.post(
            "/a2a/rest/message:send",
            &headers,
            body.to_string().into_bytes(),
        )
        .await
    }

    /// MCP POST of one JSON-RPC message with optional session.
    pub async fn mcp_raw(&self, token: Option<&str>, sid: Option<&str>, msg: &Value) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json"), ("accept", ACCEPT)];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        if let Some(s) = sid {
            headers.push(("mcp-session-id", s));
            headers.push(("mcp-protocol-version", PROTOCOL_VERSION));
        }
        self.post("/mcp", &headers, msg.to_string().into_bytes())
            .await
    }

    /// An MCP 2026-07-28 request as `token`: `_meta` and the version, method and (tools/call)
    /// name headers as the era asks, then bent by `bend` (headers, body) before it is sent.
    pub async fn mcp_modern(
        &self,
        token: &str,
        method: &str,
        params: Value,
        bend: impl FnOnce(&mut Vec<(String, String)>, &mut Value),
    ) -> Reply {
        use dealer_tck::transport::mcp::{
            META_CAPABILITIES, META_CLIENT_INFO, META_VERSION, MODERN_VERSION,
        };
        let mut body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        body["params"]["_meta"] = json!({
            META_VERSION: MODERN_VERSION,
            META_CAPABILITIES: {},
            META_CLIENT_INFO: {"name": "reference-tests", "version": "0"},
        });
        let mut headers: Vec<(String, String)> = vec![
            ("content-type".into(), "application/json".into()),
            ("accept".into(), ACCEPT.into()),
            ("authorization".into(), format!("Bearer {token}")),
            ("mcp-protocol-version".into(), MODERN_VERSION.into()),
            ("mcp-method".into(), method.into()),
        ];
        if let Some(name) = body["params"]["name"].as_str() {
            headers.push(("mcp-name".into(), name.into()));
        }
        bend(&mut headers, &mut body);
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post("/mcp", &headers, body.to_string().into_bytes())
            .await
    }

    /// initialize + notifications/initialized; the session id, or the refusing reply.
    pub async fn try_mcp_session(&self, token: Option<&str>) -> Result<String, Reply> {
        let init = self.mcp_initialize(token).await;
        if init.status != 200 {
            return Err(init);
        }
        assert_eq!(
            init.json["result"]["protocolVersion"], "2025-11-25",
            "{}",
            init.text
        );
        let sid = init.header("mcp-session-id").expect("MCP-Session-Id");
        let ack = self
            .mcp_raw(
                token,
                Some(&sid),
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            )
            .await;
        assert_eq!(ack.status, 202, "notifications/initialized: {}", ack.text);
        Ok(sid)
    }

    /// initialize + notifications/initialized; returns the session id.
    pub async fn mcp_session(&self, token: &str) -> String {
        match self.try_mcp_session(Some(token)).await {
            Ok(sid) => sid,
            Err(r) => panic!("initialize: HTTP {} {}", r.status, r.text),
        }
    }

    /// tools/call in a fresh session.
    pub async fn mcp_call(&self, token: &str, tool: &str, args: &Value) -> Reply {
        let sid = self.mcp_session(token).await;
        self.mcp_tool(token, &sid, tool, args).await
    }

    /// tools/call in the given session.
    pub async fn mcp_tool(&self, token: &str, sid: &str, tool: &str, args: &Value) -> Reply {
        self.mcp_raw(
            Some(token),
            Some(sid),
            &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": tool, "arguments": args}}),
        )
        .await
    }

    /// Call a tool; Ok(envelope) when the transport answered 200 with a result, else the reply.
    pub async fn call(
        &self,
        binding: Binding,
        token: Option<&str>,
        tool: &str,
        args: Value,
    ) -> Result<Value, Reply> {
        let reply = match binding {
            Binding::JsonRpc => self.jsonrpc(token, tool, &args).await,
            Binding::Rest => self.rest(token, tool, &args).await,
            Binding::Mcp => match self.try_mcp_session(token).await {
                Ok(sid) => self.mcp_tool(token.unwrap_or(""), &sid, tool, &args).await,
                Err(refused) => return Err(refused),
            },
        };
        if reply.status != 200 {
            return Err(reply);
        }
        let env = match binding {
            Binding::JsonRpc => reply.json.pointer("/result/message/parts/0/data").cloned(),
            Binding::Rest => reply.json.pointer("/message/parts/0/data").cloned(),
            Binding::Mcp => {
                let result = &reply.json["result"];
                match result.get("structuredContent") {
                    Some(sc) => {
                        let text: Value = serde_json::from_str(
                            result["content"][0]["text"].as_str().unwrap_or("null"),
                        )
                        .unwrap_or(Value::Null);
                        assert_eq!(&text, sc, "content[0].text is the envelope");
                        assert_eq!(result["content"][0]["type"], "text", "content[0] is text");
                        Some(sc.clone())
                    }
                    None => None,
                }
            }
        };
        env.ok_or(reply)
    }
}

/// The DMC-12 hand-off tool.
pub const HANDOFF: &str = "initiate_deal_handoff";

/// A hand-off over `binding` as `token`: the envelope (a non-200 answer fails the test).
pub async fn handoff(env: &Env, binding: Binding, token: &str, args: Value) -> Value {
    match env.client.call(binding, Some(token), HANDOFF, args).await {
        Ok(e) => e,
        Err(r) => panic!("{binding:?} hand-off: HTTP {} {}", r.status, r.text),
    }
}

/// The error code of an envelope, or "ok".
pub fn outcome(envelope: &Value) -> String {
    envelope
        .pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or("ok")
        .to_string()
}

/// Unique plaintext values for every 🔒 field of one request.
#[derive(Debug, Clone)]
pub struct Canaries {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    pub trade_description: String,
    pub consent_text: String,
}

impl Canaries {
    pub fn new() -> Canaries {
        let n = uuid::Uuid::new_v4().as_u128();
        let tag = format!("{:08x}", (n & 0xffff_ffff) as u32);
        let digits = format!("{:07}", (n >> 32) % 10_000_000);
        Canaries {
            name: format!("Quinn Zebulon-{tag}"),
            phone: format!("+1555{digits}"),
            email: format!("quinn.{tag}@example.com"),
            notes: format!("Prefers a call after 5pm; canary notes {tag}"),
            trade_description: format!("Garage kept, one owner; canary trade {tag}"),
            consent_text: format!("Customer agreed by phone to follow-up; canary consent {tag}"),
        }
    }

    /// Every plaintext value.
    pub fn all(&self) -> Vec<&str> {
        vec![
            &self.name,
            &self.phone,
            &self.email,
            &self.notes,
            &self.trade_description,
            &self.consent_text,
        ]
    }

    /// The minimal valid request.
    pub fn minimal(&self, rsv: &str) -> Value {
        json!({
            "reservation_token": rsv,
            "customer_contact": {"name": self.name, "phone": self.phone, "email": self.email},
            "customer_consent": true
        })
    }

    /// A request with every optional field set.
    pub fn full(&self, rsv: &str) -> Value {
        json!({
            "reservation_token": rsv,
            "customer_contact": {"name": self.name, "phone": self.phone, "email": self.email},
            "customer_consent": true,
            "financing_preference": "finance",
            "notes": self.notes,
            "trade_in_disclosed": false,
            "trade_in": {
                "description": self.trade_description,
                "appraised_value_partner": {"amount": 18500, "currency": "USD"},
                "vin": "JF2GTACC4K8200000", "year": 2019, "make": "Subaru",
                "model": "Crosstrek", "mileage": 48000, "condition": "good"
            },
            "consent": {
                "allowed_channels": ["email", "phone"],
                "expires_at": "2099-06-01T00:00:00Z",
                "consent_text": self.consent_text
            }
        })
    }
}

impl Default for Canaries {
    fn default() -> Self {
        Canaries::new()
    }
}

/// Does `hay` contain `needle` (bytes, case-sensitive or case-folded)?
pub fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    let lower_hay = hay.to_ascii_lowercase();
    let lower_n = needle.to_ascii_lowercase();
    hay.windows(n.len()).any(|w| w == n)
        || lower_hay
            .windows(lower_n.len())
            .any(|w| w == lower_n.as_bytes())
}
