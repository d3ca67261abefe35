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

use std::sync::atomic::AtomicU64;

use serde_json::{Value, json};

use super::auth::Caller;
use super::store::AuditEntry;
use super::{App, DEALER_NAME, Defect, ReferenceError, Variant};
use crate::spec::model::Vehicle;
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
use crate::spec::codes::VALIDATION_ERROR;

mod general;
mod leads;
mod stock;
mod submit;
mod validate;
use general::*;
use leads::*;
pub use stock::*;
use submit::*;
use validate::*;

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

#[cfg(test)]
mod tests;
