//! The seeds' worked examples, checked: [`run`] takes [`ExamplesOptions`] and returns an
//! [`ExamplesReport`]. Every example of `fixtures/examples/manifest.toml` (built in, or read
//! from a directory) is parsed as strict JSON, validated against its suite's JSON Schema and
//! clauses (DMC-12 findings name the clause id, AAP findings the schema rule), round-tripped
//! through the typed model ([`crate::spec::model`]), searched for placeholders and for dates
//! that make its outcome depend on the day it is run, and compared with the examples it pairs
//! with. A request example is then sent to the target — the embedded reference by default —
//! with its placeholders replaced by live fixtures, and the answer judged against the outcome
//! due today and the shape of the matching response example. Findings the manifest declares
//! (with a reason) are expected; the report says which example held.
//!
//! `dealer-tck examples` and `dealer-tck schema` are in [`cli`]; the schema export in [`export`].

pub mod checks;
pub mod cli;
pub mod export;
pub mod json;
pub mod manifest;
pub mod report;
pub mod rules;
pub mod send;

pub use manifest::{ExampleEntry, ExampleSet, Kind, Manifest, SuiteRef};

use crate::spec::catalogue::SchemaViolation;
use futures_util::future::BoxFuture;

/// What a suite contributes to `dealer-tck examples` ([`crate::suites::Suite::examples`]):
/// how its worked examples are judged without a target, and sent to one. The steps every
/// example goes through (strict JSON, the schema, the typed model, placeholders, expected
/// findings) stay here; each suite implements this in its `examples.rs`.
pub trait SuiteExamples: Sync {
    /// What a target must do with an accepted request example, in words.
    fn accepted(&self) -> &'static str;

    /// The live fixtures the suite's examples may name in `live`.
    fn fixtures(&self) -> &'static [manifest::Fixture];

    /// The typed models a request and a response example round-trip through.
    fn models(&self) -> [crate::spec::model::ModelKind; 2];

    /// The schema file that judges a response example (`value`: the example).
    fn response_schema(&self, _value: &Value) -> &'static str {
        "response.json"
    }

    /// The clause that owns the location of a schema violation (None: the finding names the
    /// schema rule).
    fn schema_clause(&self, file: &str, v: &SchemaViolation, value: &Value)
    -> Option<&'static str>;

    /// The clauses a schema cannot express, on one example judged by `file`; `by_schema`: the
    /// findings so far.
    fn clauses(
        &self,
        entry: &ExampleEntry,
        file: &str,
        value: &Value,
        by_schema: &[Finding],
    ) -> Vec<Finding>;

    /// For a request example: findings that make its answer depend on the day, the answer due
    /// on `now`, and the pointers of the dated values.
    fn due(
        &self,
        entry: &ExampleEntry,
        value: &Value,
        now: DateTime<Utc>,
    ) -> (Vec<Finding>, checks::DueAnswer, Vec<String>);

    /// For a request example: what the seed's prose says that the example contradicts.
    fn prose(&self, _entry: &ExampleEntry, _value: &Value) -> Vec<Finding> {
        vec![]
    }

    /// A response example against a request example it answers.
    fn pair(
        &self,
        _request: &ExampleEntry,
        _req: &Value,
        _response: &ExampleEntry,
        _resp: &Value,
    ) -> Vec<Finding> {
        vec![]
    }

    /// Send a request example to the target and judge the answer.
    #[allow(clippy::too_many_arguments)]
    fn send<'a, 's>(
        &'a self,
        sender: &'a mut send::Sender<'s>,
        entry: &'a ExampleEntry,
        value: &'a Value,
        outcome: &'a checks::DueAnswer,
        dated: &'a [String],
        responses: &'a send::Responses<'a>,
    ) -> BoxFuture<'a, (SendRecord, Vec<Finding>)>;
}
pub use report::{
    ExampleResult, ExampleVerdict, ExamplesReport, Finding, SendRecord, SendStatus, Step,
};

use crate::error::TckError;
use crate::observe::crm::CrmMock;
use crate::observe::smtp::SmtpSink;
use crate::reference::Defect;
use crate::run::{RunOptions, Target, TargetSpec, Wiring};
use crate::transport::{Binding, ClientConfig, TransportError, a2a};
use checks::{Checked, check_pair, check_static};
use chrono::{DateTime, SecondsFormat, Utc};
use report::{SendRecord as Record, TargetSummary};
use send::{Dialect, Sender};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Which target the request examples go to.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// Start the embedded reference, wired to an SMTP sink and a CRM mock (the default).
    Embedded {
        /// A defect to inject (for proving the checks).
        defect: Option<Defect>,
    },
    /// A running target: its base URL (agent card at `/.well-known/agent-card.json`) and the
    /// bearer token of an agent allowed to reserve and hand off.
    Url {
        /// Base URL.
        base_url: String,
        /// Bearer token (never reported).
        token: String,
    },
    /// A server described as `dealer-tck run` describes it (`--launch`, `--target`,
    /// `--profile`): launched by the harness and wired to an SMTP sink and a CRM mock, or
    /// already running at `TargetSpec::External`'s URL. Its tokens (agent A), A2A skill
    /// selector, MCP endpoint, error-code rules and fixture recipe are honoured.
    Run(Box<RunOptions>),
    /// Send nothing; every request is NOT_TESTED with this reason.
    None {
        /// Why.
        reason: String,
    },
}

/// What to check and where to send.
#[derive(Debug, Clone)]
pub struct ExamplesOptions {
    /// A directory with `manifest.toml` and the examples (None: the built-in copy).
    pub examples_dir: Option<PathBuf>,
    /// The target.
    pub target: TargetChoice,
    /// Binding for DMC-12 examples (AAP examples use it too when it is an A2A binding).
    pub binding: Binding,
    /// Bound on one exchange.
    pub timeout: Duration,
    /// The day the dates are judged on (None: now). The target judges by its own clock.
    pub now: Option<DateTime<Utc>>,
}

impl Default for ExamplesOptions {
    fn default() -> Self {
        ExamplesOptions {
            examples_dir: None,
            target: TargetChoice::Embedded { defect: None },
            binding: Binding::A2aJsonrpc,
            timeout: Duration::from_secs(10),
            now: None,
        }
    }
}

/// Mark the findings the manifest expects, and add one for every expectation nothing matched.
fn apply_expectations(entry: &ExampleEntry, findings: &mut Vec<Finding>) {
    let mut stale = Vec::new();
    for x in &entry.expect {
        let mut hit = false;
        for f in findings.iter_mut() {
            let pointer_ok = x.pointer.as_deref().is_none_or(|p| p == f.pointer);
            if f.rule == x.rule && pointer_ok {
                f.expected = true;
                f.reason = Some(x.reason.clone());
                hit = true;
            }
        }
        if !hit {
            stale.push(Finding::new(
                rules::MANIFEST,
                Step::Manifest,
                x.pointer.clone().unwrap_or_default(),
                format!(
                    "the manifest expects a {} finding{} that did not occur: the expectation is stale",
                    x.rule,
                    x.pointer
                        .as_deref()
                        .map(|p| format!(" at {p}"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    findings.extend(stale);
}

/// Check every example of `set` (static checks and pairs only; sending is [`run`]'s job).
fn check_all(set: &ExampleSet, now: DateTime<Utc>) -> BTreeMap<String, Checked> {
    let mut checked: BTreeMap<String, Checked> = BTreeMap::new();
    for e in &set.manifest.examples {
        let text = set.texts.get(&e.file).map(String::as_str).unwrap_or("");
        checked.insert(e.id.clone(), check_static(e, text, now));
    }
    for req in &set.manifest.examples {
        for resp_id in &req.responses {
            let (Some(resp_entry), Some(req_v), Some(resp_v)) = (
                set.manifest.get(resp_id),
                checked.get(&req.id).and_then(|c| c.value.clone()),
                checked.get(resp_id).and_then(|c| c.value.clone()),
            ) else {
                continue;
            };
            let found = check_pair(req, &req_v, resp_entry, &resp_v);
            if let Some(c) = checked.get_mut(resp_id) {
                c.findings.extend(found);
            }
        }
    }
    checked
}

/// A started target and what observes it.
struct Live {
    base_url: String,
    /// Where its agent card is (its base URL, or the card's own URL).
    card: String,
    token: String,
    kind: &'static str,
    /// A target the harness started, with the observers it is wired to.
    owned: Option<(Target, SmtpSink, CrmMock)>,
    /// Client settings and the dialect from a target profile.
    cfg: Option<ClientConfig>,
    dialect: Dialect,
}

/// The client settings and dialect a target profile gives.
fn profile_client(run: &RunOptions, timeout: Duration) -> (ClientConfig, Dialect) {
    let cfg = ClientConfig {
        timeout,
        skill_key: run.skill_key.clone(),
        a2a_version: run.a2a_version.clone(),
        a2a_profile: run.a2a_profile,
        ..ClientConfig::default()
    };
    let dialect = Dialect {
        mcp_url: run.mcp_url.clone().unwrap_or_else(|| "/mcp".into()),
        rules: run.codes.clone(),
        vins: run.fixture_vins.clone(),
        tools: run.fixture_tools.clone(),
        aap_vin: run.aap_vehicles.in_stock.clone(),
        aap_times: run.aap_times.clone(),
    };
    (cfg, dialect)
}

/// Start the SMTP sink and the CRM mock a launched or embedded target is wired to.
async fn observers(run: &RunOptions) -> Result<(SmtpSink, CrmMock, String, String), TckError> {
    let sink = SmtpSink::start(run.smtp_port)
        .map_err(|e| TckError::Config(format!("cannot start the SMTP sink: {e}")))?;
    let crm_token = run
        .crm_token
        .clone()
        .unwrap_or_else(|| format!("tck-crm-{}", uuid::Uuid::new_v4().simple()));
    let store_id = run
        .crm_store_id
        .clone()
        .unwrap_or_else(|| "store-0042".to_string());
    let crm = CrmMock::start(run.crm_port, &store_id, &crm_token)
        .await
        .map_err(|e| TckError::Config(format!("cannot start the CRM mock: {e}")))?;
    Ok((sink, crm, crm_token, store_id))
}

async fn start_target(opts: &ExamplesOptions) -> Result<Option<Live>, TckError> {
    match &opts.target {
        TargetChoice::None { .. } => Ok(None),
        TargetChoice::Url { base_url, token } => Ok(Some(Live {
            base_url: base_url.trim_end_matches('/').to_string(),
            card: base_url.trim_end_matches('/').to_string(),
            token: token.clone(),
            kind: "url",
            owned: None,
            cfg: None,
            dialect: Dialect::default(),
        })),
        TargetChoice::Run(run) => {
            let (cfg, dialect) = profile_client(run, opts.timeout);
            let token = run
                .tokens
                .as_ref()
                .map(|t| t.agent_a.clone())
                .unwrap_or_else(|| crate::reference::TOKEN_AGENT_A.to_string());
            match &run.target {
                TargetSpec::External { base_url, card_url } => Ok(Some(Live {
                    base_url: base_url.trim_end_matches('/').to_string(),
                    card: card_url
                        .clone()
                        .unwrap_or_else(|| base_url.trim_end_matches('/').to_string()),
                    token,
                    kind: "url",
                    owned: None,
                    cfg: Some(cfg),
                    dialect,
                })),
                TargetSpec::Launch { .. } | TargetSpec::Embedded => {
                    let (sink, crm, crm_token, store_id) = observers(run).await?;
                    let run_opts = RunOptions {
                        call_timeout: opts.timeout,
                        out_dir: None,
                        ..(**run).clone()
                    };
                    let target = Target::start(
                        &run_opts,
                        Wiring {
                            sink: &sink,
                            crm: &crm,
                            crm_token: &crm_token,
                            store_id: &store_id,
                        },
                    )
                    .await?;
                    Ok(Some(Live {
                        base_url: target.base_url(),
                        card: target.card_location(),
                        token: target.tokens.agent_a.clone(),
                        kind: target.kind_name(),
                        owned: Some((target, sink, crm)),
                        cfg: Some(cfg),
                        dialect,
                    }))
                }
            }
        }
        TargetChoice::Embedded { defect } => {
            let sink = SmtpSink::start(0)
                .map_err(|e| TckError::Internal(format!("cannot start the SMTP sink: {e}")))?;
            let crm_token = format!("tck-crm-{}", uuid::Uuid::new_v4().simple());
            let store_id = "store-0042";
            let crm = CrmMock::start(0, store_id, &crm_token)
                .await
                .map_err(|e| TckError::Internal(format!("cannot start the CRM mock: {e}")))?;
            let run_opts = RunOptions {
                defect: *defect,
                call_timeout: opts.timeout,
                out_dir: None,
                ..RunOptions::default()
            };
            let target = Target::embedded(&run_opts, &sink, &crm, &crm_token, store_id).await?;
            Ok(Some(Live {
                base_url: target.base_url(),
                card: target.base_url(),
                token: target.tokens.agent_a.clone(),
                kind: "embedded-reference",
                owned: Some((target, sink, crm)),
                cfg: None,
                dialect: Dialect::default(),
            }))
        }
    }
}

/// Check the examples and send the requests; see the module documentation.
pub async fn run(opts: &ExamplesOptions) -> Result<ExamplesReport, TckError> {
    let set = match &opts.examples_dir {
        Some(dir) => ExampleSet::from_dir(dir)?,
        None => ExampleSet::embedded()?,
    };
    run_set(&set, opts).await
}

/// [`run`] on an already loaded example set.
pub async fn run_set(set: &ExampleSet, opts: &ExamplesOptions) -> Result<ExamplesReport, TckError> {
    let now = opts.now.unwrap_or_else(Utc::now);
    let mut checked = check_all(set, now);
    let live = start_target(opts).await?;
    let default_cfg = ClientConfig {
        timeout: opts.timeout,
        ..ClientConfig::default()
    };
    let mut target = TargetSummary {
        kind: "none".into(),
        url: None,
        binding: None,
        skills: vec![],
    };
    let mut sends: BTreeMap<String, (Record, Vec<Finding>)> = BTreeMap::new();
    let result = async {
        let Some(live) = &live else {
            return Ok(());
        };
        target.kind = live.kind.to_string();
        target.url = Some(live.base_url.clone());
        target.binding = Some(opts.binding.name().to_string());
        let cfg = live.cfg.clone().unwrap_or_else(|| default_cfg.clone());
        let card = a2a::fetch_card(&live.card, &cfg)
            .await
            .map_err(|e| match e {
                TransportError::Connect { .. } | TransportError::Timeout { .. } => {
                    TckError::Unreachable(e.to_string())
                }
                other => TckError::Unusable(format!("cannot read the agent card: {other}")),
            })?;
        target.skills = card.skills.clone();
        let sink = live.owned.as_ref().map(|(_, s, _)| s);
        let mut sender = Sender::new(
            &live.base_url,
            &card,
            opts.binding,
            live.token.clone(),
            cfg.clone(),
            sink,
            live.dialect.clone(),
        );
        for e in set
            .manifest
            .examples
            .iter()
            .filter(|e| e.kind == Kind::Request)
        {
            let Some(c) = checked.get(&e.id) else {
                continue;
            };
            let Some(value) = &c.value else {
                sends.insert(
                    e.id.clone(),
                    (Record::not_tested("the example is not JSON"), vec![]),
                );
                continue;
            };
            let responses: Vec<(&ExampleEntry, &Value)> = e
                .responses
                .iter()
                .filter_map(|id| {
                    let entry = set.manifest.get(id)?;
                    let v = checked.get(id)?.value.as_ref()?;
                    Some((entry, v))
                })
                .collect();
            let sent = sender
                .send(e, value, &c.outcome, &c.dated, &responses)
                .await;
            sends.insert(e.id.clone(), sent);
        }
        Ok::<(), TckError>(())
    }
    .await;
    if let Some(Live {
        owned: Some((t, _sink, _crm)),
        ..
    }) = live
    {
        t.stop().await;
    }
    result?;

    let not_sent = match &opts.target {
        TargetChoice::None { reason } => reason.clone(),
        _ => "not sent".to_string(),
    };
    let mut examples = Vec::new();
    for e in &set.manifest.examples {
        let mut c = checked.remove(&e.id).unwrap_or(Checked {
            value: None,
            findings: vec![],
            outcome: checks::DueAnswer::Accept,
            dated: vec![],
        });
        let send = match e.kind {
            Kind::Response => Record::not_applicable(),
            Kind::Request => match sends.remove(&e.id) {
                Some((record, found)) => {
                    c.findings.extend(found);
                    record
                }
                None => Record::not_tested(not_sent.clone()),
            },
        };
        apply_expectations(e, &mut c.findings);
        examples.push(ExampleResult {
            id: e.id.clone(),
            file: e.file.clone(),
            seed: e.seed.clone(),
            lines: e.lines,
            section: e.section.clone(),
            suite: e.suite,
            operation: e.operation.clone(),
            kind: e.kind,
            verdict: ExampleVerdict::Held,
            findings: c.findings,
            send,
        });
    }
    let mut report = ExamplesReport {
        format: report::FORMAT.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        checked_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        examples_from: set.origin.clone(),
        target,
        held: false,
        exit_code: 1,
        totals: Default::default(),
        examples,
        excluded: set.manifest.excluded.clone(),
    };
    report.finish();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn static_only(now: DateTime<Utc>) -> ExamplesOptions {
        ExamplesOptions {
            target: TargetChoice::None {
                reason: "static only".into(),
            },
            now: Some(now),
            ..ExamplesOptions::default()
        }
    }

    #[tokio::test]
    async fn the_seeds_examples_hold_statically_and_every_finding_names_a_rule() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .expect("date");
        let r = run(&static_only(now)).await.expect("report");
        assert!(r.held, "{}", r.to_text());
        assert_eq!(r.exit_code, 0);
        assert_eq!(r.totals.not_tested, 7);
        for ex in &r.examples {
            for f in &ex.findings {
                assert!(rules::is_known_rule(&f.rule), "{}: {}", ex.id, f.rule);
                assert!(f.expected, "{}: {f:?}", ex.id);
            }
        }
    }

    #[tokio::test]
    async fn an_expectation_that_no_longer_occurs_is_stale() {
        // Before the consent expired the date finding still occurs (the outcome will change),
        // so the manifest holds; an expectation for a rule that never fires is stale.
        let mut set = ExampleSet::embedded().expect("set");
        let early = Utc
            .with_ymd_and_hms(2026, 5, 28, 0, 0, 0)
            .single()
            .expect("date");
        let r = run_set(&set, &static_only(early)).await.expect("report");
        assert!(r.held, "{}", r.to_text());
        let e = set
            .manifest
            .examples
            .iter_mut()
            .find(|e| e.id == "aap-draft-full-request")
            .expect("example");
        e.expect.push(manifest::Expect {
            rule: "EX-DATE-001".into(),
            pointer: None,
            reason: "wrong".into(),
        });
        let r = run_set(&set, &static_only(early)).await.expect("report");
        assert!(!r.held);
        assert_eq!(r.exit_code, 1);
        let broken: Vec<_> = r
            .examples
            .iter()
            .filter(|e| e.verdict == ExampleVerdict::Broken)
            .collect();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].findings[0].rule, "EX-MANIFEST-001");
    }
}
