//! Markdown rendering: totals, then a table per suite with one row per clause and one column
//! per transport, then the evidence (or the reason) of every verdict other than PASS. Text that
//! came from the target (evidence, reasons, payloads, the URL) goes through [`super::inert`].

use super::inert::{markdown, markdown_code};
use super::{Report, Verdict};
use std::collections::BTreeMap;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A reproduction, folded, in a fence no backtick run of it can close; control and bidi
/// characters shown, not sent.
fn reproduction(repro: &str) -> String {
    let lines: Vec<String> = repro.lines().map(super::inert::visible).collect();
    let longest = lines
        .concat()
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let indented: String = lines.iter().map(|l| format!("    {l}\n")).collect();
    format!(
        "\n    <details><summary>reproduce</summary>\n\n    {fence}sh\n{indented}    {fence}\n\n    </details>\n\n"
    )
}

pub(super) fn render(r: &Report) -> String {
    render_with(r, true)
}

/// The document without the evidence sections: the header and the verdict table of every
/// suite (the shortened GitHub step summary, [`super::summary_file`]).
pub(super) fn render_tables(r: &Report) -> String {
    render_with(r, false)
}

fn render_with(r: &Report, evidence: bool) -> String {
    let mut m = String::new();
    m.push_str(&format!(
        "# dealer-tck conformance report `{}`\n\n",
        r.run_id
    ));
    m.push_str(&format!(
        "- Target: {} ({}{})\n- Started: {}\n- Seed: {} · {} generated valid cases per transport\n- Result: **{}** — {} pass, {} fail, {} warn, {} not tested, {} not applicable, {} error\n- {} cases, {} exchanges, {} mails, {} CRM requests, {:.1}s\n\n",
        markdown(&r.target.url),
        r.target.kind,
        r.target.defect.as_deref().map(|d| format!(", defect `{d}`")).unwrap_or_default(),
        r.started_at,
        r.seed,
        r.cases_per_transport,
        if r.conformant { "CONFORMANT" } else { "NOT CONFORMANT" },
        r.totals.pass,
        r.totals.fail,
        r.totals.warn,
        r.totals.not_tested,
        r.totals.not_applicable,
        r.totals.error,
        r.stats.cases,
        r.stats.exchanges,
        r.stats.mails,
        r.stats.crm_requests,
        r.stats.seconds
    ));
    if r.totals.xfail + r.totals.xpass > 0 {
        m.push_str(&format!(
            "- Baseline: {} expected failure(s) (XFAIL), {} stale entr(y/ies) that now pass (XPASS: remove them)\n\n",
            r.totals.xfail, r.totals.xpass
        ));
    }
    if let Some(why) = &r.partial {
        m.push_str(&format!(
            "**Partial report**: the run ended early ({}); every clause it did not judge is ERROR.\n\n",
            markdown(why)
        ));
    }
    if !r.target.skipped.is_empty() {
        m.push_str("Not tested at all (a transport or suite the target does not offer):\n\n");
        for sk in &r.target.skipped {
            m.push_str(&format!("- `{}` — {}\n", sk.name, markdown(&sk.reason)));
        }
        m.push('\n');
    }
    for suite in &r.suites {
        m.push_str(&format!("## {} (v{})\n\n", suite.title, suite.version));
        let mut transports: Vec<&str> =
            suite.results.iter().map(|c| c.transport.as_str()).collect();
        transports.sort();
        transports.dedup();
        let mut rows: BTreeMap<usize, (&super::ClauseResult, BTreeMap<&str, Verdict>)> =
            BTreeMap::new();
        let mut order: Vec<&str> = vec![];
        for c in &suite.results {
            let idx = match order.iter().position(|x| *x == c.clause) {
                Some(i) => i,
                None => {
                    order.push(&c.clause);
                    order.len() - 1
                }
            };
            rows.entry(idx)
                .or_insert_with(|| (c, BTreeMap::new()))
                .1
                .insert(&c.transport, c.verdict);
        }
        m.push_str(&format!(
            "| Clause | Level | {} | Rule |\n|---|---|{}---|\n",
            transports.join(" | "),
            "---|".repeat(transports.len())
        ));
        for (c, verdicts) in rows.values() {
            let cols: Vec<String> = transports
                .iter()
                .map(|t| {
                    verdicts
                        .get(t)
                        .map(|v| v.as_str().to_string())
                        .unwrap_or("·".into())
                })
                .collect();
            m.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.clause,
                c.level.as_str(),
                cols.join(" | "),
                cell(&c.text)
            ));
        }
        m.push('\n');
        let notable: Vec<_> = suite
            .results
            .iter()
            .filter(|c| c.verdict != Verdict::Pass)
            .collect();
        if evidence && !notable.is_empty() {
            m.push_str("### Evidence\n\n");
            for c in notable {
                m.push_str(&format!(
                    "- **{}** `{}` [{}] — {}\n",
                    c.verdict.as_str(),
                    c.clause,
                    c.transport,
                    cell(&c.text)
                ));
                for d in &c.details {
                    m.push_str(&format!(
                        "  - {} ({}): {}\n",
                        markdown_code(&d.case),
                        d.check,
                        markdown(&d.detail)
                    ));
                    if let Some(repro) = &d.reproduction {
                        m.push_str(&reproduction(repro));
                    }
                }
                if let Some(ce) = &c.counterexample {
                    m.push_str(&format!(
                        "  - minimal counterexample (seed {}, case {}, {} shrink steps, 🔒 values masked): {}\n",
                        ce.seed,
                        markdown_code(&ce.case),
                        ce.shrink_steps,
                        markdown_code(&ce.payload.to_string())
                    ));
                }
            }
            m.push('\n');
        }
    }
    m
}
