//! Per-server log routing: [`capture_dispatch`] builds the `tracing::Dispatch` that writes a
//! server's log lines into its [`LogCapture`] buffer, and [`log_requests`] is the axum
//! middleware that runs every request inside it (and logs one line per request). Log lines
//! carry codes, agent ids, trace ids and hashes — never PII and never bearer tokens.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::{App, LogCapture};

/// Appends every write to the shared buffer.
#[derive(Clone)]
struct CaptureWriter(LogCapture);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CaptureWriter {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A fmt subscriber (no ANSI) writing the reference's INFO lines (and WARN from its
/// dependencies) into `buf`.
pub(crate) fn capture_dispatch(buf: LogCapture) -> tracing::Dispatch {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(CaptureWriter(buf))
        .with_ansi(false)
        .with_env_filter(EnvFilter::new("warn,dealer_tck=info"))
        .finish();
    tracing::Dispatch::new(subscriber)
}

/// Run `f` with `dispatch` as the default subscriber (or the global one when None).
pub(crate) fn in_dispatch<T>(dispatch: Option<&tracing::Dispatch>, f: impl FnOnce() -> T) -> T {
    match dispatch {
        Some(d) => tracing::dispatcher::with_default(d, f),
        None => f(),
    }
}

/// Middleware: handle the request inside the server's dispatch and log its outcome.
pub(crate) async fn log_requests(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let handled = async move {
        let resp = next.run(req).await;
        tracing::info!(%method, %path, status = resp.status().as_u16(), "request handled");
        resp
    };
    match &app.dispatch {
        Some(d) => handled.with_subscriber(d.clone()).await,
        None => handled.await,
    }
}
