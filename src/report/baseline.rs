//! [`Baseline`]: the expected failures of a server with known gaps (`run --baseline FILE`), so
//! that CI gates on "nothing new broke" instead of being switched off.
//!
//! An entry names a clause, optionally one transport (`target` for a target-wide clause) and
//! one check, and must say why (`reason`). A FAIL or WARN it covers becomes XFAIL and no longer
//! fails the run. A cell it covers that now PASSes becomes XPASS, and XPASS fails the run: the
//! entry is stale and must go, so the file only ever shrinks. An entry that covers no cell of
//! the run (a clause the filter left out aside) is named in the summary and in `report.json`
//! `baseline_unused`, and does not fail the run (a partitioned share or a target without a
//! transport leaves entries uncovered). ERROR, NOT_TESTED and
//! NOT_APPLICABLE are left as they are: a baseline excuses a known failure, never a harness
//! error or an untested clause. `dealer-tck baseline write REPORT` drafts a file from a report.

use super::{Detail, Report, SuiteReport, Verdict};
use crate::error::TckError;
use serde::Deserialize;
use std::path::Path;

/// One expected failure.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The clause id.
    pub clause: String,
    /// One transport (`a2a-jsonrpc`, `a2a-rest`, `mcp`, `target`); absent: every transport.
    pub transport: Option<String>,
    /// One check of the clause; absent: any. With a check, the entry covers a failure only if
    /// every failing detail shown is by that check.
    pub check: Option<String>,
    /// Why the failure is expected (required, not empty).
    pub reason: String,
}

/// A baseline file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The expected failures.
    #[serde(default)]
    pub expected: Vec<Expected>,
}

impl Baseline {
    /// Read and check a baseline file: every entry has a reason and names a clause of the
    /// catalogues and a known transport.
    pub fn load(path: &Path) -> Result<Baseline, TckError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TckError::Config(format!("baseline {}: {e}", path.display())))?;
        let b: Baseline = toml::from_str(&text).map_err(|e| {
            // toml's message spans lines (where, a caret, what): keep where and what.
            let text = e.to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let (first, last) = (lines.next().unwrap_or(""), lines.next_back().unwrap_or(""));
            TckError::Config(format!("baseline {}: {first}: {last}", path.display()))
        })?;
        let clauses: Vec<String> = crate::suites::catalogues()
            .flat_map(|c| c.clauses.iter().map(|c| c.id.clone()))
            .collect();
        for (i, e) in b.expected.iter().enumerate() {
            let at = format!("baseline {} entry {}", path.display(), i + 1);
            if e.reason.trim().is_empty() {
                return Err(TckError::Config(format!("{at}: reason must say why")));
            }
            if !clauses.contains(&e.clause) {
                return Err(TckError::Config(format!(
                    "{at}: no clause {} in the catalogues",
                    e.clause
                )));
            }
            if let Some(t) = &e.transport
                && t != "target"
                && let Err(why) = t.parse::<crate::transport::Binding>()
            {
                return Err(TckError::Config(format!(
                    "{at}: {why} (or target, a target-wide clause)"
                )));
            }
        }
        Ok(b)
    }

    /// Turn the covered failures into XFAIL and the covered passes into XPASS. Returns the
    /// entries that covered no cell of the run, for the caller to report.
    pub fn apply(&self, suites: &mut [SuiteReport], filter: Option<&str>) -> Vec<String> {
        let mut unused = vec![];
        for e in &self.expected {
            let mut covered = false;
            for r in suites.iter_mut().flat_map(|s| s.results.iter_mut()) {
                let transport_ok = e.transport.as_ref().is_none_or(|t| *t == r.transport);
                if r.clause != e.clause || !transport_ok {
                    continue;
                }
                let by_check = |d: &Detail| e.check.as_ref().is_none_or(|c| *c == d.check);
                match r.verdict {
                    Verdict::Fail | Verdict::Warn if r.details.iter().all(by_check) => {
                        covered = true;
                        r.verdict = Verdict::Xfail;
                        r.details.insert(
                            0,
                            Detail::new("-", "baseline", format!("expected failure: {}", e.reason)),
                        );
                        r.details.truncate(10);
                    }
                    Verdict::Pass => {
                        covered = true;
                        r.verdict = Verdict::Xpass;
                        r.details.push(Detail::new(
                            "-",
                            "baseline",
                            format!(
                                "listed as an expected failure ({}) but passes: remove the entry",
                                e.reason
                            ),
                        ));
                        r.details.truncate(10);
                    }
                    _ => covered |= matches!(r.verdict, Verdict::Xfail | Verdict::Xpass),
                }
            }
            let filtered_out = filter.is_some_and(|f| !e.clause.contains(f));
            if !covered && !filtered_out {
                let on = e.transport.as_deref().unwrap_or("any transport");
                unused.push(format!("{} on {on}", e.clause));
            }
        }
        unused
    }
}

/// A baseline drafted from a report: one entry per FAIL or WARN clause × transport, with a
/// reason to fill in.
pub fn draft(report: &Report) -> String {
    let mut s = String::from(
        "# dealer-tck baseline: expected failures (run --baseline FILE).\n\
         # A listed failure is XFAIL; a listed cell that passes is XPASS and fails the run.\n\n",
    );
    for r in report.results() {
        if matches!(r.verdict, Verdict::Fail | Verdict::Warn) {
            let q = |v: &str| toml::Value::String(v.to_string()).to_string();
            s.push_str(&format!(
                "[[expected]]\nclause = {}\ntransport = {}\nreason = {}\n\n",
                q(&r.clause),
                q(&r.transport),
                q(&format!(
                    "TODO: why {} [{}] is expected to fail",
                    r.clause, r.transport
                ))
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ClauseResult;
    use crate::spec::catalogue::Level;

    fn cell(clause: &str, transport: &str, verdict: Verdict, check: &str) -> ClauseResult {
        ClauseResult {
            clause: clause.into(),
            level: Level::Must,
            text: String::new(),
            source: String::new(),
            transport: transport.into(),
            verdict,
            evaluations: 1,
            passed: 0,
            details: vec![Detail::new("c", check, "d")],
            counterexample: None,
            tally: None,
        }
    }

    fn load(text: &str) -> Result<Baseline, String> {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("b.toml");
        std::fs::write(&f, text).expect("write");
        Baseline::load(&f).map_err(|e| e.to_string())
    }

    #[test]
    fn a_bad_file_is_one_line_naming_the_entry() {
        let ok = "[[expected]]\nclause = \"DMC12-PII-LOG-001\"\ntransport = \"mcp\"\nreason = \"known\"\n";
        assert_eq!(load(ok).expect("loads").expected.len(), 1);
        for (text, says) in [
            (
                "[[expected]]\nclause = \"DMC12-PII-LOG-001\"\nreason = \" \"\n",
                "reason must say why",
            ),
            ("[[expected]]\nclause = \"DMC12-PII-LOG-001\"\n", "reason"),
            (
                "[[expected]]\nclause = \"NO-SUCH-001\"\nreason = \"r\"\n",
                "no clause NO-SUCH-001",
            ),
            (
                "[[expected]]\nclause = \"DMC12-PII-LOG-001\"\ntransport = \"pigeon\"\nreason = \"r\"\n",
                "unknown transport 'pigeon'",
            ),
            (
                "[[expected]]\nclause = \"DMC12-PII-LOG-001\"\nreason = \"r\"\nwhy = 1\n",
                "unknown field",
            ),
            ("not toml [", "baseline"),
        ] {
            let e = load(text).expect_err(text);
            assert!(e.contains(says) && !e.contains('\n'), "{text}: {e}");
        }
    }

    #[test]
    fn failures_listed_are_xfail_passes_listed_are_xpass_the_rest_untouched() {
        let b = Baseline {
            expected: vec![
                Expected {
                    clause: "A".into(),
                    transport: None,
                    check: None,
                    reason: "known gap".into(),
                },
                Expected {
                    clause: "B".into(),
                    transport: Some("mcp".into()),
                    check: Some("other-check".into()),
                    reason: "only that check".into(),
                },
                Expected {
                    clause: "C".into(),
                    transport: None,
                    check: None,
                    reason: "fixed since".into(),
                },
                Expected {
                    clause: "D".into(),
                    transport: None,
                    check: None,
                    reason: "untested".into(),
                },
                Expected {
                    clause: "E".into(),
                    transport: None,
                    check: None,
                    reason: "filtered out".into(),
                },
            ],
        };
        let mut suites = vec![SuiteReport {
            suite: "s".into(),
            title: String::new(),
            version: "1".into(),
            results: vec![
                cell("A", "mcp", Verdict::Fail, "x"),
                cell("A", "a2a-rest", Verdict::Warn, "x"),
                cell("B", "mcp", Verdict::Fail, "x"),
                cell("C", "mcp", Verdict::Pass, "x"),
                cell("D", "mcp", Verdict::NotTested, "x"),
                cell("A", "target", Verdict::Error, "x"),
            ],
        }];
        let unused = b.apply(&mut suites, Some(""));
        let v: Vec<Verdict> = suites[0].results.iter().map(|r| r.verdict).collect();
        use Verdict::*;
        assert_eq!(v, [Xfail, Xfail, Fail, Xpass, NotTested, Error]);
        assert!(suites[0].results[0].details[0].detail.contains("known gap"));
        assert!(
            suites[0].results[3]
                .details
                .iter()
                .any(|d| d.detail.contains("remove the entry"))
        );
        // B's failure is by another check; D was not tested; E's clause is not in the run.
        assert_eq!(
            unused,
            ["B on mcp", "D on any transport", "E on any transport"]
        );
        // An entry the clause filter leaves out is not reported unused.
        let mut again = suites.clone();
        assert!(
            !b.apply(&mut again, Some("A"))
                .iter()
                .any(|u| u.starts_with("E"))
        );
    }
}
