//! Sending request examples to a target ([`Sender`]): DMC-12 examples go to
//! `initiate_deal_handoff` over the chosen binding with their placeholders replaced by live
//! fixtures (a fresh reservation from `search_inventory` + `create_reservation` as agent A);
//! AAP examples go over A2A only when the agent card lists their skill. Each answer is judged
//! against the outcome due today, the suite's schema and clauses, and the shape of the matching
//! response example.

use super::checks::DueAnswer;
use super::json::shape_diff;
use super::manifest::ExampleEntry;
use super::report::{Finding, SendRecord, Step};
use super::rules;
use crate::check::{CodeRules, describe_reply};
use crate::observe::smtp::SmtpSink;
use crate::spec::tools;
use crate::suites::aap::scenarios::INVENTORY_SKILL;
use crate::suites::aap::{AapFixtures, AapTimes};
use crate::transport::a2a::AgentCard;
use crate::transport::{Binding, Client, ClientConfig, Exchange, Reply};
use serde_json::{Value, json};

/// The response examples a request is compared with: (entry, parsed value).
pub type Responses<'a> = Vec<(&'a ExampleEntry, &'a Value)>;

/// Inventory state for the reservation fixture.
pub(crate) struct Fixtures {
    pub(crate) vins: Option<Vec<String>>,
    pub(crate) next_vin: usize,
    /// Tool names: inventory, reserve, release (BINDINGS.md §3; a profile may rename them).
    pub(crate) tools: [String; 3],
}

/// How the target differs from BINDINGS.md's defaults (from a target profile): the MCP
/// endpoint, where error codes live, and the fixture recipe.
#[derive(Debug, Clone)]
pub struct Dialect {
    /// MCP endpoint path (`/mcp`) or absolute URL.
    pub mcp_url: String,
    /// Where error codes live and which codes mean "validation error".
    pub rules: CodeRules,
    /// Static VINs instead of the inventory tool.
    pub vins: Option<Vec<String>>,
    /// Fixture tool names: inventory, reserve, release.
    pub tools: [String; 3],
    /// AAP: the VIN of a vehicle the dealer has (None: the first `available` vehicle of
    /// `inventory.search`).
    pub aap_vin: Option<String>,
    /// AAP: the appointment times (the confirmable one replaces a dated `appointment_at`).
    pub aap_times: AapTimes,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            mcp_url: "/mcp".into(),
            rules: CodeRules::default(),
            vins: None,
            tools: [
                tools::SEARCH_INVENTORY.into(),
                tools::CREATE_RESERVATION.into(),
                tools::RELEASE_RESERVATION.into(),
            ],
            aap_vin: None,
            aap_times: AapTimes::default(),
        }
    }
}

/// Where and how to send.
pub struct Sender<'a> {
    pub(crate) binding: Binding,
    pub(crate) dmc12: Result<Client, String>,
    pub(crate) aap: Result<(Binding, Client), String>,
    pub(crate) skills: Vec<String>,
    pub(crate) token: String,
    pub(crate) sink: Option<&'a SmtpSink>,
    pub(crate) fixtures: Fixtures,
    pub(crate) rules: CodeRules,
    pub(crate) aap_vin: Option<String>,
    pub(crate) aap_times: AapTimes,
}

pub(crate) fn endpoint(card: &AgentCard, binding: Binding) -> Option<String> {
    let want = match binding {
        Binding::A2aJsonrpc => "JSONRPC",
        Binding::A2aRest => "HTTP+JSON",
        Binding::Mcp | Binding::McpModern => return None,
    };
    card.interfaces
        .iter()
        .find(|(pb, _, _)| pb.eq_ignore_ascii_case(want))
        .map(|(_, url, _)| url.clone())
}

pub(crate) async fn tool(
    client: &Client,
    token: &str,
    rules: &CodeRules,
    name: &str,
    args: Value,
) -> Result<Value, String> {
    let ex = client
        .call(name, &args, Some(token))
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    match &ex.reply {
        Reply::Op { object, .. } if object.get("error").is_none() => {
            Ok(object.get("data").cloned().unwrap_or(Value::Null))
        }
        _ => Err(format!("{name} answered {}", describe_reply(&ex, rules))),
    }
}

impl Fixtures {
    /// A fresh reservation as the token's agent: `search_inventory` once, then
    /// `create_reservation` on the vehicles in turn until one is reserved.
    pub(crate) async fn reservation(
        &mut self,
        client: &Client,
        token: &str,
        rules: &CodeRules,
    ) -> Result<String, String> {
        if self.vins.is_none() {
            let data = tool(client, token, rules, &self.tools[0], json!({})).await?;
            self.vins = Some(tools::vins(&data));
        }
        let vins = self.vins.clone().unwrap_or_default();
        if vins.is_empty() {
            return Err(format!("{} listed no vehicle", self.tools[0]));
        }
        let mut last = String::new();
        for _ in 0..vins.len() {
            let vin = vins[self.next_vin % vins.len()].clone();
            self.next_vin += 1;
            match tool(client, token, rules, &self.tools[1], json!({"vin": vin})).await {
                Ok(d) => match d.get("reservation_token").and_then(Value::as_str) {
                    Some(t) => return Ok(t.to_string()),
                    None => last = format!("{} answered no reservation_token", self.tools[1]),
                },
                Err(e) => last = e,
            }
        }
        Err(format!("no vehicle could be reserved ({last})"))
    }
}

/// Shape differences as (pointer, what differs).
type Diffs = Vec<(String, String)>;

/// Compare an answer with each response example (minus the `skip` members) and report the
/// differences from the closest one. Returns the ids compared with and the findings.
pub(crate) fn shape_against(
    responses: &Responses<'_>,
    answer: &Value,
    skip: &[String],
) -> (Vec<String>, Vec<Finding>) {
    let mut best: Option<(&str, Diffs)> = None;
    let names: Vec<String> = responses.iter().map(|(e, _)| e.id.clone()).collect();
    for (entry, example) in responses {
        let mut example = (*example).clone();
        let mut answer = answer.clone();
        for p in skip {
            remove_pointer(&mut example, p);
            remove_pointer(&mut answer, p);
        }
        let diffs = shape_diff(&example, &answer, &entry.optional, &entry.nullable);
        if best.as_ref().is_none_or(|(_, d)| diffs.len() < d.len()) {
            best = Some((entry.id.as_str(), diffs));
        }
    }
    let findings = match best {
        Some((id, diffs)) => diffs
            .into_iter()
            .map(|(ptr, what)| {
                let extra = what == "not in the example";
                let f = Finding::new(
                    rules::SHAPE,
                    Step::Shape,
                    ptr,
                    if extra {
                        format!(
                            "answer: {what} (compared with {id}); noted only, the seeds leave their objects open"
                        )
                    } else {
                        format!("answer: {what} (compared with {id})")
                    },
                );
                // An added member breaks nothing the seeds say.
                if extra { f.advisory() } else { f }
            })
            .collect(),
        None => vec![],
    };
    (names, findings)
}

/// Remove the member at `pointer` (RFC 6901, by `jsonptr`), if there is one.
pub(crate) fn remove_pointer(v: &mut Value, pointer: &str) {
    if let Ok(p) = jsonptr::Pointer::parse(pointer) {
        p.delete(v);
    }
}

/// Set `pointer` of `request` to `new`; returns the example's value there as JSON text
/// (`(absent)` if none), or None when the pointer cannot be set.
pub(crate) fn replace_live(
    request: &mut Value,
    example: &Value,
    pointer: &str,
    new: String,
) -> Option<String> {
    let was = example
        .pointer(pointer)
        .map(Value::to_string)
        .unwrap_or_else(|| "(absent)".into());
    set_pointer(request, pointer, Value::String(new)).then_some(was)
}

pub(crate) fn set_pointer(v: &mut Value, pointer: &str, new: Value) -> bool {
    match v.pointer_mut(pointer) {
        Some(slot) => {
            *slot = new;
            true
        }
        None => false,
    }
}

/// Everything the answer's bytes carry (body and headers), for the plaintext-PII check.
pub(crate) fn answer_text(ex: &Exchange) -> String {
    let mut s = ex.raw_body.clone();
    for (k, v) in &ex.headers {
        s.push('\n');
        s.push_str(k);
        s.push_str(": ");
        s.push_str(v);
    }
    s
}

impl<'a> Sender<'a> {
    /// A sender for the target at `base_url` whose card is `card`, sending DMC-12 examples over
    /// `binding` as `token`, in `dialect`. `sink` is the SMTP sink the target mails to, when the
    /// harness runs the target (the hand-off's side effects are then checked too).
    pub fn new(
        base_url: &str,
        card: &AgentCard,
        binding: Binding,
        token: String,
        cfg: ClientConfig,
        sink: Option<&'a SmtpSink>,
        dialect: Dialect,
    ) -> Sender<'a> {
        let mcp_url =
            if dialect.mcp_url.starts_with("http://") || dialect.mcp_url.starts_with("https://") {
                dialect.mcp_url.clone()
            } else {
                format!(
                    "{}/{}",
                    base_url.trim_end_matches('/'),
                    dialect.mcp_url.trim_start_matches('/')
                )
            };
        let dmc12 = match binding {
            Binding::Mcp | Binding::McpModern => Ok(Client::new(binding, &mcp_url, cfg.clone())),
            b => endpoint(card, b)
                .map(|url| Client::new(b, &url, cfg.clone()))
                .ok_or_else(|| format!("the target's agent card offers no {b} interface")),
        };
        let aap = match binding {
            Binding::Mcp | Binding::McpModern => Err(format!(
                "AAP skills travel over A2A only, and --transport {binding} was chosen"
            )),
            b => endpoint(card, b)
                .map(|url| (b, Client::new(b, &url, cfg.clone())))
                .ok_or_else(|| format!("the target's agent card offers no {b} interface")),
        };
        Sender {
            binding,
            dmc12,
            aap,
            skills: card.skills.clone(),
            token,
            sink,
            fixtures: Fixtures {
                vins: dialect.vins,
                next_vin: 0,
                tools: dialect.tools,
            },
            rules: dialect.rules,
            aap_vin: dialect.aap_vin,
            aap_times: dialect.aap_times,
        }
    }

    /// The in-stock VIN of the AAP examples: the profile's, else the first `available`
    /// vehicle of `inventory.search` (asked once).
    pub(crate) async fn aap_in_stock_vin(
        client: &Client,
        token: &str,
        skills: &[String],
        cached: &mut Option<String>,
    ) -> Result<String, String> {
        if let Some(v) = cached {
            return Ok(v.clone());
        }
        if !skills.iter().any(|s| s == INVENTORY_SKILL) {
            return Err(format!(
                "the agent card lists no {INVENTORY_SKILL} and the target profile gives no [aap] in_stock_vin"
            ));
        }
        let ex = client
            .call(INVENTORY_SKILL, &json!({}), Some(token))
            .await
            .map_err(|e| format!("{INVENTORY_SKILL} failed: {e}"))?;
        let vehicles = match &ex.reply {
            Reply::Op { object, .. } => object
                .pointer("/data/vehicles")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![],
        };
        let vin = AapFixtures::from_inventory(&vehicles, "examples", AapTimes::none())
            .in_stock
            .map(|v| v.vin)
            .ok_or_else(|| format!("{INVENTORY_SKILL} listed no available vehicle"))?;
        *cached = Some(vin.clone());
        Ok(vin)
    }

    /// The answer with its error code moved to where BINDINGS.md §2 puts it (`/error/code`),
    /// when a profile names other code pointers and the code was found at one of them: the
    /// envelope's location of the code is the target's, the rest of it is still the schema's.
    pub(crate) fn bindings_envelope(&self, ex: &Exchange, object: &Value) -> Value {
        let mut v = object.clone();
        if self.rules.pointers == CodeRules::default().pointers || object.get("error").is_none() {
            return v;
        }
        let Some(found) = self.rules.find(ex) else {
            return v;
        };
        let pointer = found
            .at
            .strip_prefix("result")
            .unwrap_or(&found.at)
            .to_string();
        if pointer != "/error/code" {
            remove_pointer(&mut v, &pointer);
        }
        if let Some(Value::Object(err)) = v.get_mut("error") {
            err.insert("code".into(), Value::String(found.code));
        }
        v
    }

    fn missing_skill(&self, skill: &str) -> Option<String> {
        if self.skills.iter().any(|s| s == skill) {
            return None;
        }
        let listed = if self.skills.is_empty() {
            "none".to_string()
        } else {
            self.skills.join(", ")
        };
        Some(format!(
            "the target's agent card does not list the skill {skill} (it lists: {listed})"
        ))
    }

    /// Send a request example and judge the answer.
    pub async fn send(
        &mut self,
        entry: &ExampleEntry,
        value: &Value,
        outcome: &DueAnswer,
        dated: &[String],
        responses: &Responses<'_>,
    ) -> (SendRecord, Vec<Finding>) {
        if let Some(why) = self.missing_skill(&entry.operation) {
            return (SendRecord::not_tested(why), vec![]);
        }
        entry
            .suite
            .examples()
            .send(self, entry, value, outcome, dated, responses)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_are_set_and_removed() {
        let mut v = json!({"a": {"b": 1, "c/d": 2}});
        assert!(set_pointer(&mut v, "/a/b", json!("x")));
        assert!(!set_pointer(&mut v, "/a/zz/y", json!("x")));
        remove_pointer(&mut v, "/a/c~1d");
        assert_eq!(v, json!({"a": {"b": "x"}}));
    }
}
