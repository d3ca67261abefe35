//! JSON helpers for the examples: [`parse_example`] and its result [`Parsed`] (strict JSON, or
//! JSON with `//` and `/* */` comments stripped, saying where they were), [`placeholders`]
//! (elided values) and [`shape_diff`] (same members and JSON types at each level).

use serde_json::Value;

/// A comment found in an example's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// `//` or `/*`.
    pub style: &'static str,
}

/// How an example's text parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Strict JSON.
    Strict(Value),
    /// JSON once the comments were replaced by spaces.
    WithComments(Value, Vec<Comment>),
    /// Not JSON even without comments; the reason.
    Invalid(String),
}

/// Replace every `//…` and `/*…*/` comment outside strings by spaces (newlines kept, so
/// positions do not move), and say where each one was.
pub fn strip_comments(text: &str) -> (String, Vec<Comment>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut comments = Vec::new();
    let (mut line, mut col) = (1usize, 1usize);
    let mut i = 0;
    let mut in_string = false;
    let advance = |c: char, line: &mut usize, col: &mut usize| {
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            advance(c, &mut line, &mut col);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                advance(chars[i + 1], &mut line, &mut col);
                i += 2;
                continue;
            }
            if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('"', _) => {
                in_string = true;
                out.push(c);
                advance(c, &mut line, &mut col);
                i += 1;
            }
            ('/', Some('/')) => {
                comments.push(Comment {
                    line,
                    column: col,
                    style: "//",
                });
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    advance(chars[i], &mut line, &mut col);
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                comments.push(Comment {
                    line,
                    column: col,
                    style: "/*",
                });
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        out.push_str("  ");
                        col += 2;
                        i += 2;
                        closed = true;
                        break;
                    }
                    out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                    advance(chars[i], &mut line, &mut col);
                    i += 1;
                }
                if !closed {
                    break;
                }
            }
            _ => {
                out.push(c);
                advance(c, &mut line, &mut col);
                i += 1;
            }
        }
    }
    (out, comments)
}

/// Parse an example: strict JSON first, then with comments stripped.
pub fn parse_example(text: &str) -> Parsed {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Parsed::Strict(v),
        Err(strict_err) => {
            let (stripped, comments) = strip_comments(text);
            if comments.is_empty() {
                return Parsed::Invalid(strict_err.to_string());
            }
            match serde_json::from_str::<Value>(&stripped) {
                Ok(v) => Parsed::WithComments(v, comments),
                Err(e) => Parsed::Invalid(format!("{e} (even with its comments stripped)")),
            }
        }
    }
}

fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every string value (at any depth) that carries an elided placeholder — a `…` (U+2026) or
/// `...` — as (JSON pointer, value).
pub fn placeholders(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, path: &mut String, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) if s.contains('…') || s.contains("...") => {
                out.push((path.clone(), s.clone()));
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(item, path, out);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&escape_token(k));
                    walk(item, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut String::new(), &mut out);
    out
}

/// The JSON type name of a value (integers and floats are both `number`).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Array indices in a pointer become `*`, so `/a/0/b` matches an optional `/a/*/b`.
fn generic(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Where `answer` does not have the shape of `example`: a member of the example missing from
/// the answer (unless listed in `optional`), a member the example does not have, or a
/// different JSON type (null is allowed where listed in `nullable`). Array items are compared
/// with the example's first item. Returns (pointer, what differs).
pub fn shape_diff(
    example: &Value,
    answer: &Value,
    optional: &[String],
    nullable: &[String],
) -> Vec<(String, String)> {
    fn walk(
        ex: &Value,
        an: &Value,
        path: &mut String,
        opt: &[String],
        nul: &[String],
        out: &mut Vec<(String, String)>,
    ) {
        let here = |p: &str| {
            if p.is_empty() {
                "/".to_string()
            } else {
                p.to_string()
            }
        };
        if an.is_null() && !ex.is_null() && nul.contains(&generic(path)) {
            return;
        }
        if json_type(ex) != json_type(an) {
            out.push((
                here(path),
                format!("{} where the example has {}", json_type(an), json_type(ex)),
            ));
            return;
        }
        match (ex, an) {
            (Value::Object(e), Value::Object(a)) => {
                for (k, ev) in e {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&escape_token(k));
                    match a.get(k) {
                        Some(av) => walk(ev, av, path, opt, nul, out),
                        None if opt.contains(&generic(path)) => {}
                        None => out.push((path.clone(), "missing".into())),
                    }
                    path.truncate(len);
                }
                for k in a.keys().filter(|k| !e.contains_key(*k)) {
                    out.push((
                        format!("{path}/{}", escape_token(k)),
                        "not in the example".into(),
                    ));
                }
            }
            (Value::Array(e), Value::Array(a)) => {
                if let Some(first) = e.first() {
                    for (i, av) in a.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("/{i}"));
                        walk(first, av, path, opt, nul, out);
                        path.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(
        example,
        answer,
        &mut String::new(),
        optional,
        nullable,
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comments_are_found_and_stripped_but_not_inside_strings() {
        let text = "{ \"a\": \"x // not a comment\", // one\n  \"b\": /* two\n */ 1 }\n";
        let (stripped, comments) = strip_comments(text);
        assert_eq!(stripped.len(), text.len());
        assert_eq!(
            comments,
            vec![
                Comment {
                    line: 1,
                    column: 30,
                    style: "//"
                },
                Comment {
                    line: 2,
                    column: 8,
                    style: "/*"
                },
            ]
        );
        match parse_example(text) {
            Parsed::WithComments(v, c) => {
                assert_eq!(v, json!({"a": "x // not a comment", "b": 1}));
                assert_eq!(c.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_example("{\"a\": 1}"), Parsed::Strict(json!({"a": 1})));
        assert!(matches!(parse_example("{\"a\": }"), Parsed::Invalid(_)));
        assert!(
            matches!(parse_example("{\"a\": } // c"), Parsed::Invalid(e) if e.contains("stripped"))
        );
        assert!(matches!(
            parse_example("{\"a\": \"\\\"//\"}"),
            Parsed::Strict(_)
        ));
    }

    #[test]
    fn placeholders_are_strings_with_an_ellipsis() {
        let v = json!({"t": "rsv_Qh7m…", "n": ["ok", "a..."], "x": 1, "m": "done."});
        assert_eq!(
            placeholders(&v),
            vec![
                ("/n/1".to_string(), "a...".to_string()),
                ("/t".to_string(), "rsv_Qh7m…".to_string()),
            ]
        );
    }

    #[test]
    fn shape_diff_checks_members_and_types_only() {
        let ex =
            json!({"data": {"id": "hnd_…", "n": 1, "lead": "x", "list": [{"t": "a"}]}, "meta": {}});
        let same = json!({"data": {"id": "hnd_42", "n": 2.5, "lead": null, "list": [{"t": "b"}, {"t": "c"}]}, "meta": {}});
        let opt = vec!["/data/lead".to_string()];
        assert!(shape_diff(&ex, &same, &opt, &opt).is_empty());
        let absent = json!({"data": {"id": "h", "n": 1, "list": []}, "meta": {}});
        assert!(shape_diff(&ex, &absent, &opt, &opt).is_empty());
        let off = json!({"data": {"id": 7, "n": 1, "list": [{"t": 1}], "extra": true}});
        assert_eq!(
            shape_diff(&ex, &off, &opt, &[]),
            vec![
                (
                    "/data/id".to_string(),
                    "number where the example has string".to_string()
                ),
                (
                    "/data/list/0/t".to_string(),
                    "number where the example has string".to_string()
                ),
                ("/data/extra".to_string(), "not in the example".to_string()),
                ("/meta".to_string(), "missing".to_string()),
            ]
        );
        // null is only allowed where listed.
        let null_lead = json!({"data": {"id": "h", "n": 1, "lead": null, "list": []}, "meta": {}});
        assert_eq!(shape_diff(&ex, &null_lead, &[], &[]).len(), 1);
    }
}
