//! The AAP family: two suites, AAP v0.2 `lead.submit` ([`AapSuite::V02`], seed 002) and the AAP
//! draft `lead.general` ([`AapSuite::Draft`], seed 003), that share one request shape, one plan
//! ([`plan`]), one set of judges ([`judge`]) and one runner ([`scenarios`]). A [`Role`] names
//! what a case tests; each suite maps it to its own clause id.

pub mod examples;
pub mod judge;
pub mod plan;
pub mod scenarios;

pub use plan::*;

use crate::error::TckError;
use crate::run::{RunCx, SuiteRun};
use crate::spec::catalogue::{Catalogue, Schema, Shipped};
use futures_util::future::BoxFuture;

impl super::Suite for AapSuite {
    fn shipped(&self) -> &'static Shipped {
        match self {
            AapSuite::V02 => &V02_SHIPPED,
            AapSuite::Draft => &DRAFT_SHIPPED,
        }
    }

    fn operation(&self) -> &'static str {
        self.skill()
    }

    /// A2A skills: the two A2A bindings.
    fn bindings(&self) -> &'static [crate::transport::Binding] {
        use crate::transport::Binding;
        &[Binding::A2aJsonrpc, Binding::A2aRest]
    }

    fn run<'a>(&'a self, cx: &'a mut RunCx<'_>) -> BoxFuture<'a, Result<SuiteRun, TckError>> {
        Box::pin(scenarios::run(*self, cx))
    }

    fn examples(&self) -> &dyn crate::examples::SuiteExamples {
        self
    }
}

/// AAP v0.2 `lead.submit` request schema (seed 002).
pub const V02_REQUEST_SCHEMA: &str = include_str!("../../../suites/aap-0.2/schemas/request.json");
/// AAP draft `lead.general` request schema (seed 003).
pub const DRAFT_REQUEST_SCHEMA: &str =
    include_str!("../../../suites/aap-draft/schemas/request.json");

/// What AAP v0.2 ships in `suites/aap-0.2/`.
pub static V02_SHIPPED: Shipped = Shipped::new(
    "aap-0.2",
    include_str!("../../../suites/aap-0.2/clauses.toml"),
    &[
        ("request.json", V02_REQUEST_SCHEMA),
        (
            "response.json",
            include_str!("../../../suites/aap-0.2/schemas/response.json"),
        ),
    ],
);

/// What the AAP draft ships in `suites/aap-draft/`.
pub static DRAFT_SHIPPED: Shipped = Shipped::new(
    "aap-draft",
    include_str!("../../../suites/aap-draft/clauses.toml"),
    &[
        ("request.json", DRAFT_REQUEST_SCHEMA),
        (
            "response.json",
            include_str!("../../../suites/aap-draft/schemas/response.json"),
        ),
    ],
);

/// The request and response schemas of one AAP suite.
pub struct AapSchemas {
    /// Request.
    pub request: &'static Schema,
    /// Response.
    pub response: &'static Schema,
}

fn schemas_of(shipped: &'static Shipped) -> AapSchemas {
    let get = |f: &str| shipped.schema(f).expect("shipped AAP schema");
    AapSchemas {
        request: get("request.json"),
        response: get("response.json"),
    }
}

/// The compiled AAP v0.2 (`lead.submit`) schemas.
pub fn aap_v02_schemas() -> AapSchemas {
    schemas_of(&V02_SHIPPED)
}

/// The compiled AAP draft (`lead.general`) schemas.
pub fn aap_draft_schemas() -> AapSchemas {
    schemas_of(&DRAFT_SHIPPED)
}

/// The AAP v0.2 catalogue.
pub fn aap_v02() -> &'static Catalogue {
    V02_SHIPPED.catalogue()
}

/// The AAP draft catalogue.
pub fn aap_draft() -> &'static Catalogue {
    DRAFT_SHIPPED.catalogue()
}

/// AAP error code: consent missing, wrong scope, or follow-up channel not allowed.
pub const CONTACT_CONSENT_REQUIRED: &str = "CONTACT_CONSENT_REQUIRED";
/// AAP error code: a condition word from the other vehicle's vocabulary.
pub const INVALID_CONDITION: &str = "INVALID_CONDITION";
/// AAP error code: the requested appointment time cannot be honoured (lead still received).
pub const APPOINTMENT_TIME_UNAVAILABLE: &str = "APPOINTMENT_TIME_UNAVAILABLE";

/// One of the two AAP suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AapSuite {
    /// AAP v0.2 `lead.submit` (seed 002), `suites/aap-0.2`.
    V02,
    /// AAP draft `lead.general` (seed 003), `suites/aap-draft`.
    Draft,
}

/// The role a clause plays in a suite; [`AapSuite::clause`] maps it to the suite's clause id.
/// The mutation tables name it in kebab case (`consent-channel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A valid lead is received.
    Accept,
    /// Request shape → VALIDATION_ERROR.
    Request,
    /// Customer shape → VALIDATION_ERROR (draft; part of [`Role::Request`] in v0.2).
    Customer,
    /// One vehicle of interest only (v0.2).
    OneVehicle,
    /// Consent missing → CONTACT_CONSENT_REQUIRED.
    ConsentMissing,
    /// Consent scope wrong → CONTACT_CONSENT_REQUIRED.
    ConsentScope,
    /// Follow-up channel not allowed → CONTACT_CONSENT_REQUIRED.
    ConsentChannel,
    /// Vehicle-of-interest condition from the trade vocabulary → INVALID_CONDITION (v0.2).
    ConditionVoi,
    /// Trade-in condition from the sale vocabulary → INVALID_CONDITION (v0.2).
    ConditionTrade,
    /// A condition in neither vocabulary → VALIDATION_ERROR (v0.2).
    ConditionNeither,
    /// Unknown vehicle with a test drive → VEHICLE_NOT_FOUND (v0.2).
    VehicleNotFound,
    /// Sold vehicle with a test drive → VEHICLE_UNAVAILABLE (v0.2).
    VehicleUnavailable,
    /// The same vehicles without a test drive → received (v0.2).
    VehicleNoTestDrive,
    /// APPOINTMENT_TIME_UNAVAILABLE, lead still received (v0.2).
    ApptUnavailable,
    /// confirmed ⇒ confirmed_at (v0.2).
    ApptConfirmed,
    /// proposed ⇒ proposed_times (v0.2).
    ApptProposed,
    /// No appointment requested ⇒ no data.appointment (v0.2).
    ApptAbsent,
    /// Resubmission → duplicate (SHOULD).
    Duplicate,
    /// Response type constant.
    Type,
    /// data.status enum, lead_id unless rejected.
    Status,
    /// dealer.phone E.164.
    DealerPhone,
    /// lead_id unique across received leads.
    LeadId,
    /// The forwarded ADF is valid (and a rejected lead is not forwarded).
    Adf,
    /// The ADF mapping (v0.2).
    AdfMapping,
    /// Anonymous lead.general → received (draft, SHOULD).
    Anonymous,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 25] = {
        use Role::*;
        [
            Accept,
            Request,
            Customer,
            OneVehicle,
            ConsentMissing,
            ConsentScope,
            ConsentChannel,
            ConditionVoi,
            ConditionTrade,
            ConditionNeither,
            VehicleNotFound,
            VehicleUnavailable,
            VehicleNoTestDrive,
            ApptUnavailable,
            ApptConfirmed,
            ApptProposed,
            ApptAbsent,
            Duplicate,
            Type,
            Status,
            DealerPhone,
            LeadId,
            Adf,
            AdfMapping,
            Anonymous,
        ]
    };
}

impl AapSuite {
    /// Both suites, in report order.
    pub const ALL: [AapSuite; 2] = [AapSuite::V02, AapSuite::Draft];

    /// The A2A skill id the suite tests (`lead.submit`, `lead.general`).
    pub fn skill(self) -> &'static str {
        match self {
            AapSuite::V02 => "lead.submit",
            AapSuite::Draft => "lead.general",
        }
    }

    /// The request `type` constant.
    pub fn request_type(self) -> &'static str {
        match self {
            AapSuite::V02 => "lead.submit.request",
            AapSuite::Draft => "lead.general.request",
        }
    }

    /// The response `type` constant.
    pub fn response_type(self) -> &'static str {
        match self {
            AapSuite::V02 => "lead.submit.response",
            AapSuite::Draft => "lead.general.response",
        }
    }

    /// The suites an agent card's skill list calls for: `lead.submit` → v0.2, `lead.general` →
    /// draft, both → both (in report order).
    pub fn for_skills<S: AsRef<str>>(skills: &[S]) -> Vec<AapSuite> {
        AapSuite::ALL
            .into_iter()
            .filter(|s| skills.iter().any(|k| k.as_ref() == s.skill()))
            .collect()
    }

    /// The clause id of `role` in this suite (None: the suite has no such clause).
    pub fn clause(self, role: Role) -> Option<&'static str> {
        use Role::*;
        match self {
            AapSuite::V02 => Some(match role {
                Accept => "AAP02-ACCEPT-001",
                Request | Customer => "AAP02-REQ-001",
                OneVehicle => "AAP02-ONEVEHICLE-001",
                ConsentMissing => "AAP02-CONSENT-MISSING-001",
                ConsentScope => "AAP02-CONSENT-SCOPE-001",
                ConsentChannel => "AAP02-CONSENT-CHANNEL-001",
                ConditionVoi => "AAP02-CONDITION-001",
                ConditionTrade => "AAP02-CONDITION-002",
                ConditionNeither => "AAP02-CONDITION-003",
                VehicleNotFound => "AAP02-VEHICLE-NOTFOUND-001",
                VehicleUnavailable => "AAP02-VEHICLE-UNAVAILABLE-001",
                VehicleNoTestDrive => "AAP02-VEHICLE-NOTESTDRIVE-001",
                ApptUnavailable => "AAP02-APPT-UNAVAILABLE-001",
                ApptConfirmed => "AAP02-APPT-CONFIRMED-001",
                ApptProposed => "AAP02-APPT-PROPOSED-001",
                ApptAbsent => "AAP02-APPT-ABSENT-001",
                Duplicate => "AAP02-DUPLICATE-001",
                Type => "AAP02-TYPE-001",
                Status => "AAP02-STATUS-001",
                DealerPhone => "AAP02-DEALER-PHONE-001",
                LeadId => "AAP02-LEADID-001",
                Adf => "AAP02-ADF-001",
                AdfMapping => "AAP02-ADF-002",
                Anonymous => return None,
            }),
            AapSuite::Draft => Some(match role {
                Accept => "AAPD-ACCEPT-001",
                Request => "AAPD-REQ-001",
                Customer => "AAPD-CUSTOMER-001",
                ConsentMissing => "AAPD-CONSENT-001",
                ConsentScope => "AAPD-CONSENT-SCOPE-001",
                ConsentChannel => "AAPD-CONSENT-CHANNEL-001",
                Anonymous => "AAPD-ANON-001",
                Type => "AAPD-TYPE-001",
                Status => "AAPD-STATUS-001",
                DealerPhone => "AAPD-DEALER-PHONE-001",
                LeadId => "AAPD-LEADID-001",
                Duplicate => "AAPD-DUPLICATE-001",
                Adf => "AAPD-ADF-001",
                OneVehicle | ConditionVoi | ConditionTrade | ConditionNeither | VehicleNotFound
                | VehicleUnavailable | VehicleNoTestDrive | ApptUnavailable | ApptConfirmed
                | ApptProposed | ApptAbsent | AdfMapping => return None,
            }),
        }
    }
}

impl std::fmt::Display for AapSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(super::Suite::id(self))
    }
}

#[cfg(test)]
mod aap_tests {
    use super::*;
    use crate::spec::catalogue::Level;

    /// The clause ids shared with the reference (notes/aap-contract.md), exactly.
    const V02_IDS: &[&str] = &[
        "AAP02-ACCEPT-001",
        "AAP02-REQ-001",
        "AAP02-ONEVEHICLE-001",
        "AAP02-CONSENT-MISSING-001",
        "AAP02-CONSENT-SCOPE-001",
        "AAP02-CONSENT-CHANNEL-001",
        "AAP02-CONDITION-001",
        "AAP02-CONDITION-002",
        "AAP02-CONDITION-003",
        "AAP02-VEHICLE-NOTFOUND-001",
        "AAP02-VEHICLE-UNAVAILABLE-001",
        "AAP02-VEHICLE-NOTESTDRIVE-001",
        "AAP02-APPT-UNAVAILABLE-001",
        "AAP02-APPT-CONFIRMED-001",
        "AAP02-APPT-PROPOSED-001",
        "AAP02-APPT-ABSENT-001",
        "AAP02-DUPLICATE-001",
        "AAP02-TYPE-001",
        "AAP02-STATUS-001",
        "AAP02-DEALER-PHONE-001",
        "AAP02-LEADID-001",
        "AAP02-ADF-001",
        "AAP02-ADF-002",
    ];
    const DRAFT_IDS: &[&str] = &[
        "AAPD-ACCEPT-001",
        "AAPD-REQ-001",
        "AAPD-CUSTOMER-001",
        "AAPD-CONSENT-001",
        "AAPD-CONSENT-SCOPE-001",
        "AAPD-CONSENT-CHANNEL-001",
        "AAPD-ANON-001",
        "AAPD-TYPE-001",
        "AAPD-STATUS-001",
        "AAPD-DEALER-PHONE-001",
        "AAPD-LEADID-001",
        "AAPD-DUPLICATE-001",
        "AAPD-ADF-001",
    ];

    #[test]
    fn aap_catalogues_carry_exactly_the_contract_ids() {
        for (cat, ids, suite) in [
            (aap_v02(), V02_IDS, "aap-0.2"),
            (aap_draft(), DRAFT_IDS, "aap-draft"),
        ] {
            assert_eq!(cat.suite, suite);
            let got: Vec<&str> = cat.clauses.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(got, ids.to_vec(), "{suite}");
        }
    }

    #[test]
    fn only_duplicates_and_anonymous_are_should() {
        for cat in [aap_v02(), aap_draft()] {
            for c in &cat.clauses {
                let should = c.id.contains("DUPLICATE") || c.id.contains("ANON");
                let want = if should { Level::Should } else { Level::Must };
                assert_eq!(c.level, want, "{}", c.id);
            }
        }
    }
}
