//! The variant table, the mirror of the defect table: `dealer-tck serve-reference
//! --list-variants` names every legitimate alternative reading of the seeds the reference can
//! take (name, the seed sentence that allows it, what it does), and `dealer-tck run --variant
//! NAME` must stay green for each one: exit 0, CONFORMANT, no FAIL and no MUST clause
//! NOT_TESTED. A check made stricter than the seeds fails here; a check loosened too far fails
//! the defect table. Only the binary's output is read: the listing and the `--json` report.

use dealer_tck::reference::Variant;
use serde_json::Value;
use std::collections::BTreeSet;

use crate::support::{self, tck};

/// `(name, allowance, what)` per line of `--list-variants`.
fn listing() -> Vec<(String, String, String)> {
    support::listing("--list-variants")
        .into_iter()
        .map(|[name, allowance, what]| (name, allowance, what))
        .collect()
}

#[test]
fn the_listing_names_every_variant_once_with_the_seed_sentence_that_allows_it() {
    let listed = listing();
    let names: BTreeSet<&str> = listed.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(names.len(), listed.len(), "a variant is listed twice");
    assert_eq!(listed.len(), Variant::ALL.len());
    assert!(listed.len() >= 15, "at least 15 variants");
    for (name, allowance, what) in &listed {
        let v: Variant = name
            .parse()
            .expect("a listed name is accepted by --variant");
        assert_eq!(v.name(), name);
        assert!(
            allowance.contains("seed") || allowance.contains("BINDINGS"),
            "{name}: the allowance cites no seed sentence: {allowance}"
        );
        assert!(!what.trim().is_empty(), "{name}: says nothing it does");
    }
    // A variant and a defect never share a name (each reading is one or the other).
    for d in dealer_tck::reference::Defect::ALL {
        assert!(!names.contains(d.name()), "{} is both", d.name());
    }
}

#[test]
fn an_unknown_variant_is_a_usage_error_and_a_variant_needs_the_embedded_reference() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, stderr) = tck(&["run", "--variant", "no-such-reading"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no-such-reading"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (code, _, stderr) = tck(
        &[
            "run",
            "--variant",
            "mcp-sse",
            "--target",
            "http://127.0.0.1:9",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// Run the reference with one variant; `Err` says what the run held against a legitimate
/// reading.
fn green(name: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("reports");
    let out = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck(
        &[
            "run",
            "--variant",
            name,
            "--json",
            "--cases",
            "2",
            "--out",
            out,
        ],
        dir.path(),
    );
    let report: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("{name}: exit {code}, no JSON report ({e}): {stderr}"))?;
    let bad = support::blocking(&report);
    if code == 0
        && report["conformant"] == true
        && report["target"]["variant"] == name
        && bad.is_empty()
    {
        Ok(())
    } else {
        Err(format!("{name}: exit {code}, {bad:?}"))
    }
}

#[test]
fn every_listed_variant_is_conformant() {
    let held = support::four_at_a_time(listing(), |(name, _, _)| green(&name));
    assert!(
        held.is_empty(),
        "legitimate readings of the seeds the harness failed:\n{}",
        held.join("\n")
    );
}
