//! Bearer authentication for A2A and MCP: [`authenticate`] maps `Authorization: Bearer <token>`
//! to a [`Caller`] (agent id and scopes) or a 401 response; [`forbidden`] is the 403
//! `insufficient_scope` answer. Tokens are never logged.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::http::json_response;
use super::{App, Defect};

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The agent id the token identifies.
    pub(crate) agent: String,
    /// The token's scopes.
    pub(crate) scopes: Vec<String>,
}

impl Caller {
    /// Does the token carry `scope`?
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The `WWW-Authenticate` value of a 401.
pub(crate) const WWW_AUTHENTICATE_401: &str = "Bearer realm=\"dealer-tck-reference\"";

/// The bearer token of the request, if it carries one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Constant-time-ish comparison (no early exit on the first differing byte).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// 401 with `WWW-Authenticate: Bearer realm="dealer-tck-reference"`.
pub(crate) fn unauthorized(message: &str) -> Response {
    let mut resp = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({"error": "invalid_token", "error_description": message}),
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(WWW_AUTHENTICATE_401),
    );
    resp
}

/// 403 `insufficient_scope` for a tool that needs `scope`.
pub(crate) fn forbidden(tool: &str, scope: &str) -> Response {
    let mut resp = json_response(
        StatusCode::FORBIDDEN,
        &json!({
            "error": "insufficient_scope",
            "error_description": format!("insufficient_scope: {tool} requires scope {scope}"),
            "scope": scope,
        }),
    );
    let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// Who the request's bearer token identifies, or the response refusing it.
/// The refusal is boxed (responses are large).
pub(crate) fn authenticate(app: &App, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let Some(token) = bearer(headers) else {
        tracing::info!(
            outcome = "unauthenticated",
            "request without a bearer token"
        );
        if app.has(Defect::MissingTokenForbidden) {
            return Err(Box::new(json_response(
                StatusCode::FORBIDDEN,
                &json!({"error": "forbidden", "error_description": "access denied"}),
            )));
        }
        return Err(Box::new(unauthorized("a bearer token is required")));
    };
    match app.tokens.iter().find(|g| same(&g.token, token)) {
        Some(g) => Ok(Caller {
            agent: g.agent.clone(),
            scopes: g.scopes.clone(),
        }),
        None => {
            tracing::info!(outcome = "unauthenticated", "unknown bearer token");
            Err(Box::new(unauthorized("unknown bearer token")))
        }
    }
}
