//! Seeded generation shared by every suite: a [`CaseSource`] draws shrinkable value trees from
//! proptest strategies, so that the same seed gives the same cases and a failing case can be
//! shrunk by the runner; [`salt_digits`] and [`tag`] make canary values unique per run.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

/// Decimal digits derived from a salt (for unique phone numbers in fixed cases).
pub fn salt_digits(salt: &str, n: usize) -> String {
    let h = crate::spec::sha256_hex(salt);
    let mut d: String = h.bytes().map(|b| char::from(b'0' + b % 10)).collect();
    while d.len() < n {
        d = d.clone() + &d;
    }
    d.truncate(n);
    d
}

/// `base` cut or padded with `fill` to exactly `len` characters (one count, not one per
/// character added: a 2,000-character field cost two million steps counted each time).
pub fn pad_chars(base: &str, len: usize, fill: char) -> String {
    let mut s: String = base.chars().take(len).collect();
    let have = s.chars().count();
    s.extend(std::iter::repeat_n(fill, len.saturating_sub(have)));
    s
}

/// `n` characters drawn from `alphabet` (a Send-able stand-in for a regex strategy).
pub fn chars_from(alphabet: &'static str, n: usize) -> impl Strategy<Value = String, Tree: Send> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(chars), n).prop_map(|v| v.into_iter().collect())
}

/// A lowercase tag: a letter, then seven letters or digits.
pub fn tag() -> impl Strategy<Value = String, Tree: Send> {
    (
        chars_from("abcdefghijklmnopqrstuvwxyz", 1),
        chars_from("abcdefghijklmnopqrstuvwxyz0123456789", 7),
    )
        .prop_map(|(a, b)| a + &b)
}

/// A seeded source of cases whose trees can be shrunk.
pub struct CaseSource {
    runner: TestRunner,
}

/// A generated value and its shrinkable tree.
pub struct CaseTree {
    tree: Box<dyn ValueTree<Value = Value> + Send>,
}

impl CaseTree {
    /// The current (possibly shrunk) value.
    pub fn current(&self) -> Value {
        self.tree.current()
    }
    /// Try a simpler value; false when nothing simpler exists.
    pub fn simplify(&mut self) -> bool {
        self.tree.simplify()
    }
    /// Back off the last simplification; false when it cannot.
    pub fn complicate(&mut self) -> bool {
        self.tree.complicate()
    }
}

impl CaseSource {
    /// A source seeded with `seed` (the same seed gives the same cases).
    pub fn new(seed: u64) -> CaseSource {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        CaseSource {
            runner: TestRunner::new_with_rng(Config::default(), rng),
        }
    }

    /// Draw a value tree from a strategy.
    pub fn draw<S>(&mut self, strategy: S) -> CaseTree
    where
        S: Strategy<Value = Value> + 'static,
        S::Tree: Send + 'static,
    {
        let tree = strategy
            .new_tree(&mut self.runner)
            .expect("strategies here never reject");
        CaseTree {
            tree: Box::new(tree),
        }
    }

    /// A fresh lowercase salt for canaries.
    pub fn salt(&mut self) -> String {
        self.draw(tag().prop_map(Value::String))
            .current()
            .as_str()
            .unwrap_or("salt0000")
            .to_string()
    }
}

/// The object at `key` of `o`, made an object when it is absent or of another type (a
/// generated break edits a member of it, as a break of a sibling rule would leave it).
pub fn object_at<'a>(o: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = o.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(m) => m,
        _ => unreachable!("replaced by an object above"),
    }
}

/// Set the member at JSON pointer `at` (RFC 6901, parsed by `jsonptr`) of `o`, making every
/// parent an object ([`object_at`]). Err: the pointer does not parse.
pub fn set_at(o: &mut Map<String, Value>, at: &str, v: Value) -> Result<(), String> {
    let p = jsonptr::Pointer::parse(at).map_err(|e| format!("bad pointer {at}: {e}"))?;
    let mut tokens: Vec<String> = p.tokens().map(|t| t.decoded().into_owned()).collect();
    let Some(last) = tokens.pop() else {
        return Err(format!(
            "pointer {at:?} names the whole request, not a member"
        ));
    };
    let mut cur = o;
    for t in tokens {
        cur = object_at(cur, &t);
    }
    cur.insert(last, v);
    Ok(())
}
