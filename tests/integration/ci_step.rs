//! The CI step: `dealer-tck run` appends its report's Markdown to `$GITHUB_STEP_SUMMARY`; the
//! composite action (`action.yml`), whose run step's script is run here with a fake
//! `dealer-tck` on PATH; and the shape of the `Dockerfile` (building the image needs docker,
//! which `cargo test` does not).

use crate::support::{BIN, output_within};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// A quick run into `cwd/out` with `$GITHUB_STEP_SUMMARY` set to `summary` (None: unset).
fn run_with_summary(cwd: &Path, summary: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "run",
        "--cases",
        "1",
        "--clause",
        "DMC12-RES",
        "--out",
        "out",
    ])
    .current_dir(cwd);
    match summary {
        Some(v) => cmd.env(STEP_SUMMARY, v),
        None => cmd.env_remove(STEP_SUMMARY),
    };
    output_within(cmd, Duration::from_secs(240))
}

/// The one report directory a run wrote under `cwd/out`.
fn run_dir(cwd: &Path) -> PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(cwd.join("out"))
        .expect("out")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.into_iter().next().expect("one")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn run_appends_its_markdown_to_the_step_summary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let (code, stdout, stderr) = run_with_summary(tmp.path(), summary.to_str());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let text = std::fs::read_to_string(&summary).expect("summary");
    let report_md = std::fs::read_to_string(run_dir(tmp.path()).join("report.md")).expect("md");
    assert_eq!(text, format!("earlier step\n{report_md}"));
    let added = &text["earlier step\n".len()..];
    assert!(
        added.starts_with("# dealer-tck conformance report `"),
        "{added}"
    );
    assert!(
        added.contains("| Clause | Level | a2a-jsonrpc | a2a-rest | mcp | mcp-modern | Rule |"),
        "{added}"
    );
    assert!(added.contains("| DMC12-RES-"), "{added}");
}

#[test]
fn without_the_variable_nothing_is_written() {
    for summary in [None, Some("")] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (code, stdout, stderr) = run_with_summary(tmp.path(), summary);
        assert_eq!(code, 0, "{summary:?}: {stdout}{stderr}");
        assert!(!stderr.contains("warning"), "{summary:?}: {stderr}");
        assert_eq!(entries(tmp.path()), ["out"], "{summary:?}");
        assert_eq!(
            entries(&run_dir(tmp.path())),
            ["junit.xml", "report.html", "report.json", "report.md"]
        );
    }
}

#[test]
fn an_unwritable_step_summary_costs_one_warning_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let summary = tmp.path().join("no-such-dir").join("summary.md");
    let (code, stdout, stderr) = run_with_summary(tmp.path(), summary.to_str());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("CONFORMANT"), "{stdout}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("dealer-tck: warning: ") && lines[0].contains(STEP_SUMMARY),
        "{stderr}"
    );
    assert!(!tmp.path().join("no-such-dir").exists());
    assert!(run_dir(tmp.path()).join("report.md").is_file());
}

/// `action.yml`, read as the few shapes it uses: its steps, a step's keys (a `|` block
/// dedented), a step's `env:` mapping.
struct Action {
    text: String,
}

impl Action {
    fn load() -> Action {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
        Action {
            text: std::fs::read_to_string(path).expect("action.yml"),
        }
    }

    /// Each step's lines (from its `- ` line to the next step's).
    fn steps(&self) -> Vec<Vec<&str>> {
        let mut steps: Vec<Vec<&str>> = vec![];
        let mut inside = false;
        for line in self.text.lines() {
            if line.trim_end() == "  steps:" {
                inside = true;
            } else if inside && line.starts_with("    - ") {
                steps.push(vec![line]);
            } else if inside && let Some(step) = steps.last_mut() {
                step.push(line);
            }
        }
        steps
    }

    /// The step whose `key:` is `value` (e.g. `id: run`).
    fn step(&self, key: &str, value: &str) -> Vec<&str> {
        let want = format!("{key}: {value}");
        self.steps()
            .into_iter()
            .find(|s| s.iter().any(|l| l.trim_start_matches([' ', '-']) == want))
            .unwrap_or_else(|| panic!("no step with {want}"))
    }
}

/// A step's `key`: its inline value, or its `|` block dedented.
fn value(step: &[&str], key: &str) -> String {
    let prefix = format!("{key}:");
    let at = step
        .iter()
        .position(|l| l.trim_start_matches([' ', '-']).starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {key} in {step:?}"));
    let rest = step[at].trim_start_matches([' ', '-'])[prefix.len()..].trim();
    if rest != "|" {
        return rest.to_string();
    }
    let indent = step[at].len() - step[at].trim_start().len();
    step[at + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .map(|l| format!("{}\n", l.get(indent + 2..).unwrap_or("")))
        .collect()
}

/// A step's `env:` mapping with `${{ inputs.NAME }}` and `${{ steps.run.outputs.NAME }}`
/// replaced from `inputs` (one left out is empty).
fn env(step: &[&str], inputs: &HashMap<&str, String>) -> Vec<(String, String)> {
    let at = step.iter().position(|l| l.trim() == "env:").expect("env:");
    let indent = step[at].len() - step[at].trim_start().len();
    step[at + 1..]
        .iter()
        .take_while(|l| l.len() - l.trim_start().len() > indent)
        .map(|l| {
            let (k, v) = l.trim().split_once(": ").expect("KEY: value");
            let name = v
                .strip_prefix("${{ ")
                .and_then(|v| v.strip_suffix(" }}"))
                .unwrap_or_else(|| panic!("{k} is not an expression: {v}"));
            let key = name.rsplit('.').next().expect("name");
            let value = inputs.get(key).cloned().unwrap_or_default();
            (k.to_string(), value)
        })
        .collect()
}

/// Run a step's script as GitHub runs a `shell: bash` step, with the fake `dealer-tck` first
/// on PATH: (exit code, stdout, stderr).
fn run_step(script: &str, env: &[(String, String)], cwd: &Path) -> (i32, String, String) {
    let script_file = cwd.join("step.sh");
    std::fs::write(&script_file, script).expect("script");
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script_file)
        .current_dir(cwd)
        .env(
            "PATH",
            format!(
                "{}:{}",
                cwd.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("GITHUB_OUTPUT", cwd.join("github_output"))
        .envs(env.iter().map(|(k, v)| (k, v)));
    output_within(cmd, Duration::from_secs(60))
}

/// A `dealer-tck` that records its arguments one per line, writes a report directory under
/// its `--out` (its third argument) and exits 1.
fn fake_tck(cwd: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let bin = cwd.join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let fake = bin.join("dealer-tck");
    std::fs::write(
        &fake,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > args.txt\nmkdir -p \"$3/20990101T000000Z-0000fake\"\nexit 1\n",
    )
    .expect("fake");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn the_action_passes_its_inputs_and_ends_with_the_runs_exit_code() {
    let action = Action::load();
    assert!(action.text.contains("\nruns:\n  using: composite\n"));
    for input in [
        "profile",
        "baseline",
        "args",
        "out",
        "artifact-name",
        "install",
    ] {
        assert!(action.text.contains(&format!("\n  {input}:\n")), "{input}");
    }
    for output in ["exit-code", "report-dir"] {
        assert!(
            action
                .text
                .contains(&format!("\n  {output}:\n    description: "))
                && action
                    .text
                    .contains(&format!("value: ${{{{ steps.run.outputs.{output} }}}}")),
            "{output}"
        );
    }
    let install = action.step("name", "Install dealer-tck");
    assert!(
        value(&install, "run").contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\"")
    );
    let upload = action.step("uses", "actions/upload-artifact@v4");
    assert!(value(&upload, "if").starts_with("always()"), "{upload:?}");
    assert_eq!(
        value(&upload, "path"),
        "${{ steps.run.outputs.report-dir }}"
    );

    let run = action.step("id", "run");
    let script = value(&run, "run");
    let last = action.steps().pop().expect("a last step");
    for (inputs, expected) in [
        (
            vec![
                ("profile", "tck.toml"),
                ("baseline", "known failures.toml"),
                ("args", " --cases 200  --allow-not-tested "),
            ],
            vec![
                "run",
                "--out",
                "reports",
                "--profile",
                "tck.toml",
                "--baseline",
                "known failures.toml",
                "--cases",
                "200",
                "--allow-not-tested",
            ],
        ),
        (vec![], vec!["run", "--out", "reports"]),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cwd = tmp.path();
        fake_tck(cwd);
        std::fs::create_dir_all(cwd.join("reports/20200101T000000Z-00000old")).expect("old run");
        let mut given: HashMap<&str, String> = HashMap::from([("out", "reports".to_string())]);
        given.extend(inputs.iter().map(|(k, v)| (*k, v.to_string())));
        let (code, stdout, stderr) = run_step(&script, &env(&run, &given), cwd);
        assert_eq!(code, 0, "the step itself succeeds: {stdout}{stderr}");
        let args = std::fs::read_to_string(cwd.join("args.txt")).expect("args");
        assert_eq!(args.lines().collect::<Vec<_>>(), expected, "{inputs:?}");
        let outputs = std::fs::read_to_string(cwd.join("github_output")).expect("outputs");
        assert_eq!(
            outputs,
            "exit-code=1\nreport-dir=reports/20990101T000000Z-0000fake\n"
        );
        // The last step ends with the run's exit code.
        let code_env = env(&last, &HashMap::from([("exit-code", "1".to_string())]));
        let (code, ..) = run_step(&value(&last, "run"), &code_env, cwd);
        assert_eq!(code, 1, "{last:?}");
    }
}

#[test]
fn the_dockerfile_builds_the_release_binary_and_runs_it_unprivileged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    let from: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(
        from,
        [
            "FROM rust:1.95-slim-bookworm AS build",
            "FROM debian:bookworm-slim"
        ]
    );
    assert!(text.contains("RUN cargo build --release --locked --bin dealer-tck\n"));
    assert!(
        text.contains(
            "COPY --from=build /src/target/release/dealer-tck /usr/local/bin/dealer-tck\n"
        )
    );
    assert!(text.contains("ca-certificates"));
    let user = text
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("USER");
    assert!(!user.contains("root") && user != "USER 0", "{user}");
    assert!(text.contains("\nENTRYPOINT [\"dealer-tck\"]\n"));
    assert!(text.contains("\nCMD [\"--help\"]\n"));
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect(".dockerignore");
    for entry in ["target", "reports", ".git"] {
        assert!(ignore.lines().any(|l| l == entry), "{entry}");
    }
    // The Rust image's version is the crate's rust-version.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("rust-version = \"1.95\""));
}
