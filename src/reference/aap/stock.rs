//! The reference's AAP inventory ([`aap_inventory`]) and its documented appointment rules ([`appointment_outcome`]).

use super::*;
use crate::reference::inventory;
use chrono::{DateTime, Datelike, Duration, SecondsFormat, Timelike, Utc, Weekday};

/// One vehicle of the AAP inventory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AapVehicle {
    /// 17-character VIN.
    pub vin: String,
    /// Model year.
    pub year: u16,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Trim.
    pub trim: String,
    /// `new`, `used` or `cpo`.
    pub condition: String,
    /// Dealer stock number.
    pub stock: String,
    /// Asking price in USD.
    pub price: u32,
    /// `available` or `sold`.
    pub status: String,
}

/// The AAP inventory: the seeded Mark Miller Subaru stock (all available), the in-stock
/// 2024 Honda CR-V of seed 002 ([`IN_STOCK_VIN`]), a certified pre-owned Forester
/// ([`CPO_STOCK`]) and a sold 2024 Outback ([`SOLD_VIN`]).
pub fn aap_inventory() -> Vec<AapVehicle> {
    let mut out: Vec<AapVehicle> = inventory::seed()
        .into_iter()
        .map(|v| AapVehicle {
            vin: v.vin,
            year: v.year,
            make: v.make,
            model: v.model,
            trim: v.trim,
            condition: v.condition,
            stock: v.stock,
            price: v.price,
            status: "available".into(),
        })
        .collect();
    let extra = |vin: String,
                 year: u16,
                 make: &str,
                 model: &str,
                 trim: &str,
                 condition: &str,
                 stock: &str,
                 price: u32,
                 status: &str| AapVehicle {
        vin,
        year,
        make: make.into(),
        model: model.into(),
        trim: trim.into(),
        condition: condition.into(),
        stock: stock.into(),
        price,
        status: status.into(),
    };
    out.push(extra(
        IN_STOCK_VIN.into(),
        2024,
        "Honda",
        "CR-V",
        "EX-L",
        "used",
        IN_STOCK_STOCK,
        32_995,
        "available",
    ));
    out.push(extra(
        inventory::vin("JF2", "SKALC", 2023, 'H', 600_321),
        2023,
        "Subaru",
        "Forester",
        "Limited",
        "cpo",
        CPO_STOCK,
        29_995,
        "available",
    ));
    out.push(extra(
        SOLD_VIN.into(),
        2024,
        "Subaru",
        "Outback",
        "Touring XT",
        "used",
        "MMSU901",
        38_995,
        "sold",
    ));
    out
}

/// What the dealer does with a requested appointment time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentOutcome {
    /// Booked at this instant.
    Confirmed(DateTime<Utc>),
    /// Not bookable as asked; these are the next two bookable slots after it.
    Proposed(Vec<DateTime<Utc>>),
    /// In the past or more than [`APPOINTMENT_HORIZON_DAYS`] ahead: no proposals.
    Unavailable,
    /// No time was given: manual review.
    Requested,
}

/// Can the dealer book an appointment starting at `t`? Monday–Saturday, 15:00 ≤ time < 23:00
/// UTC, on the hour or half hour (seconds zero).
pub fn is_confirmable(t: DateTime<Utc>) -> bool {
    t.weekday() != Weekday::Sun
        && (15..23).contains(&t.hour())
        && (t.minute() == 0 || t.minute() == 30)
        && t.second() == 0
        && t.nanosecond() == 0
}

/// The first `n` confirmable slots strictly after `after`.
pub fn next_confirmable_slots(after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let floor_minute = if after.minute() >= 30 { 30 } else { 0 };
    let base = after
        .with_minute(floor_minute)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(after);
    let mut out = Vec::with_capacity(n);
    let mut t = base;
    // A week holds 96 slots; 16 days of half hours is plenty for any n ≤ 96.
    for _ in 0..(16 * 48) {
        if out.len() >= n {
            break;
        }
        t += Duration::minutes(30);
        if is_confirmable(t) {
            out.push(t);
        }
    }
    out
}

/// The dealer's answer to an appointment at `at` (None: no time given), judged at `now`.
pub fn appointment_outcome(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AppointmentOutcome {
    let Some(at) = at else {
        return AppointmentOutcome::Requested;
    };
    if at < now || at > now + Duration::days(APPOINTMENT_HORIZON_DAYS) {
        AppointmentOutcome::Unavailable
    } else if is_confirmable(at) {
        AppointmentOutcome::Confirmed(at)
    } else {
        AppointmentOutcome::Proposed(next_confirmable_slots(at, 2))
    }
}

/// RFC 3339 UTC with seconds and `Z`.
pub(crate) fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
