//! Reproductions: [`shell`] renders the chain of requests that showed a failure (the
//! [`SentRequest`]s the run recorded for that transport × case) as a ready-to-run POSIX shell
//! snippet of `curl` commands, which [`attach`] puts on every FAIL and ERROR detail of a report.
//!
//! Bearer tokens become environment variable references (`$DEALER_TCK_TOKEN_A`…), never their
//! values; an MCP chain opens its own session first (the recorded `Mcp-Session-Id` belonged to
//! the run) and sends the session id it gets back; 🔒 values stay as the run's generated
//! canaries, which are synthetic. The snippet goes through the report's [`super::Redactor`] like
//! every other text, so a token the server echoed into a header cannot reach it either.

use super::SuiteReport;
use crate::transport::{Binding, SentRequest};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The longest request body a reproduction spells out; a longer one is cut, and says so.
pub const BODY_CAP: usize = 16 * 1024;

/// A case of a run: (suite id, transport name, case id).
pub type CaseKey = (String, String, String);

/// The recorded chains of a run, by case.
pub type Chains = BTreeMap<CaseKey, Arc<[Arc<SentRequest>]>>;

/// A bearer token and the environment variable a reproduction reads it from.
#[derive(Debug, Clone)]
pub struct TokenEnv {
    /// The token (never printed).
    pub token: String,
    /// `DEALER_TCK_TOKEN_A`, …
    pub var: &'static str,
}

/// Put a reproduction on every detail of a FAIL, WARN or ERROR result: the chain of requests
/// of its transport × case when the run recorded one, else (a failure judged from the whole
/// run: an end-of-run scan, a side effect, discovery) the `dealer-tck replay` command of the
/// report at `report` that sends it again; and the unit that sent the case (`units`).
pub fn attach(
    suites: &mut [SuiteReport],
    chains: &Chains,
    units: &std::collections::HashMap<CaseKey, usize>,
    tokens: &[TokenEnv],
    report: &str,
) {
    use super::Verdict::{Error, Fail, Warn};
    for s in suites.iter_mut() {
        for r in s.results.iter_mut() {
            if !matches!(r.verdict, Fail | Warn | Error) {
                continue;
            }
            for d in r.details.iter_mut().filter(|d| d.case != "-") {
                let key = (s.suite.clone(), r.transport.clone(), d.case.clone());
                d.unit = units.get(&key).copied();
                d.reproduction = Some(match chains.get(&key) {
                    Some(chain) => shell(chain, tokens),
                    None => replay_command(report, &r.clause, &d.case),
                });
            }
        }
    }
}

/// The reproduction of a failure no single chain of requests showed.
fn replay_command(report: &str, clause: &str, case: &str) -> String {
    format!(
        "# judged from what the whole run showed, not from one exchange: send it again with\n\
         dealer-tck replay {} --clause {} --case {}\n",
        quote(report),
        quote(clause),
        quote(case)
    )
}

/// `chain` as a shell snippet: one `curl` per request, in order.
pub fn shell(chain: &[Arc<SentRequest>], tokens: &[TokenEnv]) -> String {
    let mut out = String::new();
    let later = if chain.len() > 1 {
        "\n# later steps carry what the run's earlier answers gave (a reservation token…): \
         put in what your earlier steps get"
    } else {
        ""
    };
    let mut vars: Vec<&str> = vec![];
    for var in chain.iter().filter_map(|r| bearer_var(r, tokens)) {
        if !vars.contains(&var) {
            vars.push(var);
        }
    }
    out.push_str(&format!(
        "# {} request{} on {}",
        chain.len(),
        if chain.len() == 1 { "" } else { "s" },
        chain.first().map(|r| r.binding.name()).unwrap_or("-"),
    ));
    if !vars.is_empty() {
        out.push_str(&format!(
            "; export {} (the bearer token{})",
            vars.join(", "),
            if vars.len() == 1 { "" } else { "s" }
        ));
    }
    out.push_str(later);
    out.push('\n');
    // MCP: the run's session ids are gone; each becomes a session this snippet opens.
    let mut sessions: Vec<String> = vec![];
    for (i, req) in chain.iter().enumerate() {
        if let Some(before) = i.checked_sub(1).map(|j| &chain[j]) {
            let gap = req.at.saturating_duration_since(before.at);
            if gap >= std::time::Duration::from_secs(1) {
                out.push_str(&format!(
                    "# the run sent the next request {:.1} s after the one before (a hold may need to expire)\nsleep {}\n",
                    gap.as_secs_f64(),
                    gap.as_secs_f64().ceil()
                ));
            }
        }
        let session = header(req, "mcp-session-id");
        let session_var = match (req.binding, session) {
            (Binding::Mcp, Some(id)) => {
                let n = match sessions.iter().position(|s| s == id) {
                    Some(n) => n,
                    None => {
                        sessions.push(id.to_string());
                        out.push_str(&open_mcp_session(req, sessions.len(), tokens));
                        sessions.len() - 1
                    }
                };
                Some(format!("SID{}", n + 1))
            }
            _ => None,
        };
        if chain.len() > 1 {
            out.push_str(&format!("# {}.\n", i + 1));
        }
        out.push_str(&curl(req, session_var.as_deref(), tokens));
    }
    out
}

/// The variable a request's bearer token is read from, if it carries a known one.
fn bearer_var(req: &SentRequest, tokens: &[TokenEnv]) -> Option<&'static str> {
    let auth = header(req, "authorization")?;
    let tok = auth.strip_prefix("Bearer ")?;
    tokens.iter().find(|t| t.token == tok).map(|t| t.var)
}

fn header<'a>(req: &'a SentRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `initialize` and `notifications/initialized` as `req`'s caller, the session id kept in
/// `$SID<n>`.
fn open_mcp_session(req: &SentRequest, n: usize, tokens: &[TokenEnv]) -> String {
    let version = header(req, "mcp-protocol-version").unwrap_or("2025-11-25");
    let init = serde_json::json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "dealer-tck-reproduction", "version": env!("CARGO_PKG_VERSION")}
        }
    });
    let base = |body: &str| SentRequest {
        binding: Binding::Mcp,
        method: "POST",
        url: req.url.clone(),
        headers: req
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("mcp-session-id"))
            .cloned()
            .collect(),
        body: body.to_string(),
        at: req.at,
    };
    let first = curl_args(&base(&init.to_string()), None, tokens);
    let mut notified = base(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    notified
        .headers
        .push(("mcp-session-id".into(), "(this session)".into()));
    format!(
        "# open an MCP session (the run's session id is not reusable)\n\
         SID{n}=$(curl -sS -D - -o /dev/null{first} | tr -d '\\r' | sed -n 's/^[Mm][Cc][Pp]-[Ss][Ee][Ss][Ss][Ii][Oo][Nn]-[Ii][Dd]: *//p')\n{}",
        curl(&notified, Some(&format!("SID{n}")), tokens)
    )
}

/// One `curl` command line (after a comment line when its body is cut).
fn curl(req: &SentRequest, session_var: Option<&str>, tokens: &[TokenEnv]) -> String {
    let stream = req.binding.is_mcp()
        || header(req, "accept").is_some_and(|a| a.contains("text/event-stream"));
    format!(
        "{}curl -sS{}{}\n",
        cut_note(req),
        if stream { " -N" } else { "" },
        curl_args(req, session_var, tokens)
    )
}

/// The comment line before a request whose body is longer than [`BODY_CAP`].
fn cut_note(req: &SentRequest) -> String {
    if req.body.len() > BODY_CAP {
        format!(
            "# body cut: {} bytes, the first {} shown (the request below is not the one sent)\n",
            req.body.len(),
            body_cut(&req.body).len()
        )
    } else {
        String::new()
    }
}

/// The body as a reproduction spells it: at most [`BODY_CAP`] bytes, cut at a character.
fn body_cut(body: &str) -> &str {
    let mut cut = body.len().min(BODY_CAP);
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    &body[..cut]
}

/// ` -X POST 'url' -H '…' … --data-raw '…'`.
fn curl_args(req: &SentRequest, session_var: Option<&str>, tokens: &[TokenEnv]) -> String {
    let mut s = format!(" -X {} {}", req.method, quote(&req.url));
    for (k, v) in &req.headers {
        let lower = k.to_ascii_lowercase();
        if lower == "mcp-session-id"
            && let Some(var) = session_var
        {
            s.push_str(&format!(" \\\n  -H \"{k}: ${var}\""));
        } else if lower == "authorization"
            && let Some(var) = bearer_var(req, tokens)
        {
            s.push_str(&format!(" \\\n  -H \"{k}: Bearer ${var}\""));
        } else {
            s.push_str(&format!(" \\\n  -H {}", quote(&format!("{k}: {v}"))));
        }
    }
    s.push_str(&format!(" \\\n  --data-raw {}", quote(body_cut(&req.body))));
    s
}

/// `text` in single quotes for a POSIX shell (a `'` becomes `'\''`).
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(binding: Binding, headers: &[(&str, &str)], body: &str) -> Arc<SentRequest> {
        Arc::new(SentRequest {
            binding,
            method: "POST",
            url: "http://127.0.0.1:8080/mcp".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            at: std::time::Instant::now(),
        })
    }

    fn tokens() -> Vec<TokenEnv> {
        vec![TokenEnv {
            token: "tok-secret-agent-a-0001".into(),
            var: "DEALER_TCK_TOKEN_A",
        }]
    }

    #[test]
    fn each_variable_is_named_once() {
        let a = req(
            Binding::A2aJsonrpc,
            &[("authorization", "Bearer tok-secret-agent-a-0001")],
            "{}",
        );
        let b = req(
            Binding::A2aJsonrpc,
            &[("authorization", "Bearer tok-b-0002")],
            "{}",
        );
        let mut both = tokens();
        both.push(TokenEnv {
            token: "tok-b-0002".into(),
            var: "DEALER_TCK_TOKEN_B",
        });
        let s = shell(&[a.clone(), b, a], &both);
        assert!(
            s.contains("export DEALER_TCK_TOKEN_A, DEALER_TCK_TOKEN_B (the bearer tokens)"),
            "{s}"
        );
    }

    #[test]
    fn a_token_becomes_its_variable_and_never_appears() {
        let r = req(
            Binding::A2aJsonrpc,
            &[("authorization", "Bearer tok-secret-agent-a-0001")],
            r#"{"a":"it's"}"#,
        );
        let s = shell(&[r], &tokens());
        assert!(!s.contains("tok-secret"), "{s}");
        assert!(
            s.contains(r#"-H "authorization: Bearer $DEALER_TCK_TOKEN_A""#),
            "{s}"
        );
        assert!(s.contains("export DEALER_TCK_TOKEN_A"), "{s}");
        // The quote inside the body survives the shell's single quotes.
        assert!(s.contains(r#"--data-raw '{"a":"it'\''s"}'"#), "{s}");
    }

    #[test]
    fn an_unknown_token_is_kept_as_it_was_sent() {
        let r = req(
            Binding::A2aRest,
            &[("authorization", "Bearer never-issued")],
            "{}",
        );
        assert!(shell(&[r], &tokens()).contains("'authorization: Bearer never-issued'"));
    }

    #[test]
    fn an_mcp_chain_opens_one_session_per_recorded_session() {
        let a = req(
            Binding::Mcp,
            &[
                ("mcp-session-id", "run-session-1"),
                ("authorization", "Bearer tok-secret-agent-a-0001"),
            ],
            "{}",
        );
        let b = req(Binding::Mcp, &[("mcp-session-id", "run-session-1")], "{}");
        let c = req(Binding::Mcp, &[("mcp-session-id", "run-session-2")], "{}");
        let s = shell(&[a, b, c], &tokens());
        assert!(!s.contains("run-session"), "{s}");
        assert_eq!(s.matches("\"method\":\"initialize\"").count(), 2, "{s}");
        assert!(
            s.contains("SID1=$(curl") && s.contains("SID2=$(curl"),
            "{s}"
        );
        assert_eq!(s.matches(r#"-H "mcp-session-id: $SID1""#).count(), 3, "{s}");
        assert!(s.starts_with("# 3 requests on mcp"), "{s}");
    }

    #[test]
    fn a_long_body_is_cut_on_a_comment_line_of_its_own() {
        let body = "é".repeat(BODY_CAP);
        let s = shell(&[req(Binding::A2aJsonrpc, &[], &body)], &[]);
        let note = s
            .lines()
            .position(|l| l.starts_with(&format!("# body cut: {} bytes", body.len())))
            .expect("the note");
        // The note stands before the command, so the command still carries its body.
        assert!(s.lines().nth(note + 1).unwrap().starts_with("curl "), "{s}");
        assert!(s.trim_end().ends_with('\''), "{s}");
        assert!(s.len() < BODY_CAP + 1024);
    }

    #[test]
    fn a_long_wait_between_two_requests_is_kept() {
        let first = req(Binding::A2aJsonrpc, &[], "{}");
        let mut later = (*req(Binding::A2aJsonrpc, &[], "{}")).clone();
        later.at = first.at + std::time::Duration::from_millis(1500);
        let s = shell(&[first, Arc::new(later)], &[]);
        assert!(s.contains("\nsleep 2\n# 2.\n"), "{s}");
        let quick = shell(
            &[
                req(Binding::A2aJsonrpc, &[], "{}"),
                req(Binding::A2aJsonrpc, &[], "{}"),
            ],
            &[],
        );
        assert!(!quick.contains("sleep"), "{quick}");
    }

    #[test]
    fn a_failure_without_a_chain_gets_the_replay_command() {
        let s = replay_command("reports/x y/report.json", "DMC12-PII-LOG-001", "it's");
        assert!(
            s.ends_with(
                "dealer-tck replay 'reports/x y/report.json' --clause 'DMC12-PII-LOG-001' --case 'it'\\''s'\n"
            ),
            "{s}"
        );
    }
}
