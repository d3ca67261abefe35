//! ADF 1.0 validation in Rust ([`validate`]): the content models and attribute enumerations of
//! `fixtures/adf/adf-deterministic.dtd` (the project's copy of the deterministic ADF DTD), plus extraction of what the checks need ([`AdfLead`]).
//!
//! The DTD is held as data ([`ELEMENTS`]: one [`ElementDecl`] per element, its content model as a
//! [`Particle`] tree and its attributes as [`AttributeDecl`]s). Each content model is compiled
//! once into a small Thompson NFA over child element names; the document is read as a stream of
//! quick-xml events with an explicit element stack, so no input (however deep) can exhaust the
//! call stack. The verdict agrees with `xmllint --noout --dtdvalid adf-deterministic.dtd`
//! (checked by `tests/integration/adf_xmllint.rs`), with one deliberate addition: the root must be `adf`
//! (xmllint's post-validation never checks the root's name).

mod dtd;
mod nfa;
mod validator;
pub use dtd::*;
use nfa::*;
pub use validator::*;

/// A vehicle of the lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdfVehicle {
    /// `interest` attribute (default `buy`).
    pub interest: String,
    /// `status` attribute (default `new`).
    pub status: String,
    /// `<year>` text.
    pub year: String,
    /// `<make>` text.
    pub make: String,
    /// `<model>` text.
    pub model: String,
    /// `<vin>` text.
    pub vin: Option<String>,
}

/// What the checks need from a lead (first prospect).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdfLead {
    /// Every `<id>` text of the prospect (prospect-level ids first).
    pub ids: Vec<String>,
    /// `customer/contact/name` texts.
    pub names: Vec<String>,
    /// `customer/contact/email` texts.
    pub emails: Vec<String>,
    /// `customer/contact/phone` texts.
    pub phones: Vec<String>,
    /// The prospect's vehicles, in order.
    pub vehicles: Vec<AdfVehicle>,
    /// `customer/comments` text.
    pub comments: Option<String>,
    /// `customer/timeframe/description` text.
    pub timeframe: Option<String>,
}

/// One broken DTD rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AdfViolation {
    /// Element path, e.g. `adf/prospect[0]/customer/contact`.
    pub path: String,
    /// The rule, e.g. `content model (name+, ((email, phone*) | phone+), address?)`.
    pub rule: String,
}

/// The result of checking one document.
#[derive(Debug, Clone, Default)]
pub struct AdfReport {
    /// Parse error if the text is not well-formed XML.
    pub not_well_formed: Option<String>,
    /// DTD violations (empty = valid).
    pub violations: Vec<AdfViolation>,
    /// Extracted lead (None if not well-formed or no prospect).
    pub lead: Option<AdfLead>,
}

impl AdfReport {
    /// Well-formed and no violations.
    pub fn is_valid(&self) -> bool {
        self.not_well_formed.is_none() && self.violations.is_empty()
    }
}

/// Check an ADF document against the deterministic ADF 1.0 DTD's rules.
pub fn validate(xml: &str) -> AdfReport {
    let body = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut v = Validator {
        stack: Vec::new(),
        violations: Vec::new(),
        suppressed: 0,
        root_seen: false,
        root_closed: false,
        lead: LeadBuilder::default(),
    };
    match v.run(body) {
        Ok(()) => {
            if v.suppressed > 0 {
                v.violations.push(AdfViolation {
                    path: String::new(),
                    rule: format!("{} more violations not listed", v.suppressed),
                });
            }
            AdfReport {
                not_well_formed: None,
                violations: v.violations,
                lead: v.lead.finish(),
            }
        }
        Err(e) => AdfReport {
            not_well_formed: Some(format!(
                "{}: {}",
                position(body, e.offset),
                one_line(&e.reason)
            )),
            violations: Vec::new(),
            lead: None,
        },
    }
}

#[cfg(test)]
mod tests;
