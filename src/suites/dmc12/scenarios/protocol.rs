//! The binding scenarios: the A2A protocol checks and the bearer-token checks (401, 403) of one transport.

use super::*;
use crate::check::{Evaluation, Outcome, bindings};
use crate::run::{Ledger, not_tested};
use crate::suites::dmc12::plan::{self as generate};
use crate::transport::{Binding, RawRequest, a2a};
use serde_json::json;

pub(crate) async fn a2a_protocol(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let token = Some(s.target_tokens.agent_a.clone());
    // A well-formed request built exactly as the client builds it (skill placement included).
    let good = a2a::A2aClient::new(b, "", client_cfg(s.opts)).request_body(
        &s.opts.fixture_tools[0],
        &json!({}),
        1,
    );
    let ct = if b == Binding::A2aRest {
        "application/a2a+json"
    } else {
        "application/json"
    };
    let raw = |body: Vec<u8>, headers: Vec<(String, String)>, defaults: bool| RawRequest {
        body,
        content_type: Some(ct.into()),
        headers,
        default_headers: defaults,
        token: token.clone(),
    };
    // Unsupported version.
    let req = raw(
        serde_json::to_vec(&good).unwrap_or_default(),
        vec![("A2A-Version".into(), "99.0".into())],
        false,
    );
    match s.raw(ledger, req).await {
        Ok(ex) => ledger.push(bindings::judge_version(&ex)),
        Err(e) => ledger.push(Evaluation::new(
            "BIND-A2A-VERSION-001",
            "a2a-version",
            Some(b),
            "unsupported-a2a-version",
            Outcome::Error(e.to_string()),
        )),
    }
    let mut cases: Vec<(&str, Vec<u8>, i64)> = vec![(
        "malformed-json",
        b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ".to_vec(),
        if b == Binding::A2aRest { 400 } else { -32700 },
    )];
    if b == Binding::A2aJsonrpc {
        let mut wrong = good.clone();
        wrong["jsonrpc"] = json!("1.0");
        cases.push((
            "jsonrpc-1.0",
            serde_json::to_vec(&wrong).unwrap_or_default(),
            -32600,
        ));
        let mut unknown = good.clone();
        unknown["method"] = json!("FlyToTheMoon");
        cases.push((
            "unknown-method",
            serde_json::to_vec(&unknown).unwrap_or_default(),
            -32601,
        ));
    }
    for (name, body, expected) in cases {
        match s.raw(ledger, raw(body, vec![], true)).await {
            Ok(ex) => ledger.push(bindings::judge_protocol_error(&ex, name, expected)),
            Err(e) => ledger.push(Evaluation::new(
                "BIND-A2A-ERRORS-001",
                "a2a-protocol-errors",
                Some(b),
                name,
                Outcome::Error(e.to_string()),
            )),
        }
    }
}

pub(crate) async fn auth(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let case = generate::edge_cases(&format!("{}au", s.salt)).remove(0);
    let (rsv, _) = match s.acquire(ledger, &a, None).await {
        Ok(r) => r,
        Err(why) => {
            ledger.extend(not_tested(
                &[
                    ("DMC12-AUTH-001", "auth-401"),
                    ("DMC12-AUTH-002", "auth-403"),
                ],
                Some(b),
                "auth",
                &why,
            ));
            return;
        }
    };
    let req = case.with_token(&rsv);
    let unknown = s.target_tokens.unknown.clone();
    for (id, token) in [
        ("no-token", None),
        ("unknown-token", Some(unknown.as_str())),
    ] {
        match s.exec(ledger, req.clone(), token).await {
            Ok(x) => {
                ledger.push(bindings::judge_http_refusal(&x.exchange, id, 401));
                side_effect_free(s, ledger, &x, &case, id);
            }
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-AUTH-001",
                "auth-401",
                Some(b),
                id,
                Outcome::Error(e.to_string()),
            )),
        }
    }
    match s.target_tokens.unscoped.clone() {
        None => ledger.extend(not_tested(
            &[("DMC12-AUTH-002", "auth-403")],
            Some(b),
            "unscoped-token",
            "the target profile names no token without deal:handoff",
        )),
        Some(u) => match s.exec(ledger, req.clone(), Some(&u)).await {
            Ok(x) => {
                ledger.push(bindings::judge_http_refusal(
                    &x.exchange,
                    "unscoped-token",
                    403,
                ));
                side_effect_free(s, ledger, &x, &case, "unscoped-token");
            }
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-AUTH-002",
                "auth-403",
                Some(b),
                "unscoped-token",
                Outcome::Error(e.to_string()),
            )),
        },
    }
    s.release(ledger, &rsv, &a).await;
}
