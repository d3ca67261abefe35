//! The examples report ([`ExamplesReport`]): one [`ExampleResult`] per worked example with its
//! [`Finding`]s (each naming its rule) and what sending it did ([`SendRecord`]); written as JSON,
//! a short human report and Markdown.

use super::manifest::{Excluded, Kind, SuiteRef};
use crate::error::{EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, TckError};
use crate::report::inert::{markdown, visible};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Report format id.
pub const FORMAT: &str = "dealer-tck-examples/1";

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Strict JSON.
    Json,
    /// The suite's JSON Schema.
    Schema,
    /// A clause beyond the schema.
    Clause,
    /// The typed model.
    Model,
    /// An elided value.
    Placeholder,
    /// A date that makes the outcome depend on the day.
    Date,
    /// A response against the request it answers.
    Pair,
    /// The page's skill table.
    Prose,
    /// What the target answered.
    Send,
    /// The answer's shape against the response example.
    Shape,
    /// The manifest's expectations.
    Manifest,
}

impl Step {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Step::Json => "json",
            Step::Schema => "schema",
            Step::Clause => "clause",
            Step::Model => "model",
            Step::Placeholder => "placeholder",
            Step::Date => "date",
            Step::Pair => "pair",
            Step::Prose => "prose",
            Step::Send => "send",
            Step::Shape => "shape",
            Step::Manifest => "manifest",
        }
    }
}

/// One thing found about an example, naming the rule it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A DMC-12 clause id, an `EX-` rule, or an AAP schema rule
    /// (`aap-0.2 request.json: /consent/scope const`).
    pub rule: String,
    /// The check that found it.
    pub step: Step,
    /// JSON pointer inside the example (or the answer, for send/shape findings); `""` = whole.
    pub pointer: String,
    /// What is wrong (never a bearer token; never a value the target returned).
    pub detail: String,
    /// For DMC-12 schema findings: the schema rule behind the clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_rule: Option<String>,
    /// Declared expected in the manifest.
    pub expected: bool,
    /// The manifest's reason, when expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A SHOULD the answer did not follow: reported, never counted against the example.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub advisory: bool,
}

impl Finding {
    /// A new, not (yet) expected finding.
    pub fn new(
        rule: impl Into<String>,
        step: Step,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            step,
            pointer: pointer.into(),
            detail: detail.into(),
            schema_rule: None,
            expected: false,
            reason: None,
            advisory: false,
        }
    }

    /// As a SHOULD finding: shown, but the example still holds.
    pub fn advisory(mut self) -> Finding {
        self.advisory = true;
        self
    }

    /// With the schema rule behind it.
    pub fn with_schema_rule(mut self, schema_rule: String) -> Finding {
        self.schema_rule = Some(schema_rule);
        self
    }
}

/// Whether an example held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExampleVerdict {
    /// Every finding is expected.
    Held,
    /// At least one unexpected finding.
    Broken,
}

impl ExampleVerdict {
    /// `HELD` or `BROKEN`.
    pub fn name(self) -> &'static str {
        match self {
            ExampleVerdict::Held => "HELD",
            ExampleVerdict::Broken => "BROKEN",
        }
    }
}

/// Whether an example was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SendStatus {
    /// Sent to the target; the answer was judged.
    Sent,
    /// A request that could not be sent (capability, fixture or option missing).
    NotTested,
    /// A response example: nothing to send.
    NotApplicable,
}

/// What sending an example did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendRecord {
    /// Sent, not tested, or not applicable.
    pub status: SendStatus,
    /// The binding used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// Why not tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Values replaced by live fixtures (said so, always).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<String>,
    /// The outcome a target must give today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What the target answered (status and code, never its body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Response examples (or schemas) the answer was compared with.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compared_with: Vec<String>,
}

impl SendRecord {
    /// A response example.
    pub fn not_applicable() -> SendRecord {
        SendRecord {
            status: SendStatus::NotApplicable,
            binding: None,
            reason: None,
            replaced: vec![],
            expected: None,
            answer: None,
            compared_with: vec![],
        }
    }

    /// A request that could not be sent.
    pub fn not_tested(reason: impl Into<String>) -> SendRecord {
        SendRecord {
            status: SendStatus::NotTested,
            reason: Some(reason.into()),
            ..SendRecord::not_applicable()
        }
    }
}

/// The result for one example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExampleResult {
    /// Manifest id.
    pub id: String,
    /// File under the examples directory.
    pub file: String,
    /// Seed file.
    pub seed: String,
    /// Line range in the seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<[usize; 2]>,
    /// Seed heading.
    pub section: String,
    /// Suite.
    pub suite: SuiteRef,
    /// Tool or skill.
    pub operation: String,
    /// Request or response.
    pub kind: Kind,
    /// HELD or BROKEN.
    pub verdict: ExampleVerdict,
    /// Everything found, expected or not.
    pub findings: Vec<Finding>,
    /// Sending.
    pub send: SendRecord,
}

/// The target the requests went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetSummary {
    /// `embedded-reference`, `url` or `none`.
    pub kind: String,
    /// Base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Binding used for DMC-12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// Skills its agent card lists.
    pub skills: Vec<String>,
}

/// Counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Examples checked.
    pub examples: usize,
    /// Held.
    pub held: usize,
    /// Broken.
    pub broken: usize,
    /// Findings.
    pub findings: usize,
    /// Expected findings.
    pub expected: usize,
    /// Unexpected findings.
    pub unexpected: usize,
    /// Advisory findings (a SHOULD not followed; not counted against an example).
    #[serde(skip_serializing_if = "is_zero")]
    pub advisory: usize,
    /// Requests sent.
    pub sent: usize,
    /// Requests not sent.
    pub not_tested: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExamplesReport {
    /// [`FORMAT`].
    pub format: String,
    /// dealer-tck version.
    pub tool_version: String,
    /// When the dates were judged (RFC 3339 UTC).
    pub checked_at: String,
    /// Where the examples came from.
    pub examples_from: String,
    /// The target.
    pub target: TargetSummary,
    /// Every example held.
    pub held: bool,
    /// 0 held, 1 not.
    pub exit_code: u8,
    /// Counts.
    pub totals: Totals,
    /// Per example, in manifest order.
    pub examples: Vec<ExampleResult>,
    /// Seed blocks that are not examples.
    pub excluded: Vec<Excluded>,
}

impl ExamplesReport {
    /// Compute verdicts, totals, `held` and the exit code from the findings.
    pub fn finish(&mut self) {
        let mut t = Totals::default();
        for ex in &mut self.examples {
            let unexpected = ex
                .findings
                .iter()
                .filter(|f| !f.expected && !f.advisory)
                .count();
            ex.verdict = if unexpected == 0 {
                ExampleVerdict::Held
            } else {
                ExampleVerdict::Broken
            };
            t.examples += 1;
            match ex.verdict {
                ExampleVerdict::Held => t.held += 1,
                ExampleVerdict::Broken => t.broken += 1,
            }
            t.findings += ex.findings.len();
            let advisory = ex.findings.iter().filter(|f| f.advisory).count();
            t.unexpected += unexpected;
            t.advisory += advisory;
            t.expected += ex.findings.len() - unexpected - advisory;
            match ex.send.status {
                SendStatus::Sent => t.sent += 1,
                SendStatus::NotTested => t.not_tested += 1,
                SendStatus::NotApplicable => {}
            }
        }
        self.held = t.broken == 0;
        self.exit_code = if self.held {
            EXIT_CONFORMANT
        } else {
            EXIT_NOT_CONFORMANT
        };
        self.totals = t;
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    fn target_line(&self) -> String {
        let t = &self.target;
        match t.kind.as_str() {
            "none" => "no target (nothing sent)".to_string(),
            kind => {
                let who = if kind == "embedded-reference" {
                    "the embedded reference"
                } else {
                    "target"
                };
                format!(
                    "{who} at {} over {}",
                    t.url.as_deref().unwrap_or("?"),
                    t.binding.as_deref().unwrap_or("?")
                )
            }
        }
    }

    fn send_line(s: &SendRecord) -> Option<String> {
        match s.status {
            SendStatus::NotApplicable => None,
            SendStatus::NotTested => Some(format!(
                "NOT_TESTED: {}",
                s.reason.as_deref().unwrap_or("not sent")
            )),
            SendStatus::Sent => {
                let mut line = format!("sent over {}", s.binding.as_deref().unwrap_or("?"));
                if !s.replaced.is_empty() {
                    let _ = write!(line, ", with {}", s.replaced.join("; "));
                }
                if let Some(e) = &s.expected {
                    let _ = write!(line, "; expected {e}");
                }
                if let Some(a) = &s.answer {
                    let _ = write!(line, "; answered {a}");
                }
                if !s.compared_with.is_empty() {
                    let _ = write!(line, "; compared with {}", s.compared_with.join(", "));
                }
                Some(line)
            }
        }
    }

    fn finding_rule(f: &Finding) -> String {
        match &f.schema_rule {
            Some(s) => format!("{} ({s})", f.rule),
            None => f.rule.clone(),
        }
    }

    fn summary_line(&self) -> String {
        let t = &self.totals;
        format!(
            "{} examples: {} held, {} broken · {} findings: {} expected, {} unexpected{} · {} requests sent, {} not tested",
            t.examples,
            t.held,
            t.broken,
            t.findings,
            t.expected,
            t.unexpected,
            if t.advisory > 0 {
                format!(", {} advisory (SHOULD)", t.advisory)
            } else {
                String::new()
            },
            t.sent,
            t.not_tested
        )
    }

    /// The short human report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "dealer-tck examples: {} worked examples ({}), {}",
            self.examples.len(),
            self.examples_from,
            self.target_line()
        );
        for ex in &self.examples {
            let verdict = format!("{:<6}", ex.verdict.name());
            let lines = ex
                .lines
                .map(|[a, b]| format!(" L{a}-{b}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "\n{verdict} {} — {} {} · seed {}{lines} · {}",
                ex.id,
                ex.operation,
                ex.kind.name(),
                ex.seed,
                ex.section
            );
            for f in &ex.findings {
                let tag = if f.expected {
                    "expected"
                } else if f.advisory {
                    "SHOULD  "
                } else {
                    "FINDING "
                };
                let at = if f.pointer.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", f.pointer)
                };
                let _ = writeln!(
                    s,
                    "  {tag} {}{at}: {}",
                    Self::finding_rule(f),
                    visible(&f.detail)
                );
            }
            if let Some(line) = Self::send_line(&ex.send) {
                let _ = writeln!(s, "  {}", visible(&line));
            }
        }
        let _ = writeln!(s, "\n{}", self.summary_line());
        if !self.excluded.is_empty() {
            let _ = writeln!(
                s,
                "not examples: {} blocks of the seeds (type templates, no JSON) are listed under \"excluded\" in the JSON report",
                self.excluded.len()
            );
        }
        let _ = writeln!(
            s,
            "{}",
            if self.held {
                "every example held (exit 0)"
            } else {
                "NOT every example held (exit 1)"
            }
        );
        s
    }

    /// The Markdown report.
    pub fn to_markdown(&self) -> String {
        let esc = |x: &str| x.replace('|', "\\|").replace('\n', " ");
        let mut s = String::new();
        let _ = writeln!(s, "# dealer-tck examples report\n");
        let _ = writeln!(
            s,
            "- examples: {}\n- target: {}\n- checked at: {}\n- result: **{}**\n",
            self.examples_from,
            self.target_line(),
            self.checked_at,
            if self.held {
                "every example held"
            } else {
                "not every example held"
            }
        );
        let _ = writeln!(s, "{}\n", self.summary_line());
        let _ = writeln!(
            s,
            "| example | seed | operation | kind | verdict | findings (unexpected) | sent |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for ex in &self.examples {
            let unexpected = ex
                .findings
                .iter()
                .filter(|f| !f.expected && !f.advisory)
                .count();
            let sent = match ex.send.status {
                SendStatus::Sent => "SENT",
                SendStatus::NotTested => "NOT_TESTED",
                SendStatus::NotApplicable => "—",
            };
            let _ = writeln!(
                s,
                "| `{}` | {} § {} | {} | {} | {} | {} ({unexpected}) | {sent} |",
                ex.id,
                esc(&ex.seed),
                esc(&ex.section),
                ex.operation,
                ex.kind.name(),
                ex.verdict.name(),
                ex.findings.len()
            );
        }
        for ex in &self.examples {
            let _ = writeln!(s, "\n## `{}` — {}\n", ex.id, ex.verdict.name());
            let _ = writeln!(
                s,
                "`{}` · seed `{}`{} · {}\n",
                ex.file,
                ex.seed,
                ex.lines
                    .map(|[a, b]| format!(" lines {a}–{b}"))
                    .unwrap_or_default(),
                esc(&ex.section)
            );
            if !ex.findings.is_empty() {
                let _ = writeln!(s, "| | rule | at | detail |");
                let _ = writeln!(s, "|---|---|---|---|");
                for f in &ex.findings {
                    let tag = if f.expected {
                        format!("expected: {}", esc(f.reason.as_deref().unwrap_or_default()))
                    } else if f.advisory {
                        "advisory (a SHOULD; the example still holds)".to_string()
                    } else {
                        "**unexpected**".to_string()
                    };
                    let at = if f.pointer.is_empty() {
                        "—".to_string()
                    } else {
                        format!("`{}`", esc(&f.pointer))
                    };
                    let _ = writeln!(
                        s,
                        "| {tag} | `{}` | {at} | {} |",
                        esc(&Self::finding_rule(f)),
                        markdown(&f.detail)
                    );
                }
            }
            if let Some(line) = Self::send_line(&ex.send) {
                let _ = writeln!(s, "\n{}", markdown(&line));
            }
        }
        if !self.excluded.is_empty() {
            let _ = writeln!(s, "\n## Not examples\n");
            for x in &self.excluded {
                let _ = writeln!(
                    s,
                    "- `{}`{} § {}: {}",
                    x.seed,
                    x.lines
                        .map(|[a, b]| format!(" lines {a}–{b}"))
                        .unwrap_or_default(),
                    esc(&x.section),
                    esc(&x.reason)
                );
            }
        }
        s
    }

    /// Write `examples.json` and `examples.md` into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), TckError> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("examples.json"), self.to_json() + "\n")?;
        std::fs::write(dir.join("examples.md"), self.to_markdown())?;
        Ok(())
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
