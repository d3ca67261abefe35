//! The invalid leads: each [`AapMutation`] breaks exactly one rule of a valid lead, labelled with the role (clause) it tests and the answer due.

use super::*;
use crate::spec::codes::{VALIDATION_ERROR, VEHICLE_NOT_FOUND, VEHICLE_UNAVAILABLE};
use crate::suites::aap::{CONTACT_CONSENT_REQUIRED, INVALID_CONDITION, Role};
use serde_json::{Map, Value, json};

/// One single-rule break of a valid lead.
pub(crate) struct AapMutation {
    pub(crate) name: &'static str,
    pub(crate) role: Role,
    pub(crate) rule: &'static str,
    pub(crate) code: &'static str,
    /// Applies the break; Err(why) when a fixture is missing.
    pub(crate) apply: fn(&mut Map<String, Value>, &AapFixtures) -> Result<(), String>,
}

/// `n` digits derived from the request's customer (unique per case like the customer is).
pub(crate) fn derived(o: &Map<String, Value>, n: usize) -> String {
    crate::generate::salt_digits(
        &o.get("customer").map(Value::to_string).unwrap_or_default(),
        n,
    )
}

pub(crate) fn sub<'a>(o: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
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
pub(crate) fn ensure_voi(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("vehicle_of_interest").is_some_and(Value::is_object) {
        o.insert(
            "vehicle_of_interest".into(),
            json!({"year": 2024, "make": "Subaru", "model": "Outback"}),
        );
    }
    sub(o, "vehicle_of_interest")
}

pub(crate) fn ensure_trade(o: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !o.get("trade_in").is_some_and(Value::is_object) {
        o.insert(
            "trade_in".into(),
            json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "mileage": 62000}),
        );
    }
    sub(o, "trade_in")
}

/// Never leave a test drive on a base whose vehicle a mutation replaces or removes.
pub(crate) fn no_test_drive(o: &mut Map<String, Value>) {
    let kind = o
        .get("appointment")
        .and_then(|a| a.get("appointment_type"))
        .and_then(Value::as_str);
    if kind == Some("test_drive") {
        sub(o, "appointment").insert("appointment_type".into(), json!("sales"));
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

macro_rules! m {
    ($name:literal, $role:expr, $rule:literal, $code:expr, $f:expr) => {
        AapMutation {
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
pub(crate) fn channel_outside_vocabulary() -> AapMutation {
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

pub(crate) fn submit_mutations() -> Vec<AapMutation> {
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

pub(crate) fn general_mutations() -> Vec<AapMutation> {
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
