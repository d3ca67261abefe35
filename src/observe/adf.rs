//! ADF 1.0 validation in Rust ([`validate`]): the content models and attribute enumerations of
//! `shared/adf/adf-deterministic.dtd`, plus extraction of what the checks need ([`AdfLead`]).

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
    let _ = xml;
    todo!("adf::validate")
}
