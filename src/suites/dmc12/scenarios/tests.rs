use super::*;
use crate::observe::leak::Canary;
use crate::observe::leak::LeakScanner;
use crate::run::CaseRecord;

#[test]
fn a_side_effect_is_the_calls_that_carries_its_canaries_not_an_earlier_cases() {
    let canary = |v: &str| Canary {
        field: "customer_contact.email".into(),
        value: v.into(),
    };
    let own = LeakScanner::new(vec![canary("mine.person.q7@example.com")]);
    let mut ledger = Ledger::default();
    assert!(is_this_calls(&own, &ledger, b"no customer data at all"));
    ledger.record_case(CaseRecord {
        binding: Binding::A2aJsonrpc,
        canaries: vec![canary("earlier.person.k2@example.com")],
        accepted: true,
    });
    assert!(is_this_calls(
        &own,
        &ledger,
        b"To desk: MINE.PERSON.Q7@example.com"
    ));
    assert!(!is_this_calls(
        &own,
        &ledger,
        b"late mail for earlier.person.k2@example.com"
    ));
    assert!(is_this_calls(&own, &ledger, b"no customer data at all"));
    // Both: it carries this call's data, so it is judged as this call's.
    assert!(is_this_calls(
        &own,
        &ledger,
        b"mine.person.q7@example.com earlier.person.k2@example.com"
    ));
}

#[test]
fn the_card_needs_the_inventory_tool_only_without_static_vins() {
    let opts = RunOptions::default();
    assert_eq!(
        card_skills(&opts),
        [
            tools::SEARCH_INVENTORY,
            tools::CREATE_RESERVATION,
            tools::RELEASE_RESERVATION,
            tools::INITIATE_DEAL_HANDOFF
        ]
    );
    let opts = RunOptions {
        fixture_vins: Some(vec!["4S4BTGND0R3100001".into()]),
        ..RunOptions::default()
    };
    assert_eq!(
        card_skills(&opts),
        [
            tools::CREATE_RESERVATION,
            tools::RELEASE_RESERVATION,
            tools::INITIATE_DEAL_HANDOFF
        ]
    );
}
