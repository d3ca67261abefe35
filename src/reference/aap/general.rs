//! `lead.general` (the AAP draft).

use super::*;
use crate::reference::auth::Caller;
use crate::reference::store::{LeadInsert, LeadRecord};
use crate::reference::{App, DEALER_NAME, Defect, aap_adf};
use crate::spec::codes::VALIDATION_ERROR;
use crate::spec::model::LeadGeneralRequest;
use crate::spec::sha256_hex;
use chrono::Utc;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};

pub(crate) async fn lead_general(app: &App, caller: &Caller, via: Via, mut data: Value) -> Value {
    let lead = Lead::General;
    if !data.is_object() {
        return rejected(
            app,
            lead,
            &OpError::new(VALIDATION_ERROR, "request", "request: violates type object"),
        );
    }
    if app.has(Defect::AapGeneralTypeOptional) && data.get("type").is_none() {
        data["type"] = json!("lead.general.request");
    }
    if app.has(Defect::AapGeneralConsentWithoutCustomerAccepted)
        && data.get("customer").is_none()
        && let Some(o) = data.as_object_mut()
    {
        o.remove("consent");
    }
    if app.has(Defect::AapGeneralSubmittedAtUnchecked)
        && data
            .get("submitted_at")
            .and_then(Value::as_str)
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_err())
        && let Some(o) = data.as_object_mut()
    {
        o.remove("submitted_at");
    }
    drop_unknown_channels(app, lead, &mut data);
    if app.has(Defect::AapGeneralFirstNameOptional)
        && let Some(c) = data.get_mut("customer").and_then(Value::as_object_mut)
    {
        c.entry("first_name").or_insert(json!("Customer"));
    }
    let has_customer = data.get("customer").is_some();
    let message_len = data
        .get("message")
        .and_then(Value::as_str)
        .map(|m| m.chars().count());
    if app.has(Defect::AapGeneralMessageLimitOffByOne) && message_len == Some(4000) {
        return rejected(app, lead, &off_by_one());
    }
    if !has_customer && app.has(Defect::AapGeneralAnonymousRefused) {
        return rejected(
            app,
            lead,
            &OpError::new(
                CONTACT_CONSENT_REQUIRED,
                "customer",
                "customer: violates required (contact details and consent are required)",
            ),
        );
    }
    let unbounded_ok =
        app.has(Defect::AapGeneralMessageUnbounded) && message_len.is_some_and(|n| n <= 8000);
    let skip = |at: &str, kind: &ValidationErrorKind| -> bool {
        let consent_rule =
            (at.is_empty() && has_customer && required_member(kind) == Some("consent"))
                || (at == "consent"
                    && (required_member(kind) == Some("scope")
                        || matches!(kind, ValidationErrorKind::Type { .. })))
                || at.starts_with("consent.scope");
        consent_rule
            || (app.has(Defect::AapGeneralCustomerNoContact)
                && at == "customer"
                && matches!(kind, ValidationErrorKind::AnyOf { .. }))
            || (unbounded_ok
                && at == "message"
                && matches!(kind, ValidationErrorKind::MaxLength { .. }))
    };
    if let Some(e) = schema_error(&app.aap.general, &data, skip) {
        return rejected(app, lead, &e);
    }
    if has_customer {
        let consent_present = data.get("consent").is_some_and(Value::is_object);
        if !consent_present {
            if !app.has(Defect::AapGeneralNoConsentAccepted) {
                return rejected(
                    app,
                    lead,
                    &OpError::new(
                        CONTACT_CONSENT_REQUIRED,
                        "consent",
                        "consent: violates required (a customer needs a ConsentGrant)",
                    ),
                );
            }
        } else {
            let scope_ok = strings(data.pointer("/consent/scope"))
                .is_some_and(|s| s.contains(&"general_inquiry"));
            if !scope_ok && !app.has(Defect::AapGeneralScopeNotChecked) {
                return rejected(
                    app,
                    lead,
                    &OpError::new(
                        CONTACT_CONSENT_REQUIRED,
                        "consent.scope",
                        "consent.scope: violates contains general_inquiry",
                    ),
                );
            }
            if channel_refused(&data) && !app.has(Defect::AapGeneralChannelNotChecked) {
                return rejected(app, lead, &channel_error());
            }
            if let Some(e) = consent_fields_missing(app, &data) {
                return rejected(app, lead, &e);
            }
        }
    }
    let keys = customer_keys(&data);
    let intent = data.as_object_mut().and_then(|o| o.remove("intent"));
    if let Some(c) = data.get_mut("consent").filter(|c| c.is_object())
        && c.get("scope").and_then(Value::as_array).is_none()
    {
        c["scope"] = json!([]);
    }
    let req: LeadGeneralRequest = match serde_json::from_value(data) {
        Ok(r) => r,
        Err(_) => {
            return rejected(
                app,
                lead,
                &OpError::new(
                    VALIDATION_ERROR,
                    "request",
                    "request: violates the lead.general.request model (a member has an unexpected type)",
                ),
            );
        }
    };

    let now = Utc::now();
    let lead_id = new_lead_id(app, via, lead);
    let subject = sha256_hex(&format!("lead.general|{}", req.message.trim()));
    let (email_sha, phone_sha) = keys;
    let rec = LeadRecord {
        lead_id: lead_id.clone(),
        skill: LEAD_GENERAL.into(),
        agent: caller.agent.clone(),
        email_sha256: email_sha.clone(),
        phone_sha256: phone_sha.clone(),
        subject_sha256: subject.clone(),
        appointment_status: None,
        received_at: now,
    };
    let since = duplicate_window_start(app, lead, now);
    let inserted = match app
        .store
        .find_or_insert_lead(
            LEAD_GENERAL.into(),
            email_sha,
            phone_sha,
            subject,
            since,
            Some(rec),
        )
        .await
    {
        Ok(x) => x,
        Err(e) => return rejected(app, lead, &internal(e)),
    };
    let (status, lead_id) = match inserted {
        LeadInsert::Duplicate(_) if app.has(Defect::AapGeneralDuplicateNewLeadId) => {
            ("duplicate", lead_id)
        }
        LeadInsert::Duplicate(earlier) => ("duplicate", earlier),
        _ => ("received", lead_id),
    };
    if status == "received"
        && let Some(adf) = aap_adf::general_adf(
            &req,
            intent.as_ref(),
            &lead_id,
            now,
            &app.desk[0],
            app.has(Defect::AapGeneralAdfPhoneBeforeEmail),
        )
    {
        forward(app, &lead_id, adf).await;
    }
    let message = match (status, &req.customer) {
        ("duplicate", _) => "This matches a question received in the last 24 hours; the earlier lead stands and no new lead was created.".to_string(),
        (_, None) => format!(
            "Thanks for your question. {DEALER_NAME} answers general questions without needing your contact details; for anything specific call {DEALER_PHONE}."
        ),
        (_, Some(c)) => {
            let channel = c
                .preferred_contact
                .as_deref()
                .filter(|c| matches!(*c, "email" | "phone" | "sms"))
                .unwrap_or("the channel you authorised");
            format!("Thanks — a {DEALER_NAME} team member will answer by {channel} within one business day.")
        }
    };
    let mut d = accepted_data(app, lead, &lead_id, status);
    if let Some(dealer) = dealer(app, lead) {
        d["dealer"] = dealer;
    }
    json!({
        "type": response_type(app, lead),
        "data": d,
        "message": message,
    })
}
