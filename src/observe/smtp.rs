//! [`SmtpSink`]: a real SMTP receiver on loopback that captures the envelope and the parsed
//! MIME message of every mail, and can be switched into fault modes.
//!
//! Layout: a plain `std::net` accept loop on the address handed to servers under test; each
//! accepted connection gets a thread that runs mailin's SMTP state machine ([`mailin::Session`],
//! the engine of mailin-embedded) on it line by line. [`SmtpFault::Down`] stops the accept loop
//! and drops its socket, so a connect to the very same port is refused, and closes every open
//! session (a client that keeps its connections between mails finds them gone); leaving `Down`
//! binds the same port again. Everything works whether or not the caller runs inside a tokio
//! runtime: only plain std threads are used. (mailin-embedded's own server cannot be stopped, so the
//! sink once put it behind a forwarding proxy: two more thread hops for every SMTP command,
//! 0.9 ms of every hand-off's critical path.)
//!
//! The SMTP fault modes are answered by the session handler, per command, so they take effect
//! for every command issued after [`SmtpSink::set_fault`] returns: 550 at `RCPT TO`, 451 at
//! `DATA`, 421 at the end of data (which also closes the connection). A handler error is never
//! returned from `data_end` otherwise (mailin then leaves the session in DATA and the client
//! waits for its whole timeout). A mail is stored, and waiters woken, *before* its 250 is sent,
//! so a client that got 250 always finds its mail in [`SmtpSink::mails`].

use std::io;
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::spool::{Span, Spool};
use mailin::{Action, Handler, Response, SessionBuilder, response};

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpFault {
    /// Accept everything (250).
    None,
    /// 550 at RCPT TO.
    Rcpt550,
    /// 451 at DATA.
    Data451,
    /// 421 at end of data (closes the connection).
    DataEnd421,
    /// Connection refused: nothing listens on the port.
    Down,
}

impl SmtpFault {
    /// The fault modes, for scenarios.
    pub const FAULTS: [SmtpFault; 4] = [
        SmtpFault::Rcpt550,
        SmtpFault::Data451,
        SmtpFault::DataEnd421,
        SmtpFault::Down,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            SmtpFault::None => "none",
            SmtpFault::Rcpt550 => "550-at-rcpt",
            SmtpFault::Data451 => "451-at-data",
            SmtpFault::DataEnd421 => "421-at-end-of-data",
            SmtpFault::Down => "down",
        }
    }
}

/// One mail as the sink received it (only mails whose DATA completed with 250).
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// Sequence number within the sink (0-based, in order of completion).
    pub seq: usize,
    /// MAIL FROM address.
    pub mail_from: String,
    /// RCPT TO addresses, in order.
    pub rcpt_to: Vec<String>,
    /// The raw message bytes (headers + body, dot-unstuffed).
    pub raw: Vec<u8>,
    /// Decoded Subject header.
    pub subject: String,
    /// Decoded text of every text/* part, concatenated (quoted-printable/base64 decoded).
    pub text: String,
}

/// Largest message the sink keeps (bytes). A longer DATA is answered with 421 and not captured.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// How long a session waits for the client's next line before it is closed.
const SESSION_IDLE: Duration = Duration::from_secs(5 * 60);

/// The longest line a session reads (SMTP allows 1,000 bytes; a longer one ends the session
/// instead of growing a buffer for a client that never sends a newline).
const MAX_LINE: u64 = 1 << 20;

/// How long [`SmtpSink::set_fault`] tries to bind the front port again when leaving `Down`.
const REBIND_ATTEMPTS: u32 = 20;
const REBIND_PAUSE: Duration = Duration::from_millis(25);

/// Lock a mutex, ignoring poisoning (the protected data stays consistent: every critical
/// section here is a plain push/read).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by the sink, the front accept loop and every session handler.
struct Shared {
    fault: Mutex<SmtpFault>,
    /// Every captured mail's envelope, in order; its bytes are in `spool`.
    mails: Mutex<Vec<Held>>,
    spool: Spool,
    mail_added: Condvar,
    connections: AtomicUsize,
    /// The open sessions' sockets, by connection number: closed when the sink goes down (a
    /// client that keeps connections open between mails must find them gone) or is dropped.
    sessions: Mutex<std::collections::HashMap<usize, TcpStream>>,
}

impl Shared {
    fn fault(&self) -> SmtpFault {
        *lock(&self.fault)
    }

    /// Close every open session.
    fn close_sessions(&self) {
        for (_, s) in lock(&self.sessions).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// A captured mail as the sink holds it: the envelope, and where its bytes lie in the spool.
#[derive(Clone)]
struct Held {
    mail_from: String,
    rcpt_to: Vec<String>,
    raw: Span,
}

impl Shared {
    /// Mail `seq` as a [`CapturedMail`]: its bytes read back and its text decoded.
    fn captured(&self, seq: usize, held: &Held) -> CapturedMail {
        let raw = self.spool.read(held.raw);
        let (subject, text) = parse_message(&raw);
        CapturedMail {
            seq,
            mail_from: held.mail_from.clone(),
            rcpt_to: held.rcpt_to.clone(),
            raw,
            subject,
            text,
        }
    }

    /// Mails `from..` as [`CapturedMail`]s.
    fn captured_from(&self, from: usize) -> Vec<CapturedMail> {
        // Copied out first: the sink keeps capturing while they are read and decoded.
        let held: Vec<Held> = lock(&self.mails).get(from..).unwrap_or_default().to_vec();
        held.iter()
            .enumerate()
            .map(|(i, held)| self.captured(from + i, held))
            .collect()
    }
}

/// The per-connection mailin handler (cloned by mailin for every session).
#[derive(Clone)]
struct SinkHandler {
    shared: Arc<Shared>,
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
    oversized: bool,
}

impl SinkHandler {
    fn new(shared: Arc<Shared>) -> SinkHandler {
        SinkHandler {
            shared,
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data: Vec::new(),
            oversized: false,
        }
    }

    fn clear_transaction(&mut self) {
        self.mail_from.clear();
        self.rcpt_to.clear();
        self.data = Vec::new();
        self.oversized = false;
    }
}

impl Handler for SinkHandler {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, from: &str) -> Response {
        self.clear_transaction();
        self.mail_from = from.to_string();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if self.shared.fault() == SmtpFault::Rcpt550 {
            return Response::custom(550, "5.1.1 Mailbox unavailable (dealer-tck fault)".into());
        }
        self.rcpt_to.push(to.to_string());
        response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        if self.shared.fault() == SmtpFault::Data451 {
            return Response::custom(
                451,
                "4.3.0 Requested action aborted: local error (dealer-tck fault)".into(),
            );
        }
        // mailin's own envelope is authoritative (it only lists the accepted recipients).
        self.mail_from = from.to_string();
        self.rcpt_to = to.to_vec();
        self.data = Vec::new();
        self.oversized = false;
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        // Never fail here: an error makes mailin answer 554 per line while the client streams.
        if self.data.len() + buf.len() > MAX_MESSAGE_BYTES {
            self.oversized = true;
        } else {
            self.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = std::mem::take(&mut self.data);
        if self.shared.fault() == SmtpFault::DataEnd421 {
            self.clear_transaction();
            return Response::custom(
                421,
                "4.3.0 Service not available, closing transmission channel (dealer-tck fault)"
                    .into(),
            );
        }
        if self.oversized {
            self.clear_transaction();
            // 421 closes the session; any other error code would leave mailin stuck in DATA.
            return Response::custom(421, "4.3.4 Message too big for the sink, closing".into());
        }
        {
            let mut mails = lock(&self.shared.mails);
            let raw = self.shared.spool.append(&raw);
            mails.push(Held {
                mail_from: std::mem::take(&mut self.mail_from),
                rcpt_to: std::mem::take(&mut self.rcpt_to),
                raw,
            });
        }
        self.shared.mail_added.notify_all();
        self.clear_transaction();
        response::OK
    }
}

/// Decode the Subject and the text of every `text/*` part of a message. A message that is not
/// parseable MIME still yields something: an empty subject and its bytes as lossy UTF-8.
pub fn parse_message(raw: &[u8]) -> (String, String) {
    match mailparse::parse_mail(raw) {
        Ok(parsed) => {
            use mailparse::MailHeaderMap;
            let subject = parsed
                .headers
                .get_first_value("Subject")
                .unwrap_or_default();
            let mut texts = Vec::new();
            collect_text(&parsed, &mut texts);
            (subject, texts.join("\n"))
        }
        Err(_) => (String::new(), String::from_utf8_lossy(raw).into_owned()),
    }
}

/// Walk the MIME tree depth-first and collect the decoded body of every leaf `text/*` part.
fn collect_text(part: &mailparse::ParsedMail<'_>, out: &mut Vec<String>) {
    if part.subparts.is_empty() {
        if part
            .ctype
            .mimetype
            .to_ascii_lowercase()
            .starts_with("text/")
        {
            match part.get_body() {
                Ok(body) => out.push(body),
                // Undecodable transfer encoding: keep the body as sent rather than lose it.
                Err(_) => out.push(String::from_utf8_lossy(encoded_body(part)).into_owned()),
            }
        }
    } else {
        for sub in &part.subparts {
            collect_text(sub, out);
        }
    }
}

/// The body bytes of a part as they were transmitted (before transfer decoding).
fn encoded_body<'a>(part: &'a mailparse::ParsedMail<'a>) -> &'a [u8] {
    match part.get_body_encoded() {
        mailparse::body::Body::Base64(b) | mailparse::body::Body::QuotedPrintable(b) => b.get_raw(),
        mailparse::body::Body::SevenBit(b) | mailparse::body::Body::EightBit(b) => b.get_raw(),
        mailparse::body::Body::Binary(b) => b.get_raw(),
    }
}

/// A running front accept loop.
struct Front {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The SMTP sink. Starts on `127.0.0.1:0`; lives until dropped (dropping it stops the accept
/// loop and releases the port).
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    front: Mutex<Option<Front>>,
}

impl SmtpSink {
    /// Start the sink on a loopback port (0 = any free port).
    pub fn start(port: u16) -> std::io::Result<SmtpSink> {
        let shared = Arc::new(Shared {
            fault: Mutex::new(SmtpFault::None),
            mails: Mutex::new(Vec::new()),
            spool: Spool::new(),
            mail_added: Condvar::new(),
            connections: AtomicUsize::new(0),
            sessions: Mutex::new(std::collections::HashMap::new()),
        });

        let front_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = front_listener.local_addr()?;
        let front = spawn_front(front_listener, Arc::clone(&shared))?;
        Ok(SmtpSink {
            addr,
            shared,
            front: Mutex::new(Some(front)),
        })
    }

    /// The address servers under test should send to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switch the fault mode (takes effect for new connections/commands).
    ///
    /// Entering [`SmtpFault::Down`] returns only once the port refuses connections; leaving it
    /// returns once the same port accepts again. A failure to re-bind is logged; use
    /// [`SmtpSink::try_set_fault`] to see it.
    pub fn set_fault(&self, fault: SmtpFault) {
        if let Err(e) = self.try_set_fault(fault) {
            tracing::error!(
                "smtp sink: switching to {} on {} failed: {e}",
                fault.name(),
                self.addr
            );
        }
    }

    /// [`SmtpSink::set_fault`], reporting whether the front listener could be stopped or
    /// re-bound on the same port. On error the fault mode is still recorded.
    pub fn try_set_fault(&self, fault: SmtpFault) -> io::Result<()> {
        let mut front = lock(&self.front);
        *lock(&self.shared.fault) = fault;
        if fault == SmtpFault::Down {
            let stopped = match front.take() {
                Some(running) => stop_front(running, self.addr),
                None => Ok(()),
            };
            self.shared.close_sessions();
            stopped
        } else if front.is_none() {
            let listener = rebind(self.addr)?;
            *front = Some(spawn_front(listener, Arc::clone(&self.shared))?);
            Ok(())
        } else {
            Ok(())
        }
    }

    /// The current fault mode.
    pub fn fault(&self) -> SmtpFault {
        self.shared.fault()
    }

    /// Every mail captured so far.
    pub fn mails(&self) -> Vec<CapturedMail> {
        self.shared.captured_from(0)
    }

    /// Visit the raw bytes of every mail captured so far, in order, read back one at a time
    /// (the end-of-run scans read thousands).
    pub fn each_raw(&self, mut visit: impl FnMut(&[u8])) {
        let spans: Vec<Span> = lock(&self.shared.mails).iter().map(|m| m.raw).collect();
        for span in spans {
            visit(&self.shared.spool.read(span));
        }
    }

    /// Why the captured mails could not all be read back, if they could not (see
    /// [`Spool::error`]): a scan of them is then incomplete.
    pub fn spool_error(&self) -> Option<String> {
        self.shared.spool.error()
    }

    /// Number of mails captured so far (a mark for [`SmtpSink::since`]).
    pub fn mark(&self) -> usize {
        lock(&self.shared.mails).len()
    }

    /// Mails captured after `mark`.
    pub fn since(&self, mark: usize) -> Vec<CapturedMail> {
        self.shared.captured_from(mark)
    }

    /// Number of SMTP connections accepted so far (including failed sessions).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Block until at least `n` mails were captured in total, or `timeout` passed. Returns
    /// whether `n` mails are there. Wakes on each capture (no polling).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut mails = lock(&self.shared.mails);
        while mails.len() < n {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            mails = match self.shared.mail_added.wait_timeout(mails, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let front = self
            .front
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(running) = front
            && let Err(e) = stop_front(running, self.addr)
        {
            tracing::warn!("smtp sink: stopping front listener on {}: {e}", self.addr);
        }
        self.shared.close_sessions();
    }
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("addr", &self.addr)
            .field("fault", &self.fault())
            .field("mails", &self.mark())
            .field("connections", &self.connections())
            .finish()
    }
}

/// Bind the front port again after `Down`. std's `TcpListener::bind` sets `SO_REUSEADDR` on
/// Unix, so connections of the previous listener in TIME_WAIT do not block it; the short
/// bounded retry covers a port that is momentarily held by something else.
fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, addr.port());
    let mut attempt = 0;
    loop {
        match TcpListener::bind(target) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && attempt + 1 < REBIND_ATTEMPTS => {
                attempt += 1;
                thread::sleep(REBIND_PAUSE);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Start the front accept loop on `listener`, an SMTP session on each connection.
fn spawn_front(listener: TcpListener, shared: Arc<Shared>) -> io::Result<Front> {
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = Arc::clone(&stop);
    let thread = thread::Builder::new()
        .name("smtp-sink-front".into())
        .spawn(move || accept_loop(listener, shared, stop_flag))?;
    Ok(Front { stop, thread })
}

/// Stop a front accept loop: raise its flag, wake its blocking `accept` with a connection of
/// our own, and wait until the thread has dropped the listener (so the port refuses).
fn stop_front(front: Front, addr: SocketAddr) -> io::Result<()> {
    front.stop.store(true, Ordering::SeqCst);
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Ok(wake) => {
            let joined = front.thread.join();
            drop(wake);
            joined.map_err(|_| io::Error::other("smtp sink front thread panicked"))
        }
        Err(_) if front.thread.is_finished() => {
            let _ = front.thread.join();
            Ok(())
        }
        // The thread stops at its next accept; the listener may still be open until then.
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("could not wake the front listener on {addr}: {e}"),
        )),
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let builder = SessionBuilder::new("dealer-tck-sink");
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match accepted {
            Ok((client, _)) => {
                let id = shared.connections.fetch_add(1, Ordering::SeqCst);
                if let Ok(open) = client.try_clone() {
                    lock(&shared.sessions).insert(id, open);
                }
                let handler = SinkHandler::new(Arc::clone(&shared));
                let builder = builder.clone();
                let ended = Arc::clone(&shared);
                let spawned =
                    thread::Builder::new()
                        .name("smtp-sink-conn".into())
                        .spawn(move || {
                            session(client, &builder, handler);
                            lock(&ended.sessions).remove(&id);
                        });
                if let Err(e) = spawned {
                    lock(&shared.sessions).remove(&id);
                    tracing::warn!("smtp sink: cannot spawn a connection thread: {e}");
                }
            }
            Err(e) => {
                // Transient accept errors (ECONNABORTED, EMFILE…): keep serving.
                tracing::debug!("smtp sink: accept failed: {e}");
            }
        }
    }
}

/// A connection read with an immediate ACK asked for before every read.
///
/// SMTP is lock-step and most clients (lettre included) leave Nagle's algorithm on: a client
/// that writes the message and then `.` in two writes holds the second back until the first is
/// acknowledged, and a receiver that has nothing to answer yet delays that acknowledgement by
/// up to 40 ms. Asking the kernel for an immediate ACK before each read (Linux `TCP_QUICKACK`,
/// which the kernel clears again by itself) takes that stall out of every mail: the sink, not
/// the server under test, was the one waiting.
struct QuickAck(TcpStream);

impl io::Read for QuickAck {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        quick_ack(&self.0);
        self.0.read(buf)
    }
}

/// Serve one SMTP session on `client` with mailin's state machine until the client quits, the
/// session closes it (421), the line limit is hit or the client goes quiet for
/// [`SESSION_IDLE`].
fn session(client: TcpStream, builder: &SessionBuilder, handler: SinkHandler) {
    use std::io::{BufRead, Read, Write};
    let _ = client.set_nodelay(true);
    let _ = client.set_read_timeout(Some(SESSION_IDLE));
    let _ = client.set_write_timeout(Some(SESSION_IDLE));
    let remote = client
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let Ok(write_half) = client.try_clone() else {
        return;
    };
    let mut reader = io::BufReader::new(QuickAck(client));
    let mut writer = io::BufWriter::new(write_half);
    let mut answer = |res: &Response| res.write_to(&mut writer).and_then(|()| writer.flush());
    let mut session = builder.build(remote, handler);
    if answer(&session.greeting()).is_ok() {
        let mut line = Vec::with_capacity(128);
        loop {
            line.clear();
            match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(n) if n as u64 == MAX_LINE && !line.ends_with(b"\n") => break,
                Ok(_) => {}
            }
            let res = session.process(&line);
            let sent = match res.action {
                Action::NoReply => Ok(()),
                _ => answer(&res),
            };
            if sent.is_err() || matches!(res.action, Action::Close | Action::UpgradeTls) {
                break;
            }
        }
    }
    let _ = reader.get_ref().0.shutdown(Shutdown::Both);
}

#[cfg(target_os = "linux")]
fn quick_ack(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a pointer to a c_int of the given length.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_: &TcpStream) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_decodes_encoded_subject_and_quoted_printable_text() {
        let raw = b"Subject: =?utf-8?q?Caf=C3=A9_deal?=\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Gr=C3=BC=C3=9Fe, a long line that was soft =\r\n\
broken\r\n";
        let (subject, text) = parse_message(raw);
        assert_eq!(subject, "Café deal");
        assert!(
            text.contains("Grüße, a long line that was soft broken"),
            "{text}"
        );
    }

    #[test]
    fn parse_walks_multipart_and_skips_non_text_parts() {
        let raw = b"Subject: multi\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
cGxhaW4gcGFydA==\r\n\
--B\r\n\
Content-Type: application/octet-stream\r\n\
\r\n\
BINARY-SHOULD-NOT-APPEAR\r\n\
--B\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>html part</p>\r\n\
--B--\r\n";
        let (subject, text) = parse_message(raw);
        assert_eq!(subject, "multi");
        assert!(text.contains("plain part"), "{text}");
        assert!(text.contains("<p>html part</p>"), "{text}");
        assert!(!text.contains("BINARY-SHOULD-NOT-APPEAR"), "{text}");
    }

    #[test]
    fn parse_keeps_an_undecodable_body_as_sent() {
        let raw = b"Subject: =?bogus?x?zz?=\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
!!!not base64!!!\r\n";
        let (subject, text) = parse_message(raw);
        assert_eq!(
            subject, "=?bogus?x?zz?=",
            "an undecodable encoded-word stays as is"
        );
        assert_eq!(text.trim_end(), "!!!not base64!!!");
    }

    #[test]
    fn parse_handles_unknown_charset_and_unterminated_multipart() {
        let (_, text) =
            parse_message(b"Content-Type: text/plain; charset=x-nonexistent\r\n\r\nbody text\r\n");
        assert_eq!(text.trim_end(), "body text");
        let (_, text) = parse_message(
            b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n\
Content-Type: text/plain\r\n\r\nunterminated",
        );
        assert_eq!(text, "unterminated");
    }
}
