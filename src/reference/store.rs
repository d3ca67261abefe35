//! The reference's SQLite [`Store`] (rusqlite, bundled): `reservations`, `deal_handoffs` (🔒
//! fields only as lower-case SHA-256 hex), `aap_leads` (received AAP leads, the customer only as
//! digests, for lead ids and duplicate detection) and `audit_log`. The journal mode is DELETE (no WAL)
//! so one file holds everything the harness scans, and `synchronous` is OFF (writes survive a
//! killed process, not a power cut). The connection sits behind a mutex and is
//! only used from `spawn_blocking`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DbLocation, ReferenceError};

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
#[error("store error: {0}")]
pub(crate) struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// A reservation row.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    pub(crate) vin: String,
    pub(crate) agent: String,
    pub(crate) status: String,
    pub(crate) expires_at: DateTime<Utc>,
}

/// A `deal_handoffs` row: 🔒 values only as digests, the rest plaintext.
#[derive(Debug, Clone)]
pub(crate) struct HandoffRecord {
    pub(crate) handoff_token: String,
    pub(crate) reservation_token: String,
    pub(crate) agent: String,
    pub(crate) name_sha256: String,
    pub(crate) phone_sha256: String,
    pub(crate) email_sha256: String,
    pub(crate) notes_sha256: Option<String>,
    pub(crate) trade_in_description_sha256: Option<String>,
    pub(crate) consent_text_sha256: Option<String>,
    pub(crate) financing_preference: String,
    pub(crate) trade_in_disclosed: bool,
    pub(crate) trade_in_json: Option<String>,
    pub(crate) consent_channels: Option<String>,
    pub(crate) consent_expires_at: Option<String>,
    pub(crate) crm_status: Option<String>,
    pub(crate) crm_lead_id: Option<String>,
    pub(crate) sent_at: Option<String>,
}

/// An `audit_log` row.
#[derive(Debug, Clone)]
pub(crate) struct AuditEntry {
    pub(crate) agent: String,
    pub(crate) tool: String,
    pub(crate) outcome: String,
    pub(crate) trace_id: String,
    pub(crate) email_sha256: Option<String>,
}

/// An `aap_leads` row: one received AAP lead, its customer only as SHA-256 digests.
#[derive(Debug, Clone)]
pub(crate) struct LeadRecord {
    /// The dealer-assigned lead id.
    pub(crate) lead_id: String,
    /// `lead.submit` or `lead.general`.
    pub(crate) skill: String,
    /// The calling agent.
    pub(crate) agent: String,
    /// SHA-256 of the trimmed, lower-cased customer email.
    pub(crate) email_sha256: Option<String>,
    /// SHA-256 of the customer phone.
    pub(crate) phone_sha256: Option<String>,
    /// SHA-256 of what makes two leads of one customer the same (vehicle or message).
    pub(crate) subject_sha256: String,
    /// The appointment outcome, if one was requested.
    pub(crate) appointment_status: Option<String>,
    /// When it was received.
    pub(crate) received_at: DateTime<Utc>,
}

/// What [`Store::find_or_insert_lead`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LeadInsert {
    /// A lead of the same customer and subject was received within the window: its id.
    Duplicate(String),
    /// The new lead was recorded.
    Inserted,
    /// No duplicate, and nothing to record.
    Nothing,
}

/// What `create_reservation` did.
#[derive(Debug)]
pub(crate) enum Reserve {
    /// The hold was recorded.
    Created,
    /// Another active, unexpired hold exists on the VIN.
    Held,
}

/// RFC 3339 UTC with millisecond precision and `Z`.
pub(crate) fn rfc3339_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS reservations (
    token TEXT PRIMARY KEY,
    vin TEXT NOT NULL,
    agent TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reservations_vin ON reservations (vin, status);
CREATE TABLE IF NOT EXISTS deal_handoffs (
    handoff_token TEXT PRIMARY KEY,
    reservation_token TEXT NOT NULL,
    agent TEXT NOT NULL,
    name_sha256 TEXT NOT NULL,
    phone_sha256 TEXT NOT NULL,
    email_sha256 TEXT NOT NULL,
    notes_sha256 TEXT,
    trade_in_description_sha256 TEXT,
    consent_text_sha256 TEXT,
    financing_preference TEXT NOT NULL,
    trade_in_disclosed INTEGER NOT NULL,
    trade_in TEXT,
    consent_channels TEXT,
    consent_expires_at TEXT,
    crm_status TEXT,
    crm_lead_id TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aap_leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id TEXT NOT NULL,
    skill TEXT NOT NULL,
    agent TEXT NOT NULL,
    email_sha256 TEXT,
    phone_sha256 TEXT,
    subject_sha256 TEXT NOT NULL,
    appointment_status TEXT,
    crm_status TEXT,
    crm_lead_id TEXT,
    received_at TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS aap_leads_subject ON aap_leads (skill, subject_sha256, received_at_ms);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    agent TEXT NOT NULL,
    tool TEXT NOT NULL,
    outcome TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    email_sha256 TEXT
);
";

/// The SQLite store.
#[derive(Clone)]
pub(crate) struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Open (creating if needed) and migrate.
    pub(crate) fn open(loc: &DbLocation) -> Result<Store, ReferenceError> {
        let err = |e: rusqlite::Error| ReferenceError::Store(e.to_string());
        let conn = match loc {
            DbLocation::Memory => Connection::open_in_memory().map_err(err)?,
            DbLocation::File(path) => {
                let conn = Connection::open(path)
                    .map_err(|e| ReferenceError::Store(format!("{}: {e}", path.display())))?;
                let _mode: String = conn
                    .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
                    .map_err(err)?;
                // Every commit reaches the operating system before the call answers, so a
                // killed or restarted server finds all of it; skipping the fsync only gives up
                // durability across a power cut, which no scenario exercises, and takes about
                // 3 ms off every write.
                conn.execute_batch("PRAGMA synchronous=OFF").map_err(err)?;
                conn
            }
        };
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Run `f` on the connection in a blocking task.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError(format!("store task failed: {e}")))?
    }

    /// Record a hold unless another active, unexpired hold exists on the VIN.
    pub(crate) async fn create_reservation(
        &self,
        token: String,
        vin: String,
        agent: String,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Reserve, StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let held: i64 = tx.query_row(
                "SELECT COUNT(*) FROM reservations WHERE vin = ?1 AND status = 'active' AND expires_at_ms > ?2",
                params![vin, now.timestamp_millis()],
                |r| r.get(0),
            )?;
            if held > 0 {
                return Ok(Reserve::Held);
            }
            tx.execute(
                "INSERT INTO reservations (token, vin, agent, status, expires_at, expires_at_ms, created_at)
                 VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6)",
                params![
                    token,
                    vin,
                    agent,
                    rfc3339_ms(expires_at),
                    expires_at.timestamp_millis(),
                    rfc3339_ms(now)
                ],
            )?;
            tx.commit()?;
            Ok(Reserve::Created)
        })
        .await
    }

    /// Look a reservation up.
    pub(crate) async fn reservation(
        &self,
        token: String,
    ) -> Result<Option<Reservation>, StoreError> {
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT vin, agent, status, expires_at_ms FROM reservations WHERE token = ?1",
                    params![token],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    },
                )
                .optional()?;
            Ok(row.map(|(vin, agent, status, ms)| Reservation {
                vin,
                agent,
                status,
                expires_at: DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default(),
            }))
        })
        .await
    }

    /// Mark an active reservation released (true if a row changed).
    pub(crate) async fn release(&self, token: String) -> Result<bool, StoreError> {
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE reservations SET status = 'released' WHERE token = ?1 AND status = 'active'",
                params![token],
            )?;
            Ok(n > 0)
        })
        .await
    }

    /// Whether a hand-off was recorded for this reservation.
    pub(crate) async fn handed_off(&self, reservation: String) -> Result<bool, StoreError> {
        self.run(move |conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM deal_handoffs WHERE reservation_token = ?1",
                params![reservation],
                |row| row.get(0),
            )?;
            Ok(n > 0)
        })
        .await
    }

    /// VINs with an active, unexpired hold.
    pub(crate) async fn held_vins(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT vin FROM reservations WHERE status = 'active' AND expires_at_ms > ?1",
            )?;
            let rows = stmt.query_map(params![now.timestamp_millis()], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for r in rows {
                out.push(r?);
            }
            Ok(out)
        })
        .await
    }

    /// Insert a hand-off row and its audit entry in one transaction.
    pub(crate) async fn insert_handoff(
        &self,
        rec: HandoffRecord,
        audit: Option<AuditEntry>,
    ) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let now = rfc3339_ms(Utc::now());
            tx.execute(
                "INSERT INTO deal_handoffs (handoff_token, reservation_token, agent, name_sha256,
                    phone_sha256, email_sha256, notes_sha256, trade_in_description_sha256,
                    consent_text_sha256, financing_preference, trade_in_disclosed, trade_in,
                    consent_channels, consent_expires_at, crm_status, crm_lead_id, sent_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                params![
                    rec.handoff_token,
                    rec.reservation_token,
                    rec.agent,
                    rec.name_sha256,
                    rec.phone_sha256,
                    rec.email_sha256,
                    rec.notes_sha256,
                    rec.trade_in_description_sha256,
                    rec.consent_text_sha256,
                    rec.financing_preference,
                    rec.trade_in_disclosed,
                    rec.trade_in_json,
                    rec.consent_channels,
                    rec.consent_expires_at,
                    rec.crm_status,
                    rec.crm_lead_id,
                    rec.sent_at,
                    now,
                ],
            )?;
            if let Some(a) = audit {
                insert_audit(&tx, &a)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Complete a hand-off row written before the email went out.
    pub(crate) async fn complete_handoff(
        &self,
        handoff_token: String,
        sent_at: String,
        crm_status: String,
        crm_lead_id: Option<String>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE deal_handoffs SET sent_at = ?2, crm_status = ?3, crm_lead_id = ?4
                 WHERE handoff_token = ?1",
                params![handoff_token, sent_at, crm_status, crm_lead_id],
            )?;
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// In one transaction: the earliest lead of `skill` received after `since` with the same
    /// subject and the same email or phone digest (a duplicate), else record `rec` if given.
    /// A lead without email and phone digests is never a duplicate.
    pub(crate) async fn find_or_insert_lead(
        &self,
        skill: String,
        email_sha256: Option<String>,
        phone_sha256: Option<String>,
        subject_sha256: String,
        since: DateTime<Utc>,
        rec: Option<LeadRecord>,
    ) -> Result<LeadInsert, StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let earlier: Option<String> = if email_sha256.is_none() && phone_sha256.is_none() {
                None
            } else {
                tx.query_row(
                    "SELECT lead_id FROM aap_leads
                     WHERE skill = ?1 AND subject_sha256 = ?2 AND received_at_ms > ?3
                       AND ((?4 IS NOT NULL AND email_sha256 = ?4)
                         OR (?5 IS NOT NULL AND phone_sha256 = ?5))
                     ORDER BY received_at_ms ASC, id ASC LIMIT 1",
                    params![
                        skill,
                        subject_sha256,
                        since.timestamp_millis(),
                        email_sha256,
                        phone_sha256
                    ],
                    |r| r.get(0),
                )
                .optional()?
            };
            if let Some(id) = earlier {
                return Ok(LeadInsert::Duplicate(id));
            }
            let Some(rec) = rec else {
                return Ok(LeadInsert::Nothing);
            };
            tx.execute(
                "INSERT INTO aap_leads (lead_id, skill, agent, email_sha256, phone_sha256,
                    subject_sha256, appointment_status, received_at, received_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    rec.lead_id,
                    rec.skill,
                    rec.agent,
                    rec.email_sha256,
                    rec.phone_sha256,
                    rec.subject_sha256,
                    rec.appointment_status,
                    rfc3339_ms(rec.received_at),
                    rec.received_at.timestamp_millis()
                ],
            )?;
            tx.commit()?;
            Ok(LeadInsert::Inserted)
        })
        .await
    }

    /// Record the CRM outcome of a lead.
    pub(crate) async fn set_lead_crm(
        &self,
        lead_id: String,
        crm_status: String,
        crm_lead_id: Option<String>,
    ) -> Result<(), StoreError> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE aap_leads SET crm_status = ?2, crm_lead_id = ?3 WHERE lead_id = ?1",
                params![lead_id, crm_status, crm_lead_id],
            )?;
            Ok(())
        })
        .await
    }

    /// Append one audit row.
    pub(crate) async fn audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        self.run(move |conn| {
            insert_audit(conn, &entry)?;
            Ok(())
        })
        .await
    }
}

fn insert_audit(conn: &Connection, a: &AuditEntry) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (ts, agent, tool, outcome, trace_id, email_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            rfc3339_ms(Utc::now()),
            a.agent,
            a.tool,
            a.outcome,
            a.trace_id,
            a.email_sha256
        ],
    )?;
    Ok(())
}
