//! The binding checks of MCP 2026-07-28 ([`modern_protocol`]): `server/discover` and the
//! versions it lists, `tools/list` and its `resultType`, and one request per rule of the era
//! that breaks that rule and no other (a header missing or disagreeing with the body, a
//! version the server does not speak, no `_meta`, an unknown method), each judged by the
//! refusal the rule asks for ([`crate::check::mcp_modern`]).

use super::*;
use crate::check::mcp_modern::{
    self, HEADER_MISMATCH, MISSING_META, Refusal, UNKNOWN_METHOD, UNSUPPORTED_VERSION,
};
use crate::transport::mcp::{META_VERSION, McpClient};
use crate::transport::{Exchange, TransportError};
use serde_json::Value;

/// A request that breaks one rule: its case name, what it asks, how it is bent, the refusal.
struct Bent {
    case: &'static str,
    method: &'static str,
    tool: bool,
    bend: fn(&mut Vec<(String, String)>, &mut Value),
    want: Refusal,
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        headers.push((name.to_string(), v.to_string()));
    }
}

/// The requests that each break one rule of the era. The version a request names lives in
/// two places, the header and `_meta`: the unsupported version is named in both, so that it
/// is unsupported and nothing else.
const BENT: &[Bent] = &[
    Bent {
        case: "mcp-method-missing",
        method: "tools/list",
        tool: false,
        bend: |h, _| set_header(h, "mcp-method", None),
        want: HEADER_MISMATCH,
    },
    Bent {
        case: "mcp-method-mismatch",
        method: "tools/list",
        tool: false,
        bend: |h, _| set_header(h, "mcp-method", Some("resources/list")),
        want: HEADER_MISMATCH,
    },
    Bent {
        case: "mcp-name-missing",
        method: "tools/call",
        tool: true,
        bend: |h, _| set_header(h, "mcp-name", None),
        want: HEADER_MISMATCH,
    },
    Bent {
        case: "mcp-name-mismatch",
        method: "tools/call",
        tool: true,
        bend: |h, _| set_header(h, "mcp-name", Some(tools::INITIATE_DEAL_HANDOFF)),
        want: HEADER_MISMATCH,
    },
    Bent {
        case: "unsupported-version",
        method: "tools/list",
        tool: false,
        bend: |h, body| {
            set_header(h, "mcp-protocol-version", Some("2099-01-01"));
            if let Some(meta) = body.pointer_mut("/params/_meta") {
                meta[META_VERSION] = Value::from("2099-01-01");
            }
        },
        want: UNSUPPORTED_VERSION,
    },
    Bent {
        case: "no-meta",
        method: "tools/list",
        tool: false,
        bend: |_, body| {
            if let Some(p) = body.get_mut("params").and_then(Value::as_object_mut) {
                p.remove("_meta");
            }
        },
        want: MISSING_META,
    },
    Bent {
        case: "unknown-method",
        method: "dealer-tck/no-such-method",
        tool: false,
        bend: |_, _| {},
        want: UNKNOWN_METHOD,
    },
];

impl Session<'_> {
    /// A 2026-07-28 request through this session's client, bent by `alter`, counted and noted
    /// as every exchange of the run is.
    async fn modern(
        &self,
        ledger: &mut Ledger,
        method: &str,
        params: Value,
        alter: impl FnOnce(&mut Vec<(String, String)>, &mut Value),
    ) -> Result<Exchange, TransportError> {
        ledger.breaker_check(self.binding)?;
        ledger.stats.exchanges += 1;
        let Some(m) = self.client.as_mcp() else {
            return Err(TransportError::Io {
                url: String::new(),
                detail: "not an MCP client".into(),
            });
        };
        let a = self.target_tokens.agent_a.clone();
        let ex = m.modern_request(method, params, Some(&a), alter).await;
        ledger.noted(ex, &self.client)
    }
}

/// The binding checks of the modern era, before the suite's cases run on it.
pub(crate) async fn modern_protocol(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let err = |clause: &str, check: &'static str, case: &str, e: TransportError| {
        Evaluation::new(clause, check, Some(b), case, Outcome::Error(e.to_string()))
    };
    match s
        .modern(ledger, "server/discover", json!({}), |_, _| {})
        .await
    {
        Ok(ex) => {
            ledger.push(mcp_modern::judge_discover(&ex));
            let listed = mcp_modern::supported_versions(&ex);
            let legacy = if listed
                .iter()
                .any(|v| v == crate::transport::mcp::PROTOCOL_VERSION)
            {
                let url = s.client.as_mcp().map(McpClient::url).unwrap_or_default();
                let legacy = McpClient::new(url, client_cfg(s.opts));
                ledger.stats.exchanges += 2;
                legacy.handshake(Some(&s.target_tokens.agent_a)).await.ok()
            } else {
                None
            };
            ledger.push(mcp_modern::judge_discover_versions(
                &listed,
                legacy.as_ref(),
            ));
        }
        Err(e) => ledger.push(err(
            "MCP-MODERN-DISCOVER-001",
            "mcp-discover",
            "server-discover",
            e,
        )),
    }
    let listed = s.modern(ledger, "tools/list", json!({}), |_, _| {}).await;
    tools_listed(s, ledger, &listed);
    if let Some(e) = listed
        .ok()
        .and_then(|ex| mcp_modern::judge_result_type(&ex, "tools-list"))
    {
        ledger.push(e);
    }
    // A tool every DMC-12 server has and that changes nothing: the inventory search.
    let probe_tool = s.opts.fixture_tools[0].clone();
    for bent in BENT {
        let params = if bent.tool {
            json!({ "name": probe_tool, "arguments": {} })
        } else {
            json!({})
        };
        match s.modern(ledger, bent.method, params, bent.bend).await {
            Ok(ex) => ledger.push(mcp_modern::judge_refusal(&ex, bent.case, bent.want)),
            Err(e) => ledger.push(err(bent.want.clause, bent.want.check, bent.case, e)),
        }
    }
}
