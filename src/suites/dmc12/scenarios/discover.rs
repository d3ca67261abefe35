//! Discovery ([`Discovery`]): which transports the target offers DMC-12 on (the agent card's interfaces, the MCP tool list), and why the others are skipped.

use super::*;
use crate::error::TckError;
use crate::run::{Ledger, RunOptions, Target};
use crate::spec::tools;
use crate::transport::mcp::McpClient;
use crate::transport::{Binding, Exchange, Reply, TransportError, a2a};
use serde_json::Value;

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
    pub(crate) fn advertised(&self, binding: Binding) -> Vec<String> {
        match (binding, &self.card) {
            (Binding::Mcp | Binding::McpModern, _) | (_, None) => vec![],
            (_, Some(c)) => c.skills.clone(),
        }
    }
}

/// The tool names of a tools/list answer.
pub(crate) fn tool_names(ex: &Exchange) -> Vec<String> {
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
                return Err(TckError::Unusable(format!(
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
        let era = opts.mcp_era;
        let wanted = |b: Binding| opts.transports.as_ref().is_none_or(|t| t.contains(&b));
        // The spec's probe (2026-07-28, backward compatibility): a modern request first.
        let modern_found = if era.tries(Binding::McpModern) && wanted(Binding::McpModern) {
            probe_modern(opts, target, &url, ledger, &mut endpoints, &mut missing).await?
        } else {
            missing.push((
                Binding::McpModern,
                format!("the MCP era chosen is {}", era.name()),
            ));
            false
        };
        if era.tries(Binding::Mcp) {
            let found = (&mut endpoints, &mut missing);
            probe_legacy(
                opts,
                target,
                &url,
                card.is_some(),
                ledger,
                found,
                modern_found,
            )
            .await?;
        } else {
            missing.push((
                Binding::Mcp,
                format!("the MCP era chosen is {}", era.name()),
            ));
        }
    } else if opts.mcp_enabled == Some(false) {
        for b in [Binding::Mcp, Binding::McpModern] {
            missing.push((b, "MCP is disabled in the target profile".to_string()));
        }
    }
    if let Some(only) = &opts.transports {
        endpoints.retain(|(b, _)| only.contains(b));
        missing.retain(|(b, _)| only.contains(b));
    }
    endpoints.sort();
    if opts.mcp_era == crate::transport::mcp::McpEra::Auto {
        one_era_only(&endpoints, &missing, ledger);
    }
    if endpoints.is_empty() {
        let why: Vec<String> = missing.iter().map(|(b, w)| format!("{b}: {w}")).collect();
        return Err(TckError::Unusable(format!(
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

/// What the probes found: the endpoints to test and the bindings left out, with why.
type Found<'a> = (
    &'a mut Vec<(Binding, String)>,
    &'a mut Vec<(Binding, String)>,
);

/// The 2025-11-25 probe: `initialize`, then tools/list names the hand-off. A server that does
/// not complete the handshake has no `mcp` transport (an error when the profile says MCP is
/// enabled, or the era was asked for by name).
async fn probe_legacy(
    opts: &RunOptions,
    target: &Target,
    url: &str,
    has_card: bool,
    ledger: &mut Ledger,
    (endpoints, missing): Found<'_>,
    modern_found: bool,
) -> Result<(), TckError> {
    let url = url.to_string();
    // The handshake is required when the era was asked for by name, or when the profile says
    // the target speaks MCP and the modern era did not answer.
    let must =
        opts.mcp_era.requires(Binding::Mcp) || (opts.mcp_enabled == Some(true) && !modern_found);
    let m = McpClient::new(&url, client_cfg(opts));
    let a = target.tokens.agent_a.clone();
    ledger.stats.exchanges += 1;
    match m.handshake(Some(&a)).await {
        Ok(h) if h.protocol_version.is_some() => {
            ledger.stats.exchanges += 1;
            if lists_the_handoff(&m, &a).await {
                endpoints.push((Binding::Mcp, url));
            } else {
                missing.push((
                    Binding::Mcp,
                    format!("MCP tools/list has no {}", tools::INITIATE_DEAL_HANDOFF),
                ));
            }
        }
        Ok(_) | Err(TransportError::Io { .. }) if !must => {
            missing.push((
                Binding::Mcp,
                format!("no MCP endpoint answered initialize at {url}"),
            ));
        }
        Ok(h) => {
            let era = if opts.mcp_era.requires(Binding::Mcp) {
                format!("--mcp-era {}: ", opts.mcp_era.name())
            } else {
                String::new()
            };
            return Err(TckError::Unusable(format!(
                "{era}the MCP endpoint {url} did not complete initialize (HTTP {}): the server does not speak MCP 2025-11-25",
                h.initialize.status
            )));
        }
        Err(e) => {
            if must || (!has_card && !modern_found) {
                return Err(TckError::Unreachable(e.to_string()));
            }
            missing.push((Binding::Mcp, format!("MCP did not answer: {e}")));
        }
    }
    Ok(())
}

/// The 2026-07-28 probe: `server/discover`, read as the spec's backward-compatibility section
/// reads it (a result, or a 400 with one of the era's own errors, means the era is spoken),
/// then tools/list in that era names the hand-off. Whether the `mcp-modern` transport is
/// tested; an era asked for by name that does not answer ends the run.
async fn probe_modern(
    opts: &RunOptions,
    target: &Target,
    url: &str,
    ledger: &mut Ledger,
    endpoints: &mut Vec<(Binding, String)>,
    missing: &mut Vec<(Binding, String)>,
) -> Result<bool, TckError> {
    let m = McpClient::modern(url, client_cfg(opts));
    let a = target.tokens.agent_a.clone();
    let must = opts.mcp_era.requires(Binding::McpModern);
    ledger.stats.exchanges += 1;
    let why_not = match m.discover(Some(&a)).await {
        Ok(ex) => match crate::check::mcp_modern::speaks_modern(&ex) {
            Ok(()) => {
                ledger.stats.exchanges += 1;
                if lists_the_handoff(&m, &a).await {
                    endpoints.push((Binding::McpModern, url.to_string()));
                    return Ok(true);
                }
                format!(
                    "MCP 2026-07-28 tools/list at {url} has no {}",
                    tools::INITIATE_DEAL_HANDOFF
                )
            }
            Err(why) => format!("{why} at {url}: the server does not speak MCP 2026-07-28"),
        },
        Err(e) if must => return Err(TckError::Unreachable(e.to_string())),
        Err(e) => format!("the MCP 2026-07-28 probe got no answer: {e}"),
    };
    if must {
        return Err(TckError::Unusable(format!(
            "--mcp-era {}: {why_not}",
            opts.mcp_era.name()
        )));
    }
    missing.push((Binding::McpModern, why_not));
    Ok(false)
}

/// A server the probe found speaking one MCP era only: the clauses of the other era (those
/// that apply to its transport alone, as the handshake or `server/discover`) are not
/// applicable to it, with what the probe saw.
fn one_era_only(
    endpoints: &[(Binding, String)],
    missing: &[(Binding, String)],
    ledger: &mut Ledger,
) {
    use crate::check::{Evaluation, Outcome};
    let tested = |b: Binding| endpoints.iter().any(|(x, _)| *x == b);
    for (absent, present) in [
        (Binding::Mcp, Binding::McpModern),
        (Binding::McpModern, Binding::Mcp),
    ] {
        let Some((_, why)) = missing.iter().find(|(b, _)| *b == absent) else {
            continue;
        };
        if !tested(present) || tested(absent) {
            continue;
        }
        let catalogue = crate::suites::dmc12::SHIPPED.catalogue();
        for c in catalogue
            .clauses
            .iter()
            .filter(|c| c.transports == [absent.name()])
        {
            let Some(check) = c.checks.first() else {
                continue;
            };
            ledger.push(Evaluation::new(
                &c.id,
                check,
                None,
                "mcp-era",
                Outcome::NotApplicable(format!("{} is not served ({why})", absent.name())),
            ));
        }
    }
}

/// Whether tools/list, in the era of `m`, names the hand-off (a probe's last question).
async fn lists_the_handoff(m: &McpClient, token: &str) -> bool {
    m.list_tools(Some(token)).await.is_ok_and(|ex| {
        tool_names(&ex)
            .iter()
            .any(|n| n == tools::INITIATE_DEAL_HANDOFF)
    })
}
