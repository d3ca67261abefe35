//! [`RunDiff`]: what changed between two runs' `report.json` (`dealer-tck diff OLD NEW`), per
//! clause × transport: new failures, fixes, other verdict changes, clauses newly NOT_TESTED,
//! and cells only one run judged. A diff of runs that cannot be compared (another seed, case
//! count, harness or suite version, clause filter, or target) says so before anything else.

use super::{Report, Verdict};
use std::collections::BTreeMap;

/// One clause × transport of one suite.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Cell {
    pub suite: String,
    pub clause: String,
    pub transport: String,
}

/// A cell whose verdict differs (None: the run did not judge it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub cell: Cell,
    pub old: Option<Verdict>,
    pub new: Option<Verdict>,
}

/// What changed from one run to the next.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunDiff {
    /// Why the two runs are not comparable (empty: they are).
    pub incomparable: Vec<String>,
    /// FAIL or ERROR now, not before (a cell only the new run judged, failing, too).
    pub new_failures: Vec<Change>,
    /// FAIL or ERROR before, PASS (or NOT_APPLICABLE) now.
    pub fixed: Vec<Change>,
    /// NOT_TESTED now, judged before.
    pub newly_not_tested: Vec<Change>,
    /// Every other change of verdict, and cells only one run has.
    pub changed: Vec<Change>,
}

/// How bad a verdict is for a release: failing, untested, a warning, or fine. The diff judges
/// the server, not the baseline: an XFAIL is a failure the baseline excuses, an XPASS a pass
/// the baseline did not expect (FAIL → XPASS is a fix, PASS → XFAIL a new failure).
fn badness(v: Verdict) -> u8 {
    match v {
        Verdict::Fail | Verdict::Error | Verdict::Xfail => 3,
        Verdict::NotTested => 2,
        Verdict::Warn => 1,
        Verdict::Pass | Verdict::NotApplicable | Verdict::Xpass => 0,
    }
}

fn cells(r: &Report) -> BTreeMap<Cell, Verdict> {
    r.suites
        .iter()
        .flat_map(|s| {
            s.results.iter().map(|c| {
                (
                    Cell {
                        suite: s.suite.clone(),
                        clause: c.clause.clone(),
                        transport: c.transport.clone(),
                    },
                    c.verdict,
                )
            })
        })
        .collect()
}

/// The first 12 hex digits of a digest, as the diff shows it.
fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

/// Why `old` and `new` are not two runs of the same thing.
fn incomparable(old: &Report, new: &Report) -> Vec<String> {
    let mut why = vec![];
    let mut differs = |what: &str, a: String, b: String| {
        if a != b {
            why.push(format!("{what} differs: {a} → {b}"));
        }
    };
    differs(
        "harness version",
        old.tool_version.clone(),
        new.tool_version.clone(),
    );
    differs("seed", old.seed.to_string(), new.seed.to_string());
    differs(
        "cases per transport",
        old.cases_per_transport.to_string(),
        new.cases_per_transport.to_string(),
    );
    let filter = |r: &Report| r.clause_filter.clone().unwrap_or_else(|| "none".into());
    differs("clause filter", filter(old), filter(new));
    differs(
        "target kind",
        old.target.kind.clone(),
        new.target.kind.clone(),
    );
    let share = |r: &Report| r.partition.clone().unwrap_or_else(|| "whole run".into());
    differs("partition", share(old), share(new));
    if let (Some(a), Some(b)) = (&old.provenance, &new.provenance) {
        for s in &b.suites {
            if let Some(o) = a.suites.iter().find(|o| o.suite == s.suite) {
                differs(
                    &format!("{} clause catalogue", s.suite),
                    short(&o.catalogue_sha256),
                    short(&s.catalogue_sha256),
                );
            }
        }
        differs(
            "target profile",
            a.profile_sha256.as_deref().map_or("none".into(), short),
            b.profile_sha256.as_deref().map_or("none".into(), short),
        );
        differs(
            "invalid cases per rule",
            a.invalid_per_rule.to_string(),
            b.invalid_per_rule.to_string(),
        );
    }
    for s in &new.suites {
        if let Some(o) = old.suites.iter().find(|o| o.suite == s.suite) {
            differs(
                &format!("{} version", s.suite),
                o.version.clone(),
                s.version.clone(),
            );
        }
    }
    why
}

/// Compare two reports cell by cell.
pub fn diff(old: &Report, new: &Report) -> RunDiff {
    let (before, after) = (cells(old), cells(new));
    let mut d = RunDiff {
        incomparable: incomparable(old, new),
        ..RunDiff::default()
    };
    let keys: std::collections::BTreeSet<&Cell> = before.keys().chain(after.keys()).collect();
    for cell in keys {
        let (o, n) = (before.get(cell).copied(), after.get(cell).copied());
        if o == n {
            continue;
        }
        let change = Change {
            cell: cell.clone(),
            old: o,
            new: n,
        };
        let was = o.map(badness);
        match n.map(badness) {
            Some(3) if was != Some(3) => d.new_failures.push(change),
            // Judged before, not now: a cell gone NOT_TESTED, or gone (a transport or suite
            // the later run did not reach).
            Some(2) | None if was.is_some_and(|w| w != 2) => d.newly_not_tested.push(change),
            Some(0) if was == Some(3) => d.fixed.push(change),
            _ => d.changed.push(change),
        }
    }
    d
}

impl RunDiff {
    /// Something got worse: a new failure, or a clause no longer tested.
    pub fn regressed(&self) -> bool {
        !self.new_failures.is_empty() || !self.newly_not_tested.is_empty()
    }

    /// The diff as Markdown (fit for a CI step summary).
    pub fn markdown(&self) -> String {
        let name = |v: Option<Verdict>| v.map(Verdict::as_str).unwrap_or("—");
        let mut s = String::from("# dealer-tck run diff\n\n");
        if !self.incomparable.is_empty() {
            s.push_str("**These runs are not comparable:** ");
            s.push_str(&super::inert::markdown(&self.incomparable.join("; ")));
            s.push_str(".\n\n");
        }
        let sections = [
            ("New failures", &self.new_failures),
            ("Fixed", &self.fixed),
            ("Newly NOT_TESTED", &self.newly_not_tested),
            ("Other changes", &self.changed),
        ];
        for (title, list) in sections {
            s.push_str(&format!("## {title} ({})\n\n", list.len()));
            if list.is_empty() {
                continue;
            }
            s.push_str("| suite | clause | transport | before | now |\n|---|---|---|---|---|\n");
            for c in list {
                // Ids read from a file: inert Markdown, never raw bytes to a terminal or a table.
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    super::inert::markdown(&c.cell.suite),
                    super::inert::markdown(&c.cell.clause),
                    super::inert::markdown(&c.cell.transport),
                    name(c.old),
                    name(c.new)
                ));
            }
            s.push('\n');
        }
        s.push_str(if self.regressed() {
            "REGRESSED\n"
        } else {
            "NO REGRESSION\n"
        });
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ClauseResult, SuiteReport};
    use crate::spec::catalogue::Level;

    fn report(cells: &[(&str, &str, Verdict)]) -> Report {
        let results = cells
            .iter()
            .map(|(clause, transport, verdict)| ClauseResult {
                clause: clause.to_string(),
                level: Level::Must,
                text: String::new(),
                source: String::new(),
                transport: transport.to_string(),
                verdict: *verdict,
                evaluations: 1,
                passed: 0,
                details: vec![],
                counterexample: None,
                tally: None,
            })
            .collect();
        crate::report::sample_report(vec![SuiteReport {
            suite: "dmc12".into(),
            title: String::new(),
            version: "1".into(),
            results,
        }])
    }

    fn clauses(list: &[Change]) -> Vec<&str> {
        list.iter().map(|c| c.cell.clause.as_str()).collect()
    }

    #[test]
    fn sorts_each_change_into_its_kind() {
        use Verdict::*;
        let old = report(&[
            ("A", "mcp", Pass),
            ("B", "mcp", Fail),
            ("C", "mcp", Pass),
            ("D", "mcp", Pass),
            ("E", "mcp", Error),
            ("F", "mcp", Pass),
            ("G", "mcp", Pass),
        ]);
        let new = report(&[
            ("A", "mcp", Fail),
            ("B", "mcp", Pass),
            ("C", "mcp", NotTested),
            ("D", "mcp", Warn),
            ("E", "mcp", Fail),
            ("F", "mcp", Pass),
            ("H", "mcp", Error),
        ]);
        let d = diff(&old, &new);
        assert_eq!(clauses(&d.new_failures), ["A", "H"]);
        assert_eq!(clauses(&d.fixed), ["B"]);
        // Untested now, and a cell only the old run has.
        assert_eq!(clauses(&d.newly_not_tested), ["C", "G"]);
        // A warning, a failure that is still one.
        assert_eq!(clauses(&d.changed), ["D", "E"]);
        assert!(d.regressed() && d.incomparable.is_empty());
        let md = d.markdown();
        assert!(
            md.contains("## New failures (2)") && md.ends_with("REGRESSED\n"),
            "{md}"
        );
        // The other way round.
        let back = diff(&new, &old);
        assert_eq!(clauses(&back.fixed), ["A"]);
        assert_eq!(clauses(&back.new_failures), ["B"]);
        // Only a fix: no regression.
        // Through a baseline: a listed failure that now passes is a fix.
        let xpass = diff(
            &report(&[("A", "mcp", Fail)]),
            &report(&[("A", "mcp", Xpass)]),
        );
        assert_eq!(clauses(&xpass.fixed), ["A"]);
        let xfail = diff(
            &report(&[("A", "mcp", Pass)]),
            &report(&[("A", "mcp", Xfail)]),
        );
        assert_eq!(clauses(&xfail.new_failures), ["A"]);
        let healed = diff(
            &report(&[("A", "mcp", Fail)]),
            &report(&[("A", "mcp", Pass)]),
        );
        assert_eq!(clauses(&healed.fixed), ["A"]);
        assert!(!healed.regressed());
        assert!(healed.markdown().ends_with("NO REGRESSION\n"));
    }

    #[test]
    fn says_when_two_runs_cannot_be_compared_and_keeps_ids_inert() {
        let old = report(&[("A|\u{202e}x", "mcp", Verdict::Pass)]);
        let mut new = report(&[("A|\u{202e}x", "mcp", Verdict::Fail)]);
        new.seed = 2;
        new.suites[0].version = "2".into();
        let d = diff(&old, &new);
        assert_eq!(d.incomparable.len(), 2, "{:?}", d.incomparable);
        let md = d.markdown();
        assert!(
            md.contains("not comparable") && md.contains("seed differs: 1 → 2"),
            "{md}"
        );
        assert!(!md.contains('\u{202e}') && md.contains("A\\|"), "{md}");
        assert!(diff(&old, &old).markdown().contains("## New failures (0)"));
    }

    #[test]
    fn a_changed_catalogue_or_profile_makes_runs_incomparable_a_fixed_target_does_not() {
        let with = |digest: &str, profile: Option<&str>, target: &str| {
            let mut r = report(&[("A", "mcp", Verdict::Pass)]);
            r.provenance = Some(crate::report::Provenance {
                suites: vec![crate::report::SuiteProvenance {
                    suite: "dmc12".into(),
                    version: "1".into(),
                    catalogue_sha256: digest.into(),
                }],
                profile_sha256: profile.map(str::to_string),
                target: target.into(),
                ..Default::default()
            });
            r
        };
        let old = with("aaaaaaaaaaaaaaaa", None, "embedded-reference, defect x");
        // The same catalogue and profile, another build of the server: comparable.
        let fixed = with("aaaaaaaaaaaaaaaa", None, "embedded-reference");
        assert!(diff(&old, &fixed).incomparable.is_empty());
        let d = diff(
            &old,
            &with("bbbbbbbbbbbbbbbb", Some("cc"), "embedded-reference"),
        );
        assert_eq!(
            d.incomparable,
            [
                "dmc12 clause catalogue differs: aaaaaaaaaaaa → bbbbbbbbbbbb",
                "target profile differs: none → cc"
            ]
        );
    }
}
