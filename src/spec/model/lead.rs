//! The AAP model: `lead.submit` (v0.2, seed 002) and `lead.general` (draft, seed 003), requests and responses.

use super::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
