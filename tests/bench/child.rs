//! [`run_child`]: the harness binary run as a child process, measured by `wait4` (the
//! benchmarks' one way to read a run's wall time, CPU time and peak RSS apart from their own).

use std::process::{Command, Stdio};
use std::time::Instant;

/// What `wait4` reported of a finished child.
pub struct Finished {
    /// Exit code (-1 when a signal ended it).
    pub code: i32,
    /// Wall seconds from spawn to exit.
    pub wall: f64,
    /// User + system CPU seconds.
    pub cpu: f64,
    /// Peak RSS in MiB.
    pub peak_rss_mib: f64,
}

/// Run `dealer-tck` with `args`, its stdout to `stdout` (or nowhere), its stderr nowhere.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reads its CPU time and peak RSS"
)]
pub fn run_child(args: &[&str], stdout: Option<std::fs::File>) -> Finished {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_dealer-tck"))
        .args(args)
        .stdout(stdout.map_or_else(Stdio::null, Stdio::from))
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut status = 0;
    // SAFETY: waits for the child this function started; `usage` is written by the kernel.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as i32, &mut status, 0, &mut usage);
        assert!(pid > 0, "wait4 failed");
        usage
    };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Finished {
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
        wall: t.elapsed().as_secs_f64(),
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}
