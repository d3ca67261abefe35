//! [`Defect`]: single, realistic deviations from exactly one seed rule, injected into the
//! reference server at startup (`--defect NAME`) to prove that each check catches what it claims.
//! The DMC-12 and binding defects come first in [`Defect::ALL`], then the AAP ones
//! ([`Defect::is_aap`]).

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
    /// MCP tool results carry the envelope only as `content[0].text`, without `structuredContent`.
    McpNoStructuredContent,
    /// MCP notifications (notifications/initialized) are answered 200 instead of 202.
    McpNotificationNot202,
    /// MCP 2026-07-28: server/discover lists 2025-11-25 only, not the era it answers in.
    McpModernDiscoverWithoutVersion,
    /// MCP 2026-07-28: server/discover lists 2025-11-25, but the server serves 2026-07-28 only.
    McpModernClaimsLegacy,
    /// MCP 2026-07-28: results carry no resultType.
    McpModernNoResultType,
    /// MCP 2026-07-28: the Mcp-Method header is not checked against the body.
    McpModernMethodHeaderUnchecked,
    /// MCP 2026-07-28: an unsupported version is refused with -32022 but no data.
    McpModernBareVersionError,
    /// MCP 2026-07-28: a request without _meta is served (the header names the version).
    McpModernMetaOptional,
    /// MCP 2026-07-28: an unknown method is answered HTTP 200 (with -32601).
    McpModernUnknownMethod200,
    /// The A2A-Version header is not checked.
    NoVersionCheck,
    /// Malformed JSON on A2A JSON-RPC is answered HTTP 500 (-32603) instead of -32700.
    A2aParseErrorAs500,
    /// Operation errors carry a code but no message.
    ErrorWithoutMessage,
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
    /// A lead.submit without `consent` is accepted.
    AapConsentMissingAccepted,
    /// A lead.submit consent scope that merely contains `lead_submission` is accepted.
    AapScopeNotExact,
    /// lead.submit: a preferred_contact outside consent.allowed_channels is accepted.
    AapChannelNotChecked,
    /// A trade-in condition word on vehicle_of_interest is answered VALIDATION_ERROR.
    AapConditionAsValidation,
    /// A sale condition word on trade_in is accepted.
    AapTradeinConditionAccepted,
    /// The vehicle of interest is checked against inventory even without a test drive.
    AapVehicleCheckedWithoutTestDrive,
    /// A test drive of a vehicle not in inventory is accepted.
    AapUnknownVehicleAccepted,
    /// A test drive of a sold vehicle is accepted.
    AapSoldVehicleAccepted,
    /// A confirmed appointment carries no confirmed_at.
    AapConfirmedWithoutTime,
    /// A proposed appointment carries no proposed_times.
    AapProposedWithoutTimes,
    /// data.appointment (status requested) is sent even when no appointment was requested.
    AapAppointmentAlwaysPresent,
    /// The lead.submit response type is "lead.response".
    AapWrongResponseType,
    /// lead.submit lead ids come from a counter per A2A binding that issues every id twice.
    AapLeadIdReused,
    /// The lead.submit ADF contact lists phone before email (breaks the DTD content model).
    AapAdfPhoneBeforeEmail,
    /// lead.submit messages up to 8000 characters are accepted.
    AapMessageUnbounded,
    /// An array of vehicles of interest is accepted (the first one is used).
    AapMultiVehicleAccepted,
    /// lead.general with a customer but no consent is accepted.
    AapGeneralNoConsentAccepted,
    /// lead.general consent scope without general_inquiry is accepted.
    AapGeneralScopeNotChecked,
    /// lead.general: a preferred_contact outside consent.allowed_channels is accepted.
    AapGeneralChannelNotChecked,
    /// lead.general: a customer without email and phone is accepted.
    AapGeneralCustomerNoContact,
    /// A lead.submit `duplicate` answer carries no lead_id.
    AapDuplicateWithoutLeadId,
    /// lead.submit never recognises a resubmission: every copy is a new received lead.
    AapNoDuplicateDetection,
    /// An appointment time the dealer cannot honour is answered without the
    /// APPOINTMENT_TIME_UNAVAILABLE error (the appointment is still marked rejected).
    AapAppointmentErrorMissing,
    /// An anonymous lead.general (no customer, no consent) is refused with
    /// CONTACT_CONSENT_REQUIRED.
    AapGeneralAnonymousRefused,
    /// lead.general messages up to 8000 characters are accepted.
    AapGeneralMessageUnbounded,
    /// The lead.general response type is "lead.response".
    AapGeneralWrongResponseType,
    /// A lead.general `duplicate` answer carries no lead_id.
    AapGeneralDuplicateWithoutLeadId,
    /// lead.general's data.dealer.phone is in local format "(801) 555-0100".
    AapGeneralDealerPhoneLocal,
    /// lead.general lead ids come from a counter per A2A binding that issues every id twice.
    AapGeneralLeadIdReused,
    /// The lead.general ADF contact lists phone before email (breaks the DTD content model).
    AapGeneralAdfPhoneBeforeEmail,
    /// lead.general never recognises a resubmission: every copy is a new received lead.
    AapGeneralNoDuplicateDetection,
    /// A lead.submit message of exactly 4000 characters is refused (the limit is off by one).
    AapMessageLimitOffByOne,
    /// A lead.general message of exactly 4000 characters is refused (the limit is off by one).
    AapGeneralMessageLimitOffByOne,
    /// A condition word in neither vocabulary is accepted.
    AapUnknownConditionAccepted,
    /// The lead.submit ADF leaves the trade-in vehicle out.
    AapAdfDropsTradeIn,
    /// lead.submit's data.dealer.phone is a JSON number, not a string.
    AapDealerPhoneNumber,
    /// lead.submit: a trade-in without year is accepted (the year is filled in).
    AapTradeinYearOptional,
    /// lead.submit: a channel outside email|phone|sms in allowed_channels is dropped, not refused.
    AapChannelVocabularyOpen,
    /// lead.submit: a confirmed appointment is answered with status "booked".
    AapAppointmentStatusBooked,
    /// lead.general without `type` is accepted.
    AapGeneralTypeOptional,
    /// lead.general: a consent without a customer is ignored, not refused.
    AapGeneralConsentWithoutCustomerAccepted,
    /// lead.general: a customer without first_name is accepted.
    AapGeneralFirstNameOptional,
    /// lead.general: a duplicate answer carries a new lead_id, not the first lead's.
    AapGeneralDuplicateNewLeadId,
    /// lead.submit: a customer without last_name is accepted.
    AapLastNameOptional,
    /// lead.general: a submitted_at that is not a date-time is dropped, not refused.
    AapGeneralSubmittedAtUnchecked,
    /// lead.general: a channel outside email|phone|sms is dropped from allowed_channels.
    AapGeneralChannelVocabularyOpen,
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
        Defect::McpNoStructuredContent,
        Defect::McpNotificationNot202,
        Defect::McpModernDiscoverWithoutVersion,
        Defect::McpModernClaimsLegacy,
        Defect::McpModernNoResultType,
        Defect::McpModernMethodHeaderUnchecked,
        Defect::McpModernBareVersionError,
        Defect::McpModernMetaOptional,
        Defect::McpModernUnknownMethod200,
        Defect::NoVersionCheck,
        Defect::A2aParseErrorAs500,
        Defect::ErrorWithoutMessage,
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
        Defect::AapConsentMissingAccepted,
        Defect::AapScopeNotExact,
        Defect::AapChannelNotChecked,
        Defect::AapConditionAsValidation,
        Defect::AapTradeinConditionAccepted,
        Defect::AapVehicleCheckedWithoutTestDrive,
        Defect::AapUnknownVehicleAccepted,
        Defect::AapSoldVehicleAccepted,
        Defect::AapConfirmedWithoutTime,
        Defect::AapProposedWithoutTimes,
        Defect::AapAppointmentAlwaysPresent,
        Defect::AapWrongResponseType,
        Defect::AapLeadIdReused,
        Defect::AapAdfPhoneBeforeEmail,
        Defect::AapMessageUnbounded,
        Defect::AapMultiVehicleAccepted,
        Defect::AapGeneralNoConsentAccepted,
        Defect::AapGeneralScopeNotChecked,
        Defect::AapGeneralChannelNotChecked,
        Defect::AapGeneralCustomerNoContact,
        Defect::AapDuplicateWithoutLeadId,
        Defect::AapNoDuplicateDetection,
        Defect::AapAppointmentErrorMissing,
        Defect::AapGeneralAnonymousRefused,
        Defect::AapGeneralMessageUnbounded,
        Defect::AapGeneralWrongResponseType,
        Defect::AapGeneralDuplicateWithoutLeadId,
        Defect::AapGeneralDealerPhoneLocal,
        Defect::AapGeneralLeadIdReused,
        Defect::AapGeneralAdfPhoneBeforeEmail,
        Defect::AapGeneralNoDuplicateDetection,
        Defect::AapMessageLimitOffByOne,
        Defect::AapGeneralMessageLimitOffByOne,
        Defect::AapUnknownConditionAccepted,
        Defect::AapAdfDropsTradeIn,
        Defect::AapDealerPhoneNumber,
        Defect::AapTradeinYearOptional,
        Defect::AapChannelVocabularyOpen,
        Defect::AapAppointmentStatusBooked,
        Defect::AapGeneralTypeOptional,
        Defect::AapGeneralConsentWithoutCustomerAccepted,
        Defect::AapGeneralFirstNameOptional,
        Defect::AapGeneralDuplicateNewLeadId,
        Defect::AapLastNameOptional,
        Defect::AapGeneralSubmittedAtUnchecked,
        Defect::AapGeneralChannelVocabularyOpen,
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
            McpNoStructuredContent => (
                "mcp-no-structured-content",
                "BIND-MCP-RESULT-001",
                "a CallToolResult's structuredContent is the DMC-12 envelope",
            ),
            McpNotificationNot202 => (
                "mcp-notification-not-202",
                "BIND-MCP-INIT-001",
                "notifications/initialized → 202 Accepted",
            ),
            McpModernDiscoverWithoutVersion => (
                "mcp-modern-discover-without-version",
                "MCP-MODERN-DISCOVER-001",
                "server/discover: supportedVersions include 2026-07-28",
            ),
            McpModernClaimsLegacy => (
                "mcp-modern-claims-legacy",
                "MCP-MODERN-DISCOVER-002",
                "server/discover lists only versions the server serves",
            ),
            McpModernNoResultType => (
                "mcp-modern-no-result-type",
                "MCP-MODERN-RESULT-001",
                "every result carries resultType",
            ),
            McpModernMethodHeaderUnchecked => (
                "mcp-modern-method-header-unchecked",
                "MCP-MODERN-HEADERS-001",
                "Mcp-Method missing or unlike the body's method → 400, -32020",
            ),
            McpModernBareVersionError => (
                "mcp-modern-bare-version-error",
                "MCP-MODERN-VERSION-001",
                "unsupported version → 400, -32022 with data.supported and data.requested",
            ),
            McpModernMetaOptional => (
                "mcp-modern-meta-optional",
                "MCP-MODERN-META-001",
                "no _meta → 400, -32602",
            ),
            McpModernUnknownMethod200 => (
                "mcp-modern-unknown-method-200",
                "MCP-MODERN-METHOD-001",
                "unknown method → 404, -32601",
            ),
            A2aParseErrorAs500 => (
                "a2a-parse-error-500",
                "BIND-A2A-ERRORS-001",
                "malformed JSON → -32700, never a 5xx",
            ),
            ErrorWithoutMessage => (
                "error-without-message",
                "DMC12-ERR-ENVELOPE-001",
                "error {\"code\", \"message\", \"reason\"?}",
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
            AapConsentMissingAccepted => (
                "aap-consent-missing-accepted",
                "AAP02-CONSENT-MISSING-001",
                "consent is always required (CONTACT_CONSENT_REQUIRED when missing)",
            ),
            AapScopeNotExact => (
                "aap-scope-not-exact",
                "AAP02-CONSENT-SCOPE-001",
                "consent.scope MUST be [\"lead_submission\"] (CONTACT_CONSENT_REQUIRED otherwise)",
            ),
            AapChannelNotChecked => (
                "aap-channel-not-checked",
                "AAP02-CONSENT-CHANNEL-001",
                "CONTACT_CONSENT_REQUIRED if the follow-up channel is not in allowed_channels",
            ),
            AapConditionAsValidation => (
                "aap-condition-as-validation",
                "AAP02-CONDITION-001",
                "vehicle_of_interest.condition in the trade-in vocabulary → INVALID_CONDITION",
            ),
            AapTradeinConditionAccepted => (
                "aap-tradein-condition-accepted",
                "AAP02-CONDITION-002",
                "trade_in.condition in the sale vocabulary → INVALID_CONDITION",
            ),
            AapVehicleCheckedWithoutTestDrive => (
                "aap-vehicle-checked-without-test-drive",
                "AAP02-VEHICLE-NOTESTDRIVE-001",
                "VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE only when a test_drive appointment is requested",
            ),
            AapUnknownVehicleAccepted => (
                "aap-unknown-vehicle-accepted",
                "AAP02-VEHICLE-NOTFOUND-001",
                "a test drive of a vehicle that cannot be located → VEHICLE_NOT_FOUND",
            ),
            AapSoldVehicleAccepted => (
                "aap-sold-vehicle-accepted",
                "AAP02-VEHICLE-UNAVAILABLE-001",
                "a test drive of a vehicle no longer available → VEHICLE_UNAVAILABLE",
            ),
            AapConfirmedWithoutTime => (
                "aap-confirmed-without-time",
                "AAP02-APPT-CONFIRMED-001",
                "confirmed: booked at confirmed_at",
            ),
            AapProposedWithoutTimes => (
                "aap-proposed-without-times",
                "AAP02-APPT-PROPOSED-001",
                "proposed: alternatives in proposed_times",
            ),
            AapAppointmentAlwaysPresent => (
                "aap-appointment-always-present",
                "AAP02-APPT-ABSENT-001",
                "data.appointment is present iff the request had an appointment",
            ),
            AapWrongResponseType => (
                "aap-wrong-response-type",
                "AAP02-TYPE-001",
                "type: lead.submit.response",
            ),
            AapLeadIdReused => (
                "aap-lead-id-reused",
                "AAP02-LEADID-001",
                "data.lead_id: a dealer-assigned identifier, unique across received leads",
            ),
            AapAdfPhoneBeforeEmail => (
                "aap-adf-phone-before-email",
                "AAP02-ADF-001",
                "the forwarded lead is a valid ADF 1.0 document (contact: name+, email, phone*)",
            ),
            AapMessageUnbounded => (
                "aap-message-unbounded",
                "AAP02-REQ-001",
                "message: max 4000 chars",
            ),
            AapMultiVehicleAccepted => (
                "aap-multi-vehicle-accepted",
                "AAP02-ONEVEHICLE-001",
                "one vehicle_of_interest per submission (no multi-vehicle leads)",
            ),
            AapGeneralNoConsentAccepted => (
                "aap-general-no-consent-accepted",
                "AAPD-CONSENT-001",
                "when customer is present, a ConsentGrant MUST also be present",
            ),
            AapGeneralScopeNotChecked => (
                "aap-general-scope-not-checked",
                "AAPD-CONSENT-SCOPE-001",
                "consent.scope MUST include general_inquiry",
            ),
            AapGeneralChannelNotChecked => (
                "aap-general-channel-not-checked",
                "AAPD-CONSENT-CHANNEL-001",
                "rejected with CONTACT_CONSENT_REQUIRED when the follow-up channel is not in allowed_channels",
            ),
            AapGeneralCustomerNoContact => (
                "aap-general-customer-no-contact",
                "AAPD-CUSTOMER-001",
                "Customer requires first_name, last_name and at least one of email or phone (E.164)",
            ),
            AapDuplicateWithoutLeadId => (
                "aap-duplicate-without-lead-id",
                "AAP02-STATUS-001",
                "data.lead_id is required unless the lead was rejected",
            ),
            AapNoDuplicateDetection => (
                "aap-no-duplicate-detection",
                "AAP02-DUPLICATE-001",
                "duplicate: the dealer recognized the same buyer/vehicle from a recent submission (SHOULD)",
            ),
            AapAppointmentErrorMissing => (
                "aap-appointment-error-missing",
                "AAP02-APPT-UNAVAILABLE-001",
                "a requested time the dealer cannot honour → error APPOINTMENT_TIME_UNAVAILABLE",
            ),
            AapGeneralAnonymousRefused => (
                "aap-general-anonymous-refused",
                "AAPD-ANON-001",
                "an anonymous inquiry SHOULD get status received and a message rather than a request for contact info",
            ),
            AapGeneralMessageUnbounded => (
                "aap-general-message-unbounded",
                "AAPD-REQ-001",
                "message: 1-4000 chars",
            ),
            AapGeneralWrongResponseType => (
                "aap-general-wrong-response-type",
                "AAPD-TYPE-001",
                "type: lead.general.response",
            ),
            AapGeneralDuplicateWithoutLeadId => (
                "aap-general-duplicate-without-lead-id",
                "AAPD-STATUS-001",
                "data.lead_id is required unless the lead was rejected",
            ),
            AapGeneralDealerPhoneLocal => (
                "aap-general-dealer-phone-local",
                "AAPD-DEALER-PHONE-001",
                "data.dealer.phone: E.164",
            ),
            AapGeneralLeadIdReused => (
                "aap-general-lead-id-reused",
                "AAPD-LEADID-001",
                "data.lead_id: a stable identifier the dealer assigned to this lead",
            ),
            AapGeneralAdfPhoneBeforeEmail => (
                "aap-general-adf-phone-before-email",
                "AAPD-ADF-001",
                "the forwarded lead is a valid ADF 1.0 document (contact: name+, email, phone*)",
            ),
            AapGeneralNoDuplicateDetection => (
                "aap-general-no-duplicate-detection",
                "AAPD-DUPLICATE-001",
                "duplicate SHOULD be returned when an equivalent lead already exists for this customer",
            ),
            AapMessageLimitOffByOne => (
                "aap-message-limit-off-by-one",
                "AAP02-ACCEPT-001",
                "message: max 4000 chars (a 4000-character message is valid)",
            ),
            AapGeneralMessageLimitOffByOne => (
                "aap-general-message-limit-off-by-one",
                "AAPD-ACCEPT-001",
                "message: 1-4000 chars (a 4000-character message is valid)",
            ),
            AapUnknownConditionAccepted => (
                "aap-unknown-condition-accepted",
                "AAP02-CONDITION-003",
                "condition (if set) MUST be new | used | cpo (vehicle of interest) or excellent | good | fair | poor (trade-in)",
            ),
            AapAdfDropsTradeIn => (
                "aap-adf-drops-trade-in",
                "AAP02-ADF-002",
                "the forwarded ADF lead carries the request's vehicles, the trade-in among them",
            ),
            AapTradeinYearOptional => (
                "aap-tradein-year-optional",
                "AAP02-REQ-001",
                "trade_in MUST carry at least year+make+model",
            ),
            AapChannelVocabularyOpen => (
                "aap-channel-vocabulary-open",
                "AAP02-REQ-001",
                "consent.allowed_channels[] lists the channels (email, phone, sms)",
            ),
            AapAppointmentStatusBooked => (
                "aap-appointment-status-booked",
                "AAP02-STATUS-001",
                "data.appointment.status: requested | proposed | confirmed | rejected",
            ),
            AapGeneralTypeOptional => (
                "aap-general-type-optional",
                "AAPD-REQ-001",
                "type: const lead.general.request, required",
            ),
            AapGeneralConsentWithoutCustomerAccepted => (
                "aap-general-consent-without-customer-accepted",
                "AAPD-REQ-001",
                "customer is optional; in that case consent MUST be omitted as well",
            ),
            AapGeneralFirstNameOptional => (
                "aap-general-first-name-optional",
                "AAPD-CUSTOMER-001",
                "Customer requires first_name and last_name",
            ),
            AapGeneralDuplicateNewLeadId => (
                "aap-general-duplicate-new-lead-id",
                "AAPD-LEADID-001",
                "data.lead_id: a stable identifier the dealer assigned to this lead",
            ),
            AapLastNameOptional => (
                "aap-last-name-optional",
                "AAP02-REQ-001",
                "Customer requires first_name and last_name",
            ),
            AapGeneralSubmittedAtUnchecked => (
                "aap-general-submitted-at-unchecked",
                "AAPD-REQ-001",
                "submitted_at: date-time",
            ),
            AapGeneralChannelVocabularyOpen => (
                "aap-general-channel-vocabulary-open",
                "AAPD-REQ-001",
                "consent.allowed_channels[] lists the channels (email, phone, sms)",
            ),
            AapDealerPhoneNumber => (
                "aap-dealer-phone-number",
                "AAP02-DEALER-PHONE-001",
                "\"dealer\": { \"name\": \"string\", \"phone\": \"+1XXXXXXXXXX\" } (a string)",
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

    /// Does it break an AAP clause (`AAP02-…` or `AAPD-…`) rather than a DMC-12 / binding one?
    pub fn is_aap(self) -> bool {
        self.clause().starts_with("AAP")
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
