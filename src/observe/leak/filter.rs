//! [`Filter`]: a bit filter of 64-bit keys, asked before a sorted table or a hash map is: the
//! needle tables ([`Searcher`](super::searching)) and the digest index ask one at every
//! position of a surface, and most positions stop there.

/// A bit per hash of a key (a multiplicative hash's top bits); a key not added is let through
/// about once in `bits per key`.
pub(crate) struct Filter {
    bits: Vec<u64>,
    /// `64 - log2(bits)`: a hash's top bits index the filter.
    shift: u32,
}

impl Default for Filter {
    /// A filter that holds nothing.
    fn default() -> Filter {
        Filter::new(std::iter::empty(), 1, 64)
    }
}

impl Filter {
    /// A filter of `keys` with at least `per_key` bits a key and `min_bits` bits in all.
    pub(crate) fn new(
        keys: impl ExactSizeIterator<Item = u64>,
        per_key: usize,
        min_bits: usize,
    ) -> Filter {
        let n = (keys.len() * per_key)
            .next_power_of_two()
            .max(min_bits.max(64));
        let mut f = Filter {
            bits: vec![0u64; n / 64],
            shift: 64 - n.trailing_zeros(),
        };
        for key in keys {
            let h = f.index(key);
            f.bits[h / 64] |= 1 << (h % 64);
        }
        f
    }

    fn index(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Whether `key` may have been added (it was not, when this says no).
    pub(crate) fn may_hold(&self, key: u64) -> bool {
        let h = self.index(key);
        self.bits[h / 64] & (1 << (h % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_added_is_held_and_most_others_are_not() {
        let keys: Vec<u64> = (0..1000u64).map(|k| k * 7919).collect();
        let f = Filter::new(keys.iter().copied(), 16, 64);
        assert!(keys.iter().all(|&k| f.may_hold(k)));
        let strangers = (0..10_000u64)
            .map(|k| k * 7919 + 1)
            .filter(|&k| f.may_hold(k));
        assert!(
            strangers.count() < 2_000,
            "about one in sixteen, never most"
        );
    }
}
