//! Validation of an AAP request: the schema error a rejected request gets, condition words, the consent and channel rules.

use super::*;
use crate::reference::validate::field_and_rule;
use crate::reference::{App, Defect, Variant};
use crate::spec::codes::VALIDATION_ERROR;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// Schema violations of `data` as one VALIDATION_ERROR (None when valid), leaving out those
/// `skip(at, kind)` claims (consent rules checked later, or relaxed by a defect).
pub(crate) fn schema_error(
    validator: &jsonschema::Validator,
    data: &Value,
    skip: impl Fn(&str, &ValidationErrorKind) -> bool,
) -> Option<OpError> {
    let mut first_field = None;
    let mut messages = Vec::new();
    for err in validator.iter_errors(data) {
        let at = err
            .instance_path()
            .as_str()
            .trim_start_matches('/')
            .to_string();
        let (field, rule) = field_and_rule(&err);
        let at_dotted = dotted_path(&at);
        if skip(&at_dotted, err.kind()) {
            continue;
        }
        let shown = if field.is_empty() { "request" } else { &field };
        let message = format!("{shown}: violates {rule}");
        if !messages.contains(&message) {
            messages.push(message);
        }
        first_field.get_or_insert(shown.to_string());
    }
    let field = first_field?;
    Some(OpError::new(VALIDATION_ERROR, &field, messages.join("; ")))
}

/// `a/b/0/c` (a JSON pointer without its leading slash) as `a.b[0].c`.
pub(crate) fn dotted_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

pub(crate) fn required_member(kind: &ValidationErrorKind) -> Option<&str> {
    match kind {
        ValidationErrorKind::Required { property } => property.as_str(),
        _ => None,
    }
}

/// The condition string of `data[member]`, if it is an object with a string `condition`.
pub(crate) fn condition_of<'a>(data: &'a Value, member: &str) -> Option<&'a str> {
    data.get(member)?.get("condition")?.as_str()
}

/// Step 1 of lead.submit: condition words from the other vocabulary.
pub(crate) fn condition_error(app: &App, data: &Value) -> Option<OpError> {
    let unknown_invalid = app.is(Variant::AapUnknownConditionInvalid);
    if let Some(c) = condition_of(data, "vehicle_of_interest") {
        let cross = TRADE_CONDITIONS.contains(&c) && !app.has(Defect::AapConditionAsValidation);
        let neither = unknown_invalid && !SALE_CONDITIONS.contains(&c);
        if cross || neither {
            return Some(OpError::new(
                INVALID_CONDITION,
                "vehicle_of_interest.condition",
                "vehicle_of_interest.condition: violates the sale vocabulary new|used|cpo (excellent|good|fair|poor describe a trade-in)",
            ));
        }
    }
    if let Some(c) = condition_of(data, "trade_in") {
        let cross = SALE_CONDITIONS.contains(&c) && !app.has(Defect::AapTradeinConditionAccepted);
        let neither = unknown_invalid && !TRADE_CONDITIONS.contains(&c);
        if cross || neither {
            return Some(OpError::new(
                INVALID_CONDITION,
                "trade_in.condition",
                "trade_in.condition: violates the trade-in vocabulary excellent|good|fair|poor (new|used|cpo describe a vehicle for sale)",
            ));
        }
    }
    None
}

/// The strings of a JSON array (None if it is not an array of strings).
pub(crate) fn strings(v: Option<&Value>) -> Option<Vec<&str>> {
    v?.as_array()?.iter().map(Value::as_str).collect()
}

/// `customer.preferred_contact` outside `consent.allowed_channels`?
pub(crate) fn channel_refused(data: &Value) -> bool {
    let Some(preferred) = data.pointer("/customer/preferred_contact") else {
        return false;
    };
    let allowed = strings(data.pointer("/consent/allowed_channels")).unwrap_or_default();
    match preferred.as_str() {
        Some(p) => !allowed.contains(&p),
        None => !preferred.is_null(),
    }
}

/// The `aap-consent-fields-required` reading: a ConsentGrant must carry granted_at,
/// consent_text and source_agent.
pub(crate) fn consent_fields_missing(app: &App, data: &Value) -> Option<OpError> {
    if !app.is(Variant::AapConsentFieldsRequired) {
        return None;
    }
    let consent = data.get("consent")?;
    let missing = ["granted_at", "consent_text", "source_agent"]
        .into_iter()
        .find(|k| {
            consent
                .get(*k)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })?;
    Some(OpError::new(
        CONTACT_CONSENT_REQUIRED,
        &format!("consent.{missing}"),
        format!(
            "consent.{missing}: violates required (the dealer keeps a complete consent record)"
        ),
    ))
}

/// The paired `aap-channel-vocabulary-open` defects: a channel outside email|phone|sms is
/// dropped from consent.allowed_channels instead of refused.
pub(crate) fn drop_unknown_channels(app: &App, lead: Lead, data: &mut Value) {
    if lead.has(
        app,
        Defect::AapChannelVocabularyOpen,
        Defect::AapGeneralChannelVocabularyOpen,
    ) && let Some(list) = data
        .pointer_mut("/consent/allowed_channels")
        .and_then(Value::as_array_mut)
    {
        list.retain(|c| matches!(c.as_str(), Some("email" | "phone" | "sms")));
    }
}

pub(crate) fn channel_error() -> OpError {
    OpError::new(
        CONTACT_CONSENT_REQUIRED,
        "customer.preferred_contact",
        "customer.preferred_contact: violates consent.allowed_channels (the follow-up channel is not authorised)",
    )
}

// ---------------------------------------------------------------------------------------------
// Duplicates and recording
// ---------------------------------------------------------------------------------------------
