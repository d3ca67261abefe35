//! A session with the target over one transport ([`Session`]): sending a case, recording what it showed, the breaker that ends the run when the target stops answering.

use crate::check::{Evaluation, Outcome};
use crate::generate::CaseSource;
use crate::observe::crm::{CrmMock, CrmMode};
use crate::observe::leak::{LeakScanner, mask_value};
use crate::observe::smtp::SmtpSink;
use crate::run::{CaseRecord, Ledger, RunOptions, not_tested};
use crate::spec::{PII_FIELDS, tools};
use crate::suites::dmc12::judge::{CaseObs, CrmSetup, JudgeCtx, judge_accepted, judge_rejected};
use crate::suites::dmc12::plan::{self as generate, Dmc12Case, Expect};
use crate::transport::{
    Binding, Client, ClientConfig, Exchange, RawRequest, Reply, TransportError,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What one call produced.
pub(crate) struct Executed {
    pub(crate) request: Value,
    pub(crate) exchange: Exchange,
    pub(crate) mails: Vec<crate::observe::smtp::CapturedMail>,
    pub(crate) crm: Vec<crate::observe::crm::CrmRequest>,
    pub(crate) t0: DateTime<Utc>,
    pub(crate) t1: DateTime<Utc>,
    /// The request's canaries, built once: it tells this call's side effects apart and the
    /// judges scan every surface with it.
    pub(crate) scanner: LeakScanner,
}

impl Executed {
    pub(crate) fn obs<'a>(&'a self, binding: Binding, id: &'a str) -> CaseObs<'a> {
        CaseObs {
            binding,
            case_id: id,
            request: &self.request,
            exchange: &self.exchange,
            mails: &self.mails,
            crm: &self.crm,
            t0: self.t0,
            t1: self.t1,
            scanner: &self.scanner,
        }
    }
    pub(crate) fn accepted(&self) -> bool {
        matches!(&self.exchange.reply, Reply::Op { object, .. } if object.get("error").is_none() && object.get("data").is_some())
    }
}

pub(crate) struct Session<'a> {
    pub(crate) opts: &'a RunOptions,
    pub(crate) world: &'a World,
    /// This session's share of the inventory: (slot, number of shares).
    pub(crate) share: (usize, usize),
    /// The units of `--partition` this session sends.
    pub(crate) units: crate::run::Units,
    pub(crate) binding: Binding,
    pub(crate) client: Client,
    pub(crate) target_tokens: crate::run::Tokens,
    pub(crate) sink: &'a SmtpSink,
    pub(crate) crm: &'a CrmMock,
    pub(crate) store_id: String,
    pub(crate) crm_token: String,
    pub(crate) vins: Vec<String>,
    pub(crate) next_vin: usize,
    pub(crate) source: CaseSource,
    pub(crate) salt: String,
    pub(crate) card_skills: Vec<String>,
    pub(crate) fixture_error: Option<String>,
    /// When the holds this session could not release expire (the server keeps a soft hold
    /// after a hand-off, or refuses a release: seed 000 says the reservation "is still a soft
    /// hold"). Once one is seen, later holds are asked for [`SHORT_HOLD_SECONDS`] so that the
    /// inventory comes back by itself.
    pub(crate) stuck: Vec<DateTime<Utc>>,
    /// Whether the target refused a release: later holds are short.
    pub(crate) short_holds: bool,
    /// The announced `expires_at` of every hold not yet released.
    pub(crate) expiries: std::collections::HashMap<String, DateTime<Utc>>,
}

/// `hold_seconds` of every reservation after the target refused a release.
pub(crate) const SHORT_HOLD_SECONDS: u64 = 8;

/// The longest the runner waits for a stuck hold to expire before a case is NOT_TESTED.
pub(crate) const MAX_HOLD_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a mail or CRM body that arrived while a call was in flight is that call's: it
/// carries the call's canaries, or it carries none of an earlier case's (a side effect without
/// any customer data can only be judged as this call's). One carrying only an earlier case's
/// canaries is that case's late side effect: the end-of-run scans judge it.
pub(crate) fn is_this_calls(own: &LeakScanner, ledger: &Ledger, body: &[u8]) -> bool {
    if !own.scan("side effect", body).is_empty() {
        return true;
    }
    !ledger.earlier_carries("side effect", body)
}

/// What the sessions of one run share when the transports run side by side: the target's
/// side effects. A hand-off's mails and CRM requests are told apart by the window of its call
/// ([`Session::exec`]), and a fault puts the sink or the CRM in a mode for every sender, so
/// one hand-off window is open at a time; reservations, releases, discovery and the waits
/// for a hold to expire run beside it.
#[derive(Default)]
pub(crate) struct World {
    side_effects: tokio::sync::Mutex<()>,
}

/// The one open side-effect window ([`World::window`]).
pub(crate) type Window<'a> = tokio::sync::MutexGuard<'a, ()>;

impl World {
    /// Wait for the side-effect window.
    pub(crate) async fn window(&self) -> Window<'_> {
        self.side_effects.lock().await
    }
}

/// The share of the inventory a session reserves from when `of` transports run side by side:
/// each VIN belongs to one share by a hash of the VIN itself, so shares never overlap whatever
/// list each session's inventory call returned, and the same VINs serve a transport at any
/// concurrency. A share of fewer than two vehicles takes the whole list (the sessions may then
/// contend for a vehicle and retry, which changes nothing but the number of exchanges).
pub(crate) fn inventory_share(vins: Vec<String>, slot: usize, of: usize) -> Vec<String> {
    if of <= 1 {
        return vins;
    }
    let fnv = |v: &str| {
        v.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let share: Vec<String> = vins
        .iter()
        .filter(|v| (fnv(v) % of as u64) as usize == slot)
        .cloned()
        .collect();
    if share.len() < 2 { vins } else { share }
}

impl Session<'_> {
    /// Flag an operation the agent card (A2A) or tools/list (MCP) advertises that then does
    /// not answer: A2A "method not found", 404 or 501; on MCP -32601 or MCP's "Unknown tool"
    /// (-32602 naming the tool as unknown).
    pub(crate) fn advertised_but_silent(&self, ledger: &mut Ledger, tool: &str, ex: &Exchange) {
        if !self.card_skills.iter().any(|k| k == tool) {
            return;
        }
        let mcp = self.binding.is_mcp();
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

    pub(crate) fn ctx<'s>(&'s self, crm: CrmSetup<'s>) -> JudgeCtx<'s> {
        JudgeCtx {
            rules: &self.opts.codes,
            crm,
            clock_skew: self.opts.clock_skew,
            desk: &self.opts.desk,
        }
    }

    pub(crate) fn crm_enabled(&self, mode: CrmMode) -> CrmSetup<'_> {
        if !self.opts.crm_expected {
            return CrmSetup::Unobserved;
        }
        CrmSetup::Enabled {
            store_id: &self.store_id,
            token: &self.crm_token,
            mode,
        }
    }

    /// Send a hand-off and collect the mails and CRM requests of its window.
    pub(crate) async fn exec(
        &self,
        ledger: &mut Ledger,
        request: Value,
        token: Option<&str>,
    ) -> Result<Executed, TransportError> {
        // Built before the window opens: the window is what the transports queue for.
        let own = LeakScanner::new(generate::pii_values(&request));
        let window = self.world.window().await;
        self.exec_with(&window, ledger, request, token, own).await
    }

    /// [`Session::exec`] in a side-effect window the caller holds (a fault scenario sets the
    /// sink's or the CRM's mode inside the same window).
    pub(crate) async fn exec_in(
        &self,
        window: &Window<'_>,
        ledger: &mut Ledger,
        request: Value,
        token: Option<&str>,
    ) -> Result<Executed, TransportError> {
        let own = LeakScanner::new(generate::pii_values(&request));
        self.exec_with(window, ledger, request, token, own).await
    }

    async fn exec_with(
        &self,
        _window: &Window<'_>,
        ledger: &mut Ledger,
        request: Value,
        token: Option<&str>,
        own: LeakScanner,
    ) -> Result<Executed, TransportError> {
        ledger.breaker_check(self.binding)?;
        let mark = self.sink.mark();
        let crm_mark = self.crm.mark().await;
        let t0 = Utc::now();
        let exchange = self
            .client
            .call(tools::INITIATE_DEAL_HANDOFF, &request, token)
            .await;
        let t1 = Utc::now();
        ledger.stats.exchanges += 1;
        ledger.count_case(self.binding);
        let exchange = ledger.noted(exchange, &self.client)?;
        self.advertised_but_silent(ledger, tools::INITIATE_DEAL_HANDOFF, &exchange);
        let mut mails = self.sink.since(mark);
        mails.retain(|m| is_this_calls(&own, ledger, &m.raw));
        let mut crm = self.crm.since(crm_mark).await;
        crm.retain(|r| is_this_calls(&own, ledger, r.body.as_bytes()));
        Ok(Executed {
            request,
            exchange,
            mails,
            crm,
            t0,
            t1,
            scanner: own,
        })
    }

    /// Send a hand-built request, through the same breaker as every other exchange: a target
    /// that stops answering mid-run ends the run (exit 3) after `crate::run::BREAKER_LIMIT` failures.
    pub(crate) async fn raw(
        &self,
        ledger: &mut Ledger,
        req: RawRequest,
    ) -> Result<Exchange, TransportError> {
        ledger.breaker_check(self.binding)?;
        ledger.stats.exchanges += 1;
        let ex = self.client.raw(req).await;
        ledger.noted(ex, &self.client)
    }

    pub(crate) async fn tool(
        &self,
        ledger: &mut Ledger,
        tool: &str,
        args: Value,
        token: &str,
    ) -> Result<Value, String> {
        ledger
            .breaker_check(self.binding)
            .map_err(|e| e.to_string())?;
        ledger.stats.exchanges += 1;
        let ex = self.client.call(tool, &args, Some(token)).await;
        let ex = ledger.noted(ex, &self.client).map_err(|e| e.to_string())?;
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
            Reply::Protocol { code, .. } => Err(format!("{tool} answered protocol error {code}")),
            Reply::Http { status } => Err(format!("{tool} answered HTTP {status} without a body")),
            Reply::Unparseable { reason } => Err(format!(
                "{tool} answered something unparseable: {}",
                reason.chars().take(160).collect::<String>()
            )),
        }
    }

    /// Reserve some vehicle as `token`, trying the inventory round-robin.
    pub(crate) async fn acquire(
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
                            ledger.note_fixture(t);
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
    pub(crate) async fn acquire_for(
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
    pub(crate) async fn release(&mut self, ledger: &mut Ledger, rsv: &str, token: &str) {
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

    pub(crate) fn record(&self, ledger: &mut Ledger, id: &str, case: &Dmc12Case, accepted: bool) {
        let _ = id;
        ledger.record_case(CaseRecord {
            binding: self.binding,
            canaries: case.canaries(),
            accepted,
        });
    }

    /// Run one valid case on a fresh reservation; returns the evaluations (not yet recorded).
    pub(crate) async fn valid_case(
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
                judge_accepted(
                    &x.obs(self.binding, &case.id),
                    &self.ctx(self.crm_enabled(CrmMode::Created)),
                    &extra,
                )
            }
        }
    }

    /// Run one invalid case on `rsv` (a live reservation of agent A).
    pub(crate) async fn invalid_case(
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
                let ev = judge_rejected(
                    &x.obs(self.binding, &case.id),
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

pub(crate) fn failing_clauses(evals: &[Evaluation]) -> Vec<String> {
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

pub(crate) fn client_cfg(opts: &RunOptions) -> ClientConfig {
    ClientConfig {
        timeout: opts.call_timeout,
        skill_key: opts.skill_key.clone(),
        a2a_version: opts.a2a_version.clone(),
        meter: opts.meter.clone(),
        ..ClientConfig::default()
    }
}
