//! The protocol as data: error codes, the PII field list, the masking rule ([`mask_email`]),
//! and (in [`catalogue`]) the clause catalogue and JSON Schemas shipped under `suites/`.
//!
//! Everything here is taken from `shared/seeds/` and `shared/BINDINGS.md`; both the reference
//! server and the checks use these definitions, and the defects of the reference prove that
//! the checks do not merely agree with the reference.

pub mod catalogue;
pub mod model;

use sha2::{Digest, Sha256};

/// Operation error codes named by the seeds and BINDINGS.md.
pub mod codes {
    /// A request field outside its bounds, a wrong type, a forbidden extra field (BINDINGS §2).
    pub const VALIDATION_ERROR: &str = "VALIDATION_ERROR";
    /// `consent.expires_at` in the past (seed 000/001).
    pub const CONSENT_INVALID: &str = "CONSENT_INVALID";
    /// The reservation token was never issued.
    pub const RESERVATION_NOT_FOUND: &str = "RESERVATION_NOT_FOUND";
    /// The reservation exists but is not active (released).
    pub const RESERVATION_STATE: &str = "RESERVATION_STATE";
    /// The reservation's hold has expired.
    pub const RESERVATION_EXPIRED: &str = "RESERVATION_EXPIRED";
    /// The reservation is owned by another agent.
    pub const NOT_AUTHORIZED: &str = "NOT_AUTHORIZED";
    /// The dealer-desk email could not be sent (reason `email_send_failed`).
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
    /// Reason attached to UPSTREAM_UNAVAILABLE when SMTP fails.
    pub const REASON_EMAIL_SEND_FAILED: &str = "email_send_failed";
    /// A vehicle that cannot be reserved (unknown VIN or already held) — fixture tools only.
    pub const VEHICLE_NOT_FOUND: &str = "VEHICLE_NOT_FOUND";
    /// A vehicle that is held or sold — fixture tools only.
    pub const VEHICLE_UNAVAILABLE: &str = "VEHICLE_UNAVAILABLE";
}

/// The DMC-12 tool names.
pub mod tools {
    /// Fixture: list the dealer's vehicles.
    pub const SEARCH_INVENTORY: &str = "search_inventory";
    /// Fixture: put a soft hold on a vehicle.
    pub const CREATE_RESERVATION: &str = "create_reservation";
    /// Fixture: release a hold.
    pub const RELEASE_RESERVATION: &str = "release_reservation";
    /// The tool under test.
    pub const INITIATE_DEAL_HANDOFF: &str = "initiate_deal_handoff";
    /// The OAuth-style scope `initiate_deal_handoff` requires.
    pub const SCOPE_DEAL_HANDOFF: &str = "deal:handoff";

    /// The VINs a `search_inventory` result lists (`vehicles[].vin`), in its order.
    pub fn vins(data: &serde_json::Value) -> Vec<String> {
        data.get("vehicles")
            .and_then(serde_json::Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.get("vin").and_then(serde_json::Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// JSON paths (dotted) of the 🔒 fields of `initiate_deal_handoff` (BINDINGS §5).
pub const PII_FIELDS: &[&str] = &[
    "customer_contact.name",
    "customer_contact.phone",
    "customer_contact.email",
    "notes",
    "trade_in.description",
    "consent.consent_text",
];

/// Mask an email address the way the seed's receipt does: at most the first two characters
/// of the local part, then `****`, then `@domain` (`jane@example.com` → `ja****@example.com`).
/// A string without `@` is masked to its first two characters plus `****`.
pub fn mask_email(addr: &str) -> String {
    let addr = addr.trim();
    match addr.rsplit_once('@') {
        Some((local, domain)) => {
            let keep: String = local.chars().take(2).collect();
            format!("{keep}****@{domain}")
        }
        None => {
            let keep: String = addr.chars().take(2).collect();
            format!("{keep}****")
        }
    }
}

/// Whether `masked` is an acceptable masked form of `addr` (BINDINGS.md §5): *at most* the
/// first two characters of the local part, then one or more `*`, then `@` and the domain
/// either kept (compared case-insensitively) or masked: each run of `*` stands for one or more
/// characters (`e***.com`, `***`), and a domain written `…` is hidden whole. The seed's
/// `be****@markmillersubaru.com` is one example; `j***@…`, `***@example.com` and
/// `j***@e***.com` mask as well.
pub fn is_masked_form(masked: &str, addr: &str) -> bool {
    let (Some((local, domain)), Some((m_local, m_domain))) =
        (addr.trim().rsplit_once('@'), masked.trim().rsplit_once('@'))
    else {
        return false;
    };
    let prefix = m_local.trim_end_matches('*');
    if prefix.len() == m_local.len() || prefix.chars().count() > 2 {
        return false;
    }
    let lower = |s: &str| s.to_lowercase();
    lower(local).starts_with(&lower(prefix)) && masked_domain_matches(m_domain, domain)
}

/// Whether a (possibly masked) domain stands for `domain`.
fn masked_domain_matches(masked: &str, domain: &str) -> bool {
    let (masked, domain) = (masked.to_lowercase(), domain.to_lowercase());
    if masked == domain || matches!(masked.as_str(), "…" | "...") {
        return true;
    }
    if !masked.contains('*') {
        return false;
    }
    // Each run of `*` matches one or more characters; the rest must match as written. (A
    // glob, matched leftmost piece by piece: compiling a regular expression for it cost a
    // DFA build per receipt judged.)
    let pieces: Vec<&str> = masked.split('*').collect();
    let (first, rest) = pieces.split_first().map_or(("", &[][..]), |(f, r)| (*f, r));
    let (last, middle) = rest.split_last().map_or(("", &[][..]), |(l, m)| (*l, m));
    let Some(mut text) = domain.strip_prefix(first) else {
        return false;
    };
    for piece in middle.iter().filter(|p| !p.is_empty()) {
        // At least one character for the stars before the piece.
        let Some(skip) = text.chars().next().map(char::len_utf8) else {
            return false;
        };
        match text[skip..].find(piece) {
            Some(at) => text = &text[skip + at + piece.len()..],
            None => return false,
        }
    }
    text.chars().next().is_some_and(|c| {
        text.len() >= c.len_utf8() + last.len() && text[c.len_utf8()..].ends_with(last)
    })
}

/// The masked, comma-separated form of a recipient list, in the given order.
pub fn mask_list<S: AsRef<str>>(addrs: &[S]) -> String {
    addrs
        .iter()
        .map(|a| mask_email(a.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lower-case hex SHA-256 digest of a string's UTF-8 bytes.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_seed() {
        assert_eq!(mask_email("jane@example.com"), "ja****@example.com");
        assert_eq!(mask_email("b@x.io"), "b****@x.io");
        assert_eq!(
            mask_list(&["ben@markmillersubaru.com", "chris@markmillersubaru.com"]),
            "be****@markmillersubaru.com, ch****@markmillersubaru.com"
        );
    }

    proptest::proptest! {
        /// The glob reads a masked domain as the regular expression it stands for: each run of
        /// stars one or more characters, the rest as written.
        #[test]
        fn a_masked_domain_matches_as_its_regular_expression(
            masked in "[ab.*é]{0,8}",
            domain in "[ab.é]{0,8}",
        ) {
            let mut pattern = String::from("^");
            for (i, piece) in masked.split('*').enumerate() {
                if i > 0 && !pattern.ends_with(".+") {
                    pattern.push_str(".+");
                }
                pattern.push_str(&regex::escape(piece));
            }
            pattern.push('$');
            let oracle = masked == domain
                || matches!(masked.as_str(), "…" | "...")
                || (masked.contains('*')
                    && regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(&domain)));
            proptest::prop_assert_eq!(masked_domain_matches(&masked, &domain), oracle);
        }
    }

    #[test]
    fn masked_form_keeps_at_most_two_characters() {
        let a = "jane@Example.com";
        for ok in [
            "ja****@Example.com",
            "j****@example.com",
            "****@EXAMPLE.com",
            // BINDINGS.md §5: any number of stars, the domain kept or masked.
            "ja***@example.com",
            "j*@example.com",
            "j***@…",
            "***@example.com",
            "j***@e***.com",
            "j***@e*****e.c*m",
        ] {
            assert!(is_masked_form(ok, a), "{ok}");
        }
        for bad in [
            "jan****@example.com",
            "jx****@example.com",
            "ja****@example.org",
            "j***@x***.com",
            "j***@e***.org",
            "jane@example.com",
            "ja@example.com",
            "ja****",
        ] {
            assert!(!is_masked_form(bad, a), "{bad}");
        }
    }

    #[test]
    fn hashes_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
