//! External targets (issue 4): the reference launched as an external process gets the same
//! verdicts as in-process; a profile that moves the skill selector and the error-code pointer
//! is honoured; every bad target or bad configuration gives one line, exit 2 or 3, and leaves
//! no child process behind.

use dealer_tck::report::Verdict;
use dealer_tck::run::{RunOptions, TargetSpec, run};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, launch_template, proc_state, tck};

mod lifecycle;

fn verdicts(r: &dealer_tck::report::Report) -> BTreeMap<(String, String), Verdict> {
    r.results()
        .map(|x| ((x.clause.clone(), x.transport.clone()), x.verdict))
        .collect()
}

/// What every bad input or bad target gets: the exit code, exactly one line on stderr (no
/// panic), no summary claiming conformance and no report directory.
fn assert_refused(want: i32, got: (i32, String, String), dir: &std::path::Path) -> String {
    let (code, out, err) = got;
    assert_eq!(code, want, "{out}\n{err}");
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.contains("CONFORMANT"), "{out}");
    assert!(!dir.join("reports").exists(), "a report was written");
    err
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `dealer-tck run --target URL` with the sink and the mock on free fixed ports, plus `extra`.
fn run_external(target: &str, extra: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let (s, c) = (free_port().to_string(), free_port().to_string());
    let mut args = vec![
        "run",
        "--target",
        target,
        "--smtp-port",
        &s,
        "--crm-port",
        &c,
    ];
    args.extend_from_slice(extra);
    tck(&args, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launched_reference_gets_the_same_verdicts_as_in_process() {
    let base = RunOptions {
        cases: 1,
        out_dir: None,
        crm_timeout: Some(Duration::from_millis(500)),
        ..RunOptions::default()
    };
    let (embedded, _) = run(base.clone()).await.expect("embedded run");
    let launched_opts = RunOptions {
        target: TargetSpec::Launch {
            command: launch_template(""),
            command_crm_disabled: None,
            ready_timeout: Duration::from_secs(30),
        },
        ..base
    };
    let (launched, _) = run(launched_opts).await.expect("launched run");
    assert_eq!(launched.target.kind, "launched");
    assert!(
        embedded.conformant && launched.conformant,
        "{}",
        launched.summary()
    );
    assert_eq!(verdicts(&embedded), verdicts(&launched));
    // The launched server's output was scanned (the log clause was judged, not NOT_TESTED).
    assert!(
        launched
            .results()
            .any(|r| r.clause == "DMC12-PII-LOG-001" && r.verdict == Verdict::Pass)
    );
}

#[test]
fn a_profile_that_moves_the_skill_and_the_error_code_is_honoured() {
    let dir = tempfile::tempdir().expect("tmp");
    let moved = launch_template("--skill-path operation --error-code-key errorCode");
    let profile = format!(
        "[target]\nlaunch = \"{moved}\"\ntransports = [\"a2a-jsonrpc\", \"a2a-rest\"]\n\n[a2a]\nskill_path = \"message.metadata.operation\"\n\n[codes]\npointers = [\"/error/errorCode\"]\n\n[observe]\ncrm_timeout_ms = 500\n"
    );
    std::fs::write(dir.path().join("moved.toml"), &profile).expect("write");
    let (code, out, err) = tck(
        &[
            "run",
            "--cases",
            "1",
            "--profile",
            "moved.toml",
            "--out",
            "r",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    // The same server without the profile's two settings is not conformant.
    let plain = format!(
        "[target]\nlaunch = \"{moved}\"\ntransports = [\"a2a-jsonrpc\"]\n\n[observe]\ncrm_timeout_ms = 500\n"
    );
    std::fs::write(dir.path().join("plain.toml"), plain).expect("write");
    let (code, out, err) = tck(
        &[
            "run",
            "--cases",
            "1",
            "--profile",
            "plain.toml",
            "--out",
            "r",
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}\n{err}");
}

#[test]
fn an_unreachable_target_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    let dead = format!("http://127.0.0.1:{}", free_port());
    let err = assert_refused(3, run_external(&dead, &[], dir.path()), dir.path());
    assert!(err.contains(&dead), "{err}");
}

#[test]
fn a_port_already_taken_exits_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let c = free_port().to_string();
    let got = tck(
        &[
            "run",
            "--target",
            "http://127.0.0.1:9",
            "--smtp-port",
            &port,
            "--crm-port",
            &c,
        ],
        dir.path(),
    );
    let err = assert_refused(2, got, dir.path());
    assert!(err.contains("already taken"), "{err}");
}

#[test]
fn a_launch_command_that_exits_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    // The server's last line, quoted in the error, carries the CRM token it was given: the
    // error line shows it redacted.
    let got = tck(
        &["run", "--launch", "echo starting with {crm_token}; exit 7"],
        dir.path(),
    );
    let err = assert_refused(3, got, dir.path());
    assert!(err.contains("exited") && err.contains("7"), "{err}");
    assert!(err.contains("starting with [REDACTED]"), "{err}");
}

#[test]
fn profile_errors_name_the_key_and_the_line() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[target]\nbase_url = \"http://127.0.0.1:9\"\n\n[observe]\nsmpt_port = 2525\n",
    )
    .expect("write");
    let err = assert_refused(
        2,
        tck(&["run", "--profile", "bad.toml"], dir.path()),
        dir.path(),
    );
    assert!(err.contains("smpt_port") && err.contains("line 5"), "{err}");
    std::fs::write(
        dir.path().join("type.toml"),
        "[observe]\nsmtp_port = \"twenty-five\"\n",
    )
    .expect("write");
    let err = assert_refused(
        2,
        tck(&["run", "--profile", "type.toml"], dir.path()),
        dir.path(),
    );
    assert!(
        err.contains("line 2") && err.contains("observe.smtp_port"),
        "{err}"
    );
    // A value that is not a URL is a configuration error (2), not an unreachable target (3).
    std::fs::write(
        dir.path().join("url.toml"),
        "[target]\nbase_url = \"not a url\"\n",
    )
    .expect("write");
    let err = assert_refused(
        2,
        tck(&["run", "--profile", "url.toml"], dir.path()),
        dir.path(),
    );
    assert!(
        err.contains("target.base_url") && err.contains("not a url"),
        "{err}"
    );
}

/// A one-shot HTTP server on loopback answering every connection with `reply` (or holding it).
fn fake_server(reply: &'static [u8], hang_after: bool) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = vec![];
        for stream in l.incoming().flatten() {
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
            let _ = s.flush();
            if hang_after {
                held.push(s);
            }
        }
    });
    port
}

#[test]
fn an_agent_card_that_is_not_json_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = fake_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!", false);
    let got = run_external(&format!("http://127.0.0.1:{port}"), &[], dir.path());
    let err = assert_refused(3, got, dir.path());
    assert!(
        err.contains("target answered but cannot be tested") && err.contains("not JSON"),
        "{err}"
    );
}

#[test]
fn a_plain_web_server_is_named_as_answering_without_a2a_or_mcp() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = fake_server(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        false,
    );
    let got = run_external(&format!("http://127.0.0.1:{port}"), &[], dir.path());
    let err = assert_refused(3, got, dir.path());
    assert!(
        err.contains("target answered but cannot be tested")
            && err.contains("no agent card")
            && err.contains("no MCP endpoint"),
        "{err}"
    );
}

#[test]
fn a_server_that_hangs_mid_response_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = fake_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"name\": \"half", true);
    let got = run_external(
        &format!("http://127.0.0.1:{port}"),
        &["--timeout", "1"],
        dir.path(),
    );
    assert_refused(3, got, dir.path());
}

#[test]
fn init_writes_a_template_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, err) = tck(&["init", "--out", "p.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("p.toml")).expect("written");
    assert!(text.contains("[target]") && text.contains("{smtp_port}"));
    let (code, _, err) = tck(&["init", "--out", "p.toml"], dir.path());
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_to_other_recipients_than_the_profiles_desk_fails() {
    let opts = RunOptions {
        cases: 0,
        out_dir: None,
        crm_timeout: Some(Duration::from_millis(500)),
        transports: Some(vec![dealer_tck::transport::Binding::A2aJsonrpc]),
        desk: vec!["desk@dealer.example".into()],
        target: TargetSpec::Launch {
            command: launch_template("--desk someone-else@dealer.example"),
            command_crm_disabled: None,
            ready_timeout: Duration::from_secs(30),
        },
        ..RunOptions::default()
    };
    let (report, _) = run(opts).await.expect("run");
    let r = report
        .results()
        .find(|r| r.clause == "DMC12-EMAIL-SEND-001")
        .expect("judged");
    assert_eq!(r.verdict, Verdict::Fail, "{:?}", r.details);
    assert!(
        r.details
            .iter()
            .all(|d| !d.detail.contains("someone-else@")),
        "evidence must be masked"
    );
}

/// A wiremock dealer: an agent card listing `skills` on one JSON-RPC interface, and every
/// JSON-RPC call answered "method not found".
async fn silent_dealer(skills: &[&str]) -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let base = server.uri();
    let skills: Vec<serde_json::Value> = skills
        .iter()
        .map(|s| serde_json::json!({"id": s}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/.well-known/agent-card.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "name": "Silent dealer",
            "supportedInterfaces": [
                {"url": format!("{base}/a2a"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
            ],
            "skills": skills,
            "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/a2a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "jsonrpc": "2.0", "id": 1,
            "error": {"code": -32601, "message": "Method not found"}
        })))
        .mount(&server)
        .await;
    server
}

fn external(base: String) -> RunOptions {
    RunOptions {
        cases: 0,
        out_dir: None,
        target: TargetSpec::External {
            base_url: base,
            card_url: None,
        },
        mcp_enabled: Some(false),
        crm_expected: false,
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dmc12_discovery_follows_the_card_and_flags_an_advertised_operation_that_is_silent() {
    // The card advertises initiate_deal_handoff (and lead.general), but nothing answers.
    let server = silent_dealer(&["initiate_deal_handoff", "lead.general"]).await;
    let (report, _) = run(external(server.uri())).await.expect("run");
    assert!(!report.conformant, "{}", report.summary());
    let card: Vec<_> = report
        .results()
        .filter(|r| r.clause == "BIND-A2A-CARD-001" && r.transport == "a2a-jsonrpc")
        .collect();
    assert_eq!(card.len(), 1);
    assert_eq!(card[0].verdict, Verdict::Fail, "{}", report.summary());
    let text = report.to_json();
    assert!(
        text.contains("advertises initiate_deal_handoff, but calling it got"),
        "{text}"
    );
    // A card without the hand-off skill: the DMC-12 suite is skipped with the reason, the
    // hand-off is never called, and the advertised-but-silent flag is about lead.general's
    // suite only.
    let server = silent_dealer(&["lead.general"]).await;
    let (report, _) = run(external(server.uri())).await.expect("run");
    assert!(!report.conformant);
    assert!(
        report
            .target
            .skipped
            .iter()
            .any(|s| s.reason.contains("lists no initiate_deal_handoff skill")),
        "{:?}",
        report.target.skipped
    );
    let posts = server.received_requests().await.unwrap_or_default();
    assert!(
        posts
            .iter()
            .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .all(|p| p["params"]["message"]["metadata"]["skill"] != "initiate_deal_handoff")
    );
}

/// A loopback server answering the agent card (GET) and holding every POST open forever.
fn card_then_hang() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let card = serde_json::json!({
        "name": "Hangs after the card",
        "supportedInterfaces": [
            {"url": format!("http://127.0.0.1:{port}/a2a"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "skills": [{"id": "search_inventory"}, {"id": "create_reservation"},
                   {"id": "release_reservation"}, {"id": "initiate_deal_handoff"}],
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
    })
    .to_string();
    std::thread::spawn(move || {
        let mut held = vec![];
        for stream in l.incoming().flatten() {
            let mut s = stream;
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            if buf[..n].starts_with(b"GET") {
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{card}",
                    card.len()
                );
            } else {
                held.push(s);
            }
        }
    });
    port
}

#[test]
fn a_server_that_hangs_mid_run_exits_3_with_a_partial_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = card_then_hang();
    let (code, out, err) = run_external(
        &format!("http://127.0.0.1:{port}"),
        &["--timeout", "1", "--transport", "a2a-jsonrpc"],
        dir.path(),
    );
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("stopped answering"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        out.contains("PARTIAL") && !out.contains("\nCONFORMANT"),
        "{out}"
    );
    // The report CI keeps: what was judged, every clause left as ERROR with the reason.
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .expect("a report directory")
        .filter_map(Result::ok)
        .collect();
    assert_eq!(runs.len(), 1);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(runs[0].path().join("report.json")).expect("report.json"),
    )
    .expect("json");
    assert_eq!(json["exit_code"], 3);
    assert!(
        json["partial"]
            .as_str()
            .unwrap_or("")
            .contains("stopped answering"),
        "{json}"
    );
    let results = crate::support::results(&json);
    assert!(!results.is_empty());
    // What was judged before the loss stays (the card passed); nothing is left NOT_TESTED.
    assert!(
        results
            .iter()
            .any(|r| r["clause"] == "BIND-A2A-CARD-001" && r["verdict"] == "PASS"),
        "{results:?}"
    );
    assert!(
        results.iter().all(|r| r["verdict"] != "NOT_TESTED"),
        "{results:?}"
    );
    assert!(
        results.iter().any(|r| r["verdict"] == "ERROR"
            && r["details"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("stopped answering"))),
        "{results:?}"
    );
    let md = std::fs::read_to_string(runs[0].path().join("report.md")).expect("report.md");
    assert!(md.contains("**Partial report**"), "{md}");
}

#[test]
fn a_running_target_on_fixed_ports_gets_not_tested_for_the_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let (port, smtp, crm) = (free_port(), free_port(), free_port());
    // The reference, started by the test as an already-running server expecting the sink and
    // the mock on fixed ports.
    let mut server = Command::new(BIN)
        .args([
            "serve-reference",
            "--port",
            &port.to_string(),
            "--smtp",
            &format!("127.0.0.1:{smtp}"),
            "--crm-url",
            &format!("http://127.0.0.1:{crm}"),
            "--crm-token",
            "crm-secret-for-the-test",
            "--store-id",
            "store-0042",
            "--crm-timeout-ms",
            "500",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("reference starts");
    let base = format!("http://127.0.0.1:{port}");
    let guard = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > guard {
            let _ = server.kill();
            panic!("the reference never listened");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, out, err) = tck(
        &[
            "run",
            "--target",
            &base,
            "--smtp-port",
            &smtp.to_string(),
            "--crm-port",
            &crm.to_string(),
            "--cases",
            "1",
            "--json",
        ],
        dir.path(),
    );
    let _ = server.kill();
    let _ = server.wait();
    // A MUST clause NOT_TESTED: not conformant (exit 1), though nothing failed.
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    let mut disabled = vec![];
    for suite in report["suites"].as_array().expect("suites") {
        for r in suite["results"].as_array().expect("results") {
            let verdict = r["verdict"].as_str().unwrap_or("");
            assert!(
                matches!(verdict, "PASS" | "NOT_TESTED" | "WARN"),
                "{} on {}: {verdict} {r}",
                r["clause"],
                r["transport"]
            );
            if r["clause"] == "DMC12-CRM-DISABLED-001" {
                disabled.push(r.clone());
            }
        }
    }
    assert!(!disabled.is_empty(), "{out}");
    for r in &disabled {
        assert_eq!(r["verdict"], "NOT_TESTED", "{r}");
        assert!(r.to_string().contains("restart"), "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launched_server_that_logs_pii_fails_the_log_clause_and_no_token_reaches_a_report() {
    // The reference with a defect that logs the customer's email, its output piped through
    // sed so that every line also carries the CRM token and agent A's bearer token: the leak
    // scan must find the email in the captured output, and no writer may show either token,
    // whole or cut by a snippet's edge.
    let agent_a = dealer_tck::reference::TOKEN_AGENT_A;
    let cmd = format!(
        "{} 2>&1 | sed -u 's/$/ crm={{crm_token}} bearer={agent_a}/'",
        launch_template("--defect log-customer-email")
    );
    let out = tempfile::tempdir().expect("tmp");
    let opts = RunOptions {
        cases: 1,
        out_dir: Some(out.path().to_path_buf()),
        crm_timeout: Some(Duration::from_millis(500)),
        transports: Some(vec![dealer_tck::transport::Binding::A2aJsonrpc]),
        target: TargetSpec::Launch {
            command: cmd,
            command_crm_disabled: None,
            ready_timeout: Duration::from_secs(30),
        },
        ..RunOptions::default()
    };
    let (report, dir) = run(opts).await.expect("launched run");
    assert!(!report.conformant);
    let log: Vec<_> = report
        .results()
        .filter(|r| r.clause == "DMC12-PII-LOG-001")
        .collect();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r.verdict == Verdict::Fail),
        "{}",
        report.summary()
    );
    let dir = dir.expect("report directory");
    let mut outputs = vec![
        ("summary", report.summary()),
        ("json", report.to_json()),
        ("markdown", report.to_markdown()),
        ("junit", report.to_junit()),
        ("html", report.to_html()),
    ];
    for f in ["report.json", "report.md", "junit.xml", "report.html"] {
        outputs.push((f, std::fs::read_to_string(dir.join(f)).expect("written")));
    }
    let json = std::fs::read_to_string(dir.join("report.json")).expect("written");
    // The finding shows where the email was, masked, with the tokens redacted around it.
    assert!(json.contains("[REDACTED]"), "{json}");
    let pieces = |t: &str| -> Vec<String> {
        t.as_bytes()
            .windows(dealer_tck::report::Redactor::PIECE)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    };
    let mut secret_pieces = pieces(agent_a);
    // The CRM token the harness chose is in the report nowhere; find it from the log line
    // shape instead: every `crm=` in an output must be followed by the redaction.
    secret_pieces.push("crm=tck-crm".into());
    for (name, text) in &outputs {
        for p in &secret_pieces {
            assert!(!text.contains(p.as_str()), "{name} shows {p:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launched_server_s_log_file_and_database_named_by_the_profile_are_scanned() {
    // The server writes its log to a file instead of its output, and keeps its database away
    // from `{db}`: only the profile's `[observe] log` and `db` let the harness see them.
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("server.log");
    let db = dir.path().join("elsewhere.sqlite");
    let judged = |defect: &str, clause: &str| {
        let template = launch_template(&format!("--defect {defect}"))
            .replace("--db {db}", &format!("--db {}", db.display()));
        let opts = RunOptions {
            cases: 1,
            out_dir: None,
            crm_timeout: Some(Duration::from_millis(500)),
            transports: Some(vec![dealer_tck::transport::Binding::A2aJsonrpc]),
            clause_filter: Some("DMC12".into()),
            log_file: Some(log.clone()),
            db_files: vec![db.clone()],
            target: TargetSpec::Launch {
                command: format!("{template} >>{} 2>&1", log.display()),
                command_crm_disabled: None,
                ready_timeout: Duration::from_secs(30),
            },
            ..RunOptions::default()
        };
        let clause = clause.to_string();
        async move {
            let (report, _) = run(opts).await.expect("launched run");
            report
                .results()
                .filter(|r| r.clause == clause)
                .map(|r| (r.verdict, format!("{:?}", r.details)))
                .collect::<Vec<_>>()
        }
    };
    let logged = judged("log-customer-email", "DMC12-PII-LOG-001").await;
    assert!(!logged.is_empty());
    assert!(
        logged.iter().all(|(v, _)| *v == Verdict::Fail),
        "{logged:?}"
    );
    assert!(std::fs::metadata(&log).is_ok_and(|m| m.len() > 0));
    let stored = judged("plaintext-notes", "DMC12-PII-STORE-001").await;
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|(v, d)| *v == Verdict::Fail && d.contains("elsewhere.sqlite")),
        "{stored:?}"
    );
}

/// An MCP server (wiremock) whose tools/list names the hand-off and the inventory tool, and
/// whose tools/call answers every call with MCP's "Unknown tool".
struct ListsButUnknown;

impl wiremock::Respond for ListsButUnknown {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        use serde_json::json;
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let id = body["id"].clone();
        let ok = |result: serde_json::Value| {
            wiremock::ResponseTemplate::new(200)
                .insert_header("Mcp-Session-Id", "s-1")
                .set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
        };
        match body["method"].as_str().unwrap_or("") {
            "initialize" => ok(json!({"protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}}, "serverInfo": {"name": "lister", "version": "1"}})),
            "tools/list" => ok(json!({"tools": [
                {"name": "initiate_deal_handoff", "inputSchema": {"type": "object"}},
                {"name": "search_inventory", "inputSchema": {"type": "object"}}
            ]})),
            "tools/call" => wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "jsonrpc": "2.0", "id": id,
                "error": {"code": -32602, "message": format!("Unknown tool: {}", body["params"]["name"])}
            })),
            _ => wiremock::ResponseTemplate::new(202),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_tool_that_tools_list_names_but_that_does_not_answer_is_flagged() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/agent-card.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "name": "MCP only", "supportedInterfaces": [],
            "skills": [{"id": "initiate_deal_handoff"}],
            "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .respond_with(ListsButUnknown)
        .mount(&server)
        .await;
    let opts = RunOptions {
        mcp_enabled: Some(true),
        a2a_enabled: Some(false),
        transports: Some(vec![dealer_tck::transport::Binding::Mcp]),
        ..external(server.uri())
    };
    let (report, _) = run(opts).await.expect("run");
    let tools: Vec<_> = report
        .results()
        .filter(|r| r.clause == "BIND-MCP-TOOLS-001")
        .collect();
    assert_eq!(tools.len(), 1, "{}", report.summary());
    assert_eq!(tools[0].verdict, Verdict::Fail, "{}", report.summary());
    assert!(
        tools[0].details.iter().any(|d| d
            .detail
            .contains("tools/list lists initiate_deal_handoff, but calling it got")),
        "{:?}",
        tools[0].details
    );
    assert!(!report.conformant);
}
