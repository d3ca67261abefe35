use super::*;
use serde_json::json;

fn handoff() -> Value {
    json!({
        "reservation_token": "rsv_0123456789",
        "customer_contact": {"name": "Jane Doe", "phone": "+15555551234", "email": "jane@example.com"},
        "customer_consent": true,
        "trade_in": {"appraised_value_partner": {"amount": 18500, "currency": "USD"}, "year": 2019},
        "consent": {"expires_at": "2026-06-01T00:00:00Z", "allowed_channels": ["email"]}
    })
}

#[test]
fn handoff_request_round_trips_with_numbers_compared_numerically() {
    let v = handoff();
    let back = round_trip(ModelKind::HandoffRequest, &v).expect("parses");
    // 18500 comes back as 18500.0: different JSON text, the same number.
    assert_eq!(
        back["trade_in"]["appraised_value_partner"]["amount"],
        json!(18500.0)
    );
    assert_ne!(back, v);
    assert_eq!(json_diff(&v, &back), Vec::<String>::new());
    // The timestamp is kept as written ("Z", not "+00:00").
    assert_eq!(back["consent"]["expires_at"], "2026-06-01T00:00:00Z");
}

#[test]
fn trade_in_and_consent_forbid_extra_fields_but_the_root_ignores_them() {
    let mut v = handoff();
    v["trade_in"]["colour"] = json!("blue");
    let e = round_trip(ModelKind::HandoffRequest, &v).expect_err("trade_in extra");
    assert!(e.contains("colour"), "{e}");
    let mut v = handoff();
    v["consent"]["scope"] = json!(["x"]);
    assert!(round_trip(ModelKind::HandoffRequest, &v).is_err());
    let mut v = handoff();
    v["colour"] = json!("blue");
    let back = round_trip(ModelKind::HandoffRequest, &v).expect("root extra ignored");
    assert_eq!(json_diff(&v, &back), vec!["/colour: dropped".to_string()]);
}

#[test]
fn consent_false_and_naive_timestamps_are_refused() {
    let mut v = handoff();
    v["customer_consent"] = json!(false);
    assert!(round_trip(ModelKind::HandoffRequest, &v).is_err());
    let mut v = handoff();
    v["consent"]["expires_at"] = json!("2026-06-01T00:00:00");
    assert!(round_trip(ModelKind::HandoffRequest, &v).is_err());
}

#[test]
fn receipt_keeps_null_and_absent_crm_lead_id_apart() {
    let base = json!({
        "data": {"handoff_token": "hnd_1", "sent_to_masked": "be****@x.com", "sent_at": "2026-05-27T18:22:01+00:00",
                 "status": "sent", "crm_status": "disabled", "crm_lead_id": null, "next_steps": "n"},
        "_metadata": {"trace_id": "trc_1", "tool": "initiate_deal_handoff", "protocol": "mcp"}
    });
    let back = round_trip(ModelKind::HandoffEnvelope, &base).expect("parses");
    assert_eq!(json_diff(&base, &back), Vec::<String>::new());
    let mut absent = base.clone();
    absent["data"]
        .as_object_mut()
        .expect("obj")
        .remove("crm_lead_id");
    let back = round_trip(ModelKind::HandoffEnvelope, &absent).expect("parses");
    assert!(back["data"].get("crm_lead_id").is_none());
    let err = json!({"error": {"code": "CONSENT_INVALID", "message": "m"}, "_metadata": base["_metadata"]});
    let back = round_trip(ModelKind::HandoffEnvelope, &err).expect("parses");
    assert_eq!(json_diff(&err, &back), Vec::<String>::new());
    let mut bad = base.clone();
    bad["data"]["crm_status"] = json!("queued");
    assert!(round_trip(ModelKind::HandoffEnvelope, &bad).is_err());
}

#[test]
fn aap_objects_keep_unknown_members() {
    let v = json!({
        "type": "lead.submit.request",
        "customer": {"first_name": "A", "last_name": "B", "email": "a@example.com", "nickname": "x"},
        "consent": {"scope": ["lead_submission"], "expires_at": "whenever"},
        "vehicle_of_interest": {"vin": "1HGCY2F57RA000001", "price": 32995, "colour": "red"},
        "source_agent": "s",
        "x-extension": {"a": [1, 2.5]}
    });
    let back = round_trip(ModelKind::LeadSubmitRequest, &v).expect("parses");
    assert_eq!(json_diff(&v, &back), Vec::<String>::new());
    let mut wrong = v.clone();
    wrong["type"] = json!("lead.general.request");
    assert!(round_trip(ModelKind::LeadSubmitRequest, &wrong).is_err());
}

#[test]
fn json_diff_reports_each_kind_of_difference() {
    let a = json!({"a": 1, "b": [1, 2], "c": "x", "d": {"e": true}});
    let b = json!({"a": 1.5, "b": [1], "c": 3, "d": {}, "f": null});
    let d = json_diff(&a, &b);
    assert_eq!(
        d,
        vec![
            "/a: number 1 became 1.5".to_string(),
            "/b: 2 items became 1".to_string(),
            "/c: string became number".to_string(),
            "/d/e: dropped".to_string(),
            "/f: added".to_string(),
        ]
    );
    assert!(json_diff(&json!(3), &json!(3.0)).is_empty());
}
