//! HTTP plumbing shared by the transports: bounded body reading ([`read_body`]), content-type
//! checks, google.rpc.Status / JSON-RPC error bodies with A2A `ErrorInfo` details, and the
//! 404 fallback. Nothing here panics on bad input; every failure is a 4xx.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// The A2A ErrorInfo domain.
pub(crate) const ERROR_DOMAIN: &str = "a2a-protocol.org";

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the cap (413).
    TooLarge,
    /// The client went away or sent a broken body (400).
    Broken,
}

/// Read the whole body, refusing anything over `limit` bytes (by Content-Length up front, and
/// while reading for chunked bodies).
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(BodyError::TooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// The media type essence of the request (`application/json` from `application/json; charset=utf-8`).
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// Is the request's content type one of `allowed`?
pub(crate) fn content_type_is(headers: &HeaderMap, allowed: &[&str]) -> bool {
    media_type(headers).is_some_and(|m| allowed.contains(&m.as_str()))
}

/// An A2A `google.rpc.ErrorInfo` detail.
pub(crate) fn error_info(reason: &str) -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": ERROR_DOMAIN,
    })
}

/// A JSON body with the given status.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The gRPC status name used for an HTTP status in google.rpc.Status bodies.
fn grpc_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        405 => "UNIMPLEMENTED",
        413 => "RESOURCE_EXHAUSTED",
        400..=499 => "INVALID_ARGUMENT",
        _ => "INTERNAL",
    }
}

/// An A2A HTTP+JSON error: `{"error":{"code","status","message","details":[ErrorInfo]}}`.
pub(crate) fn status_error(status: StatusCode, message: &str, reason: &str) -> Response {
    json_response(
        status,
        &json!({
            "error": {
                "code": status.as_u16(),
                "status": grpc_status(status),
                "message": message,
                "details": [error_info(reason)],
            }
        }),
    )
}

/// A JSON-RPC error object body.
pub(crate) fn jsonrpc_error_body(id: &Value, code: i64, message: &str, reason: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": code,
            "message": message,
            "data": [error_info(reason)],
        }
    })
}

/// A JSON-RPC error answered with the given HTTP status.
pub(crate) fn jsonrpc_error(
    status: StatusCode,
    id: &Value,
    code: i64,
    message: &str,
    reason: &str,
) -> Response {
    json_response(status, &jsonrpc_error_body(id, code, message, reason))
}

/// The `id` of a JSON-RPC request if it is a valid one (string or number).
pub(crate) fn jsonrpc_id(v: &Value) -> Option<Value> {
    match v.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id.clone()),
        _ => None,
    }
}

/// The id to echo in an error reply: the request's id when it is usable, else null.
pub(crate) fn echo_id(v: &Value) -> Value {
    jsonrpc_id(v).unwrap_or(Value::Null)
}

/// Fallback: 404 with a google.rpc.Status body.
pub(crate) async fn not_found() -> Response {
    status_error(StatusCode::NOT_FOUND, "no such endpoint", "NOT_FOUND")
}
