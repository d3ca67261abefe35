use super::*;
use crate::transport::held::Held;
use serde_json::json;

fn ex(status: u16, body: Value, request: Value) -> Exchange {
    let raw = body.to_string();
    let reply = match body.get("error") {
        Some(e) => Reply::Protocol {
            code: e["code"].as_i64().unwrap_or_default(),
            message: e["message"].as_str().unwrap_or_default().to_string(),
            data: e.get("data").cloned(),
        },
        None if (200..300).contains(&status) => Reply::Op {
            object: body["result"].clone(),
            is_error: None,
            text: None,
            where_found: "result".into(),
        },
        None => Reply::Http { status },
    };
    Exchange {
        binding: Binding::McpModern,
        url: "http://t/mcp".into(),
        request_body: request,
        status,
        headers: vec![],
        raw_body: raw,
        reply,
        elapsed: std::time::Duration::ZERO,
        held: Held::none(),
        sent: None,
    }
}

fn discover_answer(result: Value) -> Exchange {
    ex(
        200,
        json!({"jsonrpc": "2.0", "id": 1, "result": result}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover"}),
    )
}

fn error(status: u16, code: i64, data: Value) -> Exchange {
    ex(
        status,
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "no", "data": data}}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
               "params": {"_meta": {META_VERSION_KEY: "2099-01-01"}}}),
    )
}

const META_VERSION_KEY: &str = crate::transport::mcp::META_VERSION;

#[test]
fn discover_needs_the_modern_version_and_tools() {
    let good = discover_answer(json!({
        "supportedVersions": ["2025-11-25", "2026-07-28"],
        "capabilities": {"tools": {}},
        "resultType": "complete"
    }));
    assert_eq!(judge_discover(&good).outcome, Outcome::Pass);
    assert_eq!(speaks_modern(&good), Ok(()));
    assert_eq!(supported_versions(&good), ["2025-11-25", "2026-07-28"]);
    let old_only = discover_answer(json!({
        "supportedVersions": ["2025-11-25"], "capabilities": {}
    }));
    let Outcome::Fail(why) = judge_discover(&old_only).outcome else {
        panic!("passed")
    };
    assert!(
        why.contains("do not include 2026-07-28") && why.contains("no tools"),
        "{why}"
    );
    // A legacy answer to the probe: the era is not spoken, and why.
    let legacy = error(400, -32600, Value::Null);
    assert!(
        speaks_modern(&legacy)
            .unwrap_err()
            .contains("HTTP 400 with JSON-RPC error -32600")
    );
    assert!(speaks_modern(&error(404, -32601, Value::Null)).is_err());
    // One of the era's own errors means the era is spoken.
    assert_eq!(speaks_modern(&error(400, -32022, Value::Null)), Ok(()));
}

#[test]
fn a_listed_legacy_version_must_be_served() {
    let listed = vec!["2025-11-25".to_string(), "2026-07-28".to_string()];
    let modern_only = vec!["2026-07-28".to_string()];
    assert!(matches!(
        judge_discover_versions(&modern_only, None).outcome,
        Outcome::NotApplicable(_)
    ));
    assert!(matches!(
        judge_discover_versions(&listed, None).outcome,
        Outcome::NotTested(_)
    ));
}

#[test]
fn result_type_is_read_from_the_result_json_or_sse() {
    let list = |result: Value| {
        ex(
            200,
            json!({"jsonrpc": "2.0", "id": 7, "result": result}),
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}),
        )
    };
    assert_eq!(
        result_type_fails(&list(json!({"tools": [], "resultType": "complete"}))),
        Some(vec![])
    );
    assert_eq!(
        result_type_fails(&list(json!({"tools": []}))),
        Some(vec![
            "the tools/list result carries no resultType".to_string()
        ])
    );
    assert_eq!(
        result_type_fails(&list(json!({"resultType": "partial"}))).map(|f| f.len()),
        Some(1)
    );
    // No result (a refusal): nothing to judge.
    assert_eq!(result_type_fails(&error(400, -32020, Value::Null)), None);
    // An SSE answer: the event that answers the request's id.
    let mut sse = list(json!({}));
    sse.raw_body = concat!(
        ": ok\n\n",
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n",
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"resultType\":\"complete\"}}\n\n"
    )
    .into();
    assert_eq!(result_type_fails(&sse), Some(vec![]));
}

#[test]
fn refusals_need_their_status_code_and_data() {
    let ok = error(
        400,
        -32022,
        json!({"supported": ["2026-07-28"], "requested": "2099-01-01"}),
    );
    assert_eq!(
        judge_refusal(&ok, "unsupported-version", UNSUPPORTED_VERSION).outcome,
        Outcome::Pass
    );
    let bare = error(400, -32022, Value::Null);
    let Outcome::Fail(why) = judge_refusal(&bare, "v", UNSUPPORTED_VERSION).outcome else {
        panic!("passed")
    };
    assert!(
        why.contains("data.supported") && why.contains("data.requested"),
        "{why}"
    );
    let wrong_status = error(200, -32601, Value::Null);
    let Outcome::Fail(why) = judge_refusal(&wrong_status, "m", UNKNOWN_METHOD).outcome else {
        panic!("passed")
    };
    assert!(
        why.contains("HTTP 200") && why.contains("expected HTTP 404"),
        "{why}"
    );
    assert_eq!(
        judge_refusal(&error(400, -32020, Value::Null), "h", HEADER_MISMATCH).outcome,
        Outcome::Pass
    );
    assert!(matches!(
        judge_refusal(&error(400, -32600, Value::Null), "h", HEADER_MISMATCH).outcome,
        Outcome::Fail(_)
    ));
}
