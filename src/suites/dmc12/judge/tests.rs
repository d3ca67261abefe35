use super::*;
use serde_json::json;
use std::time::Duration;

fn exchange(binding: Binding, reply: Reply, elapsed: Duration) -> Exchange {
    Exchange {
        binding,
        url: "http://127.0.0.1:1/x".into(),
        request_body: Value::Null,
        status: 200,
        headers: vec![],
        raw_body: String::new(),
        reply,
        elapsed,
        held: crate::transport::held::Held::none(),
        sent: None,
    }
}

fn crm_request(body: &str, lead_id: Option<&str>) -> CrmRequest {
    CrmRequest {
        seq: 0,
        method: "POST".into(),
        path: "/api/stores/S1/leads/adf".into(),
        headers: vec![
            ("content-type".into(), "application/xml".into()),
            ("authorization".into(), "Bearer crm-secret".into()),
        ],
        body: body.into(),
        lead_id: lead_id.map(str::to_string),
    }
}

fn receipt(crm_status: &str, crm_lead_id: Value) -> Reply {
    Reply::Op {
        object: json!({"data": {"handoff_token": "hnd_1", "status": "sent",
            "crm_status": crm_status, "crm_lead_id": crm_lead_id}}),
        is_error: None,
        text: None,
        where_found: "message.parts[0].data".into(),
    }
}

/// One observed call over A2A JSON-RPC without mails.
fn case_obs<'a>(
    ex: &'a Exchange,
    request: &'a Value,
    crm: &'a [CrmRequest],
    scanner: &'a LeakScanner,
) -> CaseObs<'a> {
    CaseObs {
        binding: Binding::A2aJsonrpc,
        case_id: "c",
        request,
        exchange: ex,
        mails: &[],
        crm,
        t0: Utc::now(),
        t1: Utc::now(),
        scanner,
    }
}

/// Judge `reply` as a CRM-fault call with the mock in `mode` and `crm` received.
fn crm_fault(
    reply: Reply,
    elapsed: Duration,
    crm: &[CrmRequest],
    mode: CrmMode,
) -> Vec<Evaluation> {
    let ex = exchange(Binding::A2aJsonrpc, reply, elapsed);
    let scanner = LeakScanner::new(vec![]);
    let request = json!({});
    let obs = case_obs(&ex, &request, crm, &scanner);
    let rules = CodeRules::default();
    let ctx = JudgeCtx {
        rules: &rules,
        crm: CrmSetup::Enabled {
            store_id: "S1",
            token: "crm-secret",
            mode,
        },
        clock_skew: Duration::from_secs(5),
        desk: &[],
    };
    judge_crm_fault(&obs, &ctx)
}

fn outcome_of<'e>(evals: &'e [Evaluation], clause: &str) -> &'e Outcome {
    &evals
        .iter()
        .find(|e| e.clause == clause)
        .unwrap_or_else(|| panic!("no {clause} in {evals:?}"))
        .outcome
}

const ADF: &str = "<?xml version=\"1.0\"?><adf><prospect><id sequence=\"1\" source=\"dealer\">hnd_1</id><requestdate>2026-01-01T00:00:00Z</requestdate><vehicle><year>2024</year><make>A</make><model>B</model></vehicle><customer><contact><name part=\"full\">X</name><email>x@example.com</email></contact></customer><vendor><contact><name part=\"full\">D</name></contact></vendor></prospect></adf>";

/// Judge `reply` as an SMTP-fault call under `rules`; the EMAIL-FAIL-001 outcome.
fn smtp_fault(reply: Reply, rules: &CodeRules) -> Outcome {
    let ex = exchange(Binding::A2aJsonrpc, reply, Duration::ZERO);
    let scanner = LeakScanner::new(vec![]);
    let request = json!({});
    let obs = case_obs(&ex, &request, &[], &scanner);
    let ctx = JudgeCtx {
        rules,
        crm: CrmSetup::Unobserved,
        clock_skew: Duration::from_secs(5),
        desk: &[],
    };
    outcome_of(&judge_smtp_fault(&obs, &ctx), "DMC12-EMAIL-FAIL-001").clone()
}

fn op(object: Value) -> Reply {
    Reply::Op {
        object,
        is_error: None,
        text: None,
        where_found: "message.parts[0].data".into(),
    }
}

#[test]
fn the_email_failure_reason_is_found_wherever_the_error_code_is() {
    let default = CodeRules::default();
    // BINDINGS.md's envelope.
    let standard = op(
        json!({"error": {"code": "UPSTREAM_UNAVAILABLE", "message": "m",
                                        "reason": "email_send_failed"}}),
    );
    assert_eq!(smtp_fault(standard, &default), Outcome::Pass);
    // The code moved by the profile, the reason beside it under another name.
    let moved_rules = CodeRules {
        pointers: vec!["/error/errorCode".into()],
        ..CodeRules::default()
    };
    let moved = op(json!({"error": {"errorCode": "UPSTREAM_UNAVAILABLE",
                                     "details": {"cause": "email_send_failed"}}}));
    assert_eq!(smtp_fault(moved, &moved_rules), Outcome::Pass);
    // An A2A protocol error: the code in error.data[].reason, the reason in its metadata.
    let protocol = Reply::Protocol {
        code: -32603,
        message: "upstream".into(),
        data: Some(json!([{"reason": "UPSTREAM_UNAVAILABLE",
                           "metadata": {"reason": "email_send_failed"}}])),
    };
    assert_eq!(smtp_fault(protocol, &default), Outcome::Pass);
    // The right code without the reason, or the wrong code, fails.
    let bare = op(json!({"error": {"code": "UPSTREAM_UNAVAILABLE", "message": "m"}}));
    assert!(
        matches!(smtp_fault(bare, &default), Outcome::Fail(d) if d.contains("email_send_failed"))
    );
    let wrong = op(json!({"error": {"code": "INTERNAL", "reason": "email_send_failed"}}));
    assert!(
        matches!(smtp_fault(wrong, &default), Outcome::Fail(d) if d.contains("expected UPSTREAM_UNAVAILABLE"))
    );
}

#[test]
fn a_slow_crm_the_server_waited_out_is_not_tested_not_failed() {
    let slow = CrmMode::Slow(Duration::from_secs(3));
    let crm = [crm_request(ADF, Some("lead-77"))];
    // The receipt echoes the mock's leadId: the server got the answer.
    let e = crm_fault(
        receipt("sent", json!("lead-77")),
        Duration::from_millis(10),
        &crm,
        slow,
    );
    assert!(
        matches!(outcome_of(&e, "DMC12-CRM-BESTEFFORT-001"), Outcome::NotTested(m) if m.contains("crm_timeout_ms")),
        "{e:?}"
    );
    assert_eq!(outcome_of(&e, "DMC12-RCPT-CRMSTATUS-001"), &Outcome::Pass);
    // No lead id, but the call outlasted the delay.
    let e = crm_fault(
        receipt("sent", Value::Null),
        Duration::from_secs(4),
        &crm,
        slow,
    );
    assert!(
        matches!(
            outcome_of(&e, "DMC12-CRM-BESTEFFORT-001"),
            Outcome::NotTested(_)
        ),
        "{e:?}"
    );
    // `sent` before the mock could have answered is a lie.
    let e = crm_fault(
        receipt("sent", Value::Null),
        Duration::from_millis(10),
        &crm,
        slow,
    );
    assert!(
        matches!(outcome_of(&e, "DMC12-CRM-BESTEFFORT-001"), Outcome::Fail(_)),
        "{e:?}"
    );
    assert!(
        matches!(outcome_of(&e, "DMC12-RCPT-CRMSTATUS-001"), Outcome::Fail(_)),
        "{e:?}"
    );
    // The timeout worked: failed, no lead id.
    let e = crm_fault(
        receipt("failed", Value::Null),
        Duration::from_millis(10),
        &crm,
        slow,
    );
    assert_eq!(outcome_of(&e, "DMC12-CRM-BESTEFFORT-001"), &Outcome::Pass);
    assert_eq!(outcome_of(&e, "DMC12-RCPT-CRMLEADID-001"), &Outcome::Pass);
}

#[test]
fn crm_lead_id_is_the_crm_answer_or_the_adf_id_and_nothing_else() {
    let crm = [crm_request(ADF, Some("lead-9"))];
    let slow = CrmMode::Slow(Duration::from_millis(1));
    for (id, ok) in [
        (json!("lead-9"), true),
        (json!("hnd_1"), true),
        (json!("foreign-1"), false),
        (json!(7), false),
    ] {
        let e = crm_fault(
            receipt("sent", id.clone()),
            Duration::from_secs(1),
            &crm,
            slow,
        );
        let o = outcome_of(&e, "DMC12-RCPT-CRMLEADID-001");
        assert_eq!(matches!(o, Outcome::Pass), ok, "{id}: {o:?}");
    }
    // Set although the CRM failed.
    let e = crm_fault(
        receipt("failed", json!("lead-9")),
        Duration::ZERO,
        &crm,
        CrmMode::Status500,
    );
    assert!(
        matches!(outcome_of(&e, "DMC12-RCPT-CRMLEADID-001"), Outcome::Fail(m) if m.contains("failed")),
        "{e:?}"
    );
}

#[test]
fn an_mcp_result_without_structured_content_fails_its_binding_clause() {
    let object = json!({"error": {"code": "RESERVATION_NOT_FOUND", "message": "m"}});
    let text = Some(object.to_string());
    for (where_found, ok) in [("structuredContent", true), ("content[0].text", false)] {
        let ex = exchange(
            Binding::Mcp,
            Reply::Op {
                object: object.clone(),
                is_error: Some(true),
                text: text.clone(),
                where_found: where_found.into(),
            },
            Duration::ZERO,
        );
        let scanner = LeakScanner::new(vec![]);
        let request = json!({});
        let obs = CaseObs {
            binding: Binding::Mcp,
            ..case_obs(&ex, &request, &[], &scanner)
        };
        let mut out = Out {
            obs: &obs,
            evals: vec![],
        };
        judge_common(&mut out);
        let o = outcome_of(&out.evals, "BIND-MCP-RESULT-001");
        assert_eq!(matches!(o, Outcome::Pass), ok, "{where_found}: {o:?}");
    }
}

#[test]
fn lead_phones_match_in_international_or_national_form() {
    for ok in [
        "+15555551234",
        "+1 (555) 555-1234",
        "(555) 555-1234",
        "1-555-555-1234",
    ] {
        assert!(same_phone(ok, "+15555551234"), "{ok}");
    }
    assert!(same_phone("020 7946 0958", "+442079460958"));
    for bad in ["(555) 555-1235", "555-1234", "+25555551234", ""] {
        assert!(!same_phone(bad, "+15555551234"), "{bad}");
    }
}

#[test]
fn masked_tokens_are_found() {
    let t = masked_tokens("A sales manager will contact ja****@example.com within 1 business day.");
    assert_eq!(t, vec!["ja****@example.com".to_string()]);
    let t = masked_tokens("contact jan****@example.com.");
    assert_eq!(t, vec!["jan****@example.com".to_string()]);
}

#[test]
fn numeric_json_equality() {
    assert!(json_eq(
        &serde_json::json!({"a": [3]}),
        &serde_json::json!({"a": [3.0]})
    ));
    assert!(!json_eq(
        &serde_json::json!({"a": 3}),
        &serde_json::json!({"a": 4})
    ));
}
