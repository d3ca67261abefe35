//! The valid leads: proptest shapes of a submit and a general request, and the [`Builder`] that turns a shape into a request with its own customer.

use super::*;
use crate::suites::aap::{AapSuite, Role};
use chrono::{DateTime, FixedOffset, Utc};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

/// The customer of case `n`: unique email and phone derived from `salt`.
pub(crate) fn identity(salt: &str, ordinal: u8, n: usize, first: &str) -> (String, String) {
    let local: String = first
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase();
    let local = if local.is_empty() {
        "buyer".into()
    } else {
        local
    };
    let email = format!("{local}.{salt}{n}@example.com");
    // +4, seven digits of the salt, the plan's ordinal, the case number: 14 digits (E.164
    // allows 15), unique within a run by construction.
    let digits = crate::generate::salt_digits(&format!("aap-phone:{salt}"), 7);
    (
        email,
        format!("+4{digits}{:02}{:04}", ordinal % 100, n % 10_000),
    )
}

/// Shape of a `lead.submit` lead, drawn by proptest and rendered with the fixtures.
#[derive(Debug, Clone)]
pub(crate) struct SubmitShape {
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    /// 0 email+phone, 1 email only, 2 phone only.
    pub(crate) contact: u8,
    pub(crate) preferred: bool,
    pub(crate) address: bool,
    pub(crate) sms: bool,
    pub(crate) voi: Option<(u8, Option<&'static str>)>,
    pub(crate) trade: Option<(usize, Option<&'static str>, Option<i64>, bool)>,
    pub(crate) appt: Option<(&'static str, Option<i64>, bool, &'static str)>,
    /// The fixture time an appointment is requested at.
    pub(crate) appt_time: TimeFixture,
    /// 0 none, 1 short, 2 one character, 3 max.
    pub(crate) message: u8,
    pub(crate) submitted_at: bool,
}

pub(crate) fn submit_shape() -> impl Strategy<Value = SubmitShape> {
    let customer = (
        prop::sample::select(FIRST),
        prop::sample::select(LAST),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    let voi = prop::option::of((
        0u8..4,
        prop::option::of(prop::sample::select(SALE_CONDITIONS)),
    ));
    let trade = prop::option::of((
        0..CARS.len(),
        prop::option::of(prop::sample::select(TRADE_CONDITIONS)),
        prop::option::of(prop_oneof![Just(0i64), Just(999_999i64), 1i64..250_000]),
        any::<bool>(),
    ));
    let appt = prop::option::of((
        prop::sample::select(APPOINTMENT_TYPES),
        prop::option::of(prop_oneof![Just(15i64), Just(60i64), Just(120i64)]),
        any::<bool>(),
        prop::sample::select(&["Z", "-05:00", "+02:00"][..]),
    ));
    (customer, voi, trade, appt, 0u8..4, any::<bool>()).prop_map(
        |(
            (first, last, contact, preferred, address, sms),
            voi,
            trade,
            appt,
            message,
            submitted_at,
        )| {
            SubmitShape {
                first,
                last,
                contact,
                preferred,
                address,
                sms,
                voi,
                trade,
                appt,
                appt_time: TimeFixture::Confirmable,
                message,
                submitted_at,
            }
        },
    )
}

/// Shape of a `lead.general` request (always with a consented customer).
#[derive(Debug, Clone)]
pub(crate) struct GeneralShape {
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    pub(crate) contact: u8,
    pub(crate) preferred: bool,
    pub(crate) extra_scope: bool,
    pub(crate) lead_intent: Option<&'static str>,
    pub(crate) timeline: Option<&'static str>,
    pub(crate) budget: Option<i64>,
    pub(crate) body_fuel: bool,
    /// 0 short, 1 one character, 2 max.
    pub(crate) message: u8,
    pub(crate) submitted_at: bool,
}

pub(crate) fn general_shape() -> impl Strategy<Value = GeneralShape> {
    (
        (
            prop::sample::select(FIRST),
            prop::sample::select(LAST),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
        ),
        prop::option::of(prop::sample::select(LEAD_INTENTS)),
        prop::option::of(prop::sample::select(TIMELINES)),
        prop::option::of(prop_oneof![Just(0i64), 5_000i64..90_000]),
        any::<bool>(),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(
            |(
                (first, last, contact, preferred, extra_scope),
                lead_intent,
                timeline,
                budget,
                body_fuel,
                message,
                submitted_at,
            )| GeneralShape {
                first,
                last,
                contact,
                preferred,
                extra_scope,
                lead_intent,
                timeline,
                budget,
                body_fuel,
                message,
                submitted_at,
            },
        )
}

/// Re-render an RFC 3339 time with another offset (`Z`, `±hh:mm`); the instant is unchanged.
pub fn with_offset(t: &str, offset: &str) -> String {
    let Ok(parsed) = DateTime::parse_from_rfc3339(t) else {
        return t.to_string();
    };
    if offset == "Z" {
        return parsed
            .with_timezone(&Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
    }
    let off = DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{offset}"))
        .map(|d| *d.offset())
        .unwrap_or_else(|_| FixedOffset::east_opt(0).unwrap_or_else(|| *parsed.offset()));
    parsed
        .with_timezone(&off)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

pub(crate) use crate::generate::pad_chars as pad;

pub(crate) fn now_stamp() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Renders cases: holds the fixtures, the salt and the case counter.
pub(crate) struct Builder<'a> {
    pub(crate) suite: AapSuite,
    pub(crate) fx: &'a AapFixtures,
    pub(crate) salt: &'a str,
    pub(crate) ordinal: u8,
    pub(crate) n: usize,
    pub(crate) untested: Vec<Untested>,
}

impl Builder<'_> {
    pub(crate) fn customer(&mut self, first: &str, last: &str, contact: u8) -> Map<String, Value> {
        self.n += 1;
        let (email, phone) = identity(self.salt, self.ordinal, self.n, first);
        let mut c = Map::new();
        c.insert("first_name".into(), json!(first));
        c.insert("last_name".into(), json!(last));
        if contact != 2 {
            c.insert("email".into(), json!(email));
        }
        if contact != 1 {
            c.insert("phone".into(), json!(phone));
        }
        c
    }

    pub(crate) fn time(&self, f: TimeFixture) -> Option<String> {
        match f {
            TimeFixture::Confirmable => self.fx.times.confirmable.clone(),
            TimeFixture::Proposable => self.fx.times.proposable.clone(),
            TimeFixture::Unavailable => self.fx.times.unavailable.clone(),
        }
    }

    pub(crate) fn untested(&mut self, role: Role, case: &str, why: &str) {
        self.untested.push(Untested {
            role,
            case: case.to_string(),
            why: why.to_string(),
        });
    }

    /// Channels the customer can be reached on.
    pub(crate) fn channels(c: &Map<String, Value>, sms: bool) -> Vec<&'static str> {
        let mut v = vec![];
        if c.contains_key("email") {
            v.push("email");
        }
        if c.contains_key("phone") {
            v.push("phone");
            if sms {
                v.push("sms");
            }
        }
        v
    }

    pub(crate) fn consent(&self, channels: &[&str], scope: Value) -> Value {
        let mut o = Map::new();
        o.insert("allowed_channels".into(), json!(channels));
        o.insert("scope".into(), scope);
        o.insert("granted_at".into(), json!(now_stamp()));
        o.insert(
            "consent_text".into(),
            json!(format!(
                "I authorize the dealer to contact me about this inquiry (record {}).",
                self.salt
            )),
        );
        o.insert("source_agent".into(), json!("dealer-tck"));
        Value::Object(o)
    }

    /// A `lead.submit` lead from a shape, with a fresh customer. What the fixtures cannot back
    /// degrades: no in-stock vehicle → the vehicle is a year+make+model and a test drive becomes
    /// a sales appointment; no confirmable time → no appointment (fixed cases that need either
    /// are listed as untested by [`plan`] instead).
    pub(crate) fn submit(&mut self, s: &SubmitShape) -> Value {
        let mut c = self.customer(s.first, s.last, s.contact);
        let channels = Self::channels(&c, s.sms);
        if s.preferred {
            c.insert("preferred_contact".into(), json!(channels[0]));
        }
        if s.address {
            c.insert(
                "address".into(),
                json!({"address_line_1": "320 Brannan Street", "address_line_2": "Apt 412",
                       "city": "San Francisco", "state": "CA", "zip": "94107"}),
            );
        }
        let mut o = Map::new();
        o.insert("type".into(), json!(self.suite.request_type()));
        o.insert("customer".into(), Value::Object(c));
        o.insert(
            "consent".into(),
            // Always a whole ConsentGrant: the seeds show granted_at, consent_text and
            // source_agent in every example and never say which of them may be left out, so a
            // grant without them is not a case whose answer the seeds fix.
            self.consent(&channels, json!(["lead_submission"])),
        );
        let mut test_drive_ok = false;
        if let Some((ident, cond)) = s.voi {
            let v = match &self.fx.in_stock {
                Some(fv) => {
                    test_drive_ok = true;
                    let full = fv.as_interest();
                    let mut v = Map::new();
                    match ident {
                        0 => {
                            v.insert("vin".into(), json!(fv.vin));
                        }
                        1 if fv.stock.is_some() => {
                            v.insert("stock".into(), json!(fv.stock));
                        }
                        2 if fv.has_ymm() => {
                            for k in ["year", "make", "model"] {
                                if let Some(x) = full.get(k) {
                                    v.insert(k.into(), x.clone());
                                }
                            }
                        }
                        _ => {
                            if let Some(m) = full.as_object() {
                                v = m.clone();
                            }
                        }
                    }
                    if let Some(c) = cond
                        && !v.contains_key("condition")
                    {
                        v.insert("condition".into(), json!(c));
                    }
                    v
                }
                None => {
                    let (y, mk, md) = CARS[usize::from(ident) % CARS.len()];
                    let mut v = Map::new();
                    v.insert("year".into(), json!(y + 6));
                    v.insert("make".into(), json!(mk));
                    v.insert("model".into(), json!(md));
                    if let Some(c) = cond {
                        v.insert("condition".into(), json!(c));
                    }
                    v
                }
            };
            o.insert("vehicle_of_interest".into(), Value::Object(v));
        }
        if let Some((i, cond, mileage, vin)) = s.trade {
            let (y, mk, md) = CARS[i];
            let mut t = Map::new();
            t.insert("year".into(), json!(y));
            t.insert("make".into(), json!(mk));
            t.insert("model".into(), json!(md));
            if let Some(c) = cond {
                t.insert("condition".into(), json!(c));
            }
            if let Some(m) = mileage {
                t.insert("mileage".into(), json!(m));
            }
            if vin {
                t.insert(
                    "vin".into(),
                    json!(unknown_vin(&format!("trade{}{}", self.salt, self.n))),
                );
            }
            o.insert("trade_in".into(), Value::Object(t));
        }
        if let Some((kind, duration, notes, offset)) = s.appt
            && let Some(at) = self.time(s.appt_time)
        {
            // The appointment's vehicle is implicit (seed 002): a test drive drives the vehicle
            // of interest, a trade-in appraisal the trade-in. Without it a dealer may receive
            // the lead or refuse it, so a valid case never asks for one.
            let kind = match kind {
                "test_drive" if !test_drive_ok => "sales",
                "trade_in" if s.trade.is_none() => "service",
                other => other,
            };
            let mut a = Map::new();
            a.insert("appointment_type".into(), json!(kind));
            a.insert("appointment_at".into(), json!(with_offset(&at, offset)));
            if let Some(d) = duration {
                a.insert("duration_minutes".into(), json!(d));
            }
            if notes {
                a.insert(
                    "notes".into(),
                    json!("Please have the car charged and ready."),
                );
            }
            o.insert("appointment".into(), Value::Object(a));
        }
        match s.message {
            1 => {
                o.insert(
                    "message".into(),
                    json!(format!(
                        "Is this still available? Ref {}-{}",
                        self.salt, self.n
                    )),
                );
            }
            // Not "": seed 002 gives only "max 4000" and seed 003 "1-4000", so an empty
            // message is asserted neither way.
            2 => {
                o.insert("message".into(), json!("?"));
            }
            3 => {
                o.insert(
                    "message".into(),
                    json!(pad(&format!("Long note {} ", self.salt), MAX_MESSAGE, 'é')),
                );
            }
            _ => {}
        }
        o.insert("source_agent".into(), json!("dealer-tck"));
        if s.submitted_at {
            o.insert("submitted_at".into(), json!(now_stamp()));
        }
        Value::Object(o)
    }

    pub(crate) fn general(&mut self, s: &GeneralShape) -> Value {
        let mut c = self.customer(s.first, s.last, s.contact);
        let channels = Self::channels(&c, false);
        if s.preferred {
            c.insert("preferred_contact".into(), json!(channels[0]));
        }
        let mut o = Map::new();
        o.insert("type".into(), json!(self.suite.request_type()));
        if let Some(i) = s.lead_intent {
            o.insert("lead_intent".into(), json!(i));
        }
        let message = match s.message {
            1 => "?".to_string(),
            2 => pad(&format!("Question {} ", self.salt), MAX_MESSAGE, 'ß'),
            _ => format!(
                "Do you offer 0% APR on certified used cars? Ref {}-{}",
                self.salt, self.n
            ),
        };
        o.insert("message".into(), json!(message));
        let mut intent = Map::new();
        if s.body_fuel {
            intent.insert("body_type".into(), json!("suv"));
            intent.insert("fuel".into(), json!("hybrid"));
        }
        if let Some(b) = s.budget {
            intent.insert("budget_max".into(), json!({"amount": b, "currency": "USD"}));
        }
        if let Some(t) = s.timeline {
            intent.insert("timeline".into(), json!(t));
        }
        if !intent.is_empty() {
            o.insert("intent".into(), Value::Object(intent));
        }
        o.insert("customer".into(), Value::Object(c));
        let scope = if s.extra_scope {
            json!(["general_inquiry", "lead_submission"])
        } else {
            json!(["general_inquiry"])
        };
        o.insert("consent".into(), self.consent(&channels, scope));
        o.insert("source_agent".into(), json!("dealer-tck"));
        if s.submitted_at {
            o.insert("submitted_at".into(), json!(now_stamp()));
        }
        Value::Object(o)
    }
}

pub(crate) fn base_submit() -> SubmitShape {
    SubmitShape {
        first: "Anna",
        last: "Kowalska",
        contact: 0,
        preferred: true,
        address: false,
        sms: false,
        voi: None,
        trade: None,
        appt: None,
        appt_time: TimeFixture::Confirmable,
        message: 1,
        submitted_at: true,
    }
}

pub(crate) fn base_general() -> GeneralShape {
    GeneralShape {
        first: "Anna",
        last: "Lee",
        contact: 0,
        preferred: true,
        extra_scope: false,
        lead_intent: Some("financing_question"),
        timeline: Some("1_3_months"),
        budget: Some(28_000),
        body_fuel: false,
        message: 0,
        submitted_at: true,
    }
}

/// A seeded source of shapes.
pub(crate) struct Source {
    pub(crate) runner: TestRunner,
}

impl Source {
    pub(crate) fn new(seed: u64) -> Source {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(b"aap-lead");
        Source {
            runner: TestRunner::new_with_rng(
                Config::default(),
                TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
            ),
        }
    }

    pub(crate) fn draw<S: Strategy>(&mut self, s: S, fallback: S::Value) -> S::Value {
        s.new_tree(&mut self.runner)
            .map(|t| t.current())
            .unwrap_or(fallback)
    }
}
