//! HTML rendering ([`render`]): `report.html`, one self-contained page built from the same model
//! as the other writers. A header with the run and its totals, filters by verdict and by suite,
//! then per suite a clause × transport matrix, each cell coloured by its verdict, each clause
//! expandable (`<details>`, so it opens without script) to its rule, its seed sentence, the
//! evidence per transport with its reproduction, and the masked counterexample.
//!
//! Nothing is loaded from anywhere: the style and the script are inline, and a
//! Content-Security-Policy forbids every other source, so even a mistake cannot reach the
//! network. Every string of the model goes through [`inert::html`] (escaped, control and bidi
//! characters shown); the script holds no data at all, it reads the page. The URL fragment
//! drives it too: `#verdict=FAIL,ERROR` applies the verdict filter, `#suite=dmc12` the suite
//! filter, `#open=CLAUSE` opens that clause (parts joined with `&`).

use super::inert::{self, html};
use super::{ClauseResult, Report, Verdict};

/// Every verdict, in the order the filters list them.
const VERDICTS: [Verdict; 8] = [
    Verdict::Fail,
    Verdict::Error,
    Verdict::Xpass,
    Verdict::Warn,
    Verdict::NotTested,
    Verdict::NotApplicable,
    Verdict::Xfail,
    Verdict::Pass,
];

/// The page's style, inline.
const STYLE: &str = include_str!("html/report.css");

/// The filters and the fragment; reads everything from the page, holds no data.
const SCRIPT: &str = include_str!("html/report.js");

/// The page.
pub(super) fn render(r: &Report) -> String {
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n");
    h.push_str(&format!(
        "<title>dealer-tck conformance report {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        html(&r.run_id)
    ));
    header(&mut h, r);
    filters(&mut h, r);
    for suite in &r.suites {
        let mut columns: Vec<&str> = vec![];
        let mut rows: Vec<(&str, Vec<&ClauseResult>)> = vec![];
        for c in &suite.results {
            if !columns.contains(&c.transport.as_str()) {
                columns.push(&c.transport);
            }
            match rows.iter_mut().find(|(id, _)| *id == c.clause) {
                Some((_, cs)) => cs.push(c),
                None => rows.push((&c.clause, vec![c])),
            }
        }
        h.push_str(&format!(
            "<section class=\"suite\" data-suite=\"{}\">\n<h2>{} <small>(v{}, {} clause × transport results)</small></h2>\n",
            html(&suite.suite),
            html(&suite.title),
            html(&suite.version),
            suite.results.len()
        ));
        h.push_str("<table class=\"matrix\">\n<thead><tr><th>Clause</th><th>Level</th>");
        for t in &columns {
            h.push_str(&format!("<th>{}</th>", html(t)));
        }
        h.push_str("<th>Rule and evidence</th></tr></thead>\n<tbody>\n");
        for (clause, cs) in &rows {
            row(&mut h, clause, &columns, cs);
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    h.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    h
}

/// The run: target, seed, result, totals, and what was not judged or not tested.
fn header(h: &mut String, r: &Report) {
    let t = &r.totals;
    let result = if r.conformant {
        "CONFORMANT"
    } else {
        "NOT CONFORMANT"
    };
    h.push_str(&format!(
        "<header>\n<h1>dealer-tck conformance report <code>{}</code></h1>\n<dl class=\"run\">\n",
        html(&r.run_id)
    ));
    let mut target = format!(
        "<code>{}</code> ({}",
        html(&r.target.url),
        html(&r.target.kind)
    );
    if let Some(d) = &r.target.defect {
        target.push_str(&format!(", defect <code>{}</code>", html(d)));
    }
    if let Some(v) = &r.target.variant {
        target.push_str(&format!(", variant <code>{}</code>", html(v)));
    }
    target.push(')');
    let mut items = vec![
        ("Target", target),
        ("Started", html(&r.started_at)),
        ("Tool", html(&r.tool_version)),
        (
            "Seed",
            format!(
                "{} · {} generated valid cases per transport",
                r.seed, r.cases_per_transport
            ),
        ),
        (
            "Result",
            format!(
                "<span class=\"result-{}\">{result}</span>",
                result.replace(' ', "-")
            ),
        ),
        (
            "Totals",
            format!(
                "{} pass, {} fail, {} warn, {} not tested, {} not applicable, {} error, {} xfail, {} xpass",
                t.pass, t.fail, t.warn, t.not_tested, t.not_applicable, t.error, t.xfail, t.xpass
            ),
        ),
        (
            "Run",
            format!(
                "{} cases, {} exchanges, {} mails, {} CRM requests, {:.1}s",
                r.stats.cases,
                r.stats.exchanges,
                r.stats.mails,
                r.stats.crm_requests,
                r.stats.seconds
            ),
        ),
    ];
    if let Some(f) = &r.clause_filter {
        items.push(("Clause filter", format!("<code>{}</code>", html(f))));
    }
    if let Some(p) = &r.partition {
        items.push(("Partition", html(p)));
    }
    if !r.baseline_unused.is_empty() {
        let unused = html(&r.baseline_unused.join(", "));
        items.push(("Baseline entries that covered nothing", unused));
    }
    for (k, v) in items {
        h.push_str(&format!("<dt>{k}</dt><dd>{v}</dd>\n"));
    }
    h.push_str("</dl>\n</header>\n");
    if let Some(why) = &r.partial {
        h.push_str(&format!(
            "<p class=\"notice partial\"><strong>Partial report</strong>: the run ended early ({}); every clause it did not judge is ERROR.</p>\n",
            html(why)
        ));
    }
    if !r.target.skipped.is_empty() {
        h.push_str("<div class=\"notice skipped\"><p>Not tested at all (a transport or suite the target does not offer):</p>\n<ul>\n");
        for sk in &r.target.skipped {
            h.push_str(&format!(
                "<li><code>{}</code> — {}</li>\n",
                html(&sk.name),
                html(&sk.reason)
            ));
        }
        h.push_str("</ul></div>\n");
    }
}

/// The filters, hidden until the script shows them (they do nothing without it).
fn filters(h: &mut String, r: &Report) {
    h.push_str("<nav id=\"filters\" hidden>\n<span>Verdicts:</span>\n");
    for v in VERDICTS {
        let n = r.results().filter(|c| c.verdict == v).count();
        h.push_str(&format!(
            "<label class=\"v-{0}\"><input type=\"checkbox\" name=\"verdict\" value=\"{0}\" checked> {0} ({n})</label>\n",
            v.as_str()
        ));
    }
    h.push_str("<label>Suite: <select id=\"suite-filter\"><option value=\"\">all</option>");
    for s in &r.suites {
        h.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            html(&s.suite),
            html(&s.title)
        ));
    }
    h.push_str("</select></label>\n</nav>\n");
}

/// One clause: its cells, then its rule and evidence behind a `<details>`.
fn row(h: &mut String, clause: &str, columns: &[&str], cs: &[&ClauseResult]) {
    let mut verdicts: Vec<&str> = cs.iter().map(|c| c.verdict.as_str()).collect();
    verdicts.sort_unstable();
    verdicts.dedup();
    let first = cs[0];
    h.push_str(&format!(
        "<tr class=\"clause\" data-clause=\"{}\" data-verdicts=\"{}\"><th scope=\"row\"><code>{0}</code></th><td class=\"level\">{}</td>",
        html(clause),
        verdicts.join(" "),
        first.level.as_str()
    ));
    for t in columns {
        match cs.iter().find(|c| c.transport == *t) {
            Some(c) => h.push_str(&format!(
                "<td class=\"cell v-{0}\" data-transport=\"{1}\" data-verdict=\"{0}\">{0}</td>",
                c.verdict.as_str(),
                html(t)
            )),
            None => h.push_str("<td class=\"cell-none\">·</td>"),
        }
    }
    h.push_str(&format!(
        "<td><details class=\"clause-detail\" data-clause=\"{}\"><summary>{}</summary>\n",
        html(clause),
        html(&first.text)
    ));
    h.push_str(&format!(
        "<p><strong>{}</strong> — {}</p>\n<blockquote class=\"source\">{}</blockquote>\n",
        first.level.as_str(),
        html(&first.text),
        html(&first.source)
    ));
    for c in cs {
        evidence(h, c);
    }
    h.push_str("</details></td></tr>\n");
}

/// The evidence of one clause on one transport.
fn evidence(h: &mut String, c: &ClauseResult) {
    h.push_str(&format!(
        "<section class=\"evidence\" data-transport=\"{1}\" data-verdict=\"{0}\"><h4><span class=\"tag v-{0}\">{0}</span> on {1} — {2} of {3} evaluations passed</h4>\n",
        c.verdict.as_str(),
        html(&c.transport),
        c.passed,
        c.evaluations
    ));
    if !c.details.is_empty() {
        h.push_str("<ul class=\"details\">\n");
        for d in &c.details {
            h.push_str(&format!(
                "<li><code class=\"case\">{}</code> <code class=\"check\">{}</code>: <span class=\"detail\">{}</span>",
                html(&d.case),
                html(&d.check),
                html(&d.detail)
            ));
            if let Some(rep) = &d.reproduction {
                h.push_str(&format!(
                    "\n<pre class=\"reproduction\">{}</pre>",
                    inert::html_lines(rep)
                ));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }
    if let Some(ce) = &c.counterexample {
        let payload = serde_json::to_string_pretty(&ce.payload).unwrap_or_default();
        h.push_str(&format!(
            "<div class=\"counterexample\"><p>Minimal counterexample: seed {}, case <code>{}</code>, {} shrink steps, 🔒 values masked</p>\n<pre class=\"payload\">{}</pre></div>\n",
            ce.seed,
            html(&ce.case),
            ce.shrink_steps,
            inert::html_lines(&inert::json(&payload))
        ));
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::super::{Counterexample, Detail, SuiteReport, sample_report};
    use super::*;
    use crate::spec::catalogue::Level;

    /// What a hostile server puts in its answers.
    const HOSTILE: [&str; 3] = [
        "<script>alert(1)</script>",
        "\"quoted' & <b>",
        "\u{0}\u{1b}[31m\u{202e}",
    ];

    fn result(clause: &str, transport: &str, verdict: Verdict) -> ClauseResult {
        ClauseResult {
            clause: clause.into(),
            level: Level::Must,
            text: format!("rule of {clause}"),
            source: format!("seed sentence of {clause}"),
            transport: transport.into(),
            verdict,
            evaluations: 2,
            passed: 1,
            details: vec![],
            counterexample: None,
            tally: None,
        }
    }

    /// Two suites; `T-FAIL` fails on mcp with every hostile string in its evidence, its
    /// reproduction and its counterexample; the target URL is hostile too.
    fn hostile_report() -> Report {
        let all = HOSTILE.join(" ");
        let mut fail = result("T-FAIL", "mcp", Verdict::Fail);
        fail.details = vec![Detail {
            reproduction: Some(format!("curl -d '{all}'\n{all}")),
            ..Detail::new(&all, "check-a", format!("got {all}"))
        }];
        fail.counterexample = Some(Counterexample {
            seed: 7,
            case: all.clone(),
            shrink_steps: 3,
            payload: serde_json::json!({ "note": all, "list": HOSTILE }),
        });
        let mut r = sample_report(vec![
            SuiteReport {
                suite: "one".into(),
                title: "Suite one".into(),
                version: "1".into(),
                results: vec![
                    fail,
                    result("T-FAIL", "a2a-rest", Verdict::Pass),
                    result("T-PASS", "mcp", Verdict::Pass),
                    result("T-PASS", "a2a-rest", Verdict::Pass),
                    result("T-WIDE", "target", Verdict::NotTested),
                ],
            },
            SuiteReport {
                suite: "two".into(),
                title: "Suite two".into(),
                version: "2".into(),
                results: vec![result("U-001", "mcp", Verdict::Xfail)],
            },
        ]);
        r.target.url = format!("http://x/{all}");
        r.target.skipped = vec![super::super::Skipped {
            name: "a2a-jsonrpc".into(),
            reason: all.clone(),
        }];
        r.partial = Some(all);
        r.finish(false);
        r
    }

    #[test]
    fn hostile_strings_are_escaped_and_shown_never_raw() {
        let page = hostile_report().to_html();
        // The one script is the page's own.
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(!page.contains("<script>alert") && !page.contains("<b>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&quot;quoted&#39; &amp; &lt;b&gt;"));
        assert!(page.contains("\\u{0}\\u{1b}[31m\\u{202e}"));
        assert!(
            !page
                .chars()
                .any(|c| c != '\n' && inert::visible(&c.to_string()) != c.to_string()),
            "a raw control or bidi character"
        );
        // Each place a hostile string went shows it escaped: evidence, reproduction, URL,
        // counterexample payload (JSON-escaped first: `\"` stays, then HTML-escaped).
        let escaped = HOSTILE.map(html).join(" ");
        for place in [
            format!("<span class=\"detail\">got {escaped}</span>"),
            format!("<pre class=\"reproduction\">curl -d &#39;{escaped}&#39;\n{escaped}</pre>"),
            format!("<code>http://x/{escaped}</code>"),
        ] {
            assert!(page.contains(&place), "{place} missing");
        }
        let payload = page
            .split("<pre class=\"payload\">")
            .nth(1)
            .and_then(|p| p.split("</pre>").next())
            .expect("a payload");
        assert!(
            payload.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{payload}"
        );
        assert!(
            payload.contains("\\&quot;quoted&#39; &amp; &lt;b&gt;"),
            "{payload}"
        );
    }

    #[test]
    fn the_page_loads_nothing_from_anywhere() {
        let page = hostile_report().to_html();
        assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none';"));
        for external in [
            " src=", " href=", "url(", "@import", "<link", "<iframe", "<img",
        ] {
            assert!(!page.contains(external), "{external}");
        }
        // Outside the escaped text, no address at all.
        assert_eq!(page.matches("http://").count(), 1, "only the target's URL");
        assert!(!page.contains("https://"));
        // The script holds no model data.
        let script = page.split("<script>").nth(1).expect("script");
        assert!(!script.contains("T-FAIL") && !script.contains("alert"));
    }

    #[test]
    fn every_clause_and_transport_has_exactly_one_cell() {
        let r = hostile_report();
        let page = r.to_html();
        for res in r.results() {
            let row = page
                .lines()
                .find(|l| {
                    l.starts_with(&format!(
                        "<tr class=\"clause\" data-clause=\"{}\"",
                        res.clause
                    ))
                })
                .expect("a row per clause");
            let cell = format!(
                "<td class=\"cell v-{0}\" data-transport=\"{1}\" data-verdict=\"{0}\">",
                res.verdict.as_str(),
                res.transport
            );
            assert_eq!(row.matches(&cell).count(), 1, "{row}");
        }
        let cells = page.matches("<td class=\"cell ").count();
        assert_eq!(cells, r.results().count());
        assert_eq!(page.matches("<tr class=\"clause\"").count(), 4);
        // A row lists its verdicts; a clause a column does not apply to has an empty cell.
        assert!(page.contains("data-clause=\"T-FAIL\" data-verdicts=\"FAIL PASS\""));
        assert!(page.contains("<td class=\"cell-none\">·</td>"));
        // Per suite, the columns of its own transports, in the results' order.
        assert!(page.contains("<th>mcp</th><th>a2a-rest</th><th>target</th><th>Rule"));
        assert!(page.contains("<section class=\"suite\" data-suite=\"two\">"));
        // Header: the result, the totals with XFAIL, the partial notice, the skipped transport.
        for s in [
            "NOT CONFORMANT",
            "1 fail, 0 warn, 1 not tested, 0 not applicable, 0 error, 1 xfail, 0 xpass",
            "<p class=\"notice partial\">",
            "<li><code>a2a-jsonrpc</code>",
            "<details class=\"clause-detail\" data-clause=\"T-FAIL\"><summary>rule of T-FAIL",
            "<blockquote class=\"source\">seed sentence of T-FAIL</blockquote>",
            "Minimal counterexample: seed 7",
        ] {
            assert!(page.contains(s), "{s} missing");
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let mut r = hostile_report();
        r.redactor = super::super::Redactor::new(["tok-secret-123".to_string()]);
        r.suites[0].results[0].details[0].detail = "Bearer tok-secret-123".into();
        let page = r.to_html();
        assert!(!page.contains("tok-secret-123") && page.contains("Bearer [REDACTED]"));
    }
}
