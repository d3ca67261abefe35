//! Every error code of the AAP contract, and the validation messages that name the rule.

use super::*;

/// One refused request: the code, the field the error names, and values that must not appear.
struct Refusal {
    what: &'static str,
    skill: &'static str,
    request: Value,
    code: &'static str,
    field: &'static str,
    hidden: Vec<String>,
}

#[tokio::test]
async fn every_error_code_of_the_contract() {
    let env = Aap::clean().await;
    let secret = "SECRET-canary-7731";
    let mut cases = Vec::new();
    let mut add = |what, skill, request, code, field, hidden: &[&str]| {
        cases.push(Refusal {
            what,
            skill,
            request,
            code,
            field,
            hidden: hidden.iter().map(|s| s.to_string()).collect(),
        });
    };
    let p = Person::new();

    // CONTACT_CONSENT_REQUIRED
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("consent");
    add(
        "consent missing",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent",
        &[],
    );
    let mut r = p.submit();
    r["consent"]["scope"] = json!(["lead_submission", "marketing"]);
    add(
        "scope not exact",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["consent"]["scope"] = json!(["general_inquiry"]);
    add(
        "scope wrong",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["consent"]
        .as_object_mut()
        .expect("object")
        .remove("scope");
    add(
        "scope missing",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["customer"]["preferred_contact"] = json!("sms");
    add(
        "channel not allowed",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "customer.preferred_contact",
        &[],
    );
    let mut r = p.general("q");
    r.as_object_mut().expect("object").remove("consent");
    add(
        "general: customer without consent",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent",
        &[],
    );
    let mut r = p.general("q");
    r["consent"]["scope"] = json!(["lead_submission"]);
    add(
        "general: scope without general_inquiry",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]["preferred_contact"] = json!("phone");
    add(
        "general: channel not allowed",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "customer.preferred_contact",
        &[],
    );

    // INVALID_CONDITION, both directions
    let mut voi = crv();
    voi["condition"] = json!("good");
    add(
        "VOI trade-in word",
        "lead.submit",
        p.submit_vehicle(voi),
        "INVALID_CONDITION",
        "vehicle_of_interest.condition",
        &[],
    );
    let mut r = p.submit();
    r["trade_in"] =
        json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": "new"});
    add(
        "trade-in sale word",
        "lead.submit",
        r,
        "INVALID_CONDITION",
        "trade_in.condition",
        &[],
    );
    // ... checked before the schema and before consent.
    let mut voi = crv();
    voi["condition"] = json!("poor");
    let mut r = p.submit_vehicle(voi);
    r.as_object_mut().expect("object").remove("consent");
    r["message"] = json!("m".repeat(4001));
    add(
        "condition first",
        "lead.submit",
        r,
        "INVALID_CONDITION",
        "vehicle_of_interest.condition",
        &[],
    );

    // VALIDATION_ERROR
    let mut voi = crv();
    voi["condition"] = json!(secret);
    add(
        "condition in neither vocabulary",
        "lead.submit",
        p.submit_vehicle(voi),
        "VALIDATION_ERROR",
        "vehicle_of_interest.condition",
        &[secret],
    );
    let mut r = p.submit();
    r["trade_in"] =
        json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": secret});
    add(
        "trade-in condition in neither",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "trade_in.condition",
        &[secret],
    );
    let mut r = p.submit();
    r["message"] = json!(format!("{secret}{}", "m".repeat(4000)));
    add(
        "message over 4000",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "message",
        &[secret],
    );
    add(
        "vehicle array",
        "lead.submit",
        p.submit_vehicle(json!([crv(), crv()])),
        "VALIDATION_ERROR",
        "vehicle_of_interest",
        &[],
    );
    let mut r = p.submit();
    r["trade_in"] = json!({"year": 2020, "make": "Volkswagen"});
    add(
        "trade-in without model",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "trade_in.model",
        &[],
    );
    add(
        "vehicle not identifiable",
        "lead.submit",
        p.submit_vehicle(json!({"make": "Honda", "trim": secret})),
        "VALIDATION_ERROR",
        "vehicle_of_interest",
        &[secret],
    );
    let mut r = p.submit();
    r["appointment"] =
        json!({"appointment_type": "valet", "appointment_at": text_of(confirmable())});
    add(
        "appointment_type enum",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "appointment.appointment_type",
        &["valet"],
    );
    let mut r = p.submit();
    r["customer"]["email"] = json!(format!("{secret}-not-an-email"));
    add(
        "email format",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "customer.email",
        &[secret],
    );
    let mut r = p.submit();
    r["type"] = json!("lead.general.request");
    add(
        "type const",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "type",
        &[],
    );
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("source_agent");
    add(
        "source_agent required",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "source_agent",
        &[],
    );
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("customer");
    add(
        "customer required",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );
    add(
        "not an object",
        "lead.submit",
        json!([1]),
        "VALIDATION_ERROR",
        "request",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]
        .as_object_mut()
        .expect("object")
        .remove("email");
    r["customer"]
        .as_object_mut()
        .expect("object")
        .remove("phone");
    r["customer"]["preferred_contact"] = json!("email");
    add(
        "general: customer without contact",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]["phone"] = json!(format!("555-{secret}"));
    add(
        "general: phone not E.164",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer.phone",
        &[secret],
    );
    add(
        "general: empty message",
        "lead.general",
        p.general(""),
        "VALIDATION_ERROR",
        "message",
        &[],
    );
    add(
        "general: message over 4000",
        "lead.general",
        p.general(&"q".repeat(4001)),
        "VALIDATION_ERROR",
        "message",
        &[],
    );
    let mut r = p.general("q");
    r["lead_intent"] = json!("complaint");
    add(
        "general: lead_intent enum",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "lead_intent",
        &[],
    );
    let mut r = p.general("q");
    r["intent"]["timeline"] = json!("someday");
    add(
        "general: timeline enum",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "intent.timeline",
        &[],
    );
    let r = json!({"type": "lead.general.request", "message": "q", "source_agent": "s",
        "consent": {"scope": ["general_inquiry"]}});
    add(
        "general: consent without customer",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );

    // VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE with a test drive
    let at = text_of(confirmable());
    add(
        "unknown VIN, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"vin": UNKNOWN_VIN})), "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "unknown stock, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"stock": "NOPE-1"})), "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "unknown year/make/model, test drive",
        "lead.submit",
        p.submit_appointment(
            Some(json!({"year": 1999, "make": "Yugo", "model": "GV"})),
            "test_drive",
            &at,
        ),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "no vehicle, test drive",
        "lead.submit",
        p.submit_appointment(None, "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "sold VIN, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"vin": SOLD_VIN})), "test_drive", &at),
        "VEHICLE_UNAVAILABLE",
        "vehicle_of_interest",
        &[],
    );

    let mark = env.crm_mark().await;
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let via = BOTH[i % 2];
        let r = env.send(via, c.skill, &c.request).await;
        let got = (
            code(&r),
            status(&r),
            r["error"]["field"].as_str().unwrap_or("").to_string(),
        );
        let want = (
            c.code.to_string(),
            "rejected".to_string(),
            c.field.to_string(),
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}\n  {r}", c.what));
        }
        if r["data"].get("lead_id").is_some() {
            failures.push(format!(
                "{}: a rejected lead carries a lead_id: {r}",
                c.what
            ));
        }
        let message = r["error"]["message"].as_str().unwrap_or("");
        if !message.contains(c.field) {
            failures.push(format!(
                "{}: the message does not name {}: {message}",
                c.what, c.field
            ));
        }
        for h in &c.hidden {
            if r.to_string().contains(h.as_str()) {
                failures.push(format!("{}: the answer echoes the value {h}: {r}", c.what));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        env.crm_since(mark).await.is_empty(),
        "a rejected lead reached the CRM"
    );
    env.server.stop().await;
}

#[tokio::test]
async fn validation_messages_name_the_rule() {
    let env = Aap::clean().await;
    let p = Person::new();
    let mut r = p.submit();
    r["message"] = json!("m".repeat(4001));
    r["customer"]["email"] = json!("nope");
    let resp = env.submit(Via::JsonRpc, &r).await;
    let message = resp["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("message: violates maxLength 4000"),
        "{message}"
    );
    assert!(
        message.contains("customer.email: violates format email"),
        "{message}"
    );
    let resp = env
        .submit(Via::Rest, &p.submit_vehicle(json!({"trim": "EX"})))
        .await;
    assert_eq!(
        resp["error"]["message"],
        "vehicle_of_interest: violates anyOf required vin | stock | year+make+model"
    );
    env.server.stop().await;
}
