//! Behaviour of the SMTP sink ([`SmtpSink`]) and the DriveCentric mock ([`CrmMock`]) as a
//! server under test sees them: real SMTP clients (lettre, raw TCP) and a real HTTP client
//! (reqwest). Time bounds in these tests are hang guards only, never asserted thresholds.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use dealer_tck::observe::crm::{CrmMock, CrmMode};
use dealer_tck::observe::smtp::{SmtpFault, SmtpSink};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, SmtpTransport, Tokio1Executor, Transport,
};

/// Hang guard around any network exchange in a test.
const GUARD: Duration = Duration::from_secs(30);
/// The SMTP client's own timeout (a sink that leaves the client hanging shows as a timeout).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// SMTP helpers

fn mailbox(s: &str) -> Mailbox {
    s.parse().expect("test mailbox")
}

fn async_transport(addr: SocketAddr) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
        .port(addr.port())
        .timeout(Some(CLIENT_TIMEOUT))
        .build()
}

fn simple_mail(subject: &str, to: &str) -> Message {
    Message::builder()
        .from(mailbox("agent@dealer.example"))
        .to(mailbox(to))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(String::from("plain body"))
        .expect("test message")
}

async fn send(
    addr: SocketAddr,
    msg: Message,
) -> Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error> {
    tokio::time::timeout(GUARD, async_transport(addr).send(msg))
        .await
        .expect("hang guard: the SMTP exchange did not finish")
}

/// A tiny line-based SMTP client for session-level checks lettre does not expose.
struct RawSmtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawSmtp {
    fn connect(addr: SocketAddr) -> RawSmtp {
        let stream = TcpStream::connect(addr).expect("connect to sink");
        stream.set_read_timeout(Some(GUARD)).expect("read timeout");
        let writer = stream.try_clone().expect("clone stream");
        let mut raw = RawSmtp {
            reader: BufReader::new(stream),
            writer,
        };
        assert_eq!(raw.reply(), 220, "greeting");
        raw
    }

    /// Read one (possibly multi-line) reply and return its code.
    fn reply(&mut self) -> u16 {
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("read reply");
            assert!(n > 0, "connection closed while waiting for a reply");
            let code = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .expect("reply code");
            if line.as_bytes().get(3) != Some(&b'-') {
                return code;
            }
        }
    }

    fn cmd(&mut self, line: &str) -> u16 {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("write command");
        self.reply()
    }

    /// Send message lines (already dot-stuffed) and the terminating dot.
    fn data_lines(&mut self, lines: &[&str]) -> u16 {
        for l in lines {
            self.writer
                .write_all(format!("{l}\r\n").as_bytes())
                .expect("write data");
        }
        self.cmd(".")
    }

    /// After QUIT/421 the sink closes: reading gives EOF.
    fn assert_closed(&mut self) {
        let mut rest = String::new();
        let n = self.reader.read_line(&mut rest).expect("read after close");
        assert_eq!(n, 0, "expected EOF, got {rest:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// SMTP sink

#[tokio::test(flavor = "multi_thread")]
async fn smtp_captures_envelope_utf8_subject_and_quoted_printable_text() {
    let sink = SmtpSink::start(0).expect("sink");
    let mark = sink.mark();
    let text = "Grüße vom Händler: Übergabe für den DMC-12 ist bereit.\n\
                .a line that starts with a dot\n\
                A very long line that the quoted-printable encoder will have to wrap with soft line breaks because it is longer than seventy-six characters – ✓ done.\n";
    let msg = Message::builder()
        .from(mailbox("Deal Agent <agent@dealer.example>"))
        .to(mailbox("desk@dealer.example"))
        .cc(mailbox("ja@example.com"))
        .subject("Übergabe – Deal №42 ✓")
        .header(ContentType::TEXT_PLAIN)
        .body(
            Body::new_with_encoding(text.to_string(), ContentTransferEncoding::QuotedPrintable)
                .expect("qp body"),
        )
        .expect("message");

    let reply = send(sink.addr(), msg).await.expect("send succeeds");
    assert!(reply.is_positive());

    // The capture is stored before the 250: no waiting needed.
    let mails = sink.since(mark);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.seq, 0);
    assert_eq!(mail.mail_from, "agent@dealer.example");
    assert_eq!(mail.rcpt_to, vec!["desk@dealer.example", "ja@example.com"]);
    assert_eq!(mail.subject, "Übergabe – Deal №42 ✓");
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(
        raw.to_ascii_lowercase()
            .contains("content-transfer-encoding: quoted-printable"),
        "the test must exercise QP decoding: {raw}"
    );
    assert!(!raw.contains("Grüße"), "raw must still be encoded: {raw}");
    let decoded = mail.text.replace("\r\n", "\n");
    assert!(
        decoded.contains("Grüße vom Händler: Übergabe für den DMC-12 ist bereit."),
        "{decoded}"
    );
    assert!(
        decoded.contains("\n.a line that starts with a dot\n"),
        "dot-unstuffed: {decoded}"
    );
    assert!(
        decoded.contains("longer than seventy-six characters – ✓ done."),
        "soft breaks removed: {decoded}"
    );
    assert_eq!(sink.mark(), 1);
    assert!(sink.since(1).is_empty());
    assert!(
        sink.since(99).is_empty(),
        "a mark past the end is empty, not a panic"
    );
    assert_eq!(sink.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_multipart_mail_yields_every_text_part() {
    let sink = SmtpSink::start(0).expect("sink");
    let msg = Message::builder()
        .from(mailbox("agent@dealer.example"))
        .to(mailbox("desk@dealer.example"))
        .subject("Alternative")
        .multipart(MultiPart::alternative_plain_html(
            String::from("Plain: Käufer Jane"),
            String::from("<p>HTML: Käufer Jane</p>"),
        ))
        .expect("message");
    send(sink.addr(), msg).await.expect("send succeeds");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].text.contains("Plain: Käufer Jane"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("<p>HTML: Käufer Jane</p>"),
        "{}",
        mails[0].text
    );
}

/// Each SMTP-level fault makes the client's send fail with that reply code (not a client
/// timeout), captures nothing, and the sink accepts again once the fault is lifted.
async fn assert_fault_fails_send(fault: SmtpFault, code: &str) {
    let sink = SmtpSink::start(0).expect("sink");
    sink.set_fault(fault);
    assert_eq!(sink.fault(), fault);

    let err = send(sink.addr(), simple_mail("faulted", "desk@dealer.example"))
        .await
        .expect_err("send must fail");
    assert!(
        !err.is_timeout(),
        "{}: the client hung until its timeout: {err}",
        fault.name()
    );
    assert_eq!(
        err.status().map(|c| c.to_string()).as_deref(),
        Some(code),
        "{}: {err}",
        fault.name()
    );
    assert!(
        sink.mails().is_empty(),
        "{}: nothing may be captured",
        fault.name()
    );
    assert_eq!(
        sink.connections(),
        1,
        "{}: the session reached the sink",
        fault.name()
    );

    sink.set_fault(SmtpFault::None);
    send(sink.addr(), simple_mail("after", "desk@dealer.example"))
        .await
        .expect("send succeeds after the fault");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "after");
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_fault_550_at_rcpt_fails_send() {
    assert_fault_fails_send(SmtpFault::Rcpt550, "550").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_fault_451_at_data_fails_send() {
    assert_fault_fails_send(SmtpFault::Data451, "451").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_fault_421_at_end_of_data_fails_send() {
    assert_fault_fails_send(SmtpFault::DataEnd421, "421").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_refuses_connections_and_recovers_on_same_port() {
    let sink = SmtpSink::start(0).expect("sink");
    let addr = sink.addr();
    send(addr, simple_mail("before", "desk@dealer.example"))
        .await
        .expect("send before down");

    sink.try_set_fault(SmtpFault::Down).expect("down");
    let refused = TcpStream::connect(addr).expect_err("connect must be refused");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let err = send(addr, simple_mail("while down", "desk@dealer.example"))
        .await
        .expect_err("send must fail while down");
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(sink.mails().len(), 1, "nothing captured while down");
    let connections_before = sink.connections();
    // Down twice is harmless.
    sink.try_set_fault(SmtpFault::Down).expect("down again");

    sink.try_set_fault(SmtpFault::None).expect("up again");
    assert_eq!(sink.addr(), addr, "same address after down");
    send(addr, simple_mail("after", "desk@dealer.example"))
        .await
        .expect("send after down");
    let subjects: Vec<String> = sink.mails().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects, vec!["before", "after"]);
    assert_eq!(sink.connections(), connections_before + 1);
    // Leaving Down for another fault keeps the port open too.
    sink.try_set_fault(SmtpFault::Down).expect("down");
    sink.try_set_fault(SmtpFault::Rcpt550)
        .expect("550 from down");
    let err = send(addr, simple_mail("x", "desk@dealer.example"))
        .await
        .expect_err("550");
    assert_eq!(err.status().map(|c| c.to_string()).as_deref(), Some("550"));
}

#[test]
fn smtp_down_closes_the_sessions_a_client_kept_open() {
    let sink = SmtpSink::start(0).expect("sink");
    let open = TcpStream::connect(sink.addr()).expect("connect");
    open.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(open.try_clone().expect("clone"));
    let mut greeting = String::new();
    reader.read_line(&mut greeting).expect("greeting");
    assert!(greeting.starts_with("220"), "{greeting}");

    sink.try_set_fault(SmtpFault::Down).expect("down");
    // The session kept open from before is gone too: the next command gets no answer but
    // the end of the stream (a pooled client's NOOP fails and it connects anew).
    let _ = (&open).write_all(b"NOOP\r\n");
    let mut answer = String::new();
    let read = reader.read_line(&mut answer);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "a session survived Down: {read:?} {answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_two_sinks_in_one_process_are_independent() {
    let a = SmtpSink::start(0).expect("sink a");
    let b = SmtpSink::start(0).expect("sink b");
    assert_ne!(a.addr(), b.addr());
    b.set_fault(SmtpFault::Down);

    send(a.addr(), simple_mail("to a", "a@dealer.example"))
        .await
        .expect("a accepts while b is down");
    assert!(
        send(b.addr(), simple_mail("to b", "b@dealer.example"))
            .await
            .is_err()
    );

    b.set_fault(SmtpFault::None);
    a.set_fault(SmtpFault::Rcpt550);
    send(b.addr(), simple_mail("to b", "b@dealer.example"))
        .await
        .expect("b accepts while a rejects");
    assert!(
        send(a.addr(), simple_mail("to a again", "a@dealer.example"))
            .await
            .is_err()
    );

    let a_mails = a.mails();
    let b_mails = b.mails();
    assert_eq!(a_mails.len(), 1);
    assert_eq!(b_mails.len(), 1);
    assert_eq!(a_mails[0].subject, "to a");
    assert_eq!(a_mails[0].rcpt_to, vec!["a@dealer.example"]);
    assert_eq!(b_mails[0].subject, "to b");
    assert_eq!(b_mails[0].rcpt_to, vec!["b@dealer.example"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_concurrent_senders_are_all_captured() {
    // More concurrent sessions than the internal server has session threads.
    const N: usize = 40;
    let sink = SmtpSink::start(0).expect("sink");
    let addr = sink.addr();
    let sends: Vec<_> = (0..N)
        .map(|i| {
            tokio::spawn(async move {
                send(
                    addr,
                    simple_mail(&format!("mail {i}"), &format!("r{i}@example.com")),
                )
                .await
            })
        })
        .collect();
    for handle in sends {
        handle.await.expect("join").expect("send succeeds");
    }
    let mails = sink.mails();
    assert_eq!(mails.len(), N);
    let seqs: Vec<usize> = mails.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (0..N).collect::<Vec<_>>());
    let mut pairs: Vec<(String, Vec<String>)> =
        mails.into_iter().map(|m| (m.subject, m.rcpt_to)).collect();
    pairs.sort();
    let mut expected: Vec<(String, Vec<String>)> = (0..N)
        .map(|i| (format!("mail {i}"), vec![format!("r{i}@example.com")]))
        .collect();
    expected.sort();
    assert_eq!(pairs, expected, "every envelope stays with its own message");
    assert_eq!(sink.connections(), N);
}

#[test]
fn smtp_dropping_the_sink_releases_its_port() {
    let sink = SmtpSink::start(0).expect("sink");
    let addr = sink.addr();
    drop(sink);
    let refused = TcpStream::connect(addr).expect_err("nothing listens after drop");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The port can be taken again, by a new sink on the same port.
    let again = SmtpSink::start(addr.port()).expect("sink on the released port");
    assert_eq!(again.addr(), addr);
    let mut s = RawSmtp::connect(addr);
    assert_eq!(s.cmd("QUIT"), 221);
}

#[test]
fn smtp_sink_works_without_a_tokio_runtime() {
    let sink = SmtpSink::start(0).expect("sink");
    let addr = sink.addr();
    let sender = std::thread::spawn(move || {
        let transport = SmtpTransport::builder_dangerous(addr.ip().to_string())
            .port(addr.port())
            .timeout(Some(CLIENT_TIMEOUT))
            .build();
        transport.send(&simple_mail("blocking client", "desk@dealer.example"))
    });
    // wait_for wakes on the capture itself.
    assert!(sink.wait_for(1, GUARD), "the mail was not captured");
    assert_eq!(sink.mails()[0].subject, "blocking client");
    let result = sender.join().expect("sender thread");
    assert!(result.is_ok(), "{result:?}");
    // No second mail comes: wait_for gives up and says so.
    assert!(!sink.wait_for(2, Duration::from_millis(50)));
    assert!(sink.wait_for(0, Duration::ZERO));
}

#[test]
fn smtp_session_transactions_keep_envelopes_apart_and_faults_apply_per_command() {
    let sink = SmtpSink::start(0).expect("sink");
    let mut s = RawSmtp::connect(sink.addr());
    assert_eq!(s.cmd("EHLO client.example"), 250);

    // First transaction, with a dot-stuffed line.
    assert_eq!(s.cmd("MAIL FROM:<one@dealer.example>"), 250);
    assert_eq!(s.cmd("RCPT TO:<x@example.com>"), 250);
    assert_eq!(s.cmd("DATA"), 354);
    assert_eq!(
        s.data_lines(&["Subject: first", "", "..dotted", "body one"]),
        250
    );

    // An aborted transaction (RSET) leaves nothing behind.
    assert_eq!(s.cmd("MAIL FROM:<aborted@dealer.example>"), 250);
    assert_eq!(s.cmd("RCPT TO:<gone@example.com>"), 250);
    assert_eq!(s.cmd("RSET"), 250);

    // A fault switched mid-session applies to the next command, and lifting it too.
    assert_eq!(s.cmd("MAIL FROM:<two@dealer.example>"), 250);
    sink.set_fault(SmtpFault::Rcpt550);
    assert_eq!(s.cmd("RCPT TO:<rejected@example.com>"), 550);
    sink.set_fault(SmtpFault::None);
    assert_eq!(s.cmd("RCPT TO:<y@example.com>"), 250);
    assert_eq!(s.cmd("RCPT TO:<z@example.com>"), 250);
    assert_eq!(s.cmd("DATA"), 354);
    assert_eq!(s.data_lines(&["Subject: second", "", "body two"]), 250);

    // 451 at DATA keeps the session usable.
    assert_eq!(s.cmd("MAIL FROM:<three@dealer.example>"), 250);
    assert_eq!(s.cmd("RCPT TO:<w@example.com>"), 250);
    sink.set_fault(SmtpFault::Data451);
    assert_eq!(s.cmd("DATA"), 451);
    sink.set_fault(SmtpFault::None);
    assert_eq!(s.cmd("RSET"), 250);
    assert_eq!(s.cmd("QUIT"), 221);
    s.assert_closed();

    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0].seq, 0);
    assert_eq!(mails[0].mail_from, "one@dealer.example");
    assert_eq!(mails[0].rcpt_to, vec!["x@example.com"]);
    assert_eq!(mails[0].subject, "first");
    assert!(mails[0].text.contains(".dotted"), "{}", mails[0].text);
    assert!(!mails[0].text.contains("..dotted"), "{}", mails[0].text);
    assert_eq!(mails[1].seq, 1);
    assert_eq!(mails[1].mail_from, "two@dealer.example");
    assert_eq!(mails[1].rcpt_to, vec!["y@example.com", "z@example.com"]);
    assert_eq!(mails[1].subject, "second");
    assert_eq!(sink.connections(), 1);
}

#[test]
fn smtp_421_at_end_of_data_closes_the_session() {
    let sink = SmtpSink::start(0).expect("sink");
    sink.set_fault(SmtpFault::DataEnd421);
    let mut s = RawSmtp::connect(sink.addr());
    assert_eq!(s.cmd("HELO client.example"), 250);
    assert_eq!(s.cmd("MAIL FROM:<a@dealer.example>"), 250);
    assert_eq!(s.cmd("RCPT TO:<b@example.com>"), 250);
    assert_eq!(s.cmd("DATA"), 354);
    assert_eq!(s.data_lines(&["Subject: lost", "", "body"]), 421);
    s.assert_closed();
    assert!(sink.mails().is_empty());
}

#[test]
fn smtp_garbage_message_is_captured_without_panicking() {
    let sink = SmtpSink::start(0).expect("sink");
    let mut s = RawSmtp::connect(sink.addr());
    assert_eq!(s.cmd("HELO client.example"), 250);
    assert_eq!(s.cmd("MAIL FROM:<a@dealer.example>"), 250);
    assert_eq!(s.cmd("RCPT TO:<b@example.com>"), 250);
    assert_eq!(s.cmd("DATA"), 354);
    assert_eq!(
        s.data_lines(&["no headers at all: just text", "=?broken"]),
        250
    );
    assert_eq!(s.cmd("QUIT"), 221);
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(String::from_utf8_lossy(&mails[0].raw).contains("=?broken"));
}

#[test]
fn smtp_fault_names_are_stable() {
    let names: Vec<&str> = SmtpFault::FAULTS.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        vec!["550-at-rcpt", "451-at-data", "421-at-end-of-data", "down"]
    );
}

// ---------------------------------------------------------------------------------------------
// CRM mock

const STORE: &str = "store-7";
const TOKEN: &str = "crm-token-123";
const ADF: &str = "<?xml version=\"1.0\"?><?adf version=\"1.0\"?><adf><prospect><requestdate>2025-01-01T10:00:00-05:00</requestdate><vehicle><year>1982</year><make>DeLorean</make><model>DMC-12</model></vehicle><customer><contact><name part=\"full\">Jane Doe</name><email>jane@example.com</email></contact></customer><vendor><contact><name part=\"full\">Desk</name></contact></vendor></prospect></adf>";

fn http(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("http client")
}

async fn post_lead(
    client: &reqwest::Client,
    crm: &CrmMock,
    body: &str,
) -> reqwest::Result<reqwest::Response> {
    tokio::time::timeout(
        GUARD,
        client
            .post(crm.lead_url())
            .header("content-type", "application/xml")
            .bearer_auth(TOKEN)
            .body(body.to_string())
            .send(),
    )
    .await
    .expect("hang guard: the HTTP exchange did not finish")
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_created_answers_distinct_lead_ids_and_records_requests() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    assert!(crm.url().starts_with("http://127.0.0.1:"), "{}", crm.url());
    assert_eq!(
        crm.lead_url(),
        format!("{}/api/stores/{STORE}/leads/adf", crm.url())
    );
    let client = http(CLIENT_TIMEOUT);
    let lead_id_shape = regex::Regex::new(r"^dc-lead-[0-9]+-[0-9a-f]{12}$").expect("regex");

    let mut answered = Vec::new();
    for body in [ADF, "<adf>second</adf>"] {
        let resp = post_lead(&client, &crm, body).await.expect("post");
        assert_eq!(resp.status().as_u16(), 201);
        let json: serde_json::Value = resp.json().await.expect("json body");
        assert_eq!(json["status"], "accepted");
        let id = json["leadId"].as_str().expect("leadId").to_string();
        assert!(lead_id_shape.is_match(&id), "{id}");
        answered.push(id);
    }
    assert_ne!(answered[0], answered[1]);

    let reqs = crm.requests().await;
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    for (i, (req, body)) in reqs.iter().zip([ADF, "<adf>second</adf>"]).enumerate() {
        assert_eq!(req.seq, i);
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, format!("/api/stores/{STORE}/leads/adf"));
        assert_eq!(req.body, body);
        assert_eq!(req.lead_id.as_deref(), Some(answered[i].as_str()));
        assert_eq!(req.header("Content-Type"), Some("application/xml"));
        assert_eq!(req.bearer(), Some(crm.token()));
        assert!(
            req.headers
                .iter()
                .all(|(n, _)| *n == n.to_ascii_lowercase())
        );
    }
    assert_eq!(crm.mark().await, 2);
    assert!(crm.since(2).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_concurrent_leads_are_logged_with_the_lead_id_each_got() {
    const N: usize = 20;
    let crm = std::sync::Arc::new(CrmMock::start(0, STORE, TOKEN).await.expect("crm"));
    let client = http(CLIENT_TIMEOUT);
    let posts: Vec<_> = (0..N)
        .map(|i| {
            let (crm, client) = (std::sync::Arc::clone(&crm), client.clone());
            tokio::spawn(async move {
                let body = format!("<adf><n>{i}</n></adf>");
                let resp = post_lead(&client, &crm, &body).await.expect("post");
                assert_eq!(resp.status().as_u16(), 201);
                let json: serde_json::Value = resp.json().await.expect("json");
                (body, json["leadId"].as_str().map(str::to_string))
            })
        })
        .collect();
    let mut answered = Vec::new();
    for handle in posts {
        answered.push(handle.await.expect("join"));
    }
    let mut logged: Vec<(String, Option<String>)> = crm
        .requests()
        .await
        .into_iter()
        .map(|r| (r.body, r.lead_id))
        .collect();
    answered.sort();
    logged.sort();
    assert_eq!(logged, answered);
    let mut ids: Vec<_> = answered.into_iter().filter_map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "every leadId is fresh");
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_records_missing_bearer_and_wrong_content_type_without_rejecting() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    let resp = http(CLIENT_TIMEOUT)
        .post(crm.lead_url())
        .header("content-type", "application/json")
        .body("{\"not\":\"adf\"}")
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 201);
    let reqs = crm.requests().await;
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].bearer(), None);
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert!(reqs[0].lead_id.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_status_500_and_503_modes() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    let client = http(CLIENT_TIMEOUT);
    for (mode, status) in [(CrmMode::Status500, 500), (CrmMode::Status503, 503)] {
        crm.set_mode(mode).await;
        assert_eq!(crm.mode(), mode);
        let mark = crm.mark().await;
        let resp = post_lead(&client, &crm, ADF).await.expect("post");
        assert_eq!(resp.status().as_u16(), status, "{}", mode.name());
        let reqs = crm.since(mark).await;
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].lead_id, None, "no lead for a {status}");
        assert_eq!(reqs[0].body, ADF);
    }
    // Back to 201: the lead counter only counts leads actually created.
    crm.set_mode(CrmMode::Created).await;
    let resp = post_lead(&client, &crm, ADF).await.expect("post");
    assert_eq!(resp.status().as_u16(), 201);
    let json: serde_json::Value = resp.json().await.expect("json");
    assert!(
        json["leadId"]
            .as_str()
            .is_some_and(|id| id.starts_with("dc-lead-1-")),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_slow_mode_makes_a_short_client_time_out() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    crm.set_mode(CrmMode::Slow(Duration::from_secs(60))).await;
    let err = post_lead(&http(Duration::from_millis(300)), &crm, ADF)
        .await
        .expect_err("the client must time out");
    assert!(err.is_timeout(), "{err:?}");

    let reqs = crm.requests().await;
    assert_eq!(reqs.len(), 1);
    assert!(
        reqs[0].lead_id.is_some(),
        "slow mode still answers a 201 (late)"
    );

    // The pending slow answer does not block the mock.
    crm.set_mode(CrmMode::Created).await;
    let resp = post_lead(&http(CLIENT_TIMEOUT), &crm, ADF)
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_reset_mode_gives_a_connection_error() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    crm.set_mode(CrmMode::Reset).await;
    let client = http(CLIENT_TIMEOUT);
    let err = post_lead(&client, &crm, ADF)
        .await
        .expect_err("no HTTP answer in reset mode");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none(), "{err:?}");
    assert!(err.is_request() || err.is_connect(), "{err:?}");

    let reqs = crm.requests().await;
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].lead_id, None);
    assert_eq!(reqs[0].body, ADF);

    crm.set_mode(CrmMode::Created).await;
    let resp = post_lead(&client, &crm, ADF)
        .await
        .expect("post after reset");
    assert_eq!(resp.status().as_u16(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_reset_mode_closes_the_connection_without_a_response_byte() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    crm.set_mode(CrmMode::Reset).await;
    let addr = crm.addr();
    let path = crm.lead_url().replacen(crm.url(), "", 1);
    let outcome = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(GUARD))?;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/xml\r\n\
             Authorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n\r\n{ADF}",
            ADF.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut received = Vec::new();
        match stream.read_to_end(&mut received) {
            Ok(_) => Ok(received),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(received),
            Err(e) => Err(e),
        }
    })
    .await
    .expect("join");
    let received = outcome.expect("the connection ends by close or reset, not by a timeout");
    assert!(
        received.is_empty(),
        "no (malformed) response may be written: {:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(crm.requests().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_other_paths_and_methods_get_404_and_are_recorded() {
    let crm = CrmMock::start(0, STORE, TOKEN).await.expect("crm");
    let client = http(CLIENT_TIMEOUT);
    let get = client.get(crm.lead_url()).send().await.expect("get");
    assert_eq!(get.status().as_u16(), 404);
    let other_store = client
        .post(format!("{}/api/stores/other/leads/adf", crm.url()))
        .body(ADF)
        .send()
        .await
        .expect("post other store");
    assert_eq!(other_store.status().as_u16(), 404);
    let root = client
        .post(format!("{}/?q=1", crm.url()))
        .send()
        .await
        .expect("post root");
    assert_eq!(root.status().as_u16(), 404);

    let reqs = crm.requests().await;
    let seen: Vec<(usize, &str, &str, Option<&str>)> = reqs
        .iter()
        .map(|r| {
            (
                r.seq,
                r.method.as_str(),
                r.path.as_str(),
                r.lead_id.as_deref(),
            )
        })
        .collect();
    let lead_path = format!("/api/stores/{STORE}/leads/adf");
    assert_eq!(
        seen,
        vec![
            (0, "GET", lead_path.as_str(), None),
            (1, "POST", "/api/stores/other/leads/adf", None),
            (2, "POST", "/", None),
        ]
    );
    assert_eq!(reqs[1].body, ADF);
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_starts_on_a_requested_port() {
    // Find a free port, release it, and ask the mock for it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let crm = CrmMock::start(port, STORE, TOKEN).await.expect("crm");
    assert_eq!(crm.addr().port(), port);
    assert_eq!(crm.url(), format!("http://127.0.0.1:{port}"));
    let resp = post_lead(&http(CLIENT_TIMEOUT), &crm, ADF)
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 201);
    // A port already taken is an error, not a panic.
    assert!(CrmMock::start(port, STORE, TOKEN).await.is_err());
}
