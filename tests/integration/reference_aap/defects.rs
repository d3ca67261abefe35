//! The AAP defect table: every AAP defect of the reference flips the behaviour it names.

use super::*;

// ---------------------------------------------------------------------------------------------
// The defect table
// ---------------------------------------------------------------------------------------------

/// The clause each AAP defect breaks, as notes/aap-contract.md lists it.
const CONTRACT: &[(&str, &str)] = &[
    ("aap-consent-missing-accepted", "AAP02-CONSENT-MISSING-001"),
    ("aap-scope-not-exact", "AAP02-CONSENT-SCOPE-001"),
    ("aap-channel-not-checked", "AAP02-CONSENT-CHANNEL-001"),
    ("aap-condition-as-validation", "AAP02-CONDITION-001"),
    ("aap-tradein-condition-accepted", "AAP02-CONDITION-002"),
    (
        "aap-vehicle-checked-without-test-drive",
        "AAP02-VEHICLE-NOTESTDRIVE-001",
    ),
    ("aap-unknown-vehicle-accepted", "AAP02-VEHICLE-NOTFOUND-001"),
    ("aap-sold-vehicle-accepted", "AAP02-VEHICLE-UNAVAILABLE-001"),
    ("aap-confirmed-without-time", "AAP02-APPT-CONFIRMED-001"),
    ("aap-proposed-without-times", "AAP02-APPT-PROPOSED-001"),
    ("aap-appointment-always-present", "AAP02-APPT-ABSENT-001"),
    ("aap-wrong-response-type", "AAP02-TYPE-001"),
    ("aap-lead-id-reused", "AAP02-LEADID-001"),
    ("aap-adf-phone-before-email", "AAP02-ADF-001"),
    ("aap-message-unbounded", "AAP02-REQ-001"),
    ("aap-multi-vehicle-accepted", "AAP02-ONEVEHICLE-001"),
    ("aap-general-no-consent-accepted", "AAPD-CONSENT-001"),
    ("aap-general-scope-not-checked", "AAPD-CONSENT-SCOPE-001"),
    (
        "aap-general-channel-not-checked",
        "AAPD-CONSENT-CHANNEL-001",
    ),
    ("aap-general-customer-no-contact", "AAPD-CUSTOMER-001"),
    ("aap-duplicate-without-lead-id", "AAP02-STATUS-001"),
    ("aap-no-duplicate-detection", "AAP02-DUPLICATE-001"),
    (
        "aap-appointment-error-missing",
        "AAP02-APPT-UNAVAILABLE-001",
    ),
    ("aap-general-anonymous-refused", "AAPD-ANON-001"),
    ("aap-general-message-unbounded", "AAPD-REQ-001"),
    ("aap-general-wrong-response-type", "AAPD-TYPE-001"),
    ("aap-general-duplicate-without-lead-id", "AAPD-STATUS-001"),
    ("aap-general-dealer-phone-local", "AAPD-DEALER-PHONE-001"),
    ("aap-general-lead-id-reused", "AAPD-LEADID-001"),
    ("aap-general-adf-phone-before-email", "AAPD-ADF-001"),
    ("aap-general-no-duplicate-detection", "AAPD-DUPLICATE-001"),
    ("aap-message-limit-off-by-one", "AAP02-ACCEPT-001"),
    ("aap-general-message-limit-off-by-one", "AAPD-ACCEPT-001"),
    ("aap-unknown-condition-accepted", "AAP02-CONDITION-003"),
    ("aap-adf-drops-trade-in", "AAP02-ADF-002"),
    ("aap-dealer-phone-number", "AAP02-DEALER-PHONE-001"),
    ("aap-tradein-year-optional", "AAP02-REQ-001"),
    ("aap-channel-vocabulary-open", "AAP02-REQ-001"),
    ("aap-appointment-status-booked", "AAP02-STATUS-001"),
    ("aap-general-type-optional", "AAPD-REQ-001"),
    (
        "aap-general-consent-without-customer-accepted",
        "AAPD-REQ-001",
    ),
    ("aap-general-first-name-optional", "AAPD-CUSTOMER-001"),
    ("aap-general-duplicate-new-lead-id", "AAPD-LEADID-001"),
    ("aap-last-name-optional", "AAP02-REQ-001"),
    ("aap-general-submitted-at-unchecked", "AAPD-REQ-001"),
    ("aap-general-channel-vocabulary-open", "AAPD-REQ-001"),
];

/// A lead.submit answer as `status/appointment status/code`.
fn appointment_outcome(r: &Value) -> String {
    format!(
        "{}/{}/{}",
        status(r),
        r["data"]["appointment"]["status"].as_str().unwrap_or("-"),
        code(r)
    )
}

/// Send `req` twice; the second answer as `status lead_id=<is a string>`.
async fn resubmitted(env: &Aap, skill: &str, req: &Value) -> String {
    env.send(Via::JsonRpc, skill, req).await;
    let r = env.send(Via::JsonRpc, skill, req).await;
    format!(
        "{} lead_id={}",
        status(&r),
        r["data"]["lead_id"].is_string()
    )
}

/// Submit and describe the outcome as `status/code`.
async fn outcome(env: &Aap, skill: &str, req: &Value) -> String {
    let r = env.send(Via::JsonRpc, skill, req).await;
    format!("{}/{}", status(&r), code(&r))
}

/// Is the ADF valid (xmllint when installed, else the harness's validator)?
fn adf_valid(xml: &str) -> bool {
    match xmllint_adf(xml) {
        Some((valid, _)) => valid,
        None => dealer_tck::observe::adf::validate(xml).is_valid(),
    }
}

/// Observe what `d` claims to break on a server with `active` injected. Returns (observation,
/// what a conforming server shows).
async fn probe(d: Defect, active: Option<Defect>, crm: &Arc<CrmMock>) -> (String, String) {
    use Defect::*;
    let env = Aap::start(active, false, crm.clone()).await;
    let p = Person::new();
    let sub = "lead.submit";
    let gen_ = "lead.general";
    let at = text(confirmable());
    let rejected = |c: &str| format!("rejected/{c}");
    let out = match d {
        AapConsentMissingAccepted => {
            let mut r = p.submit();
            r.as_object_mut().expect("object").remove("consent");
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapScopeNotExact => {
            let mut r = p.submit();
            r["consent"]["scope"] = json!(["lead_submission", "marketing"]);
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapChannelNotChecked => {
            let mut r = p.submit();
            r["customer"]["preferred_contact"] = json!("phone");
            r["consent"]["allowed_channels"] = json!(["email"]);
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapConditionAsValidation => {
            let mut voi = crv();
            voi["condition"] = json!("good");
            (
                outcome(&env, sub, &p.submit_vehicle(voi)).await,
                rejected("INVALID_CONDITION"),
            )
        }
        AapTradeinConditionAccepted => {
            let mut r = p.submit();
            r["trade_in"] =
                json!({"year": 2020, "make": "VW", "model": "Passat", "condition": "used"});
            (outcome(&env, sub, &r).await, rejected("INVALID_CONDITION"))
        }
        AapUnknownConditionAccepted => {
            let mut voi = crv();
            voi["condition"] = json!("mint");
            (
                outcome(&env, sub, &p.submit_vehicle(voi)).await,
                rejected("VALIDATION_ERROR"),
            )
        }
        AapVehicleCheckedWithoutTestDrive => (
            outcome(&env, sub, &p.submit_vehicle(json!({"vin": UNKNOWN_VIN}))).await,
            "received/ok".into(),
        ),
        AapUnknownVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_appointment(Some(json!({"vin": UNKNOWN_VIN})), "test_drive", &at),
            )
            .await,
            rejected("VEHICLE_NOT_FOUND"),
        ),
        AapSoldVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_appointment(Some(json!({"vin": SOLD_VIN})), "test_drive", &at),
            )
            .await,
            rejected("VEHICLE_UNAVAILABLE"),
        ),
        AapConfirmedWithoutTime => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(Some(crv()), "test_drive", &at),
                )
                .await;
            let a = &r["data"]["appointment"];
            (
                format!(
                    "{} confirmed_at={}",
                    a["status"],
                    a["confirmed_at"].is_string()
                ),
                "\"confirmed\" confirmed_at=true".into(),
            )
        }
        AapProposedWithoutTimes => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(None, "sales", &text(sunday().0)),
                )
                .await;
            let a = &r["data"]["appointment"];
            let n = a["proposed_times"].as_array().map_or(0, Vec::len);
            (
                format!("{} times={n}", a["status"]),
                "\"proposed\" times=2".into(),
            )
        }
        AapAppointmentAlwaysPresent => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (
                format!("appointment: {}", r["data"].get("appointment").is_some()),
                "appointment: false".into(),
            )
        }
        AapWrongResponseType => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (r["type"].to_string(), "\"lead.submit.response\"".into())
        }
        AapDealerPhoneNumber => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (
                r["data"]["dealer"]["phone"].to_string(),
                "\"+18015550100\"".into(),
            )
        }
        AapLeadIdReused => {
            let mut ids = std::collections::HashSet::new();
            for via in BOTH {
                for _ in 0..2 {
                    let r = env.submit(via, &Person::new().submit()).await;
                    ids.insert(r["data"]["lead_id"].to_string());
                }
            }
            (
                format!("distinct ids: {}", ids.len()),
                "distinct ids: 4".into(),
            )
        }
        AapAdfPhoneBeforeEmail => {
            let mark = env.crm_mark().await;
            env.submit(Via::JsonRpc, &p.submit()).await;
            let posts = env.crm_since(mark).await;
            let valid = posts.first().is_some_and(|x| adf_valid(&x.body));
            (format!("ADF valid: {valid}"), "ADF valid: true".into())
        }
        AapAdfDropsTradeIn => {
            let mark = env.crm_mark().await;
            let mut r = p.submit();
            r["trade_in"] =
                json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": "good"});
            env.submit(Via::JsonRpc, &r).await;
            let posts = env.crm_since(mark).await;
            let carried = posts.first().is_some_and(|x| x.body.contains("Passat"));
            (
                format!("trade-in in the ADF: {carried}"),
                "trade-in in the ADF: true".into(),
            )
        }
        AapMessageUnbounded => {
            let mut r = p.submit();
            r["message"] = json!("m".repeat(5000));
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapMultiVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_vehicle(json!([crv(), {"vin": SOLD_VIN}])),
            )
            .await,
            rejected("VALIDATION_ERROR"),
        ),
        AapGeneralNoConsentAccepted => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("consent");
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralScopeNotChecked => {
            let mut r = p.general("q");
            r["consent"]["scope"] = json!(["lead_submission"]);
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralChannelNotChecked => {
            let mut r = p.general("q");
            r["customer"]["preferred_contact"] = json!("sms");
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralCustomerNoContact => {
            let mut r = p.general("q");
            let c = r["customer"].as_object_mut().expect("object");
            c.remove("email");
            c.remove("phone");
            c.remove("preferred_contact");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapDuplicateWithoutLeadId | AapNoDuplicateDetection => (
            resubmitted(&env, sub, &p.submit()).await,
            "duplicate lead_id=true".into(),
        ),
        AapGeneralDuplicateWithoutLeadId | AapGeneralNoDuplicateDetection => (
            resubmitted(&env, gen_, &p.general("q")).await,
            "duplicate lead_id=true".into(),
        ),
        AapAppointmentErrorMissing => {
            let past = text(Utc::now() - Duration::days(2));
            let r = env
                .submit(Via::JsonRpc, &p.submit_appointment(None, "sales", &past))
                .await;
            (
                appointment_outcome(&r),
                "received/rejected/APPOINTMENT_TIME_UNAVAILABLE".into(),
            )
        }
        AapGeneralAnonymousRefused => {
            let r = json!({"type": "lead.general.request", "message": "Open on Sundays?",
                           "source_agent": "dealer-tck"});
            (outcome(&env, gen_, &r).await, "received/ok".into())
        }
        AapGeneralMessageUnbounded => {
            let r = p.general(&"m".repeat(5000));
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapMessageLimitOffByOne => {
            let mut r = p.submit();
            r["message"] = json!("m".repeat(4000));
            (outcome(&env, sub, &r).await, "received/ok".into())
        }
        AapGeneralMessageLimitOffByOne => {
            let r = p.general(&"m".repeat(4000));
            (outcome(&env, gen_, &r).await, "received/ok".into())
        }
        AapGeneralWrongResponseType => {
            let r = env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            (r["type"].to_string(), "\"lead.general.response\"".into())
        }
        AapGeneralDealerPhoneLocal => {
            let r = env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            (
                r["data"]["dealer"]["phone"].to_string(),
                "\"+18015550100\"".into(),
            )
        }
        AapGeneralLeadIdReused => {
            let mut ids = std::collections::HashSet::new();
            for via in BOTH {
                for _ in 0..2 {
                    let r = env.send(via, gen_, &Person::new().general("q")).await;
                    ids.insert(r["data"]["lead_id"].to_string());
                }
            }
            (
                format!("distinct ids: {}", ids.len()),
                "distinct ids: 4".into(),
            )
        }
        AapGeneralAdfPhoneBeforeEmail => {
            let mark = env.crm_mark().await;
            env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            let posts = env.crm_since(mark).await;
            let valid = posts.first().is_some_and(|x| adf_valid(&x.body));
            (format!("ADF valid: {valid}"), "ADF valid: true".into())
        }
        AapTradeinYearOptional => {
            let mut r = p.submit();
            r["trade_in"] = json!({"make": "Volkswagen", "model": "Passat"});
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapChannelVocabularyOpen => {
            let mut r = p.submit();
            r["consent"]["allowed_channels"] = json!(["email", "fax"]);
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapAppointmentStatusBooked => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(Some(crv()), "test_drive", &at),
                )
                .await;
            (
                r["data"]["appointment"]["status"].to_string(),
                "\"confirmed\"".into(),
            )
        }
        AapGeneralTypeOptional => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("type");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralConsentWithoutCustomerAccepted => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("customer");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralFirstNameOptional => {
            let mut r = p.general("q");
            r["customer"]
                .as_object_mut()
                .expect("customer")
                .remove("first_name");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralDuplicateNewLeadId => {
            let r = p.general("the same question twice");
            let a = env.send(Via::JsonRpc, gen_, &r).await;
            let b = env.send(Via::JsonRpc, gen_, &r).await;
            (
                format!(
                    "{} with the same id: {}",
                    status(&b),
                    a["data"]["lead_id"] == b["data"]["lead_id"]
                ),
                "duplicate with the same id: true".into(),
            )
        }
        AapLastNameOptional => {
            let mut r = p.submit();
            r["customer"]
                .as_object_mut()
                .expect("customer")
                .remove("last_name");
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralSubmittedAtUnchecked => {
            let mut r = p.general("q");
            r["submitted_at"] = json!("2026-13-45 25:61");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralChannelVocabularyOpen => {
            let mut r = p.general("q");
            r["consent"]["allowed_channels"] = json!(["email", "fax"]);
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        other => panic!("{other} is not an AAP defect"),
    };
    env.server.stop().await;
    out
}

#[tokio::test]
async fn every_aap_defect_flips_the_behaviour_it_claims() {
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
    let aap: Vec<Defect> = Defect::ALL.iter().copied().filter(|d| d.is_aap()).collect();
    assert_eq!(aap.len(), CONTRACT.len(), "one defect per contract entry");
    let first_aap = Defect::ALL
        .iter()
        .position(|d| d.is_aap())
        .expect("AAP defects");
    assert!(
        Defect::ALL[first_aap..].iter().all(|d| d.is_aap()),
        "the AAP defects come after the DMC-12 ones"
    );
    let mut failures = Vec::new();
    for &d in &aap {
        match CONTRACT.iter().find(|(n, _)| *n == d.name()) {
            Some((_, clause)) if *clause == d.clause() => {}
            other => failures.push(format!("{d}: clause {} vs contract {other:?}", d.clause())),
        }
        assert_eq!(Defect::from_name(d.name()), Some(d));
        let (clean, expected) = probe(d, None, &crm).await;
        let (broken, _) = probe(d, Some(d), &crm).await;
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

#[tokio::test]
async fn aap_follows_the_skill_path_and_error_code_key_modes() {
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
    let cfg = ReferenceConfig {
        smtp: "127.0.0.1:9".into(),
        crm_url: Some(crm.url().to_string()),
        crm_token: CRM_TOKEN.into(),
        store_id: STORE.into(),
        skill_path: "skillId".into(),
        error_code_key: "errorCode".into(),
        log: Some(Arc::default()),
        ..ReferenceConfig::default()
    };
    let server = ReferenceServer::start(cfg).await.expect("reference starts");
    let client = Client::new(server.base_url());
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let mut req = Person::new().submit();
    req.as_object_mut().expect("object").remove("consent");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {
        "messageId": "m-1", "role": "ROLE_USER",
        "parts": [{"data": req, "mediaType": "application/json"}],
        "metadata": {"skillId": "lead.submit"}}}});
    let r = client
        .post(
            "/a2a/jsonrpc",
            &[
                ("content-type", "application/json"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            body.to_string().into_bytes(),
        )
        .await;
    let resp = &r.json["result"]["message"]["parts"][0]["data"];
    assert_eq!(resp["type"], "lead.submit.response", "{}", r.text);
    assert_eq!(
        resp["error"]["errorCode"], "CONTACT_CONSENT_REQUIRED",
        "{resp}"
    );
    assert!(resp["error"].get("code").is_none(), "{resp}");
    server.stop().await;
}
