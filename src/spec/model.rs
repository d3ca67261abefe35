//! The typed serde model of the operations the seeds define: the DMC-12
//! `initiate_deal_handoff` request ([`HandoffRequest`]) and its envelope ([`HandoffEnvelope`]:
//! the masked receipt or the error), and the AAP `lead.submit` (v0.2, seed 002) and
//! `lead.general` (draft, seed 003) requests and responses ([`LeadSubmitRequest`],
//! [`LeadGeneralRequest`], [`LeadSubmitResponse`], [`LeadGeneralResponse`]).
//!
//! The model carries the types, enums and constants of the seeds; lengths, patterns and
//! bounds are the JSON Schemas' job (`suites/*/schemas`). It is built to round-trip: parsing a
//! document and serialising it again gives back the same JSON (numbers compared numerically),
//! so a member the model drops or rewrites shows up as a difference. Two policies follow the
//! seeds:
//! - DMC-12 mirrors the server's Pydantic models ("Validation mirrors the server's Pydantic
//!   models"): `trade_in` and `consent` forbid extra fields (`deny_unknown_fields`, "extra fields
//!   forbidden"); elsewhere an unknown member is ignored, as Pydantic does — and so does not
//!   survive a round trip.
//! - AAP objects are open (the Vehicle and Customer types are defined elsewhere, and v0.2 says
//!   only what goes inside `Message.parts[].data`): every struct keeps unknown members in `extra`.
//!
//! Timestamps are [`Timestamp`]: an RFC 3339 date-time with an offset, kept as written.

use chrono::{DateTime, FixedOffset};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An RFC 3339 date-time with a time-zone offset (the seeds' "tz-aware" / "ISO-8601"),
/// serialised exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    text: String,
    at: DateTime<FixedOffset>,
}

impl Timestamp {
    /// Parse an RFC 3339 date-time; a date-time without an offset is refused.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        DateTime::parse_from_rfc3339(text)
            .map(|at| Timestamp {
                text: text.to_string(),
                at,
            })
            .map_err(|e| format!("not an RFC 3339 date-time with an offset: {e}"))
    }

    /// The instant.
    pub fn at(&self) -> DateTime<FixedOffset> {
        self.at
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the offset is zero (UTC).
    pub fn is_utc(&self) -> bool {
        self.at.offset().local_minus_utc() == 0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(D::Error::custom)
    }
}

/// `null` → `Some(None)`, a value → `Some(Some(v))`; with `#[serde(default)]` an absent member
/// stays `None`, so "absent" and "null" both survive a round trip.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A boolean that must be `true` (`customer_consent`: "fixed true — the validator rejects false").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConstTrue;

impl Serialize for ConstTrue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for ConstTrue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if bool::deserialize(d)? {
            Ok(ConstTrue)
        } else {
            Err(D::Error::custom("must be true"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DMC-12 initiate_deal_handoff (seeds 000/001)
// ---------------------------------------------------------------------------------------------

/// `financing_preference` (default `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FinancingPreference {
    /// `cash`.
    Cash,
    /// `finance`.
    Finance,
    /// `lease`.
    Lease,
    /// `unknown`.
    Unknown,
}

/// A consent channel: `email | phone | sms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `sms`.
    Sms,
}

/// A trade-in's condition: `excellent | good | fair | poor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TradeInCondition {
    /// `excellent`.
    Excellent,
    /// `good`.
    Good,
    /// `fair`.
    Fair,
    /// `poor`.
    Poor,
}

/// `customer_contact` (all three 🔒).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerContact {
    /// 1–120 characters.
    pub name: String,
    /// E.164, 8–20 characters.
    pub phone: String,
    /// 5–320 characters.
    pub email: String,
}

/// `Money`: `{amount ≥ 0, currency ^[A-Z]{3}$}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Amount (a JSON number; `18500` and `18500.0` are the same amount).
    pub amount: f64,
    /// ISO 4217 code.
    pub currency: String,
}

/// `trade_in` — "extra fields forbidden".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradeIn {
    /// ≤500 · 🔒.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Partner appraisal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appraised_value_partner: Option<Money>,
    /// `^[A-HJ-NPR-Z0-9]{17}$`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    /// 1900–2100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
    /// ≤40.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// ≤80.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// 0–1,000,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage: Option<i64>,
    /// `excellent | good | fair | poor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<TradeInCondition>,
}

/// `consent` — "extra fields forbidden".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// ≥1 unique of email|phone|sms (advisory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_channels: Option<Vec<Channel>>,
    /// tz-aware; enforced (CONSENT_INVALID if past).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// ≤2000 · 🔒.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
}

/// The `initiate_deal_handoff` request (the seed's "Full field reference").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// 10–80 characters; an active hold from `create_reservation`.
    pub reservation_token: String,
    /// The customer.
    pub customer_contact: CustomerContact,
    /// Always `true`.
    pub customer_consent: ConstTrue,
    /// Default `unknown` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financing_preference: Option<FinancingPreference>,
    /// ≤500 · 🔒.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Auto-true if any trade_in field is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_in_disclosed: Option<bool>,
    /// The trade-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_in: Option<TradeIn>,
    /// Channel-scoped consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
}

impl HandoffRequest {
    /// `trade_in_disclosed` as the server reads it: true when any trade-in field is set.
    pub fn trade_in_disclosed_effective(&self) -> bool {
        self.trade_in
            .as_ref()
            .is_some_and(|t| t != &TradeIn::default())
            || self.trade_in_disclosed.unwrap_or(false)
    }
}

/// `data.status`: `sent` on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptStatus {
    /// `sent`.
    Sent,
}

/// `data.crm_status`: `sent | failed | disabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrmStatus {
    /// A lead was created.
    Sent,
    /// The CRM failed (the call still succeeds).
    Failed,
    /// The CRM sink is off.
    Disabled,
}

/// `_metadata.protocol`: the binding actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// A2A (either binding).
    A2a,
    /// MCP.
    Mcp,
}

/// The masked receipt (`data` of a success).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Opaque receipt handle.
    pub handoff_token: String,
    /// Comma-separated, masked dealer-desk recipients.
    pub sent_to_masked: String,
    /// ISO-8601 UTC.
    pub sent_at: Timestamp,
    /// `sent`.
    pub status: ReceiptStatus,
    /// `sent | failed | disabled`.
    pub crm_status: CrmStatus,
    /// `string | null`, optional: `None` absent, `Some(None)` null.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub crm_lead_id: Option<Option<String>>,
    /// Follow-up summary, customer email masked.
    pub next_steps: String,
}

/// `_metadata` of every DMC-12 envelope (BINDINGS.md §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// `trc_…`.
    pub trace_id: String,
    /// The tool called.
    pub tool: String,
    /// The binding used.
    pub protocol: Protocol,
}

/// A success envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffSuccess {
    /// The receipt.
    pub data: Receipt,
    /// Trace, tool, protocol.
    #[serde(rename = "_metadata")]
    pub metadata: Metadata,
}

/// `error` of an error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// E.g. `CONSENT_INVALID`.
    pub code: String,
    /// Human message (never PII).
    pub message: String,
    /// E.g. `email_send_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffError {
    /// The error.
    pub error: ErrorBody,
    /// Trace, tool, protocol.
    #[serde(rename = "_metadata", default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// What `initiate_deal_handoff` returns: a receipt or an error. An object with an `error`
/// member is read as an error envelope, anything else as a success.
#[derive(Debug, Clone, PartialEq)]
pub enum HandoffEnvelope {
    /// `{"data","_metadata"}`.
    Success(HandoffSuccess),
    /// `{"error","_metadata"}`.
    Error(HandoffError),
}

impl Serialize for HandoffEnvelope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            HandoffEnvelope::Success(x) => x.serialize(s),
            HandoffEnvelope::Error(x) => x.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for HandoffEnvelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.get("error").is_some() {
            serde_json::from_value(v)
                .map(HandoffEnvelope::Error)
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(v)
                .map(HandoffEnvelope::Success)
                .map_err(D::Error::custom)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AAP lead.submit (v0.2, seed 002) and lead.general (draft, seed 003)
// ---------------------------------------------------------------------------------------------

macro_rules! const_str {
    ($(#[$m:meta])* $name:ident, $value:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            #[doc = concat!("`", $value, "`.")]
            #[serde(rename = $value)]
            Value,
        }
    };
}

const_str!(
    /// `type` of a lead.submit request.
    LeadSubmitRequestType,
    "lead.submit.request"
);
const_str!(
    /// `type` of a lead.submit response.
    LeadSubmitResponseType,
    "lead.submit.response"
);
const_str!(
    /// `type` of a lead.general request.
    LeadGeneralRequestType,
    "lead.general.request"
);
const_str!(
    /// `type` of a lead.general response.
    LeadGeneralResponseType,
    "lead.general.response"
);

/// A postal address (open).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_1: Option<String>,
    /// Street line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ZIP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Customer`: first_name and last_name, and at least one of email or phone (E.164) (seed 003).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164 phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Preferred channel (e.g. `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_contact: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ConsentGrant`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentGrant {
    /// When the user granted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_at: Option<Timestamp>,
    /// Channels the user authorised for this submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_channels: Option<Vec<Channel>>,
    /// The disclosure the user agreed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
    /// The buyer agent that collected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_agent: Option<String>,
    /// v0.2: exactly `["lead_submission"]`; draft: includes `general_inquiry`.
    pub scope: Vec<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A vehicle's condition: the sale vocabulary (`new | used | cpo`, for `vehicle_of_interest`)
/// and the trade-in vocabulary (`excellent | good | fair | poor`, for `trade_in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VehicleCondition {
    /// `new`.
    New,
    /// `used`.
    Used,
    /// `cpo`.
    Cpo,
    /// `excellent`.
    Excellent,
    /// `good`.
    Good,
    /// `fair`.
    Fair,
    /// `poor`.
    Poor,
}

impl VehicleCondition {
    /// In the sale vocabulary (`new | used | cpo`)?
    pub fn is_sale(self) -> bool {
        matches!(
            self,
            VehicleCondition::New | VehicleCondition::Used | VehicleCondition::Cpo
        )
    }
}

/// The unified `Vehicle` (open: its full schema is the inventory.search one).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vehicle {
    /// VIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    /// Model year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
    /// Make.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Trim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trim: Option<String>,
    /// Condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<VehicleCondition>,
    /// Dealer stock number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<String>,
    /// Body style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Transmission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission: Option<String>,
    /// Odometer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage: Option<i64>,
    /// Price (a JSON number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// ZIP of the vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `appointment.appointment_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentType {
    /// `sales`.
    Sales,
    /// `service`.
    Service,
    /// `test_drive`.
    TestDrive,
    /// `trade_in`.
    TradeIn,
}

/// A requested appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    /// What for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_type: Option<AppointmentType>,
    /// The requested start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<Timestamp>,
    /// Length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `lead.submit.request` (seed 002).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadSubmitRequest {
    /// `lead.submit.request`.
    #[serde(rename = "type")]
    pub kind: LeadSubmitRequestType,
    /// Always required.
    pub customer: Customer,
    /// Always required; scope exactly `["lead_submission"]`.
    pub consent: ConsentGrant,
    /// Condition in `new | used | cpo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_of_interest: Option<Vehicle>,
    /// Condition in `excellent | good | fair | poor`; year+make+model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_in: Option<Vehicle>,
    /// The requested appointment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Appointment>,
    /// ≤4000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Buyer agent identifier.
    pub source_agent: String,
    /// Buyer-agent timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `lead_intent` of lead.general.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadIntent {
    /// `financing_question`.
    FinancingQuestion,
    /// `trade_in_interest`.
    TradeInInterest,
    /// `service_question`.
    ServiceQuestion,
    /// `general_question`.
    GeneralQuestion,
    /// `callback_request`.
    CallbackRequest,
    /// `other`.
    Other,
}

/// `intent.timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timeline {
    /// `asap`.
    #[serde(rename = "asap")]
    Asap,
    /// `1_3_months`.
    #[serde(rename = "1_3_months")]
    OneToThreeMonths,
    /// `3_6_months`.
    #[serde(rename = "3_6_months")]
    ThreeToSixMonths,
    /// `flexible`.
    #[serde(rename = "flexible")]
    Flexible,
}

/// `intent` of lead.general.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Intent {
    /// Body type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_type: Option<String>,
    /// Fuel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<String>,
    /// Budget ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_max: Option<Money>,
    /// Timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `lead.general.request` (seed 003, the draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadGeneralRequest {
    /// `lead.general.request`.
    #[serde(rename = "type")]
    pub kind: LeadGeneralRequestType,
    /// High-level reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_intent: Option<LeadIntent>,
    /// 1–4000 characters.
    pub message: String,
    /// Structured intent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// Optional; when present, consent is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// Required with a customer (scope includes `general_inquiry`), omitted without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentGrant>,
    /// Buyer agent identifier.
    pub source_agent: String,
    /// Buyer-agent timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `data.status` of a lead response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeadStatus {
    /// `received`.
    Received,
    /// `duplicate`.
    Duplicate,
    /// `rejected`.
    Rejected,
}

/// `data.appointment.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppointmentStatus {
    /// Manual review.
    Requested,
    /// Alternatives in `proposed_times`.
    Proposed,
    /// Booked at `confirmed_at`.
    Confirmed,
    /// Not booked.
    Rejected,
}

/// `data.appointment` of a lead.submit response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentAck {
    /// Dealer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    /// The outcome.
    pub status: AppointmentStatus,
    /// Required when confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<Timestamp>,
    /// Required when proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_times: Option<Vec<Timestamp>>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `data.dealer`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dealer {
    /// Dealer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E.164 phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `data` of a lead response (shared by lead.submit and lead.general).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadData {
    /// Dealer-assigned id (a rejected lead may carry none: BINDINGS.md §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    /// `received | duplicate | rejected`.
    pub status: LeadStatus,
    /// lead.submit only: present iff the request had an appointment the dealer acknowledges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<AppointmentAck>,
    /// Contact summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer: Option<Dealer>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An operation error beside `data` (BINDINGS.md §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadError {
    /// E.g. `CONTACT_CONSENT_REQUIRED`.
    pub code: String,
    /// Human message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Members the seeds do not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `lead.submit.response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadSubmitResponse {
    /// `lead.submit.response`.
    #[serde(rename = "type")]
    pub kind: LeadSubmitResponseType,
    /// The outcome.
    pub data: LeadData,
    /// Dealer note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Operation error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<LeadError>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `lead.general.response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadGeneralResponse {
    /// `lead.general.response`.
    #[serde(rename = "type")]
    pub kind: LeadGeneralResponseType,
    /// The outcome.
    pub data: LeadData,
    /// Dealer note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Operation error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<LeadError>,
    /// Members the seed does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------------

/// Which model type a document is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`HandoffRequest`].
    HandoffRequest,
    /// [`HandoffEnvelope`].
    HandoffEnvelope,
    /// [`LeadSubmitRequest`].
    LeadSubmitRequest,
    /// [`LeadSubmitResponse`].
    LeadSubmitResponse,
    /// [`LeadGeneralRequest`].
    LeadGeneralRequest,
    /// [`LeadGeneralResponse`].
    LeadGeneralResponse,
}

impl ModelKind {
    /// The model of an operation's request or response (`None`: no model for it).
    pub fn for_operation(operation: &str, response: bool) -> Option<ModelKind> {
        Some(match (operation, response) {
            ("initiate_deal_handoff", false) => ModelKind::HandoffRequest,
            ("initiate_deal_handoff", true) => ModelKind::HandoffEnvelope,
            ("lead.submit", false) => ModelKind::LeadSubmitRequest,
            ("lead.submit", true) => ModelKind::LeadSubmitResponse,
            ("lead.general", false) => ModelKind::LeadGeneralRequest,
            ("lead.general", true) => ModelKind::LeadGeneralResponse,
            _ => return None,
        })
    }

    /// The Rust type's name.
    pub fn type_name(self) -> &'static str {
        match self {
            ModelKind::HandoffRequest => "HandoffRequest",
            ModelKind::HandoffEnvelope => "HandoffEnvelope",
            ModelKind::LeadSubmitRequest => "LeadSubmitRequest",
            ModelKind::LeadSubmitResponse => "LeadSubmitResponse",
            ModelKind::LeadGeneralRequest => "LeadGeneralRequest",
            ModelKind::LeadGeneralResponse => "LeadGeneralResponse",
        }
    }
}

fn through<T: Serialize + for<'de> Deserialize<'de>>(v: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// Parse `v` as `kind` and serialise it again. `Err` carries serde's reason (which names the
/// member, never the value).
pub fn round_trip(kind: ModelKind, v: &Value) -> Result<Value, String> {
    match kind {
        ModelKind::HandoffRequest => through::<HandoffRequest>(v),
        ModelKind::HandoffEnvelope => through::<HandoffEnvelope>(v),
        ModelKind::LeadSubmitRequest => through::<LeadSubmitRequest>(v),
        ModelKind::LeadSubmitResponse => through::<LeadSubmitResponse>(v),
        ModelKind::LeadGeneralRequest => through::<LeadGeneralRequest>(v),
        ModelKind::LeadGeneralResponse => through::<LeadGeneralResponse>(v),
    }
}

/// Where two JSON values differ, as JSON pointers with a short reason; numbers are compared
/// numerically (`18500` equals `18500.0`), objects without regard to member order.
pub fn json_diff(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_at(a, b, &mut String::new(), &mut out);
    out
}

fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Numeric equality of two JSON numbers (integers exactly, otherwise as f64).
pub fn numbers_equal(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    match (x.as_i64(), y.as_i64()) {
        (Some(i), Some(j)) => i == j,
        _ => match (x.as_u64(), y.as_u64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_f64(), y.as_f64()) {
                (Some(f), Some(g)) => f == g,
                _ => false,
            },
        },
    }
}

fn diff_at(a: &Value, b: &Value, path: &mut String, out: &mut Vec<String>) {
    let here = |p: &str| {
        if p.is_empty() {
            "/".to_string()
        } else {
            p.to_string()
        }
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if !numbers_equal(x, y) => {
            out.push(format!("{}: number {x} became {y}", here(path)));
        }
        (Value::Number(_), Value::Number(_)) => {}
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_token(k));
                match y.get(k) {
                    Some(vb) => diff_at(va, vb, path, out),
                    None => out.push(format!("{path}: dropped")),
                }
                path.truncate(len);
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}/{}: added", escape_token(k)));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!(
                    "{}: {} items became {}",
                    here(path),
                    x.len(),
                    y.len()
                ));
                return;
            }
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                diff_at(va, vb, path, out);
                path.truncate(len);
            }
        }
        _ if type_name(a) != type_name(b) => out.push(format!(
            "{}: {} became {}",
            here(path),
            type_name(a),
            type_name(b)
        )),
        _ if a != b => out.push(format!("{}: value changed", here(path))),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
