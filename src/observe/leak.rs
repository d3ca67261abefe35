//! [`LeakScanner`]: finds plaintext canary PII on any surface (raw, case-folded, JSON-escaped,
//! URL-encoded, base64, quoted-printable, digits-only phone), reporting only masked snippets.
//!
//! Every needle is built once in [`LeakScanner::new`]: the canary itself, the strings common
//! JSON and URL encoders make of it, the stable inner part of its base64 encoding at each of the
//! three byte alignments, its quoted-printable encoding, its lowercase form and, for values with
//! at least seven digits, a digit-sequence pattern. A scan makes one Aho-Corasick pass over the
//! surface for the encoded forms, one over a lowercased copy, one over a copy without
//! quoted-printable soft line breaks, and one regular-expression pass for digit sequences; the
//! matches are mapped back to byte offsets of the surface. [`LeakScanner::scan_hashes`] finds the
//! SHA-256 digests of the canaries (hex, any case, or raw bytes) instead.

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
    /// The value's digits, separated by spaces, dashes, dots or parentheses, `+` optional.
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
            if let Some(p) = phone_pattern(value) {
                phones.push((p, i));
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

/// The digit-sequence pattern of a value with at least seven ASCII digits: the digits with up
/// to three separators (space, tab, `.`, `-`, parentheses) between each. A national number may
/// also appear with a `+` country code; an international one (`+…`) with or without its `+`,
/// or without its country code (1 to 3 digits, then an optional trunk prefix `0`) if seven
/// digits remain.
fn phone_pattern(value: &str) -> Option<String> {
    const SEP: &str = r"[ \t.()\-]{0,3}";
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return None;
    }
    let join = |ds: &[char]| ds.iter().map(char::to_string).collect::<Vec<_>>().join(SEP);
    if value.trim_start().starts_with('+') {
        let mut alternatives = vec![format!(r"\+?{}", join(&digits))];
        for cc in 1..=3 {
            if digits.len() - cc >= 7 {
                // The national number, possibly with a trunk prefix `0`.
                alternatives.push(format!("(?:0{SEP})?{}", join(&digits[cc..])));
            }
        }
        Some(format!("(?:{})", alternatives.join("|")))
    } else {
        Some(format!(r"(?:\+[0-9]{{1,3}}{SEP})?{}", join(&digits)))
    }
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

/// The digit-sequence patterns of the phone-like canaries, as one regular expression.
struct DigitMatcher {
    /// One alternation with a capture group per distinct pattern.
    combined: Option<regex::bytes::Regex>,
    /// Group `i + 1` of `combined` ↔ `owners[i]`.
    owners: Vec<Vec<usize>>,
    /// Per-pattern expressions, used only if the combined one cannot be built.
    singles: Vec<(regex::bytes::Regex, usize)>,
}

impl DigitMatcher {
    fn new(patterns: Vec<(String, usize)>) -> DigitMatcher {
        let mut unique: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (p, canary) in patterns {
            match unique.iter().position(|u| *u == p) {
                Some(k) => owners[k].push(canary),
                None => {
                    unique.push(p);
                    owners.push(vec![canary]);
                }
            }
        }
        if unique.is_empty() {
            return DigitMatcher {
                combined: None,
                owners,
                singles: Vec::new(),
            };
        }
        let alternation = unique
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join("|");
        let combined = regex::bytes::RegexBuilder::new(&alternation)
            .unicode(false)
            .size_limit(64 << 20)
            .build()
            .ok();
        let singles = if combined.is_some() {
            Vec::new()
        } else {
            unique
                .iter()
                .enumerate()
                .filter_map(|(k, p)| {
                    let re = regex::bytes::RegexBuilder::new(p)
                        .unicode(false)
                        .build()
                        .ok()?;
                    Some((re, k))
                })
                .collect()
        };
        DigitMatcher {
            combined,
            owners,
            singles,
        }
    }

    /// `(canary, start, end)` of every digit sequence not glued to further digits.
    fn find(&self, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let bounded = |s: usize, e: usize| {
            (s == 0 || !hay[s - 1].is_ascii_digit()) && (e >= hay.len() || !hay[e].is_ascii_digit())
        };
        if let Some(re) = &self.combined {
            let mut locs = re.capture_locations();
            let mut pos = 0;
            while pos <= hay.len() {
                let Some(m) = re.captures_read_at(&mut locs, hay, pos) else {
                    break;
                };
                let (s, e) = (m.start(), m.end());
                if bounded(s, e) {
                    if let Some(k) = (1..locs.len()).find(|&g| locs.get(g).is_some()) {
                        for &canary in self.owners.get(k - 1).into_iter().flatten() {
                            out.push((canary, s, e));
                        }
                    }
                    pos = e.max(s + 1);
                } else {
                    pos = s + 1;
                }
            }
        } else {
            for (re, k) in &self.singles {
                let mut pos = 0;
                while pos <= hay.len() {
                    let Some(m) = re.find_at(hay, pos) else {
                        break;
                    };
                    let (s, e) = (m.start(), m.end());
                    if bounded(s, e) {
                        for &canary in &self.owners[*k] {
                            out.push((canary, s, e));
                        }
                        pos = e.max(s + 1);
                    } else {
                        pos = s + 1;
                    }
                }
            }
        }
        out
    }
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
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use proptest::prelude::*;

    fn canary(field: &str, value: &str) -> Canary {
        Canary {
            field: field.to_owned(),
            value: value.to_owned(),
        }
    }

    const EMAIL: &str = "jane.doe+tck@example.com";
    const NAME: &str = "Zoë Ångström-Voss";
    const PHONE: &str = "(555) 010-4477";
    const NOTES: &str = "Call after 5pm / prefers \"blue\" & <sunroof>";

    fn scanner() -> LeakScanner {
        LeakScanner::new(vec![
            canary("customer_contact.email", EMAIL),
            canary("customer_contact.name", NAME),
            canary("customer_contact.phone", PHONE),
            canary("notes", NOTES),
            canary("trade_in.description", "Bob"),
        ])
    }

    /// The findings of `hay` as (field, form, offset).
    fn found(hay: &str) -> Vec<(String, String, usize)> {
        scanner()
            .scan("test", hay.as_bytes())
            .into_iter()
            .map(|f| (f.field, f.form, f.offset))
            .collect()
    }

    fn one(field: &str, form: &str, offset: usize) -> Vec<(String, String, usize)> {
        vec![(field.to_owned(), form.to_owned(), offset)]
    }

    /// No snippet contains any canary's plaintext, in any case.
    fn assert_masked(s: &LeakScanner, findings: &[LeakFinding]) {
        for f in findings {
            let lowered = f.snippet.to_lowercase();
            for c in s.canaries() {
                assert!(
                    !lowered.contains(&c.value.to_lowercase()),
                    "snippet leaks {:?}: {:?}",
                    c.value,
                    f.snippet
                );
            }
        }
    }

    #[test]
    fn short_canaries_are_dropped() {
        let s = scanner();
        assert_eq!(s.canaries().len(), 4);
        assert!(s.canaries().iter().all(|c| c.value != "Bob"));
        assert!(s.scan("t", b"Bob Bob Bob").is_empty());
        let s = LeakScanner::new(vec![canary("f", "  abc  "), canary("g", "abcdef")]);
        assert_eq!(s.canaries().len(), 1, "length counts the trimmed value");
    }

    #[test]
    fn raw() {
        let hay = format!("{{\"email\":\"{EMAIL}\"}}");
        assert_eq!(found(&hay), one("customer_contact.email", "raw", 10));
        let hay = format!("name={NAME};");
        assert_eq!(found(&hay), one("customer_contact.name", "raw", 5));
    }

    #[test]
    fn every_occurrence_is_reported() {
        let hay = format!("{EMAIL},{EMAIL}\n{EMAIL}");
        let offsets: Vec<usize> = found(&hay).into_iter().map(|f| f.2).collect();
        assert_eq!(offsets, [0, EMAIL.len() + 1, 2 * EMAIL.len() + 2]);
    }

    #[test]
    fn case_folded_ascii_and_unicode() {
        let hay = format!("x {} y", EMAIL.to_uppercase());
        assert_eq!(found(&hay), one("customer_contact.email", "case-folded", 2));
        let hay = format!("ÄÄ {} y", NAME.to_uppercase());
        assert_eq!(
            found(&hay),
            one("customer_contact.name", "case-folded", "ÄÄ ".len())
        );
        let hay = format!("ÄÄ {} y", NAME.to_lowercase());
        assert_eq!(
            found(&hay),
            one("customer_contact.name", "case-folded", "ÄÄ ".len())
        );
    }

    #[test]
    fn json_escaped() {
        // serde_json: quotes escaped, the rest as is.
        let body = serde_json::json!({ "notes": NOTES }).to_string();
        let at = body.find("Call").expect("notes in body");
        assert_eq!(found(&body), one("notes", "json-escaped", at));
        // \u escapes of non-ASCII (both hex cases), `\/`, HTML-safe escapes.
        for escaped in [
            "Zo\\u00eb \\u00c5ngstr\\u00f6m-Voss",
            "Zo\\u00EB \\u00C5ngstr\\u00F6m-Voss",
        ] {
            let hay = format!("{{\"n\":\"{escaped}\"}}");
            assert_eq!(found(&hay), one("customer_contact.name", "json-escaped", 6));
        }
        for escaped in [
            "Call after 5pm \\/ prefers \\\"blue\\\" & <sunroof>",
            "Call after 5pm \\/ prefers \\\"blue\\\" \\u0026 \\u003csunroof\\u003e",
            "Call after 5pm / prefers \\\"blue\\\" \\u0026 \\u003csunroof\\u003e",
        ] {
            let hay = format!("{{\"n\":\"{escaped}\"}}");
            assert_eq!(found(&hay), one("notes", "json-escaped", 6), "{escaped}");
        }
    }

    #[test]
    fn url_encoded() {
        for enc in [
            "jane.doe%2Btck%40example.com",
            "jane.doe%2btck%40example.com",
        ] {
            let hay = format!("GET /lead?email={enc}&x=1");
            assert_eq!(
                found(&hay),
                one("customer_contact.email", "url-encoded", 16)
            );
        }
        for enc in [
            "Zo%C3%AB+%C3%85ngstr%C3%B6m-Voss",
            "Zo%c3%ab%20%c3%85ngstr%c3%b6m-Voss",
        ] {
            let hay = format!("name={enc}");
            assert_eq!(found(&hay), one("customer_contact.name", "url-encoded", 5));
        }
        // encodeURIComponent leaves ' ( ) unencoded.
        let s = LeakScanner::new(vec![canary("notes", "it's (really) me")]);
        let f = s.scan("t", b"q=it's%20(really)%20me");
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].form.as_str(), f[0].offset), ("url-encoded", 2));
    }

    #[test]
    fn base64_at_every_alignment_and_in_both_alphabets() {
        // A value whose encoding has `+` and `/` in some alignments.
        let value = "Zoë~Ångström?>>";
        let s = LeakScanner::new(vec![canary("customer_contact.name", value)]);
        let mut saw_difference = false;
        for prefix_len in 0..6 {
            let mut blob = b"PREFIX"[..prefix_len].to_vec();
            blob.extend_from_slice(value.as_bytes());
            blob.extend_from_slice(b"-suffix-bytes");
            for engine in [&STANDARD, &URL_SAFE] {
                let encoded = engine.encode(&blob);
                saw_difference |= encoded.contains(['+', '/', '-', '_']);
                let hay = format!("data:{encoded};end");
                let f = s.scan("t", hay.as_bytes());
                assert_eq!(f.len(), 1, "prefix {prefix_len}: {encoded}: {f:?}");
                assert_eq!(f[0].form, "base64");
                // The stable part starts within the first encoded group of the canary.
                let canary_at = 5 + prefix_len * 4 / 3;
                assert!(
                    f[0].offset >= canary_at && f[0].offset <= canary_at + 4,
                    "{} vs {canary_at}",
                    f[0].offset
                );
                assert_masked(&s, &f);
            }
        }
        assert!(saw_difference, "the alphabets were exercised");
    }

    #[test]
    fn quoted_printable_with_soft_line_breaks() {
        let hay = "Name: Zo=C3=AB =C3=85ngstr=\r\n=C3=B6m-Voss\r\n";
        assert_eq!(
            found(hay),
            one("customer_contact.name", "quoted-printable", 6)
        );
        let hay = "Name: Zo=c3=ab =c3=85ngstr=c3=b6m-Voss\n";
        assert_eq!(
            found(hay),
            one("customer_contact.name", "quoted-printable", 6)
        );
        // A plain ASCII value split by a soft line break.
        let hay = "Reply-to is jane.doe+tck@exa=\nmple.com ok";
        assert_eq!(
            found(hay),
            one("customer_contact.email", "quoted-printable", 12)
        );
        let f = scanner().scan("mail", hay.as_bytes());
        assert_masked(&scanner(), &f);
        assert!(
            f[0].snippet.contains("ja****@example.com"),
            "{}",
            f[0].snippet
        );
        assert!(f[0].snippet.ends_with(" ok"), "{}", f[0].snippet);
    }

    #[test]
    fn digits_only_phone() {
        let cases = [
            ("tel=5550104477;", 4),
            ("tel=555.010.4477;", 4),
            ("tel=555 - 010 - 4477", 4),
            ("tel=+15550104477", 4),
            ("tel=+1 (555) 010 4477", 4),
            ("tel=1-555-010-4477!", 6),
        ];
        for (hay, offset) in cases {
            assert_eq!(
                found(hay),
                one("customer_contact.phone", "digits-only", offset),
                "{hay}"
            );
        }
        // Digits glued to other digits are a different number.
        for hay in ["id=95550104477", "id=55501044770", "x5550104"] {
            assert_eq!(found(hay), vec![], "{hay}");
        }
        // An international canary is also found without its + or its country code.
        let s = LeakScanner::new(vec![canary("p", "+44 20 7946 0958")]);
        for (hay, form) in [
            ("442079460958", "digits-only"),
            ("020 7946 0958", "digits-only"),
            ("+44 (0)20 7946 0958", "digits-only"),
            ("+44 20 7946 0958", "raw"),
        ] {
            let f = s.scan("t", hay.as_bytes());
            assert_eq!(f.len(), 1, "{hay}: {f:?}");
            assert_eq!(f[0].form, form, "{hay}");
        }
    }

    #[test]
    fn simplest_form_wins() {
        // Raw, case-folded and digits-only all match here; reported once, as raw.
        let hay = format!("phone {PHONE} end");
        assert_eq!(found(&hay), one("customer_contact.phone", "raw", 6));
        // The address is its own JSON escaping and quoted-printable form: still raw.
        let hay = format!("{{\"e\":\"{EMAIL}\"}}");
        assert_eq!(found(&hay), one("customer_contact.email", "raw", 6));
    }

    #[test]
    fn no_false_positive_on_a_clean_haystack() {
        let s = scanner();
        let mut hay = String::from(
            "{\"data\":{\"handoff_id\":\"hnd_01\",\"sent_to_masked\":\"ja****@example.com\",\
             \"customer\":\"Zo****\",\"phone\":\"555-010-9999\",\"other\":\"john.doe@example.com\",\
             \"ts\":\"2026-03-14T10:30:00Z\",\"n\":15550104478,\"id\":\"5550104477123\"}}\n",
        );
        for (_, h) in s.hashes() {
            hay.push_str(&format!("hash={h}\n"));
        }
        hay.push_str(&STANDARD.encode(b"unrelated binary payload of some length"));
        hay.push_str("\nZo=C3=AB Smith, jane.doe%40example.org\n");
        assert_eq!(s.scan("clean", hay.as_bytes()), vec![]);
        // Binary data without the canaries.
        let bin: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        assert_eq!(s.scan("db", &bin), vec![]);
    }

    #[test]
    fn snippets_are_masked_and_one_line() {
        let s = scanner();
        let hay = format!(
            "INFO 2026-03-14 handoff ok\nto={EMAIL}\nname={NAME} phone={PHONE} {EMAIL}{EMAIL}\n\
             notes={NOTES}\n{}\n",
            NAME.to_uppercase()
        );
        let findings = s.scan("log", hay.as_bytes());
        assert_eq!(findings.len(), 7, "{findings:#?}");
        assert_masked(&s, &findings);
        let first = &findings[0];
        assert_eq!(first.surface, "log");
        assert_eq!(
            first.snippet,
            "026-03-14 handoff ok⏎to=ja****@example.com⏎name=Zo**** phone=(5***"
        );
        for f in &findings {
            assert!(!f.snippet.contains('\n'), "{:?}", f.snippet);
            let mask = mask_value(
                &s.canaries()
                    .iter()
                    .find(|c| c.field == f.field)
                    .expect("canary")
                    .value,
            );
            assert!(f.snippet.contains(&mask), "{:?} lacks {mask}", f.snippet);
            assert!(f.snippet.chars().count() <= 2 * CONTEXT_CHARS + mask.chars().count());
        }
    }

    #[test]
    fn snippets_mask_neighbours_cut_by_the_window() {
        // The second address starts inside the first one's right context and runs past it.
        let s = LeakScanner::new(vec![canary("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io")]);
        let value = &s.canaries()[0].value.clone();
        let hay = format!("{value}-{value}");
        let f = s.scan("t", hay.as_bytes());
        assert_eq!(f.len(), 2);
        assert_masked(&s, &f);
        assert_eq!(f[0].snippet, "aa****@x.io-aa****@x.io");
        // A canary inside another one (a name inside the notes) never shows through.
        let s = LeakScanner::new(vec![
            canary("name", "Jane Doe"),
            canary("notes", "Jane Doe wants the blue Outback"),
        ]);
        let f = s.scan("t", b"note: Jane Doe wants the blue Outback!");
        assert_eq!(f.len(), 2, "{f:?}");
        assert_masked(&s, &f);
        for x in &f {
            assert!(!x.snippet.contains("blue"), "{:?}", x.snippet);
        }
    }

    #[test]
    fn snippet_context_is_lossy_utf8_on_char_boundaries() {
        let s = LeakScanner::new(vec![canary("e", EMAIL)]);
        let mut hay = "ü".repeat(40).into_bytes();
        hay.push(0xff);
        hay.extend_from_slice(EMAIL.as_bytes());
        hay.extend_from_slice(b"\x00\x01tail\r\nnext");
        let f = s.scan("db", &hay);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].offset, 81);
        let expected = format!("{}\u{fffd}ja****@example.com··tail⏎next", "ü".repeat(23));
        assert_eq!(f[0].snippet, expected);
    }

    #[test]
    fn hashes_of_value_and_normalized_form() {
        let s = LeakScanner::new(vec![
            canary("customer_contact.email", " Jane.Doe@Example.com "),
            canary("notes", "already lower"),
        ]);
        assert_eq!(
            s.hashes(),
            vec![
                (
                    "customer_contact.email".to_owned(),
                    crate::spec::sha256_hex(" Jane.Doe@Example.com ")
                ),
                (
                    "customer_contact.email".to_owned(),
                    crate::spec::sha256_hex("jane.doe@example.com")
                ),
                ("notes".to_owned(), crate::spec::sha256_hex("already lower")),
            ]
        );
    }

    #[test]
    fn scan_hashes_finds_hex_in_any_case_and_raw_digests() {
        let s = LeakScanner::new(vec![canary(
            "customer_contact.email",
            "Jane.Doe@Example.com",
        )]);
        let lower = crate::spec::sha256_hex("jane.doe@example.com");
        let exact = crate::spec::sha256_hex("Jane.Doe@Example.com");
        let mut hay = format!("a={}\nb={lower}\n", exact.to_uppercase()).into_bytes();
        let binary_at = hay.len();
        hay.extend_from_slice(&Sha256::digest(b"jane.doe@example.com"));
        let field = "customer_contact.email".to_owned();
        assert_eq!(
            s.scan_hashes("db", &hay),
            vec![(field.clone(), 2), (field.clone(), 69), (field, binary_at)]
        );
        assert_eq!(s.scan_hashes("db", b"no digests here"), vec![]);
        // A digest is not a plaintext leak.
        assert_eq!(s.scan("db", &hay), vec![]);
    }

    #[test]
    fn many_canaries_on_a_large_surface() {
        let canaries: Vec<Canary> = (0..300)
            .map(|i| canary(&format!("f{i}"), &format!("customer{i:03}@example{i}.com")))
            .collect();
        let s = LeakScanner::new(canaries);
        // 3 MB of log lines with three planted canaries in three forms.
        let line = "2026-03-14T10:30:00Z INFO request handled in 12ms status=200\n";
        let mut hay = line.repeat(3 * 1024 * 1024 / line.len());
        let raw_at = hay.len() / 3;
        hay.insert_str(raw_at, "customer017@example17.com");
        let url_at = hay.len() / 2;
        hay.insert_str(url_at, "customer123%40example123.com");
        let b64_at = hay.len() - 100;
        hay.insert_str(b64_at, &STANDARD.encode("customer299@example299.com"));
        let f = s.scan("log", hay.as_bytes());
        let got: Vec<(&str, &str, usize)> = f
            .iter()
            .map(|x| (x.field.as_str(), x.form.as_str(), x.offset))
            .collect();
        assert_eq!(
            got,
            vec![
                ("f17", "raw", raw_at),
                ("f123", "url-encoded", url_at),
                ("f299", "base64", b64_at),
            ]
        );
    }

    #[test]
    fn pathological_repetition_is_bounded() {
        let s = LeakScanner::new(vec![canary("x", "aaaaaa")]);
        let hay = vec![b'a'; 200_000];
        let f = s.scan("t", &hay);
        assert_eq!(f.len(), LeakScanner::MAX_FINDINGS);
        assert!(f.iter().all(|x| x.form == "raw"));
        assert_masked(&s, &f[..10]);
    }

    fn planted(form: usize, value: &str) -> String {
        match form {
            0 => value.to_owned(),
            1 => value.to_uppercase(),
            2 => json_forms(value).pop().unwrap_or_else(|| value.to_owned()),
            3 => url_forms(value).pop().unwrap_or_else(|| value.to_owned()),
            4 => STANDARD.encode(value),
            5 => URL_SAFE.encode(format!("xy{value}")),
            _ => qp_forms(value.as_bytes()).remove(0),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// A canary planted in any form is found inside its planted span, and no snippet ever
        /// shows its plaintext.
        #[test]
        fn planted_canaries_are_found_and_masked(
            value in "[a-zA-Z0-9éöÅ .@+_/-]{6,24}",
            before in "[ -~\n]{0,40}",
            after in "[ -~\n]{0,40}",
            form in 0usize..7,
        ) {
            prop_assume!(!value.trim().is_empty() && value.trim().chars().count() >= 6);
            let s = LeakScanner::new(vec![canary("f", &value)]);
            let encoded = planted(form, value.trim());
            let hay = format!("{before}{encoded}{after}");
            let start = before.len();
            let end = start + encoded.len();
            let f = s.scan("t", hay.as_bytes());
            prop_assert!(
                f.iter().any(|x| x.offset >= start && x.offset < end),
                "{hay:?}: {f:?}"
            );
            let lowered = value.trim().to_lowercase();
            for x in &f {
                prop_assert!(!x.snippet.to_lowercase().contains(&lowered), "{:?}", x.snippet);
            }
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(hay in proptest::collection::vec(any::<u8>(), 0..400)) {
            let s = scanner();
            let f = s.scan("t", &hay);
            assert_masked(&s, &f);
            let _ = s.scan_hashes("t", &hay);
        }
    }
}
