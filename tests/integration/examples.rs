//! `dealer-tck examples` and `dealer-tck schema`: the examples report against the embedded
//! reference (snapshotted with insta), defects of the reference that break an example, AAP
//! examples sent to a target whose card lists their skills, the CLI's exit codes, the schema
//! export validated as JSON Schema 2020-12, and the fixtures checked byte for byte against the
//! seeds.

use crate::support::{self, launch_template, proc_state, tck_in_tmp};
use dealer_tck::examples::manifest::{ExampleSet, Manifest};
use dealer_tck::examples::rules::is_known_rule;
use dealer_tck::examples::{
    ExampleVerdict, ExamplesOptions, ExamplesReport, SendStatus, Step, TargetChoice, run,
};
use dealer_tck::reference::Defect;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn insta_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"http://127\.0\.0\.1:\d+", "[target-url]");
    s
}

fn example<'r>(r: &'r ExamplesReport, id: &str) -> &'r dealer_tck::examples::ExampleResult {
    r.examples
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no example {id}"))
}

fn assert_every_finding_names_its_rule(r: &ExamplesReport) {
    for ex in &r.examples {
        for f in &ex.findings {
            assert!(
                is_known_rule(&f.rule),
                "{}: finding names no known rule: {f:?}",
                ex.id
            );
            assert!(!f.detail.is_empty(), "{}: {f:?}", ex.id);
            if f.expected {
                assert!(f.reason.as_deref().is_some_and(|r| !r.is_empty()));
            }
        }
    }
}

#[tokio::test]
async fn examples_report_against_the_embedded_reference() {
    let report = run(&ExamplesOptions::default()).await.expect("report");
    assert_eq!(report.exit_code, 0, "{}", report.to_text());
    assert!(report.held);
    assert_every_finding_names_its_rule(&report);

    // The placeholder token is a finding, honestly: it breaks DMC12-REQ-TOKEN-001.
    let minimal = example(&report, "dmc12-minimal");
    let token = minimal
        .findings
        .iter()
        .find(|f| f.rule == "DMC12-REQ-TOKEN-001")
        .expect("token finding");
    assert_eq!(token.pointer, "/reservation_token");
    assert!(token.expected);
    assert_eq!(minimal.send.status, SendStatus::Sent);
    assert!(minimal.send.replaced[0].contains("live reservation"));
    assert_eq!(minimal.send.compared_with, vec!["dmc12-receipt"]);

    // The consent has expired since the example was written: CONSENT_INVALID is due, and given.
    let consent = example(&report, "dmc12-consent");
    assert!(
        consent
            .findings
            .iter()
            .any(|f| f.step == Step::Date && f.rule == "DMC12-CONSENT-EXPIRY-001")
    );
    assert!(
        consent
            .send
            .answer
            .as_deref()
            .is_some_and(|a| a.contains("CONSENT_INVALID")),
        "{:?}",
        consent.send
    );

    // The receipt is published with a comment.
    let receipt = example(&report, "dmc12-receipt");
    assert_eq!(receipt.findings[0].rule, "EX-JSON-001");
    assert_eq!(receipt.send.status, SendStatus::NotApplicable);

    // The reference serves the AAP skills: every AAP request example is sent.
    for id in [
        "aap-0.2-full-request",
        "aap-0.2-general-inquiry-request",
        "aap-draft-full-request",
        "aap-draft-anonymous-request",
    ] {
        let e = example(&report, id);
        assert_eq!(e.send.status, SendStatus::Sent, "{id}: {:?}", e.send);
    }

    let settings = insta_settings();
    settings.bind(|| {
        insta::assert_json_snapshot!("examples_report_embedded_reference", report, {
            ".checked_at" => "[checked_at]",
            ".target.url" => "[target-url]",
        });
        insta::assert_snapshot!("examples_report_embedded_reference_text", report.to_text());
    });
}

#[tokio::test]
async fn defects_of_the_reference_break_the_examples_they_touch() {
    let cases = [
        (
            Defect::AcceptPastConsent,
            "dmc12-consent",
            "DMC12-CONSENT-EXPIRY-001",
        ),
        (
            Defect::EmailBeforeConsentCheck,
            "dmc12-consent",
            "DMC12-PII-REJECTED-001",
        ),
        (
            Defect::UnmaskedNextSteps,
            "dmc12-minimal",
            "DMC12-RCPT-NEXTSTEPS-001",
        ),
        (
            Defect::UnmaskedNextSteps,
            "dmc12-trade-in",
            "DMC12-PII-RESPONSE-001",
        ),
        (
            Defect::SentToThreeChars,
            "dmc12-minimal",
            "DMC12-RCPT-SENTTO-001",
        ),
        (
            Defect::SentAtLocalOffset,
            "dmc12-trade-in",
            "DMC12-RCPT-SENTAT-001",
        ),
        (
            Defect::StatusQueued,
            "dmc12-minimal",
            "DMC12-RCPT-STATUS-001",
        ),
        (
            Defect::ReceiptWithoutNextSteps,
            "dmc12-minimal",
            "EX-SHAPE-001",
        ),
        (
            Defect::ReceiptWithoutNextSteps,
            "dmc12-minimal",
            "DMC12-RCPT-SCHEMA-001",
        ),
    ];
    for (defect, id, rule) in cases {
        let opts = ExamplesOptions {
            target: TargetChoice::Embedded {
                defect: Some(defect),
            },
            ..ExamplesOptions::default()
        };
        let report = run(&opts).await.expect("report");
        assert_eq!(report.exit_code, 1, "{defect:?}: {}", report.to_text());
        assert_every_finding_names_its_rule(&report);
        let e = example(&report, id);
        assert_eq!(e.verdict, ExampleVerdict::Broken, "{defect:?}");
        assert!(
            e.findings.iter().any(|f| !f.expected && f.rule == rule),
            "{defect:?}: no unexpected {rule} on {id}: {:?}",
            e.findings
        );
    }
}

/// A fake A2A target whose card lists the AAP skills and answers every SendMessage with
/// `answer(skill)`.
async fn fake_aap_target(answer: fn(&str) -> Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let card = json!({
        "name": "fake AAP dealer",
        "supportedInterfaces": [
            {"url": format!("{base}/rpc"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}},
        "skills": [{"id": "lead.submit"}, {"id": "lead.general"}]
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/agent-card.json",
            axum::routing::get(move || {
                let card = card.clone();
                async move { axum::Json(card) }
            }),
        )
        .route(
            "/rpc",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| async move {
                let skill = body
                    .pointer("/params/message/metadata/skill")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                axum::Json(json!({
                    "jsonrpc": "2.0",
                    "id": body.get("id").cloned().unwrap_or(Value::Null),
                    "result": {"message": {
                        "messageId": "m-1",
                        "role": "ROLE_AGENT",
                        "parts": [{"data": answer(&skill), "mediaType": "application/json"}]
                    }}
                }))
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

fn good_lead(skill: &str) -> Value {
    json!({
        "type": format!("{skill}.response"),
        "data": {"lead_id": "lead_1", "status": "received", "received_at": "2026-12-04T10:00:00Z",
                 "dealer": {"name": "Fake Toyota", "phone": "+14155550100"}},
        "message": "Thanks."
    })
}

fn bad_lead(skill: &str) -> Value {
    json!({
        "type": format!("{skill}.response"),
        "data": {"status": "accepted", "dealer": {"phone": "4155550100"}}
    })
}

#[tokio::test]
async fn aap_examples_are_sent_when_the_card_lists_their_skill() {
    let base = fake_aap_target(good_lead).await;
    let opts = ExamplesOptions {
        target: TargetChoice::Url {
            base_url: base.clone(),
            token: "tck-example-token".into(),
        },
        ..ExamplesOptions::default()
    };
    let report = run(&opts).await.expect("report");
    assert_every_finding_names_its_rule(&report);
    assert_eq!(report.exit_code, 0, "{}", report.to_text());
    for id in [
        "aap-0.2-full-request",
        "aap-0.2-general-inquiry-request",
        "aap-draft-full-request",
        "aap-draft-anonymous-request",
    ] {
        let e = example(&report, id);
        assert_eq!(e.send.status, SendStatus::Sent, "{id}: {:?}", e.send);
        assert_eq!(e.verdict, ExampleVerdict::Held, "{id}: {:?}", e.findings);
    }
    // A member the seeds do not show is noted, and breaks nothing: their objects are open.
    let e = example(&report, "aap-0.2-full-request");
    assert!(
        e.findings
            .iter()
            .any(|f| f.rule == "EX-SHAPE-001" && f.pointer == "/data/received_at" && f.advisory),
        "{:?}",
        e.findings
    );
    // The DMC-12 tool is not on this card.
    let e = example(&report, "dmc12-minimal");
    assert_eq!(e.send.status, SendStatus::NotTested);

    // A target answering outside the schema breaks every AAP request example, by rule.
    let base = fake_aap_target(bad_lead).await;
    let opts = ExamplesOptions {
        target: TargetChoice::Url {
            base_url: base,
            token: "tck-example-token".into(),
        },
        ..ExamplesOptions::default()
    };
    let report = run(&opts).await.expect("report");
    assert_eq!(report.exit_code, 1);
    assert_every_finding_names_its_rule(&report);
    let e = example(&report, "aap-0.2-full-request");
    let rules: Vec<&str> = e
        .findings
        .iter()
        .filter(|f| !f.expected)
        .map(|f| f.rule.as_str())
        .collect();
    for want in [
        "AAP02-STATUS-001",
        "AAP02-DEALER-PHONE-001",
        "AAP02-ACCEPT-001",
        "EX-SHAPE-001",
    ] {
        assert!(rules.contains(&want), "{want} missing from {rules:?}");
    }
    // A schema finding names its clause and keeps the schema rule it rests on.
    let schema_rules: Vec<(&str, &str)> = e
        .findings
        .iter()
        .filter_map(|f| f.schema_rule.as_deref().map(|r| (f.rule.as_str(), r)))
        .collect();
    for want in [
        (
            "AAP02-STATUS-001",
            "aap-0.2 response.json: /data/status enum",
        ),
        (
            "AAP02-DEALER-PHONE-001",
            "aap-0.2 response.json: /data/dealer/phone pattern",
        ),
        (
            "AAP02-STATUS-001",
            "aap-0.2 response.json: /data else/required",
        ),
    ] {
        assert!(
            schema_rules.contains(&want),
            "{want:?} missing from {schema_rules:?}"
        );
    }
    // An anonymous inquiry not received breaks only a SHOULD (seed 003): an advisory finding.
    let anon = example(&report, "aap-draft-anonymous-request");
    let f = anon
        .findings
        .iter()
        .find(|f| f.rule == "AAPD-ANON-001")
        .unwrap_or_else(|| panic!("no AAPD-ANON-001 finding: {:?}", anon.findings));
    assert!(f.advisory && !f.expected, "{f:?}");
    let e = example(&report, "aap-draft-full-request");
    assert!(
        e.findings.iter().any(|f| f.rule == "AAPD-STATUS-001"
            && f.schema_rule.as_deref() == Some("aap-draft response.json: /data/status enum")),
        "{:?}",
        e.findings
    );
}

fn copy_fixtures(to: &Path) {
    let from = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples"));
    let set = ExampleSet::from_dir(&from).expect("fixtures on disk");
    std::fs::write(
        to.join("manifest.toml"),
        std::fs::read_to_string(from.join("manifest.toml")).expect("manifest"),
    )
    .expect("write");
    for (file, text) in &set.texts {
        let p = to.join(file);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

#[test]
fn the_binary_reports_and_exits_by_whether_every_example_held() {
    // The built-in examples against the embedded reference: exit 0, JSON on request, files.
    let out = tempfile::tempdir().expect("tmp");
    let out_dir = out.path().to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck_in_tmp(&["examples", "--json", "--out", out_dir]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON report on stdout");
    assert_eq!(v["held"], true);
    assert_eq!(v["totals"]["sent"], 7);
    for f in ["examples.json", "examples.md"] {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.path().join("examples.md")).expect("md");
    assert!(md.contains("DMC12-REQ-TOKEN-001"), "{md}");

    // A copy of the fixtures with a broken example: exit 1, and the finding names its clause.
    let dir = tempfile::tempdir().expect("tmp");
    copy_fixtures(dir.path());
    let p = dir.path().join("dmc12/trade-in.request.json");
    let text = std::fs::read_to_string(&p).expect("read");
    std::fs::write(
        &p,
        text.replace(
            "\"condition\": \"good\"",
            "\"condition\": \"good\", \"colour\": \"blue\"",
        ),
    )
    .expect("write");
    let d = dir.path().to_str().expect("utf-8 path");
    let (code, stdout, _) = tck_in_tmp(&["examples", "--no-send", "--examples", d]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("BROKEN dmc12-trade-in"), "{stdout}");
    assert!(
        stdout.contains(
            "FINDING  DMC12-REQ-TRADEIN-001 (dmc12 request.json: /trade_in additionalProperties)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("FINDING  EX-MODEL-001"), "{stdout}");
    assert!(stdout.contains("NOT every example held (exit 1)"));

    // An unchanged copy holds.
    let dir = tempfile::tempdir().expect("tmp");
    copy_fixtures(dir.path());
    let d = dir.path().to_str().expect("utf-8 path");
    let (code, stdout, _) = tck_in_tmp(&["examples", "--no-send", "--examples", d]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn usage_errors_exit_2_and_an_unreachable_target_exits_3() {
    for args in [
        vec!["examples", "--launch", "  "],
        vec!["examples", "--ready-timeout", "5"],
        vec!["examples", "--token-env", "HOME"],
        vec!["examples", "--profile", "/nonexistent/dealer-tck.toml"],
        vec!["examples", "--transport", "carrier-pigeon"],
        vec!["examples", "--target", "not a url"],
        vec![
            "examples",
            "--target",
            "http://127.0.0.1:9",
            "--token-env",
            "DEALER_TCK_NO_SUCH_VAR",
        ],
        vec!["examples", "--timeout", "0"],
        vec!["examples", "--examples", "/nonexistent/dealer-tck/examples"],
        vec!["schema", "--frobnicate"],
    ] {
        let (code, _, stderr) = tck_in_tmp(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}: no error line");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // A port nothing listens on: bind one, note it, close it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let (code, _, stderr) = tck_in_tmp(&["examples", "--target", &url]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("unreachable"), "{stderr}");
}

#[test]
fn examples_against_a_launched_reference_hold_and_the_process_is_stopped() {
    let dir = tempfile::tempdir().expect("tmp");
    let pidfile = dir.path().join("server.pid");
    // The shell records the server's pid, then becomes it.
    let cmd = format!(
        "echo $$ > {}; exec {}",
        pidfile.display(),
        launch_template("")
    );
    let (code, stdout, stderr) = tck_in_tmp(&["examples", "--json", "--launch", &cmd]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON report on stdout");
    assert_eq!(v["held"], true);
    assert_eq!(v["target"]["kind"], "launched");
    assert_eq!(v["totals"]["sent"], 7);
    // The expired-consent example was judged on the launched server's answer.
    let consent = v["examples"]
        .as_array()
        .expect("examples")
        .iter()
        .find(|e| e["id"] == "dmc12-consent")
        .expect("dmc12-consent");
    assert_eq!(consent["send"]["status"], "SENT", "{consent}");
    let pid = std::fs::read_to_string(&pidfile)
        .expect("pid written")
        .trim()
        .to_string();
    let state = proc_state(&pid);
    assert!(
        state.is_empty() || state == "Z" || state == "X",
        "the launched server outlived the harness (state {state})"
    );
}

#[test]
fn examples_honour_a_profile_that_moves_the_skill_and_the_error_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let moved = launch_template("--skill-path operation --error-code-key errorCode");
    let write = |name: &str, extra: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("[target]\nlaunch = \"{moved}\"\n\n{extra}")).expect("write");
        p.to_str().expect("utf-8 path").to_string()
    };
    let both = write(
        "both.toml",
        "[a2a]\nskill_path = \"message.metadata.operation\"\n\n[codes]\npointers = [\"/error/errorCode\"]\n",
    );
    let (code, stdout, stderr) = tck_in_tmp(&["examples", "--profile", &both]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("7 requests sent"), "{stdout}");
    // Without the pointer, the code is not found where the bindings put it: the expired
    // consent's CONSENT_INVALID no longer holds; the examples that succeed still do (the past
    // appointment is sent with a time the dealer can book).
    let skill_only = write(
        "skill.toml",
        "[a2a]\nskill_path = \"message.metadata.operation\"\n",
    );
    let (code, stdout, stderr) = tck_in_tmp(&["examples", "--json", "--profile", &skill_only]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON report on stdout");
    let broken: Vec<&str> = v["examples"]
        .as_array()
        .expect("examples")
        .iter()
        .filter(|e| e["verdict"] == "BROKEN")
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(broken, ["dmc12-consent"], "{stdout}");
    // Without the skill selector, nothing the server is sent reaches an operation.
    let neither = write("neither.toml", "");
    let (code, stdout, stderr) = tck_in_tmp(&["examples", "--profile", &neither]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
}

fn assert_valid_2020_12(name: &str, schema: &Value) {
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{name}"
    );
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        panic!("{name} is not a valid 2020-12 schema: {e}");
    }
    if let Err(e) = jsonschema::draft202012::new(schema) {
        panic!("{name} does not compile: {e}");
    }
}

#[test]
fn schema_export_validates_as_json_schema_2020_12() {
    let out = tempfile::tempdir().expect("tmp");
    let d = out.path().to_str().expect("utf-8 path");
    let (code, stdout, stderr) = tck_in_tmp(&["schema", "--out", d]);
    assert_eq!(code, 0, "{stderr}");
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("index.json")).expect("index.json"),
    )
    .expect("index is JSON");
    let schemas = index["schemas"].as_array().expect("schemas");
    let paths: Vec<&str> = schemas.iter().filter_map(|s| s["path"].as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "dmc12/request.json",
            "dmc12/success.json",
            "dmc12/error.json",
            "aap-0.2/request.json",
            "aap-0.2/response.json",
            "aap-draft/request.json",
            "aap-draft/response.json",
        ]
    );
    for rel in &paths {
        assert!(stdout.contains(rel), "{rel} not listed: {stdout}");
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(out.path().join(rel)).expect("read"))
                .expect("schema is JSON");
        assert_valid_2020_12(rel, &schema);
    }
    // Compiled schemas say what they are for: the seed's AAP v0.2 request passes, a broken one not.
    let request: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("aap-0.2/request.json")).expect("read"),
    )
    .expect("json");
    let v = jsonschema::draft202012::new(&request).expect("compiles");
    let seed_example: Value = serde_json::from_str(include_str!(
        "../../fixtures/examples/aap-0.2/general-inquiry.request.json"
    ))
    .expect("example");
    assert!(v.is_valid(&seed_example));
    let mut broken = seed_example.clone();
    broken["consent"]["scope"] = json!(["marketing"]);
    assert!(!v.is_valid(&broken));

    let catalogue: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("dmc12/clauses.json")).expect("clauses"),
    )
    .expect("catalogue is JSON");
    assert!(catalogue["clause"].as_array().is_some_and(|c| c.len() > 40));
    let rules: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("example-rules.json")).expect("rules"),
    )
    .expect("rules are JSON");
    assert!(
        rules
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["id"] == "EX-DATE-001"))
    );

    // Without --out: one bundle on stdout, its schemas valid too.
    let (code, stdout, _) = tck_in_tmp(&["schema"]);
    assert_eq!(code, 0);
    let bundle: Value = serde_json::from_str(&stdout).expect("bundle is JSON");
    let map = bundle["schemas"].as_object().expect("schemas");
    assert_eq!(map.len(), 7);
    for (name, schema) in map {
        assert_valid_2020_12(name, schema);
    }
}

/// The seeds sit beside the checkout in `../shared/seeds`, when they do (`.ci/run` sets
/// `DEALER_TCK_REQUIRE_SEEDS=1`, which makes their absence a failure).
fn seeds_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds"))
}

/// Whether the seed documents are here to compare with; says so in one line when not.
fn seeds_present() -> bool {
    support::available(
        seeds_dir().is_dir(),
        "DEALER_TCK_REQUIRE_SEEDS",
        "examples: ../shared/seeds not found, the fixtures are not compared with the seeds",
    )
}

fn seed_lines(seed: &str) -> Vec<String> {
    let p = seeds_dir().join(seed);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the seeds must sit in ../shared/seeds)",
            p.display()
        )
    });
    text.split('\n').map(str::to_string).collect()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn fixtures_are_byte_faithful_to_the_seeds_and_cover_every_block() {
    if !seeds_present() {
        return;
    }
    let from = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples"));
    let set = ExampleSet::from_dir(&from).expect("fixtures on disk");
    let manifest: &Manifest = &set.manifest;
    let mut covered: Vec<(String, usize, usize)> = Vec::new();
    for e in &manifest.examples {
        let [a, b] = e.lines.expect("every example names its lines");
        let lines = seed_lines(&e.seed);
        let excerpt: String = lines[a - 1..b].iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(
            set.texts[&e.file], excerpt,
            "{} differs from {} L{a}-{b}",
            e.file, e.seed
        );
        covered.push((e.seed.clone(), a, b));
        for other in &e.also_in {
            let [a, b] = other.lines.expect("lines");
            let lines = seed_lines(&other.seed);
            let excerpt: String = lines[a - 1..b].join("\n");
            assert_eq!(
                squash(&set.texts[&e.file]),
                squash(&excerpt),
                "{} vs {}",
                e.file,
                other.seed
            );
            covered.push((other.seed.clone(), a, b));
        }
        // Byte-faithful .json files are strict JSON; .jsonc files are not.
        let strict = serde_json::from_str::<Value>(&set.texts[&e.file]).is_ok();
        assert_eq!(strict, e.file.ends_with(".json"), "{}", e.file);
    }
    for x in &manifest.excluded {
        if let Some([a, b]) = x.lines {
            assert!(
                seed_lines(&x.seed)[a - 1].starts_with('{'),
                "{} L{a}",
                x.seed
            );
            covered.push((x.seed.clone(), a, b));
        }
    }
    // Every block that opens a JSON object at the start of a line in a seed is an example, a
    // rendering of one, or excluded with a reason.
    let mut seeds: Vec<String> = std::fs::read_dir(seeds_dir())
        .expect("seeds")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".txt"))
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), 4);
    for seed in seeds {
        for (i, line) in seed_lines(&seed).iter().enumerate() {
            let n = i + 1;
            let opens = line == "{" || line.starts_with("{ \"");
            let inside = covered
                .iter()
                .any(|(s, a, b)| *s == seed && *a <= n && n <= *b);
            assert!(
                !opens || inside,
                "{seed} L{n} opens a JSON block no manifest entry covers"
            );
        }
    }
}
