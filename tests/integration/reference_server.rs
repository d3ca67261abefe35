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
async fn validation_errors_name_field_and_rule_never_the_value() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    let cases: Vec<(&str, Mutation, &str, &str, Option<&str>)> = vec![
        (
            "name too long",
            |v| v["customer_contact"]["name"] = json!("Nameless".repeat(16)),
            "customer_contact.name",
            "maxLength 120",
            Some("NamelessNameless"),
        ),
        (
            "name empty",
            |v| v["customer_contact"]["name"] = json!(""),
            "customer_contact.name",
            "minLength 1",
            None,
        ),
        (
            "phone not E.164",
            |v| v["customer_contact"]["phone"] = json!("5550192837"),
            "customer_contact.phone",
            "pattern",
            Some("5550192837"),
        ),
        (
            "phone too short",
            |v| v["customer_contact"]["phone"] = json!("+155501"),
            "customer_contact.phone",
            "minLength 8",
            Some("+155501"),
        ),
        (
            "email not an address",
            |v| v["customer_contact"]["email"] = json!("no-at-sign-here"),
            "customer_contact.email",
            "pattern",
            Some("no-at-sign-here"),
        ),
        (
            "email missing",
            |v| {
                v["customer_contact"]
                    .as_object_mut()
                    .map(|o| o.remove("email"));
            },
            "customer_contact.email",
            "required",
            None,
        ),
        (
            "contact not an object",
            |v| v["customer_contact"] = json!("Jane Doe +15555551234"),
            "customer_contact",
            "type object",
            Some("Jane Doe"),
        ),
        (
            "token too short",
            |v| v["reservation_token"] = json!("rsv_x"),
            "reservation_token",
            "minLength 10",
            None,
        ),
        (
            "consent false",
            |v| v["customer_consent"] = json!(false),
            "customer_consent",
            "const true",
            None,
        ),
        (
            "consent missing",
            |v| {
                v.as_object_mut().map(|o| o.remove("customer_consent"));
            },
            "customer_consent",
            "required",
            None,
        ),
        (
            "financing enum",
            |v| v["financing_preference"] = json!("crypto-barter"),
            "financing_preference",
            "enum",
            Some("crypto-barter"),
        ),
        (
            "notes 501",
            |v| v["notes"] = json!("Z".repeat(501)),
            "notes",
            "maxLength 500",
            Some("ZZZZZZZZ"),
        ),
        (
            "disclosed not bool",
            |v| v["trade_in_disclosed"] = json!("yes-please"),
            "trade_in_disclosed",
            "type boolean",
            Some("yes-please"),
        ),
        (
            "trade_in extra field",
            |v| v["trade_in"]["color"] = json!("sparkly-red"),
            "trade_in.color",
            "additionalProperties",
            Some("sparkly-red"),
        ),
        (
            "consent extra field",
            |v| v["consent"]["scope"] = json!(["lead_submission"]),
            "consent.scope",
            "additionalProperties",
            Some("lead_submission"),
        ),
        (
            "trade_in description 501",
            |v| v["trade_in"]["description"] = json!("D".repeat(501)),
            "trade_in.description",
            "maxLength 500",
            Some("DDDDDDDD"),
        ),
        (
            "trade_in vin pattern",
            |v| v["trade_in"]["vin"] = json!("JF2GTACC4K82000OI"),
            "trade_in.vin",
            "pattern",
            Some("JF2GTACC4K82000OI"),
        ),
        (
            "trade_in year",
            |v| v["trade_in"]["year"] = json!(1899),
            "trade_in.year",
            "minimum 1900",
            Some("1899"),
        ),
        (
            "trade_in make",
            |v| v["trade_in"]["make"] = json!("M".repeat(41)),
            "trade_in.make",
            "maxLength 40",
            Some("MMMMMMMM"),
        ),
        (
            "trade_in model",
            |v| v["trade_in"]["model"] = json!("Q".repeat(81)),
            "trade_in.model",
            "maxLength 80",
            Some("QQQQQQQQ"),
        ),
        (
            "trade_in mileage",
            |v| v["trade_in"]["mileage"] = json!(1_000_001),
            "trade_in.mileage",
            "maximum 1000000",
            Some("1000001"),
        ),
        (
            "trade_in condition",
            |v| v["trade_in"]["condition"] = json!("showroom-mint"),
            "trade_in.condition",
            "enum",
            Some("showroom-mint"),
        ),
        (
            "money currency",
            |v| v["trade_in"]["appraised_value_partner"]["currency"] = json!("usd"),
            "trade_in.appraised_value_partner.currency",
            "pattern",
            None,
        ),
        (
            "money amount",
            |v| v["trade_in"]["appraised_value_partner"]["amount"] = json!(-7),
            "trade_in.appraised_value_partner.amount",
            "minimum 0",
            None,
        ),
        (
            "channels empty",
            |v| v["consent"]["allowed_channels"] = json!([]),
            "consent.allowed_channels",
            "minItems 1",
            None,
        ),
        (
            "channels duplicate",
            |v| v["consent"]["allowed_channels"] = json!(["email", "email"]),
            "consent.allowed_channels",
            "uniqueItems",
            None,
        ),
        (
            "channel unknown",
            |v| v["consent"]["allowed_channels"] = json!(["carrier-pigeon"]),
            "consent.allowed_channels[0]",
            "enum",
            Some("carrier-pigeon"),
        ),
        (
            "expires_at without zone",
            |v| v["consent"]["expires_at"] = json!("2099-01-01T00:00:00"),
            "consent.expires_at",
            "format date-time",
            Some("2099-01-01T00:00:00"),
        ),
        (
            "consent_text 2001",
            |v| v["consent"]["consent_text"] = json!("C".repeat(2001)),
            "consent.consent_text",
            "maxLength 2000",
            Some("CCCCCCCC"),
        ),
    ];
    let bindings = [Binding::JsonRpc, Binding::Rest, Binding::Mcp];
    for (i, (label, mutate, field, rule, value)) in cases.iter().enumerate() {
        let binding = bindings[i % 3];
        let mut req = c.full(&rsv);
        mutate(&mut req);
        let e = handoff(&env, binding, TOKEN_AGENT_A, req).await;
        assert_eq!(outcome(&e), "VALIDATION_ERROR", "{label}: {e}");
        assert_eq!(e["error"]["field"], *field, "{label}: {e}");
        let msg = e["error"]["message"].as_str().expect("message");
        assert!(msg.contains(field) && msg.contains(rule), "{label}: {msg}");
        if let Some(v) = value {
            assert!(
                !e.to_string().contains(v),
                "{label}: the value is echoed: {e}"
            );
        }
        assert_no_canary(label, e.to_string().as_bytes(), &c);
        assert_eq!(e["_metadata"]["tool"], HANDOFF);
    }
    assert!(
        env.sink.mails().is_empty(),
        "a rejected call sends no email"
    );
    assert!(
        env.crm_requests().await.is_empty(),
        "a rejected call posts no lead"
    );
    assert_eq!(env.handoff_rows(), 0);
    assert_no_canary("the log", env.log_text().as_bytes(), &c);
}

#[tokio::test]
async fn operation_error_codes() {
    let env = Env::start(Opts::default()).await;
    let c = Canaries::new();

    // CONSENT_INVALID: consent.expires_at in the past (checked before the reservation).
    let rsv = env.reservation().await;
    let mut past = c.full(&rsv);
    past["consent"]["expires_at"] = json!("2020-01-01T00:00:00+02:00");
    let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, past).await;
    assert_eq!(outcome(&e), "CONSENT_INVALID", "{e}");

    // RESERVATION_NOT_FOUND.
    let e = handoff(
        &env,
        Binding::Rest,
        TOKEN_AGENT_A,
        c.full("rsv_never_issued_00000000"),
    )
    .await;
    assert_eq!(outcome(&e), "RESERVATION_NOT_FOUND", "{e}");

    // NOT_AUTHORIZED: agent B hands off agent A's reservation.
    let e = handoff(&env, Binding::Mcp, TOKEN_AGENT_B, c.full(&rsv)).await;
    assert_eq!(outcome(&e), "NOT_AUTHORIZED", "{e}");

    // RESERVATION_STATE: released.
    env.client
        .call(
            Binding::JsonRpc,
            Some(TOKEN_AGENT_A),
            "release_reservation",
            json!({"reservation_token": rsv}),
        )
        .await
        .expect("release");
    let e = handoff(&env, Binding::JsonRpc, TOKEN_AGENT_A, c.full(&rsv)).await;
    assert_eq!(outcome(&e), "RESERVATION_STATE", "{e}");

    // RESERVATION_EXPIRED: hold_seconds 1, then wait until the clock passes its own expires_at.
    let short = env.reserve(TOKEN_AGENT_A, Some(1)).await;
    let expires_at =
        DateTime::parse_from_rfc3339(short["expires_at"].as_str().expect("expires_at"))
            .expect("rfc3339")
            .with_timezone(&Utc);
    loop {
        let now = Utc::now();
        if now > expires_at {
            break;
        }
        let wait = (expires_at - now).to_std().unwrap_or_default() + Duration::from_millis(5);
        tokio::time::sleep(wait).await;
    }
    let short_token = short["reservation_token"].as_str().expect("token");
    let e = handoff(&env, Binding::Mcp, TOKEN_AGENT_A, c.full(short_token)).await;
    assert_eq!(outcome(&e), "RESERVATION_EXPIRED", "{e}");

    // Every one of them: an error envelope, no side effects, no plaintext.
    assert!(env.sink.mails().is_empty());
    assert!(env.crm_requests().await.is_empty());
    assert_eq!(env.handoff_rows(), 0);
    assert_no_canary("the database", &env.db_bytes(), &c);
}

#[tokio::test]
async fn mcp_tool_errors_set_is_error() {
    let env = Env::start(Opts::default()).await;
    let c = Canaries::new();
    let r = env
        .client
        .mcp_call(TOKEN_AGENT_A, HANDOFF, &c.full("rsv_never_issued_00000000"))
        .await;
    assert_eq!(r.json["result"]["isError"], true, "{}", r.text);
    assert_eq!(
        r.json["result"]["structuredContent"]["error"]["code"],
        "RESERVATION_NOT_FOUND"
    );
    let ok = env
        .client
        .mcp_call(TOKEN_AGENT_A, "search_inventory", &json!({}))
        .await;
    assert_eq!(ok.json["result"]["isError"], false, "{}", ok.text);
}

#[tokio::test]
async fn auth_401_and_403_on_every_binding() {
    let env = Env::start(Opts::default()).await;
    let rsv = env.reservation().await;
    let c = Canaries::new();
    for binding in [Binding::JsonRpc, Binding::Rest, Binding::Mcp] {
        for token in [None, Some("tck-never-issued-0badc0de")] {
            let r = env
                .client
                .call(binding, token, HANDOFF, c.full(&rsv))
                .await
                .expect_err("refused");
            assert_eq!(r.status, 401, "{binding:?} {token:?}: {}", r.text);
            let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
        let r = env
            .client
            .call(binding, Some(TOKEN_UNSCOPED), HANDOFF, c.full(&rsv))
            .await
            .expect_err("forbidden");
        assert_eq!(r.status, 403, "{binding:?}: {}", r.text);
        let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
        assert!(
            challenge.contains("error=\"insufficient_scope\"")
                && challenge.contains("deal:handoff"),
            "{challenge}"
        );
        assert!(r.text.contains("insufficient_scope"));
        // The unscoped token may still use the other tools.
        let ok = env
            .client
            .call(binding, Some(TOKEN_UNSCOPED), "search_inventory", json!({}))
            .await
            .expect("search as unscoped");
        assert_eq!(outcome(&ok), "ok");
    }
    // The card needs no token.
    assert_eq!(
        env.client.get("/.well-known/agent-card.json").await.status,
        200
    );
    assert!(env.sink.mails().is_empty());
}

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
async fn protocol_errors_get_protocol_codes_never_500() {
    let env = Env::start(Opts::default()).await;
    let c = &env.client;
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let rpc_headers = [
        ("content-type", "application/json"),
        ("a2a-version", "1.0"),
        ("authorization", auth.as_str()),
    ];
    let msg = a2a_message("search_inventory", &json!({}));
    let big = vec![b' '; 70 * 1024];
    let mut all = Vec::new();

    // A2A JSON-RPC.
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, b"{not json".to_vec())
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32700)),
        "{}",
        r.text
    );
    assert!(r.json["id"].is_null());
    assert_eq!(
        r.json["error"]["data"][0]["@type"],
        "type.googleapis.com/google.rpc.ErrorInfo"
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "1.0", "id": 5, "method": "SendMessage", "params": {"message": msg}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(
        (r.json["error"]["code"].clone(), r.json["id"].clone()),
        (json!(-32600), json!(5)),
        "{}",
        r.text
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "2.0", "method": "SendMessage", "params": {"message": msg}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32600, "missing id: {}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, json!({"jsonrpc": "2.0", "id": 6, "method": "message/send", "params": {"message": msg}}).to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32601, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/jsonrpc", &rpc_headers, json!({"jsonrpc": "2.0", "id": 7, "method": "SendMessage", "params": {"message": a2a_message("no_such_skill", &json!({}))}}).to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32602, "{}", r.text);
    all.push(r);
    let r = c
        .post(
            "/a2a/jsonrpc",
            &rpc_headers,
            json!({"jsonrpc": "2.0", "id": 8, "method": "SendMessage", "params": {}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32602, "{}", r.text);
    all.push(r);
    for version in [None, Some("0.3")] {
        let mut h = vec![
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
        ];
        if let Some(v) = version {
            h.push(("a2a-version", v));
        }
        let r = c
            .post("/a2a/jsonrpc", &h, json!({"jsonrpc": "2.0", "id": 9, "method": "SendMessage", "params": {"message": msg}}).to_string().into_bytes())
            .await;
        assert_eq!(r.status, 400, "{version:?}: {}", r.text);
        assert_eq!(r.json["error"]["code"], -32009);
        assert_eq!(r.json["id"], 9);
        assert_eq!(
            r.json["error"]["data"][0]["reason"],
            "VERSION_NOT_SUPPORTED"
        );
        assert_eq!(r.json["error"]["data"][0]["domain"], "a2a-protocol.org");
        all.push(r);
    }
    let r = c
        .post(
            "/a2a/jsonrpc",
            &[
                ("content-type", "text/plain"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c.post("/a2a/jsonrpc", &rpc_headers, big.clone()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);

    // A2A HTTP+JSON.
    let rest_headers = [
        ("content-type", "application/a2a+json"),
        ("a2a-version", "1.0"),
        ("authorization", auth.as_str()),
    ];
    let r = c
        .post(
            "/a2a/rest/message:send",
            &rest_headers,
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (400, json!(400)),
        "{}",
        r.text
    );
    assert_eq!(r.json["error"]["status"], "INVALID_ARGUMENT");
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &rest_headers,
            json!({"message": a2a_message("no_such_skill", &json!({}))})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ],
            json!({"message": msg}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["error"]["details"][0]["reason"],
        "VERSION_NOT_SUPPORTED"
    );
    all.push(r);
    let r = c
        .post(
            "/a2a/rest/message:send",
            &[
                ("content-type", "text/xml"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            b"<x/>".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/rest/message:send", &rest_headers, big.clone())
        .await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);
    let r = c
        .post("/a2a/rest/tasks/abc:cancel", &rest_headers, b"{}".to_vec())
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    all.push(r);

    // MCP.
    let sid = c.mcp_session(TOKEN_AGENT_A).await;
    let mcp_headers = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("authorization", auth.as_str()),
        ("mcp-session-id", sid.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let r = c.post("/mcp", &mcp_headers, b"{not json".to_vec()).await;
    assert_eq!(r.json["error"]["code"], -32700, "{}", r.text);
    all.push(r);
    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "1.0", "id": 3, "method": "ping"}),
        )
        .await;
    assert_eq!(r.json["error"]["code"], -32600, "{}", r.text);
    all.push(r);
    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "2.0", "id": 4, "method": "resources/list"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32601)),
        "{}",
        r.text
    );
    all.push(r);
    let r = c
        .mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}}))
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].clone()),
        (200, json!(-32602)),
        "{}",
        r.text
    );
    all.push(r);
    let mut wrong_ct = mcp_headers.to_vec();
    wrong_ct[0] = ("content-type", "text/plain");
    let r = c.post("/mcp", &wrong_ct, b"{}".to_vec()).await;
    assert_eq!(r.status, 415, "{}", r.text);
    all.push(r);
    let r = c.post("/mcp", &mcp_headers, big).await;
    assert_eq!(r.status, 413, "{}", r.text);
    all.push(r);
    let r = c.get("/mcp").await;
    assert_eq!(r.status, 405);
    all.push(r);

    for r in &all {
        assert!(r.status < 500, "HTTP {} {}", r.status, r.text);
    }
}

#[tokio::test]
async fn mcp_session_rules() {
    let env = Env::start(Opts::default()).await;
    let c = &env.client;
    let ping = json!({"jsonrpc": "2.0", "id": 11, "method": "ping"});
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), None, &ping).await;
    assert_eq!(r.status, 400, "missing session: {}", r.text);
    let r = c
        .mcp_raw(Some(TOKEN_AGENT_A), Some("no-such-session"), &ping)
        .await;
    assert_eq!(r.status, 404, "unknown session: {}", r.text);

    let sid = c.mcp_session(TOKEN_AGENT_A).await;
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &ping).await;
    assert_eq!(
        (r.status, r.json["result"].clone()),
        (200, json!({})),
        "{}",
        r.text
    );
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let r = c
        .post(
            "/mcp",
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
                ("mcp-session-id", sid.as_str()),
                ("mcp-protocol-version", "2024-11-05"),
            ],
            ping.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "wrong protocol version: {}", r.text);

    let r = c
        .mcp_raw(
            Some(TOKEN_AGENT_A),
            Some(&sid),
            &json!({"jsonrpc": "2.0", "id": 12, "method": "tools/list"}),
        )
        .await;
    let tools = r.json["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 4);
    let handoff_tool = tools
        .iter()
        .find(|t| t["name"] == HANDOFF)
        .expect("handoff tool");
    assert_eq!(handoff_tool["inputSchema"]["type"], "object");
    assert!(handoff_tool["inputSchema"]["properties"]["customer_contact"].is_object());
    assert!(tools.iter().all(|t| t["inputSchema"].is_object()));

    let r = c
        .send(
            reqwest::Method::DELETE,
            "/mcp",
            &[
                ("authorization", auth.as_str()),
                ("mcp-session-id", sid.as_str()),
            ],
            Vec::new(),
        )
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.status);
    let r = c.mcp_raw(Some(TOKEN_AGENT_A), Some(&sid), &ping).await;
    assert_eq!(r.status, 404, "ended session: {}", r.text);
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
