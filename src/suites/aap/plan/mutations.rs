//! The invalid leads: each [`AapMutation`] breaks exactly one rule of a valid lead, labelled with
//! the role (clause) it tests and the answer due. The tables are data,
//! `suites/aap-0.2/mutations.toml` and `suites/aap-draft/mutations.toml`, loaded and checked once
//! ([`table`]); what a row cannot say as data (a fixture's VIN or time, a value derived from the
//! lead's own customer) is a named transform here ([`TRANSFORMS`]).

use super::*;
use crate::generate::{object_at, set_at};
use crate::suites::Suite;
use crate::suites::aap::Role;
use jsonptr::Pointer;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One single-rule break of a valid lead (a row of the suite's `mutations.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AapMutation {
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) rule: String,
    pub(crate) code: String,
    #[serde(default)]
    no_test_drive: bool,
    ensure: Option<Ensure>,
    transform: Option<String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    set: BTreeMap<String, Value>,
    pad: Option<Pad>,
}

/// A default vehicle the break needs.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Ensure {
    VehicleOfInterest,
    TradeIn,
}

/// A string of `len` characters: `text`, then `fill`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pad {
    at: String,
    text: String,
    len: usize,
    fill: char,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    mutation: Vec<AapMutation>,
}

/// A break computed from the fixtures or the lead's own values; Err(why) when a fixture is
/// missing.
type Transform = fn(&mut Map<String, Value>, &AapFixtures) -> Result<(), String>;

/// The transforms the tables may name.
const TRANSFORMS: &[(&str, Transform)] = &[
    ("phone-without-plus", phone_without_plus),
    ("phone-national-format", phone_national_format),
    ("ensure-customer-phone", ensure_customer_phone),
    (
        "ensure-customer-phone-and-email",
        ensure_customer_phone_and_email,
    ),
    ("appointment-valet", appointment_valet),
    ("test-drive-unknown-vin", test_drive_unknown_vin),
    ("test-drive-sold-vin", test_drive_sold_vin),
];

impl AapMutation {
    /// Apply the break to a valid lead; Err(why) when a fixture it needs is missing.
    pub(crate) fn apply(&self, o: &mut Map<String, Value>, fx: &AapFixtures) -> Result<(), String> {
        if self.no_test_drive {
            no_test_drive(o);
        }
        match self.ensure {
            Some(Ensure::VehicleOfInterest) => {
                ensure_voi(o);
            }
            Some(Ensure::TradeIn) => {
                ensure_trade(o);
            }
            None => {}
        }
        if let Some(name) = &self.transform {
            let (_, f) = TRANSFORMS
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| format!("no transform named {name}"))?;
            f(o, fx)?;
        }
        for at in &self.remove {
            let mut v = Value::Object(std::mem::take(o));
            if let Ok(p) = Pointer::parse(at) {
                p.delete(&mut v);
            }
            if let Value::Object(m) = v {
                *o = m;
            }
        }
        for (at, v) in &self.set {
            let _ = set_at(o, at, v.clone());
        }
        if let Some(p) = &self.pad {
            let _ = set_at(o, &p.at, json!(pad(&p.text, p.len, p.fill)));
        }
        Ok(())
    }
}

/// Parse and check a table against its suite: every role has a clause in the catalogue, every
/// transform and pointer is valid, names are unique. Err: one line saying what is wrong.
pub(crate) fn load_table(suite: AapSuite, table: &str) -> Result<Vec<AapMutation>, String> {
    let t: Table = toml::from_str(table).map_err(|e| format!("mutations.toml: {e}"))?;
    let mut names = std::collections::BTreeSet::new();
    for m in &t.mutation {
        let Some(clause) = suite.clause(m.role) else {
            return Err(format!(
                "mutation {}: the suite has no {:?} clause",
                m.name, m.role
            ));
        };
        if suite.catalogue().get(clause).is_none() {
            return Err(format!(
                "mutation {}: clause {clause} is not in the catalogue",
                m.name
            ));
        }
        if let Some(f) = &m.transform
            && !TRANSFORMS.iter().any(|(n, _)| n == f)
        {
            return Err(format!("mutation {}: no transform named {f}", m.name));
        }
        let pointers = m
            .remove
            .iter()
            .chain(m.set.keys())
            .chain(m.pad.iter().map(|p| &p.at));
        for at in pointers {
            Pointer::parse(at)
                .map_err(|e| format!("mutation {}: bad pointer {at}: {e}", m.name))?;
        }
        if !names.insert(m.name.as_str()) {
            return Err(format!("mutation {} is listed twice", m.name));
        }
    }
    Ok(t.mutation)
}

/// The suite's invalid-lead table, in file order (loaded and checked once).
pub(crate) fn table(suite: AapSuite) -> &'static [AapMutation] {
    static V02: OnceLock<Vec<AapMutation>> = OnceLock::new();
    static DRAFT: OnceLock<Vec<AapMutation>> = OnceLock::new();
    let (cell, src) = match suite {
        AapSuite::V02 => (
            &V02,
            include_str!("../../../../suites/aap-0.2/mutations.toml"),
        ),
        AapSuite::Draft => (
            &DRAFT,
            include_str!("../../../../suites/aap-draft/mutations.toml"),
        ),
    };
    cell.get_or_init(|| load_table(suite, src).unwrap_or_else(|e| panic!("suites/{suite}/{e}")))
}

/// `n` digits derived from the request's customer (unique per case like the customer is).
pub(crate) fn derived(o: &Map<String, Value>, n: usize) -> String {
    crate::generate::salt_digits(
        &o.get("customer").map(Value::to_string).unwrap_or_default(),
        n,
    )
}

/// Ensure a vehicle of interest identified by year+make+model (no test drive).
pub(crate) fn ensure_voi(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("vehicle_of_interest").is_some_and(Value::is_object) {
        o.insert(
            "vehicle_of_interest".into(),
            json!({"year": 2024, "make": "Subaru", "model": "Outback"}),
        );
    }
    object_at(o, "vehicle_of_interest")
}

pub(crate) fn ensure_trade(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("trade_in").is_some_and(Value::is_object) {
        o.insert(
            "trade_in".into(),
            json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "mileage": 62000}),
        );
    }
    object_at(o, "trade_in")
}

/// Never leave a test drive on a base whose vehicle a mutation replaces or removes.
pub(crate) fn no_test_drive(o: &mut Map<String, Value>) {
    let kind = o
        .get("appointment")
        .and_then(|a| a.get("appointment_type"))
        .and_then(Value::as_str);
    if kind == Some("test_drive") {
        object_at(o, "appointment").insert("appointment_type".into(), json!("sales"));
    }
}

pub(crate) fn time_of(fx: &AapFixtures) -> Result<String, String> {
    fx.times
        .confirmable
        .clone()
        .or_else(|| fx.times.proposable.clone())
        .or_else(|| fx.times.unavailable.clone())
        .ok_or_else(|| "no appointment time fixture".to_string())
}

pub(crate) fn test_drive_with(
    o: &mut Map<String, Value>,
    vin: &str,
    fx: &AapFixtures,
) -> Result<(), String> {
    let at = time_of(fx)?;
    o.insert("vehicle_of_interest".into(), json!({"vin": vin}));
    o.insert(
        "appointment".into(),
        json!({"appointment_type": "test_drive", "appointment_at": at}),
    );
    Ok(())
}

pub(crate) fn unknown(fx: &AapFixtures) -> Result<String, String> {
    fx.unknown_vin
        .clone()
        .ok_or_else(|| "no VIN known to be absent from the dealer's inventory".into())
}

pub(crate) fn sold(fx: &AapFixtures) -> Result<String, String> {
    fx.sold
        .as_ref()
        .map(|v| v.vin.clone())
        .ok_or_else(|| "no sold or held VIN in the fixtures".into())
}

/// v0.2: the customer's phone without its `+`.
fn phone_without_plus(o: &mut Map<String, Value>, _: &AapFixtures) -> Result<(), String> {
    let c = object_at(o, "customer");
    let p = c
        .get("phone")
        .and_then(Value::as_str)
        .unwrap_or("+14155550100")
        .trim_start_matches('+')
        .to_string();
    c.insert("phone".into(), json!(p));
    Ok(())
}

/// The draft: a national-format phone, derived from the customer.
fn phone_national_format(o: &mut Map<String, Value>, _: &AapFixtures) -> Result<(), String> {
    let p = format!("(415) 555-{}", derived(o, 4));
    object_at(o, "customer").insert("phone".into(), json!(p));
    Ok(())
}

/// A customer phone (derived from the customer) when the lead has none.
fn ensure_customer_phone(o: &mut Map<String, Value>, _: &AapFixtures) -> Result<(), String> {
    let phone = format!("+1415{}", derived(o, 7));
    object_at(o, "customer")
        .entry("phone")
        .or_insert_with(|| json!(phone));
    Ok(())
}

/// A customer phone and email (derived from the customer) when the lead has none.
fn ensure_customer_phone_and_email(
    o: &mut Map<String, Value>,
    _: &AapFixtures,
) -> Result<(), String> {
    let phone = format!("+1415{}", derived(o, 7));
    let email = format!("channel.{}@example.com", derived(o, 8));
    let c = object_at(o, "customer");
    c.entry("phone").or_insert_with(|| json!(phone));
    c.entry("email").or_insert_with(|| json!(email));
    Ok(())
}

/// An appointment of a type outside the enum, at a fixture time.
fn appointment_valet(o: &mut Map<String, Value>, fx: &AapFixtures) -> Result<(), String> {
    let at = time_of(fx)?;
    o.insert(
        "appointment".into(),
        json!({"appointment_type": "valet", "appointment_at": at}),
    );
    Ok(())
}

/// A test drive of a VIN the dealer does not have.
fn test_drive_unknown_vin(o: &mut Map<String, Value>, fx: &AapFixtures) -> Result<(), String> {
    let vin = unknown(fx)?;
    test_drive_with(o, &vin, fx)
}

/// A test drive of a sold or held VIN.
fn test_drive_sold_vin(o: &mut Map<String, Value>, fx: &AapFixtures) -> Result<(), String> {
    let vin = sold(fx)?;
    test_drive_with(o, &vin, fx)
}
