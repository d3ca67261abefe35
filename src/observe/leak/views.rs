//! Views of the surface: the text with quoted-printable soft breaks removed and case folded, mapped back to the original offsets.

use std::borrow::Cow;

/// The surface lowercased (ASCII and Unicode; invalid UTF-8 bytes kept), with a map back to
/// the surface's offsets.
pub(crate) struct FoldedView<'h> {
    pub(crate) bytes: Cow<'h, [u8]>,
    /// For each byte of `bytes`, the surface offset of the character it came from (`None`:
    /// identity, the surface was ASCII).
    pub(crate) map: Option<Vec<usize>>,
}

impl<'h> FoldedView<'h> {
    pub(crate) fn new(hay: &'h [u8]) -> FoldedView<'h> {
        if hay.is_ascii() {
            if !hay.iter().any(u8::is_ascii_uppercase) {
                return FoldedView {
                    bytes: Cow::Borrowed(hay),
                    map: None,
                };
            }
            return FoldedView {
                bytes: Cow::Owned(hay.to_ascii_lowercase()),
                map: None,
            };
        }
        let mut bytes = Vec::with_capacity(hay.len());
        let mut map = Vec::with_capacity(hay.len());
        let mut offset = 0;
        for chunk in hay.utf8_chunks() {
            for (i, c) in chunk.valid().char_indices() {
                let mut buf = [0u8; 4];
                for lc in c.to_lowercase() {
                    for &b in lc.encode_utf8(&mut buf).as_bytes() {
                        bytes.push(b);
                        map.push(offset + i);
                    }
                }
            }
            offset += chunk.valid().len();
            for &b in chunk.invalid() {
                bytes.push(b);
                map.push(offset);
                offset += 1;
            }
        }
        FoldedView {
            bytes: Cow::Owned(bytes),
            map: Some(map),
        }
    }

    /// The surface span of the view span `[start, end)`.
    pub(crate) fn span(&self, start: usize, end: usize, hay_len: usize) -> (usize, usize) {
        let Some(map) = &self.map else {
            return (start, end);
        };
        let s = map.get(start).copied().unwrap_or(hay_len);
        let last = map.get(end.saturating_sub(1)).copied().unwrap_or(hay_len);
        // The end is the start of the first character after the last one matched.
        let e = map[end.min(map.len())..]
            .iter()
            .copied()
            .find(|&o| o != last)
            .unwrap_or(hay_len);
        (s, e.max(s))
    }
}

/// The surface without quoted-printable soft line breaks (`=\r\n`, `=\n`), with a map back.
pub(crate) struct SoftBreakView<'h> {
    pub(crate) bytes: Cow<'h, [u8]>,
    /// `(view offset, bytes removed before it)` at every removal, ascending.
    pub(crate) removals: Vec<(usize, usize)>,
}

impl<'h> SoftBreakView<'h> {
    pub(crate) fn new(hay: &'h [u8]) -> SoftBreakView<'h> {
        let has_break = hay.windows(2).any(|w| w == b"=\n" || w == b"=\r");
        if !has_break {
            return SoftBreakView {
                bytes: Cow::Borrowed(hay),
                removals: Vec::new(),
            };
        }
        let mut bytes = Vec::with_capacity(hay.len());
        let mut removals = Vec::new();
        let mut removed = 0;
        let mut i = 0;
        while i < hay.len() {
            let skip = if hay[i..].starts_with(b"=\r\n") {
                3
            } else if hay[i..].starts_with(b"=\n") {
                2
            } else {
                0
            };
            if skip > 0 {
                removed += skip;
                removals.push((bytes.len(), removed));
                i += skip;
            } else {
                bytes.push(hay[i]);
                i += 1;
            }
        }
        SoftBreakView {
            bytes: Cow::Owned(bytes),
            removals,
        }
    }

    pub(crate) fn offset(&self, v: usize) -> usize {
        let k = self.removals.partition_point(|&(at, _)| at <= v);
        match k {
            0 => v,
            _ => v + self.removals[k - 1].1,
        }
    }

    /// The surface span of the view span `[start, end)` (soft breaks inside it included).
    pub(crate) fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.offset(start);
        let e = self.offset(end.saturating_sub(1).max(start)) + usize::from(end > start);
        (s, e.max(s))
    }
}

/// Bytes as one line of display text: lossy UTF-8, newlines as `⏎`, other control characters
/// as `·`.
pub(crate) fn display_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    text.chars()
        .map(|c| match c {
            '\n' | '\r' => '⏎',
            c if c.is_control() => '·',
            c => c,
        })
        .collect()
}
