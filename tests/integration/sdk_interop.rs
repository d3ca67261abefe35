//! Interoperability with the official SDKs, both ways, over real loopback HTTP.
//!
//! The main types exercised are the reference server (`dealer_tck::reference::ReferenceServer`)
//! and the harness's own MCP client (`dealer_tck::transport::Client`), each paired with an
//! official SDK on the other side of the wire:
//! - the official MCP Rust SDK (`rmcp`) client, over Streamable HTTP with a bearer token, drives
//!   the reference in its JSON and in its SSE response mode;
//! - the official A2A Rust client (`a2a-client-lf`) resolves the reference's agent card and sends
//!   `SendMessage` over the JSON-RPC and the HTTP+JSON bindings, the arguments in a DataPart and
//!   the operation in `message.metadata.skill`, the bearer token from the SDK's `AuthInterceptor`;
//! - an `rmcp` Streamable HTTP server, mounted in an axum router, exposes
//!   `initiate_deal_handoff` and is driven by the harness's MCP transport in rmcp's stateful
//!   (SSE), stateless JSON and stateless SSE modes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use a2a::{
    AgentCard, Message, Part, PartContent, Role, SendMessageRequest, SendMessageResponse,
    TRANSPORT_PROTOCOL_HTTP_JSON, TRANSPORT_PROTOCOL_JSONRPC,
};
use a2a_client::A2AClientFactory;
use a2a_client::agent_card::AgentCardResolver;
use a2a_client::auth::AuthInterceptor;
use dealer_tck::observe::crm::CrmMock;
use dealer_tck::observe::smtp::SmtpSink;
use dealer_tck::reference::{
    DbLocation, LogCapture, MCP_PROTOCOL_VERSION, ReferenceConfig, ReferenceServer, TOKEN_AGENT_A,
};
use dealer_tck::transport::{Binding, Client, ClientConfig, Exchange, Reply};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};

const HANDOFF: &str = "initiate_deal_handoff";
const STORE: &str = "store-0077";
const CRM_TOKEN: &str = "tck-crm-token-sdk-interop";

// ---------------------------------------------------------------------------------------------
// The reference, wired to a real SMTP sink and the DriveCentric mock (as src/run/target.rs does).
// ---------------------------------------------------------------------------------------------

pub(crate) struct RefEnv {
    pub(crate) server: ReferenceServer,
    pub(crate) sink: SmtpSink,
    crm: CrmMock,
}

impl RefEnv {
    pub(crate) async fn start(sse: bool) -> RefEnv {
        let sink = SmtpSink::start(0).expect("smtp sink starts");
        let crm = CrmMock::start(0, STORE, CRM_TOKEN)
            .await
            .expect("crm mock starts");
        let log: LogCapture = Arc::default();
        let cfg = ReferenceConfig {
            smtp: sink.addr().to_string(),
            crm_url: Some(crm.url().to_string()),
            crm_token: CRM_TOKEN.into(),
            store_id: STORE.into(),
            db: DbLocation::Memory,
            sse,
            crm_timeout: Duration::from_secs(5),
            smtp_timeout: Duration::from_secs(5),
            log: Some(log),
            ..ReferenceConfig::default()
        };
        let server = ReferenceServer::start(cfg).await.expect("reference starts");
        RefEnv { server, sink, crm }
    }

    pub(crate) fn base(&self) -> String {
        self.server.base_url()
    }

    /// After one successful hand-off: exactly one email reached the sink and one ADF lead the
    /// CRM mock, both addressed as configured (the SDK call really did the hand-off).
    pub(crate) async fn assert_one_handoff_delivered(&self, customer_email: &str) {
        let mails = self.sink.mails();
        assert_eq!(mails.len(), 1, "one deal-intent email: {mails:?}");
        let leads = self.crm.requests().await;
        assert_eq!(leads.len(), 1, "one CRM lead: {leads:?}");
        assert_eq!(leads[0].bearer(), Some(CRM_TOKEN), "CRM bearer");
        assert!(
            leads[0].body.contains(customer_email),
            "the ADF lead carries the customer's email"
        );
    }
}

/// Unique customer contact for one hand-off.
pub(crate) fn contact() -> Value {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    json!({
        "name": format!("Jane Interop-{}", &tag[..8]),
        "phone": "+15555551234",
        "email": format!("jane.{}@example.com", &tag[..8]),
    })
}

pub(crate) fn handoff_args(reservation_token: &str, contact: &Value, consent: bool) -> Value {
    json!({
        "reservation_token": reservation_token,
        "customer_contact": contact,
        "financing_preference": "finance",
        "customer_consent": consent,
    })
}

/// The success envelope of a hand-off made over `protocol`.
pub(crate) fn assert_handoff_sent(envelope: &Value, protocol: &str) {
    assert_eq!(envelope["data"]["status"], "sent", "{envelope}");
    assert_eq!(envelope["data"]["crm_status"], "sent", "{envelope}");
    let token = envelope["data"]["handoff_token"].as_str().unwrap_or("");
    assert!(token.starts_with("hnd_"), "handoff_token: {envelope}");
    assert!(envelope.get("error").is_none(), "{envelope}");
    assert_eq!(envelope["_metadata"]["tool"], HANDOFF, "{envelope}");
    assert_eq!(envelope["_metadata"]["protocol"], protocol, "{envelope}");
    let trace = envelope["_metadata"]["trace_id"].as_str().unwrap_or("");
    assert!(trace.starts_with("trc_"), "trace_id: {envelope}");
}

/// The error envelope of a hand-off refused for `customer_consent: false`.
pub(crate) fn assert_consent_refused(envelope: &Value, protocol: &str) {
    assert!(envelope.get("data").is_none(), "{envelope}");
    assert_eq!(envelope["error"]["code"], "VALIDATION_ERROR", "{envelope}");
    assert_eq!(envelope["_metadata"]["tool"], HANDOFF, "{envelope}");
    assert_eq!(envelope["_metadata"]["protocol"], protocol, "{envelope}");
}

/// The VIN of the first available vehicle of a `search_inventory` envelope.
pub(crate) fn first_available_vin(envelope: &Value) -> String {
    let vehicles = envelope["data"]["vehicles"]
        .as_array()
        .unwrap_or_else(|| panic!("search_inventory lists vehicles: {envelope}"));
    vehicles
        .iter()
        .find(|v| v["status"] == "available")
        .and_then(|v| v["vin"].as_str())
        .unwrap_or_else(|| panic!("an available vehicle: {envelope}"))
        .to_string()
}

/// The reservation token of a `create_reservation` envelope.
pub(crate) fn reservation_token(envelope: &Value) -> String {
    assert_eq!(envelope["data"]["status"], "active", "{envelope}");
    let token = envelope["data"]["reservation_token"]
        .as_str()
        .unwrap_or_else(|| panic!("reservation_token: {envelope}"));
    assert!(token.starts_with("rsv_"), "{envelope}");
    token.to_string()
}

pub(crate) fn object(v: Value) -> JsonObject {
    match v {
        Value::Object(m) => m,
        other => panic!("not a JSON object: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. rmcp client → the reference (MCP Streamable HTTP, JSON and SSE modes)
// ---------------------------------------------------------------------------------------------

/// `tools/call` through rmcp; the envelope, checked against `content[0].text`.
pub(crate) async fn rmcp_call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> (Value, Option<bool>) {
    let result: CallToolResult = client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(object(args)))
        .await
        .unwrap_or_else(|e| panic!("rmcp tools/call {tool}: {e}"));
    let envelope = result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{tool}: structuredContent: {result:?}"));
    let text = result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_else(|| panic!("{tool}: content[0] is text: {result:?}"));
    let from_text: Value = serde_json::from_str(&text).expect("content[0].text is JSON");
    assert_eq!(
        from_text, envelope,
        "{tool}: content[0].text is the envelope"
    );
    (envelope, result.is_error)
}

/// What an rmcp client connected in `version` sees of the reference: its info, the tools and
/// their schemas, then the inventory, a reservation, a refused hand-off (the tool's envelope
/// with isError, no mail) and a sent one (one mail delivered).
pub(crate) async fn walk_the_handoff(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    env: &RefEnv,
    version: &str,
) {
    let peer = client.peer_info().expect("server info after the lifecycle");
    assert_eq!(peer.protocol_version.as_str(), version);
    assert_eq!(
        peer.server_info.as_ref().map(|i| i.name.as_str()),
        Some("dealer-tck-reference")
    );
    assert!(peer.capabilities.tools.is_some(), "tools capability");

    let tools = client.list_tools(None).await.expect("tools/list").tools;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for want in [
        "search_inventory",
        "create_reservation",
        "release_reservation",
        HANDOFF,
    ] {
        assert!(names.contains(&want), "tools/list names {want}: {names:?}");
    }
    let handoff = tools
        .iter()
        .find(|t| t.name == HANDOFF)
        .expect("initiate_deal_handoff listed");
    let schema = Value::Object((*handoff.input_schema).clone());
    assert_eq!(schema["type"], "object", "{schema}");
    for field in ["reservation_token", "customer_contact", "customer_consent"] {
        assert!(
            schema["properties"].get(field).is_some(),
            "inputSchema has {field}: {schema}"
        );
        assert!(
            schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == field)),
            "inputSchema requires {field}: {schema}"
        );
    }

    let (inventory, is_error) = rmcp_call(client, "search_inventory", json!({})).await;
    assert_ne!(is_error, Some(true), "{inventory}");
    assert_eq!(inventory["_metadata"]["protocol"], "mcp", "{inventory}");
    let vin = first_available_vin(&inventory);

    let (reservation, is_error) =
        rmcp_call(client, "create_reservation", json!({ "vin": vin })).await;
    assert_ne!(is_error, Some(true), "{reservation}");
    let rsv = reservation_token(&reservation);

    // A tool-level error first: it must leave the reservation untouched.
    let who = contact();
    let (refused, is_error) = rmcp_call(client, HANDOFF, handoff_args(&rsv, &who, false)).await;
    assert_eq!(
        is_error,
        Some(true),
        "isError on a refused hand-off: {refused}"
    );
    assert_consent_refused(&refused, "mcp");
    assert!(env.sink.mails().is_empty(), "no email for a refused call");

    let (sent, is_error) = rmcp_call(client, HANDOFF, handoff_args(&rsv, &who, true)).await;
    assert_ne!(is_error, Some(true), "{sent}");
    assert_handoff_sent(&sent, "mcp");
    let email = who["email"].as_str().unwrap_or_default();
    env.assert_one_handoff_delivered(email).await;
}

async fn rmcp_client_drives_reference(sse: bool) {
    let env = RefEnv::start(sse).await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", env.base()))
            .auth_header(TOKEN_AGENT_A),
    );
    // The SDK's default client: `initialize` (rmcp asks for its newest version and accepts the
    // server's answer), `notifications/initialized`, then the session header on every request.
    let client = ().serve(transport).await.expect("rmcp initializes");

    walk_the_handoff(&client, &env, MCP_PROTOCOL_VERSION).await;

    client.cancel().await.expect("rmcp client closes");
    env.server.stop().await;
}

#[tokio::test]
async fn rmcp_client_drives_reference_json_mode() {
    rmcp_client_drives_reference(false).await;
}

#[tokio::test]
async fn rmcp_client_drives_reference_sse_mode() {
    rmcp_client_drives_reference(true).await;
}

// ---------------------------------------------------------------------------------------------
// 2. a2a-client-lf → the reference (A2A 1.0, JSON-RPC and HTTP+JSON bindings)
// ---------------------------------------------------------------------------------------------

/// SendMessage through the SDK: one DataPart with the arguments, `metadata.skill` the tool.
async fn a2a_call(
    client: &a2a_client::A2AClient<Box<dyn a2a_client::Transport>>,
    tool: &str,
    args: Value,
) -> Value {
    let mut message = Message::new(
        Role::User,
        vec![Part::data(args).with_media_type("application/json")],
    );
    message.metadata = Some(HashMap::from([("skill".to_string(), json!(tool))]));
    let request = SendMessageRequest {
        message,
        configuration: None,
        metadata: None,
        tenant: None,
    };
    let reply = client
        .send_message(&request)
        .await
        .unwrap_or_else(|e| panic!("a2a SendMessage {tool}: {e}"));
    let SendMessageResponse::Message(reply) = reply else {
        panic!("{tool}: the reference answers with a Message: {reply:?}");
    };
    assert_eq!(reply.role, Role::Agent, "{tool}: reply role");
    match reply.parts.first().map(|p| &p.content) {
        Some(PartContent::Data(envelope)) => envelope.clone(),
        other => panic!("{tool}: first part is a DataPart: {other:?}"),
    }
}

async fn a2a_client_drives_reference(binding: &str, path_suffix: &str) {
    let env = RefEnv::start(false).await;

    let card: AgentCard = AgentCardResolver::new(None)
        .resolve(&env.base())
        .await
        .expect("the SDK resolves and parses the agent card");
    let skills: Vec<&str> = card.skills.iter().map(|s| s.id.as_str()).collect();
    assert!(skills.contains(&HANDOFF), "card skills: {skills:?}");
    assert!(
        card.security_schemes
            .as_ref()
            .is_some_and(|s| s.contains_key("bearer")),
        "card declares the bearer scheme"
    );

    let factory = A2AClientFactory::builder()
        .preferred_bindings(vec![binding.to_string()])
        .with_interceptor(Arc::new(AuthInterceptor::bearer(TOKEN_AGENT_A)))
        .build();
    let (client, iface) = factory
        .create_from_card_with_interface(&card)
        .await
        .expect("the SDK builds a client from the card");
    assert_eq!(iface.protocol_binding, binding, "selected binding");
    assert!(
        iface.url.ends_with(path_suffix),
        "selected interface url {}",
        iface.url
    );

    let inventory = a2a_call(&client, "search_inventory", json!({})).await;
    assert_eq!(inventory["_metadata"]["protocol"], "a2a", "{inventory}");
    let vin = first_available_vin(&inventory);
    let reservation = a2a_call(&client, "create_reservation", json!({ "vin": vin })).await;
    let rsv = reservation_token(&reservation);

    let who = contact();
    let refused = a2a_call(&client, HANDOFF, handoff_args(&rsv, &who, false)).await;
    assert_consent_refused(&refused, "a2a");
    assert!(env.sink.mails().is_empty(), "no email for a refused call");

    let sent = a2a_call(&client, HANDOFF, handoff_args(&rsv, &who, true)).await;
    assert_handoff_sent(&sent, "a2a");
    let email = who["email"].as_str().unwrap_or_default();
    env.assert_one_handoff_delivered(email).await;

    client.destroy().await.expect("a2a client closes");
    env.server.stop().await;
}

#[tokio::test]
async fn a2a_sdk_client_drives_reference_jsonrpc() {
    a2a_client_drives_reference(TRANSPORT_PROTOCOL_JSONRPC, "/a2a/jsonrpc").await;
}

#[tokio::test]
async fn a2a_sdk_client_drives_reference_http_json() {
    a2a_client_drives_reference(TRANSPORT_PROTOCOL_HTTP_JSON, "/a2a/rest").await;
}

// ---------------------------------------------------------------------------------------------
// 3. The harness's MCP transport → an rmcp server exposing initiate_deal_handoff
// ---------------------------------------------------------------------------------------------

/// A minimal DMC-12 dealer built on rmcp's server: one tool, `initiate_deal_handoff`, that
/// records the arguments it was called with and answers with a DMC-12 envelope.
#[derive(Clone, Default)]
pub(crate) struct RmcpDealer {
    calls: Arc<Mutex<Vec<Value>>>,
    /// Serve MCP 2026-07-28 only (every other version is unsupported).
    modern_only: bool,
}

pub(crate) fn handoff_input_schema() -> JsonObject {
    object(json!({
        "type": "object",
        "properties": {
            "reservation_token": {"type": "string", "minLength": 1},
            "customer_contact": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "phone": {"type": "string"},
                    "email": {"type": "string"}
                },
                "required": ["name", "phone", "email"]
            },
            "customer_consent": {"const": true},
            "financing_preference": {"enum": ["cash", "finance", "lease", "unknown"]}
        },
        "required": ["reservation_token", "customer_contact", "customer_consent"],
        "additionalProperties": false
    }))
}

/// The envelope for one call, and whether it is a tool error.
fn rmcp_dealer_envelope(args: &JsonObject) -> (Value, bool) {
    let metadata = json!({
        "trace_id": format!("trc_{}", uuid::Uuid::new_v4().simple()),
        "tool": HANDOFF,
        "protocol": "mcp",
    });
    let refuse = |message: &str, field: &str| {
        let envelope = json!({
            "error": {"code": "VALIDATION_ERROR", "message": message, "field": field},
            "_metadata": metadata,
        });
        (envelope, true)
    };
    if args.get("customer_consent") != Some(&Value::Bool(true)) {
        return refuse("customer_consent must be true", "customer_consent");
    }
    let Some(rsv) = args
        .get("reservation_token")
        .and_then(Value::as_str)
        .and_then(|t| t.strip_prefix("rsv_"))
    else {
        return refuse(
            "reservation_token is not a reservation",
            "reservation_token",
        );
    };
    let envelope = json!({
        "data": {
            "handoff_token": format!("hnd_{rsv}"),
            "sent_to_masked": "be****@markmillersubaru.com, ch****@markmillersubaru.com",
            "sent_at": "2026-05-27T18:22:01+00:00",
            "status": "sent",
            "crm_status": "disabled",
            "next_steps": "A sales manager will contact the customer within 1 business day.",
        },
        "_metadata": metadata,
    });
    (envelope, false)
}

impl ServerHandler for RmcpDealer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("rmcp-dealer", "0.1.0"))
    }

    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        if self.modern_only {
            std::borrow::Cow::Owned(vec![ProtocolVersion::V_2026_07_28])
        } else {
            std::borrow::Cow::Borrowed(ProtocolVersion::KNOWN_VERSIONS)
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(vec![
            Tool::new(
                HANDOFF,
                "Convert an active reservation into an emailed deal-intent package.",
                handoff_input_schema(),
            )
            .with_title("Initiate deal hand-off"),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name != HANDOFF {
            return Err(ErrorData::invalid_params(
                format!("unknown tool {}", request.name),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Value::Object(args.clone()));
        }
        let (envelope, is_error) = rmcp_dealer_envelope(&args);
        let result = if is_error {
            CallToolResult::structured_error(envelope)
        } else {
            CallToolResult::structured(envelope)
        };
        Ok(result.into())
    }
}

/// rmcp's response modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RmcpMode {
    /// Sessions (`MCP-Session-Id`); every POST answered with an SSE stream.
    StatefulSse,
    /// No sessions; `application/json` answers.
    StatelessJson,
    /// No sessions; SSE answers.
    StatelessSse,
    /// MCP 2026-07-28 only: no sessions, `_meta` and the version header required, JSON
    /// answers.
    ModernOnly,
}

pub(crate) struct RmcpServer {
    pub(crate) url: String,
    dealer: RmcpDealer,
    task: tokio::task::JoinHandle<()>,
}

impl RmcpServer {
    pub(crate) async fn start(mode: RmcpMode) -> RmcpServer {
        let dealer = RmcpDealer {
            modern_only: mode == RmcpMode::ModernOnly,
            ..RmcpDealer::default()
        };
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(mode == RmcpMode::StatefulSse)
            .with_json_response(matches!(
                mode,
                RmcpMode::StatelessJson | RmcpMode::ModernOnly
            ))
            .with_stateless_protocol_metadata_required(mode == RmcpMode::ModernOnly)
            .with_sse_keep_alive(None);
        let factory_dealer = dealer.clone();
        let service = StreamableHttpService::new(
            move || Ok(factory_dealer.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let router = axum::Router::new().route_service("/mcp", service);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        RmcpServer {
            url: format!("http://{addr}/mcp"),
            dealer,
            task,
        }
    }

    pub(crate) fn calls(&self) -> Vec<Value> {
        self.dealer
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// Stop serving (open SSE streams included).
    pub(crate) async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

pub(crate) fn content_type(ex: &Exchange) -> String {
    ex.header("content-type").unwrap_or_default().to_string()
}

pub(crate) fn assert_framing(ex: &Exchange, mode: RmcpMode, what: &str) {
    let ct = content_type(ex);
    let want = match mode {
        RmcpMode::StatelessJson | RmcpMode::ModernOnly => "application/json",
        RmcpMode::StatefulSse | RmcpMode::StatelessSse => "text/event-stream",
    };
    assert!(
        ct.starts_with(want),
        "{what} in {mode:?} answered as {want}, got {ct:?}: {}",
        ex.raw_body
    );
}

async fn harness_drives_rmcp_server(mode: RmcpMode) {
    let server = RmcpServer::start(mode).await;
    let client = Client::new(Binding::Mcp, &server.url, ClientConfig::default());
    let mcp = client.as_mcp().expect("an MCP client");

    let hs = mcp.handshake(None).await.expect("handshake exchanges");
    assert!(
        hs.established(),
        "rmcp accepted the harness's handshake: {:?} / {:?}",
        hs.initialize.reply,
        hs.initialized.as_ref().map(|e| (&e.status, &e.raw_body))
    );
    assert_eq!(hs.protocol_version.as_deref(), Some(MCP_PROTOCOL_VERSION));
    assert_eq!(hs.initialized_status, 202, "notifications/initialized");
    assert_eq!(
        hs.session_id.is_some(),
        mode == RmcpMode::StatefulSse,
        "MCP-Session-Id only in rmcp's session mode"
    );
    assert_framing(&hs.initialize, mode, "initialize");
    match &hs.initialize.reply {
        Reply::Op { object, .. } => {
            assert_eq!(object["serverInfo"]["name"], "rmcp-dealer", "{object}");
            assert!(object["capabilities"]["tools"].is_object(), "{object}");
        }
        other => panic!("initialize result: {other:?}"),
    }

    let listed = mcp.list_tools(None).await.expect("tools/list exchanges");
    assert_eq!(listed.status, 200);
    assert_framing(&listed, mode, "tools/list");
    let Reply::Op { object: list, .. } = &listed.reply else {
        panic!("tools/list result: {:?}", listed.reply);
    };
    let tools = list["tools"].as_array().expect("tools array");
    assert_eq!(tools.len(), 1, "{list}");
    assert_eq!(tools[0]["name"], HANDOFF, "{list}");
    assert_eq!(
        tools[0]["inputSchema"],
        Value::Object(handoff_input_schema()),
        "inputSchema as the rmcp server declared it"
    );

    let who = contact();
    let valid = handoff_args("rsv_interop42", &who, true);
    let ok = client
        .call(HANDOFF, &valid, None)
        .await
        .expect("tools/call");
    assert_eq!(ok.status, 200);
    assert_framing(&ok, mode, "tools/call");
    match &ok.reply {
        Reply::Op {
            object,
            is_error,
            text,
            where_found,
        } => {
            assert_eq!(where_found, "structuredContent");
            assert_eq!(*is_error, Some(false), "{object}");
            assert_eq!(object["data"]["status"], "sent", "{object}");
            assert_eq!(object["data"]["handoff_token"], "hnd_interop42", "{object}");
            assert_eq!(object["_metadata"]["tool"], HANDOFF, "{object}");
            assert_eq!(object["_metadata"]["protocol"], "mcp", "{object}");
            let text = text.as_deref().expect("content[0].text");
            let from_text: Value = serde_json::from_str(text).expect("text is JSON");
            assert_eq!(&from_text, object, "content[0].text is the envelope");
        }
        other => panic!("tools/call reply: {other:?}"),
    }

    let refused_args = handoff_args("rsv_interop42", &who, false);
    let refused = client
        .call(HANDOFF, &refused_args, None)
        .await
        .expect("tools/call");
    assert_eq!(refused.status, 200);
    match &refused.reply {
        Reply::Op {
            object, is_error, ..
        } => {
            assert_eq!(*is_error, Some(true), "{object}");
            assert_eq!(object["error"]["code"], "VALIDATION_ERROR", "{object}");
            assert_eq!(object["error"]["field"], "customer_consent", "{object}");
            assert!(object.get("data").is_none(), "{object}");
        }
        other => panic!("tools/call reply: {other:?}"),
    }

    // The rmcp server received exactly the arguments the harness sent, in order.
    assert_eq!(server.calls(), vec![valid, refused_args]);

    // An unknown tool is a JSON-RPC error from rmcp, which the harness reports as such.
    let unknown = client
        .call("no_such_tool", &json!({}), None)
        .await
        .expect("tools/call");
    match &unknown.reply {
        Reply::Protocol { code, .. } => assert_eq!(*code, -32602, "{:?}", unknown.reply),
        other => panic!("unknown tool: {other:?}"),
    }

    server.stop().await;
}

#[tokio::test]
async fn harness_drives_rmcp_server_stateful_sse() {
    harness_drives_rmcp_server(RmcpMode::StatefulSse).await;
}

#[tokio::test]
async fn harness_drives_rmcp_server_stateless_json() {
    harness_drives_rmcp_server(RmcpMode::StatelessJson).await;
}

#[tokio::test]
async fn harness_drives_rmcp_server_stateless_sse() {
    harness_drives_rmcp_server(RmcpMode::StatelessSse).await;
}
