//! A bounded Server-Sent-Events reader ([`SseReader`]) for MCP Streamable HTTP replies: reads
//! events until the JSON-RPC message answering a given request id, skipping comments,
//! empty-data events and notifications, never waiting for EOF.
//!
//! Parsing is split from I/O: [`SseParser`] turns bytes into [`SseEvent`]s following the
//! WHATWG event-stream rules (LF, CR and CRLF line ends, a leading BOM, `:` comments,
//! `data:` lines joined by `\n`, `event:`, `id:`, an event dispatched at a blank line, an
//! unterminated event at EOF discarded), and [`SseReader::push`] picks the answer out of the
//! events. Both work on chunks split anywhere. [`SseReader::read`] drives them over a
//! `reqwest::Response` byte stream within the configured time bound.

use super::{ClientConfig, TransportError, ids_equal, map_reqwest_error};
use futures_util::StreamExt;
use serde_json::Value;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` type (empty when none was given, which means `message`).
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
    /// The last event id seen so far in the stream (`id:` persists across events).
    pub id: Option<String>,
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// One event (its lines, including a line still being read) exceeded the limit.
    #[error("one SSE event exceeded {limit} bytes")]
    EventTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The stream as a whole exceeded the limit before the answer came.
    #[error("SSE stream exceeded {limit} bytes before the answer")]
    StreamTooLarge {
        /// The limit.
        limit: usize,
    },
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// An incremental event-stream parser.
#[derive(Debug)]
pub struct SseParser {
    max_event: usize,
    /// Bytes of the line being read.
    line: Vec<u8>,
    /// Bytes of the event being built (all its lines so far).
    event_bytes: usize,
    data: String,
    event: String,
    last_id: Option<String>,
    /// The previous byte was CR: an immediately following LF belongs to the same line end.
    after_cr: bool,
    /// Nothing but (a prefix of) the BOM has been seen yet.
    at_start: bool,
    /// Bytes of a possible BOM held back at the start of the stream.
    start: Vec<u8>,
}

impl SseParser {
    /// A parser that rejects any single event larger than `max_event` bytes.
    pub fn new(max_event: usize) -> SseParser {
        SseParser {
            max_event,
            line: Vec::new(),
            event_bytes: 0,
            data: String::new(),
            event: String::new(),
            last_id: None,
            after_cr: false,
            at_start: true,
            start: Vec::new(),
        }
    }

    /// Feed the next chunk; events completed by it are appended to `out` (also when an error
    /// is returned, the events before the failure are there).
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        let mut rest = chunk;
        if self.at_start {
            // Hold back bytes while they could still be a split BOM.
            while let Some((&b, tail)) = rest.split_first() {
                if self.start.len() < BOM.len() && BOM[self.start.len()] == b {
                    self.start.push(b);
                    rest = tail;
                    if self.start.len() == BOM.len() {
                        self.start.clear();
                        self.at_start = false;
                        break;
                    }
                } else {
                    // Not a BOM: the held bytes are ordinary content.
                    let held = std::mem::take(&mut self.start);
                    self.at_start = false;
                    self.bytes(&held, out)?;
                    break;
                }
            }
            if self.at_start {
                return Ok(());
            }
        }
        self.bytes(rest, out)
    }

    fn bytes(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match b {
                b'\n' if after_cr => {}
                b'\n' => self.end_line(out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out);
                }
                _ => {
                    self.line.push(b);
                    if self.event_bytes + self.line.len() > self.max_event {
                        return Err(SseError::EventTooLarge {
                            limit: self.max_event,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        self.event_bytes += line.len() + 1;
        let line = String::from_utf8_lossy(&line);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {} // `retry` and unknown fields do not affect the answer.
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        self.event_bytes = 0;
        let event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        out.push(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        });
    }
}

/// What [`SseReader`] saw of events that were not the answer (for a one-line reason when the
/// stream ends without one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Events with empty data (e.g. the MCP priming event).
    pub empty: usize,
    /// Events whose data is not JSON.
    pub not_json: usize,
    /// JSON-RPC requests and notifications from the server.
    pub server_messages: usize,
    /// Responses to other ids, and other JSON.
    pub other: usize,
}

/// Picks the JSON-RPC response to one request id out of an event stream.
#[derive(Debug)]
pub struct SseReader {
    parser: SseParser,
    expected_id: Option<Value>,
    max_total: usize,
    raw: Vec<u8>,
    events: usize,
    skipped: Skipped,
}

/// The outcome of [`SseReader::read`].
#[derive(Debug, Clone)]
pub struct SseRead {
    /// The JSON-RPC response (an object with `result` or `error`), if the stream carried one.
    pub answer: Option<Value>,
    /// Why there is no answer (one line), when `answer` is `None`.
    pub reason: String,
    /// The stream text read so far (lossy UTF-8).
    pub raw: String,
}

impl SseReader {
    /// A reader for the answer to `expected_id` (`None`: the first response of any id),
    /// with `max_body` bounding each event and the whole stream.
    pub fn new(expected_id: Option<Value>, max_body: usize) -> SseReader {
        SseReader {
            parser: SseParser::new(max_body),
            expected_id,
            max_total: max_body,
            raw: Vec::new(),
            events: 0,
            skipped: Skipped::default(),
        }
    }

    /// Feed the next chunk of the stream. `Ok(Some(answer))` as soon as the answer is
    /// complete (later bytes, even in the same chunk, are not looked at).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Option<Value>, SseError> {
        let room = self.max_total.saturating_sub(self.raw.len());
        let (taken, over) = if chunk.len() > room {
            (&chunk[..room], true)
        } else {
            (chunk, false)
        };
        self.raw.extend_from_slice(taken);
        let mut events = Vec::new();
        let parsed = self.parser.feed(taken, &mut events);
        for event in &events {
            self.events += 1;
            if let Some(answer) = self.answer_in(event) {
                return Ok(Some(answer));
            }
        }
        parsed?;
        if over {
            return Err(SseError::StreamTooLarge {
                limit: self.max_total,
            });
        }
        Ok(None)
    }

    /// The stream text read so far (lossy UTF-8).
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// What was skipped so far.
    pub fn skipped(&self) -> &Skipped {
        &self.skipped
    }

    /// One line explaining that the stream ended without the answer.
    pub fn no_answer_reason(&self) -> String {
        let id = self
            .expected_id
            .as_ref()
            .map_or_else(|| "any id".to_string(), |v| format!("id {v}"));
        let s = &self.skipped;
        format!(
            "SSE stream ended without a response to {id} ({} events: {} empty, {} not JSON, {} server requests/notifications, {} other)",
            self.events, s.empty, s.not_json, s.server_messages, s.other
        )
    }

    fn answer_in(&mut self, event: &SseEvent) -> Option<Value> {
        if event.data.trim().is_empty() {
            self.skipped.empty += 1;
            return None;
        }
        let Ok(json) = serde_json::from_str::<Value>(&event.data) else {
            self.skipped.not_json += 1;
            return None;
        };
        let candidates: Vec<Value> = match json {
            Value::Array(items) => items,
            other => vec![other],
        };
        for msg in candidates {
            if self.is_answer(&msg) {
                return Some(msg);
            }
            if msg.get("method").is_some() {
                self.skipped.server_messages += 1;
            } else {
                self.skipped.other += 1;
            }
        }
        None
    }

    /// A response (no `method`, has `result` or `error`) to the expected id. An error with a
    /// null id also counts: the server could not tell which request it answers, and there is
    /// only one request per POST.
    fn is_answer(&self, msg: &Value) -> bool {
        let Some(obj) = msg.as_object() else {
            return false;
        };
        if obj.contains_key("method") || !(obj.contains_key("result") || obj.contains_key("error"))
        {
            return false;
        }
        match (&self.expected_id, obj.get("id")) {
            (None, _) => true,
            (Some(want), Some(got)) if ids_equal(want, got) => true,
            (Some(_), None | Some(Value::Null)) => obj.contains_key("error"),
            _ => false,
        }
    }

    /// Read `resp`'s body until the answer, EOF, an error, or `cfg.timeout`. Returns as soon
    /// as the answer is complete and drops the stream (never waits for EOF).
    pub async fn read(
        mut self,
        resp: reqwest::Response,
        url: &str,
        cfg: &ClientConfig,
    ) -> Result<SseRead, TransportError> {
        let mut stream = resp.bytes_stream();
        let read = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| map_reqwest_error(url, &e, cfg))?;
                match self.push(&chunk) {
                    Ok(Some(answer)) => {
                        return Ok(SseRead {
                            answer: Some(answer),
                            reason: String::new(),
                            raw: self.raw_text(),
                        });
                    }
                    Ok(None) => {}
                    Err(_) => {
                        return Err(TransportError::TooLarge {
                            url: url.to_string(),
                            limit: cfg.max_body,
                        });
                    }
                }
            }
            Ok(SseRead {
                answer: None,
                reason: self.no_answer_reason(),
                raw: self.raw_text(),
            })
        };
        match tokio::time::timeout(cfg.timeout, read).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout {
                url: url.to_string(),
                secs: cfg.timeout.as_secs_f64(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new(1 << 20);
        let mut out = Vec::new();
        for c in chunks {
            assert_eq!(p.feed(c, &mut out), Ok(()));
        }
        out
    }

    fn ev(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(str::to_string),
        }
    }

    const STREAM: &str = "\u{feff}: comment\r\nid: 7\r\ndata:\r\n\r\nevent: message\rdata: {\"a\":\rdata:  1}\r\r: x\n\ndata\nid: 9\nretry: 5\nunknown: q\n\ndata: tail-without-blank-line";

    fn expected() -> Vec<SseEvent> {
        vec![
            ev("", "", Some("7")),
            ev("message", "{\"a\":\n 1}", Some("7")),
            ev("", "", Some("9")),
        ]
    }

    #[test]
    fn parses_spec_features() {
        assert_eq!(parse_all(&[STREAM.as_bytes()]), expected());
    }

    #[test]
    fn any_split_point_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for i in 0..=bytes.len() {
            assert_eq!(
                parse_all(&[&bytes[..i], &bytes[i..]]),
                expected(),
                "split at {i}"
            );
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_all(&singles), expected());
    }

    #[test]
    fn bom_only_stripped_at_start_and_partial_bom_is_content() {
        // A BOM later in the stream is content; a lone EF at the start is kept as content.
        let s = "data: \u{feff}x\n\n";
        assert_eq!(parse_all(&[s.as_bytes()]), vec![ev("", "\u{feff}x", None)]);
        let mut bytes = vec![0xEF];
        bytes.extend_from_slice(b"data: y\n\ndata: z\n\n");
        // The field name is "\u{fffd}data", unknown: the first event is ignored.
        assert_eq!(parse_all(&[&bytes]), vec![ev("", "z", None)]);
    }

    #[test]
    fn multibyte_utf8_split_inside_a_character() {
        let s = "data: käse €\n\n".as_bytes();
        for i in 0..=s.len() {
            assert_eq!(parse_all(&[&s[..i], &s[i..]]), vec![ev("", "käse €", None)]);
        }
    }

    #[test]
    fn event_size_is_bounded_even_without_line_end() {
        let mut p = SseParser::new(16);
        let mut out = Vec::new();
        assert_eq!(p.feed(b"data: 12345\n", &mut out), Ok(()));
        assert_eq!(
            p.feed(b"data: 1234567890", &mut out),
            Err(SseError::EventTooLarge { limit: 16 })
        );
        // A new event starts the count again.
        let mut p = SseParser::new(16);
        for _ in 0..10 {
            assert_eq!(p.feed(b"data: 12345\n\n", &mut out), Ok(()));
        }
        assert_eq!(out.len(), 10);
    }

    const MCP_STREAM: &str = concat!(
        ": keep-alive\n\n",
        "id: ev-1\ndata:\n\n",
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n\n",
        "data: not json\n\n",
        "event: message\nid: ev-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\n",
        "data: \"result\":{\"ok\":true}}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"second\":true}}\n\n",
    );

    fn answer_from(chunks: &[&[u8]], id: Option<Value>) -> Option<Value> {
        let mut r = SseReader::new(id, 1 << 20);
        for c in chunks {
            match r.push(c) {
                Ok(Some(answer)) => return Some(answer),
                Ok(None) => {}
                Err(e) => panic!("unexpected {e}"),
            }
        }
        None
    }

    #[test]
    fn reader_picks_the_answer_at_every_split() {
        let want = json!({"jsonrpc": "2.0", "id": 3, "result": {"ok": true}});
        let bytes = MCP_STREAM.as_bytes();
        for i in 0..=bytes.len() {
            assert_eq!(
                answer_from(&[&bytes[..i], &bytes[i..]], Some(json!(3))),
                Some(want.clone()),
                "split at {i}"
            );
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(answer_from(&singles, Some(json!(3))), Some(want));
    }

    #[test]
    fn reader_matches_ids_numerically_and_reports_what_it_skipped() {
        let s = b"data: {\"jsonrpc\":\"2.0\",\"id\":3.0,\"result\":1}\n\n";
        assert!(answer_from(&[s], Some(json!(3))).is_some());
        let s = b"data: {\"jsonrpc\":\"2.0\",\"id\":\"3\",\"result\":1}\n\n";
        assert!(answer_from(&[s], Some(json!(3))).is_none());

        let mut r = SseReader::new(Some(json!(5)), 1 << 20);
        assert_eq!(r.push(MCP_STREAM.as_bytes()), Ok(None));
        assert_eq!(
            r.skipped(),
            &Skipped {
                empty: 1,
                not_json: 1,
                server_messages: 1,
                other: 3
            }
        );
        assert!(r.no_answer_reason().contains("id 5"));
        assert_eq!(r.raw_text(), MCP_STREAM);
    }

    #[test]
    fn reader_accepts_null_id_errors_and_batches() {
        let s = b"data: {\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"m\"}}\n\n";
        assert!(answer_from(&[s], Some(json!(1))).is_some());
        let s = b"data: {\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}\n\n";
        assert!(answer_from(&[s], Some(json!(1))).is_none());
        let s = b"data: [{\"jsonrpc\":\"2.0\",\"method\":\"n\"},{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":2}]\n\n";
        assert_eq!(
            answer_from(&[s], Some(json!(1))),
            Some(json!({"jsonrpc": "2.0", "id": 1, "result": 2}))
        );
        let s = b"data: {\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{}}\n\n";
        assert!(answer_from(&[s], None).is_some());
    }

    #[test]
    fn reader_total_limit_and_answer_before_limit() {
        let answer = b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
        let mut r = SseReader::new(Some(json!(1)), answer.len());
        let mut bytes = answer.to_vec();
        bytes.extend_from_slice(b"data: more bytes past the limit\n\n");
        assert!(matches!(r.push(&bytes), Ok(Some(_))));

        let mut r = SseReader::new(Some(json!(1)), 40);
        let filler = b": comment comment\n\n";
        assert_eq!(r.push(filler), Ok(None));
        assert_eq!(r.push(filler), Ok(None));
        assert_eq!(r.push(filler), Err(SseError::StreamTooLarge { limit: 40 }));
    }
}
