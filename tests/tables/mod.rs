//! What the binary-level tests share (`defect_table`, `variant_table`, `independent_server`,
//! `examples`): running the `dealer-tck` binary, its `--list-…` listings, reading the verdicts
//! that keep a run from being green out of its `--json` report, running many such runs a few
//! at a time, and the one-line skip of a test whose outside requirement is missing.

#![allow(dead_code)]

use serde_json::Value;
use std::process::Command;
use std::sync::Mutex;

/// Run the binary in `cwd`: (exit code, stdout, stderr).
pub fn tck(args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dealer-tck"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
/// server, SMTP sink and CRM mock; two cores); the errors it returned.
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
                    if let Err(why) = check(item) {
                        errors.lock().expect("errors").push(why);
                    }
                }
            });
        }
    });
    errors.into_inner().expect("errors")
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
