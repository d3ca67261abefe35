//! [`SmtpSink`]: a real SMTP receiver (mailin-embedded) on loopback that captures the envelope
//! and the parsed MIME message of every mail, and can be switched into fault modes.

use std::net::SocketAddr;

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

/// The SMTP sink. Starts on `127.0.0.1:0`; lives until dropped (the listener thread stays).
pub struct SmtpSink {
    addr: SocketAddr,
}

impl SmtpSink {
    /// Start the sink on a loopback port (0 = any free port).
    pub fn start(port: u16) -> std::io::Result<SmtpSink> {
        let _ = port;
        todo!("SmtpSink::start")
    }

    /// The address servers under test should send to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switch the fault mode (takes effect for new connections/commands).
    pub fn set_fault(&self, fault: SmtpFault) {
        let _ = fault;
        todo!()
    }

    /// Every mail captured so far.
    pub fn mails(&self) -> Vec<CapturedMail> {
        todo!()
    }

    /// Number of mails captured so far (a mark for [`SmtpSink::since`]).
    pub fn mark(&self) -> usize {
        todo!()
    }

    /// Mails captured after `mark`.
    pub fn since(&self, mark: usize) -> Vec<CapturedMail> {
        let _ = mark;
        todo!()
    }

    /// Number of SMTP connections accepted so far (including failed sessions).
    pub fn connections(&self) -> usize {
        todo!()
    }
}
