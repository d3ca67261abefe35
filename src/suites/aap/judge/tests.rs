use super::*;
use crate::observe::crm::CrmRequest;
use serde_json::json;
use std::time::Duration;

fn ex(object: Value) -> Exchange {
    Exchange {
        binding: Binding::A2aJsonrpc,
        url: "http://x".into(),
        request_body: Value::Null,
        status: 200,
        headers: vec![],
        raw_body: object.to_string(),
        reply: Reply::Op {
            object,
            is_error: None,
            text: None,
            where_found: "message.parts[0].data".into(),
        },
        elapsed: Duration::ZERO,
        held: crate::transport::held::Held::none(),
        sent: None,
    }
}

fn obs<'a>(suite: AapSuite, request: &'a Value, e: &'a Exchange) -> AapObs<'a> {
    AapObs {
        suite,
        binding: Binding::A2aJsonrpc,
        case_id: "c",
        request,
        exchange: e,
    }
}

fn outcomes(evals: &[Evaluation]) -> Vec<(String, &'static str, bool)> {
    evals
        .iter()
        .map(|e| (e.clause.clone(), e.check, e.outcome == Outcome::Pass))
        .collect()
}

fn failed(evals: &[Evaluation]) -> Vec<&str> {
    evals
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Fail(_)))
        .map(|e| e.clause.as_str())
        .collect()
}

#[test]
fn every_role_check_is_registered() {
    for r in Role::ALL {
        assert!(
            crate::check::CHECKS.iter().any(|c| c.id == check_id(r)),
            "{r:?}"
        );
    }
}

#[test]
fn e164() {
    assert!(is_e164("+18015550100"));
    assert!(is_e164("+44"));
    assert!(!is_e164("(801) 555-0100"));
    assert!(!is_e164("18015550100"));
    assert!(!is_e164("+08015550100"));
    assert!(!is_e164("+1234567890123456"));
    assert!(!is_e164("+1"));
}

#[test]
fn a_good_answer_passes_every_response_rule() {
    let req = json!({"type": "lead.submit.request", "appointment": {"appointment_type": "sales"}});
    let e = ex(
        json!({"type": "lead.submit.response", "data": {"lead_id": "lead_1", "status": "received",
        "appointment": {"appointment_id": "a", "status": "confirmed", "confirmed_at": "2026-05-04T18:00:00Z"},
        "dealer": {"name": "D", "phone": "+18015550100"}}}),
    );
    let ev = judge_response(&obs(AapSuite::V02, &req, &e), &CodeRules::default());
    assert_eq!(
        outcomes(&ev),
        vec![
            ("AAP02-TYPE-001".into(), "aap-response-type", true),
            ("AAP02-STATUS-001".into(), "aap-response-status", true),
            ("AAP02-DEALER-PHONE-001".into(), "aap-dealer-phone", true),
            // The appointment's status is one of the four.
            ("AAP02-STATUS-001".into(), "aap-response-status", true),
            (
                "AAP02-APPT-CONFIRMED-001".into(),
                "aap-appointment-fields",
                true
            ),
        ]
    );
}

#[test]
fn each_broken_response_rule_fails_its_clause() {
    let none = json!({"type": "lead.submit.request"});
    let cases = [
        (
            json!({"type": "lead.response", "data": {"lead_id": "l", "status": "received"}}),
            "AAP02-TYPE-001",
        ),
        (
            json!({"type": "lead.submit.response", "data": {"status": "received"}}),
            "AAP02-STATUS-001",
        ),
        (
            json!({"type": "lead.submit.response", "data": {"lead_id": "l", "status": "accepted"}}),
            "AAP02-STATUS-001",
        ),
        (
            json!({"type": "lead.submit.response", "data": {"lead_id": "l", "status": "received", "dealer": {"phone": 18_015_550_100_u64}}}),
            "AAP02-DEALER-PHONE-001",
        ),
        (
            json!({"type": "lead.submit.response", "data": {"lead_id": "l", "status": "received", "appointment": {"status": "requested"}}}),
            "AAP02-APPT-ABSENT-001",
        ),
    ];
    for (answer, clause) in cases {
        let e = ex(answer);
        let ev = judge_response(&obs(AapSuite::V02, &none, &e), &CodeRules::default());
        assert_eq!(failed(&ev), vec![clause]);
    }
    let with = json!({"appointment": {"appointment_type": "sales"}});
    for (appt, clause) in [
        (json!({"status": "confirmed"}), "AAP02-APPT-CONFIRMED-001"),
        (
            json!({"status": "confirmed", "confirmed_at": "soon"}),
            "AAP02-APPT-CONFIRMED-001",
        ),
        (json!({"status": "proposed"}), "AAP02-APPT-PROPOSED-001"),
        (
            json!({"status": "proposed", "proposed_times": []}),
            "AAP02-APPT-PROPOSED-001",
        ),
    ] {
        let e = ex(
            json!({"type": "lead.submit.response", "data": {"lead_id": "l", "status": "received", "appointment": appt}}),
        );
        assert_eq!(
            failed(&judge_response(
                &obs(AapSuite::V02, &with, &e),
                &CodeRules::default()
            )),
            vec![clause]
        );
    }
    // A rejected lead needs no lead_id; the draft has no appointment clauses.
    let e = ex(
        json!({"type": "lead.general.response", "data": {"status": "rejected", "appointment": {"status": "x"}},
                      "error": {"code": "CONTACT_CONSENT_REQUIRED"}}),
    );
    assert!(
        failed(&judge_response(
            &obs(AapSuite::Draft, &none, &e),
            &CodeRules::default()
        ))
        .is_empty()
    );
}

#[test]
fn rejection_needs_the_code_and_the_rejected_status() {
    let rules = CodeRules::default();
    let req = json!({});
    let ok = ex(
        json!({"type": "lead.submit.response", "data": {"status": "rejected"},
                       "error": {"code": "CONTACT_CONSENT_REQUIRED", "message": "m"}}),
    );
    let ev = judge_rejected(
        &obs(AapSuite::V02, &req, &ok),
        &rules,
        Role::ConsentScope,
        "CONTACT_CONSENT_REQUIRED",
    );
    assert_eq!(
        outcomes(&ev),
        vec![(
            "AAP02-CONSENT-SCOPE-001".into(),
            "aap-consent-required",
            true
        )]
    );
    let received =
        ex(json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l"}}));
    let ev = judge_rejected(
        &obs(AapSuite::V02, &req, &received),
        &rules,
        Role::ConsentScope,
        "CONTACT_CONSENT_REQUIRED",
    );
    assert_eq!(failed(&ev), vec!["AAP02-CONSENT-SCOPE-001"]);
    let no_status = ex(
        json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l"},
                              "error": {"code": "VALIDATION_ERROR"}}),
    );
    let ev = judge_rejected(
        &obs(AapSuite::V02, &req, &no_status),
        &rules,
        Role::Request,
        "VALIDATION_ERROR",
    );
    assert_eq!(failed(&ev), vec!["AAP02-REQ-001"]);
    // A word in neither vocabulary: INVALID_CONDITION is as good as VALIDATION_ERROR
    // (BINDINGS.md §2), but another code is not.
    let neither = |code: &str| -> Vec<String> {
        let answer = ex(
            json!({"type": "lead.submit.response", "data": {"status": "rejected"},
                               "error": {"code": code}}),
        );
        failed(&judge_rejected(
            &obs(AapSuite::V02, &req, &answer),
            &rules,
            Role::ConditionNeither,
            "VALIDATION_ERROR|INVALID_CONDITION",
        ))
        .into_iter()
        .map(str::to_string)
        .collect()
    };
    assert!(neither("INVALID_CONDITION").is_empty());
    assert_eq!(
        neither("CONTACT_CONSENT_REQUIRED"),
        vec!["AAP02-CONDITION-003"]
    );
    // The vehicle codes may keep the lead received (with a lead_id) unless the profile
    // requires the rejection.
    let kept = ex(
        json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l"},
                            "error": {"code": "VEHICLE_NOT_FOUND"}}),
    );
    let judge = |rules: &CodeRules| -> Vec<String> {
        failed(&judge_rejected(
            &obs(AapSuite::V02, &req, &kept),
            rules,
            Role::VehicleNotFound,
            "VEHICLE_NOT_FOUND",
        ))
        .into_iter()
        .map(str::to_string)
        .collect()
    };
    assert!(judge(&rules).is_empty());
    let strict = CodeRules {
        vehicle_failure_keeps_lead: Some(false),
        ..CodeRules::default()
    };
    assert_eq!(judge(&strict), vec!["AAP02-VEHICLE-NOTFOUND-001"]);
}

#[test]
fn received_and_anonymous() {
    let rules = CodeRules::default();
    let req = json!({});
    let partial = ex(
        json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l"},
                            "error": {"code": "APPOINTMENT_TIME_UNAVAILABLE"}}),
    );
    assert!(
        failed(&judge_received(
            &obs(AapSuite::V02, &req, &partial),
            &rules,
            Role::Accept
        ))
        .is_empty()
    );
    let dup = ex(
        json!({"type": "lead.submit.response", "data": {"status": "duplicate", "lead_id": "l"}}),
    );
    assert_eq!(
        failed(&judge_received(
            &obs(AapSuite::V02, &req, &dup),
            &rules,
            Role::VehicleNoTestDrive
        )),
        vec!["AAP02-VEHICLE-NOTESTDRIVE-001"]
    );
    let silent = ex(
        json!({"type": "lead.general.response", "data": {"status": "received", "lead_id": "l"}}),
    );
    assert_eq!(
        failed(&judge_received(
            &obs(AapSuite::Draft, &req, &silent),
            &rules,
            Role::Anonymous
        )),
        vec!["AAPD-ANON-001"]
    );
    let told = ex(
        json!({"type": "lead.general.response", "data": {"status": "received", "lead_id": "l"}, "message": "Yes, we do."}),
    );
    assert!(
        failed(&judge_received(
            &obs(AapSuite::Draft, &req, &told),
            &rules,
            Role::Anonymous
        ))
        .is_empty()
    );
}

#[test]
fn appointment_unavailable_keeps_or_rejects_the_lead_as_the_profile_says() {
    // `[aap] appointment_failure_keeps_lead = true` tightens the default.
    let rules = CodeRules {
        appointment_failure_keeps_lead: Some(true),
        ..CodeRules::default()
    };
    let req = json!({"appointment": {"appointment_type": "sales"}});
    let good = ex(
        json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l",
        "appointment": {"appointment_id": "a", "status": "rejected"}}, "error": {"code": "APPOINTMENT_TIME_UNAVAILABLE"}}),
    );
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &good),
        &rules,
        TimeFixture::Unavailable,
    );
    assert_eq!(
        outcomes(&ev),
        vec![(
            "AAP02-APPT-UNAVAILABLE-001".into(),
            "aap-appointment-unavailable",
            true
        )]
    );
    let rejected = ex(
        json!({"type": "lead.submit.response", "data": {"status": "rejected"},
        "error": {"code": "APPOINTMENT_TIME_UNAVAILABLE"}}),
    );
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &rejected),
        &rules,
        TimeFixture::Unavailable,
    );
    assert_eq!(failed(&ev), vec!["AAP02-APPT-UNAVAILABLE-001"]);
    // Seed 002's "may": by default the whole-lead rejection passes too, but the code is
    // still required.
    let lenient = CodeRules::default();
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &rejected),
        &lenient,
        TimeFixture::Unavailable,
    );
    assert!(failed(&ev).is_empty(), "{ev:?}");
    let no_code = ex(json!({"type": "lead.submit.response", "data": {"status": "rejected"}}));
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &no_code),
        &lenient,
        TimeFixture::Unavailable,
    );
    assert_eq!(failed(&ev), vec!["AAP02-APPT-UNAVAILABLE-001"]);
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &good),
        &lenient,
        TimeFixture::Unavailable,
    );
    assert!(failed(&ev).is_empty(), "{ev:?}");
    // A confirmable time answered "requested": CONFIRMED does not apply to this case (the
    // dealer chooses which statuses it uses).
    let requested = ex(
        json!({"type": "lead.submit.response", "data": {"status": "received", "lead_id": "l",
        "appointment": {"status": "requested"}}}),
    );
    let ev = judge_appointment(
        &obs(AapSuite::V02, &req, &requested),
        &rules,
        TimeFixture::Confirmable,
    );
    assert!(ev.iter().any(|e| e.clause == "AAP02-APPT-CONFIRMED-001"
        && matches!(e.outcome, Outcome::NotApplicable(_))));
    assert!(
        ev.iter()
            .any(|e| e.clause == "AAP02-ACCEPT-001" && e.outcome == Outcome::Pass)
    );
}

#[test]
fn duplicates_and_lead_ids() {
    let rules = CodeRules::default();
    let first = ex(json!({"data": {"status": "received", "lead_id": "a"}}));
    let dup = ex(json!({"data": {"status": "duplicate", "lead_id": "a"}}));
    let again = ex(json!({"data": {"status": "received", "lead_id": "b"}}));
    assert_eq!(
        judge_duplicate(AapSuite::V02, Binding::A2aRest, "d", &first, &dup, &rules).outcome,
        Outcome::Pass
    );
    assert!(matches!(
        judge_duplicate(
            AapSuite::Draft,
            Binding::A2aRest,
            "d",
            &first,
            &again,
            &rules
        )
        .outcome,
        Outcome::Fail(_)
    ));
    assert!(matches!(
        judge_duplicate(AapSuite::V02, Binding::A2aRest, "d", &dup, &dup, &rules).outcome,
        Outcome::NotTested(_)
    ));
    let lead = |b, case: &str, id: &str| ReceivedLead {
        binding: b,
        case: case.into(),
        lead_id: id.into(),
    };
    let unique = [
        lead(Binding::A2aJsonrpc, "x", "1"),
        lead(Binding::A2aRest, "x", "2"),
    ];
    let e = judge_lead_ids(AapSuite::V02, &unique);
    assert_eq!(
        (e.outcome, e.binding, e.clause.as_str()),
        (Outcome::Pass, None, "AAP02-LEADID-001")
    );
    let reused = [
        lead(Binding::A2aJsonrpc, "x", "1"),
        lead(Binding::A2aRest, "x", "1"),
    ];
    assert!(
        matches!(judge_lead_ids(AapSuite::Draft, &reused).outcome, Outcome::Fail(ref d) if d.contains("a2a-rest/x"))
    );
    assert!(matches!(
        judge_lead_ids(AapSuite::V02, &unique[..1]).outcome,
        Outcome::NotTested(_)
    ));
}

fn crm_request(body: &str) -> CrmRequest {
    CrmRequest {
        seq: 0,
        method: "POST".into(),
        path: "/api/stores/s1/leads/adf".into(),
        headers: vec![
            ("content-type".into(), "application/xml".into()),
            ("authorization".into(), "Bearer tok".into()),
        ],
        body: body.into(),
        lead_id: Some("crm-1".into()),
    }
}

fn adf_doc(contact: &str, vehicles: &str, customer_tail: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><adf><prospect><id sequence=\"1\" source=\"dealer\">lead_1</id>\
         <requestdate>2026-05-01T10:00:00Z</requestdate>{vehicles}\
         <customer><contact>{contact}</contact>{customer_tail}</customer>\
         <vendor><contact><name part=\"full\">Mark Miller Subaru</name><phone>+18015550100</phone></contact></vendor></prospect></adf>"
    )
}

#[test]
fn adf_mapping_is_judged_from_the_document() {
    let req = json!({
        "customer": {"first_name": "Piotr", "last_name": "O'Brien", "email": "p.x1@example.com", "phone": "+14155555678"},
        "vehicle_of_interest": {"vin": "1HGCY2F57RA000001", "year": 2024, "make": "Honda", "model": "CR-V", "condition": "used"},
        "trade_in": {"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": "good"},
        "appointment": {"appointment_type": "test_drive", "appointment_at": "2026-05-04T18:00:00Z"},
        "message": "Cash buyer, trade-in too."
    });
    let contact = "<name part=\"first\">Piotr</name><name part=\"last\">O&apos;Brien</name>\
                   <email>p.x1@example.com</email><phone>+14155555678</phone>";
    let vehicles = |interest: &str| {
        format!(
            "<vehicle interest=\"{interest}\" status=\"used\"><year>2024</year><make>Honda</make><model>CR-V</model></vehicle>\
             <vehicle interest=\"trade-in\" status=\"used\"><year>2020</year><make>Volkswagen</make><model>Passat</model></vehicle>"
        )
    };
    let tail = "<timeframe><description>appointment test_drive at 2026-05-04T18:00:00Z</description></timeframe>\
                <comments>Cash buyer, trade-in too.</comments>";
    let crm = CrmExpect {
        store_id: "s1",
        token: "tok",
        forwarding_required: false,
    };
    let good = crm_request(&adf_doc(contact, &vehicles("test-drive"), tail));
    let doc = AdfDoc::parse(&good);
    assert!(doc.report.is_valid(), "{:?}", doc.report);
    assert!(doc.belongs_to(Some("lead_1"), None, None));
    // With a customer to go by, the lead id alone does not correlate.
    assert!(!doc.belongs_to(Some("lead_1"), Some("q@example.com"), None));
    assert!(doc.belongs_to(None, Some("P.X1@example.com"), None));
    assert!(!doc.belongs_to(Some("lead_2"), Some("q@example.com"), Some("+15555550000")));
    let ev = judge_adf_received(AapSuite::V02, Binding::A2aRest, "c", &req, &[&doc], crm);
    assert_eq!(
        outcomes(&ev),
        vec![
            ("AAP02-ADF-001".into(), "aap-adf-valid", true),
            ("AAP02-ADF-002".into(), "aap-adf-mapping", true)
        ]
    );
    // interest="buy" for a test drive, no timeframe, no comments: the dealer's own mapping
    // (no seed gives one) passes.
    let buy = crm_request(&adf_doc(contact, &vehicles("buy"), ""));
    let doc = AdfDoc::parse(&buy);
    assert!(
        failed(&judge_adf_received(
            AapSuite::V02,
            Binding::A2aRest,
            "c",
            &req,
            &[&doc],
            crm
        ))
        .is_empty()
    );
    // A lead without the trade-in breaks the mapping only.
    let one = "<vehicle interest=\"buy\" status=\"used\"><year>2024</year><make>Honda</make><model>CR-V</model></vehicle>";
    let no_trade = crm_request(&adf_doc(contact, one, tail));
    let doc = AdfDoc::parse(&no_trade);
    assert_eq!(
        failed(&judge_adf_received(
            AapSuite::V02,
            Binding::A2aRest,
            "c",
            &req,
            &[&doc],
            crm
        )),
        vec!["AAP02-ADF-002"]
    );
    // Phone before email breaks the DTD.
    let swapped = "<name part=\"first\">Piotr</name><name part=\"last\">O&apos;Brien</name>\
                   <phone>+14155555678</phone><email>p.x1@example.com</email>";
    let bad = crm_request(&adf_doc(swapped, &vehicles("test-drive"), tail));
    let doc = AdfDoc::parse(&bad);
    assert!(
        failed(&judge_adf_received(
            AapSuite::V02,
            Binding::A2aRest,
            "c",
            &req,
            &[&doc],
            crm
        ))
        .contains(&"AAP02-ADF-001")
    );
    // Nothing forwarded for a received lead: NOT_APPLICABLE unless the profile expects
    // forwarding; something forwarded for a rejected one always fails.
    let none = judge_adf_received(AapSuite::Draft, Binding::A2aRest, "c", &req, &[], crm);
    assert!(failed(&none).is_empty());
    assert!(matches!(none[0].outcome, Outcome::NotApplicable(_)));
    let expected = CrmExpect {
        forwarding_required: true,
        ..crm
    };
    assert_eq!(
        failed(&judge_adf_received(
            AapSuite::Draft,
            Binding::A2aRest,
            "c",
            &req,
            &[],
            expected
        )),
        vec!["AAPD-ADF-001"]
    );
    assert!(matches!(
        judge_adf_rejected(AapSuite::V02, Binding::A2aRest, "c", 1).outcome,
        Outcome::Fail(_)
    ));
    assert_eq!(
        judge_adf_rejected(AapSuite::V02, Binding::A2aRest, "c", 0).outcome,
        Outcome::Pass
    );
}

#[test]
fn the_document_index_finds_exactly_what_belongs_to_finds() {
    let contact = |i: usize| {
        format!(
            "<name part=\"full\">P {i}</name><email>P.X{i}@example.com</email><phone>+1801555{i:04}</phone>"
        )
    };
    let mut bodies: Vec<String> = (0..40).map(|i| adf_doc(&contact(i), "", "")).collect();
    bodies.push("not an ADF document at all: p.x7@example.com".into());
    let requests: Vec<CrmRequest> = bodies.iter().map(|b| crm_request(b)).collect();
    let docs: Vec<AdfDoc<'_>> = requests.iter().map(AdfDoc::parse).collect();
    let index = DocIndex::new(&docs);
    // Which documents, by their request's position.
    let ptrs = |v: Vec<&AdfDoc<'_>>| {
        v.iter()
            .map(|d| requests.iter().position(|r| std::ptr::eq(r, d.request)))
            .collect::<Vec<_>>()
    };
    let queries: Vec<(Option<&str>, Option<String>, Option<String>)> = vec![
        (None, Some("p.x7@EXAMPLE.com".into()), None),
        (None, None, Some("+1 (801) 555-0012".into())),
        (Some("lead_1"), None, None),
        (Some("lead_1"), Some("nobody@example.com".into()), None),
        (
            None,
            Some("nobody@example.com".into()),
            Some("+18015559999".into()),
        ),
    ];
    for (id, email, phone) in queries {
        let (email, phone) = (email.as_deref(), phone.as_deref());
        let scanned: Vec<&AdfDoc<'_>> = docs
            .iter()
            .filter(|d| d.belongs_to(id, email, phone))
            .collect();
        assert_eq!(
            ptrs(index.belonging(id, email, phone)),
            ptrs(scanned),
            "{id:?} {email:?} {phone:?}"
        );
    }
    assert_eq!(
        index.belonging(None, Some("p.x7@example.com"), None).len(),
        2
    );
}
