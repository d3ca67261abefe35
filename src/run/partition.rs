//! [`Partition`]: `--partition K/N`, one deterministic share of a run's cases, so that a CI
//! matrix spreads a large run over N runners (each launching its own server) and
//! `dealer-tck merge` joins their reports into the report of the whole run.
//!
//! What is shared out is the *unit*: one boundary case, one generated valid case, one generated
//! invalid case, or one stateful scenario group (auth, the reservation states, the expiry, the
//! SMTP faults, the CRM faults, the CRM sink off), numbered in the order an unpartitioned run
//! sends them on each transport; unit `u` belongs to share `u mod N + 1`. A share still draws
//! every generated case from the seeded source, so a case is the same request whichever share
//! sends it. Discovery, the binding checks and the end-of-run scans run in every share (a
//! share judges the scans on its own cases). A clause none of whose cases fell in a share is
//! NOT_APPLICABLE in that share's report.

use crate::error::TckError;

/// Share `index` of `of` (1-based, as written on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// K, from 1.
    pub index: usize,
    /// N.
    pub of: usize,
}

/// The most shares a run can be cut into.
pub const MAX_SHARES: usize = 1000;

impl Partition {
    /// Parse `K/N` (1 ≤ K ≤ N ≤ [`MAX_SHARES`]).
    pub fn parse(text: &str) -> Result<Partition, TckError> {
        let bad = || {
            TckError::Config(format!(
                "--partition takes K/N with 1 ≤ K ≤ N ≤ {MAX_SHARES} (e.g. 2/3), got '{text}'"
            ))
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let (index, of) = (
            k.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || index > of || of > MAX_SHARES {
            return Err(bad());
        }
        Ok(Partition { index, of })
    }

    /// Whether unit `unit` (numbered from 0) is this share's.
    pub fn owns(&self, unit: usize) -> bool {
        unit % self.of == self.index - 1
    }

    /// `K/N`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.of)
    }
}

/// Numbers the units of one suite's scenarios on one transport in the order they are sent, and
/// says which are this run's ([`Units::next_mine`]). Without a partition or a replay's
/// selection every unit is.
#[derive(Debug, Clone, Default)]
pub struct Units {
    partition: Option<Partition>,
    /// `dealer-tck replay`: only these units (of this suite and transport).
    only: Option<std::collections::BTreeSet<usize>>,
    next: usize,
}

/// The unit number of the one scenario a suite runs after a restart of the target (DMC-12's
/// CRM sink off), past any number of units a run can have before it.
pub const RESTART_UNIT: usize = 1_000_000;

/// The units a replay sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// (suite, transport, unit) of the recorded failures.
    pub units: std::collections::BTreeSet<(String, String, usize)>,
    /// Every unit: some failure was judged from the whole run (an end-of-run scan, a side
    /// effect no case claimed), so the whole run is sent again.
    pub every_unit: bool,
}

impl Selection {
    /// The only units of `suite` on `transport` the replay sends (None: every unit).
    pub fn only(&self, suite: &str, transport: &str) -> Option<std::collections::BTreeSet<usize>> {
        (!self.every_unit).then(|| {
            self.units
                .iter()
                .filter(|(s, t, _)| s == suite && t == transport)
                .map(|(_, _, u)| *u)
                .collect()
        })
    }

    /// Whether the replay sends `unit` of `suite` on `transport`.
    pub fn sends(&self, suite: &str, transport: &str, unit: usize) -> bool {
        self.every_unit
            || self
                .units
                .contains(&(suite.to_string(), transport.to_string(), unit))
    }
}

impl Units {
    /// Units of a run cut by `partition` (None: the whole run).
    pub fn new(partition: Option<Partition>) -> Units {
        Units {
            partition,
            only: None,
            next: 0,
        }
    }

    /// The units `suite` sends on `transport` in a run with these options.
    pub fn of(opts: &crate::run::RunOptions, suite: &str, transport: &str) -> Units {
        Units {
            only: opts
                .replay
                .as_ref()
                .and_then(|sel| sel.only(suite, transport)),
            ..Units::new(opts.partition)
        }
    }

    /// Whether the run sends unit `unit` (of the suite and transport these units count).
    pub fn owns(&self, unit: usize) -> bool {
        self.partition.is_none_or(|p| p.owns(unit))
            && self.only.as_ref().is_none_or(|only| only.contains(&unit))
    }

    /// Take the next unit: whether this run sends it.
    pub fn next_mine(&mut self) -> bool {
        let unit = self.next;
        self.next += 1;
        self.owns(unit)
    }

    /// [`Units::next_mine`], and the evaluations `ledger` records next belong to that unit
    /// (a report's details carry it, so that `dealer-tck replay` can send it again).
    /// A unit's requests start a new reproduction chain.
    pub(crate) fn take(&mut self, ledger: &mut crate::run::Ledger) -> bool {
        Units::resume(ledger, Some(self.next));
        self.next_mine()
    }

    /// The evaluations `ledger` records next belong to `unit` (None: to no unit, e.g. the
    /// end-of-run judgements), with a new reproduction chain: a scenario that finishes later
    /// (the expiry) resumes its unit.
    pub(crate) fn resume(ledger: &mut crate::run::Ledger, unit: Option<usize>) {
        ledger.unit = unit;
        ledger.chain_judged = true;
    }

    /// The number the next unit taken will have.
    pub fn peek(&self) -> usize {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_of_the_whole_run_sends_every_unit_of_every_suite() {
        let mut sel = Selection::default();
        sel.units.insert(("dmc12".into(), "mcp".into(), 4));
        assert_eq!(sel.only("dmc12", "mcp"), Some([4].into()));
        assert_eq!(sel.only("aap-0.2", "a2a-rest"), Some([].into()));
        sel.every_unit = true;
        assert_eq!(sel.only("dmc12", "mcp"), None);
        assert_eq!(sel.only("aap-0.2", "a2a-rest"), None);
    }

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!(
            Partition::parse("2/3").unwrap(),
            Partition { index: 2, of: 3 }
        );
        assert_eq!(Partition::parse(" 1/1 ").unwrap().label(), "1/1");
        for bad in [
            "0/3", "4/3", "3", "a/b", "1/0", "1/1001", "-1/2", "1/2/3", "",
        ] {
            let e = Partition::parse(bad).expect_err(bad).to_string();
            assert!(e.contains("--partition takes K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_unit_belongs_to_exactly_one_share() {
        let shares: Vec<Vec<bool>> = (1..=3)
            .map(|k| {
                let mut u = Units::new(Some(Partition { index: k, of: 3 }));
                (0..10).map(|_| u.next_mine()).collect()
            })
            .collect();
        for unit in 0..10 {
            assert_eq!(shares.iter().filter(|s| s[unit]).count(), 1, "unit {unit}");
        }
        let mut whole = Units::new(None);
        assert!((0..10).all(|_| whole.next_mine()));
    }
}
