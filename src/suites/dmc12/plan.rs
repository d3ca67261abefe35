//! Generated DMC-12 requests: [`Dmc12Case`]s built from proptest strategies — valid requests
//! that reach every optional field and every boundary of the seed's field table, and invalid
//! requests that break exactly one rule each, labelled with the clause and the expected code.
//! Every generated customer carries unique canary PII (see [`Dmc12Case::canaries`]).
//!
//! Cases are drawn from proptest `ValueTree`s so that a failing case can be shrunk by the
//! runner ([`CaseTree`]); the seed and the case index reproduce it.

use crate::generate::{chars_from, salt_digits, tag};
use crate::observe::leak::Canary;
use crate::spec::PII_FIELDS;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Placeholder the runner replaces with a live reservation token.
pub const LIVE_TOKEN: &str = "{{live-reservation}}";

/// What a case expects from a conforming server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Accepted (success envelope).
    Accept,
    /// Rejected with `code` (for VALIDATION_ERROR: any of the profile's validation codes).
    Reject {
        /// The clause the case breaks.
        clause: &'static str,
        /// The rule broken, in words (e.g. `phone without leading +`).
        rule: &'static str,
        /// The expected operation error code.
        code: &'static str,
    },
}

/// One request to send to `initiate_deal_handoff`.
#[derive(Debug, Clone)]
pub struct Dmc12Case {
    /// Stable id within a run (`valid-003`, `edge-max`, `invalid-phone-no-plus-1`).
    pub id: String,
    /// What a conforming server does with it.
    pub expect: Expect,
    /// The request (with [`LIVE_TOKEN`] where a live reservation goes).
    pub request: Value,
}

impl Dmc12Case {
    /// The 🔒 values this request carries, as canaries (short values are dropped by the scanner).
    pub fn canaries(&self) -> Vec<Canary> {
        pii_values(&self.request)
    }

    /// The request with the live reservation token filled in.
    pub fn with_token(&self, token: &str) -> Value {
        let mut v = self.request.clone();
        if let Some(obj) = v.as_object_mut()
            && obj.get("reservation_token").and_then(Value::as_str) == Some(LIVE_TOKEN)
        {
            obj.insert("reservation_token".into(), Value::String(token.into()));
        }
        v
    }

    /// Whether the request needs a live reservation.
    pub fn needs_reservation(&self) -> bool {
        self.request
            .get("reservation_token")
            .and_then(Value::as_str)
            == Some(LIVE_TOKEN)
    }

    /// Whether this request sets a trade-in field while `trade_in_disclosed` is false or absent.
    pub fn trade_in_undisclosed(&self) -> bool {
        let has_tradein = self
            .request
            .get("trade_in")
            .and_then(Value::as_object)
            .is_some_and(|o| !o.is_empty());
        has_tradein && self.request.get("trade_in_disclosed") != Some(&Value::Bool(true))
    }
}

/// Whether a value has enough entropy to be looked for on other surfaces: at least 8
/// characters, and for a phone at least 10 digits (short boundary values would match by chance).
pub fn is_canary(field: &str, value: &str) -> bool {
    if field.ends_with("phone") {
        value.chars().filter(char::is_ascii_digit).count() >= 10
    } else {
        value.chars().count() >= 8
    }
}

/// Every string 🔒 value of a request that is distinctive enough to scan for, as canaries.
pub fn pii_values(req: &Value) -> Vec<Canary> {
    PII_FIELDS
        .iter()
        .filter_map(|path| {
            let mut cur = req;
            for key in path.split('.') {
                cur = cur.get(key)?;
            }
            cur.as_str().filter(|s| is_canary(path, s)).map(|s| Canary {
                field: (*path).to_string(),
                value: s.to_string(),
            })
        })
        .collect()
}

const FIRST: &[&str] = &[
    "Jane",
    "Zoë",
    "Łukasz",
    "Amélie",
    "Søren",
    "Mateo",
    "Chiara",
    "Kenji",
    "Ngozi",
    "Björn",
    "Renée",
    "Oluwaseun",
    "José",
    "Ингрид",
    "Dvořák",
];
const LAST: &[&str] = &[
    "Doe",
    "Kowalczyk",
    "Müller",
    "O'Brien",
    "García",
    "Nakamura",
    "Ødegaard",
    "Núñez",
    "Smith",
    "Van der Berg",
    "Łęcka",
    "Ferreira",
];
const MAKES: &[(&str, &str)] = &[
    ("Subaru", "Crosstrek"),
    ("Honda", "Civic"),
    ("Volkswagen", "Passat"),
    ("Toyota", "RAV4"),
    ("Ford", "F-150"),
    ("Mazda", "CX-5"),
];

fn vin() -> impl Strategy<Value = String, Tree: Send> {
    chars_from("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", 17)
}

/// A unique canary customer: name, E.164 phone, email.
fn contact() -> impl Strategy<Value = Value, Tree: Send> {
    (
        prop::sample::select(FIRST),
        prop::sample::select(LAST),
        tag(),
        (chars_from("23456789", 1), chars_from("0123456789", 9)).prop_map(|(a, b)| a + &b),
        prop::sample::select(&["example.com", "example.org", "mail.example.net"][..]),
    )
        .prop_map(|(f, l, t, digits, domain)| {
            let local: String = f
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_lowercase();
            let local = if local.is_empty() {
                "buyer".into()
            } else {
                local
            };
            json!({
                "name": format!("{f} {l} {t}"),
                "phone": format!("+1{digits}"),
                "email": format!("{local}.{t}@{domain}"),
            })
        })
}

fn money() -> impl Strategy<Value = Value, Tree: Send> {
    (
        prop_oneof![
            Just(0.0),
            (0u32..120_000).prop_map(f64::from),
            // Whole amounts only: seed 000 gives `amount≥0` and no type, so a fractional
            // amount is not a case whose answer the seeds fix.
            (0u32..1_000_000).prop_map(|c| f64::from(c * 10))
        ],
        prop::sample::select(&["USD", "CAD", "EUR"][..]),
    )
        .prop_map(|(amount, cur)| {
            let amount = if amount.fract() == 0.0 {
                json!(amount as u64)
            } else {
                json!(amount)
            };
            json!({"amount": amount, "currency": cur})
        })
}

fn trade_in(t: String) -> impl Strategy<Value = Value, Tree: Send> {
    (
        prop::option::of(Just(format!("Single owner, clean history, ref {t}"))),
        prop::option::of(money()),
        prop::option::of(vin()),
        prop::option::of(prop_oneof![Just(1900i64), Just(2100i64), 1950i64..2026]),
        prop::option::of(prop::sample::select(MAKES)),
        prop::option::of(prop_oneof![Just(0i64), Just(1_000_000i64), 0i64..250_000]),
        prop::option::of(prop::sample::select(
            &["excellent", "good", "fair", "poor"][..],
        )),
    )
        .prop_map(|(desc, money, vin, year, mm, mileage, cond)| {
            let mut o = Map::new();
            if let Some(d) = desc {
                o.insert("description".into(), json!(d));
            }
            if let Some(m) = money {
                o.insert("appraised_value_partner".into(), m);
            }
            if let Some(v) = vin {
                o.insert("vin".into(), json!(v));
            }
            if let Some(y) = year {
                o.insert("year".into(), json!(y));
            }
            if let Some((make, model)) = mm {
                o.insert("make".into(), json!(make));
                o.insert("model".into(), json!(model));
            }
            if let Some(m) = mileage {
                o.insert("mileage".into(), json!(m));
            }
            if let Some(c) = cond {
                o.insert("condition".into(), json!(c));
            }
            Value::Object(o)
        })
}

fn consent(t: String) -> impl Strategy<Value = Value, Tree: Send> {
    (
        prop::option::of(prop::sample::subsequence(
            vec!["email", "phone", "sms"],
            1..=3,
        )),
        prop::option::of((
            1i64..400,
            prop::sample::select(&["Z", "+00:00", "-05:00", "+05:30"][..]),
        )),
        prop::option::of(Just(format!(
            "Customer authorized follow-up about this vehicle; consent record {t}."
        ))),
    )
        .prop_map(|(channels, expiry, text)| {
            let mut o = Map::new();
            if let Some(c) = channels {
                o.insert("allowed_channels".into(), json!(c));
            }
            if let Some((days, tz)) = expiry {
                o.insert("expires_at".into(), json!(future_timestamp(days, tz)));
            }
            if let Some(t) = text {
                o.insert("consent_text".into(), json!(t));
            }
            Value::Object(o)
        })
}

/// An RFC 3339 timestamp `days` from now, written with the given offset (`Z` or `±hh:mm`).
pub fn future_timestamp(days: i64, tz: &str) -> String {
    let t = chrono::Utc::now() + chrono::Duration::days(days);
    let offset = if tz == "Z" {
        chrono::FixedOffset::east_opt(0)
    } else {
        chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{tz}"))
            .ok()
            .map(|d| *d.offset())
    }
    .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    let local = t.with_timezone(&offset);
    if tz == "Z" {
        local.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// An RFC 3339 UTC timestamp `days` in the past.
pub fn past_timestamp(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Strategy for a valid `initiate_deal_handoff` request (token = [`LIVE_TOKEN`]).
pub fn valid_request() -> impl Strategy<Value = Value, Tree: Send> {
    (contact(), tag()).prop_flat_map(|(contact, t)| {
        (
            Just(contact),
            prop::option::of(prop::sample::select(
                &["cash", "finance", "lease", "unknown"][..],
            )),
            prop::option::of(Just(format!(
                "Prefers a weekday call; wants the winter package. ref {t}"
            ))),
            prop::option::of(any::<bool>()),
            prop::option::of(trade_in(t.clone())),
            prop::option::of(consent(t)),
        )
            .prop_map(|(contact, fin, notes, disclosed, trade_in, consent)| {
                let mut o = Map::new();
                o.insert("reservation_token".into(), json!(LIVE_TOKEN));
                o.insert("customer_contact".into(), contact);
                o.insert("customer_consent".into(), json!(true));
                if let Some(f) = fin {
                    o.insert("financing_preference".into(), json!(f));
                }
                if let Some(n) = notes {
                    o.insert("notes".into(), json!(n));
                }
                let tradein_set = trade_in
                    .as_ref()
                    .is_some_and(|t| t.as_object().is_some_and(|m| !m.is_empty()));
                // Never send disclosed:true without a trade-in.
                if let Some(d) = disclosed {
                    o.insert("trade_in_disclosed".into(), json!(d && tradein_set));
                }
                if let Some(t) = trade_in {
                    o.insert("trade_in".into(), t);
                }
                if let Some(c) = consent {
                    o.insert("consent".into(), c);
                }
                Value::Object(o)
            })
    })
}

use crate::generate::pad_chars as pad_to;

/// The fixed boundary cases every run includes (lengths 1 and max, every enum value, the
/// numeric bounds, trade-in fields with `trade_in_disclosed` false). `salt` makes their
/// canaries unique to the run.
pub fn edge_cases(salt: &str) -> Vec<Dmc12Case> {
    let t = salt;
    // Longest address that is also RFC 5321-valid (254): 64-char local part, labels ≤ 63.
    let local = pad_to(&format!("max.{t}."), 64, 'x');
    let domain = format!(
        "{}.{}.{}.example",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(53)
    );
    let email_max = format!("{local}@{domain}");
    debug_assert_eq!(email_max.len(), 254);
    let name_max = pad_to(&format!("Zoë Łęcka-Ødegaard {t} "), 120, 'ñ');
    let mk = |id: &str, v: Value| Dmc12Case {
        id: format!("edge-{id}"),
        expect: Expect::Accept,
        request: v,
    };
    let contact = |name: &str, phone: &str, email: &str| json!({"name": name, "phone": phone, "email": email});
    let mut cases = vec![
        mk(
            "minimal",
            json!({"reservation_token": LIVE_TOKEN, "customer_contact": contact(&format!("Jane Doe {t}"), &format!("+1{}", salt_digits(&format!("{t}min"), 10)), &format!("jane.{t}@example.com")), "customer_consent": true}),
        ),
        mk(
            "min-lengths",
            json!({"reservation_token": LIVE_TOKEN, "customer_contact": contact("J", "+1234567", "a@b.c"), "customer_consent": true,
                   "notes": format!("n{t}"),
                   "trade_in_disclosed": false,
                   "trade_in": {"year": 1900, "mileage": 0, "appraised_value_partner": {"amount": 0, "currency": "USD"}, "condition": "poor", "make": "A", "model": "B"}}),
        ),
        mk(
            "max-lengths",
            json!({"reservation_token": LIVE_TOKEN,
                   "customer_contact": contact(&name_max, &format!("+4{}", salt_digits(&format!("{t}max"), 14)), &email_max),
                   "customer_consent": true,
                   "financing_preference": "lease",
                   "notes": pad_to(&format!("Notes {t} "), 500, 'é'),
                   "trade_in_disclosed": false,
                   "trade_in": {
                       "description": pad_to(&format!("Trade-in {t} "), 500, 'z'),
                       "appraised_value_partner": {"amount": 18500, "currency": "EUR"},
                       "vin": "JF2GTACC4K8200000", "year": 2100, "make": pad_to("Mercedes-Benz ", 40, 'M'),
                       "model": pad_to("Sprinter ", 80, 'S'), "mileage": 1_000_000, "condition": "excellent"},
                   "consent": {"allowed_channels": ["email", "phone", "sms"], "expires_at": future_timestamp(30, "+05:30"),
                               "consent_text": pad_to(&format!("Consent {t} "), 2000, 'c')}}),
        ),
    ];
    for (i, (fin, cond, chans)) in [
        ("cash", "good", vec!["email"]),
        ("finance", "fair", vec!["phone"]),
        ("unknown", "excellent", vec!["sms", "email"]),
    ]
    .into_iter()
    .enumerate()
    {
        cases.push(mk(
            &format!("enums-{fin}"),
            json!({"reservation_token": LIVE_TOKEN,
                   "customer_contact": contact(&format!("Amélie Núñez {t}{i}"), &format!("+44{}", salt_digits(&format!("{t}enum{i}"), 10)), &format!("amelie.{t}{i}@example.org")),
                   "customer_consent": true, "financing_preference": fin, "trade_in_disclosed": true,
                   "trade_in": {"condition": cond, "year": 2019, "make": "Subaru", "model": "Crosstrek", "vin": "JF2GTACC4K8200000"},
                   "consent": {"allowed_channels": chans}}),
        ));
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::CaseSource;
    use crate::suites::dmc12::schemas as dmc12_schemas;

    #[test]
    fn valid_requests_validate_against_the_schema() {
        let schemas = dmc12_schemas();
        let mut src = CaseSource::new(7);
        for _ in 0..300 {
            let v = src.draw(valid_request()).current();
            let filled = Dmc12Case {
                id: "x".into(),
                expect: Expect::Accept,
                request: v,
            }
            .with_token("rsv_0123456789abcdef");
            let errs = schemas.request.violations(&filled);
            assert!(errs.is_empty(), "{errs:?}\n{filled}");
        }
        for c in edge_cases("abcdefgh") {
            let filled = c.with_token("rsv_0123456789abcdef");
            let errs = schemas.request.violations(&filled);
            assert!(errs.is_empty(), "{}: {errs:?}", c.id);
        }
    }

    #[test]
    fn same_seed_same_cases() {
        let a = CaseSource::new(42).draw(valid_request()).current();
        let b = CaseSource::new(42).draw(valid_request()).current();
        let c = CaseSource::new(43).draw(valid_request()).current();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn canaries_cover_pii_fields() {
        let c = &edge_cases("qwertyui")[2];
        let fields: Vec<String> = c.canaries().into_iter().map(|c| c.field).collect();
        assert_eq!(fields.len(), PII_FIELDS.len(), "{fields:?}");
    }
}
