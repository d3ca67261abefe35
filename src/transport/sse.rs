//! A bounded Server-Sent-Events reader ([`SseReader`]) for MCP Streamable HTTP replies: reads
//! events until the JSON-RPC message answering a given request id, skipping comments,
//! empty-data events and notifications, never waiting for EOF.
//!
//! The event-stream rules (LF, CR and CRLF line ends, a leading BOM, `:` comments, `data:`
//! lines joined by `\n`, an event dispatched at a blank line, an unterminated event at EOF
//! discarded) are the `sse-stream` crate's. Two things stay here because the crate does not do
//! them: the size bound (it caps no event, so `events` hands it only the first `max_body`
//! bytes of the stream, which also bounds any one event), and the WHATWG decoding of the
//! stream as UTF-8 with replacement (it ends the stream at an invalid byte, so `decode`
//! hands it text). [`SseReader::read`] drives them over a `reqwest::Response` byte stream
//! within the configured time bound.

use std::convert::Infallible;
use std::io::Cursor;
use std::pin::pin;
use std::task::{Poll, ready};

use super::{ClientConfig, TransportError, ids_equal, map_reqwest_error};
use futures_util::{Stream, StreamExt, future, stream};
use serde_json::Value;
use sse_stream::{Sse, SseByteStream};

/// `held` and the next chunk decoded as UTF-8 with replacement (as WHATWG decodes an event
/// stream), except a character the chunk ends in the middle of: that stays in `held`.
fn decode(held: &mut Vec<u8>, chunk: &[u8]) -> Vec<u8> {
    held.extend_from_slice(chunk);
    let end = held.len();
    let cut = (end.saturating_sub(3)..end)
        .find(|&i| {
            std::str::from_utf8(&held[i..])
                .is_err_and(|e| e.valid_up_to() == 0 && e.error_len().is_none())
        })
        .unwrap_or(end);
    let text = String::from_utf8_lossy(&held[..cut]).into_owned();
    held.drain(..cut);
    text.into_bytes()
}

/// The events `sse-stream` parses out of the first `limit` bytes of `body` (copied into
/// `raw`). A body error, or a byte past `limit`, ends the events and is left in `stop`
/// (`Some(Some(error))`, `Some(None)`).
fn events<'a, B: AsRef<[u8]>, E: 'a>(
    body: impl Stream<Item = Result<B, E>> + 'a,
    limit: usize,
    raw: &'a mut Vec<u8>,
    stop: &'a mut Option<Option<E>>,
) -> impl Stream<Item = Sse> + 'a {
    let mut body = Box::pin(body);
    let mut held = Vec::new();
    let input = stream::poll_fn(move |cx| {
        if stop.is_some() {
            return Poll::Ready(None);
        }
        let chunk = match ready!(body.as_mut().poll_next(cx)) {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => {
                *stop = Some(Some(e));
                return Poll::Ready(None);
            }
            None => return Poll::Ready(None),
        };
        let chunk = chunk.as_ref();
        let taken = &chunk[..chunk.len().min(limit - raw.len())];
        if taken.len() < chunk.len() {
            *stop = Some(None);
        }
        raw.extend_from_slice(taken);
        Poll::Ready(Some(Ok::<_, Infallible>(Cursor::new(decode(
            &mut held, taken,
        )))))
    });
    // The crate's errors, invalid UTF-8 and a failed input, cannot happen here (the input is
    // text that never fails); after one it would end anyway.
    SseByteStream::new(input).filter_map(|event| future::ready(event.ok()))
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
    expected_id: Option<Value>,
    max_body: usize,
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
    /// with `max_body` bounding the stream (and so each event).
    pub fn new(expected_id: Option<Value>, max_body: usize) -> SseReader {
        SseReader {
            expected_id,
            max_body,
            events: 0,
            skipped: Skipped::default(),
        }
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

    fn answer_in(&mut self, data: &str) -> Option<Value> {
        if data.trim().is_empty() {
            self.skipped.empty += 1;
            return None;
        }
        let Ok(json) = serde_json::from_str::<Value>(data) else {
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
        match tokio::time::timeout(cfg.timeout, self.scan(resp.bytes_stream())).await {
            Ok(Ok(read)) => Ok(read),
            Ok(Err(Some(e))) => Err(map_reqwest_error(url, &e, cfg)),
            Ok(Err(None)) => Err(TransportError::TooLarge {
                url: url.to_string(),
                limit: cfg.max_body,
            }),
            Err(_) => Err(TransportError::Timeout {
                url: url.to_string(),
                secs: cfg.timeout.as_secs_f64(),
            }),
        }
    }

    /// [`read`](Self::read) without the time bound, over any byte stream. `Err(Some(e))`:
    /// the body failed; `Err(None)`: it went past `max_body` before the answer. Bytes after
    /// the answer, even in its chunk, are not looked at.
    async fn scan<B: AsRef<[u8]>, E>(
        &mut self,
        body: impl Stream<Item = Result<B, E>>,
    ) -> Result<SseRead, Option<E>> {
        let (mut raw, mut stop) = (Vec::new(), None);
        let mut answer = None;
        {
            let mut events = pin!(events(body, self.max_body, &mut raw, &mut stop));
            while let Some(event) = events.next().await {
                if let Some(data) = event.data {
                    self.events += 1;
                    answer = self.answer_in(&data);
                    if answer.is_some() {
                        break;
                    }
                }
            }
        }
        let raw = String::from_utf8_lossy(&raw).into_owned();
        match (answer, stop) {
            (None, Some(stop)) => Err(stop),
            (answer, _) => Ok(SseRead {
                reason: match answer {
                    Some(_) => String::new(),
                    None => self.no_answer_reason(),
                },
                answer,
                raw,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use serde_json::json;

    fn body<'a>(chunks: &'a [&'a [u8]]) -> impl Stream<Item = Result<&'a [u8], Infallible>> + 'a {
        stream::iter(chunks.iter().map(|c| Ok(*c)))
    }

    /// The data of every event `chunks` carry (a stream of ready chunks needs no runtime).
    fn parse_all(chunks: &[&[u8]]) -> Vec<String> {
        let (mut raw, mut stop) = (Vec::new(), None);
        let data = events(body(chunks), 1 << 20, &mut raw, &mut stop)
            .filter_map(|e| future::ready(e.data))
            .collect::<Vec<_>>()
            .now_or_never()
            .expect("ready");
        assert!(stop.is_none());
        data
    }

    const STREAM: &str = "\u{feff}: comment\r\nid: 7\r\ndata:\r\n\r\nevent: message\rdata: {\"a\":\rdata:  1}\r\r: x\n\ndata\nid: 9\nretry: 5\nunknown: q\n\ndata: tail-without-blank-line";

    fn expected() -> Vec<String> {
        vec!["".into(), "{\"a\":\n 1}".into(), "".into()]
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
        assert_eq!(parse_all(&[s.as_bytes()]), vec!["\u{feff}x"]);
        let mut bytes = vec![0xEF];
        bytes.extend_from_slice(b"data: y\n\ndata: z\n\n");
        // The field name is "\u{fffd}data", unknown: the first event is ignored.
        assert_eq!(parse_all(&[&bytes]), vec!["z"]);
    }

    #[test]
    fn multibyte_utf8_split_inside_a_character() {
        let s = "data: käse €\n\n".as_bytes();
        for i in 0..=s.len() {
            assert_eq!(parse_all(&[&s[..i], &s[i..]]), vec!["käse €"]);
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_at_every_split() {
        // Each maximal invalid sequence is one U+FFFD, as in WHATWG decoding; the stream goes on.
        let s: &[u8] = b"data: a\xFFb\xE2\x82\ndata: \xF0\x9F\x98\x80\xC3\n\ndata: c\n\n";
        let want = vec!["a\u{FFFD}b\u{FFFD}\n\u{1F600}\u{FFFD}", "c"];
        for i in 0..=s.len() {
            assert_eq!(parse_all(&[&s[..i], &s[i..]]), want, "split at {i}");
        }
        let singles: Vec<&[u8]> = s.chunks(1).collect();
        assert_eq!(parse_all(&singles), want);
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

    fn scan(r: &mut SseReader, chunks: &[&[u8]]) -> Result<SseRead, Option<Infallible>> {
        r.scan(body(chunks)).now_or_never().expect("ready")
    }

    fn answer_from(chunks: &[&[u8]], id: Option<Value>) -> Option<Value> {
        scan(&mut SseReader::new(id, 1 << 20), chunks)
            .expect("within the limit")
            .answer
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
        let read = scan(&mut r, &[MCP_STREAM.as_bytes()]).expect("within the limit");
        assert_eq!(read.answer, None);
        assert_eq!(
            r.skipped(),
            &Skipped {
                empty: 1,
                not_json: 1,
                server_messages: 1,
                other: 3
            }
        );
        assert_eq!(read.reason, r.no_answer_reason());
        assert!(read.reason.contains("id 5") && read.reason.contains("(6 events:"));
        assert_eq!(read.raw, MCP_STREAM);
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
        let read = scan(&mut r, &[&bytes]).expect("the answer came first");
        assert!(read.answer.is_some());
        assert_eq!(read.raw.as_bytes(), answer);

        let filler: &[u8] = b": comment comment\n\n";
        let mut r = SseReader::new(Some(json!(1)), 40);
        assert!(scan(&mut r, &[filler, filler]).is_ok());
        let mut r = SseReader::new(Some(json!(1)), 40);
        assert!(matches!(scan(&mut r, &[filler, filler, filler]), Err(None)));
    }

    #[test]
    fn one_event_is_bounded_even_without_line_end() {
        // The bytes past the limit never reach the parser: what it holds stays below it.
        let mut r = SseReader::new(Some(json!(1)), 16);
        let (mut raw, mut stop) = (Vec::new(), None);
        let long = [b'x'; 1000];
        let chunks: &[&[u8]] = &[b"data: ", &long, b"\n\n"];
        let n = events(body(chunks), 16, &mut raw, &mut stop)
            .count()
            .now_or_never()
            .expect("ready");
        assert_eq!((n, raw.len(), stop.is_some()), (0, 16, true));
        assert!(matches!(scan(&mut r, chunks), Err(None)));
        let chunks: &[&[u8]] = &[b"data: 12345\n\n".as_slice(); 10];
        let mut r = SseReader::new(None, 1 << 20);
        assert!(scan(&mut r, chunks).is_ok());
        assert_eq!(r.skipped().other, 10);
    }
}
