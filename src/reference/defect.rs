//! [`Defect`]: single, realistic deviations from exactly one seed rule, injected into the
//! reference server at startup (`--defect NAME`) to prove that each check catches what it claims.

/// One injectable defect. Each breaks exactly one rule; [`Defect::clause`] names the catalogue
/// clause that must FAIL when the harness runs against a reference with this defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Defect {
    /// `next_steps` shows the customer email unmasked.
    UnmaskedNextSteps,
    /// `notes` is stored in plaintext in deal_handoffs instead of its SHA-256 digest.
    PlaintextNotes,
    /// The hand-off row is written before the email is sent and kept when sending fails.
    RecordBeforeEmail,
    /// A CRM failure fails the whole call (UPSTREAM_UNAVAILABLE) instead of crm_status failed.
    CrmFailureFailsCall,
    /// A `consent.expires_at` in the past is accepted.
    AcceptPastConsent,
    /// Extra (unknown) fields inside `trade_in` are accepted.
    TradeInExtraFields,
    /// The reservation ownership check is skipped (agent B can hand off agent A's hold).
    SkipOwnership,
    /// The ADF contact lists phone before email (breaks the DTD content model).
    AdfPhoneBeforeEmail,
    /// Validation error messages echo the submitted value.
    EchoInvalidValue,
    /// The CRM lead is sent even though the email failed.
    CrmOnSmtpFailure,
    /// `customer_consent: false` is accepted.
    AcceptConsentFalse,
    /// `sent_to_masked` keeps three characters of the local part instead of two.
    SentToThreeChars,
    /// The customer email is written to the log at INFO.
    LogCustomerEmail,
    /// `sent_at` is rendered with a non-UTC offset (+02:00).
    SentAtLocalOffset,
    /// An expired reservation is still accepted.
    AcceptExpiredReservation,
    /// A released reservation is still accepted.
    AcceptReleasedReservation,
    /// A token without `deal:handoff` may call initiate_deal_handoff.
    SkipScopeCheck,
    /// The phone pattern is not enforced (any 8–20 characters accepted).
    LoosePhonePattern,
    /// `crm_lead_id` is set (to the hand-off token) even when the CRM failed.
    CrmLeadIdOnFailure,
    /// `_metadata.protocol` is always "a2a", even over MCP.
    WrongMetadataProtocol,
    /// MCP tool errors are returned without `isError: true`.
    McpErrorWithoutIsError,
    /// The A2A-Version header is not checked.
    NoVersionCheck,
    /// An unknown reservation token is answered with RESERVATION_STATE.
    NotFoundAsState,
    /// The CRM POST carries no Authorization header.
    CrmWithoutAuth,
    /// The email omits the customer's phone number.
    EmailWithoutPhone,
    /// `data.status` is "queued" instead of "sent".
    StatusQueued,
    /// `crm_status` is "sent" even when the CRM failed.
    CrmStatusAlwaysSent,
    /// The email is sent before consent expiry is checked (a CONSENT_INVALID call still emails).
    EmailBeforeConsentCheck,
    /// `notes` up to 1000 characters are accepted.
    OversizeNotesAccepted,
    /// `next_steps` is missing from the receipt.
    ReceiptWithoutNextSteps,
    /// `crm_status` is "sent" with the CRM disabled, and no lead is posted.
    DisabledReportedSent,
    /// A missing bearer token is answered 403 instead of 401.
    MissingTokenForbidden,
}

impl Defect {
    /// Every defect, in documentation order.
    pub const ALL: &'static [Defect] = &[
        Defect::UnmaskedNextSteps,
        Defect::PlaintextNotes,
        Defect::RecordBeforeEmail,
        Defect::CrmFailureFailsCall,
        Defect::AcceptPastConsent,
        Defect::TradeInExtraFields,
        Defect::SkipOwnership,
        Defect::AdfPhoneBeforeEmail,
        Defect::EchoInvalidValue,
        Defect::CrmOnSmtpFailure,
        Defect::AcceptConsentFalse,
        Defect::SentToThreeChars,
        Defect::LogCustomerEmail,
        Defect::SentAtLocalOffset,
        Defect::AcceptExpiredReservation,
        Defect::AcceptReleasedReservation,
        Defect::SkipScopeCheck,
        Defect::LoosePhonePattern,
        Defect::CrmLeadIdOnFailure,
        Defect::WrongMetadataProtocol,
        Defect::McpErrorWithoutIsError,
        Defect::NoVersionCheck,
        Defect::NotFoundAsState,
        Defect::CrmWithoutAuth,
        Defect::EmailWithoutPhone,
        Defect::StatusQueued,
        Defect::CrmStatusAlwaysSent,
        Defect::EmailBeforeConsentCheck,
        Defect::OversizeNotesAccepted,
        Defect::ReceiptWithoutNextSteps,
        Defect::DisabledReportedSent,
        Defect::MissingTokenForbidden,
    ];

    /// (name, clause broken, seed rule) for each defect.
    fn info(self) -> (&'static str, &'static str, &'static str) {
        use Defect::*;
        match self {
            UnmaskedNextSteps => (
                "unmasked-next-steps",
                "DMC12-RCPT-NEXTSTEPS-001",
                "next_steps: with the customer email masked",
            ),
            PlaintextNotes => (
                "plaintext-notes",
                "DMC12-PII-STORE-001",
                "fields marked 🔒 are SHA-256'd before they touch the deal_handoffs table",
            ),
            RecordBeforeEmail => (
                "record-before-email",
                "DMC12-EMAIL-FAIL-002",
                "the hand-off is recorded only after the dealer-ops email sends; an SMTP failure persists nothing",
            ),
            CrmFailureFailsCall => (
                "crm-failure-fails-call",
                "DMC12-CRM-BESTEFFORT-001",
                "a failed CRM does not fail the call",
            ),
            AcceptPastConsent => (
                "accept-past-consent",
                "DMC12-CONSENT-EXPIRY-001",
                "consent.expires_at enforced (CONSENT_INVALID if past)",
            ),
            TradeInExtraFields => (
                "trade-in-extra-fields",
                "DMC12-REQ-TRADEIN-001",
                "trade_in: extra fields forbidden",
            ),
            SkipOwnership => (
                "skip-ownership",
                "DMC12-RES-OWNER-001",
                "the reservation must be owned by your agent (NOT_AUTHORIZED)",
            ),
            AdfPhoneBeforeEmail => (
                "adf-phone-before-email",
                "DMC12-CRM-ADF-001",
                "the lead is an ADF 1.0 document (contact: name+, email, phone*)",
            ),
            EchoInvalidValue => (
                "echo-invalid-value",
                "DMC12-PII-RESPONSE-001",
                "no plaintext customer data in the response (error messages included)",
            ),
            CrmOnSmtpFailure => (
                "crm-on-smtp-failure",
                "DMC12-EMAIL-FAIL-003",
                "after an SMTP failure no CRM lead may be sent",
            ),
            AcceptConsentFalse => (
                "accept-consent-false",
                "DMC12-REQ-CONSENT-001",
                "customer_consent: fixed true — the validator rejects false",
            ),
            SentToThreeChars => (
                "sent-to-three-chars",
                "DMC12-RCPT-SENTTO-001",
                "sent_to_masked: an address keeps at most two characters of its local part",
            ),
            LogCustomerEmail => (
                "log-customer-email",
                "DMC12-PII-LOG-001",
                "plaintext never in a log line",
            ),
            SentAtLocalOffset => (
                "sent-at-local-offset",
                "DMC12-RCPT-SENTAT-001",
                "sent_at: ISO-8601 UTC",
            ),
            AcceptExpiredReservation => (
                "accept-expired-reservation",
                "DMC12-RES-EXPIRED-001",
                "the reservation must be active (RESERVATION_EXPIRED)",
            ),
            AcceptReleasedReservation => (
                "accept-released-reservation",
                "DMC12-RES-STATE-001",
                "the reservation must be active (RESERVATION_STATE)",
            ),
            SkipScopeCheck => (
                "skip-scope-check",
                "DMC12-AUTH-002",
                "initiate_deal_handoff requires scope deal:handoff",
            ),
            LoosePhonePattern => (
                "loose-phone-pattern",
                "DMC12-REQ-PHONE-001",
                "customer_contact.phone: E.164 ^+[1-9][0-9]{6,14}$",
            ),
            CrmLeadIdOnFailure => (
                "crm-lead-id-on-failure",
                "DMC12-RCPT-CRMLEADID-001",
                "crm_lead_id null/absent when crm_status is failed or disabled",
            ),
            WrongMetadataProtocol => (
                "wrong-metadata-protocol",
                "DMC12-RCPT-META-001",
                "_metadata.protocol names the binding actually used",
            ),
            McpErrorWithoutIsError => (
                "mcp-error-without-is-error",
                "BIND-MCP-RESULT-001",
                "MCP tool errors set isError: true",
            ),
            NoVersionCheck => (
                "no-version-check",
                "BIND-A2A-VERSION-001",
                "unsupported A2A-Version → -32009 VersionNotSupported",
            ),
            NotFoundAsState => (
                "not-found-as-state",
                "DMC12-RES-NOTFOUND-001",
                "an unknown reservation → RESERVATION_NOT_FOUND",
            ),
            CrmWithoutAuth => (
                "crm-without-auth",
                "DMC12-CRM-HTTP-001",
                "the CRM POST carries Authorization: Bearer <crm token>",
            ),
            EmailWithoutPhone => (
                "email-without-phone",
                "DMC12-EMAIL-SEND-001",
                "the deal-intent email carries the customer contact",
            ),
            StatusQueued => (
                "status-queued",
                "DMC12-RCPT-STATUS-001",
                "status: sent on success",
            ),
            CrmStatusAlwaysSent => (
                "crm-status-always-sent",
                "DMC12-RCPT-CRMSTATUS-001",
                "crm_status reports the CRM outcome: sent | failed | disabled",
            ),
            EmailBeforeConsentCheck => (
                "email-before-consent-check",
                "DMC12-PII-REJECTED-001",
                "a rejected call has no side effects",
            ),
            OversizeNotesAccepted => (
                "oversize-notes-accepted",
                "DMC12-REQ-NOTES-001",
                "notes: ≤500",
            ),
            ReceiptWithoutNextSteps => (
                "receipt-without-next-steps",
                "DMC12-RCPT-SCHEMA-001",
                "next_steps: always",
            ),
            DisabledReportedSent => (
                "disabled-reported-sent",
                "DMC12-CRM-DISABLED-001",
                "crm_status: disabled means the CRM sink is off",
            ),
            MissingTokenForbidden => (
                "missing-token-forbidden",
                "DMC12-AUTH-001",
                "a missing bearer → 401 with WWW-Authenticate: Bearer",
            ),
        }
    }

    /// The `--defect` name (kebab-case).
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The catalogue clause this defect breaks.
    pub fn clause(self) -> &'static str {
        self.info().1
    }

    /// The seed rule it breaks, in words.
    pub fn rule(self) -> &'static str {
        self.info().2
    }

    /// Look a defect up by name.
    pub fn from_name(name: &str) -> Option<Defect> {
        Defect::ALL.iter().copied().find(|d| d.name() == name)
    }
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Defect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::from_name(s).ok_or_else(|| {
            format!("unknown defect '{s}' (see `dealer-tck serve-reference --list-defects`)")
        })
    }
}
