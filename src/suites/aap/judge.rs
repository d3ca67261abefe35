//! The AAP judging functions, for both AAP suites (`lead.submit` v0.2 and the `lead.general`
//! draft). [`AapObs`] is one call to an AAP skill as the runner saw it; the `judge_*` functions
//! turn observations into [`Evaluation`]s for the clauses of `suites/aap-0.2/clauses.toml` and
//! `suites/aap-draft/clauses.toml` (each suite's clause for a [`Role`] comes from
//! [`AapSuite::clause`]). Judges look only at what crossed the wire: the skill's answer, and the
//! ADF documents the CRM mock received.

use crate::check::{CodeRules, Evaluation, Outcome};
use crate::suites::aap::{APPOINTMENT_TIME_UNAVAILABLE, AapSuite, Role, TimeFixture};
use crate::transport::{Binding, Exchange, Reply};
use serde_json::Value;
use std::collections::BTreeMap;

mod forwarded;
pub use forwarded::*;

/// The check id that judges a role (every id is in [`crate::check::CHECKS`]).
pub fn check_id(role: Role) -> &'static str {
    use Role::*;
    match role {
        Accept => "aap-accept",
        Request | Customer | OneVehicle | ConditionNeither => "aap-reject-validation",
        ConsentMissing | ConsentScope | ConsentChannel => "aap-consent-required",
        ConditionVoi | ConditionTrade => "aap-invalid-condition",
        VehicleNotFound | VehicleUnavailable => "aap-vehicle-test-drive",
        VehicleNoTestDrive => "aap-vehicle-no-test-drive",
        ApptUnavailable => "aap-appointment-unavailable",
        ApptConfirmed | ApptProposed => "aap-appointment-fields",
        ApptAbsent => "aap-appointment-absent",
        Duplicate => "aap-duplicate",
        Type => "aap-response-type",
        Status => "aap-response-status",
        DealerPhone => "aap-dealer-phone",
        LeadId => "aap-lead-id-unique",
        Adf => "aap-adf-valid",
        AdfMapping => "aap-adf-mapping",
        Anonymous => "aap-anonymous",
    }
}

/// One call to an AAP skill.
pub struct AapObs<'a> {
    /// The suite.
    pub suite: AapSuite,
    /// Transport used.
    pub binding: Binding,
    /// Case id.
    pub case_id: &'a str,
    /// The request as sent (the DataPart `data`).
    pub request: &'a Value,
    /// The exchange.
    pub exchange: &'a Exchange,
}

/// Evaluations of one observation.
struct Out<'a> {
    suite: AapSuite,
    binding: Option<Binding>,
    case: &'a str,
    evals: Vec<Evaluation>,
}

impl<'a> Out<'a> {
    fn new(obs: &'a AapObs<'a>) -> Out<'a> {
        Out {
            suite: obs.suite,
            binding: Some(obs.binding),
            case: obs.case_id,
            evals: vec![],
        }
    }

    fn push(&mut self, role: Role, outcome: Outcome) {
        if let Some(clause) = self.suite.clause(role) {
            self.evals.push(Evaluation::new(
                clause,
                check_id(role),
                self.binding,
                self.case,
                outcome,
            ));
        }
    }

    fn verdict(&mut self, role: Role, failures: Vec<String>) {
        self.push(role, Outcome::failing_on(failures));
    }
}

/// The result object of an answer, if the reply carried one.
pub fn result_object(ex: &Exchange) -> Option<&Value> {
    match &ex.reply {
        Reply::Op { object, .. } => Some(object),
        _ => None,
    }
}

/// `data.status` of an answer.
pub fn lead_status(ex: &Exchange) -> Option<&str> {
    result_object(ex)?.pointer("/data/status")?.as_str()
}

/// `data.lead_id` of an answer (non-empty).
pub fn lead_id(ex: &Exchange) -> Option<&str> {
    result_object(ex)?
        .pointer("/data/lead_id")?
        .as_str()
        .filter(|s| !s.trim().is_empty())
}

/// One line describing an AAP answer for evidence (status, data.status, error code; never PII).
pub fn describe(ex: &Exchange, rules: &CodeRules) -> String {
    let code = rules
        .find(ex)
        .map(|f| format!(", error code {} (at {})", f.code, f.at))
        .unwrap_or_default();
    match &ex.reply {
        Reply::Op { object, .. } => match object.pointer("/data/status") {
            Some(Value::String(s)) => format!("HTTP {}, data.status {s:?}{code}", ex.status),
            Some(other) => format!("HTTP {}, data.status {other}{code}", ex.status),
            None => format!(
                "HTTP {}, result object without data.status{code}",
                ex.status
            ),
        },
        Reply::Protocol { code: c, .. } => format!("HTTP {}, protocol error {c}{code}", ex.status),
        Reply::Http { status } => format!("HTTP {status} without a protocol error body"),
        Reply::Unparseable { reason } => format!("HTTP {}, unparseable reply: {reason}", ex.status),
    }
}

/// Whether `s` is an RFC 3339 date-time (the JSON Schema `date-time` format).
pub fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Whether `s` is an E.164 number as the seeds write it: `^\+[1-9][0-9]{1,14}$`.
pub fn is_e164(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('+') else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(chars.next(), Some('1'..='9'))
        && (2..=15).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_digit())
}

/// The rules every answer is held to: the response type, data.status and lead_id, the
/// dealer phone, and (v0.2) the appointment's fields and its absence when none was requested.
/// Only answers that carry a result object are judged here.
pub fn judge_response(obs: &AapObs<'_>, rules: &CodeRules) -> Vec<Evaluation> {
    let mut out = Out::new(obs);
    let Some(object) = result_object(obs.exchange) else {
        return out.evals;
    };
    // Type.
    let want = obs.suite.response_type();
    let t = object.get("type");
    out.verdict(
        Role::Type,
        if t.and_then(Value::as_str) == Some(want) {
            vec![]
        } else {
            vec![format!(
                "type is {} (expected {want:?})",
                t.map(Value::to_string).unwrap_or("absent".into())
            )]
        },
    );
    // Status and lead_id.
    let mut f = vec![];
    let status = object.pointer("/data/status");
    match status.and_then(Value::as_str) {
        Some("received" | "duplicate" | "rejected") => {}
        Some(other) => f.push(format!(
            "data.status {other:?} is not received, duplicate or rejected"
        )),
        None => f.push(format!(
            "data.status is {}",
            status.map(Value::to_string).unwrap_or("absent".into())
        )),
    }
    if status.and_then(Value::as_str) != Some("rejected") && lead_id(obs.exchange).is_none() {
        f.push(format!(
            "no non-empty data.lead_id although data.status is {}",
            status.map(Value::to_string).unwrap_or("absent".into())
        ));
    }
    out.verdict(Role::Status, f);
    // Dealer phone, when given (optional); lead.submit's format only when the profile asks
    // for E.164 (seed 002 gives none), lead.general's always (seed 003).
    match object.pointer("/data/dealer/phone") {
        None | Some(Value::Null) => out.push(
            Role::DealerPhone,
            Outcome::NotApplicable("no data.dealer.phone in this answer (it is optional)".into()),
        ),
        Some(Value::String(p)) if is_e164(p) => out.verdict(Role::DealerPhone, vec![]),
        Some(Value::String(_))
            if obs.suite == AapSuite::V02 && !rules.submit_dealer_phone_e164 =>
        {
            out.push(
                Role::DealerPhone,
                Outcome::NotApplicable(
                    "seed 002 gives data.dealer.phone no format; `[aap] submit_dealer_phone_e164 = true` asserts E.164".into(),
                ),
            )
        }
        Some(Value::String(p)) => out.verdict(
            Role::DealerPhone,
            vec![format!("data.dealer.phone {p:?} is not E.164")],
        ),
        Some(other) => out.verdict(
            Role::DealerPhone,
            vec![format!("data.dealer.phone is {other} (expected a string)")],
        ),
    }
    if obs.suite == AapSuite::V02 {
        let appointment = object.pointer("/data/appointment").filter(|a| !a.is_null());
        // data.appointment.status, when present, is one of the four (seed 002 field table).
        if let Some(a) = appointment {
            let st = a.get("status");
            out.verdict(
                Role::Status,
                match st.and_then(Value::as_str) {
                    Some("requested" | "proposed" | "confirmed" | "rejected") => vec![],
                    _ => vec![format!(
                        "data.appointment.status is {} (expected requested, proposed, confirmed or rejected)",
                        st.map(Value::to_string).unwrap_or("absent".into())
                    )],
                },
            );
        }
        // Absent when none was requested.
        if obs.request.get("appointment").is_none() && object.get("data").is_some() {
            out.verdict(
                Role::ApptAbsent,
                match appointment {
                    None => vec![],
                    Some(a) => vec![format!(
                        "data.appointment present (status {}) although no appointment was requested",
                        a.get("status").map(Value::to_string).unwrap_or("absent".into())
                    )],
                },
            );
        }
        // Each status with its fields.
        if let Some(a) = appointment {
            match a.get("status").and_then(Value::as_str) {
                Some("confirmed") => {
                    let f = match a.get("confirmed_at") {
                        Some(Value::String(s)) if is_date_time(s) => vec![],
                        Some(Value::String(s)) => {
                            vec![format!("confirmed_at {s:?} is not an ISO-8601 date-time")]
                        }
                        None | Some(Value::Null) => {
                            vec!["appointment confirmed without confirmed_at".into()]
                        }
                        Some(other) => vec![format!("confirmed_at is {other}")],
                    };
                    out.verdict(Role::ApptConfirmed, f);
                }
                Some("proposed") => {
                    let f = match a.get("proposed_times") {
                        Some(Value::Array(list)) if list.is_empty() => {
                            vec!["appointment proposed with an empty proposed_times".into()]
                        }
                        Some(Value::Array(list)) => list
                            .iter()
                            .filter(|t| !t.as_str().is_some_and(is_date_time))
                            .map(|t| format!("proposed time {t} is not an ISO-8601 date-time"))
                            .collect(),
                        None | Some(Value::Null) => {
                            vec!["appointment proposed without proposed_times".into()]
                        }
                        Some(other) => vec![format!("proposed_times is {other} (expected a list)")],
                    };
                    out.verdict(Role::ApptProposed, f);
                }
                _ => {}
            }
        }
    }
    out.evals
}

/// A lead a conforming dealer receives (`role`: Accept, VehicleNoTestDrive or Anonymous). An
/// APPOINTMENT_TIME_UNAVAILABLE beside a received lead is a partial failure, not a refusal.
pub fn judge_received(obs: &AapObs<'_>, rules: &CodeRules, role: Role) -> Vec<Evaluation> {
    let mut out = Out::new(obs);
    let ex = obs.exchange;
    let outcome = match (&ex.reply, lead_status(ex)) {
        (Reply::Unparseable { reason }, _) => {
            Outcome::Error(format!("unparseable reply: {reason}"))
        }
        (Reply::Op { .. }, Some("received")) => match rules.find(ex) {
            Some(c) if c.code != APPOINTMENT_TIME_UNAVAILABLE => Outcome::Fail(format!(
                "the lead was received but the answer carries error code {}",
                c.code
            )),
            _ => Outcome::Pass,
        },
        _ => Outcome::Fail(format!(
            "{}: expected data.status \"received\"; got {}",
            match role {
                Role::VehicleNoTestDrive => "the vehicle was checked without a test drive",
                Role::Anonymous => "an anonymous inquiry was not received",
                _ => "a valid lead was not received",
            },
            describe(ex, rules)
        )),
    };
    let anonymous_without_message = role == Role::Anonymous
        && outcome == Outcome::Pass
        && result_object(ex)
            .and_then(|o| o.get("message"))
            .and_then(Value::as_str)
            .is_none_or(|m| m.trim().is_empty());
    if anonymous_without_message {
        out.push(
            role,
            Outcome::Fail("received, but without a message for the buyer".into()),
        );
    } else {
        out.push(role, outcome);
    }
    out.evals
}

/// A lead a conforming dealer rejects with `code` (VALIDATION_ERROR: any of the profile's
/// validation codes). In a result object the lead must also be marked `data.status:"rejected"`;
/// a code found in an A2A protocol error is accepted on its own.
pub fn judge_rejected(
    obs: &AapObs<'_>,
    rules: &CodeRules,
    role: Role,
    code: &str,
) -> Vec<Evaluation> {
    let mut out = Out::new(obs);
    let ex = obs.exchange;
    let found = rules.find(ex);
    let code_ok = |c: &str| rules.matches(code, c);
    // The vehicle codes: seed 002 names only the code, so the lead may be rejected or kept
    // received (with a lead_id) unless the profile chose.
    let keeps = matches!(role, Role::VehicleNotFound | Role::VehicleUnavailable)
        && rules.vehicle_failure_keeps_lead != Some(false);
    let must_keep = keeps && rules.vehicle_failure_keeps_lead == Some(true);
    let outcome = match (&found, &ex.reply) {
        (Some(f), Reply::Op { .. }) if code_ok(&f.code) => match lead_status(ex) {
            Some("rejected") if !must_keep => Outcome::Pass,
            Some("received") if keeps && lead_id(ex).is_some() => Outcome::Pass,
            Some("received") if keeps => Outcome::Fail(format!(
                "error code {} with the lead received but without a lead_id",
                f.code
            )),
            other => Outcome::Fail(format!(
                "error code {} but data.status is {} (expected {})",
                f.code,
                other.map(|s| format!("{s:?}")).unwrap_or("absent".into()),
                match (keeps, must_keep) {
                    (true, true) =>
                        "\"received\" with a lead_id: `[aap] vehicle_failure_keeps_lead = true`",
                    (true, false) => "\"rejected\", or \"received\" with a lead_id",
                    _ => "\"rejected\"",
                }
            )),
        },
        (Some(f), _) if code_ok(&f.code) => Outcome::Pass,
        (_, Reply::Unparseable { reason }) => {
            Outcome::Error(format!("unparseable reply: {reason}"))
        }
        _ => Outcome::Fail(format!("expected {code}; got {}", describe(ex, rules))),
    };
    out.push(role, outcome);
    out.evals
}

/// A lead with an appointment at a fixture time. Unavailable: APPOINTMENT_TIME_UNAVAILABLE, the
/// lead still received with a lead_id, `data.appointment.status:"rejected"`. Confirmable and
/// proposable: the lead is received (ACCEPT); an answer other than `confirmed` / `proposed`
/// leaves that clause untested by this case (the status's fields are judged by
/// [`judge_response`] whenever it occurs).
pub fn judge_appointment(
    obs: &AapObs<'_>,
    rules: &CodeRules,
    fixture: TimeFixture,
) -> Vec<Evaluation> {
    let ex = obs.exchange;
    if fixture != TimeFixture::Unavailable {
        let mut evals = judge_received(obs, rules, Role::Accept);
        let (role, want) = match fixture {
            TimeFixture::Confirmable => (Role::ApptConfirmed, "confirmed"),
            _ => (Role::ApptProposed, "proposed"),
        };
        let got = result_object(ex)
            .and_then(|o| o.pointer("/data/appointment/status"))
            .and_then(Value::as_str);
        if got != Some(want) {
            let mut out = Out::new(obs);
            out.push(
                role,
                Outcome::NotApplicable(format!(
                    "the {} fixture time was answered with appointment status {} (not {want}); the dealer chooses which statuses it uses",
                    if fixture == TimeFixture::Confirmable {
                        "confirmable"
                    } else {
                        "proposable"
                    },
                    got.map(|s| format!("{s:?}")).unwrap_or("absent".into())
                )),
            );
            evals.extend(out.evals);
        }
        return evals;
    }
    let mut out = Out::new(obs);
    if let Reply::Unparseable { reason } = &ex.reply {
        out.push(
            Role::ApptUnavailable,
            Outcome::Error(format!("unparseable reply: {reason}")),
        );
        return out.evals;
    }
    let mut f = vec![];
    match rules.find(ex) {
        Some(c) if c.code == APPOINTMENT_TIME_UNAVAILABLE => {}
        _ => f.push(format!(
            "expected APPOINTMENT_TIME_UNAVAILABLE; got {}",
            describe(ex, rules)
        )),
    }
    let appt = result_object(ex).and_then(|o| o.pointer("/data/appointment/status"));
    match lead_status(ex) {
        Some("received") if rules.appointment_failure_keeps_lead != Some(false) => {
            if lead_id(ex).is_none() {
                f.push("the lead is received but has no lead_id".into());
            }
            if appt.and_then(Value::as_str) != Some("rejected") {
                f.push(format!(
                    "data.appointment.status is {} (expected \"rejected\")",
                    appt.map(Value::to_string).unwrap_or("absent".into())
                ));
            }
        }
        // Seed 002: the lead only "may" still be received; the profile can require either.
        Some("rejected") if rules.appointment_failure_keeps_lead != Some(true) => {
            if let Some(a) = appt.filter(|a| a.as_str() != Some("rejected")) {
                f.push(format!(
                    "the lead is rejected but data.appointment.status is {a} (expected \"rejected\" or absent)"
                ));
            }
        }
        other => f.push(format!(
            "data.status is {} (expected {})",
            other.map(|s| format!("{s:?}")).unwrap_or("absent".into()),
            match rules.appointment_failure_keeps_lead {
                Some(true) => "\"received\": `[aap] appointment_failure_keeps_lead = true`",
                Some(false) => "\"rejected\": `[aap] appointment_failure_keeps_lead = false`",
                None => "\"received\" or \"rejected\"",
            }
        )),
    }
    out.verdict(Role::ApptUnavailable, f);
    out.evals
}

/// lead.general's `data.lead_id` is a "Stable identifier the dealer assigned to this lead"
/// (seed 003): a `duplicate` answer names the lead it duplicates, so its lead_id is the first
/// submission's. None when the clause does not apply (v0.2, or no duplicate).
pub fn judge_duplicate_id(
    suite: AapSuite,
    binding: Binding,
    case: &str,
    first: &Exchange,
    second: &Exchange,
) -> Option<Evaluation> {
    if suite != AapSuite::Draft || lead_status(second) != Some("duplicate") {
        return None;
    }
    let (a, b) = (lead_id(first)?, lead_id(second)?);
    // The lead-id clause is judged across every binding (a target-wide column).
    Some(Evaluation::new(
        suite.clause(Role::LeadId)?,
        check_id(Role::LeadId),
        None,
        &format!("{case} ({binding})"),
        if a == b {
            Outcome::Pass
        } else {
            Outcome::Fail(
                "the duplicate answer carries another lead_id than the lead it duplicates (seed 003: a stable identifier)".into(),
            )
        },
    ))
}

/// A valid lead submitted twice in a row: the second answer SHOULD be `duplicate`.
pub fn judge_duplicate(
    suite: AapSuite,
    binding: Binding,
    case: &str,
    first: &Exchange,
    second: &Exchange,
    rules: &CodeRules,
) -> Evaluation {
    let clause = suite.clause(Role::Duplicate).unwrap_or_default();
    let outcome = if lead_status(first) != Some("received") {
        Outcome::NotTested(format!(
            "the first submission was not received ({})",
            describe(first, rules)
        ))
    } else if let Reply::Unparseable { reason } = &second.reply {
        Outcome::Error(format!("unparseable reply: {reason}"))
    } else if lead_status(second) == Some("duplicate") {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "the same lead submitted again was answered {}",
            describe(second, rules)
        ))
    };
    Evaluation::new(
        clause,
        check_id(Role::Duplicate),
        Some(binding),
        case,
        outcome,
    )
}

/// A received lead: where, which case, which lead_id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedLead {
    /// Binding it was sent over.
    pub binding: Binding,
    /// Case id.
    pub case: String,
    /// The dealer's lead_id.
    pub lead_id: String,
}

/// Lead ids are unique across every received lead of the suite, every binding included
/// (a target-wide evaluation).
pub fn judge_lead_ids(suite: AapSuite, leads: &[ReceivedLead]) -> Evaluation {
    let clause = suite.clause(Role::LeadId).unwrap_or_default();
    let mut by_id: BTreeMap<&str, Vec<&ReceivedLead>> = BTreeMap::new();
    for l in leads {
        by_id.entry(l.lead_id.as_str()).or_default().push(l);
    }
    let repeated: Vec<String> = by_id
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .take(5)
        .map(|(id, v)| {
            format!(
                "lead_id {id:?} given to {} received leads ({})",
                v.len(),
                v.iter()
                    .take(4)
                    .map(|l| format!("{}/{}", l.binding, l.case))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let outcome = if leads.len() < 2 {
        Outcome::NotTested("fewer than two received leads to compare".into())
    } else {
        Outcome::failing_on(repeated)
    };
    Evaluation::new(
        clause,
        check_id(Role::LeadId),
        None,
        "all-received-leads",
        outcome,
    )
}

#[cfg(test)]
mod tests;
