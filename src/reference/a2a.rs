//! The A2A 1.0 transport: the agent card ([`agent_card`]), the JSON-RPC binding ([`jsonrpc`],
//! method `SendMessage`) and the HTTP+JSON binding ([`rest_send`], `POST /a2a/rest/message:send`).
//! The tool or AAP skill is selected by `message.metadata.skill` and its arguments are the first
//! DataPart; the reply is a Message whose DataPart is the DMC-12 envelope or the AAP response.
//! Protocol errors use A2A's codes with `ErrorInfo` details (JSON-RPC) or google.rpc.Status
//! bodies (HTTP+JSON). With the 0.3 profile the method is `message/send`, parts carry `kind`,
//! the HTTP+JSON path is `/a2a/rest/v1/message:send`, no `A2A-Version` header is required, the
//! result is the bare kind-tagged Message and the card has the 0.3 shape.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::aap::{self, Via};
use super::auth::{self, Caller};
use super::http::{
    BodyError, content_type_is, echo_id, json_response, jsonrpc_error, jsonrpc_id, read_body,
    status_error,
};
use super::tools::{self, Protocol, TOOLS};
use super::{A2A_VERSION, A2A_VERSION_0_3, App, DEALER_NAME, Defect};

const JSON_TYPES: [&str; 2] = ["application/json", "application/a2a+json"];

/// `GET /.well-known/agent-card.json` (no auth).
pub(crate) async fn agent_card(State(app): State<Arc<App>>) -> Response {
    let skill = |id: &str, (name, description, tags): (&str, &str, &[&str])| {
        json!({
            "id": id,
            "name": name,
            "description": description,
            "tags": tags,
            "inputModes": ["application/json"],
            "outputModes": ["application/json"],
        })
    };
    let skills: Vec<Value> = TOOLS
        .iter()
        .map(|t| skill(t, tools::describe(t)))
        .chain(aap::SKILLS.iter().map(|s| skill(s, aap::describe(s))))
        .collect();
    let jsonrpc_url = format!("{}/a2a/jsonrpc", app.base_url);
    let rest_url = format!("{}/a2a/rest", app.base_url);
    let name = format!("{DEALER_NAME} (dealer-tck reference)");
    let description = "Dealer agent endpoint: DMC-12 inventory search, reservations and the deal hand-off to a live sales manager, and the AAP skills lead.submit, lead.general and inventory.search. The conforming reference implementation of dealer-tck.";
    let bearer_description = "Agent bearer token; initiate_deal_handoff needs scope deal:handoff";
    let card = if app.a2a_0_3 {
        json!({
            "protocolVersion": A2A_VERSION_0_3,
            "name": name,
            "description": description,
            "version": env!("CARGO_PKG_VERSION"),
            "provider": {"organization": "dealer-tck", "url": app.base_url},
            "url": jsonrpc_url,
            "preferredTransport": "JSONRPC",
            "additionalInterfaces": [
                {"url": jsonrpc_url, "transport": "JSONRPC"},
                {"url": rest_url, "transport": "HTTP+JSON"},
            ],
            "capabilities": {"streaming": false, "pushNotifications": false},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": bearer_description}
            },
            "security": [{"bearer": []}],
            "defaultInputModes": ["application/json"],
            "defaultOutputModes": ["application/json"],
            "skills": skills,
        })
    } else {
        json!({
            "name": name,
            "description": description,
            "version": env!("CARGO_PKG_VERSION"),
            "provider": {"organization": "dealer-tck", "url": app.base_url},
            "supportedInterfaces": [
                {"url": jsonrpc_url, "protocolBinding": "JSONRPC", "protocolVersion": A2A_VERSION},
                {"url": rest_url, "protocolBinding": "HTTP+JSON", "protocolVersion": A2A_VERSION},
            ],
            "capabilities": {"streaming": false, "pushNotifications": false},
            "securitySchemes": {
                "bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer", "description": bearer_description}}
            },
            "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
            "security": [{"bearer": []}],
            "defaultInputModes": ["application/json"],
            "defaultOutputModes": ["application/json"],
            "skills": skills,
        })
    };
    json_response(StatusCode::OK, &card)
}

/// Is the `A2A-Version` header present and supported (or the check disabled by a defect)?
fn version_ok(app: &App, headers: &HeaderMap) -> bool {
    app.a2a_0_3
        || app.has(Defect::NoVersionCheck)
        || headers
            .get("a2a-version")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == A2A_VERSION)
}

/// The SendMessage `message` with the skill id moved to `metadata.skill` from where this
/// server's configuration says it travels (`skill_path`).
fn normalized_message(app: &App, params: Option<&Value>) -> Option<Value> {
    let msg = params.and_then(|p| p.get("message")).cloned();
    if app.skill_path == "skill" {
        return msg;
    }
    let mut msg = msg?;
    let found = if app.skill_path.contains('.') {
        app.skill_path
            .split('.')
            .try_fold(params?, |cur, k| cur.get(k))
            .cloned()
    } else {
        msg.get("metadata")
            .and_then(|m| m.get(&app.skill_path))
            .cloned()
    };
    if let Some(obj) = msg.as_object_mut() {
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.remove("skill");
            if let Some(f) = found {
                m.insert("skill".into(), f);
            }
        }
    }
    Some(msg)
}

/// The tool and arguments of a SendMessage `message`, or why it is unusable.
fn parse_message(msg: Option<&Value>) -> Result<(String, Value), &'static str> {
    let msg = msg
        .filter(|m| m.is_object())
        .ok_or("params.message is required and must be an object")?;
    let skill = msg
        .get("metadata")
        .and_then(|m| m.get("skill"))
        .and_then(Value::as_str)
        .ok_or("message.metadata.skill is required")?;
    if !tools::is_tool(skill) && !aap::is_skill(skill) {
        return Err("message.metadata.skill names no skill of this agent");
    }
    let data = msg
        .get("parts")
        .and_then(Value::as_array)
        .and_then(|parts| parts.iter().find_map(|p| p.get("data")))
        .ok_or("message.parts has no data part")?;
    Ok((skill.to_string(), data.clone()))
}

/// The agent's reply Message carrying `envelope` (0.3: kind-tagged, role `agent`).
fn reply_message(app: &App, envelope: Value, request: &Value) -> Value {
    let mut m = if app.a2a_0_3 {
        json!({
            "kind": "message",
            "messageId": uuid::Uuid::new_v4().to_string(),
            "role": "agent",
            "parts": [{"kind": "data", "data": envelope}],
        })
    } else {
        json!({
            "messageId": uuid::Uuid::new_v4().to_string(),
            "role": "ROLE_AGENT",
            "parts": [{"data": envelope, "mediaType": "application/json"}],
        })
    };
    if let Some(ctx) = request.get("contextId").filter(|c| c.is_string()) {
        m["contextId"] = ctx.clone();
    }
    m
}

fn method_not_allowed(json_rpc: bool) -> Response {
    let mut resp = if json_rpc {
        jsonrpc_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &Value::Null,
            -32600,
            "use POST",
            "METHOD_NOT_ALLOWED",
        )
    } else {
        status_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "use POST",
            "METHOD_NOT_ALLOWED",
        )
    };
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

/// The SendMessage result carrying `envelope`: `{"message": M}` (1.0) or the bare Message (0.3).
fn send_result(app: &App, envelope: Value, request: &Value) -> Value {
    let m = reply_message(app, envelope, request);
    if app.a2a_0_3 {
        m
    } else {
        json!({"message": m})
    }
}

/// Run the tool or AAP skill for an authenticated caller, or answer 403 when the token lacks
/// the tool's scope. The result is the DMC-12 envelope or the AAP response.
async fn dispatch(
    app: &App,
    caller: &Caller,
    via: Via,
    skill: &str,
    data: Value,
) -> Result<Value, Response> {
    if aap::is_skill(skill) {
        return Ok(aap::call(app, caller, via, skill, data).await);
    }
    if let Some(scope) = tools::required_scope(skill)
        && !caller.has_scope(scope)
        && !app.has(Defect::SkipScopeCheck)
    {
        tracing::info!(agent = %caller.agent, tool = skill, outcome = "insufficient_scope", "refused");
        return Err(auth::forbidden(skill, scope));
    }
    Ok(tools::call(app, caller, Protocol::A2a, skill, data)
        .await
        .envelope)
}

/// `POST /a2a/jsonrpc`.
pub(crate) async fn jsonrpc(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        return method_not_allowed(true);
    }
    let caller = match auth::authenticate(&app, &headers) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    let null = Value::Null;
    if !content_type_is(&headers, &JSON_TYPES) {
        return jsonrpc_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &null,
            -32005,
            "Content-Type must be application/json",
            "CONTENT_TYPE_NOT_SUPPORTED",
        );
    }
    let bytes = match read_body(&headers, body, app.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &null,
                -32600,
                &format!("request body exceeds {} bytes", app.max_body_bytes),
                "PAYLOAD_TOO_LARGE",
            );
        }
        Err(BodyError::Broken) => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                &null,
                -32700,
                "request body could not be read",
                "PARSE_ERROR",
            );
        }
    };
    let Ok(req) = serde_json::from_slice::<Value>(&bytes) else {
        if app.has(crate::reference::Defect::A2aParseErrorAs500) {
            return jsonrpc_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &null,
                -32603,
                "Internal error",
                "INTERNAL",
            );
        }
        return jsonrpc_error(StatusCode::OK, &null, -32700, "Parse error", "PARSE_ERROR");
    };
    let id = echo_id(&req);
    let valid = req.is_object()
        && req.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
        && req.get("method").is_some_and(Value::is_string)
        && jsonrpc_id(&req).is_some();
    if !valid {
        return jsonrpc_error(
            StatusCode::OK,
            &id,
            -32600,
            "Invalid Request: jsonrpc must be \"2.0\" with a string method and an id",
            "INVALID_REQUEST",
        );
    }
    if !version_ok(&app, &headers) {
        return jsonrpc_error(
            StatusCode::BAD_REQUEST,
            &id,
            -32009,
            &format!("A2A-Version not supported (supported: {A2A_VERSION})"),
            "VERSION_NOT_SUPPORTED",
        );
    }
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let send_method = if app.a2a_0_3 {
        "message/send"
    } else {
        "SendMessage"
    };
    if method != send_method {
        return jsonrpc_error(
            StatusCode::OK,
            &id,
            -32601,
            "Method not found",
            "METHOD_NOT_FOUND",
        );
    }
    let message = normalized_message(&app, req.get("params"));
    let (skill, data) = match parse_message(message.as_ref()) {
        Ok(x) => x,
        Err(why) => {
            return jsonrpc_error(
                StatusCode::OK,
                &id,
                -32602,
                &format!("Invalid params: {why}"),
                "INVALID_PARAMS",
            );
        }
    };
    let reply = match dispatch(&app, &caller, Via::JsonRpc, &skill, data).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let request_message = message.clone().unwrap_or(Value::Null);
    json_response(
        StatusCode::OK,
        &json!({
            "jsonrpc": "2.0",
            "id": id,
            "result": send_result(&app, reply, &request_message),
        }),
    )
}

/// `POST /a2a/rest/message:send` (0.3 profile: `POST /a2a/rest/v1/message:send`).
pub(crate) async fn rest_send(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        return method_not_allowed(false);
    }
    let caller = match auth::authenticate(&app, &headers) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    if !version_ok(&app, &headers) {
        return status_error(
            StatusCode::BAD_REQUEST,
            &format!("A2A-Version not supported (supported: {A2A_VERSION})"),
            "VERSION_NOT_SUPPORTED",
        );
    }
    if !content_type_is(&headers, &JSON_TYPES) {
        return status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/a2a+json or application/json",
            "CONTENT_TYPE_NOT_SUPPORTED",
        );
    }
    let bytes = match read_body(&headers, body, app.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return status_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body exceeds {} bytes", app.max_body_bytes),
                "PAYLOAD_TOO_LARGE",
            );
        }
        Err(BodyError::Broken) => {
            return status_error(
                StatusCode::BAD_REQUEST,
                "request body could not be read",
                "INVALID_ARGUMENT",
            );
        }
    };
    let Ok(req) = serde_json::from_slice::<Value>(&bytes) else {
        return status_error(
            StatusCode::BAD_REQUEST,
            "request body is not valid JSON",
            "PARSE_ERROR",
        );
    };
    let message = normalized_message(&app, Some(&req));
    let (skill, data) = match parse_message(message.as_ref()) {
        Ok(x) => x,
        Err(why) => return status_error(StatusCode::BAD_REQUEST, why, "INVALID_PARAMS"),
    };
    let reply = match dispatch(&app, &caller, Via::Rest, &skill, data).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let request_message = message.clone().unwrap_or(Value::Null);
    json_response(StatusCode::OK, &send_result(&app, reply, &request_message))
}

/// Any other path under `/a2a/rest/`.
pub(crate) async fn rest_not_found() -> Response {
    status_error(
        StatusCode::NOT_FOUND,
        "no such A2A HTTP+JSON endpoint",
        "NOT_FOUND",
    )
}
