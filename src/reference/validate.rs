//! [`RequestValidator`]: checks `initiate_deal_handoff` arguments against the suite's request
//! schema (jsonschema, format assertion on) and turns each failure into a [`Violation`] that
//! names the field (dotted path) and the rule (keyword and limit) — built from the instance
//! path and the error kind, never from jsonschema's Display, so the submitted value is never
//! echoed (unless the `echo-invalid-value` defect is injected).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use super::{Defect, ReferenceError};

/// The request schema of `initiate_deal_handoff` (also served as its MCP inputSchema).
pub(crate) const REQUEST_SCHEMA: &str = include_str!("../../suites/dmc12/schemas/request.json");

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// Dotted path of the offending field (`trade_in.vin`, `consent.allowed_channels[1]`).
    pub(crate) field: String,
    /// The rule, e.g. `maxLength 500`, `pattern ^[A-Z]{3}$`, `const true`.
    pub(crate) rule: String,
    /// Human-readable message (field + rule).
    pub(crate) message: String,
}

/// The compiled request schema.
pub(crate) struct RequestValidator {
    schema: Value,
    validator: jsonschema::Validator,
}

/// `a.b[2].c` from a JSON pointer location.
fn dotted(loc: &jsonschema::paths::Location) -> String {
    let mut out = String::new();
    for seg in loc.segments() {
        match seg {
            LocationSegment::Property(p) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&p);
            }
            LocationSegment::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// Render a schema value compactly (`true`, `cash|finance`).
fn schema_value(v: &Value) -> String {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("|"),
        other => other.to_string(),
    }
}

/// The field (dotted path; for `required` the missing member) and the rule (keyword and
/// limit) an error breaks — from the instance path and the error kind, never the value.
pub(crate) fn field_and_rule(err: &jsonschema::ValidationError<'_>) -> (String, String) {
    let at = dotted(err.instance_path());
    match err.kind() {
        ValidationErrorKind::Required { property } => (
            join(&at, property.as_str().unwrap_or("?")),
            "required".to_string(),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => (
            match unexpected.as_slice() {
                [one] => join(&at, one),
                _ => at.clone(),
            },
            "additionalProperties false".to_string(),
        ),
        ValidationErrorKind::MaxLength { limit } => (at.clone(), format!("maxLength {limit}")),
        ValidationErrorKind::MinLength { limit } => (at.clone(), format!("minLength {limit}")),
        ValidationErrorKind::Pattern { pattern } => (at.clone(), format!("pattern {pattern}")),
        ValidationErrorKind::Constant { expected_value } => (
            at.clone(),
            format!("const {}", schema_value(expected_value)),
        ),
        ValidationErrorKind::Enum { options } => {
            (at.clone(), format!("enum {}", schema_value(options)))
        }
        ValidationErrorKind::Type { kind } => {
            let t = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
            };
            (at.clone(), format!("type {t}"))
        }
        ValidationErrorKind::Minimum { limit } => (at.clone(), format!("minimum {limit}")),
        ValidationErrorKind::Maximum { limit } => (at.clone(), format!("maximum {limit}")),
        ValidationErrorKind::Format { format } => (at.clone(), format!("format {format}")),
        ValidationErrorKind::MinItems { limit } => (at.clone(), format!("minItems {limit}")),
        ValidationErrorKind::MaxItems { limit } => (at.clone(), format!("maxItems {limit}")),
        ValidationErrorKind::UniqueItems => (at.clone(), "uniqueItems true".to_string()),
        ValidationErrorKind::AnyOf { context } => (
            at.clone(),
            any_of_rule(context).unwrap_or_else(|| "anyOf".to_string()),
        ),
        other => (at.clone(), other.keyword().to_string()),
    }
}

/// `anyOf required email | phone` for an `anyOf` whose branches are `required` lists.
fn any_of_rule(context: &[Vec<jsonschema::ValidationError<'static>>]) -> Option<String> {
    let mut branches = Vec::new();
    for branch in context {
        let mut members = Vec::new();
        for e in branch {
            match e.kind() {
                ValidationErrorKind::Required { property } => {
                    members.push(property.as_str()?.to_string());
                }
                _ => return None,
            }
        }
        if members.is_empty() {
            return None;
        }
        branches.push(members.join("+"));
    }
    (!branches.is_empty()).then(|| format!("anyOf required {}", branches.join(" | ")))
}

impl RequestValidator {
    /// Compile the embedded schema.
    pub(crate) fn new() -> Result<RequestValidator, ReferenceError> {
        let schema: Value = serde_json::from_str(REQUEST_SCHEMA)
            .map_err(|e| ReferenceError::Config(format!("request schema is not JSON: {e}")))?;
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| ReferenceError::Config(format!("request schema does not compile: {e}")))?;
        Ok(RequestValidator { schema, validator })
    }

    /// The schema as JSON (the MCP inputSchema).
    pub(crate) fn schema(&self) -> &Value {
        &self.schema
    }

    /// Every violation of the request, in schema order (empty = valid). `defect` may relax
    /// exactly the rule it is documented to break.
    pub(crate) fn check(&self, instance: &Value, defect: Option<Defect>) -> Vec<Violation> {
        let mut out = Vec::new();
        for err in self.validator.iter_errors(instance) {
            let path = err.instance_path();
            let at = dotted(path);
            let (field, rule) = field_and_rule(&err);
            let kind = err.kind();
            let relaxed = match defect {
                Some(Defect::AcceptConsentFalse) => {
                    field == "customer_consent"
                        && matches!(kind, ValidationErrorKind::Constant { .. })
                }
                Some(Defect::TradeInExtraFields) => {
                    at == "trade_in"
                        && matches!(kind, ValidationErrorKind::AdditionalProperties { .. })
                }
                Some(Defect::LoosePhonePattern) => {
                    field == "customer_contact.phone"
                        && matches!(kind, ValidationErrorKind::Pattern { .. })
                }
                Some(Defect::OversizeNotesAccepted) => {
                    field == "notes"
                        && matches!(kind, ValidationErrorKind::MaxLength { .. })
                        && instance
                            .get("notes")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.chars().count() <= 1000)
                }
                _ => false,
            };
            if relaxed {
                continue;
            }
            let shown = if field.is_empty() { "request" } else { &field };
            let mut message = format!("{shown}: violates {rule}");
            if defect == Some(Defect::EchoInvalidValue) {
                let pointer = path.as_str();
                if let Some(v) = instance.pointer(pointer) {
                    let got = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    message.push_str(&format!(" (got {got})"));
                }
            }
            out.push(Violation {
                field,
                rule,
                message,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "reservation_token": "rsv_abcdefghijklmnopqrstuv",
            "customer_contact": {"name": "Jane Doe", "phone": "+15555551234", "email": "jane@example.com"},
            "customer_consent": true
        })
    }

    fn check(v: &Value) -> Vec<Violation> {
        RequestValidator::new().expect("schema").check(v, None)
    }

    #[test]
    fn a_valid_request_has_no_violations() {
        assert!(check(&valid()).is_empty());
    }

    #[test]
    fn violations_name_field_and_rule_without_the_value() {
        let mut v = valid();
        v["customer_contact"]["phone"] = json!("5555-SECRET-1");
        v["notes"] = json!("N".repeat(501));
        let got = check(&v);
        let phone = got
            .iter()
            .find(|x| x.field == "customer_contact.phone")
            .expect("phone violation");
        assert!(phone.rule.starts_with("pattern "), "{phone:?}");
        assert!(!phone.message.contains("SECRET"), "{phone:?}");
        let notes = got.iter().find(|x| x.field == "notes").expect("notes");
        assert_eq!(notes.rule, "maxLength 500");
        assert!(!notes.message.contains("NNNN"));
    }

    #[test]
    fn extra_fields_required_const_and_format_are_named() {
        let mut v = valid();
        v["trade_in"] = json!({"color": "red"});
        v["consent"] = json!({"expires_at": "tomorrow", "scope": ["x"]});
        v["customer_consent"] = json!(false);
        v.as_object_mut()
            .expect("object")
            .remove("reservation_token");
        let got = check(&v);
        let rules: Vec<(String, String)> = got
            .iter()
            .map(|x| (x.field.clone(), x.rule.clone()))
            .collect();
        for want in [
            ("trade_in.color", "additionalProperties false"),
            ("consent.scope", "additionalProperties false"),
            ("consent.expires_at", "format date-time"),
            ("customer_consent", "const true"),
            ("reservation_token", "required"),
        ] {
            assert!(
                rules.iter().any(|(f, r)| f == want.0 && r == want.1),
                "{want:?} not in {rules:?}"
            );
        }
    }

    #[test]
    fn defects_relax_exactly_their_rule() {
        let val = RequestValidator::new().expect("schema");
        let mut v = valid();
        v["customer_consent"] = json!(false);
        assert!(!val.check(&v, None).is_empty());
        assert!(val.check(&v, Some(Defect::AcceptConsentFalse)).is_empty());
        let mut v = valid();
        v["notes"] = json!("n".repeat(900));
        assert!(
            val.check(&v, Some(Defect::OversizeNotesAccepted))
                .is_empty()
        );
        v["notes"] = json!("n".repeat(1001));
        assert!(
            !val.check(&v, Some(Defect::OversizeNotesAccepted))
                .is_empty()
        );
        let mut v = valid();
        v["customer_contact"]["phone"] = json!("call me!");
        assert!(!val.check(&v, None).is_empty());
        assert!(val.check(&v, Some(Defect::LoosePhonePattern)).is_empty());
        let mut v = valid();
        v["customer_contact"]["phone"] = json!("123");
        assert!(!val.check(&v, Some(Defect::LoosePhonePattern)).is_empty());
        let mut v = valid();
        v["customer_contact"]["email"] = json!("not-an-email-SECRET");
        let echoed = val.check(&v, Some(Defect::EchoInvalidValue));
        assert!(echoed.iter().any(|x| x.message.contains("SECRET")));
    }
}
