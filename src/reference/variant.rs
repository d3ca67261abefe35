//! [`Variant`]: legitimate alternative readings of the seeds, selected at startup
//! (`--variant NAME`). The mirror of [`super::Defect`]: a defect breaks exactly one seed rule
//! and the run must FAIL on its clause; a variant makes a different choice where the seeds are
//! silent, or takes the other of two readings they allow, and the run must stay CONFORMANT
//! (`tests/integration/variant_table.rs` runs every one). A check that fails a variant asserts something no
//! seed sentence says.

/// One alternative reading. [`Variant::allowance`] quotes the seed sentence (or its silence)
/// that allows it; [`Variant::what`] says what the reference then does differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// AAP leads are answered but never forwarded to the CRM.
    AapNoCrmForwarding,
    /// An appointment whose implicit vehicle is absent is refused with VALIDATION_ERROR.
    AapImplicitVehicleRequired,
    /// VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE keep the lead received, the code beside data.
    AapVehicleErrorKeepsLead,
    /// A condition word in neither vocabulary is answered INVALID_CONDITION.
    AapUnknownConditionInvalid,
    /// A ConsentGrant without granted_at, consent_text or source_agent is refused.
    AapConsentFieldsRequired,
    /// lead.submit's data.dealer.phone is written in national format.
    AapDealerPhoneNational,
    /// The ADF lead of an AAP lead follows the dealer's own mapping.
    AapAdfOwnMapping,
    /// An appointment time the dealer cannot honour rejects the whole lead (with the code).
    AapAppointmentFailureRejectsLead,
    /// Every appointment is queued for manual review: status `requested`, never confirmed or
    /// proposed.
    AapAppointmentsRequestedOnly,
    /// AAP answers carry no `data.dealer`.
    AapNoDealerObject,
    /// `sent_to_masked` and `next_steps` mask the domain too, with three stars.
    MaskDomainToo,
    /// `crm_lead_id` is the hand-off token, as in the seed's own example.
    CrmLeadIdIsHandoffToken,
    /// The DMC-12 ADF contact carries the name and the email, no phone.
    AdfContactEmailOnly,
    /// `customer_consent: false` is refused with CONSENT_INVALID.
    ConsentFalseIsConsentInvalid,
    /// A failed hand-off attempt leaves an audit row that holds only digests.
    AuditRowOnFailure,
    /// A fractional `appraised_value_partner.amount` is refused with VALIDATION_ERROR.
    WholeMoneyAmounts,
    /// The soft hold stays after a hand-off: releasing a handed-off reservation is refused.
    HoldKeptAfterHandoff,
    /// MCP without sessions: `initialize` returns no `Mcp-Session-Id`.
    McpStateless,
    /// MCP answers every request with an SSE stream.
    McpSse,
    /// The dealer-desk email goes to one recipient only.
    SingleDeskRecipient,
}

impl Variant {
    /// Every variant, in documentation order.
    pub const ALL: &'static [Variant] = &[
        Variant::AapNoCrmForwarding,
        Variant::AapImplicitVehicleRequired,
        Variant::AapVehicleErrorKeepsLead,
        Variant::AapUnknownConditionInvalid,
        Variant::AapConsentFieldsRequired,
        Variant::AapDealerPhoneNational,
        Variant::AapAdfOwnMapping,
        Variant::AapAppointmentFailureRejectsLead,
        Variant::AapAppointmentsRequestedOnly,
        Variant::AapNoDealerObject,
        Variant::MaskDomainToo,
        Variant::CrmLeadIdIsHandoffToken,
        Variant::AdfContactEmailOnly,
        Variant::ConsentFalseIsConsentInvalid,
        Variant::AuditRowOnFailure,
        Variant::WholeMoneyAmounts,
        Variant::HoldKeptAfterHandoff,
        Variant::McpStateless,
        Variant::McpSse,
        Variant::SingleDeskRecipient,
    ];

    /// (name, the seed sentence that allows it, what the reference does differently).
    fn info(self) -> (&'static str, &'static str, &'static str) {
        use Variant::*;
        match self {
            AapNoCrmForwarding => (
                "aap-no-crm-forwarding",
                "seeds 002/003: \"ADF compatible: yes\" describes the format; no seed says a lead is forwarded (BINDINGS.md §4: forwarding is at most a profile expectation)",
                "AAP leads are answered but never POSTed to the CRM",
            ),
            AapImplicitVehicleRequired => (
                "aap-implicit-vehicle-required",
                "seed 002: \"The vehicle is implicit: vehicle_of_interest for a test drive, trade_in for a trade-in appraisal.\" (silent on an appointment whose vehicle is absent)",
                "a test_drive without vehicle_of_interest or a trade_in appointment without trade_in is refused with VALIDATION_ERROR",
            ),
            AapVehicleErrorKeepsLead => (
                "aap-vehicle-error-keeps-lead",
                "seed 002 names only the code: \"VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE — vehicle_of_interest reference cannot be located, or no longer available, when a test_drive appointment is requested.\"",
                "the lead is received (with a lead_id) and the vehicle code is given beside data",
            ),
            AapUnknownConditionInvalid => (
                "aap-unknown-condition-invalid",
                "seed 002 names INVALID_CONDITION for a condition in the other vocabulary and is silent on a word in neither (BINDINGS.md §2: both codes are reasonable)",
                "a condition word in neither vocabulary is answered INVALID_CONDITION",
            ),
            AapConsentFieldsRequired => (
                "aap-consent-fields-required",
                "seed 002 shows granted_at, consent_text and source_agent in every ConsentGrant and never says which may be left out",
                "a ConsentGrant without granted_at, consent_text or source_agent is refused with CONTACT_CONSENT_REQUIRED",
            ),
            AapDealerPhoneNational => (
                "aap-dealer-phone-national",
                "seed 002 gives data.dealer.phone only as the placeholder \"+1XXXXXXXXXX\" and no format (seed 003 says E.164 for lead.general)",
                "lead.submit's data.dealer.phone is \"(801) 555-0100\"",
            ),
            AapAdfOwnMapping => (
                "aap-adf-own-mapping",
                "no seed gives the field-by-field ADF mapping (seed 002: \"see ADF mapping\", a page not in the seeds)",
                "the ADF names the customer in one full-name part, the vehicle of interest with interest=\"buy\" even for a test drive, no comments and no timeframe",
            ),
            AapAppointmentFailureRejectsLead => (
                "aap-appointment-failure-rejects-lead",
                "seed 002: \"The lead may still be received even when the appointment portion fails.\" (may: rejecting the lead is the other reading)",
                "an appointment time it cannot honour rejects the whole lead with APPOINTMENT_TIME_UNAVAILABLE",
            ),
            AapAppointmentsRequestedOnly => (
                "aap-appointments-requested-only",
                "seed 002: \"requested (manual review), proposed (alternatives in proposed_times), confirmed (booked at confirmed_at), or rejected\" (a dealer chooses which it uses)",
                "every appointment it can honour is answered \"requested\" (manual review), never confirmed or proposed",
            ),
            AapNoDealerObject => (
                "aap-no-dealer-object",
                "seed 002 response field table: data.dealer · no (optional)",
                "AAP answers carry no data.dealer",
            ),
            MaskDomainToo => (
                "mask-domain-too",
                "seed 000: sent_to_masked \"(e.g. be****@…)\" is an example, not a format (BINDINGS.md §5)",
                "sent_to_masked and next_steps read j***@m***.com: one character, three stars, the domain masked",
            ),
            CrmLeadIdIsHandoffToken => (
                "crm-lead-id-is-handoff-token",
                "seed 000's own receipt example: \"handoff_token\": \"hnd_xyz…\", \"crm_lead_id\": \"hnd_xyz…\"",
                "crm_lead_id is the hand-off token when the CRM created the lead",
            ),
            AdfContactEmailOnly => (
                "adf-contact-email-only",
                "seed 000 permits plaintext in the CRM lead and does not list which fields; the ADF DTD needs a name and an email or a phone",
                "the DMC-12 ADF contact carries the name and the email, no phone",
            ),
            ConsentFalseIsConsentInvalid => (
                "consent-false-is-consent-invalid",
                "seed 000: \"true — the validator rejects false\" names no code; CONSENT_INVALID is in the tool's own vocabulary (BINDINGS.md §2)",
                "customer_consent: false is refused with CONSENT_INVALID",
            ),
            AuditRowOnFailure => (
                "audit-row-on-failure",
                "seed 000: \"PII is hashed in every audit/DB surface\"; \"persists nothing\" is about the hand-off, and an audit trail of digests keeps no plaintext",
                "a hand-off whose email failed leaves a row of digests in a handoff_attempts audit table",
            ),
            WholeMoneyAmounts => (
                "whole-money-amounts",
                "seed 000: appraised_value_partner Money {amount≥0, currency} gives no type for amount",
                "a fractional amount is refused with VALIDATION_ERROR",
            ),
            HoldKeptAfterHandoff => (
                "hold-kept-after-handoff",
                "seed 000: \"Not a sale. The reservation is still a soft hold\" (silent on releasing it afterwards)",
                "releasing a handed-off reservation is refused with RESERVATION_STATE; the hold runs to its expiry",
            ),
            McpStateless => (
                "mcp-stateless",
                "BINDINGS.md §1: \"keep MCP-Session-Id if returned\" (MCP 2025-11-25: a server MAY assign a session id)",
                "initialize returns no Mcp-Session-Id and no request needs one",
            ),
            McpSse => (
                "mcp-sse",
                "BINDINGS.md §1: \"A reply is either application/json or an SSE stream\"",
                "every MCP request is answered with an SSE stream",
            ),
            SingleDeskRecipient => (
                "single-desk-recipient",
                "seed 000: the email goes to \"the dealer desk\" (the receipt example lists two addresses; the number is the dealer's)",
                "the deal-intent email goes to one dealer-desk address",
            ),
        }
    }

    /// The `--variant` name (kebab-case).
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The seed sentence (or silence) that allows this reading.
    pub fn allowance(self) -> &'static str {
        self.info().1
    }

    /// What the reference does differently.
    pub fn what(self) -> &'static str {
        self.info().2
    }

    /// Look a variant up by name.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.iter().copied().find(|v| v.name() == name)
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::from_name(s).ok_or_else(|| {
            format!("unknown variant '{s}' (see `dealer-tck serve-reference --list-variants`)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Variant;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert!(!v.allowance().is_empty() && !v.what().is_empty());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Variant::ALL.len());
        assert!(Variant::ALL.len() >= 15);
    }
}
