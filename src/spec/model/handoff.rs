//! The DMC-12 `initiate_deal_handoff` model (seeds 000/001): the request, the receipt and the error envelope.

use super::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

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
