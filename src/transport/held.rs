//! Accounting of the target's bytes the harness holds: a [`Meter`] counts, for one run, the
//! bytes of every answer still alive (each [`super::Exchange`] carries a [`Held`] for its raw
//! body and headers, given back when the exchange is dropped) and remembers the peak. What a run
//! keeps after judging an exchange is the judges' fields and capped evidence, never the answer,
//! so the peak stays a few answers whatever the number of exchanges; the report shows it
//! (`stats.peak_held_bytes`) and a test pins it under a budget against a server that pads every
//! answer to the cap (issue 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Default)]
struct Counts {
    live: AtomicUsize,
    peak: AtomicUsize,
}

/// One run's count of the answer bytes alive at once. Clones share the count.
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Counts>);

impl Meter {
    /// A fresh meter (nothing held, peak 0).
    pub fn new() -> Meter {
        Meter::default()
    }

    /// Count `bytes` as held until the returned guard is dropped.
    pub fn hold(&self, bytes: usize) -> Held {
        let now = self.0.live.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.0.peak.fetch_max(now, Ordering::Relaxed);
        Held {
            meter: Some(self.clone()),
            bytes,
        }
    }

    /// Bytes held now.
    pub fn live(&self) -> usize {
        self.0.live.load(Ordering::Relaxed)
    }

    /// The most bytes held at once so far.
    pub fn peak(&self) -> usize {
        self.0.peak.load(Ordering::Relaxed)
    }
}

/// A share of a [`Meter`]'s count, returned when dropped; a clone holds its bytes again.
#[derive(Debug, Default)]
pub struct Held {
    meter: Option<Meter>,
    bytes: usize,
}

impl Held {
    /// A guard that counts nothing (an exchange built by hand, outside any run).
    pub fn none() -> Held {
        Held::default()
    }
}

impl Clone for Held {
    fn clone(&self) -> Held {
        match &self.meter {
            Some(m) => m.hold(self.bytes),
            None => Held::none(),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(m) = &self.meter {
            m.0.live.fetch_sub(self.bytes, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_bytes_come_back_and_the_peak_stays() {
        let m = Meter::new();
        let a = m.hold(100);
        let b = a.clone();
        assert_eq!(m.live(), 200, "a clone holds its bytes again");
        drop(a);
        let c = m.hold(50);
        assert_eq!(m.live(), 150);
        drop((b, c));
        assert_eq!(m.live(), 0);
        assert_eq!(m.peak(), 200);
        assert_eq!(Held::none().clone().bytes, 0);
    }
}
