//! Generated AAP leads: an [`AapPlan`] of [`AapCase`]s per suite ([`AapSuite::V02`] for
//! `lead.submit`, [`AapSuite::Draft`] for `lead.general`) — valid leads (customer only, with a
//! vehicle of interest, a trade-in, an appointment, every combination of them, the boundary
//! lengths, and proptest-drawn variations) and invalid leads that break exactly one rule each,
//! every case labelled with the clause ([`Role`]) it tests and what a conforming dealer answers.
//!
//! Every case carries its own customer (unique email and phone, derived from a per-run salt), so
//! that no case is a duplicate of another by accident; the one deliberate duplicate is
//! [`AapPlan::duplicate`], which the runner sends twice. Cases that need a fixture the target did
//! not provide (an in-stock, sold or unknown VIN, or an appointment time, see [`AapFixtures`])
//! are not generated: they are listed in [`AapPlan::untested`] so that their clause is reported
//! NOT_TESTED, never passed.

use super::{AapSuite, CONTACT_CONSENT_REQUIRED, INVALID_CONDITION, Role};
use crate::spec::codes::{VALIDATION_ERROR, VEHICLE_NOT_FOUND, VEHICLE_UNAVAILABLE};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, Utc, Weekday};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

/// Appointment times the dealer answers in a known way (BINDINGS.md §3). `None` = the target
/// profile gives none: the cases that need it are NOT_TESTED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AapTimes {
    /// A time the dealer can book as asked (→ `confirmed`, or another acknowledgement).
    pub confirmable: Option<String>,
    /// A time the dealer can only offer alternatives for (→ `proposed`).
    pub proposable: Option<String>,
    /// A time the dealer cannot honour and has no alternative for (→ APPOINTMENT_TIME_UNAVAILABLE).
    pub unavailable: Option<String>,
}

impl AapTimes {
    /// No appointment fixtures at all.
    pub fn none() -> AapTimes {
        AapTimes {
            confirmable: None,
            proposable: None,
            unavailable: None,
        }
    }

    /// The times the reference's documented rules give (docs/serve-reference.md; UTC):
    /// Monday–Saturday 15:00–23:00 at minute 0 or 30 within 60 days is confirmed, a Sunday is
    /// proposed alternatives, more than 60 days ahead is unavailable. Computed relative to `now`:
    /// confirmable = the first Monday–Saturday at least two days ahead, 18:00; proposable = the
    /// first Sunday at least two days ahead, 18:00; unavailable = the first Monday–Saturday at
    /// least 90 days ahead, 18:00.
    pub fn reference_defaults(now: DateTime<Utc>) -> AapTimes {
        let at_18 = |days: i64, sunday: bool| {
            let mut d = (now + Duration::days(days)).date_naive();
            while (d.weekday() == Weekday::Sun) != sunday {
                d = d.succ_opt().unwrap_or(d);
            }
            let t = NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default();
            d.and_time(t)
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        AapTimes {
            confirmable: Some(at_18(2, false)),
            proposable: Some(at_18(2, true)),
            unavailable: Some(at_18(90, false)),
        }
    }
}

impl Default for AapTimes {
    /// [`AapTimes::reference_defaults`] at the current time.
    fn default() -> Self {
        AapTimes::reference_defaults(Utc::now())
    }
}

/// A vehicle of the dealer's inventory, as the fixtures know it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixtureVehicle {
    /// VIN.
    pub vin: String,
    /// Model year.
    pub year: Option<i64>,
    /// Make.
    pub make: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Trim.
    pub trim: Option<String>,
    /// Sale condition (new, used, cpo).
    pub condition: Option<String>,
    /// Stock number.
    pub stock: Option<String>,
}

impl FixtureVehicle {
    /// A vehicle known by its VIN only.
    pub fn vin(vin: &str) -> FixtureVehicle {
        FixtureVehicle {
            vin: vin.to_string(),
            ..FixtureVehicle::default()
        }
    }

    /// Read one `inventory.search` vehicle (`vin` required).
    pub fn from_json(v: &Value) -> Option<FixtureVehicle> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(FixtureVehicle {
            vin: s("vin").filter(|x| !x.is_empty())?,
            year: v.get("year").and_then(|y| {
                y.as_i64()
                    .or_else(|| y.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            }),
            make: s("make"),
            model: s("model"),
            trim: s("trim"),
            condition: s("condition"),
            stock: s("stock"),
        })
    }

    /// The vehicle as a `vehicle_of_interest` with everything known (condition only when it is
    /// a sale condition).
    pub fn as_interest(&self) -> Value {
        let mut o = Map::new();
        o.insert("vin".into(), json!(self.vin));
        if let Some(y) = self.year {
            o.insert("year".into(), json!(y));
        }
        for (k, v) in [
            ("make", &self.make),
            ("model", &self.model),
            ("trim", &self.trim),
            ("stock", &self.stock),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(c) = self
            .condition
            .as_deref()
            .filter(|c| SALE_CONDITIONS.contains(c))
        {
            o.insert("condition".into(), json!(c));
        }
        Value::Object(o)
    }

    fn has_ymm(&self) -> bool {
        self.year.is_some() && self.make.is_some() && self.model.is_some()
    }
}

/// Everything the generators need from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AapFixtures {
    /// A vehicle the dealer has and can show (test drives of it succeed).
    pub in_stock: Option<FixtureVehicle>,
    /// A vehicle the dealer lists as sold or held.
    pub sold: Option<FixtureVehicle>,
    /// A VIN the dealer does not have.
    pub unknown_vin: Option<String>,
    /// Appointment times.
    pub times: AapTimes,
}

impl AapFixtures {
    /// No fixtures at all.
    pub fn none() -> AapFixtures {
        AapFixtures {
            in_stock: None,
            sold: None,
            unknown_vin: None,
            times: AapTimes::none(),
        }
    }

    /// Fixtures read from an `inventory.search` answer's vehicle list: the first `available`
    /// vehicle with a VIN, the first `sold` one, and a VIN derived from `salt` that is not in
    /// the list.
    pub fn from_inventory(vehicles: &[Value], salt: &str, times: AapTimes) -> AapFixtures {
        let with_status = |want: &str| {
            vehicles
                .iter()
                .filter(|v| {
                    v.get("status")
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case(want))
                })
                .find_map(FixtureVehicle::from_json)
        };
        let listed: Vec<String> = vehicles
            .iter()
            .filter_map(|v| v.get("vin").and_then(Value::as_str))
            .map(str::to_ascii_uppercase)
            .collect();
        let unknown = (0..100)
            .map(|i| unknown_vin(&format!("{salt}{i}")))
            .find(|v| !listed.contains(v));
        AapFixtures {
            in_stock: with_status("available"),
            sold: with_status("sold"),
            unknown_vin: unknown,
            times,
        }
    }
}

/// A well-formed 17-character VIN (no I, O, Q) derived from `salt`, starting `9ZZ` (a world
/// manufacturer code no dealer inventory is likely to hold).
pub fn unknown_vin(salt: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let h = crate::spec::sha256_hex(&format!("vin:{salt}"));
    let tail: String = h
        .bytes()
        .take(14)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect();
    format!("9ZZ{tail}")
}

/// Which appointment fixture a case uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFixture {
    /// [`AapTimes::confirmable`].
    Confirmable,
    /// [`AapTimes::proposable`].
    Proposable,
    /// [`AapTimes::unavailable`].
    Unavailable,
}

/// What a conforming dealer does with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AapExpect {
    /// The lead is received (`role`: Accept, VehicleNoTestDrive or Anonymous).
    Received {
        /// The clause role the acceptance proves.
        role: Role,
    },
    /// The lead is rejected with `code` (VALIDATION_ERROR: any of the profile's codes).
    Rejected {
        /// The clause role broken.
        role: Role,
        /// The rule broken, in words.
        rule: &'static str,
        /// The expected error code.
        code: &'static str,
    },
    /// A lead with an appointment at a fixture time: received; at the unavailable time with
    /// APPOINTMENT_TIME_UNAVAILABLE.
    Appointment {
        /// Which time.
        fixture: TimeFixture,
    },
}

/// One request to send to the suite's skill.
#[derive(Debug, Clone)]
pub struct AapCase {
    /// Stable id within a run (`combo-voi-trade-appt`, `gen-003`, `invalid-scope-extra-0`).
    pub id: String,
    /// The suite.
    pub suite: AapSuite,
    /// What a conforming dealer does.
    pub expect: AapExpect,
    /// The request (the DataPart `data`).
    pub request: Value,
}

impl AapCase {
    /// The customer's email, if the request has one.
    pub fn email(&self) -> Option<&str> {
        self.request
            .pointer("/customer/email")
            .and_then(Value::as_str)
    }

    /// The customer's phone, if the request has one.
    pub fn phone(&self) -> Option<&str> {
        self.request
            .pointer("/customer/phone")
            .and_then(Value::as_str)
    }

    /// Whether the request asked for an appointment.
    pub fn has_appointment(&self) -> bool {
        self.request.get("appointment").is_some()
    }

    /// Whether the request asked for a test drive.
    pub fn has_test_drive(&self) -> bool {
        self.request
            .pointer("/appointment/appointment_type")
            .and_then(Value::as_str)
            == Some("test_drive")
    }
}

/// A case that could not be generated, and why (its clause is NOT_TESTED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untested {
    /// The clause role.
    pub role: Role,
    /// The case id it would have had.
    pub case: String,
    /// The missing fixture.
    pub why: String,
}

/// Everything one suite sends over one binding.
#[derive(Debug, Clone)]
pub struct AapPlan {
    /// The cases, in sending order.
    pub cases: Vec<AapCase>,
    /// A valid lead the runner sends twice (the second answer should be `duplicate`).
    pub duplicate: AapCase,
    /// Cases that could not be generated.
    pub untested: Vec<Untested>,
}

/// Generation settings.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// Seed of the proptest runner (same seed and salt: same plan).
    pub seed: u64,
    /// Makes every customer email of the plan unique (include a per-run nonce when the target
    /// keeps leads across runs, or its duplicate detection will fire). Give every plan of a run
    /// its own salt.
    pub salt: String,
    /// The plan's number within the run (0–99): phone numbers carry it, so that no two plans
    /// of a run share a customer phone (dealers match duplicates by phone too).
    pub ordinal: u8,
    /// Drawn valid leads on top of the fixed ones.
    pub generated: usize,
    /// Cases per invalid rule (each on another drawn base lead).
    pub invalid_per_rule: usize,
}

/// The sale-condition vocabulary (vehicle of interest).
pub const SALE_CONDITIONS: &[&str] = &["new", "used", "cpo"];
/// The trade-in condition vocabulary.
pub const TRADE_CONDITIONS: &[&str] = &["excellent", "good", "fair", "poor"];
/// The appointment types.
pub const APPOINTMENT_TYPES: &[&str] = &["sales", "service", "test_drive", "trade_in"];
/// The draft's lead intents.
pub const LEAD_INTENTS: &[&str] = &[
    "financing_question",
    "trade_in_interest",
    "service_question",
    "general_question",
    "callback_request",
    "other",
];
/// The draft's timelines.
pub const TIMELINES: &[&str] = &["asap", "1_3_months", "3_6_months", "flexible"];
/// The largest message both suites allow (characters).
pub const MAX_MESSAGE: usize = 4000;

const FIRST: &[&str] = &[
    "Piotr", "Anna", "Zoë", "Łukasz", "Amélie", "Søren", "Mateo", "Kenji", "Ngozi", "José",
];
const LAST: &[&str] = &[
    "Nowak",
    "Kowalska",
    "Müller",
    "O'Brien",
    "García",
    "Nakamura",
    "Ødegaard",
    "Van der Berg",
];
const CARS: &[(i64, &str, &str)] = &[
    (2020, "Volkswagen", "Passat"),
    (2018, "Subaru", "Forester"),
    (2016, "Honda", "Civic"),
    (2021, "Toyota", "RAV4"),
    (2012, "Ford", "F-150"),
];

/// The customer of case `n`: unique email and phone derived from `salt`.
fn identity(salt: &str, ordinal: u8, n: usize, first: &str) -> (String, String) {
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
struct SubmitShape {
    first: &'static str,
    last: &'static str,
    /// 0 email+phone, 1 email only, 2 phone only.
    contact: u8,
    preferred: bool,
    address: bool,
    sms: bool,
    voi: Option<(u8, Option<&'static str>)>,
    trade: Option<(usize, Option<&'static str>, Option<i64>, bool)>,
    appt: Option<(&'static str, Option<i64>, bool, &'static str)>,
    /// The fixture time an appointment is requested at.
    appt_time: TimeFixture,
    /// 0 none, 1 short, 2 one character, 3 max.
    message: u8,
    submitted_at: bool,
}

fn submit_shape() -> impl Strategy<Value = SubmitShape> {
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
struct GeneralShape {
    first: &'static str,
    last: &'static str,
    contact: u8,
    preferred: bool,
    extra_scope: bool,
    lead_intent: Option<&'static str>,
    timeline: Option<&'static str>,
    budget: Option<i64>,
    body_fuel: bool,
    /// 0 short, 1 one character, 2 max.
    message: u8,
    submitted_at: bool,
}

fn general_shape() -> impl Strategy<Value = GeneralShape> {
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

fn pad(base: &str, len: usize, fill: char) -> String {
    let mut s: String = base.chars().take(len).collect();
    while s.chars().count() < len {
        s.push(fill);
    }
    s
}

fn now_stamp() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Renders cases: holds the fixtures, the salt and the case counter.
struct Builder<'a> {
    suite: AapSuite,
    fx: &'a AapFixtures,
    salt: &'a str,
    ordinal: u8,
    n: usize,
    untested: Vec<Untested>,
}

impl Builder<'_> {
    fn customer(&mut self, first: &str, last: &str, contact: u8) -> Map<String, Value> {
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

    fn time(&self, f: TimeFixture) -> Option<String> {
        match f {
            TimeFixture::Confirmable => self.fx.times.confirmable.clone(),
            TimeFixture::Proposable => self.fx.times.proposable.clone(),
            TimeFixture::Unavailable => self.fx.times.unavailable.clone(),
        }
    }

    fn untested(&mut self, role: Role, case: &str, why: &str) {
        self.untested.push(Untested {
            role,
            case: case.to_string(),
            why: why.to_string(),
        });
    }

    /// Channels the customer can be reached on.
    fn channels(c: &Map<String, Value>, sms: bool) -> Vec<&'static str> {
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

    fn consent(&self, channels: &[&str], scope: Value) -> Value {
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
    fn submit(&mut self, s: &SubmitShape) -> Value {
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

    fn general(&mut self, s: &GeneralShape) -> Value {
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

fn base_submit() -> SubmitShape {
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

fn base_general() -> GeneralShape {
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
struct Source {
    runner: TestRunner,
}

impl Source {
    fn new(seed: u64) -> Source {
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

    fn draw<S: Strategy>(&mut self, s: S, fallback: S::Value) -> S::Value {
        s.new_tree(&mut self.runner)
            .map(|t| t.current())
            .unwrap_or(fallback)
    }
}

/// One single-rule break of a valid lead.
struct Mutation {
    name: &'static str,
    role: Role,
    rule: &'static str,
    code: &'static str,
    /// Applies the break; Err(why) when a fixture is missing.
    apply: fn(&mut Map<String, Value>, &AapFixtures) -> Result<(), String>,
}

/// `n` digits derived from the request's customer (unique per case like the customer is).
fn derived(o: &Map<String, Value>, n: usize) -> String {
    crate::generate::salt_digits(
        &o.get("customer").map(Value::to_string).unwrap_or_default(),
        n,
    )
}

fn sub<'a>(o: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = o.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    match entry {
        Value::Object(m) => m,
        _ => unreachable!("replaced by an object above"),
    }
}

/// Ensure a vehicle of interest identified by year+make+model (no test drive).
fn ensure_voi(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("vehicle_of_interest").is_some_and(Value::is_object) {
        o.insert(
            "vehicle_of_interest".into(),
            json!({"year": 2024, "make": "Subaru", "model": "Outback"}),
        );
    }
    sub(o, "vehicle_of_interest")
}

fn ensure_trade(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("trade_in").is_some_and(Value::is_object) {
        o.insert(
            "trade_in".into(),
            json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "mileage": 62000}),
        );
    }
    sub(o, "trade_in")
}

/// Never leave a test drive on a base whose vehicle a mutation replaces or removes.
fn no_test_drive(o: &mut Map<String, Value>) {
    let kind = o
        .get("appointment")
        .and_then(|a| a.get("appointment_type"))
        .and_then(Value::as_str);
    if kind == Some("test_drive") {
        sub(o, "appointment").insert("appointment_type".into(), json!("sales"));
    }
}

fn time_of(fx: &AapFixtures) -> Result<String, String> {
    fx.times
        .confirmable
        .clone()
        .or_else(|| fx.times.proposable.clone())
        .or_else(|| fx.times.unavailable.clone())
        .ok_or_else(|| "no appointment time fixture".to_string())
}

fn test_drive_with(o: &mut Map<String, Value>, vin: &str, fx: &AapFixtures) -> Result<(), String> {
    let at = time_of(fx)?;
    o.insert("vehicle_of_interest".into(), json!({"vin": vin}));
    o.insert(
        "appointment".into(),
        json!({"appointment_type": "test_drive", "appointment_at": at}),
    );
    Ok(())
}

fn unknown(fx: &AapFixtures) -> Result<String, String> {
    fx.unknown_vin
        .clone()
        .ok_or_else(|| "no VIN known to be absent from the dealer's inventory".into())
}

fn sold(fx: &AapFixtures) -> Result<String, String> {
    fx.sold
        .as_ref()
        .map(|v| v.vin.clone())
        .ok_or_else(|| "no sold or held VIN in the fixtures".into())
}

macro_rules! m {
    ($name:literal, $role:expr, $rule:literal, $code:expr, $f:expr) => {
        Mutation {
            name: $name,
            role: $role,
            rule: $rule,
            code: $code,
            apply: $f,
        }
    };
}

/// A channel outside email|phone|sms in consent.allowed_channels (both suites): it breaks the
/// ConsentGrant's vocabulary, and a dealer may call that a validation error or a consent it
/// cannot act on.
fn channel_outside_vocabulary() -> Mutation {
    m!(
        "channel-outside-vocabulary",
        Role::Request,
        "consent.allowed_channels holds a channel outside email, phone, sms",
        "VALIDATION_ERROR|CONTACT_CONSENT_REQUIRED",
        |o, _| {
            let c = sub(o, "consent");
            c.insert("allowed_channels".into(), json!(["email", "fax"]));
            Ok(())
        }
    )
}

fn submit_mutations() -> Vec<Mutation> {
    use Role::*;
    const V: &str = VALIDATION_ERROR;
    const C: &str = CONTACT_CONSENT_REQUIRED;
    const I: &str = INVALID_CONDITION;
    // A condition word in neither vocabulary: seed 002 names INVALID_CONDITION only across
    // the vocabularies, so either code is reasonable (BINDINGS.md §2).
    const V_OR_I: &str = "VALIDATION_ERROR|INVALID_CONDITION";
    vec![
        m!(
            "type-wrong",
            Request,
            "type is not lead.submit.request",
            V,
            |o, _| {
                o.insert("type".into(), json!("lead.submit.req"));
                Ok(())
            }
        ),
        m!("type-missing", Request, "type missing", V, |o, _| {
            o.remove("type");
            Ok(())
        }),
        m!(
            "customer-missing",
            Request,
            "customer missing",
            V,
            |o, _| {
                o.remove("customer");
                Ok(())
            }
        ),
        m!(
            "customer-no-first-name",
            Request,
            "customer.first_name missing",
            V,
            |o, _| {
                sub(o, "customer").remove("first_name");
                Ok(())
            }
        ),
        m!(
            "customer-no-contact",
            Request,
            "customer without email and phone",
            V,
            |o, _| {
                let c = sub(o, "customer");
                c.remove("email");
                c.remove("phone");
                c.remove("preferred_contact");
                Ok(())
            }
        ),
        m!(
            "customer-phone-not-e164",
            Request,
            "customer.phone not E.164",
            V,
            |o, _| {
                let c = sub(o, "customer");
                let p = c
                    .get("phone")
                    .and_then(Value::as_str)
                    .unwrap_or("+14155550100")
                    .trim_start_matches('+')
                    .to_string();
                c.insert("phone".into(), json!(p));
                Ok(())
            }
        ),
        // No "email not an address" case: no seed gives an email format for AAP (seed 003 asks
        // only for "email or phone (E.164 format)"), so a server that does not check one is
        // not wrong.
        m!(
            "source-agent-missing",
            Request,
            "source_agent missing",
            V,
            |o, _| {
                o.remove("source_agent");
                Ok(())
            }
        ),
        m!(
            "message-4001",
            Request,
            "message longer than 4000 characters",
            V,
            |o, _| {
                o.insert(
                    "message".into(),
                    json!(pad("Over-long note ", MAX_MESSAGE + 1, 'x')),
                );
                Ok(())
            }
        ),
        m!(
            "message-number",
            Request,
            "message not a string",
            V,
            |o, _| {
                o.insert("message".into(), json!(4000));
                Ok(())
            }
        ),
        m!(
            "trade-in-no-year",
            Request,
            "trade_in without year",
            V,
            |o, _| {
                ensure_trade(o).remove("year");
                Ok(())
            }
        ),
        m!(
            "trade-in-no-make",
            Request,
            "trade_in without make",
            V,
            |o, _| {
                ensure_trade(o).remove("make");
                Ok(())
            }
        ),
        m!(
            "customer-no-last-name",
            Request,
            "customer.last_name missing",
            V,
            |o, _| {
                sub(o, "customer").remove("last_name");
                Ok(())
            }
        ),
        channel_outside_vocabulary(),
        m!(
            "trade-in-no-model",
            Request,
            "trade_in without model",
            V,
            |o, _| {
                ensure_trade(o).remove("model");
                Ok(())
            }
        ),
        m!(
            "vehicle-unidentifiable",
            Request,
            "vehicle_of_interest without vin, stock or year+make+model",
            V,
            |o, _| {
                no_test_drive(o);
                o.insert(
                    "vehicle_of_interest".into(),
                    json!({"make": "Subaru", "trim": "Premium"}),
                );
                Ok(())
            }
        ),
        m!(
            "appointment-type-unknown",
            Request,
            "appointment_type outside its enum",
            V,
            |o, fx| {
                let at = time_of(fx)?;
                o.insert(
                    "appointment".into(),
                    json!({"appointment_type": "valet", "appointment_at": at}),
                );
                Ok(())
            }
        ),
        m!(
            "appointment-at-not-date-time",
            Request,
            "appointment_at not an ISO-8601 date-time",
            V,
            |o, _| {
                no_test_drive(o);
                o.insert("appointment".into(), json!({"appointment_type": "sales", "appointment_at": "next tuesday afternoon"}));
                Ok(())
            }
        ),
        m!(
            "submitted-at-not-date-time",
            Request,
            "submitted_at not an ISO-8601 date-time",
            V,
            |o, _| {
                o.insert("submitted_at".into(), json!("2026-13-45 25:61"));
                Ok(())
            }
        ),
        m!(
            "vehicles-array",
            OneVehicle,
            "vehicle_of_interest is a list of two vehicles",
            V,
            |o, _| {
                no_test_drive(o);
                o.insert(
                    "vehicle_of_interest".into(),
                    json!([{"year": 2024, "make": "Subaru", "model": "Outback"},
                       {"year": 2024, "make": "Subaru", "model": "Forester"}]),
                );
                Ok(())
            }
        ),
        m!(
            "consent-missing",
            ConsentMissing,
            "consent missing",
            C,
            |o, _| {
                o.remove("consent");
                Ok(())
            }
        ),
        m!(
            "scope-extra",
            ConsentScope,
            "scope [lead_submission, marketing]",
            C,
            |o, _| {
                sub(o, "consent").insert("scope".into(), json!(["lead_submission", "marketing"]));
                Ok(())
            }
        ),
        m!(
            "scope-other",
            ConsentScope,
            "scope [marketing]",
            C,
            |o, _| {
                sub(o, "consent").insert("scope".into(), json!(["marketing"]));
                Ok(())
            }
        ),
        m!(
            "scope-general-inquiry",
            ConsentScope,
            "scope [general_inquiry]",
            C,
            |o, _| {
                sub(o, "consent").insert("scope".into(), json!(["general_inquiry"]));
                Ok(())
            }
        ),
        m!("scope-empty", ConsentScope, "scope []", C, |o, _| {
            sub(o, "consent").insert("scope".into(), json!([]));
            Ok(())
        }),
        m!(
            "scope-missing",
            ConsentScope,
            "consent without scope",
            C,
            |o, _| {
                sub(o, "consent").remove("scope");
                Ok(())
            }
        ),
        m!(
            "channel-sms-not-allowed",
            ConsentChannel,
            "preferred_contact sms, allowed_channels [email]",
            C,
            |o, _| {
                let phone = format!("+1415{}", derived(o, 7));
                let c = sub(o, "customer");
                c.entry("phone").or_insert_with(|| json!(phone));
                c.insert("preferred_contact".into(), json!("sms"));
                sub(o, "consent").insert("allowed_channels".into(), json!(["email"]));
                Ok(())
            }
        ),
        m!(
            "channel-phone-not-allowed",
            ConsentChannel,
            "preferred_contact phone, allowed_channels [email, sms]",
            C,
            |o, _| {
                let phone = format!("+1415{}", derived(o, 7));
                let c = sub(o, "customer");
                c.entry("phone").or_insert_with(|| json!(phone));
                c.insert("preferred_contact".into(), json!("phone"));
                sub(o, "consent").insert("allowed_channels".into(), json!(["email", "sms"]));
                Ok(())
            }
        ),
        m!(
            "voi-condition-excellent",
            ConditionVoi,
            "vehicle_of_interest.condition excellent",
            I,
            |o, _| {
                ensure_voi(o).insert("condition".into(), json!("excellent"));
                Ok(())
            }
        ),
        m!(
            "voi-condition-good",
            ConditionVoi,
            "vehicle_of_interest.condition good",
            I,
            |o, _| {
                ensure_voi(o).insert("condition".into(), json!("good"));
                Ok(())
            }
        ),
        m!(
            "voi-condition-fair",
            ConditionVoi,
            "vehicle_of_interest.condition fair",
            I,
            |o, _| {
                ensure_voi(o).insert("condition".into(), json!("fair"));
                Ok(())
            }
        ),
        m!(
            "voi-condition-poor",
            ConditionVoi,
            "vehicle_of_interest.condition poor",
            I,
            |o, _| {
                ensure_voi(o).insert("condition".into(), json!("poor"));
                Ok(())
            }
        ),
        m!(
            "trade-condition-new",
            ConditionTrade,
            "trade_in.condition new",
            I,
            |o, _| {
                ensure_trade(o).insert("condition".into(), json!("new"));
                Ok(())
            }
        ),
        m!(
            "trade-condition-used",
            ConditionTrade,
            "trade_in.condition used",
            I,
            |o, _| {
                ensure_trade(o).insert("condition".into(), json!("used"));
                Ok(())
            }
        ),
        m!(
            "trade-condition-cpo",
            ConditionTrade,
            "trade_in.condition cpo",
            I,
            |o, _| {
                ensure_trade(o).insert("condition".into(), json!("cpo"));
                Ok(())
            }
        ),
        m!(
            "voi-condition-mint",
            ConditionNeither,
            "vehicle_of_interest.condition mint (neither vocabulary)",
            V_OR_I,
            |o, _| {
                ensure_voi(o).insert("condition".into(), json!("mint"));
                Ok(())
            }
        ),
        m!(
            "trade-condition-salvage",
            ConditionNeither,
            "trade_in.condition salvage (neither vocabulary)",
            V_OR_I,
            |o, _| {
                ensure_trade(o).insert("condition".into(), json!("salvage"));
                Ok(())
            }
        ),
        m!(
            "test-drive-unknown-vin",
            VehicleNotFound,
            "test drive of a VIN the dealer does not have",
            VEHICLE_NOT_FOUND,
            |o, fx| {
                let vin = unknown(fx)?;
                test_drive_with(o, &vin, fx)
            }
        ),
        m!(
            "test-drive-sold-vin",
            VehicleUnavailable,
            "test drive of a sold vehicle",
            VEHICLE_UNAVAILABLE,
            |o, fx| {
                let vin = sold(fx)?;
                test_drive_with(o, &vin, fx)
            }
        ),
    ]
}

fn general_mutations() -> Vec<Mutation> {
    use Role::*;
    const V: &str = VALIDATION_ERROR;
    const C: &str = CONTACT_CONSENT_REQUIRED;
    const V_OR_C: &str = "VALIDATION_ERROR|CONTACT_CONSENT_REQUIRED";
    vec![
        m!(
            "type-wrong",
            Request,
            "type is not lead.general.request",
            V,
            |o, _| {
                o.insert("type".into(), json!("lead.general.req"));
                Ok(())
            }
        ),
        m!("type-missing", Request, "type missing", V, |o, _| {
            o.remove("type");
            Ok(())
        }),
        m!(
            "submitted-at-not-date-time",
            Request,
            "submitted_at not an ISO-8601 date-time",
            V,
            |o, _| {
                o.insert("submitted_at".into(), json!("2026-13-45 25:61"));
                Ok(())
            }
        ),
        m!(
            "customer-no-first-name",
            Customer,
            "customer.first_name missing",
            V,
            |o, _| {
                sub(o, "customer").remove("first_name");
                Ok(())
            }
        ),
        // Seed 003: "In that case consent MUST be omitted as well." No code is named.
        m!(
            "consent-without-customer",
            Request,
            "consent present although customer is absent",
            V_OR_C,
            |o, _| {
                o.remove("customer");
                Ok(())
            }
        ),
        channel_outside_vocabulary(),
        m!("message-missing", Request, "message missing", V, |o, _| {
            o.remove("message");
            Ok(())
        }),
        m!(
            "message-empty",
            Request,
            "message shorter than 1 character",
            V,
            |o, _| {
                o.insert("message".into(), json!(""));
                Ok(())
            }
        ),
        m!(
            "message-4001",
            Request,
            "message longer than 4000 characters",
            V,
            |o, _| {
                o.insert(
                    "message".into(),
                    json!(pad("Over-long question ", MAX_MESSAGE + 1, 'x')),
                );
                Ok(())
            }
        ),
        m!(
            "source-agent-missing",
            Request,
            "source_agent missing",
            V,
            |o, _| {
                o.remove("source_agent");
                Ok(())
            }
        ),
        m!(
            "lead-intent-unknown",
            Request,
            "lead_intent outside its enum",
            V,
            |o, _| {
                o.insert("lead_intent".into(), json!("price_check"));
                Ok(())
            }
        ),
        m!(
            "timeline-unknown",
            Request,
            "intent.timeline outside its enum",
            V,
            |o, _| {
                sub(o, "intent").insert("timeline".into(), json!("someday"));
                Ok(())
            }
        ),
        m!(
            "customer-no-contact",
            Customer,
            "customer without email and phone",
            V,
            |o, _| {
                let c = sub(o, "customer");
                c.remove("email");
                c.remove("phone");
                c.remove("preferred_contact");
                Ok(())
            }
        ),
        m!(
            "customer-no-last-name",
            Customer,
            "customer.last_name missing",
            V,
            |o, _| {
                sub(o, "customer").remove("last_name");
                Ok(())
            }
        ),
        m!(
            "customer-phone-not-e164",
            Customer,
            "customer.phone not E.164",
            V,
            |o, _| {
                let p = format!("(415) 555-{}", derived(o, 4));
                sub(o, "customer").insert("phone".into(), json!(p));
                Ok(())
            }
        ),
        m!(
            "consent-missing",
            ConsentMissing,
            "customer without consent",
            C,
            |o, _| {
                o.remove("consent");
                Ok(())
            }
        ),
        m!(
            "scope-lead-submission",
            ConsentScope,
            "scope [lead_submission]",
            C,
            |o, _| {
                sub(o, "consent").insert("scope".into(), json!(["lead_submission"]));
                Ok(())
            }
        ),
        m!("scope-empty", ConsentScope, "scope []", C, |o, _| {
            sub(o, "consent").insert("scope".into(), json!([]));
            Ok(())
        }),
        m!(
            "scope-missing",
            ConsentScope,
            "consent without scope",
            C,
            |o, _| {
                sub(o, "consent").remove("scope");
                Ok(())
            }
        ),
        m!(
            "channel-phone-not-allowed",
            ConsentChannel,
            "preferred_contact phone, allowed_channels [email]",
            C,
            |o, _| {
                let phone = format!("+1415{}", derived(o, 7));
                let email = format!("channel.{}@example.com", derived(o, 8));
                let c = sub(o, "customer");
                c.entry("phone").or_insert_with(|| json!(phone));
                c.entry("email").or_insert_with(|| json!(email));
                c.insert("preferred_contact".into(), json!("phone"));
                sub(o, "consent").insert("allowed_channels".into(), json!(["email"]));
                Ok(())
            }
        ),
    ]
}

/// The plan of one suite for one binding.
pub fn plan(suite: AapSuite, fx: &AapFixtures, settings: &PlanSettings) -> AapPlan {
    let mut b = Builder {
        suite,
        fx,
        salt: &settings.salt,
        ordinal: settings.ordinal,
        n: 0,
        untested: vec![],
    };
    let mut src = Source::new(settings.seed ^ (suite as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut cases = vec![];
    let received = |id: String, role: Role, request: Value| AapCase {
        id,
        suite,
        expect: AapExpect::Received { role },
        request,
    };
    match suite {
        AapSuite::V02 => {
            // Every combination of vehicle of interest, trade-in and appointment.
            let kinds = ["test_drive", "sales", "service", "trade_in"];
            for mask in 0u8..8 {
                let (voi, trade, appt) = (mask & 1 != 0, mask & 2 != 0, mask & 4 != 0);
                let mut name = vec!["customer"];
                if voi {
                    name.push("voi");
                }
                if trade {
                    name.push("trade");
                }
                if appt {
                    name.push("appt");
                }
                let id = format!("combo-{}", name.join("-"));
                // A vehicle with an appointment is the seed's full example: a test drive.
                let kind = match (voi, trade) {
                    (true, _) => "test_drive",
                    (false, true) => "trade_in",
                    (false, false) => "service",
                };
                if appt && fx.times.confirmable.is_none() {
                    b.untested(Role::Accept, &id, "no confirmable appointment time fixture");
                    continue;
                }
                let shape = SubmitShape {
                    voi: voi.then_some((3, None)),
                    trade: trade.then_some((0, Some("good"), Some(62_000), false)),
                    appt: appt.then_some((kind, Some(60), true, "Z")),
                    address: mask == 7,
                    ..base_submit()
                };
                cases.push(received(id, Role::Accept, b.submit(&shape)));
            }
            // Each appointment type (a test drive needs an in-stock vehicle).
            for kind in kinds {
                let id = format!("appt-type-{kind}");
                if fx.times.confirmable.is_none() {
                    b.untested(Role::Accept, &id, "no confirmable appointment time fixture");
                    continue;
                }
                if kind == "test_drive" && fx.in_stock.is_none() {
                    b.untested(
                        Role::Accept,
                        &id,
                        "no in-stock vehicle fixture for a test drive",
                    );
                    continue;
                }
                let shape = SubmitShape {
                    voi: (kind == "test_drive").then_some((0, None)),
                    appt: Some((kind, None, false, "-05:00")),
                    ..base_submit()
                };
                cases.push(received(id, Role::Accept, b.submit(&shape)));
            }
            // Boundaries: the longest message, an empty one, one-letter names, phone only,
            // every channel, every sale and trade condition.
            let edges: Vec<(&str, SubmitShape)> = vec![
                (
                    "edge-message-4000",
                    SubmitShape {
                        message: 3,
                        ..base_submit()
                    },
                ),
                (
                    "edge-message-1",
                    SubmitShape {
                        message: 2,
                        ..base_submit()
                    },
                ),
                (
                    "edge-one-letter-names",
                    SubmitShape {
                        first: "J",
                        last: "Ø",
                        message: 0,
                        submitted_at: false,
                        ..base_submit()
                    },
                ),
                (
                    "edge-phone-only-sms",
                    SubmitShape {
                        contact: 2,
                        sms: true,
                        preferred: true,
                        ..base_submit()
                    },
                ),
                (
                    "edge-all-channels",
                    SubmitShape {
                        contact: 0,
                        sms: true,
                        preferred: false,
                        address: true,
                        ..base_submit()
                    },
                ),
            ];
            for (id, shape) in edges {
                cases.push(received(id.into(), Role::Accept, b.submit(&shape)));
            }
            for (i, (sale, trade)) in SALE_CONDITIONS
                .iter()
                .zip(TRADE_CONDITIONS.iter().cycle())
                .chain(std::iter::once((&"used", &"poor")))
                .enumerate()
            {
                let shape = SubmitShape {
                    voi: Some((2, Some(sale))),
                    trade: Some((i % CARS.len(), Some(trade), None, i % 2 == 0)),
                    ..base_submit()
                };
                let mut req = b.submit(&shape);
                // An in-stock vehicle may bring its own condition; set this one explicitly.
                if let Some(v) = req
                    .get_mut("vehicle_of_interest")
                    .and_then(Value::as_object_mut)
                {
                    v.insert("condition".into(), json!(sale));
                }
                cases.push(received(
                    format!("edge-conditions-{sale}-{trade}"),
                    Role::Accept,
                    req,
                ));
            }
            // Drawn leads.
            for i in 0..settings.generated {
                let shape = src.draw(submit_shape(), base_submit());
                cases.push(received(
                    format!("gen-{i:03}"),
                    Role::Accept,
                    b.submit(&shape),
                ));
            }
            // Drawn leads whose appointment is at the unavailable time: any customer, vehicle
            // and trade-in, the appointment refused, the lead still received.
            if fx.times.unavailable.is_some() {
                for i in 0..settings.generated.div_ceil(2) {
                    let mut shape = src.draw(submit_shape(), base_submit());
                    shape.appt = Some(shape.appt.unwrap_or(("sales", None, false, "Z")));
                    shape.appt_time = TimeFixture::Unavailable;
                    cases.push(AapCase {
                        id: format!("gen-appt-unavailable-{i:03}"),
                        suite,
                        expect: AapExpect::Appointment {
                            fixture: TimeFixture::Unavailable,
                        },
                        request: b.submit(&shape),
                    });
                }
            }
            // The vehicle rules without a test drive.
            let no_td: Vec<(&str, Result<String, String>, Option<&str>)> = vec![
                ("no-test-drive-unknown-vin", unknown(fx), None),
                ("no-test-drive-sold-vin", sold(fx), None),
                (
                    "no-test-drive-unknown-vin-sales",
                    unknown(fx),
                    Some("sales"),
                ),
                ("no-test-drive-sold-vin-service", sold(fx), Some("service")),
            ];
            for (id, vin, kind) in no_td {
                let vin = match vin {
                    Ok(v) => v,
                    Err(why) => {
                        b.untested(Role::VehicleNoTestDrive, id, &why);
                        continue;
                    }
                };
                if kind.is_some() && fx.times.confirmable.is_none() {
                    b.untested(
                        Role::VehicleNoTestDrive,
                        id,
                        "no confirmable appointment time fixture",
                    );
                    continue;
                }
                let mut req = b.submit(&SubmitShape {
                    appt: kind.map(|k| (k, None, false, "Z")),
                    ..base_submit()
                });
                if let Some(o) = req.as_object_mut() {
                    o.insert("vehicle_of_interest".into(), json!({"vin": vin}));
                }
                cases.push(received(id.into(), Role::VehicleNoTestDrive, req));
            }
            // The appointment fixtures.
            for (id, f, kind) in [
                ("appt-confirmable", TimeFixture::Confirmable, "sales"),
                (
                    "appt-confirmable-offset",
                    TimeFixture::Confirmable,
                    "service",
                ),
                ("appt-proposable", TimeFixture::Proposable, "sales"),
                ("appt-unavailable", TimeFixture::Unavailable, "sales"),
                (
                    "appt-unavailable-test-drive",
                    TimeFixture::Unavailable,
                    "test_drive",
                ),
            ] {
                let role = match f {
                    TimeFixture::Confirmable => Role::ApptConfirmed,
                    TimeFixture::Proposable => Role::ApptProposed,
                    TimeFixture::Unavailable => Role::ApptUnavailable,
                };
                let Some(at) = b.time(f) else {
                    b.untested(role, id, "no appointment time fixture of this kind");
                    continue;
                };
                if kind == "test_drive" && fx.in_stock.is_none() {
                    b.untested(role, id, "no in-stock vehicle fixture for a test drive");
                    continue;
                }
                let mut req = b.submit(&SubmitShape {
                    voi: (kind == "test_drive").then_some((0, None)),
                    ..base_submit()
                });
                let at = if id.ends_with("offset") {
                    with_offset(&at, "+02:00")
                } else {
                    at
                };
                if let Some(o) = req.as_object_mut() {
                    o.insert(
                        "appointment".into(),
                        json!({"appointment_type": kind, "appointment_at": at, "duration_minutes": 30}),
                    );
                }
                cases.push(AapCase {
                    id: id.into(),
                    suite,
                    expect: AapExpect::Appointment { fixture: f },
                    request: req,
                });
            }
        }
        AapSuite::Draft => {
            for (i, intent) in LEAD_INTENTS.iter().enumerate() {
                let shape = GeneralShape {
                    lead_intent: Some(intent),
                    timeline: Some(TIMELINES[i % TIMELINES.len()]),
                    contact: (i % 3) as u8,
                    extra_scope: i % 2 == 1,
                    body_fuel: i == 0,
                    ..base_general()
                };
                cases.push(received(
                    format!("intent-{intent}"),
                    Role::Accept,
                    b.general(&shape),
                ));
            }
            let edges: Vec<(&str, GeneralShape)> = vec![
                (
                    "edge-message-1",
                    GeneralShape {
                        message: 1,
                        ..base_general()
                    },
                ),
                (
                    "edge-message-4000",
                    GeneralShape {
                        message: 2,
                        ..base_general()
                    },
                ),
                (
                    "edge-minimal",
                    GeneralShape {
                        lead_intent: None,
                        timeline: None,
                        budget: None,
                        preferred: false,
                        submitted_at: false,
                        contact: 2,
                        ..base_general()
                    },
                ),
                (
                    "edge-timeline-flexible",
                    GeneralShape {
                        timeline: Some("flexible"),
                        ..base_general()
                    },
                ),
            ];
            for (id, shape) in edges {
                cases.push(received(id.into(), Role::Accept, b.general(&shape)));
            }
            for i in 0..settings.generated {
                let shape = src.draw(general_shape(), base_general());
                cases.push(received(
                    format!("gen-{i:03}"),
                    Role::Accept,
                    b.general(&shape),
                ));
            }
            for (i, intent) in ["general_question", "other"].into_iter().enumerate() {
                b.n += 1;
                cases.push(received(
                    format!("anonymous-{i}"),
                    Role::Anonymous,
                    json!({"type": suite.request_type(), "lead_intent": intent,
                           "message": format!("Do you take trade-ins on weekends? Ref {}-{}", b.salt, b.n),
                           "source_agent": "dealer-tck"}),
                ));
            }
        }
    }
    // Invalid leads: each mutation on `invalid_per_rule` drawn bases.
    let mutations = match suite {
        AapSuite::V02 => submit_mutations(),
        AapSuite::Draft => general_mutations(),
    };
    for m in &mutations {
        for k in 0..settings.invalid_per_rule.max(1) {
            let id = format!("invalid-{}-{k}", m.name);
            let base = match suite {
                AapSuite::V02 => {
                    let shape = if k == 0 {
                        base_submit()
                    } else {
                        src.draw(submit_shape(), base_submit())
                    };
                    b.submit(&shape)
                }
                AapSuite::Draft => {
                    let shape = if k == 0 {
                        base_general()
                    } else {
                        src.draw(general_shape(), base_general())
                    };
                    b.general(&shape)
                }
            };
            let mut obj = base.as_object().cloned().unwrap_or_default();
            match (m.apply)(&mut obj, fx) {
                Ok(()) => cases.push(AapCase {
                    id,
                    suite,
                    expect: AapExpect::Rejected {
                        role: m.role,
                        rule: m.rule,
                        code: m.code,
                    },
                    request: Value::Object(obj),
                }),
                Err(why) => b.untested(m.role, &id, &why),
            }
        }
    }
    let duplicate = match suite {
        AapSuite::V02 => {
            let shape = SubmitShape {
                voi: Some((0, Some("used"))),
                ..base_submit()
            };
            received("duplicate".into(), Role::Duplicate, b.submit(&shape))
        }
        AapSuite::Draft => received(
            "duplicate".into(),
            Role::Duplicate,
            b.general(&base_general()),
        ),
    };
    AapPlan {
        cases,
        duplicate,
        untested: b.untested,
    }
}

#[cfg(test)]
mod tests;
