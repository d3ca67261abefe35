//! [`LeakScanner`]: finds plaintext canary PII on any surface (raw, case-folded, JSON-escaped,
//! URL-encoded, base64, quoted-printable, digits-only phone), reporting only masked snippets.
//!
//! Every needle is built once in [`LeakScanner::new`]: the canary itself, the strings common
//! JSON and URL encoders make of it, the stable inner part of its base64 encoding at each of the
//! three byte alignments, its quoted-printable encoding, its lowercase form and, for a
//! phone-shaped value with at least seven digits, the digit strings its number is written with.
//! A scan makes one pass of a `Searcher` (needles looked up by their leading bytes) over the
//! surface for the encoded forms, one over a lowercased copy, one over a copy without
//! quoted-printable soft line breaks, and one pass for phone numbers; the matches are mapped
//! back to byte offsets of the surface. [`LeakScanner::scan_pieces`] scans a surface too large
//! to hold (a log, a store file) piece by piece. [`LeakScanner::scan_hashes`] finds the SHA-256
//! digests of the canaries (hex, any case, or raw bytes) instead.
//!
//! # Digits-only phone numbers
//!
//! A phone number counts only where its digits stand as a phone number is written: one run of
//! digits, or digit groups split by at most three of the separators people write in phone
//! numbers (space, tab, `.`, `-`, parentheses), after an optional `+`. The pass does not search
//! for each canary: it walks the surface once, cuts it into digit groups and runs of groups,
//! and drops the groups that cannot belong to a phone number:
//!
//! - a group is matched whole, never as a piece of a longer digit run;
//! - a group glued to an ASCII letter or `_` (directly or across `-`/`.`) is part of an identifier
//!   (`lead_20261205_00842`, `trc_5f3a…`, a UUID, hex, `20261205T115803Z`, `12ms`), and so are
//!   the groups chained to it without whitespace;
//! - a group beside a `:` between digits is part of a time (`11:58:03.123`, `+05:30`);
//! - chains shaped like dates (`2026-12-05`, `05.12.2026`, `20261205 115803`), dotted times
//!   after a date, IPv4 addresses, all-digit UUIDs and decimal numbers are left out.
//!
//! In each remaining sequence of groups, the digits of every sequence of whole groups with as
//! many digits as some canary's form are looked up in hash maps built once from the canaries'
//! digit forms. A scan therefore costs time linear in the surface (at most a few lookups per
//! digit group, bounded by the longest form) whatever the number of canaries, where a regular
//! expression with one alternative per canary grew with the canaries and overflowed the lazy
//! DFA's cache on runs with a thousand or more of them.

use std::collections::HashMap;

use base64::Engine as _;

mod digests;
mod digits;
mod filter;
mod needles;
mod pieces;
mod searching;
mod stack;
mod views;
pub use digests::DigestScanner;
use digits::*;
use needles::*;
pub use pieces::ReadAt;
use searching::*;
pub use stack::ScannerStack;
use views::*;

/// A plaintext value that must not appear on a surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    /// The 🔒 field it was sent in (dotted path, e.g. `customer_contact.email`).
    pub field: String,
    /// The plaintext value.
    pub value: String,
}

/// One place a canary was found. Never contains the plaintext: `snippet` is masked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeakFinding {
    /// The canary's field.
    pub field: String,
    /// Encoding it was found in: raw, case-folded, json-escaped, url-encoded, base64,
    /// quoted-printable, digits-only.
    pub form: String,
    /// Surface name given to [`LeakScanner::scan`] (e.g. `response body`, `log`, `db file`).
    pub surface: String,
    /// Byte offset in the surface.
    pub offset: usize,
    /// Up to ~24 characters of context each side with the canary replaced by its mask.
    pub snippet: String,
}

/// The encodings a canary is searched in, simplest first (the order decides which form is
/// reported when several find the same occurrence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeakForm {
    /// The value as sent.
    Raw,
    /// Lowercase value in a lowercased surface (ASCII and Unicode).
    CaseFolded,
    /// JSON string escaping (serde_json's, `\uXXXX` for non-ASCII, `\/`, HTML-safe `\u003c`).
    JsonEscaped,
    /// Percent-encoding (strict, JavaScript and form sets; `%20` or `+`; upper or lower hex).
    UrlEncoded,
    /// Quoted-printable (`=XX`, soft line breaks removed from the surface).
    QuotedPrintable,
    /// Base64 (standard and URL-safe alphabets, any byte alignment).
    Base64,
    /// A phone-shaped value's number written with its digits alone or grouped by spaces, tabs,
    /// dashes, dots or parentheses, `+` and country code optional (see the module
    /// documentation); never across a timestamp, an identifier or a longer run of digits.
    DigitsOnly,
}

impl LeakForm {
    /// The form's name as reported in [`LeakFinding::form`].
    pub fn name(self) -> &'static str {
        match self {
            LeakForm::Raw => "raw",
            LeakForm::CaseFolded => "case-folded",
            LeakForm::JsonEscaped => "json-escaped",
            LeakForm::UrlEncoded => "url-encoded",
            LeakForm::QuotedPrintable => "quoted-printable",
            LeakForm::Base64 => "base64",
            LeakForm::DigitsOnly => "digits-only",
        }
    }
}

/// Characters of context kept on each side of an occurrence in a snippet.
const CONTEXT_CHARS: usize = 24;

/// Scans byte surfaces for a set of canaries in several encodings.
pub struct LeakScanner {
    canaries: Vec<Canary>,
    /// `mask_value` of each canary.
    masks: Vec<String>,
    /// Lowercased trimmed value of each canary (the snippets' last safety check).
    lowered: Vec<String>,
    /// Needles searched in the surface as is (raw, JSON, URL, base64).
    plain: Searcher,
    /// Needles searched in the lowercased surface.
    folded: Searcher,
    /// Needles searched in the surface without quoted-printable soft line breaks.
    qp: Searcher,
    digits: DigitMatcher,
    digests: DigestScanner,
}

impl LeakScanner {
    /// Canaries shorter than this are not scanned (too likely to occur by chance).
    pub const MIN_LEN: usize = 6;

    /// The longest stretch of a surface a quoted-printable occurrence may span, soft line
    /// breaks included (an encoder breaks a line every 76 characters at most).
    pub const MAX_QP_SPAN: usize = 16 << 10;

    /// At most this many findings are returned by one [`scan`](Self::scan).
    pub const MAX_FINDINGS: usize = 10_000;

    /// A scanner for these canaries (short ones are dropped).
    pub fn new(canaries: Vec<Canary>) -> LeakScanner {
        LeakScanner::build(canaries, true)
    }

    /// A scanner for the canaries' plaintext forms only: [`scan`](Self::scan) as with
    /// [`new`](Self::new), [`scan_hashes`](Self::scan_hashes) and [`hashes`](Self::hashes) empty.
    /// For scanners that are only asked whether a body carries a canary.
    pub fn plaintext(canaries: Vec<Canary>) -> LeakScanner {
        LeakScanner::build(canaries, false)
    }

    fn build(canaries: Vec<Canary>, with_hashes: bool) -> LeakScanner {
        let canaries: Vec<Canary> = canaries
            .into_iter()
            .filter(|c| c.value.trim().chars().count() >= Self::MIN_LEN)
            .collect();
        let mut plain = Vec::new();
        let mut folded = Vec::new();
        let mut qp = Vec::new();
        let mut phones = Vec::new();
        for (i, c) in canaries.iter().enumerate() {
            let value = c.value.trim();
            let raw = value.as_bytes().to_vec();
            plain.push((raw.clone(), i, LeakForm::Raw));
            // Searched in the lowercased surface: finds every occurrence differing in case.
            folded.push((lowercase(value).into_bytes(), i, LeakForm::CaseFolded));
            for v in json_forms(value) {
                plain.push((v.into_bytes(), i, LeakForm::JsonEscaped));
            }
            for v in url_forms(value) {
                plain.push((v.into_bytes(), i, LeakForm::UrlEncoded));
            }
            for v in base64_forms(value.as_bytes()) {
                plain.push((v.into_bytes(), i, LeakForm::Base64));
            }
            for v in qp_forms(value.as_bytes()) {
                qp.push((v.into_bytes(), i, LeakForm::QuotedPrintable));
            }
            if let Some(keys) = phone_keys(value) {
                phones.push((keys, i));
            }
        }
        let digests = if with_hashes {
            DigestScanner::new(&canaries)
        } else {
            DigestScanner::default()
        };
        LeakScanner {
            masks: canaries
                .iter()
                .map(|c| mask_value(c.value.trim()))
                .collect(),
            lowered: canaries.iter().map(|c| lowercase(c.value.trim())).collect(),
            plain: Searcher::new(plain),
            folded: Searcher::new(folded),
            qp: Searcher::new(qp),
            digits: DigitMatcher::new(phones),
            digests,
            canaries,
        }
    }

    /// The canaries being scanned for.
    pub fn canaries(&self) -> &[Canary] {
        &self.canaries
    }

    /// Every occurrence of every canary in `haystack`, in every form.
    ///
    /// An occurrence found in several forms is reported once, in the simplest form; findings
    /// are ordered by offset. At most [`MAX_FINDINGS`](Self::MAX_FINDINGS) are returned.
    pub fn scan(&self, surface: &str, haystack: &[u8]) -> Vec<LeakFinding> {
        if self.canaries.is_empty() {
            return Vec::new();
        }
        // (form, start, end, canary)
        let mut found: Vec<(LeakForm, usize, usize, usize)> = Vec::new();
        for (canary, form, start, end) in self.plain.find(haystack) {
            found.push((form, start, end, canary));
        }
        let view = FoldedView::new(haystack);
        for (canary, form, start, end) in self.folded.find(&view.bytes) {
            let (s, e) = view.span(start, end, haystack.len());
            found.push((form, s, e, canary));
        }
        let view = SoftBreakView::new(haystack);
        for (canary, form, start, end) in self.qp.find(&view.bytes) {
            let (s, e) = view.span(start, end);
            // No encoder stretches a value over kilobytes of soft breaks in a row; a span that
            // long is left out, so that a piecewise scan finds what a whole one finds.
            if e - s <= Self::MAX_QP_SPAN {
                found.push((form, s, e, canary));
            }
        }
        for (canary, start, end) in self.digits.find(haystack) {
            found.push((LeakForm::DigitsOnly, start, end, canary));
        }
        found.sort_unstable();
        found.dedup();
        let accepted = self.keep_simplest(&found);

        // Every span found (accepted or not) is masked wherever it reaches into a snippet.
        let mut spans: Vec<(usize, usize, usize)> =
            found.iter().map(|&(_, s, e, c)| (s, e, c)).collect();
        spans.sort_unstable();
        spans.dedup();
        let max_span = spans.iter().map(|&(s, e, _)| e - s).max().unwrap_or(0);
        let spans = Spans {
            spans: &spans,
            max_len: max_span,
        };
        let mut out: Vec<LeakFinding> = accepted
            .iter()
            .map(|&(form, start, end, canary)| LeakFinding {
                field: self.canaries[canary].field.clone(),
                form: form.name().to_owned(),
                surface: surface.to_owned(),
                offset: start,
                snippet: self.snippet(haystack, &spans, start, end, canary),
            })
            .collect();
        out.sort_by(|a, b| (a.offset, &a.field, &a.form).cmp(&(b.offset, &b.field, &b.form)));
        out
    }

    /// From `found` (sorted by form, simplest first), the findings to report: a finding is
    /// dropped when a simpler form already found an overlapping occurrence for the same field,
    /// or when the same field was already reported at the same offset.
    fn keep_simplest(
        &self,
        found: &[(LeakForm, usize, usize, usize)],
    ) -> Vec<(LeakForm, usize, usize, usize)> {
        let mut accepted: Vec<(LeakForm, usize, usize, usize)> = Vec::new();
        let mut starts: std::collections::HashSet<(&str, usize)> = Default::default();
        // Spans of the forms already completed, per field, sorted by start.
        let mut earlier: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        let mut earlier_max = 0usize;
        let mut current_form = None;
        let mut form_begin = 0;
        for &f in found {
            let (form, start, end, canary) = f;
            if current_form != Some(form) {
                for &(_, s, e, c) in &accepted[form_begin..] {
                    let field = self.canaries[c].field.as_str();
                    earlier.entry(field).or_default().push((s, e));
                    earlier_max = earlier_max.max(e - s);
                }
                for v in earlier.values_mut() {
                    v.sort_unstable();
                }
                form_begin = accepted.len();
                current_form = Some(form);
            }
            let field = self.canaries[canary].field.as_str();
            if starts.contains(&(field, start)) {
                continue;
            }
            let overlaps = earlier.get(field).is_some_and(|v| {
                // Candidates start in (start - earlier_max, end).
                let from = v.partition_point(|&(s, _)| s.saturating_add(earlier_max) <= start);
                v[from..]
                    .iter()
                    .take_while(|&&(s, _)| s < end)
                    .any(|&(_, e)| e > start)
            });
            if overlaps {
                continue;
            }
            starts.insert((field, start));
            accepted.push(f);
            if accepted.len() >= Self::MAX_FINDINGS {
                break;
            }
        }
        accepted
    }

    /// `(field, sha256 hex)` of every canary value, and of its trimmed lowercase form when that
    /// differs.
    pub fn hashes(&self) -> Vec<(String, String)> {
        self.digests.hashes().to_vec()
    }

    /// The scanner of the canaries' digests alone.
    pub fn digests(&self) -> &DigestScanner {
        &self.digests
    }

    /// Every `(field, offset)` where the SHA-256 digest of a canary (see [`hashes`](Self::hashes))
    /// occurs in `haystack`: as hex in any case, or as the 32 raw bytes.
    pub fn scan_hashes(&self, surface: &str, haystack: &[u8]) -> Vec<(String, usize)> {
        self.digests.scan_hashes(surface, haystack)
    }

    /// The masked context of the occurrence `[start, end)` of canary `canary`: every span
    /// found that reaches into the window is replaced by its canary's mask (the occurrence's
    /// own group of overlapping spans by this canary's mask).
    fn snippet(
        &self,
        hay: &[u8],
        spans: &Spans<'_>,
        start: usize,
        end: usize,
        canary: usize,
    ) -> String {
        // Bytes enough for CONTEXT_CHARS characters of up to 4 bytes each.
        let reach = CONTEXT_CHARS * 4;
        let lo = start.saturating_sub(reach);
        let hi = end.saturating_add(reach).min(hay.len());
        // Merge the spans reaching into the window (clipped to it) into groups, each shown as
        // one mask, so that no part of an occurrence shows, even one cut by the window's edge.
        let mut groups: Vec<(usize, usize, usize)> = Vec::new();
        for &(s, e, c) in spans.within(lo, hi) {
            let (s, e) = (s.max(lo), e.min(hi));
            match groups.last_mut() {
                Some(g) if s < g.1 => g.1 = g.1.max(e),
                _ => groups.push((s, e, c)),
            }
        }
        let mut before = String::new();
        let mut after = String::new();
        let mut pos = lo;
        let mut own_seen = false;
        for &(s, e, c) in &groups {
            let own = !own_seen && s <= start && start < e;
            let target = if own_seen { &mut after } else { &mut before };
            target.push_str(&display_text(&hay[pos..s.max(pos)]));
            if own {
                own_seen = true;
            } else {
                target.push_str(&self.masks[c]);
            }
            pos = pos.max(e);
        }
        let own_mask = &self.masks[canary];
        if !own_seen {
            // Not reachable (the occurrence is one of the spans): show no context.
            before.clear();
            after.clear();
        }
        after.push_str(&display_text(&hay[pos.min(hi)..hi]));
        let n_before = before.chars().count();
        let left: String = before
            .chars()
            .skip(n_before.saturating_sub(CONTEXT_CHARS))
            .collect();
        let right: String = after.chars().take(CONTEXT_CHARS).collect();
        let snippet = format!("{left}{own_mask}{right}");
        // Last safety net: never return text that contains any canary.
        let generic = format!(
            "{}****",
            self.canaries[canary]
                .value
                .trim()
                .chars()
                .take(2)
                .collect::<String>()
        );
        [snippet, own_mask.clone(), generic]
            .into_iter()
            .find(|s| self.is_clean(s))
            .unwrap_or_else(|| "****".to_owned())
    }

    /// Whether `text` contains no canary (case-insensitively).
    fn is_clean(&self, text: &str) -> bool {
        let lowered = lowercase(text);
        !self.lowered.iter().any(|v| lowered.contains(v.as_str()))
    }
}

/// Finding spans `(start, end, canary)` sorted by start, with the longest span's length.
struct Spans<'a> {
    spans: &'a [(usize, usize, usize)],
    max_len: usize,
}

impl Spans<'_> {
    /// The spans that intersect `[lo, hi)`.
    fn within(&self, lo: usize, hi: usize) -> impl Iterator<Item = &(usize, usize, usize)> {
        let from = self
            .spans
            .partition_point(|&(s, _, _)| s.saturating_add(self.max_len) <= lo);
        self.spans[from..]
            .iter()
            .take_while(move |&&(s, _, _)| s < hi)
            .filter(move |&&(_, e, _)| e > lo)
    }
}

/// Mask a value for display: first two characters then `****` (emails per the seed's rule).
///
/// The email rule applies only to address-like values (a non-empty local part and domain, no
/// whitespace); anything else keeps just its first two characters, so a mask never shows a
/// whole value.
pub fn mask_value(s: &str) -> String {
    let address_like = s.trim().rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !s.trim().contains(char::is_whitespace)
    });
    if address_like {
        crate::spec::mask_email(s)
    } else {
        let keep: String = s.chars().take(2).collect();
        format!("{keep}****")
    }
}

// ---------------------------------------------------------------------------------------------
// Needles
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests;
