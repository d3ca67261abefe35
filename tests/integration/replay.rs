//! From a red run to a fix through the binary: a failure's reproduction re-sends what showed
//! it (run with `sh` against a fresh reference, with and without the defect), and
//! `dealer-tck replay` re-sends only the recorded cases and says FIXED or STILL FAILING.

use crate::support::reference::{Env, Opts};
use dealer_tck::reference::Defect;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `run --cases 1 --out <cwd>/<name>` with `extra`: (exit code, the report's directory).
fn run_into(cwd: &Path, name: &str, extra: &[&str]) -> (i32, PathBuf) {
    let out = cwd.join(name);
    let mut args = vec!["run", "--cases", "1", "--out", out.to_str().unwrap()];
    args.extend(extra);
    let (code, _, stderr) = crate::support::tck(&args, cwd);
    let dir = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{name}: no report directory ({e}): {stderr}"))
        .next()
        .unwrap()
        .unwrap()
        .path();
    (code, dir)
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// The details of `clause` on `transport` in `report`.
fn details<'a>(report: &'a Value, clause: &str, transport: &str) -> &'a Vec<Value> {
    crate::support::results(report)
        .into_iter()
        .find(|r| r["clause"] == clause && r["transport"] == transport)
        .unwrap_or_else(|| panic!("{clause} on {transport} not in the report"))["details"]
        .as_array()
        .unwrap()
}

fn curl_present() -> bool {
    crate::support::available(
        Command::new("curl")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "DEALER_TCK_REQUIRE_CURL",
        "curl not found, the reproductions are not run",
    )
}

/// `snippet` run by `sh` against `base` (in place of the run's server), with the reference's
/// tokens in the environment variables it names; every `curl` prints only the HTTP status.
fn run_snippet(snippet: &str, run_base: &str, base: &str) -> String {
    let tokens = dealer_tck::run::Tokens::reference_defaults();
    let script = snippet
        .replace(run_base, base)
        .replace(
            "curl -sS -N -X",
            "curl -sS -o /dev/null -w '%{http_code}\\n' -N -X",
        )
        .replace(
            "curl -sS -X",
            "curl -sS -o /dev/null -w '%{http_code}\\n' -X",
        );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("DEALER_TCK_TOKEN_A", &tokens.agent_a)
        .env("DEALER_TCK_TOKEN_B", tokens.agent_b.unwrap_or_default())
        .env(
            "DEALER_TCK_TOKEN_UNSCOPED",
            tokens.unscoped.unwrap_or_default(),
        )
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{script}\n{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The base URL (scheme, host and port) the snippet's requests went to.
fn run_base(snippet: &str) -> String {
    let from = snippet.find("'http://").expect("a URL") + 1;
    let rest = &snippet[from..];
    let end = rest["http://".len()..].find('/').expect("a path") + "http://".len();
    rest[..end].to_string()
}

/// A missing-token failure's reproduction: one request, no token in it; against a fresh
/// reference with the same defect it gets the same wrong answer (403), against a correct one
/// the right one (401). An MCP reproduction opens its own session, so its last request is
/// answered as a session member (200), not refused for a stale session id.
#[test]
fn a_reproduction_re_sends_what_showed_the_failure() {
    if !curl_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (code, dir) = run_into(
        tmp.path(),
        "auth",
        &[
            "--defect",
            "missing-token-forbidden",
            "--clause",
            "DMC12-AUTH",
        ],
    );
    assert_eq!(code, 1);
    let rep = report(&dir);
    let tokens = dealer_tck::run::Tokens::reference_defaults();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    for text in [&md, &json] {
        assert!(!text.contains(&tokens.agent_a), "a token reached a report");
    }
    let failing = details(&rep, "DMC12-AUTH-001", "a2a-jsonrpc");
    let repro = failing[0]["reproduction"]
        .as_str()
        .expect("a FAIL detail carries a reproduction");
    // The unit's chain: a reservation, then the hand-off without a token.
    assert!(repro.starts_with("# 2 requests on a2a-jsonrpc"), "{repro}");
    assert!(md.contains("<summary>reproduce</summary>"), "{md}");
    let base = run_base(repro);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let status_on = |defect: Option<Defect>| {
        rt.block_on(async {
            let env = Env::start(Opts {
                defect,
                ..Opts::default()
            })
            .await;
            let (snippet, from, to) = (repro.to_string(), base.clone(), env.server.base_url());
            tokio::task::spawn_blocking(move || run_snippet(&snippet, &from, &to))
                .await
                .unwrap()
        })
    };
    let last = |out: String| out.lines().last().unwrap_or_default().to_string();
    assert_eq!(
        last(status_on(Some(
            Defect::from_name("missing-token-forbidden").unwrap()
        ))),
        "403"
    );
    assert_eq!(last(status_on(None)), "401");

    // An MCP chain with a token: a session of its own, the token as a variable.
    let (_, dir) = run_into(
        tmp.path(),
        "consent",
        &[
            "--defect",
            "accept-consent-false",
            "--clause",
            "DMC12-REQ-CONSENT",
            "--transport",
            "mcp",
        ],
    );
    let rep = report(&dir);
    let failing = details(&rep, "DMC12-REQ-CONSENT-001", "mcp");
    let repro = failing[0]["reproduction"].as_str().expect("a reproduction");
    assert!(
        repro.contains("SID1=$(curl") && repro.contains("$DEALER_TCK_TOKEN_A"),
        "{repro}"
    );
    assert!(!repro.contains(&tokens.agent_a), "{repro}");
    let base = run_base(repro);
    let statuses = rt.block_on(async {
        let env = Env::start(Opts::default()).await;
        let (snippet, to) = (repro.to_string(), env.server.base_url());
        tokio::task::spawn_blocking(move || run_snippet(&snippet, &base, &to))
            .await
            .unwrap()
    });
    // initialized (202), then every request of the chain answered as a session member.
    let codes: Vec<&str> = statuses.lines().collect();
    assert!(codes.len() >= 2, "{statuses}");
    assert!(codes[1..].iter().all(|c| *c == "200"), "{statuses}");
}

/// The loop: a run with a defect fails; replaying its failures on the same defect is STILL
/// FAILING (exit 1), on the correct reference FIXED (exit 0), sending only the recorded
/// cases; a case the report does not record is a usage error; a green report has nothing to
/// replay.
#[test]
fn replay_sends_only_the_recorded_cases_and_says_fixed_or_still_failing() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let (code, dir) = run_into(cwd, "red", &["--defect", "skip-ownership"]);
    assert_eq!(code, 1);
    let red = report(&dir);
    let dir = dir.to_str().unwrap();
    let out = cwd.join("replays");
    let out = out.to_str().unwrap();

    let (code, still, err) = crate::support::tck(
        &["replay", dir, "--defect", "skip-ownership", "--out", out],
        cwd,
    );
    assert_eq!(code, 1, "{still}{err}");
    assert!(
        still.contains("STILL FAILING DMC12-RES-OWNER-001 [mcp] reservation-of-another-agent"),
        "{still}"
    );
    assert!(!still.contains("FIXED "), "{still}");

    let (code, fixed, err) = crate::support::tck(&["replay", dir, "--out", out], cwd);
    assert_eq!(code, 0, "{fixed}{err}");
    let lines: Vec<&str> = fixed
        .lines()
        .filter(|l| !l.starts_with("replay:"))
        .collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|l| l.starts_with("FIXED ")),
        "{fixed}"
    );
    assert_eq!(lines.len(), still.lines().count() - 1, "{fixed}\n{still}");

    // Only the recorded cases went out again: the replay's report counts a few cases where
    // the whole run sent hundreds.
    let replay_dir = fixed
        .lines()
        .find_map(|l| l.split("the replay's report: ").nth(1))
        .map(|d| d.trim_end_matches(')'))
        .expect("the replay names its report");
    let replayed = report(Path::new(replay_dir));
    let (sent, whole) = (
        replayed["stats"]["cases"].as_u64().unwrap(),
        red["stats"]["cases"].as_u64().unwrap(),
    );
    assert!(
        sent > 0 && sent * 10 < whole,
        "replay sent {sent} of {whole}"
    );

    // One case, one clause.
    let (code, one, _) = crate::support::tck(
        &[
            "replay",
            dir,
            "--case",
            "reservation-of-another-agent",
            "--clause",
            "DMC12-RES-OWNER-001",
            "--out",
            out,
        ],
        cwd,
    );
    assert_eq!((code, one.lines().count()), (0, 5), "{one}");
    let (code, _, err) = crate::support::tck(&["replay", dir, "--case", "no-such-case"], cwd);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("records no failure of case no-such-case"),
        "{err}"
    );

    let (code, green) = run_into(cwd, "green", &[]);
    assert_eq!(code, 0);
    let (code, nothing, _) =
        crate::support::tck(&["replay", green.to_str().unwrap(), "--out", out], cwd);
    assert_eq!(code, 0);
    assert!(nothing.contains("nothing to send"), "{nothing}");
}

/// A chain that spans units: an invalid case reuses a reservation made for an earlier one, and
/// the expiry's hand-off comes long after its hold was made; both reproductions start with the
/// reservation they carry (and the expiry's waits as the run did), and both replay FIXED on the
/// correct reference.
#[test]
fn a_chain_keeps_the_reservation_it_carries_and_replays_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let out = cwd.join("replays");
    let out = out.to_str().unwrap();
    for (defect, clause, case_prefix) in [
        ("trade-in-extra-fields", "DMC12-REQ-TRADEIN-001", "invalid-"),
        (
            "accept-expired-reservation",
            "DMC12-RES-EXPIRED-001",
            "reservation-expired",
        ),
    ] {
        let (code, dir) = run_into(
            cwd,
            defect,
            &["--defect", defect, "--transport", "a2a-jsonrpc"],
        );
        assert_eq!(code, 1, "{defect}");
        let rep = report(&dir);
        let failing = details(&rep, clause, "a2a-jsonrpc");
        let d = failing
            .iter()
            .find(|d| d["case"].as_str().unwrap().starts_with(case_prefix))
            .unwrap_or_else(|| panic!("{defect}: {failing:?}"));
        let repro = d["reproduction"].as_str().unwrap();
        let first = repro.find("\"skill\":\"create_reservation\"");
        let handoff = repro.find("\"skill\":\"initiate_deal_handoff\"");
        assert!(
            first.is_some() && first < handoff,
            "{defect}: the reservation comes first\n{repro}"
        );
        if defect == "accept-expired-reservation" {
            assert!(repro.contains("\nsleep "), "{repro}");
        }
        let case = d["case"].as_str().unwrap();
        let (code, said, err) = crate::support::tck(
            &[
                "replay",
                dir.to_str().unwrap(),
                "--case",
                case,
                "--clause",
                clause,
                "--out",
                out,
            ],
            cwd,
        );
        assert_eq!(code, 0, "{defect}: {said}{err}");
        assert!(said.starts_with("FIXED "), "{said}");
    }
}

/// Failures that need more than their own unit to be judged again: lead ids compared across
/// every received lead (judged from the whole run, so the replay sends every case), and the
/// store's silence after an SMTP fault (proven by the case's own retry when the replay sends
/// no other accepted hand-off). Each is STILL FAILING on its defect and FIXED without it.
#[test]
fn failures_judged_beyond_their_unit_replay_fixed_or_still_failing() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let out = cwd.join("replays");
    let out = out.to_str().unwrap();
    for (defect, clause) in [
        ("aap-lead-id-reused", "AAP02-LEADID-001"),
        ("record-before-email", "DMC12-EMAIL-FAIL-002"),
    ] {
        let (code, dir) = run_into(
            cwd,
            defect,
            &["--defect", defect, "--transport", "a2a-jsonrpc"],
        );
        assert_eq!(code, 1, "{defect}");
        let dir = dir.to_str().unwrap();
        let (code, still, err) = crate::support::tck(
            &[
                "replay", dir, "--clause", clause, "--defect", defect, "--out", out,
            ],
            cwd,
        );
        assert_eq!(code, 1, "{defect}: {still}{err}");
        let verdicts = |said: &str| -> Vec<String> {
            said.lines()
                .filter(|l| !l.starts_with("replay:"))
                .map(|l| l.split(' ').next().unwrap_or_default().to_string())
                .collect()
        };
        let on = verdicts(&still);
        assert!(
            !on.is_empty() && on.iter().all(|v| v == "STILL"),
            "{defect}: {still}"
        );
        let (code, fixed, err) =
            crate::support::tck(&["replay", dir, "--clause", clause, "--out", out], cwd);
        assert_eq!(code, 0, "{defect}: {fixed}{err}");
        let off = verdicts(&fixed);
        assert!(
            off.len() == on.len() && off.iter().all(|v| v == "FIXED"),
            "{defect}: {fixed}"
        );
    }
}
