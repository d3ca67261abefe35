//! What the harness can see besides the response: the dealer-desk mail ([`smtp::SmtpSink`]),
//! the DriveCentric lead ([`crm::CrmMock`]), ADF validity ([`adf::validate`]) and plaintext
//! PII on any surface ([`leak::LeakScanner`]); the bodies and logs the observers keep wait for
//! the end-of-run scans in a [`spool::Spool`].

pub mod adf;
pub mod crm;
pub mod leak;
pub mod smtp;
pub mod spool;
