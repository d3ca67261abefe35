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

use crate::suites::aap::{AapSuite, Role};
use proptest::prelude::*;
use serde_json::{Value, json};

mod fixtures;
mod mutations;
mod shapes;
pub use fixtures::*;
use mutations::*;
pub use shapes::*;

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
    for m in table(suite) {
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
            match m.apply(&mut obj, fx) {
                Ok(()) => cases.push(AapCase {
                    id,
                    suite,
                    expect: AapExpect::Rejected {
                        role: m.role,
                        rule: &m.rule,
                        code: &m.code,
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
