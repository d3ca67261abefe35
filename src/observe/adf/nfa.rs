//! Content-model matching: each content model compiled once into a small Thompson NFA over child element names.

use super::*;

// ---------------------------------------------------------------------------------------------
// Content-model matching: a Thompson NFA over child element names
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
pub(crate) struct NfaState {
    pub(crate) eps: Vec<usize>,
    pub(crate) on: Option<(&'static str, usize)>,
}

#[derive(Debug)]
pub(crate) struct Nfa {
    pub(crate) states: Vec<NfaState>,
    pub(crate) start: usize,
    pub(crate) accept: usize,
}

impl Nfa {
    pub(crate) fn compile(p: &Particle) -> Nfa {
        let mut nfa = Nfa {
            states: Vec::new(),
            start: 0,
            accept: 0,
        };
        let (s, t) = nfa.build(p);
        nfa.start = s;
        nfa.accept = t;
        nfa
    }

    pub(crate) fn add(&mut self) -> usize {
        self.states.push(NfaState::default());
        self.states.len() - 1
    }

    pub(crate) fn eps(&mut self, from: usize, to: usize) {
        self.states[from].eps.push(to);
    }

    /// Builds the fragment for `p`; returns its (entry, exit) states.
    pub(crate) fn build(&mut self, p: &Particle) -> (usize, usize) {
        let (s, t, occ) = match p {
            Particle::Element(name, occ) => {
                let s = self.add();
                let t = self.add();
                self.states[s].on = Some((name, t));
                (s, t, *occ)
            }
            Particle::Seq(items, occ) => {
                let s = self.add();
                let mut cur = s;
                for item in *items {
                    let (a, b) = self.build(item);
                    self.eps(cur, a);
                    cur = b;
                }
                (s, cur, *occ)
            }
            Particle::Choice(items, occ) => {
                let s = self.add();
                let t = self.add();
                for item in *items {
                    let (a, b) = self.build(item);
                    self.eps(s, a);
                    self.eps(b, t);
                }
                (s, t, *occ)
            }
        };
        if occ == Occurrence::Once {
            return (s, t);
        }
        let s2 = self.add();
        let t2 = self.add();
        self.eps(s2, s);
        self.eps(t, t2);
        if matches!(occ, Occurrence::Optional | Occurrence::ZeroOrMore) {
            self.eps(s2, t2);
        }
        if occ.repeats() {
            self.eps(t, s);
        }
        (s2, t2)
    }

    /// The epsilon closure of `set` (sorted, deduplicated).
    pub(crate) fn closure(&self, set: Vec<usize>) -> Vec<usize> {
        let mut seen = vec![false; self.states.len()];
        let mut stack = set;
        let mut out = Vec::new();
        while let Some(s) = stack.pop() {
            if s >= seen.len() || seen[s] {
                continue;
            }
            seen[s] = true;
            out.push(s);
            stack.extend(self.states[s].eps.iter().copied());
        }
        out.sort_unstable();
        out
    }

    pub(crate) fn initial(&self) -> Vec<usize> {
        self.closure(vec![self.start])
    }

    pub(crate) fn step(&self, cur: &[usize], name: &str) -> Vec<usize> {
        let next: Vec<usize> = cur
            .iter()
            .filter_map(|&s| match self.states.get(s)?.on {
                Some((n, t)) if n == name => Some(t),
                _ => None,
            })
            .collect();
        self.closure(next)
    }

    pub(crate) fn accepts(&self, cur: &[usize]) -> bool {
        cur.contains(&self.accept)
    }

    /// The element names that may come next, in model order.
    pub(crate) fn expected(&self, cur: &[usize]) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for &s in cur {
            if let Some(NfaState {
                on: Some((n, _)), ..
            }) = self.states.get(s)
                && !out.contains(n)
            {
                out.push(n);
            }
        }
        out
    }
}

pub(crate) fn describe_expected(nfa: &Nfa, cur: &[usize]) -> String {
    let mut names: Vec<String> = nfa
        .expected(cur)
        .into_iter()
        .map(|n| format!("<{n}>"))
        .collect();
    if nfa.accepts(cur) {
        names.push("end of element".to_owned());
    }
    match names.len() {
        0 => "nothing".to_owned(),
        1 => names.remove(0),
        _ => format!("one of {}", names.join(", ")),
    }
}
