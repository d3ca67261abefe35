//! The launched server's lifecycle: readiness (a launch that never answers), a shutdown grace
//! for the whole process group, and no process left behind when the harness is interrupted or
//! killed. Servers that answer badly are the hostile suite's (`tests/integration/hostile.rs`).

use super::*;

#[test]
fn a_launch_that_never_becomes_ready_is_stopped_with_its_children() {
    let dir = tempfile::tempdir().expect("tmp");
    let pidfile = dir.path().join("child.pid");
    let cmd = format!("sleep 300 & echo $! > {}; wait", pidfile.display());
    let got = tck(
        &["run", "--launch", &cmd, "--ready-timeout", "1"],
        dir.path(),
    );
    let err = assert_refused(3, got, dir.path());
    // The message names the cause the last attempt met, not only the silence.
    assert!(
        err.contains("did not answer") && err.contains("(last attempt: Connection refused"),
        "{err}"
    );
    let pid = std::fs::read_to_string(&pidfile)
        .expect("pid written")
        .trim()
        .to_string();
    // The grandchild (sleep) is gone, or a zombie waiting for a reaper that is not ours.
    assert!(
        ends_up_gone(&pid),
        "the launched process group survived the harness"
    );
}

/// Whether PID ends up gone (or a zombie waiting for a reaper that is not ours). SIGKILL is
/// delivered asynchronously, so this polls, with a hang guard (not a timing assertion).
fn ends_up_gone(pid: &str) -> bool {
    let guard = Instant::now() + Duration::from_secs(30);
    loop {
        let s = proc_state(pid);
        if s.is_empty() || s == "Z" || s == "X" {
            return true;
        }
        if Instant::now() > guard {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Block until `path` holds a line (a launched command wrote it), with a hang guard.
fn wait_for_file(path: &std::path::Path) -> String {
    let guard = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s.trim().to_string();
        }
        assert!(Instant::now() < guard, "{} never written", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_and_sigterm_stop_the_launched_process_group() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().expect("tmp");
        let pidfile = dir.path().join("child.pid");
        // A server that never becomes ready, with a grandchild; the harness would wait 300 s.
        let cmd = format!("sleep 300 & echo $! > {}; wait", pidfile.display());
        let mut child = Command::new(BIN)
            .args(["run", "--launch", &cmd, "--ready-timeout", "300"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs");
        let grandchild = wait_for_file(&pidfile);
        assert!(
            !ends_up_gone_now(&grandchild),
            "the launched command is not running"
        );
        // SAFETY: signals the harness process this test started.
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let guard = Instant::now() + Duration::from_secs(60);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > guard {
                let _ = child.kill();
                panic!("the harness ignored signal {signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "signal {signal}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(
            ends_up_gone(&grandchild),
            "signal {signal}: the launched process group survived the harness"
        );
        assert!(!dir.path().join("reports").exists(), "a report was written");
    }
}

fn ends_up_gone_now(pid: &str) -> bool {
    let s = proc_state(pid);
    s.is_empty() || s == "Z" || s == "X"
}

/// Live (not zombie) members of process group `pgid`, with their command lines.
fn group_members(pgid: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let mut f = stat.rsplit(')').next()?.split_whitespace();
            let state = f.next()?;
            let pgrp = f.nth(1)?;
            (pgrp == pgid && state != "Z" && state != "X").then(|| {
                std::fs::read_to_string(e.path().join("cmdline"))
                    .unwrap_or_default()
                    .replace('\0', " ")
            })
        })
        .collect()
}

/// The process group of a live process.
fn pgid_of(pid: &str) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .nth(2)
        .unwrap_or("")
        .to_string()
}

/// A short run (one AAP clause) of the reference launched in the foreground of a shell that
/// dies at once on SIGTERM, beside a helper in the same process group that does what `helper`
/// says: (exit code, stderr).
fn run_beside_helper(helper: &str, dir: &std::path::Path) -> (i32, String) {
    let cmd = format!("sh -c '{helper}' & {}", launch_template(""));
    let args = [
        "run",
        "--launch",
        &cmd,
        "--cases",
        "1",
        "--clause",
        "AAP02-ACCEPT",
    ];
    let (code, _, err) = tck(&args, dir);
    (code, err)
}

#[test]
fn a_server_that_needs_a_second_to_shut_down_gets_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let done = dir.path().join("done");
    // The helper takes a second after SIGTERM, then says it finished; the shell in front of the
    // server exits at once, which used to cut the group's grace short.
    let helper = format!(
        "trap \"sleep 1; echo clean > {}; exit 0\" TERM; while :; do sleep 1; done",
        done.display()
    );
    let (code, err) = run_beside_helper(&helper, dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&done).unwrap_or_default(),
        "clean\n",
        "the launched group was killed before it finished shutting down"
    );
}

#[test]
fn a_server_that_ignores_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().expect("tmp");
    let pidfile = dir.path().join("helper.pid");
    let helper = format!(
        "trap \"\" TERM; echo $$ > {}; while :; do sleep 1; done",
        pidfile.display()
    );
    let (code, err) = run_beside_helper(&helper, dir.path());
    assert_eq!(code, 0, "{err}");
    let pid = std::fs::read_to_string(&pidfile).expect("pid written");
    // SIGKILL is delivered asynchronously: observed with a hang guard, no timing asserted.
    assert!(
        ends_up_gone(pid.trim()),
        "a member that ignored SIGTERM outlived the harness"
    );
}

#[test]
fn a_killed_harness_leaves_no_launched_process() {
    let dir = tempfile::tempdir().expect("tmp");
    let pidfile = dir.path().join("child.pid");
    // A server that never becomes ready, with a grandchild; the harness would wait 300 s.
    let cmd = format!("sleep 300 & echo $! > {}; wait", pidfile.display());
    let mut harness = Command::new(BIN)
        .args(["run", "--launch", &cmd, "--ready-timeout", "300"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let grandchild = wait_for_file(&pidfile);
    let pgid = pgid_of(&grandchild);
    // The harness's watchdog has joined the group (correlated, not waited for by time).
    let guard = Instant::now() + Duration::from_secs(60);
    while !group_members(&pgid).iter().any(|c| c.contains("read _")) {
        assert!(Instant::now() < guard, "no watchdog in the launched group");
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.kill().expect("SIGKILL the harness");
    let _ = harness.wait();
    assert!(
        ends_up_gone(&grandchild),
        "the launched process group survived a harness killed with SIGKILL"
    );
}
