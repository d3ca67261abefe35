//! The invalid-request catalogue: [`Mutation`]s that each break exactly one rule of the seed's
//! field table (or the consent expiry rule) in an otherwise valid request, labelled with the
//! clause they break and the code a conforming server answers. The table is data,
//! `suites/dmc12/mutations.toml`, loaded and checked against the catalogue once ([`all`]); a
//! break computed from the request's own values (a phone rewritten around its canary digits, a
//! date in the past) is a named transform here ([`TRANSFORMS`]). Pointers are RFC 6901, read
//! and applied with `jsonptr`.

use super::{Dmc12Case, Expect, past_timestamp};
use crate::generate::{object_at, set_at};
use jsonptr::Pointer;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The table, as shipped in `suites/dmc12/mutations.toml`.
const TABLE: &str = include_str!("../../../suites/dmc12/mutations.toml");

/// One single-rule break (a row of `suites/dmc12/mutations.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// Short stable name (`phone-no-plus`).
    pub name: String,
    /// Clause broken.
    pub clause: String,
    /// Rule broken, in words.
    pub rule: String,
    /// Expected error code (`A|B`: either).
    pub code: String,
    #[serde(flatten)]
    op: Op,
}

/// What a mutation does to a valid request: exactly one operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Op {
    /// Remove the member at the pointer.
    Remove(String),
    /// Set members (pointer → value), creating missing parents.
    Set(BTreeMap<String, Value>),
    /// Cut or pad a string to `len` characters, keeping its start.
    Resize(Resize),
    /// A break computed from the request's own values ([`TRANSFORMS`]).
    Transform(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Resize {
    at: String,
    len: usize,
    fill: char,
    default: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    mutation: Vec<Mutation>,
}

/// A break computed from the request's own values.
type Transform = fn(&mut Map<String, Value>);

/// The breaks computed from the request's own values, by the name the table gives them.
const TRANSFORMS: &[(&str, Transform)] = &[
    ("phone-no-plus", phone_no_plus),
    ("phone-leading-zero", phone_leading_zero),
    ("phone-16-digits", phone_16_digits),
    ("phone-spaces", phone_spaces),
    ("email-no-at", email_no_at),
    ("consent-expired", consent_expired),
];

/// Parse and check the table: every clause is in the DMC-12 catalogue, every transform is
/// defined, names are unique. Err: one line saying what is wrong.
fn load(table: &str) -> Result<Vec<Mutation>, String> {
    let t: Table = toml::from_str(table).map_err(|e| format!("mutations.toml: {e}"))?;
    let catalogue = super::catalogue();
    let mut names = std::collections::BTreeSet::new();
    for m in &t.mutation {
        if catalogue.get(&m.clause).is_none() {
            return Err(format!(
                "mutation {}: clause {} is not in the catalogue",
                m.name, m.clause
            ));
        }
        if let Op::Transform(f) = &m.op
            && !TRANSFORMS.iter().any(|(n, _)| n == f)
        {
            return Err(format!("mutation {}: no transform named {f}", m.name));
        }
        if !names.insert(m.name.as_str()) {
            return Err(format!("mutation {} is listed twice", m.name));
        }
    }
    Ok(t.mutation)
}

/// Every single-rule break the suite generates, in table order (loaded and checked once).
pub fn all() -> &'static [Mutation] {
    static ALL: OnceLock<Vec<Mutation>> = OnceLock::new();
    ALL.get_or_init(|| load(TABLE).unwrap_or_else(|e| panic!("suites/dmc12/{e}")))
}

impl Mutation {
    /// Apply the break to a valid request object.
    pub fn apply(&self, o: &mut Map<String, Value>) {
        match &self.op {
            Op::Remove(at) => {
                with_value(o, |v| {
                    pointer(at).delete(v);
                });
            }
            Op::Set(members) => {
                for (at, v) in members {
                    let _ = set_at(o, at, v.clone());
                }
            }
            Op::Resize(r) => {
                let current = with_value(o, |v| pointer(&r.at).resolve(v).ok().cloned())
                    .unwrap_or_else(|| Value::String(r.default.clone()));
                let _ = set_at(o, &r.at, resize(Some(&current), r.len, r.fill));
            }
            Op::Transform(f) => {
                if let Some((_, apply)) = TRANSFORMS.iter().find(|(n, _)| n == f) {
                    apply(o);
                }
            }
        }
    }

    /// Build the invalid case from a valid base request.
    pub fn case(&'static self, base: &Value, n: usize) -> Dmc12Case {
        let mut obj = base.as_object().cloned().unwrap_or_default();
        self.apply(&mut obj);
        Dmc12Case {
            id: format!("invalid-{}-{n}", self.name),
            expect: Expect::Reject {
                clause: &self.clause,
                rule: &self.rule,
                code: &self.code,
            },
            request: Value::Object(obj),
        }
    }
}

fn contact(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let entry = o.entry("customer_contact").or_insert_with(
        || json!({"name": "Jane Doe", "phone": "+15555551234", "email": "jane@example.com"}),
    );
    if !entry.is_object() {
        *entry = json!({});
    }
    entry.as_object_mut().expect("object")
}

/// The digits of the current phone (at least 8), for breaks that keep the canary's digits.
fn phone_digits(c: &Map<String, Value>) -> String {
    let d: String = c
        .get("phone")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if d.len() >= 8 {
        d
    } else {
        "15555551234".into()
    }
}

/// Keeps the canary tag of the current value (so the leak scan can still find it) while
/// making it `len` characters long.
fn resize(current: Option<&Value>, len: usize, fill: char) -> Value {
    let base = current.and_then(Value::as_str).unwrap_or("");
    Value::String(crate::generate::pad_chars(base, len, fill))
}

/// `phone-no-plus`.
fn phone_no_plus(o: &mut Map<String, Value>) {
    let c = contact(o);
    let p = c
        .get("phone")
        .and_then(Value::as_str)
        .unwrap_or("+15555551234")
        .trim_start_matches('+')
        .to_string();
    c.insert("phone".into(), json!(p));
}

/// `phone-leading-zero`.
fn phone_leading_zero(o: &mut Map<String, Value>) {
    let c = contact(o);
    let d = phone_digits(c);
    c.insert("phone".into(), json!(format!("+0{}", &d[1..])));
}

/// `phone-16-digits`.
fn phone_16_digits(o: &mut Map<String, Value>) {
    let c = contact(o);
    let d = phone_digits(c);
    let long: String = d
        .chars()
        .chain("9876543210123456".chars())
        .take(16)
        .collect();
    c.insert("phone".into(), json!(format!("+{long}")));
}

/// `phone-spaces`.
fn phone_spaces(o: &mut Map<String, Value>) {
    let c = contact(o);
    let d = phone_digits(c);
    let (a, b) = d.split_at(d.len().min(4));
    c.insert("phone".into(), json!(format!("+{a} {b}")));
}

/// `email-no-at`.
fn email_no_at(o: &mut Map<String, Value>) {
    let c = contact(o);
    let e = c
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or("jane@example.com")
        .replace('@', ".at.");
    c.insert("email".into(), json!(e));
}

/// `consent-expired`.
fn consent_expired(o: &mut Map<String, Value>) {
    object_at(o, "consent").insert("expires_at".into(), json!(past_timestamp(2)));
}

/// A pointer of the table (checked by [`load`]'s parse of every row in the tests).
fn pointer(at: &str) -> &Pointer {
    Pointer::parse(at)
        .unwrap_or_else(|e| panic!("suites/dmc12/mutations.toml: bad pointer {at}: {e}"))
}

/// Run `f` on the request as a JSON value (what the pointer operations take).
fn with_value<T>(o: &mut Map<String, Value>, f: impl FnOnce(&mut Value) -> T) -> T {
    let mut v = Value::Object(std::mem::take(o));
    let out = f(&mut v);
    if let Value::Object(m) = v {
        *o = m;
    }
    out
}

#[cfg(test)]
mod tests;
