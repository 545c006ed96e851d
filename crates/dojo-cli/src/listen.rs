//! `dojo listen`: a webhook receiver on a loopback port, in the manner of the Stripe
//! CLI's `listen`.
//!
//! 1. Binds `127.0.0.1:PORT` (a `std` listener: one thread per delivery, at most
//!    [`MAX_IN_FLIGHT`] at once, each read and write bounded by [`IO_TIMEOUT`], heads by
//!    [`MAX_HEAD`] bytes, bodies by [`MAX_BODY`] bytes; `Content-Length` bodies only).
//! 2. Subscribes it on the configured API (`--events`, default every event type the API
//!    lists): a local emulator takes the loopback URL itself; the real API delivers only
//!    to `https://`, so there `--url` names the public HTTPS URL of a tunnel to the port.
//! 3. Verifies each delivery with the subscription's **active** secrets (all of them: a
//!    delivery signed with the previous secret of a rotation verifies while that secret
//!    is active). When a delivery matches none, the active set is read again (at most
//!    once per [`REFRESH_EVERY`]) and the delivery checked once more: that is how a
//!    rotation begun elsewhere is followed.
//! 4. Dedupes on the event id (dojo-core's [`SeenEvents`]): a retried delivery is
//!    answered 200 and not printed again. Prints one line per event (`--json`: the event,
//!    one JSON object per line) on stdout; everything else goes to stderr.
//! 5. Optionally forwards each new event to `--forward-to` (the raw body and the
//!    `dojo-signature` header, as delivered), after answering; forward errors are logged,
//!    never fatal.
//! 6. Stops after `--for SECONDS`, on Ctrl-C or SIGTERM (a second Ctrl-C exits at once,
//!    with code 130), waits for the deliveries in flight, and deletes its subscription.
//!
//! A bad delivery (unsigned, bad signature, not an event, oversized, not a POST) is
//! answered 4xx and logged as refused with its size and reason, never its body or
//! signature; it never stops the listener.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dojo_core::dedup::{SeenEvents, receive};
use dojo_core::json::Items;
use dojo_core::webhook::{SIGNATURE_HEADER, WebhookError, WebhookEvent};
use dojo_core::webhook_api::{ActiveSecretsError, SubscriptionRequest, SubscriptionSecret, UrlRule};
use dojo_ureq::Client;

use crate::cli::ListenArgs;
use crate::errors::CliError;
use crate::output::{Out, errln, outln};
use crate::webhooks::{events_or_all, url_rule};

/// The largest delivery body accepted (Dojo's events are well under 2 KiB).
pub(crate) const MAX_BODY: usize = 256 * 1024;
/// The largest request head accepted (request line and headers).
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The most headers a delivery may carry.
const MAX_HEADERS: usize = 64;
/// Each read and write of a delivery's connection; a whole delivery gets twice this.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries handled at once; beyond it a delivery is answered 503 (the sender retries).
pub(crate) const MAX_IN_FLIGHT: usize = 64;
/// The shortest time between two reads of the active secrets.
pub(crate) const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// How many event ids are remembered for deduplication.
const SEEN: usize = 4096;
/// How long the listener waits for the deliveries in flight when it stops.
const DRAIN: Duration = Duration::from_secs(5);
/// The path the receiver is subscribed at (any path is accepted).
const PATH: &str = "/webhooks";

/// What every delivery's thread shares.
struct Shared {
    client: Client,
    subscription: String,
    /// The active secrets' values, and when they were last read again (never, at first:
    /// the subscription's answer gave them).
    secrets: Mutex<(Vec<String>, Option<Instant>)>,
    seen: Mutex<Box<SeenEvents<SEEN>>>,
    json: bool,
    forward_to: Option<String>,
    fail_first: AtomicU32,
    in_flight: AtomicUsize,
    printed: AtomicU64,
    duplicates: AtomicU64,
    refused: AtomicU64,
}

/// The subscription, deleted when dropped unless [`remove`](Subscribed::remove)d (so an
/// early error still cleans up).
struct Subscribed {
    client: Client,
    id: String,
    removed: bool,
}

impl Subscribed {
    fn remove(mut self) -> Result<(), CliError> {
        self.removed = true;
        self.client.delete_subscription(&self.id).map(|_| ()).map_err(CliError::from)
    }
}

impl Drop for Subscribed {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        if let Err(e) = self.client.delete_subscription(&self.id) {
            errln!("could not delete subscription {}: {e}; delete it with `dojo webhooks delete {}`", self.id, self.id);
        }
    }
}

/// Whether `url` is an `http://` or `https://` URL without white space or controls.
fn plausible_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Runs `dojo listen`.
pub(crate) fn run(args: &ListenArgs, client: &Client, out: &Out) -> Result<(), CliError> {
    if let Some(f) = args.forward_to.as_deref().filter(|f| !plausible_url(f)) {
        return Err(CliError::Usage(format!("--forward-to {f:?} is not an http:// or https:// URL")));
    }
    let local_api = url_rule(client) == UrlRule::AllowLoopbackHttp;
    if args.url.is_none() && !local_api {
        let port = if args.port == 0 { "8787".to_owned() } else { args.port.to_string() };
        return Err(CliError::Usage(format!(
            "the Dojo API delivers webhooks only to https:// URLs, and this receiver is plain HTTP on \
             127.0.0.1: run an HTTPS tunnel to it (for example `cloudflared tunnel --url http://127.0.0.1:{port}` \
             or `ngrok http {port}`), then `dojo listen --port {port} --url https://YOUR-TUNNEL-HOST{PATH}`"
        )));
    }

    // Ctrl-C and SIGTERM set `stop`; a second one while stopping exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let registered = signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone())
            .and_then(|_| signal_hook::flag::register(signal, stop.clone()));
        if let Err(e) = registered {
            return Err(CliError::Usage(format!("cannot handle Ctrl-C ({e}): not listening")));
        }
    }

    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| CliError::Usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let addr = listener.local_addr().map_err(|e| CliError::Usage(format!("no local address: {e}")))?;
    listener.set_nonblocking(true).map_err(|e| CliError::Usage(format!("cannot listen: {e}")))?;
    let local_url = format!("http://{addr}{PATH}");
    let target = args.url.clone().unwrap_or_else(|| local_url.clone());

    let events = events_or_all(client, &args.events)?;
    let mut body = SubscriptionRequest::new(&target, &events);
    body.description = Some(dojo_core::Text::new("dojo listen"));
    let answer = client.create_subscription_with(&body, url_rule(client))?;
    let sub = answer.get();
    let subscribed = Subscribed { client: client.clone(), id: sub.id.to_string(), removed: false };
    let secrets = active_values(sub.secrets, |s, o| sub.active_secrets(s, o))?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        client: client.clone(),
        subscription: subscribed.id.clone(),
        secrets: Mutex::new((secrets, None)),
        seen: Mutex::new(Box::new(SeenEvents::new())),
        json: out.json(),
        forward_to: args.forward_to.clone(),
        fail_first: AtomicU32::new(args.fail_first),
        in_flight: AtomicUsize::new(0),
        printed: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });

    let names = events.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ");
    errln!("Ready: receiving on {local_url} as subscription {} ({names})", subscribed.id);
    if args.url.is_some() {
        errln!("  the API delivers to {target}: it must reach {local_url}");
    }
    if let Some(f) = &args.forward_to {
        errln!("  forwarding each new event to {f}");
    }
    errln!(
        "  verify forwarded deliveries with the secrets of `dojo webhooks secrets list {}`; Ctrl-C to stop",
        subscribed.id
    );

    let deadline = args.for_secs.and_then(|d| started.checked_add(d));
    accept_loop(&listener, &shared, &stop, deadline);
    drop(listener);

    // Let the deliveries in flight finish (bounded), then unsubscribe.
    let drain_until = Instant::now() + DRAIN;
    while shared.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < drain_until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let id = subscribed.id.clone();
    let removed = subscribed.remove();
    let (printed, dups, refused) = (
        shared.printed.load(Ordering::SeqCst),
        shared.duplicates.load(Ordering::SeqCst),
        shared.refused.load(Ordering::SeqCst),
    );
    match &removed {
        Ok(()) => errln!(
            "Stopped: {printed} events, {dups} repeated deliveries ignored, {refused} refused; subscription {id} deleted"
        ),
        Err(_) => errln!(
            "Stopped: {printed} events, {dups} repeated deliveries ignored, {refused} refused; subscription {id} \
             NOT deleted: delete it with `dojo webhooks delete {id}`"
        ),
    }
    removed
}

/// The active secrets' values (escapes decoded) that `read` writes (a subscription's or
/// a secrets list's `active_secrets`), refusing a subscription without one.
fn active_values<'a>(
    secrets: Option<Items<'a, SubscriptionSecret<'a>>>,
    read: impl for<'o> FnOnce(&'o mut [u8], &mut [&'o str]) -> Result<usize, ActiveSecretsError>,
) -> Result<Vec<String>, CliError> {
    let all: Vec<_> = secrets.into_iter().flatten().collect();
    let mut scratch = vec![0u8; all.iter().filter_map(|s| s.value).map(|v| v.expose().len()).sum::<usize>()];
    let mut out = vec![""; all.len()];
    let n = read(&mut scratch, &mut out)
        .map_err(|e| CliError::Refused(format!("cannot read the subscription's secrets: {e}")))?;
    let values: Vec<String> = out.iter().take(n).map(|s| (*s).to_owned()).collect();
    if values.is_empty() {
        return Err(CliError::Refused("the subscription has no active secret: deliveries cannot be verified".into()));
    }
    Ok(values)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, stop: &AtomicBool, deadline: Option<Instant>) {
    loop {
        if stop.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d) {
            return;
        }
        match listener.accept() {
            Ok((stream, peer)) => {
                if shared.in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
                    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                    // Refused quickly, in this thread, bounded by a short write timeout.
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                    answer(&stream, 503, "busy: retry later");
                    errln!("refused delivery from {peer}: 503 (more than {MAX_IN_FLIGHT} at once)");
                    continue;
                }
                let shared = shared.clone();
                let spawned = std::thread::Builder::new().name("dojo-listen".into()).spawn({
                    let shared = shared.clone();
                    move || {
                        serve(stream, peer, &shared);
                        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                    }
                });
                if let Err(e) = spawned {
                    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                    errln!("cannot handle a delivery from {peer}: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(15)),
            Err(e) => {
                // Out of descriptors and the like: report, wait, go on.
                errln!("accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Writes a plain-text answer and closes.
fn answer(mut stream: &TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    };
    let allow = if status == 405 { "allow: POST\r\n" } else { "" };
    let text = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n{allow}connection: close\r\n\r\n{message}\n",
        message.len() + 1
    );
    let _ = stream.write_all(text.as_bytes()).and_then(|()| stream.flush());
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// After refusing a request whose body was not read: reads and discards what the sender
/// still sends (at most [`DRAIN_BYTES`], for at most [`DRAIN_TIME`]), so that closing
/// does not reset the connection before the sender has read the answer.
fn discard_rest(mut stream: &TcpStream) {
    let started = Instant::now();
    let _ = stream.set_read_timeout(Some(DRAIN_TIME));
    let mut sink = [0u8; 8192];
    let mut total = 0;
    while total < DRAIN_BYTES && started.elapsed() < DRAIN_TIME {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

/// The most a refused request's unread rest is drained, in bytes and time.
const DRAIN_BYTES: usize = 4 * MAX_BODY;
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Bounds the next read by what is left of the delivery's time; `false` when none is.
fn bound_read(stream: &TcpStream, started: Instant) -> bool {
    let left = (IO_TIMEOUT * 2).saturating_sub(started.elapsed());
    if left.is_zero() {
        return false;
    }
    stream.set_read_timeout(Some(left.min(IO_TIMEOUT))).is_ok()
}

/// A request read off a connection, or the answer that refuses it.
struct Delivery {
    body: Vec<u8>,
    signature: Option<String>,
}

/// Why a request was refused before verification: the status and the reason logged.
type Refusal = (u16, &'static str);

/// Reads one request (head, then a `Content-Length` body), bounded in size and time.
fn read_request(mut stream: &TcpStream, started: Instant) -> Result<Delivery, Refusal> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err((431, "request head too large"));
        }
        if !bound_read(stream, started) {
            return Err((408, "request too slow"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err((400, "connection closed before the request ended")),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(_) => return Err((408, "request not received in time")),
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf.get(..head_len).unwrap_or_default()) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err((400, "not an HTTP/1.1 request")),
    }
    if req.method != Some("POST") {
        return Err((405, "not a POST"));
    }
    let mut length: Option<usize> = None;
    let mut signature: Option<String> = None;
    let mut expect_continue = false;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err((411, "chunked body (Content-Length required)"));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<usize>().ok())
                .ok_or((400, "bad Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err((400, "conflicting Content-Length"));
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case(SIGNATURE_HEADER) {
            if signature.is_some() {
                return Err((400, "more than one signature header"));
            }
            let v = std::str::from_utf8(h.value).map_err(|_| (400, "signature header is not text"))?;
            signature = Some(v.to_owned());
        } else if h.name.eq_ignore_ascii_case("expect") {
            expect_continue = h.value.eq_ignore_ascii_case(b"100-continue");
        }
    }
    let length = length.ok_or((411, "no Content-Length"))?;
    if length > MAX_BODY {
        return Err((413, "body too large"));
    }
    if expect_continue && buf.len() == head_len {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let mut body = buf.split_off(head_len);
    if body.len() > length {
        // Pipelined bytes after the body: one request per connection here.
        body.truncate(length);
    }
    while body.len() < length {
        if !bound_read(stream, started) {
            return Err((408, "body too slow"));
        }
        let want = (length - body.len()).min(chunk.len());
        match stream.read(chunk.get_mut(..want).unwrap_or_default()) {
            Ok(0) => return Err((400, "body shorter than its Content-Length")),
            Ok(n) => body.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(_) => return Err((408, "body not received in time")),
        }
    }
    Ok(Delivery { body, signature })
}

/// One connection: read, verify, dedupe, print, answer, then forward.
fn serve(stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let started = Instant::now();
    // Accepted from a non-blocking listener: some systems hand the flag on.
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let delivery = match read_request(&stream, started) {
        Ok(d) => d,
        Err((status, why)) => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            errln!("refused delivery from {peer}: {status} ({why})");
            answer(&stream, status, why);
            discard_rest(&stream);
            return;
        }
    };
    let size = delivery.body.len();
    match handle(&delivery, shared) {
        Handled::New { id, fail } => {
            if fail {
                errln!("answered 500 to event {id} on purpose (--fail-first): the sender should retry it");
                answer(&stream, 500, "failing on purpose (--fail-first)");
            } else {
                answer(&stream, 200, "ok");
            }
            if let (Some(url), Some(sig)) = (&shared.forward_to, &delivery.signature) {
                forward(shared, url, &id, &delivery.body, sig);
            }
        }
        Handled::Duplicate { id } => {
            shared.duplicates.fetch_add(1, Ordering::SeqCst);
            errln!("repeated delivery of event {id}: answered 200, not printed again");
            answer(&stream, 200, "ok (already received)");
        }
        Handled::Refused { status, why } => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            errln!("refused delivery from {peer}: {status} ({why}; {size} bytes, not shown)");
            answer(&stream, status, why);
        }
    }
}

enum Handled {
    New { id: String, fail: bool },
    Duplicate { id: String },
    Refused { status: u16, why: &'static str },
}

fn refused(e: &dojo_core::Error<'_>) -> Handled {
    let (status, why) = match e {
        dojo_core::Error::Webhook(WebhookError::MissingSignature) => (401, "unsigned"),
        dojo_core::Error::Webhook(WebhookError::MalformedSignature) => (400, "malformed signature"),
        dojo_core::Error::Webhook(WebhookError::Mismatch) => (401, "signature matches no active secret"),
        dojo_core::Error::Webhook(WebhookError::NoSecrets) => (503, "no active secret to verify with"),
        dojo_core::Error::Webhook(WebhookError::UnusableEventId) => (400, "event id empty or too long"),
        dojo_core::Error::Decode(_) => (400, "signed, but not a webhook event (JSON)"),
        _ => (400, "not a webhook event"),
    };
    Handled::Refused { status, why }
}

/// Verifies with the active secrets, reading them again (rate-limited) when none matches.
fn handle(d: &Delivery, shared: &Shared) -> Handled {
    let Some(sig) = d.signature.as_deref() else {
        return refused(&dojo_core::Error::Webhook(WebhookError::MissingSignature));
    };
    let (secrets, read_at) = shared.secrets.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    if dojo_core::webhook::verify(&d.body, sig, &refs) == Err(WebhookError::Mismatch)
        && let Some(fresh) = refresh(shared, read_at)
    {
        return check_result(d, sig, &fresh, shared);
    }
    check_result(d, sig, &secrets, shared)
}

fn check_result(d: &Delivery, sig: &str, secrets: &[String], shared: &Shared) -> Handled {
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let mut seen = shared.seen.lock().unwrap_or_else(PoisonError::into_inner);
    let received = match receive(&d.body, sig, &refs, &mut seen) {
        Ok(r) => r,
        Err(e) => return refused(&e),
    };
    drop(seen);
    let id = received.event.id.to_string();
    if received.duplicate {
        return Handled::Duplicate { id };
    }
    print_event(&received.event, &d.body, shared.json);
    shared.printed.fetch_add(1, Ordering::SeqCst);
    let fail = shared.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    Handled::New { id, fail }
}

/// Reads the active secrets again, unless they were read less than [`REFRESH_EVERY`] ago.
/// `seen` is when the set the caller verified with was read: when another delivery has
/// read them again since (two deliveries of a rotation arriving together), that newer set
/// is the answer, without a read and whatever the rate limit.
fn refresh(shared: &Shared, seen: Option<Instant>) -> Option<Vec<String>> {
    let mut held = shared.secrets.lock().unwrap_or_else(PoisonError::into_inner);
    if held.1 != seen {
        return Some(held.0.clone());
    }
    if held.1.is_some_and(|last| last.elapsed() < REFRESH_EVERY) {
        return None;
    }
    held.1 = Some(Instant::now());
    let fresh = shared.client.list_secrets(&shared.subscription).map_err(CliError::from).and_then(|answer| {
        let list = answer.get();
        active_values(list.secrets, |s, o| list.active_secrets(s, o))
    });
    match fresh {
        Ok(values) => {
            if values != held.0 {
                errln!("the subscription's active secrets changed (a rotation): now {} active", values.len());
            }
            held.0.clone_from(&values);
            Some(values)
        }
        Err(e) => {
            errln!("could not read the subscription's secrets again: {e}");
            None
        }
    }
}

/// One line per event: text, or the event itself as one JSON object.
fn print_event(event: &WebhookEvent<'_>, body: &[u8], json: bool) {
    if json {
        let value = serde_json::from_slice::<serde_json::Value>(body)
            .unwrap_or_else(|_| serde_json::json!({ "id": event.id.to_string(), "event": event.event.to_string() }));
        let mut line = crate::output::json_safe(&value.to_string()).into_owned();
        line.push('\n');
        crate::output::write_raw(crate::output::Stream::Stdout, line.as_bytes());
        return;
    }
    let when = event.created_at.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
    let mut line = format!("{when}  {}  {}", event.event, event.id);
    if let Some(data) = event.data {
        if let Some(pi) = data.payment_intent_id {
            line.push_str(&format!("  {pi}"));
        }
        if let Some(status) = data.payment_status {
            line.push_str(&format!("  {status}"));
        }
    }
    outln!("{line}");
}

/// POSTs the delivery as it came to `url`; logs the outcome.
fn forward(shared: &Shared, url: &str, id: &str, body: &[u8], signature: &str) {
    let result = shared
        .client
        .agent()
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .send(body);
    match result {
        Ok(response) if response.status().is_success() => {
            errln!("forwarded event {id} to {url}: {}", response.status().as_u16());
        }
        Ok(response) => errln!("forwarded event {id} to {url}: it answered {}", response.status().as_u16()),
        Err(e) => errln!("could not forward event {id} to {url}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `read_request` on the server side of a loopback connection the client writes
    /// `bytes` to (and then half-closes).
    fn read(bytes: &[u8]) -> Result<(Vec<u8>, Option<String>), Refusal> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let owned = bytes.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = client.write_all(&owned);
            let _ = client.shutdown(std::net::Shutdown::Write);
            let mut answer = Vec::new();
            let _ = client.read_to_end(&mut answer);
        });
        let (server, _) = listener.accept().unwrap();
        server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let got = read_request(&server, Instant::now()).map(|d| (d.body, d.signature));
        drop(server);
        writer.join().unwrap();
        got
    }

    #[test]
    fn requests_are_read_within_their_bounds() {
        let ok = read(b"POST /webhooks HTTP/1.1\r\nContent-Length: 2\r\nDojo-Signature: sha256=ab\r\n\r\n{}").unwrap();
        assert_eq!(ok, (b"{}".to_vec(), Some("sha256=ab".to_owned())));
        // Pipelined bytes after the body are not part of it.
        let ok = read(b"POST / HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}GET / HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(ok.0, b"{}");
        let refusals: [(&[u8], u16); 11] = [
            (b"GET / HTTP/1.1\r\n\r\n", 405),
            (b"POST / HTTP/1.1\r\n\r\n", 411),
            (b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 411),
            (b"POST / HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}", 400),
            (b"POST / HTTP/1.1\r\ncontent-length: -1\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\ncontent-length: 99999999999999999999999\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\ncontent-length: 262145\r\n\r\n", 413),
            (b"POST / HTTP/1.1\r\ncontent-length: 10\r\n\r\n{}", 400),
            (b"POST / HTTP/1.1\r\ndojo-signature: a\r\ndojo-signature: b\r\ncontent-length: 0\r\n\r\n", 400),
            (b"not http at all\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\ncontent-length: 2\r\n", 400),
        ];
        for (bytes, status) in refusals {
            assert_eq!(read(bytes).map(|_| ()).map_err(|e| e.0), Err(status), "{}", String::from_utf8_lossy(bytes));
        }
        // A head that never ends is cut off at MAX_HEAD.
        let mut endless = b"POST / HTTP/1.1\r\nx: ".to_vec();
        endless.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        assert_eq!(read(&endless).map(|_| ()).map_err(|e| e.0), Err(431));
        // The largest body accepted.
        let mut max = format!("POST / HTTP/1.1\r\ncontent-length: {MAX_BODY}\r\n\r\n").into_bytes();
        max.extend(std::iter::repeat_n(b'x', MAX_BODY));
        assert_eq!(read(&max).unwrap().0.len(), MAX_BODY);
    }

    #[test]
    fn urls_for_forwarding() {
        assert!(plausible_url("http://localhost:3000/webhooks"));
        assert!(plausible_url("https://example.com"));
        for bad in ["localhost:3000", "ftp://x", "http://", "http://a b", "https://x\n"] {
            assert!(!plausible_url(bad), "{bad}");
        }
    }
}
