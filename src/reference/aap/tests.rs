use super::*;
use chrono::TimeZone;
use chrono::{DateTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

#[test]
fn confirmable_slots_follow_the_documented_hours() {
    // 2026-11-23 is a Monday, 2026-11-29 a Sunday.
    assert!(is_confirmable(t("2026-11-23T15:00:00Z")));
    assert!(is_confirmable(t("2026-11-28T22:30:00Z")));
    assert!(
        !is_confirmable(t("2026-11-23T23:00:00Z")),
        "23:00 is excluded"
    );
    assert!(!is_confirmable(t("2026-11-23T14:30:00Z")));
    assert!(!is_confirmable(t("2026-11-23T15:15:00Z")));
    assert!(!is_confirmable(t("2026-11-23T15:00:01Z")));
    assert!(!is_confirmable(t("2026-11-29T18:00:00Z")), "Sunday");
    assert!(
        is_confirmable(t("2026-11-23T10:00:00-05:00")),
        "offsets are normalised"
    );
}

#[test]
fn next_slots_skip_sunday_and_night() {
    assert_eq!(
        next_confirmable_slots(t("2026-11-29T18:00:00Z"), 2),
        vec![t("2026-11-30T15:00:00Z"), t("2026-11-30T15:30:00Z")]
    );
    assert_eq!(
        next_confirmable_slots(t("2026-11-23T15:10:00Z"), 2),
        vec![t("2026-11-23T15:30:00Z"), t("2026-11-23T16:00:00Z")]
    );
    assert_eq!(
        next_confirmable_slots(t("2026-11-28T22:30:00Z"), 2),
        vec![t("2026-11-30T15:00:00Z"), t("2026-11-30T15:30:00Z")],
        "strictly after a slot, across Saturday night and Sunday"
    );
}

#[test]
fn outcomes_by_window() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .expect("now");
    assert_eq!(
        appointment_outcome(None, now),
        AppointmentOutcome::Requested
    );
    assert_eq!(
        appointment_outcome(Some(t("2026-11-24T11:59:00Z")), now),
        AppointmentOutcome::Unavailable
    );
    assert_eq!(
        appointment_outcome(Some(t("2027-01-30T15:00:00Z")), now),
        AppointmentOutcome::Unavailable,
        "more than 60 days ahead"
    );
    assert_eq!(
        appointment_outcome(Some(t("2026-11-24T15:00:00Z")), now),
        AppointmentOutcome::Confirmed(t("2026-11-24T15:00:00Z"))
    );
    assert!(matches!(
        appointment_outcome(Some(t("2026-11-29T15:00:00Z")), now),
        AppointmentOutcome::Proposed(v) if v.len() == 2
    ));
}

#[test]
fn inventory_has_the_contract_fixtures() {
    let inv = aap_inventory();
    let crv = inv.iter().find(|v| v.vin == IN_STOCK_VIN).expect("CR-V");
    assert_eq!(
        (
            crv.year,
            crv.make.as_str(),
            crv.model.as_str(),
            crv.trim.as_str()
        ),
        (2024, "Honda", "CR-V", "EX-L")
    );
    assert_eq!(
        (
            crv.condition.as_str(),
            crv.stock.as_str(),
            crv.status.as_str()
        ),
        ("used", "DT-2611", "available")
    );
    let sold = inv.iter().find(|v| v.vin == SOLD_VIN).expect("sold");
    assert_eq!(sold.status, "sold");
    assert!(inv.iter().any(|v| v.condition == "cpo"));
    let mut vins: Vec<&str> = inv.iter().map(|v| v.vin.as_str()).collect();
    vins.sort_unstable();
    vins.dedup();
    assert_eq!(vins.len(), inv.len(), "VINs are unique");
}

#[test]
fn dotted_paths() {
    assert_eq!(dotted_path("consent/scope/0"), "consent.scope[0]");
    assert_eq!(dotted_path(""), "");
}
