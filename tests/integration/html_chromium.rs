//! `report.html` in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) loads the page of a run with a failure and dumps its DOM once the page's script
//! ran. The matrix has a row per clause and a cell per clause × transport with its verdict;
//! with `#open=CLAUSE&verdict=FAIL` the failing clause is open with its evidence and the passing
//! rows are hidden. Without Chromium the test says so in one line and passes, unless
//! `DEALER_TCK_REQUIRE_CHROMIUM=1` (set by `.ci/run`).

use crate::support::{available, results, tck};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The failing clause of the run (defect `skip-ownership`).
const FAILING: &str = "DMC12-RES-OWNER-001";

/// A Chromium still running then is killed and the test fails (a hang guard, not a timing
/// assertion).
const BOUND: Duration = Duration::from_secs(60);

fn chromium_present() -> bool {
    Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The DOM of `page` opened with `fragment`, after its script ran, by a Chromium with a fresh
/// profile, no network service worth the name and no sandbox (CI runs as root).
fn dump_dom(page: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}{fragment}", page.display());
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that the guard stops the browser and its helpers alone.
        .process_group(0)
        .spawn()
        .expect("chromium runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(BOUND) {
        Ok(out) => out.expect("chromium's output"),
        Err(_) => {
            // SAFETY: kills the process group of the Chromium this test started.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
            panic!("chromium did not dump {url} within {BOUND:?}");
        }
    };
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && dom.contains("</html>"),
        "chromium could not dump {url}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// The opening tag of the first element that starts with `start`.
fn tag<'a>(dom: &'a str, start: &str) -> &'a str {
    let at = dom
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in the DOM:\n{dom}"));
    let end = dom[at..].find('>').expect("tag end");
    &dom[at..=at + end]
}

/// Text as the DOM serializer writes it.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn chromium_shows_the_matrix_and_one_expanded_failure() {
    if !available(
        chromium_present(),
        "DEALER_TCK_REQUIRE_CHROMIUM",
        "chromium not found, report.html is not rendered in a browser (apt-get install -y chromium)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("reports");
    let (code, stdout, stderr) = tck(
        &[
            "run",
            "--cases",
            "1",
            "--defect",
            "skip-ownership",
            "--clause",
            "DMC12-RES",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let run = std::fs::read_dir(&out)
        .expect("reports")
        .next()
        .expect("one run")
        .expect("entry")
        .path();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).expect("json"))
            .expect("report.json");
    let all = results(&json);
    let mut clauses: Vec<&str> = vec![];
    for r in &all {
        let c = r["clause"].as_str().expect("clause");
        if !clauses.contains(&c) {
            clauses.push(c);
        }
    }
    let failing: Vec<&&Value> = all.iter().filter(|r| r["verdict"] == "FAIL").collect();
    assert!(
        !failing.is_empty() && failing.iter().all(|r| r["clause"] == FAILING),
        "{stdout}"
    );
    assert!(clauses.len() > 1, "passing clauses too: {clauses:?}");
    let page = run.join("report.html");

    // As loaded: the script ran (the filters show), one row per clause, one cell per clause ×
    // transport with its verdict, nothing hidden, nothing open.
    let dom = dump_dom(&page, "");
    assert_eq!(tag(&dom, "<nav id=\"filters\""), "<nav id=\"filters\">");
    assert_eq!(dom.matches("<table class=\"matrix\">").count(), 1);
    assert_eq!(
        dom.matches("<tr class=\"clause\"").count(),
        clauses.len(),
        "one row per clause"
    );
    assert_eq!(dom.matches("<td class=\"cell ").count(), all.len());
    for r in &all {
        let (clause, transport, verdict) = (
            r["clause"].as_str().expect("clause"),
            r["transport"].as_str().expect("transport"),
            r["verdict"].as_str().expect("verdict"),
        );
        let row = &dom[dom
            .find(&format!("<tr class=\"clause\" data-clause=\"{clause}\""))
            .expect("row")..];
        let row = &row[..row.find("</tr>").expect("row end")];
        let cell = format!(
            "<td class=\"cell v-{verdict}\" data-transport=\"{transport}\" data-verdict=\"{verdict}\">{verdict}</td>"
        );
        assert_eq!(row.matches(&cell).count(), 1, "{cell} in {row}");
    }
    assert!(!dom.contains(" hidden=") && !dom.contains(" open="));

    // `#open=…&verdict=FAIL`: the failure expanded with its evidence, the passing rows hidden.
    let dom = dump_dom(&page, &format!("#open={FAILING}&verdict=FAIL"));
    let details = tag(
        &dom,
        &format!("<details class=\"clause-detail\" data-clause=\"{FAILING}\""),
    );
    assert!(details.contains(" open=\"\""), "{details}");
    let body = &dom[dom.find(details).expect("details")..];
    let body = &body[..body.find("</details>").expect("details end")];
    for r in &failing {
        let d = &r["details"][0];
        for evidence in [&d["case"], &d["check"], &d["detail"]] {
            let t = text(evidence.as_str().expect("evidence"));
            assert!(
                body.contains(&t),
                "{t} missing from the expanded failure:\n{body}"
            );
        }
        assert!(body.contains(&format!(
            "data-transport=\"{}\" data-verdict=\"FAIL\"",
            r["transport"].as_str().expect("transport")
        )));
    }
    assert_eq!(
        dom.matches(" open=\"\"").count(),
        1,
        "only that clause open"
    );
    for c in &clauses {
        let row = tag(&dom, &format!("<tr class=\"clause\" data-clause=\"{c}\""));
        assert_eq!(row.contains(" hidden=\"\""), *c != FAILING, "{row}");
    }
}
