//! Self-test of the AAP suites: the harness proven against its own reference. The reference
//! passes every MUST clause of both AAP suites on both A2A bindings, and with the A2A 0.3
//! profile; the report shows the AAP suites beside DMC-12. That every AAP defect is caught by
//! the clause it breaks, and by no other, is `tests/integration/defect_table.rs`, through the
//! binary.
//!
//! Runs are restricted to the AAP clauses (`clause_filter: "AAP"`, which also skips the DMC-12
//! suite) and use few generated cases, to keep the runtime low.

use dealer_tck::reference::Defect;
use dealer_tck::report::{Report, Verdict};
use dealer_tck::run::{AapTimes, AapVehicles, RunOptions, run};
use dealer_tck::spec::catalogue::Level;
use dealer_tck::suites::aap::{aap_draft, aap_v02};
use dealer_tck::transport::Binding;
use dealer_tck::transport::a2a::A2aProfile;
use std::collections::BTreeSet;

fn aap_only(defect: Option<Defect>) -> RunOptions {
    RunOptions {
        cases: 1,
        out_dir: None,
        defect,
        clause_filter: Some("AAP".into()),
        ..RunOptions::default()
    }
}

fn not_passing(report: &Report, level: Level) -> Vec<String> {
    report
        .results()
        .filter(|r| r.level == level && r.verdict != Verdict::Pass)
        .map(|r| {
            format!(
                "{} [{}] {:?}: {:?}",
                r.clause, r.transport, r.verdict, r.details
            )
        })
        .collect()
}

/// Every clause of both AAP catalogues is in the report, every MUST (and SHOULD) passes, and
/// the run is conformant.
fn every_aap_clause_passes(report: &Report, transports: &[&str]) {
    let bad = not_passing(report, Level::Must);
    assert!(
        bad.is_empty(),
        "MUST clauses not passing on the reference:\n{}",
        bad.join("\n")
    );
    let warn = not_passing(report, Level::Should);
    assert!(
        warn.is_empty(),
        "SHOULD clauses not passing on the reference:\n{}",
        warn.join("\n")
    );
    let suites: Vec<&str> = report.suites.iter().map(|s| s.suite.as_str()).collect();
    assert_eq!(suites, vec!["aap-0.2", "aap-draft"]);
    for cat in [aap_v02(), aap_draft()] {
        for c in &cat.clauses {
            let columns: BTreeSet<&str> = report
                .results()
                .filter(|r| r.clause == c.id)
                .map(|r| r.transport.as_str())
                .collect();
            let want: BTreeSet<&str> = if c.id.contains("LEADID") {
                ["target"].into()
            } else {
                transports.iter().copied().collect()
            };
            assert_eq!(columns, want, "{} judged on {columns:?}", c.id);
        }
    }
    assert_eq!(report.target.transports, transports);
    assert!(report.conformant);
    assert_eq!(report.exit_code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_passes_every_aap_clause_on_both_a2a_bindings() {
    let (report, _) = run(aap_only(None)).await.expect("run");
    every_aap_clause_passes(&report, &["a2a-jsonrpc", "a2a-rest"]);
    // The fixtures came from inventory.search and the documented times: nothing untested.
    assert_eq!(report.totals.not_tested, 0);
    assert!(report.stats.crm_requests > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_passes_every_aap_clause_with_the_a2a_0_3_profile() {
    let opts = RunOptions {
        a2a_profile: A2aProfile::V0_3,
        ..aap_only(None)
    };
    let (report, _) = run(opts).await.expect("run");
    every_aap_clause_passes(&report, &["a2a-jsonrpc", "a2a-rest"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_run_with_the_0_3_profile_is_conformant_and_skips_dmc12_over_a2a() {
    // `run --a2a-profile 0.3`: the AAP suites speak 0.3; DMC-12 is bound to A2A 1.0, so its
    // A2A transports are skipped with the reason and it runs on MCP.
    let opts = RunOptions {
        cases: 1,
        out_dir: None,
        a2a_profile: A2aProfile::V0_3,
        ..RunOptions::default()
    };
    let (report, _) = run(opts).await.expect("run");
    let bad = not_passing(&report, Level::Must);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(report.conformant, "{}", report.summary());
    let skipped: Vec<&str> = report
        .target
        .skipped
        .iter()
        .filter(|s| s.reason.contains("A2A 0.3 profile"))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(skipped, vec!["a2a-jsonrpc", "a2a-rest"]);
    let dmc12_columns: BTreeSet<&str> = report.suites[0]
        .results
        .iter()
        .map(|r| r.transport.as_str())
        .collect();
    assert!(
        dmc12_columns
            .iter()
            .all(|t| t.starts_with("mcp") || *t == "target"),
        "{dmc12_columns:?}"
    );
    assert!(dmc12_columns.contains("mcp"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_0_3_client_is_answered_by_the_reference_serving_0_3() {
    // The profile is real: the reference serving 0.3 answers the 0.3 client and refuses the
    // A2A 1.0 one.
    let server =
        dealer_tck::reference::ReferenceServer::start(dealer_tck::reference::ReferenceConfig {
            a2a_version_0_3: true,
            ..Default::default()
        })
        .await
        .expect("reference");
    let card = dealer_tck::transport::a2a::fetch_card(&server.base_url(), &Default::default())
        .await
        .expect("card");
    let url = card.interface_url("JSONRPC").expect("jsonrpc").to_string();
    let args = serde_json::json!({"type": "lead.general.request", "message": "Open on Sundays?",
                                  "source_agent": "dealer-tck"});
    for profile in [A2aProfile::V1_0, A2aProfile::V0_3] {
        let client = dealer_tck::transport::Client::new(
            Binding::A2aJsonrpc,
            &url,
            dealer_tck::transport::ClientConfig {
                a2a_profile: profile,
                ..Default::default()
            },
        );
        let ex = client
            .call(
                "lead.general",
                &args,
                Some(dealer_tck::reference::TOKEN_AGENT_A),
            )
            .await
            .expect("exchange");
        let received = matches!(&ex.reply, dealer_tck::transport::Reply::Op { object, .. }
            if object.pointer("/data/status").and_then(|s| s.as_str()) == Some("received"));
        assert_eq!(
            received,
            profile == A2aProfile::V0_3,
            "{profile}: {:?}",
            ex.reply
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_fixtures_are_not_tested_never_passed() {
    let opts = RunOptions {
        aap_times: AapTimes {
            confirmable: Some(AapTimes::default().confirmable.expect("default")),
            proposable: None,
            unavailable: None,
        },
        transports: Some(vec![Binding::A2aRest]),
        ..aap_only(None)
    };
    let (report, _) = run(opts).await.expect("run");
    for clause in ["AAP02-APPT-PROPOSED-001", "AAP02-APPT-UNAVAILABLE-001"] {
        let r = report
            .results()
            .find(|r| r.clause == clause)
            .expect("clause in the report");
        // PROPOSED is never answered without the proposable time; UNAVAILABLE needs its own.
        assert_eq!(r.verdict, Verdict::NotTested, "{clause}: {:?}", r.details);
    }
    // Profile vehicles win over inventory.search: a sold VIN given as "unknown" is refused
    // with VEHICLE_UNAVAILABLE, so the NOT_FOUND clause fails.
    let opts = RunOptions {
        aap_vehicles: AapVehicles {
            unknown: Some("4S4BTGPD0R3100002".into()),
            ..AapVehicles::default()
        },
        transports: Some(vec![Binding::A2aJsonrpc]),
        clause_filter: Some("AAP02-VEHICLE-NOTFOUND".into()),
        ..aap_only(None)
    };
    let (report, _) = run(opts).await.expect("run");
    let verdicts: Vec<Verdict> = report.results().map(|r| r.verdict).collect();
    assert_eq!(verdicts, vec![Verdict::Fail]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_shows_the_aap_suites_beside_dmc12() {
    let opts = RunOptions {
        cases: 1,
        out_dir: None,
        transports: Some(vec![Binding::A2aRest]),
        ..RunOptions::default()
    };
    let (report, _) = run(opts).await.expect("run");
    let suites: Vec<&str> = report.suites.iter().map(|s| s.suite.as_str()).collect();
    assert_eq!(suites, vec!["dmc12", "aap-0.2", "aap-draft"]);
    let md = report.to_markdown();
    for heading in [
        "## DMC-12 initiate_deal_handoff",
        "## AAP v0.2 lead.submit",
        "## AAP draft lead.general",
    ] {
        assert!(md.contains(heading), "{heading} missing from report.md");
    }
    assert!(md.contains("AAP02-VEHICLE-NOTESTDRIVE-001") && md.contains("AAPD-ANON-001"));
    let summary = report.summary();
    assert!(summary.contains("AAP v0.2") && summary.contains("AAP draft"));
    let bad = not_passing(&report, Level::Must);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A dealer that offers only `lead.general` over A2A JSON-RPC and answers every lead
/// `received` (a wiremock stand-in, no DMC-12): the draft suite runs, v0.2 is reported skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suites_follow_the_agent_card() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/.well-known/agent-card.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "name": "General inquiries only",
            "supportedInterfaces": [
                {"url": format!("{base}/a2a"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
            ],
            "skills": [{"id": "lead.general"}],
            "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
        })))
        .mount(&server)
        .await;
    let answer = serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": {"message": {
        "messageId": "m", "role": "ROLE_AGENT",
        "parts": [{"data": {"type": "lead.general.response",
                            "data": {"lead_id": "lead_same", "status": "received"},
                            "message": "Thanks."}}]}}});
    Mock::given(method("POST"))
        .and(path("/a2a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    let opts = RunOptions {
        target: dealer_tck::run::TargetSpec::External {
            base_url: base.clone(),
            card_url: None,
        },
        mcp_enabled: Some(false),
        crm_expected: false,
        ..aap_only(None)
    };
    let (report, _) = run(opts).await.expect("run");
    let suites: Vec<&str> = report.suites.iter().map(|s| s.suite.as_str()).collect();
    assert_eq!(suites, vec!["aap-draft"]);
    let skipped: Vec<(&str, &str)> = report
        .target
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![("aap-0.2", "the agent card lists no lead.submit skill")]
    );
    assert_eq!(report.target.transports, vec!["a2a-jsonrpc"]);
    // Every rendering shows what was skipped, and why.
    let why = "the agent card lists no lead.submit skill";
    assert!(
        report
            .summary()
            .contains(&format!("SKIPPED aap-0.2 — {why}")),
        "{}",
        report.summary()
    );
    assert!(
        report
            .to_markdown()
            .contains(&format!("- `aap-0.2` — {why}"))
    );
    assert!(report.to_junit().contains(&format!(
        "<testcase classname=\"skipped\" name=\"aap-0.2\"><skipped message=\"{why}\"/>"
    )));
    // It answers everything "received" with one lead id: the consent and request clauses
    // fail, the lead ids repeat, the anonymous inquiry passes, the ADF is not observed.
    let verdict = |clause: &str| {
        report
            .results()
            .find(|r| r.clause == clause)
            .map(|r| r.verdict)
    };
    for clause in [
        "AAPD-REQ-001",
        "AAPD-CUSTOMER-001",
        "AAPD-CONSENT-001",
        "AAPD-CONSENT-SCOPE-001",
        "AAPD-CONSENT-CHANNEL-001",
        "AAPD-LEADID-001",
    ] {
        assert_eq!(verdict(clause), Some(Verdict::Fail), "{clause}");
    }
    assert_eq!(verdict("AAPD-DUPLICATE-001"), Some(Verdict::Warn));
    assert_eq!(verdict("AAPD-ANON-001"), Some(Verdict::Pass));
    assert_eq!(verdict("AAPD-ACCEPT-001"), Some(Verdict::Pass));
    assert_eq!(verdict("AAPD-ADF-001"), Some(Verdict::NotTested));
    // Every lead went out as SendMessage with the lead.general skill.
    let requests = server.received_requests().await.unwrap_or_default();
    let posts: Vec<serde_json::Value> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    assert!(posts.len() > 10);
    assert!(posts.iter().all(|p| p["method"] == "SendMessage"
        && p["params"]["message"]["metadata"]["skill"] == "lead.general"));
}
