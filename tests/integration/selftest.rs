//! Self-test: the harness proven against its own reference. The reference passes every MUST
//! clause on every transport (JSON and SSE MCP replies); the report files validate against
//! `reports/report.schema.json`; the report is snapshot-tested with volatile values redacted.
//! That every injected defect is caught by the clause it breaks is
//! `tests/integration/defect_table.rs`, through the binary.

use dealer_tck::reference::Defect;
use dealer_tck::report::{Report, Verdict};
use dealer_tck::run::{RunOptions, run};
use dealer_tck::spec::catalogue::Level;
use dealer_tck::suites::dmc12::catalogue as dmc12;
use std::collections::BTreeSet;

fn quick(defect: Option<Defect>) -> RunOptions {
    RunOptions {
        cases: 2,
        out_dir: None,
        defect,
        ..RunOptions::default()
    }
}

fn must_results_all_pass(report: &Report) {
    let bad: Vec<String> = report
        .results()
        .filter(|r| r.level == Level::Must && r.verdict != Verdict::Pass)
        .map(|r| {
            format!(
                "{} [{}] {:?}: {:?}",
                r.clause, r.transport, r.verdict, r.details
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "MUST clauses not passing on the reference:\n{}",
        bad.join("\n")
    );
    assert!(report.conformant);
    assert_eq!(report.exit_code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_passes_every_must_clause_on_every_transport() {
    let (report, _) = run(quick(None)).await.expect("run");
    assert_eq!(
        report.target.transports,
        vec!["a2a-jsonrpc", "a2a-rest", "mcp", "mcp-modern"]
    );
    must_results_all_pass(&report);
    // Every MUST clause of the catalogue was judged on every transport (or target-wide).
    let judged: BTreeSet<&str> = report.results().map(|r| r.clause.as_str()).collect();
    for c in &dmc12().clauses {
        assert!(
            judged.contains(c.id.as_str()),
            "{} missing from the report",
            c.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_passes_with_sse_replies() {
    let opts = RunOptions {
        mcp_sse: true,
        transports: Some(vec![dealer_tck::transport::Binding::Mcp]),
        ..quick(None)
    };
    let (report, _) = run(opts).await.expect("run");
    must_results_all_pass(&report);
}

/// Validate JUnit XML against fixtures/junit/junit.xsd with xmllint (skipped, loudly, without
/// xmllint on a developer's machine; required in CI).
fn assert_junit_valid(xml: &str) {
    use std::io::Write;
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/junit/junit.xsd");
    let child = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", xsd, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        crate::support::xmllint_missing();
        return;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml.as_bytes())
        .expect("write to xmllint");
    let out = child.wait_with_output().expect("xmllint ran");
    assert!(
        out.status.success(),
        "junit.xml does not validate against junit.xsd: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_files_validate_and_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let opts = RunOptions {
        out_dir: Some(dir.path().to_path_buf()),
        ..quick(None)
    };
    let (report, out) = run(opts).await.expect("run");
    let out = out.expect("report dir");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json"))
            .expect("schema json");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("report.json")).expect("report.json"),
    )
    .expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not validate: {errors:?}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("CONFORMANT") && md.contains("DMC12-CONSENT-EXPIRY-001"));
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    assert!(
        junit.starts_with("<?xml") && junit.contains("<testcase") && !junit.contains("<failure")
    );
    assert_junit_valid(&junit);
    // Every verdict's rendering validates too, whatever bytes a server put in its messages.
    let mut every = report.clone();
    let verdicts = [
        Verdict::Fail,
        Verdict::Error,
        Verdict::NotTested,
        Verdict::Warn,
    ];
    for (r, v) in every.suites[0].results.iter_mut().zip(verdicts) {
        r.verdict = v;
        r.details.push(dealer_tck::report::Detail::new("case-\u{1}", "check", "a server said \u{1b}[31m<oops> & \u{0}\u{8}\"quoted\"\r\n\u{FFFF} \u{202e}| `x` <script>alert(1)</script>"));
    }
    every.target.skipped.push(dealer_tck::report::Skipped {
        name: "mcp".into(),
        reason: "the card lists no <MCP> endpoint & \u{1}".into(),
    });
    let every_junit = every.to_junit();
    assert!(every_junit.contains("<testsuite name=\"skipped\""));
    for tag in ["<failure", "<error", "<skipped", "<system-out>"] {
        assert!(every_junit.contains(tag), "{tag} not rendered");
    }
    assert_junit_valid(&every_junit);
    // The Markdown and the terminal summary show the same bytes inert: no raw control or
    // bidirectional character, no tag, no table cell or code span from the server.
    let md = every.to_markdown();
    let summary = every.summary();
    let raw = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
    };
    for (name, text) in [("report.md", &md), ("summary", &summary)] {
        assert!(
            !text.chars().any(raw),
            "{name} carries a raw control character: {text:?}"
        );
    }
    assert!(!md.contains("<oops>") && !md.contains("<script>"), "{md}");
    assert!(
        md.contains("&lt;oops&gt;") && md.contains("\\| \\`x\\`"),
        "{md}"
    );
    assert!(md.contains(r"&lt;MCP&gt; endpoint &amp; \\u{1}"), "{md}");
    assert!(summary.contains("\\u{1b}[31m"), "{summary}");
    // No secret in any file.
    for f in ["report.json", "report.md", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(out.join(f)).expect("file");
        for secret in [
            dealer_tck::reference::TOKEN_AGENT_A,
            dealer_tck::reference::TOKEN_AGENT_B,
            dealer_tck::reference::TOKEN_UNSCOPED,
        ] {
            assert!(!text.contains(secret), "{f} leaks a bearer token");
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_json_snapshot!("dmc12-reference-report", report, {
            ".run_id" => "[run-id]",
            ".started_at" => "[time]",
            ".target.url" => "[url]",
            ".provenance.suites[].catalogue_sha256" => "[sha256]",
            ".stats" => "[stats]",
            ".suites[].results[].evaluations" => "[n]",
            ".suites[].results[].passed" => "[n]",
        });
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_invalid_case_is_shrunk_and_still_breaks_its_one_rule() {
    // The defect accepts extra trade_in members: the generated invalid case fails its clause,
    // is shrunk on its base (the break re-applied to every candidate) and kept, minimal.
    let opts = RunOptions {
        transports: Some(vec![dealer_tck::transport::Binding::A2aJsonrpc]),
        ..quick(Some(Defect::TradeInExtraFields))
    };
    let (report, _) = run(opts).await.expect("run");
    let r = report
        .results()
        .find(|r| r.clause == "DMC12-REQ-TRADEIN-001" && r.verdict == Verdict::Fail)
        .expect("the trade-in clause fails");
    let ce = r.counterexample.as_ref().expect("counterexample kept");
    assert_eq!(ce.seed, RunOptions::default().seed);
    assert!(
        ce.case.starts_with("invalid-tradein-extra-field"),
        "{}",
        ce.case
    );
    assert!(ce.shrink_steps > 0, "not shrunk: {ce:?}");
    // The minimal payload still carries exactly the break, and nothing optional it does not
    // need: a shrunk base has fewer members than the generator's richest requests.
    assert_eq!(
        ce.payload.pointer("/trade_in/color"),
        Some(&serde_json::json!("blue")),
        "{}",
        ce.payload
    );
    if let Some(email) = ce
        .payload
        .pointer("/customer_contact/email")
        .and_then(|v| v.as_str())
    {
        assert!(email.contains("****"), "payload not masked: {email}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_generated_case_is_shrunk_and_masked() {
    // loose-phone-pattern is caught on fixed cases; echo-invalid-value leaks through generated
    // invalid cases. A defect that breaks generated valid cases: unmasked next_steps.
    let (report, _) = run(quick(Some(Defect::UnmaskedNextSteps)))
        .await
        .expect("run");
    let r = report
        .results()
        .find(|r| r.clause == "DMC12-RCPT-NEXTSTEPS-001" && r.verdict == Verdict::Fail)
        .expect("next_steps clause fails");
    let ce = r.counterexample.as_ref().expect("counterexample kept");
    assert_eq!(ce.seed, RunOptions::default().seed);
    let email = ce
        .payload
        .pointer("/customer_contact/email")
        .and_then(|v| v.as_str())
        .expect("email in payload");
    assert!(email.contains("****"), "payload not masked: {email}");
    // Evidence never carries the plaintext: every detail is masked.
    for d in &r.details {
        assert!(
            !d.detail.contains('@') || d.detail.contains("****"),
            "{}",
            d.detail
        );
    }
}

/// Every clock time in a string (a consent that expired two days ago is dated from the run's
/// clock, and so is its mail) as `<time>`.
fn without_times(v: &mut serde_json::Value, re: &regex::Regex) {
    match v {
        serde_json::Value::String(s) => *s = re.replace_all(s, "<time>").into_owned(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| without_times(x, re)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| without_times(x, re)),
        _ => {}
    }
}

/// The paths where two JSON values differ (at most 20), for a readable failure.
fn differences(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value::{Array, Object};
    if out.len() >= 20 || a == b {
        return;
    }
    match (a, b) {
        (Object(x), Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let null = serde_json::Value::Null;
                let (p, q) = (x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null));
                differences(p, q, &format!("{at}/{k}"), out);
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{at}/{i}"), out);
            }
        }
        _ => out.push(format!("{at}: {a} ≠ {b}")),
    }
}

/// The report with what may differ between two runs of one seed taken out: the run's id,
/// start and URL, the measurements of time and of answers held at once, and clock times.
fn comparable(report: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(report).expect("report as JSON");
    let clock = regex::Regex::new(
        r"(\d{4}-\d{2}-\d{2}T)?(\d{2})?:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})",
    )
    .expect("regex");
    without_times(&mut v, &clock);
    for key in ["run_id", "started_at"] {
        v.as_object_mut().expect("object").remove(key);
    }
    v["target"].as_object_mut().expect("target").remove("url");
    // A reproduction spells out the run's port, message ids and reservation tokens.
    for s in v["suites"].as_array_mut().expect("suites") {
        for r in s["results"].as_array_mut().expect("results") {
            for d in r["details"].as_array_mut().expect("details") {
                d.as_object_mut().expect("detail").remove("reproduction");
            }
        }
    }
    let stats = v["stats"].as_object_mut().expect("stats");
    for key in [
        "seconds",
        "cases_per_second",
        "cpu_seconds",
        "phases",
        "peak_held_bytes",
    ] {
        stats.remove(key);
    }
    v
}

/// Issue 15: the same seed gives the same report at any concurrency, for the reference and
/// for a defective server whose failures are shrunk to counterexamples.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_report_at_concurrency_1_and_8() {
    for defect in [None, Some(Defect::EmailBeforeConsentCheck)] {
        let at = |concurrency: usize| RunOptions {
            concurrency,
            ..quick(defect)
        };
        let (one, _) = run(at(1)).await.expect("run at 1");
        let (eight, _) = run(at(8)).await.expect("run at 8");
        assert_eq!(one.conformant, defect.is_none(), "{defect:?}");
        assert!(one.stats.cases > 100, "{}", one.stats.cases);
        let mut diff = vec![];
        differences(&comparable(&one), &comparable(&eight), "", &mut diff);
        assert!(diff.is_empty(), "{defect:?}:\n{}", diff.join("\n"));
    }
}

/// Issue 15: merge(1/3, 2/3, 3/3) gives the verdicts of the whole run, on a defective server
/// (failures and counterexamples in some shares only); a share missing or given twice, or a
/// report of an unpartitioned run, is refused with one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_the_three_shares_of_a_run_gives_the_whole_runs_verdicts() {
    use dealer_tck::report::merge::merge;
    use dealer_tck::run::Partition;
    let defect = Some(Defect::EmailBeforeConsentCheck);
    let (whole, _) = run(quick(defect)).await.expect("whole run");
    let mut shares = vec![];
    for index in 1..=3 {
        let opts = RunOptions {
            partition: Some(Partition { index, of: 3 }),
            ..quick(defect)
        };
        let (share, _) = run(opts).await.expect("share");
        assert_eq!(
            share.partition.as_deref(),
            Some(format!("{index}/3").as_str())
        );
        // A share judges only the clauses its cases fell on: some are NOT_APPLICABLE.
        assert!(share.totals.not_applicable > 0, "{}", share.summary());
        shares.push(share);
    }
    let cells = |r: &Report| -> Vec<(String, String, Verdict)> {
        r.results()
            .map(|c| (c.clause.clone(), c.transport.clone(), c.verdict))
            .collect()
    };
    // Given in any order.
    let merged = merge(
        vec![shares[2].clone(), shares[0].clone(), shares[1].clone()],
        false,
    )
    .expect("merge");
    assert_eq!(cells(&merged), cells(&whole));
    assert_eq!(merged.totals, whole.totals);
    assert_eq!(
        (merged.conformant, merged.exit_code),
        (whole.conformant, whole.exit_code)
    );
    assert!(!merged.conformant);
    assert_eq!(merged.stats.cases, whole.stats.cases);
    assert_eq!(merged.partition, None);
    // Every failing clause keeps its evidence and, for a generated case, its counterexample.
    for (m, w) in merged.results().zip(whole.results()) {
        if w.verdict == Verdict::Fail {
            assert!(!m.details.is_empty(), "{}", m.clause);
            assert_eq!(
                m.counterexample.is_some(),
                w.counterexample.is_some(),
                "{}",
                m.clause
            );
        }
    }
    let refused = |reports: Vec<Report>| merge(reports, false).expect_err("refused").to_string();
    let e = refused(vec![shares[0].clone(), shares[1].clone()]);
    assert!(e.contains("every share 1/N … N/N"), "{e}");
    let e = refused(vec![
        shares[0].clone(),
        shares[1].clone(),
        shares[1].clone(),
    ]);
    assert!(e.contains("every share 1/N … N/N"), "{e}");
    let e = refused(vec![whole.clone()]);
    assert!(e.contains("not a share of a partitioned run"), "{e}");
    let mut other_seed = shares[2].clone();
    other_seed.seed += 1;
    let e = refused(vec![shares[0].clone(), shares[1].clone(), other_seed]);
    assert!(e.contains("not shares of one run"), "{e}");
}
