//! [`Searcher`]: every occurrence of many byte needles in a haystack, found by looking up each
//! position's first bytes in a table instead of walking an automaton.
//!
//! The needles are kept end to end in one buffer. Each is filed under its first `k` bytes read
//! as one integer (`k` is its length, at most eight), in one [`Table`] per key length: a bit
//! filter of the keys' hashes, and the `(key, needle)` pairs sorted by key. A search reads the
//! eight bytes at every position of the haystack once; for each table it masks them to the
//! table's key, and only when the filter holds the key's hash are the needles filed under it
//! looked up and compared whole. Every occurrence is found, overlapping ones too, as
//! Aho-Corasick's overlapping search finds them (a property test holds it to the aho-corasick
//! crate).
//!
//! It replaced an Aho-Corasick automaton per scanner. A run builds a scanner per call (a few
//! dozen needles) and, at its end, one per transport over every case (33,000 needles, 1.6 MB,
//! in a 10,424-case run): the automaton cost 8.6 MB and 39 MB while it was built (heaptrack),
//! and its construction was among the largest costs of a call. A table costs 24 bytes a
//! needle besides the needle itself, and is built by one sort.

use super::*;
use std::collections::HashMap;

/// Needles filed under one key length.
struct Table {
    /// Key length in bytes (1 to 8).
    len: usize,
    /// Mask of a key's bytes in the eight bytes read at a position.
    mask: u64,
    /// Bit filter of the keys' hashes.
    filter: Vec<u64>,
    /// `64 - log2(filter bits)`: a hash's top bits index the filter.
    shift: u32,
    /// `(key, needle)`, sorted.
    keys: Vec<(u64, u32)>,
}

impl Table {
    fn new(len: usize, mut keys: Vec<(u64, u32)>) -> Table {
        keys.sort_unstable();
        // About sixteen filter bits a needle: a position of an unrelated haystack reaches the
        // sorted keys one time in sixteen or less.
        let bits = (keys.len() * 16).next_power_of_two().max(64);
        let mut filter = vec![0u64; bits / 64];
        let shift = 64 - bits.trailing_zeros();
        for &(key, _) in &keys {
            let h = hash(key, shift);
            filter[h / 64] |= 1 << (h % 64);
        }
        Table {
            len,
            mask: mask(len),
            filter,
            shift,
            keys,
        }
    }

    /// The needles filed under `key` (none, most of the time, without touching `keys`).
    fn candidates(&self, key: u64) -> &[(u64, u32)] {
        let h = hash(key, self.shift);
        if self.filter[h / 64] & (1 << (h % 64)) == 0 {
            return &[];
        }
        let from = self.keys.partition_point(|&(k, _)| k < key);
        let to = from + self.keys[from..].partition_point(|&(k, _)| k == key);
        &self.keys[from..to]
    }
}

/// The mask of a `len`-byte key in eight bytes read little-endian.
fn mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

/// The filter index of `key`: a multiplicative hash's top bits.
fn hash(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// The eight bytes at `pos` as a little-endian integer, zeros past the end of `hay`.
fn eight(hay: &[u8], pos: usize) -> u64 {
    match hay.get(pos..pos + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().expect("eight bytes")),
        None => {
            let mut b = [0u8; 8];
            let rest = &hay[pos..];
            b[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(b)
        }
    }
}

/// Unique byte needles, each with the (canary, form) pairs it stands for.
pub(crate) struct Searcher {
    /// Every needle, end to end.
    bytes: Vec<u8>,
    /// Where needle `k` ends in `bytes` (it starts where `k - 1` ends).
    ends: Vec<u32>,
    /// `(canary, form)` owners of every needle, needle by needle.
    owners: Vec<(u32, LeakForm)>,
    /// Where needle `k`'s owners end in `owners`.
    owner_ends: Vec<u32>,
    tables: Vec<Table>,
}

impl Searcher {
    pub(crate) fn new(entries: Vec<(Vec<u8>, usize, LeakForm)>) -> Searcher {
        let mut index: HashMap<&[u8], u32> = HashMap::new();
        let mut triples: Vec<(u32, u32, LeakForm)> = Vec::with_capacity(entries.len());
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for (pattern, canary, form) in &entries {
            if pattern.is_empty() {
                continue;
            }
            let k = *index.entry(pattern.as_slice()).or_insert_with(|| {
                bytes.extend_from_slice(pattern);
                ends.push(bytes.len() as u32);
                ends.len() as u32 - 1
            });
            triples.push((k, *canary as u32, *form));
        }
        triples.sort_unstable();
        triples.dedup();
        let mut owners = Vec::with_capacity(triples.len());
        let mut owner_ends = vec![0u32; ends.len()];
        for (k, canary, form) in triples {
            owners.push((canary, form));
            owner_ends[k as usize] = owners.len() as u32;
        }
        let mut searcher = Searcher {
            bytes,
            ends,
            owners,
            owner_ends,
            tables: Vec::new(),
        };
        let mut by_len: [Vec<(u64, u32)>; 9] = Default::default();
        for k in 0..searcher.ends.len() {
            let needle = searcher.needle(k);
            let len = needle.len().min(8);
            let key = eight(needle, 0) & mask(len);
            by_len[len].push((key, k as u32));
        }
        searcher.tables = by_len
            .into_iter()
            .enumerate()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(len, keys)| Table::new(len, keys))
            .collect();
        searcher
    }

    fn needle(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.bytes[start..self.ends[k] as usize]
    }

    fn owners_of(&self, k: usize) -> &[(u32, LeakForm)] {
        let start = if k == 0 {
            0
        } else {
            self.owner_ends[k - 1] as usize
        };
        &self.owners[start..self.owner_ends[k] as usize]
    }

    /// Every (overlapping) occurrence: `(canary, form, start, end)`.
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, LeakForm, usize, usize)> {
        let mut out = Vec::new();
        let Some(shortest) = self.tables.first().map(|t| t.len) else {
            return out;
        };
        for pos in 0..(hay.len() + 1).saturating_sub(shortest) {
            let eight = eight(hay, pos);
            for t in &self.tables {
                if pos + t.len > hay.len() {
                    break;
                }
                for &(_, k) in t.candidates(eight & t.mask) {
                    let needle = self.needle(k as usize);
                    if hay[pos..].starts_with(needle) {
                        for &(canary, form) in self.owners_of(k as usize) {
                            out.push((canary as usize, form, pos, pos + needle.len()));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;

    fn searcher(needles: &[Vec<u8>]) -> Searcher {
        Searcher::new(
            needles
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i, LeakForm::Raw))
                .collect(),
        )
    }

    /// `(needle, start, end)` of every occurrence, as the aho-corasick crate finds them.
    fn oracle(needles: &[Vec<u8>], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let kept: Vec<(usize, &Vec<u8>)> = needles
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty())
            .collect();
        let ac: AhoCorasick = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(kept.iter().map(|(_, n)| n))
            .expect("automaton");
        let mut out: Vec<_> = ac
            .find_overlapping_iter(hay)
            .map(|m| (kept[m.pattern().as_usize()].0, m.start(), m.end()))
            .collect();
        out.sort_unstable();
        out
    }

    fn found(s: &Searcher, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out: Vec<_> = s
            .find(hay)
            .into_iter()
            .map(|(c, _, a, b)| (c, a, b))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_overlapping_and_repeated_needles_of_every_length_to_the_haystack_edges() {
        let needles: Vec<Vec<u8>> = ["ab", "abcabcab", "bcabcabca", "c", "abcabcabcX", "cab"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let s = searcher(&needles);
        for hay in ["abcabcabca", "c", "", "ab", "xxabcabcabcX"] {
            assert_eq!(
                found(&s, hay.as_bytes()),
                oracle(&needles, hay.as_bytes()),
                "{hay}"
            );
        }
        // ab ×3, c ×3, cab ×2, abcabcab, bcabcabca.
        assert_eq!(found(&s, b"abcabcabca").len(), 10);
    }

    #[test]
    fn a_needle_two_owners_share_is_reported_for_both() {
        let s = Searcher::new(vec![
            (b"jane.roe@example.com".to_vec(), 0, LeakForm::Raw),
            (b"jane.roe@example.com".to_vec(), 1, LeakForm::Raw),
            (b"jane.roe@example.com".to_vec(), 1, LeakForm::Raw),
        ]);
        let mut f = s.find(b"to: jane.roe@example.com");
        f.sort_unstable();
        assert_eq!(
            f,
            vec![(0, LeakForm::Raw, 4, 24), (1, LeakForm::Raw, 4, 24)]
        );
    }

    proptest! {
        #[test]
        fn finds_what_aho_corasick_finds(
            needles in prop::collection::vec(prop::collection::vec(b'a'..=b'd', 0..12), 1..24),
            hay in prop::collection::vec(b'a'..=b'e', 0..200),
        ) {
            prop_assert_eq!(found(&searcher(&needles), &hay), oracle(&needles, &hay));
        }
    }
}
