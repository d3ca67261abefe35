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

#[test]
fn a_fork_sees_the_earlier_cases_of_every_ledger_and_joins_back_in_order() {
    let canary = |v: &str| Canary {
        field: "customer_contact.email".into(),
        value: v.into(),
    };
    let own = LeakScanner::new(vec![canary("mine.person.q7@example.com")]);
    let parent = Ledger::default();
    let (mut a, mut b) = (parent.fork(), parent.fork());
    b.record_case(CaseRecord {
        binding: Binding::Mcp,
        canaries: vec![canary("other.transport.k2@example.com")],
        accepted: true,
    });
    // A case another transport sent is an earlier case for this one's window too.
    assert!(!is_this_calls(
        &own,
        &a,
        b"late mail for other.transport.k2@example.com"
    ));
    a.push(Evaluation::new(
        "DMC12-REQ-ACCEPT-001",
        "accept-valid",
        Some(Binding::A2aJsonrpc),
        "a",
        Outcome::Pass,
    ));
    b.push(Evaluation::new(
        "DMC12-REQ-ACCEPT-001",
        "accept-valid",
        Some(Binding::Mcp),
        "b",
        Outcome::Pass,
    ));
    b.stats.cases = 3;
    let mut parent = parent;
    parent.join(a);
    parent.join(b);
    let order: Vec<&str> = parent.evals.iter().map(|e| e.case.as_str()).collect();
    assert_eq!(order, ["a", "b"]);
    assert_eq!((parent.cases.len(), parent.stats.cases), (1, 3));
}

#[test]
fn a_breaker_tripped_on_one_transport_stops_the_others() {
    let parent = Ledger::default();
    let (mut a, b) = (parent.fork(), parent.fork());
    for _ in 0..crate::run::BREAKER_LIMIT {
        a.note_transport::<()>(&Err(crate::transport::TransportError::Io {
            url: "http://127.0.0.1:1".into(),
            detail: "connection refused".into(),
        }));
    }
    assert!(a.breaker_check(Binding::A2aJsonrpc).is_err());
    let why = b
        .breaker_check(Binding::Mcp)
        .expect_err("the other fork refuses too");
    assert!(why.to_string().contains("stopped answering"), "{why}");
}

#[test]
fn inventory_shares_never_overlap_and_a_small_one_takes_the_whole_list() {
    let vins: Vec<String> = (0..24).map(|i| format!("4S4BTGND0R31{i:05}")).collect();
    let shares: Vec<Vec<String>> = (0..3)
        .map(|k| inventory_share(vins.clone(), k, 3))
        .collect();
    let mut all: Vec<&String> = shares.iter().flatten().collect();
    all.sort();
    assert_eq!(all.len(), 24, "{shares:?}");
    all.dedup();
    assert_eq!(all.len(), 24, "{shares:?}");
    // A VIN's share does not depend on the list it came in (a server may list held cars or not).
    let without_first: Vec<String> = vins[1..].to_vec();
    for (k, whole) in shares.iter().enumerate() {
        let share = inventory_share(without_first.clone(), k, 3);
        assert!(share.iter().all(|v| whole.contains(v)), "share {k}");
    }
    assert_eq!(inventory_share(vins.clone(), 0, 1), vins);
    let two = vec![vins[0].clone(), vins[1].clone()];
    assert_eq!(inventory_share(two.clone(), 2, 3), two);
}
