//! [`CrmClient`]: the best-effort DriveCentric lead POST (BINDINGS.md §4, dealer-tck's own
//! contract): `POST <crm>/api/stores/<store>/leads/adf`, `Content-Type: application/xml`,
//! `Authorization: Bearer <crm token>`, bounded by the CRM timeout. Only `201 {"leadId"}`
//! counts as a created lead.

use std::time::Duration;

use reqwest::StatusCode;

use super::ReferenceError;

/// The DriveCentric client of one server.
pub(crate) struct CrmClient {
    client: reqwest::Client,
    endpoint: String,
    token: String,
}

impl CrmClient {
    /// A client for `base` (e.g. `http://127.0.0.1:9000`) and the given store and token.
    pub(crate) fn new(
        base: &str,
        store_id: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<CrmClient, ReferenceError> {
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| ReferenceError::Config(format!("crm url '{base}': {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ReferenceError::Config(format!(
                "crm url '{base}' must be http(s)"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| ReferenceError::Config(format!("crm client: {e}")))?;
        Ok(CrmClient {
            client,
            endpoint: format!(
                "{}/api/stores/{store_id}/leads/adf",
                base.trim_end_matches('/')
            ),
            token: token.to_string(),
        })
    }

    /// POST one ADF document. `Ok(leadId)` only for 201 with a JSON `leadId` string; every
    /// other outcome (status, timeout, reset, bad body) is `Err(reason)`.
    /// `with_auth = false` is the `crm-without-auth` defect.
    pub(crate) async fn post_lead(&self, adf: String, with_auth: bool) -> Result<String, String> {
        let mut req = self
            .client
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .body(adf);
        if with_auth {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                "timeout".to_string()
            } else {
                format!("request failed: {e}")
            }
        })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                "timeout reading the answer".to_string()
            } else {
                format!("reading the answer failed: {e}")
            }
        })?;
        if status != StatusCode::CREATED {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| "answer is not JSON".to_string())?;
        match v.get("leadId") {
            Some(serde_json::Value::String(id)) if !id.is_empty() => Ok(id.clone()),
            _ => Err("answer has no leadId".into()),
        }
    }
}
