//! Wire tests of the MCP client (`transport::Client` on the MCP binding): the handshake and
//! its session per token, the headers every later request carries, JSON and SSE replies, auth
//! failures surfacing as exchanges, and SSE streams that never end after (or before) the answer.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dealer_tck::transport::{Binding, Client, ClientConfig, RawRequest, Reply, TransportError};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, headers, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OP: &str = "initiate_deal_handoff";

fn args() -> Value {
    json!({"reservation_token": "rsv_1"})
}

fn envelope() -> Value {
    json!({"data": {"handoff_id": "h1"}, "_metadata": {"trace_id": "trc_1", "tool": OP, "protocol": "mcp"}})
}

fn cfg() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(20),
        ..ClientConfig::default()
    }
}

fn tool_result(id: &Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {
        "structuredContent": envelope(),
        "content": [{"type": "text", "text": envelope().to_string()}],
        "isError": false
    }})
}

/// Echoes the request id into a canned JSON-RPC reply built by `f`.
struct Answer<F>(F);

impl<F: Fn(&Value) -> Value + Send + Sync + 'static> wiremock::Respond for Answer<F> {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let id = req
            .body_json::<Value>()
            .ok()
            .and_then(|b| b.get("id").cloned())
            .unwrap_or(Value::Null);
        ResponseTemplate::new(200).set_body_json((self.0)(&id))
    }
}

/// Echoes the request id into an SSE body built by `f`.
struct SseAnswer<F>(F);

impl<F: Fn(&Value) -> String + Send + Sync + 'static> wiremock::Respond for SseAnswer<F> {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let id = req
            .body_json::<Value>()
            .ok()
            .and_then(|b| b.get("id").cloned())
            .unwrap_or(Value::Null);
        ResponseTemplate::new(200).set_body_raw((self.0)(&id), "text/event-stream")
    }
}

/// A wiremock MCP server: initialize (with session id `sess-1`), initialized → 202, and the
/// given tools/call responder (which requires the session and version headers).
async fn mcp_server(call: impl wiremock::Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .and(body_partial_json(json!({"method": "initialize"})))
        .respond_with(WithHeader(
            Answer(|id: &Value| {
                json!({"jsonrpc": "2.0", "id": id, "result": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "dealer", "version": "1"}
                }})
            }),
            "mcp-session-id",
            "sess-1",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .and(body_partial_json(
            json!({"method": "notifications/initialized"}),
        ))
        .and(header("mcp-session-id", "sess-1"))
        .and(header("mcp-protocol-version", "2025-11-25"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .and(body_partial_json(json!({"method": "tools/call"})))
        .and(header("mcp-session-id", "sess-1"))
        .and(header("mcp-protocol-version", "2025-11-25"))
        .and(headers(
            "accept",
            vec!["application/json", "text/event-stream"],
        ))
        .and(header("content-type", "application/json"))
        .respond_with(call)
        .mount(&server)
        .await;
    server
}

/// Adds one header to what the inner responder returns.
struct WithHeader<R>(R, &'static str, &'static str);

impl<R: wiremock::Respond> wiremock::Respond for WithHeader<R> {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        self.0.respond(req).insert_header(self.1, self.2)
    }
}

fn mcp_client(server: &MockServer, cfg: ClientConfig) -> Client {
    Client::new(Binding::Mcp, &format!("{}/mcp", server.uri()), cfg)
}

fn methods(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            r.body_json::<Value>()
                .ok()
                .and_then(|b| b["method"].as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect()
}

fn header_of<'a>(req: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn handshake_keeps_the_session_and_every_request_carries_it() {
    let server = mcp_server(Answer(tool_result)).await;
    let client = mcp_client(&server, cfg());

    let ex = client
        .call(OP, &args(), Some("tok-a"))
        .await
        .expect("exchange");
    assert_eq!(ex.binding, Binding::Mcp);
    assert_eq!(
        ex.reply,
        Reply::Op {
            object: envelope(),
            is_error: Some(false),
            text: Some(envelope().to_string()),
            where_found: "structuredContent".into()
        }
    );
    assert_eq!(ex.request_body["method"], "tools/call");
    assert_eq!(ex.request_body["params"]["name"], OP);
    assert_eq!(ex.request_body["params"]["arguments"], args());

    // Same token: the session is reused; another token and no token get their own.
    client
        .call(OP, &args(), Some("tok-a"))
        .await
        .expect("exchange");
    client
        .call(OP, &args(), Some("tok-b"))
        .await
        .expect("exchange");
    client.call(OP, &args(), None).await.expect("exchange");

    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        methods(&requests),
        vec![
            "initialize",
            "notifications/initialized",
            "tools/call",
            "tools/call",
            "initialize",
            "notifications/initialized",
            "tools/call",
            "initialize",
            "notifications/initialized",
            "tools/call",
        ]
    );
    let init: Value = requests[0].body_json().expect("json");
    assert_eq!(init["params"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["params"]["clientInfo"]["name"], "dealer-tck");
    assert_eq!(init["params"]["capabilities"], json!({}));
    assert!(header_of(&requests[0], "mcp-session-id").is_none());
    let note: Value = requests[1].body_json().expect("json");
    assert!(note.get("id").is_none());
    assert_eq!(
        header_of(&requests[2], "authorization"),
        Some("Bearer tok-a")
    );
    assert_eq!(
        header_of(&requests[6], "authorization"),
        Some("Bearer tok-b")
    );
    assert!(header_of(&requests[9], "authorization").is_none());
    assert!(header_of(&requests[7], "authorization").is_none());
    // Distinct JSON-RPC ids.
    let ids: Vec<Value> = requests
        .iter()
        .filter_map(|r| r.body_json::<Value>().ok())
        .filter_map(|b| b.get("id").cloned())
        .collect();
    let unique: std::collections::HashSet<String> = ids.iter().map(Value::to_string).collect();
    assert_eq!(unique.len(), ids.len());
}

#[tokio::test]
async fn handshake_reports_what_it_saw() {
    let server = mcp_server(Answer(tool_result)).await;
    let client = mcp_client(&server, cfg());
    let mcp = client.as_mcp().expect("mcp client");
    let h = mcp.handshake(Some("tok")).await.expect("handshake");
    assert!(h.established());
    assert_eq!(h.protocol_version.as_deref(), Some("2025-11-25"));
    assert_eq!(h.session_id.as_deref(), Some("sess-1"));
    assert_eq!(h.initialized_status, 202);
    assert_eq!(h.initialize.status, 200);
    assert!(
        matches!(h.initialize.reply, Reply::Op { ref where_found, .. } if where_found == "result")
    );
    // Cached: asking again sends nothing new.
    let again = mcp.handshake(Some("tok")).await.expect("handshake");
    assert_eq!(again.session_id, h.session_id);
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 2);
}

#[tokio::test]
async fn sse_reply_skips_comment_priming_event_and_notification() {
    let server = mcp_server(SseAnswer(|id: &Value| {
        format!(
            ": stream opened\n\nid: prime-1\ndata:\n\nevent: message\ndata: {}\n\ndata: {}\n\nevent: message\nid: e2\ndata: {}\n\n",
            json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": 1}}),
            json!({"jsonrpc": "2.0", "id": 424242, "result": {}}),
            tool_result(id)
        )
    }))
    .await;
    let ex = mcp_client(&server, cfg())
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    assert!(
        matches!(ex.reply, Reply::Op { ref object, ref where_found, .. } if object == &envelope() && where_found == "structuredContent"),
        "{:?}",
        ex.reply
    );
    assert_eq!(ex.header("content-type"), Some("text/event-stream"));
    assert!(ex.raw_body.starts_with(": stream opened"));
    assert!(ex.raw_body.contains("notifications/progress"));
}

#[tokio::test]
async fn text_content_is_parsed_when_structured_content_is_absent() {
    let server = mcp_server(Answer(|id: &Value| {
        json!({"jsonrpc": "2.0", "id": id, "result": {
            "content": [{"type": "text", "text": "{\"error\":{\"code\":\"RESERVATION_STATE\",\"message\":\"m\"}}"}],
            "isError": true
        }})
    }))
    .await;
    let ex = mcp_client(&server, cfg())
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    match ex.reply {
        Reply::Op {
            object,
            is_error,
            where_found,
            text,
        } => {
            assert_eq!(object["error"]["code"], "RESERVATION_STATE");
            assert_eq!(is_error, Some(true));
            assert_eq!(where_found, "content[0].text");
            assert!(text.is_some_and(|t| t.contains("RESERVATION_STATE")));
        }
        other => panic!("expected Op, got {other:?}"),
    }
}

#[tokio::test]
async fn jsonrpc_error_on_tools_call_is_protocol() {
    let server = mcp_server(Answer(|id: &Value| {
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": "Invalid params", "data": {"field": "x"}}})
    }))
    .await;
    let ex = mcp_client(&server, cfg())
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    assert_eq!(
        ex.reply,
        Reply::Protocol {
            code: -32602,
            message: "Invalid params".into(),
            data: Some(json!({"field": "x"}))
        }
    );
}

#[tokio::test]
async fn bad_token_surfaces_the_refused_handshake_and_is_not_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer forged"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\"")
                .set_body_string("no"),
        )
        .mount(&server)
        .await;
    let client = mcp_client(&server, cfg());

    let ex = client
        .call(OP, &args(), Some("forged"))
        .await
        .expect("a 401 is an exchange, not an error");
    assert_eq!(ex.status, 401);
    assert_eq!(ex.reply, Reply::Http { status: 401 });
    assert_eq!(
        ex.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(ex.request_body["method"], "initialize");

    let h = client
        .as_mcp()
        .expect("mcp")
        .handshake(Some("forged"))
        .await
        .expect("handshake seen");
    assert!(!h.established());
    assert_eq!(h.initialized_status, 0);
    assert_eq!(h.refusal().map(|e| e.status), Some(401));

    let again = client
        .call(OP, &args(), Some("forged"))
        .await
        .expect("exchange");
    assert_eq!(again.status, 401);
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(methods(&requests), vec!["initialize"; 3]);
}

#[tokio::test]
async fn insufficient_scope_on_tools_call_is_an_http_reply() {
    let server = mcp_server(
        ResponseTemplate::new(403)
            .insert_header(
                "www-authenticate",
                "Bearer error=\"insufficient_scope\", scope=\"deal:handoff\"",
            )
            .set_body_string(""),
    )
    .await;
    let ex = mcp_client(&server, cfg())
        .call(OP, &args(), Some("no-scope"))
        .await
        .expect("exchange");
    assert_eq!(ex.status, 403);
    assert_eq!(ex.reply, Reply::Http { status: 403 });
    assert!(
        ex.header("www-authenticate")
            .is_some_and(|v| v.contains("insufficient_scope"))
    );
    assert_eq!(ex.request_body["method"], "tools/call");
}

#[tokio::test]
async fn list_tools_and_raw_requests_use_the_session() {
    let server = mcp_server(Answer(tool_result)).await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "tools/list"})))
        .and(header("mcp-session-id", "sess-1"))
        .respond_with(Answer(
            |id: &Value| json!({"jsonrpc": "2.0", "id": id, "result": {"tools": [{"name": OP}]}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "no/such"})))
        .respond_with(Answer(|id: &Value| {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})
        }))
        .mount(&server)
        .await;
    let client = mcp_client(&server, cfg());
    let mcp = client.as_mcp().expect("mcp");

    let list = mcp.list_tools(Some("tok")).await.expect("exchange");
    assert!(matches!(list.reply, Reply::Op { ref object, .. } if object["tools"][0]["name"] == OP));

    let raw = client
        .raw(RawRequest {
            body: br#"{"jsonrpc":"2.0","id":"r1","method":"no/such"}"#.to_vec(),
            content_type: Some("application/json".into()),
            headers: vec![],
            default_headers: true,
            token: Some("tok".into()),
        })
        .await
        .expect("exchange");
    assert!(matches!(raw.reply, Reply::Protocol { code: -32601, .. }));

    let raw_call = client
        .raw(RawRequest {
            body: br#"{"jsonrpc":"2.0","id":"r2","method":"tools/call","params":{"name":"x","arguments":{}}}"#.to_vec(),
            content_type: Some("application/json".into()),
            headers: vec![],
            default_headers: true,
            token: Some("tok".into()),
        })
        .await
        .expect("exchange");
    assert!(
        matches!(raw_call.reply, Reply::Op { ref where_found, .. } if where_found == "structuredContent")
    );

    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        methods(&requests),
        vec![
            "initialize",
            "notifications/initialized",
            "tools/list",
            "no/such",
            "tools/call"
        ]
    );
    assert_eq!(header_of(&requests[3], "mcp-session-id"), Some("sess-1"));
    assert_eq!(
        header_of(&requests[3], "mcp-protocol-version"),
        Some("2025-11-25")
    );
}

#[tokio::test]
async fn raw_without_default_headers_skips_the_handshake() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}
        })))
        .mount(&server)
        .await;
    let ex = mcp_client(&server, cfg())
        .raw(RawRequest {
            body: b"{not json".to_vec(),
            content_type: Some("application/json".into()),
            headers: vec![],
            default_headers: false,
            token: None,
        })
        .await
        .expect("exchange");
    assert_eq!(ex.status, 400);
    assert!(matches!(ex.reply, Reply::Protocol { code: -32700, .. }));
    assert_eq!(ex.request_body, Value::String("{not json".into()));
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1);
    assert!(header_of(&requests[0], "mcp-session-id").is_none());
    assert!(header_of(&requests[0], "mcp-protocol-version").is_none());
}

#[tokio::test]
async fn expired_session_404_makes_the_next_call_handshake_again() {
    let server = mcp_server(ResponseTemplate::new(404)).await;
    let client = mcp_client(&server, cfg());
    let first = client
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    assert_eq!(first.reply, Reply::Http { status: 404 });
    client
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        methods(&requests),
        vec![
            "initialize",
            "notifications/initialized",
            "tools/call",
            "initialize",
            "notifications/initialized",
            "tools/call"
        ]
    );
}

// --- A tiny axum server whose SSE streams never end -------------------------------------------

#[derive(Clone, Copy)]
enum StreamMode {
    /// Send the answer, then keep the stream open forever.
    AnswerThenHang,
    /// Send only a comment and a notification, then keep the stream open forever.
    NeverAnswer,
    /// Send a notification and close the stream without an answer.
    EndWithoutAnswer,
}

async fn axum_mcp(State(mode): State<StreamMode>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(msg) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match msg["method"].as_str() {
        Some("initialize") => (
            [
                ("content-type", "application/json"),
                ("mcp-session-id", "axum-session"),
            ],
            json!({"jsonrpc": "2.0", "id": msg["id"], "result": {"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "axum", "version": "0"}}}).to_string(),
        )
            .into_response(),
        Some("notifications/initialized") => StatusCode::ACCEPTED.into_response(),
        Some("tools/call") => {
            if headers.get("mcp-session-id").and_then(|v| v.to_str().ok()) != Some("axum-session") {
                return StatusCode::BAD_REQUEST.into_response();
            }
            let note = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info"}});
            let answer = tool_result(&msg["id"]).to_string();
            // The answer is split across two chunks in the middle of the JSON.
            let (a, b) = answer.split_at(answer.len() / 2);
            let mut chunks: Vec<String> = vec![format!(": open\n\nid: 0\ndata:\n\ndata: {note}\n\n")];
            match mode {
                StreamMode::AnswerThenHang => {
                    chunks.push(format!("event: message\ndata: {a}"));
                    chunks.push(format!("{b}\n\n"));
                }
                StreamMode::NeverAnswer | StreamMode::EndWithoutAnswer => {}
            }
            let head = futures_util::stream::iter(
                chunks
                    .into_iter()
                    .map(|c| Ok::<Bytes, Infallible>(Bytes::from(c))),
            );
            let body = match mode {
                StreamMode::EndWithoutAnswer => Body::from_stream(head),
                _ => Body::from_stream(head.chain(futures_util::stream::pending())),
            };
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(body)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn spawn_axum(mode: StreamMode) -> String {
    let app = axum::Router::new()
        .route("/mcp", axum::routing::post(axum_mcp))
        .with_state(mode);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/mcp")
}

#[tokio::test]
async fn sse_stream_that_stays_open_after_the_answer_returns_the_answer() {
    let url = spawn_axum(StreamMode::AnswerThenHang).await;
    // A generous bound: if the reader waited for EOF it would hit it and fail with Timeout.
    let client = Client::new(
        Binding::Mcp,
        &url,
        ClientConfig {
            timeout: Duration::from_secs(60),
            ..ClientConfig::default()
        },
    );
    let ex = client
        .call(OP, &args(), Some("tok"))
        .await
        .expect("answer before EOF");
    assert!(
        matches!(ex.reply, Reply::Op { ref object, .. } if object == &envelope()),
        "{:?}",
        ex.reply
    );
    assert!(ex.raw_body.contains("notifications/message"));
    assert!(ex.raw_body.contains("handoff_id"));
}

#[tokio::test]
async fn sse_stream_without_an_answer_times_out() {
    let url = spawn_axum(StreamMode::NeverAnswer).await;
    let client = Client::new(
        Binding::Mcp,
        &url,
        ClientConfig {
            timeout: Duration::from_millis(500),
            ..ClientConfig::default()
        },
    );
    let err = client
        .call(OP, &args(), Some("tok"))
        .await
        .expect_err("no answer ever comes");
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn sse_stream_ending_without_an_answer_is_unparseable() {
    let url = spawn_axum(StreamMode::EndWithoutAnswer).await;
    let ex = Client::new(Binding::Mcp, &url, cfg())
        .call(OP, &args(), Some("tok"))
        .await
        .expect("exchange");
    match ex.reply {
        Reply::Unparseable { reason } => {
            assert!(
                reason.starts_with("SSE stream ended without a response"),
                "{reason}"
            );
        }
        other => panic!("expected Unparseable, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_sse_stream_is_too_large() {
    let server = mcp_server(SseAnswer(|id: &Value| {
        let mut s = String::new();
        for _ in 0..100 {
            s.push_str(": padding padding padding padding padding\n\n");
        }
        s.push_str(&format!("data: {}\n\n", tool_result(id)));
        s
    }))
    .await;
    let small = ClientConfig {
        max_body: 1024,
        ..cfg()
    };
    let err = mcp_client(&server, small)
        .call(OP, &args(), Some("tok"))
        .await
        .expect_err("too large");
    assert!(
        matches!(err, TransportError::TooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn concurrent_first_calls_share_one_handshake() {
    let server = mcp_server(Answer(tool_result)).await;
    let client = mcp_client(&server, cfg());
    let args = args();
    let (a, b, c) = tokio::join!(
        client.call(OP, &args, Some("tok")),
        client.call(OP, &args, Some("tok")),
        client.call(OP, &args, Some("tok")),
    );
    for ex in [a, b, c] {
        let ex = ex.expect("exchange");
        assert!(matches!(ex.reply, Reply::Op { .. }), "{:?}", ex.reply);
    }
    let requests = server.received_requests().await.expect("recording on");
    let m = methods(&requests);
    assert_eq!(m.iter().filter(|x| *x == "initialize").count(), 1);
    assert_eq!(m.iter().filter(|x| *x == "tools/call").count(), 3);
}
