//! The fixtures the AAP cases need ([`AapFixtures`]): a vehicle the dealer has, one it sold, a VIN it does not have, and appointment times ([`AapTimes`]).

use super::*;
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc, Weekday};
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

    pub(crate) fn has_ymm(&self) -> bool {
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
