//! The one report model ([`Report`]) built from the evaluations of a run, and its renderings:
//! JSON (`report.json`, schema `reports/report.schema.json`), Markdown (`report.md`), JUnit
//! (`junit.xml`), a self-contained HTML page (`report.html`) and the terminal summary. Every
//! writer passes through a [`Redactor`] so that bearer tokens and other secrets never reach a
//! file or the terminal; PII never enters the model in the first place (evidence carries masked
//! snippets only).

pub mod baseline;
pub mod diff;
mod html;
pub mod inert;
mod junit;
mod markdown;
pub mod merge;
pub mod repro;
pub mod summary_file;

use crate::check::{Evaluation, Outcome};
use crate::spec::catalogue::{Catalogue, Level};
use crate::transport::Binding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How each (suite, clause, transport, case) of a run came out: the worst outcome of its
/// evaluations (`dealer-tck replay` judges each recorded failure by its own key).
pub type Judged = BTreeMap<(String, String, String, String), Outcome>;

/// Version of the report.json format (see `reports/report.schema.json`).
pub const REPORT_SCHEMA_VERSION: &str = "1.0";

/// Verdict of one clause on one transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Every evaluation held.
    Pass,
    /// A MUST clause was broken.
    Fail,
    /// A SHOULD clause was broken.
    Warn,
    /// Nothing could evaluate it (fixture or capability missing); never counts as a pass.
    NotTested,
    /// The clause's condition never arose in the run (an optional member never sent, a
    /// behaviour the server did not choose): counted apart, never a pass, never a failure.
    NotApplicable,
    /// The harness could not tell (unreachable, timeout, unparseable).
    Error,
    /// A failure the baseline lists (`run --baseline`): it does not fail the run.
    Xfail,
    /// A cell the baseline lists as failing that passes: the entry is stale, and the run fails.
    Xpass,
}

impl Verdict {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Warn => "WARN",
            Verdict::NotTested => "NOT_TESTED",
            Verdict::NotApplicable => "NOT_APPLICABLE",
            Verdict::Error => "ERROR",
            Verdict::Xfail => "XFAIL",
            Verdict::Xpass => "XPASS",
        }
    }
}

/// One piece of evidence (a failed, errored or untested evaluation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Detail {
    /// Case or scenario.
    pub case: String,
    /// Check id.
    pub check: String,
    /// What was seen (masked).
    pub detail: String,
    /// A ready-to-run reproduction of the exchanges that showed it (FAIL and ERROR only): a
    /// POSIX shell snippet of `curl` commands, bearer tokens as environment variable
    /// references, 🔒 values as the run's synthetic canaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduction: Option<String>,
    /// The unit of the run that sent the case (`--partition`'s numbering, per suite and
    /// transport): what `dealer-tck replay` sends again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<usize>,
}

impl Detail {
    /// A detail without a reproduction.
    pub fn new(case: &str, check: &str, detail: impl Into<String>) -> Detail {
        Detail {
            case: case.to_string(),
            check: check.to_string(),
            detail: detail.into(),
            reproduction: None,
            unit: None,
        }
    }
}

/// A reproducible failing input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counterexample {
    /// `--seed` that regenerates it.
    pub seed: u64,
    /// Case id within that run.
    pub case: String,
    /// Shrink steps taken.
    pub shrink_steps: usize,
    /// The minimal payload, 🔒 values masked.
    pub payload: serde_json::Value,
}

/// The result of one clause on one transport.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClauseResult {
    /// Clause id.
    pub clause: String,
    /// MUST / SHOULD / MAY.
    pub level: Level,
    /// Rule text.
    pub text: String,
    /// Seed sentence.
    pub source: String,
    /// Transport name, or `target` for target-wide clauses.
    pub transport: String,
    /// Verdict.
    pub verdict: Verdict,
    /// Number of evaluations.
    pub evaluations: usize,
    /// Number that passed.
    pub passed: usize,
    /// Evidence for failures / errors / not-tested (at most 10).
    pub details: Vec<Detail>,
    /// Minimal failing input, when the clause failed on a generated case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    /// What the verdict was computed from, kept in a share's report (`--partition`) so that
    /// `dealer-tck merge` computes the whole run's verdict exactly as [`aggregate`] does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tally: Option<Tally>,
}

/// The counts a clause × transport verdict is computed from ([`Tally::verdict`]); tallies of
/// disjoint sets of evaluations add up ([`Tally::add`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Failing evaluations.
    pub fails: usize,
    /// Evaluations that ended in a harness or transport error.
    pub errors: usize,
    /// Passing evaluations of the clause's positive half.
    pub positive_passes: usize,
    /// Whether any evaluation was NOT_TESTED.
    pub not_tested: bool,
    /// Whether any evaluation was NOT_APPLICABLE.
    pub not_applicable: bool,
}

impl Tally {
    /// The verdict of a clause of `level` with these counts.
    pub fn verdict(&self, level: Level) -> Verdict {
        if self.fails > 0 {
            match level {
                Level::Must => Verdict::Fail,
                Level::Should => Verdict::Warn,
                Level::May => Verdict::Pass,
            }
        } else if self.errors > 0 {
            Verdict::Error
        } else if self.positive_passes > 0 {
            Verdict::Pass
        } else if self.not_applicable && !self.not_tested {
            Verdict::NotApplicable
        } else {
            Verdict::NotTested
        }
    }

    /// The tally of both sets of evaluations.
    pub fn add(&mut self, other: &Tally) {
        self.fails += other.fails;
        self.errors += other.errors;
        self.positive_passes += other.positive_passes;
        self.not_tested |= other.not_tested;
        self.not_applicable |= other.not_applicable;
    }
}

/// One suite's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteReport {
    /// Suite id.
    pub suite: String,
    /// Title.
    pub title: String,
    /// Spec version.
    pub version: String,
    /// Results, catalogue order × transport order.
    pub results: Vec<ClauseResult>,
}

/// Counts by verdict.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct Totals {
    /// PASS.
    pub pass: usize,
    /// FAIL.
    pub fail: usize,
    /// WARN.
    pub warn: usize,
    /// NOT_TESTED.
    pub not_tested: usize,
    /// NOT_APPLICABLE.
    pub not_applicable: usize,
    /// ERROR.
    pub error: usize,
    /// XFAIL (a failure the baseline lists; only with `--baseline`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub xfail: usize,
    /// XPASS (a baseline entry that passes: stale; only with `--baseline`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub xpass: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What was tested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    /// `embedded-reference`, `launched` or `external`.
    pub kind: String,
    /// Base URL (no credentials).
    pub url: String,
    /// Injected defect of the embedded reference, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defect: Option<String>,
    /// Alternative reading of the seeds the embedded reference took, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Transports tested.
    pub transports: Vec<String>,
    /// Transports not tested, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// A transport (or suite) that was not tested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Transport or suite name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Where a report came from: what a diff or a replay must match to compare like with like.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    /// Harness version.
    pub harness: String,
    /// Each suite run, with its spec version and the digest of its clause catalogue.
    pub suites: Vec<SuiteProvenance>,
    /// Generator seed.
    pub seed: u64,
    /// Generated valid cases per transport.
    pub cases_per_transport: usize,
    /// Generated invalid cases per rule and transport.
    pub invalid_per_rule: usize,
    /// SHA-256 of the target profile (`--profile`), if one was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_sha256: Option<String>,
    /// The target: `embedded-reference` (with its defect or variant), `launched: <program>`, or
    /// `external: <url>`.
    pub target: String,
}

/// One suite of a [`Provenance`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteProvenance {
    /// Suite id.
    pub suite: String,
    /// Spec version.
    pub version: String,
    /// SHA-256 of the clause catalogue and schemas the suite judged with.
    pub catalogue_sha256: String,
}

/// Run statistics.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Generated and scenario cases sent.
    pub cases: usize,
    /// HTTP exchanges with the target.
    pub exchanges: usize,
    /// Mails the sink captured.
    pub mails: usize,
    /// Requests the CRM mock received.
    pub crm_requests: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Cases per second.
    pub cases_per_second: f64,
    /// The most bytes of the target's answers the harness held at once (bodies and headers of
    /// the exchanges alive together): a few answers, whatever the number of exchanges.
    pub peak_held_bytes: usize,
    /// What the run kept to judge and report (evaluations with their capped evidence, the
    /// cases' canaries, counterexamples), in bytes at the end of the run.
    pub kept_bytes: usize,
    /// CPU time (user + system) of the dealer-tck process during the run, in seconds: the
    /// harness alone for a launched or already running target, the harness and the reference
    /// together for the embedded one.
    pub cpu_seconds: f64,
    /// Wall time per phase, in the order the phases first ran (a phase that runs once per
    /// transport is summed, so with transports side by side the phases add up to more than
    /// the run's wall time): where the run's time goes.
    pub phases: Vec<PhaseTime>,
}

/// The wall time of one phase of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseTime {
    /// `discovery`, `generated`, `scenarios`, `faults`, `restart`, `aap-0.2`, `scans`, `reports`…
    pub phase: String,
    /// Seconds spent in it.
    pub seconds: f64,
}

impl Stats {
    /// Add the time since `since` to `phase`.
    pub fn time_phase(&mut self, phase: &str, since: std::time::Instant) {
        let secs = since.elapsed().as_secs_f64();
        match self.phases.iter_mut().find(|p| p.phase == phase) {
            Some(p) => p.seconds += secs,
            None => self.phases.push(PhaseTime {
                phase: phase.to_string(),
                seconds: secs,
            }),
        }
    }
}

/// The report of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The run's secrets (bearer and CRM tokens): every rendering redacts them, so neither the
    /// files nor what is printed to stdout can carry a token. Not serialised.
    #[serde(skip)]
    pub redactor: Redactor,
    /// In a replay's report (`dealer-tck replay`): how each suite × clause × transport × case
    /// it judged came out (the worst of its evaluations). Not serialised.
    #[serde(skip)]
    pub replayed: Judged,
    /// Format version.
    pub schema_version: String,
    /// Harness version.
    pub tool_version: String,
    /// Run id (also the report directory name).
    pub run_id: String,
    /// Start time (UTC).
    pub started_at: String,
    /// The target.
    pub target: TargetInfo,
    /// Seed of the generators.
    pub seed: u64,
    /// Generated valid cases per transport.
    pub cases_per_transport: usize,
    /// Clause filter, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause_filter: Option<String>,
    /// Verdict counts.
    pub totals: Totals,
    /// Whether every MUST clause held and the run reached the target.
    pub conformant: bool,
    /// Process exit code of the run.
    pub exit_code: u8,
    /// Why the run ended before every clause was judged (the target stopped answering): the
    /// report holds what was judged, every clause left is ERROR, and the exit code is 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
    /// `K/N` when this run was one share of a partitioned run (`--partition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// Baseline entries that covered no clause × transport of the run (`--baseline`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline_unused: Vec<String>,
    /// Where the report came from (absent in reports of harness versions before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Per-suite results.
    pub suites: Vec<SuiteReport>,
    /// Statistics.
    pub stats: Stats,
}

/// Fold evaluations into per-clause × transport results.
pub fn aggregate(
    cat: &Catalogue,
    evals: &[Evaluation],
    passes: &crate::check::Passes,
    transports: &[Binding],
    filter: Option<&str>,
    counterexamples: &BTreeMap<String, Counterexample>,
) -> SuiteReport {
    let mut results = vec![];
    for clause in &cat.clauses {
        if filter.is_some_and(|f| !clause.id.contains(f)) {
            continue;
        }
        // The catalogue's `checks` list is enforced: an evaluation by a check the clause does
        // not list is a harness bug, reported as ERROR rather than silently counted.
        let mine: Vec<std::borrow::Cow<'_, Evaluation>> = evals
            .iter()
            .filter(|e| e.clause == clause.id)
            .map(|e| {
                if clause.checks.iter().any(|c| c == e.check) {
                    std::borrow::Cow::Borrowed(e)
                } else {
                    std::borrow::Cow::Owned(Evaluation {
                        outcome: Outcome::Error(format!(
                            "harness: check {} is not listed under clause {} in the catalogue",
                            e.check, clause.id
                        )),
                        ..e.clone()
                    })
                }
            })
            .collect();
        // Counted passes by a check the clause lists; the others are that same harness bug.
        let (counted, unlisted): (Vec<_>, Vec<_>) = passes
            .of(&clause.id)
            .partition(|(k, _)| clause.checks.iter().any(|c| c == k.check));
        let mut mine = mine;
        mine.extend(unlisted.into_iter().map(|(k, n)| {
            std::borrow::Cow::Owned(Evaluation {
                outcome: Outcome::Error(format!(
                    "harness: check {} is not listed under clause {} in the catalogue",
                    k.check, clause.id
                )),
                negative: k.negative,
                ..Evaluation::new(
                    &k.clause,
                    k.check,
                    k.binding,
                    &format!("{n} passes"),
                    Outcome::Pass,
                )
            })
        }));
        let target_wide = !(mine.is_empty() && counted.is_empty())
            && mine.iter().all(|e| e.binding.is_none())
            && counted.iter().all(|(k, _)| k.binding.is_none());
        let columns: Vec<Option<Binding>> = if target_wide {
            vec![None]
        } else {
            transports
                .iter()
                .copied()
                .filter(|b| clause.applies_to(b.name()))
                .map(Some)
                .collect()
        };
        for col in columns {
            let es: Vec<&Evaluation> = mine
                .iter()
                .map(|e| e.as_ref())
                .filter(|e| col.is_none() || e.binding == col || e.binding.is_none())
                .collect();
            let in_col: Vec<&(&crate::check::PassKey, usize)> = counted
                .iter()
                .filter(|(k, _)| col.is_none() || k.binding == col || k.binding.is_none())
                .collect();
            let counted_passes: usize = in_col.iter().map(|(_, n)| n).sum();
            let passed = es.iter().filter(|e| e.outcome == Outcome::Pass).count() + counted_passes;
            // A pass of a clause's negative half alone never makes it PASS.
            let positive_passes = es
                .iter()
                .filter(|e| e.outcome == Outcome::Pass && !e.negative)
                .count()
                + in_col
                    .iter()
                    .filter(|(k, _)| !k.negative)
                    .map(|(_, n)| n)
                    .sum::<usize>();
            let not_tested = es
                .iter()
                .any(|e| matches!(e.outcome, Outcome::NotTested(_)));
            let not_applicable = es
                .iter()
                .any(|e| matches!(e.outcome, Outcome::NotApplicable(_)));
            let fails: Vec<&&Evaluation> = es
                .iter()
                .filter(|e| matches!(e.outcome, Outcome::Fail(_)))
                .collect();
            let errors = es
                .iter()
                .filter(|e| matches!(e.outcome, Outcome::Error(_)))
                .count();
            let tally = Tally {
                fails: fails.len(),
                errors,
                positive_passes,
                not_tested,
                not_applicable,
            };
            let verdict = tally.verdict(clause.level);
            let details: Vec<Detail> = es
                .iter()
                .filter_map(|e| match &e.outcome {
                    Outcome::Pass => None,
                    Outcome::Fail(d)
                    | Outcome::Error(d)
                    | Outcome::NotTested(d)
                    | Outcome::NotApplicable(d) => Some(Detail::new(&e.case, e.check, d.clone())),
                })
                .filter(|d| match verdict {
                    Verdict::Fail | Verdict::Warn => {
                        fails.iter().any(|f| f.case == d.case && f.check == d.check)
                    }
                    _ => true,
                })
                .take(10)
                .collect();
            let details = if verdict == Verdict::NotTested && details.is_empty() {
                vec![Detail::new(
                    "-",
                    &clause.checks.join(","),
                    "no check evaluated this clause in this run",
                )]
            } else {
                details
            };
            let transport = col
                .map(|b| b.name().to_string())
                .unwrap_or_else(|| "target".into());
            let counterexample = if matches!(verdict, Verdict::Fail | Verdict::Warn) {
                counterexamples
                    .get(&format!("{}|{}", clause.id, transport))
                    .cloned()
            } else {
                None
            };
            results.push(ClauseResult {
                clause: clause.id.clone(),
                level: clause.level,
                text: clause.text.clone(),
                source: clause.source.clone(),
                transport,
                verdict,
                evaluations: es.len() + counted_passes,
                passed,
                details,
                counterexample,
                tally: Some(tally),
            });
        }
    }
    SuiteReport {
        suite: cat.suite.clone(),
        title: cat.title.clone(),
        version: cat.version.clone(),
        results,
    }
}

impl Report {
    /// Count verdicts and decide conformance: no FAIL, no ERROR, at least one PASS, and —
    /// unless `allow_not_tested` — no MUST clause left NOT_TESTED (never counted as a pass).
    pub fn finish(&mut self, allow_not_tested: bool) {
        let mut t = Totals::default();
        for r in self.suites.iter().flat_map(|s| &s.results) {
            match r.verdict {
                Verdict::Pass => t.pass += 1,
                Verdict::Fail => t.fail += 1,
                Verdict::Warn => t.warn += 1,
                Verdict::NotTested => t.not_tested += 1,
                Verdict::NotApplicable => t.not_applicable += 1,
                Verdict::Error => t.error += 1,
                Verdict::Xfail => t.xfail += 1,
                Verdict::Xpass => t.xpass += 1,
            }
        }
        let must_untested = self
            .results()
            .any(|r| r.verdict == Verdict::NotTested && r.level == Level::Must);
        self.conformant = t.fail == 0
            && t.error == 0
            && t.xpass == 0
            && t.pass > 0
            && (allow_not_tested || !must_untested);
        self.exit_code = if self.conformant {
            crate::error::EXIT_CONFORMANT
        } else {
            crate::error::EXIT_NOT_CONFORMANT
        };
        self.totals = t;
    }

    /// Mark the report partial: the run ended because `why`, so every clause it did not judge
    /// (NOT_TESTED) is ERROR with that reason, the run is not conformant, and it exits 3.
    pub fn mark_partial(&mut self, why: &str) {
        for r in self.suites.iter_mut().flat_map(|s| s.results.iter_mut()) {
            if r.verdict == Verdict::NotTested {
                r.verdict = Verdict::Error;
                r.details = vec![Detail::new(
                    "run",
                    "breaker",
                    format!("not judged: the run ended early ({why})"),
                )];
            }
        }
        self.finish(false);
        self.partial = Some(why.to_string());
        self.conformant = false;
        self.exit_code = crate::error::EXIT_UNREACHABLE;
    }

    /// All results, every suite.
    pub fn results(&self) -> impl Iterator<Item = &ClauseResult> {
        self.suites.iter().flat_map(|s| s.results.iter())
    }

    /// The terminal summary.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let t = &self.totals;
        s.push_str(&format!(
            "dealer-tck {} — {} ({})\n",
            self.tool_version,
            inert::visible(&self.target.url),
            match (&self.target.defect, &self.target.variant) {
                (Some(d), _) => format!("{}, defect {d}", self.target.kind),
                (None, Some(v)) => format!("{}, variant {v}", self.target.kind),
                (None, None) => self.target.kind.clone(),
            }
        ));
        for suite in &self.suites {
            let mut by: BTreeMap<Verdict, usize> = BTreeMap::new();
            for r in &suite.results {
                *by.entry(r.verdict).or_default() += 1;
            }
            s.push_str(&format!(
                "  {} ({} clause×transport results): {}\n",
                suite.title,
                suite.results.len(),
                by.iter()
                    .map(|(v, n)| format!("{n} {}", v.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for sk in &self.target.skipped {
            s.push_str(&format!(
                "  SKIPPED {} — {}\n",
                sk.name,
                inert::visible(&sk.reason)
            ));
        }
        for r in self
            .results()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error | Verdict::Warn))
        {
            let d = r
                .details
                .first()
                .map(|d| {
                    format!(
                        " — {}: {}",
                        inert::visible(&d.case),
                        inert::visible(&d.detail)
                    )
                })
                .unwrap_or_default();
            s.push_str(&format!(
                "  {} {} [{}]{}\n",
                r.verdict.as_str(),
                r.clause,
                r.transport,
                truncate(&d, 220)
            ));
        }
        s.push_str(&format!(
            "{} cases, {} exchanges, {} mails, {} CRM requests in {:.1}s ({:.0} cases/s, {:.2} ms CPU per case; held at most {} KiB of answers, kept {} KiB)\n",
            self.stats.cases,
            self.stats.exchanges,
            self.stats.mails,
            self.stats.crm_requests,
            self.stats.seconds,
            self.stats.cases_per_second,
            self.stats.cpu_seconds * 1000.0 / self.stats.cases.max(1) as f64,
            self.stats.peak_held_bytes / 1024,
            self.stats.kept_bytes / 1024
        ));
        let top: Vec<String> = self
            .stats
            .phases
            .iter()
            .filter(|p| !p.phase.contains('/'))
            .map(|p| format!("{} {:.1}s", p.phase, p.seconds))
            .collect();
        if !top.is_empty() {
            s.push_str(&format!("time: {}\n", top.join(" · ")));
        }
        s.push_str(&format!(
            "{}: {} pass, {} fail, {} warn, {} not tested, {} not applicable, {} error\n",
            if self.conformant {
                "CONFORMANT"
            } else if self.partial.is_some() {
                "PARTIAL (the run ended early), NOT CONFORMANT"
            } else {
                "NOT CONFORMANT"
            },
            t.pass,
            t.fail,
            t.warn,
            t.not_tested,
            t.not_applicable,
            t.error
        ));
        if !self.baseline_unused.is_empty() {
            s.push_str(&format!(
                "baseline: entries that covered nothing in this run: {}\n",
                inert::visible(&self.baseline_unused.join(", "))
            ));
        }
        if t.xfail + t.xpass > 0 {
            s.push_str(&format!(
                "baseline: {} expected failure(s) (XFAIL), {} stale entr(y/ies) that now pass (XPASS: remove them)\n",
                t.xfail, t.xpass
            ));
        }
        self.redactor.redact(&s)
    }

    /// JSON rendering.
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string_pretty(self).expect("report serializes");
        self.redactor.redact(&inert::json(&json))
    }

    /// Markdown rendering.
    pub fn to_markdown(&self) -> String {
        self.redactor.redact(&markdown::render(self))
    }

    /// JUnit rendering.
    pub fn to_junit(&self) -> String {
        self.redactor.redact(&junit::render(self))
    }

    /// HTML rendering: one self-contained page.
    pub fn to_html(&self) -> String {
        self.redactor.redact(&html::render(self))
    }

    /// Write report.json, report.md, junit.xml and report.html into `dir` (created), redacted.
    pub fn write(&self, dir: &Path, redactor: &Redactor) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = vec![];
        for (name, body) in [
            ("report.json", self.to_json()),
            ("report.md", self.to_markdown()),
            ("junit.xml", self.to_junit()),
            ("report.html", self.to_html()),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, redactor.redact(&body))?;
            written.push(p);
        }
        Ok(written)
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Replaces secrets (bearer tokens, the CRM token) with `[REDACTED]` in any output, and any
/// piece of one at least [`Redactor::PIECE`] bytes long: a leak snippet cut at its context edge
/// may hold part of a token the server logged beside the PII.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    /// Every PIECE-byte window of every secret that long (None: no such secret).
    pieces: Option<aho_corasick::AhoCorasick>,
}

impl Redactor {
    /// Length of the pieces of a secret that are redacted wherever they occur.
    pub const PIECE: usize = 10;

    /// A redactor for these secrets (empty strings ignored, longest first).
    pub fn new<I: IntoIterator<Item = String>>(secrets: I) -> Redactor {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let windows: Vec<&[u8]> = secrets
            .iter()
            .flat_map(|s| s.as_bytes().windows(Self::PIECE))
            .collect();
        let pieces = if windows.is_empty() {
            None
        } else {
            aho_corasick::AhoCorasick::new(windows).ok()
        };
        Redactor { secrets, pieces }
    }

    /// The text with every secret, and every piece of one, replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
        let Some(ac) = &self.pieces else {
            return out;
        };
        // Overlapping windows of one secret chain into one run, replaced once.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for m in ac.find_overlapping_iter(&out) {
            match runs.last_mut() {
                Some(r) if m.start() <= r.1 => r.1 = r.1.max(m.end()),
                _ => runs.push((m.start(), m.end())),
            }
        }
        if runs.is_empty() {
            return out;
        }
        let mut redacted = String::with_capacity(out.len());
        let mut pos = 0;
        for (mut a, mut b) in runs {
            while !out.is_char_boundary(a) {
                a -= 1;
            }
            while !out.is_char_boundary(b) {
                b += 1;
            }
            if a < pos {
                a = pos;
            }
            redacted.push_str(&out[pos..a]);
            if a < b {
                redacted.push_str("[REDACTED]");
            }
            pos = pos.max(b);
        }
        redacted.push_str(&out[pos..]);
        redacted
    }
}

/// A report around `suites`, for tests of what is built on the model.
#[cfg(test)]
pub(crate) fn sample_report(suites: Vec<SuiteReport>) -> Report {
    Report {
        redactor: Redactor::default(),
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool_version: "0.1.0".into(),
        run_id: "r".into(),
        started_at: "t".into(),
        target: TargetInfo {
            kind: "embedded-reference".into(),
            url: "http://x".into(),
            defect: None,
            variant: None,
            transports: vec![],
            skipped: vec![],
        },
        seed: 1,
        cases_per_transport: 8,
        clause_filter: None,
        totals: Totals::default(),
        conformant: false,
        exit_code: 0,
        partial: None,
        partition: None,
        baseline_unused: vec![],
        provenance: None,
        replayed: Default::default(),
        suites,
        stats: Stats::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_removes_secrets() {
        let r = Redactor::new(["tok-secret-123".to_string(), "".to_string()]);
        assert_eq!(r.redact("Bearer tok-secret-123 x"), "Bearer [REDACTED] x");
    }

    #[test]
    fn redactor_removes_pieces_of_a_secret_cut_by_a_snippet_edge() {
        let token = "tck-crm-0123456789abcdef".to_string();
        let r = Redactor::new([token.clone()]);
        // Cut at the right edge of a snippet, and at the left edge of another.
        assert_eq!(
            r.redact("«ja****@example.com crm=tck-crm-01234»"),
            "«ja****@example.com crm=[REDACTED]»"
        );
        assert_eq!(r.redact("«456789abcdef agent»"), "«[REDACTED] agent»");
        // Shorter than a piece: left alone (a coincidence, not a leak).
        assert_eq!(r.redact("tck-crm-01"), "[REDACTED]");
        assert_eq!(r.redact("tck-crm-0 and 9abcdef"), "tck-crm-0 and 9abcdef");
        // Non-ASCII around a piece keeps the text valid.
        assert_eq!(r.redact("é0123456789aé"), "é[REDACTED]é");
    }

    fn one_clause(checks: &[&str]) -> Catalogue {
        Catalogue {
            suite: "t".into(),
            title: "t".into(),
            version: "1".into(),
            seeds: vec![],
            clauses: vec![crate::spec::catalogue::Clause {
                id: "T-001".into(),
                level: Level::Must,
                source: "seed".into(),
                text: "rule".into(),
                checks: checks.iter().map(|c| c.to_string()).collect(),
                transports: vec![],
            }],
        }
    }

    #[test]
    fn counted_passes_report_as_kept_passes_do() {
        let e = |check: &'static str, b: Option<Binding>, case: &str, o: Outcome, neg: bool| {
            let mut e = Evaluation::new("C-1", check, b, case, o);
            e.negative = neg;
            e
        };
        let fail = || Outcome::Fail("boom".into());
        let sets: Vec<Vec<Evaluation>> = vec![
            vec![
                e("a", Some(Binding::Mcp), "1", Outcome::Pass, false),
                e("a", Some(Binding::Mcp), "2", fail(), false),
                e("a", Some(Binding::A2aRest), "1", Outcome::Pass, true),
                e("a", None, "t", Outcome::Pass, false),
                e("z", Some(Binding::A2aRest), "3", Outcome::Pass, false),
            ],
            // Target-wide passes only, and a negative half's passes only.
            vec![e("a", None, "t", Outcome::Pass, false)],
            vec![e("a", Some(Binding::Mcp), "1", Outcome::Pass, true)],
            vec![
                e("a", Some(Binding::Mcp), "1", Outcome::Pass, false),
                e(
                    "a",
                    Some(Binding::A2aRest),
                    "2",
                    Outcome::NotApplicable("n".into()),
                    false,
                ),
            ],
        ];
        for evals in sets {
            let mut passes = crate::check::Passes::default();
            let rest: Vec<Evaluation> = evals
                .iter()
                .filter(|e| {
                    let pass = e.outcome == Outcome::Pass;
                    if pass {
                        passes.add(e);
                    }
                    !pass
                })
                .cloned()
                .collect();
            let report = |evals: &[Evaluation], passes: &crate::check::Passes| {
                let r = aggregate(
                    &one_clause(&["a"]),
                    evals,
                    passes,
                    &[Binding::A2aRest, Binding::Mcp],
                    None,
                    &BTreeMap::new(),
                );
                serde_json::to_value(&r.results).expect("results")
            };
            assert_eq!(
                report(&rest, &passes),
                report(&evals, &Default::default()),
                "{evals:?}"
            );
        }
    }

    fn verdict(checks: &[&str], evals: &[Evaluation]) -> Verdict {
        let r = aggregate(
            &one_clause(checks),
            evals,
            &Default::default(),
            &[Binding::Mcp],
            None,
            &BTreeMap::new(),
        );
        r.results[0].verdict
    }

    fn ev(check: &'static str, outcome: Outcome) -> Evaluation {
        Evaluation::new("T-001", check, Some(Binding::Mcp), "c", outcome)
    }

    #[test]
    fn not_applicable_negative_halves_and_unlisted_checks() {
        let na = || Outcome::NotApplicable("never arose".into());
        let nt = || Outcome::NotTested("no fixture".into());
        // NOT_APPLICABLE alone, and beside a pass.
        assert_eq!(verdict(&["a"], &[ev("a", na())]), Verdict::NotApplicable);
        assert_eq!(
            verdict(&["a"], &[ev("a", na()), ev("a", Outcome::Pass)]),
            Verdict::Pass
        );
        // NOT_TESTED wins over NOT_APPLICABLE: something should have been tested.
        assert_eq!(
            verdict(&["a"], &[ev("a", na()), ev("a", nt())]),
            Verdict::NotTested
        );
        // A negative half's pass alone is never a PASS; its failure is a FAIL.
        let neg = ev("a", Outcome::Pass).negative_half();
        assert_eq!(
            verdict(&["a"], std::slice::from_ref(&neg)),
            Verdict::NotTested
        );
        assert_eq!(
            verdict(&["a"], &[neg.clone(), ev("a", na())]),
            Verdict::NotApplicable
        );
        assert_eq!(
            verdict(&["a"], &[neg, ev("a", Outcome::Pass)]),
            Verdict::Pass
        );
        assert_eq!(
            verdict(
                &["a"],
                &[ev("a", Outcome::Fail("x".into())).negative_half()]
            ),
            Verdict::Fail
        );
        // An evaluation by a check the clause does not list is a harness ERROR.
        assert_eq!(verdict(&["a"], &[ev("b", Outcome::Pass)]), Verdict::Error);
        // NOT_APPLICABLE never fails a run.
        let mut report = sample_report(vec![aggregate(
            &one_clause(&["a"]),
            &[ev("a", Outcome::Pass)],
            &Default::default(),
            &[Binding::Mcp],
            None,
            &BTreeMap::new(),
        )]);
        let na = ClauseResult {
            verdict: Verdict::NotApplicable,
            ..report.suites[0].results[0].clone()
        };
        report.suites[0].results.push(na);
        report.finish(false);
        assert!(report.conformant);
        assert_eq!(report.totals.not_applicable, 1);
    }
}
