//! Text that came from the target, made inert for the writer that prints it: [`visible`] for a
//! terminal, [`markdown`] and [`markdown_code`] for `report.md`, [`html`] and [`html_lines`]
//! for `report.html` (JSON and JUnit escape at their own writer). A server under test is, by definition, not yet right: its error messages and
//! echoed values must not recolour or retitle the reader's terminal, reorder a line, or put a
//! tag, a link or a table cell into the page a CI step summary renders.
//!
//! Control characters (C0 but tab, DEL, C1) and the bidirectional formatting characters that
//! can reorder what a line shows (U+061C, U+200E/F, U+202A–E, U+2066–9) are shown as `\u{…}`.
//! Markdown also HTML-escapes `&`, `<` and `>` and backslash-escapes the characters that open
//! inline syntax (`` ` ``, `*`, `_`, `[`, `]`, `|`, `\`), so the text renders as itself.
//! HTML escapes `&`, `<`, `>`, `"` and `'`, so the text is safe in element content and in a
//! quoted attribute value alike.

/// Whether `c` must not reach a reader raw.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every control and bidirectional formatting character shown as `\u{…}`: safe to
/// print to a terminal, one line per line of `s`'s visible text.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Serialised JSON with the characters serde leaves raw that a terminal or a browser acts on
/// (C1 controls, DEL, bidirectional formatting) written as `\uXXXX` escapes. They can only stand
/// inside strings, where the escape means the same character, so the document is unchanged.
pub fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && hidden(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` as Markdown text that renders as itself: [`visible`], HTML-escaped, inline syntax
/// escaped (table pipes included, so it is safe inside a table cell).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' | '*' | '_' | '[' | ']' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `s` as HTML text, safe in element content and in a quoted attribute value: [`visible`],
/// then `&`, `<`, `>`, `"` and `'` escaped.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// [`html`] line by line, the line feeds kept: for a `<pre>` (a reproduction, a payload).
pub fn html_lines(s: &str) -> String {
    s.split('\n').map(html).collect::<Vec<_>>().join("\n")
}

/// `s` as a Markdown code span that shows it verbatim ([`visible`] first): fenced by one more
/// backtick than its longest backtick run, padded when it starts or ends with one. A pipe is
/// escaped, since GitHub splits table rows on it even inside code.
pub fn markdown_code(s: &str) -> String {
    let body = visible(s).replace('|', "\\|");
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings a hostile server sends back.
    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "]]><!--",
        "\"quoted\" 'single'",
        "``code`` and `tick",
        "a | b | c",
        "nul\u{0}byte",
        "\u{1b}[31mred\u{1b}[0m\u{1b}]0;title\u{7}",
        "right\u{202e}to-left",
        "[link](javascript:alert(1))",
        "**bold** _em_",
        "line\nbreak\r",
        "\u{fffd}invalid\u{fffd}utf8",
        "c1\u{85}del\u{7f}",
    ];

    fn inert_for_terminal(s: &str) -> bool {
        !s.chars().any(hidden)
    }

    #[test]
    fn the_terminal_never_gets_a_control_or_bidi_character() {
        for h in HOSTILE {
            let v = visible(h);
            assert!(inert_for_terminal(&v), "{v:?}");
        }
        assert_eq!(visible("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(visible("tab\tkept"), "tab\tkept");
        assert_eq!(visible("Zoë ✓"), "Zoë ✓");
    }

    #[test]
    fn json_keeps_its_meaning_and_shows_no_bidi_or_c1_character() {
        for h in HOSTILE {
            let doc = serde_json::json!({ "detail": h });
            let text = json(&serde_json::to_string_pretty(&doc).expect("json"));
            assert!(text.lines().all(inert_for_terminal), "{text:?}");
            let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
            assert_eq!(back, doc, "the same document");
        }
    }

    #[test]
    fn markdown_text_has_no_tag_link_emphasis_or_cell_break() {
        for h in HOSTILE {
            let m = markdown(h);
            assert!(inert_for_terminal(&m), "{m:?}");
            assert!(!m.contains('<') && !m.contains('>'), "{m}");
            // Every pipe, backtick, bracket or emphasis mark is escaped.
            let raw: Vec<char> = m.chars().collect();
            for (i, c) in raw.iter().enumerate() {
                if matches!(c, '|' | '`' | '[' | ']' | '*' | '_') {
                    assert!(i > 0 && raw[i - 1] == '\\', "{c} unescaped in {m}");
                }
            }
        }
        assert_eq!(markdown("<b>x</b> | y"), "&lt;b&gt;x&lt;/b&gt; \\| y");
    }

    #[test]
    fn html_text_has_no_tag_no_attribute_break_and_no_control() {
        for h in HOSTILE {
            for out in [html(h), html_lines(h)] {
                assert!(out.lines().all(inert_for_terminal), "{out:?}");
                assert!(!out.contains(['<', '>', '"', '\'']), "{out}");
                // Every `&` starts one of the five escapes.
                assert_eq!(
                    out.matches('&').count(),
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .map(|e| out.matches(e).count())
                        .sum::<usize>(),
                    "{out}"
                );
            }
        }
        assert_eq!(
            html("<b a=\"1\">'x' & y\u{1b}</b>"),
            "&lt;b a=&quot;1&quot;&gt;&#39;x&#39; &amp; y\\u{1b}&lt;/b&gt;"
        );
        assert_eq!(html("a\nb"), "a\\u{a}b");
        assert_eq!(html_lines("a <\nb\r"), "a &lt;\nb\\u{d}");
    }

    #[test]
    fn markdown_code_spans_hold_any_backtick_run() {
        assert_eq!(markdown_code("plain"), "`plain`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x``"), "``` ``x`` ```");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        for h in HOSTILE {
            let m = markdown_code(h);
            assert!(inert_for_terminal(&m), "{m:?}");
            let fence = m.chars().take_while(|c| *c == '`').count();
            let inner = &m[fence..m.len() - fence];
            assert!(!inner.contains(&"`".repeat(fence)), "{m}");
        }
    }
}
