//! The trust test: a dealer server written by a separate author from the seeds and BINDINGS.md
//! alone, without reading the checks (`tests/independent/dealer.py`, Python standard library,
//! its choices listed in `tests/independent/NOTES.md`), is launched by `dealer-tck run
//! --profile` and must come out CONFORMANT with no FAIL, no ERROR and no MUST clause
//! NOT_TESTED. Where it chose differently from the reference (it keeps a vehicle-failure lead
//! received, answers INVALID_CONDITION for a word in neither vocabulary, never forwards
//! lead.general to the CRM, …) the harness must accept its reading. Needs `python3`: without it
//! the test says so in one line and passes, unless `DEALER_TCK_REQUIRE_PYTHON=1` (set by
//! `.ci/run`) makes that a failure.

use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};
use serde_json::Value;

use crate::support::{self, tck_env};

/// `YYYY-MM-DDTHH:MM:SSZ` of the first `weekday` at least `days` ahead, at `hour`:00 UTC.
fn next(weekday: Weekday, days: i64, hour: u32) -> String {
    let mut day = (Utc::now() + Duration::days(days)).date_naive();
    while day.weekday() != weekday {
        day = day.succ_opt().expect("date");
    }
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("time"))
        .and_utc()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn an_independently_written_conforming_server_is_conformant() {
    if !support::python3("the independent server") {
        return;
    }
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/independent/dealer.py");
    let dir = tempfile::tempdir().expect("tmp");
    // Its documented fixtures (NOTES.md): Monday–Friday 14:00–21:30 UTC is bookable, a Saturday
    // gets proposals, more than 730 days ahead cannot be honoured.
    let profile = format!(
        r#"[target]
launch = "python3 {server} --port {{port}} --smtp {{smtp_host}}:{{smtp_port}} --crm-url '{{crm_url}}' --crm-token {{crm_token}} --store-id {{store_id}} --db {{db}}"
ready_timeout_secs = 20

[tokens]
agent_a_env = "INDEP_TOKEN_A"
agent_b_env = "INDEP_TOKEN_B"
unscoped_env = "INDEP_TOKEN_NO_HANDOFF"

[observe]
crm_timeout_ms = 1500
desk = ["sales.desk@hillvalleysubaru.example", "finance.manager@hillvalleysubaru.example"]

[aap]
in_stock_vin = "4S4BTGND9S3100101"
sold_vin = "4S4WMARD2S3400505"
unknown_vin = "4S4BTANCXR3999999"
confirmable_time = "{confirm}"
proposable_time = "{propose}"
unavailable_time = "{unavailable}"
"#,
        confirm = next(Weekday::Tue, 2, 15),
        propose = next(Weekday::Sat, 2, 15),
        unavailable = next(Weekday::Tue, 800, 15),
    );
    let path = dir.path().join("independent.toml");
    std::fs::write(&path, profile).expect("profile");
    let path = path.to_str().expect("utf-8 path");
    let out = dir.path().join("reports");
    let out = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck_env(
        &[
            "run",
            "--cases",
            "2",
            "--json",
            "--profile",
            path,
            "--out",
            out,
        ],
        dir.path(),
        &[
            ("INDEP_TOKEN_A", "indep-agent-a-5b1c9e"),
            ("INDEP_TOKEN_B", "indep-agent-b-88f2aa"),
            ("INDEP_TOKEN_NO_HANDOFF", "indep-no-handoff-31d7c0"),
            // The server reads its tokens from these.
            ("DEALER_TOKEN_A", "indep-agent-a-5b1c9e"),
            ("DEALER_TOKEN_B", "indep-agent-b-88f2aa"),
            ("DEALER_TOKEN_NO_HANDOFF", "indep-no-handoff-31d7c0"),
        ],
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("exit {code}, no JSON report ({e}): {stderr}"));
    let bad = support::blocking(&report);
    assert!(
        bad.is_empty() && code == 0 && report["conformant"] == true,
        "the independent server is held to something the seeds do not say (exit {code}):\n{}",
        bad.join("\n")
    );
    // Every suite ran: the three suites, on every transport it serves.
    let suites: Vec<&str> = report["suites"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["suite"].as_str())
        .collect();
    assert_eq!(suites.len(), 3, "{suites:?}");
    assert_eq!(
        report["target"]["transports"].as_array().map(Vec::len),
        Some(3)
    );
}
