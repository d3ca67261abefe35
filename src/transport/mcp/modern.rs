//! MCP 2026-07-28, the modern era, as the client speaks it: the version and `_meta` keys, which
//! eras a run certifies ([`McpEra`]), and how a request is built ([`modern_message`]): its
//! `params._meta` and the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers, values
//! that are not header-safe as `=?base64?…?=` ([`header_value`]).

use super::{ACCEPT, Binding};
use serde_json::{Value, json};

/// The protocol version of the modern era, sent in every request's `_meta`.
pub const MODERN_VERSION: &str = "2026-07-28";
/// The `_meta` key of the protocol version (2026-07-28).
pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// The `_meta` key of the client's capabilities (2026-07-28).
pub const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// The `_meta` key of the client's name and version (2026-07-28).
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";

/// The MCP era a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2025-11-25: `initialize`, then requests in an `MCP-Session-Id` session.
    Legacy,
    /// 2026-07-28: no handshake, no session; each request carries its own `_meta`.
    Modern,
}
/// Which MCP eras a run certifies (`[mcp] era`, `--mcp-era`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum McpEra {
    /// The spec's probe decides: a modern request first, then `initialize`; each era the
    /// server answers is certified (both, on a dual-era server).
    #[default]
    Auto,
    /// 2025-11-25 only (the `mcp` transport).
    Legacy,
    /// 2026-07-28 only (the `mcp-modern` transport).
    Modern,
    /// Both eras, each its own transport; an era the server does not speak is an error.
    Both,
}

impl McpEra {
    /// Every choice.
    pub const ALL: [McpEra; 4] = [McpEra::Auto, McpEra::Legacy, McpEra::Modern, McpEra::Both];

    /// The name on the command line and in the profile.
    pub fn name(self) -> &'static str {
        match self {
            McpEra::Auto => "auto",
            McpEra::Legacy => "legacy",
            McpEra::Modern => "modern",
            McpEra::Both => "both",
        }
    }

    /// Whether the run tries the era of `binding` (`mcp` or `mcp-modern`).
    pub fn tries(self, binding: Binding) -> bool {
        match self {
            McpEra::Auto | McpEra::Both => true,
            McpEra::Legacy => binding == Binding::Mcp,
            McpEra::Modern => binding == Binding::McpModern,
        }
    }

    /// Whether an era the server does not speak ends the run (it was asked for by name).
    pub fn requires(self, binding: Binding) -> bool {
        self != McpEra::Auto && self.tries(binding)
    }
}

impl std::str::FromStr for McpEra {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        McpEra::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("unknown MCP era '{s}' (auto, legacy, modern, both)"))
    }
}

/// A 2026-07-28 request: its headers (the bearer token included) and its body, whose
/// `params._meta` carries the protocol version, the client's capabilities (none) and info.
pub(super) fn modern_message(
    method: &str,
    params: Value,
    token: Option<&str>,
    id: u64,
) -> (Vec<(String, String)>, Value) {
    let mut params = match params {
        Value::Object(o) => o,
        _ => serde_json::Map::new(),
    };
    params.insert(
        "_meta".into(),
        json!({
            META_VERSION: MODERN_VERSION,
            META_CAPABILITIES: {},
            META_CLIENT_INFO: { "name": "dealer-tck", "version": env!("CARGO_PKG_VERSION") },
        }),
    );
    let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
    let mut headers = vec![
        ("accept".to_string(), ACCEPT.to_string()),
        ("content-type".to_string(), "application/json".to_string()),
        (
            "mcp-protocol-version".to_string(),
            MODERN_VERSION.to_string(),
        ),
    ];
    headers.extend(routing_headers(&body));
    if let Some(token) = token {
        headers.push(("authorization".into(), format!("Bearer {token}")));
    }
    (headers, body)
}

/// `Mcp-Method` (the body's method) and, for `tools/call`, `Mcp-Name` (the tool's name), as
/// 2026-07-28 requires of every request.
pub(super) fn routing_headers(body: &Value) -> Vec<(String, String)> {
    let mut headers = vec![];
    let Some(method) = body.get("method").and_then(Value::as_str) else {
        return headers;
    };
    headers.push(("mcp-method".to_string(), header_value(method)));
    if method == "tools/call"
        && let Some(name) = body.pointer("/params/name").and_then(Value::as_str)
    {
        headers.push(("mcp-name".to_string(), header_value(name)));
    }
    headers
}

/// A value as an HTTP header carries it (2026-07-28's rule): as is, unless it starts or ends
/// with a blank, holds a byte outside 0x20–0x7E, or already looks encoded; then
/// `=?base64?…?=` of its UTF-8 bytes (standard, padded base64).
pub fn header_value(v: &str) -> String {
    use base64::Engine;
    let padded = v.starts_with([' ', '\t']) || v.ends_with([' ', '\t']);
    let unsafe_byte = v.bytes().any(|b| !(0x20..0x7f).contains(&b));
    let looks_encoded = v.starts_with("=?base64?") && v.ends_with("?=");
    if v.is_empty() || !(padded || unsafe_byte || looks_encoded) {
        v.to_string()
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_encoded_only_when_not_header_safe() {
        assert_eq!(header_value("tools/call"), "tools/call");
        assert_eq!(header_value("a tool name"), "a tool name");
        assert_eq!(header_value("héllo"), "=?base64?aMOpbGxv?=");
        assert_eq!(header_value(" lead"), "=?base64?IGxlYWQ=?=");
        assert_eq!(header_value("tab\t"), "=?base64?dGFiCQ==?=");
        assert_eq!(
            header_value("=?base64?eA==?="),
            "=?base64?PT9iYXNlNjQ/ZUE9PT89?="
        );
        assert_eq!(header_value(""), "");
    }
}
