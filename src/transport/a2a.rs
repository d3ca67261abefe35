//! A2A 1.0 client ([`A2aClient`]) for the JSON-RPC and HTTP+JSON bindings, plus agent-card
//! discovery ([`fetch_card`]).
//!
//! Requests are built by hand as `serde_json::Value`: one `SendMessage` carrying a single
//! DataPart with the operation's arguments and the operation id in `message.metadata`. Replies
//! are decoded by [`decode_reply`], which finds the operation's result object in
//! `message.parts`, `task.artifacts[*].parts` or `task.status.message.parts`.
//!
//! A second transport profile, [`A2aProfile::V0_3`] (selected by
//! [`ClientConfig::a2a_profile`](super::ClientConfig)), speaks A2A 0.3 instead: JSON-RPC method
//! `message/send`, kind-tagged parts (`{"kind":"data","data":…}`), HTTP+JSON at
//! `<base>/v1/message:send` with `application/json`, and no `A2A-Version` header.

use super::SentRequest;
use super::held::Held;
use super::{
    Binding, ClientConfig, Exchange, RawRequest, Reply, TransportError, bounded, header_list,
    http_client, integral, jsonrpc_error, map_reqwest_error, not_json_reason, read_body_capped,
    request_body_value,
};
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Content type of A2A HTTP+JSON requests.
pub const REST_CONTENT_TYPE: &str = "application/a2a+json";

/// The A2A protocol version a client speaks (a transport profile, BINDINGS.md §1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum A2aProfile {
    /// A2A 1.0 (default): `SendMessage`, DataParts without `kind`, `<base>/message:send`
    /// (`application/a2a+json`), `A2A-Version: 1.0` on every request.
    #[default]
    #[serde(rename = "1.0")]
    V1_0,
    /// A2A 0.3: `message/send`, `{"kind":"data","data":…}` parts in a `kind:"message"` Message
    /// with role `user`, `<base>/v1/message:send` (`application/json`), no version header.
    #[serde(rename = "0.3")]
    V0_3,
}

impl A2aProfile {
    /// Every profile.
    pub const ALL: [A2aProfile; 2] = [A2aProfile::V1_0, A2aProfile::V0_3];

    /// The version string (`1.0`, `0.3`), as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            A2aProfile::V1_0 => "1.0",
            A2aProfile::V0_3 => "0.3",
        }
    }

    /// The JSON-RPC method of an operation call.
    pub fn send_method(self) -> &'static str {
        match self {
            A2aProfile::V1_0 => "SendMessage",
            A2aProfile::V0_3 => "message/send",
        }
    }

    /// The path appended to the HTTP+JSON base URL for an operation call.
    pub fn rest_send_path(self) -> &'static str {
        match self {
            A2aProfile::V1_0 => "/message:send",
            A2aProfile::V0_3 => "/v1/message:send",
        }
    }
}

impl std::fmt::Display for A2aProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for A2aProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        A2aProfile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown A2A profile '{s}' (1.0, 0.3)"))
    }
}

/// A2A 1.0 client for one binding.
pub struct A2aClient {
    binding: Binding,
    url: String,
    cfg: ClientConfig,
    http: reqwest::Client,
    next_id: AtomicU64,
    last_sent: std::sync::Mutex<Option<std::sync::Arc<SentRequest>>>,
}

impl A2aClient {
    /// The last request this client sent (or began to send).
    pub fn last_sent(&self) -> Option<std::sync::Arc<SentRequest>> {
        super::locked(&self.last_sent).clone()
    }

    /// New client; `url` is the JSON-RPC endpoint or the REST base URL.
    pub fn new(binding: Binding, url: &str, cfg: ClientConfig) -> Self {
        let http = http_client(&cfg);
        A2aClient {
            binding,
            url: url.trim_end_matches('/').to_string(),
            cfg,
            http,
            next_id: AtomicU64::new(1),
            last_sent: Default::default(),
        }
    }

    /// The binding.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// The profile (A2A version) this client speaks.
    pub fn profile(&self) -> A2aProfile {
        self.cfg.a2a_profile
    }

    /// The URL requests go to: the JSON-RPC endpoint, or `<base>/message:send` for REST
    /// (`<base>/v1/message:send` in the 0.3 profile).
    pub fn endpoint(&self) -> String {
        match self.binding {
            Binding::A2aRest => format!("{}{}", self.url, self.profile().rest_send_path()),
            Binding::A2aJsonrpc | Binding::Mcp | Binding::McpModern => self.url.clone(),
        }
    }

    /// The request body `call` would send for `op`/`args` with JSON-RPC id `id` (a fresh
    /// `messageId` each time).
    ///
    /// `cfg.skill_key` without a dot is a key of `message.metadata`; with dots it is a path
    /// from the SendMessage params (`message.metadata.skillId`, `metadata.skill`, …).
    pub fn request_body(&self, op: &str, args: &Value, id: u64) -> Value {
        let profile = self.profile();
        let key = &self.cfg.skill_key;
        let mut params = if key.contains('.') {
            let mut m = message_for(profile, "", op, args);
            m["metadata"] = json!({});
            let mut p = json!({ "message": m });
            set_path(&mut p, key, Value::String(op.to_string()));
            p
        } else {
            json!({ "message": message_for(profile, key, op, args) })
        };
        let empty_meta = params
            .pointer("/message/metadata")
            .is_some_and(|m| m.as_object().is_some_and(|o| o.is_empty()));
        if empty_meta && let Some(m) = params.get_mut("message").and_then(Value::as_object_mut) {
            m.remove("metadata");
        }
        match self.binding {
            Binding::A2aRest => params,
            Binding::A2aJsonrpc | Binding::Mcp | Binding::McpModern => json!({
                "jsonrpc": "2.0",
                "id": id,
                "method": profile.send_method(),
                "params": params,
            }),
        }
    }

    /// `SendMessage` with one DataPart carrying `args`, `metadata.<skill_key> = op`.
    pub async fn call(
        &self,
        op: &str,
        args: &Value,
        token: Option<&str>,
    ) -> Result<Exchange, TransportError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = self.request_body(op, args, id);
        let bytes = serde_json::to_vec(&body).map_err(|e| TransportError::Io {
            url: self.endpoint(),
            detail: format!("cannot encode request: {e}"),
        })?;
        let mut headers = self.default_headers();
        headers.push(("content-type".into(), self.content_type().into()));
        if let Some(token) = token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        self.post(bytes, body, headers).await
    }

    /// Send a hand-built request to the endpoint (`…/message:send` for REST).
    pub async fn raw(&self, req: RawRequest) -> Result<Exchange, TransportError> {
        let mut headers = if req.default_headers {
            self.default_headers()
        } else {
            Vec::new()
        };
        if let Some(ct) = &req.content_type {
            headers.push(("content-type".into(), ct.clone()));
        }
        if let Some(token) = &req.token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        headers.extend(req.headers.iter().cloned());
        let request_body = request_body_value(&req.body);
        self.post(req.body, request_body, headers).await
    }

    fn content_type(&self) -> &'static str {
        match (self.binding, self.profile()) {
            (Binding::A2aRest, A2aProfile::V1_0) => REST_CONTENT_TYPE,
            _ => "application/json",
        }
    }

    fn default_headers(&self) -> Vec<(String, String)> {
        let accept = match (self.binding, self.profile()) {
            (Binding::A2aRest, A2aProfile::V1_0) => "application/a2a+json, application/json",
            _ => "application/json",
        };
        match self.profile() {
            A2aProfile::V1_0 => vec![
                ("a2a-version".into(), self.cfg.a2a_version.clone()),
                ("accept".into(), accept.into()),
            ],
            A2aProfile::V0_3 => vec![("accept".into(), accept.into())],
        }
    }

    async fn post(
        &self,
        body: Vec<u8>,
        request_body: Value,
        headers: Vec<(String, String)>,
    ) -> Result<Exchange, TransportError> {
        let url = self.endpoint();
        let cfg = &self.cfg;
        let start = Instant::now();
        let sent = std::sync::Arc::new(SentRequest::post(self.binding, &url, &headers, &body));
        *super::locked(&self.last_sent) = Some(sent.clone());
        let exchange = async {
            let mut rb = self.http.post(&url).body(body);
            for (k, v) in &headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            let resp = rb
                .send()
                .await
                .map_err(|e| map_reqwest_error(&url, &e, cfg))?;
            let status = resp.status().as_u16();
            let headers = header_list(resp.headers());
            let bytes = read_body_capped(resp, &url, cfg).await?;
            Ok((status, headers, bytes))
        };
        let (status, headers, bytes) = bounded(cfg, &url, exchange).await?;
        let reply = decode_reply(self.binding, status, &bytes);
        Ok(Exchange {
            binding: self.binding,
            url,
            request_body,
            status,
            headers,
            raw_body: String::from_utf8_lossy(&bytes).into_owned(),
            reply,
            elapsed: start.elapsed(),
            held: Held::none(),
            sent: Some(sent),
        }
        .metered(&cfg.meter))
    }
}

/// The A2A 1.0 Message for an operation call: one DataPart with `args`, the operation id in
/// `metadata.<skill_key>`, a fresh UUID v4 `messageId`.
pub fn message(skill_key: &str, op: &str, args: &Value) -> Value {
    let mut metadata = Map::new();
    metadata.insert(skill_key.to_string(), Value::String(op.to_string()));
    json!({
        "messageId": uuid::Uuid::new_v4().to_string(),
        "role": "ROLE_USER",
        "parts": [{ "data": args, "mediaType": "application/json" }],
        "metadata": metadata,
    })
}

/// The A2A 0.3 Message for an operation call: `kind:"message"`, role `user`, one
/// `{"kind":"data","data":args}` part, the operation id in `metadata.<skill_key>`, a fresh
/// UUID v4 `messageId`.
pub fn message_v0_3(skill_key: &str, op: &str, args: &Value) -> Value {
    let mut metadata = Map::new();
    metadata.insert(skill_key.to_string(), Value::String(op.to_string()));
    json!({
        "kind": "message",
        "messageId": uuid::Uuid::new_v4().to_string(),
        "role": "user",
        "parts": [{ "kind": "data", "data": args }],
        "metadata": metadata,
    })
}

/// The Message for an operation call in `profile` ([`message`] or [`message_v0_3`]).
pub fn message_for(profile: A2aProfile, skill_key: &str, op: &str, args: &Value) -> Value {
    match profile {
        A2aProfile::V1_0 => message(skill_key, op, args),
        A2aProfile::V0_3 => message_v0_3(skill_key, op, args),
    }
}

/// Set `value` at a dotted path, creating objects on the way.
fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let obj = cur.as_object_mut().expect("object");
        if i + 1 == parts.len() {
            obj.insert((*part).to_string(), value);
            return;
        }
        cur = obj.entry((*part).to_string()).or_insert_with(|| json!({}));
    }
}

/// Decode an A2A reply body for `binding` given the HTTP status.
///
/// JSON-RPC: `error` → [`Reply::Protocol`]; `result` → the operation object
/// ([`find_result_object`]). HTTP+JSON: a google.rpc.Status body `{"error":{…}}` →
/// [`Reply::Protocol`] (code = `error.code` if integral, else the HTTP status); a
/// `{"message"|"task"}` body → the operation object. A non-2xx reply with neither →
/// [`Reply::Http`]; a 2xx reply that cannot be decoded → [`Reply::Unparseable`].
pub fn decode_reply(binding: Binding, status: u16, body: &[u8]) -> Reply {
    let success = (200..300).contains(&status);
    let json: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) if success => {
            return Reply::Unparseable {
                reason: not_json_reason(body, &e),
            };
        }
        Err(_) => return Reply::Http { status },
    };
    match binding {
        Binding::A2aRest => decode_rest(status, success, &json),
        Binding::A2aJsonrpc | Binding::Mcp | Binding::McpModern => {
            decode_jsonrpc(status, success, &json)
        }
    }
}

fn decode_jsonrpc(status: u16, success: bool, json: &Value) -> Reply {
    if let Some(error) = json.get("error") {
        if let Some(reply) = jsonrpc_error(error) {
            return reply;
        }
        if !success {
            return Reply::Http { status };
        }
        return Reply::Unparseable {
            reason: "JSON-RPC error member is not an object with an integer code".into(),
        };
    }
    match json.get("result") {
        Some(result) => match find_result_object(result) {
            Ok((object, where_found)) => op(object, where_found),
            Err(_) if !success => Reply::Http { status },
            Err(reason) => Reply::Unparseable { reason },
        },
        None if !success => Reply::Http { status },
        None if json.is_object() => Reply::Unparseable {
            reason: "JSON-RPC reply has neither result nor error".into(),
        },
        None => Reply::Unparseable {
            reason: "JSON-RPC reply is not a JSON object".into(),
        },
    }
}

fn decode_rest(status: u16, success: bool, json: &Value) -> Reply {
    if let Some(error) = json.get("error").and_then(Value::as_object) {
        // google.rpc.Status in its HTTP mapping: {"error":{"code","message","status","details"}}.
        // On a 2xx reply an `error` beside no message/task is still an error.
        let is_status_body = !success
            || (json.get("message").is_none() && json.get("task").is_none())
            || error.contains_key("details");
        if is_status_body {
            return Reply::Protocol {
                code: error
                    .get("code")
                    .and_then(integral)
                    .unwrap_or(i64::from(status)),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                data: error.get("details").cloned(),
            };
        }
    }
    match find_result_object(json) {
        Ok((object, where_found)) => op(object, where_found),
        Err(_) if !success => Reply::Http { status },
        Err(reason) => Reply::Unparseable { reason },
    }
}

fn op(object: Value, where_found: String) -> Reply {
    Reply::Op {
        object,
        is_error: None,
        text: None,
        where_found,
    }
}

/// Find the operation's result object in a `SendMessage` result (`{"message":…}` or
/// `{"task":…}`; the A2A 0.3 shapes — a bare Message or Task with `kind` — are tolerated too).
/// Returns the object and where it was, e.g. `task.artifacts[0].parts[1].data`; or a one-line
/// reason why nothing was found.
pub fn find_result_object(result: &Value) -> Result<(Value, String), String> {
    if !result.is_object() {
        return Err("SendMessage result is not a JSON object".into());
    }
    if let Some(message) = result.get("message") {
        return first_data_part(message, "message")
            .ok_or_else(|| "message has no part with data".to_string());
    }
    if let Some(task) = result.get("task") {
        return task_result(task, "task");
    }
    // A2A 0.3: the result is the Message or Task itself.
    match result.get("kind").and_then(Value::as_str) {
        Some("message") => {
            first_data_part(result, "").ok_or_else(|| "message has no part with data".to_string())
        }
        Some("task") => task_result(result, ""),
        _ if result.get("parts").is_some() => {
            first_data_part(result, "").ok_or_else(|| "message has no part with data".to_string())
        }
        _ if result.get("artifacts").is_some() || result.get("status").is_some() => {
            task_result(result, "")
        }
        _ => Err("reply has neither message nor task".into()),
    }
}

fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The `data` of the first part that has one in `container.parts`.
fn first_data_part(container: &Value, prefix: &str) -> Option<(Value, String)> {
    let parts = container.get("parts")?.as_array()?;
    parts.iter().enumerate().find_map(|(i, part)| {
        part.get("data")
            .map(|d| (d.clone(), join(prefix, &format!("parts[{i}].data"))))
    })
}

fn task_result(task: &Value, prefix: &str) -> Result<(Value, String), String> {
    if !task.is_object() {
        return Err("task is not a JSON object".into());
    }
    if let Some(artifacts) = task.get("artifacts").and_then(Value::as_array) {
        for (a, artifact) in artifacts.iter().enumerate() {
            let here = join(prefix, &format!("artifacts[{a}]"));
            if let Some(found) = first_data_part(artifact, &here) {
                return Ok(found);
            }
        }
    }
    if let Some(message) = task.get("status").and_then(|s| s.get("message")) {
        let here = join(prefix, "status.message");
        if let Some(found) = first_data_part(message, &here) {
            return Ok(found);
        }
    }
    let state = task
        .get("status")
        .and_then(|s| s.get("state"))
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    Err(format!(
        "task (state {state}) has no part with data in artifacts or status.message"
    ))
}

/// The agent card and the exchange that fetched it.
#[derive(Debug, Clone)]
pub struct AgentCard {
    /// The card JSON.
    pub card: Value,
    /// `supportedInterfaces[]` as (protocolBinding, url, protocolVersion).
    pub interfaces: Vec<(String, String, String)>,
    /// `skills[].id`.
    pub skills: Vec<String>,
    /// Whether `securitySchemes.*.httpAuthSecurityScheme.scheme` is Bearer (case-insensitive).
    pub bearer: bool,
}

impl AgentCard {
    /// Interpret a card JSON object (see [`fetch_card`] for the shapes accepted).
    pub fn from_json(card: Value) -> AgentCard {
        let interfaces = card_interfaces(&card);
        let skills = card
            .get("skills")
            .and_then(Value::as_array)
            .map(|skills| {
                skills
                    .iter()
                    .filter_map(|s| s.get("id").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let bearer = card
            .get("securitySchemes")
            .and_then(Value::as_object)
            .is_some_and(|schemes| schemes.values().any(is_bearer_scheme));
        AgentCard {
            card,
            interfaces,
            skills,
            bearer,
        }
    }

    /// The URL of the first interface whose `protocolBinding` equals `binding`
    /// (case-insensitive, e.g. `JSONRPC`, `HTTP+JSON`).
    pub fn interface_url(&self, binding: &str) -> Option<&str> {
        self.interfaces
            .iter()
            .find(|(b, _, _)| b.eq_ignore_ascii_case(binding))
            .map(|(_, url, _)| url.as_str())
    }
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn card_interfaces(card: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = card
        .get("supportedInterfaces")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|i| {
                    (
                        str_field(i, "protocolBinding"),
                        str_field(i, "url"),
                        str_field(i, "protocolVersion"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !out.is_empty() {
        return out;
    }
    // A2A 0.3: top-level url + preferredTransport (default JSONRPC), additionalInterfaces[].
    let version = str_field(card, "protocolVersion");
    if let Some(url) = card.get("url").and_then(Value::as_str) {
        let transport = card
            .get("preferredTransport")
            .and_then(Value::as_str)
            .unwrap_or("JSONRPC");
        out.push((transport.to_string(), url.to_string(), version.clone()));
    }
    if let Some(list) = card.get("additionalInterfaces").and_then(Value::as_array) {
        for i in list {
            let entry = (
                str_field(i, "transport"),
                str_field(i, "url"),
                version.clone(),
            );
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

fn is_bearer_scheme(scheme: &Value) -> bool {
    let is_bearer = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
    };
    // A2A 1.0: {"httpAuthSecurityScheme":{"scheme":"Bearer"}}; 0.3: {"type":"http","scheme":"bearer"}.
    is_bearer(
        scheme
            .get("httpAuthSecurityScheme")
            .and_then(|h| h.get("scheme")),
    ) || (scheme.get("type").and_then(Value::as_str) == Some("http")
        && is_bearer(scheme.get("scheme")))
}

/// The URL [`fetch_card`] fetches for `card_or_base_url`.
pub fn card_url(card_or_base_url: &str) -> String {
    if card_or_base_url.ends_with(".json") {
        card_or_base_url.to_string()
    } else {
        format!(
            "{}/.well-known/agent-card.json",
            card_or_base_url.trim_end_matches('/')
        )
    }
}

/// GET `<base>/.well-known/agent-card.json` (or `card_url` as given if it ends in `.json`).
/// Errors: unreachable → Connect/Timeout; not JSON or not an object → Io with a one-line reason.
///
/// Interfaces come from A2A 1.0 `supportedInterfaces[]`, or, when that is absent or empty, from
/// the 0.3 shape (`url` + `preferredTransport`, `additionalInterfaces[]`). Bearer is recognised
/// in the 1.0 (`httpAuthSecurityScheme`) and 0.3 (`type:"http", scheme:"bearer"`) shapes.
pub async fn fetch_card(
    card_or_base_url: &str,
    cfg: &ClientConfig,
) -> Result<AgentCard, TransportError> {
    let url = card_url(card_or_base_url);
    let http = http_client(cfg);
    let fetch = async {
        let resp = http
            .get(&url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| map_reqwest_error(&url, &e, cfg))?;
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers().get(name).map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(200)
                    .collect()
            })
        };
        let (location, content_type): (Option<String>, Option<String>) = (
            header(reqwest::header::LOCATION),
            header(reqwest::header::CONTENT_TYPE),
        );
        let bytes = read_body_capped(resp, &url, cfg).await?;
        Ok((status, location, content_type, bytes))
    };
    let (status, location, content_type, bytes) = bounded(cfg, &url, fetch).await?;
    let io = |detail: String| TransportError::Io {
        url: url.clone(),
        detail,
    };
    if (300..400).contains(&status) {
        return Err(io(format!(
            "agent card request was redirected (HTTP {status} to {}); redirects are not followed, give the card's own URL",
            location.as_deref().unwrap_or("no Location")
        )));
    }
    if status == 401 || status == 403 {
        return Err(io(format!(
            "agent card request answered HTTP {status}: the card must be readable without credentials"
        )));
    }
    if !(200..300).contains(&status) {
        return Err(io(format!("agent card request answered HTTP {status}")));
    }
    let card: Value = serde_json::from_slice(&bytes).map_err(|e| {
        io(format!(
            "agent card is not JSON (Content-Type {}): {e}",
            content_type.as_deref().unwrap_or("absent")
        ))
    })?;
    if !card.is_object() {
        return Err(io("agent card is not a JSON object".into()));
    }
    Ok(AgentCard::from_json(card))
}

#[cfg(test)]
mod tests;
