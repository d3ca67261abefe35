//! The binary's exit codes and one-line errors.

use crate::support::tck_in_tmp;

#[test]
fn conformant_run_exits_0_and_writes_its_four_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck_in_tmp(&["run", "--cases", "1", "--out", out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("CONFORMANT"), "{stdout}");
    let runs: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(runs.len(), 1);
    let run_dir = runs.into_iter().next().expect("one").expect("entry").path();
    for f in ["report.json", "report.md", "junit.xml", "report.html"] {
        assert!(run_dir.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn a_defect_exits_1_and_names_its_clause() {
    let (code, stdout, _) = tck_in_tmp(&["run", "--cases", "1", "--defect", "skip-ownership"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAIL DMC12-RES-OWNER-001"), "{stdout}");
    assert!(stdout.contains("NOT CONFORMANT"));
}

#[test]
fn bad_usage_exits_2_with_one_line() {
    for args in [
        vec!["run", "--defect", "no-such-defect"],
        vec!["run", "--transport", "carrier-pigeon"],
        vec!["run", "--timeout", "0"],
        vec!["run", "--concurrency", "0"],
        vec!["run", "--concurrency", "65"],
        vec!["run", "--partition", "4/3"],
        vec!["run", "--partition", "half"],
        vec!["merge"],
        vec!["merge", "no-such-report.json"],
        vec!["frobnicate"],
    ] {
        let (code, _, stderr) = tck_in_tmp(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}: no error line");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// The CI-matrix loop through the binary: two shares, each its own report directory, merged
/// into one report whose files are written and whose exit code is the whole run's.
#[test]
fn two_shares_merge_into_one_report_with_its_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let mut share_dirs = vec![];
    for k in ["1/2", "2/2"] {
        let out = cwd.join(format!("share{}", &k[..1]));
        let (code, stdout, stderr) = crate::support::tck(
            &[
                "run",
                "--cases",
                "1",
                "--partition",
                k,
                "--out",
                out.to_str().unwrap(),
            ],
            cwd,
        );
        assert_eq!(code, 0, "{k}: {stdout}{stderr}");
        assert!(stdout.contains("not applicable"), "{stdout}");
        let run_dir = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        share_dirs.push(run_dir);
    }
    let merged = cwd.join("merged");
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(share_dirs.iter().map(|d| d.to_str().unwrap()));
    let (code, stdout, stderr) = crate::support::tck(&args, cwd);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("CONFORMANT: 308 pass"), "{stdout}");
    assert!(stdout.contains(", 0 not applicable"), "{stdout}");
    let run_dir = std::fs::read_dir(&merged)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for f in ["report.json", "report.md", "junit.xml", "report.html"] {
        assert!(run_dir.join(f).is_file(), "{f} missing");
    }
    // A share merged with itself is refused: one line, exit 2.
    let one = share_dirs[0].to_str().unwrap();
    let (code, _, stderr) = crate::support::tck(&["merge", one, one], cwd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// `run --cases 1 --out CWD/NAME EXTRA...` in `cwd`: its exit code, stdout and stderr, and the
/// run directory it wrote.
fn run_into(
    cwd: &std::path::Path,
    name: &str,
    extra: &[&str],
) -> (i32, String, std::path::PathBuf) {
    let out = cwd.join(name);
    let mut args = vec!["run", "--cases", "1", "--out", out.to_str().unwrap()];
    args.extend(extra);
    let (code, stdout, stderr) = crate::support::tck(&args, cwd);
    let dir = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    (code, format!("{stdout}{stderr}"), dir)
}

/// `dealer-tck diff` through the binary: the reference then a defective server is a new
/// failure on the defect's clause (exit 1); the other way round is a fix (exit 0); another
/// seed is called out as not comparable.
#[test]
fn diff_names_the_new_failure_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let run = |name: &str, extra: &[&str]| run_into(cwd, name, extra).2;
    let good = run("good", &[]);
    let bad = run("bad", &["--defect", "email-before-consent-check"]);
    let (g, b) = (good.to_str().unwrap(), bad.to_str().unwrap());
    let (code, stdout, stderr) = crate::support::tck(&["diff", g, b], cwd);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("DMC12-PII-REJECTED-001"), "{stdout}");
    assert!(
        stdout.contains("REGRESSED") && !stdout.contains("not comparable"),
        "{stdout}"
    );
    let (code, stdout, _) = crate::support::tck(&["diff", b, g], cwd);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("## Fixed (") && stdout.contains("NO REGRESSION"),
        "{stdout}"
    );
    let (code, stdout, _) = crate::support::tck(&["diff", "--json", g, b], cwd);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON diff");
    assert!(
        v["new_failures"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    let other = run("other", &["--seed", "7"]);
    let (_, stdout, _) = crate::support::tck(&["diff", g, other.to_str().unwrap()], cwd);
    assert!(
        stdout.contains("not comparable") && stdout.contains("seed differs"),
        "{stdout}"
    );
    let (code, _, stderr) = crate::support::tck(&["diff", g, "no-such-report.json"], cwd);
    assert_eq!((code, stderr.trim().lines().count()), (2, 1), "{stderr}");
}

/// Issue 18's loop, points 1 and 4, through the binary: a defective run drafts a baseline; with
/// it the same run passes (XFAIL); once the defect is gone the entry is XPASS and fails the
/// run; the emptied baseline passes; `diff` shows the fix. The XFAIL report validates.
#[test]
fn a_baseline_turns_known_failures_into_xfail_and_a_stale_entry_fails_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let run = |name: &str, extra: &[&str]| run_into(cwd, name, extra);
    let defect = ["--defect", "email-before-consent-check"];
    let (code, _, red) = run("red", &defect);
    assert_eq!(code, 1);
    let (code, draft, _) = crate::support::tck(&["baseline", "write", red.to_str().unwrap()], cwd);
    assert_eq!(code, 0, "{draft}");
    assert!(
        draft.contains("clause = \"DMC12-PII-REJECTED-001\""),
        "{draft}"
    );
    let base = cwd.join("baseline.toml");
    std::fs::write(&base, draft.replace("TODO: why", "known:")).unwrap();
    let b = base.to_str().unwrap();
    let mut with_baseline = defect.to_vec();
    with_baseline.extend(["--baseline", b]);
    let (code, out, xfail) = run("xfail", &with_baseline);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 expected failure(s) (XFAIL)"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(xfail.join("report.json")).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(json["totals"]["xfail"], 4);
    // The defect fixed: the entries are stale.
    let (code, out, green) = run("xpass", &["--baseline", b]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("4 stale entr(y/ies) that now pass (XPASS"),
        "{out}"
    );
    let junit = std::fs::read_to_string(green.join("junit.xml")).unwrap();
    assert!(junit.contains("type=\"XPASS\""), "{junit}");
    // The baseline updated (emptied): green again.
    std::fs::write(&base, "").unwrap();
    let (code, out, fixed) = run("green", &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    let (code, diff, _) = crate::support::tck(
        &["diff", red.to_str().unwrap(), fixed.to_str().unwrap()],
        cwd,
    );
    assert_eq!(code, 0, "{diff}");
    assert!(
        diff.contains("## Fixed (4)") && diff.contains("DMC12-PII-REJECTED-001"),
        "{diff}"
    );
    // A baseline that cannot be read is one line, exit 2.
    std::fs::write(
        &base,
        "[[expected]]\nclause = \"NOPE-001\"\nreason = \"r\"\n",
    )
    .unwrap();
    let (code, _, stderr) = crate::support::tck(&["run", "--baseline", b], cwd);
    assert_eq!((code, stderr.trim().lines().count()), (2, 1), "{stderr}");
}

/// A stdout closed under the harness (`dealer-tck clauses | head`) ends it quietly with the
/// broken-pipe status, never a panic: the read end of its stdout pipe is closed before it starts.
#[test]
fn a_closed_stdout_ends_quietly_with_141() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: pipe fills the two descriptors it is given.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just made by pipe and are owned here alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let out = std::process::Command::new(crate::support::BIN)
        .arg("clauses")
        .stdout(std::process::Stdio::from(write))
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
