//! JUnit XML rendering: one `<testsuite>` per suite × transport, one `<testcase>` per clause;
//! `<failure>` when the server is wrong (FAIL), `<error>` when the harness could not tell
//! (ERROR), `<skipped>` for NOT_TESTED and NOT_APPLICABLE (the message says which); WARN is a passing test case with a `<system-out>` note.
//! A transport or suite the run skipped entirely is a `<skipped>` test case of a `skipped`
//! test suite, so that CI shows what was never tested. Written by hand, not with the
//! `quick-junit` crate (0.8): its serializer fixes a layout these reports do not have (4-space
//! indent, every child of a `<testcase>` on a line of its own, attributes in the order
//! `name classname` and `tests skipped failures errors`), so it cannot keep `junit.xml`'s
//! bytes; the escaping is quick-xml's.

use super::{Report, Verdict};
use std::collections::BTreeMap;

/// XML-escaped text, inert: every control and bidirectional formatting character but tab, line
/// feed and carriage return shown as `\u{…}` (as [`super::inert::visible`] does), U+FFFE and
/// U+FFFF replaced by U+FFFD. A server's error message may carry any byte: one forbidden
/// character would make the whole file unreadable to CI, and a right-to-left override would
/// turn the text a CI page shows around.
fn escape(s: &str) -> String {
    let mut clean = String::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => clean.push(c),
            '\u{FFFE}' | '\u{FFFF}' => clean.push('\u{FFFD}'),
            c => clean.push_str(&super::inert::visible(c.encode_utf8(&mut buf))),
        }
    }
    quick_xml::escape::escape(&clean).into_owned()
}

pub(super) fn render(r: &Report) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let t = &r.totals;
    x.push_str(&format!(
        "<testsuites name=\"dealer-tck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        t.pass
            + t.fail
            + t.warn
            + t.not_tested
            + t.not_applicable
            + t.error
            + t.xfail
            + t.xpass
            + r.target.skipped.len(),
        t.fail + t.xpass,
        t.error,
        t.not_tested + t.not_applicable + t.xfail + r.target.skipped.len(),
        r.stats.seconds
    ));
    if !r.target.skipped.is_empty() {
        let n = r.target.skipped.len();
        x.push_str(&format!(
            "  <testsuite name=\"skipped\" tests=\"{n}\" failures=\"0\" errors=\"0\" skipped=\"{n}\">\n"
        ));
        for sk in &r.target.skipped {
            x.push_str(&format!(
                "    <testcase classname=\"skipped\" name=\"{}\"><skipped message=\"{}\"/></testcase>\n",
                escape(&sk.name),
                escape(&sk.reason)
            ));
        }
        x.push_str("  </testsuite>\n");
    }
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
                count(Verdict::Fail) + count(Verdict::Xpass),
                count(Verdict::Error),
                count(Verdict::NotTested) + count(Verdict::NotApplicable) + count(Verdict::Xfail)
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
                    Verdict::NotApplicable => x.push_str(&format!(
                        "<skipped message=\"NOT_APPLICABLE: {}\"/>",
                        escape(&detail)
                    )),
                    Verdict::Xfail => x.push_str(&format!(
                        "<skipped message=\"XFAIL: {}\"/>",
                        escape(&detail)
                    )),
                    Verdict::Xpass => x.push_str(&format!(
                        "<failure message=\"XPASS: a baseline entry passes and must be removed\" type=\"XPASS\">{}</failure>",
                        escape(&detail)
                    )),
                }
                x.push_str("</testcase>\n");
            }
            x.push_str("  </testsuite>\n");
        }
    }
    x.push_str("</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    #[test]
    fn forbidden_characters_are_replaced_and_markup_escaped() {
        assert_eq!(
            super::escape("a\u{1}b\u{1b}[31m\tc\n<&>\u{FFFF}\u{202e}"),
            "a\\u{1}b\\u{1b}[31m\tc\n&lt;&amp;&gt;\u{FFFD}\\u{202e}"
        );
    }
}
