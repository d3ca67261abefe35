//! Searching: one Aho-Corasick automaton over every needle of every canary, built once per scanner.

use super::*;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// Needle bytes below which a scanner keeps the noncontiguous NFA.
const SMALL_NEEDLE_BYTES: usize = 16 * 1024;

/// Unique byte needles, each with the (canary, form) pairs it stands for.
pub(crate) struct Searcher {
    pub(crate) patterns: Vec<Vec<u8>>,
    pub(crate) owners: Vec<Vec<(usize, LeakForm)>>,
    pub(crate) ac: Option<AhoCorasick>,
}

impl Searcher {
    pub(crate) fn new(entries: Vec<(Vec<u8>, usize, LeakForm)>) -> Searcher {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<(usize, LeakForm)>> = Vec::new();
        for (pattern, canary, form) in entries {
            if pattern.is_empty() {
                continue;
            }
            let k = *index.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                owners.push(Vec::new());
                patterns.len() - 1
            });
            if !owners[k].contains(&(canary, form)) {
                owners[k].push((canary, form));
            }
        }
        // An NFA, never the DFA the crate picks for up to 100 needles: that DFA costs
        // megabytes per scanner (heaptrack: 15 MB each, 190 MB for a default run's scanners),
        // and a run builds many scanners; the NFA searches these short surfaces about as fast
        // in a fraction of the memory. A call's own scanner (a few dozen needles, built once
        // per call) stays noncontiguous: converting it costs more than it saves; a scanner of
        // many cases is made contiguous, the most compact form.
        let needle_bytes: usize = patterns.iter().map(Vec::len).sum();
        let kind = if needle_bytes < SMALL_NEEDLE_BYTES {
            AhoCorasickKind::NoncontiguousNFA
        } else {
            AhoCorasickKind::ContiguousNFA
        };
        let ac = AhoCorasickBuilder::new()
            .kind(Some(kind))
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        Searcher {
            patterns,
            owners,
            ac,
        }
    }

    /// Every (overlapping) occurrence: `(canary, form, start, end)`.
    pub(crate) fn find(&self, hay: &[u8]) -> Vec<(usize, LeakForm, usize, usize)> {
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
                        if &hay[start..start + p.len()] == p.as_slice() {
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
