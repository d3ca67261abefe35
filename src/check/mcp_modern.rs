//! Judges for MCP 2026-07-28, the clauses of `suites/dmc12/mcp-modern.toml`: what
//! `server/discover` answers ([`judge_discover`], [`judge_discover_versions`]), the
//! `resultType` every result carries ([`result_type_fails`]), and the refusals of a request
//! that breaks one of the era's rules ([`Refusal`], judged by [`judge_refusal`]). Every judge
//! reads the JSON-RPC message itself ([`jsonrpc_message`]), JSON body or SSE event alike.

use super::{Evaluation, Outcome};
use crate::transport::mcp::{Handshake, MODERN_VERSION, PROTOCOL_VERSION};
use crate::transport::{Binding, Exchange, Reply};
use serde_json::Value;

/// The JSON-RPC message that answered the exchange's request: the JSON body, or the SSE
/// event whose message carries the request's `id` (any response when the request had none).
pub fn jsonrpc_message(ex: &Exchange) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(&ex.raw_body) {
        return Some(v);
    }
    let want = ex.request_body.get("id");
    ex.raw_body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| {
            (m.get("result").is_some() || m.get("error").is_some())
                && want.is_none_or(|w| m.get("id") == Some(w))
        })
}

/// The `result` member of the answer, when there is one.
fn result_of(ex: &Exchange) -> Option<Value> {
    jsonrpc_message(ex)?.get("result").cloned()
}

/// MCP-MODERN-RESULT-001 for one exchange: what is wrong with its result's `resultType`
/// (None when the answer holds no result to judge: a refusal, a protocol error).
pub fn result_type_fails(ex: &Exchange) -> Option<Vec<String>> {
    let result = result_of(ex)?;
    let method = ex
        .request_body
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("the request");
    Some(match result.get("resultType") {
        Some(Value::String(t)) if t == "complete" || t == "input_required" => vec![],
        Some(other) => vec![format!(
            "the {method} result's resultType is {other}, neither \"complete\" nor \"input_required\""
        )],
        None => vec![format!("the {method} result carries no resultType")],
    })
}

/// MCP-MODERN-RESULT-001 as an evaluation, for a result the suite reads outside a tool call
/// (tools/list).
pub fn judge_result_type(ex: &Exchange, case: &str) -> Option<Evaluation> {
    result_type_fails(ex).map(|f| {
        Evaluation::new(
            "MCP-MODERN-RESULT-001",
            "mcp-result-type",
            Some(Binding::McpModern),
            case,
            Outcome::failing_on(f),
        )
    })
}

/// The versions a `server/discover` result lists.
pub fn supported_versions(ex: &Exchange) -> Vec<String> {
    result_of(ex)
        .and_then(|r| r.get("supportedVersions").cloned())
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
        .unwrap_or_default()
}

/// The era probe's reading of a `server/discover` answer (2026-07-28, backward
/// compatibility): a JSON-RPC result, or an HTTP 400 carrying one of the era's own errors
/// (-32020, -32021, -32022), means the server speaks the modern era; anything else (a legacy
/// error, 404, 405) says why not.
pub fn speaks_modern(ex: &Exchange) -> Result<(), String> {
    let modern_error = matches!(
        ex.reply,
        Reply::Protocol {
            code: -32022..=-32020,
            ..
        }
    );
    match &ex.reply {
        Reply::Op { .. } if (200..300).contains(&ex.status) => Ok(()),
        _ if ex.status == 400 && modern_error => Ok(()),
        _ => Err(format!(
            "server/discover was answered HTTP {} with {}",
            ex.status,
            describe_error(ex)
        )),
    }
}

/// MCP-MODERN-DISCOVER-001: `server/discover` answers a result whose `supportedVersions`
/// include 2026-07-28 and whose `capabilities` include `tools`.
pub fn judge_discover(ex: &Exchange) -> Evaluation {
    let mut f = vec![];
    match result_of(ex) {
        None => f.push(format!(
            "server/discover answered HTTP {} with {}",
            ex.status,
            describe_error(ex)
        )),
        Some(r) => {
            match r.get("supportedVersions").and_then(Value::as_array) {
                None => f.push("the result has no supportedVersions array".into()),
                Some(vs) if !vs.iter().any(|v| v == MODERN_VERSION) => f.push(format!(
                    "supportedVersions {} do not include {MODERN_VERSION}",
                    Value::Array(vs.clone())
                )),
                Some(_) => {}
            }
            if !r
                .get("capabilities")
                .is_some_and(|c| c.get("tools").is_some_and(Value::is_object))
            {
                f.push("the result's capabilities include no tools object".into());
            }
        }
    }
    Evaluation::new(
        "MCP-MODERN-DISCOVER-001",
        "mcp-discover",
        Some(Binding::McpModern),
        "server-discover",
        Outcome::failing_on(f),
    )
}

/// MCP-MODERN-DISCOVER-002: a 2025-11-25 that `server/discover` lists is served, `legacy`
/// being the handshake the harness then ran in that era (None: not run, since not listed).
pub fn judge_discover_versions(listed: &[String], legacy: Option<&Handshake>) -> Evaluation {
    let outcome = match legacy {
        _ if !listed.iter().any(|v| v == PROTOCOL_VERSION) => Outcome::NotApplicable(format!(
            "server/discover lists no {PROTOCOL_VERSION}, the one earlier version the harness can try"
        )),
        None => Outcome::NotTested(format!(
            "the harness did not try {PROTOCOL_VERSION} (the run speaks the modern era only)"
        )),
        Some(h) if h.established() => Outcome::Pass,
        Some(h) => Outcome::Fail(format!(
            "server/discover lists {PROTOCOL_VERSION}, but initialize in that era was answered HTTP {} with {}",
            h.initialize.status,
            describe_error(&h.initialize)
        )),
    };
    Evaluation::new(
        "MCP-MODERN-DISCOVER-002",
        "mcp-discover-versions",
        Some(Binding::McpModern),
        "server-discover-versions",
        outcome,
    )
}

/// A request that breaks one rule of the era, and the refusal the rule asks for.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    /// The clause.
    pub clause: &'static str,
    /// The check.
    pub check: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The JSON-RPC error code.
    pub code: i64,
}

/// Missing or mismatched `Mcp-Method`, `Mcp-Name` or `MCP-Protocol-Version`.
pub const HEADER_MISMATCH: Refusal = Refusal {
    clause: "MCP-MODERN-HEADERS-001",
    check: "mcp-header-mismatch",
    status: 400,
    code: -32020,
};
/// A protocol version the server does not support.
pub const UNSUPPORTED_VERSION: Refusal = Refusal {
    clause: "MCP-MODERN-VERSION-001",
    check: "mcp-unsupported-version",
    status: 400,
    code: -32022,
};
/// No `_meta`.
pub const MISSING_META: Refusal = Refusal {
    clause: "MCP-MODERN-META-001",
    check: "mcp-missing-meta",
    status: 400,
    code: -32602,
};
/// A method the server does not know.
pub const UNKNOWN_METHOD: Refusal = Refusal {
    clause: "MCP-MODERN-METHOD-001",
    check: "mcp-unknown-method",
    status: 404,
    code: -32601,
};

/// The refusal `want` of the request in `ex` (`case` names what it broke). An unsupported
/// version's error must also carry `data.supported` (the versions served) and
/// `data.requested` (the one asked for).
pub fn judge_refusal(ex: &Exchange, case: &str, want: Refusal) -> Evaluation {
    let mut f = vec![];
    let code = match &ex.reply {
        Reply::Protocol { code, .. } => Some(*code),
        _ => None,
    };
    if ex.status != want.status || code != Some(want.code) {
        f.push(format!(
            "HTTP {} with {}; expected HTTP {} with JSON-RPC error {}",
            ex.status,
            describe_error(ex),
            want.status,
            want.code
        ));
    }
    if want.code == UNSUPPORTED_VERSION.code && code == Some(want.code) {
        let data = match &ex.reply {
            Reply::Protocol { data, .. } => data.clone().unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let supported = data.get("supported").and_then(Value::as_array);
        if supported.is_none_or(|s| s.is_empty() || !s.iter().all(Value::is_string)) {
            f.push("error.data.supported is not a list of the versions served".into());
        }
        let asked = ex
            .request_body
            .pointer("/params/_meta")
            .and_then(|m| m.get(crate::transport::mcp::META_VERSION))
            .cloned();
        if asked.is_some() && data.get("requested") != asked.as_ref() {
            f.push(format!(
                "error.data.requested is {}, not the version asked for",
                data.get("requested")
                    .map(Value::to_string)
                    .unwrap_or_else(|| "absent".into())
            ));
        }
    }
    Evaluation::new(
        want.clause,
        want.check,
        Some(Binding::McpModern),
        case,
        Outcome::failing_on(f),
    )
}

/// The JSON-RPC error of an exchange, in words.
fn describe_error(ex: &Exchange) -> String {
    match &ex.reply {
        Reply::Protocol { code, message, .. } => format!(
            "JSON-RPC error {code} ({})",
            crate::report::inert::visible(&message.chars().take(120).collect::<String>())
        ),
        Reply::Op { .. } => "a result".into(),
        Reply::Http { .. } => "no JSON-RPC error".into(),
        Reply::Unparseable { reason } => format!("an answer it cannot read ({reason})"),
    }
}

#[cfg(test)]
mod tests;
