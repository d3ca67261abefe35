//! [`CrmMock`]: the DriveCentric mock (a wiremock server) per BINDINGS.md §4 — this contract
//! is dealer-tck's own, DriveCentric has no public API. It answers
//! `POST /api/stores/{store_id}/leads/adf` with `201 {"leadId","status":"accepted"}` (a fresh
//! leadId per request) or a fault, and records every request.
//!
//! The mock never rejects a missing or wrong bearer token or content type: it records headers and
//! body so the harness can judge them ([`CrmMock::token`] is the token it was told to expect).
//! Every request — lead posts, other paths (answered 404), requests answered with a fault — is
//! logged by the mock's own responders, in arrival order, together with the leadId it was
//! answered with; wiremock's own request record is off (every request reaches a responder, the
//! catch-all included). [`CrmMock::mark`] and [`CrmMock::since`], asked after every call, read
//! the log by index.
//!
//! Mode switches do not re-mount mocks: three mocks are mounted once at start (the reset
//! responder, the lead responder, a catch-all 404 recorder) and the mode lives in shared state.
//! `MockServer::reset()` would leave a gap between reset and re-mount in which a request would
//! get an unrecorded 404.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// How the mock answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrmMode {
    /// 201 with a fresh leadId.
    Created,
    /// 500.
    Status500,
    /// 503.
    Status503,
    /// 201, but only after this delay (longer than the server's CRM timeout).
    Slow(#[serde(skip)] Duration),
    /// The connection is reset without an answer.
    Reset,
}

impl CrmMode {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            CrmMode::Created => "201",
            CrmMode::Status500 => "500",
            CrmMode::Status503 => "503",
            CrmMode::Slow(_) => "slow",
            CrmMode::Reset => "reset",
        }
    }
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct CrmRequest {
    /// Sequence number (0-based).
    pub seq: usize,
    /// HTTP method.
    pub method: String,
    /// Path (no query).
    pub path: String,
    /// Headers, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8).
    pub body: String,
    /// The leadId the mock answered with (Created/Slow modes), if any.
    pub lead_id: Option<String>,
}

impl CrmRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer <token>` header, if there is one.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Lock a mutex, ignoring poisoning (every critical section is a plain read/push).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by the mock handle and its responders.
struct CrmState {
    /// Exact request path of lead posts, as a client's URL encodes it.
    lead_path: String,
    mode: Mutex<CrmMode>,
    /// The mode decided for the lead post being handled (set by [`ResetGate`], which wiremock
    /// evaluates first, under its own lock, for every request).
    decided: Mutex<CrmMode>,
    leads: AtomicUsize,
    log: Mutex<Vec<CrmRequest>>,
}

impl CrmState {
    fn is_lead_post(&self, request: &Request) -> bool {
        request.method.as_str() == "POST" && request.url.path() == self.lead_path
    }

    fn record(&self, request: &Request, lead_id: Option<String>) {
        let mut log = lock(&self.log);
        let seq = log.len();
        log.push(to_crm_request(seq, request, lead_id));
    }

    fn next_lead_id(&self) -> String {
        let n = self.leads.fetch_add(1, Ordering::SeqCst) + 1;
        let random = uuid::Uuid::new_v4().simple().to_string();
        format!(
            "dc-lead-{n}-{}",
            random.chars().take(12).collect::<String>()
        )
    }
}

fn to_crm_request(seq: usize, request: &Request, lead_id: Option<String>) -> CrmRequest {
    CrmRequest {
        seq,
        method: request.method.as_str().to_string(),
        path: request.url.path().to_string(),
        headers: request
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
        lead_id,
    }
}

/// Matches lead posts while the mode is [`CrmMode::Reset`]; decides the mode for every lead post.
struct ResetGate(Arc<CrmState>);

impl Match for ResetGate {
    fn matches(&self, request: &Request) -> bool {
        if !self.0.is_lead_post(request) {
            return false;
        }
        let mode = *lock(&self.0.mode);
        *lock(&self.0.decided) = mode;
        mode == CrmMode::Reset
    }
}

/// The answer of the reset mock: record the lead post, then fail the request, which makes
/// wiremock's hyper connection drop without writing any response. (wiremock's `RespondErr` trait
/// is private; its public entry is this closure form of `respond_with_err`.)
fn reset_responder(state: Arc<CrmState>) -> impl Fn(&Request) -> std::io::Error + Send + Sync {
    move |request: &Request| {
        state.record(request, None);
        std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dealer-tck CRM mock: connection reset (fault mode)",
        )
    }
}

/// Matches lead posts.
struct LeadPost(Arc<CrmState>);

impl Match for LeadPost {
    fn matches(&self, request: &Request) -> bool {
        self.0.is_lead_post(request)
    }
}

/// Answers lead posts according to the decided mode, with a fresh leadId for each 201.
struct LeadResponder(Arc<CrmState>);

impl Respond for LeadResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mode = *lock(&self.0.decided);
        match mode {
            CrmMode::Created | CrmMode::Slow(_) => {
                let lead_id = self.0.next_lead_id();
                let body = serde_json::json!({"leadId": lead_id, "status": "accepted"});
                self.0.record(request, Some(lead_id));
                let created = ResponseTemplate::new(201).set_body_json(body);
                match mode {
                    CrmMode::Slow(delay) => created.set_delay(delay),
                    _ => created,
                }
            }
            CrmMode::Status500 => {
                self.0.record(request, None);
                ResponseTemplate::new(500).set_body_json(
                    serde_json::json!({"error": "internal_error", "message": "fault mode 500"}),
                )
            }
            // Reset is answered by the reset mock; reaching here means the gate was bypassed,
            // which cannot happen while wiremock evaluates mocks by priority. Answer 503 rather
            // than a 201 the harness did not ask for.
            CrmMode::Status503 | CrmMode::Reset => {
                self.0.record(request, None);
                ResponseTemplate::new(503).set_body_json(
                    serde_json::json!({"error": "service_unavailable", "message": "fault mode 503"}),
                )
            }
        }
    }
}

/// Records and answers 404 to anything that is not a lead post.
struct NotFound(Arc<CrmState>);

impl Respond for NotFound {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.record(request, None);
        ResponseTemplate::new(404)
            .set_body_json(serde_json::json!({"error": "not_found", "path": request.url.path()}))
    }
}

/// The request path of lead posts for `store_id`, encoded as in a request URL.
fn lead_path_for(store_id: &str) -> std::io::Result<String> {
    let mut url = reqwest::Url::parse("http://127.0.0.1/")
        .map_err(|e| std::io::Error::other(format!("base url: {e}")))?;
    url.set_path(&format!("/api/stores/{store_id}/leads/adf"));
    Ok(url.path().to_string())
}

/// The DriveCentric mock.
pub struct CrmMock {
    url: String,
    addr: SocketAddr,
    store_id: String,
    token: String,
    state: Arc<CrmState>,
    /// Serves while held; dropping it stops the mock.
    _server: MockServer,
}

impl CrmMock {
    /// Start on a loopback port (0 = any) with the store id and bearer token it expects.
    ///
    /// The server runs on wiremock's own thread, so it keeps answering while the caller's
    /// runtime is blocked; the `async` API needs a tokio runtime.
    pub async fn start(port: u16, store_id: &str, token: &str) -> std::io::Result<CrmMock> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(CrmState {
            lead_path: lead_path_for(store_id)?,
            mode: Mutex::new(CrmMode::Created),
            decided: Mutex::new(CrmMode::Created),
            leads: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
        });
        // wiremock's own record of every request is off: the responders log every request
        // (the catch-all included), and a second full copy of each grew with the run.
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Mock::given(ResetGate(Arc::clone(&state)))
            .respond_with_err(reset_responder(Arc::clone(&state)))
            .with_priority(1)
            .named("crm-lead-reset")
            .mount(&server)
            .await;
        Mock::given(LeadPost(Arc::clone(&state)))
            .respond_with(LeadResponder(Arc::clone(&state)))
            .with_priority(2)
            .named("crm-lead")
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(NotFound(Arc::clone(&state)))
            .with_priority(3)
            .named("crm-not-found")
            .mount(&server)
            .await;
        Ok(CrmMock {
            url: format!("http://{addr}"),
            addr,
            store_id: store_id.to_string(),
            token: token.to_string(),
            state,
            _server: server,
        })
    }

    /// Base URL (`http://127.0.0.1:PORT`) to configure as the server's CRM URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The socket address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The store id of the lead path.
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// The bearer token a server under test must send (recorded, never enforced by the mock).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The full lead URL: `<url>/api/stores/{store_id}/leads/adf`.
    pub fn lead_url(&self) -> String {
        format!("{}{}", self.url, self.state.lead_path)
    }

    /// The current answer mode.
    pub fn mode(&self) -> CrmMode {
        *lock(&self.state.mode)
    }

    /// Switch the answer mode (takes effect for the next request the mock handles).
    pub async fn set_mode(&self, mode: CrmMode) {
        *lock(&self.state.mode) = mode;
    }

    /// Every request received so far, in order.
    pub async fn requests(&self) -> Vec<CrmRequest> {
        lock(&self.state.log).clone()
    }

    /// Visit every request logged so far, in order, without copying them (the end-of-run
    /// scans read thousands).
    pub fn each_request(&self, mut visit: impl FnMut(&CrmRequest)) {
        lock(&self.state.log).iter().for_each(&mut visit);
    }

    /// Number of requests the responders logged so far (a mark for [`CrmMock::since`]). Read
    /// from the log alone, by index: a run asks after every call, so copying every request
    /// seen (as [`CrmMock::requests`] does) would make the run quadratic in its cases.
    pub async fn mark(&self) -> usize {
        lock(&self.state.log).len()
    }

    /// Requests the responders logged after `mark`, by index.
    pub async fn since(&self, mark: usize) -> Vec<CrmRequest> {
        lock(&self.state.log)
            .get(mark..)
            .map(<[CrmRequest]>::to_vec)
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for CrmMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrmMock")
            .field("url", &self.url)
            .field("store_id", &self.store_id)
            .field("mode", &self.mode())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_with(headers: Vec<(&str, &str)>) -> CrmRequest {
        CrmRequest {
            seq: 0,
            method: "POST".into(),
            path: "/".into(),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: String::new(),
            lead_id: None,
        }
    }

    #[test]
    fn bearer_is_extracted_case_insensitively() {
        let r = request_with(vec![("authorization", "bearer  tok-1 ")]);
        assert_eq!(r.bearer(), Some("tok-1"));
        assert_eq!(r.header("Authorization"), Some("bearer  tok-1 "));
        assert_eq!(
            request_with(vec![("authorization", "Basic abc")]).bearer(),
            None
        );
        assert_eq!(
            request_with(vec![("authorization", "Bearer ")]).bearer(),
            None
        );
        assert_eq!(request_with(vec![]).bearer(), None);
    }

    #[test]
    fn lead_path_is_encoded_like_a_request_url() {
        assert_eq!(
            lead_path_for("store-42").ok().as_deref(),
            Some("/api/stores/store-42/leads/adf")
        );
        assert_eq!(
            lead_path_for("a b").ok().as_deref(),
            Some("/api/stores/a%20b/leads/adf")
        );
    }
}
