//! [`Spool`]: an append-only store of the bytes the observers keep for the end-of-run scans
//! (every mail, every CRM request, the embedded or launched server's log), held in an
//! anonymous temporary file instead of the heap.
//!
//! A long run keeps tens of megabytes of bodies that are read twice: once by the case that
//! caused them, right away, and once by the end-of-run scans. Kept on the heap they made up a
//! third of a 10,000-case run's peak memory; in a spool they cost sixteen bytes of index each
//! (the [`Span`] the owner keeps), and the operating system's page cache holds the bytes.
//!
//! Appends and reads go through one lock, so a record is readable as soon as
//! [`Spool::append`] returned. When no temporary file can be made, or a write to it fails, the
//! spool moves what it holds to memory and goes on there: evidence is never dropped for want
//! of a disk. A read that fails (the file went away under the run) yields no bytes and is kept
//! as [`Spool::error`]: every later read through [`ReadAt`](crate::observe::leak::ReadAt)
//! fails, and a run whose mail or CRM spool failed ends with a harness error, not a report.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Where a record lies in its spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the record's first byte.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u32,
}

impl Span {
    /// The offset just past the record.
    pub fn end(self) -> u64 {
        self.offset + u64::from(self.len)
    }
}

enum Backing {
    File(File),
    Memory(Vec<u8>),
}

struct Inner {
    backing: Backing,
    len: u64,
    error: Option<String>,
}

/// An append-only byte store in a temporary file (see the module doc).
pub struct Spool {
    inner: Mutex<Inner>,
}

impl Default for Spool {
    fn default() -> Spool {
        Spool::new()
    }
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Spool {
    /// The largest record: a longer append keeps its first `u32::MAX` bytes.
    pub const MAX_RECORD: usize = u32::MAX as usize;

    /// A spool in a new anonymous temporary file (removed by the system when the spool is
    /// dropped), or in memory when none can be made.
    pub fn new() -> Spool {
        let backing = match tempfile::tempfile() {
            Ok(f) => Backing::File(f),
            Err(_) => Backing::Memory(Vec::new()),
        };
        Spool::with(backing)
    }

    /// A spool that keeps everything in memory.
    pub fn in_memory() -> Spool {
        Spool::with(Backing::Memory(Vec::new()))
    }

    fn with(backing: Backing) -> Spool {
        Spool {
            inner: Mutex::new(Inner {
                backing,
                len: 0,
                error: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Append `bytes` as one record and say where it lies.
    pub fn append(&self, bytes: &[u8]) -> Span {
        let bytes = &bytes[..bytes.len().min(Self::MAX_RECORD)];
        let mut inner = self.lock();
        let offset = inner.len;
        if let Backing::File(f) = &inner.backing
            && f.write_all_at(bytes, offset).is_err()
        {
            inner.move_to_memory();
        }
        if let Backing::Memory(m) = &mut inner.backing {
            m.extend_from_slice(bytes);
        }
        inner.len += bytes.len() as u64;
        Span {
            offset,
            len: bytes.len() as u32,
        }
    }

    /// Bytes appended so far.
    pub fn len(&self) -> u64 {
        self.lock().len
    }

    /// Whether nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of a record (empty when it cannot be read; see [`Spool::error`]).
    pub fn read(&self, span: Span) -> Vec<u8> {
        let mut out = vec![0; span.len as usize];
        let n = self.read_at(span.offset, &mut out);
        out.truncate(n);
        out
    }

    /// Everything appended, as one buffer (for small spools: tests, a short log).
    pub fn to_vec(&self) -> Vec<u8> {
        self.read(Span {
            offset: 0,
            len: self.len().min(Self::MAX_RECORD as u64) as u32,
        })
    }

    /// Fill `buf` from `offset` on, as far as the spool goes; returns the bytes read.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let mut inner = self.lock();
        let want = (inner.len.saturating_sub(offset)).min(buf.len() as u64) as usize;
        if want == 0 {
            return 0;
        }
        let buf = &mut buf[..want];
        let read = match &inner.backing {
            Backing::File(f) => f.read_exact_at(buf, offset),
            Backing::Memory(m) => {
                buf.copy_from_slice(&m[offset as usize..offset as usize + want]);
                Ok(())
            }
        };
        match read {
            Ok(()) => want,
            Err(e) => {
                inner
                    .error
                    .get_or_insert_with(|| format!("the harness's spool could not be read: {e}"));
                0
            }
        }
    }

    /// The first read failure, if any: the surfaces read from this spool are then incomplete.
    pub fn error(&self) -> Option<String> {
        self.lock().error.clone()
    }
}

impl Inner {
    /// Move the file's bytes to memory after a failed write (a full disk).
    fn move_to_memory(&mut self) {
        let Backing::File(f) = &self.backing else {
            return;
        };
        let mut bytes = vec![0; self.len as usize];
        if let Err(e) = f.read_exact_at(&mut bytes, 0) {
            self.error
                .get_or_insert_with(|| format!("the harness's spool failed: {e}"));
        }
        self.backing = Backing::Memory(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(spool: &Spool) {
        let a = spool.append(b"first record");
        let empty = spool.append(b"");
        let b = spool.append(&[0, 1, 2, 255]);
        assert_eq!(a, Span { offset: 0, len: 12 });
        assert_eq!(empty, Span { offset: 12, len: 0 });
        assert_eq!(b.end(), 16);
        assert_eq!(spool.read(b), vec![0, 1, 2, 255]);
        assert_eq!(spool.read(a), b"first record");
        assert!(spool.read(empty).is_empty());
        // A read past the end stops at the end.
        let mut buf = [0u8; 8];
        assert_eq!(spool.read_at(10, &mut buf), 6);
        assert_eq!(&buf[..6], b"rd\0\x01\x02\xff");
        assert_eq!(spool.read_at(99, &mut buf), 0);
        assert_eq!(spool.len(), 16);
        assert_eq!(spool.error(), None);
    }

    #[test]
    fn records_read_back_as_appended_from_a_file_and_from_memory() {
        round_trip(&Spool::new());
        round_trip(&Spool::in_memory());
    }

    #[test]
    fn a_failed_write_moves_the_records_to_memory_and_keeps_them() {
        let spool = Spool::new();
        let a = spool.append(b"kept before the disk filled");
        // A read-only handle on the same file makes the next write fail.
        {
            let mut inner = spool.lock();
            let path = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(path.path(), b"kept before the disk filled").unwrap();
            inner.backing = Backing::File(File::open(path.path()).unwrap());
        }
        let b = spool.append(b"and after");
        assert!(matches!(spool.lock().backing, Backing::Memory(_)));
        assert_eq!(spool.read(a), b"kept before the disk filled");
        assert_eq!(spool.read(b), b"and after");
        assert_eq!(spool.error(), None);
    }
}
