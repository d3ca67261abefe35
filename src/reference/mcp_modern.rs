//! The MCP 2026-07-28 era on the reference's one `/mcp` endpoint ([`post`]): no handshake
//! and no session; every request carries `params._meta` (protocol version, client
//! capabilities) and the `MCP-Protocol-Version`, `Mcp-Method` and, for `tools/call`,
//! `Mcp-Name` headers. [`is_modern`] tells such a request from a 2025-11-25 one on a
//! dual-era server. `server/discover` lists the versions served; every result carries
//! `resultType`, list results `ttlMs` and `cacheScope`; a broken rule is refused with the
//! era's own error (400 with -32602, -32022 or -32020; 404 with -32601).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::auth::Caller;
use super::http::json_response;
use super::mcp::{call_tool, frame, plain, result, tool_list};
use super::{App, DEALER_NAME, Defect, MCP_PROTOCOL_VERSION};
use crate::transport::mcp::{META_CAPABILITIES, META_VERSION, MODERN_VERSION};

/// The versions of the earlier era: a request naming one of them is a 2025-11-25 request.
const LEGACY_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// How long a client may cache a list or discover result (milliseconds).
const TTL_MS: u64 = 60_000;

/// Whether `/mcp` answers this request in the modern era: always on a modern-only server;
/// on a dual-era server, any request but `initialize` whose `MCP-Protocol-Version` header
/// names no earlier version, or whose `_meta` names a protocol version.
pub(super) fn is_modern(app: &App, headers: &HeaderMap, msg: &Value, method: &str) -> bool {
    if !app.serves_modern_mcp() {
        return false;
    }
    if !app.serves_legacy_mcp() {
        return true;
    }
    let header = headers
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let meta = msg
        .pointer("/params/_meta")
        .and_then(|m| m.get(META_VERSION));
    method != "initialize"
        && (header.is_some_and(|v| !LEGACY_VERSIONS.contains(&v)) || meta.is_some())
}

/// A header's value, decoded from `=?base64?…?=` when it is so encoded.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?.to_str().ok()?.trim();
    match v
        .strip_prefix("=?base64?")
        .and_then(|rest| rest.strip_suffix("?="))
    {
        Some(b64) => {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            String::from_utf8(bytes).ok()
        }
        None => Some(v.to_string()),
    }
}

/// The versions `server/discover` lists and an unsupported version's error names.
fn supported(app: &App) -> Vec<&'static str> {
    let mut v = vec![];
    if app.serves_legacy_mcp() || app.has(Defect::McpModernClaimsLegacy) {
        v.push(MCP_PROTOCOL_VERSION);
    }
    if !app.has(Defect::McpModernDiscoverWithoutVersion) {
        v.push(MODERN_VERSION);
    }
    v
}

/// A refusal: HTTP `status` with a JSON-RPC error (and its `data`, if any).
fn refuse(
    status: StatusCode,
    id: &Value,
    code: i64,
    message: &str,
    data: Option<Value>,
) -> Response {
    let mut error = json!({"code": code, "message": message});
    if let Some(d) = data {
        error["data"] = d;
    }
    json_response(status, &json!({"jsonrpc": "2.0", "id": id, "error": error}))
}

/// A result with the era's `resultType` (absent with the defect that drops it).
fn complete(app: &App, mut object: Value) -> Value {
    if !app.has(Defect::McpModernNoResultType) {
        object["resultType"] = json!("complete");
    }
    object
}

/// One 2026-07-28 request: checked rule by rule, then answered.
pub(super) async fn post(
    app: &App,
    caller: &Caller,
    headers: &HeaderMap,
    msg: &Value,
    method: &str,
    id: Option<Value>,
) -> Response {
    let echo = id.clone().unwrap_or(Value::Null);
    let bad = StatusCode::BAD_REQUEST;
    let meta = msg.pointer("/params/_meta");
    let version = meta
        .and_then(|m| m.get(META_VERSION))
        .and_then(Value::as_str);
    let capabilities = meta.and_then(|m| m.get(META_CAPABILITIES));
    let Some(version) = version.filter(|_| capabilities.is_some_and(Value::is_object)) else {
        if !app.has(Defect::McpModernMetaOptional) {
            return refuse(
                bad,
                &echo,
                -32602,
                &format!("Invalid params: _meta must carry {META_VERSION} and {META_CAPABILITIES}"),
                None,
            );
        }
        return answer(app, caller, msg, method, id).await;
    };
    if version != MODERN_VERSION {
        let data = (!app.has(Defect::McpModernBareVersionError))
            .then(|| json!({"supported": supported(app), "requested": version}));
        return refuse(bad, &echo, -32022, "Unsupported protocol version", data);
    }
    if header(headers, "mcp-protocol-version").as_deref() != Some(version) {
        return refuse(
            bad,
            &echo,
            -32020,
            "MCP-Protocol-Version header missing or unlike _meta's protocol version",
            None,
        );
    }
    if !app.has(Defect::McpModernMethodHeaderUnchecked)
        && header(headers, "mcp-method").as_deref() != Some(method)
    {
        return refuse(
            bad,
            &echo,
            -32020,
            "Mcp-Method header missing or unlike the request's method",
            None,
        );
    }
    if method == "tools/call" {
        let name = msg.pointer("/params/name").and_then(Value::as_str);
        if header(headers, "mcp-name").as_deref() != name || name.is_none() {
            return refuse(
                bad,
                &echo,
                -32020,
                "Mcp-Name header missing or unlike the tool called",
                None,
            );
        }
    }
    answer(app, caller, msg, method, id).await
}

/// Answer a request that kept every rule.
async fn answer(
    app: &App,
    caller: &Caller,
    msg: &Value,
    method: &str,
    id: Option<Value>,
) -> Response {
    let Some(id) = id else {
        // The era has no client notifications the reference acts on: accepted.
        return StatusCode::ACCEPTED.into_response();
    };
    let answer = match method {
        "server/discover" => plain(result(
            &id,
            complete(
                app,
                json!({
                    "supportedVersions": supported(app),
                    "capabilities": {"tools": {"listChanged": false}},
                    "ttlMs": TTL_MS,
                    "cacheScope": "public",
                    "_meta": {
                        "io.modelcontextprotocol/serverInfo": {
                            "name": "dealer-tck-reference",
                            "title": format!("{DEALER_NAME} (dealer-tck reference)"),
                            "version": env!("CARGO_PKG_VERSION"),
                        }
                    },
                }),
            ),
        )),
        "tools/list" => plain(result(
            &id,
            complete(
                app,
                json!({"tools": tool_list(app), "ttlMs": TTL_MS, "cacheScope": "public"}),
            ),
        )),
        "tools/call" => {
            let params = msg.get("params").cloned().unwrap_or(Value::Null);
            match call_tool(app, caller, &id, &params).await {
                Ok(mut a) => {
                    if let Some(r) = a.response.get_mut("result") {
                        *r = complete(app, r.take());
                    }
                    a
                }
                Err(resp) => return resp,
            }
        }
        _ => {
            let status = if app.has(Defect::McpModernUnknownMethod200) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            return refuse(status, &id, -32601, "Method not found", None);
        }
    };
    frame(app, answer)
}
