//! What the harness can see besides the response: the dealer-desk mail ([`smtp::SmtpSink`]),
//! the DriveCentric lead ([`crm::CrmMock`]), ADF validity ([`adf::validate`]) and plaintext
//! PII on any surface ([`leak::LeakScanner`]).

pub mod adf;
pub mod crm;
pub mod leak;
pub mod smtp;
