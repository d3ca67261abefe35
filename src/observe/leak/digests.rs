//! [`DigestIndex`]: the SHA-256 digests of canaries, found in a surface by lookup instead of by
//! search.
//!
//! A digest is 32 random bytes, so its first four bytes already nearly tell it apart. One walk
//! over the surface reads, at every offset, the four bytes starting there (the raw form) and
//! the four bytes the last eight hex digits stand for (the hex form, any case, kept rolling
//! along each run of hex digits), and tests each in a bit filter with at least 64 bits per
//! digest; only a window that passes is looked up whole in a hash map. The walk costs time
//! linear in the surface and memory linear in the digests, whatever their number; an
//! Aho-Corasick automaton over 64-character needles cost kilobytes per canary.

use super::filter::Filter;
use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::{Canary, LeakScanner};

/// The digests of a set of canaries, each with the canaries it is the digest of.
#[derive(Default)]
pub(crate) struct DigestIndex {
    owners: HashMap<[u8; 32], Vec<usize>>,
    /// A filter of the digests' first four bytes, big-endian (as a run of hex digits is read):
    /// a window is looked up only where it passes. At least 64 bits per digest, so a random
    /// window passes about once in 64.
    filter: Filter,
}

fn first_four(bytes: &[u8]) -> u32 {
    let mut four = [0u8; 4];
    four.copy_from_slice(&bytes[..4]);
    u32::from_be_bytes(four)
}

/// The value of every byte that is a hex digit (any case), 0xFF for the others.
const NIBBLES: [u8; 256] = {
    let mut t = [0xFF_u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The 32 bytes 64 hex digits (any case) stand for.
fn decode_hex(digits: &[u8]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(digits, &mut out).ok()?;
    Some(out)
}

impl DigestIndex {
    /// An index of `(digest, canary)` pairs.
    pub(crate) fn new(entries: Vec<([u8; 32], usize)>) -> DigestIndex {
        let filter = Filter::new(
            entries.iter().map(|(d, _)| u64::from(first_four(d))),
            64,
            4096,
        );
        let mut owners: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
        for (digest, canary) in entries {
            let o = owners.entry(digest).or_default();
            if !o.contains(&canary) {
                o.push(canary);
            }
        }
        DigestIndex { owners, filter }
    }

    /// Whether a digest starting with these bytes may be in the index.
    fn passes(&self, first: u32) -> bool {
        self.filter.may_hold(u64::from(first))
    }

    /// `(canary, start)` of every occurrence of a digest in `hay`: as 64 hex digits in any case
    /// (also inside a longer run of hex digits), or as the 32 raw bytes.
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if self.owners.is_empty() {
            return out;
        }
        let mut emit = |digest: &[u8; 32], start: usize| {
            if let Some(owners) = self.owners.get(digest) {
                out.extend(owners.iter().map(|&c| (c, start)));
            }
        };
        // One pass for both forms. Raw: the window starting here, if its first four bytes
        // pass the filter. Hex: the last eight digits read, as the first four bytes of a
        // digest starting eight digits back, kept rolling along each run of hex digits.
        let raw_end = (hay.len() + 1).saturating_sub(32);
        let mut rolling = 0u32;
        let mut run = 0usize;
        for (i, &b) in hay.iter().enumerate() {
            if i < raw_end && self.passes(first_four(&hay[i..])) {
                let mut digest = [0u8; 32];
                digest.copy_from_slice(&hay[i..i + 32]);
                emit(&digest, i);
            }
            let n = NIBBLES[usize::from(b)];
            if n == 0xFF {
                run = 0;
                continue;
            }
            rolling = rolling << 4 | u32::from(n);
            run += 1;
            if run >= 8 {
                let start = i - 7;
                if start + 64 <= hay.len()
                    && self.passes(rolling)
                    && let Some(digest) = decode_hex(&hay[start..start + 64])
                {
                    emit(&digest, start);
                }
            }
        }
        out
    }
}

/// The digests a store may keep of a canary: of its value, and of its trimmed lowercase form
/// when that differs.
fn digest_forms(c: &Canary) -> Vec<String> {
    let mut forms = vec![c.value.clone()];
    let normalized = c.value.trim().to_lowercase();
    if normalized != c.value {
        forms.push(normalized);
    }
    forms
}

/// Finds the SHA-256 digests of canaries (hex in any case, or the 32 raw bytes) and nothing
/// else: what a scan of a store for proof of a recorded hand-off needs, at a few dozen bytes
/// per canary (a [`LeakScanner`] also builds every plaintext form).
#[derive(Default)]
pub struct DigestScanner {
    /// Field of each canary scanned for.
    fields: Vec<String>,
    /// `(field, sha256 hex)` of every digest.
    hashes: Vec<(String, String)>,
    index: DigestIndex,
}

impl DigestScanner {
    /// A scanner for the digests of these canaries (short ones are dropped, as by
    /// [`LeakScanner::new`]).
    pub fn new(canaries: &[Canary]) -> DigestScanner {
        let mut fields = Vec::new();
        let mut hashes = Vec::new();
        let mut entries = Vec::new();
        for c in canaries
            .iter()
            .filter(|c| c.value.trim().chars().count() >= LeakScanner::MIN_LEN)
        {
            for f in digest_forms(c) {
                let digest: [u8; 32] = Sha256::digest(f.as_bytes()).into();
                entries.push((digest, fields.len()));
                hashes.push((c.field.clone(), hex::encode(digest)));
            }
            fields.push(c.field.clone());
        }
        DigestScanner {
            fields,
            hashes,
            index: DigestIndex::new(entries),
        }
    }

    /// Whether no canary is scanned for.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `(field, sha256 hex)` of every canary value, and of its trimmed lowercase form when that
    /// differs.
    pub fn hashes(&self) -> &[(String, String)] {
        &self.hashes
    }

    /// Every `(field, offset)` where the SHA-256 digest of a canary (see
    /// [`hashes`](Self::hashes)) occurs in `haystack`: as hex in any case, or as the 32 raw
    /// bytes. Ordered by offset.
    pub fn scan_hashes(&self, surface: &str, haystack: &[u8]) -> Vec<(String, usize)> {
        let _ = surface;
        let mut out: Vec<(String, usize)> = self
            .index
            .find(haystack)
            .into_iter()
            .map(|(canary, start)| (self.fields[canary].clone(), start))
            .collect();
        out.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn digest(s: &str) -> [u8; 32] {
        Sha256::digest(s.as_bytes()).into()
    }

    #[test]
    fn digests_are_found_as_hex_in_any_case_inside_longer_runs_and_as_raw_bytes() {
        let index = DigestIndex::new(vec![
            (digest("ada@example.com"), 0),
            (digest("+15551234567"), 1),
        ]);
        let hex = hex::encode(digest("ada@example.com"));
        let mut hay = format!("x={} y=ab{}cd ", hex.to_uppercase(), hex).into_bytes();
        let raw_at = hay.len();
        hay.extend_from_slice(&digest("+15551234567"));
        hay.extend_from_slice(b" tail");
        let found = index.find(&hay);
        assert_eq!(found, vec![(0, 2), (0, 71), (1, raw_at)]);
        // One digit short, or a digest of nothing scanned for: nothing.
        assert!(index.find(&hex.as_bytes()[1..]).is_empty());
        assert!(
            index
                .find(hex::encode(digest("other")).as_bytes())
                .is_empty()
        );
        assert!(DigestIndex::new(vec![]).find(&hay).is_empty());
    }
}
