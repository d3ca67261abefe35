//! Scanning a surface too large to hold at once: [`ReadAt`] is anything the scans can read by
//! offset (a [`Spool`], a file, a byte slice), and [`LeakScanner::scan_pieces`] reads it in
//! [`Pieces`] of a megabyte that overlap, so its memory does not grow with the surface.
//!
//! Each piece after the first starts at least `overlap` bytes before the previous one ended,
//! just after a whitespace byte when one lies within `guard` (half the overlap) before that. A
//! finding belongs to the piece in which it starts at least `guard` bytes from either edge, so
//! every finding is reported once, by a piece that holds it whole with `guard` bytes of context
//! on each side; `guard` is at least 32 KiB and eight times the longest canary (the longest
//! encoding of a canary, `\uXXXX` per byte, is six times it; a quoted-printable occurrence
//! spans at most [`LeakScanner::MAX_QP_SPAN`]). An occurrence, its simplest form and its masked
//! snippet depend only on the bytes around it, and a digit group's identifier context reaches
//! no further than the whitespace a piece starts after, so the findings are those of one scan
//! over the whole surface; only a run of more than `guard` bytes without whitespace could
//! differ (it is cut where the guard ends).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use super::{DigestScanner, LeakFinding, LeakScanner};
use crate::observe::spool::Spool;

/// A surface the scans read by offset.
pub trait ReadAt {
    /// Its length in bytes.
    fn size(&self) -> io::Result<u64>;
    /// Fill `buf` from `offset` on, as far as the surface goes; returns the bytes read.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

impl ReadAt for Spool {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len())
    }
    /// Fails once the spool failed at all: its bytes may then be incomplete.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let n = Spool::read_at(self, offset, buf);
        match self.error() {
            Some(e) => Err(io::Error::other(e)),
            None => Ok(n),
        }
    }
}

impl ReadAt for File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match FileExt::read_at(self, &mut buf[filled..], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

impl ReadAt for [u8] {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.get(offset as usize..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

/// One piece of a surface: its bytes, where they start, and the offsets of the findings it
/// reports (`owned`).
pub struct Piece<'b> {
    /// Offset of `bytes[0]` in the surface.
    pub start: u64,
    /// The piece.
    pub bytes: &'b [u8],
    /// Findings starting in this range are this piece's to report.
    pub owned: std::ops::Range<u64>,
}

/// Reads a surface in overlapping pieces (see the module doc).
pub struct Pieces<'s, S: ReadAt + ?Sized> {
    source: &'s S,
    size: u64,
    piece: usize,
    overlap: usize,
    buf: Vec<u8>,
    next: Option<u64>,
}

impl<'s, S: ReadAt + ?Sized> Pieces<'s, S> {
    /// The smallest guard: context each side of an occurrence, whatever the canaries.
    pub const MIN_GUARD: usize = 32 << 10;

    /// Pieces of `source` for canaries of at most `longest` bytes, `piece` bytes at a time
    /// (raised to four overlaps if smaller).
    pub fn new(source: &'s S, longest: usize, piece: usize) -> io::Result<Pieces<'s, S>> {
        let guard = Self::MIN_GUARD.max(longest.saturating_mul(8));
        let overlap = guard * 2;
        Ok(Pieces {
            source,
            size: source.size()?,
            piece: piece.max(overlap * 4),
            overlap,
            buf: Vec::new(),
            next: Some(0),
        })
    }

    /// The next piece, or None after the last.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece<'_>>> {
        let Some(start) = self.next else {
            return Ok(None);
        };
        let want = (self.size.saturating_sub(start)).min(self.piece as u64) as usize;
        self.buf.resize(want, 0);
        let n = self.source.read_at(start, &mut self.buf)?;
        self.buf.truncate(n);
        let end = start + n as u64;
        let guard = (self.overlap / 2) as u64;
        let last = n < self.piece || end >= self.size;
        let owned_from = if start == 0 { 0 } else { start + guard };
        // The next piece starts just after the last whitespace in the guard before the overlap
        // (no identifier runs across it), else where the overlap begins.
        self.next = (!last).then(|| {
            let nominal = n - self.overlap;
            let from = nominal - guard as usize;
            let cut = self.buf[from..nominal]
                .iter()
                .rposition(|b| b.is_ascii_whitespace())
                .map_or(nominal, |i| from + i + 1);
            start + cut as u64
        });
        let owned_to = self.next.map_or(u64::MAX, |next| next + guard);
        Ok(Some(Piece {
            start,
            bytes: &self.buf,
            owned: owned_from..owned_to,
        }))
    }
}

/// A piece is this many bytes unless the canaries need a longer overlap.
pub const PIECE: usize = 1 << 20;

impl LeakScanner {
    /// [`scan`](Self::scan) over a surface read piece by piece: the same findings, with offsets
    /// into the whole surface, holding one piece at a time.
    pub fn scan_pieces<S: ReadAt + ?Sized>(
        &self,
        surface: &str,
        source: &S,
    ) -> io::Result<Vec<LeakFinding>> {
        self.scan_pieces_of(surface, source, PIECE)
    }

    fn scan_pieces_of<S: ReadAt + ?Sized>(
        &self,
        surface: &str,
        source: &S,
        piece: usize,
    ) -> io::Result<Vec<LeakFinding>> {
        let mut out = Vec::new();
        if self.canaries.is_empty() {
            return Ok(out);
        }
        let longest = self.canaries.iter().map(|c| c.value.len()).max();
        let mut pieces = Pieces::new(source, longest.unwrap_or(0), piece)?;
        while let Some(piece) = pieces.next_piece()? {
            for mut f in self.scan(surface, piece.bytes) {
                let at = piece.start + f.offset as u64;
                if piece.owned.contains(&at) && out.len() < Self::MAX_FINDINGS {
                    f.offset = at as usize;
                    out.push(f);
                }
            }
        }
        Ok(out)
    }
}

impl DigestScanner {
    /// Whether the digest of any canary occurs in a surface read piece by piece (see
    /// [`scan_hashes`](Self::scan_hashes)).
    pub fn finds_in_pieces<S: ReadAt + ?Sized>(&self, source: &S) -> io::Result<bool> {
        self.finds_in_pieces_of(source, PIECE)
    }

    fn finds_in_pieces_of<S: ReadAt + ?Sized>(&self, source: &S, piece: usize) -> io::Result<bool> {
        if self.is_empty() {
            return Ok(false);
        }
        let mut pieces = Pieces::new(source, 0, piece)?;
        while let Some(piece) = pieces.next_piece()? {
            if !self.scan_hashes("", piece.bytes).is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::leak::Canary;

    fn canary(field: &str, value: &str) -> Canary {
        Canary {
            field: field.into(),
            value: value.into(),
        }
    }

    /// A surface of `len` filler bytes with `values` written at the given offsets, a space
    /// each side.
    fn surface(len: usize, at: &[(usize, &str)]) -> Vec<u8> {
        let mut s: Vec<u8> = (0..len).map(|i| b"abcdefgh \n"[i % 10]).collect();
        for (o, v) in at {
            let v = format!(" {v} ");
            s[*o..*o + v.len()].copy_from_slice(v.as_bytes());
        }
        s
    }

    #[test]
    fn pieces_cover_the_surface_and_own_each_offset_once() {
        let data = vec![7u8; 1_000_000];
        let mut pieces = Pieces::new(&data[..], 0, 0).unwrap();
        let mut owned = vec![];
        let mut last_end = 0;
        while let Some(p) = pieces.next_piece().unwrap() {
            assert!(p.start <= last_end, "no gap between pieces");
            last_end = p.start + p.bytes.len() as u64;
            owned.push(p.owned.clone());
        }
        assert_eq!(last_end, 1_000_000);
        assert!(owned.len() > 2, "{owned:?}");
        assert_eq!(owned[0].start, 0);
        assert_eq!(owned.last().unwrap().end, u64::MAX);
        for w in owned.windows(2) {
            assert_eq!(w[0].end, w[1].start, "owned ranges partition the surface");
        }
    }

    #[test]
    fn pieces_start_after_whitespace_where_the_guard_has_some() {
        let data = surface(1_000_000, &[]);
        let mut pieces = Pieces::new(&data[..], 0, 0).unwrap();
        let mut starts = vec![];
        while let Some(p) = pieces.next_piece().unwrap() {
            starts.push(p.start as usize);
        }
        assert!(starts.len() > 2);
        for &s in &starts[1..] {
            assert!(data[s - 1].is_ascii_whitespace(), "piece at {s}");
        }
    }

    #[test]
    fn a_quoted_printable_occurrence_stretched_past_the_cap_is_not_one() {
        let scanner = LeakScanner::new(vec![canary("customer_contact.name", "Marguerite Okonkwo")]);
        let wrapped = b"Name: Marguerite Ok=\r\nonkwo\r\n".to_vec();
        assert_eq!(scanner.scan("mail", &wrapped).len(), 1);
        let mut stretched = b"Name: Marguerite Ok".to_vec();
        stretched.extend(b"=\r\n".repeat(LeakScanner::MAX_QP_SPAN / 3));
        stretched.extend(b"onkwo\r\n");
        assert!(scanner.scan("mail", &stretched).is_empty());
    }

    #[test]
    fn a_piecewise_scan_finds_what_a_whole_scan_finds_at_every_boundary() {
        let scanner = LeakScanner::new(vec![
            canary("customer_contact.email", "jane.roe@example.com"),
            canary("customer_contact.phone", "+1 (312) 555-0175"),
            canary("customer_contact.name", "Marguerite Okonkwo"),
        ]);
        let pieces = Pieces::new(&[][..], 0, 0).unwrap();
        let (piece, overlap) = (pieces.piece, pieces.overlap);
        let len = piece * 3;
        // Occurrences straddling and just inside every piece boundary and owned-range edge.
        let mut at = vec![];
        for k in 1..3u64 {
            let next = (k as usize) * (piece - overlap);
            for edge in [next, next + overlap / 2, next + overlap] {
                for d in [0usize, 1, 5, 10, 19, 40] {
                    at.push(edge.saturating_sub(d));
                }
            }
        }
        at.sort_unstable();
        at.dedup_by(|a, b| a.abs_diff(*b) < 64);
        let values = ["jane.roe@example.com", "312.555.0175", "MARGUERITE OKONKWO"];
        let placed: Vec<(usize, &str)> = at
            .iter()
            .enumerate()
            .map(|(i, &o)| (o, values[i % values.len()]))
            .collect();
        let hay = surface(len, &placed);
        let whole = scanner.scan("log", &hay);
        assert!(whole.len() >= placed.len(), "{}", whole.len());
        // The smallest pieces these canaries allow, as `pieces` above.
        assert_eq!(scanner.scan_pieces_of("log", &hay[..], 0).unwrap(), whole);
    }

    #[test]
    fn digests_are_found_across_a_piece_boundary() {
        use sha2::{Digest, Sha256};
        let c = [canary("customer_contact.email", "jane.roe@example.com")];
        let digests = DigestScanner::new(&c);
        let hex = hex::encode(Sha256::digest(b"jane.roe@example.com"));
        let pieces = Pieces::new(&[][..], 0, 0).unwrap();
        let boundary = pieces.piece - pieces.overlap / 2;
        let hay = surface(pieces.piece * 2, &[(boundary - 20, hex.as_str())]);
        assert!(digests.finds_in_pieces_of(&hay[..], 0).unwrap());
        let none = surface(pieces.piece * 2, &[]);
        assert!(!digests.finds_in_pieces_of(&none[..], 0).unwrap());
    }
}
