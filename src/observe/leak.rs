//! [`LeakScanner`]: finds plaintext canary PII on any surface (raw, case-folded, JSON-escaped,
//! URL-encoded, base64, quoted-printable, digits-only phone), reporting only masked snippets.
//!
//! Every needle is built once in [`LeakScanner::new`]: the canary itself, the strings common
//! JSON and URL encoders make of it, the stable inner part of its base64 encoding at each of the
//! three byte alignments, its quoted-printable encoding, its lowercase form and, for a
//! phone-shaped value with at least seven digits, the digit strings its number is written with.
//! A scan makes one Aho-Corasick pass over the surface for the encoded forms, one over a
//! lowercased copy, one over a copy without quoted-printable soft line breaks, and one pass for
//! phone numbers; the matches are mapped back to byte offsets of the surface.
//! [`LeakScanner::scan_hashes`] finds the SHA-256 digests of the canaries (hex, any case, or
//! raw bytes) instead.
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

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

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
    hashes: Vec<(String, String)>,
    hex_hashes: Searcher,
    binary_hashes: Searcher,
}

impl LeakScanner {
    /// Canaries shorter than this are not scanned (too likely to occur by chance).
    pub const MIN_LEN: usize = 6;

    /// At most this many findings are returned by one [`scan`](Self::scan).
    pub const MAX_FINDINGS: usize = 10_000;

    /// A scanner for these canaries (short ones are dropped).
    pub fn new(canaries: Vec<Canary>) -> LeakScanner {
        let canaries: Vec<Canary> = canaries
            .into_iter()
            .filter(|c| c.value.trim().chars().count() >= Self::MIN_LEN)
            .collect();
        let mut plain = Vec::new();
        let mut folded = Vec::new();
        let mut qp = Vec::new();
        let mut phones = Vec::new();
        let mut hashes = Vec::new();
        let mut hex_hashes = Vec::new();
        let mut binary_hashes = Vec::new();
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
            let mut forms = vec![c.value.clone()];
            let normalized = c.value.trim().to_lowercase();
            if normalized != c.value {
                forms.push(normalized);
            }
            for f in forms {
                let digest = Sha256::digest(f.as_bytes());
                let hex = crate::spec::sha256_hex(&f);
                hex_hashes.push((hex.clone().into_bytes(), i, LeakForm::Raw));
                binary_hashes.push((digest.to_vec(), i, LeakForm::Raw));
                hashes.push((c.field.clone(), hex));
            }
        }
        LeakScanner {
            masks: canaries
                .iter()
                .map(|c| mask_value(c.value.trim()))
                .collect(),
            lowered: canaries.iter().map(|c| lowercase(c.value.trim())).collect(),
            plain: Searcher::new(plain, false),
            folded: Searcher::new(folded, false),
            qp: Searcher::new(qp, false),
            digits: DigitMatcher::new(phones),
            hashes,
            hex_hashes: Searcher::new(hex_hashes, true),
            binary_hashes: Searcher::new(binary_hashes, false),
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
            found.push((form, s, e, canary));
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
        self.hashes.clone()
    }

    /// Every `(field, offset)` where the SHA-256 digest of a canary (see [`hashes`](Self::hashes))
    /// occurs in `haystack`: as hex in any case, or as the 32 raw bytes.
    pub fn scan_hashes(&self, surface: &str, haystack: &[u8]) -> Vec<(String, usize)> {
        let _ = surface;
        let mut out: Vec<(String, usize)> = self
            .hex_hashes
            .find(haystack)
            .into_iter()
            .chain(self.binary_hashes.find(haystack))
            .map(|(canary, _, start, _)| (self.canaries[canary].field.clone(), start))
            .collect();
        out.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        out.dedup();
        out
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

fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn push_unique(out: &mut Vec<String>, v: String) {
    if !out.contains(&v) {
        out.push(v);
    }
}

/// The JSON string bodies common encoders make of `value`, other than `value` itself.
fn json_forms(value: &str) -> Vec<String> {
    let base = serde_json::to_string(value).unwrap_or_default();
    let base = base
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(value)
        .to_owned();
    let mut out = Vec::new();
    for ascii in [None, Some(false), Some(true)] {
        for slash in [false, true] {
            for html in [false, true] {
                let mut s = String::new();
                for c in base.chars() {
                    let escape_html =
                        html && matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}');
                    match (c, ascii) {
                        ('/', _) if slash => s.push_str("\\/"),
                        (c, Some(upper)) if !c.is_ascii() || escape_html => {
                            push_u_escapes(&mut s, c, upper)
                        }
                        (c, None) if escape_html => push_u_escapes(&mut s, c, false),
                        (c, _) => s.push(c),
                    }
                }
                push_unique(&mut out, s);
            }
        }
    }
    out.retain(|s| s != value);
    out
}

fn push_u_escapes(out: &mut String, c: char, upper: bool) {
    let mut units = [0u16; 2];
    for u in c.encode_utf16(&mut units) {
        if upper {
            out.push_str(&format!("\\u{u:04X}"));
        } else {
            out.push_str(&format!("\\u{u:04x}"));
        }
    }
}

/// The percent-encodings common encoders make of `value`, other than `value` itself.
fn url_forms(value: &str) -> Vec<String> {
    // Bytes left as they are, besides ASCII letters and digits.
    const STRICT: &[u8] = b"-._~"; // RFC 3986 unreserved
    const JS: &[u8] = b"-._~!'()*"; // encodeURIComponent
    const FORM: &[u8] = b"-._*"; // application/x-www-form-urlencoded (WHATWG)
    let mut out = Vec::new();
    for keep in [STRICT, JS, FORM] {
        for plus in [false, true] {
            for upper in [true, false] {
                let mut s = String::new();
                for &b in value.as_bytes() {
                    if b.is_ascii_alphanumeric() || keep.contains(&b) {
                        s.push(char::from(b));
                    } else if b == b' ' && plus {
                        s.push('+');
                    } else if upper {
                        s.push_str(&format!("%{b:02X}"));
                    } else {
                        s.push_str(&format!("%{b:02x}"));
                    }
                }
                push_unique(&mut out, s);
            }
        }
    }
    out.retain(|s| s != value);
    out
}

/// The stable inner parts of the base64 encodings of `bytes` at each of the three byte
/// alignments, in both alphabets: the characters that depend only on `bytes`, whatever
/// surrounds them in a longer encoded blob.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for align in 0..3usize {
        let mut data = vec![0u8; align];
        data.extend_from_slice(bytes);
        let first = (align * 8).div_ceil(6);
        let last = data.len() * 8 / 6;
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&data);
            if let Some(inner) = encoded.get(first..last)
                && inner.len() >= 4
            {
                push_unique(&mut out, inner.to_owned());
            }
        }
    }
    out
}

/// Quoted-printable encodings of `bytes` (upper and lower hex escapes).
fn qp_forms(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for upper in [true, false] {
        let mut s = String::new();
        for &b in bytes {
            if (b == b' ' || b == b'\t' || (33..=126).contains(&b)) && b != b'=' {
                s.push(char::from(b));
            } else if upper {
                s.push_str(&format!("={b:02X}"));
            } else {
                s.push_str(&format!("={b:02x}"));
            }
        }
        push_unique(&mut out, s);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Searching
// ---------------------------------------------------------------------------------------------

/// Unique byte needles, each with the (canary, form) pairs it stands for.
struct Searcher {
    patterns: Vec<Vec<u8>>,
    owners: Vec<Vec<(usize, LeakForm)>>,
    ac: Option<AhoCorasick>,
    case_insensitive: bool,
}

impl Searcher {
    fn new(entries: Vec<(Vec<u8>, usize, LeakForm)>, case_insensitive: bool) -> Searcher {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<(usize, LeakForm)>> = Vec::new();
        for (pattern, canary, form) in entries {
            if pattern.is_empty() {
                continue;
            }
            let key = if case_insensitive {
                pattern.to_ascii_lowercase()
            } else {
                pattern
            };
            let k = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                owners.push(Vec::new());
                patterns.len() - 1
            });
            if !owners[k].contains(&(canary, form)) {
                owners[k].push((canary, form));
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(case_insensitive)
            .build(&patterns)
            .ok();
        Searcher {
            patterns,
            owners,
            ac,
            case_insensitive,
        }
    }

    /// Every (overlapping) occurrence: `(canary, form, start, end)`.
    fn find(&self, hay: &[u8]) -> Vec<(usize, LeakForm, usize, usize)> {
        let mut out = Vec::new();
        if self.patterns.is_empty() {
            return out;
        }
        let mut emit = |k: usize, start: usize, end: usize| {
            for &(canary, form) in &self.owners[k] {
                out.push((canary, form, start, end));
            }
        };
        match self.ac.as_ref().map(|ac| ac.try_find_overlapping_iter(hay)) {
            Some(Ok(iter)) => {
                for m in iter {
                    emit(m.pattern().as_usize(), m.start(), m.end());
                }
            }
            // The automaton could not be built or run: search each needle directly.
            _ => {
                for (k, p) in self.patterns.iter().enumerate() {
                    for start in 0..hay.len().saturating_sub(p.len() - 1) {
                        let window = &hay[start..start + p.len()];
                        let hit = if self.case_insensitive {
                            window.eq_ignore_ascii_case(p)
                        } else {
                            window == p.as_slice()
                        };
                        if hit {
                            emit(k, start, start + p.len());
                        }
                    }
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Digits-only phone numbers
// ---------------------------------------------------------------------------------------------

/// Fewest digits a phone-shaped canary needs to get digits-only forms.
const MIN_PHONE_DIGITS: usize = 7;

/// Separator characters written between the digit groups of a phone number.
const PHONE_SEPARATORS: &[u8] = b" \t.()-";

/// At most this many separator characters stand between two digit groups of one number.
const MAX_SEPARATOR_RUN: usize = 3;

/// Country codes of two digits (ITU-T E.164 assignments); `1` and `7` have one digit and every
/// other code three, so the country code of an international number is determined by its
/// first digits.
const TWO_DIGIT_COUNTRY_CODES: &[&[u8; 2]] = &[
    b"20", b"27", b"30", b"31", b"32", b"33", b"34", b"36", b"39", b"40", b"41", b"43", b"44",
    b"45", b"46", b"47", b"48", b"49", b"51", b"52", b"53", b"54", b"55", b"56", b"57", b"58",
    b"60", b"61", b"62", b"63", b"64", b"65", b"66", b"81", b"82", b"84", b"86", b"90", b"91",
    b"92", b"93", b"94", b"95", b"98",
];

/// Length of the country code at the start of the digits of an international number.
fn country_code_len(digits: &[u8]) -> usize {
    match digits {
        [b'1' | b'7', ..] => 1,
        [a, b, ..] if TWO_DIGIT_COUNTRY_CODES.contains(&&[*a, *b]) => 2,
        _ => 3,
    }
}

/// The digit strings a phone-shaped canary is recognised by in the surface.
#[derive(Debug, Default, PartialEq, Eq)]
struct PhoneKeys {
    /// Digit strings that are the number as written, wherever they stand.
    plain: Vec<Vec<u8>>,
    /// The digits of a national number (a value without `+`), also found after a `+` and a
    /// country code of 1 to 3 digits.
    after_country_code: Option<Vec<u8>>,
}

/// The digits-only forms of a phone-shaped value (ASCII digits and the characters phone numbers
/// are written with: space, tab, `.`, `-`, `/`, parentheses and a leading `+`) with at least
/// [`MIN_PHONE_DIGITS`] digits; `None` for anything else (a name or a note with a few digits
/// in it is no phone number, and its digits alone would match unrelated numbers).
///
/// A national number is recognised by its digits, alone or after `+` and a country code. An
/// international one (`+…`) by its digits with or without the `+` or an international prefix
/// (`00`, `011`), and, if at least seven digits remain without its country code, by its
/// national number alone, with a trunk prefix `0` (`020 7946 0958`) or with the country code
/// and a trunk prefix (`+44 (0)20 7946 0958`).
fn phone_keys(value: &str) -> Option<PhoneKeys> {
    let value = value.trim();
    let (international, body) = match value.strip_prefix('+') {
        Some(rest) => (true, rest.replacen("(0)", "", 1)),
        None => (false, value.to_owned()),
    };
    let phone_shaped = body
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'/' || PHONE_SEPARATORS.contains(&b));
    let digits: Vec<u8> = body.bytes().filter(u8::is_ascii_digit).collect();
    if !phone_shaped || digits.len() < MIN_PHONE_DIGITS {
        return None;
    }
    if !international {
        return Some(PhoneKeys {
            plain: vec![digits.clone()],
            after_country_code: Some(digits),
        });
    }
    let join = |parts: &[&[u8]]| parts.concat();
    let mut plain = vec![
        digits.clone(),
        join(&[b"00", &digits]),
        join(&[b"011", &digits]),
    ];
    let (cc, national) = digits.split_at(country_code_len(&digits).min(digits.len()));
    if national.len() >= MIN_PHONE_DIGITS {
        plain.push(national.to_vec());
        if national[0] != b'0' {
            plain.push(join(&[b"0", national]));
            plain.push(join(&[cc, b"0", national]));
        }
    }
    Some(PhoneKeys {
        plain,
        after_country_code: None,
    })
}

/// Work done by one digits-only scan, to show it does not grow with the number of canaries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
struct DigitScanCost {
    /// Digit groups in the surface.
    groups: usize,
    /// Runs of groups with enough digits to hold a phone number.
    runs: usize,
    /// Group positions a number was looked for from.
    starts: usize,
    /// Hash-map lookups.
    lookups: usize,
}

/// A maximal sequence of ASCII digits in the surface.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    /// Glued to an identifier (an ASCII letter or `_` on either side, directly or across `-`/`.`),
    /// or a part of a time (`:` between it and another digit).
    bad: bool,
    /// The separators before it (inside a run) contain no space or tab.
    tight: bool,
    /// The separator before it (inside a run) when it is one byte, else 0.
    gap: u8,
}

impl Group {
    fn digits<'h>(&self, hay: &'h [u8]) -> &'h [u8] {
        &hay[self.start..self.end]
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    /// Its value, if it has at most nine digits.
    fn value(&self, hay: &[u8]) -> Option<u32> {
        (self.len() <= 9).then(|| {
            self.digits(hay)
                .iter()
                .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'))
        })
    }
}

/// The digits-only forms of the phone-shaped canaries, in hash maps looked up by the digit
/// groups of the surface.
struct DigitMatcher {
    /// Digit string → canaries it stands for as written.
    plain: HashMap<Box<[u8]>, Vec<usize>>,
    /// National digit string → canaries, after a `+` and 1 to 3 digits of country code.
    after_country_code: HashMap<Box<[u8]>, Vec<usize>>,
    /// Fewest digits a candidate needs to be looked up.
    min_len: usize,
    /// Most digits a candidate can have (country code included).
    max_len: usize,
}

impl DigitMatcher {
    fn new(keys: Vec<(PhoneKeys, usize)>) -> DigitMatcher {
        let mut plain: HashMap<Box<[u8]>, Vec<usize>> = HashMap::new();
        let mut after_country_code: HashMap<Box<[u8]>, Vec<usize>> = HashMap::new();
        let add = |map: &mut HashMap<Box<[u8]>, Vec<usize>>, key: Vec<u8>, canary: usize| {
            let owners = map.entry(key.into_boxed_slice()).or_default();
            if !owners.contains(&canary) {
                owners.push(canary);
            }
        };
        for (k, canary) in keys {
            for key in k.plain {
                add(&mut plain, key, canary);
            }
            if let Some(key) = k.after_country_code {
                add(&mut after_country_code, key, canary);
            }
        }
        let lens = plain.keys().map(|k| (k.len(), k.len())).chain(
            after_country_code
                .keys()
                .map(|k| (k.len() + 1, k.len() + 3)),
        );
        let (min_len, max_len) =
            lens.fold((usize::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
        DigitMatcher {
            plain,
            after_country_code,
            min_len,
            max_len,
        }
    }

    /// `(canary, start, end)` of every phone number written in `hay` that is a canary's.
    fn find(&self, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        self.find_counted(hay).0
    }

    /// [`find`](Self::find), with the work it took.
    ///
    /// One pass splits the surface into digit groups and collects runs of groups joined by at
    /// most [`MAX_SEPARATOR_RUN`] phone separators (a `+` starts a new run); each run is
    /// handed to [`scan_run`](Self::scan_run).
    fn find_counted(&self, hay: &[u8]) -> (Vec<(usize, usize, usize)>, DigitScanCost) {
        let mut out = Vec::new();
        let mut cost = DigitScanCost::default();
        if self.plain.is_empty() && self.after_country_code.is_empty() {
            return (out, cost);
        }
        let mut run: Vec<Group> = Vec::new();
        let mut run_plus = false;
        let mut i = 0;
        while i < hay.len() {
            if !hay[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < hay.len() && hay[i].is_ascii_digit() {
                i += 1;
            }
            let end = i;
            cost.groups += 1;
            let plus = start > 0 && hay[start - 1] == b'+';
            let gap = run.last().map(|prev| &hay[prev.end..start]).filter(|gap| {
                !plus
                    && gap.len() <= MAX_SEPARATOR_RUN
                    && gap.iter().all(|b| PHONE_SEPARATORS.contains(b))
            });
            if gap.is_none() {
                self.scan_run(hay, &run, run_plus, &mut out, &mut cost);
                run.clear();
                run_plus = plus;
            }
            run.push(Group {
                start,
                end,
                bad: glued_to_identifier(hay, start, end) || part_of_time(hay, start, end),
                tight: gap.is_some_and(|g| !g.iter().any(|&b| b == b' ' || b == b'\t')),
                gap: match gap {
                    Some(&[b]) => b,
                    _ => 0,
                },
            });
        }
        self.scan_run(hay, &run, run_plus, &mut out, &mut cost);
        (out, cost)
    }

    /// The phone numbers of one run of digit groups (`plus`: a `+` stands before the first).
    ///
    /// The run is cut into chains of groups joined without whitespace (`2026-12-05`,
    /// `415-555-1234`, `10.0.0.1`). A chain is left out whole when one of its groups is glued to
    /// an identifier or a time, or when it is shaped like a date, a UUID, an IPv4 address or a
    /// decimal number; so is a compact time after a compact date and a dotted time after a date.
    /// In what remains, numbers are looked for from each group on, leftmost first, the longest
    /// at each start, over whole groups only.
    fn scan_run(
        &self,
        hay: &[u8],
        run: &[Group],
        plus: bool,
        out: &mut Vec<(usize, usize, usize)>,
        cost: &mut DigitScanCost,
    ) {
        let total: usize = run.iter().map(Group::len).sum();
        if total < self.min_len {
            return;
        }
        cost.runs += 1;
        // Chains as ranges of `run`.
        let mut chains: Vec<(usize, usize)> = Vec::new();
        for (k, g) in run.iter().enumerate() {
            match chains.last_mut() {
                Some(c) if g.tight => c.1 = k + 1,
                _ => chains.push((k, k + 1)),
            }
        }
        let mut bad: Vec<bool> = run.iter().map(|g| g.bad).collect();
        let mut dated = vec![false; chains.len()];
        for (c, &(a, b)) in chains.iter().enumerate() {
            let chain = &run[a..b];
            dated[c] = is_date_chain(hay, chain);
            let shaped = dated[c]
                || is_uuid_chain(chain)
                || is_decimal_chain(chain)
                || (is_ipv4_chain(hay, chain) && !(plus && c > 0))
                || chain.iter().any(|g| is_compact_timestamp(g.digits(hay)));
            if shaped || bad[a..b].contains(&true) {
                bad[a..b].fill(true);
            }
        }
        let chain_of = |k: usize| chains.partition_point(|&(_, b)| b <= k);
        // A compact date then a compact time (`20261205 115803`, `20261205-1158`).
        for k in 1..run.len() {
            if is_compact_date(run[k - 1].digits(hay)) && is_compact_time(run[k].digits(hay)) {
                for c in [chain_of(k - 1), chain_of(k)] {
                    let (a, b) = chains[c];
                    bad[a..b].fill(true);
                }
            }
        }
        // A dotted time after a date (`2026-12-05 11.58.03.123`).
        for c in 1..chains.len() {
            let (a, b) = chains[c];
            if dated[c - 1] && starts_with_dotted_time(hay, &run[a..b]) {
                bad[a..b].fill(true);
            }
        }
        let mut k = 0;
        while k < run.len() {
            if bad[k] {
                k += 1;
                continue;
            }
            let from = k;
            while k < run.len() && !bad[k] {
                k += 1;
            }
            self.scan_segment(hay, &run[from..k], plus && from == 0, out, cost);
        }
    }

    /// The numbers in groups that may all belong to phone numbers: from each group on, every
    /// sequence of whole groups is looked up; the longest found at the leftmost start is taken
    /// and the search resumes after it.
    fn scan_segment(
        &self,
        hay: &[u8],
        groups: &[Group],
        plus: bool,
        out: &mut Vec<(usize, usize, usize)>,
        cost: &mut DigitScanCost,
    ) {
        let mut digits: Vec<u8> = Vec::with_capacity(self.max_len + 1);
        // (canary, last group) found from the current start.
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < groups.len() {
            cost.starts += 1;
            let plus_here = plus && i == 0;
            digits.clear();
            hits.clear();
            for (j, g) in groups.iter().enumerate().skip(i) {
                digits.extend_from_slice(g.digits(hay));
                if digits.len() > self.max_len {
                    break;
                }
                if digits.len() < self.min_len {
                    continue;
                }
                cost.lookups += 1;
                if let Some(owners) = self.plain.get(digits.as_slice()) {
                    hits.extend(owners.iter().map(|&c| (c, j)));
                }
                if plus_here && !self.after_country_code.is_empty() {
                    for cc in 1..=3.min(digits.len() - 1) {
                        cost.lookups += 1;
                        if let Some(owners) = self.after_country_code.get(&digits[cc..]) {
                            hits.extend(owners.iter().map(|&c| (c, j)));
                        }
                    }
                }
            }
            let Some(last) = hits.iter().map(|&(_, j)| j).max() else {
                i += 1;
                continue;
            };
            // Each canary once, with its longest number from this start.
            hits.sort_unstable();
            let start = if plus_here {
                groups[i].start - 1
            } else {
                groups[i].start
            };
            for (n, &(canary, j)) in hits.iter().enumerate() {
                if hits.get(n + 1).is_none_or(|&(next, _)| next != canary) {
                    out.push((canary, start, groups[j].end));
                }
            }
            i = last + 1;
        }
    }
}

/// Whether `b` belongs to an identifier: an ASCII letter or `_` (identifiers, UUIDs, hex and
/// timestamps are ASCII; digits written beside other scripts' letters, as in
/// `電話4155551234`, still count).
fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether the digits `hay[start..end]` are glued to an identifier character, directly or
/// across up to three `-`/`.` (`lead_2026`, `e89b-12d3`, `12ms`, `req-4155551234`).
fn glued_to_identifier(hay: &[u8], start: usize, end: usize) -> bool {
    let joiner = |b: u8| b == b'-' || b == b'.';
    let mut before = start;
    while before > 0 && start - before < MAX_SEPARATOR_RUN && joiner(hay[before - 1]) {
        before -= 1;
    }
    let mut after = end;
    while after < hay.len() && after - end < MAX_SEPARATOR_RUN && joiner(hay[after]) {
        after += 1;
    }
    (before > 0 && is_identifier_byte(hay[before - 1]))
        || hay.get(after).is_some_and(|&b| is_identifier_byte(b))
}

/// Whether the digits `hay[start..end]` are a part of a time (`11:58`, `:03`).
fn part_of_time(hay: &[u8], start: usize, end: usize) -> bool {
    (start >= 2 && hay[start - 1] == b':' && hay[start - 2].is_ascii_digit())
        || (hay.get(end) == Some(&b':') && hay.get(end + 1).is_some_and(u8::is_ascii_digit))
}

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn valid_time(hour: u32, minute: u32, second: u32) -> bool {
    hour <= 23 && minute <= 59 && second <= 60
}

/// Whether a chain holds a date: three groups joined by the same `-` or `.`, as year-month-day,
/// day-month-year or month-day-year with a four-digit year.
fn is_date_chain(hay: &[u8], chain: &[Group]) -> bool {
    chain.windows(3).any(|w| {
        let [x, y, z] = w else { return false };
        if !(y.gap == z.gap && matches!(y.gap, b'-' | b'.')) || y.len() > 2 {
            return false;
        }
        let (Some(a), Some(b), Some(c)) = (x.value(hay), y.value(hay), z.value(hay)) else {
            return false;
        };
        (x.len() == 4 && z.len() <= 2 && valid_date(a, b, c))
            || (z.len() == 4 && x.len() <= 2 && (valid_date(c, b, a) || valid_date(c, a, b)))
    })
}

/// `8-4-4-4-12` digit groups joined by `-`.
fn is_uuid_chain(chain: &[Group]) -> bool {
    chain.len() == 5
        && chain.iter().map(Group::len).eq([8, 4, 4, 4, 12])
        && chain[1..].iter().all(|g| g.gap == b'-')
}

/// Two groups joined by one `.`: a decimal number (`1234.567`).
fn is_decimal_chain(chain: &[Group]) -> bool {
    chain.len() == 2 && chain[1].gap == b'.'
}

/// A dotted-quad IPv4 address (`192.168.0.10`).
fn is_ipv4_chain(hay: &[u8], chain: &[Group]) -> bool {
    chain.len() == 4
        && chain[1..].iter().all(|g| g.gap == b'.')
        && chain.iter().all(|g| {
            let d = g.digits(hay);
            d.len() <= 3 && (d.len() == 1 || d[0] != b'0') && g.value(hay).is_some_and(|v| v <= 255)
        })
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |v, &d| {
        v.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

/// `YYYYMMDD`.
fn is_compact_date(d: &[u8]) -> bool {
    d.len() == 8 && valid_date(number(&d[..4]), number(&d[4..6]), number(&d[6..]))
}

/// `HHMM`, `HHMMSS` or `HHMMSSmmm`.
fn is_compact_time(d: &[u8]) -> bool {
    let second = |d: &[u8]| number(&d[4..6]);
    match d.len() {
        4 => valid_time(number(&d[..2]), number(&d[2..]), 0),
        6 | 9 => valid_time(number(&d[..2]), number(&d[2..4]), second(d)),
        _ => false,
    }
}

/// `YYYYMMDDHHMMSS`, with or without milliseconds.
fn is_compact_timestamp(d: &[u8]) -> bool {
    matches!(d.len(), 14 | 17) && is_compact_date(&d[..8]) && is_compact_time(&d[8..14])
}

/// A chain starting with `H.MM` (`11.58.03`, `9.05`).
fn starts_with_dotted_time(hay: &[u8], chain: &[Group]) -> bool {
    let [h, m, ..] = chain else { return false };
    h.len() <= 2
        && m.len() == 2
        && m.gap == b'.'
        && valid_time(number(h.digits(hay)), number(m.digits(hay)), 0)
}

// ---------------------------------------------------------------------------------------------
// Views of the surface
// ---------------------------------------------------------------------------------------------

/// The surface lowercased (ASCII and Unicode; invalid UTF-8 bytes kept), with a map back to
/// the surface's offsets.
struct FoldedView<'h> {
    bytes: Cow<'h, [u8]>,
    /// For each byte of `bytes`, the surface offset of the character it came from (`None`:
    /// identity, the surface was ASCII).
    map: Option<Vec<usize>>,
}

impl<'h> FoldedView<'h> {
    fn new(hay: &'h [u8]) -> FoldedView<'h> {
        if hay.is_ascii() {
            if !hay.iter().any(u8::is_ascii_uppercase) {
                return FoldedView {
                    bytes: Cow::Borrowed(hay),
                    map: None,
                };
            }
            return FoldedView {
                bytes: Cow::Owned(hay.to_ascii_lowercase()),
                map: None,
            };
        }
        let mut bytes = Vec::with_capacity(hay.len());
        let mut map = Vec::with_capacity(hay.len());
        let mut offset = 0;
        for chunk in hay.utf8_chunks() {
            for (i, c) in chunk.valid().char_indices() {
                let mut buf = [0u8; 4];
                for lc in c.to_lowercase() {
                    for &b in lc.encode_utf8(&mut buf).as_bytes() {
                        bytes.push(b);
                        map.push(offset + i);
                    }
                }
            }
            offset += chunk.valid().len();
            for &b in chunk.invalid() {
                bytes.push(b);
                map.push(offset);
                offset += 1;
            }
        }
        FoldedView {
            bytes: Cow::Owned(bytes),
            map: Some(map),
        }
    }

    /// The surface span of the view span `[start, end)`.
    fn span(&self, start: usize, end: usize, hay_len: usize) -> (usize, usize) {
        let Some(map) = &self.map else {
            return (start, end);
        };
        let s = map.get(start).copied().unwrap_or(hay_len);
        let last = map.get(end.saturating_sub(1)).copied().unwrap_or(hay_len);
        // The end is the start of the first character after the last one matched.
        let e = map[end.min(map.len())..]
            .iter()
            .copied()
            .find(|&o| o != last)
            .unwrap_or(hay_len);
        (s, e.max(s))
    }
}

/// The surface without quoted-printable soft line breaks (`=\r\n`, `=\n`), with a map back.
struct SoftBreakView<'h> {
    bytes: Cow<'h, [u8]>,
    /// `(view offset, bytes removed before it)` at every removal, ascending.
    removals: Vec<(usize, usize)>,
}

impl<'h> SoftBreakView<'h> {
    fn new(hay: &'h [u8]) -> SoftBreakView<'h> {
        let has_break = hay.windows(2).any(|w| w == b"=\n" || w == b"=\r");
        if !has_break {
            return SoftBreakView {
                bytes: Cow::Borrowed(hay),
                removals: Vec::new(),
            };
        }
        let mut bytes = Vec::with_capacity(hay.len());
        let mut removals = Vec::new();
        let mut removed = 0;
        let mut i = 0;
        while i < hay.len() {
            let skip = if hay[i..].starts_with(b"=\r\n") {
                3
            } else if hay[i..].starts_with(b"=\n") {
                2
            } else {
                0
            };
            if skip > 0 {
                removed += skip;
                removals.push((bytes.len(), removed));
                i += skip;
            } else {
                bytes.push(hay[i]);
                i += 1;
            }
        }
        SoftBreakView {
            bytes: Cow::Owned(bytes),
            removals,
        }
    }

    fn offset(&self, v: usize) -> usize {
        let k = self.removals.partition_point(|&(at, _)| at <= v);
        match k {
            0 => v,
            _ => v + self.removals[k - 1].1,
        }
    }

    /// The surface span of the view span `[start, end)` (soft breaks inside it included).
    fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.offset(start);
        let e = self.offset(end.saturating_sub(1).max(start)) + usize::from(end > start);
        (s, e.max(s))
    }
}

/// Bytes as one line of display text: lossy UTF-8, newlines as `⏎`, other control characters
/// as `·`.
fn display_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    text.chars()
        .map(|c| match c {
            '\n' | '\r' => '⏎',
            c if c.is_control() => '·',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests;
