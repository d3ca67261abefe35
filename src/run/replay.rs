//! `dealer-tck replay REPORT`: [`recorded`] reads the failures a report recorded (FAIL, WARN,
//! ERROR and XFAIL details, each with the unit of the run that sent its case), the run is
//! repeated with the report's seed and case counts sending only those units ([`selection`]:
//! stateful chains included, their fixtures made anew by the scenario itself), and [`judge`]
//! says of each recorded failure whether it is FIXED, STILL FAILING, or was NOT RE-RUN (its
//! clause was not judged again: a target without that transport, a fixture missing).

use super::Selection;
use crate::report::{Report, Verdict};

/// One failure a report recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Suite id.
    pub suite: String,
    /// Clause id.
    pub clause: String,
    /// Transport (or `target`).
    pub transport: String,
    /// Case id.
    pub case: String,
    /// The unit that sent it (None: judged outside any unit, at discovery, which every run
    /// repeats).
    pub unit: Option<usize>,
    /// The verdict its clause had.
    pub verdict: Verdict,
}

/// What the replay found of one recorded failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// Judged again, and it held.
    Fixed,
    /// Judged again, and it failed again (what was seen).
    StillFailing(String),
    /// Not judged again (why).
    NotReRun(String),
}

impl Replayed {
    /// `FIXED`, `STILL FAILING` or `NOT RE-RUN`.
    pub fn label(&self) -> &'static str {
        match self {
            Replayed::Fixed => "FIXED",
            Replayed::StillFailing(_) => "STILL FAILING",
            Replayed::NotReRun(_) => "NOT RE-RUN",
        }
    }
}

/// The failures `report` recorded, those of case `case` and clause `clause` only when given.
/// Details that name no case the run sent (the breaker's, the baseline's) are not replayable.
pub fn recorded(report: &Report, case: Option<&str>, clause: Option<&str>) -> Vec<Recorded> {
    let mut out = vec![];
    for suite in &report.suites {
        for r in &suite.results {
            if !matches!(
                r.verdict,
                Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Xfail
            ) || clause.is_some_and(|c| r.clause != c)
            {
                continue;
            }
            for d in &r.details {
                if d.case == "-"
                    || matches!(d.check.as_str(), "breaker" | "baseline")
                    || case.is_some_and(|c| d.case != c)
                {
                    continue;
                }
                let rec = Recorded {
                    suite: suite.suite.clone(),
                    clause: r.clause.clone(),
                    transport: r.transport.clone(),
                    case: d.case.clone(),
                    unit: d.unit,
                    verdict: r.verdict,
                };
                if !out.contains(&rec) {
                    out.push(rec);
                }
            }
        }
    }
    out
}

/// The units a replay of `recorded` sends.
pub fn selection(recorded: &[Recorded]) -> Selection {
    recorded
        .iter()
        .filter_map(|r| Some((r.suite.clone(), r.transport.clone(), r.unit?)))
        .collect()
}

/// The transports a replay of `recorded` needs (None: every one, a target-wide clause failed).
pub fn transports(recorded: &[Recorded]) -> Option<Vec<crate::transport::Binding>> {
    let mut out = vec![];
    for r in recorded {
        let b = crate::transport::Binding::ALL
            .into_iter()
            .find(|b| b.name() == r.transport)?;
        if !out.contains(&b) {
            out.push(b);
        }
    }
    Some(out)
}

/// What `new` (the replay's report) says of each recorded failure.
pub fn judge(recorded: &[Recorded], new: &Report) -> Vec<(Recorded, Replayed)> {
    recorded
        .iter()
        .map(|rec| {
            let cell = new
                .suites
                .iter()
                .filter(|s| s.suite == rec.suite)
                .flat_map(|s| &s.results)
                .find(|r| r.clause == rec.clause && r.transport == rec.transport);
            let key = (rec.suite.clone(), rec.transport.clone(), rec.case.clone());
            let outcome = match cell {
                // A case judged in a unit must have been judged in one again.
                _ if rec.unit.is_some() && !new.replayed.contains(&key) => Replayed::NotReRun(
                    "the replay did not send this case again (its unit judged nothing)".into(),
                ),
                None => Replayed::NotReRun(format!(
                    "the replay judged no {} on {}",
                    rec.clause, rec.transport
                )),
                Some(r) => match r.verdict {
                    Verdict::Pass => Replayed::Fixed,
                    Verdict::NotTested | Verdict::NotApplicable => Replayed::NotReRun(
                        r.details
                            .first()
                            .map(|d| d.detail.clone())
                            .unwrap_or_else(|| r.verdict.as_str().to_string()),
                    ),
                    _ => match r.details.iter().find(|d| d.case == rec.case) {
                        Some(d) => Replayed::StillFailing(d.detail.clone()),
                        // A report keeps ten details per cell: with ten, the case may be
                        // among those left out.
                        None if r.details.len() >= 10 => Replayed::StillFailing(format!(
                            "{} on other cases, maybe this one too",
                            r.verdict.as_str()
                        )),
                        None => Replayed::Fixed,
                    },
                },
            };
            (rec.clone(), outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ClauseResult, Detail, SuiteReport};
    use crate::spec::catalogue::Level;

    fn cell(clause: &str, verdict: Verdict, cases: &[(&str, Option<usize>)]) -> ClauseResult {
        ClauseResult {
            clause: clause.into(),
            level: Level::Must,
            text: String::new(),
            source: String::new(),
            transport: "mcp".into(),
            verdict,
            evaluations: cases.len(),
            passed: 0,
            details: cases
                .iter()
                .map(|(c, unit)| Detail {
                    unit: *unit,
                    ..Detail::new(c, "check", format!("{c} failed"))
                })
                .collect(),
            counterexample: None,
            tally: None,
        }
    }

    fn report(results: Vec<ClauseResult>) -> Report {
        crate::report::sample_report(vec![SuiteReport {
            suite: "dmc12".into(),
            title: String::new(),
            version: "1".into(),
            results,
        }])
    }

    #[test]
    fn records_the_failures_and_the_units_that_sent_them() {
        let old = report(vec![
            cell("A", Verdict::Fail, &[("c1", Some(3)), ("c2", Some(7))]),
            cell("B", Verdict::Pass, &[]),
            cell("C", Verdict::Error, &[("run", None)]),
            cell("D", Verdict::NotTested, &[("c9", Some(9))]),
        ]);
        let rec = recorded(&old, None, None);
        assert_eq!(
            rec.iter().map(|r| r.case.as_str()).collect::<Vec<_>>(),
            ["c1", "c2", "run"]
        );
        let sel = selection(&rec);
        assert_eq!(sel.len(), 2);
        assert!(sel.contains(&("dmc12".into(), "mcp".into(), 7)));
        assert_eq!(recorded(&old, Some("c2"), None).len(), 1);
        assert!(recorded(&old, None, Some("B")).is_empty());
    }

    #[test]
    fn judges_fixed_still_failing_and_not_re_run() {
        let old = report(vec![
            cell("A", Verdict::Fail, &[("c1", Some(3)), ("c2", Some(7))]),
            cell("C", Verdict::Fail, &[("c3", Some(1))]),
            cell("E", Verdict::Fail, &[("c4", Some(2))]),
        ]);
        let mut new = report(vec![
            cell("A", Verdict::Fail, &[("c2", Some(7))]),
            cell("C", Verdict::Pass, &[]),
            cell("E", Verdict::NotTested, &[("-", None)]),
        ]);
        for c in ["c1", "c2", "c3", "c4"] {
            new.replayed
                .insert(("dmc12".into(), "mcp".into(), c.into()));
        }
        // A case the replay never judged is not fixed, whatever its clause's verdict.
        let mut unsent = new.clone();
        unsent.replayed.clear();
        assert!(
            judge(&recorded(&old, None, None), &unsent)
                .iter()
                .all(|(_, o)| o.label() == "NOT RE-RUN")
        );
        let judged = judge(&recorded(&old, None, None), &new);
        let labels: Vec<(&str, &str)> = judged
            .iter()
            .map(|(r, o)| (r.case.as_str(), o.label()))
            .collect();
        assert_eq!(
            labels,
            [
                ("c1", "FIXED"),
                ("c2", "STILL FAILING"),
                ("c3", "FIXED"),
                ("c4", "NOT RE-RUN")
            ]
        );
    }
}
