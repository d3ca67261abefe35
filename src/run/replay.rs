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

/// The units a replay of `recorded` sends: those that sent the recorded cases, or every unit
/// when some failure was judged outside any unit (an end-of-run scan, discovery).
pub fn selection(recorded: &[Recorded]) -> Selection {
    Selection {
        units: recorded
            .iter()
            .filter_map(|r| Some((r.suite.clone(), r.transport.clone(), r.unit?)))
            .collect(),
        every_unit: recorded.iter().any(|r| r.unit.is_none()),
    }
}

/// The transports of the recorded run (None: every one the target offers). A replay speaks
/// to all of them, as the run did, so that every case is drawn as it was (a transport's place
/// among the others seeds its cases and shares out the vehicles); the selection keeps the
/// other transports' units from being sent.
pub fn transports(report: &Report) -> Option<Vec<crate::transport::Binding>> {
    report
        .target
        .transports
        .iter()
        .map(|t| {
            crate::transport::Binding::ALL
                .into_iter()
                .find(|b| b.name() == t)
        })
        .collect()
}

/// What the replay's judgements (`new.replayed`) say of each recorded failure: FIXED only when
/// the replay judged that very clause on that very case, on that transport, and it held.
pub fn judge(recorded: &[Recorded], new: &Report) -> Vec<(Recorded, Replayed)> {
    use crate::check::Outcome;
    recorded
        .iter()
        .map(|rec| {
            let key = |transport: &str| {
                (
                    rec.suite.clone(),
                    rec.clause.clone(),
                    transport.to_string(),
                    rec.case.clone(),
                )
            };
            // A target-wide evaluation counts on every transport's column.
            let outcome = new
                .replayed
                .get(&key(&rec.transport))
                .or_else(|| new.replayed.get(&key("target")));
            let replayed = match outcome {
                Some(Outcome::Pass) => Replayed::Fixed,
                Some(Outcome::Fail(d) | Outcome::Error(d)) => Replayed::StillFailing(d.clone()),
                Some(Outcome::NotTested(d) | Outcome::NotApplicable(d)) => {
                    Replayed::NotReRun(d.clone())
                }
                None => Replayed::NotReRun(format!(
                    "the replay did not judge {} on this case again",
                    rec.clause
                )),
            };
            (rec.clone(), replayed)
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
        // The breaker's detail names no case the run sent.
        let mut breaker = old.clone();
        breaker.suites[0].results[2].details[0].check = "breaker".into();
        let rec = recorded(&breaker, None, None);
        assert_eq!(
            rec.iter().map(|r| r.case.as_str()).collect::<Vec<_>>(),
            ["c1", "c2"]
        );
        let sel = selection(&rec);
        assert!(!sel.every_unit);
        assert!(sel.sends("dmc12", "mcp", 7) && sel.sends("dmc12", "mcp", 3));
        assert!(!sel.sends("dmc12", "mcp", 4) && !sel.sends("dmc12", "a2a-rest", 7));
        // A failure judged outside any unit: the whole run goes again.
        assert!(selection(&recorded(&old, None, None)).every_unit);
        assert_eq!(recorded(&old, Some("c2"), None).len(), 1);
        assert!(recorded(&old, None, Some("B")).is_empty());
    }

    #[test]
    fn judges_each_failure_by_its_own_clause_and_case() {
        use crate::check::Outcome;
        let old = report(vec![
            cell("A", Verdict::Fail, &[("c1", Some(3)), ("c2", Some(7))]),
            cell("C", Verdict::Fail, &[("c3", Some(1))]),
            cell("E", Verdict::Fail, &[("c4", Some(2))]),
            cell("G", Verdict::Fail, &[("c5", Some(5))]),
            cell("T", Verdict::Fail, &[("c6", None)]),
        ]);
        // The replay's cells say PASS everywhere: only the per-case judgements count.
        let mut new = report(vec![]);
        let k = |clause: &str, transport: &str, case: &str| {
            (
                "dmc12".to_string(),
                clause.to_string(),
                transport.to_string(),
                case.to_string(),
            )
        };
        new.replayed.insert(k("A", "mcp", "c1"), Outcome::Pass);
        new.replayed
            .insert(k("A", "mcp", "c2"), Outcome::Fail("again".into()));
        new.replayed
            .insert(k("C", "mcp", "c3"), Outcome::NotTested("no fixture".into()));
        // E on c4 was not judged again at all; G on c5 only on another transport.
        new.replayed.insert(k("G", "a2a-rest", "c5"), Outcome::Pass);
        // A target-wide judgement counts on every transport.
        new.replayed.insert(k("T", "target", "c6"), Outcome::Pass);
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
                ("c3", "NOT RE-RUN"),
                ("c4", "NOT RE-RUN"),
                ("c5", "NOT RE-RUN"),
                ("c6", "FIXED")
            ]
        );
        assert_eq!(judged[1].1, Replayed::StillFailing("again".into()));
    }
}
