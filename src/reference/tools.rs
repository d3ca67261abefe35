//! The four DMC-12 tools behind both transports: [`call`] runs one tool for a [`Caller`] and
//! returns a [`ToolReply`] holding the DMC-12 envelope (success `{"data","_metadata"}` or error
//! `{"error","_metadata"}`). `initiate_deal_handoff` follows the seed's order: validation,
//! consent expiry, reservation checks, then the email (the contract), the best-effort CRM lead
//! and finally the record — so an SMTP failure persists nothing.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::auth::Caller;
use super::model::{HandoffRequest, Package};
use super::store::{AuditEntry, HandoffRecord, Reserve, rfc3339_ms};
use super::{App, Defect, Variant, adf, email};
use crate::spec::codes::*;
use crate::spec::tools::*;
use crate::spec::{mask_email, mask_list, sha256_hex};

/// The binding a call arrived on (`_metadata.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// A2A JSON-RPC or HTTP+JSON.
    A2a,
    /// MCP Streamable HTTP.
    Mcp,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::A2a => "a2a",
            Protocol::Mcp => "mcp",
        }
    }
}

/// The tools, in card / tools/list order.
pub(crate) const TOOLS: [&str; 4] = [
    SEARCH_INVENTORY,
    CREATE_RESERVATION,
    RELEASE_RESERVATION,
    INITIATE_DEAL_HANDOFF,
];

/// Is `name` one of the tools?
pub(crate) fn is_tool(name: &str) -> bool {
    TOOLS.contains(&name)
}

/// The scope a tool requires beyond a valid token.
pub(crate) fn required_scope(tool: &str) -> Option<&'static str> {
    (tool == INITIATE_DEAL_HANDOFF).then_some(SCOPE_DEAL_HANDOFF)
}

/// Human-readable title and description of a tool.
pub(crate) fn describe(tool: &str) -> (&'static str, &'static str, &'static [&'static str]) {
    match tool {
        SEARCH_INVENTORY => (
            "Search inventory",
            "List the vehicles on Mark Miller Subaru's lot; optional make/model/year filters.",
            &["inventory", "search"],
        ),
        CREATE_RESERVATION => (
            "Create reservation",
            "Put a soft hold on a vehicle by VIN (hold_seconds 1-3600, default 900). The hold is owned by the calling agent.",
            &["reservation", "hold"],
        ),
        RELEASE_RESERVATION => (
            "Release reservation",
            "Release an active hold the calling agent owns.",
            &["reservation", "release"],
        ),
        _ => (
            "Deal hand-off",
            "Convert an active reservation into an emailed deal-intent package for a live sales manager. Requires scope deal:handoff and customer_consent: true. Returns a masked receipt.",
            &["deal", "handoff", "pii"],
        ),
    }
}

/// The JSON Schema of a tool's arguments (the MCP inputSchema).
pub(crate) fn input_schema(app: &App, tool: &str) -> Value {
    match tool {
        SEARCH_INVENTORY => json!({
            "type": "object",
            "properties": {
                "make": {"type": "string"},
                "model": {"type": "string"},
                "year": {"type": "integer"}
            }
        }),
        CREATE_RESERVATION => json!({
            "type": "object",
            "required": ["vin"],
            "properties": {
                "vin": {"type": "string", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
                "hold_seconds": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 900}
            }
        }),
        RELEASE_RESERVATION => json!({
            "type": "object",
            "required": ["reservation_token"],
            "properties": {"reservation_token": {"type": "string"}}
        }),
        _ => app.validator.schema().clone(),
    }
}

/// The envelope a tool produced.
#[derive(Debug, Clone)]
pub(crate) struct ToolReply {
    /// `{"data",...}` or `{"error",...}` with `_metadata`.
    pub(crate) envelope: Value,
    /// True for an error envelope.
    pub(crate) is_error: bool,
}

/// An operation error.
#[derive(Debug)]
struct ToolError {
    code: &'static str,
    message: String,
    reason: Option<&'static str>,
    field: Option<String>,
}

impl ToolError {
    fn new(code: &'static str, message: impl Into<String>) -> ToolError {
        ToolError {
            code,
            message: message.into(),
            reason: None,
            field: None,
        }
    }

    fn field(mut self, f: impl Into<String>) -> ToolError {
        let f = f.into();
        self.field = (!f.is_empty()).then_some(f);
        self
    }

    fn reason(mut self, r: &'static str) -> ToolError {
        self.reason = Some(r);
        self
    }
}

fn internal(what: impl std::fmt::Display) -> ToolError {
    tracing::error!(error = %what, "internal error");
    ToolError::new("INTERNAL", "internal error")
}

/// `<prefix>` followed by 32 random URL-safe characters.
fn random_token(prefix: &str) -> String {
    use base64::Engine as _;
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..24]);
    format!("{prefix}{enc}")
}

/// Run one tool. Never panics; every failure is an error envelope.
pub(crate) async fn call(
    app: &App,
    caller: &Caller,
    protocol: Protocol,
    tool: &str,
    args: Value,
) -> ToolReply {
    let trace_id = format!("trc_{}", uuid::Uuid::new_v4().simple());
    let shown_protocol = if app.has(Defect::WrongMetadataProtocol) {
        "a2a"
    } else {
        protocol.name()
    };
    let metadata = json!({"trace_id": trace_id, "tool": tool, "protocol": shown_protocol});
    let result = match tool {
        SEARCH_INVENTORY => search_inventory(app, &args).await,
        CREATE_RESERVATION => create_reservation(app, caller, &args).await,
        RELEASE_RESERVATION => release_reservation(app, caller, &args).await,
        INITIATE_DEAL_HANDOFF => initiate_deal_handoff(app, caller, &trace_id, args).await,
        _ => Err(ToolError::new(VALIDATION_ERROR, "unknown tool")),
    };
    match result {
        Ok(data) => {
            tracing::info!(%trace_id, tool, agent = %caller.agent, outcome = "ok", "tool call");
            if tool != INITIATE_DEAL_HANDOFF {
                audit(app, caller, tool, "ok", &trace_id).await;
            }
            ToolReply {
                envelope: json!({"data": data, "_metadata": metadata}),
                is_error: false,
            }
        }
        Err(e) => {
            tracing::info!(%trace_id, tool, agent = %caller.agent, outcome = e.code, "tool call");
            // An SMTP failure persists nothing (seed: "Email is the contract"), not even an
            // audit row; every other refusal is audited (without PII).
            if e.reason != Some(REASON_EMAIL_SEND_FAILED) {
                audit(app, caller, tool, e.code, &trace_id).await;
            }
            let mut err = if app.has(crate::reference::Defect::ErrorWithoutMessage) {
                json!({})
            } else {
                json!({"message": e.message})
            };
            err[app.error_code_key.as_str()] = json!(e.code);
            if let Some(r) = e.reason {
                err["reason"] = json!(r);
            }
            if let Some(f) = e.field {
                err["field"] = json!(f);
            }
            ToolReply {
                envelope: json!({"error": err, "_metadata": metadata}),
                is_error: true,
            }
        }
    }
}

/// An audit row without PII hashes (successful hand-offs write theirs with the record).
async fn audit(app: &App, caller: &Caller, tool: &str, outcome: &str, trace_id: &str) {
    let entry = AuditEntry {
        agent: caller.agent.clone(),
        tool: tool.to_string(),
        outcome: outcome.to_string(),
        trace_id: trace_id.to_string(),
        email_sha256: None,
    };
    if let Err(e) = app.store.audit(entry).await {
        tracing::warn!(error = %e, "audit write failed");
    }
}

fn args_object(args: &Value) -> Result<&serde_json::Map<String, Value>, ToolError> {
    args.as_object().ok_or_else(|| {
        ToolError::new(VALIDATION_ERROR, "arguments: violates type object").field("arguments")
    })
}

async fn search_inventory(app: &App, args: &Value) -> Result<Value, ToolError> {
    let obj = args_object(args)?;
    let text_filter = |name: &str| -> Result<Option<String>, ToolError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.to_lowercase())),
            Some(_) => Err(ToolError::new(
                VALIDATION_ERROR,
                format!("{name}: violates type string"),
            )
            .field(name)),
        }
    };
    let make = text_filter("make")?;
    let model = text_filter("model")?;
    let year = match obj.get("year") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            ToolError::new(VALIDATION_ERROR, "year: violates type integer").field("year")
        })?),
    };
    let held = app.store.held_vins(Utc::now()).await.map_err(internal)?;
    let vehicles: Vec<Value> = app
        .inventory
        .iter()
        .filter(|v| make.as_ref().is_none_or(|m| v.make.to_lowercase() == *m))
        .filter(|v| model.as_ref().is_none_or(|m| v.model.to_lowercase() == *m))
        .filter(|v| year.is_none_or(|y| i64::from(v.year) == y))
        .map(|v| {
            let status = if held.contains(&v.vin) {
                "on_hold"
            } else {
                "available"
            };
            json!({
                "vin": v.vin, "year": v.year, "make": v.make, "model": v.model, "trim": v.trim,
                "stock": v.stock, "price": v.price, "condition": v.condition, "status": status,
            })
        })
        .collect();
    Ok(json!({"vehicles": vehicles}))
}

async fn create_reservation(app: &App, caller: &Caller, args: &Value) -> Result<Value, ToolError> {
    let obj = args_object(args)?;
    let vin = match obj.get("vin") {
        Some(Value::String(s)) => s.clone(),
        None => {
            return Err(ToolError::new(VALIDATION_ERROR, "vin: violates required").field("vin"));
        }
        Some(_) => {
            return Err(ToolError::new(VALIDATION_ERROR, "vin: violates type string").field("vin"));
        }
    };
    let hold = match obj.get("hold_seconds") {
        None | Some(Value::Null) => 900,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=3600).contains(&n) => n,
            Some(n) if n < 1 => {
                return Err(
                    ToolError::new(VALIDATION_ERROR, "hold_seconds: violates minimum 1")
                        .field("hold_seconds"),
                );
            }
            Some(_) => {
                return Err(ToolError::new(
                    VALIDATION_ERROR,
                    "hold_seconds: violates maximum 3600",
                )
                .field("hold_seconds"));
            }
            None => {
                return Err(ToolError::new(
                    VALIDATION_ERROR,
                    "hold_seconds: violates type integer",
                )
                .field("hold_seconds"));
            }
        },
    };
    if !app.inventory.iter().any(|v| v.vin == vin) {
        return Err(ToolError::new(VEHICLE_NOT_FOUND, "no vehicle with this VIN").field("vin"));
    }
    // Millisecond precision, so the stored instant and the returned string agree.
    let now = DateTime::<Utc>::from_timestamp_millis(Utc::now().timestamp_millis())
        .unwrap_or_else(Utc::now);
    let expires_at = now + chrono::Duration::seconds(hold);
    let token = random_token("rsv_");
    match app
        .store
        .create_reservation(
            token.clone(),
            vin.clone(),
            caller.agent.clone(),
            expires_at,
            now,
        )
        .await
        .map_err(internal)?
    {
        Reserve::Created => Ok(json!({
            "reservation_token": token,
            "status": "active",
            "vin": vin,
            "hold_seconds": hold,
            "expires_at": rfc3339_ms(expires_at),
        })),
        Reserve::Held => Err(ToolError::new(
            VEHICLE_UNAVAILABLE,
            "the vehicle already has an active hold",
        )
        .field("vin")),
    }
}

async fn release_reservation(app: &App, caller: &Caller, args: &Value) -> Result<Value, ToolError> {
    let obj = args_object(args)?;
    let token = match obj.get("reservation_token") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(ToolError::new(
                VALIDATION_ERROR,
                "reservation_token: violates required string",
            )
            .field("reservation_token"));
        }
    };
    let res = app
        .store
        .reservation(token.clone())
        .await
        .map_err(internal)?
        .ok_or_else(|| ToolError::new(RESERVATION_NOT_FOUND, "no such reservation"))?;
    if res.agent != caller.agent {
        return Err(ToolError::new(
            NOT_AUTHORIZED,
            "the reservation is owned by another agent",
        ));
    }
    // The `hold-kept-after-handoff` reading: a handed-off reservation stays held.
    let kept = app.is(Variant::HoldKeptAfterHandoff)
        && app
            .store
            .handed_off(token.clone())
            .await
            .map_err(internal)?;
    if kept
        || res.status != "active"
        || !app.store.release(token.clone()).await.map_err(internal)?
    {
        return Err(ToolError::new(
            RESERVATION_STATE,
            "the reservation is not active",
        ));
    }
    Ok(json!({"reservation_token": token, "status": "released"}))
}

/// The `mask-domain-too` variant: `j***@m***.com` (one character, three stars, the domain's
/// first character and its last label).
fn mask_domain_too(addr: &str) -> String {
    match addr.rsplit_once('@') {
        Some((local, domain)) => {
            let l: String = local.chars().take(1).collect();
            let d: String = domain.chars().take(1).collect();
            let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
            format!("{l}***@{d}***.{tld}")
        }
        None => mask_email(addr),
    }
}

/// Mask like [`mask_email`] but keeping three characters (the `sent-to-three-chars` defect).
fn mask_three(addr: &str) -> String {
    match addr.rsplit_once('@') {
        Some((local, domain)) => {
            let keep: String = local.chars().take(3).collect();
            format!("{keep}****@{domain}")
        }
        None => mask_email(addr),
    }
}

async fn initiate_deal_handoff(
    app: &App,
    caller: &Caller,
    trace_id: &str,
    args: Value,
) -> Result<Value, ToolError> {
    // (1) Schema validation: field + rule, never the value.
    let violations = app.validator.check(&args, app.defect);
    if app.is(Variant::ConsentFalseIsConsentInvalid)
        && args.get("customer_consent") == Some(&Value::Bool(false))
        && violations
            .first()
            .is_some_and(|v| v.field == "customer_consent")
    {
        return Err(ToolError::new(
            CONSENT_INVALID,
            "customer_consent: violates const true (explicit consent is required)",
        )
        .field("customer_consent"));
    }
    let fractional = args
        .pointer("/trade_in/appraised_value_partner/amount")
        .and_then(Value::as_f64)
        .is_some_and(|a| a.fract() != 0.0);
    if app.is(Variant::WholeMoneyAmounts) && violations.is_empty() && fractional {
        return Err(ToolError::new(
            VALIDATION_ERROR,
            "trade_in.appraised_value_partner.amount: violates type integer (whole currency units)",
        )
        .field("trade_in.appraised_value_partner.amount"));
    }
    if let Some(first) = violations.first() {
        let message = violations
            .iter()
            .map(|v| v.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ToolError::new(VALIDATION_ERROR, message).field(first.field.clone()));
    }
    let req: HandoffRequest = serde_json::from_value(args).map_err(|_| {
        ToolError::new(
            VALIDATION_ERROR,
            "request: does not match the request schema",
        )
    })?;

    // (2) Consent expiry.
    let now = Utc::now();
    let consent_expiry: Option<DateTime<FixedOffset>> =
        match req.consent.as_ref().and_then(|c| c.expires_at.as_deref()) {
            Some(s) => Some(DateTime::parse_from_rfc3339(s).map_err(|_| {
                ToolError::new(
                    VALIDATION_ERROR,
                    "consent.expires_at: violates format date-time",
                )
                .field("consent.expires_at")
            })?),
            None => None,
        };
    let consent_past = consent_expiry.is_some_and(|e| e <= now);
    let consent_invalid = || {
        ToolError::new(CONSENT_INVALID, "consent.expires_at is in the past")
            .field("consent.expires_at")
    };
    if consent_past
        && !app.has(Defect::AcceptPastConsent)
        && !app.has(Defect::EmailBeforeConsentCheck)
    {
        return Err(consent_invalid());
    }

    // (3) The reservation: known, owned by the caller, active, unexpired.
    let res = app
        .store
        .reservation(req.reservation_token.clone())
        .await
        .map_err(internal)?;
    let Some(res) = res else {
        if app.has(Defect::NotFoundAsState) {
            return Err(ToolError::new(
                RESERVATION_STATE,
                "the reservation is not active",
            ));
        }
        return Err(
            ToolError::new(RESERVATION_NOT_FOUND, "no such reservation").field("reservation_token")
        );
    };
    if res.agent != caller.agent && !app.has(Defect::SkipOwnership) {
        return Err(
            ToolError::new(NOT_AUTHORIZED, "the reservation is owned by another agent")
                .field("reservation_token"),
        );
    }
    if res.status != "active" && !app.has(Defect::AcceptReleasedReservation) {
        return Err(
            ToolError::new(RESERVATION_STATE, "the reservation is not active")
                .field("reservation_token"),
        );
    }
    if Utc::now() >= res.expires_at && !app.has(Defect::AcceptExpiredReservation) {
        return Err(
            ToolError::new(RESERVATION_EXPIRED, "the reservation's hold has expired")
                .field("reservation_token"),
        );
    }
    let vehicle = app
        .inventory
        .iter()
        .find(|v| v.vin == res.vin)
        .ok_or_else(|| internal("reserved VIN missing from inventory"))?;

    let handoff_token = random_token("hnd_");
    let request_date = rfc3339_ms(now);
    let pkg = Package {
        req: &req,
        vehicle,
        handoff_token: &handoff_token,
        request_date: &request_date,
    };
    let c = &req.customer_contact;
    let email_sha = sha256_hex(&c.email);
    let mut record = HandoffRecord {
        handoff_token: handoff_token.clone(),
        reservation_token: req.reservation_token.clone(),
        agent: caller.agent.clone(),
        name_sha256: sha256_hex(&c.name),
        phone_sha256: sha256_hex(&c.phone),
        email_sha256: email_sha.clone(),
        notes_sha256: req.notes.as_deref().map(|n| {
            if app.has(Defect::PlaintextNotes) {
                n.to_string()
            } else {
                sha256_hex(n)
            }
        }),
        trade_in_description_sha256: req
            .trade_in
            .as_ref()
            .and_then(|t| t.description.as_deref())
            .map(sha256_hex),
        consent_text_sha256: req
            .consent
            .as_ref()
            .and_then(|k| k.consent_text.as_deref())
            .map(sha256_hex),
        financing_preference: req.financing().to_string(),
        trade_in_disclosed: req.trade_in_disclosed(),
        trade_in_json: req.trade_in.as_ref().map(|t| t.structured_json()),
        consent_channels: req
            .consent
            .as_ref()
            .and_then(|k| k.allowed_channels.as_ref())
            .map(|ch| serde_json::to_string(ch).unwrap_or_default()),
        consent_expires_at: req.consent.as_ref().and_then(|k| k.expires_at.clone()),
        crm_status: None,
        crm_lead_id: None,
        sent_at: None,
    };
    let recorded_early = app.has(Defect::RecordBeforeEmail);
    if recorded_early {
        app.store
            .insert_handoff(record.clone(), None)
            .await
            .map_err(internal)?;
    }

    // (a) The email is the contract.
    let body = email::render_body(&pkg, !app.has(Defect::EmailWithoutPhone));
    if let Err(e) = app.mailer.send(&email::subject(&pkg), body).await {
        tracing::warn!(%trace_id, error = %e, "deal-intent email failed; nothing recorded");
        if app.is(Variant::AuditRowOnFailure) {
            let _ = app
                .store
                .audit(AuditEntry {
                    agent: caller.agent.clone(),
                    tool: INITIATE_DEAL_HANDOFF.to_string(),
                    outcome: "email_send_failed".into(),
                    trace_id: trace_id.to_string(),
                    email_sha256: Some(email_sha.clone()),
                })
                .await;
        }
        if app.has(Defect::CrmOnSmtpFailure)
            && let Some(crm) = &app.crm
        {
            let adf = adf::build_adf(
                &pkg,
                &app.desk[0],
                app.has(Defect::AdfPhoneBeforeEmail),
                !app.is(Variant::AdfContactEmailOnly),
            );
            let _ = crm.post_lead(adf, !app.has(Defect::CrmWithoutAuth)).await;
        }
        return Err(ToolError::new(
            UPSTREAM_UNAVAILABLE,
            "the deal-intent email could not be sent to the dealer desk",
        )
        .reason(REASON_EMAIL_SEND_FAILED));
    }
    let sent_at = Utc::now();
    if consent_past && app.has(Defect::EmailBeforeConsentCheck) {
        return Err(consent_invalid());
    }

    // (b) The CRM lead, best effort.
    let (crm_status, crm_lead_id) = match &app.crm {
        None if app.has(Defect::DisabledReportedSent) => ("sent", Some(handoff_token.clone())),
        None => ("disabled", None),
        Some(crm) => {
            let adf = adf::build_adf(
                &pkg,
                &app.desk[0],
                app.has(Defect::AdfPhoneBeforeEmail),
                !app.is(Variant::AdfContactEmailOnly),
            );
            match crm.post_lead(adf, !app.has(Defect::CrmWithoutAuth)).await {
                Ok(_) if app.is(Variant::CrmLeadIdIsHandoffToken) => {
                    ("sent", Some(handoff_token.clone()))
                }
                Ok(lead) => ("sent", Some(lead)),
                Err(reason) => {
                    tracing::warn!(%trace_id, %reason, crm_status = "failed", "CRM lead not created");
                    if app.has(Defect::CrmFailureFailsCall) {
                        return Err(ToolError::new(
                            UPSTREAM_UNAVAILABLE,
                            "the CRM lead could not be created",
                        )
                        .reason("crm_failed"));
                    }
                    let status = if app.has(Defect::CrmStatusAlwaysSent) {
                        "sent"
                    } else {
                        "failed"
                    };
                    let lead = app
                        .has(Defect::CrmLeadIdOnFailure)
                        .then(|| handoff_token.clone());
                    (status, lead)
                }
            }
        }
    };

    // (c) The record (🔒 values as SHA-256 only).
    let sent_at_db = rfc3339_ms(sent_at);
    let audit = AuditEntry {
        agent: caller.agent.clone(),
        tool: INITIATE_DEAL_HANDOFF.to_string(),
        outcome: "ok".into(),
        trace_id: trace_id.to_string(),
        email_sha256: Some(email_sha.clone()),
    };
    if recorded_early {
        app.store
            .complete_handoff(
                handoff_token.clone(),
                sent_at_db,
                crm_status.to_string(),
                crm_lead_id.clone(),
                audit,
            )
            .await
            .map_err(internal)?;
    } else {
        record.sent_at = Some(sent_at_db);
        record.crm_status = Some(crm_status.to_string());
        record.crm_lead_id = crm_lead_id.clone();
        app.store
            .insert_handoff(record, Some(audit))
            .await
            .map_err(internal)?;
    }
    if app.has(Defect::LogCustomerEmail) {
        tracing::info!(%trace_id, customer_email = %c.email, "hand-off for customer");
    }
    tracing::info!(%trace_id, agent = %caller.agent, %handoff_token, email_sha256 = %email_sha,
        crm_status, "hand-off recorded");

    // The masked receipt.
    let utc_text = sent_at.to_rfc3339_opts(SecondsFormat::Millis, false);
    let sent_at_text = match FixedOffset::east_opt(2 * 3600) {
        Some(plus2) if app.has(Defect::SentAtLocalOffset) => sent_at
            .with_timezone(&plus2)
            .to_rfc3339_opts(SecondsFormat::Millis, false),
        _ => utc_text,
    };
    let sent_to = if app.is(Variant::MaskDomainToo) {
        app.desk
            .iter()
            .map(|d| mask_domain_too(d))
            .collect::<Vec<_>>()
            .join(", ")
    } else if app.has(Defect::SentToThreeChars) {
        app.desk
            .iter()
            .map(|d| mask_three(d))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        mask_list(&app.desk)
    };
    let shown_email = if app.has(Defect::UnmaskedNextSteps) {
        c.email.clone()
    } else if app.is(Variant::MaskDomainToo) {
        mask_domain_too(&c.email)
    } else {
        mask_email(&c.email)
    };
    let mut data = json!({
        "handoff_token": handoff_token,
        "sent_to_masked": sent_to,
        "sent_at": sent_at_text,
        "status": if app.has(Defect::StatusQueued) { "queued" } else { "sent" },
        "crm_status": crm_status,
        "crm_lead_id": crm_lead_id,
        "next_steps": format!("A sales manager will contact {shown_email} within 1 business day."),
    });
    if app.has(Defect::ReceiptWithoutNextSteps)
        && let Some(o) = data.as_object_mut()
    {
        o.remove("next_steps");
    }
    Ok(data)
}
