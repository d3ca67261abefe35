//! The lead forwarded to the CRM: the contract's request shape and the ADF document a received lead maps to (and no forward for a rejected one).

use super::*;
use crate::check::{Evaluation, Outcome};
use crate::observe::adf::{self, AdfLead};
use crate::observe::crm::CrmRequest;
use crate::suites::aap::{AapSuite, Role};
use crate::transport::Binding;
use serde_json::Value;

/// How the harness sees the CRM during the AAP suites.
#[derive(Debug, Clone, Copy)]
pub struct CrmExpect<'a> {
    /// Expected store id in the path.
    pub store_id: &'a str,
    /// Expected bearer token (never printed; empty: any Bearer credential).
    pub token: &'a str,
    /// Whether the profile expects received leads to be forwarded (`[aap] forwards_leads`);
    /// no seed requires it, so by default a lead that is not forwarded is NOT_APPLICABLE.
    pub forwarding_required: bool,
}

/// One CRM request with its parsed ADF.
pub struct AdfDoc<'a> {
    /// The request.
    pub request: &'a CrmRequest,
    /// Its validation and extraction.
    pub report: adf::AdfReport,
}

impl AdfDoc<'_> {
    /// Parse a CRM request's body.
    pub fn parse(request: &CrmRequest) -> AdfDoc<'_> {
        AdfDoc {
            request,
            report: adf::validate(&request.body),
        }
    }

    /// Whether this document is the lead of a request with this email or phone (unique per
    /// case), or — only when the request has neither — with this lead_id (a dealer that reuses
    /// lead ids must not make one lead's documents look like another's).
    pub fn belongs_to(
        &self,
        lead_id: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> bool {
        let lead_id = lead_id.filter(|_| email.is_none() && phone.is_none());
        let Some(lead) = &self.report.lead else {
            // Not parseable: fall back to the raw body.
            let body = &self.request.body;
            return lead_id.is_some_and(|id| body.contains(id))
                || email.is_some_and(|e| body.to_lowercase().contains(&e.to_lowercase()));
        };
        lead_id.is_some_and(|id| lead.ids.iter().any(|x| x.trim() == id))
            || email.is_some_and(|e| lead.emails.iter().any(|x| x.trim().eq_ignore_ascii_case(e)))
            || phone.is_some_and(|p| {
                let d = digits(p);
                d.len() >= 7 && lead.phones.iter().any(|x| digits(x) == d)
            })
    }
}

/// The CRM documents of a run indexed by the keys [`AdfDoc::belongs_to`] matches on (email,
/// phone digits, lead id), so that finding one case's documents asks a few map entries, not
/// every document: judging every case against every document made the AAP suites quadratic
/// in their cases (issue 15). Documents whose ADF did not parse are matched on their raw body
/// and are always candidates.
pub struct DocIndex<'a> {
    docs: &'a [AdfDoc<'a>],
    by_key: std::collections::HashMap<String, Vec<usize>>,
    unparsed: Vec<usize>,
}

impl<'a> DocIndex<'a> {
    /// Index `docs`.
    pub fn new(docs: &'a [AdfDoc<'a>]) -> DocIndex<'a> {
        let mut by_key: std::collections::HashMap<String, Vec<usize>> = Default::default();
        let mut unparsed = vec![];
        for (i, d) in docs.iter().enumerate() {
            let Some(lead) = &d.report.lead else {
                unparsed.push(i);
                continue;
            };
            for k in lead_keys(lead) {
                let v = by_key.entry(k).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        DocIndex {
            docs,
            by_key,
            unparsed,
        }
    }

    /// The documents [`AdfDoc::belongs_to`] accepts for these keys, in arrival order.
    pub fn belonging(
        &self,
        lead_id: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Vec<&'a AdfDoc<'a>> {
        let mut candidates = self.unparsed.clone();
        for k in case_keys(lead_id, email, phone) {
            candidates.extend(self.by_key.get(&k).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|i| &self.docs[i])
            .filter(|d| d.belongs_to(lead_id, email, phone))
            .collect()
    }
}

/// The keys a parsed lead is indexed under: its emails, phone digits and lead ids.
fn lead_keys(lead: &AdfLead) -> impl Iterator<Item = String> + '_ {
    lead.emails
        .iter()
        .map(|e| format!("e:{}", e.trim().to_lowercase()))
        .chain(lead.phones.iter().map(|p| format!("p:{}", digits(p))))
        .chain(lead.ids.iter().map(|x| format!("i:{}", x.trim())))
}

/// The keys [`DocIndex::belonging`] looks up for a case.
pub fn case_keys(
    lead_id: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> impl Iterator<Item = String> {
    [
        email.map(|e| format!("e:{}", e.to_lowercase())),
        phone.map(|p| format!("p:{}", digits(p))),
        lead_id.map(|x| format!("i:{x}")),
    ]
    .into_iter()
    .flatten()
}

/// The CRM requests some case could claim, with their parsed ADF: every request the mock
/// logged is read back and parsed one at a time, and kept only when its lead is filed under one
/// of `wanted` ([`case_keys`]) or did not parse (then it is matched on its raw body, and is a
/// candidate for every case). The mock also logs every other suite's requests (thousands, in a
/// long run): they are dropped as they are read instead of held.
pub fn claimable(
    mock: &crate::observe::crm::CrmMock,
    wanted: &std::collections::HashSet<String>,
) -> (Vec<CrmRequest>, Vec<adf::AdfReport>) {
    let (mut requests, mut reports) = (vec![], vec![]);
    mock.each_request(|r| {
        let report = adf::validate(&r.body);
        let keep = match &report.lead {
            None => true,
            Some(lead) => lead_keys(lead).any(|k| wanted.contains(&k)),
        };
        if keep {
            requests.push(r);
            reports.push(report);
        }
    });
    (requests, reports)
}

pub(crate) fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

pub(crate) fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn header<'h>(h: &'h [(String, String)], name: &str) -> Option<&'h str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Judge the ADF documents forwarded for one received lead (already correlated by the runner):
/// exactly one, POSTed as the BINDINGS.md §4 contract says, valid against the DTD (ADF-001),
/// and for v0.2 mapped from the request (ADF-002); for the draft the contact carries the
/// customer (ADF-001).
pub fn judge_adf_received(
    suite: AapSuite,
    binding: Binding,
    case: &str,
    request: &Value,
    docs: &[&AdfDoc<'_>],
    crm: CrmExpect<'_>,
) -> Vec<Evaluation> {
    let mut out = Out {
        suite,
        binding: Some(binding),
        case,
        evals: vec![],
    };
    if docs.is_empty() {
        if crm.forwarding_required {
            out.verdict(
                Role::Adf,
                vec!["the lead was received but no ADF document for it reached the CRM (the profile's `[aap] forwards_leads = true` expects one)".into()],
            );
        } else {
            let why = "the lead was received and not forwarded to the CRM: no seed requires forwarding (\"ADF compatible: yes\" describes the format); `[aap] forwards_leads = true` asserts it";
            out.push(Role::Adf, Outcome::NotApplicable(why.into()));
            out.push(Role::AdfMapping, Outcome::NotApplicable(why.into()));
        }
        return out.evals;
    }
    let mut f = vec![];
    if docs.len() > 1 {
        f.push(format!(
            "{} ADF documents for one lead (expected 1)",
            docs.len()
        ));
    }
    let want_path = format!("/api/stores/{}/leads/adf", crm.store_id);
    for d in docs {
        let r = d.request;
        if r.method != "POST" || r.path != want_path {
            f.push(format!(
                "{} {} (expected POST {want_path})",
                r.method, r.path
            ));
        }
        let ct = header(&r.headers, "content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !ct.starts_with("application/xml") {
            f.push(format!("Content-Type {ct:?} (expected application/xml)"));
        }
        match r.bearer() {
            None => f.push("Authorization is not a Bearer credential".into()),
            // An unknown token (already running target): any Bearer credential.
            Some(_) if crm.token.is_empty() => {}
            Some(t) if t != crm.token => {
                f.push("Authorization does not carry the configured CRM bearer token".into())
            }
            Some(_) => {}
        }
        if let Some(e) = &d.report.not_well_formed {
            f.push(format!("ADF not well-formed: {e}"));
        }
        for v in d.report.violations.iter().take(3) {
            f.push(format!("ADF {}: {}", v.path, v.rule));
        }
    }
    let doc = docs[0];
    let customer = request.get("customer");
    let s = |p: &str| customer.and_then(|c| c.get(p)).and_then(Value::as_str);
    match (suite, &doc.report.lead) {
        (AapSuite::Draft, Some(lead)) => {
            f.extend(contact_failures(
                lead,
                s("first_name"),
                s("last_name"),
                s("email"),
                s("phone"),
            ));
            out.verdict(Role::Adf, f);
        }
        (AapSuite::Draft, None) => out.verdict(Role::Adf, f),
        (AapSuite::V02, lead) => {
            out.verdict(Role::Adf, f);
            if let Some(lead) = lead {
                let m = mapping_failures(request, lead);
                out.verdict(Role::AdfMapping, m);
            }
        }
    }
    out.evals
}

pub(crate) fn contact_failures(
    lead: &AdfLead,
    first: Option<&str>,
    last: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Vec<String> {
    let mut f = vec![];
    let names = norm(&lead.names.join(" "));
    for (what, n) in [("first", first), ("last", last)] {
        if let Some(n) = n
            && !names.contains(&norm(n))
        {
            f.push(format!(
                "the ADF contact name does not carry the {what} name"
            ));
        }
    }
    let has_email =
        email.is_some_and(|e| lead.emails.iter().any(|x| x.trim().eq_ignore_ascii_case(e)));
    let has_phone = phone.is_some_and(|p| lead.phones.iter().any(|x| digits(x) == digits(p)));
    if email.is_some() && !has_email {
        f.push("the ADF contact has no email equal to the customer's".into());
    }
    if phone.is_some() && !has_phone {
        f.push("the ADF contact has no phone equal to the customer's".into());
    }
    f
}

/// What a forwarded v0.2 lead must carry: the customer's name, email and phone, and the
/// vehicles of the request. Seed 002 gives no field-by-field mapping (its "ADF mapping" page is
/// not in the seeds), so where the names, the message, the appointment and the interest words
/// go is the dealer's choice and is not judged.
pub(crate) fn mapping_failures(request: &Value, lead: &AdfLead) -> Vec<String> {
    let s = |p: &str| request.pointer(p).and_then(Value::as_str);
    let mut f = contact_failures(
        lead,
        s("/customer/first_name"),
        s("/customer/last_name"),
        s("/customer/email"),
        s("/customer/phone"),
    );
    let ymm = |v: &Value| match (
        v.get("year"),
        v.get("make").and_then(Value::as_str),
        v.get("model").and_then(Value::as_str),
    ) {
        (Some(y), Some(mk), Some(md)) => Some((y.to_string(), mk.to_string(), md.to_string())),
        _ => None,
    };
    let carries = |(y, mk, md): &(String, String, String)| {
        lead.vehicles.iter().any(|v| {
            v.year.trim() == y && v.make.trim() == mk.trim() && v.model.trim() == md.trim()
        })
    };
    // Vehicle of interest (when the request names its year, make and model).
    if let Some(want) = request
        .get("vehicle_of_interest")
        .filter(|v| v.is_object())
        .and_then(ymm)
        && !carries(&want)
    {
        f.push("no ADF vehicle with the vehicle of interest's year, make and model".into());
    }
    // Trade-in.
    if let Some(want) = request
        .get("trade_in")
        .filter(|v| v.is_object())
        .and_then(ymm)
        && !carries(&want)
    {
        f.push("no ADF vehicle with the trade-in's year, make and model".into());
    }
    f
}

/// A rejected lead must not be forwarded: `docs` are the CRM documents correlated with it.
pub fn judge_adf_rejected(
    suite: AapSuite,
    binding: Binding,
    case: &str,
    docs: usize,
) -> Evaluation {
    Evaluation::new(
        suite.clause(Role::Adf).unwrap_or_default(),
        check_id(Role::Adf),
        Some(binding),
        case,
        if docs == 0 {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "a rejected lead was forwarded to the CRM ({docs} ADF document(s))"
            ))
        },
    )
    .negative_half()
}
