//! Checks: the registry of check ids ([`CHECKS`]), the [`Evaluation`] each check emits for a
//! clause, and the pure judging functions of the DMC-12 suite ([`dmc12`]). A check never talks
//! to the target: it judges observations the runner collected.

pub mod bindings;
pub mod mcp_modern;

use crate::transport::{Binding, Exchange, Reply};
use serde::Serialize;
use serde_json::Value;

/// A registered check.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Stable id cited by the catalogue (`reject-code`).
    pub id: &'static str,
    /// What it asserts.
    pub what: &'static str,
}

/// Every check the harness implements. A test fails if one is cited by no clause, or a clause
/// cites one that is not here.
pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "auth-401",
        what: "no or unknown bearer → HTTP 401 with WWW-Authenticate: Bearer",
    },
    CheckDef {
        id: "auth-403",
        what: "token without deal:handoff → HTTP 403 insufficient_scope",
    },
    CheckDef {
        id: "accept-valid",
        what: "a generated valid request gets the success envelope",
    },
    CheckDef {
        id: "reject-code",
        what: "a request breaking one rule gets the expected error code",
    },
    CheckDef {
        id: "consent-expired",
        what: "past consent.expires_at → CONSENT_INVALID",
    },
    CheckDef {
        id: "state-not-found",
        what: "never-issued reservation → RESERVATION_NOT_FOUND",
    },
    CheckDef {
        id: "state-released",
        what: "released reservation → RESERVATION_STATE",
    },
    CheckDef {
        id: "state-expired",
        what: "hold past its own expires_at → RESERVATION_EXPIRED",
    },
    CheckDef {
        id: "state-not-owner",
        what: "agent B hands off agent A's hold → NOT_AUTHORIZED",
    },
    CheckDef {
        id: "email-sent",
        what: "accepted call → mail at the sink carrying name, phone, email",
    },
    CheckDef {
        id: "email-package",
        what: "the mail carries notes, trade-in description, consent text",
    },
    CheckDef {
        id: "smtp-fault-code",
        what: "SMTP fault → UPSTREAM_UNAVAILABLE / email_send_failed",
    },
    CheckDef {
        id: "smtp-fault-no-record",
        what: "SMTP fault → no hash of the case's PII in the store",
    },
    CheckDef {
        id: "smtp-fault-retry",
        what: "after an SMTP fault the same reservation hands off cleanly",
    },
    CheckDef {
        id: "smtp-fault-no-crm",
        what: "SMTP fault → zero CRM requests",
    },
    CheckDef {
        id: "crm-adf-valid",
        what: "one ADF lead per accepted call, valid against the DTD",
    },
    CheckDef {
        id: "crm-adf-content",
        what: "the ADF contact carries name, email, phone",
    },
    CheckDef {
        id: "crm-adf-tradein",
        what: "a trade-in is a second vehicle interest=trade-in",
    },
    CheckDef {
        id: "crm-request-shape",
        what: "CRM POST path, content type and bearer",
    },
    CheckDef {
        id: "crm-fault-success",
        what: "CRM fault → success with crm_status failed, bounded",
    },
    CheckDef {
        id: "crm-disabled",
        what: "CRM off → crm_status disabled, zero CRM requests",
    },
    CheckDef {
        id: "receipt-schema",
        what: "success envelope validates against success.json",
    },
    CheckDef {
        id: "receipt-status",
        what: "data.status is sent",
    },
    CheckDef {
        id: "receipt-sent-at",
        what: "sent_at is RFC 3339 UTC inside the call window",
    },
    CheckDef {
        id: "receipt-crm-status",
        what: "crm_status matches what the CRM mock saw",
    },
    CheckDef {
        id: "receipt-crm-lead-id",
        what: "crm_lead_id only with a created lead, matching it",
    },
    CheckDef {
        id: "receipt-sent-to",
        what: "sent_to_masked = masked RCPT TO set",
    },
    CheckDef {
        id: "receipt-next-steps",
        what: "next_steps masks the customer email",
    },
    CheckDef {
        id: "receipt-metadata",
        what: "_metadata tool, protocol, trace_id",
    },
    CheckDef {
        id: "error-envelope",
        what: "operation errors validate against error.json",
    },
    CheckDef {
        id: "leak-response",
        what: "no canary in any response body or header",
    },
    CheckDef {
        id: "leak-log",
        what: "no canary in the server's log output",
    },
    CheckDef {
        id: "leak-store",
        what: "no canary in the server's database files",
    },
    CheckDef {
        id: "store-hashes",
        what: "accepted hand-offs visible as SHA-256 digests in the store",
    },
    CheckDef {
        id: "rejected-no-side-effects",
        what: "rejected call → no mail, no CRM request, canaries nowhere",
    },
    CheckDef {
        id: "a2a-card",
        what: "agent card interfaces, skills and bearer scheme",
    },
    CheckDef {
        id: "a2a-version",
        what: "unsupported A2A-Version → -32009 / HTTP 400",
    },
    CheckDef {
        id: "a2a-protocol-errors",
        what: "malformed JSON / bad JSON-RPC / unknown method → A2A codes",
    },
    CheckDef {
        id: "mcp-handshake",
        what: "initialize, session id, initialized → 202",
    },
    CheckDef {
        id: "mcp-tools-list",
        what: "tools/list has initiate_deal_handoff with inputSchema",
    },
    CheckDef {
        id: "mcp-call-result",
        what: "structuredContent, content[0].text and isError agree",
    },
    // MCP 2026-07-28 (src/check/mcp_modern.rs).
    CheckDef {
        id: "mcp-discover",
        what: "server/discover: supportedVersions include 2026-07-28, capabilities include tools",
    },
    CheckDef {
        id: "mcp-discover-versions",
        what: "a listed 2025-11-25 opens a session with initialize",
    },
    CheckDef {
        id: "mcp-result-type",
        what: "tools/list and tools/call results carry resultType",
    },
    CheckDef {
        id: "mcp-header-mismatch",
        what: "missing or mismatched Mcp-Method / Mcp-Name / MCP-Protocol-Version → 400, -32020",
    },
    CheckDef {
        id: "mcp-unsupported-version",
        what: "unsupported version → 400, -32022 with data.supported and data.requested",
    },
    CheckDef {
        id: "mcp-missing-meta",
        what: "no _meta → 400, -32602",
    },
    CheckDef {
        id: "mcp-unknown-method",
        what: "unknown method → 404, -32601",
    },
    // AAP (both suites, src/check/aap.rs).
    CheckDef {
        id: "aap-accept",
        what: "a valid lead is answered data.status received",
    },
    CheckDef {
        id: "aap-reject-validation",
        what: "a lead breaking one request rule → VALIDATION_ERROR, status rejected",
    },
    CheckDef {
        id: "aap-consent-required",
        what: "missing consent, wrong scope, channel not allowed → CONTACT_CONSENT_REQUIRED, rejected",
    },
    CheckDef {
        id: "aap-invalid-condition",
        what: "a condition from the other vehicle's vocabulary → INVALID_CONDITION, rejected",
    },
    CheckDef {
        id: "aap-vehicle-test-drive",
        what: "test drive of an unknown / sold vehicle → VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE",
    },
    CheckDef {
        id: "aap-vehicle-no-test-drive",
        what: "the same vehicles without a test drive → received",
    },
    CheckDef {
        id: "aap-appointment-unavailable",
        what: "unhonourable time → APPOINTMENT_TIME_UNAVAILABLE, lead received, appointment rejected",
    },
    CheckDef {
        id: "aap-appointment-fields",
        what: "confirmed ⇒ confirmed_at, proposed ⇒ proposed_times (date-times)",
    },
    CheckDef {
        id: "aap-appointment-absent",
        what: "no appointment requested ⇒ no data.appointment",
    },
    CheckDef {
        id: "aap-duplicate",
        what: "the same lead again → data.status duplicate",
    },
    CheckDef {
        id: "aap-response-type",
        what: "result object type is the skill's response type",
    },
    CheckDef {
        id: "aap-response-status",
        what: "data.status in its enum; lead_id unless rejected",
    },
    CheckDef {
        id: "aap-dealer-phone",
        what: "data.dealer.phone is E.164",
    },
    CheckDef {
        id: "aap-lead-id-unique",
        what: "no lead_id shared by two received leads, across bindings",
    },
    CheckDef {
        id: "aap-adf-valid",
        what: "a forwarded lead is one valid ADF POST; none for a rejected lead",
    },
    CheckDef {
        id: "aap-adf-mapping",
        what: "a forwarded ADF carries the customer name, email, phone and the request's vehicles",
    },
    CheckDef {
        id: "aap-anonymous",
        what: "anonymous lead.general → received with a message",
    },
];

/// The result of one check on one observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "outcome",
    content = "detail",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum Outcome {
    /// The rule held.
    Pass,
    /// The rule was broken; the detail is evidence (never plaintext PII).
    Fail(String),
    /// The harness could not tell (transport failure, unparseable reply).
    Error(String),
    /// The check could not run (fixture or capability missing).
    NotTested(String),
    /// The clause's condition never arose on this observation (an optional member never sent,
    /// a behaviour the seeds leave to the server that it did not choose); never a pass, never a
    /// failure.
    NotApplicable(String),
}

impl Outcome {
    /// Pass when nothing was found, else a failure listing the findings.
    pub fn failing_on(failures: Vec<String>) -> Outcome {
        if failures.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(failures.join("; "))
        }
    }
}

/// Passing evaluations counted instead of kept: a pass carries nothing a report shows but its
/// count (its case is named only in a replay, which keeps every evaluation), and a long run's
/// evaluations are mostly passes (198,000 in a 10,424-case run). Keyed by clause, check,
/// transport and whether it judged the clause's negative half: all that
/// [`aggregate`](crate::report::aggregate) reads of a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passes(std::collections::BTreeMap<PassKey, usize>);

/// What a counted pass is filed under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PassKey {
    /// Clause judged.
    pub clause: String,
    /// Check that judged it.
    pub check: &'static str,
    /// Transport (None: target-wide).
    pub binding: Option<Binding>,
    /// The pass of a clause's negative half ([`Evaluation::negative`]).
    pub negative: bool,
}

impl Passes {
    /// Count one passing evaluation.
    pub fn add(&mut self, e: &Evaluation) {
        let key = PassKey {
            clause: e.clause.clone(),
            check: e.check,
            binding: e.binding,
            negative: e.negative,
        };
        *self.0.entry(key).or_default() += 1;
    }

    /// Add another count's passes.
    pub fn merge(&mut self, other: Passes) {
        for (k, n) in other.0 {
            *self.0.entry(k).or_default() += n;
        }
    }

    /// The counted passes of `clause`.
    pub fn of<'a>(&'a self, clause: &'a str) -> impl Iterator<Item = (&'a PassKey, usize)> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k.clause == clause)
            .map(|(k, &n)| (k, n))
    }

    /// Every key counted.
    pub fn keys(&self) -> impl Iterator<Item = &PassKey> {
        self.0.keys()
    }

    /// The bytes the keys' clause ids take.
    pub fn text_bytes(&self) -> usize {
        self.0.keys().map(|k| k.clause.capacity()).sum()
    }
}

/// One check's judgement of one clause on one observation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Clause judged.
    pub clause: String,
    /// Check that judged it.
    pub check: &'static str,
    /// Transport (None: target-wide, e.g. the log scan).
    pub binding: Option<Binding>,
    /// Case or scenario id.
    pub case: String,
    /// The judgement.
    pub outcome: Outcome,
    /// The negative half of a clause with two halves ("a rejected lead is not forwarded"): it
    /// can fail the clause, but its pass alone never makes the clause PASS, because the positive
    /// half ("a received lead is forwarded") never ran.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub negative: bool,
}

impl Evaluation {
    /// Shorthand.
    pub fn new(
        clause: &str,
        check: &'static str,
        binding: Option<Binding>,
        case: &str,
        outcome: Outcome,
    ) -> Evaluation {
        Evaluation {
            clause: clause.to_string(),
            check,
            binding,
            case: case.to_string(),
            outcome,
            negative: false,
        }
    }

    /// The same evaluation with its detail cut to at most `cap` bytes (at a character
    /// boundary), ending with how many bytes were left out.
    pub fn capped(mut self, cap: usize) -> Evaluation {
        if let Outcome::Fail(d)
        | Outcome::Error(d)
        | Outcome::NotTested(d)
        | Outcome::NotApplicable(d) = &mut self.outcome
            && d.len() > cap
        {
            let mut end = cap;
            while !d.is_char_boundary(end) {
                end -= 1;
            }
            let left_out = d.len() - end;
            // A new string: truncating would keep the long one's allocation.
            *d = format!("{}… ({left_out} more bytes not kept)", &d[..end]);
        }
        self
    }

    /// The bytes its text holds allocated (clause, case and detail: capacities, not lengths, so
    /// a cut string that kept its long allocation still counts whole).
    pub fn text_bytes(&self) -> usize {
        let detail = match &self.outcome {
            Outcome::Pass => 0,
            Outcome::Fail(d)
            | Outcome::Error(d)
            | Outcome::NotTested(d)
            | Outcome::NotApplicable(d) => d.capacity(),
        };
        self.clause.capacity() + self.case.capacity() + detail
    }

    /// The same evaluation, marked as the negative half of its clause.
    pub fn negative_half(mut self) -> Evaluation {
        self.negative = true;
        self
    }
}

/// A value the target sent, as a verdict's detail shows it: its JSON text (a string quoted), or
/// `absent` (never Rust debug text such as `Some(String("x"))` or `None`).
pub fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), Value::to_string)
}

/// [`shown`] for a string the target sent, or `absent`.
pub fn shown_str(v: Option<&str>) -> String {
    v.map_or_else(|| "absent".to_string(), |s| format!("{s:?}"))
}

/// Where to look for an operation's error code, and which codes mean "validation error".
#[derive(Debug, Clone)]
pub struct CodeRules {
    /// JSON pointers into the result object, tried in order (default `/error/code`).
    pub pointers: Vec<String>,
    /// Codes that count as a request-validation rejection (default `VALIDATION_ERROR`).
    pub validation_codes: Vec<String>,
    /// Whether a JSON-RPC -32602 on MCP counts as a validation rejection.
    pub mcp_invalid_params_is_validation: bool,
    /// How an unavailable appointment time leaves the lead: None (the default) accepts both
    /// readings seed 002 allows ("The lead may still be received"), Some(true) requires the
    /// lead received, Some(false) requires it rejected (`[aap] appointment_failure_keeps_lead`).
    pub appointment_failure_keeps_lead: Option<bool>,
    /// The same choice for VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE with a test drive (seed 002
    /// names only the code): `[aap] vehicle_failure_keeps_lead`.
    pub vehicle_failure_keeps_lead: Option<bool>,
    /// Whether a received AAP lead must be forwarded to the CRM (`[aap] forwards_leads`; no
    /// seed requires it, so the default does not).
    pub aap_forwards_leads: bool,
    /// Whether lead.submit's `data.dealer.phone` must be E.164 (`[aap]
    /// submit_dealer_phone_e164`; seed 002 shows only "+1XXXXXXXXXX", seed 003 says E.164 for
    /// lead.general, which is always asserted).
    pub submit_dealer_phone_e164: bool,
}

impl Default for CodeRules {
    fn default() -> Self {
        CodeRules {
            pointers: vec!["/error/code".into()],
            validation_codes: vec![crate::spec::codes::VALIDATION_ERROR.into()],
            mcp_invalid_params_is_validation: false,
            appointment_failure_keeps_lead: None,
            vehicle_failure_keeps_lead: None,
            aap_forwards_leads: false,
            submit_dealer_phone_e164: false,
        }
    }
}

/// An operation error code and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCode {
    /// The code.
    pub code: String,
    /// Where (`result/error/code`, `error.data[0].reason`, `jsonrpc -32602`).
    pub at: String,
}

impl CodeRules {
    /// The operation error code of a reply, if any: the pointers into the result object, then
    /// A2A `error.data[].reason` of a protocol error.
    pub fn find(&self, ex: &Exchange) -> Option<FoundCode> {
        match &ex.reply {
            Reply::Op { object, .. } => self.pointers.iter().find_map(|p| {
                object
                    .pointer(p)
                    .and_then(Value::as_str)
                    .map(|c| FoundCode {
                        code: c.to_string(),
                        at: format!("result{p}"),
                    })
            }),
            Reply::Protocol { code, data, .. } => {
                let reason = data.as_ref().and_then(|d| {
                    let list = d
                        .as_array()
                        .cloned()
                        .or_else(|| d.get("details").and_then(Value::as_array).cloned())?;
                    list.iter().enumerate().find_map(|(i, e)| {
                        e.get("reason")
                            .and_then(Value::as_str)
                            .map(|r| (i, r.to_string()))
                    })
                });
                if let Some((i, r)) = reason
                    && r.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                {
                    return Some(FoundCode {
                        code: r,
                        at: format!("error.data[{i}].reason"),
                    });
                }
                if *code == -32602 && ex.binding.is_mcp() && self.mcp_invalid_params_is_validation {
                    return self.validation_codes.first().map(|c| FoundCode {
                        code: c.clone(),
                        at: "jsonrpc error -32602".into(),
                    });
                }
                None
            }
            _ => None,
        }
    }

    /// Whether `found` satisfies the expected code. `A|B` accepts either (a rule for which the
    /// seeds name no code and both are reasonable); VALIDATION_ERROR stands for any of the
    /// profile's validation codes.
    pub fn matches(&self, expected: &str, found: &str) -> bool {
        expected.split('|').any(|want| {
            if want == crate::spec::codes::VALIDATION_ERROR {
                self.validation_codes.iter().any(|c| c == found)
            } else {
                want == found
            }
        })
    }
}

/// One line describing a reply for evidence (status, protocol code, or op code), never PII.
pub fn describe_reply(ex: &Exchange, rules: &CodeRules) -> String {
    match &ex.reply {
        Reply::Op { object, .. } => match rules.find(ex) {
            Some(f) => format!("HTTP {}, error code {} (at {})", ex.status, f.code, f.at),
            None if object.get("data").is_some() => format!("HTTP {}, success envelope", ex.status),
            None => format!(
                "HTTP {}, result object without data or error code",
                ex.status
            ),
        },
        Reply::Protocol { code, .. } => match rules.find(ex) {
            Some(f) => format!(
                "HTTP {}, protocol error {code} with code {} (at {})",
                ex.status, f.code, f.at
            ),
            None => format!("HTTP {}, protocol error {code}", ex.status),
        },
        Reply::Http { status } => format!("HTTP {status} without a protocol error body"),
        Reply::Unparseable { reason } => format!("HTTP {}, unparseable reply: {reason}", ex.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_detail_is_cut_at_a_character_boundary_and_says_how_much_was_left_out() {
        let long = format!("é{}", "x".repeat(10_000));
        let fail = Evaluation::new("C-1", "c", None, "case", Outcome::Fail(long));
        assert_eq!(
            fail.clone().capped(3).outcome,
            Outcome::Fail("éx… (9999 more bytes not kept)".into())
        );
        assert_eq!(
            fail.capped(1).outcome,
            Outcome::Fail("… (10002 more bytes not kept)".into()),
            "never inside a character"
        );
        let short = Evaluation::new("C-1", "c", None, "case", Outcome::Error("short".into()));
        assert_eq!(short.capped(4096).outcome, Outcome::Error("short".into()));
        let long = Evaluation::new("C-1", "c", None, "case", Outcome::Fail("y".repeat(10_000)));
        assert!(
            long.capped(100).text_bytes() < 1000,
            "the cut detail gives its long allocation back"
        );
    }

    fn protocol_error(binding: Binding, code: i64) -> Exchange {
        Exchange {
            binding,
            url: "http://x".into(),
            request_body: Value::Null,
            status: 200,
            headers: vec![],
            raw_body: String::new(),
            reply: Reply::Protocol {
                code,
                message: "Invalid params".into(),
                data: None,
            },
            elapsed: std::time::Duration::ZERO,
            held: crate::transport::held::Held::none(),
            sent: None,
        }
    }

    #[test]
    fn shown_values_are_json_or_absent_never_debug_text() {
        use serde_json::json;
        assert_eq!(shown(None), "absent");
        assert_eq!(shown(Some(&json!("sent"))), "\"sent\"");
        assert_eq!(shown(Some(&json!({"a": 1}))), "{\"a\":1}");
        assert_eq!(shown_str(None), "absent");
        assert_eq!(shown_str(Some("failed")), "\"failed\"");
    }

    #[test]
    fn the_profile_s_validation_codes_and_mcp_invalid_params_are_honoured() {
        let default = CodeRules::default();
        assert!(default.matches("VALIDATION_ERROR", "VALIDATION_ERROR"));
        assert!(!default.matches("VALIDATION_ERROR", "INVALID_ARGUMENT"));
        assert!(!default.matches("CONSENT_INVALID", "VALIDATION_ERROR"));
        let mcp = protocol_error(Binding::Mcp, -32602);
        assert_eq!(default.find(&mcp), None, "-32602 is not a code by default");
        let profile = CodeRules {
            validation_codes: vec!["INVALID_ARGUMENT".into(), "VALIDATION_ERROR".into()],
            mcp_invalid_params_is_validation: true,
            ..CodeRules::default()
        };
        assert!(profile.matches("VALIDATION_ERROR", "INVALID_ARGUMENT"));
        // Another rule's code is never widened by the validation list.
        assert!(!profile.matches("CONSENT_INVALID", "INVALID_ARGUMENT"));
        // `A|B`: either code, each read as above.
        assert!(profile.matches("VALIDATION_ERROR|CONSENT_INVALID", "INVALID_ARGUMENT"));
        assert!(profile.matches("VALIDATION_ERROR|CONSENT_INVALID", "CONSENT_INVALID"));
        assert!(!profile.matches("VALIDATION_ERROR|CONSENT_INVALID", "NOT_AUTHORIZED"));
        let found = profile.find(&mcp).expect("-32602 counts on MCP");
        assert_eq!(found.code, "INVALID_ARGUMENT");
        assert!(profile.matches("VALIDATION_ERROR", &found.code));
        // Only on MCP, and only -32602.
        assert_eq!(
            profile.find(&protocol_error(Binding::A2aJsonrpc, -32602)),
            None
        );
        assert_eq!(profile.find(&protocol_error(Binding::Mcp, -32600)), None);
    }

    #[test]
    fn every_clause_has_a_check_and_every_check_a_clause() {
        let cats: Vec<_> = crate::suites::catalogues().collect();
        for c in cats.iter().flat_map(|cat| &cat.clauses) {
            assert!(!c.checks.is_empty(), "{} has no check", c.id);
            for id in &c.checks {
                assert!(
                    CHECKS.iter().any(|d| d.id == id),
                    "{} cites unknown check {id}",
                    c.id
                );
            }
        }
        for d in CHECKS {
            assert!(
                cats.iter()
                    .flat_map(|cat| &cat.clauses)
                    .any(|c| c.checks.iter().any(|x| x == d.id)),
                "check {} cites no clause",
                d.id
            );
        }
        let mut ids: Vec<&str> = CHECKS.iter().map(|d| d.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate check ids");
    }
}
