//! The progress line ([`Progress`]): the cases sent so far out of an estimate of those planned,
//! the suite and transport of the latest one, and the time since the run began, redrawn on
//! stderr by a [`Ticker`] at most ten times a second while a run goes on, and cleared when it
//! ends. Only when stdout and stderr are both terminals and the report is not printed as JSON
//! ([`wanted`]): a piped or redirected run, and `--json`, get nothing extra. The count is an
//! atomic the forked ledgers of transports running side by side all add to.

use crate::suites::Suite;
use crate::transport::Binding;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the progress line shows, shared by every ledger of a run.
#[derive(Debug)]
pub struct Progress {
    done: AtomicUsize,
    /// The estimate of the cases planned (0: none, e.g. a replay).
    planned: AtomicUsize,
    /// Suite and transport of the latest case.
    place: Mutex<(&'static str, &'static str)>,
    started: Instant,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            done: AtomicUsize::new(0),
            planned: AtomicUsize::new(0),
            place: Mutex::new(("", "")),
            started: Instant::now(),
        }
    }
}

impl Progress {
    /// A case of `suite` sent on `binding`.
    pub fn case(&self, suite: &'static str, binding: Binding) {
        self.done.fetch_add(1, Ordering::Relaxed);
        *crate::transport::locked(&self.place) = (suite, binding.name());
    }

    /// `suite` begins (its transports not known yet).
    pub fn suite(&self, suite: &'static str) {
        *crate::transport::locked(&self.place) = (suite, "");
    }

    /// Set the estimate of the cases planned ([`estimate`]).
    pub fn plan(&self, planned: Option<usize>) {
        self.planned.store(planned.unwrap_or(0), Ordering::Relaxed);
    }

    /// The line as it stands.
    pub fn line(&self) -> String {
        let (suite, transport) = *crate::transport::locked(&self.place);
        let planned = self.planned.load(Ordering::Relaxed);
        render(
            self.done.load(Ordering::Relaxed),
            (planned > 0).then_some(planned),
            suite,
            transport,
            self.started.elapsed(),
        )
    }
}

/// The progress line: `dealer-tck: 120 of ~454 cases (estimate) · dmc12 · mcp · 0:07`. An
/// estimate already passed, or none, leaves the count alone.
pub fn render(
    done: usize,
    planned: Option<usize>,
    suite: &str,
    transport: &str,
    elapsed: Duration,
) -> String {
    let mut line = match planned {
        Some(p) if p >= done => format!("dealer-tck: {done} of ~{p} cases (estimate)"),
        _ => format!("dealer-tck: {done} cases"),
    };
    for part in [suite, transport] {
        if !part.is_empty() {
            line.push_str(" · ");
            line.push_str(part);
        }
    }
    let secs = elapsed.as_secs();
    line.push_str(&format!(" · {}:{:02}", secs / 60, secs % 60));
    line
}

/// Cases a suite sends on all of its transports against the reference: fixed, per `--cases`,
/// per `--invalid-per-rule` (measured with this version's reference; a suite not listed adds
/// nothing). Only the progress line uses it.
const CASES: [(&str, usize, usize, usize); 3] = [
    ("dmc12", 104, 4, 212),
    ("aap-0.2", 65, 3, 76),
    ("aap-draft", 28, 2, 40),
];

/// The estimate of the cases a run of `suites` sends (None for a replay, which sends a few
/// chosen units): [`CASES`] for the transports `--transport` leaves each suite, divided among
/// `--partition`'s shares.
pub fn estimate(opts: &super::RunOptions, suites: &[&'static dyn Suite]) -> Option<usize> {
    if opts.replay.is_some() {
        return None;
    }
    let total: usize = suites
        .iter()
        .filter_map(|s| {
            let (_, fixed, per_case, per_invalid) = CASES.iter().find(|c| c.0 == s.id())?;
            let all = s.bindings().len().max(1);
            let kept = s
                .bindings()
                .iter()
                .filter(|b| opts.transports.as_ref().is_none_or(|t| t.contains(b)))
                .filter(|b| !b.is_mcp() || opts.mcp_era.tries(**b))
                .count();
            let cases = fixed + per_case * opts.cases + per_invalid * opts.invalid_per_rule;
            Some(cases * kept / all)
        })
        .sum();
    Some(total.div_ceil(opts.partition.map_or(1, |p| p.of)))
}

/// Whether a run shows the progress line: stdout and stderr are terminals (`TERM` not `dumb`)
/// and the report is not printed as JSON.
pub fn wanted(json: bool) -> bool {
    use std::io::IsTerminal;
    !json
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Draws the progress line on stderr: once when it starts, then every 100 ms until dropped,
/// when it clears the line (a run that ends, fails or is interrupted leaves no line behind).
pub struct Ticker {
    task: tokio::task::JoinHandle<()>,
    stopped: Arc<AtomicBool>,
}

impl Ticker {
    /// Start drawing `progress` (inside the run's async runtime).
    pub fn start(progress: Arc<Progress>) -> Ticker {
        let stopped = Arc::new(AtomicBool::new(false));
        draw(&progress, &stopped);
        let task = tokio::spawn({
            let stopped = stopped.clone();
            async move {
                let mut every = tokio::time::interval(Duration::from_millis(100));
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    every.tick().await;
                    draw(&progress, &stopped);
                }
            }
        });
        Ticker { task, stopped }
    }
}

/// Redraw the line, unless the ticker stopped (checked under stderr's lock, which the clearing
/// holds too, so no line is drawn after it is cleared).
fn draw(progress: &Progress, stopped: &AtomicBool) {
    let mut err = std::io::stderr().lock();
    if !stopped.load(Ordering::SeqCst) {
        let _ = write!(err, "\r{}\x1b[K", progress.line());
        let _ = err.flush();
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.task.abort();
        let mut err = std::io::stderr().lock();
        self.stopped.store(true, Ordering::SeqCst);
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_the_count_the_estimate_the_place_and_the_time() {
        let secs = Duration::from_secs;
        assert_eq!(
            render(120, Some(454), "dmc12", "mcp", secs(7)),
            "dealer-tck: 120 of ~454 cases (estimate) · dmc12 · mcp · 0:07"
        );
        // Past the estimate, or without one: the count alone.
        assert_eq!(
            render(455, Some(454), "aap-0.2", "a2a-rest", secs(125)),
            "dealer-tck: 455 cases · aap-0.2 · a2a-rest · 2:05"
        );
        assert_eq!(
            render(3, None, "dmc12", "a2a-jsonrpc", secs(0)),
            "dealer-tck: 3 cases · dmc12 · a2a-jsonrpc · 0:00"
        );
        // Before the first case: the suite alone, or nothing.
        assert_eq!(
            render(0, Some(240), "dmc12", "", secs(0)),
            "dealer-tck: 0 of ~240 cases (estimate) · dmc12 · 0:00"
        );
        assert_eq!(
            render(0, None, "", "", secs(61)),
            "dealer-tck: 0 cases · 1:01"
        );
    }

    #[test]
    fn cases_from_every_ledger_add_up_and_the_latest_names_the_place() {
        let p = Progress::default();
        p.plan(Some(10));
        p.suite("dmc12");
        p.case("dmc12", Binding::Mcp);
        p.case("dmc12", Binding::A2aRest);
        let line = p.line();
        assert!(
            line.starts_with("dealer-tck: 2 of ~10 cases (estimate) · dmc12 · a2a-rest · "),
            "{line}"
        );
    }

    #[test]
    fn the_estimate_follows_the_suites_transports_cases_and_shares() {
        let suites: Vec<&'static dyn Suite> = crate::suites::all().to_vec();
        let opts = |f: &dyn Fn(&mut super::super::RunOptions)| {
            let mut o = super::super::RunOptions {
                cases: 8,
                ..Default::default()
            };
            f(&mut o);
            o
        };
        let whole = estimate(&opts(&|_| {}), &suites).expect("an estimate");
        // The reference's run at --cases 8 sends 596 cases.
        assert_eq!(whole, 104 + 32 + 212 + 65 + 24 + 76 + 28 + 16 + 40);
        let mcp_only = opts(&|o| o.transports = Some(vec![Binding::Mcp]));
        assert_eq!(estimate(&mcp_only, &suites), Some((104 + 32 + 212) / 4));
        let legacy = opts(&|o| o.mcp_era = crate::transport::mcp::McpEra::Legacy);
        assert_eq!(
            estimate(&legacy, &suites),
            Some(whole - (104 + 32 + 212) / 4)
        );
        let share = opts(&|o| o.partition = Some(crate::run::Partition { index: 1, of: 2 }));
        assert_eq!(estimate(&share, &suites), Some(whole.div_ceil(2)));
        let replay = opts(&|o| o.replay = Some(Default::default()));
        assert_eq!(estimate(&replay, &suites), None);
    }
}
