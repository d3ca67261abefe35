//! The binary's exit codes and one-line errors.

use crate::support::tck_in_tmp;

#[test]
fn conformant_run_exits_0_and_writes_three_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck_in_tmp(&["run", "--cases", "1", "--out", out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("CONFORMANT"), "{stdout}");
    let runs: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(runs.len(), 1);
    let run_dir = runs.into_iter().next().expect("one").expect("entry").path();
    for f in ["report.json", "report.md", "junit.xml"] {
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
    assert!(stdout.contains("CONFORMANT: 244 pass"), "{stdout}");
    assert!(stdout.contains(", 0 not applicable"), "{stdout}");
    let run_dir = std::fs::read_dir(&merged)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for f in ["report.json", "report.md", "junit.xml"] {
        assert!(run_dir.join(f).is_file(), "{f} missing");
    }
    // A share merged with itself is refused: one line, exit 2.
    let one = share_dirs[0].to_str().unwrap();
    let (code, _, stderr) = crate::support::tck(&["merge", one, one], cwd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// `dealer-tck diff` through the binary: the reference then a defective server is a new
/// failure on the defect's clause (exit 1); the other way round is a fix (exit 0); another
/// seed is called out as not comparable.
#[test]
fn diff_names_the_new_failure_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let run = |name: &str, extra: &[&str]| {
        let out = cwd.join(name);
        let mut args = vec!["run", "--cases", "1", "--out", out.to_str().unwrap()];
        args.extend(extra);
        crate::support::tck(&args, cwd);
        std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    };
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
