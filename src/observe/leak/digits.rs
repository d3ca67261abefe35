//! Digits-only phone numbers: the digit groups of a surface looked up in hash maps of the canaries' digit forms, with the rules that leave out timestamps, ids and longer runs.

use std::collections::HashMap;

/// Fewest digits a phone-shaped canary needs to get digits-only forms.
pub(crate) const MIN_PHONE_DIGITS: usize = 7;

/// Separator characters written between the digit groups of a phone number.
pub(crate) const PHONE_SEPARATORS: &[u8] = b" \t.()-";

/// At most this many separator characters stand between two digit groups of one number.
pub(crate) const MAX_SEPARATOR_RUN: usize = 3;

/// Country codes of two digits (ITU-T E.164 assignments); `1` and `7` have one digit and every
/// other code three, so the country code of an international number is determined by its
/// first digits.
pub(crate) const TWO_DIGIT_COUNTRY_CODES: &[&[u8; 2]] = &[
    b"20", b"27", b"30", b"31", b"32", b"33", b"34", b"36", b"39", b"40", b"41", b"43", b"44",
    b"45", b"46", b"47", b"48", b"49", b"51", b"52", b"53", b"54", b"55", b"56", b"57", b"58",
    b"60", b"61", b"62", b"63", b"64", b"65", b"66", b"81", b"82", b"84", b"86", b"90", b"91",
    b"92", b"93", b"94", b"95", b"98",
];

/// Length of the country code at the start of the digits of an international number.
pub(crate) fn country_code_len(digits: &[u8]) -> usize {
    match digits {
        [b'1' | b'7', ..] => 1,
        [a, b, ..] if TWO_DIGIT_COUNTRY_CODES.contains(&&[*a, *b]) => 2,
        _ => 3,
    }
}

/// The digit strings a phone-shaped canary is recognised by in the surface.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PhoneKeys {
    /// Digit strings that are the number as written, wherever they stand.
    pub(crate) plain: Vec<Vec<u8>>,
    /// The digits of a national number (a value without `+`), also found after a `+` and a
    /// country code of 1 to 3 digits.
    pub(crate) after_country_code: Option<Vec<u8>>,
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
pub(crate) fn phone_keys(value: &str) -> Option<PhoneKeys> {
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
pub(crate) struct DigitScanCost {
    /// Digit groups in the surface.
    pub(crate) groups: usize,
    /// Runs of groups with enough digits to hold a phone number.
    pub(crate) runs: usize,
    /// Group positions a number was looked for from.
    pub(crate) starts: usize,
    /// Hash-map lookups.
    pub(crate) lookups: usize,
}

/// A maximal sequence of ASCII digits in the surface.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Glued to an identifier (an ASCII letter or `_` on either side, directly or across `-`/`.`),
    /// or a part of a time (`:` between it and another digit).
    pub(crate) bad: bool,
    /// The separators before it (inside a run) contain no space or tab.
    pub(crate) tight: bool,
    /// The separator before it (inside a run) when it is one byte, else 0.
    pub(crate) gap: u8,
}

impl Group {
    pub(crate) fn digits<'h>(&self, hay: &'h [u8]) -> &'h [u8] {
        &hay[self.start..self.end]
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Its value, if it has at most nine digits.
    pub(crate) fn value(&self, hay: &[u8]) -> Option<u32> {
        (self.len() <= 9).then(|| {
            self.digits(hay)
                .iter()
                .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'))
        })
    }
}

/// The digits-only forms of the phone-shaped canaries, in hash maps looked up by the digit
/// groups of the surface.
pub(crate) struct DigitMatcher {
    /// Digit string → canaries it stands for as written.
    pub(crate) plain: HashMap<Box<[u8]>, Vec<usize>>,
    /// National digit string → canaries, after a `+` and 1 to 3 digits of country code.
    pub(crate) after_country_code: HashMap<Box<[u8]>, Vec<usize>>,
    /// Fewest digits a candidate needs to be looked up.
    pub(crate) min_len: usize,
    /// Most digits a candidate can have (country code included).
    pub(crate) max_len: usize,
}

impl DigitMatcher {
    pub(crate) fn new(keys: Vec<(PhoneKeys, usize)>) -> DigitMatcher {
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
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        self.find_counted(hay).0
    }

    /// [`find`](Self::find), with the work it took.
    ///
    /// One pass splits the surface into digit groups and collects runs of groups joined by at
    /// most [`MAX_SEPARATOR_RUN`] phone separators (a `+` starts a new run); each run is
    /// handed to [`scan_run`](Self::scan_run).
    pub(crate) fn find_counted(&self, hay: &[u8]) -> (Vec<(usize, usize, usize)>, DigitScanCost) {
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
    pub(crate) fn scan_run(
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
    pub(crate) fn scan_segment(
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
pub(crate) fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether the digits `hay[start..end]` are glued to an identifier character, directly or
/// across up to three `-`/`.` (`lead_2026`, `e89b-12d3`, `12ms`, `req-4155551234`).
pub(crate) fn glued_to_identifier(hay: &[u8], start: usize, end: usize) -> bool {
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
pub(crate) fn part_of_time(hay: &[u8], start: usize, end: usize) -> bool {
    (start >= 2 && hay[start - 1] == b':' && hay[start - 2].is_ascii_digit())
        || (hay.get(end) == Some(&b':') && hay.get(end + 1).is_some_and(u8::is_ascii_digit))
}

pub(crate) fn valid_date(year: u32, month: u32, day: u32) -> bool {
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

pub(crate) fn valid_time(hour: u32, minute: u32, second: u32) -> bool {
    hour <= 23 && minute <= 59 && second <= 60
}

/// Whether a chain holds a date: three groups joined by the same `-` or `.`, as year-month-day,
/// day-month-year or month-day-year with a four-digit year.
pub(crate) fn is_date_chain(hay: &[u8], chain: &[Group]) -> bool {
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
pub(crate) fn is_uuid_chain(chain: &[Group]) -> bool {
    chain.len() == 5
        && chain.iter().map(Group::len).eq([8, 4, 4, 4, 12])
        && chain[1..].iter().all(|g| g.gap == b'-')
}

/// Two groups joined by one `.`: a decimal number (`1234.567`).
pub(crate) fn is_decimal_chain(chain: &[Group]) -> bool {
    chain.len() == 2 && chain[1].gap == b'.'
}

/// A dotted-quad IPv4 address (`192.168.0.10`).
pub(crate) fn is_ipv4_chain(hay: &[u8], chain: &[Group]) -> bool {
    chain.len() == 4
        && chain[1..].iter().all(|g| g.gap == b'.')
        && chain.iter().all(|g| {
            let d = g.digits(hay);
            d.len() <= 3 && (d.len() == 1 || d[0] != b'0') && g.value(hay).is_some_and(|v| v <= 255)
        })
}

pub(crate) fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |v, &d| {
        v.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

/// `YYYYMMDD`.
pub(crate) fn is_compact_date(d: &[u8]) -> bool {
    d.len() == 8 && valid_date(number(&d[..4]), number(&d[4..6]), number(&d[6..]))
}

/// `HHMM`, `HHMMSS` or `HHMMSSmmm`.
pub(crate) fn is_compact_time(d: &[u8]) -> bool {
    let second = |d: &[u8]| number(&d[4..6]);
    match d.len() {
        4 => valid_time(number(&d[..2]), number(&d[2..]), 0),
        6 | 9 => valid_time(number(&d[..2]), number(&d[2..4]), second(d)),
        _ => false,
    }
}

/// `YYYYMMDDHHMMSS`, with or without milliseconds.
pub(crate) fn is_compact_timestamp(d: &[u8]) -> bool {
    matches!(d.len(), 14 | 17) && is_compact_date(&d[..8]) && is_compact_time(&d[8..14])
}

/// A chain starting with `H.MM` (`11.58.03`, `9.05`).
pub(crate) fn starts_with_dotted_time(hay: &[u8], chain: &[Group]) -> bool {
    let [h, m, ..] = chain else { return false };
    h.len() <= 2
        && m.len() == 2
        && m.gap == b'.'
        && valid_time(number(h.digits(hay)), number(m.digits(hay)), 0)
}

// ---------------------------------------------------------------------------------------------
// Views of the surface
// ---------------------------------------------------------------------------------------------
