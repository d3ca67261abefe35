//! Integration tests of the embedded reference server over real loopback HTTP: the three
//! bindings (A2A JSON-RPC, A2A HTTP+JSON, MCP with JSON and SSE answers), every operation error
//! code, auth, protocol errors, and the side effects as the harness's own observers see them
//! (the SMTP sink, the DriveCentric mock, the SQLite file, the captured log).

use std::time::Duration;

use crate::support::reference::*;
use crate::support::{xmllint_adf, xmllint_missing};
use chrono::{DateTime, SecondsFormat, Utc};
use dealer_tck::observe::crm::CrmMode;
use dealer_tck::observe::smtp::SmtpFault;
use dealer_tck::reference::{TOKEN_AGENT_A, TOKEN_AGENT_B, TOKEN_UNSCOPED};
use dealer_tck::spec::{mask_email, mask_list, sha256_hex};
use serde_json::{Value, json};

mod errors;
mod protocol;

fn assert_no_canary(surface: &str, bytes: &[u8], c: &Canaries) {
    for v in c.all() {
        assert!(
            !contains(bytes, v),
            "{surface} contains the plaintext {v:?}"
        );
    }
}

async fn happy_path(binding: Binding, sse: bool) {
    let env = Env::start(Opts {
        sse,
        ..Opts::default()
    })
    .await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    let mail_mark = env.sink.mark();
    let crm_before = env.crm_requests().await.len();
    let before = Utc::now();
    let envelope = handoff(&env, binding, TOKEN_AGENT_A, c.full(&rsv)).await;
    let after = Utc::now();
    assert_eq!(outcome(&envelope), "ok", "{envelope}");
    let data = &envelope["data"];

    // The masked receipt.
    let token = data["handoff_token"].as_str().expect("handoff_token");
    assert!(token.starts_with("hnd_") && token.len() > 20, "{token}");
    assert_eq!(data["status"], "sent");
    assert_eq!(data["sent_to_masked"], mask_list(&env.desk));
    let sent_at_text = data["sent_at"].as_str().expect("sent_at");
    assert!(
        sent_at_text.ends_with("+00:00") || sent_at_text.ends_with('Z'),
        "{sent_at_text}"
    );
    let sent_at = DateTime::parse_from_rfc3339(sent_at_text)
        .expect("RFC 3339")
        .with_timezone(&Utc);
    let floor = DateTime::parse_from_rfc3339(&before.to_rfc3339_opts(SecondsFormat::Millis, true))
        .expect("floor")
        .with_timezone(&Utc);
    assert!(
        floor <= sent_at && sent_at <= after,
        "{sent_at} not in [{before}, {after}]"
    );
    assert_eq!(
        data["next_steps"],
        format!(
            "A sales manager will contact {} within 1 business day.",
            mask_email(&c.email)
        )
    );
    let meta = &envelope["_metadata"];
    assert_eq!(meta["tool"], HANDOFF);
    let protocol = if binding == Binding::Mcp {
        "mcp"
    } else {
        "a2a"
    };
    assert_eq!(meta["protocol"], protocol);
    let trace_id = meta["trace_id"].as_str().expect("trace_id");
    assert!(trace_id.starts_with("trc_"));

    // The email: to every desk address, carrying the whole package.
    let mails = env.sink.since(mail_mark);
    assert_eq!(mails.len(), 1, "one deal-intent email");
    let mail = &mails[0];
    assert_eq!(mail.rcpt_to, env.desk);
    assert_eq!(mask_list(&mail.rcpt_to), data["sent_to_masked"]);
    assert!(mail.subject.contains(token), "{}", mail.subject);
    assert!(
        mail.subject.starts_with("Deal hand-off: "),
        "{}",
        mail.subject
    );
    for v in c.all() {
        assert!(mail.text.contains(v), "email lacks {v:?}:\n{}", mail.text);
    }
    for v in [
        "finance",
        &rsv,
        "Crosstrek",
        "JF2GTACC4K8200000",
        "48000",
        "good",
        "18500 USD",
        "email, phone",
        "2099-06-01T00:00:00Z",
    ] {
        assert!(mail.text.contains(v), "email lacks {v:?}:\n{}", mail.text);
    }

    // The CRM lead.
    let reqs = env.crm_requests().await;
    assert_eq!(reqs.len(), crm_before + 1, "one CRM lead");
    let lead = &reqs[crm_before];
    assert_eq!(lead.method, "POST");
    assert_eq!(lead.path, format!("/api/stores/{STORE}/leads/adf"));
    let header = |n: &str| {
        lead.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(header("content-type").starts_with("application/xml"));
    assert_eq!(header("authorization"), format!("Bearer {CRM_TOKEN}"));
    assert!(lead.body.starts_with("<?xml version=\"1.0\""));
    for v in [&c.name, &c.email, &c.phone] {
        assert!(lead.body.contains(v.as_str()), "ADF lacks {v}");
    }
    // The <id> carries the hand-off token; the trade-in is a second vehicle with its own
    // year, make, model and VIN.
    let token = data["handoff_token"].as_str().expect("handoff_token");
    let id_at = lead.body.find("<id ").expect("an <id> element");
    let id_text = &lead.body[id_at
        ..lead.body[id_at..]
            .find("</id>")
            .map(|e| id_at + e)
            .expect("</id>")];
    assert!(id_text.ends_with(&format!(">{token}")), "<id> is {id_text}");
    let trade_at = lead
        .body
        .find("interest=\"trade-in\"")
        .expect("a trade-in vehicle");
    let trade = &lead.body[trade_at..];
    let trade = &trade[..trade.find("</vehicle>").expect("</vehicle>")];
    for v in [
        "<year>2019</year>",
        "<make>Subaru</make>",
        "<model>Crosstrek</model>",
        "<vin>JF2GTACC4K8200000</vin>",
    ] {
        assert!(trade.contains(v), "trade-in vehicle lacks {v}: {trade}");
    }
    assert_eq!(lead.body.matches("<vehicle ").count(), 2, "{}", lead.body);
    assert_eq!(data["crm_status"], "sent");
    assert_eq!(
        data["crm_lead_id"].as_str(),
        lead.lead_id.as_deref(),
        "crm_lead_id is the CRM's leadId"
    );

    // The record: hashes only; structured non-PII in plaintext.
    assert_eq!(env.handoff_rows(), 1);
    let db = env.db_bytes();
    assert_no_canary("the SQLite file", &db, &c);
    for v in c.all() {
        assert!(
            contains(&db, &sha256_hex(v)),
            "the SQLite file lacks sha256({v:?})"
        );
    }
    let conn = rusqlite::Connection::open(&env.db).expect("open db");
    let (fin, disclosed, trade, channels, crm_status, lead_id): (
        String,
        bool,
        String,
        String,
        String,
        Option<String>,
    ) = conn
        .query_row(
            "SELECT financing_preference, trade_in_disclosed, trade_in, consent_channels, crm_status, crm_lead_id FROM deal_handoffs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .expect("row");
    assert_eq!(fin, "finance");
    assert!(
        disclosed,
        "trade_in_disclosed becomes true with trade-in fields"
    );
    assert!(
        trade.contains("Crosstrek") && !trade.contains("description"),
        "{trade}"
    );
    assert_eq!(channels, "[\"email\",\"phone\"]");
    assert_eq!(crm_status, "sent");
    assert_eq!(lead_id.as_deref(), lead.lead_id.as_deref());

    // No plaintext in the response or the log; no bearer token in the log.
    assert_no_canary("the response", envelope.to_string().as_bytes(), &c);
    let log = env.log_text();
    assert!(log.contains(trace_id), "the log names the trace id:\n{log}");
    assert_no_canary("the log", log.as_bytes(), &c);
    assert!(!log.contains(TOKEN_AGENT_A), "bearer token logged");
    env.server.stop().await;
}

#[tokio::test]
async fn happy_path_every_optional_field_a2a_jsonrpc() {
    happy_path(Binding::JsonRpc, false).await;
}

#[tokio::test]
async fn happy_path_every_optional_field_a2a_rest() {
    happy_path(Binding::Rest, false).await;
}

#[tokio::test]
async fn happy_path_every_optional_field_mcp() {
    happy_path(Binding::Mcp, false).await;
}

#[tokio::test]
async fn happy_path_every_optional_field_mcp_sse() {
    happy_path(Binding::Mcp, true).await;
}

#[tokio::test]
async fn minimal_request_defaults_financing_and_disclosure() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    let e = handoff(&env, Binding::Rest, TOKEN_AGENT_A, c.minimal(&rsv)).await;
    assert_eq!(outcome(&e), "ok", "{e}");
    let conn = rusqlite::Connection::open(&env.db).expect("open db");
    let (fin, disclosed, notes): (String, bool, Option<String>) = conn
        .query_row(
            "SELECT financing_preference, trade_in_disclosed, notes_sha256 FROM deal_handoffs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row");
    assert_eq!(fin, "unknown");
    assert!(!disclosed);
    assert!(notes.is_none(), "absent notes hash to NULL");
    let mail = env.sink.mails().pop().expect("mail");
    assert!(mail.text.contains("Financing preference: unknown"));
    // The reservation stays a soft hold: a second hand-off works.
    let again = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.minimal(&rsv)).await;
    assert_eq!(outcome(&again), "ok", "{again}");
    assert_ne!(again["data"]["handoff_token"], e["data"]["handoff_token"]);
    assert_eq!(env.handoff_rows(), 2);
}

#[tokio::test]
async fn mcp_sse_stream_shape() {
    let env = Env::start(Opts {
        sse: true,
        ..Opts::default()
    })
    .await;
    let reply = env
        .client
        .mcp_call(TOKEN_AGENT_A, "search_inventory", &json!({}))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("text/event-stream"));
    assert!(reply.text.starts_with(": ok\n"), "{}", reply.text);
    let events: Vec<&str> = reply.text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert!(
        events
            .iter()
            .any(|e| e.lines().any(|l| l.starts_with("id:")) && e.lines().any(|l| l == "data:")),
        "a priming event with an id and empty data: {}",
        reply.text
    );
    let msgs = sse_messages(&reply.text);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0]["method"], "notifications/message");
    assert_eq!(msgs[1]["id"], 2);
    assert!(msgs[1]["result"]["structuredContent"]["data"]["vehicles"].is_array());
}

#[tokio::test]
async fn agent_card_lists_interfaces_skills_and_bearer() {
    let env = Env::start(Opts::default()).await;
    let card = env.client.get("/.well-known/agent-card.json").await;
    assert_eq!(card.status, 200);
    let j = &card.json;
    let base = env.server.base_url();
    let ifaces = j["supportedInterfaces"].as_array().expect("interfaces");
    let find = |b: &str| {
        ifaces
            .iter()
            .find(|i| i["protocolBinding"] == b)
            .unwrap_or_else(|| panic!("no {b} interface"))
            .clone()
    };
    assert_eq!(find("JSONRPC")["url"], format!("{base}/a2a/jsonrpc"));
    assert_eq!(find("HTTP+JSON")["url"], format!("{base}/a2a/rest"));
    assert!(ifaces.iter().all(|i| i["protocolVersion"] == "1.0"));
    let skills: Vec<&str> = j["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for t in [
        "search_inventory",
        "create_reservation",
        "release_reservation",
        HANDOFF,
    ] {
        assert!(skills.contains(&t), "{t} missing from {skills:?}");
    }
    assert_eq!(
        j["securitySchemes"]["bearer"]["httpAuthSecurityScheme"]["scheme"],
        "Bearer"
    );
    assert!(j["securityRequirements"].is_array());
    assert_eq!(j["defaultInputModes"], json!(["application/json"]));
    assert!(j["name"].is_string() && j["description"].is_string() && j["version"].is_string());
}

#[tokio::test]
async fn fixture_tools_inventory_and_reservations() {
    let env = Env::start(Opts::default()).await;
    let inv = env
        .client
        .call(
            Binding::Rest,
            Some(TOKEN_AGENT_A),
            "search_inventory",
            json!({}),
        )
        .await
        .expect("inventory");
    let vehicles = inv["data"]["vehicles"].as_array().expect("vehicles");
    assert!(vehicles.len() >= 12);
    let vin_re = regex::Regex::new("^[A-HJ-NPR-Z0-9]{17}$").expect("re");
    for v in vehicles {
        assert!(vin_re.is_match(v["vin"].as_str().expect("vin")));
        for k in ["year", "make", "model", "trim", "stock", "price", "status"] {
            assert!(v.get(k).is_some(), "vehicle lacks {k}");
        }
        assert_eq!(v["make"], "Subaru");
    }
    let filtered = env
        .client
        .call(
            Binding::Mcp,
            Some(TOKEN_UNSCOPED),
            "search_inventory",
            json!({"model": "outback"}),
        )
        .await
        .expect("filtered");
    let outbacks = filtered["data"]["vehicles"].as_array().expect("vehicles");
    assert!(!outbacks.is_empty() && outbacks.iter().all(|v| v["model"] == "Outback"));

    let vin = vehicles[0]["vin"].as_str().expect("vin").to_string();
    let created = env
        .client
        .call(
            Binding::JsonRpc,
            Some(TOKEN_AGENT_A),
            "create_reservation",
            json!({"vin": vin}),
        )
        .await
        .expect("create");
    let d = &created["data"];
    let token = d["reservation_token"].as_str().expect("token");
    assert!(
        token.starts_with("rsv_") && token.len() >= 4 + 22,
        "{token}"
    );
    assert!(
        token[4..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(d["status"], "active");
    assert_eq!(d["vin"], vin.as_str());
    let exp = d["expires_at"].as_str().expect("expires_at");
    assert!(
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)$")
            .expect("re")
            .is_match(exp),
        "{exp}"
    );
    let left = DateTime::parse_from_rfc3339(exp)
        .expect("rfc3339")
        .with_timezone(&Utc)
        - Utc::now();
    assert!(left > chrono::Duration::seconds(800) && left <= chrono::Duration::seconds(900));

    let code = |e: Result<Value, Reply>| outcome(&e.expect("answered"));
    let c = &env.client;
    assert_eq!(
        code(
            c.call(
                Binding::JsonRpc,
                Some(TOKEN_AGENT_B),
                "create_reservation",
                json!({"vin": vin})
            )
            .await
        ),
        "VEHICLE_UNAVAILABLE"
    );
    assert_eq!(
        code(
            c.call(
                Binding::JsonRpc,
                Some(TOKEN_AGENT_A),
                "create_reservation",
                json!({"vin": "JF2GTACC4K8299999"})
            )
            .await
        ),
        "VEHICLE_NOT_FOUND"
    );
    assert_eq!(
        code(
            c.call(
                Binding::JsonRpc,
                Some(TOKEN_AGENT_A),
                "create_reservation",
                json!({"vin": vin, "hold_seconds": 3601})
            )
            .await
        ),
        "VALIDATION_ERROR"
    );
    let release = |t: &'static str, r: String| async move {
        c.call(
            Binding::Rest,
            Some(t),
            "release_reservation",
            json!({"reservation_token": r}),
        )
        .await
    };
    assert_eq!(
        code(release(TOKEN_AGENT_B, token.to_string()).await),
        "NOT_AUTHORIZED"
    );
    let released = release(TOKEN_AGENT_A, token.to_string())
        .await
        .expect("release");
    assert_eq!(released["data"]["status"], "released");
    assert_eq!(released["data"]["reservation_token"], token);
    assert_eq!(
        code(release(TOKEN_AGENT_A, token.to_string()).await),
        "RESERVATION_STATE"
    );
    assert_eq!(
        code(release(TOKEN_AGENT_A, "rsv_never_issued_000000000".into()).await),
        "RESERVATION_NOT_FOUND"
    );
    // Released: the VIN can be held again.
    assert_eq!(
        code(
            c.call(
                Binding::JsonRpc,
                Some(TOKEN_AGENT_B),
                "create_reservation",
                json!({"vin": vin})
            )
            .await
        ),
        "ok"
    );
}

type Mutation = fn(&mut Value);

#[tokio::test]
async fn smtp_failures_record_nothing_post_no_lead_and_retry_succeeds() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let mut recorded = 0;
    for fault in dealer_tck::observe::smtp::SmtpFault::FAULTS {
        let c = Canaries::new();
        env.sink.set_fault(fault);
        let crm_before = env.crm_requests().await.len();
        let audit_before = env.rows("audit_log");
        let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.full(&rsv)).await;
        assert_eq!(outcome(&e), "UPSTREAM_UNAVAILABLE", "{}: {e}", fault.name());
        assert_eq!(
            e["error"]["reason"],
            "email_send_failed",
            "{}",
            fault.name()
        );
        assert_eq!(
            env.handoff_rows(),
            recorded,
            "{}: a row was written",
            fault.name()
        );
        assert_eq!(
            env.rows("audit_log"),
            audit_before,
            "{}: an audit row was written although the email failed (persists nothing)",
            fault.name()
        );
        let db = env.db_bytes();
        assert!(
            !contains(&db, &sha256_hex(&c.email)),
            "{}: the email hash was stored",
            fault.name()
        );
        assert_no_canary("the database", &db, &c);
        assert_eq!(
            env.crm_requests().await.len(),
            crm_before,
            "{}: a CRM lead was sent",
            fault.name()
        );

        // The same reservation hands off cleanly once the sink accepts mail again.
        env.sink.set_fault(SmtpFault::None);
        let ok = handoff(&env, Binding::Rest, TOKEN_AGENT_A, c.full(&rsv)).await;
        assert_eq!(outcome(&ok), "ok", "{} retry: {ok}", fault.name());
        recorded += 1;
        assert_eq!(env.handoff_rows(), recorded);
        assert!(contains(&env.db_bytes(), &sha256_hex(&c.email)));
    }
}

#[tokio::test]
async fn crm_failures_report_failed_and_the_call_succeeds() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    for mode in [
        CrmMode::Status500,
        CrmMode::Status503,
        CrmMode::Slow(Duration::from_millis(1500)),
        CrmMode::Reset,
    ] {
        env.crm.set_mode(mode).await;
        let c = Canaries::new();
        let mark = env.sink.mark();
        let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.full(&rsv)).await;
        assert_eq!(outcome(&e), "ok", "{}: {e}", mode.name());
        assert_eq!(e["data"]["status"], "sent");
        assert_eq!(e["data"]["crm_status"], "failed", "{}", mode.name());
        assert!(e["data"]["crm_lead_id"].is_null(), "{}", mode.name());
        assert_eq!(env.sink.since(mark).len(), 1, "the email was still sent");
    }
    let conn = rusqlite::Connection::open(&env.db).expect("db");
    let failed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM deal_handoffs WHERE crm_status = 'failed' AND crm_lead_id IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(failed, 4);
}

#[tokio::test]
async fn crm_disabled_reports_disabled_and_posts_nothing() {
    let env = Env::start(Opts {
        crm: false,
        ..Opts::default()
    })
    .await;
    let rsv = env.reservation().await;
    let e = handoff(
        &env,
        Binding::Mcp,
        TOKEN_AGENT_A,
        Canaries::new().full(&rsv),
    )
    .await;
    assert_eq!(outcome(&e), "ok", "{e}");
    assert_eq!(e["data"]["crm_status"], "disabled");
    assert!(e["data"]["crm_lead_id"].is_null());
    assert!(env.crm_requests().await.is_empty(), "no CRM request");
    assert_eq!(env.sink.mails().len(), 1);
}

#[tokio::test]
async fn adf_lead_passes_xmllint_dtd_validation() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let mut c = Canaries::new();
    // Characters that must be escaped, and one XML 1.0 forbids outright.
    c.notes = format!("{} <b>&\"quoted\"</b> \u{1} tail", c.notes);
    let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.full(&rsv)).await;
    assert_eq!(outcome(&e), "ok", "{e}");
    let body = env.crm_requests().await.pop().expect("lead").body;
    let Some((valid, stderr)) = xmllint_adf(&body) else {
        xmllint_missing();
        return;
    };
    assert!(valid, "xmllint rejects the lead: {stderr}\n{body}");
    assert!(body.contains("&lt;b&gt;&amp;"), "{body}");
    // The validator is not a rubber stamp: phone before email breaks the contact model.
    let email_el = body.find("<email>").expect("email element");
    let phone_start = body.find("<phone").expect("phone element");
    let phone_end = body[phone_start..].find("</phone>").expect("end") + phone_start + 8;
    let email_end = body[email_el..].find("</email>").expect("end") + email_el + 8;
    let phone = body[phone_start..phone_end].to_string();
    let email = body[email_el..email_end].to_string();
    let swapped = body.replacen(&format!("{email}{phone}"), &format!("{phone}{email}"), 1);
    assert_ne!(swapped, body);
    let (valid, _) = xmllint_adf(&swapped).expect("xmllint ran");
    assert!(!valid, "xmllint accepted phone before email");
}

#[tokio::test]
async fn server_stops_and_releases_its_port() {
    let env = Env::start(Opts::default()).await;
    let addr = env.server.addr();
    assert_eq!(
        env.client.get("/.well-known/agent-card.json").await.status,
        200
    );
    env.server.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after stop"
    );
}
