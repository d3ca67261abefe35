//! Protocol errors get protocol codes (never a 500), and the MCP session rules.

use super::*;

#[tokio::test]
async fn protocol_errors_get_protocol_codes_never_500() {
    let env = Env::start(Opts::default()).await;
    let c = &env.client;
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let rpc_headers = [
        ("content-type", "application/json"),
        ("a2a-version", "1.0"),
        ("authorization", auth.as_str()),
    ];
    let msg = a2a_message("search_inventory", &json!({}));
    let big = vec![b' '; 70 * 1024];
    let mut all = Vec::new();

    // A2A JSON-RPC.
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, b"{not json".to_vec())
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32700)),
        "{}",
        r.text
    );
    assert!(r.json["id"].is_null());
    assert_eq!(
        r.json["error"]["data"][0]["@type"],
        "type.googleapis.com/google.rpc.ErrorInfo"
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "1.0", "id": 5, "method": "SendMessage", "params": {"message": msg}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(
        (r.json["error"]["code"].clone(), r.json["id"].clone()),
        (json!(-32600), json!(5)),
        "{}",
        r.text
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "2.0", "method": "SendMessage", "params": {"message": msg}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32600, "missing id: {}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, json!({"jsonrpc": "2.0", "id": 6, "method": "message/send", "params": {"message": msg}}).to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32601, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, json!({"jsonrpc": "2.0", "id": 7, "method": "SendMessage", "params": {"message": a2a_message("no_such_skill", &json!({}))}}).to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32602, "{}", r.text);
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "2.0", "id": 8, "method": "SendMessage", "params": {}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32602, "{}", r.text);
    all.push(r);
    for version in [None, Some("0.3")] {
        let mut h = vec![
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
        ];
        if let Some(v) = version {
            h.push(("a2a-version", v));
        }
        let r = c
            .post("/a2a/jsonrpc", &h, json!({"jsonrpc": "2.0", "id": 9, "method": "SendMessage", "params": {"message": msg}}).to_string().into_bytes())
            .await;
        assert_eq!(r.status, 400, "{version:?}: {}", r.text);
        assert_eq!(r.json["error"]["code"], -32009);
        assert_eq!(r.json["id"], 9);
        assert_eq!(
            r.json["error"]["data"][0]["reason"],
            "VERSION_NOT_SUPPORTED"
        );
        assert_eq!(r.json["error"]["data"][0]["domain"], "a2a-protocol.org");
        all.push(r);
    }
    let r = c
        .post(
            "/a2a/jsonrpc",
            &[
                ("content-type", "text/plain"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c.post("/a2a/jsonrpc", &rpc_headers, big.clone()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);

    // A2A HTTP+JSON.
    let rest_headers = [
        ("content-type", "application/a2a+json"),
        ("a2a-version", "1.0"),
        ("authorization", auth.as_str()),
    ];
    let r = c
        .post(
            "/a2a/rest/message:send",
            &rest_headers,
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (400, json!(400)),
        "{}",
        r.text
    );
    assert_eq!(r.json["error"]["status"], "INVALID_ARGUMENT");
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &rest_headers,
            json!({"message": a2a_message("no_such_skill", &json!({}))})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ],
            json!({"message": msg}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["error"]["details"][0]["reason"],
        "VERSION_NOT_SUPPORTED"
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &[
                ("content-type", "text/xml"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            b"<x/>".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/rest/message:send", &rest_headers, big.clone())
        .await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/rest/tasks/abc:cancel", &rest_headers, b"{}".to_vec())
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    all.push(r);

    // MCP.
    let sid = c.mcp_session(TOKEN_AGENT_A).await;
    let mcp_headers = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("authorization", auth.as_str()),
        ("mcp-session-id", sid.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let r = c.post("/mcp", &mcp_headers, b"{not json".to_vec()).await;
    assert_eq!(r.json["error"]["code"], -32700, "{}", r.text);
    all.push(r);
    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "1.0", "id": 3, "method": "ping"}),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32600, "{}", r.text);
    all.push(r);
    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "2.0", "id": 4, "method": "resources/list"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32601)),
        "{}",
        r.text
    );
    all.push(r);
    let r = c
        .mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}}))
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32602)),
        "{}",
        r.text
    );
    all.push(r);
    let mut wrong_ct = mcp_headers.to_vec();
    wrong_ct[0] = ("content-type", "text/plain");
    let r = c.post("/mcp", &wrong_ct, b"{}".to_vec()).await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c.post("/mcp", &mcp_headers, big).await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);
    let r = c.get("/mcp").await;
    assert_eq!(r.status, 405);
    all.push(r);

    for r in &all {
        assert!(r.status < 500, "HTTP {} {}", r.status, r.text);
    }
}

#[tokio::test]
async fn mcp_session_rules() {
    let env = Env::start(Opts::default()).await;
    let c = &env.client;
    let ping = json!({"jsonrpc": "2.0", "id": 11, "method": "ping"});
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), None, &ping).await;
    assert_eq!(r.status, 400, "missing session: {}", r.text);
    let r = c
        .mcp_raw(Some(TOKEN_AGENT_A), Some("no-such-session"), &ping)
        .await;
    assert_eq!(r.status, 404, "unknown session: {}", r.text);

    let sid = c.mcp_session(TOKEN_AGENT_A).await;
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &ping).await;
    assert_eq!(
        (r.status, r.json["result"].clone()),
        (200, json!({})),
        "{}",
        r.text
    );
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let r = c
        .post(
            "/mcp",
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
                ("mcp-session-id", sid.as_str()),
                ("mcp-protocol-version", "2024-11-05"),
            ],
            ping.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "wrong protocol version: {}", r.text);

    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "2.0", "id": 12, "method": "tools/list"}),
        )
        .await;
    let tools = r.json["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 4);
    let handoff_tool = tools
        .iter()
        .find(|t| t["name"] == HANDOFF)
        .expect("handoff tool");
    assert_eq!(handoff_tool["inputSchema"]["type"], "object");
    assert!(handoff_tool["inputSchema"]["properties"]["customer_contact"].is_object());
    assert!(tools.iter().all(|t| t["inputSchema"].is_object()));

    let r = c
        .send(
            reqwest::Method::DELETE,
            "/mcp",
            &[
                ("authorization", auth.as_str()),
                ("mcp-session-id", sid.as_str()),
            ],
            Vec::new(),
        )
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.status);
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &ping).await;
    assert_eq!(r.status, 404, "ended session: {}", r.text);
}
