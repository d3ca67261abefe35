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
        vec!["frobnicate"],
    ] {
        let (code, _, stderr) = tck_in_tmp(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}: no error line");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
