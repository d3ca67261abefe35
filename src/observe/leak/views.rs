//! Views of the surface: the text with quoted-printable soft breaks removed and case folded, mapped back to the original offsets.

use std::borrow::Cow;

/// The surface lowercased (ASCII and Unicode; invalid UTF-8 bytes kept), with a map back to
/// the surface's offsets.
///
/// The map is sparse, so a view costs about its text's size whatever the surface: most
/// characters lowercase to as many bytes as they had, and there a view offset is the surface
/// offset shifted by what the resized characters before it added or removed. Only a character
/// whose lowercase has another length (`İ` → `i̇`, `ẞ` → `ß`) is recorded, as an anchor whose
/// bytes all map to the character's start.
pub(crate) struct FoldedView<'h> {
    pub(crate) bytes: Cow<'h, [u8]>,
    /// Every resized character, by view offset.
    anchors: Vec<Anchor>,
    /// Surface length (where an offset past the last character maps).
    hay_len: usize,
}

/// A character whose lowercase has another length than it: where it starts in the view and in
/// the surface, and its length in each.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    view: usize,
    surface: usize,
    view_len: usize,
    surface_len: usize,
}

impl<'h> FoldedView<'h> {
    pub(crate) fn new(hay: &'h [u8]) -> FoldedView<'h> {
        let plain = |bytes| FoldedView {
            bytes,
            anchors: Vec::new(),
            hay_len: hay.len(),
        };
        if hay.is_ascii() {
            if !hay.iter().any(u8::is_ascii_uppercase) {
                return plain(Cow::Borrowed(hay));
            }
            return plain(Cow::Owned(hay.to_ascii_lowercase()));
        }
        let mut bytes = Vec::with_capacity(hay.len());
        let mut anchors = Vec::new();
        let mut offset = 0;
        for chunk in hay.utf8_chunks() {
            let text = chunk.valid();
            let mut i = 0;
            while let Some(&b) = text.as_bytes().get(i) {
                // ASCII (most of any surface) byte by byte; other characters decoded.
                if b.is_ascii() {
                    bytes.push(b.to_ascii_lowercase());
                    i += 1;
                    continue;
                }
                let Some(c) = text[i..].chars().next() else {
                    break;
                };
                let view = bytes.len();
                let mut buf = [0u8; 4];
                for lc in c.to_lowercase() {
                    bytes.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
                }
                if bytes.len() - view != c.len_utf8() {
                    anchors.push(Anchor {
                        view,
                        surface: offset + i,
                        view_len: bytes.len() - view,
                        surface_len: c.len_utf8(),
                    });
                }
                i += c.len_utf8();
            }
            offset += chunk.valid().len();
            // Invalid bytes are kept one for one.
            bytes.extend_from_slice(chunk.invalid());
            offset += chunk.invalid().len();
        }
        FoldedView {
            bytes: Cow::Owned(bytes),
            anchors,
            hay_len: hay.len(),
        }
    }

    /// The surface offset of view byte `v` (the surface length past the view's end).
    fn offset(&self, v: usize) -> usize {
        if v >= self.bytes.len() {
            return self.hay_len;
        }
        let k = self.anchors.partition_point(|a| a.view <= v);
        match k.checked_sub(1).map(|k| self.anchors[k]) {
            None => v,
            Some(a) if v < a.view + a.view_len => a.surface,
            Some(a) => a.surface + a.surface_len + (v - a.view - a.view_len),
        }
    }

    /// The surface span of the view span `[start, end)`: from the start of the character its
    /// first byte came from to the start of the first character after its last one.
    pub(crate) fn span(&self, start: usize, end: usize, hay_len: usize) -> (usize, usize) {
        if self.anchors.is_empty() {
            return (start, end);
        }
        let s = self.offset(start);
        let last = self.offset(end.saturating_sub(1));
        let e = (end..self.bytes.len())
            .map(|v| self.offset(v))
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
