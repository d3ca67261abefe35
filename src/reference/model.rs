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

/// An optional integer that JSON Schema's `integer` also allows as `2019.0`.
fn integral<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let n = Option::<serde_json::Number>::deserialize(d)?;
    match n {
        None => Ok(None),
        Some(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                _ => Err(serde::de::Error::custom("not an integer")),
            }
        }
    }
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
    #[serde(
        default,
        deserialize_with = "integral",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) year: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) make: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) model: Option<String>,
    #[serde(
        default,
        deserialize_with = "integral",
        skip_serializing_if = "Option::is_none"
    )]
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_floats_are_integers() {
        let t: TradeIn =
            serde_json::from_value(json!({"year": 2019.0, "mileage": 48000})).expect("trade-in");
        assert_eq!((t.year, t.mileage), (Some(2019), Some(48000)));
        assert!(serde_json::from_value::<TradeIn>(json!({"year": 2019.5})).is_err());
        assert!(t.any_set());
        assert!(!TradeIn::default().any_set());
    }

    #[test]
    fn disclosure_and_financing_defaults() {
        let base = json!({"reservation_token": "rsv_0123456789", "customer_consent": true,
            "customer_contact": {"name": "n", "phone": "+15555551234", "email": "a@b.co"}});
        let r: HandoffRequest = serde_json::from_value(base.clone()).expect("request");
        assert_eq!(r.financing(), "unknown");
        assert!(!r.trade_in_disclosed());
        let mut with_trade = base;
        with_trade["trade_in_disclosed"] = json!(false);
        with_trade["trade_in"] = json!({"condition": "fair"});
        let r: HandoffRequest = serde_json::from_value(with_trade).expect("request");
        assert!(r.trade_in_disclosed());
        let json = r.trade_in.expect("trade").structured_json();
        assert_eq!(json, "{\"condition\":\"fair\"}");
    }
}
