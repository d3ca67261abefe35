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
        vec!["a2a-jsonrpc", "a2a-rest", "mcp"]
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
        r.details.push(dealer_tck::report::Detail {
            case: "case-\u{1}".into(),
            check: "check".into(),
            detail: "a server said \u{1b}[31m<oops> & \u{0}\u{8}\"quoted\"\r\n\u{FFFF} \u{202e}| `x` <script>alert(1)</script>".into(),
        });
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
    for f in ["report.json", "report.md", "junit.xml"] {
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
