//! The invalid-request catalogue: [`Mutation`]s that each break exactly one rule of the seed's
//! field table (or the consent expiry rule) in an otherwise valid request, labelled with the
//! clause they break and the code a conforming server answers.

use super::{Dmc12Case, Expect, past_timestamp};
use crate::spec::codes::{CONSENT_INVALID, VALIDATION_ERROR};
use serde_json::{Map, Value, json};

/// One single-rule break.
pub struct Mutation {
    /// Short stable name (`phone-no-plus`).
    pub name: &'static str,
    /// Clause broken.
    pub clause: &'static str,
    /// Rule broken, in words.
    pub rule: &'static str,
    /// Expected error code.
    pub code: &'static str,
    /// Applies the break to a valid request object.
    pub apply: fn(&mut Map<String, Value>),
}

impl Mutation {
    /// Build the invalid case from a valid base request.
    pub fn case(&self, base: &Value, n: usize) -> Dmc12Case {
        let mut obj = base.as_object().cloned().unwrap_or_default();
        (self.apply)(&mut obj);
        Dmc12Case {
            id: format!("invalid-{}-{n}", self.name),
            expect: Expect::Reject {
                clause: self.clause,
                rule: self.rule,
                code: self.code,
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

fn sub<'a>(o: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = o.entry(key).or_insert_with(|| json!({}));
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
    let mut s: String = base.chars().take(len).collect();
    while s.chars().count() < len {
        s.push(fill);
    }
    Value::String(s)
}

macro_rules! m {
    ($name:literal, $clause:literal, $rule:literal, $code:expr, $f:expr) => {
        Mutation {
            name: $name,
            clause: $clause,
            rule: $rule,
            code: $code,
            apply: $f,
        }
    };
}

/// Every single-rule break the suite generates.
pub fn all() -> Vec<Mutation> {
    const V: &str = VALIDATION_ERROR;
    vec![
        m!(
            "token-missing",
            "DMC12-REQ-TOKEN-001",
            "reservation_token missing",
            V,
            |o| {
                o.remove("reservation_token");
            }
        ),
        m!(
            "token-9-chars",
            "DMC12-REQ-TOKEN-001",
            "reservation_token shorter than 10",
            V,
            |o| {
                o.insert("reservation_token".into(), json!("rsv_12345"));
            }
        ),
        m!(
            "token-81-chars",
            "DMC12-REQ-TOKEN-001",
            "reservation_token longer than 80",
            V,
            |o| {
                o.insert(
                    "reservation_token".into(),
                    json!(format!("rsv_{}", "q".repeat(77))),
                );
            }
        ),
        m!(
            "token-number",
            "DMC12-REQ-TOKEN-001",
            "reservation_token not a string",
            V,
            |o| {
                o.insert("reservation_token".into(), json!(12345678901u64));
            }
        ),
        m!(
            "contact-missing",
            "DMC12-REQ-CONTACT-001",
            "customer_contact missing",
            V,
            |o| {
                o.remove("customer_contact");
            }
        ),
        m!(
            "contact-string",
            "DMC12-REQ-CONTACT-001",
            "customer_contact not an object",
            V,
            |o| {
                o.insert("customer_contact".into(), json!("call me maybe"));
            }
        ),
        m!(
            "name-missing",
            "DMC12-REQ-NAME-001",
            "name missing",
            V,
            |o| {
                contact(o).remove("name");
            }
        ),
        m!(
            "name-empty",
            "DMC12-REQ-NAME-001",
            "name shorter than 1",
            V,
            |o| {
                contact(o).insert("name".into(), json!(""));
            }
        ),
        m!(
            "name-121",
            "DMC12-REQ-NAME-001",
            "name longer than 120",
            V,
            |o| {
                let c = contact(o);
                let v = resize(c.get("name"), 121, 'é');
                c.insert("name".into(), v);
            }
        ),
        m!(
            "phone-missing",
            "DMC12-REQ-PHONE-001",
            "phone missing",
            V,
            |o| {
                contact(o).remove("phone");
            }
        ),
        m!(
            "phone-no-plus",
            "DMC12-REQ-PHONE-001",
            "phone without leading +",
            V,
            |o| {
                let c = contact(o);
                let p = c
                    .get("phone")
                    .and_then(Value::as_str)
                    .unwrap_or("+15555551234")
                    .trim_start_matches('+')
                    .to_string();
                c.insert("phone".into(), json!(p));
            }
        ),
        m!(
            "phone-leading-zero",
            "DMC12-REQ-PHONE-001",
            "phone country code starting with 0",
            V,
            |o| {
                let c = contact(o);
                let d = phone_digits(c);
                c.insert("phone".into(), json!(format!("+0{}", &d[1..])));
            }
        ),
        m!(
            "phone-letters",
            "DMC12-REQ-PHONE-001",
            "phone with letters",
            V,
            |o| {
                contact(o).insert("phone".into(), json!("+1555CALLNOW"));
            }
        ),
        m!(
            "phone-7-chars",
            "DMC12-REQ-PHONE-001",
            "phone shorter than 8 (6 digits)",
            V,
            |o| {
                contact(o).insert("phone".into(), json!("+123456"));
            }
        ),
        m!(
            "phone-16-digits",
            "DMC12-REQ-PHONE-001",
            "phone with 16 digits (pattern allows 7–15)",
            V,
            |o| {
                let c = contact(o);
                let d = phone_digits(c);
                let long: String = d
                    .chars()
                    .chain("9876543210123456".chars())
                    .take(16)
                    .collect();
                c.insert("phone".into(), json!(format!("+{long}")));
            }
        ),
        m!(
            "phone-spaces",
            "DMC12-REQ-PHONE-001",
            "phone with spaces (not E.164)",
            V,
            |o| {
                let c = contact(o);
                let d = phone_digits(c);
                let (a, b) = d.split_at(d.len().min(4));
                c.insert("phone".into(), json!(format!("+{a} {b}")));
            }
        ),
        m!(
            "email-missing",
            "DMC12-REQ-EMAIL-001",
            "email missing",
            V,
            |o| {
                contact(o).remove("email");
            }
        ),
        m!(
            "email-no-at",
            "DMC12-REQ-EMAIL-001",
            "email without @",
            V,
            |o| {
                let c = contact(o);
                let e = c
                    .get("email")
                    .and_then(Value::as_str)
                    .unwrap_or("jane@example.com")
                    .replace('@', ".at.");
                c.insert("email".into(), json!(e));
            }
        ),
        m!(
            "email-4-chars",
            "DMC12-REQ-EMAIL-001",
            "email shorter than 5",
            V,
            |o| {
                contact(o).insert("email".into(), json!("a@bc"));
            }
        ),
        m!(
            "email-321-chars",
            "DMC12-REQ-EMAIL-001",
            "email longer than 320",
            V,
            |o| {
                let local = "x".repeat(64);
                let domain = format!(
                    "{}.{}.{}.{}.com",
                    "a".repeat(63),
                    "b".repeat(63),
                    "c".repeat(63),
                    "d".repeat(60)
                );
                contact(o).insert("email".into(), json!(format!("{local}@{domain}")));
            }
        ),
        // Seed 000 says only "the validator rejects false": CONSENT_INVALID, in the tool's own
        // vocabulary, is as reasonable as a validation code (BINDINGS.md §2).
        m!(
            "consent-false",
            "DMC12-REQ-CONSENT-001",
            "customer_consent false",
            "VALIDATION_ERROR|CONSENT_INVALID",
            |o| {
                o.insert("customer_consent".into(), json!(false));
            }
        ),
        m!(
            "consent-missing",
            "DMC12-REQ-CONSENT-001",
            "customer_consent missing",
            V,
            |o| {
                o.remove("customer_consent");
            }
        ),
        m!(
            "consent-string",
            "DMC12-REQ-CONSENT-001",
            "customer_consent the string \"yes\"",
            V,
            |o| {
                o.insert("customer_consent".into(), json!("yes"));
            }
        ),
        m!(
            "financing-unknown-word",
            "DMC12-REQ-FINANCING-001",
            "financing_preference outside the enum",
            V,
            |o| {
                o.insert("financing_preference".into(), json!("crypto"));
            }
        ),
        m!(
            "notes-501",
            "DMC12-REQ-NOTES-001",
            "notes longer than 500",
            V,
            |o| {
                let v = resize(
                    o.get("notes").or(Some(&json!("Notes about the buyer"))),
                    501,
                    'n',
                );
                o.insert("notes".into(), v);
            }
        ),
        m!(
            "notes-number",
            "DMC12-REQ-NOTES-001",
            "notes not a string",
            V,
            |o| {
                o.insert("notes".into(), json!(42));
            }
        ),
        m!(
            "disclosed-string",
            "DMC12-REQ-DISCLOSED-001",
            "trade_in_disclosed not a boolean",
            V,
            |o| {
                o.insert("trade_in_disclosed".into(), json!("maybe"));
            }
        ),
        m!(
            "tradein-extra-field",
            "DMC12-REQ-TRADEIN-001",
            "extra field in trade_in",
            V,
            |o| {
                sub(o, "trade_in").insert("color".into(), json!("blue"));
            }
        ),
        m!(
            "tradein-string",
            "DMC12-REQ-TRADEIN-001",
            "trade_in not an object",
            V,
            |o| {
                o.insert("trade_in".into(), json!("a 2019 Subaru"));
            }
        ),
        m!(
            "tradein-desc-501",
            "DMC12-REQ-TRADEIN-DESC-001",
            "trade_in.description longer than 500",
            V,
            |o| {
                let t = sub(o, "trade_in");
                let v = resize(
                    t.get("description").or(Some(&json!("Single owner"))),
                    501,
                    'd',
                );
                t.insert("description".into(), v);
            }
        ),
        m!(
            "money-negative",
            "DMC12-REQ-TRADEIN-MONEY-001",
            "appraised amount below 0",
            V,
            |o| {
                sub(o, "trade_in").insert(
                    "appraised_value_partner".into(),
                    json!({"amount": -1, "currency": "USD"}),
                );
            }
        ),
        m!(
            "money-lowercase-currency",
            "DMC12-REQ-TRADEIN-MONEY-001",
            "currency not ^[A-Z]{3}$ (lower case)",
            V,
            |o| {
                sub(o, "trade_in").insert(
                    "appraised_value_partner".into(),
                    json!({"amount": 100, "currency": "usd"}),
                );
            }
        ),
        m!(
            "money-2-letter-currency",
            "DMC12-REQ-TRADEIN-MONEY-001",
            "currency not ^[A-Z]{3}$ (two letters)",
            V,
            |o| {
                sub(o, "trade_in").insert(
                    "appraised_value_partner".into(),
                    json!({"amount": 100, "currency": "US"}),
                );
            }
        ),
        m!(
            "vin-16",
            "DMC12-REQ-TRADEIN-VIN-001",
            "VIN of 16 characters",
            V,
            |o| {
                sub(o, "trade_in").insert("vin".into(), json!("JF2GTACC4K820000"));
            }
        ),
        m!(
            "vin-letter-o",
            "DMC12-REQ-TRADEIN-VIN-001",
            "VIN containing O",
            V,
            |o| {
                sub(o, "trade_in").insert("vin".into(), json!("JF2GTACC4K82O0000"));
            }
        ),
        m!(
            "vin-lowercase",
            "DMC12-REQ-TRADEIN-VIN-001",
            "VIN in lower case",
            V,
            |o| {
                sub(o, "trade_in").insert("vin".into(), json!("jf2gtacc4k8200000"));
            }
        ),
        m!(
            "year-1899",
            "DMC12-REQ-TRADEIN-YEAR-001",
            "year below 1900",
            V,
            |o| {
                sub(o, "trade_in").insert("year".into(), json!(1899));
            }
        ),
        m!(
            "year-2101",
            "DMC12-REQ-TRADEIN-YEAR-001",
            "year above 2100",
            V,
            |o| {
                sub(o, "trade_in").insert("year".into(), json!(2101));
            }
        ),
        m!(
            "make-41",
            "DMC12-REQ-TRADEIN-MAKE-001",
            "make longer than 40",
            V,
            |o| {
                sub(o, "trade_in").insert("make".into(), json!("M".repeat(41)));
            }
        ),
        m!(
            "model-81",
            "DMC12-REQ-TRADEIN-MODEL-001",
            "model longer than 80",
            V,
            |o| {
                sub(o, "trade_in").insert("model".into(), json!("S".repeat(81)));
            }
        ),
        m!(
            "mileage-negative",
            "DMC12-REQ-TRADEIN-MILEAGE-001",
            "mileage below 0",
            V,
            |o| {
                sub(o, "trade_in").insert("mileage".into(), json!(-1));
            }
        ),
        m!(
            "mileage-1000001",
            "DMC12-REQ-TRADEIN-MILEAGE-001",
            "mileage above 1,000,000",
            V,
            |o| {
                sub(o, "trade_in").insert("mileage".into(), json!(1_000_001));
            }
        ),
        m!(
            "condition-mint",
            "DMC12-REQ-TRADEIN-CONDITION-001",
            "condition outside the enum",
            V,
            |o| {
                sub(o, "trade_in").insert("condition".into(), json!("mint"));
            }
        ),
        m!(
            "condition-new",
            "DMC12-REQ-TRADEIN-CONDITION-001",
            "condition from the sale vocabulary (new)",
            V,
            |o| {
                sub(o, "trade_in").insert("condition".into(), json!("new"));
            }
        ),
        m!(
            "consent-extra-field",
            "DMC12-REQ-CONSENTOBJ-001",
            "extra field in consent",
            V,
            |o| {
                sub(o, "consent").insert("scope".into(), json!(["lead_submission"]));
            }
        ),
        m!(
            "consent-obj-string",
            "DMC12-REQ-CONSENTOBJ-001",
            "consent not an object",
            V,
            |o| {
                o.insert("consent".into(), json!("granted"));
            }
        ),
        m!(
            "channels-empty",
            "DMC12-REQ-CHANNELS-001",
            "allowed_channels empty",
            V,
            |o| {
                sub(o, "consent").insert("allowed_channels".into(), json!([]));
            }
        ),
        m!(
            "channels-duplicate",
            "DMC12-REQ-CHANNELS-001",
            "allowed_channels with a duplicate",
            V,
            |o| {
                sub(o, "consent").insert("allowed_channels".into(), json!(["email", "email"]));
            }
        ),
        m!(
            "channels-fax",
            "DMC12-REQ-CHANNELS-001",
            "allowed_channels outside the enum",
            V,
            |o| {
                sub(o, "consent").insert("allowed_channels".into(), json!(["fax"]));
            }
        ),
        m!(
            "expires-naive",
            "DMC12-REQ-EXPIRES-001",
            "expires_at without a time zone",
            V,
            |o| {
                sub(o, "consent").insert("expires_at".into(), json!("2099-06-01T00:00:00"));
            }
        ),
        m!(
            "expires-not-a-date",
            "DMC12-REQ-EXPIRES-001",
            "expires_at not a date-time",
            V,
            |o| {
                sub(o, "consent").insert("expires_at".into(), json!("next tuesday"));
            }
        ),
        m!(
            "consent-text-2001",
            "DMC12-REQ-CONSENTTEXT-001",
            "consent_text longer than 2000",
            V,
            |o| {
                let c = sub(o, "consent");
                let v = resize(
                    c.get("consent_text")
                        .or(Some(&json!("Customer authorized follow-up"))),
                    2001,
                    't',
                );
                c.insert("consent_text".into(), v);
            }
        ),
        m!(
            "consent-expired",
            "DMC12-CONSENT-EXPIRY-001",
            "consent.expires_at in the past",
            CONSENT_INVALID,
            |o| {
                sub(o, "consent").insert("expires_at".into(), json!(past_timestamp(2)));
            }
        ),
    ]
}

#[cfg(test)]
mod tests;
