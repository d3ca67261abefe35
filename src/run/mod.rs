//! The runner: [`run`] takes [`RunOptions`], starts the observers (SMTP sink, CRM mock), brings
//! up the target (the embedded reference by default), drives every DMC-12 scenario over every
//! transport the target offers and the AAP suites its agent card calls for ([`aap`]), scans
//! every surface it can see for leaked canaries, and folds the evaluations into a [`Report`].
//! It talks to the target over the wire only.

pub mod aap;
mod dmc12;
mod target;

pub use aap::{AapSuiteRun, AapTimes, AapVehicles};
pub use target::{Target, Tokens};

use crate::check::{CodeRules, Evaluation, Outcome};
use crate::error::TckError;
use crate::observe::crm::CrmMock;
use crate::observe::leak::{Canary, LeakScanner};
use crate::observe::smtp::SmtpSink;
use crate::reference::Defect;
use crate::report::{Counterexample, Redactor, Report, Stats, TargetInfo};
use crate::spec::catalogue;
use crate::transport::Binding;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Generator seed (same seed, same cases).
    pub seed: u64,
    /// Generated valid cases per transport (on top of the fixed boundary cases).
    pub cases: usize,
    /// Generated invalid cases per rule and transport.
    pub invalid_per_rule: usize,
    /// Only clauses whose id contains this string appear in the report.
    pub clause_filter: Option<String>,
    /// Parent directory of `reports/<run-id>/`; None writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Defect to inject into the embedded reference.
    pub defect: Option<Defect>,
    /// Transports to test (None: every one the target offers).
    pub transports: Option<Vec<Binding>>,
    /// Serve MCP replies as SSE streams (embedded reference).
    pub mcp_sse: bool,
    /// Bound on one exchange.
    pub call_timeout: Duration,
    /// Allowed clock difference for sent_at.
    pub clock_skew: Duration,
    /// Maximum shrink steps for a failing generated case.
    pub max_shrink: usize,
    /// Error-code rules.
    pub codes: CodeRules,
    /// A2A protocol version the AAP suites speak on the A2A bindings, and the embedded
    /// reference serves (default 1.0; 0.3 is a second profile). The DMC-12 suite stays on 1.0.
    pub a2a_profile: crate::transport::a2a::A2aProfile,
    /// AAP appointment-time fixtures (default: computed from the reference's documented rules;
    /// a `None` leaves the cases that need it NOT_TESTED).
    pub aap_times: AapTimes,
    /// AAP vehicle fixtures from the target profile (default none: `inventory.search`).
    pub aap_vehicles: AapVehicles,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 0x5eed_d3a1,
            cases: 8,
            invalid_per_rule: 1,
            clause_filter: None,
            out_dir: Some(PathBuf::from("reports")),
            defect: None,
            transports: None,
            mcp_sse: false,
            call_timeout: Duration::from_secs(10),
            clock_skew: Duration::from_secs(2),
            max_shrink: 32,
            codes: CodeRules::default(),
            a2a_profile: crate::transport::a2a::A2aProfile::default(),
            aap_times: AapTimes::default(),
            aap_vehicles: AapVehicles::default(),
        }
    }
}

/// A case whose canaries the end-of-run scans look for.
#[derive(Debug, Clone)]
pub(crate) struct CaseRecord {
    pub binding: Binding,
    pub canaries: Vec<Canary>,
    /// The server accepted it (its plaintext may legitimately be in mail and CRM).
    pub accepted: bool,
}

/// Everything a run accumulates.
#[derive(Default)]
pub(crate) struct Ledger {
    pub evals: Vec<Evaluation>,
    pub cases: Vec<CaseRecord>,
    pub counterexamples: BTreeMap<String, Counterexample>,
    pub stats: Stats,
    /// Database files of the target the harness may scan.
    pub db_files: Vec<PathBuf>,
}

impl Ledger {
    pub fn push(&mut self, e: Evaluation) {
        self.evals.push(e);
    }
    pub fn extend(&mut self, es: Vec<Evaluation>) {
        self.evals.extend(es);
    }
}

/// Run the AAP suites the agent card calls for and the DMC-12 suite against the embedded
/// reference, and write the report.
pub async fn run(opts: RunOptions) -> Result<(Report, Option<PathBuf>), TckError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let run_id = format!("{}-{:08x}", started_at.format("%Y%m%dT%H%M%SZ"), rand_u32());
    let sink = SmtpSink::start(0)
        .map_err(|e| TckError::Internal(format!("cannot start the SMTP sink: {e}")))?;
    let crm_token = format!("tck-crm-{:08x}{:08x}", rand_u32(), rand_u32());
    let store_id = "store-0042".to_string();
    let crm = CrmMock::start(0, &store_id, &crm_token)
        .await
        .map_err(|e| TckError::Internal(format!("cannot start the CRM mock: {e}")))?;
    let mut target = Target::embedded(&opts, &sink, &crm, &crm_token, &store_id).await?;
    let redactor = Redactor::new(target.secrets());
    let mut ledger = Ledger {
        db_files: target.db_files(),
        ..Ledger::default()
    };
    // The AAP suites run first: the DMC-12 suite ends by restarting the target with the CRM
    // sink off, and the AAP ADF clauses need it on.
    let aap_crm = aap::AapCrm {
        mock: &crm,
        store_id: &store_id,
        token: &crm_token,
    };
    let aap_runs = aap::run_suites(&opts, &target, Some(aap_crm), &mut ledger).await?;
    // A suite none of whose clauses passes the clause filter is not run.
    let dmc12_selected = opts
        .clause_filter
        .as_deref()
        .is_none_or(|f| catalogue::dmc12().clauses.iter().any(|c| c.id.contains(f)));
    let transports = if dmc12_selected {
        let transports = dmc12::run_suite(
            &opts,
            &mut target,
            &sink,
            &crm,
            (&store_id, &crm_token),
            &mut ledger,
        )
        .await?;
        dmc12::end_of_run_scans(&target, &sink, &crm, &transports, &mut ledger).await;
        transports
    } else {
        vec![]
    };
    let crm_requests = crm.requests().await.len();
    let url = target.base_url();
    target.stop().await;

    let mut suites = vec![];
    if dmc12_selected {
        suites.push(crate::report::aggregate(
            catalogue::dmc12(),
            &ledger.evals,
            &transports,
            opts.clause_filter.as_deref(),
            &ledger.counterexamples,
        ));
    }
    for r in &aap_runs {
        suites.push(crate::report::aggregate(
            r.suite.catalogue(),
            &ledger.evals,
            &r.transports,
            opts.clause_filter.as_deref(),
            &ledger.counterexamples,
        ));
    }
    let mut all_transports = transports.clone();
    all_transports.extend(aap_runs.iter().flat_map(|r| r.transports.iter().copied()));
    all_transports.sort();
    all_transports.dedup();
    let seconds = started.elapsed().as_secs_f64();
    let mut stats = ledger.stats.clone();
    stats.mails = sink.mails().len();
    stats.crm_requests = crm_requests;
    stats.seconds = seconds;
    stats.cases_per_second = if seconds > 0.0 {
        stats.cases as f64 / seconds
    } else {
        0.0
    };
    let mut report = Report {
        schema_version: crate::report::REPORT_SCHEMA_VERSION.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.clone(),
        started_at: started_at.to_rfc3339(),
        target: TargetInfo {
            kind: "embedded-reference".into(),
            url,
            defect: opts.defect.map(|d| d.name().to_string()),
            transports: all_transports
                .iter()
                .map(|b| b.name().to_string())
                .collect(),
        },
        seed: opts.seed,
        cases_per_transport: opts.cases,
        clause_filter: opts.clause_filter.clone(),
        totals: Default::default(),
        conformant: false,
        exit_code: 1,
        suites,
        stats,
    };
    report.finish();
    let dir = match &opts.out_dir {
        Some(out) => {
            let dir = out.join(&run_id);
            report.write(&dir, &redactor)?;
            Some(dir)
        }
        None => None,
    };
    Ok((report, dir))
}

pub(crate) fn rand_u32() -> u32 {
    let u = uuid::Uuid::new_v4();
    let b = u.as_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// An evaluation for every clause a failed fixture kept from being tested.
pub(crate) fn not_tested(
    clauses: &[(&str, &'static str)],
    binding: Option<Binding>,
    case: &str,
    why: &str,
) -> Vec<Evaluation> {
    clauses
        .iter()
        .map(|(c, k)| Evaluation::new(c, k, binding, case, Outcome::NotTested(why.to_string())))
        .collect()
}

/// A scanner over a set of case records' canaries.
pub(crate) fn scanner_for<'a>(cases: impl Iterator<Item = &'a CaseRecord>) -> LeakScanner {
    LeakScanner::new(cases.flat_map(|c| c.canaries.iter().cloned()).collect())
}
