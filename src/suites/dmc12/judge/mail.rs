//! The mail to the dealer desk: recipients, the masked address, the customer's details in the body.

use super::*;
use crate::check::Outcome;
use crate::observe::leak::{LeakScanner, mask_value};
use crate::spec::mask_email;
use std::collections::BTreeSet;

pub(crate) fn mask_if_plain(s: &str) -> String {
    if s.contains("****") {
        s.to_string()
    } else {
        mask_value(s)
    }
}

/// Substrings that look like masked addresses (`xx****@domain`).
pub(crate) fn masked_tokens(s: &str) -> Vec<String> {
    let re =
        regex::Regex::new(r#"[^\s,;:()<>"'\[\]]*\*{2,}@[A-Za-z0-9.\-*…]+"#).expect("static regex");
    re.find_iter(s)
        .map(|m| m.as_str().trim_end_matches('.').to_string())
        .collect()
}

pub(crate) fn contact_canaries(obs: &CaseObs<'_>) -> Vec<(&'static str, String)> {
    let mut v = vec![];
    for (f, p) in [
        ("customer_contact.name", "/customer_contact/name"),
        ("customer_contact.phone", "/customer_contact/phone"),
        ("customer_contact.email", "/customer_contact/email"),
    ] {
        if let Some(s) = str_at(obs.request, p) {
            v.push((f, s.to_string()));
        }
    }
    v
}

pub(crate) fn found_fields(scanner: &LeakScanner, surface: &str, hay: &[u8]) -> BTreeSet<String> {
    scanner
        .scan(surface, hay)
        .into_iter()
        .map(|f| f.field)
        .collect()
}

pub(crate) fn judge_email(out: &mut Out<'_>, desk: &[String]) {
    let obs = out.obs;
    if obs.mails.is_empty() {
        out.push(
            "DMC12-EMAIL-SEND-001",
            "email-sent",
            Outcome::Fail("the call succeeded but no mail reached the SMTP sink".into()),
        );
        return;
    }
    if !desk.is_empty() {
        let want: BTreeSet<String> = desk.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
        let got: BTreeSet<String> = obs
            .mails
            .iter()
            .flat_map(|m| m.rcpt_to.iter().map(|r| r.trim().to_ascii_lowercase()))
            .collect();
        if want != got {
            out.push(
                "DMC12-EMAIL-SEND-001",
                "email-sent",
                Outcome::Fail(format!(
                    "the mail went to {:?}, not to the dealer desk {:?}",
                    got.iter().map(|a| mask_email(a)).collect::<Vec<_>>(),
                    want.iter().map(|a| mask_email(a)).collect::<Vec<_>>()
                )),
            );
            return;
        }
    } else {
        // Without the desk's addresses, the mail must at least not go to the customer.
        let customer = str_at(obs.request, "/customer_contact/email")
            .map(|e| e.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let to_customer = obs.mails.iter().any(|m| {
            m.rcpt_to
                .iter()
                .any(|r| !customer.is_empty() && r.trim().eq_ignore_ascii_case(&customer))
        });
        if to_customer {
            out.push(
                "DMC12-EMAIL-SEND-001",
                "email-sent",
                Outcome::Fail(format!(
                    "the deal-intent mail went to the customer's own address ({}), not to the dealer desk",
                    mask_email(&customer)
                )),
            );
            return;
        }
        out.push(
            "DMC12-EMAIL-SEND-001",
            "email-sent",
            Outcome::NotTested(
                "the profile names no [observe] desk, so \"exactly the dealer desk\" is not checked (only that the mail did not go to the customer)".into(),
            ),
        );
    }
    let mut found = BTreeSet::new();
    for m in obs.mails {
        found.extend(found_fields(obs.scanner, "mail", &m.raw));
        found.extend(found_fields(obs.scanner, "mail", m.text.as_bytes()));
    }
    let scannable: BTreeSet<String> = obs
        .scanner
        .canaries()
        .iter()
        .map(|c| c.field.clone())
        .collect();
    let missing: Vec<&str> = contact_canaries(obs)
        .into_iter()
        .filter(|(f, _)| scannable.contains(*f) && !found.contains(*f))
        .map(|(f, _)| f)
        .collect();
    let checked = contact_canaries(obs)
        .iter()
        .filter(|(f, _)| scannable.contains(*f))
        .count();
    out.push(
        "DMC12-EMAIL-SEND-001",
        "email-sent",
        if checked == 0 {
            Outcome::NotTested(
                "no contact value of this call is long enough to be found in the mail".into(),
            )
        } else if missing.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("the dealer-desk mail lacks {}", missing.join(", ")))
        },
    );
    let optional: Vec<&str> = ["notes", "trade_in.description", "consent.consent_text"]
        .into_iter()
        .filter(|f| scannable.contains(*f))
        .collect();
    if !optional.is_empty() {
        let missing: Vec<&str> = optional
            .iter()
            .copied()
            .filter(|f| !found.contains(*f))
            .collect();
        out.verdict(
            "DMC12-EMAIL-PACKAGE-001",
            "email-package",
            if missing.is_empty() {
                vec![]
            } else {
                vec![format!("the dealer-desk mail lacks {}", missing.join(", "))]
            },
        );
    }
}

pub(crate) fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a phone written in a lead (any punctuation, international or national form) is the
/// customer's E.164 number: the same digits, or the national number with the country code
/// (1–3 digits) dropped, with or without a trunk `0`. The seeds ask for the plaintext in the
/// lead, not for a format.
pub(crate) fn same_phone(written: &str, e164: &str) -> bool {
    let (w, full) = (digits(written), digits(e164));
    let national = w.strip_prefix('0').unwrap_or(&w);
    w == full
        || [w.as_str(), national].iter().any(|n| {
            n.len() >= 6 && full.len() > n.len() && full.len() - n.len() <= 3 && full.ends_with(n)
        })
}
