//! `lead.submit` (AAP v0.2).

use super::*;
use crate::reference::auth::Caller;
use crate::reference::store::{LeadInsert, LeadRecord};
use crate::reference::{App, DEALER_NAME, Defect, Variant, aap_adf};
use crate::spec::codes::{VALIDATION_ERROR, VEHICLE_NOT_FOUND, VEHICLE_UNAVAILABLE};
use crate::spec::model::{AppointmentType, LeadSubmitRequest};
use crate::spec::sha256_hex;
use chrono::Utc;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Map, Value, json};

pub(crate) async fn lead_submit(app: &App, caller: &Caller, via: Via, mut data: Value) -> Value {
    let lead = Lead::Submit;
    if !data.is_object() {
        return rejected(
            app,
            lead,
            &OpError::new(VALIDATION_ERROR, "request", "request: violates type object"),
        );
    }
    if app.has(Defect::AapMultiVehicleAccepted)
        && let Some(first) = data
            .get("vehicle_of_interest")
            .and_then(Value::as_array)
            .and_then(|list| list.first())
            .cloned()
    {
        data["vehicle_of_interest"] = first;
    }

    // (1) Condition vocabularies.
    if let Some(e) = condition_error(app, &data) {
        return rejected(app, lead, &e);
    }
    if app.has(Defect::AapLastNameOptional)
        && let Some(c) = data.get_mut("customer").and_then(Value::as_object_mut)
    {
        c.entry("last_name").or_insert(json!("Customer"));
    }
    if app.has(Defect::AapTradeinYearOptional)
        && let Some(t) = data.get_mut("trade_in").and_then(Value::as_object_mut)
    {
        t.entry("year").or_insert(json!(2000));
    }
    drop_unknown_channels(app, lead, &mut data);
    if app.has(Defect::AapUnknownConditionAccepted) {
        // The defect: a word in neither vocabulary is dropped instead of refused.
        for member in ["vehicle_of_interest", "trade_in"] {
            let unknown = condition_of(&data, member)
                .is_some_and(|c| !SALE_CONDITIONS.contains(&c) && !TRADE_CONDITIONS.contains(&c));
            if unknown && let Some(v) = data.get_mut(member).and_then(Value::as_object_mut) {
                v.remove("condition");
            }
        }
    }

    // (2) The request schema; the consent rules are step 3.
    let tradein_sale_ok = app.has(Defect::AapTradeinConditionAccepted)
        && condition_of(&data, "trade_in").is_some_and(|c| SALE_CONDITIONS.contains(&c));
    let message_len = data
        .get("message")
        .and_then(Value::as_str)
        .map(|m| m.chars().count());
    let unbounded_ok =
        app.has(Defect::AapMessageUnbounded) && message_len.is_some_and(|n| n <= 8000);
    if app.has(Defect::AapMessageLimitOffByOne) && message_len == Some(4000) {
        return rejected(app, lead, &off_by_one());
    }
    let skip = |at: &str, kind: &ValidationErrorKind| -> bool {
        let consent_rule = (at.is_empty() && required_member(kind) == Some("consent"))
            || (at == "consent"
                && (required_member(kind) == Some("scope")
                    || matches!(kind, ValidationErrorKind::Type { .. })))
            || at.starts_with("consent.scope");
        consent_rule
            || (tradein_sale_ok
                && at == "trade_in.condition"
                && matches!(kind, ValidationErrorKind::Enum { .. }))
            || (unbounded_ok
                && at == "message"
                && matches!(kind, ValidationErrorKind::MaxLength { .. }))
    };
    if let Some(e) = schema_error(&app.aap.submit, &data, skip) {
        return rejected(app, lead, &e);
    }

    // (3) Consent.
    let consent_present = data.get("consent").is_some_and(Value::is_object);
    if !consent_present {
        if !app.has(Defect::AapConsentMissingAccepted) {
            return rejected(
                app,
                lead,
                &OpError::new(
                    CONTACT_CONSENT_REQUIRED,
                    "consent",
                    "consent: violates required (lead.submit needs a ConsentGrant)",
                ),
            );
        }
        data["consent"] = json!({"scope": []});
    } else {
        let scope = strings(data.pointer("/consent/scope"));
        let scope_ok = match &scope {
            Some(s) if app.has(Defect::AapScopeNotExact) => s.contains(&"lead_submission"),
            Some(s) => s.as_slice() == ["lead_submission"],
            None => false,
        };
        if !scope_ok {
            return rejected(
                app,
                lead,
                &OpError::new(
                    CONTACT_CONSENT_REQUIRED,
                    "consent.scope",
                    "consent.scope: violates const [\"lead_submission\"]",
                ),
            );
        }
        if channel_refused(&data) && !app.has(Defect::AapChannelNotChecked) {
            return rejected(app, lead, &channel_error());
        }
        if let Some(e) = consent_fields_missing(app, &data) {
            return rejected(app, lead, &e);
        }
    }
    let keys = customer_keys(&data);
    let req: LeadSubmitRequest = match serde_json::from_value(data) {
        Ok(r) => r,
        Err(_) => {
            return rejected(
                app,
                lead,
                &OpError::new(
                    VALIDATION_ERROR,
                    "request",
                    "request: violates the lead.submit.request model (a member has an unexpected type)",
                ),
            );
        }
    };

    // The `aap-implicit-vehicle-required` reading: an appointment needs its implicit vehicle.
    let kind = req.appointment.as_ref().and_then(|a| a.appointment_type);
    if app.is(Variant::AapImplicitVehicleRequired)
        && ((kind == Some(AppointmentType::TestDrive) && req.vehicle_of_interest.is_none())
            || (kind == Some(AppointmentType::TradeIn) && req.trade_in.is_none()))
    {
        return rejected(
            app,
            lead,
            &OpError::new(
                VALIDATION_ERROR,
                "appointment.appointment_type",
                "appointment.appointment_type: violates the implicit vehicle (the vehicle it needs is absent)",
            ),
        );
    }

    // (4) The vehicle of interest, when a test drive is requested.
    let voi = req.vehicle_of_interest.as_ref();
    let found = voi.and_then(|v| app.aap.locate(v));
    let test_drive = req.appointment.as_ref().and_then(|a| a.appointment_type)
        == Some(AppointmentType::TestDrive);
    let check_vehicle =
        test_drive || (voi.is_some() && app.has(Defect::AapVehicleCheckedWithoutTestDrive));
    let mut vehicle_error = None;
    if check_vehicle {
        match (voi, found) {
            (None, _) => {
                vehicle_error = Some(OpError::new(
                    VEHICLE_NOT_FOUND,
                    "vehicle_of_interest",
                    "vehicle_of_interest: violates required (a test_drive needs the vehicle to drive)",
                ));
            }
            (Some(_), None) if !app.has(Defect::AapUnknownVehicleAccepted) => {
                vehicle_error = Some(OpError::new(
                    VEHICLE_NOT_FOUND,
                    "vehicle_of_interest",
                    "vehicle_of_interest: not in the dealer's inventory (test_drive requested)",
                ));
            }
            (Some(_), Some(v))
                if v.status == "sold" && !app.has(Defect::AapSoldVehicleAccepted) =>
            {
                vehicle_error = Some(OpError::new(
                    VEHICLE_UNAVAILABLE,
                    "vehicle_of_interest",
                    "vehicle_of_interest: no longer available (sold; test_drive requested)",
                ));
            }
            _ => {}
        }
    }

    if let Some(e) = vehicle_error
        .as_ref()
        .filter(|_| !app.is(Variant::AapVehicleErrorKeepsLead))
    {
        return rejected(app, lead, e);
    }

    // (6, computed before the duplicate check so that one transaction decides) The appointment.
    let now = Utc::now();
    let mut appointment_error = None;
    let ack = match &req.appointment {
        Some(a) => {
            let at = a
                .appointment_at
                .as_ref()
                .map(|t| t.at().with_timezone(&Utc));
            let id = format!("appt_{}", uuid::Uuid::new_v4().simple());
            let outcome = match appointment_outcome(at, now) {
                AppointmentOutcome::Confirmed(_) | AppointmentOutcome::Proposed(_)
                    if app.is(Variant::AapAppointmentsRequestedOnly) =>
                {
                    AppointmentOutcome::Requested
                }
                other => other,
            };
            Some(match outcome {
                AppointmentOutcome::Confirmed(t) => {
                    let status = if app.has(Defect::AapAppointmentStatusBooked) {
                        "booked"
                    } else {
                        "confirmed"
                    };
                    let mut ack = json!({"appointment_id": id, "status": status});
                    if !app.has(Defect::AapConfirmedWithoutTime) {
                        ack["confirmed_at"] = json!(utc_text(t));
                    }
                    ack
                }
                AppointmentOutcome::Proposed(times) => {
                    let mut ack = json!({"appointment_id": id, "status": "proposed"});
                    if !app.has(Defect::AapProposedWithoutTimes) {
                        ack["proposed_times"] =
                            json!(times.into_iter().map(utc_text).collect::<Vec<_>>());
                    }
                    ack
                }
                AppointmentOutcome::Unavailable => {
                    appointment_error = Some(OpError::new(
                        APPOINTMENT_TIME_UNAVAILABLE,
                        "appointment.appointment_at",
                        format!(
                            "appointment.appointment_at: violates the booking window (from now to {APPOINTMENT_HORIZON_DAYS} days ahead); no alternative can be proposed"
                        ),
                    ));
                    json!({"appointment_id": id, "status": "rejected"})
                }
                AppointmentOutcome::Requested => {
                    json!({"appointment_id": id, "status": "requested"})
                }
            })
        }
        None if app.has(Defect::AapAppointmentAlwaysPresent) => Some(json!({
            "appointment_id": format!("appt_{}", uuid::Uuid::new_v4().simple()),
            "status": "requested",
        })),
        None => None,
    };
    let reject_whole =
        appointment_error.is_some() && app.is(Variant::AapAppointmentFailureRejectsLead);

    // (5) Duplicate, and (7) the record.
    let lead_id = new_lead_id(app, via, lead);
    let subject = sha256_hex(&format!("lead.submit|{}", vehicle_key(voi, found)));
    let (email_sha, phone_sha) = keys;
    let rec = (!reject_whole).then(|| LeadRecord {
        lead_id: lead_id.clone(),
        skill: LEAD_SUBMIT.into(),
        agent: caller.agent.clone(),
        email_sha256: email_sha.clone(),
        phone_sha256: phone_sha.clone(),
        subject_sha256: subject.clone(),
        appointment_status: ack
            .as_ref()
            .and_then(|a| a["status"].as_str())
            .map(str::to_string),
        received_at: now,
    });
    let since = duplicate_window_start(app, lead, now);
    let inserted = match app
        .store
        .find_or_insert_lead(
            LEAD_SUBMIT.into(),
            email_sha,
            phone_sha,
            subject,
            since,
            rec,
        )
        .await
    {
        Ok(x) => x,
        Err(e) => return rejected(app, lead, &internal(e)),
    };
    let (status, lead_id) = match inserted {
        LeadInsert::Duplicate(earlier) => ("duplicate", earlier),
        LeadInsert::Inserted => ("received", lead_id),
        LeadInsert::Nothing => {
            let e = match &appointment_error {
                Some(e) => e.clone(),
                None => internal("a received lead was not recorded"),
            };
            let mut resp = rejected(app, lead, &e);
            if let Some(a) = ack {
                resp["data"]["appointment"] = a;
            }
            return resp;
        }
    };
    if status == "received" {
        let flags = aap_adf::SubmitAdfFlags {
            phone_first: app.has(Defect::AapAdfPhoneBeforeEmail),
            own_mapping: app.is(Variant::AapAdfOwnMapping),
            drop_trade_in: app.has(Defect::AapAdfDropsTradeIn),
        };
        let adf = aap_adf::submit_adf(&req, found, &lead_id, now, &app.desk[0], flags);
        forward(app, &lead_id, adf).await;
    }

    let mut out = Map::new();
    out.insert("type".into(), json!(response_type(app, lead)));
    let mut d = accepted_data(app, lead, &lead_id, status);
    if let Some(a) = &ack {
        d["appointment"] = a.clone();
    }
    if let Some(dealer) = dealer(app, lead) {
        d["dealer"] = dealer;
    }
    out.insert("data".into(), d);
    out.insert(
        "message".into(),
        json!(submit_message(status, ack.as_ref(), &req)),
    );
    if let Some(e) =
        vehicle_error.or(appointment_error.filter(|_| !app.has(Defect::AapAppointmentErrorMissing)))
    {
        out.insert("error".into(), e.to_json(app));
    }
    Value::Object(out)
}

/// The dealer note of a lead.submit answer (never customer data).
pub(crate) fn submit_message(status: &str, ack: Option<&Value>, req: &LeadSubmitRequest) -> String {
    if status == "duplicate" {
        return "This matches a lead received in the last 24 hours; the earlier lead stands and no new lead was created.".into();
    }
    let channel = req
        .customer
        .preferred_contact
        .as_deref()
        .filter(|c| matches!(*c, "email" | "phone" | "sms"))
        .unwrap_or("the channel you authorised");
    let mut s = format!(
        "Thanks — {DEALER_NAME} received the lead; a sales consultant will follow up by {channel} within one business day."
    );
    match ack.and_then(|a| a["status"].as_str()) {
        Some("confirmed") => s.push_str(" The appointment is confirmed at confirmed_at (UTC)."),
        Some("proposed") => s.push_str(
            " The requested time is not available; proposed_times lists the next open slots (UTC). Re-submit with one of them to book.",
        ),
        Some("rejected") => s.push_str(&format!(
            " The requested appointment time cannot be honoured (bookings run up to {APPOINTMENT_HORIZON_DAYS} days ahead); the lead itself was received."
        )),
        Some("requested") => s.push_str(" The appointment request is queued for manual review."),
        _ => {}
    }
    s
}

// ---------------------------------------------------------------------------------------------
// lead.general
// ---------------------------------------------------------------------------------------------
