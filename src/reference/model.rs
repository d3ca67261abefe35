//! The typed `initiate_deal_handoff` request ([`HandoffRequest`]), read after schema validation,
//! and the [`Package`] (request + reserved vehicle + hand-off token) that the email and the ADF
//! lead are rendered from.

use serde::{Deserialize, Serialize};

use super::inventory::Vehicle;

/// `customer_contact` (all three 🔒).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Contact {
    pub(crate) name: String,
    pub(crate) phone: String,
    pub(crate) email: String,
}

/// `trade_in.appraised_value_partner`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct Money {
    pub(crate) amount: serde_json::Number,
    pub(crate) currency: String,
}

/// `trade_in` (`description` is 🔒; the structured fields are not PII).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct TradeIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) appraised_value_partner: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) vin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) year: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) make: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mileage: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<String>,
}

impl TradeIn {
    /// Is any trade-in field set?
    pub(crate) fn any_set(&self) -> bool {
        self.description.is_some()
            || self.appraised_value_partner.is_some()
            || self.vin.is_some()
            || self.year.is_some()
            || self.make.is_some()
            || self.model.is_some()
            || self.mileage.is_some()
            || self.condition.is_some()
    }

    /// The structured (non-PII) fields as JSON, without `description`.
    pub(crate) fn structured_json(&self) -> String {
        let mut copy = self.clone();
        copy.description = None;
        serde_json::to_string(&copy).unwrap_or_else(|_| "{}".into())
    }

    /// `(year, make, model)` when all three are known (enough for an ADF vehicle).
    pub(crate) fn ymm(&self) -> Option<(i64, &str, &str)> {
        Some((self.year?, self.make.as_deref()?, self.model.as_deref()?))
    }
}

/// `consent` (`consent_text` is 🔒; channels and expiry are not PII).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Consent {
    #[serde(default)]
    pub(crate) allowed_channels: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) expires_at: Option<String>,
    #[serde(default)]
    pub(crate) consent_text: Option<String>,
}

/// The validated request.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct HandoffRequest {
    pub(crate) reservation_token: String,
    pub(crate) customer_contact: Contact,
    #[serde(default)]
    pub(crate) customer_consent: bool,
    #[serde(default)]
    pub(crate) financing_preference: Option<String>,
    #[serde(default)]
    pub(crate) notes: Option<String>,
    #[serde(default)]
    pub(crate) trade_in_disclosed: Option<bool>,
    #[serde(default)]
    pub(crate) trade_in: Option<TradeIn>,
    #[serde(default)]
    pub(crate) consent: Option<Consent>,
}

impl HandoffRequest {
    /// `financing_preference`, defaulting to `unknown`.
    pub(crate) fn financing(&self) -> &str {
        self.financing_preference.as_deref().unwrap_or("unknown")
    }

    /// `trade_in_disclosed`, forced true when any trade-in field is set.
    pub(crate) fn trade_in_disclosed(&self) -> bool {
        self.trade_in.as_ref().is_some_and(TradeIn::any_set)
            || self.trade_in_disclosed.unwrap_or(false)
    }
}

/// Everything the deal-intent email and the ADF lead are rendered from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Package<'a> {
    pub(crate) req: &'a HandoffRequest,
    pub(crate) vehicle: &'a Vehicle,
    pub(crate) handoff_token: &'a str,
    /// RFC 3339 UTC time of the request.
    pub(crate) request_date: &'a str,
}
