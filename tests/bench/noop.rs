//! `cargo bench --bench noop`: the cases per second the harness sustains against a server that
//! answers at once, so that the run is bounded by the harness alone.
//!
//! The no-op dealer is an A2A 1.0 JSON-RPC endpoint on loopback that keeps no state and sends
//! nothing: its agent card lists the four DMC-12 skills on one interface, the inventory is a
//! fixed list, every reservation gets a fresh token that expires when it asked, a release
//! succeeds, and every hand-off is answered with a receipt at once (no mail, no CRM lead: the
//! run is NOT CONFORMANT, which is not what is measured). `dealer-tck run --target` runs as a
//! child process at each `--cases` size (`TCK_NOOP_SIZES`, default `50 200 500`), and its
//! wall time, its own CPU time (from `wait4`, the no-op server excluded) and its peak RSS are
//! printed with cases/s and CPU per case. The numbers go in the README; nothing is asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

const VINS: [&str; 8] = [
    "4S4BTGAC5S3210401",
    "4S4BTGND6S3210877",
    "4S4BTGPD8S3211302",
    "JF2SLDGC3SH401118",
    "JF2SLDAC6SH401560",
    "JF2GUHDC6SH305224",
    "JF2GUHRC2SH305990",
    "JF2GTACC4K8200000",
];

const SKILLS: [&str; 4] = [
    "search_inventory",
    "create_reservation",
    "release_reservation",
    "initiate_deal_handoff",
];

struct Noop {
    base: String,
    reservations: AtomicU64,
}

async fn card(State(noop): State<Arc<Noop>>) -> Json<Value> {
    let skills: Vec<Value> = SKILLS
        .iter()
        .map(|id| {
            json!({"id": id, "name": id, "description": id, "tags": ["noop"],
                         "inputModes": ["application/json"], "outputModes": ["application/json"]})
        })
        .collect();
    Json(json!({
        "name": "no-op dealer", "description": "answers at once, does nothing", "version": "1",
        "capabilities": {"streaming": false, "pushNotifications": false},
        "defaultInputModes": ["application/json"], "defaultOutputModes": ["application/json"],
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}},
        "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
        "skills": skills,
        "supportedInterfaces": [{"protocolBinding": "JSONRPC", "protocolVersion": "1.0",
                                 "url": format!("{}/a2a/jsonrpc", noop.base)}],
    }))
}

fn stamp(seconds_ahead: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds_ahead))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

async fn rpc(State(noop): State<Arc<Noop>>, Json(req): Json<Value>) -> Json<Value> {
    let skill = req
        .pointer("/params/message/metadata/skill")
        .and_then(Value::as_str)
        .unwrap_or("");
    let args = req
        .pointer("/params/message/parts/0/data")
        .cloned()
        .unwrap_or(Value::Null);
    let data = match skill {
        "search_inventory" => json!({"data": {"vehicles": VINS.iter().map(|v| json!({
            "vin": v, "year": 2025, "make": "Subaru", "model": "Outback", "status": "available"
        })).collect::<Vec<_>>()}}),
        "create_reservation" => {
            let n = noop.reservations.fetch_add(1, Ordering::Relaxed);
            let hold = args
                .get("hold_seconds")
                .and_then(Value::as_i64)
                .unwrap_or(900);
            json!({"data": {"reservation_token": format!("rsv_noop{n:024}"),
                            "vin": args.get("vin").cloned().unwrap_or(Value::Null),
                            "hold_seconds": hold, "expires_at": stamp(hold), "status": "active"}})
        }
        "release_reservation" => json!({"data": {"status": "released"}}),
        "initiate_deal_handoff" => json!({"data": {
            "status": "sent", "sent_at": stamp(0), "sent_to_masked": ["sa****@example.com"],
            "crm_status": "skipped", "next_steps": "A sales manager will call."
        }}),
        _ => {
            return Json(json!({"jsonrpc": "2.0", "id": req.get("id"),
                               "error": {"code": -32601, "message": "method not found"}}));
        }
    };
    Json(
        json!({"jsonrpc": "2.0", "id": req.get("id"), "result": {"message": {
            "messageId": uuid::Uuid::new_v4().to_string(), "role": "ROLE_AGENT",
            "parts": [{"data": data, "mediaType": "application/json"}]
        }}}),
    )
}

#[path = "child.rs"]
mod child;

/// Run the harness binary with `args`: (exit code, wall s, user + system CPU s, peak RSS MiB,
/// stdout).
fn harness(args: &[&str]) -> (i32, f64, f64, f64, String) {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let done = child::run_child(args, Some(out.reopen().expect("reopen")));
    (
        done.code,
        done.wall,
        done.cpu,
        done.peak_rss_mib,
        std::fs::read_to_string(out.path()).unwrap_or_default(),
    )
}

fn main() {
    let sizes: Vec<String> = std::env::var("TCK_NOOP_SIZES")
        .unwrap_or_else(|_| "50 200 500".into())
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let noop = Arc::new(Noop {
        base: base.clone(),
        reservations: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/.well-known/agent-card.json", get(card))
        .route("/a2a/jsonrpc", post(rpc))
        .with_state(noop);
    rt.spawn(async move { axum::serve(listener, app).await });
    println!("no-op dealer at {base}; harness: dealer-tck run --target (A2A JSON-RPC only)");
    println!(
        "| --cases | cases sent | exchanges | wall | harness CPU | ms CPU per case | cases/s | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // Where the harness's SMTP sink and CRM mock listen (nothing is ever sent to them).
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port().to_string())
            .expect("a free port")
    };
    for n in &sizes {
        let (smtp, crm) = (free_port(), free_port());
        // No argument holds a space: the command line is one string.
        let line = format!(
            "run --target {base} --smtp-port {smtp} --crm-port {crm} --cases {n} --json --timeout 5"
        );
        let args: Vec<&str> = line.split(' ').collect();
        let (code, wall, cpu, rss, stdout) = harness(&args);
        let stats = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|r| r.get("stats").cloned());
        let Some(stats) = stats else {
            println!("| {n} | – | – | {wall:.1} s | – | – | – | exit {code}, no report |");
            continue;
        };
        let cases = stats["cases"].as_f64().unwrap_or(0.0);
        println!(
            "| {n} | {cases} | {} | {wall:.1} s | {cpu:.1} s | {:.2} | {:.0} | {rss:.0} MiB |",
            stats["exchanges"],
            cpu * 1000.0 / cases.max(1.0),
            cases / wall,
        );
    }
}
