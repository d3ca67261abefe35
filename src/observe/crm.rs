//! [`CrmMock`]: the DriveCentric mock per BINDINGS.md §4 — this contract is dealer-tck's own,
//! DriveCentric has no public API. It answers `POST /api/stores/{store_id}/leads/adf` with
//! `201 {"leadId","status":"accepted"}` (a fresh leadId per request) or a fault, and records
//! every request (in a [`Spool`], read back when asked for).
//!
//! The mock never rejects a missing or wrong bearer token or content type: it records headers and
//! body so the harness can judge them ([`CrmMock::token`] is the token it was told to expect).
//! Every request — lead posts, other paths (answered 404), requests answered with a fault — is
//! logged once, in arrival order, together with the leadId it was answered with.
//! [`CrmMock::mark`] and [`CrmMock::since`], asked after every call, read the log by index.
//!
//! It is a plain hyper HTTP/1.1 server on a thread and runtime of its own (it keeps answering
//! while a caller's runtime is blocked), not a wiremock server: wiremock keeps a clone of every
//! request a mock matched whatever its recording setting, and each clone pins the connection's
//! read buffer (95 MB at 9,500 hand-offs, heaptrack). The mode is shared state read per
//! request, so switching it leaves no gap in which a request goes unanswered or unlogged.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::spool::{Span, Spool};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};

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

/// The largest request body the mock reads; a longer one is logged empty and answered 413.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What the spool holds of a request besides its body: one JSON line before the body bytes.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    lead_id: Option<String>,
}

/// The body of a spooled request record: what follows its head's line (serde_json escapes
/// every newline inside the head, so the first one ends it).
fn body_of(record: &[u8]) -> &[u8] {
    match record.iter().position(|&b| b == b'\n') {
        Some(end) => &record[end + 1..],
        None => &[],
    }
}

/// State shared by the mock handle and its server thread.
struct CrmState {
    /// Exact request path of lead posts, as a client's URL encodes it.
    lead_path: String,
    mode: Mutex<CrmMode>,
    leads: AtomicUsize,
    /// Where every logged request's record lies in `spool`, in arrival order.
    log: Mutex<Vec<Span>>,
    spool: Spool,
}

impl CrmState {
    fn record(&self, parts: &hyper::http::request::Parts, body: &[u8], lead_id: Option<String>) {
        let head = Head {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            lead_id,
        };
        let mut record = serde_json::to_vec(&head).unwrap_or_default();
        record.push(b'\n');
        record.extend_from_slice(body);
        let mut log = lock(&self.log);
        log.push(self.spool.append(&record));
    }

    /// Request `seq` as logged: its record read back from the spool.
    fn request(&self, seq: usize, span: Span) -> CrmRequest {
        let record = self.spool.read(span);
        let body = body_of(&record);
        let head = &record[..record.len() - body.len()];
        let head: Head = serde_json::from_slice(head).unwrap_or_default();
        CrmRequest {
            seq,
            method: head.method,
            path: head.path,
            headers: head.headers,
            body: String::from_utf8_lossy(body).into_owned(),
            lead_id: head.lead_id,
        }
    }

    /// Visit requests `from..`, read back one at a time (the spans are copied out first: the
    /// mock keeps logging while they are read).
    fn each_from(&self, from: usize, mut visit: impl FnMut(CrmRequest)) {
        let spans: Vec<Span> = lock(&self.log).get(from..).unwrap_or_default().to_vec();
        for (i, span) in spans.into_iter().enumerate() {
            visit(self.request(from + i, span));
        }
    }

    /// Requests `from..`, read back.
    fn requests_from(&self, from: usize) -> Vec<CrmRequest> {
        let mut out = Vec::new();
        self.each_from(from, |r| out.push(r));
        out
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

/// A JSON answer.
fn json(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Log one request and answer it as the mode says. An `Err` makes hyper drop the connection
/// without writing a response byte (the reset fault).
async fn answer(
    state: Arc<CrmState>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            state.record(&parts, b"", None);
            return Ok(json(
                StatusCode::PAYLOAD_TOO_LARGE,
                serde_json::json!({"error": "too_large", "message": "body over 16 MiB"}),
            ));
        }
    };
    if parts.method != Method::POST || parts.uri.path() != state.lead_path {
        state.record(&parts, &body, None);
        return Ok(json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not_found", "path": parts.uri.path()}),
        ));
    }
    let mode = *lock(&state.mode);
    match mode {
        CrmMode::Created | CrmMode::Slow(_) => {
            let lead_id = state.next_lead_id();
            let created = serde_json::json!({"leadId": lead_id, "status": "accepted"});
            state.record(&parts, &body, Some(lead_id));
            if let CrmMode::Slow(delay) = mode {
                tokio::time::sleep(delay).await;
            }
            Ok(json(StatusCode::CREATED, created))
        }
        CrmMode::Status500 => {
            state.record(&parts, &body, None);
            Ok(json(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({"error": "internal_error", "message": "fault mode 500"}),
            ))
        }
        CrmMode::Status503 => {
            state.record(&parts, &body, None);
            Ok(json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "service_unavailable", "message": "fault mode 503"}),
            ))
        }
        CrmMode::Reset => {
            state.record(&parts, &body, None);
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "dealer-tck CRM mock: connection reset (fault mode)",
            ))
        }
    }
}

/// Accept connections until `stop` fires (or its sender is dropped), each served on a task.
async fn serve(
    listener: TcpListener,
    state: Arc<CrmState>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request| answer(Arc::clone(&state), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
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
    /// Serves while held; dropping it stops the server thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl CrmMock {
    /// Start on a loopback port (0 = any) with the store id and bearer token it expects.
    ///
    /// The server runs on a thread of its own, so it keeps answering while the caller's
    /// runtime is blocked.
    pub async fn start(port: u16, store_id: &str, token: &str) -> std::io::Result<CrmMock> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(CrmState {
            lead_path: lead_path_for(store_id)?,
            mode: Mutex::new(CrmMode::Created),
            leads: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            spool: Spool::new(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = Arc::clone(&state);
        std::thread::Builder::new()
            .name("dealer-tck-crm".into())
            .spawn(move || runtime.block_on(serve(listener, served, stopped)))?;
        Ok(CrmMock {
            url: format!("http://{addr}"),
            addr,
            store_id: store_id.to_string(),
            token: token.to_string(),
            state,
            _stop: stop,
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
        self.state.requests_from(0)
    }

    /// Visit every request logged so far, in order, read back one at a time (the end-of-run
    /// scans read thousands).
    pub fn each_request(&self, visit: impl FnMut(CrmRequest)) {
        self.state.each_from(0, visit);
    }

    /// Visit the body of every request logged so far, in order, read back one at a time.
    pub fn each_body(&self, mut visit: impl FnMut(&[u8])) {
        let spans: Vec<Span> = lock(&self.state.log).clone();
        for span in spans {
            let record = self.state.spool.read(span);
            visit(body_of(&record));
        }
    }

    /// Why the logged requests could not all be read back, if they could not (see
    /// [`Spool::error`]): a scan of them is then incomplete.
    pub fn spool_error(&self) -> Option<String> {
        self.state.spool.error()
    }

    /// Number of requests the responders logged so far (a mark for [`CrmMock::since`]). Read
    /// from the log alone, by index: a run asks after every call, so copying every request
    /// seen (as [`CrmMock::requests`] does) would make the run quadratic in its cases.
    pub async fn mark(&self) -> usize {
        lock(&self.state.log).len()
    }

    /// Requests the responders logged after `mark`, by index.
    pub async fn since(&self, mark: usize) -> Vec<CrmRequest> {
        self.state.requests_from(mark)
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
