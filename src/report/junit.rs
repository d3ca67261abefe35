//! JUnit XML rendering: one `<testsuite>` per suite × transport, one `<testcase>` per clause;
//! `<failure>` when the server is wrong (FAIL), `<error>` when the harness could not tell
//! (ERROR), `<skipped>` for NOT_TESTED; WARN is a passing test case with a `<system-out>` note.

use super::{Report, Verdict};
use quick_xml::escape::escape;
use std::collections::BTreeMap;

pub(super) fn render(r: &Report) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let t = &r.totals;
    x.push_str(&format!(
        "<testsuites name=\"dealer-tck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        t.pass + t.fail + t.warn + t.not_tested + t.error,
        t.fail,
        t.error,
        t.not_tested,
        r.stats.seconds
    ));
    for suite in &r.suites {
        let mut groups: BTreeMap<&str, Vec<&super::ClauseResult>> = BTreeMap::new();
        for c in &suite.results {
            groups.entry(c.transport.as_str()).or_default().push(c);
        }
        for (transport, cs) in groups {
            let count = |v: Verdict| cs.iter().filter(|c| c.verdict == v).count();
            x.push_str(&format!(
                "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
                escape(&suite.suite),
                escape(transport),
                cs.len(),
                count(Verdict::Fail),
                count(Verdict::Error),
                count(Verdict::NotTested)
            ));
            for c in cs {
                let detail = c
                    .details
                    .iter()
                    .map(|d| format!("{} [{}]: {}", d.case, d.check, d.detail))
                    .collect::<Vec<_>>()
                    .join("\n");
                x.push_str(&format!(
                    "    <testcase classname=\"{}.{}\" name=\"{} ({})\">",
                    escape(&suite.suite),
                    escape(transport),
                    escape(&c.clause),
                    c.level.as_str()
                ));
                match c.verdict {
                    Verdict::Pass => {}
                    Verdict::Warn => x.push_str(&format!(
                        "<system-out>WARN: {}</system-out>",
                        escape(&detail)
                    )),
                    Verdict::Fail => x.push_str(&format!(
                        "<failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(&c.text),
                        c.level.as_str(),
                        escape(&detail)
                    )),
                    Verdict::Error => x.push_str(&format!(
                        "<error message=\"the harness could not tell\">{}</error>",
                        escape(&detail)
                    )),
                    Verdict::NotTested => {
                        x.push_str(&format!("<skipped message=\"{}\"/>", escape(&detail)))
                    }
                }
                x.push_str("</testcase>\n");
            }
            x.push_str("  </testsuite>\n");
        }
    }
    x.push_str("</testsuites>\n");
    x
}
