//! `cargo bench --bench run_speed`: wall time and cases per second of the default run
//! (`dealer-tck run` against the embedded reference, all transports), measured over a few
//! repetitions; then the peak RSS of `dealer-tck run --cases 16` as a child process, plain and
//! with every answer padded to near the 4 MiB cap (`--pad-answers`), read from `wait4`. The
//! numbers go in the README; no test asserts a timing or an RSS.

use dealer_tck::run::{RunOptions, run};
use std::time::Instant;

#[path = "child.rs"]
mod child;

fn main() {
    let reps: usize = std::env::var("TCK_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut walls = vec![];
    let mut rates = vec![];
    for i in 0..reps {
        let opts = RunOptions {
            out_dir: None,
            seed: 1000 + i as u64,
            ..RunOptions::default()
        };
        let t = Instant::now();
        let (report, _) = rt.block_on(run(opts)).expect("run");
        let wall = t.elapsed().as_secs_f64();
        assert!(
            report.conformant,
            "the reference must stay conformant while benchmarking"
        );
        println!(
            "rep {i}: {wall:.2}s wall, {} cases, {} exchanges, {:.0} cases/s",
            report.stats.cases,
            report.stats.exchanges,
            report.stats.cases as f64 / wall
        );
        walls.push(wall);
        rates.push(report.stats.cases as f64 / wall);
    }
    walls.sort_by(f64::total_cmp);
    rates.sort_by(f64::total_cmp);
    println!(
        "default run: median {:.2}s wall (min {:.2}, max {:.2}), median {:.0} cases/s over {reps} runs",
        walls[reps / 2],
        walls[0],
        walls[reps - 1],
        rates[reps / 2]
    );
    let out = tempfile::tempdir().expect("tmp");
    let out = out.path().to_str().expect("utf-8 path");
    let pad = dealer_tck::reference::pad::MAX_PAD.to_string();
    for (what, extra) in [("plain", vec![]), ("padded", vec!["--pad-answers", &pad])] {
        let mut args = vec!["run", "--cases", "16", "--out", out];
        args.extend(extra);
        let done = child::run_child(&args, None);
        assert_eq!(done.code, 0, "the {what} run must stay conformant");
        println!(
            "--cases 16, {what} answers: {:.0} MiB peak RSS, {:.1}s wall, {:.1}s CPU",
            done.peak_rss_mib, done.wall, done.cpu
        );
    }
}
