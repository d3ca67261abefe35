//! [`ScannerStack`]: the canaries of every case sent so far, added a case at a time and asked
//! "does this body carry any of them?". Rebuilding one scanner over all of them per call made a
//! run quadratic in its cases (issue 15). The stack builds nothing when a case is added: the
//! canaries wait until a question comes (against a correct server none does, every side effect
//! carrying its own call's canaries). A question first builds the waiting cases into one block,
//! merged with the blocks before it that are no larger, the way a binary counter carries, so
//! block sizes at least halve from the oldest to the newest: every canary is built into a
//! scanner O(log n) times over a run, and a question asks at most ⌈log₂ n⌉ + 1 scanners.

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
    /// Cases added since the last question, not yet in a block.
    waiting: Vec<Canary>,
    waiting_cases: usize,
    /// Canaries built into a scanner so far (a cost counter for tests and benchmarks).
    built: usize,
}

impl ScannerStack {
    /// An empty stack.
    pub fn new() -> ScannerStack {
        ScannerStack::default()
    }

    /// Add one case's canaries (nothing is built until a question).
    pub fn push(&mut self, canaries: Vec<Canary>) {
        self.waiting.extend(canaries);
        self.waiting_cases += 1;
    }

    /// Build the waiting cases into a block, merging the blocks before it that are no larger.
    fn settle(&mut self) {
        if self.waiting_cases == 0 {
            return;
        }
        let mut cases = std::mem::take(&mut self.waiting_cases);
        let mut canaries = std::mem::take(&mut self.waiting);
        while let Some(last) = self.blocks.last()
            && last.cases <= cases
        {
            let last = self.blocks.pop().expect("a last block");
            cases += last.cases;
            let mut merged = last.canaries;
            merged.extend(canaries);
            canaries = merged;
        }
        self.built += canaries.len();
        self.blocks.push(Block {
            cases,
            scanner: LeakScanner::plaintext(canaries.clone()),
            canaries,
        });
    }

    /// Whether `body` carries any canary of any case added so far.
    pub fn carries_any(&mut self, surface: &str, body: &[u8]) -> bool {
        self.settle();
        self.blocks
            .iter()
            .any(|b| !b.scanner.scan(surface, body).is_empty())
    }

    /// Cases added so far.
    pub fn cases(&self) -> usize {
        self.blocks.iter().map(|b| b.cases).sum::<usize>() + self.waiting_cases
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
    fn nothing_is_built_until_a_question() {
        let mut s = ScannerStack::new();
        for i in 0..1000 {
            s.push(vec![email(i)]);
        }
        assert_eq!((s.canaries_built(), s.scanners(), s.cases()), (0, 0, 1000));
        assert!(s.carries_any("mail", b"person.999.q7@example.com"));
        assert_eq!((s.canaries_built(), s.scanners()), (1000, 1));
    }

    #[test]
    fn asked_after_every_case_the_build_cost_is_n_log_n_and_a_question_asks_log_n_scanners() {
        let mut s = ScannerStack::new();
        let n = 4096;
        for i in 0..n {
            s.push(vec![email(i)]);
            assert!(!s.carries_any("mail", b"no customer data"));
        }
        // 4096 = 2^12: one block; every canary was built into at most 13 scanners (sizes 1,
        // 2, …, 4096; a carry that merges several blocks builds only the last).
        assert_eq!(s.scanners(), 1);
        assert!(s.canaries_built() <= n * 13, "{}", s.canaries_built());
        s.push(vec![email(n)]);
        assert!(s.carries_any("mail", b"person.4096.q7@example.com"));
        assert_eq!(s.scanners(), 2);
        // Rebuilding one scanner over everything after every case would have built n(n+1)/2.
        assert!(s.canaries_built() < n * (n + 1) / 2 / 100);
    }

    #[test]
    fn questions_at_any_spacing_keep_the_blocks_halving() {
        let mut s = ScannerStack::new();
        let mut i = 0;
        for gap in [1, 5, 3, 17, 2, 64, 1, 1, 9, 200, 7] {
            for _ in 0..gap {
                s.push(vec![email(i)]);
                i += 1;
            }
            assert!(s.carries_any(
                "mail",
                format!("person.{}.q7@example.com", i - 1).as_bytes()
            ));
            let sizes: Vec<usize> = s.blocks.iter().map(|b| b.cases).collect();
            assert!(sizes.windows(2).all(|w| w[0] > w[1]), "{sizes:?}");
            assert!(
                s.scanners() <= (i as f64).log2().ceil() as usize + 1,
                "{sizes:?}"
            );
        }
        assert_eq!(s.cases(), i);
        for k in 0..i {
            assert!(s.carries_any("mail", format!("person.{k}.q7@example.com").as_bytes()));
        }
    }
}
