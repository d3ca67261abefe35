//! [`merge`]: the shares of a partitioned run (`run --partition K/N`, one `report.json` each)
//! joined into the report of the whole run. A share keeps, per clause × transport, the
//! [`Tally`] its verdict was computed from; tallies of disjoint cases add up, so the merged
//! verdict is the one [`aggregate`](super::aggregate) gives over every evaluation at once.
//! [`mark_share`] is the other half: what a share's report says of a clause none of whose
//! cases fell in it.

use super::{ClauseResult, Detail, Report, Stats, SuiteReport, Tally, Verdict};
use crate::error::TckError;
use crate::run::Partition;
use std::path::Path;

/// The detail of a clause none of whose cases fell in a share.
const NOT_IN_SHARE: &str = "no case of this clause fell in this share";

/// In a share's report, keep the tallies for `merge` and make a clause nothing evaluated
/// NOT_APPLICABLE (its cases are in other shares); without a partition, drop the tallies.
pub fn mark_share(suites: &mut [SuiteReport], partition: Option<&Partition>) {
    for r in suites.iter_mut().flat_map(|s| s.results.iter_mut()) {
        match partition {
            None => r.tally = None,
            Some(p) if r.evaluations == 0 => {
                r.verdict = Verdict::NotApplicable;
                r.details = vec![Detail::new(
                    "-",
                    "-",
                    format!("{NOT_IN_SHARE} ({})", p.label()),
                )];
            }
            Some(_) => {}
        }
    }
}

/// Read one share: a `report.json` file or the run directory holding one.
pub fn load(path: &Path) -> Result<Report, TckError> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| TckError::Config(format!("cannot read {}: {e}", file.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        TckError::Config(format!(
            "{} is not a dealer-tck report.json: {e}",
            file.display()
        ))
    })
}

/// Join the shares 1/N … N/N of one run (any order) into the whole run's report, its totals
/// and exit code computed as `run` computes them.
pub fn merge(mut shares: Vec<Report>, allow_not_tested: bool) -> Result<Report, TckError> {
    let parsed: Vec<Partition> = shares
        .iter()
        .map(|r| match &r.partition {
            Some(p) => Partition::parse(p),
            None => Err(TckError::Config(format!(
                "run {} is not a share of a partitioned run (no --partition)",
                r.run_id
            ))),
        })
        .collect::<Result<_, _>>()?;
    let n = parsed.first().map(|p| p.of).unwrap_or(0);
    let mut have: Vec<usize> = parsed.iter().map(|p| p.index).collect();
    have.sort_unstable();
    if n == 0 || parsed.iter().any(|p| p.of != n) || have != (1..=n).collect::<Vec<_>>() {
        let labels: Vec<String> = parsed.iter().map(Partition::label).collect();
        return Err(TckError::Config(format!(
            "merge needs every share 1/N … N/N of one run exactly once, got {}",
            labels.join(", ")
        )));
    }
    let first = &shares[0];
    for r in &shares[1..] {
        let same = r.seed == first.seed
            && r.cases_per_transport == first.cases_per_transport
            && r.clause_filter == first.clause_filter
            && r.tool_version == first.tool_version
            && r.schema_version == first.schema_version;
        if !same {
            return Err(TckError::Config(format!(
                "runs {} and {} are not shares of one run (seed, cases, clause filter or harness version differ)",
                first.run_id, r.run_id
            )));
        }
    }
    // Shares in order 1..N: details and counterexamples come first from the lowest share.
    let mut order: Vec<(usize, Report)> = parsed
        .iter()
        .map(|p| p.index)
        .zip(shares.drain(..))
        .collect();
    order.sort_by_key(|(k, _)| *k);
    let shares: Vec<Report> = order.into_iter().map(|(_, r)| r).collect();
    let mut whole = shares[0].clone();
    whole.run_id = format!("{}-merged", shares[0].run_id);
    whole.partition = None;
    whole.partial = {
        let why: Vec<String> = shares.iter().filter_map(|r| r.partial.clone()).collect();
        (!why.is_empty()).then(|| why.join("; "))
    };
    for r in &shares[1..] {
        for t in &r.target.transports {
            if !whole.target.transports.contains(t) {
                whole.target.transports.push(t.clone());
            }
        }
        for s in &r.target.skipped {
            if !whole.target.skipped.contains(s) {
                whole.target.skipped.push(s.clone());
            }
        }
    }
    whole.suites = merge_suites(&shares)?;
    whole.stats = merge_stats(shares.iter().map(|r| &r.stats));
    whole.finish(allow_not_tested);
    if let Some(why) = whole.partial.clone() {
        whole.mark_partial(&why);
    }
    Ok(whole)
}

fn merge_suites(shares: &[Report]) -> Result<Vec<SuiteReport>, TckError> {
    let mut suites: Vec<SuiteReport> = vec![];
    for share in shares {
        for s in &share.suites {
            if !suites.iter().any(|m| m.suite == s.suite) {
                suites.push(SuiteReport {
                    results: vec![],
                    ..s.clone()
                });
            }
        }
    }
    for suite in &mut suites {
        let parts: Vec<&ClauseResult> = shares
            .iter()
            .flat_map(|r| r.suites.iter().filter(|s| s.suite == suite.suite))
            .flat_map(|s| &s.results)
            .collect();
        let mut clauses: Vec<&str> = vec![];
        for p in &parts {
            if !clauses.contains(&p.clause.as_str()) {
                clauses.push(&p.clause);
            }
        }
        for clause in clauses {
            let mine: Vec<&ClauseResult> = parts
                .iter()
                .copied()
                .filter(|p| p.clause == clause)
                .collect();
            // A clause judged target-wide where it was evaluated has the one `target` column
            // (a share without its cases shows the transport columns, all empty).
            let target_wide = mine
                .iter()
                .any(|p| p.transport == "target" && p.evaluations > 0);
            let mut columns: Vec<&str> = vec![];
            for p in &mine {
                let keep = (p.transport == "target") == target_wide;
                if keep && !columns.contains(&p.transport.as_str()) {
                    columns.push(&p.transport);
                }
            }
            for col in columns {
                let cells: Vec<&ClauseResult> = mine
                    .iter()
                    .copied()
                    .filter(|p| p.transport == col)
                    .collect();
                suite.results.push(merge_cell(&cells)?);
            }
        }
    }
    Ok(suites)
}

/// One clause × transport from the shares' cells, as [`aggregate`](super::aggregate) would
/// have judged all their evaluations together.
fn merge_cell(cells: &[&ClauseResult]) -> Result<ClauseResult, TckError> {
    let mut tally = Tally::default();
    for c in cells {
        let t = c.tally.ok_or_else(|| {
            TckError::Config(format!(
                "{} [{}] carries no tally: the report was not written by a --partition run of this version",
                c.clause, c.transport
            ))
        })?;
        tally.add(&t);
    }
    let first = cells[0];
    let verdict = tally.verdict(first.level);
    let evaluated: Vec<&&ClauseResult> = cells.iter().filter(|c| c.evaluations > 0).collect();
    let failing = matches!(verdict, Verdict::Fail | Verdict::Warn);
    let mut details: Vec<Detail> = evaluated
        .iter()
        .filter(|c| !failing || matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .flat_map(|c| c.details.iter().cloned())
        .take(10)
        .collect();
    if evaluated.is_empty() {
        details = vec![Detail::new(
            "-",
            "-",
            "no check evaluated this clause in this run",
        )];
    }
    let counterexample = if failing {
        evaluated.iter().find_map(|c| c.counterexample.clone())
    } else {
        None
    };
    Ok(ClauseResult {
        verdict,
        evaluations: cells.iter().map(|c| c.evaluations).sum(),
        passed: cells.iter().map(|c| c.passed).sum(),
        details,
        counterexample,
        tally: None,
        ..first.clone()
    })
}

/// Counts add up; the wall time is the longest share's (they ran side by side).
fn merge_stats<'a>(all: impl Iterator<Item = &'a Stats>) -> Stats {
    let mut m = Stats::default();
    for s in all {
        m.cases += s.cases;
        m.exchanges += s.exchanges;
        m.mails += s.mails;
        m.crm_requests += s.crm_requests;
        m.seconds = m.seconds.max(s.seconds);
        m.cpu_seconds += s.cpu_seconds;
        m.peak_held_bytes = m.peak_held_bytes.max(s.peak_held_bytes);
        m.kept_bytes += s.kept_bytes;
        for p in &s.phases {
            match m.phases.iter_mut().find(|q| q.phase == p.phase) {
                Some(q) => q.seconds = q.seconds.max(p.seconds),
                None => m.phases.push(p.clone()),
            }
        }
    }
    m.cases_per_second = if m.seconds > 0.0 {
        m.cases as f64 / m.seconds
    } else {
        0.0
    };
    m
}
