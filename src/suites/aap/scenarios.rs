//! The AAP suites runner: [`run_suites`] reads the agent card and answers with an
//! [`AapOutcome`] — the AAP v0.2 suite ran when the card lists `lead.submit`, the draft suite
//! when it lists `lead.general` (each an [`AapSuiteRun`] over every A2A binding the card offers,
//! in the run's [`A2aProfile`](crate::transport::a2a::A2aProfile)), the others skipped with
//! why. Fixtures come from `inventory.search` (or the target profile: [`AapVehicles`],
//! [`AapTimes`]); every answer and the ADF documents the CRM mock received are judged, so that
//! the report shows the AAP suites beside DMC-12.

use crate::check::{Evaluation, Outcome};
use crate::error::TckError;
use crate::generate::CaseSource;
use crate::observe::crm::CrmMock;
use crate::observe::leak::mask_value;
use crate::report::Counterexample;
use crate::run::{Ledger, RunCx, RunOptions, SuiteRun};
use crate::suites::Suite;
use crate::suites::aap::judge::{
    AapObs, AdfDoc, CrmExpect, DocIndex, ReceivedLead, case_keys, check_id, claimable,
    judge_adf_received, judge_adf_rejected, judge_appointment, judge_duplicate, judge_duplicate_id,
    judge_lead_ids, judge_received, judge_rejected, judge_response, lead_id, lead_status,
};
use crate::suites::aap::{
    AapCase, AapExpect, AapFixtures, AapSuite, FixtureVehicle, PlanSettings, Role, plan,
};
use crate::transport::{Binding, Client, ClientConfig, Exchange, Reply, TransportError, a2a};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;

pub use crate::suites::aap::AapTimes;

/// The skill that lists the dealer's vehicles (the default source of the vehicle fixtures).
pub const INVENTORY_SKILL: &str = "inventory.search";

/// Vehicle fixtures from the target profile (BINDINGS.md §3). A value given here wins over
/// `inventory.search`; a fixture that neither gives leaves its cases NOT_TESTED.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AapVehicles {
    /// VIN of a vehicle the dealer has (test drives of it succeed).
    pub in_stock: Option<String>,
    /// VIN of a sold or held vehicle (→ VEHICLE_UNAVAILABLE with a test drive).
    pub sold: Option<String>,
    /// A VIN the dealer does not have (→ VEHICLE_NOT_FOUND with a test drive).
    pub unknown: Option<String>,
}

/// The A2A endpoints of a card, `(binding, url)`, sorted, restricted to `only` when given.
pub fn a2a_endpoints(card: &a2a::AgentCard, only: Option<&[Binding]>) -> Vec<(Binding, String)> {
    let mut endpoints: Vec<(Binding, String)> = vec![];
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
    if let Some(only) = only {
        endpoints.retain(|(b, _)| only.contains(b));
    }
    endpoints.sort();
    endpoints
}

/// The CRM as the AAP suites see it: the mock and what a forwarded lead must carry.
#[derive(Clone, Copy)]
pub(crate) struct AapCrm<'a> {
    pub mock: &'a CrmMock,
    pub store_id: &'a str,
    pub token: &'a str,
    /// `[aap] forwards_leads`: every received lead with a customer must be forwarded.
    pub forwarding_required: bool,
}

/// What one case produced, kept for the end-of-suite judgements: the case (our own request) and
/// the few facts of the answer the CRM judgements need, never the answer's body (a hostile
/// server can make every body megabytes long; the suite sends hundreds of cases).
struct Sent {
    binding: Binding,
    case: AapCase,
    answer: Answered,
}

/// The facts of an answer [`judge_forwarded`] reads.
struct Answered {
    /// `data.status`.
    status: Option<String>,
    /// `data.lead_id`.
    lead_id: Option<String>,
    /// A protocol error or a bare HTTP status instead of an operation result.
    refused: bool,
}

impl Answered {
    fn of(ex: &Exchange) -> Answered {
        Answered {
            status: lead_status(ex).map(kept),
            lead_id: lead_id(ex).map(kept),
            refused: matches!(ex.reply, Reply::Protocol { .. } | Reply::Http { .. }),
        }
    }
}

/// The most bytes of a string the target sent that the run keeps verbatim past its exchange.
const KEPT_TEXT: usize = 1024;

/// A string the target sent (a lead id, a status), as the run keeps it for the judges that run
/// after the exchange is gone: itself up to [`KEPT_TEXT`] bytes, else its start and a SHA-256
/// digest of the whole, so two long strings still compare equal exactly when they were.
fn kept(s: &str) -> String {
    if s.len() <= KEPT_TEXT {
        return s.to_string();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(s.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut end = 64;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes, sha256 {hex})", &s[..end], s.len())
}

fn client_cfg(opts: &RunOptions) -> ClientConfig {
    ClientConfig {
        timeout: opts.call_timeout,
        skill_key: opts.skill_key.clone(),
        a2a_version: opts.a2a_version.clone(),
        meter: opts.meter.clone(),
        a2a_profile: opts.a2a_profile,
        ..ClientConfig::default()
    }
}

/// What the AAP suites share in one run: the agent card, read once by the first of them to
/// run, the A2A endpoints, the fixtures and the per-run salt; and per suite, whether the
/// target offers it.
struct Discovery {
    /// Suites the target offers, in registry order (the index salts their cases).
    offered: Vec<AapSuite>,
    /// Suites the target does not offer, with why.
    skipped: Vec<(AapSuite, String)>,
    endpoints: Vec<(Binding, String)>,
    fixtures: AapFixtures,
    fixture_note: Option<String>,
    salt: String,
}

/// Read the agent card and the fixtures for every AAP suite the clause filter keeps.
async fn discover(cx: &mut RunCx<'_>) -> Result<Discovery, TckError> {
    let opts = cx.opts;
    let selected: Vec<AapSuite> = AapSuite::ALL
        .into_iter()
        .filter(|s| Suite::selected(s, opts.clause_filter.as_deref()))
        .collect();
    let mut d = Discovery {
        offered: vec![],
        skipped: vec![],
        endpoints: vec![],
        fixtures: AapFixtures::none(),
        fixture_note: None,
        salt: String::new(),
    };
    let skip_all = |mut d: Discovery, why: &str| {
        d.skipped = selected.iter().map(|s| (*s, why.to_string())).collect();
        d
    };
    if opts.a2a_enabled == Some(false) {
        return Ok(skip_all(d, "A2A is disabled in the target profile"));
    }
    let cfg = client_cfg(opts);
    cx.ledger.stats.exchanges += 1;
    let card = match a2a::fetch_card(&cx.target.card_location(), &cfg).await {
        Ok(mut c) => {
            crate::run::override_a2a_urls(&mut c, &opts.a2a_urls, &cx.target.base_url());
            c
        }
        Err(
            e @ (TransportError::Connect { .. }
            | TransportError::Timeout { .. }
            | TransportError::TooLarge { .. }),
        ) => return Err(TckError::Unreachable(e.to_string())),
        Err(TransportError::Io { detail, .. })
            if detail.contains("HTTP 404") && opts.a2a_enabled.is_none() =>
        {
            return Ok(skip_all(d, "the target has no agent card"));
        }
        Err(e) => {
            return Err(TckError::Unusable(format!(
                "cannot use the agent card: {e}"
            )));
        }
    };
    for s in selected {
        if card.skills.iter().any(|k| k == s.skill()) {
            d.offered.push(s);
        } else {
            d.skipped
                .push((s, format!("the agent card lists no {} skill", s.skill())));
        }
    }
    d.endpoints = a2a_endpoints(&card, opts.transports.as_deref());
    if d.endpoints.is_empty() {
        for s in std::mem::take(&mut d.offered) {
            d.skipped.push((
                s,
                "no A2A interface of the agent card is among the transports tested".into(),
            ));
        }
        return Ok(d);
    }
    if d.offered.is_empty() {
        return Ok(d);
    }
    let token = cx.target.tokens.agent_a.clone();
    // A salt per run: the seed's part reproduces the cases, the nonce keeps customers unique
    // on a target that remembers leads across runs (duplicate detection).
    let seeded: String = CaseSource::new(opts.seed).salt().chars().take(4).collect();
    d.salt = format!("{seeded}{:06x}", crate::run::rand_u32() & 0xff_ffff);
    (d.fixtures, d.fixture_note) =
        load_fixtures(opts, &card, &d.endpoints, &cfg, &token, &d.salt, cx.ledger).await;
    Ok(d)
}

/// Run one AAP suite over every A2A binding of the agent card (the card and the fixtures are
/// read once per run, by the first AAP suite to run). `cx.crm` is judged only when the harness
/// sees the target's CRM (`crm_expected`; else the ADF clauses are NOT_TESTED).
pub(crate) async fn run(suite: AapSuite, cx: &mut RunCx<'_>) -> Result<SuiteRun, TckError> {
    let d = match cx.shared::<Arc<Discovery>>() {
        Some(d) => d.clone(),
        None => {
            let d = Arc::new(discover(cx).await?);
            cx.share(d.clone());
            d
        }
    };
    if let Some((_, why)) = d.skipped.iter().find(|(s, _)| *s == suite) {
        return Ok(SuiteRun::skipped(suite.id(), why.clone()));
    }
    let k = d.offered.iter().position(|s| *s == suite).unwrap_or(0);
    let opts = cx.opts;
    let crm = opts.crm_expected.then_some(AapCrm {
        mock: cx.crm,
        store_id: cx.store_id,
        token: cx.crm_token,
        forwarding_required: opts.codes.aap_forwards_leads,
    });
    let cfg = client_cfg(opts);
    let token = cx.target.tokens.agent_a.clone();
    let (endpoints, fixtures, fixture_note, salt) =
        (&d.endpoints, &d.fixtures, &d.fixture_note, &d.salt);
    let ledger = &mut *cx.ledger;
    let mut sent: Vec<Sent> = vec![];
    let mut received: Vec<ReceivedLead> = vec![];
    // The bindings side by side (up to --concurrency), each on a fork joined back in order.
    let runs: Vec<_> = endpoints
        .iter()
        .enumerate()
        .map(|(i, (binding, url))| {
            let on = BindingRun {
                suite,
                opts,
                cfg: &cfg,
                token: &token,
                fixtures,
                fixture_note,
                seed_salt: format!("{salt}{k}{i}"),
                ordinal: u8::try_from(k * endpoints.len() + i).unwrap_or(u8::MAX),
                binding: *binding,
                url,
            };
            run_binding(on, ledger.fork())
        })
        .collect();
    let ran: Vec<(Ledger, Vec<Sent>, Vec<ReceivedLead>)> = futures_util::stream::iter(runs)
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    for (fork, s, r) in ran {
        ledger.join(fork);
        sent.extend(s);
        received.extend(r);
    }
    ledger.push(judge_lead_ids(suite, &received));
    judge_forwarded(suite, &sent, crm, endpoints, ledger).await;
    Ok(SuiteRun {
        reported: true,
        transports: endpoints.iter().map(|(b, _)| *b).collect(),
        skipped: vec![],
    })
}

/// One binding of an AAP suite: what [`run_binding`] needs.
struct BindingRun<'a> {
    suite: AapSuite,
    opts: &'a RunOptions,
    cfg: &'a ClientConfig,
    token: &'a str,
    fixtures: &'a AapFixtures,
    fixture_note: &'a Option<String>,
    seed_salt: String,
    ordinal: u8,
    binding: Binding,
    url: &'a str,
}

/// Every planned case and the duplicate pair on one binding, on its own ledger.
async fn run_binding(
    on: BindingRun<'_>,
    mut fork: Ledger,
) -> (Ledger, Vec<Sent>, Vec<ReceivedLead>) {
    let (sent, received) = binding_cases(&on, &mut fork).await;
    (fork, sent, received)
}

async fn binding_cases(on: &BindingRun<'_>, ledger: &mut Ledger) -> (Vec<Sent>, Vec<ReceivedLead>) {
    let BindingRun {
        suite,
        opts,
        cfg,
        fixtures,
        fixture_note,
        ..
    } = *on;
    let (binding, url, token) = (&on.binding, on.url, on.token.to_string());
    let mut sent: Vec<Sent> = vec![];
    let mut received: Vec<ReceivedLead> = vec![];
    let client = Client::new(*binding, url, cfg.clone());
    let settings = PlanSettings {
        seed: opts.seed ^ (*binding as u64 + 1).wrapping_mul(0x9e37_79b9),
        salt: on.seed_salt.clone(),
        ordinal: on.ordinal,
        generated: opts.cases,
        invalid_per_rule: opts.invalid_per_rule,
    };
    let p = plan(suite, fixtures, &settings);
    for u in &p.untested {
        if let Some(clause) = suite.clause(u.role) {
            let why = match &fixture_note {
                Some(n) => format!("{} ({n})", u.why),
                None => u.why.clone(),
            };
            ledger.push(Evaluation::new(
                clause,
                check_id(u.role),
                Some(*binding),
                &u.case,
                Outcome::NotTested(why),
            ));
        }
    }
    // The units of `--partition`: each planned case, then the duplicate pair.
    let mut units = crate::run::Units::of(opts, crate::suites::Suite::id(&suite), binding.name());
    for case in p.cases {
        if !units.take(ledger) {
            continue;
        }
        let Some(exchange) = exec(&client, &case, &token, ledger).await else {
            continue;
        };
        let evals = judge_case(suite, *binding, &case, &exchange, opts);
        record(ledger, opts, *binding, &case, &evals);
        ledger.extend(evals);
        if let Some(id) = received_id(&exchange) {
            received.push(ReceivedLead {
                binding: *binding,
                case: case.id.clone(),
                lead_id: kept(id),
            });
        }
        sent.push(Sent {
            binding: *binding,
            case,
            answer: Answered::of(&exchange),
        });
    }
    // The same lead twice.
    if !units.take(ledger) {
        return (sent, received);
    }
    let dup = &p.duplicate;
    let first = exec(&client, dup, &token, ledger).await;
    let second = exec(&client, dup, &token, ledger).await;
    if let (Some(first), Some(second)) = (first, second) {
        let mut evals = vec![];
        for (n, ex) in [(1, &first), (2, &second)] {
            let id = format!("{}-{n}", dup.id);
            evals.extend(judge_response(
                &AapObs {
                    suite,
                    binding: *binding,
                    case_id: &id,
                    request: &dup.request,
                    exchange: ex,
                },
                &opts.codes,
            ));
            if let Some(lid) = received_id(ex) {
                received.push(ReceivedLead {
                    binding: *binding,
                    case: id,
                    lead_id: kept(lid),
                });
            }
        }
        evals.extend(judge_received(
            &AapObs {
                suite,
                binding: *binding,
                case_id: &format!("{}-1", dup.id),
                request: &dup.request,
                exchange: &first,
            },
            &opts.codes,
            Role::Accept,
        ));
        evals.push(judge_duplicate(
            suite,
            *binding,
            &dup.id,
            &first,
            &second,
            &opts.codes,
        ));
        evals.extend(judge_duplicate_id(
            suite, *binding, &dup.id, &first, &second,
        ));
        record(ledger, opts, *binding, dup, &evals);
        ledger.extend(evals);
    }

    (sent, received)
}

/// The fixtures: `inventory.search` when the card lists it, then the profile's values on top.
/// The note says why the inventory gave nothing, if it did not.
async fn load_fixtures(
    opts: &RunOptions,
    card: &a2a::AgentCard,
    endpoints: &[(Binding, String)],
    cfg: &ClientConfig,
    token: &str,
    salt: &str,
    ledger: &mut Ledger,
) -> (AapFixtures, Option<String>) {
    let mut note = None;
    let mut fx = AapFixtures {
        times: opts.aap_times.clone(),
        ..AapFixtures::none()
    };
    if card.skills.iter().any(|s| s == INVENTORY_SKILL) {
        if let Some((b, url)) = endpoints.first() {
            let client = Client::new(*b, url, cfg.clone());
            ledger.stats.exchanges += 1;
            match client.call(INVENTORY_SKILL, &json!({}), Some(token)).await {
                Ok(ex) => match inventory_vehicles(&ex) {
                    Ok(list) => fx = AapFixtures::from_inventory(&list, salt, fx.times.clone()),
                    Err(why) => note = Some(format!("{INVENTORY_SKILL} {why}")),
                },
                Err(e) => note = Some(format!("{INVENTORY_SKILL} failed: {e}")),
            }
        }
    } else {
        note = Some(format!(
            "the agent card lists no {INVENTORY_SKILL} and the target profile gives no such vehicle"
        ));
    }
    let v = &opts.aap_vehicles;
    if let Some(vin) = &v.in_stock {
        fx.in_stock = Some(FixtureVehicle::vin(vin));
    }
    if let Some(vin) = &v.sold {
        fx.sold = Some(FixtureVehicle::vin(vin));
    }
    if let Some(vin) = &v.unknown {
        fx.unknown_vin = Some(vin.clone());
    }
    (fx, note)
}

/// `data.vehicles` of an `inventory.search` answer.
fn inventory_vehicles(ex: &Exchange) -> Result<Vec<Value>, String> {
    match &ex.reply {
        Reply::Op { object, .. } => object
            .pointer("/data/vehicles")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| "answered no data.vehicles list".to_string()),
        Reply::Protocol { code, .. } => Err(format!("answered protocol error {code}")),
        Reply::Http { status } => Err(format!("answered HTTP {status}")),
        Reply::Unparseable { reason } => Err(format!("answered unparseably: {reason}")),
    }
}

/// Send one case; a transport failure becomes an ERROR evaluation of the case's clause.
async fn exec(
    client: &Client,
    case: &AapCase,
    token: &str,
    ledger: &mut Ledger,
) -> Option<Exchange> {
    // Once the target stopped answering, nothing more is sent.
    let result = match ledger.breaker_check(client.binding()) {
        Err(e) => Err(e),
        Ok(()) => {
            ledger.stats.exchanges += 1;
            ledger.count_case(client.binding());
            let r = client
                .call(case.suite.skill(), &case.request, Some(token))
                .await;
            ledger.noted(r, client)
        }
    };
    match result {
        Ok(ex) => Some(ex),
        Err(e) => {
            let role = case_role(case);
            if let Some(clause) = case.suite.clause(role) {
                ledger.push(Evaluation::new(
                    clause,
                    check_id(role),
                    Some(client.binding()),
                    &case.id,
                    Outcome::Error(e.to_string()),
                ));
            }
            None
        }
    }
}

/// The clause role a case tests first.
fn case_role(case: &AapCase) -> Role {
    match &case.expect {
        AapExpect::Received { role } | AapExpect::Rejected { role, .. } => *role,
        AapExpect::Appointment { fixture } => match fixture {
            crate::suites::aap::TimeFixture::Confirmable => Role::ApptConfirmed,
            crate::suites::aap::TimeFixture::Proposable => Role::ApptProposed,
            crate::suites::aap::TimeFixture::Unavailable => Role::ApptUnavailable,
        },
    }
}

/// The lead_id of a received lead.
fn received_id(ex: &Exchange) -> Option<&str> {
    (lead_status(ex) == Some("received"))
        .then(|| lead_id(ex))
        .flatten()
}

fn judge_case(
    suite: AapSuite,
    binding: Binding,
    case: &AapCase,
    exchange: &Exchange,
    opts: &RunOptions,
) -> Vec<Evaluation> {
    let obs = AapObs {
        suite,
        binding,
        case_id: &case.id,
        request: &case.request,
        exchange,
    };
    let mut evals = judge_response(&obs, &opts.codes);
    evals.extend(match &case.expect {
        AapExpect::Received { role } => judge_received(&obs, &opts.codes, *role),
        AapExpect::Rejected { role, code, .. } => judge_rejected(&obs, &opts.codes, *role, code),
        AapExpect::Appointment { fixture } => judge_appointment(&obs, &opts.codes, *fixture),
    });
    evals
}

/// Keep a counterexample (the masked request) for every clause a case failed.
fn record(
    ledger: &mut Ledger,
    opts: &RunOptions,
    binding: Binding,
    case: &AapCase,
    evals: &[Evaluation],
) {
    for e in evals {
        if matches!(e.outcome, Outcome::Fail(_)) {
            let key = format!("{}|{}", e.clause, binding.name());
            ledger
                .counterexamples
                .entry(key)
                .or_insert_with(|| Counterexample {
                    seed: opts.seed,
                    case: case.id.clone(),
                    shrink_steps: 0,
                    payload: masked_payload(&case.request),
                });
        }
    }
}

/// The request with the customer's contact, the consent text and the message masked.
pub fn masked_payload(req: &Value) -> Value {
    let mut v = req.clone();
    for ptr in [
        "/customer/first_name",
        "/customer/last_name",
        "/customer/email",
        "/customer/phone",
        "/consent/consent_text",
        "/message",
    ] {
        if let Some(slot) = v.pointer_mut(ptr)
            && let Some(s) = slot.as_str()
        {
            *slot = Value::String(mask_value(s));
        }
    }
    if let Some(Value::Object(addr)) = v.pointer_mut("/customer/address") {
        for slot in addr.values_mut() {
            if let Some(s) = slot.as_str() {
                *slot = Value::String(mask_value(s));
            }
        }
    }
    v
}

/// The ADF clauses, judged once every call of the suite has been made: each received lead with
/// a customer was forwarded as one valid, well-mapped document; no rejected lead was forwarded.
async fn judge_forwarded(
    suite: AapSuite,
    sent: &[Sent],
    crm: Option<AapCrm<'_>>,
    endpoints: &[(Binding, String)],
    ledger: &mut Ledger,
) {
    let Some(crm) = crm else {
        for (b, _) in endpoints {
            for role in [Role::Adf, Role::AdfMapping] {
                if let Some(clause) = suite.clause(role) {
                    ledger.push(Evaluation::new(
                        clause,
                        check_id(role),
                        Some(*b),
                        "crm",
                        Outcome::NotTested(
                            "the target's CRM is not wired to the harness's mock".into(),
                        ),
                    ));
                }
            }
        }
        return;
    };
    let wanted: std::collections::HashSet<String> = sent
        .iter()
        .flat_map(|s| case_keys(s.answer.lead_id.as_deref(), s.case.email(), s.case.phone()))
        .collect();
    let (requests, reports) = claimable(crm.mock, &wanted);
    let docs: Vec<AdfDoc<'_>> = requests
        .iter()
        .zip(reports)
        .map(|(request, report)| AdfDoc { request, report })
        .collect();
    let index = DocIndex::new(&docs);
    let expect = CrmExpect {
        store_id: crm.store_id,
        token: crm.token,
        forwarding_required: crm.forwarding_required,
    };
    for s in sent {
        // A lead that should have been refused but was received already fails its own clause;
        // what its (garbage-in) ADF looks like is not judged.
        let expected_rejected = matches!(s.case.expect, AapExpect::Rejected { .. });
        let status = s.answer.status.as_deref();
        let rejected = status == Some("rejected") || s.answer.refused;
        let email = s.case.email();
        let phone = s.case.phone();
        if rejected {
            if email.is_none() && phone.is_none() {
                continue;
            }
            let n = index.belonging(None, email, phone).len();
            ledger.push(judge_adf_rejected(suite, s.binding, &s.case.id, n));
        } else if status == Some("received")
            && !expected_rejected
            && s.case.request.get("customer").is_some()
        {
            let id = s.answer.lead_id.as_deref();
            let mine: Vec<&AdfDoc<'_>> = index.belonging(id, email, phone);
            let evals =
                judge_adf_received(suite, s.binding, &s.case.id, &s.case.request, &mine, expect);
            ledger.extend(evals);
        }
    }
}

#[cfg(test)]
mod tests;
