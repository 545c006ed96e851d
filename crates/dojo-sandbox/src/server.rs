//! The HTTP server: hyper on a tokio runtime of its own thread. Faults that need the raw
//! connection (dropping it, cutting a body short) are applied here.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, watch};

use crate::Config;
use crate::faults::FaultKind;
use crate::json::to_json;
use crate::problem::ApiError;
use crate::routes;
use crate::store::State;

/// What the server threads share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) config: Config,
    /// Connections accepted so far.
    pub(crate) connections: AtomicU64,
    /// Requests answered (or dropped by a fault) so far.
    pub(crate) requests: AtomicU64,
}

impl Shared {
    /// The state. A panic while it was held cannot leave it half-changed in a way that
    /// matters to a test double, so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An error answer with a fresh trace id.
    pub(crate) fn error(&self, e: &ApiError) -> Reply {
        let trace_id = self.lock().trace_id();
        let body = to_json(&e.body(&trace_id)).unwrap_or_default();
        let headers = e.allow.iter().map(|a| ("allow", a.clone())).collect();
        Reply { status: e.status, content_type: "application/problem+json; charset=utf-8", body, headers }
    }

    /// A JSON answer written as the real server writes it.
    pub(crate) fn json<T: serde::Serialize>(&self, status: u16, value: &T) -> Reply {
        match to_json(value) {
            Ok(body) => Reply { status, content_type: "application/json; charset=utf-8", body, headers: Vec::new() },
            Err(e) => self.error(&ApiError::new(500, format!("The response could not be encoded: {e}"))),
        }
    }
}

/// An answer before it becomes a hyper response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn empty(status: u16) -> Self {
        Reply { status, content_type: "", body: Vec::new(), headers: Vec::new() }
    }

    fn into_response(self, truncate: bool) -> Response<Body> {
        let full_len = self.body.len();
        let body = if truncate {
            let mut b = self.body;
            b.truncate(full_len / 2);
            Body::Truncated { half: Some(Bytes::from(b)), wait: None }
        } else {
            Body::Full(Some(Bytes::from(self.body)))
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers_mut();
        if !self.content_type.is_empty() {
            h.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        // A 204 carries no body and, by RFC 9110, no Content-Length.
        if self.status != 204 {
            h.insert(CONTENT_LENGTH, HeaderValue::from(full_len));
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
        resp
    }
}

/// A response body: whole, or cut in half by [`FaultKind::TruncateBody`] (half is sent,
/// then after a moment the body fails, so hyper closes the connection short of the
/// announced `Content-Length`).
pub(crate) enum Body {
    Full(Option<Bytes>),
    Truncated { half: Option<Bytes>, wait: Option<Pin<Box<tokio::time::Sleep>>> },
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Truncated { half, wait } => {
                if let Some(h) = half.take() {
                    return Poll::Ready(Some(Ok(Frame::data(h))));
                }
                let sleep = wait.get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
                ready!(sleep.as_mut().poll(cx));
                Poll::Ready(Some(Err(io::Error::other("body truncated by an injected fault"))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Truncated { .. } => SizeHint::default(),
        }
    }
}

/// Accepts connections until `shutdown` changes.
pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, shared.clone(), shutdown.clone()));
                }
                // Out of descriptors or similar: back off rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
}

async fn connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let kill = Arc::new(Notify::new());
    let svc = {
        let kill = kill.clone();
        service_fn(move |req| handle(shared.clone(), kill.clone(), req))
    };
    let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc);
    // Dropping the connection future closes the socket without another byte written.
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Closes this request's connection with nothing more sent.
async fn drop_connection(kill: &Notify) -> Result<Response<Body>, Infallible> {
    kill.notify_one();
    std::future::pending().await
}

async fn handle(shared: Arc<Shared>, kill: Arc<Notify>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let (parts, incoming) = req.into_parts();
    let target = match routes::resolve(&parts.method, parts.uri.path()) {
        Ok(t) => t,
        Err(e) => return Ok(shared.error(&e).into_response(false)),
    };
    let fault = target.route().and_then(|route| {
        let mut state = shared.lock();
        let state = &mut *state;
        state.faults.hit(route, &mut state.rng)
    });
    match fault {
        Some(FaultKind::Latency(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::Status(s)) => {
            let e = ApiError::new(s, "Injected by a dojo-sandbox fault; the state is unchanged.");
            return Ok(shared.error(&e).into_response(false));
        }
        Some(FaultKind::StatusRetryAfter { status, retry_after }) => {
            let e = ApiError::new(status, "Injected by a dojo-sandbox fault; the state is unchanged.");
            let mut reply = shared.error(&e);
            reply.headers.push(("retry-after", FaultKind::retry_after_seconds(retry_after).to_string()));
            return Ok(reply.into_response(false));
        }
        Some(FaultKind::DropBeforeCommit) => return drop_connection(&kill).await,
        _ => {}
    }
    let body = match read_body(&parts.headers, incoming, shared.config.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => return Ok(shared.error(&e).into_response(false)),
    };
    let reply = routes::handle(&shared, target, &parts, &body);
    match fault {
        Some(FaultKind::DropAfterCommit) => drop_connection(&kill).await,
        Some(FaultKind::TruncateBody) => Ok(reply.into_response(true)),
        _ => Ok(reply.into_response(false)),
    }
}

/// The whole request body, refused with 413 past `max` bytes.
async fn read_body(headers: &hyper::HeaderMap, incoming: Incoming, max: usize) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::new(413, format!("The request body is larger than {max} bytes."));
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match Limited::new(incoming, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(ApiError::new(400, format!("The request body could not be read: {e}"))),
    }
}
