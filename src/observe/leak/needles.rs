//! Needles: the forms a canary can take on a surface (JSON escapes, URL encoding, base64, quoted-printable, lower case).

use super::*;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

pub(crate) fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

pub(crate) fn push_unique(out: &mut Vec<String>, v: String) {
    if !out.contains(&v) {
        out.push(v);
    }
}

/// The JSON string bodies common encoders make of `value`, other than `value` itself.
pub(crate) fn json_forms(value: &str) -> Vec<String> {
    // Printable ASCII that no encoder escapes (no quote, backslash, slash or HTML character)
    // has no other JSON form: skip building twelve copies of it.
    if value.bytes().all(|b| {
        (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'/' | b'<' | b'>' | b'&')
    }) {
        return Vec::new();
    }
    let base = serde_json::to_string(value).unwrap_or_default();
    let base = base
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(value)
        .to_owned();
    let mut out = Vec::new();
    for ascii in [None, Some(false), Some(true)] {
        for slash in [false, true] {
            for html in [false, true] {
                let mut s = String::new();
                for c in base.chars() {
                    let escape_html =
                        html && matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}');
                    match (c, ascii) {
                        ('/', _) if slash => s.push_str("\\/"),
                        (c, Some(upper)) if !c.is_ascii() || escape_html => {
                            push_u_escapes(&mut s, c, upper)
                        }
                        (c, None) if escape_html => push_u_escapes(&mut s, c, false),
                        (c, _) => s.push(c),
                    }
                }
                push_unique(&mut out, s);
            }
        }
    }
    out.retain(|s| s != value);
    out
}

pub(crate) fn push_u_escapes(out: &mut String, c: char, upper: bool) {
    let mut units = [0u16; 2];
    for u in c.encode_utf16(&mut units) {
        if upper {
            out.push_str(&format!("\\u{u:04X}"));
        } else {
            out.push_str(&format!("\\u{u:04x}"));
        }
    }
}

/// The percent-encodings common encoders make of `value`, other than `value` itself.
pub(crate) fn url_forms(value: &str) -> Vec<String> {
    // Bytes left as they are, besides ASCII letters and digits.
    const STRICT: &[u8] = b"-._~"; // RFC 3986 unreserved
    const JS: &[u8] = b"-._~!'()*"; // encodeURIComponent
    const FORM: &[u8] = b"-._*"; // application/x-www-form-urlencoded (WHATWG)
    let mut out = Vec::new();
    for keep in [STRICT, JS, FORM] {
        for plus in [false, true] {
            for upper in [true, false] {
                let mut s = String::new();
                for &b in value.as_bytes() {
                    if b.is_ascii_alphanumeric() || keep.contains(&b) {
                        s.push(char::from(b));
                    } else if b == b' ' && plus {
                        s.push('+');
                    } else if upper {
                        s.push_str(&format!("%{b:02X}"));
                    } else {
                        s.push_str(&format!("%{b:02x}"));
                    }
                }
                push_unique(&mut out, s);
            }
        }
    }
    out.retain(|s| s != value);
    out
}

/// The stable inner parts of the base64 encodings of `bytes` at each of the three byte
/// alignments, in both alphabets: the characters that depend only on `bytes`, whatever
/// surrounds them in a longer encoded blob.
pub(crate) fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for align in 0..3usize {
        let mut data = vec![0u8; align];
        data.extend_from_slice(bytes);
        let first = (align * 8).div_ceil(6);
        let last = data.len() * 8 / 6;
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&data);
            if let Some(inner) = encoded.get(first..last)
                && inner.len() >= 4
            {
                push_unique(&mut out, inner.to_owned());
            }
        }
    }
    out
}

/// Quoted-printable encodings of `bytes` (upper and lower hex escapes).
pub(crate) fn qp_forms(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for upper in [true, false] {
        let mut s = String::new();
        for &b in bytes {
            if (b == b' ' || b == b'\t' || (33..=126).contains(&b)) && b != b'=' {
                s.push(char::from(b));
            } else if upper {
                s.push_str(&format!("={b:02X}"));
            } else {
                s.push_str(&format!("={b:02x}"));
            }
        }
        push_unique(&mut out, s);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Searching
// ---------------------------------------------------------------------------------------------
