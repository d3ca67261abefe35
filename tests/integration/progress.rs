//! The progress line: nothing of it when stdout is piped (as in every other test here), and on
//! a terminal — the binary under `script` (util-linux), which gives it a pseudo-terminal — the
//! line drawn on stderr and cleared before the summary.

use crate::support::{BIN, available, output_within, tck_in_tmp};
use std::process::Command;
use std::time::Duration;

const QUICK: &str = "run --cases 1 --clause DMC12-RES";

#[test]
fn a_piped_run_prints_no_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf-8 path");
    let mut args: Vec<&str> = QUICK.split(' ').collect();
    args.extend(["--out", out]);
    let (code, stdout, stderr) = tck_in_tmp(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains('\r'), "{text:?}");
        assert!(!text.contains("\x1b["), "{text:?}");
        assert!(
            !text.contains(" cases · ") && !text.contains("(estimate)"),
            "{text}"
        );
    }
}

#[test]
fn a_run_on_a_terminal_draws_the_progress_line_on_stderr_and_clears_it() {
    let present = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available(
        present,
        "DEALER_TCK_REQUIRE_SCRIPT",
        "SKIPPED: script (util-linux) is not installed, the progress line on a terminal is not checked",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let command = format!("'{BIN}' {QUICK} --out '{}'", out.display());
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("TERM", "xterm");
    let (code, terminal, stderr) = output_within(cmd, Duration::from_secs(240));
    assert_eq!(code, 0, "{terminal}{stderr}");
    // The first line, drawn before any case, with the estimate of the cases planned.
    assert!(
        terminal.contains("\rdealer-tck: 0 of ~320 cases (estimate) · "),
        "{terminal:?}"
    );
    // Cleared before the summary is printed.
    let cleared = terminal.rfind("\r\x1b[K").expect("the line cleared");
    let summary = terminal.find("CONFORMANT").expect("the summary");
    assert!(cleared < summary, "{terminal:?}");
    assert!(
        !terminal[cleared + 4..].contains("(estimate)"),
        "{terminal:?}"
    );
}
