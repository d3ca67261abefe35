//! The defect table, at the binary level: `dealer-tck serve-reference --list-defects` names every
//! injectable defect with the clause it breaks, and `dealer-tck run --defect NAME` catches each
//! one by that clause: a broken MUST is a FAIL and exit 1, a broken SHOULD a WARN (and exit 0:
//! a SHOULD never makes a server non-conformant). Only the binary's output is read: the listing
//! and the `--json` report.
//!
//! The DMC-12 and binding defects run on one transport each (MCP for the MCP-only rules, MCP
//! 2026-07-28 for the modern era's), every
//! suite included; the AAP defects run the AAP suites (`--clause AAP`) on both A2A bindings and
//! must break their clause and no other, so that the clause attribution is exact.

use dealer_tck::reference::Defect;
use dealer_tck::spec::catalogue::Level;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::support::{self, results, tck};

/// One line of `--list-defects`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    name: String,
    clause: String,
    rule: String,
}

fn listing() -> Vec<Listed> {
    support::listing("--list-defects")
        .into_iter()
        .map(|[name, clause, rule]| Listed { name, clause, rule })
        .collect()
}

/// The level of every catalogue clause, by id.
fn levels() -> BTreeMap<String, Level> {
    dealer_tck::suites::catalogues()
        .flat_map(|c| c.clauses.iter())
        .map(|c| (c.id.clone(), c.level))
        .collect()
}

#[test]
fn the_listing_names_every_defect_once_with_a_catalogue_clause_and_its_rule() {
    let listed = listing();
    let levels = levels();
    let names: BTreeSet<&str> = listed.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names.len(), listed.len(), "a defect is listed twice");
    for l in &listed {
        assert!(levels.contains_key(&l.clause), "{}: {}", l.name, l.clause);
        assert!(!l.rule.trim().is_empty(), "{}: no rule", l.name);
        let d: Defect = l
            .name
            .parse()
            .expect("a listed name is accepted by --defect");
        assert_eq!(d.clause(), l.clause);
    }
    assert_eq!(listed.len(), Defect::ALL.len());
    // Every AAP clause is broken by at least one defect: each error code, each appointment rule
    // and each response rule of both AAP suites has its own proof.
    let broken: BTreeSet<&str> = listed.iter().map(|l| l.clause.as_str()).collect();
    let unproven: Vec<&String> = levels
        .keys()
        .filter(|id| id.starts_with("AAP") && !broken.contains(id.as_str()))
        .collect();
    assert!(
        unproven.is_empty(),
        "AAP clauses no defect breaks: {unproven:?}"
    );
}

/// Run the reference with one defect; `Err` says how the run missed it.
fn catch(l: &Listed, level: Level) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("reports");
    let out = out.to_str().expect("utf-8 path");
    let aap = l.clause.starts_with("AAP");
    let mcp_only = l.clause.starts_with("BIND-MCP") || l.name == "wrong-metadata-protocol";
    let mut args = vec!["run", "--defect", &l.name, "--json", "--out", out];
    if aap {
        args.extend(["--cases", "1", "--clause", "AAP"]);
    } else {
        let transport = if l.clause.starts_with("MCP-MODERN") {
            "mcp-modern"
        } else if mcp_only {
            "mcp"
        } else {
            "a2a-jsonrpc"
        };
        args.extend(["--cases", "2", "--transport", transport]);
    }
    let (code, stdout, stderr) = tck(&args, dir.path());
    let report: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("exit {code}, no JSON report ({e}): {stderr}"))?;
    let results: Vec<&Value> = results(&report);
    let not_passing: Vec<String> = results
        .iter()
        .filter(|r| r["verdict"] != "PASS" && r["verdict"] != "NOT_APPLICABLE")
        .map(|r| format!("{}[{}]={}", r["clause"], r["transport"], r["verdict"]))
        .collect();
    let (want_verdict, want_exit, want_conformant) = match level {
        Level::Should => ("WARN", 0, true),
        _ => ("FAIL", 1, false),
    };
    let caught = results
        .iter()
        .any(|r| r["clause"] == l.clause.as_str() && r["verdict"] == want_verdict);
    let others: BTreeSet<&str> = results
        .iter()
        .filter(|r| {
            r["verdict"] != "PASS"
                && r["verdict"] != "NOT_APPLICABLE"
                && r["clause"] != l.clause.as_str()
        })
        .filter_map(|r| r["clause"].as_str())
        .collect();
    let exact = !aap || others.is_empty();
    // The evidence is words and the server's own values, never Rust debug text.
    let debug_text = [
        "Some(",
        "is None",
        "with None",
        "Unparseable {",
        "String(\"",
        "Number(",
    ];
    let debug: Vec<&str> = results
        .iter()
        .flat_map(|r| r["details"].as_array().into_iter().flatten())
        .filter_map(|d| d["detail"].as_str())
        .filter(|d| debug_text.iter().any(|t| d.contains(t)))
        .collect();
    if !debug.is_empty() {
        return Err(format!(
            "{}: Rust debug text in the evidence: {debug:?}",
            l.name
        ));
    }
    if caught
        && exact
        && code == want_exit
        && report["exit_code"] == want_exit
        && report["conformant"] == want_conformant
    {
        Ok(())
    } else {
        Err(format!(
            "{} (breaks {}, expected {want_verdict} and exit {want_exit}): exit {code}, non-pass: {not_passing:?}",
            l.name, l.clause
        ))
    }
}

#[test]
fn every_listed_defect_is_caught_by_the_binary_through_the_clause_it_breaks() {
    let levels = levels();
    let missed = support::four_at_a_time(listing(), |l| {
        let level = levels.get(&l.clause).copied().unwrap_or(Level::Must);
        catch(&l, level)
    });
    assert!(
        missed.is_empty(),
        "defects the binary did not catch by their clause:\n{}",
        missed.join("\n")
    );
}
