//! The examples manifest ([`Manifest`], `fixtures/examples/manifest.toml`) and the set of
//! example texts it names ([`ExampleSet`]): built into the binary, or read from a directory.

use crate::error::TckError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The suite an example belongs to: a suite of [`crate::suites::REGISTRY`], named in the
/// manifest by its id (`dmc12`, `aap-0.2`, `aap-draft`); ordered as the registry is.
#[derive(Clone, Copy)]
pub struct SuiteRef(pub &'static dyn crate::suites::Suite);

impl SuiteRef {
    /// The suite id.
    pub fn name(self) -> &'static str {
        self.0.id()
    }

    /// The one operation of the suite the seeds define.
    pub fn operation(self) -> &'static str {
        self.0.operation()
    }

    /// How the suite's examples are judged and sent.
    pub fn examples(self) -> &'static dyn crate::examples::SuiteExamples {
        self.0.examples()
    }

    fn index(self) -> usize {
        crate::suites::all()
            .iter()
            .position(|s| s.id() == self.0.id())
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Debug for SuiteRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for SuiteRef {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for SuiteRef {}

impl std::hash::Hash for SuiteRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl PartialOrd for SuiteRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SuiteRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index().cmp(&other.index())
    }
}

impl Serialize for SuiteRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for SuiteRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        crate::suites::by_id(&id).map(SuiteRef).ok_or_else(|| {
            let known: Vec<&str> = crate::suites::all().iter().map(|s| s.id()).collect();
            serde::de::Error::custom(format!(
                "unknown suite `{id}`, expected one of {}",
                known.join(", ")
            ))
        })
    }
}

/// Request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// What a client sends.
    Request,
    /// What a server answers.
    Response,
}

impl Kind {
    /// `request` / `response`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Response => "response",
        }
    }
}

/// Another rendering of the same example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rendering {
    /// Seed file name.
    pub seed: String,
    /// 1-based inclusive line range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<[usize; 2]>,
}

/// A live fixture a placeholder is replaced with before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fixture {
    /// A fresh reservation: `search_inventory` + `create_reservation` as agent A.
    Reservation,
    /// The VIN of a vehicle the dealer has (AAP): the profile's `[aap] in_stock_vin`, else the
    /// first `available` vehicle of `inventory.search`.
    InStockVin,
    /// An appointment time the dealer books as asked (AAP): the profile's
    /// `[aap] confirmable_time`, else the reference's documented rules.
    ConfirmableTime,
}

/// One value to replace before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Live {
    /// JSON pointer of the value.
    pub pointer: String,
    /// What replaces it.
    pub fixture: Fixture,
}

/// A finding the example is known to produce, and why that is acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The rule the finding names.
    pub rule: String,
    /// Where (None: anywhere in the example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Why it is accepted.
    pub reason: String,
}

/// One worked example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleEntry {
    /// Stable id.
    pub id: String,
    /// Path under the examples directory.
    pub file: String,
    /// Seed file it was copied from.
    pub seed: String,
    /// 1-based inclusive line range in the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<[usize; 2]>,
    /// Other renderings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<Rendering>,
    /// The seed's heading(s) above it.
    pub section: String,
    /// Suite.
    pub suite: SuiteRef,
    /// Tool or skill id.
    pub operation: String,
    /// Request or response.
    pub kind: Kind,
    /// (request) response examples that answer it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<String>,
    /// (request) values replaced by live fixtures before sending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live: Vec<Live>,
    /// (response) members the seed marks optional or conditional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<String>,
    /// (response) members typed `string | null`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nullable: Vec<String>,
    /// Expected findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expect>,
}

/// A JSON-looking block of a seed that is not a worked example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    /// Seed file.
    pub seed: String,
    /// 1-based inclusive line range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<[usize; 2]>,
    /// Heading.
    pub section: String,
    /// Why it is not an example.
    pub reason: String,
}

/// `manifest.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format (1).
    pub format: u32,
    /// The examples, in report order.
    #[serde(rename = "example")]
    pub examples: Vec<ExampleEntry>,
    /// Blocks that are not examples.
    #[serde(default, rename = "excluded")]
    pub excluded: Vec<Excluded>,
}

impl Manifest {
    /// An example by id.
    pub fn get(&self, id: &str) -> Option<&ExampleEntry> {
        self.examples.iter().find(|e| e.id == id)
    }

    /// Parse and check a manifest: unique ids, known operations, responses that exist and
    /// answer the same operation, safe relative file paths, a reason on every expectation.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        if m.format != 1 {
            return Err(format!("unsupported manifest format {}", m.format));
        }
        let mut ids = BTreeSet::new();
        for e in &m.examples {
            if !ids.insert(e.id.as_str()) {
                return Err(format!("duplicate example id {}", e.id));
            }
            if e.operation != e.suite.operation() {
                return Err(format!(
                    "{}: suite {} defines operation {}, not {}",
                    e.id,
                    e.suite.name(),
                    e.suite.operation(),
                    e.operation
                ));
            }
            let p = Path::new(&e.file);
            if e.file.is_empty()
                || p.is_absolute()
                || p.components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(format!(
                    "{}: file must be a relative path inside the examples directory",
                    e.id
                ));
            }
            if e.kind == Kind::Response && (!e.responses.is_empty() || !e.live.is_empty()) {
                return Err(format!("{}: responses/live are for request examples", e.id));
            }
            if e.kind == Kind::Request && (!e.optional.is_empty() || !e.nullable.is_empty()) {
                return Err(format!(
                    "{}: optional/nullable are for response examples",
                    e.id
                ));
            }
            if let Some(l) = e
                .live
                .iter()
                .find(|l| !e.suite.examples().fixtures().contains(&l.fixture))
            {
                return Err(format!(
                    "{}: the {:?} fixture at {} does not belong to the {} suite",
                    e.id,
                    l.fixture,
                    l.pointer,
                    e.suite.name()
                ));
            }
            if let Some(p) = e
                .live
                .iter()
                .map(|l| &l.pointer)
                .chain(&e.optional)
                .chain(&e.nullable)
                .find(|p| !p.starts_with('/'))
            {
                return Err(format!("{}: {p:?} is not a JSON pointer", e.id));
            }
            for x in &e.expect {
                if x.rule.trim().is_empty() || x.reason.trim().is_empty() {
                    return Err(format!(
                        "{}: every expectation needs a rule and a reason",
                        e.id
                    ));
                }
            }
        }
        for e in &m.examples {
            for r in &e.responses {
                match m.get(r) {
                    Some(resp) if resp.kind == Kind::Response && resp.operation == e.operation => {}
                    Some(_) => {
                        return Err(format!(
                            "{}: {r} is not a response example of {}",
                            e.id, e.operation
                        ));
                    }
                    None => return Err(format!("{}: no example {r}", e.id)),
                }
            }
        }
        Ok(m)
    }
}

/// The manifest and the text of every example it names.
#[derive(Debug, Clone)]
pub struct ExampleSet {
    /// The manifest.
    pub manifest: Manifest,
    /// File path (as in the manifest) → text.
    pub texts: BTreeMap<String, String>,
    /// Where it came from (`built-in fixtures/examples` or a directory).
    pub origin: String,
}

/// The built-in copy of `fixtures/examples/` (path, contents).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "manifest.toml",
        include_str!("../../fixtures/examples/manifest.toml"),
    ),
    (
        "dmc12/minimal.request.json",
        include_str!("../../fixtures/examples/dmc12/minimal.request.json"),
    ),
    (
        "dmc12/trade-in.request.json",
        include_str!("../../fixtures/examples/dmc12/trade-in.request.json"),
    ),
    (
        "dmc12/consent.request.json",
        include_str!("../../fixtures/examples/dmc12/consent.request.json"),
    ),
    (
        "dmc12/receipt.response.jsonc",
        include_str!("../../fixtures/examples/dmc12/receipt.response.jsonc"),
    ),
    (
        "aap-0.2/full.request.json",
        include_str!("../../fixtures/examples/aap-0.2/full.request.json"),
    ),
    (
        "aap-0.2/full.response.json",
        include_str!("../../fixtures/examples/aap-0.2/full.response.json"),
    ),
    (
        "aap-0.2/general-inquiry.request.json",
        include_str!("../../fixtures/examples/aap-0.2/general-inquiry.request.json"),
    ),
    (
        "aap-0.2/proposed.response.json",
        include_str!("../../fixtures/examples/aap-0.2/proposed.response.json"),
    ),
    (
        "aap-draft/full.request.json",
        include_str!("../../fixtures/examples/aap-draft/full.request.json"),
    ),
    (
        "aap-draft/full.response.json",
        include_str!("../../fixtures/examples/aap-draft/full.response.json"),
    ),
    (
        "aap-draft/anonymous.request.json",
        include_str!("../../fixtures/examples/aap-draft/anonymous.request.json"),
    ),
];

/// Upper bound on one example file read from disk.
const MAX_FILE: u64 = 1024 * 1024;

impl ExampleSet {
    /// The built-in examples.
    pub fn embedded() -> Result<ExampleSet, TckError> {
        let get = |path: &str| EMBEDDED.iter().find(|(p, _)| *p == path).map(|(_, t)| *t);
        let manifest = Manifest::parse(get("manifest.toml").unwrap_or_default()).map_err(|e| {
            TckError::Internal(format!("built-in fixtures/examples/manifest.toml: {e}"))
        })?;
        let mut texts = BTreeMap::new();
        for e in &manifest.examples {
            let text = get(&e.file).ok_or_else(|| {
                TckError::Internal(format!("built-in example {} is not embedded", e.file))
            })?;
            texts.insert(e.file.clone(), text.to_string());
        }
        Ok(ExampleSet {
            manifest,
            texts,
            origin: "built-in fixtures/examples".into(),
        })
    }

    /// Examples from a directory holding `manifest.toml` (usage errors are `Config`).
    pub fn from_dir(dir: &Path) -> Result<ExampleSet, TckError> {
        let read = |rel: &str| -> Result<String, TckError> {
            let p = dir.join(rel);
            let meta = std::fs::metadata(&p)
                .map_err(|e| TckError::Config(format!("cannot read {}: {e}", p.display())))?;
            if meta.len() > MAX_FILE {
                return Err(TckError::Config(format!(
                    "{} is larger than {MAX_FILE} bytes",
                    p.display()
                )));
            }
            std::fs::read_to_string(&p)
                .map_err(|e| TckError::Config(format!("cannot read {}: {e}", p.display())))
        };
        let manifest = Manifest::parse(&read("manifest.toml")?).map_err(|e| {
            TckError::Config(format!("{}: {e}", dir.join("manifest.toml").display()))
        })?;
        let mut texts = BTreeMap::new();
        for e in &manifest.examples {
            texts.insert(e.file.clone(), read(&e.file)?);
        }
        Ok(ExampleSet {
            manifest,
            texts,
            origin: dir.display().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_manifest_names_exactly_the_embedded_files() {
        let set = ExampleSet::embedded().expect("built-in set");
        let named: BTreeSet<&str> = set
            .manifest
            .examples
            .iter()
            .map(|e| e.file.as_str())
            .collect();
        let embedded: BTreeSet<&str> = EMBEDDED
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| *p != "manifest.toml")
            .collect();
        assert_eq!(named, embedded);
        assert_eq!(set.manifest.examples.len(), 11);
    }

    #[test]
    fn bad_manifests_are_refused_with_a_reason() {
        let ok = r#"
format = 1
[[example]]
id = "a"
file = "a.json"
seed = "s"
section = "x"
suite = "dmc12"
operation = "initiate_deal_handoff"
kind = "request"
"#;
        assert!(Manifest::parse(ok).is_ok());
        let cases = [
            (
                ok.replace(
                    "kind = \"request\"",
                    "kind = \"request\"\nresponses = [\"b\"]",
                ),
                "no example b",
            ),
            (ok.replace("a.json", "../a.json"), "relative path"),
            (
                ok.replace("initiate_deal_handoff", "lead.submit"),
                "defines operation",
            ),
            (ok.replace("format = 1", "format = 2"), "unsupported"),
            (
                format!("{ok}\n[[example.expect]]\nrule = \"X\"\nreason = \"\"\n"),
                "a rule and a reason",
            ),
            (
                ok.replace("seed = \"s\"", "seed = \"s\"\ncolour = 1"),
                "unknown field",
            ),
            (
                ok.replace("kind = \"request\"", "kind = \"request\"\noptional = [\"/a\"]"),
                "for response examples",
            ),
            (
                ok.replace(
                    "kind = \"request\"",
                    "kind = \"request\"\nlive = [{ pointer = \"a\", fixture = \"reservation\" }]",
                ),
                "not a JSON pointer",
            ),
            (
                ok.replace("suite = \"dmc12\"", "suite = \"aap-0.2\"")
                    .replace("initiate_deal_handoff", "lead.submit")
                    .replace(
                        "kind = \"request\"",
                        "kind = \"request\"\nlive = [{ pointer = \"/a\", fixture = \"reservation\" }]",
                    ),
                "does not belong to the aap-0.2 suite",
            ),
            (
                ok.replace(
                    "kind = \"request\"",
                    "kind = \"request\"\nlive = [{ pointer = \"/a\", fixture = \"in-stock-vin\" }]",
                ),
                "does not belong to the dmc12 suite",
            ),
        ];
        for (text, want) in cases {
            let e = Manifest::parse(&text).expect_err(want);
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
