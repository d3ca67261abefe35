//! MCP's two eras at the binary level: `--mcp-era` and the spec's probe. The embedded reference
//! serves the eras the run asks for and is conformant in each alone and in both; a launched
//! reference serving one era only is probed right under `auto` (the other era skipped, with
//! what the probe saw, and its clauses not applicable) and refused in one line when the other era is asked for by name; a
//! profile's `[mcp] era` is honoured and a bad one refused.

use serde_json::Value;

use crate::support::{launch_template, results, tck};

/// `dealer-tck run … --clause MCP --cases 1 --json` in a temporary directory.
fn run_mcp(extra: &[&str]) -> (i32, Option<Value>, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut args = vec![
        "run", "--cases", "1", "--clause", "MCP", "--json", "--out", "r",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = tck(&args, dir.path());
    (code, serde_json::from_str(&out).ok(), err)
}

fn transports(report: &Value) -> Vec<String> {
    serde_json::from_value(report["target"]["transports"].clone()).unwrap_or_default()
}

fn skipped(report: &Value, name: &str) -> String {
    report["target"]["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == name)
        .and_then(|s| s["reason"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_reference_is_conformant_in_each_era_alone_and_in_both() {
    for (era, want) in [
        ("auto", vec!["mcp", "mcp-modern"]),
        ("both", vec!["mcp", "mcp-modern"]),
        ("legacy", vec!["mcp"]),
        ("modern", vec!["mcp-modern"]),
    ] {
        let (code, report, err) = run_mcp(&["--mcp-era", era]);
        let report = report.unwrap_or_else(|| panic!("{era}: no report: {err}"));
        assert_eq!(code, 0, "{era}: {err}");
        let mcp: Vec<String> = transports(&report)
            .into_iter()
            .filter(|t| t.starts_with("mcp"))
            .collect();
        assert_eq!(mcp, want, "{era}");
        let judged: Vec<&Value> = results(&report)
            .into_iter()
            .filter(|r| {
                r["clause"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("MCP-MODERN"))
            })
            .collect();
        // The modern clauses are judged exactly when the modern era is.
        assert_eq!(judged.is_empty(), era == "legacy", "{era}: {judged:?}");
        assert!(
            judged
                .iter()
                .all(|r| r["verdict"] == "PASS" || r["verdict"] == "NOT_APPLICABLE"),
            "{era}: {judged:?}"
        );
        if era == "legacy" {
            assert_eq!(
                skipped(&report, "mcp-modern"),
                "the MCP era chosen is legacy"
            );
        }
    }
}

#[test]
fn a_server_of_one_era_is_probed_right_and_refused_the_other_by_name() {
    for (served, other, absent) in [
        ("legacy", "modern", "mcp-modern"),
        ("modern", "legacy", "mcp"),
    ] {
        let launch = launch_template(&format!("--mcp-era {served}"));
        // auto: the era the server speaks is certified, the other skipped with the probe's
        // reading.
        let (code, report, err) = run_mcp(&["--launch", &launch]);
        let report = report.unwrap_or_else(|| panic!("{served}: no report: {err}"));
        assert_eq!(code, 0, "{served}: {err}");
        assert!(!transports(&report).iter().any(|t| t == absent), "{served}");
        let why = skipped(&report, absent);
        let expected = if served == "legacy" {
            "server/discover was answered HTTP 400 with JSON-RPC error -32600"
        } else {
            "no MCP endpoint answered initialize"
        };
        assert!(why.contains(expected), "{served}: {why}");
        // The clauses of the era it does not serve are not applicable to it, saying why.
        let other_era_clause = if served == "legacy" {
            "MCP-MODERN-DISCOVER-001"
        } else {
            "BIND-MCP-INIT-001"
        };
        let cell = results(&report)
            .into_iter()
            .find(|r| r["clause"] == other_era_clause)
            .unwrap_or_else(|| panic!("{served}: no {other_era_clause}"));
        assert_eq!(
            (cell["transport"].as_str(), cell["verdict"].as_str()),
            (Some("target"), Some("NOT_APPLICABLE")),
            "{served}: {cell}"
        );
        assert!(
            cell["details"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("{absent} is not served"))),
            "{cell}"
        );
        // The other era by name: one line naming the choice and what the server answered.
        let (code, report, err) = run_mcp(&["--launch", &launch, "--mcp-era", other]);
        assert!(report.is_none(), "{served}: a report for an era it lacks");
        assert_eq!(code, 3, "{served}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(&format!("--mcp-era {other}: ")), "{err}");
    }
}

#[test]
fn a_profile_chooses_the_era_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("modern.toml"), "[mcp]\nera = \"modern\"\n").expect("write");
    std::fs::write(dir.path().join("bad.toml"), "[mcp]\nera = \"2026\"\n").expect("write");
    let args = |profile: &'static str| {
        [
            "run",
            "--cases",
            "1",
            "--clause",
            "MCP",
            "--json",
            "--out",
            "r",
            "--profile",
            profile,
        ]
    };
    let (code, out, err) = tck(&args("modern.toml"), dir.path());
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("a JSON report");
    assert!(!transports(&report).iter().any(|t| t == "mcp"), "{out}");
    let (code, _, err) = tck(&args("bad.toml"), dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("era"), "{err}");
    let (code, _, err) = tck(&["run", "--mcp-era", "newest"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown MCP era 'newest'"), "{err}");
}
