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
        let log: dealer_tck::reference::LogCapture = Arc::new(std::sync::Mutex::new(Vec::new()));
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
    let log = env.log.lock().expect("log").clone();
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

fn text_of(t: DateTime<Utc>) -> String {
    text(t)
}

/// One refused request: the code, the field the error names, and values that must not appear.
struct Refusal {
    what: &'static str,
    skill: &'static str,
    request: Value,
    code: &'static str,
    field: &'static str,
    hidden: Vec<String>,
}

#[tokio::test]
async fn every_error_code_of_the_contract() {
    let env = Aap::clean().await;
    let secret = "SECRET-canary-7731";
    let mut cases = Vec::new();
    let mut add = |what, skill, request, code, field, hidden: &[&str]| {
        cases.push(Refusal {
            what,
            skill,
            request,
            code,
            field,
            hidden: hidden.iter().map(|s| s.to_string()).collect(),
        });
    };
    let p = Person::new();

    // CONTACT_CONSENT_REQUIRED
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("consent");
    add(
        "consent missing",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent",
        &[],
    );
    let mut r = p.submit();
    r["consent"]["scope"] = json!(["lead_submission", "marketing"]);
    add(
        "scope not exact",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["consent"]["scope"] = json!(["general_inquiry"]);
    add(
        "scope wrong",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["consent"]
        .as_object_mut()
        .expect("object")
        .remove("scope");
    add(
        "scope missing",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.submit();
    r["customer"]["preferred_contact"] = json!("sms");
    add(
        "channel not allowed",
        "lead.submit",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "customer.preferred_contact",
        &[],
    );
    let mut r = p.general("q");
    r.as_object_mut().expect("object").remove("consent");
    add(
        "general: customer without consent",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent",
        &[],
    );
    let mut r = p.general("q");
    r["consent"]["scope"] = json!(["lead_submission"]);
    add(
        "general: scope without general_inquiry",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "consent.scope",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]["preferred_contact"] = json!("phone");
    add(
        "general: channel not allowed",
        "lead.general",
        r,
        "CONTACT_CONSENT_REQUIRED",
        "customer.preferred_contact",
        &[],
    );

    // INVALID_CONDITION, both directions
    let mut voi = crv();
    voi["condition"] = json!("good");
    add(
        "VOI trade-in word",
        "lead.submit",
        p.submit_vehicle(voi),
        "INVALID_CONDITION",
        "vehicle_of_interest.condition",
        &[],
    );
    let mut r = p.submit();
    r["trade_in"] =
        json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": "new"});
    add(
        "trade-in sale word",
        "lead.submit",
        r,
        "INVALID_CONDITION",
        "trade_in.condition",
        &[],
    );
    // ... checked before the schema and before consent.
    let mut voi = crv();
    voi["condition"] = json!("poor");
    let mut r = p.submit_vehicle(voi);
    r.as_object_mut().expect("object").remove("consent");
    r["message"] = json!("m".repeat(4001));
    add(
        "condition first",
        "lead.submit",
        r,
        "INVALID_CONDITION",
        "vehicle_of_interest.condition",
        &[],
    );

    // VALIDATION_ERROR
    let mut voi = crv();
    voi["condition"] = json!(secret);
    add(
        "condition in neither vocabulary",
        "lead.submit",
        p.submit_vehicle(voi),
        "VALIDATION_ERROR",
        "vehicle_of_interest.condition",
        &[secret],
    );
    let mut r = p.submit();
    r["trade_in"] =
        json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": secret});
    add(
        "trade-in condition in neither",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "trade_in.condition",
        &[secret],
    );
    let mut r = p.submit();
    r["message"] = json!(format!("{secret}{}", "m".repeat(4000)));
    add(
        "message over 4000",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "message",
        &[secret],
    );
    add(
        "vehicle array",
        "lead.submit",
        p.submit_vehicle(json!([crv(), crv()])),
        "VALIDATION_ERROR",
        "vehicle_of_interest",
        &[],
    );
    let mut r = p.submit();
    r["trade_in"] = json!({"year": 2020, "make": "Volkswagen"});
    add(
        "trade-in without model",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "trade_in.model",
        &[],
    );
    add(
        "vehicle not identifiable",
        "lead.submit",
        p.submit_vehicle(json!({"make": "Honda", "trim": secret})),
        "VALIDATION_ERROR",
        "vehicle_of_interest",
        &[secret],
    );
    let mut r = p.submit();
    r["appointment"] =
        json!({"appointment_type": "valet", "appointment_at": text_of(confirmable())});
    add(
        "appointment_type enum",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "appointment.appointment_type",
        &["valet"],
    );
    let mut r = p.submit();
    r["customer"]["email"] = json!(format!("{secret}-not-an-email"));
    add(
        "email format",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "customer.email",
        &[secret],
    );
    let mut r = p.submit();
    r["type"] = json!("lead.general.request");
    add(
        "type const",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "type",
        &[],
    );
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("source_agent");
    add(
        "source_agent required",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "source_agent",
        &[],
    );
    let mut r = p.submit();
    r.as_object_mut().expect("object").remove("customer");
    add(
        "customer required",
        "lead.submit",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );
    add(
        "not an object",
        "lead.submit",
        json!([1]),
        "VALIDATION_ERROR",
        "request",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]
        .as_object_mut()
        .expect("object")
        .remove("email");
    r["customer"]
        .as_object_mut()
        .expect("object")
        .remove("phone");
    r["customer"]["preferred_contact"] = json!("email");
    add(
        "general: customer without contact",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );
    let mut r = p.general("q");
    r["customer"]["phone"] = json!(format!("555-{secret}"));
    add(
        "general: phone not E.164",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer.phone",
        &[secret],
    );
    add(
        "general: empty message",
        "lead.general",
        p.general(""),
        "VALIDATION_ERROR",
        "message",
        &[],
    );
    add(
        "general: message over 4000",
        "lead.general",
        p.general(&"q".repeat(4001)),
        "VALIDATION_ERROR",
        "message",
        &[],
    );
    let mut r = p.general("q");
    r["lead_intent"] = json!("complaint");
    add(
        "general: lead_intent enum",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "lead_intent",
        &[],
    );
    let mut r = p.general("q");
    r["intent"]["timeline"] = json!("someday");
    add(
        "general: timeline enum",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "intent.timeline",
        &[],
    );
    let r = json!({"type": "lead.general.request", "message": "q", "source_agent": "s",
        "consent": {"scope": ["general_inquiry"]}});
    add(
        "general: consent without customer",
        "lead.general",
        r,
        "VALIDATION_ERROR",
        "customer",
        &[],
    );

    // VEHICLE_NOT_FOUND / VEHICLE_UNAVAILABLE with a test drive
    let at = text_of(confirmable());
    add(
        "unknown VIN, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"vin": UNKNOWN_VIN})), "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "unknown stock, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"stock": "NOPE-1"})), "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "unknown year/make/model, test drive",
        "lead.submit",
        p.submit_appointment(
            Some(json!({"year": 1999, "make": "Yugo", "model": "GV"})),
            "test_drive",
            &at,
        ),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "no vehicle, test drive",
        "lead.submit",
        p.submit_appointment(None, "test_drive", &at),
        "VEHICLE_NOT_FOUND",
        "vehicle_of_interest",
        &[],
    );
    add(
        "sold VIN, test drive",
        "lead.submit",
        p.submit_appointment(Some(json!({"vin": SOLD_VIN})), "test_drive", &at),
        "VEHICLE_UNAVAILABLE",
        "vehicle_of_interest",
        &[],
    );

    let mark = env.crm_mark().await;
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let via = BOTH[i % 2];
        let r = env.send(via, c.skill, &c.request).await;
        let got = (
            code(&r),
            status(&r),
            r["error"]["field"].as_str().unwrap_or("").to_string(),
        );
        let want = (
            c.code.to_string(),
            "rejected".to_string(),
            c.field.to_string(),
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}\n  {r}", c.what));
        }
        if r["data"].get("lead_id").is_some() {
            failures.push(format!(
                "{}: a rejected lead carries a lead_id: {r}",
                c.what
            ));
        }
        let message = r["error"]["message"].as_str().unwrap_or("");
        if !message.contains(c.field) {
            failures.push(format!(
                "{}: the message does not name {}: {message}",
                c.what, c.field
            ));
        }
        for h in &c.hidden {
            if r.to_string().contains(h.as_str()) {
                failures.push(format!("{}: the answer echoes the value {h}: {r}", c.what));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        env.crm_since(mark).await.is_empty(),
        "a rejected lead reached the CRM"
    );
    env.server.stop().await;
}

#[tokio::test]
async fn validation_messages_name_the_rule() {
    let env = Aap::clean().await;
    let p = Person::new();
    let mut r = p.submit();
    r["message"] = json!("m".repeat(4001));
    r["customer"]["email"] = json!("nope");
    let resp = env.submit(Via::JsonRpc, &r).await;
    let message = resp["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("message: violates maxLength 4000"),
        "{message}"
    );
    assert!(
        message.contains("customer.email: violates format email"),
        "{message}"
    );
    let resp = env
        .submit(Via::Rest, &p.submit_vehicle(json!({"trim": "EX"})))
        .await;
    assert_eq!(
        resp["error"]["message"],
        "vehicle_of_interest: violates anyOf required vin | stock | year+make+model"
    );
    env.server.stop().await;
}

#[tokio::test]
async fn each_appointment_outcome_has_its_required_fields() {
    let env = Aap::clean().await;
    let voi = Some(crv());
    // confirmed
    let want = confirmable();
    let offset = want.with_timezone(&chrono::FixedOffset::west_opt(5 * 3600).expect("offset"));
    let tue = tuesday();
    for (via, at, want) in [
        (Via::JsonRpc, text(want), want),
        (Via::Rest, offset.to_rfc3339(), want),
        (Via::JsonRpc, text(at_utc(tue, 15, 0)), at_utc(tue, 15, 0)),
        (Via::Rest, text(at_utc(tue, 22, 30)), at_utc(tue, 22, 30)),
    ] {
        let r = env
            .submit(
                via,
                &Person::new().submit_appointment(voi.clone(), "test_drive", &at),
            )
            .await;
        assert_eq!(status(&r), "received", "{r}");
        let a = &r["data"]["appointment"];
        assert_eq!(a["status"], "confirmed", "{at}: {r}");
        assert_eq!(a["confirmed_at"], text(want), "normalised to UTC: {r}");
        assert!(a["appointment_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(code(&r), "ok");
    }
    // proposed: Sunday, outside hours, other minutes
    let (sun, monday_slots) = sunday();

    let cases = [
        (sun, vec![text(monday_slots[0]), text(monday_slots[1])]),
        (
            at_utc(tue, 10, 0),
            vec![text(at_utc(tue, 15, 0)), text(at_utc(tue, 15, 30))],
        ),
        (
            at_utc(tue, 16, 15),
            vec![text(at_utc(tue, 16, 30)), text(at_utc(tue, 17, 0))],
        ),
        (
            at_utc(tue, 23, 0),
            vec![
                text(at_utc(tue.succ_opt().expect("wed"), 15, 0)),
                text(at_utc(tue.succ_opt().expect("wed"), 15, 30)),
            ],
        ),
    ];
    for (i, (at, want)) in cases.iter().enumerate() {
        let r = env
            .submit(
                BOTH[i % 2],
                &Person::new().submit_appointment(None, "sales", &text(*at)),
            )
            .await;
        assert_eq!(status(&r), "received", "{r}");
        let a = &r["data"]["appointment"];
        assert_eq!(a["status"], "proposed", "{at}: {r}");
        assert_eq!(a["proposed_times"], json!(want), "{at}: {r}");
        assert!(a.get("confirmed_at").is_none());
        assert_eq!(code(&r), "ok");
    }
    // rejected: past, beyond 60 days
    for at in [
        Utc::now() - Duration::days(1),
        Utc::now() + Duration::days(61),
    ] {
        let r = env
            .submit(
                Via::Rest,
                &Person::new().submit_appointment(voi.clone(), "test_drive", &text(at)),
            )
            .await;
        assert_eq!(status(&r), "received", "the lead is still received: {r}");
        assert!(r["data"]["lead_id"].is_string());
        assert_eq!(r["data"]["appointment"]["status"], "rejected", "{r}");
        assert!(r["data"]["appointment"]["appointment_id"].is_string());
        assert_eq!(code(&r), "APPOINTMENT_TIME_UNAVAILABLE", "{r}");
        assert_eq!(r["error"]["field"], "appointment.appointment_at");
    }
    // requested: no time given
    let mut req = Person::new().submit();
    req["appointment"] = json!({"appointment_type": "service"});
    let r = env.submit(Via::JsonRpc, &req).await;
    assert_eq!(r["data"]["appointment"]["status"], "requested", "{r}");
    // absent when none was requested
    let r = env.submit(Via::JsonRpc, &Person::new().submit()).await;
    assert!(r["data"].get("appointment").is_none(), "{r}");
    env.server.stop().await;
}

#[tokio::test]
async fn vehicle_errors_only_with_a_test_drive() {
    let env = Aap::clean().await;
    let at = text(confirmable());
    for (i, voi) in [
        json!({"vin": UNKNOWN_VIN}),
        json!({"vin": SOLD_VIN}),
        json!({"stock": "NOPE-1"}),
    ]
    .into_iter()
    .enumerate()
    {
        let via = BOTH[i % 2];
        let r = env
            .submit(via, &Person::new().submit_vehicle(voi.clone()))
            .await;
        assert_eq!(
            (status(&r), code(&r)),
            ("received".into(), "ok".into()),
            "{voi}: {r}"
        );
        for kind in ["sales", "service", "trade_in"] {
            let r = env
                .submit(
                    via,
                    &Person::new().submit_appointment(Some(voi.clone()), kind, &at),
                )
                .await;
            assert_eq!(status(&r), "received", "{voi} {kind}: {r}");
            assert_eq!(r["data"]["appointment"]["status"], "confirmed", "{r}");
        }
    }
    // The in-stock vehicle, by VIN, by stock and by year+make+model, with a test drive.
    for voi in [
        json!({"vin": IN_STOCK_VIN}),
        json!({"vin": IN_STOCK_VIN.to_lowercase()}),
        json!({"stock": IN_STOCK_STOCK}),
        json!({"year": 2024, "make": "honda", "model": "CR-V"}),
    ] {
        let r = env
            .submit(
                Via::JsonRpc,
                &Person::new().submit_appointment(Some(voi.clone()), "test_drive", &at),
            )
            .await;
        assert_eq!(status(&r), "received", "{voi}: {r}");
    }
    env.server.stop().await;
}

#[tokio::test]
async fn duplicates_return_the_earlier_lead_and_post_nothing() {
    let env = Aap::clean().await;
    let p = Person::new();
    let first = env.submit(Via::JsonRpc, &p.submit_vehicle(crv())).await;
    assert_eq!(status(&first), "received");
    let id = first["data"]["lead_id"]
        .as_str()
        .expect("lead_id")
        .to_string();
    let mark = env.crm_mark().await;

    // Same email (other case, other phone) and same VIN, over the other binding.
    let mut again = p.submit_vehicle(crv());
    again["customer"]["email"] = json!(p.email.to_uppercase());
    again["customer"]["phone"] = json!("+15550000001");
    let dup = env.submit(Via::Rest, &again).await;
    assert_eq!(status(&dup), "duplicate", "{dup}");
    assert_eq!(dup["data"]["lead_id"], id.as_str());
    // Same phone only (another email), same vehicle by stock number.
    let mut by_phone = p.submit_vehicle(json!({"stock": IN_STOCK_STOCK}));
    by_phone["customer"]["email"] = json!("someone.else@example.com");
    let dup = env.submit(Via::JsonRpc, &by_phone).await;
    assert_eq!(status(&dup), "duplicate", "{dup}");
    assert_eq!(dup["data"]["lead_id"], id.as_str());
    assert!(
        env.crm_since(mark).await.is_empty(),
        "a duplicate reached the CRM"
    );

    // Another vehicle, or no vehicle: a new lead.
    let other = env
        .submit(Via::JsonRpc, &p.submit_vehicle(json!({"vin": SOLD_VIN})))
        .await;
    assert_eq!(status(&other), "received", "{other}");
    assert_ne!(other["data"]["lead_id"], id.as_str());
    let none = env.submit(Via::JsonRpc, &p.submit()).await;
    assert_eq!(status(&none), "received", "{none}");
    let none_again = env.submit(Via::Rest, &p.submit()).await;
    assert_eq!(status(&none_again), "duplicate");
    assert_eq!(none_again["data"]["lead_id"], none["data"]["lead_id"]);
    // A rejected lead is not remembered.
    let q = Person::new();
    let mut bad = q.submit();
    bad["consent"]["scope"] = json!(["marketing"]);
    assert_eq!(status(&env.submit(Via::JsonRpc, &bad).await), "rejected");
    assert_eq!(
        status(&env.submit(Via::JsonRpc, &q.submit()).await),
        "received"
    );

    // lead.general: same customer and the same message.
    let g1 = env
        .general(Via::JsonRpc, &p.general("Weekend hours?"))
        .await;
    let g2 = env.general(Via::Rest, &p.general("Weekend hours?")).await;
    assert_eq!(status(&g1), "received");
    assert_eq!(status(&g2), "duplicate", "{g2}");
    assert_eq!(g1["data"]["lead_id"], g2["data"]["lead_id"]);
    let g3 = env
        .general(Via::Rest, &p.general("Do you service Hondas?"))
        .await;
    assert_eq!(status(&g3), "received");
    env.server.stop().await;
}

#[tokio::test]
async fn lead_ids_are_unique_across_bindings() {
    let env = Aap::clean().await;
    let re = regex::Regex::new("^lead_[0-9a-f]{32}$").expect("regex");
    let mut ids = std::collections::HashSet::new();
    for i in 0..6 {
        let via = BOTH[i % 2];
        let r = if i % 3 == 0 {
            env.general(via, &Person::new().general("A question")).await
        } else {
            env.submit(via, &Person::new().submit()).await
        };
        assert_eq!(status(&r), "received", "{r}");
        let id = r["data"]["lead_id"].as_str().expect("lead_id").to_string();
        assert!(re.is_match(&id), "{id}");
        assert!(ids.insert(id.clone()), "lead id {id} issued twice");
    }
    env.server.stop().await;
}

#[tokio::test]
async fn anonymous_lead_general_is_received_without_a_crm_lead() {
    let env = Aap::clean().await;
    let mark = env.crm_mark().await;
    let anon = json!({"type": "lead.general.request", "lead_intent": "general_question",
        "message": "Do you take trade-ins on weekends?", "source_agent": "chatgpt-shopping"});
    for via in BOTH {
        let r = env.general(via, &anon).await;
        assert_eq!(status(&r), "received", "{r}");
        assert_eq!(code(&r), "ok");
        assert!(r["data"]["lead_id"].is_string());
        assert!(
            r["message"].as_str().is_some_and(|m| !m.is_empty()),
            "anonymous answers carry a message: {r}"
        );
    }
    assert!(
        env.crm_since(mark).await.is_empty(),
        "ADF needs a contact: no CRM lead for an anonymous question"
    );
    env.server.stop().await;
}

#[tokio::test]
async fn crm_failures_do_not_fail_the_lead() {
    let env = Aap::clean().await;
    env.crm.set_mode(CrmMode::Status503).await;
    let r = env.submit(Via::JsonRpc, &Person::new().submit()).await;
    assert_eq!(status(&r), "received", "{r}");
    env.crm.set_mode(CrmMode::Created).await;
    let conn = rusqlite::Connection::open(&env.db).expect("open db");
    let failed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM aap_leads WHERE crm_status = 'failed' AND crm_lead_id IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(failed, 1);
    env.server.stop().await;
}

#[tokio::test]
async fn the_adf_lead_maps_the_request_and_passes_xmllint() {
    let env = Aap::clean().await;
    let p = Person::new();
    let at = confirmable();

    // VOI with a test drive + trade-in + address + appointment notes.
    let mut req = p.submit_appointment(
        Some(
            json!({"vin": IN_STOCK_VIN, "year": 2024, "make": "Honda", "model": "CR-V",
            "trim": "EX-L", "condition": "used", "stock": "DT-2611", "body": "suv",
            "transmission": "automatic", "mileage": 14820, "price": 32995}),
        ),
        "test_drive",
        &text(at),
    );
    req["trade_in"] = json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "trim": "SE",
        "condition": "good", "mileage": 62000});
    req["customer"]["address"] = json!({"address_line_1": "320 Brannan Street",
        "address_line_2": "Apt 412", "city": "San Francisco", "state": "CA", "zip": "94107"});
    let mark = env.crm_mark().await;
    let r = env.submit(Via::JsonRpc, &req).await;
    assert_eq!(status(&r), "received", "{r}");
    let posts = env.crm_since(mark).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, format!("/api/stores/{STORE}/leads/adf"));
    assert!(
        post.header("content-type")
            .unwrap_or("")
            .starts_with("application/xml")
    );
    assert_eq!(post.bearer(), Some(CRM_TOKEN));
    let xml = &post.body;
    assert_adf_valid(xml);
    let lead = adf_lead(xml);
    assert_eq!(
        lead.ids.first().map(String::as_str),
        r["data"]["lead_id"].as_str()
    );
    assert_eq!(lead.vehicles.len(), 2, "{xml}");
    let v = &lead.vehicles[0];
    assert_eq!(
        (
            v.interest.as_str(),
            v.status.as_str(),
            v.year.as_str(),
            v.make.as_str(),
            v.model.as_str()
        ),
        ("test-drive", "used", "2024", "Honda", "CR-V")
    );
    assert_eq!(v.vin.as_deref(), Some(IN_STOCK_VIN));
    let t = &lead.vehicles[1];
    assert_eq!(
        (
            t.interest.as_str(),
            t.status.as_str(),
            t.year.as_str(),
            t.make.as_str(),
            t.model.as_str()
        ),
        ("trade-in", "used", "2020", "Volkswagen", "Passat")
    );
    assert!(
        xml.contains(&format!("<name part=\"first\">{}</name>", p.first)),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<name part=\"last\">{}</name>", p.last)),
        "{xml}"
    );
    assert_eq!(lead.emails, vec![p.email.clone()]);
    assert_eq!(lead.phones, vec![p.phone.clone()]);
    let email_at = xml.find("<email").expect("email");
    let phone_at = xml.find("<phone").expect("phone");
    assert!(email_at < phone_at, "email before phone");
    assert!(
        xml.contains("<street line=\"1\">320 Brannan Street</street>"),
        "{xml}"
    );
    assert!(xml.contains("<postalcode>94107</postalcode>"), "{xml}");
    assert_eq!(
        lead.timeframe.as_deref(),
        Some(format!("appointment test_drive at {}", text(at)).as_str())
    );
    let comments = lead.comments.as_deref().unwrap_or("");
    assert!(
        comments.starts_with("Is the CR-V still available?"),
        "{comments}"
    );
    assert!(comments.contains("Please have it washed."), "{comments}");

    // No test drive: interest buy; condition new → status new; cpo → used.
    for (voi, interest, st) in [
        (
            json!({"year": 2025, "make": "Subaru", "model": "WRX", "condition": "new"}),
            "buy",
            "new",
        ),
        (
            json!({"stock": dealer_tck::reference::aap::CPO_STOCK, "condition": "cpo"}),
            "buy",
            "used",
        ),
    ] {
        let mark = env.crm_mark().await;
        let r = env
            .submit(Via::Rest, &Person::new().submit_vehicle(voi.clone()))
            .await;
        assert_eq!(status(&r), "received");
        let posts = env.crm_since(mark).await;
        let xml = &posts[0].body;
        assert_adf_valid(xml);
        let lead = adf_lead(xml);
        assert_eq!(lead.vehicles.len(), 1, "{xml}");
        assert_eq!(
            (
                lead.vehicles[0].interest.as_str(),
                lead.vehicles[0].status.as_str()
            ),
            (interest, st),
            "{voi}"
        );
        assert!(lead.timeframe.is_none());
    }

    // By stock only: year/make/model come from inventory.
    let mark = env.crm_mark().await;
    env.submit(
        Via::JsonRpc,
        &Person::new().submit_appointment(
            Some(json!({"stock": IN_STOCK_STOCK})),
            "test_drive",
            &text(at),
        ),
    )
    .await;
    let xml = &env.crm_since(mark).await[0].body;
    assert_adf_valid(xml);
    let v = &adf_lead(xml).vehicles[0];
    assert_eq!(
        (
            v.interest.as_str(),
            v.year.as_str(),
            v.make.as_str(),
            v.model.as_str()
        ),
        ("test-drive", "2024", "Honda", "CR-V")
    );

    // An unknown VIN without year/make/model and no trade-in: the placeholder vehicle.
    // Email only and phone only contacts.
    let mut only_email = Person::new().submit_vehicle(json!({"vin": UNKNOWN_VIN}));
    only_email["customer"]
        .as_object_mut()
        .expect("object")
        .remove("phone");
    let mut only_phone = Person::new().submit();
    only_phone["customer"]
        .as_object_mut()
        .expect("object")
        .remove("email");
    only_phone["customer"]["preferred_contact"] = json!("phone");
    only_phone["trade_in"] = json!({"year": 2019, "make": "Subaru", "model": "Crosstrek"});
    for (req, first_vehicle) in [
        (only_email, ("buy", "new", "0", "unknown", "unknown")),
        (
            only_phone,
            ("trade-in", "used", "2019", "Subaru", "Crosstrek"),
        ),
    ] {
        let mark = env.crm_mark().await;
        let r = env.submit(Via::Rest, &req).await;
        assert_eq!(status(&r), "received", "{r}");
        let xml = &env.crm_since(mark).await[0].body;
        assert_adf_valid(xml);
        let v = &adf_lead(xml).vehicles[0];
        assert_eq!(
            (
                v.interest.as_str(),
                v.status.as_str(),
                v.year.as_str(),
                v.make.as_str(),
                v.model.as_str()
            ),
            first_vehicle,
            "{xml}"
        );
    }

    // lead.general with a customer: placeholder vehicle, the message as comments.
    let g = Person::new();
    let mark = env.crm_mark().await;
    let r = env
        .general(
            Via::JsonRpc,
            &g.general("Do you offer 0% APR on <certified> Civics & more?"),
        )
        .await;
    assert_eq!(status(&r), "received");
    let xml = &env.crm_since(mark).await[0].body;
    assert_adf_valid(xml);
    let lead = adf_lead(xml);
    assert_eq!(lead.emails, vec![g.email.clone()]);
    assert!(
        lead.comments
            .as_deref()
            .is_some_and(|c| c.starts_with("Do you offer 0% APR on <certified> Civics & more?")),
        "{xml}"
    );
    assert_eq!(lead.vehicles[0].make, "unknown");
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

// ---------------------------------------------------------------------------------------------
// The defect table
// ---------------------------------------------------------------------------------------------

/// The clause each AAP defect breaks, as notes/aap-contract.md lists it.
const CONTRACT: &[(&str, &str)] = &[
    ("aap-consent-missing-accepted", "AAP02-CONSENT-MISSING-001"),
    ("aap-scope-not-exact", "AAP02-CONSENT-SCOPE-001"),
    ("aap-channel-not-checked", "AAP02-CONSENT-CHANNEL-001"),
    ("aap-condition-as-validation", "AAP02-CONDITION-001"),
    ("aap-tradein-condition-accepted", "AAP02-CONDITION-002"),
    (
        "aap-vehicle-checked-without-test-drive",
        "AAP02-VEHICLE-NOTESTDRIVE-001",
    ),
    ("aap-unknown-vehicle-accepted", "AAP02-VEHICLE-NOTFOUND-001"),
    ("aap-sold-vehicle-accepted", "AAP02-VEHICLE-UNAVAILABLE-001"),
    ("aap-confirmed-without-time", "AAP02-APPT-CONFIRMED-001"),
    ("aap-proposed-without-times", "AAP02-APPT-PROPOSED-001"),
    ("aap-appointment-always-present", "AAP02-APPT-ABSENT-001"),
    ("aap-wrong-response-type", "AAP02-TYPE-001"),
    ("aap-lead-id-reused", "AAP02-LEADID-001"),
    ("aap-adf-phone-before-email", "AAP02-ADF-001"),
    ("aap-message-unbounded", "AAP02-REQ-001"),
    ("aap-multi-vehicle-accepted", "AAP02-ONEVEHICLE-001"),
    ("aap-general-no-consent-accepted", "AAPD-CONSENT-001"),
    ("aap-general-scope-not-checked", "AAPD-CONSENT-SCOPE-001"),
    (
        "aap-general-channel-not-checked",
        "AAPD-CONSENT-CHANNEL-001",
    ),
    ("aap-general-customer-no-contact", "AAPD-CUSTOMER-001"),
    ("aap-duplicate-without-lead-id", "AAP02-STATUS-001"),
    ("aap-no-duplicate-detection", "AAP02-DUPLICATE-001"),
    (
        "aap-appointment-error-missing",
        "AAP02-APPT-UNAVAILABLE-001",
    ),
    ("aap-general-anonymous-refused", "AAPD-ANON-001"),
    ("aap-general-message-unbounded", "AAPD-REQ-001"),
    ("aap-general-wrong-response-type", "AAPD-TYPE-001"),
    ("aap-general-duplicate-without-lead-id", "AAPD-STATUS-001"),
    ("aap-general-dealer-phone-local", "AAPD-DEALER-PHONE-001"),
    ("aap-general-lead-id-reused", "AAPD-LEADID-001"),
    ("aap-general-adf-phone-before-email", "AAPD-ADF-001"),
    ("aap-general-no-duplicate-detection", "AAPD-DUPLICATE-001"),
    ("aap-message-limit-off-by-one", "AAP02-ACCEPT-001"),
    ("aap-general-message-limit-off-by-one", "AAPD-ACCEPT-001"),
    ("aap-unknown-condition-accepted", "AAP02-CONDITION-003"),
    ("aap-adf-drops-trade-in", "AAP02-ADF-002"),
    ("aap-dealer-phone-number", "AAP02-DEALER-PHONE-001"),
    ("aap-tradein-year-optional", "AAP02-REQ-001"),
    ("aap-channel-vocabulary-open", "AAP02-REQ-001"),
    ("aap-appointment-status-booked", "AAP02-STATUS-001"),
    ("aap-general-type-optional", "AAPD-REQ-001"),
    (
        "aap-general-consent-without-customer-accepted",
        "AAPD-REQ-001",
    ),
    ("aap-general-first-name-optional", "AAPD-CUSTOMER-001"),
    ("aap-general-duplicate-new-lead-id", "AAPD-LEADID-001"),
    ("aap-last-name-optional", "AAP02-REQ-001"),
    ("aap-general-submitted-at-unchecked", "AAPD-REQ-001"),
    ("aap-general-channel-vocabulary-open", "AAPD-REQ-001"),
];

/// A lead.submit answer as `status/appointment status/code`.
fn appointment_outcome(r: &Value) -> String {
    format!(
        "{}/{}/{}",
        status(r),
        r["data"]["appointment"]["status"].as_str().unwrap_or("-"),
        code(r)
    )
}

/// Send `req` twice; the second answer as `status lead_id=<is a string>`.
async fn resubmitted(env: &Aap, skill: &str, req: &Value) -> String {
    env.send(Via::JsonRpc, skill, req).await;
    let r = env.send(Via::JsonRpc, skill, req).await;
    format!(
        "{} lead_id={}",
        status(&r),
        r["data"]["lead_id"].is_string()
    )
}

/// Submit and describe the outcome as `status/code`.
async fn outcome(env: &Aap, skill: &str, req: &Value) -> String {
    let r = env.send(Via::JsonRpc, skill, req).await;
    format!("{}/{}", status(&r), code(&r))
}

/// Is the ADF valid (xmllint when installed, else the harness's validator)?
fn adf_valid(xml: &str) -> bool {
    match xmllint_adf(xml) {
        Some((valid, _)) => valid,
        None => dealer_tck::observe::adf::validate(xml).is_valid(),
    }
}

/// Observe what `d` claims to break on a server with `active` injected. Returns (observation,
/// what a conforming server shows).
async fn probe(d: Defect, active: Option<Defect>, crm: &Arc<CrmMock>) -> (String, String) {
    use Defect::*;
    let env = Aap::start(active, false, crm.clone()).await;
    let p = Person::new();
    let sub = "lead.submit";
    let gen_ = "lead.general";
    let at = text(confirmable());
    let rejected = |c: &str| format!("rejected/{c}");
    let out = match d {
        AapConsentMissingAccepted => {
            let mut r = p.submit();
            r.as_object_mut().expect("object").remove("consent");
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapScopeNotExact => {
            let mut r = p.submit();
            r["consent"]["scope"] = json!(["lead_submission", "marketing"]);
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapChannelNotChecked => {
            let mut r = p.submit();
            r["customer"]["preferred_contact"] = json!("phone");
            r["consent"]["allowed_channels"] = json!(["email"]);
            (
                outcome(&env, sub, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapConditionAsValidation => {
            let mut voi = crv();
            voi["condition"] = json!("good");
            (
                outcome(&env, sub, &p.submit_vehicle(voi)).await,
                rejected("INVALID_CONDITION"),
            )
        }
        AapTradeinConditionAccepted => {
            let mut r = p.submit();
            r["trade_in"] =
                json!({"year": 2020, "make": "VW", "model": "Passat", "condition": "used"});
            (outcome(&env, sub, &r).await, rejected("INVALID_CONDITION"))
        }
        AapUnknownConditionAccepted => {
            let mut voi = crv();
            voi["condition"] = json!("mint");
            (
                outcome(&env, sub, &p.submit_vehicle(voi)).await,
                rejected("VALIDATION_ERROR"),
            )
        }
        AapVehicleCheckedWithoutTestDrive => (
            outcome(&env, sub, &p.submit_vehicle(json!({"vin": UNKNOWN_VIN}))).await,
            "received/ok".into(),
        ),
        AapUnknownVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_appointment(Some(json!({"vin": UNKNOWN_VIN})), "test_drive", &at),
            )
            .await,
            rejected("VEHICLE_NOT_FOUND"),
        ),
        AapSoldVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_appointment(Some(json!({"vin": SOLD_VIN})), "test_drive", &at),
            )
            .await,
            rejected("VEHICLE_UNAVAILABLE"),
        ),
        AapConfirmedWithoutTime => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(Some(crv()), "test_drive", &at),
                )
                .await;
            let a = &r["data"]["appointment"];
            (
                format!(
                    "{} confirmed_at={}",
                    a["status"],
                    a["confirmed_at"].is_string()
                ),
                "\"confirmed\" confirmed_at=true".into(),
            )
        }
        AapProposedWithoutTimes => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(None, "sales", &text(sunday().0)),
                )
                .await;
            let a = &r["data"]["appointment"];
            let n = a["proposed_times"].as_array().map_or(0, Vec::len);
            (
                format!("{} times={n}", a["status"]),
                "\"proposed\" times=2".into(),
            )
        }
        AapAppointmentAlwaysPresent => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (
                format!("appointment: {}", r["data"].get("appointment").is_some()),
                "appointment: false".into(),
            )
        }
        AapWrongResponseType => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (r["type"].to_string(), "\"lead.submit.response\"".into())
        }
        AapDealerPhoneNumber => {
            let r = env.submit(Via::JsonRpc, &p.submit()).await;
            (
                r["data"]["dealer"]["phone"].to_string(),
                "\"+18015550100\"".into(),
            )
        }
        AapLeadIdReused => {
            let mut ids = std::collections::HashSet::new();
            for via in BOTH {
                for _ in 0..2 {
                    let r = env.submit(via, &Person::new().submit()).await;
                    ids.insert(r["data"]["lead_id"].to_string());
                }
            }
            (
                format!("distinct ids: {}", ids.len()),
                "distinct ids: 4".into(),
            )
        }
        AapAdfPhoneBeforeEmail => {
            let mark = env.crm_mark().await;
            env.submit(Via::JsonRpc, &p.submit()).await;
            let posts = env.crm_since(mark).await;
            let valid = posts.first().is_some_and(|x| adf_valid(&x.body));
            (format!("ADF valid: {valid}"), "ADF valid: true".into())
        }
        AapAdfDropsTradeIn => {
            let mark = env.crm_mark().await;
            let mut r = p.submit();
            r["trade_in"] =
                json!({"year": 2020, "make": "Volkswagen", "model": "Passat", "condition": "good"});
            env.submit(Via::JsonRpc, &r).await;
            let posts = env.crm_since(mark).await;
            let carried = posts.first().is_some_and(|x| x.body.contains("Passat"));
            (
                format!("trade-in in the ADF: {carried}"),
                "trade-in in the ADF: true".into(),
            )
        }
        AapMessageUnbounded => {
            let mut r = p.submit();
            r["message"] = json!("m".repeat(5000));
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapMultiVehicleAccepted => (
            outcome(
                &env,
                sub,
                &p.submit_vehicle(json!([crv(), {"vin": SOLD_VIN}])),
            )
            .await,
            rejected("VALIDATION_ERROR"),
        ),
        AapGeneralNoConsentAccepted => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("consent");
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralScopeNotChecked => {
            let mut r = p.general("q");
            r["consent"]["scope"] = json!(["lead_submission"]);
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralChannelNotChecked => {
            let mut r = p.general("q");
            r["customer"]["preferred_contact"] = json!("sms");
            (
                outcome(&env, gen_, &r).await,
                rejected("CONTACT_CONSENT_REQUIRED"),
            )
        }
        AapGeneralCustomerNoContact => {
            let mut r = p.general("q");
            let c = r["customer"].as_object_mut().expect("object");
            c.remove("email");
            c.remove("phone");
            c.remove("preferred_contact");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapDuplicateWithoutLeadId | AapNoDuplicateDetection => (
            resubmitted(&env, sub, &p.submit()).await,
            "duplicate lead_id=true".into(),
        ),
        AapGeneralDuplicateWithoutLeadId | AapGeneralNoDuplicateDetection => (
            resubmitted(&env, gen_, &p.general("q")).await,
            "duplicate lead_id=true".into(),
        ),
        AapAppointmentErrorMissing => {
            let past = text(Utc::now() - Duration::days(2));
            let r = env
                .submit(Via::JsonRpc, &p.submit_appointment(None, "sales", &past))
                .await;
            (
                appointment_outcome(&r),
                "received/rejected/APPOINTMENT_TIME_UNAVAILABLE".into(),
            )
        }
        AapGeneralAnonymousRefused => {
            let r = json!({"type": "lead.general.request", "message": "Open on Sundays?",
                           "source_agent": "dealer-tck"});
            (outcome(&env, gen_, &r).await, "received/ok".into())
        }
        AapGeneralMessageUnbounded => {
            let r = p.general(&"m".repeat(5000));
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapMessageLimitOffByOne => {
            let mut r = p.submit();
            r["message"] = json!("m".repeat(4000));
            (outcome(&env, sub, &r).await, "received/ok".into())
        }
        AapGeneralMessageLimitOffByOne => {
            let r = p.general(&"m".repeat(4000));
            (outcome(&env, gen_, &r).await, "received/ok".into())
        }
        AapGeneralWrongResponseType => {
            let r = env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            (r["type"].to_string(), "\"lead.general.response\"".into())
        }
        AapGeneralDealerPhoneLocal => {
            let r = env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            (
                r["data"]["dealer"]["phone"].to_string(),
                "\"+18015550100\"".into(),
            )
        }
        AapGeneralLeadIdReused => {
            let mut ids = std::collections::HashSet::new();
            for via in BOTH {
                for _ in 0..2 {
                    let r = env.send(via, gen_, &Person::new().general("q")).await;
                    ids.insert(r["data"]["lead_id"].to_string());
                }
            }
            (
                format!("distinct ids: {}", ids.len()),
                "distinct ids: 4".into(),
            )
        }
        AapGeneralAdfPhoneBeforeEmail => {
            let mark = env.crm_mark().await;
            env.send(Via::JsonRpc, gen_, &p.general("q")).await;
            let posts = env.crm_since(mark).await;
            let valid = posts.first().is_some_and(|x| adf_valid(&x.body));
            (format!("ADF valid: {valid}"), "ADF valid: true".into())
        }
        AapTradeinYearOptional => {
            let mut r = p.submit();
            r["trade_in"] = json!({"make": "Volkswagen", "model": "Passat"});
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapChannelVocabularyOpen => {
            let mut r = p.submit();
            r["consent"]["allowed_channels"] = json!(["email", "fax"]);
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapAppointmentStatusBooked => {
            let r = env
                .submit(
                    Via::JsonRpc,
                    &p.submit_appointment(Some(crv()), "test_drive", &at),
                )
                .await;
            (
                r["data"]["appointment"]["status"].to_string(),
                "\"confirmed\"".into(),
            )
        }
        AapGeneralTypeOptional => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("type");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralConsentWithoutCustomerAccepted => {
            let mut r = p.general("q");
            r.as_object_mut().expect("object").remove("customer");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralFirstNameOptional => {
            let mut r = p.general("q");
            r["customer"]
                .as_object_mut()
                .expect("customer")
                .remove("first_name");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralDuplicateNewLeadId => {
            let r = p.general("the same question twice");
            let a = env.send(Via::JsonRpc, gen_, &r).await;
            let b = env.send(Via::JsonRpc, gen_, &r).await;
            (
                format!(
                    "{} with the same id: {}",
                    status(&b),
                    a["data"]["lead_id"] == b["data"]["lead_id"]
                ),
                "duplicate with the same id: true".into(),
            )
        }
        AapLastNameOptional => {
            let mut r = p.submit();
            r["customer"]
                .as_object_mut()
                .expect("customer")
                .remove("last_name");
            (outcome(&env, sub, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralSubmittedAtUnchecked => {
            let mut r = p.general("q");
            r["submitted_at"] = json!("2026-13-45 25:61");
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        AapGeneralChannelVocabularyOpen => {
            let mut r = p.general("q");
            r["consent"]["allowed_channels"] = json!(["email", "fax"]);
            (outcome(&env, gen_, &r).await, rejected("VALIDATION_ERROR"))
        }
        other => panic!("{other} is not an AAP defect"),
    };
    env.server.stop().await;
    out
}

#[tokio::test]
async fn every_aap_defect_flips_the_behaviour_it_claims() {
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
    let aap: Vec<Defect> = Defect::ALL.iter().copied().filter(|d| d.is_aap()).collect();
    assert_eq!(aap.len(), CONTRACT.len(), "one defect per contract entry");
    let first_aap = Defect::ALL
        .iter()
        .position(|d| d.is_aap())
        .expect("AAP defects");
    assert!(
        Defect::ALL[first_aap..].iter().all(|d| d.is_aap()),
        "the AAP defects come after the DMC-12 ones"
    );
    let mut failures = Vec::new();
    for &d in &aap {
        match CONTRACT.iter().find(|(n, _)| *n == d.name()) {
            Some((_, clause)) if *clause == d.clause() => {}
            other => failures.push(format!("{d}: clause {} vs contract {other:?}", d.clause())),
        }
        assert_eq!(Defect::from_name(d.name()), Some(d));
        let (clean, expected) = probe(d, None, &crm).await;
        let (broken, _) = probe(d, Some(d), &crm).await;
        if clean != expected {
            failures.push(format!(
                "{d}: the clean reference shows {clean:?}, expected {expected:?}"
            ));
        }
        if broken == clean {
            failures.push(format!("{d}: no observable change ({broken:?})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn aap_follows_the_skill_path_and_error_code_key_modes() {
    let crm = Arc::new(CrmMock::start(0, STORE, CRM_TOKEN).await.expect("crm mock"));
    let cfg = ReferenceConfig {
        smtp: "127.0.0.1:9".into(),
        crm_url: Some(crm.url().to_string()),
        crm_token: CRM_TOKEN.into(),
        store_id: STORE.into(),
        skill_path: "skillId".into(),
        error_code_key: "errorCode".into(),
        log: Some(Arc::new(std::sync::Mutex::new(Vec::new()))),
        ..ReferenceConfig::default()
    };
    let server = ReferenceServer::start(cfg).await.expect("reference starts");
    let client = Client::new(server.base_url());
    let auth = format!("Bearer {TOKEN_AGENT_A}");
    let mut req = Person::new().submit();
    req.as_object_mut().expect("object").remove("consent");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {
        "messageId": "m-1", "role": "ROLE_USER",
        "parts": [{"data": req, "mediaType": "application/json"}],
        "metadata": {"skillId": "lead.submit"}}}});
    let r = client
        .post(
            "/a2a/jsonrpc",
            &[
                ("content-type", "application/json"),
                ("a2a-version", "1.0"),
                ("authorization", auth.as_str()),
            ],
            body.to_string().into_bytes(),
        )
        .await;
    let resp = &r.json["result"]["message"]["parts"][0]["data"];
    assert_eq!(resp["type"], "lead.submit.response", "{}", r.text);
    assert_eq!(
        resp["error"]["errorCode"], "CONTACT_CONSENT_REQUIRED",
        "{resp}"
    );
    assert!(resp["error"].get("code").is_none(), "{resp}");
    server.stop().await;
}
