//! The DMC-12 scenarios, per transport: discovery and binding checks, auth, generated valid and
//! invalid cases (with shrinking), reservation state, SMTP and CRM faults, the CRM sink off,
//! and the end-of-run scans of the log, the store, the mails and the CRM.

use crate::check::{Evaluation, Outcome, bindings};
use crate::error::TckError;
use crate::generate::CaseSource;
use crate::observe::crm::CrmMock;
use crate::observe::smtp::SmtpSink;
use crate::run::partition::RESTART_UNIT;
use crate::run::{Ledger, RunCx, RunOptions, SuiteRun, Target, not_tested};
use crate::spec::tools;
use crate::transport::{Binding, Client};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Instant;

mod cases;
mod discover;
mod faults;
mod modern;
mod protocol;
mod scans;
mod session;
mod state;
use cases::*;
use discover::*;
use faults::*;
use modern::*;
use protocol::*;
use scans::*;
use session::*;
use state::*;

/// Run every scenario on each discovered binding: the transports side by side, up to
/// `--concurrency` at once, each on its own ledger ([`Ledger::fork`]) joined back in binding
/// order, so the report is the same at any concurrency. Returns the transports tested.
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
    let world = World::default();
    let shared_target: &Target = target;
    let mut sessions = vec![];
    for (slot, (binding, url)) in endpoints.iter().enumerate() {
        let mut fork = ledger.fork();
        if !binding.is_mcp()
            && let Some(card) = &disc.card
        {
            fork.push(bindings::judge_card(card, &skills, *binding));
        }
        let s = Session {
            opts,
            world: &world,
            share: (slot, endpoints.len()),
            units: crate::run::Units::of(opts, "dmc12", binding.name()),
            binding: *binding,
            client: Client::new(*binding, url, cfg.clone()),
            target_tokens: shared_target.tokens.clone(),
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
        sessions.push((s, fork));
    }
    let runs: Vec<_> = sessions
        .into_iter()
        .map(|(s, fork)| run_forked(s, shared_target, fork))
        .collect();
    let ran: Vec<(Result<(), TckError>, Ledger)> = futures_util::stream::iter(runs)
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut first_error = None;
    for (r, fork) in ran {
        ledger.join(fork);
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    // The CRM sink off needs a restart with another configuration; not after the breaker
    // tripped (the target is gone: no relaunch, the run ends with what it judged).
    let bindings_tested: Vec<Binding> = endpoints.iter().map(|(b, _)| *b).collect();
    if ledger.aborted.is_some() {
        return Ok(bindings_tested);
    }
    // The CRM sink off is one unit per transport, the i-th transport's in share i mod N + 1.
    let mine: Vec<bool> = endpoints
        .iter()
        .enumerate()
        .map(|(i, (b, _))| {
            opts.partition.is_none_or(|p| p.owns(i))
                && opts
                    .replay
                    .as_ref()
                    .is_none_or(|sel| sel.sends("dmc12", b.name(), RESTART_UNIT))
        })
        .collect();
    if !mine.contains(&true) {
        return Ok(bindings_tested);
    }
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
            let t = Instant::now();
            for ((binding, url), mine) in endpoints.iter().zip(mine) {
                if !mine {
                    continue;
                }
                let url = url.replace(&base, &new_base);
                let mut s = Session {
                    opts,
                    world: &world,
                    share: (0, 1),
                    units: crate::run::Units::new(None),
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
                crate::run::Units::resume(ledger, Some(RESTART_UNIT));
                crm_disabled(&mut s, ledger).await;
                crate::run::Units::resume(ledger, None);
            }
            ledger.stats.time_phase("dmc12/restart", t);
        }
    }
    Ok(bindings_tested)
}

/// One transport's scenarios on its own ledger (nothing once the breaker tripped).
async fn run_forked(
    mut s: Session<'_>,
    target: &Target,
    mut fork: Ledger,
) -> (Result<(), TckError>, Ledger) {
    let r = if fork.breaker_check(s.binding).is_err() {
        Ok(())
    } else {
        run_binding(&mut s, target, &mut fork).await
    };
    (r, fork)
}

async fn load_inventory(s: &mut Session<'_>, ledger: &mut Ledger) -> Result<(), String> {
    let a = s.target_tokens.agent_a.clone();
    let (slot, of) = s.share;
    if let Some(vins) = &s.opts.fixture_vins {
        s.vins = inventory_share(vins.clone(), slot, of);
        return Ok(());
    }
    let inventory_tool = s.opts.fixture_tools[0].clone();
    let d = s.tool(ledger, &inventory_tool, json!({}), &a).await?;
    s.vins = inventory_share(tools::vins(&d), slot, of);
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
    let t = Instant::now();
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
                let listed = m.list_tools(Some(&a)).await;
                tools_listed(s, ledger, &listed);
            }
        }
        Binding::McpModern => modern_protocol(s, ledger).await,
        Binding::A2aJsonrpc | Binding::A2aRest => a2a_protocol(s, ledger).await,
    }
    if let Err(why) = load_inventory(s, ledger).await {
        // Every case that needs a reservation is NOT_TESTED with this reason.
        s.fixture_error = Some(format!("the inventory fixture failed: {why}"));
    }
    ledger.stats.time_phase("dmc12/discovery", t);
    // The units of `--partition`, in this order: auth, the expiry, each boundary, generated
    // and invalid case, the reservation states, the SMTP faults, the CRM faults.
    let t = Instant::now();
    if s.units.take(ledger) {
        auth(s, ledger).await;
    }
    ledger.stats.time_phase("dmc12/auth", t);
    let expiry_unit = s.units.peek();
    let expiry = match s.units.take(ledger) {
        true => Some(start_expiry(s, ledger).await),
        false => None,
    };
    let t = Instant::now();
    valid_cases(s, ledger).await;
    ledger.stats.time_phase("dmc12/generated", t);
    let t = Instant::now();
    invalid_cases(s, ledger).await;
    ledger.stats.time_phase("dmc12/rules", t);
    let t = Instant::now();
    if s.units.take(ledger) {
        state_scenarios(s, ledger).await;
    }
    if let Some(expiry) = expiry {
        crate::run::Units::resume(ledger, Some(expiry_unit));
        finish_expiry(s, ledger, expiry).await;
    }
    ledger.stats.time_phase("dmc12/scenarios", t);
    let t = Instant::now();
    if s.units.take(ledger) {
        smtp_faults(s, ledger).await;
    }
    if s.units.take(ledger) {
        crm_faults(s, _target, ledger).await;
    }
    crate::run::Units::resume(ledger, None);
    ledger.stats.time_phase("dmc12/faults", t);
    Ok(())
}

/// BIND-MCP-TOOLS-001 for a tools/list answer, in either MCP era; on MCP, what tools/list
/// names is what the server advertises.
fn tools_listed(
    s: &mut Session<'_>,
    ledger: &mut Ledger,
    listed: &Result<crate::transport::Exchange, crate::transport::TransportError>,
) {
    match listed {
        Ok(ex) => {
            s.card_skills = tool_names(ex);
            ledger.push(bindings::judge_tools_list(ex, tools::INITIATE_DEAL_HANDOFF));
        }
        Err(e) => ledger.push(Evaluation::new(
            "BIND-MCP-TOOLS-001",
            "mcp-tools-list",
            Some(s.binding),
            "tools-list",
            Outcome::Error(e.to_string()),
        )),
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
    let t = Instant::now();
    let found = discover(opts, cx.target, cx.ledger).await;
    cx.ledger.stats.time_phase("dmc12/discovery", t);
    match found {
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
            let t = Instant::now();
            crate::run::Units::resume(cx.ledger, None);
            end_of_run_scans(cx.target, cx.sink, cx.crm, &transports, cx.ledger).await;
            cx.ledger.stats.time_phase("dmc12/scans", t);
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
        Err(TckError::Unreachable(why) | TckError::Unusable(why)) if cx.others_ran => {
            Ok(SuiteRun {
                reported: true,
                transports: vec![],
                skipped: vec![crate::report::Skipped {
                    name: super::SHIPPED.suite.to_string(),
                    reason: why,
                }],
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
