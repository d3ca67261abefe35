//! Wire tests of the A2A clients (`transport::Client` on the JSON-RPC and HTTP+JSON bindings)
//! and of `transport::a2a::fetch_card`, against wiremock servers serving canned replies.

use dealer_tck::transport::a2a::fetch_card;
use dealer_tck::transport::{Binding, Client, ClientConfig, RawRequest, Reply, TransportError};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OP: &str = "initiate_deal_handoff";

fn args() -> Value {
    json!({"reservation_token": "rsv_1", "customer_contact": {"name": "Jane"}})
}

fn envelope() -> Value {
    json!({"data": {"handoff_id": "h1"}, "_metadata": {"trace_id": "trc_1", "tool": OP, "protocol": "a2a"}})
}

fn cfg() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

fn jsonrpc_result(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": result}))
}

async fn jsonrpc_server(reply: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/a2a"))
        .respond_with(reply)
        .mount(&server)
        .await;
    server
}

fn jsonrpc_client(server: &MockServer, cfg: ClientConfig) -> Client {
    Client::new(Binding::A2aJsonrpc, &format!("{}/a2a", server.uri()), cfg)
}

#[tokio::test]
async fn jsonrpc_message_reply_sends_the_fixed_request_shape_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/a2a"))
        .and(header("a2a-version", "1.0"))
        .and(header("authorization", "Bearer tok-a"))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_partial_json(json!({
            "jsonrpc": "2.0",
            "method": "SendMessage",
            "params": {"message": {
                "role": "ROLE_USER",
                "parts": [{"data": args(), "mediaType": "application/json"}],
                "metadata": {"skill": OP}
            }}
        })))
        .respond_with(jsonrpc_result(json!({
            "message": {"role": "ROLE_AGENT", "parts": [{"text": "done"}, {"data": envelope()}]}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = jsonrpc_client(&server, cfg());
    let ex = client
        .call(OP, &args(), Some("tok-a"))
        .await
        .expect("exchange");

    assert_eq!(ex.binding, Binding::A2aJsonrpc);
    assert_eq!(ex.status, 200);
    assert_eq!(
        ex.reply,
        Reply::Op {
            object: envelope(),
            is_error: None,
            text: None,
            where_found: "message.parts[1].data".into()
        }
    );
    assert!(ex.raw_body.contains("handoff_id"));
    assert_eq!(ex.header("Content-Type"), Some("application/json"));
    assert!(ex.headers.iter().all(|(k, _)| *k == k.to_ascii_lowercase()));

    let requests = server.received_requests().await.expect("recording on");
    let sent: Value = requests[0].body_json().expect("JSON body");
    assert_eq!(sent, ex.request_body);
    assert!(sent["id"].is_u64());
    let message_id = sent["params"]["message"]["messageId"]
        .as_str()
        .expect("messageId");
    assert_eq!(
        uuid::Uuid::parse_str(message_id).map(|u| u.get_version_num()),
        Ok(4)
    );
    assert!(sent["params"]["message"]["parts"][0].get("kind").is_none());
}

#[tokio::test]
async fn rest_task_artifact_reply_uses_message_send_and_a2a_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/message:send"))
        .and(header("a2a-version", "1.0"))
        .and(header("content-type", "application/a2a+json"))
        .and(header("authorization", "Bearer tok-a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "task": {"id": "t1", "status": {"state": "TASK_STATE_COMPLETED"},
                     "artifacts": [{"artifactId": "a0", "parts": [{"text": "x"}]},
                                   {"artifactId": "a1", "parts": [{"data": envelope()}]}]}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(Binding::A2aRest, &format!("{}/rest/", server.uri()), cfg());
    let ex = client
        .call(OP, &args(), Some("tok-a"))
        .await
        .expect("exchange");
    assert_eq!(ex.url, format!("{}/rest/message:send", server.uri()));
    assert_eq!(
        ex.reply,
        Reply::Op {
            object: envelope(),
            is_error: None,
            text: None,
            where_found: "task.artifacts[1].parts[0].data".into()
        }
    );
    let requests = server.received_requests().await.expect("recording on");
    let sent: Value = requests[0].body_json().expect("JSON body");
    assert!(sent.get("jsonrpc").is_none());
    assert_eq!(sent["message"]["parts"][0]["data"], args());
    assert_eq!(sent["message"]["metadata"]["skill"], OP);
}

#[tokio::test]
async fn task_status_message_reply_and_legacy_data_part() {
    let server = jsonrpc_server(jsonrpc_result(json!({
        "task": {"id": "t", "status": {"state": "TASK_STATE_REJECTED",
                 "message": {"role": "ROLE_AGENT", "parts": [{"kind": "data", "data": {"error": {"code": "CONSENT_INVALID"}}}]}}}
    })))
    .await;
    let ex = jsonrpc_client(&server, cfg())
        .call(OP, &args(), None)
        .await
        .expect("exchange");
    match ex.reply {
        Reply::Op {
            object,
            where_found,
            ..
        } => {
            assert_eq!(object["error"]["code"], "CONSENT_INVALID");
            assert_eq!(where_found, "task.status.message.parts[0].data");
        }
        other => panic!("expected Op, got {other:?}"),
    }
    // No token given: no Authorization header sent.
    let requests = server.received_requests().await.expect("recording on");
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn jsonrpc_error_is_a_protocol_reply() {
    let server = jsonrpc_server(ResponseTemplate::new(200).set_body_json(json!({
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32009, "message": "Version not supported",
                  "data": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "VERSION_NOT_SUPPORTED"}]}
    })))
    .await;
    let ex = jsonrpc_client(&server, cfg())
        .call(OP, &args(), Some("t"))
        .await
        .expect("exchange");
    match ex.reply {
        Reply::Protocol {
            code,
            message,
            data,
        } => {
            assert_eq!(code, -32009);
            assert_eq!(message, "Version not supported");
            assert_eq!(
                data.and_then(|d| d[0]["reason"].as_str().map(str::to_string)),
                Some("VERSION_NOT_SUPPORTED".into())
            );
        }
        other => panic!("expected Protocol, got {other:?}"),
    }
}

#[tokio::test]
async fn rest_status_error_is_a_protocol_reply() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/message:send"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "bad message",
                      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "VALIDATION_ERROR"}]}
        })))
        .mount(&server)
        .await;
    let client = Client::new(Binding::A2aRest, &server.uri(), cfg());
    let ex = client.call(OP, &args(), Some("t")).await.expect("exchange");
    assert_eq!(ex.status, 400);
    assert_eq!(
        ex.reply,
        Reply::Protocol {
            code: 400,
            message: "bad message".into(),
            data: Some(
                json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "VALIDATION_ERROR"}])
            ),
        }
    );
}

#[tokio::test]
async fn unauthorized_is_an_http_reply_with_www_authenticate() {
    for binding in [Binding::A2aJsonrpc, Binding::A2aRest] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(401)
                    .insert_header("www-authenticate", "Bearer realm=\"dealer\"")
                    .set_body_string("unauthorized"),
            )
            .mount(&server)
            .await;
        let client = Client::new(binding, &format!("{}/a2a", server.uri()), cfg());
        let ex = client
            .call(OP, &args(), Some("never-issued"))
            .await
            .expect("exchange");
        assert_eq!(ex.status, 401, "{binding}");
        assert_eq!(ex.reply, Reply::Http { status: 401 }, "{binding}");
        assert_eq!(
            ex.header("WWW-Authenticate"),
            Some("Bearer realm=\"dealer\"")
        );
        assert_eq!(ex.raw_body, "unauthorized");
    }
}

#[tokio::test]
async fn non_json_success_is_unparseable() {
    let server =
        jsonrpc_server(ResponseTemplate::new(200).set_body_raw("<html>hello</html>", "text/html"))
            .await;
    let ex = jsonrpc_client(&server, cfg())
        .call(OP, &args(), Some("t"))
        .await
        .expect("exchange");
    match &ex.reply {
        Reply::Unparseable { reason } => {
            assert!(reason.starts_with("body is not JSON"), "{reason}");
            assert!(!reason.contains('\n'));
        }
        other => panic!("expected Unparseable, got {other:?}"),
    }
    assert_eq!(ex.raw_body, "<html>hello</html>");
}

#[tokio::test]
async fn hanging_server_is_a_timeout() {
    let server = jsonrpc_server(
        jsonrpc_result(json!({"message": {"parts": [{"data": {}}]}}))
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    let short = ClientConfig {
        timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    };
    let err = jsonrpc_client(&server, short)
        .call(OP, &args(), Some("t"))
        .await
        .expect_err("must time out");
    assert!(
        matches!(err, TransportError::Timeout { ref url, .. } if url.ends_with("/a2a")),
        "{err:?}"
    );
}

#[tokio::test]
async fn oversized_body_is_too_large() {
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(5000)
    );
    let server =
        jsonrpc_server(ResponseTemplate::new(200).set_body_raw(big, "application/json")).await;
    let small = ClientConfig {
        max_body: 1024,
        ..cfg()
    };
    let err = jsonrpc_client(&server, small)
        .call(OP, &args(), Some("t"))
        .await
        .expect_err("must be too large");
    assert!(
        matches!(err, TransportError::TooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

/// An axum server answering every POST with a chunked (no Content-Length) JSON body of
/// `chunks` pieces of 1000 bytes.
async fn chunked_server(chunks: usize) -> String {
    let app = axum::Router::new().route(
        "/a2a",
        axum::routing::post(move || async move {
            let pieces = (0..chunks).map(|_| {
                Ok::<axum::body::Bytes, std::convert::Infallible>(axum::body::Bytes::from(
                    " ".repeat(1000),
                ))
            });
            axum::response::Response::builder()
                .header("content-type", "application/json")
                .body(axum::body::Body::from_stream(futures_util::stream::iter(
                    pieces,
                )))
                .unwrap_or_default()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/a2a")
}

#[tokio::test]
async fn oversized_chunked_body_is_too_large() {
    let small = ClientConfig {
        max_body: 4500,
        ..cfg()
    };
    let url = chunked_server(10).await;
    let err = Client::new(Binding::A2aJsonrpc, &url, small.clone())
        .call(OP, &args(), Some("t"))
        .await
        .expect_err("must be too large");
    assert!(
        matches!(err, TransportError::TooLarge { limit: 4500, .. }),
        "{err:?}"
    );
    // Under the limit the same server is read to the end (and the blank body is unparseable).
    let url = chunked_server(4).await;
    let ex = Client::new(Binding::A2aJsonrpc, &url, small)
        .call(OP, &args(), Some("t"))
        .await
        .expect("exchange");
    assert_eq!(ex.raw_body.len(), 4000);
    assert_eq!(
        ex.reply,
        Reply::Unparseable {
            reason: "body is empty or blank".into()
        }
    );
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::new(Binding::A2aJsonrpc, &format!("http://{addr}/a2a"), cfg());
    let err = client
        .call(OP, &args(), Some("t"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
}

/// A server that answers headers promising 1000 bytes, sends a few, and closes.
async fn truncating_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            // Read the whole request (headers and Content-Length body) first.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let Ok(n) = sock.read(&mut chunk).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"jsonrpc\":\"2.0\",";
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    addr
}

#[tokio::test]
async fn connection_closed_mid_body_is_an_io_error() {
    let addr = truncating_server().await;
    let client = Client::new(Binding::A2aJsonrpc, &format!("http://{addr}/a2a"), cfg());
    let err = client
        .call(OP, &args(), Some("t"))
        .await
        .expect_err("body is cut short");
    assert!(matches!(err, TransportError::Io { .. }), "{err:?}");
}

#[tokio::test]
async fn raw_request_is_sent_verbatim() {
    let server = jsonrpc_server(ResponseTemplate::new(200).set_body_json(json!({
        "jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}
    })))
    .await;
    let client = jsonrpc_client(&server, cfg());
    let body = b"{\"jsonrpc\":\"2.0\",\"id\":1,".to_vec();

    let ex = client
        .raw(RawRequest {
            body: body.clone(),
            content_type: Some("application/json".into()),
            headers: vec![("x-test".into(), "1".into())],
            default_headers: false,
            token: Some("tok".into()),
        })
        .await
        .expect("exchange");
    assert!(matches!(ex.reply, Reply::Protocol { code: -32700, .. }));
    assert_eq!(
        ex.request_body,
        Value::String(String::from_utf8_lossy(&body).into_owned())
    );

    let ex2 = client
        .raw(RawRequest {
            body: br#"{"jsonrpc":"2.0","id":7,"method":"NoSuchMethod"}"#.to_vec(),
            content_type: None,
            headers: vec![],
            default_headers: true,
            token: None,
        })
        .await
        .expect("exchange");
    assert_eq!(ex2.request_body["id"], 7);

    let requests = server.received_requests().await.expect("recording on");
    let first = &requests[0];
    assert_eq!(first.body, body);
    assert!(first.headers.get("a2a-version").is_none());
    assert_eq!(
        first.headers.get("authorization").map(|v| v.as_bytes()),
        Some(&b"Bearer tok"[..])
    );
    assert_eq!(
        first.headers.get("x-test").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let second = &requests[1];
    assert_eq!(
        second.headers.get("a2a-version").map(|v| v.as_bytes()),
        Some(&b"1.0"[..])
    );
    assert!(second.headers.get("content-type").is_none());
    assert!(second.headers.get("authorization").is_none());
}

#[tokio::test]
async fn configured_skill_key_and_version_are_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("a2a-version", "0.9"))
        .and(body_partial_json(
            json!({"params": {"message": {"metadata": {"operation": OP}}}}),
        ))
        .respond_with(jsonrpc_result(
            json!({"message": {"parts": [{"data": envelope()}]}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let custom = ClientConfig {
        skill_key: "operation".into(),
        a2a_version: "0.9".into(),
        ..cfg()
    };
    let ex = jsonrpc_client(&server, custom)
        .call(OP, &args(), Some("t"))
        .await
        .expect("exchange");
    assert!(matches!(ex.reply, Reply::Op { .. }), "{:?}", ex.reply);
}

#[tokio::test]
async fn agent_card_is_fetched_from_the_well_known_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/agent-card.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "Dealer",
            "supportedInterfaces": [
                {"url": "http://127.0.0.1:1/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
                {"url": "http://127.0.0.1:1/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}
            ],
            "skills": [{"id": OP}, {"id": "search_inventory"}],
            "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cards/broken.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("not a card", "text/plain"))
        .mount(&server)
        .await;

    let card = fetch_card(&format!("{}/", server.uri()), &cfg())
        .await
        .expect("card");
    assert_eq!(
        card.interfaces,
        vec![
            (
                "JSONRPC".into(),
                "http://127.0.0.1:1/a2a".into(),
                "1.0".into()
            ),
            (
                "HTTP+JSON".into(),
                "http://127.0.0.1:1/rest".into(),
                "1.0".into()
            ),
        ]
    );
    assert_eq!(card.skills, vec![OP, "search_inventory"]);
    assert!(card.bearer);
    assert_eq!(card.card["name"], "Dealer");

    let err = fetch_card(&format!("{}/cards/broken.json", server.uri()), &cfg())
        .await
        .expect_err("not JSON");
    match err {
        TransportError::Io { detail, url } => {
            assert!(
                detail.starts_with("agent card is not JSON (Content-Type "),
                "{detail}"
            );
            assert!(url.ends_with("/cards/broken.json"));
        }
        other => panic!("expected Io, got {other:?}"),
    }

    let missing = fetch_card(&format!("{}/elsewhere", server.uri()), &cfg())
        .await
        .expect_err("404");
    assert!(matches!(missing, TransportError::Io { ref detail, .. } if detail.contains("404")));
}
