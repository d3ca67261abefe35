//! [`Searcher`]: every occurrence of many byte needles in a haystack, found by looking up the
//! bytes at each position in tables of the needles' leading bytes instead of walking an
//! automaton.
//!
//! The needles are kept end to end in one buffer and filed in a [`Node`]: each needle under its
//! first `k` bytes read as one integer (`k` is its length, at most eight), in one [`Table`] per
//! key length: a bit filter of the keys' hashes and the keys sorted. A key of fewer than eight
//! bytes is a whole needle. Under an eight-byte key, a few needles are compared whole; more
//! (the notes and names of a long run share their first words: 1,495 needles begin `Customer`
//! in a 10,424-case run) are filed again by their next eight bytes, in a node of their own, so
//! a position costs a few lookups per eight bytes of the longest needle it matches, whatever
//! the number of needles. A search asks, at every position of the haystack, one filter of the
//! needles' first four bytes; only where it and a table's filter hold the key's hash are the
//! keys looked up. Every occurrence is found,
//! overlapping ones too, as Aho-Corasick's overlapping search finds them (a property test holds
//! it to the aho-corasick crate).
//!
//! It replaced an Aho-Corasick automaton per scanner. A run builds a scanner per call (a few
//! dozen needles) and, at its end, one per transport over every case (33,000 needles, 1.6 MB,
//! in a 10,424-case run): the automaton cost 8.6 MB and 39 MB while it was built (heaptrack),
//! and its construction was among the largest costs of a call. A node costs about 24 bytes a
//! needle besides the needle itself, and is built by sorting.

use super::filter::Filter;
use super::*;
use std::collections::HashMap;

/// Needles under one eight-byte key compared whole; more are filed in a deeper node.
const GROUP: usize = 8;

/// The keys of one length in a node.
struct Table {
    /// Key length in bytes (1 to 8).
    len: usize,
    /// Mask of a key's bytes in the eight bytes read at a position.
    mask: u64,
    /// Filter of the keys.
    filter: Filter,
    /// `(key, slot)`, sorted.
    keys: Vec<(u64, u32)>,
}

/// What a key leads to.
enum Slot {
    /// Needles compared whole (one, for a key shorter than eight bytes: the needle itself).
    Needles(Vec<u32>),
    /// Many needles sharing eight bytes, filed by the bytes after them.
    Deeper(Box<Node>),
}

/// Needles filed by their bytes from `depth` on.
struct Node {
    /// Needles that end at `depth` (their bytes were all matched by the keys above).
    ended: Vec<u32>,
    tables: Vec<Table>,
    slots: Vec<Slot>,
}

impl Table {
    fn new(len: usize, keys: Vec<(u64, u32)>) -> Table {
        // A position of an unrelated haystack reaches the sorted keys one time in sixteen or
        // less.
        Table {
            len,
            mask: mask(len),
            filter: Filter::new(keys.iter().map(|&(k, _)| k), 16, 64),
            keys,
        }
    }

    /// The slot filed under `key`, if any (most of the time the filter answers alone).
    fn slot(&self, key: u64) -> Option<u32> {
        if !self.filter.may_hold(key) {
            return None;
        }
        let i = self.keys.partition_point(|&(k, _)| k < key);
        self.keys
            .get(i)
            .filter(|&&(k, _)| k == key)
            .map(|&(_, slot)| slot)
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

/// The eight bytes at the start of `s` as a little-endian integer, zeros past its end.
fn eight(s: &[u8]) -> u64 {
    match s.get(..8) {
        Some(b) => u64::from_le_bytes(b.try_into().expect("eight bytes")),
        None => {
            let mut b = [0u8; 8];
            b[..s.len()].copy_from_slice(s);
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
    root: Node,
    /// A filter of every needle's first four bytes, asked once per position before the root's
    /// tables (None when a needle is shorter).
    first4: Option<Filter>,
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
            root: Node {
                ended: Vec::new(),
                tables: Vec::new(),
                slots: Vec::new(),
            },
            first4: None,
        };
        let all = (0..searcher.ends.len() as u32).collect();
        searcher.root = searcher.node(all, 0);
        let n = searcher.ends.len() as u32;
        if (0..n).all(|id| searcher.needle(id).len() >= 4) {
            let firsts: Vec<u64> = (0..n)
                .map(|id| eight(searcher.needle(id)) & mask(4))
                .collect();
            searcher.first4 = Some(Filter::new(firsts.into_iter(), 16, 64));
        }
        searcher
    }

    /// The node of `ids`, whose bytes before `depth` are matched by the keys above it.
    fn node(&self, ids: Vec<u32>, depth: usize) -> Node {
        let mut ended = Vec::new();
        let mut by_len: [Vec<(u64, u32)>; 9] = Default::default();
        for id in ids {
            let rest = &self.needle(id)[depth..];
            if rest.is_empty() {
                ended.push(id);
                continue;
            }
            let len = rest.len().min(8);
            by_len[len].push((eight(rest) & mask(len), id));
        }
        let mut tables = Vec::new();
        let mut slots = Vec::new();
        for (len, mut filed) in by_len.into_iter().enumerate() {
            if filed.is_empty() {
                continue;
            }
            filed.sort_unstable();
            let mut keys = Vec::new();
            for group in filed.chunk_by(|a, b| a.0 == b.0) {
                let ids: Vec<u32> = group.iter().map(|&(_, id)| id).collect();
                keys.push((group[0].0, slots.len() as u32));
                slots.push(if len == 8 && ids.len() > GROUP {
                    Slot::Deeper(Box::new(self.node(ids, depth + 8)))
                } else {
                    Slot::Needles(ids)
                });
            }
            tables.push(Table::new(len, keys));
        }
        Node {
            ended,
            tables,
            slots,
        }
    }

    fn needle(&self, k: u32) -> &[u8] {
        let k = k as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.bytes[start..self.ends[k] as usize]
    }

    fn owners_of(&self, k: u32) -> &[(u32, LeakForm)] {
        let k = k as usize;
        let start = if k == 0 {
            0
        } else {
            self.owner_ends[k - 1] as usize
        };
        &self.owners[start..self.owner_ends[k] as usize]
    }

    /// Every (overlapping) occurrence: `(canary, form, start, end)`.
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, LeakForm, usize, usize)> {
        self.find_counted(hay).0
    }

    /// [`find`](Self::find), with the work it took.
    pub(crate) fn find_counted(
        &self,
        hay: &[u8],
    ) -> (Vec<(usize, LeakForm, usize, usize)>, SearchCost) {
        let mut out = Vec::new();
        let mut cost = SearchCost::default();
        for pos in 0..hay.len() {
            let s = &hay[pos..];
            if let Some(f) = &self.first4 {
                cost.probes += 1;
                if s.len() < 4 || !f.may_hold(eight(s) & mask(4)) {
                    continue;
                }
            }
            self.prefixes(&self.root, s, 0, &mut cost, &mut |id| {
                let end = pos + self.needle(id).len();
                for &(canary, form) in self.owners_of(id) {
                    out.push((canary as usize, form, pos, end));
                }
            });
        }
        (out, cost)
    }

    /// Visit every needle of `node` that `s` starts with (`s` begins at the needles' byte
    /// `depth`).
    fn prefixes(
        &self,
        node: &Node,
        s: &[u8],
        depth: usize,
        cost: &mut SearchCost,
        visit: &mut impl FnMut(u32),
    ) {
        node.ended.iter().for_each(|&id| visit(id));
        let eight = eight(s);
        for t in &node.tables {
            if s.len() < t.len {
                break;
            }
            cost.probes += 1;
            let Some(slot) = t.slot(eight & t.mask) else {
                continue;
            };
            match &node.slots[slot as usize] {
                Slot::Needles(ids) => {
                    for &id in ids {
                        cost.compared += 1;
                        if s.starts_with(&self.needle(id)[depth..]) {
                            visit(id);
                        }
                    }
                }
                Slot::Deeper(child) => self.prefixes(child, &s[8..], depth + 8, cost, visit),
            }
        }
    }
}

/// The work of one search: what its cost grows with.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SearchCost {
    /// Table lookups: one per position and key length, and one per deeper node reached.
    pub probes: usize,
    /// Needles compared whole (the filter and the keys let them through).
    pub compared: usize,
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

    #[test]
    fn the_work_of_a_search_does_not_grow_with_the_needles() {
        // The needle forms of 100 and of 10,000 canaries shaped as the generator makes them,
        // over the same log-like surface holding two of them.
        let needles = |n: usize| -> Vec<Vec<u8>> {
            (0..n)
                .flat_map(|i| {
                    let email = format!("casey.q{i}x@example.com");
                    // The notes and names of a long run share their first words.
                    let mut forms = vec![
                        email.clone().into_bytes(),
                        format!("Casey Quinn{i}").into_bytes(),
                        format!("casey quinn{i}").into_bytes(),
                        format!("Customer prefers a call after 5pm, ref {i}").into_bytes(),
                        format!("Customer+prefers+a+call+after+5pm%2C+ref+{i}").into_bytes(),
                    ];
                    forms.extend(
                        base64_forms(email.as_bytes())
                            .into_iter()
                            .map(String::into_bytes),
                    );
                    forms
                })
                .collect()
        };
        let mut hay = String::new();
        for i in 0..2_000 {
            hay.push_str(&format!(
                "2026-12-05T21:{:02}:{:02}Z INFO lead {i} id=9f{i:06} handled status=200\n",
                i % 60,
                (i * 7) % 60
            ));
        }
        // Text that begins like many needles and is none of them, and two needles.
        for i in 0..200 {
            hay.push_str(&format!("Customer prefers a call after 5pm, ticket {i}\n"));
        }
        hay.push_str("customer casey.q42x@example.com, Casey Quinn7\n");
        let (few, few_cost) = searcher(&needles(100)).find_counted(hay.as_bytes());
        let (many, many_cost) = searcher(&needles(10_000)).find_counted(hay.as_bytes());
        assert_eq!(few.len(), 2);
        assert!(many.len() >= 2);
        let work = |c: SearchCost| c.probes + c.compared;
        assert!(
            work(many_cost) < 2 * work(few_cost),
            "{few_cost:?} with 100 canaries, {many_cost:?} with 10,000"
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

        #[test]
        fn finds_what_aho_corasick_finds_when_many_needles_share_their_first_words(
            needles in prop::collection::vec(
                // Four bytes at least: the first-four-bytes filter is asked.
                (0..3usize, prop::collection::vec(b'a'..=b'b', 4..14)).prop_map(|(p, tail)| {
                    let mut n = ["", "abababab", "ababababbabababa"][p].as_bytes().to_vec();
                    n.extend(tail);
                    n
                }),
                1..80,
            ),
            hay in prop::collection::vec(
                (0..3usize, prop::collection::vec(b'a'..=b'c', 0..10)).prop_map(|(p, tail)| {
                    let mut n = ["", "abababab", "ababababbabababa"][p].as_bytes().to_vec();
                    n.extend(tail);
                    n
                }),
                0..12,
            ).prop_map(|parts| parts.concat()),
        ) {
            let s = searcher(&needles);
            prop_assert_eq!(found(&s, &hay), oracle(&needles, &hay));
        }
    }
}
