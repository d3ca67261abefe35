use super::*;
use crate::spec::catalogue::SchemaViolation;
use crate::spec::codes::VALIDATION_ERROR;
use crate::suites::Suite;
use crate::suites::aap::{CONTACT_CONSENT_REQUIRED, INVALID_CONDITION};
use crate::suites::aap::{aap_draft_schemas, aap_v02_schemas};
use chrono::{DateTime, Utc};
use serde_json::Map;

fn fixtures() -> AapFixtures {
    let inventory = vec![
        json!({"vin": "1HGCY2F57RA000001", "year": 2024, "make": "Honda", "model": "CR-V",
               "trim": "EX-L", "condition": "used", "stock": "DT-2611", "price": 32995, "status": "available"}),
        json!({"vin": "4S4BTGPD0R3100002", "year": 2024, "make": "Subaru", "model": "Outback",
               "condition": "new", "stock": "DT-2612", "status": "sold"}),
    ];
    let now = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    AapFixtures::from_inventory(&inventory, "salt0001", AapTimes::reference_defaults(now))
}

fn settings(generated: usize) -> PlanSettings {
    PlanSettings {
        seed: 7,
        salt: "qwertyui".into(),
        ordinal: 3,
        generated,
        invalid_per_rule: 2,
    }
}

fn rules(suite: AapSuite, v: &Value) -> Vec<String> {
    let s = match suite {
        AapSuite::V02 => aap_v02_schemas().request,
        AapSuite::Draft => aap_draft_schemas().request,
    };
    s.detailed(v).iter().map(SchemaViolation::rule).collect()
}

#[test]
fn reference_default_times_follow_the_documented_rules() {
    // 2026-05-01 is a Friday.
    let now = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    let t = AapTimes::reference_defaults(now);
    assert_eq!(t.confirmable.as_deref(), Some("2026-05-04T18:00:00Z")); // Monday
    assert_eq!(t.proposable.as_deref(), Some("2026-05-03T18:00:00Z")); // Sunday
    assert_eq!(t.unavailable.as_deref(), Some("2026-07-30T18:00:00Z")); // Thursday, 90 days
    assert_eq!(AapTimes::none().confirmable, None);
}

#[test]
fn offsets_keep_the_instant() {
    assert_eq!(
        with_offset("2026-05-04T18:00:00Z", "-05:00"),
        "2026-05-04T13:00:00-05:00"
    );
    assert_eq!(
        with_offset("2026-05-04T20:00:00+02:00", "Z"),
        "2026-05-04T18:00:00Z"
    );
}

#[test]
fn fixtures_come_from_the_inventory_and_the_unknown_vin_is_absent() {
    let fx = fixtures();
    assert_eq!(
        fx.in_stock.as_ref().map(|v| v.vin.as_str()),
        Some("1HGCY2F57RA000001")
    );
    assert_eq!(
        fx.sold.as_ref().map(|v| v.vin.as_str()),
        Some("4S4BTGPD0R3100002")
    );
    let unknown = fx.unknown_vin.unwrap_or_default();
    assert_eq!(unknown.len(), 17);
    assert!(!unknown.contains(['I', 'O', 'Q']));
    assert_ne!(unknown, "1HGCY2F57RA000001");
    let empty = AapFixtures::from_inventory(&[], "s", AapTimes::none());
    assert!(empty.in_stock.is_none() && empty.sold.is_none());
}

#[test]
fn suites_follow_the_card_skills() {
    assert_eq!(
        AapSuite::for_skills(&["lead.submit", "inventory.search"]),
        vec![AapSuite::V02]
    );
    assert_eq!(
        AapSuite::for_skills(&["lead.general"]),
        vec![AapSuite::Draft]
    );
    assert_eq!(
        AapSuite::for_skills(&["lead.general", "lead.submit"]),
        vec![AapSuite::V02, AapSuite::Draft]
    );
    assert!(AapSuite::for_skills(&["initiate_deal_handoff"]).is_empty());
}

#[test]
fn every_role_clause_is_in_the_suites_catalogue() {
    let roles = Role::ALL;
    for suite in AapSuite::ALL {
        let cat = suite.catalogue();
        let mapped: Vec<&str> = roles.iter().filter_map(|r| suite.clause(*r)).collect();
        for id in &mapped {
            assert!(cat.get(id).is_some(), "{suite}: {id} not in the catalogue");
        }
        for c in &cat.clauses {
            assert!(mapped.contains(&c.id.as_str()), "{}: no role", c.id);
        }
    }
}

#[test]
fn valid_cases_satisfy_the_request_schema() {
    let fx = fixtures();
    for suite in AapSuite::ALL {
        let p = plan(suite, &fx, &settings(40));
        let valid: Vec<&AapCase> = p
            .cases
            .iter()
            .filter(|c| !matches!(c.expect, AapExpect::Rejected { .. }))
            .chain(std::iter::once(&p.duplicate))
            .collect();
        assert!(valid.len() > 20, "{suite}: {}", valid.len());
        for c in valid {
            if c.expect
                == (AapExpect::Received {
                    role: Role::Anonymous,
                })
            {
                assert!(c.request.get("customer").is_none());
            }
            let r = rules(suite, &c.request);
            assert!(r.is_empty(), "{suite} {}: {r:?}\n{}", c.id, c.request);
        }
        assert!(p.untested.is_empty(), "{suite}: {:?}", p.untested);
    }
}

#[test]
fn v02_covers_every_combination_condition_and_appointment_type() {
    let p = plan(AapSuite::V02, &fixtures(), &settings(0));
    let ids: Vec<&str> = p.cases.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "combo-customer",
        "combo-customer-voi",
        "combo-customer-trade",
        "combo-customer-appt",
        "combo-customer-voi-trade",
        "combo-customer-voi-appt",
        "combo-customer-trade-appt",
        "combo-customer-voi-trade-appt",
        "appt-type-test_drive",
        "appt-type-trade_in",
        "edge-message-4000",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    let conds: Vec<&str> = p
        .cases
        .iter()
        .filter_map(|c| c.request.pointer("/vehicle_of_interest/condition"))
        .filter_map(Value::as_str)
        .collect();
    for c in SALE_CONDITIONS {
        assert!(conds.contains(c), "{c}");
    }
    let trade: Vec<&str> = p
        .cases
        .iter()
        .filter(|c| !matches!(c.expect, AapExpect::Rejected { .. }))
        .filter_map(|c| c.request.pointer("/trade_in/condition"))
        .filter_map(Value::as_str)
        .collect();
    for c in TRADE_CONDITIONS {
        assert!(trade.contains(c), "{c}");
    }
    let max = p
        .cases
        .iter()
        .find(|c| c.id == "edge-message-4000")
        .and_then(|c| c.request.get("message"))
        .and_then(Value::as_str)
        .map(|m| m.chars().count());
    assert_eq!(max, Some(MAX_MESSAGE));
}

#[test]
fn every_customer_is_unique_except_the_duplicate() {
    for suite in AapSuite::ALL {
        let p = plan(suite, &fixtures(), &settings(20));
        let mut emails: Vec<&str> = p.cases.iter().filter_map(AapCase::email).collect();
        let mut phones: Vec<&str> = p.cases.iter().filter_map(AapCase::phone).collect();
        emails.extend(p.duplicate.email());
        phones.extend(p.duplicate.phone());
        for list in [&mut emails, &mut phones] {
            let n = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), n, "{suite}: a customer repeats");
        }
    }
}

#[test]
fn plans_of_one_run_share_no_phone() {
    let fx = fixtures();
    let mut phones = vec![];
    for (ordinal, suite) in [(0, AapSuite::V02), (1, AapSuite::V02), (2, AapSuite::Draft)] {
        let p = plan(
            suite,
            &fx,
            &PlanSettings {
                ordinal,
                ..settings(10)
            },
        );
        phones.extend(
            p.cases
                .iter()
                .filter(|c| !matches!(c.expect, AapExpect::Rejected { .. }))
                .filter_map(|c| c.phone().map(str::to_string)),
        );
    }
    assert!(phones.iter().all(|p| crate::suites::aap::judge::is_e164(p)));
    let n = phones.len();
    phones.sort_unstable();
    phones.dedup();
    assert_eq!(phones.len(), n);
}

#[test]
fn each_invalid_case_breaks_only_its_rule() {
    let fx = fixtures();
    for suite in AapSuite::ALL {
        let p = plan(suite, &fx, &settings(0));
        for c in &p.cases {
            let AapExpect::Rejected { role, code, .. } = c.expect else {
                continue;
            };
            let r = rules(suite, &c.request);
            match role {
                // Schema breaks: at least one violation, all at one place.
                Role::Request | Role::Customer | Role::OneVehicle | Role::ConditionNeither => {
                    assert!(!r.is_empty(), "{suite} {} is schema-valid", c.id);
                    // `A|B`: a rule for which the seeds name no code.
                    assert_eq!(code.split('|').next(), Some(VALIDATION_ERROR));
                }
                // Consent: the schema sees the consent rule only (or nothing, for channels).
                Role::ConsentMissing | Role::ConsentScope | Role::ConsentChannel => {
                    assert!(
                        r.iter().all(|x| x.starts_with("/consent")
                            || x.starts_with("/ dependentRequired")
                            || x.starts_with("/ required")),
                        "{suite} {}: {r:?}",
                        c.id
                    );
                    assert_eq!(code, CONTACT_CONSENT_REQUIRED);
                }
                Role::ConditionVoi | Role::ConditionTrade => {
                    assert!(r.iter().all(|x| x.ends_with("/condition enum")), "{r:?}");
                    assert_eq!(code, INVALID_CONDITION);
                }
                Role::VehicleNotFound | Role::VehicleUnavailable => {
                    assert!(r.is_empty(), "{} {r:?}", c.id);
                    assert!(c.has_test_drive());
                }
                other => panic!("unexpected role {other:?}"),
            }
        }
    }
}

#[test]
fn missing_fixtures_make_cases_untested_not_passed() {
    let p = plan(AapSuite::V02, &AapFixtures::none(), &settings(3));
    let roles: Vec<Role> = p.untested.iter().map(|u| u.role).collect();
    for r in [
        Role::VehicleNotFound,
        Role::VehicleUnavailable,
        Role::VehicleNoTestDrive,
        Role::ApptUnavailable,
        Role::ApptConfirmed,
        Role::ApptProposed,
    ] {
        assert!(roles.contains(&r), "{r:?} not untested");
    }
    assert!(
        p.cases
            .iter()
            .all(|c| !c.has_appointment() || c.id.starts_with("invalid-appointment-at"))
    );
    assert!(p.cases.iter().all(|c| !c.has_test_drive()));
}

#[test]
fn same_seed_same_plan() {
    let fx = fixtures();
    let a = plan(AapSuite::V02, &fx, &settings(5));
    let b = plan(AapSuite::V02, &fx, &settings(5));
    let strip = |p: &AapPlan| -> Vec<Value> {
        p.cases
            .iter()
            .map(|c| {
                let mut v = c.request.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("submitted_at");
                    if let Some(c) = o.get_mut("consent").and_then(Value::as_object_mut) {
                        c.remove("granted_at");
                    }
                }
                v
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn the_tables_are_checked_against_their_suites_when_they_load() {
    assert_eq!(table(AapSuite::V02).len(), 38);
    assert_eq!(table(AapSuite::Draft).len(), 20);
    let row = |role: &str, extra: &str| {
        format!(
            "[[mutation]]\nname = \"x\"\nrole = \"{role}\"\nrule = \"r\"\ncode = \"VALIDATION_ERROR\"\n{extra}\n"
        )
    };
    assert!(load_table(AapSuite::V02, &row("one-vehicle", "remove = [\"/a\"]")).is_ok());
    // The draft has no one-vehicle clause: a row for it is an error, not a silent skip.
    let e = load_table(AapSuite::Draft, &row("one-vehicle", "remove = [\"/a\"]")).unwrap_err();
    assert!(e.contains("has no OneVehicle clause"), "{e}");
    let e = load_table(AapSuite::V02, &row("request", "transform = \"nope\"")).unwrap_err();
    assert!(e.contains("no transform named nope"), "{e}");
    let e = load_table(AapSuite::V02, &row("request", "remove = [\"a\"]")).unwrap_err();
    assert!(e.contains("bad pointer a"), "{e}");
    assert!(load_table(AapSuite::V02, &row("no-such-role", "")).is_err());
}

#[test]
fn table_steps_run_in_their_documented_order() {
    let fx = AapFixtures::none();
    let by_name = |suite: AapSuite, n: &str| {
        table(suite)
            .iter()
            .find(|m| m.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    // ensure, then remove: a default trade-in is added, then its year removed.
    let mut o = json!({"type": "lead.submit.request"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    by_name(AapSuite::V02, "trade-in-no-year")
        .apply(&mut o, &fx)
        .expect("no fixture needed");
    let t = o.get("trade_in").expect("ensured");
    assert!(t.get("year").is_none() && t.get("make").is_some());
    // no_test_drive, then set.
    let mut o = json!({"appointment": {"appointment_type": "test_drive"}})
        .as_object()
        .cloned()
        .unwrap_or_default();
    by_name(AapSuite::V02, "vehicles-array")
        .apply(&mut o, &fx)
        .expect("no fixture needed");
    assert_eq!(o["appointment"]["appointment_type"], "sales");
    assert!(o["vehicle_of_interest"].is_array());
    // A transform that needs a fixture the target did not give: Err, so the case is untested.
    let mut o = Map::new();
    let e = by_name(AapSuite::V02, "test-drive-sold-vin")
        .apply(&mut o, &fx)
        .unwrap_err();
    assert!(e.contains("sold"), "{e}");
    // pad: exactly the text, then the fill, to the length.
    let mut o = Map::new();
    by_name(AapSuite::Draft, "message-4001")
        .apply(&mut o, &fx)
        .expect("no fixture needed");
    let m = o["message"].as_str().unwrap_or_default();
    assert_eq!(m.chars().count(), 4001);
    assert!(m.starts_with("Over-long question x"));
}
