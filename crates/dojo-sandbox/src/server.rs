//! The HTTP server: hyper on a tokio runtime of its own thread. Faults that need the raw
//! connection (dropping it, cutting a body short) are applied here, and the webhook
//! deliveries the emulator queues are made from here.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use dojo_core::Timestamp;
use http_body_util::{BodyExt, Full, Limited};
use hyper::StatusCode;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

use crate::clock::WallClock;
use crate::config::Config;
use crate::emulator::{DeliveryId, Emulator, Outcome};
use crate::message::{Request, Response};
use crate::problem::ApiError;
use crate::webhooks::{Delivery, loopback_target};

/// What the server threads share: the emulator behind one lock, the wall clock, and the
/// queue to the webhook worker.
#[derive(Debug)]
pub(crate) struct Shared {
    emulator: Mutex<Emulator>,
    wall: WallClock,
    pub(crate) config: Config,
    outbox: mpsc::UnboundedSender<DeliveryId>,
}

impl Shared {
    pub(crate) fn new(config: Config, base_url: &str, outbox: mpsc::UnboundedSender<DeliveryId>) -> Self {
        let mut emulator = Emulator::new(&config);
        emulator.presize();
        emulator.set_base_url(base_url);
        Shared { emulator: Mutex::new(emulator), wall: WallClock::new(config.start_time), config, outbox }
    }

    /// Runs `f` on the emulator with the wall clock's now, then hands the deliveries it
    /// queued to the webhook worker. A panic while the lock was held cannot leave the
    /// state half-changed in a way that matters to a test double, so a poisoned lock is
    /// taken over.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Emulator, Timestamp) -> R) -> R {
        let mut emu = self.emulator.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.wall.now();
        let r = f(&mut emu, now);
        for id in emu.take_outbox() {
            // The worker is gone only when the sandbox is shutting down.
            let _ = self.outbox.send(id);
        }
        r
    }
}

fn into_hyper(resp: Response, truncate: bool) -> hyper::Response<Body> {
    let full_len = resp.body.len();
    let body = if truncate {
        let mut b = resp.body;
        b.truncate(full_len / 2);
        Body::Truncated { half: Some(Bytes::from(b)), wait: None }
    } else {
        Body::Full(Some(Bytes::from(resp.body)))
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    for (name, value) in resp.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            h.insert(n, v);
        }
    }
    out
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

/// Accepts connections until `shutdown` changes, at most `Config::max_connections` open
/// at once (past it, new connections wait in the listen backlog until one closes).
pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections.clamp(1, Semaphore::MAX_PERMITS)));
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, shared.clone(), shutdown.clone(), permit));
                }
                // Out of descriptors or similar: back off rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    shared.with(|emu, _| emu.count_connection());
    let kill = Arc::new(Notify::new());
    let svc = {
        let kill = kill.clone();
        let shared = shared.clone();
        service_fn(move |req| handle(shared.clone(), kill.clone(), req))
    };
    // Headers (of the first request and of every later one on the connection) must arrive
    // within the header timeout, or hyper closes the connection.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.header_read_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    // Dropping the connection future closes the socket without another byte written.
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Closes this request's connection with nothing more sent.
async fn drop_connection(kill: &Notify) -> Result<hyper::Response<Body>, Infallible> {
    kill.notify_one();
    std::future::pending().await
}

/// Reads the request, hands it to the emulator, and writes back what it answers.
async fn handle(
    shared: Arc<Shared>,
    kill: Arc<Notify>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Infallible> {
    let (parts, incoming) = req.into_parts();
    let target = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let mut request = Request::new(parts.method.as_str(), target);
    request.headers = parts.headers.iter().map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec())).collect();
    let limit = shared.config.body_read_timeout;
    let read = tokio::time::timeout(limit, read_body(&parts.headers, incoming, shared.config.max_body_bytes));
    match read.await {
        Ok(Ok(b)) => request.body = b.to_vec(),
        Ok(Err(e)) => request.body_error = Some(e),
        Err(_) => {
            let e = ApiError::new(408, format!("The request body did not arrive within {} ms.", limit.as_millis()));
            request.body_error = Some(e);
        }
    }
    let mut outcome = shared.with(|emu, now| emu.handle(request, now));
    if let Outcome::Delayed(pending) = outcome {
        // A server finishes what it received: the held request runs in a task of its own,
        // which goes on (and commits) even if the client gives up and hyper drops this future.
        let shared = shared.clone();
        let held = tokio::spawn(async move {
            tokio::time::sleep(pending.delay()).await;
            shared.with(|emu, now| emu.resume(pending, now))
        });
        outcome = held.await.unwrap_or(Outcome::DropBeforeCommit);
    }
    match outcome {
        Outcome::Answer(r) => Ok(into_hyper(r, false)),
        Outcome::Truncated(r) => Ok(into_hyper(r, true)),
        Outcome::DropBeforeCommit | Outcome::DropAfterCommit(_) | Outcome::Delayed(_) => drop_connection(&kill).await,
    }
}

/// The largest refused body read to its end before the 413 is sent.
const DRAIN_MAX: usize = 1 << 20;

/// The whole request body, refused with 413 past `max` bytes.
async fn read_body(headers: &hyper::HeaderMap, incoming: Incoming, max: usize) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::new(413, format!("The request body is larger than {max} bytes."));
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > max as u64) {
        // Read (and drop) a body that is not huge before answering: closing a connection
        // with unread data makes the kernel reset it, and the client may lose the 413.
        if n <= DRAIN_MAX as u64 {
            let _ = Limited::new(incoming, DRAIN_MAX).collect().await;
        }
        return Err(too_large());
    }
    match Limited::new(incoming, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(ApiError::new(400, format!("The request body could not be read: {e}"))),
    }
}

/// How long one delivery attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Makes the deliveries the shell's outbox hands over, each in its own task, until the
/// sandbox stops.
pub(crate) async fn worker(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<DeliveryId>) {
    while let Some(id) = rx.recv().await {
        let shared = shared.clone();
        tokio::spawn(async move { deliver(shared, id).await });
    }
}

async fn deliver(shared: Arc<Shared>, id: DeliveryId) {
    for attempt in 1u32.. {
        let Some(d) = shared.with(|emu, _| emu.delivery(id).cloned()) else { return };
        let result = tokio::time::timeout(ATTEMPT_TIMEOUT, post(&d)).await.unwrap_or_else(|_| Err("timed out".into()));
        if !shared.with(|emu, _| emu.record_delivery_attempt(id, attempt, result)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50 << attempt.min(6))).await;
    }
}

/// One POST of a delivery; the response status, or why there was none.
async fn post(d: &Delivery) -> Result<u16, String> {
    let (host, port, path) =
        loopback_target(&d.url).ok_or_else(|| "the sandbox delivers to http:// loopback URLs only".to_owned())?;
    let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = hyper::Request::post(path)
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "dojo-sandbox-webhooks");
    if let Some(sig) = &d.signature {
        req = req.header(dojo_core::webhook::SIGNATURE_HEADER, sig.as_str());
    }
    let req = req.body(Full::new(Bytes::from(d.body.clone()))).map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    // Drain the answer so the connection ends cleanly; its content does not matter.
    let _ = resp.into_body().collect().await;
    Ok(status)
}
