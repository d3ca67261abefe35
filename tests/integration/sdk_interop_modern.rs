//! Interoperability with the official MCP Rust SDK (`rmcp` 3.9, pinned in Cargo.toml) in MCP's
//! modern era, 2026-07-28, both ways, over real loopback HTTP:
//! - rmcp's client in its `Discover` lifecycle (`server/discover`, then self-contained requests
//!   with `_meta` and the `Mcp-Method` / `Mcp-Name` headers, no session) drives the reference,
//!   which serves both eras on its one `/mcp` endpoint;
//! - `dealer-tck run --mcp-era modern` certifies rmcp servers, one serving both eras (rmcp's
//!   default) and one serving 2026-07-28 only, on the modern era's transport clauses, and the
//!   harness's modern client calls the rmcp tool as the suite does.

use crate::sdk_interop::{
    RefEnv, RmcpMode, RmcpServer, assert_framing, contact, handoff_args, walk_the_handoff,
};
use dealer_tck::reference::TOKEN_AGENT_A;
use dealer_tck::transport::mcp::MODERN_VERSION;
use dealer_tck::transport::{Binding, Client, ClientConfig, Reply};
use rmcp::model::ProtocolVersion;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientCacheConfig, ClientLifecycleMode, ClientServiceExt};
use serde_json::{Value, json};

const HANDOFF: &str = "initiate_deal_handoff";

async fn rmcp_modern_client_drives_reference(sse: bool) {
    let env = RefEnv::start(sse).await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", env.base()))
            .auth_header(TOKEN_AGENT_A),
    );
    // The Discover lifecycle never falls back to initialize: the reference must answer
    // server/discover with 2026-07-28 among its versions, and every later request in that era.
    let client = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("rmcp discovers the reference in the modern era");
    client
        .set_response_cache_config(ClientCacheConfig::disabled())
        .await;
    // The same walk as in the legacy era; a tool error arrives as there, the tool's envelope
    // with isError, never a protocol error.
    walk_the_handoff(&client, &env, MODERN_VERSION).await;

    client.cancel().await.expect("rmcp client closes");
    env.server.stop().await;
}

#[tokio::test]
async fn rmcp_modern_client_drives_reference_json_mode() {
    rmcp_modern_client_drives_reference(false).await;
}

#[tokio::test]
async fn rmcp_modern_client_drives_reference_sse_mode() {
    rmcp_modern_client_drives_reference(true).await;
}

/// `dealer-tck run --mcp-era ERA --clause MCP-MODERN` against an rmcp server: every modern
/// transport clause judged, none failing (DISCOVER-002 not applicable where rmcp lists
/// 2026-07-28 only).
fn run_modern_clauses(url: &str, era: &str) -> Value {
    let base = url.trim_end_matches("/mcp").to_string();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port().to_string())
            .expect("a free port")
    };
    let (smtp, crm) = (free(), free());
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("reports");
    let (code, stdout, stderr) = crate::support::tck(
        &[
            "run",
            "--target",
            &base,
            "--smtp-port",
            &smtp,
            "--crm-port",
            &crm,
            "--mcp-era",
            era,
            "--clause",
            "MCP-MODERN",
            "--cases",
            "1",
            "--json",
            "--out",
            out.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("exit {code}, no JSON report ({e}): {stderr}"));
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    report
}

async fn harness_drives_rmcp_modern_server(mode: RmcpMode) {
    let server = RmcpServer::start(mode).await;
    let url = server.url.clone();
    let (report, probed) = tokio::task::spawn_blocking(move || {
        (
            run_modern_clauses(&url, "modern"),
            run_modern_clauses(&url, "auto"),
        )
    })
    .await
    .expect("the runs end");
    // The spec's probe finds what the server serves: both eras, or the modern one only.
    let found = if mode == RmcpMode::ModernOnly {
        json!(["mcp-modern"])
    } else {
        json!(["mcp", "mcp-modern"])
    };
    assert_eq!(
        probed["target"]["transports"], found,
        "{:#}",
        probed["target"]
    );
    let verdicts: Vec<(String, String)> = crate::support::results(&report)
        .iter()
        .map(|r| {
            (
                r["clause"].as_str().unwrap_or_default().to_string(),
                r["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want_discover_002 = if mode == RmcpMode::ModernOnly {
        "NOT_APPLICABLE"
    } else {
        "PASS"
    };
    for clause in [
        "MCP-MODERN-DISCOVER-001",
        "MCP-MODERN-DISCOVER-002",
        "MCP-MODERN-RESULT-001",
        "MCP-MODERN-HEADERS-001",
        "MCP-MODERN-VERSION-001",
        "MCP-MODERN-META-001",
        "MCP-MODERN-METHOD-001",
    ] {
        let want = if clause == "MCP-MODERN-DISCOVER-002" {
            want_discover_002
        } else {
            "PASS"
        };
        assert!(
            verdicts.iter().any(|(c, v)| c == clause && v == want),
            "{mode:?}: {clause} is not {want}: {verdicts:?}"
        );
    }
    assert_eq!(report["target"]["transports"], json!(["mcp-modern"]));

    // The suite's tool call, through the harness's modern client, as the rmcp server sees it.
    let client = Client::new(Binding::McpModern, &server.url, ClientConfig::default());
    let valid = handoff_args("rsv_modern7", &contact(), true);
    let ok = client
        .call(HANDOFF, &valid, None)
        .await
        .expect("tools/call");
    assert_eq!(ok.status, 200, "{}", ok.raw_body);
    if mode == RmcpMode::ModernOnly {
        assert_framing(&ok, mode, "tools/call");
    }
    match &ok.reply {
        Reply::Op {
            object,
            is_error,
            where_found,
            ..
        } => {
            assert_eq!(where_found, "structuredContent");
            assert_eq!(*is_error, Some(false), "{object}");
            assert_eq!(object["data"]["handoff_token"], "hnd_modern7", "{object}");
        }
        other => panic!("tools/call reply: {other:?}"),
    }
    assert_eq!(
        dealer_tck::check::mcp_modern::result_type_fails(&ok),
        Some(vec![]),
        "rmcp's tools/call result carries resultType"
    );
    assert_eq!(server.calls().last(), Some(&valid));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_certifies_an_rmcp_server_serving_both_eras() {
    harness_drives_rmcp_modern_server(RmcpMode::StatelessSse).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_certifies_an_rmcp_server_serving_the_modern_era_only() {
    harness_drives_rmcp_modern_server(RmcpMode::ModernOnly).await;
}
