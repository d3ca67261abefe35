//! The DMC-12 scenarios, per transport: discovery and binding checks, auth, generated valid and
//! invalid cases (with shrinking), reservation state, SMTP and CRM faults, the CRM sink off,
//! and the end-of-run scans of the log, the store, the mails and the CRM.

use super::mutations;
use super::plan::{self as generate, Dmc12Case, Expect};
use crate::check::{Evaluation, Outcome, bindings};
use crate::error::TckError;
use crate::generate::{CaseSource, CaseTree};
use crate::observe::crm::{CrmMock, CrmMode};
use crate::observe::leak::{LeakScanner, mask_value};
use crate::observe::smtp::{SmtpFault, SmtpSink};
use crate::report::Counterexample;
use crate::run::{
    CaseRecord, Ledger, RunCx, RunOptions, SuiteRun, Target, not_tested, scanner_for,
};
use crate::spec::{PII_FIELDS, codes, tools};
use crate::suites::dmc12::judge::{
    CaseObs, CrmSetup, JudgeCtx, judge_accepted, judge_crm_disabled, judge_crm_fault,
    judge_rejected, judge_smtp_fault,
};
use crate::transport::{
    Binding, Client, ClientConfig, Exchange, RawRequest, Reply, TransportError, a2a,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What one call produced.
struct Executed {
    request: Value,
    exchange: Exchange,
    mails: Vec<crate::observe::smtp::CapturedMail>,
    crm: Vec<crate::observe::crm::CrmRequest>,
    t0: DateTime<Utc>,
    t1: DateTime<Utc>,
}

impl Executed {
    fn obs<'a>(&'a self, binding: Binding, id: &'a str, scanner: &'a LeakScanner) -> CaseObs<'a> {
        CaseObs {
            binding,
            case_id: id,
            request: &self.request,
            exchange: &self.exchange,
            mails: &self.mails,
            crm: &self.crm,
            t0: self.t0,
            t1: self.t1,
            scanner,
        }
    }
    fn accepted(&self) -> bool {
        matches!(&self.exchange.reply, Reply::Op { object, .. } if object.get("error").is_none() && object.get("data").is_some())
    }
}

struct Session<'a> {
    opts: &'a RunOptions,
    binding: Binding,
    client: Client,
    target_tokens: crate::run::Tokens,
    sink: &'a SmtpSink,
    crm: &'a CrmMock,
    store_id: String,
    crm_token: String,
    vins: Vec<String>,
    next_vin: usize,
    source: CaseSource,
    salt: String,
    card_skills: Vec<String>,
    fixture_error: Option<String>,
    /// When the holds this session could not release expire (the server keeps a soft hold
    /// after a hand-off, or refuses a release: seed 000 says the reservation "is still a soft
    /// hold"). Once one is seen, later holds are asked for [`SHORT_HOLD_SECONDS`] so that the
    /// inventory comes back by itself.
    stuck: Vec<DateTime<Utc>>,
    /// Whether the target refused a release: later holds are short.
    short_holds: bool,
    /// The announced `expires_at` of every hold not yet released.
    expiries: std::collections::HashMap<String, DateTime<Utc>>,
}

/// `hold_seconds` of every reservation after the target refused a release.
const SHORT_HOLD_SECONDS: u64 = 8;

/// The longest the runner waits for a stuck hold to expire before a case is NOT_TESTED.
const MAX_HOLD_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a mail or CRM body that arrived while a call was in flight is that call's: it
/// carries the call's canaries, or it carries none of an earlier case's (a side effect without
/// any customer data can only be judged as this call's). One carrying only an earlier case's
/// canaries is that case's late side effect: the end-of-run scans judge it.
fn is_this_calls(own: &LeakScanner, ledger: &Ledger, body: &[u8]) -> bool {
    if !own.scan("side effect", body).is_empty() {
        return true;
    }
    ledger.cases.is_empty()
        || scanner_for(ledger.cases.iter())
            .scan("side effect", body)
            .is_empty()
}

impl Session<'_> {
    /// Flag an operation the agent card (A2A) or tools/list (MCP) advertises that then does
    /// not answer: A2A "method not found", 404 or 501; on MCP -32601 or MCP's "Unknown tool"
    /// (-32602 naming the tool as unknown).
    fn advertised_but_silent(&self, ledger: &mut Ledger, tool: &str, ex: &Exchange) {
        if !self.card_skills.iter().any(|k| k == tool) {
            return;
        }
        let mcp = self.binding == Binding::Mcp;
        // -32602 (invalid params) is a reply to the hand-off's arguments, not silence: a
        // server may call a validation error that (the profile decides whether it counts).
        let silent = match &ex.reply {
            Reply::Protocol { code, .. } if *code == -32601 => true,
            Reply::Protocol { code, message, .. } if *code == -32602 && mcp => {
                message.to_ascii_lowercase().contains("unknown tool")
            }
            Reply::Protocol { code, .. } => *code == -32602 && tool != tools::INITIATE_DEAL_HANDOFF,
            Reply::Http { status } => *status == 404 || *status == 501,
            _ => false,
        };
        if silent {
            let (clause, check, lists) = if mcp {
                ("BIND-MCP-TOOLS-001", "mcp-tools-list", "tools/list lists")
            } else {
                ("BIND-A2A-CARD-001", "a2a-card", "the agent card advertises")
            };
            ledger.push(Evaluation::new(
                clause,
                check,
                Some(self.binding),
                &format!("advertised-{tool}"),
                Outcome::Fail(format!(
                    "{lists} {tool}, but calling it got {}",
                    crate::check::describe_reply(ex, &self.opts.codes)
                )),
            ));
        }
    }

    fn ctx<'s>(&'s self, crm: CrmSetup<'s>) -> JudgeCtx<'s> {
        JudgeCtx {
            rules: &self.opts.codes,
            crm,
            clock_skew: self.opts.clock_skew,
            desk: &self.opts.desk,
        }
    }

    fn crm_enabled(&self, mode: CrmMode) -> CrmSetup<'_> {
        if !self.opts.crm_expected {
            return CrmSetup::Unobserved;
        }
        CrmSetup::Enabled {
            store_id: &self.store_id,
            token: &self.crm_token,
            mode,
        }
    }

    async fn exec(
        &self,
        ledger: &mut Ledger,
        request: Value,
        token: Option<&str>,
    ) -> Result<Executed, TransportError> {
        breaker_check(ledger, &self.client)?;
        let mark = self.sink.mark();
        let crm_mark = self.crm.requests().await.len();
        let t0 = Utc::now();
        let exchange = self
            .client
            .call(tools::INITIATE_DEAL_HANDOFF, &request, token)
            .await;
        let t1 = Utc::now();
        ledger.stats.exchanges += 1;
        ledger.stats.cases += 1;
        let exchange = breaker_note(ledger, exchange)?;
        self.advertised_but_silent(ledger, tools::INITIATE_DEAL_HANDOFF, &exchange);
        let own = LeakScanner::new(generate::pii_values(&request));
        let mut mails = self.sink.since(mark);
        mails.retain(|m| is_this_calls(&own, ledger, &m.raw));
        let mut crm: Vec<_> = self
            .crm
            .requests()
            .await
            .into_iter()
            .skip(crm_mark)
            .collect();
        crm.retain(|r| is_this_calls(&own, ledger, r.body.as_bytes()));
        Ok(Executed {
            request,
            exchange,
            mails,
            crm,
            t0,
            t1,
        })
    }

    /// Send a hand-built request, through the same breaker as every other exchange: a target
    /// that stops answering mid-run ends the run (exit 3) after `BREAKER_LIMIT` failures.
    async fn raw(&self, ledger: &mut Ledger, req: RawRequest) -> Result<Exchange, TransportError> {
        breaker_check(ledger, &self.client)?;
        ledger.stats.exchanges += 1;
        let ex = self.client.raw(req).await;
        breaker_note(ledger, ex)
    }

    async fn tool(
        &self,
        ledger: &mut Ledger,
        tool: &str,
        args: Value,
        token: &str,
    ) -> Result<Value, String> {
        breaker_check(ledger, &self.client).map_err(|e| e.to_string())?;
        ledger.stats.exchanges += 1;
        let ex = self.client.call(tool, &args, Some(token)).await;
        let ex = breaker_note(ledger, ex).map_err(|e| e.to_string())?;
        self.advertised_but_silent(ledger, tool, &ex);
        match ex.reply {
            Reply::Op { object, .. } if object.get("error").is_none() => {
                Ok(object.get("data").cloned().unwrap_or(Value::Null))
            }
            Reply::Op { object, .. } => Err(format!(
                "{tool} answered {}",
                object
                    .pointer("/error/code")
                    .cloned()
                    .unwrap_or(Value::Null)
            )),
            other => Err(format!("{tool} answered {other:?}")
                .chars()
                .take(200)
                .collect()),
        }
    }

    /// Reserve some vehicle as `token`, trying the inventory round-robin.
    async fn acquire(
        &mut self,
        ledger: &mut Ledger,
        token: &str,
        hold_seconds: Option<u64>,
    ) -> Result<(String, Value), String> {
        if let Some(why) = &self.fixture_error {
            return Err(why.clone());
        }
        if self.vins.is_empty() {
            return Err("the inventory fixture gave no VIN".into());
        }
        let hold_seconds = hold_seconds.or(self.short_holds.then_some(SHORT_HOLD_SECONDS));
        let mut last = String::new();
        let waited_from = std::time::Instant::now();
        loop {
            for _ in 0..self.vins.len() {
                let vin = self.vins[self.next_vin % self.vins.len()].clone();
                self.next_vin += 1;
                let mut args = json!({"vin": vin});
                if let Some(h) = hold_seconds {
                    args["hold_seconds"] = json!(h);
                }
                let reserve = self.opts.fixture_tools[1].clone();
                match self.tool(ledger, &reserve, args, token).await {
                    Ok(d) => match d.get("reservation_token").and_then(Value::as_str) {
                        Some(t) => {
                            if let Some(e) = d
                                .get("expires_at")
                                .and_then(Value::as_str)
                                .and_then(|e| DateTime::parse_from_rfc3339(e).ok())
                            {
                                self.expiries.insert(t.to_string(), e.with_timezone(&Utc));
                            }
                            return Ok((t.to_string(), d.clone()));
                        }
                        None => last = "create_reservation answered no reservation_token".into(),
                    },
                    Err(e) => last = e,
                }
            }
            // Every vehicle refused: if holds this session could not release expire soon,
            // wait for the first of them (bounded) and try again.
            let now = Utc::now();
            self.stuck.retain(|e| *e > now);
            let next = self.stuck.iter().min().copied();
            let wait = next.and_then(|e| (e - now).to_std().ok());
            match wait {
                Some(w) if waited_from.elapsed() + w <= MAX_HOLD_WAIT => {
                    tokio::time::sleep(w + std::time::Duration::from_millis(250)).await;
                }
                _ => return Err(format!("no vehicle could be reserved ({last})")),
            }
        }
    }

    /// Reserve a vehicle as agent A, or record `clause` NOT_TESTED for `case_id` with why.
    async fn acquire_for(
        &mut self,
        ledger: &mut Ledger,
        clause: &'static str,
        check: &'static str,
        case_id: &str,
    ) -> Option<(String, Value)> {
        let a = self.target_tokens.agent_a.clone();
        match self.acquire(ledger, &a, None).await {
            Ok(r) => Some(r),
            Err(why) => {
                ledger.extend(not_tested(
                    &[(clause, check)],
                    Some(self.binding),
                    case_id,
                    &why,
                ));
                None
            }
        }
    }

    /// Release a hold; one the target keeps is remembered until it expires.
    async fn release(&mut self, ledger: &mut Ledger, rsv: &str, token: &str) {
        let released = self
            .tool(
                ledger,
                &self.opts.fixture_tools[2],
                json!({"reservation_token": rsv}),
                token,
            )
            .await
            .is_ok();
        // The expiry the target announced when the hold was created.
        let expires = self.expiries.remove(rsv);
        if !released {
            self.short_holds = true;
            self.stuck.extend(expires);
        }
    }

    fn record(&self, ledger: &mut Ledger, id: &str, case: &Dmc12Case, accepted: bool) {
        let _ = id;
        ledger.cases.push(CaseRecord {
            binding: self.binding,
            canaries: case.canaries(),
            accepted,
        });
    }

    /// Run one valid case on a fresh reservation; returns the evaluations (not yet recorded).
    async fn valid_case(
        &mut self,
        ledger: &mut Ledger,
        case: &Dmc12Case,
        record: bool,
    ) -> Vec<Evaluation> {
        let extra: Vec<&str> = if case.trade_in_undisclosed() {
            vec!["DMC12-REQ-DISCLOSED-001"]
        } else {
            vec![]
        };
        let a = self.target_tokens.agent_a.clone();
        let (rsv, _) = match self.acquire(ledger, &a, None).await {
            Ok(r) => r,
            Err(why) => {
                return not_tested(
                    &[("DMC12-REQ-ACCEPT-001", "accept-valid")],
                    Some(self.binding),
                    &case.id,
                    &why,
                );
            }
        };
        let req = case.with_token(&rsv);
        let result = self.exec(ledger, req, Some(&a)).await;
        self.release(ledger, &rsv, &a).await;
        match result {
            Err(e) => vec![Evaluation::new(
                "DMC12-REQ-ACCEPT-001",
                "accept-valid",
                Some(self.binding),
                &case.id,
                Outcome::Error(e.to_string()),
            )],
            Ok(x) => {
                if record {
                    self.record(ledger, &case.id, case, x.accepted());
                }
                let scanner = LeakScanner::new(case.canaries());
                judge_accepted(
                    &x.obs(self.binding, &case.id, &scanner),
                    &self.ctx(self.crm_enabled(CrmMode::Created)),
                    &extra,
                )
            }
        }
    }

    /// Run one invalid case on `rsv` (a live reservation of agent A).
    async fn invalid_case(
        &mut self,
        ledger: &mut Ledger,
        case: &Dmc12Case,
        rsv: &str,
        record: bool,
    ) -> (Vec<Evaluation>, bool) {
        let Expect::Reject { clause, code, .. } = case.expect else {
            return (vec![], false);
        };
        let check = if clause == "DMC12-CONSENT-EXPIRY-001" {
            "consent-expired"
        } else {
            "reject-code"
        };
        let a = self.target_tokens.agent_a.clone();
        match self.exec(ledger, case.with_token(rsv), Some(&a)).await {
            Err(e) => (
                vec![Evaluation::new(
                    clause,
                    check,
                    Some(self.binding),
                    &case.id,
                    Outcome::Error(e.to_string()),
                )],
                false,
            ),
            Ok(x) => {
                if record {
                    self.record(ledger, &case.id, case, x.accepted());
                }
                let scanner = LeakScanner::new(case.canaries());
                let ev = judge_rejected(
                    &x.obs(self.binding, &case.id, &scanner),
                    &self.ctx(self.crm_enabled(CrmMode::Created)),
                    clause,
                    check,
                    code,
                );
                (ev, x.accepted())
            }
        }
    }
}

/// Consecutive transport failures after which the target counts as gone (exit 3).
const BREAKER_LIMIT: usize = 3;

/// Refuse to send once the target has stopped answering, so a hung server costs at most
/// `BREAKER_LIMIT` timeouts.
fn breaker_check(ledger: &Ledger, client: &Client) -> Result<(), TransportError> {
    match &ledger.aborted {
        Some(why) => Err(TransportError::Io {
            url: client.binding().to_string(),
            detail: why.clone(),
        }),
        None => Ok(()),
    }
}

fn breaker_note(
    ledger: &mut Ledger,
    r: Result<Exchange, TransportError>,
) -> Result<Exchange, TransportError> {
    match &r {
        Ok(_) => ledger.transport_failures = 0,
        Err(e) => {
            ledger.transport_failures += 1;
            if ledger.transport_failures >= BREAKER_LIMIT && ledger.aborted.is_none() {
                ledger.aborted = Some(format!(
                    "the target stopped answering ({BREAKER_LIMIT} exchanges in a row failed; last: {e})"
                ));
            }
        }
    }
    r
}

fn failing_clauses(evals: &[Evaluation]) -> Vec<String> {
    let mut v: Vec<String> = evals
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Fail(_)))
        .map(|e| e.clause.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The payload with every 🔒 value masked, for a report.
pub(crate) fn masked_payload(req: &Value) -> Value {
    let mut v = req.clone();
    for path in PII_FIELDS {
        let ptr = format!("/{}", path.replace('.', "/"));
        if let Some(slot) = v.pointer_mut(&ptr)
            && let Some(s) = slot.as_str()
        {
            *slot = Value::String(mask_value(s));
        }
    }
    if let Some(slot) = v.pointer_mut("/reservation_token")
        && slot.is_string()
    {
        *slot = Value::String(generate::LIVE_TOKEN.into());
    }
    v
}

fn client_cfg(opts: &RunOptions) -> ClientConfig {
    ClientConfig {
        timeout: opts.call_timeout,
        skill_key: opts.skill_key.clone(),
        a2a_version: opts.a2a_version.clone(),
        ..ClientConfig::default()
    }
}

/// What the target offers: its agent card (if it has one) and the endpoints of the bindings
/// that answer.
pub(crate) struct Discovery {
    /// The agent card.
    pub card: Option<a2a::AgentCard>,
    /// (binding, endpoint URL), sorted.
    pub endpoints: Vec<(Binding, String)>,
    /// Bindings not tested, with why.
    pub missing: Vec<(Binding, String)>,
}

impl Discovery {
    /// The operations the agent card advertises, for an A2A binding. MCP's come from
    /// tools/list, which `run_binding` reads.
    fn advertised(&self, binding: Binding) -> Vec<String> {
        match (binding, &self.card) {
            (Binding::Mcp, _) | (_, None) => vec![],
            (_, Some(c)) => c.skills.clone(),
        }
    }
}

/// The tool names of a tools/list answer.
fn tool_names(ex: &Exchange) -> Vec<String> {
    match &ex.reply {
        Reply::Op { object, .. } => object
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// Read the agent card and probe MCP. Unreachable targets and cards that are not JSON end the
/// run (exit 3); a binding the target does not offer is reported NOT_TESTED.
pub(crate) async fn discover(
    opts: &RunOptions,
    target: &Target,
    ledger: &mut Ledger,
) -> Result<Discovery, TckError> {
    let cfg = client_cfg(opts);
    let mut missing = vec![];
    let card = if opts.a2a_enabled == Some(false) {
        missing.push((
            Binding::A2aJsonrpc,
            "A2A is disabled in the target profile".to_string(),
        ));
        missing.push((
            Binding::A2aRest,
            "A2A is disabled in the target profile".to_string(),
        ));
        None
    } else {
        ledger.stats.exchanges += 1;
        match a2a::fetch_card(&target.card_location(), &cfg).await {
            Ok(mut c) => {
                crate::run::override_a2a_urls(&mut c, &opts.a2a_urls, &target.base_url());
                Some(c)
            }
            Err(
                e @ (TransportError::Connect { .. }
                | TransportError::Timeout { .. }
                | TransportError::TooLarge { .. }),
            ) => {
                return Err(TckError::Unreachable(e.to_string()));
            }
            Err(TransportError::Io { detail, .. })
                if detail.contains("HTTP 404") && opts.a2a_enabled.is_none() =>
            {
                missing.push((
                    Binding::A2aJsonrpc,
                    "the target has no agent card".to_string(),
                ));
                missing.push((Binding::A2aRest, "the target has no agent card".to_string()));
                None
            }
            Err(e) => {
                return Err(TckError::Unreachable(format!(
                    "cannot use the agent card: {e}"
                )));
            }
        }
    };
    let mut endpoints: Vec<(Binding, String)> = vec![];
    if let Some(card) = &card {
        for (pb, url, _) in &card.interfaces {
            let b = match pb.to_ascii_uppercase().as_str() {
                "JSONRPC" => Binding::A2aJsonrpc,
                "HTTP+JSON" => Binding::A2aRest,
                _ => continue,
            };
            if !endpoints.iter().any(|(x, _)| *x == b) {
                endpoints.push((b, url.clone()));
            }
        }
        for b in [Binding::A2aJsonrpc, Binding::A2aRest] {
            if !endpoints.iter().any(|(x, _)| *x == b) {
                missing.push((
                    b,
                    format!(
                        "the agent card lists no {} interface",
                        if b == Binding::A2aJsonrpc {
                            "JSONRPC"
                        } else {
                            "HTTP+JSON"
                        }
                    ),
                ));
            }
        }
        // The 0.3 profile is the AAP suites' (issue: A2A 0.3 as a transport profile of lead
        // capture); BINDINGS.md binds the DMC-12 tools to A2A 1.0.
        if opts.a2a_profile == crate::transport::a2a::A2aProfile::V0_3 {
            for (b, _) in endpoints.drain(..) {
                missing.push((
                    b,
                    "the A2A 0.3 profile applies to the AAP suites; BINDINGS.md carries DMC-12 on A2A 1.0 only".to_string(),
                ));
            }
        }
        if !card
            .skills
            .iter()
            .any(|k| k == tools::INITIATE_DEAL_HANDOFF)
        {
            for (b, _) in endpoints.drain(..) {
                missing.push((
                    b,
                    format!(
                        "the agent card lists no {} skill",
                        tools::INITIATE_DEAL_HANDOFF
                    ),
                ));
            }
        }
    }
    if opts.mcp_enabled != Some(false)
        && let Some(url) = target.mcp_url()
    {
        let client = Client::new(Binding::Mcp, &url, cfg.clone());
        let a = target.tokens.agent_a.clone();
        ledger.stats.exchanges += 1;
        let probe = match client.as_mcp() {
            Some(m) => m.handshake(Some(&a)).await,
            None => Err(TransportError::Io {
                url: url.clone(),
                detail: "not an MCP client".into(),
            }),
        };
        match probe {
            Ok(h) if h.protocol_version.is_some() => {
                ledger.stats.exchanges += 1;
                let names = match client.as_mcp() {
                    Some(m) => match m.list_tools(Some(&a)).await {
                        Ok(ex) => tool_names(&ex),
                        Err(_) => vec![],
                    },
                    None => vec![],
                };
                if names.iter().any(|n| n == tools::INITIATE_DEAL_HANDOFF) {
                    endpoints.push((Binding::Mcp, url));
                } else {
                    missing.push((
                        Binding::Mcp,
                        format!("MCP tools/list has no {}", tools::INITIATE_DEAL_HANDOFF),
                    ));
                }
            }
            Ok(_) | Err(TransportError::Io { .. }) if opts.mcp_enabled.is_none() => {
                missing.push((
                    Binding::Mcp,
                    format!("no MCP endpoint answered initialize at {url}"),
                ));
            }
            Ok(_) => {
                return Err(TckError::Unreachable(format!(
                    "the MCP endpoint {url} did not complete initialize"
                )));
            }
            Err(e) => {
                if opts.mcp_enabled == Some(true) || card.is_none() {
                    return Err(TckError::Unreachable(e.to_string()));
                }
                missing.push((Binding::Mcp, format!("MCP did not answer: {e}")));
            }
        }
    } else if opts.mcp_enabled == Some(false) {
        missing.push((
            Binding::Mcp,
            "MCP is disabled in the target profile".to_string(),
        ));
    }
    if let Some(only) = &opts.transports {
        endpoints.retain(|(b, _)| only.contains(b));
        missing.retain(|(b, _)| only.contains(b));
    }
    endpoints.sort();
    if endpoints.is_empty() {
        let why: Vec<String> = missing.iter().map(|(b, w)| format!("{b}: {w}")).collect();
        return Err(TckError::Unreachable(format!(
            "the target offers no transport with {} ({})",
            tools::INITIATE_DEAL_HANDOFF,
            why.join("; ")
        )));
    }
    Ok(Discovery {
        card,
        endpoints,
        missing,
    })
}

/// Run every scenario on each discovered binding. Returns the transports tested.
pub(crate) async fn run_suite(
    opts: &RunOptions,
    target: &mut Target,
    disc: &Discovery,
    sink: &SmtpSink,
    crm: &CrmMock,
    (store_id, crm_token): (&str, &str),
    ledger: &mut Ledger,
) -> Result<Vec<Binding>, TckError> {
    let cfg = client_cfg(opts);
    let base = target.base_url();
    let endpoints = disc.endpoints.clone();
    let skills = card_skills(opts);
    let mut salt_src = CaseSource::new(opts.seed);
    let (store_id, crm_token) = (store_id.to_string(), crm_token.to_string());
    for (binding, url) in &endpoints {
        if *binding != Binding::Mcp
            && let Some(card) = &disc.card
        {
            ledger.push(bindings::judge_card(card, &skills, *binding));
        }
        let mut s = Session {
            opts,
            binding: *binding,
            client: Client::new(*binding, url, cfg.clone()),
            target_tokens: target.tokens.clone(),
            sink,
            crm,
            store_id: store_id.clone(),
            crm_token: crm_token.clone(),
            vins: vec![],
            next_vin: 0,
            source: CaseSource::new(opts.seed ^ (*binding as u64).wrapping_mul(0x9e37_79b9)),
            salt: salt_src.salt(),
            card_skills: disc.advertised(*binding),
            fixture_error: None,
            stuck: Vec::new(),
            short_holds: false,
            expiries: std::collections::HashMap::new(),
        };
        run_binding(&mut s, target, ledger).await?;
    }
    // The CRM sink off needs a restart with another configuration.
    let bindings_tested: Vec<Binding> = endpoints.iter().map(|(b, _)| *b).collect();
    match target.restart_crm_disabled().await? {
        None => {
            for b in &bindings_tested {
                ledger.extend(not_tested(
                    &[("DMC12-CRM-DISABLED-001", "crm-disabled")],
                    Some(*b),
                    "crm-disabled",
                    "the harness cannot restart this target with the CRM sink off",
                ));
            }
        }
        Some(new_base) => {
            for (binding, url) in &endpoints {
                let url = url.replace(&base, &new_base);
                let mut s = Session {
                    opts,
                    binding: *binding,
                    client: Client::new(*binding, &url, cfg.clone()),
                    target_tokens: target.tokens.clone(),
                    sink,
                    crm,
                    store_id: store_id.clone(),
                    crm_token: crm_token.clone(),
                    vins: vec![],
                    next_vin: 0,
                    source: CaseSource::new(opts.seed ^ 0xd15a_b1ed ^ (*binding as u64)),
                    salt: salt_src.salt(),
                    card_skills: disc.advertised(*binding),
                    fixture_error: None,
                    stuck: Vec::new(),
                    short_holds: false,
                    expiries: std::collections::HashMap::new(),
                };
                crm_disabled(&mut s, ledger).await;
            }
        }
    }
    Ok(bindings_tested)
}

async fn load_inventory(s: &mut Session<'_>, ledger: &mut Ledger) -> Result<(), String> {
    let a = s.target_tokens.agent_a.clone();
    if let Some(vins) = &s.opts.fixture_vins {
        s.vins = vins.clone();
        return Ok(());
    }
    let inventory_tool = s.opts.fixture_tools[0].clone();
    let d = s.tool(ledger, &inventory_tool, json!({}), &a).await?;
    s.vins = d
        .get("vehicles")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.get("vin").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if s.vins.is_empty() {
        return Err("search_inventory returned no vehicles".into());
    }
    Ok(())
}

async fn run_binding(
    s: &mut Session<'_>,
    _target: &Target,
    ledger: &mut Ledger,
) -> Result<(), TckError> {
    let b = s.binding;
    // Binding-level checks.
    match b {
        Binding::Mcp => {
            if let Some(m) = s.client.as_mcp() {
                let a = s.target_tokens.agent_a.clone();
                match m.handshake(Some(&a)).await {
                    Ok(h) => ledger.push(bindings::judge_handshake(&h)),
                    Err(e) => {
                        return Err(TckError::Unreachable(format!("MCP handshake failed: {e}")));
                    }
                }
                match m.list_tools(Some(&a)).await {
                    Ok(ex) => {
                        // On MCP, what tools/list names is what the server advertises.
                        s.card_skills = tool_names(&ex);
                        ledger.push(bindings::judge_tools_list(
                            &ex,
                            tools::INITIATE_DEAL_HANDOFF,
                        ))
                    }
                    Err(e) => ledger.push(Evaluation::new(
                        "BIND-MCP-TOOLS-001",
                        "mcp-tools-list",
                        Some(b),
                        "tools-list",
                        Outcome::Error(e.to_string()),
                    )),
                }
            }
        }
        _ => a2a_protocol(s, ledger).await,
    }
    if let Err(why) = load_inventory(s, ledger).await {
        // Every case that needs a reservation is NOT_TESTED with this reason.
        s.fixture_error = Some(format!("the inventory fixture failed: {why}"));
    }
    auth(s, ledger).await;
    valid_cases(s, ledger).await;
    invalid_cases(s, ledger).await;
    state_scenarios(s, ledger).await;
    smtp_faults(s, ledger).await;
    crm_faults(s, _target, ledger).await;
    Ok(())
}

async fn a2a_protocol(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let token = Some(s.target_tokens.agent_a.clone());
    // A well-formed request built exactly as the client builds it (skill placement included).
    let good = a2a::A2aClient::new(b, "", client_cfg(s.opts)).request_body(
        &s.opts.fixture_tools[0],
        &json!({}),
        1,
    );
    let ct = if b == Binding::A2aRest {
        "application/a2a+json"
    } else {
        "application/json"
    };
    let raw = |body: Vec<u8>, headers: Vec<(String, String)>, defaults: bool| RawRequest {
        body,
        content_type: Some(ct.into()),
        headers,
        default_headers: defaults,
        token: token.clone(),
    };
    // Unsupported version.
    let req = raw(
        serde_json::to_vec(&good).unwrap_or_default(),
        vec![("A2A-Version".into(), "99.0".into())],
        false,
    );
    match s.raw(ledger, req).await {
        Ok(ex) => ledger.push(bindings::judge_version(&ex)),
        Err(e) => ledger.push(Evaluation::new(
            "BIND-A2A-VERSION-001",
            "a2a-version",
            Some(b),
            "unsupported-a2a-version",
            Outcome::Error(e.to_string()),
        )),
    }
    let mut cases: Vec<(&str, Vec<u8>, i64)> = vec![(
        "malformed-json",
        b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ".to_vec(),
        if b == Binding::A2aRest { 400 } else { -32700 },
    )];
    if b == Binding::A2aJsonrpc {
        let mut wrong = good.clone();
        wrong["jsonrpc"] = json!("1.0");
        cases.push((
            "jsonrpc-1.0",
            serde_json::to_vec(&wrong).unwrap_or_default(),
            -32600,
        ));
        let mut unknown = good.clone();
        unknown["method"] = json!("FlyToTheMoon");
        cases.push((
            "unknown-method",
            serde_json::to_vec(&unknown).unwrap_or_default(),
            -32601,
        ));
    }
    for (name, body, expected) in cases {
        match s.raw(ledger, raw(body, vec![], true)).await {
            Ok(ex) => ledger.push(bindings::judge_protocol_error(&ex, name, expected)),
            Err(e) => ledger.push(Evaluation::new(
                "BIND-A2A-ERRORS-001",
                "a2a-protocol-errors",
                Some(b),
                name,
                Outcome::Error(e.to_string()),
            )),
        }
    }
}

async fn auth(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let case = generate::edge_cases(&format!("{}au", s.salt)).remove(0);
    let (rsv, _) = match s.acquire(ledger, &a, None).await {
        Ok(r) => r,
        Err(why) => {
            ledger.extend(not_tested(
                &[
                    ("DMC12-AUTH-001", "auth-401"),
                    ("DMC12-AUTH-002", "auth-403"),
                ],
                Some(b),
                "auth",
                &why,
            ));
            return;
        }
    };
    let req = case.with_token(&rsv);
    let unknown = s.target_tokens.unknown.clone();
    for (id, token) in [
        ("no-token", None),
        ("unknown-token", Some(unknown.as_str())),
    ] {
        match s.exec(ledger, req.clone(), token).await {
            Ok(x) => {
                ledger.push(bindings::judge_http_refusal(&x.exchange, id, 401));
                side_effect_free(s, ledger, &x, &case, id);
            }
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-AUTH-001",
                "auth-401",
                Some(b),
                id,
                Outcome::Error(e.to_string()),
            )),
        }
    }
    match s.target_tokens.unscoped.clone() {
        None => ledger.extend(not_tested(
            &[("DMC12-AUTH-002", "auth-403")],
            Some(b),
            "unscoped-token",
            "the target profile names no token without deal:handoff",
        )),
        Some(u) => match s.exec(ledger, req.clone(), Some(&u)).await {
            Ok(x) => {
                ledger.push(bindings::judge_http_refusal(
                    &x.exchange,
                    "unscoped-token",
                    403,
                ));
                side_effect_free(s, ledger, &x, &case, "unscoped-token");
            }
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-AUTH-002",
                "auth-403",
                Some(b),
                "unscoped-token",
                Outcome::Error(e.to_string()),
            )),
        },
    }
    s.release(ledger, &rsv, &a).await;
}

/// A refused call (401/403): its canaries join the end-of-run scans, its answer is scanned for
/// them, and it must have no side effect.
fn side_effect_free(
    s: &Session<'_>,
    ledger: &mut Ledger,
    x: &Executed,
    case: &Dmc12Case,
    id: &str,
) {
    s.record(ledger, id, case, x.accepted());
    let scanner = LeakScanner::new(case.canaries());
    let leaks = crate::suites::dmc12::judge::leak_findings(&x.obs(s.binding, id, &scanner));
    ledger.push(Evaluation::new(
        "DMC12-PII-RESPONSE-001",
        "leak-response",
        Some(s.binding),
        id,
        crate::suites::dmc12::judge::leak_outcome(&leaks),
    ));
    let mut f = vec![];
    if !x.mails.is_empty() {
        f.push(format!("{} mail(s) sent for a refused call", x.mails.len()));
    }
    if !x.crm.is_empty() {
        f.push(format!("{} CRM request(s) for a refused call", x.crm.len()));
    }
    ledger.push(Evaluation::new(
        "DMC12-PII-REJECTED-001",
        "rejected-no-side-effects",
        Some(s.binding),
        id,
        Outcome::failing_on(f),
    ));
}

async fn valid_cases(s: &mut Session<'_>, ledger: &mut Ledger) {
    for case in generate::edge_cases(&s.salt) {
        let ev = s.valid_case(ledger, &case, true).await;
        ledger.extend(ev);
    }
    for n in 0..s.opts.cases {
        let mut tree = s.source.draw(generate::valid_request());
        let id = format!("valid-{n:03}");
        let case = Dmc12Case {
            id: id.clone(),
            expect: Expect::Accept,
            request: tree.current(),
        };
        let ev = s.valid_case(ledger, &case, true).await;
        let failing = failing_clauses(&ev);
        ledger.extend(ev);
        if !failing.is_empty() {
            let (best, steps) = shrink(s, ledger, &mut tree, &failing, Shrinking::Valid, &id).await;
            keep_counterexample(s, ledger, failing, &id, &best, steps);
        }
    }
}

/// What a shrink candidate is: a valid request, or the base of an invalid one (the mutation
/// and its index applied to each candidate, so every candidate still breaks exactly one rule).
#[derive(Clone, Copy)]
enum Shrinking<'m> {
    Valid,
    Invalid(&'m mutations::Mutation, usize),
}

impl Shrinking<'_> {
    fn case(&self, id: String, base: Value) -> Dmc12Case {
        match self {
            Shrinking::Valid => Dmc12Case {
                id,
                expect: Expect::Accept,
                request: base,
            },
            Shrinking::Invalid(m, n) => Dmc12Case {
                id,
                ..m.case(&base, *n)
            },
        }
    }
}

/// Shrink a failing generated case: simplify while the same clauses keep failing. Every
/// candidate sent is recorded (its canaries join the end-of-run log and store scans).
async fn shrink(
    s: &mut Session<'_>,
    ledger: &mut Ledger,
    tree: &mut CaseTree,
    failing: &[String],
    what: Shrinking<'_>,
    id: &str,
) -> (Value, usize) {
    let mut best = what.case(id.to_string(), tree.current()).request;
    let mut steps = 0;
    if !tree.simplify() {
        return (best, 0);
    }
    while steps < s.opts.max_shrink {
        steps += 1;
        let base = tree.current();
        let case = what.case(format!("{id}-shrink-{steps}"), base.clone());
        if matches!(what, Shrinking::Invalid(..)) && case.request == base {
            // The break does not apply to this simpler base: it is no counterexample.
            if !tree.complicate() {
                break;
            }
            continue;
        }
        let ev = match what {
            Shrinking::Valid => s.valid_case(ledger, &case, true).await,
            Shrinking::Invalid(..) => {
                let a = s.target_tokens.agent_a.clone();
                match s.acquire(ledger, &a, None).await {
                    // No reservation to try the candidate on: keep what we have.
                    Err(_) => break,
                    Ok((rsv, _)) => {
                        let (ev, _) = s.invalid_case(ledger, &case, &rsv, true).await;
                        s.release(ledger, &rsv, &a).await;
                        ev
                    }
                }
            }
        };
        let still = failing_clauses(&ev).iter().any(|c| failing.contains(c));
        if still {
            best = case.request;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    (best, steps)
}

/// Keep the minimal payload and the seed of a failing generated case, per clause × binding.
fn keep_counterexample(
    s: &Session<'_>,
    ledger: &mut Ledger,
    failing: Vec<String>,
    id: &str,
    best: &Value,
    steps: usize,
) {
    for clause in failing {
        ledger
            .counterexamples
            .entry(format!("{clause}|{}", s.binding))
            .or_insert_with(|| Counterexample {
                seed: s.opts.seed,
                case: id.to_string(),
                shrink_steps: steps,
                payload: masked_payload(best),
            });
    }
}

async fn invalid_cases(s: &mut Session<'_>, ledger: &mut Ledger) {
    let a = s.target_tokens.agent_a.clone();
    let mut rsv: Option<String> = None;
    for m in mutations::all() {
        for n in 0..s.opts.invalid_per_rule {
            if rsv.is_none() {
                match s.acquire(ledger, &a, None).await {
                    Ok((r, _)) => rsv = Some(r),
                    Err(why) => {
                        let check = if m.clause == "DMC12-CONSENT-EXPIRY-001" {
                            "consent-expired"
                        } else {
                            "reject-code"
                        };
                        ledger.extend(not_tested(
                            &[(m.clause, check)],
                            Some(s.binding),
                            m.name,
                            &why,
                        ));
                        continue;
                    }
                }
            }
            let r = rsv.clone().unwrap_or_default();
            let mut tree = s.source.draw(generate::valid_request());
            let case = m.case(&tree.current(), n);
            let (ev, accepted) = s.invalid_case(ledger, &case, &r, true).await;
            let failing = failing_clauses(&ev);
            ledger.extend(ev);
            if accepted {
                // A hand-off happened: the reservation may no longer be usable.
                s.release(ledger, &r, &a).await;
                rsv = None;
            }
            if !failing.is_empty() {
                let id = case.id.clone();
                let (best, steps) = shrink(
                    s,
                    ledger,
                    &mut tree,
                    &failing,
                    Shrinking::Invalid(&m, n),
                    &id,
                )
                .await;
                keep_counterexample(s, ledger, failing, &id, &best, steps);
            }
        }
    }
    if let Some(r) = rsv {
        s.release(ledger, &r, &a).await;
    }
}

async fn state_scenarios(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let salt = s.salt.clone();
    let base = |i: usize| generate::edge_cases(&format!("{salt}s{i}")).remove(0);
    let run_reject = |s: &Session<'_>,
                      ledger: &mut Ledger,
                      x: Result<Executed, TransportError>,
                      case: &Dmc12Case,
                      clause: &str,
                      check: &'static str,
                      code: &str| match x {
        Err(e) => ledger.push(Evaluation::new(
            clause,
            check,
            Some(b),
            &case.id,
            Outcome::Error(e.to_string()),
        )),
        Ok(x) => {
            s.record(ledger, &case.id, case, x.accepted());
            let scanner = LeakScanner::new(case.canaries());
            let ev = judge_rejected(
                &x.obs(b, &case.id, &scanner),
                &s.ctx(s.crm_enabled(CrmMode::Created)),
                clause,
                check,
                code,
            );
            ledger.extend(ev);
        }
    };
    // Never issued.
    let mut case = base(1);
    case.id = "reservation-never-issued".into();
    let fake = format!("rsv_{}", uuid::Uuid::new_v4().simple());
    let x = s.exec(ledger, case.with_token(&fake), Some(&a)).await;
    run_reject(
        s,
        ledger,
        x,
        &case,
        "DMC12-RES-NOTFOUND-001",
        "state-not-found",
        codes::RESERVATION_NOT_FOUND,
    );
    // Released.
    let mut case = base(2);
    case.id = "reservation-released".into();
    match s.acquire(ledger, &a, None).await {
        Err(why) => ledger.extend(not_tested(
            &[("DMC12-RES-STATE-001", "state-released")],
            Some(b),
            &case.id,
            &why,
        )),
        Ok((r, _)) => match s
            .tool(
                ledger,
                &s.opts.fixture_tools[2].clone(),
                json!({"reservation_token": r}),
                &a,
            )
            .await
        {
            Err(why) => ledger.extend(not_tested(
                &[("DMC12-RES-STATE-001", "state-released")],
                Some(b),
                &case.id,
                &format!("release_reservation failed: {why}"),
            )),
            Ok(_) => {
                let x = s.exec(ledger, case.with_token(&r), Some(&a)).await;
                run_reject(
                    s,
                    ledger,
                    x,
                    &case,
                    "DMC12-RES-STATE-001",
                    "state-released",
                    codes::RESERVATION_STATE,
                );
            }
        },
    }
    // Owned by another agent.
    let mut case = base(3);
    case.id = "reservation-of-another-agent".into();
    match (
        s.target_tokens.agent_b.clone(),
        s.acquire(ledger, &a, None).await,
    ) {
        (None, _) => ledger.extend(not_tested(
            &[("DMC12-RES-OWNER-001", "state-not-owner")],
            Some(b),
            &case.id,
            "the target profile names no second agent token",
        )),
        (_, Err(why)) => ledger.extend(not_tested(
            &[("DMC12-RES-OWNER-001", "state-not-owner")],
            Some(b),
            &case.id,
            &why,
        )),
        (Some(tb), Ok((r, _))) => {
            let x = s.exec(ledger, case.with_token(&r), Some(&tb)).await;
            run_reject(
                s,
                ledger,
                x,
                &case,
                "DMC12-RES-OWNER-001",
                "state-not-owner",
                codes::NOT_AUTHORIZED,
            );
            s.release(ledger, &r, &a).await;
        }
    }
    // Expired: hold_seconds 1, then wait on the reservation's own expires_at.
    let mut case = base(4);
    case.id = "reservation-expired".into();
    match s.acquire(ledger, &a, Some(1)).await {
        Err(why) => ledger.extend(not_tested(
            &[("DMC12-RES-EXPIRED-001", "state-expired")],
            Some(b),
            &case.id,
            &why,
        )),
        Ok((r, d)) => match d
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        {
            None => ledger.extend(not_tested(
                &[("DMC12-RES-EXPIRED-001", "state-expired")],
                Some(b),
                &case.id,
                "create_reservation gave no RFC 3339 expires_at",
            )),
            Some(exp) => {
                let exp = exp.with_timezone(&Utc);
                let limit = Utc::now() + chrono::Duration::seconds(30);
                if exp > limit {
                    ledger.extend(not_tested(
                        &[("DMC12-RES-EXPIRED-001", "state-expired")],
                        Some(b),
                        &case.id,
                        "hold_seconds:1 gave a hold longer than 30 s",
                    ));
                } else {
                    // Wait until the clock has passed the hold's own expiry (plus the allowed
                    // skew); an expiry shown to the whole second may be up to a second early.
                    let whole_second = if exp.timestamp_subsec_nanos() == 0 {
                        chrono::Duration::seconds(1)
                    } else {
                        chrono::Duration::zero()
                    };
                    let deadline = exp
                        + whole_second
                        + chrono::Duration::from_std(
                            s.opts.clock_skew.min(std::time::Duration::from_millis(250)),
                        )
                        .unwrap_or_default();
                    while Utc::now() <= deadline {
                        let left = (deadline - Utc::now()).to_std().unwrap_or_default();
                        tokio::time::sleep(left + std::time::Duration::from_millis(5)).await;
                    }
                    let x = s.exec(ledger, case.with_token(&r), Some(&a)).await;
                    run_reject(
                        s,
                        ledger,
                        x,
                        &case,
                        "DMC12-RES-EXPIRED-001",
                        "state-expired",
                        codes::RESERVATION_EXPIRED,
                    );
                }
            }
        },
    }
}

/// The distinct 🔒 fields whose SHA-256 digests the target's database files hold (None: no
/// file could be read).
async fn store_hashed_fields(
    target_dbs: &[std::path::PathBuf],
    scanner: &LeakScanner,
) -> Option<std::collections::BTreeSet<String>> {
    let mut any_file = false;
    let mut fields = std::collections::BTreeSet::new();
    for f in target_dbs {
        if let Ok(bytes) = tokio::fs::read(f).await {
            any_file = true;
            fields.extend(
                scanner
                    .scan_hashes("db", &bytes)
                    .into_iter()
                    .map(|(f, _)| f),
            );
        }
    }
    any_file.then_some(fields)
}

async fn smtp_faults(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let dbs = ledger_db_files(ledger);
    // Can the store show a recorded hand-off at all? (Hashes of accepted cases of this binding.)
    let accepted_scanner =
        scanner_for(ledger.cases.iter().filter(|c| c.binding == b && c.accepted));
    let hashes_visible = store_hashed_fields(&dbs, &accepted_scanner)
        .await
        .is_some_and(|fields| !fields.is_empty());
    for (i, fault) in SmtpFault::FAULTS.into_iter().enumerate() {
        let mut case = generate::edge_cases(&format!("{}f{i}", s.salt)).remove(2);
        case.id = format!("smtp-{}", fault.name());
        let Some((rsv, _)) = s
            .acquire_for(ledger, "DMC12-EMAIL-FAIL-001", "smtp-fault-code", &case.id)
            .await
        else {
            continue;
        };
        s.sink.set_fault(fault);
        let x = s.exec(ledger, case.with_token(&rsv), Some(&a)).await;
        s.sink.set_fault(SmtpFault::None);
        match x {
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-EMAIL-FAIL-001",
                "smtp-fault-code",
                Some(b),
                &case.id,
                Outcome::Error(e.to_string()),
            )),
            Ok(x) => {
                s.record(ledger, &case.id, &case, false);
                let scanner = LeakScanner::new(case.canaries());
                ledger.extend(judge_smtp_fault(
                    &x.obs(b, &case.id, &scanner),
                    &s.ctx(s.crm_enabled(CrmMode::Created)),
                ));
                // Nothing recorded: no hand-off record of this case's PII in the store. A
                // hand-off record holds the digests of several 🔒 fields together; an audit
                // row of the failed attempt may hold one digest (seed 000: "PII is hashed in
                // every audit/DB surface"), which is not a recorded hand-off.
                let outcome = match store_hashed_fields(&dbs, &scanner).await {
                    None => Outcome::NotTested("the harness cannot see the target's database".into()),
                    Some(_) if !hashes_visible => Outcome::NotTested("accepted hand-offs are not visible as SHA-256 digests in the store, so absence proves nothing".into()),
                    Some(f) if f.len() <= 1 => Outcome::Pass,
                    Some(f) => Outcome::Fail(format!("SHA-256 digests of this call's {} were written to the store although the email failed (a hand-off record)", f.into_iter().collect::<Vec<_>>().join(", "))),
                };
                ledger.push(Evaluation::new(
                    "DMC12-EMAIL-FAIL-002",
                    "smtp-fault-no-record",
                    Some(b),
                    &case.id,
                    outcome,
                ));
                // The same reservation then hands off cleanly.
                let retry_id = format!("{}-retry", case.id);
                match s.exec(ledger, case.with_token(&rsv), Some(&a)).await {
                    Err(e) => ledger.push(Evaluation::new(
                        "DMC12-EMAIL-FAIL-002",
                        "smtp-fault-retry",
                        Some(b),
                        &retry_id,
                        Outcome::Error(e.to_string()),
                    )),
                    Ok(r) => {
                        if let Some(rec) = ledger.cases.last_mut() {
                            rec.accepted = r.accepted();
                        }
                        let outcome = if r.accepted() {
                            Outcome::Pass
                        } else {
                            Outcome::Fail(format!(
                                "after the SMTP fault the same reservation was refused: {}",
                                crate::check::describe_reply(&r.exchange, &s.opts.codes)
                            ))
                        };
                        ledger.push(Evaluation::new(
                            "DMC12-EMAIL-FAIL-002",
                            "smtp-fault-retry",
                            Some(b),
                            &retry_id,
                            outcome,
                        ));
                        ledger.extend(judge_accepted(
                            &r.obs(b, &retry_id, &scanner),
                            &s.ctx(s.crm_enabled(CrmMode::Created)),
                            &[],
                        ));
                    }
                }
            }
        }
        s.release(ledger, &rsv, &a).await;
    }
}

fn ledger_db_files(ledger: &Ledger) -> Vec<std::path::PathBuf> {
    ledger.db_files.clone()
}

async fn crm_faults(s: &mut Session<'_>, target: &Target, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let slow = target.crm_timeout() + std::time::Duration::from_secs(1);
    for (i, mode) in [
        CrmMode::Status500,
        CrmMode::Status503,
        CrmMode::Slow(slow),
        CrmMode::Reset,
    ]
    .into_iter()
    .enumerate()
    {
        let mut case = generate::edge_cases(&format!("{}c{i}", s.salt)).remove(0);
        case.id = format!("crm-{}", mode.name());
        let Some((rsv, _)) = s
            .acquire_for(
                ledger,
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                &case.id,
            )
            .await
        else {
            continue;
        };
        s.crm.set_mode(mode).await;
        let x = s.exec(ledger, case.with_token(&rsv), Some(&a)).await;
        s.crm.set_mode(CrmMode::Created).await;
        match x {
            Err(TransportError::Timeout { secs, .. }) => ledger.push(Evaluation::new(
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                Some(b),
                &case.id,
                Outcome::Fail(format!(
                    "no answer within {secs:.1}s while the CRM was failing ({})",
                    mode.name()
                )),
            )),
            Err(e) => ledger.push(Evaluation::new(
                "DMC12-CRM-BESTEFFORT-001",
                "crm-fault-success",
                Some(b),
                &case.id,
                Outcome::Error(e.to_string()),
            )),
            Ok(x) => {
                s.record(ledger, &case.id, &case, x.accepted());
                let scanner = LeakScanner::new(case.canaries());
                ledger.extend(judge_crm_fault(
                    &x.obs(b, &case.id, &scanner),
                    &s.ctx(s.crm_enabled(mode)),
                ));
            }
        }
        s.release(ledger, &rsv, &a).await;
    }
}

async fn crm_disabled(s: &mut Session<'_>, ledger: &mut Ledger) {
    let b = s.binding;
    let a = s.target_tokens.agent_a.clone();
    let mut case = generate::edge_cases(&format!("{}d", s.salt)).remove(2);
    case.id = "crm-disabled".into();
    if let Err(why) = load_inventory(s, ledger).await {
        ledger.extend(not_tested(
            &[("DMC12-CRM-DISABLED-001", "crm-disabled")],
            Some(b),
            &case.id,
            &why,
        ));
        return;
    }
    let (rsv, _) = match s.acquire(ledger, &a, None).await {
        Ok(r) => r,
        Err(why) => {
            ledger.extend(not_tested(
                &[("DMC12-CRM-DISABLED-001", "crm-disabled")],
                Some(b),
                &case.id,
                &why,
            ));
            return;
        }
    };
    match s.exec(ledger, case.with_token(&rsv), Some(&a)).await {
        Err(e) => ledger.push(Evaluation::new(
            "DMC12-CRM-DISABLED-001",
            "crm-disabled",
            Some(b),
            &case.id,
            Outcome::Error(e.to_string()),
        )),
        Ok(x) => {
            s.record(ledger, &case.id, &case, x.accepted());
            let scanner = LeakScanner::new(case.canaries());
            ledger.extend(judge_crm_disabled(
                &x.obs(b, &case.id, &scanner),
                &s.ctx(CrmSetup::Disabled),
            ));
        }
    }
    s.release(ledger, &rsv, &a).await;
}

/// Scans after every call has been made: the log, the store, and every mail and CRM body for
/// canaries of rejected calls.
pub(crate) async fn end_of_run_scans(
    target: &Target,
    sink: &SmtpSink,
    crm: &CrmMock,
    transports: &[Binding],
    ledger: &mut Ledger,
) {
    let mails = sink.mails();
    let crm_reqs = crm.requests().await;
    for &b in transports {
        let all = scanner_for(ledger.cases.iter().filter(|c| c.binding == b));
        // Log.
        let outcome = match target.log_bytes() {
            None => Outcome::NotTested("the harness cannot see the target's log output".into()),
            Some(log) => {
                let f = all.scan("server log", &log);
                crate::suites::dmc12::judge::leak_outcome(&f)
            }
        };
        ledger.push(Evaluation::new(
            "DMC12-PII-LOG-001",
            "leak-log",
            Some(b),
            "end-of-run",
            outcome,
        ));
        // Store: plaintext, and (SHOULD) hashes of accepted hand-offs.
        let mut seen_file = false;
        let mut findings = vec![];
        let mut hash_hits = 0;
        let accepted = scanner_for(ledger.cases.iter().filter(|c| c.binding == b && c.accepted));
        for f in target.db_files() {
            if let Ok(bytes) = tokio::fs::read(&f).await {
                seen_file = true;
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                findings.extend(all.scan(&format!("db file {name}"), &bytes));
                hash_hits += accepted.scan_hashes("db", &bytes).len();
            }
        }
        let (o1, o2) = if !seen_file {
            let why = "the harness cannot see the target's database".to_string();
            (Outcome::NotTested(why.clone()), Outcome::NotTested(why))
        } else {
            (
                crate::suites::dmc12::judge::leak_outcome(&findings),
                if accepted.canaries().is_empty() {
                    Outcome::NotTested("no accepted hand-off with scannable PII".into())
                } else if hash_hits > 0 {
                    Outcome::Pass
                } else {
                    Outcome::Fail(
                        "no SHA-256 digest of any accepted hand-off's PII found in the store"
                            .into(),
                    )
                },
            )
        };
        ledger.push(Evaluation::new(
            "DMC12-PII-STORE-001",
            "leak-store",
            Some(b),
            "end-of-run",
            o1,
        ));
        ledger.push(Evaluation::new(
            "DMC12-PII-STORE-002",
            "store-hashes",
            Some(b),
            "end-of-run",
            o2,
        ));
        // Late side effects of rejected calls.
        let rejected = scanner_for(
            ledger
                .cases
                .iter()
                .filter(|c| c.binding == b && !c.accepted),
        );
        let mut f = vec![];
        for m in &mails {
            f.extend(rejected.scan("mail", &m.raw));
        }
        for r in &crm_reqs {
            f.extend(rejected.scan("CRM request", r.body.as_bytes()));
        }
        ledger.push(Evaluation::new(
            "DMC12-PII-REJECTED-001",
            "rejected-no-side-effects",
            Some(b),
            "end-of-run",
            if f.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "PII of rejected calls reached mail or CRM: {}",
                    crate::suites::dmc12::judge::findings_text(&f)
                ))
            },
        ));
    }
}

/// The skills the agent card must list: the tools the fixture recipe calls and the hand-off.
/// With static VINs from the profile, the inventory tool is not called (BINDINGS.md §3).
fn card_skills(opts: &RunOptions) -> Vec<&str> {
    opts.fixture_tools
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 0 || opts.fixture_vins.is_none())
        .map(|(_, t)| t.as_str())
        .chain([tools::INITIATE_DEAL_HANDOFF])
        .collect()
}

/// Run the suite: discover the transports the target offers, run every scenario over each,
/// then scan every surface for leaked canaries. A target that answered another suite but
/// offers no DMC-12 gets the suite skipped, not the run.
pub(crate) async fn run(cx: &mut RunCx<'_>) -> Result<SuiteRun, TckError> {
    let opts = cx.opts;
    match discover(opts, cx.target, cx.ledger).await {
        Ok(discovery) => {
            let transports = run_suite(
                opts,
                cx.target,
                &discovery,
                cx.sink,
                cx.crm,
                (cx.store_id, cx.crm_token),
                cx.ledger,
            )
            .await?;
            end_of_run_scans(cx.target, cx.sink, cx.crm, &transports, cx.ledger).await;
            let skipped = discovery
                .missing
                .iter()
                .map(|(b, why)| crate::report::Skipped {
                    name: b.name().to_string(),
                    reason: why.clone(),
                })
                .collect();
            Ok(SuiteRun {
                reported: true,
                transports,
                skipped,
            })
        }
        Err(TckError::Unreachable(why)) if cx.others_ran => Ok(SuiteRun {
            reported: true,
            transports: vec![],
            skipped: vec![crate::report::Skipped {
                name: super::SHIPPED.suite.to_string(),
                reason: why,
            }],
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
