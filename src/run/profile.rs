//! [`Profile`]: the target profile (TOML) — how to reach or launch a server under test and how
//! it legitimately differs from BINDINGS.md's defaults (where the A2A skill id goes, where error
//! codes live, which codes mean "validation error"), its bearer tokens (read from environment
//! variables the profile names, never written anywhere), fixture recipes, and the extra
//! surfaces (SQLite file, log file) the leak scan may read. `dealer-tck init` writes
//! [`TEMPLATE`].

use crate::error::TckError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole profile. Unknown keys and wrong types are errors naming the key and the line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Where the server is, or how to launch it.
    #[serde(default)]
    pub target: TargetSection,
    /// A2A choices.
    #[serde(default)]
    pub a2a: A2aSection,
    /// MCP choices.
    #[serde(default)]
    pub mcp: McpSection,
    /// Error-code locations and validation codes.
    #[serde(default)]
    pub codes: CodesSection,
    /// Environment variables holding bearer tokens.
    #[serde(default)]
    pub tokens: TokensSection,
    /// Fixture recipes (BINDINGS.md §3).
    #[serde(default)]
    pub fixtures: FixturesSection,
    /// The side effects and surfaces the harness observes.
    #[serde(default)]
    pub observe: ObserveSection,
    /// AAP fixtures (BINDINGS.md §3).
    #[serde(default)]
    pub aap: AapSection,
}

/// `[aap]`: fixtures of the AAP suites (default: `inventory.search` and the reference's
/// documented appointment rules).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AapSection {
    /// A VIN the dealer has.
    pub in_stock_vin: Option<String>,
    /// A sold or held VIN (→ VEHICLE_UNAVAILABLE with a test drive).
    pub sold_vin: Option<String>,
    /// A VIN the dealer does not have (→ VEHICLE_NOT_FOUND with a test drive).
    pub unknown_vin: Option<String>,
    /// An appointment time the dealer books as asked (RFC 3339).
    pub confirmable_time: Option<String>,
    /// A time it can only offer alternatives for (→ proposed).
    pub proposable_time: Option<String>,
    /// A time it cannot honour and has no alternative for (→ APPOINTMENT_TIME_UNAVAILABLE).
    pub unavailable_time: Option<String>,
    /// Tighten how APPOINTMENT_TIME_UNAVAILABLE leaves the lead: true requires it received,
    /// false requires it rejected; unset accepts both (seed 002: "The lead may still be
    /// received even when the appointment portion fails").
    pub appointment_failure_keeps_lead: Option<bool>,
    /// The same for VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE with a test drive (unset: both).
    pub vehicle_failure_keeps_lead: Option<bool>,
    /// Require every received lead with a customer to be forwarded to the CRM as ADF (unset:
    /// forwarding is not asserted, only what is forwarded is judged).
    pub forwards_leads: Option<bool>,
    /// Require lead.submit's data.dealer.phone to be E.164 (unset: not asserted; seed 002
    /// gives no format).
    pub submit_dealer_phone_e164: Option<bool>,
}

/// `[target]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSection {
    /// Base URL of an already running server (agent card at `/.well-known/agent-card.json`).
    pub base_url: Option<String>,
    /// Agent card URL, if not under `base_url`.
    pub agent_card: Option<String>,
    /// Launch command template (placeholders `{port}` `{smtp_host}` `{smtp_port}` `{crm_url}`
    /// `{crm_token}` `{store_id}` `{db}` `{base_url}`).
    pub launch: Option<String>,
    /// Launch template for the CRM-disabled restart (default: `launch` with `{crm_url}` empty).
    pub launch_crm_disabled: Option<String>,
    /// Seconds to wait for a launched server to answer (default 30).
    pub ready_timeout_secs: Option<f64>,
    /// Transports to test (default: every one the target offers).
    pub transports: Option<Vec<String>>,
    /// Bound on one exchange, seconds (default 10).
    pub timeout_secs: Option<f64>,
    /// Most requests in flight to the target (default: twice the CPUs; 1 for a server that
    /// handles one request at a time).
    pub concurrency: Option<usize>,
}

/// `[a2a]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct A2aSection {
    /// Where the skill id goes: a key of `message.metadata` (default `skill`) or a dotted path
    /// from the SendMessage params (`message.metadata.skillId`, `metadata.skill`).
    pub skill_path: Option<String>,
    /// `A2A-Version` header value (default `1.0`).
    pub version: Option<String>,
    /// Whether the target speaks A2A at all (default: discovered from the agent card).
    pub enabled: Option<bool>,
    /// A2A protocol profile of the AAP suites: "1.0" (default) or "0.3".
    pub profile: Option<crate::transport::a2a::A2aProfile>,
    /// JSON-RPC endpoint (a path under the base URL or an absolute URL) replacing the URL of
    /// the agent card's JSONRPC interface.
    pub jsonrpc_url: Option<String>,
    /// HTTP+JSON endpoint replacing the URL of the card's HTTP+JSON interface.
    pub rest_url: Option<String>,
}

/// `[mcp]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpSection {
    /// MCP endpoint: a path under the base URL or an absolute URL (default `/mcp`).
    pub url: Option<String>,
    /// Whether the target speaks MCP (default: probed).
    pub enabled: Option<bool>,
    /// Which eras to certify: auto (the default: the spec's probe decides), legacy
    /// (2025-11-25), modern (2026-07-28) or both.
    pub era: Option<crate::transport::mcp::McpEra>,
}

/// `[codes]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodesSection {
    /// JSON pointers into the result object where an operation error code may be (default
    /// `["/error/code"]`; A2A `error.data[].reason` is always tried after them).
    pub pointers: Option<Vec<String>>,
    /// Codes that count as a request-validation rejection (default `["VALIDATION_ERROR"]`).
    pub validation: Option<Vec<String>>,
    /// Whether a JSON-RPC -32602 on MCP counts as a validation rejection (default false).
    pub mcp_invalid_params_is_validation: Option<bool>,
}

/// `[tokens]`: names of environment variables, never the tokens themselves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// Agent A (scope deal:handoff).
    pub agent_a_env: Option<String>,
    /// Agent B (another agent with deal:handoff).
    pub agent_b_env: Option<String>,
    /// A token without deal:handoff.
    pub unscoped_env: Option<String>,
}

/// `[fixtures]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturesSection {
    /// Static VINs to reserve, instead of calling the inventory tool.
    pub vins: Option<Vec<String>>,
    /// Tool listing the inventory (default `search_inventory`).
    pub inventory_tool: Option<String>,
    /// Tool creating a reservation (default `create_reservation`).
    pub reserve_tool: Option<String>,
    /// Tool releasing a reservation (default `release_reservation`).
    pub release_tool: Option<String>,
}

/// `[observe]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserveSection {
    /// Fixed port for the SMTP sink (an already running server sends there).
    pub smtp_port: Option<u16>,
    /// Fixed port for the CRM mock.
    pub crm_port: Option<u16>,
    /// Whether the server's CRM sink is wired to the mock (default true when launched).
    pub crm_expected: Option<bool>,
    /// Store id the server posts leads for.
    pub crm_store_id: Option<String>,
    /// Environment variable holding the CRM bearer token the server sends.
    pub crm_token_env: Option<String>,
    /// The server's CRM timeout in milliseconds (the "slow" fault waits longer than this).
    pub crm_timeout_ms: Option<u64>,
    /// SQLite (or other) database file the leak scan may read.
    pub db: Option<PathBuf>,
    /// Log file of the server the leak scan may read.
    pub log: Option<PathBuf>,
    /// The dealer-desk recipients the server sends the deal-intent email to, if known.
    pub desk: Option<Vec<String>>,
}

/// The dotted key (`observe.smtp_port`) whose value holds byte `offset` of `src`: the nearest
/// `key =` line at or above it, under the nearest `[table]` header above that.
fn key_at(src: &str, offset: usize) -> Option<String> {
    let head = src.get(..offset.min(src.len()))?;
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    let upto_line_end = match src[line_start..].find('\n') {
        Some(i) => &src[..line_start + i],
        None => src,
    };
    let mut key = None;
    let mut table = None;
    for line in upto_line_end.lines().rev() {
        let t = line.trim();
        if t.starts_with('[') {
            table = Some(t.trim_matches(|c| c == '[' || c == ']').trim().to_string());
            break;
        }
        if key.is_none()
            && !t.starts_with('#')
            && let Some((k, _)) = t.split_once('=')
        {
            let k = k.trim().trim_matches('"');
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                key = Some(k.to_string());
            }
        }
    }
    let key = key?;
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key,
    })
}

/// The commented template `dealer-tck init` writes.
pub const TEMPLATE: &str = include_str!("profile-template.toml");

impl Profile {
    /// Parse a profile; errors name the file, the line and the key.
    pub fn parse(src: &str, origin: &str) -> Result<Profile, TckError> {
        toml::from_str(src).map_err(|e| {
            let line = e
                .span()
                .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1);
            let mut msg = e.message().replace('\n', " ");
            if let Some(key) = e.span().and_then(|s| key_at(src, s.start)) {
                let bare = key.rsplit('.').next().unwrap_or(&key);
                if !msg.contains(bare) {
                    msg = format!("{key}: {msg}");
                }
            }
            TckError::Config(match line {
                Some(l) => format!("{origin}, line {l}: {msg}"),
                None => format!("{origin}: {msg}"),
            })
        })
    }

    /// Read and parse a profile file.
    pub fn load(path: &Path) -> Result<Profile, TckError> {
        let src = std::fs::read_to_string(path).map_err(|e| {
            TckError::Config(format!("cannot read profile {}: {e}", path.display()))
        })?;
        Profile::parse(&src, &path.display().to_string())
    }

    /// Read a token from the environment variable `var` (None if unset); the value is never
    /// printed.
    pub fn env_token(var: &Option<String>) -> Result<Option<String>, TckError> {
        match var {
            None => Ok(None),
            Some(v) => match std::env::var(v) {
                Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_string())),
                _ => Err(TckError::Config(format!(
                    "environment variable {v} (named in the profile) is not set"
                ))),
            },
        }
    }
}

/// The most requests in flight `--concurrency` (or `[target] concurrency`) allows.
pub const MAX_CONCURRENCY: usize = 64;

fn positive_secs(v: f64, key: &str) -> Result<std::time::Duration, TckError> {
    if v.is_finite() && v > 0.0 && v <= 3600.0 {
        Ok(std::time::Duration::from_secs_f64(v))
    } else {
        Err(TckError::Config(format!(
            "{key} must be a number of seconds in (0, 3600], got {v}"
        )))
    }
}

/// Apply the target flags of `run` and `examples` (`--launch`, `--target`, `--ready-timeout`)
/// over what a profile set. `--launch` replaces the profile's launch command and keeps its
/// `ready_timeout_secs` and `launch_crm_disabled`; `--target` takes a base URL or an agent card
/// URL.
pub fn apply_target_flags(
    opts: &mut super::RunOptions,
    launch: Option<&str>,
    target: Option<&str>,
    ready_timeout: Option<f64>,
) -> Result<(), TckError> {
    use super::TargetSpec;
    if let Some(cmd) = launch {
        if cmd.trim().is_empty() {
            return Err(TckError::Config("--launch: the command is empty".into()));
        }
        let (crm_disabled, ready) = match &opts.target {
            TargetSpec::Launch {
                command_crm_disabled,
                ready_timeout,
                ..
            } => (command_crm_disabled.clone(), *ready_timeout),
            _ => (None, std::time::Duration::from_secs(30)),
        };
        opts.target = TargetSpec::Launch {
            command: cmd.to_string(),
            command_crm_disabled: crm_disabled,
            ready_timeout: ready,
        };
    }
    if let Some(url) = target {
        let (base_url, card_url) = match url.split_once("/.well-known/") {
            Some((base, _)) => (base.to_string(), Some(url.to_string())),
            None => (url.trim_end_matches('/').to_string(), None),
        };
        check_http_url("--target", &base_url, url)?;
        opts.target = TargetSpec::External { base_url, card_url };
    }
    if let Some(secs) = ready_timeout {
        if !(secs > 0.0 && secs <= 3600.0) {
            return Err(TckError::Config(format!(
                "--ready-timeout must be in (0, 3600] seconds, got {secs}"
            )));
        }
        match &mut opts.target {
            TargetSpec::Launch { ready_timeout, .. } => {
                *ready_timeout = std::time::Duration::from_secs_f64(secs)
            }
            _ => {
                return Err(TckError::Config(
                    "--ready-timeout applies to a launched target (--launch or target.launch)"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}

impl Profile {
    /// Apply the profile to run options (command-line flags are applied after, and win).
    pub fn apply(&self, opts: &mut super::RunOptions) -> Result<(), TckError> {
        use super::{TargetSpec, Tokens};
        let t = &self.target;
        match (&t.launch, &t.base_url, &t.agent_card) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(TckError::Config(
                    "the profile sets both target.launch and target.base_url/agent_card".into(),
                ));
            }
            (Some(cmd), None, None) => {
                opts.target = TargetSpec::Launch {
                    command: cmd.clone(),
                    command_crm_disabled: t.launch_crm_disabled.clone(),
                    ready_timeout: positive_secs(
                        t.ready_timeout_secs.unwrap_or(30.0),
                        "target.ready_timeout_secs",
                    )?,
                };
            }
            (None, base, card) if base.is_some() || card.is_some() => {
                let base_url = match (base, card) {
                    (Some(b), _) => b.clone(),
                    (None, Some(c)) => c.split("/.well-known/").next().unwrap_or(c).to_string(),
                    _ => unreachable!("one of them is set"),
                };
                let (key, given) = match (base, card) {
                    (Some(b), _) => ("target.base_url", b.as_str()),
                    (None, Some(c)) => ("target.agent_card", c.as_str()),
                    _ => unreachable!("one of them is set"),
                };
                check_http_url(key, &base_url, given)?;
                opts.target = TargetSpec::External {
                    base_url,
                    card_url: card.clone(),
                };
            }
            _ => {}
        }
        if let Some(ts) = &t.transports {
            let parsed: Result<Vec<crate::transport::Binding>, String> =
                ts.iter().map(|name| name.parse()).collect();
            opts.transports =
                Some(parsed.map_err(|e| TckError::Config(format!("target.transports: {e}")))?);
        }
        if let Some(n) = t.concurrency {
            opts.concurrency = n;
        }
        if let Some(s) = t.timeout_secs {
            opts.call_timeout = positive_secs(s, "target.timeout_secs")?;
        }
        if let Some(p) = &self.a2a.skill_path {
            opts.skill_key = p
                .strip_prefix("message.metadata.")
                .filter(|k| !k.contains('.'))
                .unwrap_or(p)
                .to_string();
        }
        if let Some(v) = &self.a2a.version {
            opts.a2a_version = v.clone();
        }
        opts.a2a_enabled = self.a2a.enabled.or(opts.a2a_enabled);
        if let Some(p) = self.a2a.profile {
            opts.a2a_profile = p;
        }
        for (key, binding, url) in [
            (
                "a2a.jsonrpc_url",
                crate::transport::Binding::A2aJsonrpc,
                &self.a2a.jsonrpc_url,
            ),
            (
                "a2a.rest_url",
                crate::transport::Binding::A2aRest,
                &self.a2a.rest_url,
            ),
        ] {
            if let Some(u) = url {
                let absolute = u.starts_with("http://") || u.starts_with("https://");
                if !absolute && !u.starts_with('/') {
                    return Err(TckError::Config(format!(
                        "{key} must be a path starting with / or an http(s) URL, got '{u}'"
                    )));
                }
                if absolute {
                    check_http_url(key, u, u)?;
                }
                opts.a2a_urls.retain(|(b, _)| *b != binding);
                opts.a2a_urls.push((binding, u.clone()));
            }
        }
        let a = &self.aap;
        for (slot, v) in [
            (&mut opts.aap_vehicles.in_stock, &a.in_stock_vin),
            (&mut opts.aap_vehicles.sold, &a.sold_vin),
            (&mut opts.aap_vehicles.unknown, &a.unknown_vin),
        ] {
            if v.is_some() {
                *slot = v.clone();
            }
        }
        for (key, slot, v) in [
            (
                "aap.confirmable_time",
                &mut opts.aap_times.confirmable,
                &a.confirmable_time,
            ),
            (
                "aap.proposable_time",
                &mut opts.aap_times.proposable,
                &a.proposable_time,
            ),
            (
                "aap.unavailable_time",
                &mut opts.aap_times.unavailable,
                &a.unavailable_time,
            ),
        ] {
            if let Some(t) = v {
                if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                    return Err(TckError::Config(format!(
                        "{key}: '{t}' is not an RFC 3339 date-time"
                    )));
                }
                *slot = Some(t.clone());
            }
        }
        if let Some(u) = &self.mcp.url {
            opts.mcp_url = Some(u.clone());
        }
        opts.mcp_enabled = self.mcp.enabled.or(opts.mcp_enabled);
        if let Some(era) = self.mcp.era {
            opts.mcp_era = era;
        }
        if let Some(p) = &self.codes.pointers {
            if let Some(bad) = p.iter().find(|p| !p.starts_with('/')) {
                return Err(TckError::Config(format!(
                    "codes.pointers: '{bad}' is not a JSON pointer (it must start with /)"
                )));
            }
            opts.codes.pointers = p.clone();
        }
        if let Some(v) = &self.codes.validation {
            opts.codes.validation_codes = v.clone();
        }
        if let Some(b) = self.codes.mcp_invalid_params_is_validation {
            opts.codes.mcp_invalid_params_is_validation = b;
        }
        opts.codes.appointment_failure_keeps_lead = self.aap.appointment_failure_keeps_lead;
        opts.codes.vehicle_failure_keeps_lead = self.aap.vehicle_failure_keeps_lead;
        if let Some(b) = self.aap.forwards_leads {
            opts.codes.aap_forwards_leads = b;
        }
        if let Some(b) = self.aap.submit_dealer_phone_e164 {
            opts.codes.submit_dealer_phone_e164 = b;
        }
        let tk = &self.tokens;
        if tk.agent_a_env.is_some() || tk.agent_b_env.is_some() || tk.unscoped_env.is_some() {
            let agent_a = Profile::env_token(&tk.agent_a_env)?.ok_or_else(|| {
                TckError::Config(
                    "tokens: agent_b_env/unscoped_env given without agent_a_env".into(),
                )
            })?;
            let defaults = Tokens::reference_defaults();
            opts.tokens = Some(Tokens {
                agent_a,
                agent_b: Profile::env_token(&tk.agent_b_env)?,
                unscoped: Profile::env_token(&tk.unscoped_env)?,
                unknown: defaults.unknown,
            });
        }
        let f = &self.fixtures;
        if let Some(v) = &f.vins {
            opts.fixture_vins = Some(v.clone());
        }
        for (i, name) in [&f.inventory_tool, &f.reserve_tool, &f.release_tool]
            .into_iter()
            .enumerate()
        {
            if let Some(n) = name {
                opts.fixture_tools[i] = n.clone();
            }
        }
        let o = &self.observe;
        if let Some(p) = o.smtp_port {
            opts.smtp_port = p;
        }
        if let Some(p) = o.crm_port {
            opts.crm_port = p;
        }
        if let Some(b) = o.crm_expected {
            opts.crm_expected = b;
        }
        if let Some(s) = &o.crm_store_id {
            opts.crm_store_id = Some(s.clone());
        }
        if o.crm_token_env.is_some() {
            opts.crm_token = Profile::env_token(&o.crm_token_env)?;
        }
        if let Some(ms) = o.crm_timeout_ms {
            opts.crm_timeout = Some(std::time::Duration::from_millis(ms));
        }
        if let Some(db) = &o.db {
            opts.db_files.push(db.clone());
        }
        if let Some(l) = &o.log {
            opts.log_file = Some(l.clone());
        }
        if let Some(d) = &o.desk {
            opts.desk = d.clone();
        }
        Ok(())
    }
}

/// Check that the options describe a target the harness can observe.
pub fn validate_options(opts: &super::RunOptions) -> Result<(), TckError> {
    if !(1..=MAX_CONCURRENCY).contains(&opts.concurrency) {
        return Err(TckError::Config(format!(
            "concurrency must be between 1 and {MAX_CONCURRENCY}, got {}",
            opts.concurrency
        )));
    }
    if let super::TargetSpec::External { .. } = &opts.target {
        if opts.smtp_port == 0 {
            return Err(TckError::Config(
                "an already running target must send its mail to a fixed port: give --smtp-port (or [observe] smtp_port)".into(),
            ));
        }
        if opts.crm_expected && opts.crm_port == 0 {
            return Err(TckError::Config(
                "an already running target's CRM must point at a fixed port: give --crm-port (or [observe] crm_port), or set crm_expected = false".into(),
            ));
        }
    }
    Ok(())
}

/// A config error unless `base_url` is an http(s) URL with a host; `given` is what the user
/// wrote under `what` (a flag or a profile key).
fn check_http_url(what: &str, base_url: &str, given: &str) -> Result<(), TckError> {
    let ok = reqwest::Url::parse(base_url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if ok {
        Ok(())
    } else {
        Err(TckError::Config(format!(
            "{what} must be an http(s) URL, got '{given}'"
        )))
    }
}

#[cfg(test)]
mod tests;
