//! Received leads: appointment outcomes, vehicle errors, duplicates, lead ids, anonymous inquiries, CRM failures, the ADF lead.

use super::*;

#[tokio::test]
async fn each_appointment_outcome_has_its_required_fields() {
    let env = Aap::clean().await;
    let voi = Some(crv());
    // confirmed
    let want = confirmable();
    let offset = want.with_timezone(&chrono::FixedOffset::west_opt(5 * 3600).expect("offset"));
    let tue = tuesday();
    for (via, at, want) in [
        (Via::JsonRpc, text(want), want),
        (Via::Rest, offset.to_rfc3339(), want),
        (Via::JsonRpc, text(at_utc(tue, 15, 0)), at_utc(tue, 15, 0)),
        (Via::Rest, text(at_utc(tue, 22, 30)), at_utc(tue, 22, 30)),
    ] {
        let r = env
            .submit(
                via,
                &Person::new().submit_appointment(voi.clone(), "test_drive", &at),
            )
            .await;
        assert_eq!(status(&r), "received", "{r}");
        let a = &r["data"]["appointment"];
        assert_eq!(a["status"], "confirmed", "{at}: {r}");
        assert_eq!(a["confirmed_at"], text(want), "normalised to UTC: {r}");
        assert!(a["appointment_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(code(&r), "ok");
    }
    // proposed: Sunday, outside hours, other minutes
    let (sun, monday_slots) = sunday();

    let cases = [
        (sun, vec![text(monday_slots[0]), text(monday_slots[1])]),
        (
            at_utc(tue, 10, 0),
            vec![text(at_utc(tue, 15, 0)), text(at_utc(tue, 15, 30))],
        ),
        (
            at_utc(tue, 16, 15),
            vec![text(at_utc(tue, 16, 30)), text(at_utc(tue, 17, 0))],
        ),
        (
            at_utc(tue, 23, 0),
            vec![
                text(at_utc(tue.succ_opt().expect("wed"), 15, 0)),
                text(at_utc(tue.succ_opt().expect("wed"), 15, 30)),
            ],
        ),
    ];
    for (i, (at, want)) in cases.iter().enumerate() {
        let r = env
            .submit(
                BOTH[i % 2],
                &Person::new().submit_appointment(None, "sales", &text(*at)),
            )
            .await;
        assert_eq!(status(&r), "received", "{r}");
        let a = &r["data"]["appointment"];
        assert_eq!(a["status"], "proposed", "{at}: {r}");
        assert_eq!(a["proposed_times"], json!(want), "{at}: {r}");
        assert!(a.get("confirmed_at").is_none());
        assert_eq!(code(&r), "ok");
    }
    // rejected: past, beyond 60 days
    for at in [
        Utc::now() - Duration::days(1),
        Utc::now() + Duration::days(61),
    ] {
        let r = env
            .submit(
                Via::Rest,
                &Person::new().submit_appointment(voi.clone(), "test_drive", &text(at)),
            )
            .await;
        assert_eq!(status(&r), "received", "the lead is still received: {r}");
        assert!(r["data"]["lead_id"].is_string());
        assert_eq!(r["data"]["appointment"]["status"], "rejected", "{r}");
        assert!(r["data"]["appointment"]["appointment_id"].is_string());
        assert_eq!(code(&r), "APPOINTMENT_TIME_UNAVAILABLE", "{r}");
        assert_eq!(r["error"]["field"], "appointment.appointment_at");
    }
    // requested: no time given
    let mut req = Person::new().submit();
    req["appointment"] = json!({"appointment_type": "service"});
    let r = env.submit(Via::JsonRpc, &req).await;
    assert_eq!(r["data"]["appointment"]["status"], "requested", "{r}");
    // absent when none was requested
    let r = env.submit(Via::JsonRpc, &Person::new().submit()).await;
    assert!(r["data"].get("appointment").is_none(), "{r}");
    env.server.stop().await;
}

#[tokio::test]
async fn vehicle_errors_only_with_a_test_drive() {
    let env = Aap::clean().await;
    let at = text(confirmable());
    for (i, voi) in [
        json!({"vin": UNKNOWN_VIN}),
        json!({"vin": SOLD_VIN}),
        json!({"stock": "NOPE-1"}),
    ]
    .into_iter()
    .enumerate()
    {
        let via = BOTH[i % 2];
        let r = env
            .submit(via, &Person::new().submit_vehicle(voi.clone()))
            .await;
        assert_eq!(
            (status(&r), code(&r)),
            ("received".into(), "ok".into()),
            "{voi}: {r}"
        );
        for kind in ["sales", "service", "trade_in"] {
            let r = env
                .submit(
                    via,
                    &Person::new().submit_appointment(Some(voi.clone()), kind, &at),
                )
                .await;
            assert_eq!(status(&r), "received", "{voi} {kind}: {r}");
            assert_eq!(r["data"]["appointment"]["status"], "confirmed", "{r}");
        }
    }
    // The in-stock vehicle, by VIN, by stock and by year+make+model, with a test drive.
    for voi in [
        json!({"vin": IN_STOCK_VIN}),
        json!({"vin": IN_STOCK_VIN.to_lowercase()}),
        json!({"stock": IN_STOCK_STOCK}),
        json!({"year": 2024, "make": "honda", "model": "CR-V"}),
    ] {
        let r = env
            .submit(
                Via::JsonRpc,
                &Person::new().submit_appointment(Some(voi.clone()), "test_drive", &at),
            )
            .await;
        assert_eq!(status(&r), "received", "{voi}: {r}");
    }
    env.server.stop().await;
}

#[tokio::test]
async fn duplicates_return_the_earlier_lead_and_post_nothing() {
    let env = Aap::clean().await;
    let p = Person::new();
    let first = env.submit(Via::JsonRpc, &p.submit_vehicle(crv())).await;
    assert_eq!(status(&first), "received");
    let id = first["data"]["lead_id"]
        .as_str()
        .expect("lead_id")
        .to_string();
    let mark = env.crm_mark().await;

    // Same email (other case, other phone) and same VIN, over the other binding.
    let mut again = p.submit_vehicle(crv());
    again["customer"]["email"] = json!(p.email.to_uppercase());
    again["customer"]["phone"] = json!("+15550000001");
    let dup = env.submit(Via::Rest, &again).await;
    assert_eq!(status(&dup), "duplicate", "{dup}");
    assert_eq!(dup["data"]["lead_id"], id.as_str());
    // Same phone only (another email), same vehicle by stock number.
    let mut by_phone = p.submit_vehicle(json!({"stock": IN_STOCK_STOCK}));
    by_phone["customer"]["email"] = json!("someone.else@example.com");
    let dup = env.submit(Via::JsonRpc, &by_phone).await;
    assert_eq!(status(&dup), "duplicate", "{dup}");
    assert_eq!(dup["data"]["lead_id"], id.as_str());
    assert!(
        env.crm_since(mark).await.is_empty(),
        "a duplicate reached the CRM"
    );

    // Another vehicle, or no vehicle: a new lead.
    let other = env
        .submit(Via::JsonRpc, &p.submit_vehicle(json!({"vin": SOLD_VIN})))
        .await;
    assert_eq!(status(&other), "received", "{other}");
    assert_ne!(other["data"]["lead_id"], id.as_str());
    let none = env.submit(Via::JsonRpc, &p.submit()).await;
    assert_eq!(status(&none), "received", "{none}");
    let none_again = env.submit(Via::Rest, &p.submit()).await;
    assert_eq!(status(&none_again), "duplicate");
    assert_eq!(none_again["data"]["lead_id"], none["data"]["lead_id"]);
    // A rejected lead is not remembered.
    let q = Person::new();
    let mut bad = q.submit();
    bad["consent"]["scope"] = json!(["marketing"]);
    assert_eq!(status(&env.submit(Via::JsonRpc, &bad).await), "rejected");
    assert_eq!(
        status(&env.submit(Via::JsonRpc, &q.submit()).await),
        "received"
    );

    // lead.general: same customer and the same message.
    let g1 = env
        .general(Via::JsonRpc, &p.general("Weekend hours?"))
        .await;
    let g2 = env.general(Via::Rest, &p.general("Weekend hours?")).await;
    assert_eq!(status(&g1), "received");
    assert_eq!(status(&g2), "duplicate", "{g2}");
    assert_eq!(g1["data"]["lead_id"], g2["data"]["lead_id"]);
    let g3 = env
        .general(Via::Rest, &p.general("Do you service Hondas?"))
        .await;
    assert_eq!(status(&g3), "received");
    env.server.stop().await;
}

#[tokio::test]
async fn lead_ids_are_unique_across_bindings() {
    let env = Aap::clean().await;
    let re = regex::Regex::new("^lead_[0-9a-f]{32}$").expect("regex");
    let mut ids = std::collections::HashSet::new();
    for i in 0..6 {
        let via = BOTH[i % 2];
        let r = if i % 3 == 0 {
            env.general(via, &Person::new().general("A question")).await
        } else {
            env.submit(via, &Person::new().submit()).await
        };
        assert_eq!(status(&r), "received", "{r}");
        let id = r["data"]["lead_id"].as_str().expect("lead_id").to_string();
        assert!(re.is_match(&id), "{id}");
        assert!(ids.insert(id.clone()), "lead id {id} issued twice");
    }
    env.server.stop().await;
}

#[tokio::test]
async fn anonymous_lead_general_is_received_without_a_crm_lead() {
    let env = Aap::clean().await;
    let mark = env.crm_mark().await;
    let anon = json!({"type": "lead.general.request", "lead_intent": "general_question",
        "message": "Do you take trade-ins on weekends?", "source_agent": "chatgpt-shopping"});
    for via in BOTH {
        let r = env.general(via, &anon).await;
        assert_eq!(status(&r), "received", "{r}");
        assert_eq!(code(&r), "ok");
        assert!(r["data"]["lead_id"].is_string());
        assert!(
            r["message"].as_str().is_some_and(|m| !m.is_empty()),
            "anonymous answers carry a message: {r}"
        );
    }
    assert!(
        env.crm_since(mark).await.is_empty(),
        "ADF needs a contact: no CRM lead for an anonymous question"
    );
    env.server.stop().await;
}

#[tokio::test]
async fn crm_failures_do_not_fail_the_lead() {
    let env = Aap::clean().await;
    env.crm.set_mode(CrmMode::Status503).await;
    let r = env.submit(Via::JsonRpc, &Person::new().submit()).await;
    assert_eq!(status(&r), "received", "{r}");
    env.crm.set_mode(CrmMode::Created).await;
    let conn = rusqlite::Connection::open(&env.db).expect("open db");
    let failed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM aap_leads WHERE crm_status = 'failed' AND crm_lead_id IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(failed, 1);
    env.server.stop().await;
}

#[tokio::test]
async fn the_adf_lead_maps_the_request_and_passes_xmllint() {
    let env = Aap::clean().await;
    let p = Person::new();
    let at = confirmable();

    // VOI with a test drive + trade-in + address + appointment notes.
    let mut req = p.submit_appointment(
        Some(
            json!({"vin": IN_STOCK_VIN, "year": 2024, "make": "Honda", "model": "CR-V",
            "trim": "EX-L", "condition": "used", "stock": "DT-2611", "body": "suv",
            "transmission": "automatic", "mileage": 14820, "price": 32995}),
        ),
        "test_drive",
        &text(at),
    );
    req["trade_in"] = json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "trim": "SE",
        "condition": "good", "mileage": 62000});
    req["customer"]["address"] = json!({"address_line_1": "320 Brannan Street",
        "address_line_2": "Apt 412", "city": "San Francisco", "state": "CA", "zip": "94107"});
    let mark = env.crm_mark().await;
    let r = env.submit(Via::JsonRpc, &req).await;
    assert_eq!(status(&r), "received", "{r}");
    let posts = env.crm_since(mark).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, format!("/api/stores/{STORE}/leads/adf"));
    assert!(
        post.header("content-type")
            .unwrap_or("")
            .starts_with("application/xml")
    );
    assert_eq!(post.bearer(), Some(CRM_TOKEN));
    let xml = &post.body;
    assert_adf_valid(xml);
    let lead = adf_lead(xml);
    assert_eq!(
        lead.ids.first().map(String::as_str),
        r["data"]["lead_id"].as_str()
    );
    assert_eq!(lead.vehicles.len(), 2, "{xml}");
    let v = &lead.vehicles[0];
    assert_eq!(
        (
            v.interest.as_str(),
            v.status.as_str(),
            v.year.as_str(),
            v.make.as_str(),
            v.model.as_str()
        ),
        ("test-drive", "used", "2024", "Honda", "CR-V")
    );
    assert_eq!(v.vin.as_deref(), Some(IN_STOCK_VIN));
    let t = &lead.vehicles[1];
    assert_eq!(
        (
            t.interest.as_str(),
            t.status.as_str(),
            t.year.as_str(),
            t.make.as_str(),
            t.model.as_str()
        ),
        ("trade-in", "used", "2020", "Volkswagen", "Passat")
    );
    assert!(
        xml.contains(&format!("<name part=\"first\">{}</name>", p.first)),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<name part=\"last\">{}</name>", p.last)),
        "{xml}"
    );
    assert_eq!(lead.emails, vec![p.email.clone()]);
    assert_eq!(lead.phones, vec![p.phone.clone()]);
    let email_at = xml.find("<email").expect("email");
    let phone_at = xml.find("<phone").expect("phone");
    assert!(email_at < phone_at, "email before phone");
    assert!(
        xml.contains("<street line=\"1\">320 Brannan Street</street>"),
        "{xml}"
    );
    assert!(xml.contains("<postalcode>94107</postalcode>"), "{xml}");
    assert_eq!(
        lead.timeframe.as_deref(),
        Some(format!("appointment test_drive at {}", text(at)).as_str())
    );
    let comments = lead.comments.as_deref().unwrap_or("");
    assert!(
        comments.starts_with("Is the CR-V still available?"),
        "{comments}"
    );
    assert!(comments.contains("Please have it washed."), "{comments}");

    // No test drive: interest buy; condition new → status new; cpo → used.
    for (voi, interest, st) in [
        (
            json!({"year": 2025, "make": "Subaru", "model": "WRX", "condition": "new"}),
            "buy",
            "new",
        ),
        (
            json!({"stock": dealer_tck::reference::aap::CPO_STOCK, "condition": "cpo"}),
            "buy",
            "used",
        ),
    ] {
        let mark = env.crm_mark().await;
        let r = env
            .submit(Via::Rest, &Person::new().submit_vehicle(voi.clone()))
            .await;
        assert_eq!(status(&r), "received");
        let posts = env.crm_since(mark).await;
        let xml = &posts[0].body;
        assert_adf_valid(xml);
        let lead = adf_lead(xml);
        assert_eq!(lead.vehicles.len(), 1, "{xml}");
        assert_eq!(
            (
                lead.vehicles[0].interest.as_str(),
                lead.vehicles[0].status.as_str()
            ),
            (interest, st),
            "{voi}"
        );
        assert!(lead.timeframe.is_none());
    }

    // By stock only: year/make/model come from inventory.
    let mark = env.crm_mark().await;
    env.submit(
        Via::JsonRpc,
        &Person::new().submit_appointment(
            Some(json!({"stock": IN_STOCK_STOCK})),
            "test_drive",
            &text(at),
        ),
    )
    .await;
    let xml = &env.crm_since(mark).await[0].body;
    assert_adf_valid(xml);
    let v = &adf_lead(xml).vehicles[0];
    assert_eq!(
        (
            v.interest.as_str(),
            v.year.as_str(),
            v.make.as_str(),
            v.model.as_str()
        ),
        ("test-drive", "2024", "Honda", "CR-V")
    );

    // An unknown VIN without year/make/model and no trade-in: the placeholder vehicle.
    // Email only and phone only contacts.
    let mut only_email = Person::new().submit_vehicle(json!({"vin": UNKNOWN_VIN}));
    only_email["customer"]
        .as_object_mut()
        .expect("object")
        .remove("phone");
    let mut only_phone = Person::new().submit();
    only_phone["customer"]
        .as_object_mut()
        .expect("object")
        .remove("email");
    only_phone["customer"]["preferred_contact"] = json!("phone");
    only_phone["trade_in"] = json!({"year": 2019, "make": "Subaru", "model": "Crosstrek"});
    for (req, first_vehicle) in [
        (only_email, ("buy", "new", "0", "unknown", "unknown")),
        (
            only_phone,
            ("trade-in", "used", "2019", "Subaru", "Crosstrek"),
        ),
    ] {
        let mark = env.crm_mark().await;
        let r = env.submit(Via::Rest, &req).await;
        assert_eq!(status(&r), "received", "{r}");
        let xml = &env.crm_since(mark).await[0].body;
        assert_adf_valid(xml);
        let v = &adf_lead(xml).vehicles[0];
        assert_eq!(
            (
                v.interest.as_str(),
                v.status.as_str(),
                v.year.as_str(),
                v.make.as_str(),
                v.model.as_str()
            ),
            first_vehicle,
            "{xml}"
        );
    }

    // lead.general with a customer: placeholder vehicle, the message as comments.
    let g = Person::new();
    let mark = env.crm_mark().await;
    let r = env
        .general(
            Via::JsonRpc,
            &g.general("Do you offer 0% APR on <certified> Civics & more?"),
        )
        .await;
    assert_eq!(status(&r), "received");
    let xml = &env.crm_since(mark).await[0].body;
    assert_adf_valid(xml);
    let lead = adf_lead(xml);
    assert_eq!(lead.emails, vec![g.email.clone()]);
    assert!(
        lead.comments
            .as_deref()
            .is_some_and(|c| c.starts_with("Do you offer 0% APR on <certified> Civics & more?")),
        "{xml}"
    );
    assert_eq!(lead.vehicles[0].make, "unknown");
    env.server.stop().await;
}
