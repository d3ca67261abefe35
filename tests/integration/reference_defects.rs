//! The defect table: for every [`Defect`], the behaviour it claims to break is observed on a
//! clean reference and on a reference with only that defect injected; the clean server must
//! show the conforming behaviour and the defective one must differ. Observers (SMTP sink,
//! DriveCentric mock) are shared and the probes run one after another.

use std::sync::Arc;
use std::time::Duration;

use crate::support::reference::*;
use chrono::{DateTime, Utc};
use dealer_tck::observe::crm::{CrmMock, CrmMode};
use dealer_tck::observe::smtp::{SmtpFault, SmtpSink};
use dealer_tck::reference::{Defect, TOKEN_AGENT_A, TOKEN_AGENT_B, TOKEN_UNSCOPED};
use dealer_tck::spec::mask_list;
use serde_json::json;

/// A reservation of agent A whose hold has already run out (waits for its own expires_at).
async fn expired_reservation(env: &Env) -> String {
    let r = env.reserve(TOKEN_AGENT_A, Some(1)).await;
    let expires_at = DateTime::parse_from_rfc3339(r["expires_at"].as_str().expect("expires_at"))
        .expect("rfc3339")
        .with_timezone(&Utc);
    loop {
        let now = Utc::now();
        if now > expires_at {
            break;
        }
        let wait = (expires_at - now).to_std().unwrap_or_default() + Duration::from_millis(5);
        tokio::time::sleep(wait).await;
    }
    r["reservation_token"].as_str().expect("token").to_string()
}

/// Observe what `d` claims to break, on a server with `active` injected. Returns
/// (observation, what a conforming server shows).
async fn probe(
    d: Defect,
    active: Option<Defect>,
    sink: &Arc<SmtpSink>,
    crm: &Arc<CrmMock>,
) -> (String, &'static str) {
    use Defect::*;
    sink.set_fault(SmtpFault::None);
    crm.set_mode(CrmMode::Created).await;
    let env = Env::with(
        Opts {
            defect: active,
            sse: false,
            crm: d != DisabledReportedSent,
        },
        sink.clone(),
        crm.clone(),
    )
    .await;
    let c = Canaries::new();
    let a = TOKEN_AGENT_A;
    let jr = Binding::JsonRpc;
    let rsv = env.reservation().await;
    let mails_before = sink.mark();
    let crm_before = crm.requests().await.len();
    let out: (String, &'static str) = match d {
        UnmaskedNextSteps => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            let shown = e["data"]["next_steps"]
                .as_str()
                .unwrap_or("")
                .contains(&c.email);
            (
                format!("plaintext email in next_steps: {shown}"),
                "plaintext email in next_steps: false",
            )
        }
        PlaintextNotes => {
            handoff(&env, jr, a, c.full(&rsv)).await;
            let found = contains(&env.db_bytes(), &c.notes);
            (format!("notes in db: {found}"), "notes in db: false")
        }
        RecordBeforeEmail => {
            sink.set_fault(SmtpFault::Rcpt550);
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (
                format!("{} rows={}", outcome(&e), env.handoff_rows()),
                "UPSTREAM_UNAVAILABLE rows=0",
            )
        }
        CrmFailureFailsCall => {
            crm.set_mode(CrmMode::Status500).await;
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (outcome(&e), "ok")
        }
        AcceptPastConsent => {
            let mut req = c.full(&rsv);
            req["consent"]["expires_at"] = json!("2021-03-04T05:06:07Z");
            (outcome(&handoff(&env, jr, a, req).await), "CONSENT_INVALID")
        }
        TradeInExtraFields => {
            let mut req = c.full(&rsv);
            req["trade_in"]["trim"] = json!("Premium");
            (
                outcome(&handoff(&env, jr, a, req).await),
                "VALIDATION_ERROR",
            )
        }
        SkipOwnership => (
            outcome(&handoff(&env, jr, TOKEN_AGENT_B, c.full(&rsv)).await),
            "NOT_AUTHORIZED",
        ),
        AdfPhoneBeforeEmail => {
            handoff(&env, jr, a, c.full(&rsv)).await;
            let body = crm
                .requests()
                .await
                .pop()
                .map(|r| r.body)
                .unwrap_or_default();
            let email = body.find(&format!("<email>{}</email>", c.email));
            let phone = body.find(&c.phone);
            let order = match (email, phone) {
                (Some(e), Some(p)) if e < p => "email before phone",
                (Some(_), Some(_)) => "phone before email",
                _ => "contact missing",
            };
            (order.to_string(), "email before phone")
        }
        EchoInvalidValue => {
            let mut req = c.full(&rsv);
            let bad = format!("{}-without-at-sign", c.name.replace(' ', "."));
            req["customer_contact"]["email"] = json!(bad);
            let e = handoff(&env, jr, a, req).await;
            (
                format!("{} echoes: {}", outcome(&e), e.to_string().contains(&bad)),
                "VALIDATION_ERROR echoes: false",
            )
        }
        CrmOnSmtpFailure => {
            sink.set_fault(SmtpFault::Data451);
            handoff(&env, jr, a, c.full(&rsv)).await;
            let leads = crm.requests().await.len() - crm_before;
            (
                format!("leads after SMTP failure: {leads}"),
                "leads after SMTP failure: 0",
            )
        }
        AcceptConsentFalse => {
            let mut req = c.full(&rsv);
            req["customer_consent"] = json!(false);
            (
                outcome(&handoff(&env, jr, a, req).await),
                "VALIDATION_ERROR",
            )
        }
        SentToThreeChars => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            let mail = sink.since(mails_before).pop().expect("mail");
            let same = e["data"]["sent_to_masked"] == mask_list(&mail.rcpt_to);
            (format!("masked RCPT TO: {same}"), "masked RCPT TO: true")
        }
        LogCustomerEmail => {
            handoff(&env, jr, a, c.full(&rsv)).await;
            let logged = env.log_text().contains(&c.email);
            (format!("email in log: {logged}"), "email in log: false")
        }
        SentAtLocalOffset => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            let s = e["data"]["sent_at"].as_str().unwrap_or("");
            let utc = s.ends_with("+00:00") || s.ends_with('Z');
            (format!("sent_at in UTC: {utc}"), "sent_at in UTC: true")
        }
        AcceptExpiredReservation => {
            let expired = expired_reservation(&env).await;
            (
                outcome(&handoff(&env, jr, a, c.full(&expired)).await),
                "RESERVATION_EXPIRED",
            )
        }
        AcceptReleasedReservation => {
            env.client
                .call(
                    jr,
                    Some(a),
                    "release_reservation",
                    json!({"reservation_token": rsv}),
                )
                .await
                .expect("release");
            (
                outcome(&handoff(&env, jr, a, c.full(&rsv)).await),
                "RESERVATION_STATE",
            )
        }
        SkipScopeCheck => {
            let r = env
                .client
                .jsonrpc(Some(TOKEN_UNSCOPED), HANDOFF, &c.full(&rsv))
                .await;
            (format!("HTTP {}", r.status), "HTTP 403")
        }
        LoosePhonePattern => {
            let mut req = c.full(&rsv);
            req["customer_contact"]["phone"] = json!("call-me-now");
            (
                outcome(&handoff(&env, jr, a, req).await),
                "VALIDATION_ERROR",
            )
        }
        CrmLeadIdOnFailure => {
            crm.set_mode(CrmMode::Status500).await;
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (
                format!("crm_lead_id {}", e["data"]["crm_lead_id"]),
                "crm_lead_id null",
            )
        }
        WrongMetadataProtocol => {
            let e = handoff(&env, Binding::Mcp, a, c.full(&rsv)).await;
            (e["_metadata"]["protocol"].to_string(), "\"mcp\"")
        }
        McpErrorWithoutIsError => {
            let r = env
                .client
                .mcp_call(a, HANDOFF, &c.full("rsv_never_issued_00000000"))
                .await;
            (
                format!("isError {}", r.json["result"]["isError"]),
                "isError true",
            )
        }
        McpNoStructuredContent => {
            let r = env
                .client
                .mcp_call(a, HANDOFF, &c.full("rsv_never_issued_00000000"))
                .await;
            (
                format!(
                    "structuredContent {}",
                    r.json["result"].get("structuredContent").is_some()
                ),
                "structuredContent true",
            )
        }
        NoVersionCheck => {
            let auth = format!("Bearer {a}");
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "SendMessage",
                "params": {"message": a2a_message("search_inventory", &json!({}))}});
            let r = env
                .client
                .post(
                    "/a2a/jsonrpc",
                    &[
                        ("content-type", "application/json"),
                        ("authorization", auth.as_str()),
                    ],
                    body.to_string().into_bytes(),
                )
                .await;
            (
                format!("HTTP {} {}", r.status, r.json["error"]["code"]),
                "HTTP 400 -32009",
            )
        }
        McpNotificationNot202 => {
            let init = env.client.mcp_initialize(Some(a)).await;
            let sid = init.header("mcp-session-id").expect("MCP-Session-Id");
            let ack = env
                .client
                .mcp_raw(
                    Some(a),
                    Some(&sid),
                    &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                )
                .await;
            (format!("HTTP {}", ack.status), "HTTP 202")
        }
        McpModernDiscoverWithoutVersion => {
            let r = env
                .client
                .mcp_modern(a, "server/discover", json!({}), |_, _| {})
                .await;
            let listed = r.json["result"]["supportedVersions"]
                .as_array()
                .is_some_and(|v| v.iter().any(|v| v == "2026-07-28"));
            (
                format!("lists 2026-07-28: {listed}"),
                "lists 2026-07-28: true",
            )
        }
        McpModernClaimsLegacy => {
            let r = env
                .client
                .mcp_modern(a, "server/discover", json!({}), |_, _| {})
                .await;
            let listed = r.json["result"]["supportedVersions"]
                .as_array()
                .is_some_and(|v| v.iter().any(|v| v == "2025-11-25"));
            let init = env.client.mcp_initialize(Some(a)).await;
            (
                format!(
                    "lists 2025-11-25: {listed}, initialize HTTP {}",
                    init.status
                ),
                "lists 2025-11-25: true, initialize HTTP 200",
            )
        }
        McpModernNoResultType => {
            let r = env
                .client
                .mcp_modern(a, "tools/list", json!({}), |_, _| {})
                .await;
            (
                format!("resultType {}", r.json["result"]["resultType"]),
                "resultType \"complete\"",
            )
        }
        McpModernMethodHeaderUnchecked => {
            let r = env
                .client
                .mcp_modern(a, "tools/list", json!({}), |h, _| {
                    h.retain(|(k, _)| k != "mcp-method")
                })
                .await;
            (
                format!("HTTP {} {}", r.status, r.json["error"]["code"]),
                "HTTP 400 -32020",
            )
        }
        McpModernBareVersionError => {
            let r = env
                .client
                .mcp_modern(a, "tools/list", json!({}), |h, body| {
                    h.retain(|(k, _)| k != "mcp-protocol-version");
                    h.push(("mcp-protocol-version".into(), "2099-01-01".into()));
                    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] =
                        json!("2099-01-01");
                })
                .await;
            (
                format!(
                    "{} supported {}",
                    r.json["error"]["code"],
                    r.json["error"]["data"]["supported"].is_array()
                ),
                "-32022 supported true",
            )
        }
        McpModernMetaOptional => {
            let r = env
                .client
                .mcp_modern(a, "tools/list", json!({}), |_, body| {
                    body["params"] = json!({});
                })
                .await;
            (
                format!("HTTP {} {}", r.status, r.json["error"]["code"]),
                "HTTP 400 -32602",
            )
        }
        McpModernUnknownMethod200 => {
            let r = env
                .client
                .mcp_modern(a, "dealer-tck/none", json!({}), |_, _| {})
                .await;
            (
                format!("HTTP {} {}", r.status, r.json["error"]["code"]),
                "HTTP 404 -32601",
            )
        }
        A2aParseErrorAs500 => {
            let r = env
                .client
                .post_a2a("/a2a/jsonrpc", a, b"{\"jsonrpc\": \"2.0\", ".to_vec())
                .await;
            (
                format!("HTTP {} {}", r.status, r.json["error"]["code"]),
                "HTTP 200 -32700",
            )
        }
        ErrorWithoutMessage => {
            let e = handoff(&env, jr, a, c.full("rsv_never_issued_00000000")).await;
            (
                format!("message {}", e["error"]["message"].is_string()),
                "message true",
            )
        }
        NotFoundAsState => (
            outcome(&handoff(&env, jr, a, c.full("rsv_never_issued_00000000")).await),
            "RESERVATION_NOT_FOUND",
        ),
        CrmWithoutAuth => {
            handoff(&env, jr, a, c.full(&rsv)).await;
            let lead = crm.requests().await.pop().expect("lead");
            let auth = lead
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (
                format!("authorization: {}", auth == format!("Bearer {CRM_TOKEN}")),
                "authorization: true",
            )
        }
        EmailWithoutPhone => {
            handoff(&env, jr, a, c.full(&rsv)).await;
            let mail = sink.since(mails_before).pop().expect("mail");
            (
                format!("phone in email: {}", mail.text.contains(&c.phone)),
                "phone in email: true",
            )
        }
        StatusQueued => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (e["data"]["status"].to_string(), "\"sent\"")
        }
        CrmStatusAlwaysSent => {
            crm.set_mode(CrmMode::Status503).await;
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (e["data"]["crm_status"].to_string(), "\"failed\"")
        }
        EmailBeforeConsentCheck => {
            let mut req = c.full(&rsv);
            req["consent"]["expires_at"] = json!("2021-03-04T05:06:07Z");
            let e = handoff(&env, jr, a, req).await;
            let mails = sink.since(mails_before).len();
            (
                format!("{} mails={mails}", outcome(&e)),
                "CONSENT_INVALID mails=0",
            )
        }
        OversizeNotesAccepted => {
            let mut req = c.full(&rsv);
            req["notes"] = json!("n".repeat(700));
            (
                outcome(&handoff(&env, jr, a, req).await),
                "VALIDATION_ERROR",
            )
        }
        ReceiptWithoutNextSteps => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            (
                format!("next_steps: {}", e["data"]["next_steps"].is_string()),
                "next_steps: true",
            )
        }
        DisabledReportedSent => {
            let e = handoff(&env, jr, a, c.full(&rsv)).await;
            let leads = crm.requests().await.len() - crm_before;
            (
                format!("{} leads={leads}", e["data"]["crm_status"]),
                "\"disabled\" leads=0",
            )
        }
        MissingTokenForbidden => {
            let r = env
                .client
                .jsonrpc(None, "search_inventory", &json!({}))
                .await;
            (format!("HTTP {}", r.status), "HTTP 401")
        }
        // The AAP defects have their own table in tests/integration/reference_aap.rs.
        _ => unreachable!("{d} is an AAP defect"),
    };
    env.server.stop().await;
    out
}

#[tokio::test]
async fn every_defect_flips_the_behaviour_it_claims() {
    let sink = Arc::new(SmtpSink::start(0).expect("sink"));
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/dmc12");
    let clauses = ["clauses.toml", "mcp-modern.toml"]
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("clause catalogue"))
        .concat();
    let mut failures = Vec::new();
    for &d in Defect::ALL.iter().filter(|d| !d.is_aap()) {
        assert!(
            clauses.contains(&format!("id = \"{}\"", d.clause())),
            "{d}: clause {} is not in the catalogue",
            d.clause()
        );
        assert_eq!(Defect::from_name(d.name()), Some(d));
        let (clean, expected) = probe(d, None, &sink, &crm).await;
        let (broken, _) = probe(d, Some(d), &sink, &crm).await;
        if clean != expected {
            failures.push(format!(
                "{d}: the clean reference shows {clean:?}, expected {expected:?}"
            ));
        }
        if broken == clean {
            failures.push(format!("{d}: no observable change ({broken:?})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
