//! Judges for the transport-binding clauses (BINDINGS.md §1): the agent card, A2A version and
//! protocol errors, the MCP handshake and tools/list, and HTTP-level auth refusals. The rules
//! of MCP's 2026-07-28 era are judged in [`super::mcp_modern`].

use super::{Evaluation, Outcome};
use crate::transport::a2a::AgentCard;
use crate::transport::mcp::Handshake;
use crate::transport::{Binding, Exchange, Reply};
use serde_json::Value;

fn eval(
    clause: &str,
    check: &'static str,
    b: Option<Binding>,
    case: &str,
    fails: Vec<String>,
) -> Evaluation {
    Evaluation::new(clause, check, b, case, Outcome::failing_on(fails))
}

/// BIND-A2A-CARD-001: interfaces with protocolVersion 1.0, every expected skill, Bearer.
pub fn judge_card(card: &AgentCard, expected_skills: &[&str], b: Binding) -> Evaluation {
    let mut f = vec![];
    if card.interfaces.is_empty() {
        f.push("no supportedInterfaces".to_string());
    }
    let want = match b {
        Binding::A2aJsonrpc => "JSONRPC",
        Binding::A2aRest => "HTTP+JSON",
        Binding::Mcp | Binding::McpModern => "",
    };
    if !card
        .interfaces
        .iter()
        .any(|(pb, _, v)| pb.eq_ignore_ascii_case(want) && v == "1.0")
    {
        f.push(format!("no {want} interface with protocolVersion 1.0"));
    }
    for s in expected_skills {
        if !card.skills.iter().any(|x| x == s) {
            f.push(format!("skill {s} not listed"));
        }
    }
    if !card.bearer {
        f.push("no Bearer security scheme".into());
    }
    eval("BIND-A2A-CARD-001", "a2a-card", Some(b), "agent-card", f)
}

fn protocol_code(ex: &Exchange) -> Option<i64> {
    match &ex.reply {
        Reply::Protocol { code, .. } => Some(*code),
        _ => None,
    }
}

/// The JSON-RPC error of an exchange, in words.
fn jsonrpc_error(ex: &Exchange) -> String {
    match protocol_code(ex) {
        Some(c) => format!("JSON-RPC error {c}"),
        None => "no JSON-RPC error".to_string(),
    }
}

/// BIND-A2A-VERSION-001 for one exchange sent with an unsupported A2A-Version.
pub fn judge_version(ex: &Exchange) -> Evaluation {
    let mut f = vec![];
    match ex.binding {
        Binding::A2aJsonrpc => {
            if protocol_code(ex) != Some(-32009) {
                f.push(format!(
                    "HTTP {} with {}; expected JSON-RPC error -32009",
                    ex.status,
                    jsonrpc_error(ex)
                ));
            }
        }
        _ => {
            if ex.status != 400 {
                f.push(format!("HTTP {}; expected 400", ex.status));
            }
        }
    }
    eval(
        "BIND-A2A-VERSION-001",
        "a2a-version",
        Some(ex.binding),
        "unsupported-a2a-version",
        f,
    )
}

/// BIND-A2A-ERRORS-001: `expected` is the JSON-RPC code (JSON-RPC binding) or HTTP status (REST).
pub fn judge_protocol_error(ex: &Exchange, case: &str, expected: i64) -> Evaluation {
    let mut f = vec![];
    if ex.status >= 500 {
        f.push(format!("HTTP {} for a malformed request", ex.status));
    }
    match ex.binding {
        Binding::A2aJsonrpc | Binding::Mcp | Binding::McpModern => {
            if protocol_code(ex) != Some(expected) {
                f.push(format!(
                    "got {} (HTTP {}); expected JSON-RPC error {expected}",
                    jsonrpc_error(ex),
                    ex.status
                ));
            }
        }
        Binding::A2aRest => {
            if i64::from(ex.status) != expected {
                f.push(format!("HTTP {}; expected {expected}", ex.status));
            }
        }
    }
    eval(
        "BIND-A2A-ERRORS-001",
        "a2a-protocol-errors",
        Some(ex.binding),
        case,
        f,
    )
}

/// BIND-MCP-INIT-001.
pub fn judge_handshake(h: &Handshake) -> Evaluation {
    let mut f = vec![];
    if h.protocol_version.as_deref().is_none_or(str::is_empty) {
        f.push("initialize answered no protocolVersion".to_string());
    }
    if h.initialized_status != 202 {
        f.push(format!(
            "notifications/initialized got HTTP {} (expected 202)",
            h.initialized_status
        ));
    }
    eval(
        "BIND-MCP-INIT-001",
        "mcp-handshake",
        Some(Binding::Mcp),
        "initialize",
        f,
    )
}

/// BIND-MCP-TOOLS-001.
pub fn judge_tools_list(ex: &Exchange, tool: &str) -> Evaluation {
    let tools = match &ex.reply {
        Reply::Op { object, .. } => object.get("tools").and_then(Value::as_array).cloned(),
        _ => None,
    };
    let mut f = vec![];
    match tools {
        None => f.push(format!(
            "tools/list answered HTTP {} without a tools array",
            ex.status
        )),
        Some(list) => match list
            .iter()
            .find(|t| t.get("name").and_then(Value::as_str) == Some(tool))
        {
            None => f.push(format!("{tool} not listed")),
            Some(t) => {
                if !t.get("inputSchema").is_some_and(Value::is_object) {
                    f.push(format!("{tool} has no inputSchema object"));
                }
            }
        },
    }
    eval(
        "BIND-MCP-TOOLS-001",
        "mcp-tools-list",
        Some(ex.binding),
        "tools-list",
        f,
    )
}

/// DMC12-AUTH-001 / -002: an HTTP-level refusal with `status`; for 401 the
/// `WWW-Authenticate: Bearer` header, for 403 `insufficient_scope` in the header or body.
pub fn judge_http_refusal(ex: &Exchange, case: &str, status: u16) -> Evaluation {
    let (clause, check) = if status == 401 {
        ("DMC12-AUTH-001", "auth-401")
    } else {
        ("DMC12-AUTH-002", "auth-403")
    };
    let mut f = vec![];
    if ex.status != status {
        f.push(format!("HTTP {} (expected {status})", ex.status));
    }
    let www = ex.header("www-authenticate").unwrap_or_default();
    if status == 401 && !www.trim_start().to_ascii_lowercase().starts_with("bearer") {
        f.push("no WWW-Authenticate: Bearer header".into());
    }
    if status == 403
        && ex.status == 403
        && !www.contains("insufficient_scope")
        && !ex.raw_body.contains("insufficient_scope")
    {
        f.push("403 without insufficient_scope".into());
    }
    eval(clause, check, Some(ex.binding), case, f)
}
