//! The padding mode of the reference (`--pad-answers BYTES`): [`pad_answers`] is an axum
//! middleware that grows every JSON answer to a given size with trailing whitespace, which JSON
//! ignores (RFC 8259 §2). The answers stay byte-for-byte the same documents, so the run stays
//! conformant; what changes is how much the harness receives. It exists to measure and test the
//! harness's memory against a target whose every answer sits near the 4 MiB cap (issue 16).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;

use super::App;

/// The largest padded answer the reference builds (a little under the harness's 4 MiB cap).
pub const MAX_PAD: usize = 4 * 1024 * 1024 - 4096;

/// Is this a JSON media type (`application/json`, `application/…+json`)?
fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let mt = v.split(';').next().unwrap_or("").trim();
            mt.eq_ignore_ascii_case("application/json") || mt.ends_with("+json")
        })
        .unwrap_or(false)
}

/// Middleware: when the server pads, append spaces to every JSON answer up to `pad_to` bytes.
/// SSE streams and other media types pass unchanged.
pub(crate) async fn pad_answers(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let Some(pad_to) = app.pad_answers else {
        return resp;
    };
    if !is_json(&resp) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAD).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut padded = Vec::with_capacity(pad_to.max(bytes.len()));
    padded.extend_from_slice(&bytes);
    padded.resize(pad_to.max(bytes.len()), b' ');
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(padded))
}
