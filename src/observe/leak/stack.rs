//! [`ScannerStack`]: the canaries of every case sent so far, added a case at a time and asked
//! "does this body carry any of them?" after every call. Rebuilding one scanner over all of them
//! per call made a run quadratic in its cases (issue 15); the stack keeps scanners over blocks of
//! cases whose sizes are distinct powers of two, and adding a case merges equal blocks the way a
//! binary counter carries. Every canary is built into a scanner O(log n) times over a run, and a
//! question asks at most ⌈log₂ n⌉ + 1 scanners.

use super::{Canary, LeakScanner};

/// One block: the canaries of `cases` consecutive cases and their scanner.
struct Block {
    cases: usize,
    canaries: Vec<Canary>,
    scanner: LeakScanner,
}

/// Canaries added a case at a time, scanned as one set.
#[derive(Default)]
pub struct ScannerStack {
    blocks: Vec<Block>,
    /// Canaries built into a scanner so far (a cost counter for tests and benchmarks).
    built: usize,
}

impl ScannerStack {
    /// An empty stack.
    pub fn new() -> ScannerStack {
        ScannerStack::default()
    }

    /// Add one case's canaries.
    pub fn push(&mut self, canaries: Vec<Canary>) {
        let mut block = Block {
            cases: 1,
            scanner: LeakScanner::plaintext(canaries.clone()),
            canaries,
        };
        self.built += block.canaries.len();
        while let Some(last) = self.blocks.last()
            && last.cases == block.cases
        {
            let last = self.blocks.pop().expect("a last block");
            let mut canaries = last.canaries;
            canaries.extend(block.canaries);
            self.built += canaries.len();
            block = Block {
                cases: last.cases + block.cases,
                scanner: LeakScanner::plaintext(canaries.clone()),
                canaries,
            };
        }
        self.blocks.push(block);
    }

    /// Whether `body` carries any canary of any case added so far.
    pub fn carries_any(&self, surface: &str, body: &[u8]) -> bool {
        self.blocks
            .iter()
            .any(|b| !b.scanner.scan(surface, body).is_empty())
    }

    /// Cases added so far.
    pub fn cases(&self) -> usize {
        self.blocks.iter().map(|b| b.cases).sum()
    }

    /// Scanners a question asks.
    pub fn scanners(&self) -> usize {
        self.blocks.len()
    }

    /// Canaries built into a scanner since the stack was made.
    pub fn canaries_built(&self) -> usize {
        self.built
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(i: usize) -> Canary {
        Canary {
            field: "customer_contact.email".into(),
            value: format!("person.{i}.q7@example.com"),
        }
    }

    #[test]
    fn every_case_added_is_found_and_nothing_else() {
        let mut s = ScannerStack::new();
        assert!(!s.carries_any("mail", b"person.0.q7@example.com"));
        for i in 0..37 {
            s.push(vec![email(i)]);
        }
        assert_eq!(s.cases(), 37);
        for i in 0..37 {
            let body = format!("To: desk\n\nlead for PERSON.{i}.Q7@example.com");
            assert!(s.carries_any("mail", body.as_bytes()), "case {i}");
        }
        assert!(!s.carries_any("mail", b"person.37.q7@example.com"));
        assert!(!s.carries_any("mail", b"no customer data"));
    }

    #[test]
    fn a_plaintext_scanner_finds_what_a_full_one_finds_and_no_digest() {
        let c = vec![email(3)];
        let body =
            b"PERSON.3.Q7@example.com cGVyc29uLjMucTdAZXhhbXBsZS5jb20= person.3.q7%40example.com";
        let (full, plain) = (LeakScanner::new(c.clone()), LeakScanner::plaintext(c));
        assert_eq!(plain.scan("mail", body), full.scan("mail", body));
        assert_eq!(plain.scan("mail", body).len(), 3);
        assert!(plain.hashes().is_empty() && !full.hashes().is_empty());
    }

    #[test]
    fn the_build_cost_is_n_log_n_and_a_question_asks_log_n_scanners() {
        let mut s = ScannerStack::new();
        let n = 4096;
        for i in 0..n {
            s.push(vec![email(i)]);
        }
        // 4096 = 2^12: one block; every canary was built into 13 scanners (sizes 1, 2, …, 4096).
        assert_eq!(s.scanners(), 1);
        assert_eq!(s.canaries_built(), n * 13);
        s.push(vec![email(n)]);
        assert_eq!(s.scanners(), 2);
        // Rebuilding one scanner over everything after every case would have built n(n+1)/2.
        assert!(s.canaries_built() < n * (n + 1) / 2 / 100);
    }
}
