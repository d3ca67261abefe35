use super::*;

#[test]
fn message_shape_follows_a2a_1_0() {
    let m = message("skill", "initiate_deal_handoff", &json!({"a": 1}));
    assert_eq!(m["role"], "ROLE_USER");
    assert_eq!(m["parts"][0]["data"], json!({"a": 1}));
    assert_eq!(m["parts"][0]["mediaType"], "application/json");
    assert!(m["parts"][0].get("kind").is_none());
    assert_eq!(m["metadata"]["skill"], "initiate_deal_handoff");
    let id = m["messageId"].as_str().unwrap_or_default();
    let parsed = uuid::Uuid::parse_str(id);
    assert_eq!(parsed.map(|u| u.get_version_num()).ok(), Some(4));
}

#[test]
fn message_shape_follows_a2a_0_3() {
    let m = message_for(A2aProfile::V0_3, "skill", "lead.submit", &json!({"a": 1}));
    assert_eq!(m["kind"], "message");
    assert_eq!(m["role"], "user");
    assert_eq!(m["parts"], json!([{"kind": "data", "data": {"a": 1}}]));
    assert_eq!(m["metadata"]["skill"], "lead.submit");
    assert!(uuid::Uuid::parse_str(m["messageId"].as_str().unwrap_or_default()).is_ok());
    assert_eq!(
        message_for(A2aProfile::V1_0, "skill", "x", &json!({}))["role"],
        "ROLE_USER"
    );
}

#[test]
fn profile_endpoints_methods_and_headers() {
    let cfg = |p| ClientConfig {
        a2a_profile: p,
        ..ClientConfig::default()
    };
    let rest = A2aClient::new(
        Binding::A2aRest,
        "http://h/a2a/rest/",
        cfg(A2aProfile::V0_3),
    );
    assert_eq!(rest.endpoint(), "http://h/a2a/rest/v1/message:send");
    assert_eq!(rest.content_type(), "application/json");
    assert!(
        rest.default_headers()
            .iter()
            .all(|(k, _)| k != "a2a-version")
    );
    let rest1 = A2aClient::new(Binding::A2aRest, "http://h/a2a/rest", cfg(A2aProfile::V1_0));
    assert_eq!(rest1.endpoint(), "http://h/a2a/rest/message:send");
    assert_eq!(rest1.content_type(), REST_CONTENT_TYPE);
    assert!(
        rest1
            .default_headers()
            .contains(&("a2a-version".to_string(), "1.0".to_string()))
    );
    let rpc = A2aClient::new(Binding::A2aJsonrpc, "http://h/a2a", cfg(A2aProfile::V0_3));
    let body = rpc.request_body("lead.general", &json!({"m": 1}), 7);
    assert_eq!(body["method"], "message/send");
    assert_eq!(body["id"], 7);
    assert_eq!(body["params"]["message"]["parts"][0]["kind"], "data");
    let rpc1 = A2aClient::new(Binding::A2aJsonrpc, "http://h/a2a", cfg(A2aProfile::V1_0));
    assert_eq!(
        rpc1.request_body("x", &json!({}), 1)["method"],
        "SendMessage"
    );
    assert_eq!(ClientConfig::default().a2a_profile, A2aProfile::V1_0);
    assert_eq!("0.3".parse::<A2aProfile>(), Ok(A2aProfile::V0_3));
    assert!("2.0".parse::<A2aProfile>().is_err());
}

#[test]
fn result_object_found_in_each_place() {
    let msg = json!({"message": {"parts": [{"text": "hi"}, {"data": {"x": 1}}]}});
    assert_eq!(
        find_result_object(&msg),
        Ok((json!({"x": 1}), "message.parts[1].data".to_string()))
    );
    let art = json!({"task": {"artifacts": [{"parts": [{"text": "t"}]}, {"parts": [{"kind": "data", "data": {"y": 2}}]}]}});
    assert_eq!(
        find_result_object(&art),
        Ok((
            json!({"y": 2}),
            "task.artifacts[1].parts[0].data".to_string()
        ))
    );
    let status = json!({"task": {"status": {"state": "TASK_STATE_REJECTED", "message": {"parts": [{"data": {"z": 3}}]}}}});
    assert_eq!(
        find_result_object(&status),
        Ok((
            json!({"z": 3}),
            "task.status.message.parts[0].data".to_string()
        ))
    );
    let legacy = json!({"kind": "message", "parts": [{"kind": "data", "data": {"w": 4}}]});
    assert_eq!(
        find_result_object(&legacy),
        Ok((json!({"w": 4}), "parts[0].data".to_string()))
    );
    let empty = json!({"task": {"status": {"state": "TASK_STATE_FAILED"}}});
    let err = find_result_object(&empty).err().unwrap_or_default();
    assert!(err.contains("TASK_STATE_FAILED"), "{err}");
    assert!(find_result_object(&json!({"other": 1})).is_err());
    assert!(find_result_object(&json!([1])).is_err());
}

#[test]
fn jsonrpc_decoding() {
    let b = Binding::A2aJsonrpc;
    let err = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32009,"message":"nope","data":[{"reason":"X"}]}}"#;
    assert_eq!(
        decode_reply(b, 200, err),
        Reply::Protocol {
            code: -32009,
            message: "nope".into(),
            data: Some(json!([{"reason": "X"}]))
        }
    );
    // Same error on HTTP 400 is still decoded.
    assert!(matches!(
        decode_reply(b, 400, err),
        Reply::Protocol { code: -32009, .. }
    ));
    assert_eq!(decode_reply(b, 401, b"denied"), Reply::Http { status: 401 });
    assert!(matches!(
        decode_reply(b, 200, b"<html>"),
        Reply::Unparseable { .. }
    ));
    assert!(matches!(
        decode_reply(b, 200, br#"{"jsonrpc":"2.0","id":1}"#),
        Reply::Unparseable { .. }
    ));
    assert!(matches!(
        decode_reply(b, 200, br#"{"jsonrpc":"2.0","id":1,"result":{"message":{"parts":[{"data":{}}]}}}"#),
        Reply::Op { ref where_found, .. } if where_found == "message.parts[0].data"
    ));
}

#[test]
fn rest_decoding() {
    let b = Binding::A2aRest;
    let status = br#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT","details":[{"reason":"R"}]}}"#;
    assert_eq!(
        decode_reply(b, 400, status),
        Reply::Protocol {
            code: 400,
            message: "bad".into(),
            data: Some(json!([{"reason": "R"}]))
        }
    );
    let no_code = br#"{"error":{"message":"bad"}}"#;
    assert!(matches!(
        decode_reply(b, 422, no_code),
        Reply::Protocol { code: 422, .. }
    ));
    assert_eq!(decode_reply(b, 503, b""), Reply::Http { status: 503 });
    assert!(matches!(
        decode_reply(b, 200, br#"{"task":{"artifacts":[{"parts":[{"data":{"ok":true}}]}]}}"#),
        Reply::Op { ref object, .. } if object == &json!({"ok": true})
    ));
}

#[test]
fn card_shapes() {
    let v1 = AgentCard::from_json(json!({
        "supportedInterfaces": [
            {"url": "http://h/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
            {"url": "http://h/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}
        ],
        "skills": [{"id": "initiate_deal_handoff"}, {"id": "search_inventory"}, {"name": "no id"}],
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
    }));
    assert_eq!(v1.interfaces.len(), 2);
    assert_eq!(v1.interface_url("http+json"), Some("http://h/rest"));
    assert_eq!(v1.skills, vec!["initiate_deal_handoff", "search_inventory"]);
    assert!(v1.bearer);

    let v03 = AgentCard::from_json(json!({
        "url": "http://h/a2a", "preferredTransport": "JSONRPC", "protocolVersion": "0.3.0",
        "additionalInterfaces": [{"url": "http://h/a2a", "transport": "JSONRPC"}, {"url": "http://h/v1", "transport": "HTTP+JSON"}],
        "securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}
    }));
    assert_eq!(
        v03.interfaces,
        vec![
            ("JSONRPC".into(), "http://h/a2a".into(), "0.3.0".into()),
            ("HTTP+JSON".into(), "http://h/v1".into(), "0.3.0".into()),
        ]
    );
    assert!(v03.bearer);
    assert!(
        !AgentCard::from_json(json!({"securitySchemes": {"k": {"apiKeySecurityScheme": {}}}}))
            .bearer
    );
}

#[test]
fn card_url_rules() {
    assert_eq!(
        card_url("http://h:1/"),
        "http://h:1/.well-known/agent-card.json"
    );
    assert_eq!(card_url("http://h/card.json"), "http://h/card.json");
}
