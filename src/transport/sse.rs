//! A bounded Server-Sent-Events reader ([`SseReader`]) for MCP Streamable HTTP replies: reads
//! events until the JSON-RPC message answering a given request id, skipping comments,
//! empty-data events and notifications, never waiting for EOF.
