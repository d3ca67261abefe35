//! The AAP skills of the reference dealer ([`AapState`], dispatched by `call`): `lead.submit`
//! (AAP v0.2, seed 002), `lead.general` (the AAP draft, seed 003) and `inventory.search`, over
//! both A2A bindings. The DataPart `data` of the request is the AAP request; the answer is the
//! AAP response object (`{"type","data","message"?,"error"?}`).
//!
//! `lead.submit` checks, in this order (docs/serve-reference.md, notes/aap-contract.md):
//! condition vocabularies (INVALID_CONDITION), the request schema (VALIDATION_ERROR, naming the
//! field and the rule, never the value), consent (CONTACT_CONSENT_REQUIRED), the vehicle of
//! interest when a test drive is requested (VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE), duplicates
//! (same customer and vehicle within 24 h), then the appointment rules ([`appointment_outcome`]:
//! Monday–Saturday 15:00–23:00 UTC on the hour or half hour is confirmed, other times within 60
//! days get two proposed slots, the past and beyond 60 days are APPOINTMENT_TIME_UNAVAILABLE
//! with the lead still received). A received lead gets a `lead_<uuid>` id, a row in `aap_leads`
//! (customer only as digests) and a best-effort ADF lead to the CRM (`aap_adf`).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Timelike, Utc, Weekday};
use jsonschema::error::ValidationErrorKind;
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::store::{AuditEntry, LeadInsert, LeadRecord};
use super::validate::field_and_rule;
use super::{App, DEALER_NAME, Defect, ReferenceError, Variant, aap_adf, inventory};
use crate::spec::model::{AppointmentType, LeadGeneralRequest, LeadSubmitRequest, Vehicle};
use crate::spec::sha256_hex;
use crate::suites::aap::{DRAFT_REQUEST_SCHEMA, V02_REQUEST_SCHEMA};

/// The AAP v0.2 unified lead skill.
pub const LEAD_SUBMIT: &str = "lead.submit";
/// The AAP draft general-inquiry skill.
pub const LEAD_GENERAL: &str = "lead.general";
/// The AAP inventory skill (the fixture source of the AAP suites).
pub const INVENTORY_SEARCH: &str = "inventory.search";
/// The AAP skills, in agent-card order.
pub const SKILLS: [&str; 3] = [LEAD_SUBMIT, LEAD_GENERAL, INVENTORY_SEARCH];

/// The dealer's phone in E.164 (`data.dealer.phone`).
pub const DEALER_PHONE: &str = "+18015550100";
/// The same number in local format (the `aap-dealer-phone-local` defect).
pub const DEALER_PHONE_LOCAL: &str = "(801) 555-0100";
/// An in-stock vehicle of `inventory.search`: 2024 Honda CR-V EX-L, used, stock DT-2611.
pub const IN_STOCK_VIN: &str = "1HGCY2F57RA000001";
/// The stock number of [`IN_STOCK_VIN`].
pub const IN_STOCK_STOCK: &str = "DT-2611";
/// A sold vehicle of `inventory.search`: 2024 Subaru Outback (VEHICLE_UNAVAILABLE with a test drive).
pub const SOLD_VIN: &str = "4S4BTGPD0R3100002";
/// A certified pre-owned vehicle of `inventory.search`: 2023 Subaru Forester Limited.
pub const CPO_STOCK: &str = "MMSC902";
/// How long a received lead makes a resubmission a duplicate.
pub const DUPLICATE_WINDOW_HOURS: i64 = 24;
/// How far ahead an appointment may be booked.
pub const APPOINTMENT_HORIZON_DAYS: i64 = 60;

/// `CONTACT_CONSENT_REQUIRED`: consent missing, wrong scope or channel not allowed.
pub const CONTACT_CONSENT_REQUIRED: &str = "CONTACT_CONSENT_REQUIRED";
/// `INVALID_CONDITION`: a condition word from the other vocabulary.
pub const INVALID_CONDITION: &str = "INVALID_CONDITION";
/// `APPOINTMENT_TIME_UNAVAILABLE`: the requested time cannot be honoured, no proposals.
pub const APPOINTMENT_TIME_UNAVAILABLE: &str = "APPOINTMENT_TIME_UNAVAILABLE";
use crate::spec::codes::{VALIDATION_ERROR, VEHICLE_NOT_FOUND, VEHICLE_UNAVAILABLE};

/// The sale vocabulary (`vehicle_of_interest.condition`).
const SALE_CONDITIONS: [&str; 3] = ["new", "used", "cpo"];
/// The trade-in vocabulary (`trade_in.condition`).
const TRADE_CONDITIONS: [&str; 4] = ["excellent", "good", "fair", "poor"];

/// Is `name` one of the AAP skills?
pub(crate) fn is_skill(name: &str) -> bool {
    SKILLS.contains(&name)
}

/// Human-readable title, description and tags of a skill (agent card).
pub(crate) fn describe(skill: &str) -> (&'static str, &'static str, &'static [&'static str]) {
    match skill {
        LEAD_SUBMIT => (
            "Submit a lead (AAP v0.2)",
            "lead.submit: one consented lead with an optional vehicle of interest, trade-in and appointment. Consent scope must be exactly [\"lead_submission\"].",
            &["aap", "lead", "appointment", "trade-in"],
        ),
        LEAD_GENERAL => (
            "General inquiry (AAP draft)",
            "lead.general: an open-ended question; customer optional, and with a customer a consent whose scope includes general_inquiry.",
            &["aap", "lead", "inquiry"],
        ),
        _ => (
            "Search inventory (AAP)",
            "inventory.search: the dealer's vehicles with vin, year, make, model, trim, condition (new|used|cpo), stock, price and status (available|sold); optional make/model/condition/year filters.",
            &["aap", "inventory", "search"],
        ),
    }
}

/// The A2A binding a call arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// JSON-RPC (`SendMessage` or, in the 0.3 profile, `message/send`).
    JsonRpc,
    /// HTTP+JSON (`message:send`).
    Rest,
}

/// One vehicle of the AAP inventory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AapVehicle {
    /// 17-character VIN.
    pub vin: String,
    /// Model year.
    pub year: u16,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Trim.
    pub trim: String,
    /// `new`, `used` or `cpo`.
    pub condition: String,
    /// Dealer stock number.
    pub stock: String,
    /// Asking price in USD.
    pub price: u32,
    /// `available` or `sold`.
    pub status: String,
}

/// The AAP inventory: the seeded Mark Miller Subaru stock (all available), the in-stock
/// 2024 Honda CR-V of seed 002 ([`IN_STOCK_VIN`]), a certified pre-owned Forester
/// ([`CPO_STOCK`]) and a sold 2024 Outback ([`SOLD_VIN`]).
pub fn aap_inventory() -> Vec<AapVehicle> {
    let mut out: Vec<AapVehicle> = inventory::seed()
        .into_iter()
        .map(|v| AapVehicle {
            vin: v.vin,
            year: v.year,
            make: v.make,
            model: v.model,
            trim: v.trim,
            condition: v.condition,
            stock: v.stock,
            price: v.price,
            status: "available".into(),
        })
        .collect();
    let extra = |vin: String,
                 year: u16,
                 make: &str,
                 model: &str,
                 trim: &str,
                 condition: &str,
                 stock: &str,
                 price: u32,
                 status: &str| AapVehicle {
        vin,
        year,
        make: make.into(),
        model: model.into(),
        trim: trim.into(),
        condition: condition.into(),
        stock: stock.into(),
        price,
        status: status.into(),
    };
    out.push(extra(
        IN_STOCK_VIN.into(),
        2024,
        "Honda",
        "CR-V",
        "EX-L",
        "used",
        IN_STOCK_STOCK,
        32_995,
        "available",
    ));
    out.push(extra(
        inventory::vin("JF2", "SKALC", 2023, 'H', 600_321),
        2023,
        "Subaru",
        "Forester",
        "Limited",
        "cpo",
        CPO_STOCK,
        29_995,
        "available",
    ));
    out.push(extra(
        SOLD_VIN.into(),
        2024,
        "Subaru",
        "Outback",
        "Touring XT",
        "used",
        "MMSU901",
        38_995,
        "sold",
    ));
    out
}

/// What the dealer does with a requested appointment time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentOutcome {
    /// Booked at this instant.
    Confirmed(DateTime<Utc>),
    /// Not bookable as asked; these are the next two bookable slots after it.
    Proposed(Vec<DateTime<Utc>>),
    /// In the past or more than [`APPOINTMENT_HORIZON_DAYS`] ahead: no proposals.
    Unavailable,
    /// No time was given: manual review.
    Requested,
}

/// Can the dealer book an appointment starting at `t`? Monday–Saturday, 15:00 ≤ time < 23:00
/// UTC, on the hour or half hour (seconds zero).
pub fn is_confirmable(t: DateTime<Utc>) -> bool {
    t.weekday() != Weekday::Sun
        && (15..23).contains(&t.hour())
        && (t.minute() == 0 || t.minute() == 30)
        && t.second() == 0
        && t.nanosecond() == 0
}

/// The first `n` confirmable slots strictly after `after`.
pub fn next_confirmable_slots(after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let floor_minute = if after.minute() >= 30 { 30 } else { 0 };
    let base = after
        .with_minute(floor_minute)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(after);
    let mut out = Vec::with_capacity(n);
    let mut t = base;
    // A week holds 96 slots; 16 days of half hours is plenty for any n ≤ 96.
    for _ in 0..(16 * 48) {
        if out.len() >= n {
            break;
        }
        t += Duration::minutes(30);
        if is_confirmable(t) {
            out.push(t);
        }
    }
    out
}

/// The dealer's answer to an appointment at `at` (None: no time given), judged at `now`.
pub fn appointment_outcome(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AppointmentOutcome {
    let Some(at) = at else {
        return AppointmentOutcome::Requested;
    };
    if at < now || at > now + Duration::days(APPOINTMENT_HORIZON_DAYS) {
        AppointmentOutcome::Unavailable
    } else if is_confirmable(at) {
        AppointmentOutcome::Confirmed(at)
    } else {
        AppointmentOutcome::Proposed(next_confirmable_slots(at, 2))
    }
}

/// RFC 3339 UTC with seconds and `Z`.
fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The compiled schemas, the inventory and the lead-id counters of one server.
pub(crate) struct AapState {
    submit: jsonschema::Validator,
    general: jsonschema::Validator,
    inventory: Vec<AapVehicle>,
    /// The `aap-lead-id-reused` defect's counters (JSON-RPC, HTTP+JSON).
    counters: [AtomicU64; 2],
}

fn compile(src: &str, what: &str) -> Result<jsonschema::Validator, ReferenceError> {
    let schema: Value = serde_json::from_str(src)
        .map_err(|e| ReferenceError::Config(format!("{what} schema is not JSON: {e}")))?;
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| ReferenceError::Config(format!("{what} schema does not compile: {e}")))
}

impl AapState {
    /// Compile the embedded AAP request schemas and seed the inventory.
    pub(crate) fn new() -> Result<AapState, ReferenceError> {
        Ok(AapState {
            submit: compile(V02_REQUEST_SCHEMA, "AAP v0.2 request")?,
            general: compile(DRAFT_REQUEST_SCHEMA, "AAP draft request")?,
            inventory: aap_inventory(),
            counters: [AtomicU64::new(0), AtomicU64::new(0)],
        })
    }

    /// Locate a vehicle of interest: by VIN if given, else by stock number, else by
    /// year+make+model (an available match preferred).
    fn locate(&self, v: &Vehicle) -> Option<&AapVehicle> {
        let eq = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        if let Some(vin) = v.vin.as_deref() {
            return self.inventory.iter().find(|x| eq(&x.vin, vin));
        }
        if let Some(stock) = v.stock.as_deref() {
            return self.inventory.iter().find(|x| eq(&x.stock, stock));
        }
        let (Some(year), Some(make), Some(model)) = (v.year, v.make.as_deref(), v.model.as_deref())
        else {
            return None;
        };
        let all: Vec<&AapVehicle> = self
            .inventory
            .iter()
            .filter(|x| i64::from(x.year) == year && eq(&x.make, make) && eq(&x.model, model))
            .collect();
        all.iter()
            .find(|x| x.status == "available")
            .or_else(|| all.first())
            .copied()
    }
}

/// An operation error (`error` beside `data`).
#[derive(Debug, Clone)]
struct OpError {
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl OpError {
    fn new(code: &'static str, field: &str, message: impl Into<String>) -> OpError {
        OpError {
            code,
            message: message.into(),
            field: (!field.is_empty()).then(|| field.to_string()),
        }
    }

    /// `{"code","message","field"?}`, the code under the configured key (`error_code_key`).
    fn to_json(&self, app: &App) -> Value {
        let mut e = json!({"message": self.message});
        e[app.error_code_key.as_str()] = json!(self.code);
        if let Some(f) = &self.field {
            e["field"] = json!(f);
        }
        e
    }
}

/// Which lead skill a response belongs to (type constant, dealer phone defect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    Submit,
    General,
}

impl Lead {
    /// Whether the defect of this skill's pair (`submit` for lead.submit, `general` for
    /// lead.general) is injected.
    fn has(self, app: &App, submit: Defect, general: Defect) -> bool {
        app.has(match self {
            Lead::Submit => submit,
            Lead::General => general,
        })
    }
}

fn response_type(app: &App, lead: Lead) -> &'static str {
    if lead.has(
        app,
        Defect::AapWrongResponseType,
        Defect::AapGeneralWrongResponseType,
    ) {
        return "lead.response";
    }
    match lead {
        Lead::Submit => "lead.submit.response",
        Lead::General => "lead.general.response",
    }
}

/// `data.dealer`, or None when the reference takes the `aap-no-dealer-object` reading.
fn dealer(app: &App, lead: Lead) -> Option<Value> {
    if app.is(Variant::AapNoDealerObject) {
        return None;
    }
    if lead == Lead::Submit && app.has(Defect::AapDealerPhoneNumber) {
        return Some(json!({"name": DEALER_NAME, "phone": 18_015_550_100_u64}));
    }
    let local = match lead {
        Lead::Submit => app.is(Variant::AapDealerPhoneNational),
        Lead::General => app.has(Defect::AapGeneralDealerPhoneLocal),
    };
    let phone = if local {
        DEALER_PHONE_LOCAL
    } else {
        DEALER_PHONE
    };
    Some(json!({"name": DEALER_NAME, "phone": phone}))
}

/// A refused lead: `data.status` rejected, no lead_id, the error beside `data`.
fn rejected(app: &App, lead: Lead, e: &OpError) -> Value {
    let mut data = json!({"status": "rejected"});
    if let Some(d) = dealer(app, lead) {
        data["dealer"] = d;
    }
    json!({
        "type": response_type(app, lead),
        "data": data,
        "message": format!("The lead was not accepted ({}).", e.code),
        "error": e.to_json(app),
    })
}

/// Run one AAP skill. Never panics; every failure is an AAP response with an `error`.
pub(crate) async fn call(app: &App, caller: &Caller, via: Via, skill: &str, data: Value) -> Value {
    let trace_id = format!("trc_{}", uuid::Uuid::new_v4().simple());
    let response = match skill {
        LEAD_SUBMIT => lead_submit(app, caller, via, data).await,
        LEAD_GENERAL => lead_general(app, caller, via, data).await,
        _ => inventory_search(app, &data),
    };
    let outcome = response
        .get("error")
        .and_then(|e| e.get(app.error_code_key.as_str()))
        .and_then(Value::as_str)
        .unwrap_or("ok")
        .to_string();
    let status = response
        .pointer("/data/status")
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_string();
    tracing::info!(%trace_id, skill, agent = %caller.agent, outcome = %outcome, status = %status, "AAP call");
    let entry = AuditEntry {
        agent: caller.agent.clone(),
        tool: skill.to_string(),
        outcome,
        trace_id,
        email_sha256: None,
    };
    if let Err(e) = app.store.audit(entry).await {
        tracing::warn!(error = %e, "audit write failed");
    }
    response
}

// ---------------------------------------------------------------------------------------------
// inventory.search
// ---------------------------------------------------------------------------------------------

fn inventory_search(app: &App, data: &Value) -> Value {
    let fail = |e: OpError| {
        json!({
            "type": "inventory.search.response",
            "data": {"vehicles": []},
            "error": e.to_json(app),
        })
    };
    let Some(obj) = data.as_object() else {
        return fail(OpError::new(
            VALIDATION_ERROR,
            "request",
            "request: violates type object",
        ));
    };
    if let Some(t) = obj.get("type")
        && t != "inventory.search.request"
    {
        return fail(OpError::new(
            VALIDATION_ERROR,
            "type",
            "type: violates const inventory.search.request",
        ));
    }
    let text = |name: &str| -> Result<Option<String>, OpError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_lowercase())),
            Some(_) => Err(OpError::new(
                VALIDATION_ERROR,
                name,
                format!("{name}: violates type string"),
            )),
        }
    };
    let filters = (|| -> Result<_, OpError> {
        let make = text("make")?;
        let model = text("model")?;
        let condition = text("condition")?;
        if let Some(c) = &condition
            && !SALE_CONDITIONS.contains(&c.as_str())
        {
            return Err(OpError::new(
                VALIDATION_ERROR,
                "condition",
                "condition: violates enum new|used|cpo",
            ));
        }
        let year = match obj.get("year") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| {
                OpError::new(VALIDATION_ERROR, "year", "year: violates type integer")
            })?),
        };
        Ok((make, model, condition, year))
    })();
    let (make, model, condition, year) = match filters {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let vehicles: Vec<Value> = app
        .aap
        .inventory
        .iter()
        .filter(|v| make.as_ref().is_none_or(|m| v.make.to_lowercase() == *m))
        .filter(|v| model.as_ref().is_none_or(|m| v.model.to_lowercase() == *m))
        .filter(|v| condition.as_ref().is_none_or(|c| v.condition == *c))
        .filter(|v| year.is_none_or(|y| i64::from(v.year) == y))
        .map(|v| {
            json!({
                "vin": v.vin, "year": v.year, "make": v.make, "model": v.model, "trim": v.trim,
                "condition": v.condition, "stock": v.stock, "price": v.price, "status": v.status,
            })
        })
        .collect();
    json!({"type": "inventory.search.response", "data": {"vehicles": vehicles}})
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Schema violations of `data` as one VALIDATION_ERROR (None when valid), leaving out those
/// `skip(at, kind)` claims (consent rules checked later, or relaxed by a defect).
fn schema_error(
    validator: &jsonschema::Validator,
    data: &Value,
    skip: impl Fn(&str, &ValidationErrorKind) -> bool,
) -> Option<OpError> {
    let mut first_field = None;
    let mut messages = Vec::new();
    for err in validator.iter_errors(data) {
        let at = err
            .instance_path()
            .as_str()
            .trim_start_matches('/')
            .to_string();
        let (field, rule) = field_and_rule(&err);
        let at_dotted = dotted_path(&at);
        if skip(&at_dotted, err.kind()) {
            continue;
        }
        let shown = if field.is_empty() { "request" } else { &field };
        let message = format!("{shown}: violates {rule}");
        if !messages.contains(&message) {
            messages.push(message);
        }
        first_field.get_or_insert(shown.to_string());
    }
    let field = first_field?;
    Some(OpError::new(VALIDATION_ERROR, &field, messages.join("; ")))
}

/// `a/b/0/c` (a JSON pointer without its leading slash) as `a.b[0].c`.
fn dotted_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

fn required_member(kind: &ValidationErrorKind) -> Option<&str> {
    match kind {
        ValidationErrorKind::Required { property } => property.as_str(),
        _ => None,
    }
}

/// The condition string of `data[member]`, if it is an object with a string `condition`.
fn condition_of<'a>(data: &'a Value, member: &str) -> Option<&'a str> {
    data.get(member)?.get("condition")?.as_str()
}

/// Step 1 of lead.submit: condition words from the other vocabulary.
fn condition_error(app: &App, data: &Value) -> Option<OpError> {
    let unknown_invalid = app.is(Variant::AapUnknownConditionInvalid);
    if let Some(c) = condition_of(data, "vehicle_of_interest") {
        let cross = TRADE_CONDITIONS.contains(&c) && !app.has(Defect::AapConditionAsValidation);
        let neither = unknown_invalid && !SALE_CONDITIONS.contains(&c);
        if cross || neither {
            return Some(OpError::new(
                INVALID_CONDITION,
                "vehicle_of_interest.condition",
                "vehicle_of_interest.condition: violates the sale vocabulary new|used|cpo (excellent|good|fair|poor describe a trade-in)",
            ));
        }
    }
    if let Some(c) = condition_of(data, "trade_in") {
        let cross = SALE_CONDITIONS.contains(&c) && !app.has(Defect::AapTradeinConditionAccepted);
        let neither = unknown_invalid && !TRADE_CONDITIONS.contains(&c);
        if cross || neither {
            return Some(OpError::new(
                INVALID_CONDITION,
                "trade_in.condition",
                "trade_in.condition: violates the trade-in vocabulary excellent|good|fair|poor (new|used|cpo describe a vehicle for sale)",
            ));
        }
    }
    None
}

/// The strings of a JSON array (None if it is not an array of strings).
fn strings(v: Option<&Value>) -> Option<Vec<&str>> {
    v?.as_array()?.iter().map(Value::as_str).collect()
}

/// `customer.preferred_contact` outside `consent.allowed_channels`?
fn channel_refused(data: &Value) -> bool {
    let Some(preferred) = data.pointer("/customer/preferred_contact") else {
        return false;
    };
    let allowed = strings(data.pointer("/consent/allowed_channels")).unwrap_or_default();
    match preferred.as_str() {
        Some(p) => !allowed.contains(&p),
        None => !preferred.is_null(),
    }
}

/// The `aap-consent-fields-required` reading: a ConsentGrant must carry granted_at,
/// consent_text and source_agent.
fn consent_fields_missing(app: &App, data: &Value) -> Option<OpError> {
    if !app.is(Variant::AapConsentFieldsRequired) {
        return None;
    }
    let consent = data.get("consent")?;
    let missing = ["granted_at", "consent_text", "source_agent"]
        .into_iter()
        .find(|k| {
            consent
                .get(*k)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })?;
    Some(OpError::new(
        CONTACT_CONSENT_REQUIRED,
        &format!("consent.{missing}"),
        format!(
            "consent.{missing}: violates required (the dealer keeps a complete consent record)"
        ),
    ))
}

/// The paired `aap-channel-vocabulary-open` defects: a channel outside email|phone|sms is
/// dropped from consent.allowed_channels instead of refused.
fn drop_unknown_channels(app: &App, lead: Lead, data: &mut Value) {
    if lead.has(
        app,
        Defect::AapChannelVocabularyOpen,
        Defect::AapGeneralChannelVocabularyOpen,
    ) && let Some(list) = data
        .pointer_mut("/consent/allowed_channels")
        .and_then(Value::as_array_mut)
    {
        list.retain(|c| matches!(c.as_str(), Some("email" | "phone" | "sms")));
    }
}

fn channel_error() -> OpError {
    OpError::new(
        CONTACT_CONSENT_REQUIRED,
        "customer.preferred_contact",
        "customer.preferred_contact: violates consent.allowed_channels (the follow-up channel is not authorised)",
    )
}

// ---------------------------------------------------------------------------------------------
// Duplicates and recording
// ---------------------------------------------------------------------------------------------

/// The customer digests duplicates are matched on: trimmed, lower-cased email; phone.
fn customer_keys(data: &Value) -> (Option<String>, Option<String>) {
    let text = |p: &str| {
        data.pointer(p)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    (
        text("/customer/email").map(|e| sha256_hex(&e.to_lowercase())),
        text("/customer/phone").map(sha256_hex),
    )
}

/// What identifies the vehicle of interest for duplicate detection.
fn vehicle_key(v: Option<&Vehicle>, found: Option<&AapVehicle>) -> String {
    let Some(v) = v else {
        return "none".into();
    };
    if let Some(vin) = v.vin.as_deref() {
        return format!("vin:{}", vin.trim().to_uppercase());
    }
    if let Some(f) = found {
        return format!("vin:{}", f.vin);
    }
    if let Some(stock) = v.stock.as_deref() {
        return format!("stock:{}", stock.trim().to_uppercase());
    }
    format!(
        "ymm:{}|{}|{}",
        v.year.unwrap_or_default(),
        v.make.as_deref().unwrap_or("").trim().to_lowercase(),
        v.model.as_deref().unwrap_or("").trim().to_lowercase()
    )
}

/// A fresh lead id: `lead_<uuid simple>`, or with `aap-lead-id-reused` a per-binding counter
/// that hands out every number twice.
fn new_lead_id(app: &App, via: Via, lead: Lead) -> String {
    let reused = lead.has(app, Defect::AapLeadIdReused, Defect::AapGeneralLeadIdReused);
    if reused {
        let counter = &app.aap.counters[match via {
            Via::JsonRpc => 0,
            Via::Rest => 1,
        }];
        let n = counter.fetch_add(1, Ordering::SeqCst);
        return format!("lead_{:06}", n / 2 + 1);
    }
    format!("lead_{}", uuid::Uuid::new_v4().simple())
}

/// The `*-message-limit-off-by-one` defects' refusal of a 4000-character message.
fn off_by_one() -> OpError {
    OpError::new(
        VALIDATION_ERROR,
        "message",
        "message: violates maxLength 3999",
    )
}

/// The start of the duplicate window; with a `*-no-duplicate-detection` defect it lies in the
/// future, so no earlier lead ever matches.
fn duplicate_window_start(app: &App, lead: Lead, now: DateTime<Utc>) -> DateTime<Utc> {
    if lead.has(
        app,
        Defect::AapNoDuplicateDetection,
        Defect::AapGeneralNoDuplicateDetection,
    ) {
        now + Duration::days(1)
    } else {
        now - Duration::hours(DUPLICATE_WINDOW_HOURS)
    }
}

/// The `data` of an accepted answer; with a `*-duplicate-without-lead-id` defect a duplicate
/// carries no lead_id.
fn accepted_data(app: &App, lead: Lead, lead_id: &str, status: &str) -> Value {
    let drop_id = status == "duplicate"
        && lead.has(
            app,
            Defect::AapDuplicateWithoutLeadId,
            Defect::AapGeneralDuplicateWithoutLeadId,
        );
    if drop_id {
        json!({"status": status})
    } else {
        json!({"lead_id": lead_id, "status": status})
    }
}

/// POST the ADF lead (when the CRM is enabled) and record its outcome.
async fn forward(app: &App, lead_id: &str, adf: String) {
    let Some(crm) = app
        .crm
        .as_ref()
        .filter(|_| !app.is(Variant::AapNoCrmForwarding))
    else {
        let _ = app
            .store
            .set_lead_crm(lead_id.to_string(), "disabled".into(), None)
            .await;
        return;
    };
    let (status, crm_lead) = match crm.post_lead(adf, true).await {
        Ok(id) => ("sent", Some(id)),
        Err(reason) => {
            tracing::warn!(%lead_id, %reason, crm_status = "failed", "CRM lead not created");
            ("failed", None)
        }
    };
    if let Err(e) = app
        .store
        .set_lead_crm(lead_id.to_string(), status.into(), crm_lead)
        .await
    {
        tracing::warn!(error = %e, "lead CRM status not recorded");
    }
}

fn internal(what: impl std::fmt::Display) -> OpError {
    tracing::error!(error = %what, "internal error");
    OpError::new("INTERNAL", "", "internal error")
}

// ---------------------------------------------------------------------------------------------
// lead.submit
// ---------------------------------------------------------------------------------------------

async fn lead_submit(app: &App, caller: &Caller, via: Via, mut data: Value) -> Value {
    let lead = Lead::Submit;
    if !data.is_object() {
        return rejected(
            app,
            lead,
            &OpError::new(VALIDATION_ERROR, "request", "request: violates type object"),
        );
    }
    if app.has(Defect::AapMultiVehicleAccepted)
        && let Some(first) = data
            .get("vehicle_of_interest")
            .and_then(Value::as_array)
            .and_then(|list| list.first())
            .cloned()
    {
        data["vehicle_of_interest"] = first;
    }

    // (1) Condition vocabularies.
    if let Some(e) = condition_error(app, &data) {
        return rejected(app, lead, &e);
    }
    if app.has(Defect::AapLastNameOptional)
        && let Some(c) = data.get_mut("customer").and_then(Value::as_object_mut)
    {
        c.entry("last_name").or_insert(json!("Customer"));
    }
    if app.has(Defect::AapTradeinYearOptional)
        && let Some(t) = data.get_mut("trade_in").and_then(Value::as_object_mut)
    {
        t.entry("year").or_insert(json!(2000));
    }
    drop_unknown_channels(app, lead, &mut data);
    if app.has(Defect::AapUnknownConditionAccepted) {
        // The defect: a word in neither vocabulary is dropped instead of refused.
        for member in ["vehicle_of_interest", "trade_in"] {
            let unknown = condition_of(&data, member)
                .is_some_and(|c| !SALE_CONDITIONS.contains(&c) && !TRADE_CONDITIONS.contains(&c));
            if unknown && let Some(v) = data.get_mut(member).and_then(Value::as_object_mut) {
                v.remove("condition");
            }
        }
    }

    // (2) The request schema; the consent rules are step 3.
    let tradein_sale_ok = app.has(Defect::AapTradeinConditionAccepted)
        && condition_of(&data, "trade_in").is_some_and(|c| SALE_CONDITIONS.contains(&c));
    let message_len = data
        .get("message")
        .and_then(Value::as_str)
        .map(|m| m.chars().count());
    let unbounded_ok =
        app.has(Defect::AapMessageUnbounded) && message_len.is_some_and(|n| n <= 8000);
    if app.has(Defect::AapMessageLimitOffByOne) && message_len == Some(4000) {
        return rejected(app, lead, &off_by_one());
    }
    let skip = |at: &str, kind: &ValidationErrorKind| -> bool {
        let consent_rule = (at.is_empty() && required_member(kind) == Some("consent"))
            || (at == "consent"
                && (required_member(kind) == Some("scope")
                    || matches!(kind, ValidationErrorKind::Type { .. })))
            || at.starts_with("consent.scope");
        consent_rule
            || (tradein_sale_ok
                && at == "trade_in.condition"
                && matches!(kind, ValidationErrorKind::Enum { .. }))
            || (unbounded_ok
                && at == "message"
                && matches!(kind, ValidationErrorKind::MaxLength { .. }))
    };
    if let Some(e) = schema_error(&app.aap.submit, &data, skip) {
        return rejected(app, lead, &e);
    }

    // (3) Consent.
    let consent_present = data.get("consent").is_some_and(Value::is_object);
    if !consent_present {
        if !app.has(Defect::AapConsentMissingAccepted) {
            return rejected(
                app,
                lead,
                &OpError::new(
                    CONTACT_CONSENT_REQUIRED,
                    "consent",
                    "consent: violates required (lead.submit needs a ConsentGrant)",
                ),
            );
        }
        data["consent"] = json!({"scope": []});
    } else {
        let scope = strings(data.pointer("/consent/scope"));
        let scope_ok = match &scope {
            Some(s) if app.has(Defect::AapScopeNotExact) => s.contains(&"lead_submission"),
            Some(s) => s.as_slice() == ["lead_submission"],
            None => false,
        };
        if !scope_ok {
            return rejected(
                app,
                lead,
                &OpError::new(
                    CONTACT_CONSENT_REQUIRED,
                    "consent.scope",
                    "consent.scope: violates const [\"lead_submission\"]",
                ),
            );
        }
        if channel_refused(&data) && !app.has(Defect::AapChannelNotChecked) {
            return rejected(app, lead, &channel_error());
        }
        if let Some(e) = consent_fields_missing(app, &data) {
            return rejected(app, lead, &e);
        }
    }
    let keys = customer_keys(&data);
    let req: LeadSubmitRequest = match serde_json::from_value(data) {
        Ok(r) => r,
        Err(_) => {
            return rejected(
                app,
                lead,
                &OpError::new(
                    VALIDATION_ERROR,
                    "request",
                    "request: violates the lead.submit.request model (a member has an unexpected type)",
                ),
            );
        }
    };

    // The `aap-implicit-vehicle-required` reading: an appointment needs its implicit vehicle.
    let kind = req.appointment.as_ref().and_then(|a| a.appointment_type);
    if app.is(Variant::AapImplicitVehicleRequired)
        && ((kind == Some(AppointmentType::TestDrive) && req.vehicle_of_interest.is_none())
            || (kind == Some(AppointmentType::TradeIn) && req.trade_in.is_none()))
    {
        return rejected(
            app,
            lead,
            &OpError::new(
                VALIDATION_ERROR,
                "appointment.appointment_type",
                "appointment.appointment_type: violates the implicit vehicle (the vehicle it needs is absent)",
            ),
        );
    }

    // (4) The vehicle of interest, when a test drive is requested.
    let voi = req.vehicle_of_interest.as_ref();
    let found = voi.and_then(|v| app.aap.locate(v));
    let test_drive = req.appointment.as_ref().and_then(|a| a.appointment_type)
        == Some(AppointmentType::TestDrive);
    let check_vehicle =
        test_drive || (voi.is_some() && app.has(Defect::AapVehicleCheckedWithoutTestDrive));
    let mut vehicle_error = None;
    if check_vehicle {
        match (voi, found) {
            (None, _) => {
                vehicle_error = Some(OpError::new(
                    VEHICLE_NOT_FOUND,
                    "vehicle_of_interest",
                    "vehicle_of_interest: violates required (a test_drive needs the vehicle to drive)",
                ));
            }
            (Some(_), None) if !app.has(Defect::AapUnknownVehicleAccepted) => {
                vehicle_error = Some(OpError::new(
                    VEHICLE_NOT_FOUND,
                    "vehicle_of_interest",
                    "vehicle_of_interest: not in the dealer's inventory (test_drive requested)",
                ));
            }
            (Some(_), Some(v))
                if v.status == "sold" && !app.has(Defect::AapSoldVehicleAccepted) =>
            {
                vehicle_error = Some(OpError::new(
                    VEHICLE_UNAVAILABLE,
                    "vehicle_of_interest",
                    "vehicle_of_interest: no longer available (sold; test_drive requested)",
                ));
            }
            _ => {}
        }
    }

    if let Some(e) = vehicle_error
        .as_ref()
        .filter(|_| !app.is(Variant::AapVehicleErrorKeepsLead))
    {
        return rejected(app, lead, e);
    }

    // (6, computed before the duplicate check so that one transaction decides) The appointment.
    let now = Utc::now();
    let mut appointment_error = None;
    let ack = match &req.appointment {
        Some(a) => {
            let at = a
                .appointment_at
                .as_ref()
                .map(|t| t.at().with_timezone(&Utc));
            let id = format!("appt_{}", uuid::Uuid::new_v4().simple());
            let outcome = match appointment_outcome(at, now) {
                AppointmentOutcome::Confirmed(_) | AppointmentOutcome::Proposed(_)
                    if app.is(Variant::AapAppointmentsRequestedOnly) =>
                {
                    AppointmentOutcome::Requested
                }
                other => other,
            };
            Some(match outcome {
                AppointmentOutcome::Confirmed(t) => {
                    let status = if app.has(Defect::AapAppointmentStatusBooked) {
                        "booked"
                    } else {
                        "confirmed"
                    };
                    let mut ack = json!({"appointment_id": id, "status": status});
                    if !app.has(Defect::AapConfirmedWithoutTime) {
                        ack["confirmed_at"] = json!(utc_text(t));
                    }
                    ack
                }
                AppointmentOutcome::Proposed(times) => {
                    let mut ack = json!({"appointment_id": id, "status": "proposed"});
                    if !app.has(Defect::AapProposedWithoutTimes) {
                        ack["proposed_times"] =
                            json!(times.into_iter().map(utc_text).collect::<Vec<_>>());
                    }
                    ack
                }
                AppointmentOutcome::Unavailable => {
                    appointment_error = Some(OpError::new(
                        APPOINTMENT_TIME_UNAVAILABLE,
                        "appointment.appointment_at",
                        format!(
                            "appointment.appointment_at: violates the booking window (from now to {APPOINTMENT_HORIZON_DAYS} days ahead); no alternative can be proposed"
                        ),
                    ));
                    json!({"appointment_id": id, "status": "rejected"})
                }
                AppointmentOutcome::Requested => {
                    json!({"appointment_id": id, "status": "requested"})
                }
            })
        }
        None if app.has(Defect::AapAppointmentAlwaysPresent) => Some(json!({
            "appointment_id": format!("appt_{}", uuid::Uuid::new_v4().simple()),
            "status": "requested",
        })),
        None => None,
    };
    let reject_whole =
        appointment_error.is_some() && app.is(Variant::AapAppointmentFailureRejectsLead);

    // (5) Duplicate, and (7) the record.
    let lead_id = new_lead_id(app, via, lead);
    let subject = sha256_hex(&format!("lead.submit|{}", vehicle_key(voi, found)));
    let (email_sha, phone_sha) = keys;
    let rec = (!reject_whole).then(|| LeadRecord {
        lead_id: lead_id.clone(),
        skill: LEAD_SUBMIT.into(),
        agent: caller.agent.clone(),
        email_sha256: email_sha.clone(),
        phone_sha256: phone_sha.clone(),
        subject_sha256: subject.clone(),
        appointment_status: ack
            .as_ref()
            .and_then(|a| a["status"].as_str())
            .map(str::to_string),
        received_at: now,
    });
    let since = duplicate_window_start(app, lead, now);
    let inserted = match app
        .store
        .find_or_insert_lead(
            LEAD_SUBMIT.into(),
            email_sha,
            phone_sha,
            subject,
            since,
            rec,
        )
        .await
    {
        Ok(x) => x,
        Err(e) => return rejected(app, lead, &internal(e)),
    };
    let (status, lead_id) = match inserted {
        LeadInsert::Duplicate(earlier) => ("duplicate", earlier),
        LeadInsert::Inserted => ("received", lead_id),
        LeadInsert::Nothing => {
            let e = match &appointment_error {
                Some(e) => e.clone(),
                None => internal("a received lead was not recorded"),
            };
            let mut resp = rejected(app, lead, &e);
            if let Some(a) = ack {
                resp["data"]["appointment"] = a;
            }
            return resp;
        }
    };
    if status == "received" {
        let flags = aap_adf::SubmitAdfFlags {
            phone_first: app.has(Defect::AapAdfPhoneBeforeEmail),
            own_mapping: app.is(Variant::AapAdfOwnMapping),
            drop_trade_in: app.has(Defect::AapAdfDropsTradeIn),
        };
        let adf = aap_adf::submit_adf(&req, found, &lead_id, now, &app.desk[0], flags);
        forward(app, &lead_id, adf).await;
    }

    let mut out = Map::new();
    out.insert("type".into(), json!(response_type(app, lead)));
    let mut d = accepted_data(app, lead, &lead_id, status);
    if let Some(a) = &ack {
        d["appointment"] = a.clone();
    }
    if let Some(dealer) = dealer(app, lead) {
        d["dealer"] = dealer;
    }
    out.insert("data".into(), d);
    out.insert(
        "message".into(),
        json!(submit_message(status, ack.as_ref(), &req)),
    );
    if let Some(e) =
        vehicle_error.or(appointment_error.filter(|_| !app.has(Defect::AapAppointmentErrorMissing)))
    {
        out.insert("error".into(), e.to_json(app));
    }
    Value::Object(out)
}

/// The dealer note of a lead.submit answer (never customer data).
fn submit_message(status: &str, ack: Option<&Value>, req: &LeadSubmitRequest) -> String {
    if status == "duplicate" {
        return "This matches a lead received in the last 24 hours; the earlier lead stands and no new lead was created.".into();
    }
    let channel = req
        .customer
        .preferred_contact
        .as_deref()
        .filter(|c| matches!(*c, "email" | "phone" | "sms"))
        .unwrap_or("the channel you authorised");
    let mut s = format!(
        "Thanks — {DEALER_NAME} received the lead; a sales consultant will follow up by {channel} within one business day."
    );
    match ack.and_then(|a| a["status"].as_str()) {
        Some("confirmed") => s.push_str(" The appointment is confirmed at confirmed_at (UTC)."),
        Some("proposed") => s.push_str(
            " The requested time is not available; proposed_times lists the next open slots (UTC). Re-submit with one of them to book.",
        ),
        Some("rejected") => s.push_str(&format!(
            " The requested appointment time cannot be honoured (bookings run up to {APPOINTMENT_HORIZON_DAYS} days ahead); the lead itself was received."
        )),
        Some("requested") => s.push_str(" The appointment request is queued for manual review."),
        _ => {}
    }
    s
}

// ---------------------------------------------------------------------------------------------
// lead.general
// ---------------------------------------------------------------------------------------------

async fn lead_general(app: &App, caller: &Caller, via: Via, mut data: Value) -> Value {
    let lead = Lead::General;
    if !data.is_object() {
        return rejected(
            app,
            lead,
            &OpError::new(VALIDATION_ERROR, "request", "request: violates type object"),
        );
    }
    if app.has(Defect::AapGeneralTypeOptional) && data.get("type").is_none() {
        data["type"] = json!("lead.general.request");
    }
    if app.has(Defect::AapGeneralConsentWithoutCustomerAccepted)
        && data.get("customer").is_none()
        && let Some(o) = data.as_object_mut()
    {
        o.remove("consent");
    }
    if app.has(Defect::AapGeneralSubmittedAtUnchecked)
        && data
            .get("submitted_at")
            .and_then(Value::as_str)
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_err())
        && let Some(o) = data.as_object_mut()
    {
        o.remove("submitted_at");
    }
    drop_unknown_channels(app, lead, &mut data);
    if app.has(Defect::AapGeneralFirstNameOptional)
        && let Some(c) = data.get_mut("customer").and_then(Value::as_object_mut)
    {
        c.entry("first_name").or_insert(json!("Customer"));
    }
    let has_customer = data.get("customer").is_some();
    let message_len = data
        .get("message")
        .and_then(Value::as_str)
        .map(|m| m.chars().count());
    if app.has(Defect::AapGeneralMessageLimitOffByOne) && message_len == Some(4000) {
        return rejected(app, lead, &off_by_one());
    }
    if !has_customer && app.has(Defect::AapGeneralAnonymousRefused) {
        return rejected(
            app,
            lead,
            &OpError::new(
                CONTACT_CONSENT_REQUIRED,
                "customer",
                "customer: violates required (contact details and consent are required)",
            ),
        );
    }
    let unbounded_ok =
        app.has(Defect::AapGeneralMessageUnbounded) && message_len.is_some_and(|n| n <= 8000);
    let skip = |at: &str, kind: &ValidationErrorKind| -> bool {
        let consent_rule =
            (at.is_empty() && has_customer && required_member(kind) == Some("consent"))
                || (at == "consent"
                    && (required_member(kind) == Some("scope")
                        || matches!(kind, ValidationErrorKind::Type { .. })))
                || at.starts_with("consent.scope");
        consent_rule
            || (app.has(Defect::AapGeneralCustomerNoContact)
                && at == "customer"
                && matches!(kind, ValidationErrorKind::AnyOf { .. }))
            || (unbounded_ok
                && at == "message"
                && matches!(kind, ValidationErrorKind::MaxLength { .. }))
    };
    if let Some(e) = schema_error(&app.aap.general, &data, skip) {
        return rejected(app, lead, &e);
    }
    if has_customer {
        let consent_present = data.get("consent").is_some_and(Value::is_object);
        if !consent_present {
            if !app.has(Defect::AapGeneralNoConsentAccepted) {
                return rejected(
                    app,
                    lead,
                    &OpError::new(
                        CONTACT_CONSENT_REQUIRED,
                        "consent",
                        "consent: violates required (a customer needs a ConsentGrant)",
                    ),
                );
            }
        } else {
            let scope_ok = strings(data.pointer("/consent/scope"))
                .is_some_and(|s| s.contains(&"general_inquiry"));
            if !scope_ok && !app.has(Defect::AapGeneralScopeNotChecked) {
                return rejected(
                    app,
                    lead,
                    &OpError::new(
                        CONTACT_CONSENT_REQUIRED,
                        "consent.scope",
                        "consent.scope: violates contains general_inquiry",
                    ),
                );
            }
            if channel_refused(&data) && !app.has(Defect::AapGeneralChannelNotChecked) {
                return rejected(app, lead, &channel_error());
            }
            if let Some(e) = consent_fields_missing(app, &data) {
                return rejected(app, lead, &e);
            }
        }
    }
    let keys = customer_keys(&data);
    let intent = data.as_object_mut().and_then(|o| o.remove("intent"));
    if let Some(c) = data.get_mut("consent").filter(|c| c.is_object())
        && c.get("scope").and_then(Value::as_array).is_none()
    {
        c["scope"] = json!([]);
    }
    let req: LeadGeneralRequest = match serde_json::from_value(data) {
        Ok(r) => r,
        Err(_) => {
            return rejected(
                app,
                lead,
                &OpError::new(
                    VALIDATION_ERROR,
                    "request",
                    "request: violates the lead.general.request model (a member has an unexpected type)",
                ),
            );
        }
    };

    let now = Utc::now();
    let lead_id = new_lead_id(app, via, lead);
    let subject = sha256_hex(&format!("lead.general|{}", req.message.trim()));
    let (email_sha, phone_sha) = keys;
    let rec = LeadRecord {
        lead_id: lead_id.clone(),
        skill: LEAD_GENERAL.into(),
        agent: caller.agent.clone(),
        email_sha256: email_sha.clone(),
        phone_sha256: phone_sha.clone(),
        subject_sha256: subject.clone(),
        appointment_status: None,
        received_at: now,
    };
    let since = duplicate_window_start(app, lead, now);
    let inserted = match app
        .store
        .find_or_insert_lead(
            LEAD_GENERAL.into(),
            email_sha,
            phone_sha,
            subject,
            since,
            Some(rec),
        )
        .await
    {
        Ok(x) => x,
        Err(e) => return rejected(app, lead, &internal(e)),
    };
    let (status, lead_id) = match inserted {
        LeadInsert::Duplicate(_) if app.has(Defect::AapGeneralDuplicateNewLeadId) => {
            ("duplicate", lead_id)
        }
        LeadInsert::Duplicate(earlier) => ("duplicate", earlier),
        _ => ("received", lead_id),
    };
    if status == "received"
        && let Some(adf) = aap_adf::general_adf(
            &req,
            intent.as_ref(),
            &lead_id,
            now,
            &app.desk[0],
            app.has(Defect::AapGeneralAdfPhoneBeforeEmail),
        )
    {
        forward(app, &lead_id, adf).await;
    }
    let message = match (status, &req.customer) {
        ("duplicate", _) => "This matches a question received in the last 24 hours; the earlier lead stands and no new lead was created.".to_string(),
        (_, None) => format!(
            "Thanks for your question. {DEALER_NAME} answers general questions without needing your contact details; for anything specific call {DEALER_PHONE}."
        ),
        (_, Some(c)) => {
            let channel = c
                .preferred_contact
                .as_deref()
                .filter(|c| matches!(*c, "email" | "phone" | "sms"))
                .unwrap_or("the channel you authorised");
            format!("Thanks — a {DEALER_NAME} team member will answer by {channel} within one business day.")
        }
    };
    let mut d = accepted_data(app, lead, &lead_id, status);
    if let Some(dealer) = dealer(app, lead) {
        d["dealer"] = dealer;
    }
    json!({
        "type": response_type(app, lead),
        "data": d,
        "message": message,
    })
}

#[cfg(test)]
mod tests;
