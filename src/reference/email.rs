//! The deal-intent email: [`Mailer`] sends it with lettre over plain SMTP (no TLS, no AUTH) to
//! every dealer-desk recipient, and [`render_body`] writes the text/plain package — the one
//! place (with the CRM lead) where the customer's 🔒 values appear in plaintext.

use std::fmt::Write as _;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::ReferenceError;
use super::model::Package;

/// The SMTP client of one server.
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    desk: Vec<Mailbox>,
    timeout: Duration,
}

impl Mailer {
    /// A plain-SMTP client for `host:port` sending from `dealer-tck-reference@<store>.invalid`.
    pub(crate) fn new(
        host: &str,
        port: u16,
        timeout: Duration,
        store_id: &str,
        desk: &[String],
    ) -> Result<Mailer, ReferenceError> {
        let from: Mailbox =
            format!("dealer-tck reference <dealer-tck-reference@{store_id}.invalid>")
                .parse()
                .or_else(|_| "dealer-tck-reference@reference.invalid".parse())
                .map_err(|e| ReferenceError::Config(format!("sender address: {e}")))?;
        let desk = desk
            .iter()
            .map(|d| {
                d.parse::<Mailbox>().map_err(|e| {
                    ReferenceError::Config(format!("desk recipient '{d}' is not an address: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Pooled connections: a mail costs a NOOP on an open session instead of a connect, the
        // greeting, EHLO and QUIT. A failed transaction aborts its connection (lettre never
        // returns one mid-transaction to the pool), and a sink that goes down closes every
        // session, so the NOOP of the next mail fails and a fresh connect is tried.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(timeout))
            .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(4))
            .build();
        Ok(Mailer {
            transport,
            from,
            desk,
            timeout,
        })
    }

    /// Send one message to every desk recipient (in configured order). Any failure — refused
    /// connection, a 4xx/5xx reply, a closed connection, a timeout — is an error.
    pub(crate) async fn send(&self, subject: &str, body: String) -> Result<(), String> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        for to in &self.desk {
            builder = builder.to(to.clone());
        }
        let msg = builder
            .body(body)
            .map_err(|e| format!("building the message: {e}"))?;
        // lettre bounds each command by `timeout`; the outer bound covers the whole session.
        let whole = self.timeout.saturating_mul(2) + Duration::from_secs(1);
        match tokio::time::timeout(whole, self.transport.send(msg)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("SMTP session timed out".into()),
        }
    }
}

/// `Deal hand-off: <year make model> (<handoff token>)`.
pub(crate) fn subject(pkg: &Package<'_>) -> String {
    format!(
        "Deal hand-off: {} {} {} ({})",
        pkg.vehicle.year, pkg.vehicle.make, pkg.vehicle.model, pkg.handoff_token
    )
}

/// The text/plain deal-intent package. `with_phone = false` is the `email-without-phone` defect.
pub(crate) fn render_body(pkg: &Package<'_>, with_phone: bool) -> String {
    let r = pkg.req;
    let v = pkg.vehicle;
    let c = &r.customer_contact;
    let mut s = String::new();
    let _ = writeln!(s, "Deal-intent package — Mark Miller Subaru");
    let _ = writeln!(
        s,
        "A buyer agent handed off a reserved vehicle for a live sales manager."
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "Hand-off token: {}", pkg.handoff_token);
    let _ = writeln!(s, "Reservation token: {}", r.reservation_token);
    let _ = writeln!(s, "Requested at: {}", pkg.request_date);
    let _ = writeln!(s);
    let _ = writeln!(s, "VEHICLE");
    let _ = writeln!(
        s,
        "  {} {} {} {} ({})",
        v.year, v.make, v.model, v.trim, v.condition
    );
    let _ = writeln!(s, "  VIN: {}", v.vin);
    let _ = writeln!(s, "  Stock: {}", v.stock);
    let _ = writeln!(s, "  Price: {} USD", v.price);
    let _ = writeln!(s);
    let _ = writeln!(s, "CUSTOMER");
    let _ = writeln!(s, "  Name: {}", c.name);
    if with_phone {
        let _ = writeln!(s, "  Phone: {}", c.phone);
    }
    let _ = writeln!(s, "  Email: {}", c.email);
    let _ = writeln!(s, "  Financing preference: {}", r.financing());
    match &r.notes {
        Some(n) => {
            let _ = writeln!(s, "  Notes: {n}");
        }
        None => {
            let _ = writeln!(s, "  Notes: (none)");
        }
    }
    let _ = writeln!(s);
    let disclosed = if r.trade_in_disclosed() { "yes" } else { "no" };
    let _ = writeln!(s, "TRADE-IN (disclosed: {disclosed})");
    match r.trade_in.as_ref().filter(|t| t.any_set()) {
        Some(t) => {
            if let Some(d) = &t.description {
                let _ = writeln!(s, "  Description: {d}");
            }
            if let Some(y) = t.year {
                let _ = writeln!(s, "  Year: {y}");
            }
            if let Some(m) = &t.make {
                let _ = writeln!(s, "  Make: {m}");
            }
            if let Some(m) = &t.model {
                let _ = writeln!(s, "  Model: {m}");
            }
            if let Some(vin) = &t.vin {
                let _ = writeln!(s, "  VIN: {vin}");
            }
            if let Some(mi) = t.mileage {
                let _ = writeln!(s, "  Mileage: {mi} mi");
            }
            if let Some(cond) = &t.condition {
                let _ = writeln!(s, "  Condition: {cond}");
            }
            if let Some(m) = &t.appraised_value_partner {
                let _ = writeln!(s, "  Partner appraisal: {} {}", m.amount, m.currency);
            }
        }
        None => {
            let _ = writeln!(s, "  (no trade-in details supplied)");
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "CONSENT");
    let _ = writeln!(s, "  customer_consent: {}", r.customer_consent);
    match &r.consent {
        Some(k) => {
            let channels = k
                .allowed_channels
                .as_ref()
                .map(|c| c.join(", "))
                .unwrap_or_else(|| "(not restricted)".into());
            let _ = writeln!(s, "  Allowed channels: {channels}");
            let _ = writeln!(
                s,
                "  Expires at: {}",
                k.expires_at.as_deref().unwrap_or("(no expiry)")
            );
            if let Some(t) = &k.consent_text {
                let _ = writeln!(s, "  Consent text: {t}");
            }
        }
        None => {
            let _ = writeln!(s, "  (no consent details supplied)");
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "This is not a sale: the reservation stays a soft hold. Negotiate itemization (tax, doc, trade) and run the deal through the DMS."
    );
    s
}
