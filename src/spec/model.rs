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
use serde_json::Value;

mod handoff;
mod lead;
pub use handoff::*;
pub use lead::*;

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
