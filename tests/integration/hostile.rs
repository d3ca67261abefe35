//! The hostile-server suite (issue 16): `tests/hostile/server.py`, launched by the harness the
//! way a user launches their server, in one mode per way a target can be hostile; and the
//! reference padding every answer to near the cap. Each run ends within [`BOUND`] (a hang
//! guard: the run is killed and the test fails), exits with the code the case calls for, says
//! what went wrong in one line, and leaves a report whose every writer is inert.

use dealer_tck::run::{RunOptions, run};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

use crate::support::{python3, results, tck_within};

/// The hostile server.
const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile/server.py");

/// Every run of this suite ends within this bound, whatever the server does.
const BOUND: Duration = Duration::from_secs(120);

/// The harness's cap on one answer (`ClientConfig::max_body`).
const CAP: usize = 4 * 1024 * 1024;

/// What one run against the hostile server left.
struct Hostile {
    code: i32,
    out: String,
    err: String,
    /// report.json, report.md, junit.xml and report.html, when a report was written.
    report: Option<(Value, String, String, String)>,
    /// How many times the server was started.
    starts: usize,
}

/// Launch the hostile server in `mode` under the harness (1 s per exchange, 3 s to be ready,
/// one generated case unless `extra` says `--cases`, `extra` arguments after); None when
/// python3 is missing (the skip is one line).
fn hostile(mode: &str, extra: &[&str]) -> Option<Hostile> {
    if !python3(&format!("the hostile server ({mode})")) {
        return None;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let starts = dir.path().join("starts");
    let launch = format!(
        "python3 {SERVER} --mode {mode} --port {{port}} --starts {}",
        starts.display()
    );
    let mut args = vec![
        "run",
        "--launch",
        &launch,
        "--timeout",
        "1",
        "--ready-timeout",
        "3",
    ];
    if !extra.contains(&"--cases") {
        args.extend(["--cases", "1"]);
    }
    args.extend_from_slice(extra);
    let (code, out, err) = tck_within(&args, dir.path(), &[], BOUND);
    assert!(!err.contains("panicked"), "{mode}: {err}");
    assert!(
        err.trim().lines().count() <= 1,
        "{mode}: more than one line on stderr: {err}"
    );
    Some(Hostile {
        code,
        out,
        err,
        report: written_report(&dir.path().join("reports")),
        starts: std::fs::read_to_string(&starts)
            .unwrap_or_default()
            .lines()
            .count(),
    })
}

/// The one report under `reports/`, if any.
fn written_report(reports: &Path) -> Option<(Value, String, String, String)> {
    let run = std::fs::read_dir(reports)
        .ok()?
        .next()?
        .expect("entry")
        .path();
    let read = |f: &str| std::fs::read_to_string(run.join(f)).expect(f);
    let json = serde_json::from_str(&read("report.json")).expect("report.json is JSON");
    Some((
        json,
        read("report.md"),
        read("junit.xml"),
        read("report.html"),
    ))
}

/// Characters that must never reach a terminal, Markdown or XML raw from the target.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t' && c != '\r')
                || ('\u{202a}'..='\u{202e}').contains(&c)
        })
        .collect()
}

#[test]
fn a_hostile_agent_card_is_named_for_what_answered() {
    // (mode, what the one line must say)
    let table: [(&str, &[&str]); 6] = [
        (
            "redirect-loop",
            &["answered but cannot be tested", "redirected (HTTP 302"],
        ),
        (
            "unauthorized",
            &[
                "answered but cannot be tested",
                "HTTP 401",
                "without credentials",
            ],
        ),
        (
            "plain-web",
            &[
                "answered but cannot be tested",
                "not JSON (Content-Type text/html",
            ],
        ),
        (
            "not-json-card",
            &[
                "answered but cannot be tested",
                "not JSON (Content-Type application/json",
            ],
        ),
        (
            "reset",
            &["target unreachable", "reset or closed every one"],
        ),
        (
            "stall-headers",
            &[
                "target unreachable",
                "sent no answer to the agent card request",
            ],
        ),
    ];
    for (mode, says) in table {
        let Some(h) = hostile(mode, &[]) else { return };
        assert_eq!(h.code, 3, "{mode}: {}\n{}", h.out, h.err);
        for s in says {
            assert!(h.err.contains(s), "{mode}: {s:?} not in {}", h.err);
        }
        assert!(
            h.report.is_none(),
            "{mode}: a report for a target never tested"
        );
        assert!(!h.out.contains("CONFORMANT"), "{mode}: {}", h.out);
        assert_eq!(h.starts, 1, "{mode}: launched more than once");
    }
}

#[test]
fn a_target_lost_mid_run_leaves_a_partial_report_and_is_not_relaunched() {
    // (mode, what the one line must say)
    let table = [
        ("hang", "the target stopped answering"),
        ("drip", "the target stopped answering"),
        ("endless-sse", "the target stopped answering"),
        ("dies-after", "the target stopped answering"),
        ("huge", "the target's answers became unusable"),
    ];
    for (mode, says) in table {
        let Some(h) = hostile(mode, &[]) else { return };
        assert_eq!(h.code, 3, "{mode}: {}\n{}", h.out, h.err);
        assert!(
            h.err.contains("run ended early") && h.err.contains(says),
            "{mode}: {}",
            h.err
        );
        assert!(h.out.contains("PARTIAL"), "{mode}: {}", h.out);
        let (json, md, _, _) = h
            .report
            .as_ref()
            .unwrap_or_else(|| panic!("{mode}: no report"));
        assert_eq!(json["exit_code"], 3, "{mode}");
        assert!(
            json["partial"].as_str().is_some_and(|p| p.contains(says)),
            "{mode}: {}",
            json["partial"]
        );
        assert!(md.contains("**Partial report**"), "{mode}");
        let results = results(json);
        assert!(
            results
                .iter()
                .all(|r| r["verdict"] != "NOT_TESTED" || r["level"] != "MUST"),
            "{mode}: a MUST clause left NOT_TESTED after the loss"
        );
        // The breaker ends the run: no rediscovery, no relaunch for the restart scenario.
        assert_eq!(h.starts, 1, "{mode}: the lost target was launched again");
        assert!(
            json["stats"]["exchanges"].as_u64().is_some_and(|n| n < 20),
            "{mode}: {} exchanges after the loss",
            json["stats"]["exchanges"]
        );
    }
}

#[test]
fn garbage_invalid_utf8_and_deep_json_are_judged_not_crashed_on() {
    for mode in ["garbage", "bad-utf8", "deep-json"] {
        let Some(h) = hostile(mode, &[]) else { return };
        assert_eq!(h.code, 1, "{mode}: {}\n{}", h.out, h.err);
        assert!(h.out.contains("NOT CONFORMANT"), "{mode}: {}", h.out);
        let (json, _, _, _) = h
            .report
            .as_ref()
            .unwrap_or_else(|| panic!("{mode}: no report"));
        assert!(
            json["partial"].is_null(),
            "{mode}: these answers are wrong, not missing"
        );
        assert!(
            results(json)
                .iter()
                .any(|r| r["verdict"] == "FAIL" || r["verdict"] == "ERROR"),
            "{mode}"
        );
    }
}

#[test]
fn hostile_strings_reach_every_writer_inert() {
    let Some(h) = hostile("hostile-strings", &[]) else {
        return;
    };
    assert_eq!(h.code, 1, "{}\n{}", h.out, h.err);
    let (json, md, junit, html) = h.report.as_ref().expect("a report");
    // The server's strings did reach the report (escaped), so the checks below can fail.
    let text = json.to_string();
    assert!(
        text.contains("<script>alert(1)</script>"),
        "the hostile strings never reached the report"
    );
    assert!(
        text.contains("\\u001b[31m"),
        "the hostile strings never reached the report"
    );
    for (writer, out) in [
        ("terminal summary", &h.out),
        ("stderr", &h.err),
        ("report.md", md),
        ("junit.xml", junit),
        ("report.html", html),
    ] {
        assert!(
            raw_controls(out).is_empty(),
            "{writer} carries raw control characters: {:?}…",
            &raw_controls(out)[..raw_controls(out).len().min(8)]
        );
    }
    // Markup the target sent stays text in the files a browser or a code host renders.
    for (writer, out) in [("report.md", md), ("junit.xml", junit)] {
        assert!(
            !out.contains("<script>") && !out.contains("<img"),
            "{writer} carries raw markup"
        );
    }
    // report.html: its own script alone, the server's markup shown as text.
    assert_eq!(
        html.matches("<script").count(),
        1,
        "report.html carries raw markup"
    );
    assert!(!html.contains("<img"), "report.html carries raw markup");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile strings never reached report.html"
    );
    // Markdown: no raw pipe from the target breaks a table row, no raw backtick opens code.
    for line in md.lines().filter(|l| l.contains("alert(1)")) {
        assert!(
            !line.contains("| a |") && !line.contains(" `tick` "),
            "report.md line not escaped: {line}"
        );
    }
    // JUnit stays well-formed XML.
    let mut reader = quick_xml::Reader::from_str(junit);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("junit.xml is not well-formed: {e}"),
        }
    }
    // --json stays JSON, the strings escaped.
    let Some(j) = hostile("hostile-strings", &["--json"]) else {
        return;
    };
    let parsed: Value = serde_json::from_str(&j.out).expect("--json output is JSON");
    assert!(raw_controls(&j.out).is_empty());
    assert_eq!(parsed["exit_code"], 1);
}

#[test]
fn answers_padded_to_the_cap_are_held_a_few_at_a_time_and_evidence_is_capped() {
    let Some(h) = hostile("pad", &["--cases", "16"]) else {
        return;
    };
    assert_eq!(h.code, 1, "{}\n{}", h.out, h.err);
    let (json, _, _, _) = h.report.as_ref().expect("a report");
    let stats = &json["stats"];
    let (exchanges, held, kept) = (
        stats["exchanges"].as_u64().expect("exchanges") as usize,
        stats["peak_held_bytes"].as_u64().expect("peak_held_bytes") as usize,
        stats["kept_bytes"].as_u64().expect("kept_bytes") as usize,
    );
    // The answers were big (so the budget can be broken) and many.
    assert!(held >= 3 * 1024 * 1024, "answers were not padded: {held}");
    assert!(exchanges >= 100, "{exchanges}");
    // Budget: a handful of answers alive at once, never one per exchange.
    assert!(
        held <= 6 * CAP,
        "{held} bytes of answers held at once over {exchanges} exchanges"
    );
    // What is kept is bounded per evaluation, whatever the answers' size.
    let evaluations: usize = results(json)
        .iter()
        .map(|r| r["evaluations"].as_u64().unwrap_or(0) as usize)
        .sum();
    assert!(
        kept <= evaluations * 5 * 1024,
        "{kept} bytes kept for {evaluations} evaluations"
    );
    for r in results(json) {
        for d in r["details"].as_array().into_iter().flatten() {
            let d = d["detail"].as_str().unwrap_or("");
            assert!(
                d.len() <= 4096 + 64,
                "{} detail of {} bytes",
                r["clause"],
                d.len()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_padding_every_answer_stays_conformant_and_within_the_budget() {
    let pad = dealer_tck::reference::pad::MAX_PAD;
    // Three transports side by side: three requests in flight.
    let in_flight = 3;
    let opts = RunOptions {
        out_dir: None,
        cases: 1,
        pad_answers: Some(pad),
        concurrency: in_flight,
        ..RunOptions::default()
    };
    let (report, _) = run(opts).await.expect("run");
    assert!(report.conformant, "{}", report.summary());
    let s = &report.stats;
    assert!(
        s.peak_held_bytes >= pad,
        "the answers were not padded: {}",
        s.peak_held_bytes
    );
    // Budget: a few answers per request in flight, never one per exchange.
    assert!(
        s.peak_held_bytes <= 3 * CAP * in_flight,
        "{} bytes of answers held at once over {} exchanges",
        s.peak_held_bytes,
        s.exchanges
    );
    assert!(
        s.kept_bytes <= 2 * 1024 * 1024,
        "{} bytes kept",
        s.kept_bytes
    );
}
