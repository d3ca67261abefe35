//! Leads: customer and vehicle keys for duplicate detection, lead ids, forwarding to the CRM.

use super::*;
use crate::reference::{App, Defect, Variant};
use crate::spec::codes::VALIDATION_ERROR;
use crate::spec::model::Vehicle;
use crate::spec::sha256_hex;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// The customer digests duplicates are matched on: trimmed, lower-cased email; phone.
pub(crate) fn customer_keys(data: &Value) -> (Option<String>, Option<String>) {
    let text = |p: &str| {
        data.pointer(p)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    (
        text("/customer/email").map(|e| sha256_hex(&e.to_lowercase())),
        text("/customer/phone").map(sha256_hex),
    )
}

/// What identifies the vehicle of interest for duplicate detection.
pub(crate) fn vehicle_key(v: Option<&Vehicle>, found: Option<&AapVehicle>) -> String {
    let Some(v) = v else {
        return "none".into();
    };
    if let Some(vin) = v.vin.as_deref() {
        return format!("vin:{}", vin.trim().to_uppercase());
    }
    if let Some(f) = found {
        return format!("vin:{}", f.vin);
    }
    if let Some(stock) = v.stock.as_deref() {
        return format!("stock:{}", stock.trim().to_uppercase());
    }
    format!(
        "ymm:{}|{}|{}",
        v.year.unwrap_or_default(),
        v.make.as_deref().unwrap_or("").trim().to_lowercase(),
        v.model.as_deref().unwrap_or("").trim().to_lowercase()
    )
}

/// A fresh lead id: `lead_<uuid simple>`, or with `aap-lead-id-reused` a per-binding counter
/// that hands out every number twice.
pub(crate) fn new_lead_id(app: &App, via: Via, lead: Lead) -> String {
    let reused = lead.has(app, Defect::AapLeadIdReused, Defect::AapGeneralLeadIdReused);
    if reused {
        let counter = &app.aap.counters[match via {
            Via::JsonRpc => 0,
            Via::Rest => 1,
        }];
        let n = counter.fetch_add(1, Ordering::SeqCst);
        return format!("lead_{:06}", n / 2 + 1);
    }
    format!("lead_{}", uuid::Uuid::new_v4().simple())
}

/// The `*-message-limit-off-by-one` defects' refusal of a 4000-character message.
pub(crate) fn off_by_one() -> OpError {
    OpError::new(
        VALIDATION_ERROR,
        "message",
        "message: violates maxLength 3999",
    )
}

/// The start of the duplicate window; with a `*-no-duplicate-detection` defect it lies in the
/// future, so no earlier lead ever matches.
pub(crate) fn duplicate_window_start(app: &App, lead: Lead, now: DateTime<Utc>) -> DateTime<Utc> {
    if lead.has(
        app,
        Defect::AapNoDuplicateDetection,
        Defect::AapGeneralNoDuplicateDetection,
    ) {
        now + Duration::days(1)
    } else {
        now - Duration::hours(DUPLICATE_WINDOW_HOURS)
    }
}

/// The `data` of an accepted answer; with a `*-duplicate-without-lead-id` defect a duplicate
/// carries no lead_id.
pub(crate) fn accepted_data(app: &App, lead: Lead, lead_id: &str, status: &str) -> Value {
    let drop_id = status == "duplicate"
        && lead.has(
            app,
            Defect::AapDuplicateWithoutLeadId,
            Defect::AapGeneralDuplicateWithoutLeadId,
        );
    if drop_id {
        json!({"status": status})
    } else {
        json!({"lead_id": lead_id, "status": status})
    }
}

/// POST the ADF lead (when the CRM is enabled) and record its outcome.
pub(crate) async fn forward(app: &App, lead_id: &str, adf: String) {
    let Some(crm) = app
        .crm
        .as_ref()
        .filter(|_| !app.is(Variant::AapNoCrmForwarding))
    else {
        let _ = app
            .store
            .set_lead_crm(lead_id.to_string(), "disabled".into(), None)
            .await;
        return;
    };
    let (status, crm_lead) = match crm.post_lead(adf, true).await {
        Ok(id) => ("sent", Some(id)),
        Err(reason) => {
            tracing::warn!(%lead_id, %reason, crm_status = "failed", "CRM lead not created");
            ("failed", None)
        }
    };
    if let Err(e) = app
        .store
        .set_lead_crm(lead_id.to_string(), status.into(), crm_lead)
        .await
    {
        tracing::warn!(error = %e, "lead CRM status not recorded");
    }
}

pub(crate) fn internal(what: impl std::fmt::Display) -> OpError {
    tracing::error!(error = %what, "internal error");
    OpError::new("INTERNAL", "", "internal error")
}

// ---------------------------------------------------------------------------------------------
// lead.submit
// ---------------------------------------------------------------------------------------------
