//! The MCP 2025-11-25 Streamable HTTP transport ([`handle`], `POST|GET|DELETE /mcp`):
//! `initialize` opens a session (`MCP-Session-Id`), later messages must carry it,
//! `tools/list` lists the four tools with their input schemas and `tools/call` returns a
//! CallToolResult whose `structuredContent` is the DMC-12 envelope. With `sse` every response
//! to a request is a short `text/event-stream` (comment, priming event, a log notification for
//! tools/call, the response, end of stream).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::auth::{self, Caller};
use super::http::{BodyError, content_type_is, json_response, read_body};
use super::tools::{self, Protocol, TOOLS};
use super::{App, DEALER_NAME, Defect, MCP_PROTOCOL_VERSION, McpSession};

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

/// A JSON-RPC error body (MCP errors carry no ErrorInfo details).
pub(super) fn rpc_error(status: StatusCode, id: &Value, code: i64, message: &str) -> Response {
    json_response(
        status,
        &json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    )
}

/// Everything under `/mcp`.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match method {
        Method::POST => post(&app, &headers, body).await,
        Method::DELETE if app.serves_legacy_mcp() => delete(&app, &headers),
        _ => {
            let mut resp = (StatusCode::METHOD_NOT_ALLOWED, "").into_response();
            let allow = if app.serves_legacy_mcp() {
                "POST, DELETE"
            } else {
                "POST"
            };
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            resp
        }
    }
}

/// `DELETE /mcp`: end the session.
fn delete(app: &App, headers: &HeaderMap) -> Response {
    if let Err(resp) = auth::authenticate(app, headers) {
        return *resp;
    }
    let Some(sid) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) else {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            &Value::Null,
            -32600,
            "Bad Request: MCP-Session-Id header is required",
        );
    };
    let Some(session) = app.sessions().remove(sid.trim()) else {
        return rpc_error(
            StatusCode::NOT_FOUND,
            &Value::Null,
            -32001,
            "Session not found",
        );
    };
    tracing::info!(agent = %session.agent, "MCP session ended");
    StatusCode::NO_CONTENT.into_response()
}

/// The session check for every message but `initialize`.
fn check_session(app: &App, headers: &HeaderMap, id: &Value) -> Result<(), Box<Response>> {
    let stateless = app.is(super::Variant::McpStateless);
    let sid = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok());
    let Some(sid) = sid.filter(|_| !stateless) else {
        if stateless {
            return check_version(headers, id);
        }
        return Err(Box::new(rpc_error(
            StatusCode::BAD_REQUEST,
            id,
            -32600,
            "Bad Request: MCP-Session-Id header is required",
        )));
    };
    if !app.sessions().contains_key(sid.trim()) {
        return Err(Box::new(rpc_error(
            StatusCode::NOT_FOUND,
            id,
            -32001,
            "Session not found",
        )));
    }
    check_version(headers, id)
}

/// An `MCP-Protocol-Version` header, when sent, must name the version this server speaks.
fn check_version(headers: &HeaderMap, id: &Value) -> Result<(), Box<Response>> {
    if let Some(v) = headers.get(VERSION_HEADER)
        && v.to_str().map(str::trim).ok() != Some(MCP_PROTOCOL_VERSION)
    {
        return Err(Box::new(rpc_error(
            StatusCode::BAD_REQUEST,
            id,
            -32600,
            &format!(
                "Bad Request: unsupported MCP-Protocol-Version (supported: {MCP_PROTOCOL_VERSION})"
            ),
        )));
    }
    Ok(())
}

/// One JSON-RPC request's outcome before it is framed as JSON or SSE.
pub(super) struct Answer {
    /// The JSON-RPC response object.
    pub(super) response: Value,
    /// A notification to stream first (SSE only).
    pub(super) notification: Option<Value>,
    /// `MCP-Session-Id` to return (initialize).
    pub(super) session: Option<String>,
}

pub(super) fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub(super) fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

async fn post(app: &App, headers: &HeaderMap, body: Body) -> Response {
    let caller = match auth::authenticate(app, headers) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    let null = Value::Null;
    if !content_type_is(headers, &["application/json"]) {
        return rpc_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &null,
            -32600,
            "Content-Type must be application/json",
        );
    }
    let bytes = match read_body(headers, body, app.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &null,
                -32600,
                &format!("request body exceeds {} bytes", app.max_body_bytes),
            );
        }
        Err(BodyError::Broken) => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                &null,
                -32700,
                "request body could not be read",
            );
        }
    };
    let Ok(msg) = serde_json::from_slice::<Value>(&bytes) else {
        return rpc_error(StatusCode::BAD_REQUEST, &null, -32700, "Parse error");
    };
    let id_field = msg.get("id");
    let id = match id_field {
        Some(v @ (Value::String(_) | Value::Number(_))) => Some(v.clone()),
        _ => None,
    };
    let echo = id.clone().unwrap_or(Value::Null);
    let method = msg.get("method").and_then(Value::as_str);
    if !msg.is_object() || msg.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            &echo,
            -32600,
            "Invalid Request: jsonrpc must be \"2.0\"",
        );
    }
    let Some(method) = method else {
        // A JSON-RPC response from the client (we never send requests): accept and ignore.
        if id.is_some() && (msg.get("result").is_some() || msg.get("error").is_some()) {
            return StatusCode::ACCEPTED.into_response();
        }
        return rpc_error(
            StatusCode::BAD_REQUEST,
            &echo,
            -32600,
            "Invalid Request: method is required",
        );
    };
    if id_field.is_some() && id.is_none() {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            &null,
            -32600,
            "Invalid Request: id must be a string or a number",
        );
    }

    if super::mcp_modern::is_modern(app, headers, &msg, method) {
        return super::mcp_modern::post(app, &caller, headers, &msg, method, id).await;
    }
    if method == "initialize" {
        let Some(id) = id else {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                &null,
                -32600,
                "Invalid Request: initialize must be a request",
            );
        };
        let sid = uuid::Uuid::new_v4().to_string();
        if !app.is(super::Variant::McpStateless) {
            app.sessions().insert(
                sid.clone(),
                McpSession {
                    agent: caller.agent.clone(),
                },
            );
        }
        tracing::info!(agent = %caller.agent, "MCP session initialized");
        let answer = Answer {
            response: result(
                &id,
                json!({
                    "protocolVersion": MCP_PROTOCOL_VERSION,
                    "capabilities": {"tools": {"listChanged": false}, "logging": {}},
                    "serverInfo": {
                        "name": "dealer-tck-reference",
                        "title": format!("{DEALER_NAME} (dealer-tck reference)"),
                        "version": env!("CARGO_PKG_VERSION"),
                    },
                    "instructions": "DMC-12 tools: search_inventory, create_reservation, release_reservation, initiate_deal_handoff (scope deal:handoff).",
                }),
            ),
            notification: None,
            session: (!app.is(super::Variant::McpStateless)).then_some(sid),
        };
        return frame(app, answer);
    }

    if let Err(resp) = check_session(app, headers, &echo) {
        return *resp;
    }
    let Some(id) = id else {
        // Notifications (notifications/initialized, cancelled, ...) are accepted.
        if app.has(crate::reference::Defect::McpNotificationNot202) {
            return StatusCode::OK.into_response();
        }
        return StatusCode::ACCEPTED.into_response();
    };
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let answer = match method {
        "ping" => plain(result(&id, json!({}))),
        "tools/list" => plain(result(&id, json!({"tools": tool_list(app)}))),
        "tools/call" => match call_tool(app, &caller, &id, &params).await {
            Ok(a) => a,
            Err(resp) => return resp,
        },
        _ => plain(error(&id, -32601, "Method not found")),
    };
    frame(app, answer)
}

/// The four tools with their input schemas, as tools/list lists them.
pub(super) fn tool_list(app: &App) -> Vec<Value> {
    TOOLS
        .iter()
        .map(|t| {
            let (title, description, _) = tools::describe(t);
            json!({
                "name": t,
                "title": title,
                "description": description,
                "inputSchema": tools::input_schema(app, t),
            })
        })
        .collect()
}

pub(super) fn plain(response: Value) -> Answer {
    Answer {
        response,
        notification: None,
        session: None,
    }
}

/// `tools/call`: the CallToolResult, a JSON-RPC error, or a 403 response.
pub(super) async fn call_tool(
    app: &App,
    caller: &Caller,
    id: &Value,
    params: &Value,
) -> Result<Answer, Response> {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Ok(plain(error(id, -32602, "Invalid params: name is required")));
    };
    if !tools::is_tool(name) {
        return Ok(plain(error(id, -32602, "Invalid params: unknown tool")));
    }
    let args = match params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(a @ Value::Object(_)) => a.clone(),
        Some(_) => {
            return Ok(plain(error(
                id,
                -32602,
                "Invalid params: arguments must be an object",
            )));
        }
    };
    if let Some(scope) = tools::required_scope(name)
        && !caller.has_scope(scope)
        && !app.has(Defect::SkipScopeCheck)
    {
        tracing::info!(agent = %caller.agent, tool = name, outcome = "insufficient_scope", "refused");
        return Err(auth::forbidden(name, scope));
    }
    let reply = tools::call(app, caller, Protocol::Mcp, name, args).await;
    let is_error = reply.is_error && !app.has(Defect::McpErrorWithoutIsError);
    let text = reply.envelope.to_string();
    let outcome = if reply.is_error { "error" } else { "ok" };
    let mut call_result = json!({
        "content": [{"type": "text", "text": text}],
        "structuredContent": reply.envelope,
        "isError": is_error,
    });
    if app.has(Defect::McpNoStructuredContent) {
        call_result
            .as_object_mut()
            .map(|o| o.remove("structuredContent"));
    }
    Ok(Answer {
        response: result(id, call_result),
        notification: Some(json!({
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": {"level": "info", "logger": "dealer-tck-reference", "data": format!("{name}: {outcome}")},
        })),
        session: None,
    })
}

/// Frame an answer as `application/json` or, with `sse`, as a finite event stream.
pub(super) fn frame(app: &App, answer: Answer) -> Response {
    let mut resp = if app.sse {
        let stream_id = uuid::Uuid::new_v4().simple().to_string();
        let mut chunks = vec![
            ": ok\n\n".to_string(),
            format!("id: {stream_id}-0\ndata:\n\n"),
        ];
        if let Some(n) = &answer.notification {
            chunks.push(format!("id: {stream_id}-1\nevent: message\ndata: {n}\n\n"));
        }
        chunks.push(format!(
            "id: {stream_id}-2\nevent: message\ndata: {}\n\n",
            answer.response
        ));
        let stream = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<Bytes, Infallible>(Bytes::from(c))),
        );
        let mut r = Response::new(Body::from_stream(stream));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        r
    } else {
        json_response(StatusCode::OK, &answer.response)
    };
    if let Some(sid) = answer.session
        && let Ok(v) = HeaderValue::from_str(&sid)
    {
        resp.headers_mut().insert("mcp-session-id", v);
    }
    resp
}
