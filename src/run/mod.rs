//! The runner: [`run`] takes [`RunOptions`], starts the observers (SMTP sink, CRM mock), brings
//! up the target (the embedded reference by default), drives every DMC-12 scenario over every
//! transport the target offers and the AAP suites its agent card calls for ([`aap`]), scans
//! every surface it can see for leaked canaries, and folds the evaluations into a [`Report`].
//! It talks to the target over the wire only.

pub mod partition;
pub mod profile;
pub mod progress;
pub mod replay;
mod target;

pub use crate::suites::aap::scenarios::{AapTimes, AapVehicles};
pub use partition::{Partition, Selection, Units};
pub use target::{LogSource, Target, TargetSpec, Tokens, Wiring};

use crate::check::{CodeRules, Evaluation, Outcome};
use crate::error::TckError;
use crate::observe::crm::CrmMock;
use crate::observe::leak::{Canary, LeakScanner};
use crate::observe::smtp::SmtpSink;
use crate::reference::Defect;
use crate::report::{Counterexample, Redactor, Report, Stats, TargetInfo};
use crate::suites::Suite;
use crate::transport::{Binding, Exchange, SentRequest, locked};
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Point the agent card's A2A interfaces at the profile's endpoints (`urls`: a path under
/// `base` or an absolute URL). Only an interface the card lists is moved, so the card is still
/// judged as published (a missing interface stays missing).
pub(crate) fn override_a2a_urls(
    card: &mut crate::transport::a2a::AgentCard,
    urls: &[(Binding, String)],
    base: &str,
) {
    for (binding, url) in urls {
        let pb = match binding {
            Binding::A2aJsonrpc => "JSONRPC",
            Binding::A2aRest => "HTTP+JSON",
            Binding::Mcp | Binding::McpModern => continue,
        };
        let resolved = target::endpoint_url(base, url);
        for (b, u, _) in card.interfaces.iter_mut() {
            if b.eq_ignore_ascii_case(pb) {
                *u = resolved.clone();
            }
        }
    }
}

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
    /// Alternative reading of the seeds the embedded reference takes.
    pub variant: Option<crate::reference::Variant>,
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
    /// Which server to test.
    pub target: TargetSpec,
    /// Bearer tokens (None: the reference's documented defaults).
    pub tokens: Option<Tokens>,
    /// MCP endpoint path or URL (default `/mcp`).
    pub mcp_url: Option<String>,
    /// A2A endpoints that replace the agent card's interface URLs (`[a2a] jsonrpc_url`,
    /// `rest_url`): a path under the base URL or an absolute URL.
    pub a2a_urls: Vec<(Binding, String)>,
    /// Whether to test A2A / MCP (None: discover).
    pub a2a_enabled: Option<bool>,
    /// Whether to test MCP (None: probe).
    pub mcp_enabled: Option<bool>,
    /// Which MCP eras to certify (`[mcp] era`, `--mcp-era`; default: the probe decides).
    pub mcp_era: crate::transport::mcp::McpEra,
    /// Where the A2A skill id goes (see `ClientConfig::skill_key`).
    pub skill_key: String,
    /// `A2A-Version` header value.
    pub a2a_version: String,
    /// SMTP sink port (0: any).
    pub smtp_port: u16,
    /// CRM mock port (0: any).
    pub crm_port: u16,
    /// Whether the server's CRM is wired to the mock.
    pub crm_expected: bool,
    /// Store id the server posts leads for (None: the harness chooses, launched/embedded).
    pub crm_store_id: Option<String>,
    /// CRM bearer token the server sends (None: the harness chooses, launched/embedded).
    pub crm_token: Option<String>,
    /// The server's CRM timeout.
    pub crm_timeout: Option<Duration>,
    /// Extra database files to scan (external targets).
    pub db_files: Vec<PathBuf>,
    /// Server log file to scan (external targets).
    pub log_file: Option<PathBuf>,
    /// Static VINs instead of the inventory tool.
    pub fixture_vins: Option<Vec<String>>,
    /// Fixture tool names: inventory, reserve, release.
    pub fixture_tools: [String; 3],
    /// Exit 0 even when some MUST clause could not be tested.
    pub allow_not_tested: bool,
    /// The dealer-desk recipients, if known (the embedded reference's are).
    pub desk: Vec<String>,
    /// A2A protocol version the AAP suites speak on the A2A bindings, and the embedded
    /// reference serves (default 1.0; 0.3 is a second profile). The DMC-12 suite stays on 1.0.
    pub a2a_profile: crate::transport::a2a::A2aProfile,
    /// AAP appointment-time fixtures (default: computed from the reference's documented rules;
    /// a `None` leaves the cases that need it NOT_TESTED).
    pub aap_times: AapTimes,
    /// AAP vehicle fixtures from the target profile (default none: `inventory.search`).
    pub aap_vehicles: AapVehicles,
    /// At most this many requests in flight to the target: the DMC-12 transports run side by
    /// side, up to this many at once (1: one after another, today's order, for debugging).
    /// Reports are the same at any value, apart from timings.
    pub concurrency: usize,
    /// Run only this share of the cases (`--partition K/N`); None runs them all.
    pub partition: Option<Partition>,
    /// Expected failures (`--baseline FILE`).
    pub baseline: Option<crate::report::baseline::Baseline>,
    /// SHA-256 of the target profile the options came from (`--profile`), for the report's
    /// provenance.
    pub profile_sha256: Option<String>,
    /// `dealer-tck replay`: send only these units (discovery and the scans still run).
    pub replay: Option<Selection>,
    /// Have the embedded reference pad every JSON answer to this many bytes (a memory test mode).
    pub pad_answers: Option<usize>,
    /// Draw the progress line on stderr while the run goes on ([`progress::wanted`]).
    pub progress: bool,
    /// Where the run's clients count the answer bytes they hold; [`run`] starts every run with
    /// a fresh one and reports its peak (`stats.peak_held_bytes`).
    pub meter: crate::transport::held::Meter,
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
            variant: None,
            transports: None,
            mcp_sse: false,
            call_timeout: Duration::from_secs(10),
            clock_skew: Duration::from_secs(2),
            max_shrink: 32,
            codes: CodeRules::default(),
            target: TargetSpec::Embedded,
            tokens: None,
            mcp_url: None,
            a2a_urls: vec![],
            a2a_enabled: None,
            mcp_enabled: None,
            mcp_era: Default::default(),
            skill_key: "skill".into(),
            a2a_version: "1.0".into(),
            smtp_port: 0,
            crm_port: 0,
            crm_expected: true,
            crm_store_id: None,
            crm_token: None,
            crm_timeout: None,
            db_files: vec![],
            log_file: None,
            fixture_vins: None,
            fixture_tools: [
                crate::spec::tools::SEARCH_INVENTORY.into(),
                crate::spec::tools::CREATE_RESERVATION.into(),
                crate::spec::tools::RELEASE_RESERVATION.into(),
            ],
            allow_not_tested: false,
            desk: vec![],
            a2a_profile: crate::transport::a2a::A2aProfile::default(),
            aap_times: AapTimes::default(),
            aap_vehicles: AapVehicles::default(),
            pad_answers: None,
            progress: false,
            meter: crate::transport::held::Meter::new(),
            concurrency: default_concurrency(),
            partition: None,
            baseline: None,
            replay: None,
            profile_sha256: None,
        }
    }
}

/// User and system CPU time of this process so far, in seconds (0 where unknown).
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

/// `--concurrency`'s default: two requests in flight per CPU (the harness mostly waits on the
/// target), at least two.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(2)
        .max(2)
}

/// A case whose canaries the end-of-run scans look for.
#[derive(Debug, Clone)]
pub(crate) struct CaseRecord {
    pub binding: Binding,
    pub canaries: Vec<Canary>,
    /// The server accepted it (its plaintext may legitimately be in mail and CRM).
    pub accepted: bool,
}

/// Consecutive transport failures after which the target counts as gone (exit 3).
pub(crate) const BREAKER_LIMIT: usize = 3;

/// What the ledgers of one run share when transports run side by side ([`Ledger::fork`]): the
/// canaries of every case sent so far, whether the target is gone, and the progress line's
/// count.
#[derive(Default)]
pub(crate) struct RunShared {
    earlier: std::sync::Mutex<crate::observe::leak::ScannerStack>,
    gone: std::sync::Mutex<Option<String>>,
    progress: std::sync::Arc<progress::Progress>,
}

/// Everything a run accumulates.
#[derive(Default)]
pub(crate) struct Ledger {
    /// Every evaluation recorded, but the passes counted in `passes` instead.
    pub evals: Vec<Evaluation>,
    /// The passes counted instead of kept, when `count_passes` is set.
    pub passes: crate::check::Passes,
    /// Count passing evaluations instead of keeping them (a run that is no replay: only a
    /// replay names the cases that passed).
    pub count_passes: bool,
    /// Every case sent, in order ([`Ledger::record_case`]).
    pub cases: Vec<CaseRecord>,
    /// What this ledger shares with its forks: the canaries of every case sent so far (for
    /// "is this side effect an earlier case's?", at a cost logarithmic in the cases) and the
    /// breaker's verdict.
    shared: std::sync::Arc<RunShared>,
    pub counterexamples: BTreeMap<String, Counterexample>,
    pub stats: Stats,
    /// Database files of the target the harness may scan.
    pub db_files: Vec<PathBuf>,
    /// Consecutive exchanges that failed at the transport level.
    pub transport_failures: usize,
    /// Set when the target stopped answering: the run ends with exit 3.
    pub aborted: Option<String>,
    /// The requests sent since the evaluations before them were recorded: the chain a
    /// failure recorded next is reproduced by ([`Ledger::push`]).
    chain: Vec<std::sync::Arc<SentRequest>>,
    /// Whether evaluations were recorded since the last request (the next one starts a chain).
    chain_judged: bool,
    /// The chain of every failing or erroring transport × case, for its reproduction
    /// (at most [`Ledger::REPRO_CAP`] of them).
    pub repros: crate::report::repro::Chains,
    /// The requests that made the latest fixtures (a reservation), with the value a later
    /// request carries (the reservation token): a chain that carries the value starts with the
    /// request that made it, however long before it was sent.
    fixtures: std::collections::VecDeque<(String, std::sync::Arc<SentRequest>)>,
    /// The suite whose evaluations are recorded next.
    pub suite: &'static str,
    /// The unit ([`Units`]) the evaluations recorded next belong to.
    pub unit: Option<usize>,
    /// The unit of every suite × transport × case that was judged in one, for
    /// `dealer-tck replay`.
    pub case_units: HashMap<crate::report::repro::CaseKey, usize>,
}

impl Ledger {
    /// Record a case sent: kept for the end-of-run scans and added to [`Ledger::earlier`].
    pub fn record_case(&mut self, case: CaseRecord) {
        locked(&self.shared.earlier).push(case.canaries.clone());
        self.cases.push(case);
    }

    /// Count a case sent on `binding`: `stats.cases`, and the progress line's count of the run.
    pub fn count_case(&mut self, binding: Binding) {
        self.stats.cases += 1;
        self.shared.progress.case(self.suite, binding);
    }

    /// Whether `body` carries a canary of a case any ledger of this run recorded.
    pub fn earlier_carries(&self, surface: &str, body: &[u8]) -> bool {
        locked(&self.shared.earlier).carries_any(surface, body)
    }

    /// A ledger for work that runs beside this one's (one transport's scenarios): it starts
    /// empty, and shares the earlier cases and the breaker. [`Ledger::join`] folds it back.
    pub fn fork(&self) -> Ledger {
        Ledger {
            shared: self.shared.clone(),
            suite: self.suite,
            db_files: self.db_files.clone(),
            aborted: self.aborted.clone(),
            count_passes: self.count_passes,
            ..Ledger::default()
        }
    }

    /// Fold a fork back in. Joining forks in a fixed order gives the same ledger whatever
    /// order their work interleaved in.
    pub fn join(&mut self, fork: Ledger) {
        self.evals.extend(fork.evals);
        self.passes.merge(fork.passes);
        self.cases.extend(fork.cases);
        for (k, c) in fork.counterexamples {
            self.counterexamples.entry(k).or_insert(c);
        }
        for (k, u) in fork.case_units {
            self.case_units.entry(k).or_insert(u);
        }
        for (k, c) in fork.repros {
            if self.repros.len() < Self::REPRO_CAP {
                self.repros.entry(k).or_insert(c);
            }
        }
        self.stats.cases += fork.stats.cases;
        self.stats.exchanges += fork.stats.exchanges;
        for p in fork.stats.phases {
            match self.stats.phases.iter_mut().find(|q| q.phase == p.phase) {
                Some(q) => q.seconds += p.seconds,
                None => self.stats.phases.push(p),
            }
        }
        if self.aborted.is_none() {
            self.aborted = fork.aborted.or_else(|| locked(&self.shared.gone).clone());
        }
    }

    /// The most bytes of evidence one evaluation keeps: the rest of a longer detail (a server
    /// can fail a check with a value megabytes long) is cut, saying how much was left out.
    pub const DETAIL_CAP: usize = 4096;

    /// The longest chain of requests a reproduction re-sends (the last ones).
    pub const CHAIN_CAP: usize = 8;
    /// The most transport × case reproductions a run keeps (a report shows at most ten
    /// details per clause × transport).
    pub const REPRO_CAP: usize = 512;

    pub fn push(&mut self, e: Evaluation) {
        self.keep_repro(&e);
        if self.count_passes && e.outcome == Outcome::Pass {
            self.passes.add(&e);
            return;
        }
        self.evals.push(e.capped(Self::DETAIL_CAP));
    }
    pub fn extend(&mut self, es: Vec<Evaluation>) {
        for e in es {
            self.push(e);
        }
    }

    /// Keep the chain of requests that led to `e` when it failed or errored on a transport.
    fn keep_repro(&mut self, e: &Evaluation) {
        self.chain_judged = true;
        if let (Some(b), Some(unit)) = (e.binding, self.unit) {
            let key = (self.suite.to_string(), b.name().to_string(), e.case.clone());
            self.case_units.entry(key).or_insert(unit);
        }
        let failing = matches!(e.outcome, Outcome::Fail(_) | Outcome::Error(_));
        let Some(binding) = e.binding.filter(|_| failing) else {
            return;
        };
        if self.repros.len() >= Self::REPRO_CAP {
            return;
        }
        let chain: Vec<_> = self
            .chain
            .iter()
            .filter(|r| r.binding == binding)
            .cloned()
            .collect();
        if !chain.is_empty() {
            let chain = self.with_fixtures(chain);
            let key = (
                self.suite.to_string(),
                binding.name().to_string(),
                e.case.clone(),
            );
            self.repros.entry(key).or_insert_with(|| chain.into());
        }
    }

    /// The fixtures a ledger remembers for its chains.
    const FIXTURE_CAP: usize = 16;

    /// The last request sent made a fixture whose later requests carry `value`.
    pub fn note_fixture(&mut self, value: &str) {
        if let Some(last) = self.chain.last() {
            if self.fixtures.len() == Self::FIXTURE_CAP {
                self.fixtures.pop_front();
            }
            self.fixtures.push_back((value.to_string(), last.clone()));
        }
    }

    /// `chain` with the request that made each fixture it carries in front, when not in it.
    fn with_fixtures(
        &self,
        mut chain: Vec<std::sync::Arc<SentRequest>>,
    ) -> Vec<std::sync::Arc<SentRequest>> {
        for (value, made) in self.fixtures.iter().rev() {
            let carried = chain.iter().any(|r| r.body.contains(value.as_str()));
            let present = chain.iter().any(|r| std::sync::Arc::ptr_eq(r, made));
            if carried && !present && made.binding == chain[0].binding {
                chain.insert(0, made.clone());
            }
        }
        chain
    }

    /// Note a request the next evaluations may need to reproduce.
    fn note_sent(&mut self, sent: Option<std::sync::Arc<SentRequest>>) {
        if std::mem::take(&mut self.chain_judged) {
            self.chain.clear();
        }
        if let Some(sent) = sent {
            if self.chain.len() == Self::CHAIN_CAP {
                self.chain.remove(0);
            }
            self.chain.push(sent);
        }
    }

    /// Refuse to send once the breaker tripped, with its reason, so a hung server costs at most
    /// [`BREAKER_LIMIT`] timeouts.
    pub fn breaker_check(
        &self,
        binding: crate::transport::Binding,
    ) -> Result<(), crate::transport::TransportError> {
        let gone = self
            .aborted
            .clone()
            .or_else(|| locked(&self.shared.gone).clone());
        match gone {
            Some(why) => Err(crate::transport::TransportError::Io {
                url: binding.to_string(),
                detail: why,
            }),
            None => Ok(()),
        }
    }

    /// [`Ledger::note_transport`], handing the result on; an exchange joins the chain of
    /// requests a failure judged next is reproduced by.
    /// A request that failed at the transport level joins it too (`client` says which it was).
    pub fn noted(
        &mut self,
        r: Result<Exchange, crate::transport::TransportError>,
        client: &crate::transport::Client,
    ) -> Result<Exchange, crate::transport::TransportError> {
        self.note_transport(&r);
        let sent = match &r {
            Ok(ex) => ex.sent.clone(),
            Err(_) => client.last_sent(),
        };
        self.note_sent(sent);
        r
    }

    /// Count an exchange's outcome towards the breaker: [`BREAKER_LIMIT`] transport failures in
    /// a row end the run (every later send is refused with the reason, and the run exits 3
    /// with a partial report). The reason names the kind of the last failure.
    pub fn note_transport<T>(&mut self, r: &Result<T, crate::transport::TransportError>) {
        use crate::transport::TransportError;
        match r {
            Ok(_) => self.transport_failures = 0,
            Err(e) => {
                self.transport_failures += 1;
                if self.transport_failures >= BREAKER_LIMIT && self.aborted.is_none() {
                    let what = match e {
                        TransportError::TooLarge { .. } => "the target's answers became unusable",
                        _ => "the target stopped answering",
                    };
                    let why =
                        format!("{what} ({BREAKER_LIMIT} exchanges in a row failed; last: {e})");
                    locked(&self.shared.gone).get_or_insert_with(|| why.clone());
                    self.aborted = Some(why);
                }
            }
        }
    }

    /// The bytes the run keeps to judge and report: evaluations, case canaries and
    /// counterexamples (their text; allocator overhead aside).
    pub fn kept_bytes(&self) -> usize {
        let evals: usize =
            self.evals.iter().map(Evaluation::text_bytes).sum::<usize>() + self.passes.text_bytes();
        let cases: usize = self
            .cases
            .iter()
            .flat_map(|c| &c.canaries)
            .map(|c| c.field.capacity() + c.value.capacity())
            .sum();
        let counterexamples: usize = self
            .counterexamples
            .iter()
            .map(|(k, c)| k.len() + c.case.len() + c.payload.to_string().len())
            .sum();
        evals + cases + counterexamples
    }
}

/// What a suite works with while it runs ([`Suite::run`]): the options, the target, the
/// observers, the ledger its evaluations go to, and a per-run cache that suites of one family
/// share ([`RunCx::shared`]).
pub struct RunCx<'a> {
    /// What to run and how.
    pub opts: &'a RunOptions,
    /// The target (a suite that restarts it needs it mutably).
    pub target: &'a mut Target,
    /// The SMTP sink the target's mail goes to.
    pub sink: &'a SmtpSink,
    /// The CRM mock the target's leads go to.
    pub crm: &'a CrmMock,
    /// The store id the target posts leads for.
    pub store_id: &'a str,
    /// The CRM bearer token the target sends.
    pub crm_token: &'a str,
    /// Everything the run accumulates.
    pub(crate) ledger: &'a mut Ledger,
    /// Whether a suite that ran before this one was reported (a suite the target does not
    /// offer is then skipped, not the run).
    pub others_ran: bool,
    shared: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl RunCx<'_> {
    /// The run's one value of type `T`, if a suite stored one ([`RunCx::share`]).
    pub fn shared<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.shared.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// Keep `value` for the rest of the run (e.g. a discovery that several suites of one
    /// family use).
    pub fn share<T: Any + Send + Sync>(&mut self, value: T) {
        self.shared.insert(TypeId::of::<T>(), Box::new(value));
    }
}

/// What one suite's [`Suite::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuiteRun {
    /// Whether the suite has a section in the report (false: it was skipped as a whole).
    pub reported: bool,
    /// Bindings tested, in report order.
    pub transports: Vec<Binding>,
    /// What was skipped (the suite, or some of its transports), with why.
    pub skipped: Vec<crate::report::Skipped>,
}

impl SuiteRun {
    /// A suite skipped as a whole.
    pub fn skipped(suite: &str, why: impl Into<String>) -> SuiteRun {
        SuiteRun {
            reported: false,
            transports: vec![],
            skipped: vec![crate::report::Skipped {
                name: suite.to_string(),
                reason: why.into(),
            }],
        }
    }
}

/// Run the suites against the target `opts.target` describes — the AAP suites its agent card
/// calls for and DMC-12 — and write the report.
pub async fn run(mut opts: RunOptions) -> Result<(Report, Option<PathBuf>), TckError> {
    if matches!(opts.target, TargetSpec::Embedded) && opts.desk.is_empty() {
        opts.desk = crate::reference::ReferenceConfig::default().desk;
        if opts.variant == Some(crate::reference::Variant::SingleDeskRecipient) {
            opts.desk.truncate(1);
        }
    }
    opts.meter = crate::transport::held::Meter::new();
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let started_at = chrono::Utc::now();
    let run_id = format!("{}-{:08x}", started_at.format("%Y%m%dT%H%M%SZ"), rand_u32());
    let sink =
        SmtpSink::start(opts.smtp_port).map_err(|e| port_error("SMTP sink", opts.smtp_port, e))?;
    let crm_token = opts.crm_token.clone().unwrap_or_else(|| match opts.target {
        TargetSpec::External { .. } => String::new(),
        _ => format!("tck-crm-{:08x}{:08x}", rand_u32(), rand_u32()),
    });
    let store_id = opts
        .crm_store_id
        .clone()
        .unwrap_or_else(|| "store-0042".to_string());
    let crm = CrmMock::start(opts.crm_port, &store_id, &crm_token)
        .await
        .map_err(|e| port_error("CRM mock", opts.crm_port, e))?;
    let wiring = target::Wiring {
        sink: &sink,
        crm: &crm,
        crm_token: &crm_token,
        store_id: &store_id,
    };
    let mut target = Target::start(&opts, wiring).await?;
    let redactor = Redactor::new(target.secrets());
    // The URL most requests go to (a restart with the CRM sink off may move the target).
    let url = target.base_url();
    let mut ledger = Ledger {
        db_files: target.db_files(),
        count_passes: opts.replay.is_none(),
        ..Ledger::default()
    };
    ledger.stats.time_phase("start", started);
    // Every suite the clause filter keeps; those that restart the target run last, the
    // report keeps registry order.
    let selected: Vec<&'static dyn Suite> = crate::suites::all()
        .iter()
        .copied()
        .filter(|s| s.selected(opts.clause_filter.as_deref()))
        .collect();
    let mut order = selected.clone();
    order.sort_by_key(|s| s.restarts_target());
    let ticker = opts.progress.then(|| {
        ledger
            .shared
            .progress
            .plan(progress::estimate(&opts, &selected));
        progress::Ticker::start(ledger.shared.progress.clone())
    });
    let mut runs: HashMap<&'static str, SuiteRun> = HashMap::new();
    {
        let mut cx = RunCx {
            opts: &opts,
            target: &mut target,
            sink: &sink,
            crm: &crm,
            store_id: &store_id,
            crm_token: &crm_token,
            ledger: &mut ledger,
            others_ran: false,
            shared: HashMap::new(),
        };
        for suite in order {
            // After the breaker tripped, no further suite (no discovery, no relaunch).
            if cx.ledger.aborted.is_some() {
                break;
            }
            let t = Instant::now();
            cx.ledger.unit = None;
            cx.ledger.suite = suite.id();
            cx.ledger.shared.progress.suite(suite.id());
            let ran = suite.run(&mut cx).await?;
            cx.ledger.stats.time_phase(suite.id(), t);
            cx.others_ran |= ran.reported;
            runs.insert(suite.id(), ran);
        }
    }
    drop(ticker);
    let skipped: Vec<crate::report::Skipped> = selected
        .iter()
        .filter_map(|s| runs.get(s.id()))
        .flat_map(|r| r.skipped.iter().cloned())
        .collect();
    let t = Instant::now();
    let crm_requests = crm.mark().await;
    let target_kind = target.kind_name();
    let token_env = target.token_env();
    target.stop().await;
    let aborted = ledger.aborted.take();
    unknown_clause(&ledger.evals, &ledger.passes)?;
    // A mail or CRM request the observers could not read back was judged as empty: no report.
    if let Some(e) = sink.spool_error().or(crm.spool_error()) {
        return Err(TckError::Internal(e));
    }

    let mut suites = vec![];
    let mut all_transports = vec![];
    for s in &selected {
        // A suite the breaker kept from running is reported too: its clauses are judged ERROR.
        let never_ran = SuiteRun {
            reported: aborted.is_some(),
            transports: s.bindings().to_vec(),
            skipped: vec![],
        };
        let ran = runs.get(s.id()).unwrap_or(&never_ran);
        if ran.reported {
            suites.push(crate::report::aggregate(
                s.catalogue(),
                &ledger.evals,
                &ledger.passes,
                &ran.transports,
                opts.clause_filter.as_deref(),
                &ledger.counterexamples,
            ));
            all_transports.extend(ran.transports.iter().copied());
        }
    }
    all_transports.sort();
    all_transports.dedup();
    let report_path = opts
        .out_dir
        .as_ref()
        .map(|out| out.join(&run_id).join("report.json").display().to_string())
        .unwrap_or_else(|| "REPORT".into());
    crate::report::repro::attach(
        &mut suites,
        &ledger.repros,
        &ledger.case_units,
        &token_env,
        &report_path,
    );
    crate::report::merge::mark_share(&mut suites, opts.partition.as_ref());
    let baseline_unused = match &opts.baseline {
        Some(b) => b.apply(&mut suites, opts.clause_filter.as_deref()),
        None => vec![],
    };
    ledger.stats.time_phase("report", t);
    let seconds = started.elapsed().as_secs_f64();
    let mut stats = ledger.stats.clone();
    stats.mails = sink.mark();
    stats.crm_requests = crm_requests;
    stats.seconds = seconds;
    stats.cpu_seconds = (process_cpu_seconds() - cpu_before).max(0.0);
    stats.peak_held_bytes = opts.meter.peak();
    stats.kept_bytes = ledger.kept_bytes();
    stats.cases_per_second = if seconds > 0.0 {
        stats.cases as f64 / seconds
    } else {
        0.0
    };
    let replayed = match opts.replay {
        Some(_) => judged(&selected, &ledger.evals),
        None => Default::default(),
    };
    let mut report = Report {
        redactor: redactor.clone(),
        replayed,
        schema_version: crate::report::REPORT_SCHEMA_VERSION.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.clone(),
        started_at: started_at.to_rfc3339(),
        target: TargetInfo {
            kind: target_kind.into(),
            url,
            defect: opts.defect.map(|d| d.name().to_string()),
            variant: opts.variant.map(|v| v.name().to_string()),
            transports: all_transports
                .iter()
                .map(|b| b.name().to_string())
                .collect(),
            skipped,
        },
        seed: opts.seed,
        cases_per_transport: opts.cases,
        clause_filter: opts.clause_filter.clone(),
        totals: Default::default(),
        conformant: false,
        exit_code: 1,
        partial: None,
        partition: opts.partition.map(|p| p.label()),
        baseline_unused,
        provenance: Some(provenance(&opts, &selected)),
        suites,
        stats,
    };
    report.finish(opts.allow_not_tested);
    if let Some(why) = &aborted {
        report.mark_partial(why);
    }
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

/// How each suite × clause × transport × case came out: the worst of its evaluations.
fn judged(suites: &[&'static dyn Suite], evals: &[Evaluation]) -> crate::report::Judged {
    let suite_of: HashMap<&str, &str> = suites
        .iter()
        .flat_map(|s| {
            s.catalogue()
                .clauses
                .iter()
                .map(|c| (c.id.as_str(), s.id()))
        })
        .collect();
    let rank = |o: &Outcome| match o {
        Outcome::Pass => 0,
        Outcome::NotApplicable(_) => 1,
        Outcome::NotTested(_) => 2,
        Outcome::Error(_) => 3,
        Outcome::Fail(_) => 4,
    };
    let mut out = crate::report::Judged::new();
    for e in evals {
        let Some(suite) = suite_of.get(e.clause.as_str()) else {
            continue;
        };
        let transport = e.binding.map_or("target", |b| b.name());
        let key = (
            suite.to_string(),
            e.clause.clone(),
            transport.to_string(),
            e.case.clone(),
        );
        match out.get(&key) {
            Some(o) if rank(o) >= rank(&e.outcome) => {}
            _ => {
                out.insert(key, e.outcome.clone());
            }
        }
    }
    out
}

/// The program a launch command runs: its first word that is not an environment assignment
/// (`DB_PASSWORD=… ./server` names `server`, never the value), without its directory.
fn program(command: &str) -> &str {
    command
        .split_whitespace()
        .find(|w| {
            !w.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or_default()
}

/// Where this run's report comes from.
fn provenance(opts: &RunOptions, suites: &[&'static dyn Suite]) -> crate::report::Provenance {
    let target = match &opts.target {
        TargetSpec::Embedded => match (opts.defect, opts.variant) {
            (Some(d), _) => format!("embedded-reference, defect {}", d.name()),
            (_, Some(v)) => format!("embedded-reference, variant {}", v.name()),
            _ => "embedded-reference".to_string(),
        },
        TargetSpec::Launch { command, .. } => format!("launched: {}", program(command)),
        TargetSpec::External { base_url, .. } => format!("external: {base_url}"),
    };
    crate::report::Provenance {
        harness: env!("CARGO_PKG_VERSION").to_string(),
        suites: suites
            .iter()
            .map(|s| crate::report::SuiteProvenance {
                suite: s.id().to_string(),
                version: s.catalogue().version.clone(),
                catalogue_sha256: s.shipped().digest(),
            })
            .collect(),
        seed: opts.seed,
        cases_per_transport: opts.cases,
        invalid_per_rule: opts.invalid_per_rule,
        profile_sha256: opts.profile_sha256.clone(),
        target,
    }
}

/// A clause id a suite judged that no catalogue of the registry has (a typo in a judge would
/// otherwise vanish from the report, since the report lists catalogue clauses only).
fn unknown_clause(evals: &[Evaluation], passes: &crate::check::Passes) -> Result<(), TckError> {
    let known: std::collections::HashSet<&str> = crate::suites::catalogues()
        .flat_map(|c| c.clauses.iter().map(|c| c.id.as_str()))
        .collect();
    if let Some(e) = evals.iter().find(|e| !known.contains(e.clause.as_str())) {
        return Err(TckError::Internal(format!(
            "check {} judged clause {}, which no suite's catalogue has (case {})",
            e.check, e.clause, e.case
        )));
    }
    match passes.keys().find(|k| !known.contains(k.clause.as_str())) {
        Some(k) => Err(TckError::Internal(format!(
            "check {} judged clause {}, which no suite's catalogue has",
            k.check, k.clause
        ))),
        None => Ok(()),
    }
}

fn port_error(what: &str, port: u16, e: std::io::Error) -> TckError {
    if port != 0 && e.kind() == std::io::ErrorKind::AddrInUse {
        TckError::Config(format!(
            "cannot start the {what}: port {port} is already taken"
        ))
    } else if port != 0 {
        TckError::Config(format!("cannot start the {what} on port {port}: {e}"))
    } else {
        TckError::Internal(format!("cannot start the {what}: {e}"))
    }
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

/// A scanner for the plaintext forms of these cases' canaries.
pub(crate) fn plaintext_for<'a>(cases: impl Iterator<Item = &'a CaseRecord>) -> LeakScanner {
    LeakScanner::plaintext(cases.flat_map(|c| c.canaries.iter().cloned()).collect())
}

/// A scanner for the SHA-256 digests of these cases' canaries only.
pub(crate) fn digests_for<'a>(
    cases: impl Iterator<Item = &'a CaseRecord>,
) -> crate::observe::leak::DigestScanner {
    let canaries: Vec<_> = cases.flat_map(|c| c.canaries.iter().cloned()).collect();
    crate::observe::leak::DigestScanner::new(&canaries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clause_no_catalogue_has_is_a_harness_error() {
        let ok = Evaluation::new(
            "DMC12-REQ-TOKEN-001",
            "reject-code",
            None,
            "c",
            Outcome::Pass,
        );
        let none = crate::check::Passes::default();
        assert!(unknown_clause(std::slice::from_ref(&ok), &none).is_ok());
        let typo = Evaluation::new(
            "DMC12-REQ-TOKEN-01",
            "reject-code",
            None,
            "c",
            Outcome::Pass,
        );
        let mut counted = crate::check::Passes::default();
        counted.add(&typo);
        assert!(
            unknown_clause(&[], &counted).is_err(),
            "a counted pass is checked too"
        );
        let e = unknown_clause(&[ok, typo], &none).unwrap_err().to_string();
        assert!(e.contains("DMC12-REQ-TOKEN-01,"), "{e}");
    }

    #[test]
    fn the_profile_moves_only_the_interfaces_the_card_lists() {
        let mut card = crate::transport::a2a::AgentCard::from_json(serde_json::json!({
            "supportedInterfaces": [
                {"url": "http://10.0.0.7:9000/rpc", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
            ],
            "skills": [{"id": "lead.general"}]
        }));
        let urls = vec![
            (Binding::A2aJsonrpc, "/public/rpc".to_string()),
            (Binding::A2aRest, "https://dealer.example/rest".to_string()),
        ];
        override_a2a_urls(&mut card, &urls, "http://127.0.0.1:8080/");
        assert_eq!(
            card.interfaces,
            vec![(
                "JSONRPC".to_string(),
                "http://127.0.0.1:8080/public/rpc".to_string(),
                "1.0".to_string()
            )]
        );
        let endpoints = crate::suites::aap::scenarios::a2a_endpoints(&card, None);
        assert_eq!(
            endpoints,
            vec![(
                Binding::A2aJsonrpc,
                "http://127.0.0.1:8080/public/rpc".to_string()
            )]
        );
    }

    #[test]
    fn provenance_names_a_launched_program_never_an_assignment() {
        assert_eq!(
            program("DB_PASSWORD=hunter2 ./bin/server --port {port}"),
            "server"
        );
        assert_eq!(program("A=1 B=2 /usr/bin/env python3 x.py"), "env");
        assert_eq!(program("my-server --flag=x"), "my-server");
        assert_eq!(program(""), "");
    }
}
