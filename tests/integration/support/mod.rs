//! What the integration tests share. This module: running the `dealer-tck` binary ([`tck`],
//! with a hang guard), its `--list-…` listings, reading the verdicts that keep a run from being
//! green out of its `--json` report, running many such runs a few at a time, the launch
//! template of the reference as an external process, the state of a process by pid, and the
//! one-line skip of a test whose outside requirement (xmllint, python3, the seeds) is missing.
//! [`reference`]: a reference server wired to real observers, and the raw HTTP client the
//! reference-server tests speak to it with.
//!
//! Everything here runs in one test process with the tests in parallel threads: no helper
//! changes the process environment or the current directory (a child gets its environment
//! through [`tck_env`], its directory as an argument), and every listener binds port 0.

pub mod reference;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// The `dealer-tck` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_dealer-tck");

/// Run the binary in `cwd`: (exit code, stdout, stderr).
pub fn tck(args: &[&str], cwd: &Path) -> (i32, String, String) {
    tck_env(args, cwd, &[])
}

/// Run the binary in a fresh temporary directory.
pub fn tck_in_tmp(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    tck(args, dir.path())
}

/// Run the binary in `cwd` with `env` added to its environment (the test process's own
/// environment is never changed), with a hang guard (not a timing assertion: it only stops a
/// hung test). The pipes are drained while it runs, so a long report cannot block it.
pub fn tck_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    tck_within(args, cwd, env, Duration::from_secs(240))
}

/// [`tck_env`] with the hang guard at `bound`: a run still going then is killed and the test
/// fails saying so.
pub fn tck_within(
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
    bound: Duration,
) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).envs(env.iter().copied()).current_dir(cwd);
    output_within(cmd, bound)
}

/// Run `cmd` (stdin empty, stdout and stderr drained while it runs) with the hang guard at
/// `bound`: (exit code, stdout, stderr). For a child whose environment [`tck_env`] cannot shape
/// (a variable removed) or that is not the binary itself (the binary under `script`).
pub fn output_within(mut cmd: Command, bound: Duration) -> (i32, String, String) {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(bound) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            // SAFETY: kills the process this test started.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
            panic!("{cmd:?} did not end within {bound:?}");
        }
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `--launch` command of the reference as an external process, the way a user launches
/// their own server, plus `extra` arguments.
pub fn launch_template(extra: &str) -> String {
    format!(
        "{BIN} serve-reference --port {{port}} --smtp {{smtp_host}}:{{smtp_port}} --crm-url '{{crm_url}}' --crm-token {{crm_token}} --store-id {{store_id}} --db {{db}} --crm-timeout-ms 500 {extra}"
    )
}

/// The state letter of /proc/PID/stat ("" when the process is gone).
pub fn proc_state(pid: &str) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Every result of a `--json` report, all suites.
pub fn results(report: &Value) -> Vec<&Value> {
    report["suites"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["results"].as_array().into_iter().flatten())
        .collect()
}

/// The results that keep a run from being green — FAIL, ERROR, a MUST clause NOT_TESTED — as
/// `clause[transport]=VERDICT: first detail`.
pub fn blocking(report: &Value) -> Vec<String> {
    results(report)
        .into_iter()
        .filter(|r| {
            r["verdict"] == "FAIL"
                || r["verdict"] == "ERROR"
                || (r["verdict"] == "NOT_TESTED" && r["level"] == "MUST")
        })
        .map(|r| {
            format!(
                "{}[{}]={}: {}",
                r["clause"].as_str().unwrap_or("?"),
                r["transport"].as_str().unwrap_or("?"),
                r["verdict"].as_str().unwrap_or("?"),
                r["details"][0]["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Run `check` on every item, four at a time (each run is its own process with its own
/// server, SMTP sink and CRM mock; two cores); the errors it returned. Four at a time in the
/// whole test process: the defect and the variant tables, running side by side in their
/// threads, share the four slots.
pub fn four_at_a_time<T: Send>(
    items: Vec<T>,
    check: impl Fn(T) -> Result<(), String> + Sync,
) -> Vec<String> {
    let queue = Mutex::new(items);
    let errors = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some(item) = next else { break };
                    let slot = Slot::take();
                    let outcome = check(item);
                    drop(slot);
                    if let Err(why) = outcome {
                        errors.lock().expect("errors").push(why);
                    }
                }
            });
        }
    });
    errors.into_inner().expect("errors")
}

/// One of the four process-wide slots of [`four_at_a_time`], held while a check runs.
struct Slot;

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

impl Slot {
    fn take() -> Slot {
        let (busy, freed) = &SLOTS;
        let mut n = busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *n >= 4 {
            n = freed.wait(n).unwrap_or_else(PoisonError::into_inner);
        }
        *n += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (busy, freed) = &SLOTS;
        *busy.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        freed.notify_one();
    }
}

/// The `name<TAB>…<TAB>…` lines `dealer-tck serve-reference FLAG` prints (`--list-defects`,
/// `--list-variants`), each split into its three fields.
pub fn listing(flag: &str) -> Vec<[String; 3]> {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, stdout, stderr) = tck(&["serve-reference", flag], dir.path());
    assert_eq!(code, 0, "{stderr}");
    stdout
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 3, "not three tab-separated fields: {line:?}");
            [f[0].to_string(), f[1].to_string(), f[2].to_string()]
        })
        .collect()
}

/// Whether a test's outside requirement is `present`. Absent, the test says so in the one
/// line `missing` (written past libtest's output capture, so that it shows in a passing run),
/// unless the environment variable `require` is `1` (set by `.ci/run`): then the absence is a
/// failure.
pub fn available(present: bool, require: &str, missing: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        std::env::var(require).as_deref() != Ok("1"),
        "{missing} ({require}=1 requires it)"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{missing}");
    false
}

/// Whether python3 runs here (a test that needs it says so in one line and passes without it,
/// unless `DEALER_TCK_REQUIRE_PYTHON=1`, which `.ci/run` sets).
pub fn python3(what: &str) -> bool {
    let present = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    available(
        present,
        "DEALER_TCK_REQUIRE_PYTHON",
        &format!("python3 not found, {what} is not run"),
    )
}

/// The xmllint cross-checks' skip: xmllint is missing. A failure when
/// `DEALER_TCK_REQUIRE_XMLLINT` is set (by `.ci/run`), else one `SKIPPED` line.
pub fn xmllint_missing() {
    assert!(
        std::env::var_os("DEALER_TCK_REQUIRE_XMLLINT").is_none(),
        "xmllint is not installed, and DEALER_TCK_REQUIRE_XMLLINT (set by .ci/run) requires it"
    );
    eprintln!("SKIPPED: xmllint is not installed (apt-get install -y libxml2-utils)");
}

/// The DTD an ADF lead must validate against (`fixtures/adf/`, the project's copy of the
/// deterministic ADF DTD).
pub fn adf_dtd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/adf/adf-deterministic.dtd")
}

/// Run `xmllint --dtdvalid` with [`adf_dtd`] on a document: (valid, xmllint's stderr); None
/// when xmllint is not installed.
pub fn xmllint_adf(xml: &str) -> Option<(bool, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("lead.xml");
    std::fs::write(&file, xml).expect("write lead");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--dtdvalid")
        .arg(adf_dtd())
        .arg(&file)
        .output()
        .ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}
