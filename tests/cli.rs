//! The binary's exit codes and one-line errors.

use std::process::Command;

fn tck(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_dealer-tck"))
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn conformant_run_exits_0_and_writes_three_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_dealer-tck"))
        .args(["run", "--cases", "1", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let (code, stdout, _) = tck(&["run", "--cases", "1", "--defect", "skip-ownership"]);
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
        let (code, _, stderr) = tck(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}: no error line");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
