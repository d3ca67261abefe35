//! Integration tests of the reference's AAP skills (`lead.submit`, `lead.general`,
//! `inventory.search`) over real loopback HTTP: both A2A 1.0 bindings and the A2A 0.3 profile,
//! every error code of the contract (notes/aap-contract.md), each appointment outcome with its
//! required fields, the vehicle errors only with a test drive, duplicates, unique lead ids, the
//! anonymous lead.general, the ADF lead the DriveCentric mock receives (checked with
//! `xmllint --dtdvalid`), and the defect table: each AAP defect flips the behaviour it claims.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::support::reference::{self, CRM_TOKEN, Client, STORE, contains};
use crate::support::{xmllint_adf, xmllint_missing};
use chrono::{DateTime, Datelike, Duration, NaiveTime, SecondsFormat, Utc, Weekday};
use dealer_tck::observe::crm::{CrmMock, CrmMode, CrmRequest};
use dealer_tck::reference::aap::{IN_STOCK_STOCK, IN_STOCK_VIN, SOLD_VIN};
use dealer_tck::reference::{DbLocation, Defect, ReferenceConfig, ReferenceServer, TOKEN_AGENT_A};
use dealer_tck::suites::aap::{aap_draft_schemas, aap_v02_schemas};
use serde_json::{Value, json};

mod defects;
mod errors;
mod leads;

/// A VIN the dealer does not have (valid shape and check digit).
const UNKNOWN_VIN: &str = "1M8GDM9AXKP042788";

/// The two A2A bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    JsonRpc,
    Rest,
}

const BOTH: [Via; 2] = [Via::JsonRpc, Via::Rest];

/// A reference server (CRM on the given mock, store in a temp file) and a raw client.
struct Aap {
    server: ReferenceServer,
    crm: Arc<CrmMock>,
    client: Client,
    defect: Option<Defect>,
    v03: bool,
    db: PathBuf,
    log: dealer_tck::reference::LogCapture,
    _tmp: tempfile::TempDir,
}

impl Aap {
    async fn start(defect: Option<Defect>, v03: bool, crm: Arc<CrmMock>) -> Aap {
        let tmp = tempfile::tempdir().expect("tempdir");
        let db = tmp.path().join("reference.sqlite");
        let log: dealer_tck::reference::LogCapture = Arc::default();
        let cfg = ReferenceConfig {
            // AAP sends no mail; nothing listens here.
            smtp: "127.0.0.1:9".into(),
            crm_url: Some(crm.url().to_string()),
            crm_token: CRM_TOKEN.into(),
            store_id: STORE.into(),
            db: DbLocation::File(db.clone()),
            defect,
            crm_timeout: StdDuration::from_millis(500),
            log: Some(log.clone()),
            a2a_version_0_3: v03,
            ..ReferenceConfig::default()
        };
        let server = ReferenceServer::start(cfg).await.expect("reference starts");
        let client = Client::new(server.base_url());
        Aap {
            server,
            crm,
            client,
            defect,
            v03,
            db,
            log,
            _tmp: tmp,
        }
    }

    async fn clean() -> Aap {
        let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
        Aap::start(None, false, crm).await
    }

    /// The raw HTTP exchange of one SendMessage carrying `data` for `skill`.
    async fn exchange(&self, via: Via, skill: &str, data: &Value) -> reference::Reply {
        let auth = format!("Bearer {TOKEN_AGENT_A}");
        if self.v03 {
            let message = dealer_tck::transport::a2a::message_v0_3("skill", skill, data);
            let headers = [
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ];
            match via {
                Via::JsonRpc => {
                    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "message/send",
                        "params": {"message": message}});
                    self.client
                        .post("/a2a/jsonrpc", &headers, body.to_string().into_bytes())
                        .await
                }
                Via::Rest => {
                    let body = json!({"message": message});
                    self.client
                        .post(
                            "/a2a/rest/v1/message:send",
                            &headers,
                            body.to_string().into_bytes(),
                        )
                        .await
                }
            }
        } else {
            match via {
                Via::JsonRpc => self.client.jsonrpc(Some(TOKEN_AGENT_A), skill, data).await,
                Via::Rest => self.client.rest(Some(TOKEN_AGENT_A), skill, data).await,
            }
        }
    }

    /// Send and return the AAP response object; on a clean server it must validate against
    /// the suite's response schema.
    async fn send(&self, via: Via, skill: &str, data: &Value) -> Value {
        let reply = self.exchange(via, skill, data).await;
        assert_eq!(reply.status, 200, "{via:?} {skill}: {}", reply.text);
        let message = match (self.v03, via) {
            (false, Via::JsonRpc) => &reply.json["result"]["message"],
            (false, Via::Rest) => &reply.json["message"],
            (true, Via::JsonRpc) => &reply.json["result"],
            (true, Via::Rest) => &reply.json,
        };
        let part = &message["parts"][0];
        if self.v03 {
            assert_eq!(message["kind"], "message", "{}", reply.text);
            assert_eq!(message["role"], "agent", "{}", reply.text);
            assert_eq!(part["kind"], "data", "{}", reply.text);
        } else {
            assert_eq!(message["role"], "ROLE_AGENT", "{}", reply.text);
            assert!(part.get("kind").is_none(), "1.0 parts have no kind");
        }
        let resp = part["data"].clone();
        assert!(resp.is_object(), "{via:?} {skill}: {}", reply.text);
        if self.defect.is_none() {
            let violations = match skill {
                "lead.submit" => aap_v02_schemas().response.violations(&resp),
                "lead.general" => aap_draft_schemas().response.violations(&resp),
                _ => vec![],
            };
            assert!(
                violations.is_empty(),
                "{skill} response breaks its schema: {violations:?}\n{resp}"
            );
        }
        resp
    }

    async fn submit(&self, via: Via, data: &Value) -> Value {
        self.send(via, "lead.submit", data).await
    }

    async fn general(&self, via: Via, data: &Value) -> Value {
        self.send(via, "lead.general", data).await
    }

    async fn crm_mark(&self) -> usize {
        self.crm.mark().await
    }

    async fn crm_since(&self, mark: usize) -> Vec<CrmRequest> {
        self.crm.since(mark).await
    }
}

/// `error.code`, or "ok".
fn code(resp: &Value) -> String {
    resp.pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or("ok")
        .to_string()
}

fn status(resp: &Value) -> String {
    resp.pointer("/data/status")
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_string()
}

/// A customer with values unique to this test run.
#[derive(Debug, Clone)]
struct Person {
    first: String,
    last: String,
    email: String,
    phone: String,
}

impl Person {
    fn new() -> Person {
        let n = uuid::Uuid::new_v4().as_u128();
        let tag = format!("{:08x}", (n & 0xffff_ffff) as u32);
        Person {
            first: format!("Piotr{tag}"),
            last: format!("Nowak-{tag}"),
            email: format!("piotr.{tag}@example.com"),
            phone: format!("+1555{:07}", (n >> 32) % 10_000_000),
        }
    }

    fn customer(&self) -> Value {
        json!({"first_name": self.first, "last_name": self.last, "email": self.email,
            "phone": self.phone, "preferred_contact": "email"})
    }

    /// A minimal consented lead.submit (customer only).
    fn submit(&self) -> Value {
        json!({
            "type": "lead.submit.request",
            "customer": self.customer(),
            "consent": {"granted_at": "2026-04-30T11:05:00Z", "allowed_channels": ["email", "phone"],
                "consent_text": "I agree to be contacted about this inquiry.",
                "source_agent": "tck-tests", "scope": ["lead_submission"]},
            "message": "Is the CR-V still available?",
            "source_agent": "tck-tests"
        })
    }

    /// lead.submit with a vehicle of interest.
    fn submit_vehicle(&self, voi: Value) -> Value {
        let mut r = self.submit();
        r["vehicle_of_interest"] = voi;
        r
    }

    /// lead.submit with a vehicle of interest and an appointment.
    fn submit_appointment(&self, voi: Option<Value>, kind: &str, at: &str) -> Value {
        let mut r = self.submit();
        if let Some(v) = voi {
            r["vehicle_of_interest"] = v;
        }
        r["appointment"] = json!({"appointment_type": kind, "appointment_at": at,
            "duration_minutes": 60, "notes": "Please have it washed."});
        r
    }

    /// A consented lead.general.
    fn general(&self, message: &str) -> Value {
        json!({
            "type": "lead.general.request",
            "lead_intent": "financing_question",
            "message": message,
            "intent": {"budget_max": {"amount": 28000, "currency": "USD"}, "timeline": "1_3_months"},
            "customer": self.customer(),
            "consent": {"allowed_channels": ["email"], "scope": ["general_inquiry"],
                "consent_text": "I agree to share my name and email."},
            "source_agent": "tck-tests"
        })
    }
}

fn crv() -> Value {
    json!({"vin": IN_STOCK_VIN, "year": 2024, "make": "Honda", "model": "CR-V", "condition": "used"})
}

// ---------------------------------------------------------------------------------------------
// Appointment times, computed from the documented rules (independently of the server's code)
// ---------------------------------------------------------------------------------------------

fn at_utc(day: chrono::NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("time"))
        .and_utc()
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Monday–Saturday 16:30 UTC two to three days ahead (confirmable).
fn text_of(t: DateTime<Utc>) -> String {
    text(t)
}

fn confirmable() -> DateTime<Utc> {
    let mut day = (Utc::now() + Duration::days(2)).date_naive();
    if day.weekday() == Weekday::Sun {
        day = day.succ_opt().expect("date");
    }
    at_utc(day, 16, 30)
}

/// The next Sunday at 18:00 UTC at least two days ahead, and the two slots the dealer must
/// propose for it (Monday 15:00 and 15:30).
fn sunday() -> (DateTime<Utc>, [DateTime<Utc>; 2]) {
    let mut day = (Utc::now() + Duration::days(2)).date_naive();
    while day.weekday() != Weekday::Sun {
        day = day.succ_opt().expect("date");
    }
    let monday = day.succ_opt().expect("date");
    (
        at_utc(day, 18, 0),
        [at_utc(monday, 15, 0), at_utc(monday, 15, 30)],
    )
}

/// A Tuesday three to nine days ahead.
fn tuesday() -> chrono::NaiveDate {
    let mut day = (Utc::now() + Duration::days(3)).date_naive();
    while day.weekday() != Weekday::Tue {
        day = day.succ_opt().expect("date");
    }
    day
}

// ---------------------------------------------------------------------------------------------
// ADF
// ---------------------------------------------------------------------------------------------

/// Assert that xmllint accepts the lead (skipped, loudly, without xmllint).
fn assert_adf_valid(xml: &str) {
    match xmllint_adf(xml) {
        Some((valid, stderr)) => assert!(valid, "xmllint rejects the lead: {stderr}\n{xml}"),
        None => xmllint_missing(),
    }
    assert!(
        dealer_tck::observe::adf::validate(xml).is_valid(),
        "the harness's ADF validator rejects the lead:\n{xml}"
    );
}

fn adf_lead(xml: &str) -> dealer_tck::observe::adf::AdfLead {
    dealer_tck::observe::adf::validate(xml)
        .lead
        .expect("a prospect")
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn agent_card_lists_the_aap_skills() {
    let env = Aap::clean().await;
    let card = env.client.get("/.well-known/agent-card.json").await;
    assert_eq!(card.status, 200);
    let skills: Vec<&str> = card.json["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for s in [
        "lead.submit",
        "lead.general",
        "inventory.search",
        "initiate_deal_handoff",
        "search_inventory",
    ] {
        assert!(skills.contains(&s), "{s} missing from {skills:?}");
    }
    assert!(card.json["supportedInterfaces"].is_array());
    env.server.stop().await;
}

#[tokio::test]
async fn inventory_search_lists_the_fixtures_and_filters() {
    let env = Aap::clean().await;
    for via in BOTH {
        let all = env.send(via, "inventory.search", &json!({})).await;
        assert_eq!(all["type"], "inventory.search.response");
        let vehicles = all["data"]["vehicles"].as_array().expect("vehicles");
        let crv = vehicles
            .iter()
            .find(|v| v["vin"] == IN_STOCK_VIN)
            .expect("the CR-V");
        assert_eq!(
            crv,
            &json!({"vin": IN_STOCK_VIN, "year": 2024, "make": "Honda", "model": "CR-V",
                "trim": "EX-L", "condition": "used", "stock": "DT-2611", "price": 32995,
                "status": "available"})
        );
        let sold = vehicles
            .iter()
            .find(|v| v["vin"] == SOLD_VIN)
            .expect("the sold Outback");
        assert_eq!(sold["status"], "sold");
        for v in vehicles {
            for k in [
                "vin",
                "year",
                "make",
                "model",
                "trim",
                "condition",
                "stock",
                "price",
                "status",
            ] {
                assert!(v.get(k).is_some(), "{k} missing in {v}");
            }
            assert!(
                ["new", "used", "cpo"].contains(&v["condition"].as_str().unwrap_or("")),
                "{v}"
            );
            assert!(
                ["available", "sold"].contains(&v["status"].as_str().unwrap_or("")),
                "{v}"
            );
        }
        assert!(vehicles.iter().any(|v| v["condition"] == "cpo"));
        assert!(!vehicles.iter().any(|v| v["vin"] == UNKNOWN_VIN));

        let honda = env
            .send(via, "inventory.search", &json!({"make": "honda"}))
            .await;
        let list = honda["data"]["vehicles"].as_array().expect("vehicles");
        assert_eq!(list.len(), 1, "{honda}");
        let cpo = env
            .send(
                via,
                "inventory.search",
                &json!({"type": "inventory.search.request", "condition": "cpo"}),
            )
            .await;
        let list = cpo["data"]["vehicles"].as_array().expect("vehicles");
        assert!(!list.is_empty() && list.iter().all(|v| v["condition"] == "cpo"));
        let outback = env
            .send(
                via,
                "inventory.search",
                &json!({"make": "Subaru", "model": "outback"}),
            )
            .await;
        let list = outback["data"]["vehicles"].as_array().expect("vehicles");
        assert!(list.len() >= 2 && list.iter().all(|v| v["model"] == "Outback"));
        let bad = env
            .send(via, "inventory.search", &json!({"condition": "good"}))
            .await;
        assert_eq!(code(&bad), "VALIDATION_ERROR");
        assert_eq!(
            bad["error"]["message"],
            "condition: violates enum new|used|cpo"
        );
    }
    env.server.stop().await;
}

#[tokio::test]
async fn valid_leads_are_received_on_both_bindings() {
    let env = Aap::clean().await;
    let mark = env.crm_mark().await;
    for via in BOTH {
        let p = Person::new();
        let r = env.submit(via, &p.submit()).await;
        assert_eq!(r["type"], "lead.submit.response");
        assert_eq!(status(&r), "received", "{r}");
        assert_eq!(code(&r), "ok");
        assert!(
            r["data"].get("appointment").is_none(),
            "no appointment asked: {r}"
        );
        assert_eq!(
            r["data"]["dealer"],
            json!({"name": "Mark Miller Subaru", "phone": "+18015550100"})
        );
        assert!(r["message"].is_string());
        // No customer data in the answer.
        for v in [&p.first, &p.last, &p.email, &p.phone] {
            assert!(!r.to_string().contains(v.as_str()), "response echoes {v}");
        }
        let g = env.general(via, &p.general("Do you offer 0% APR?")).await;
        assert_eq!(g["type"], "lead.general.response");
        assert_eq!(status(&g), "received", "{g}");
        assert!(g["data"]["lead_id"].is_string());
        assert_eq!(g["data"]["dealer"]["phone"], "+18015550100");
    }
    assert_eq!(
        env.crm_since(mark).await.len(),
        4,
        "one CRM lead per received lead"
    );
    // The store keeps digests only.
    let db = std::fs::read(&env.db).expect("db");
    let conn = rusqlite::Connection::open(&env.db).expect("open db");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM aap_leads", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 4);
    let sent: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM aap_leads WHERE crm_status = 'sent' AND crm_lead_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(sent, 4);
    assert!(!contains(&db, "@example.com"), "plaintext email in the db");
    let log = env.log.to_vec();
    assert!(contains(&log, "AAP call"), "the calls are logged");
    assert!(
        !contains(&log, "@example.com"),
        "plaintext email in the log"
    );
    assert!(!contains(&log, "Nowak-"), "customer name in the log");
    env.server.stop().await;
}

#[tokio::test]
async fn the_seed_example_is_received() {
    let env = Aap::clean().await;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/examples/aap-0.2/full.request.json"),
    )
    .expect("seed example");
    let mut req: Value = serde_json::from_str(&text).expect("json");
    // The seed's Sunday afternoon is in the past now; ask for a bookable slot instead.
    req["appointment"]["appointment_at"] = json!(text_of(confirmable()));
    let r = env.submit(Via::JsonRpc, &req).await;
    assert_eq!(status(&r), "received", "{r}");
    assert_eq!(r["data"]["appointment"]["status"], "confirmed", "{r}");
    let general = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/examples/aap-0.2/general-inquiry.request.json"),
    )
    .expect("seed example");
    let req: Value = serde_json::from_str(&general).expect("json");
    let r = env.submit(Via::Rest, &req).await;
    assert_eq!(status(&r), "received", "{r}");
    for (file, want) in [
        ("aap-draft/full.request.json", "received"),
        ("aap-draft/anonymous.request.json", "received"),
    ] {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/examples")
                .join(file),
        )
        .expect("seed example");
        let req: Value = serde_json::from_str(&text).expect("json");
        let r = env.general(Via::JsonRpc, &req).await;
        assert_eq!(status(&r), want, "{file}: {r}");
    }
    env.server.stop().await;
}

#[tokio::test]
async fn the_a2a_0_3_profile() {
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
    let env = Aap::start(None, true, crm).await;
    let base = env.server.base_url();

    // The 0.3 card.
    let card = env.client.get("/.well-known/agent-card.json").await;
    assert_eq!(card.status, 200);
    let c = &card.json;
    assert_eq!(c["protocolVersion"], "0.3");
    assert_eq!(c["url"], format!("{base}/a2a/jsonrpc"));
    assert_eq!(c["preferredTransport"], "JSONRPC");
    let rest = c["additionalInterfaces"]
        .as_array()
        .expect("additionalInterfaces")
        .iter()
        .find(|i| i["transport"] == "HTTP+JSON")
        .expect("HTTP+JSON interface");
    assert_eq!(rest["url"], format!("{base}/a2a/rest"));
    assert!(c.get("supportedInterfaces").is_none());
    assert_eq!(c["securitySchemes"]["bearer"]["type"], "http");
    assert!(
        c["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|s| s["id"] == "lead.submit")
    );
    let parsed = dealer_tck::transport::a2a::AgentCard::from_json(c.clone());
    assert_eq!(
        parsed.interface_url("HTTP+JSON"),
        Some(format!("{base}/a2a/rest").as_str())
    );
    assert!(parsed.bearer);

    // message/send and /v1/message:send without an A2A-Version header, kind-tagged parts
    // (checked by Aap::send), AAP and DMC-12 alike.
    for via in BOTH {
        let r = env.submit(via, &Person::new().submit()).await;
        assert_eq!(status(&r), "received", "{r}");
        let inv = env
            .send(via, "inventory.search", &json!({"make": "Honda"}))
            .await;
        assert_eq!(inv["data"]["vehicles"][0]["vin"], IN_STOCK_VIN);
        let dmc = env.send(via, "search_inventory", &json!({})).await;
        assert_eq!(dmc["_metadata"]["protocol"], "a2a");
        assert!(dmc["data"]["vehicles"].is_array());
    }
    // A 0.3 reply is understood by the harness's A2A client code.
    let reply = env
        .exchange(Via::JsonRpc, "lead.submit", &Person::new().submit())
        .await;
    let (object, _) =
        dealer_tck::transport::a2a::find_result_object(&reply.json["result"]).expect("found");
    assert_eq!(object["type"], "lead.submit.response");

    // The 1.0 method and path are not served.
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "SendMessage",
        "params": {"message": reference::a2a_message("lead.submit", &Person::new().submit())}});
    let r = env
        .client
        .post("/a2a/jsonrpc", &headers, body.to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32601, "{}", r.text);
    let r = env
        .client
        .post(
            "/a2a/rest/message:send",
            &headers,
            json!({"message": {}}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // Auth still applies.
    let r = env
        .client
        .post(
            "/a2a/rest/v1/message:send",
            &[("content-type", "application/json")],
            json!({"message": {}}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 401);
    env.server.stop().await;

    // And the 1.0 reference does not serve the 0.3 method, path or version.
    let env = Aap::clean().await;
    let body =
        json!({"jsonrpc": "2.0", "id": 9, "method": "message/send", "params": {"message": {}}});
    let r = env
        .client
        .post_a2a("/a2a/jsonrpc", TOKEN_AGENT_A, body.to_string().into_bytes())
        .await;
    assert_eq!(r.json["error"]["code"], -32601, "{}", r.text);
    let r = env
        .client
        .post_a2a(
            "/a2a/rest/v1/message:send",
            TOKEN_AGENT_A,
            json!({"message": {}}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = env
        .client
        .post(
            "/a2a/jsonrpc",
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ],
            json!({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(
        r.json["error"]["code"], -32009,
        "1.0 still requires the version header"
    );
    env.server.stop().await;
}
