//! Generated cases: valid ones (shrunk to a minimal counterexample when one fails) and invalid ones, each breaking one rule.

use super::*;
use crate::check::{Evaluation, Outcome};
use crate::generate::CaseTree;
use crate::report::Counterexample;
use crate::run::{Ledger, not_tested};
use crate::suites::dmc12::mutations;
use crate::suites::dmc12::plan::{self as generate, Dmc12Case, Expect};
use serde_json::Value;

/// A refused call (401/403): its canaries join the end-of-run scans, its answer is scanned for
/// them, and it must have no side effect.
pub(crate) fn side_effect_free(
    s: &Session<'_>,
    ledger: &mut Ledger,
    x: &Executed,
    case: &Dmc12Case,
    id: &str,
) {
    s.record(ledger, id, case, x.accepted());
    let leaks = crate::suites::dmc12::judge::leak_findings(&x.obs(s.binding, id));
    ledger.push(Evaluation::new(
        "DMC12-PII-RESPONSE-001",
        "leak-response",
        Some(s.binding),
        id,
        crate::suites::dmc12::judge::leak_outcome(&leaks),
    ));
    let mut f = vec![];
    if !x.mails.is_empty() {
        f.push(format!("{} mail(s) sent for a refused call", x.mails.len()));
    }
    if !x.crm.is_empty() {
        f.push(format!("{} CRM request(s) for a refused call", x.crm.len()));
    }
    ledger.push(Evaluation::new(
        "DMC12-PII-REJECTED-001",
        "rejected-no-side-effects",
        Some(s.binding),
        id,
        Outcome::failing_on(f),
    ));
}

pub(crate) async fn valid_cases(s: &mut Session<'_>, ledger: &mut Ledger) {
    for case in generate::edge_cases(&s.salt) {
        if !s.units.take(ledger) {
            continue;
        }
        let ev = s.valid_case(ledger, &case, true).await;
        ledger.extend(ev);
    }
    for n in 0..s.opts.cases {
        // Drawn in every share, so that case n is the same request whichever share sends it.
        let mut tree = s.source.draw(generate::valid_request());
        if !s.units.take(ledger) {
            continue;
        }
        let id = format!("valid-{n:03}");
        let case = Dmc12Case {
            id: id.clone(),
            expect: Expect::Accept,
            request: tree.current(),
        };
        let ev = s.valid_case(ledger, &case, true).await;
        let failing = failing_clauses(&ev);
        ledger.extend(ev);
        if !failing.is_empty() {
            let (best, steps) = shrink(s, ledger, &mut tree, &failing, Shrinking::Valid, &id).await;
            keep_counterexample(s, ledger, failing, &id, &best, steps);
        }
    }
}

/// What a shrink candidate is: a valid request, or the base of an invalid one (the mutation
/// and its index applied to each candidate, so every candidate still breaks exactly one rule).
#[derive(Clone, Copy)]
pub(crate) enum Shrinking {
    Valid,
    Invalid(&'static mutations::Mutation, usize),
}

impl Shrinking {
    pub(crate) fn case(&self, id: String, base: Value) -> Dmc12Case {
        match self {
            Shrinking::Valid => Dmc12Case {
                id,
                expect: Expect::Accept,
                request: base,
            },
            Shrinking::Invalid(m, n) => Dmc12Case {
                id,
                ..m.case(&base, *n)
            },
        }
    }
}

/// Shrink a failing generated case: simplify while the same clauses keep failing. Every
/// candidate sent is recorded (its canaries join the end-of-run log and store scans).
pub(crate) async fn shrink(
    s: &mut Session<'_>,
    ledger: &mut Ledger,
    tree: &mut CaseTree,
    failing: &[String],
    what: Shrinking,
    id: &str,
) -> (Value, usize) {
    let mut best = what.case(id.to_string(), tree.current()).request;
    let mut steps = 0;
    if !tree.simplify() {
        return (best, 0);
    }
    while steps < s.opts.max_shrink {
        steps += 1;
        let base = tree.current();
        let case = what.case(format!("{id}-shrink-{steps}"), base.clone());
        if matches!(what, Shrinking::Invalid(..)) && case.request == base {
            // The break does not apply to this simpler base: it is no counterexample.
            if !tree.complicate() {
                break;
            }
            continue;
        }
        let ev = match what {
            Shrinking::Valid => s.valid_case(ledger, &case, true).await,
            Shrinking::Invalid(..) => {
                let a = s.target_tokens.agent_a.clone();
                match s.acquire(ledger, &a, None).await {
                    // No reservation to try the candidate on: keep what we have.
                    Err(_) => break,
                    Ok((rsv, _)) => {
                        let (ev, _) = s.invalid_case(ledger, &case, &rsv, true).await;
                        s.release(ledger, &rsv, &a).await;
                        ev
                    }
                }
            }
        };
        let still = failing_clauses(&ev).iter().any(|c| failing.contains(c));
        if still {
            best = case.request;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    (best, steps)
}

/// Keep the minimal payload and the seed of a failing generated case, per clause × binding.
pub(crate) fn keep_counterexample(
    s: &Session<'_>,
    ledger: &mut Ledger,
    failing: Vec<String>,
    id: &str,
    best: &Value,
    steps: usize,
) {
    for clause in failing {
        ledger
            .counterexamples
            .entry(format!("{clause}|{}", s.binding))
            .or_insert_with(|| Counterexample {
                seed: s.opts.seed,
                case: id.to_string(),
                shrink_steps: steps,
                payload: masked_payload(best),
            });
    }
}

pub(crate) async fn invalid_cases(s: &mut Session<'_>, ledger: &mut Ledger) {
    let a = s.target_tokens.agent_a.clone();
    let mut rsv: Option<String> = None;
    for m in mutations::all() {
        for n in 0..s.opts.invalid_per_rule {
            if !s.units.take(ledger) {
                let _ = s.source.draw(generate::valid_request());
                continue;
            }
            if rsv.is_none() {
                match s.acquire(ledger, &a, None).await {
                    Ok((r, _)) => rsv = Some(r),
                    Err(why) => {
                        let check = if m.clause == "DMC12-CONSENT-EXPIRY-001" {
                            "consent-expired"
                        } else {
                            "reject-code"
                        };
                        ledger.extend(not_tested(
                            &[(&m.clause, check)],
                            Some(s.binding),
                            &m.name,
                            &why,
                        ));
                        continue;
                    }
                }
            }
            let r = rsv.clone().unwrap_or_default();
            let mut tree = s.source.draw(generate::valid_request());
            let case = m.case(&tree.current(), n);
            let (ev, accepted) = s.invalid_case(ledger, &case, &r, true).await;
            let failing = failing_clauses(&ev);
            ledger.extend(ev);
            if accepted {
                // A hand-off happened: the reservation may no longer be usable.
                s.release(ledger, &r, &a).await;
                rsv = None;
            }
            if !failing.is_empty() {
                let id = case.id.clone();
                let (best, steps) = shrink(
                    s,
                    ledger,
                    &mut tree,
                    &failing,
                    Shrinking::Invalid(m, n),
                    &id,
                )
                .await;
                keep_counterexample(s, ledger, failing, &id, &best, steps);
            }
        }
    }
    if let Some(r) = rsv {
        s.release(ledger, &r, &a).await;
    }
}
