//! One exchange of a request with the API, sans I/O: which requests may be repeated, on
//! which answers, after how long, and when the outcome is unknown.
//!
//! In the manner of ureq-proto's `Call` and quinn-proto's `poll_*`/`handle_*`: the
//! adapter builds a [`Request`], makes an [`Exchange`] of it, sends the bytes, and hands
//! what came back to one of the `handle_*` methods, which says what to do [`Next`]:
//!
//! ```text
//!             ┌──────────────────────── Retry { after_ms } ◀──────────────┐
//!             ▼                                                             │
//!   Exchange::new ──▶ adapter sends ──▶ handle_answer(status, Retry-After) ─┤── Done        (decode: 2xx or a final error status)
//!                                   ├─▶ handle_failure(NotSent | Sent)  ────┤── GiveUp(class)
//!                                   ├─▶ handle_undecodable()           ─────┤── OutcomeUnknown(subject)
//!                                   └─▶ handle_too_large(status)       ─────┘
//! ```
//!
//! # Which requests may be repeated
//!
//! [`Operation::repeatable`] is the one table that says it; this module applies it to
//! answers and failures ([`repeatable`] is the same table).
//!
//! | request | repeated after | a lost answer / 5xx / undecodable 2xx |
//! |---|---|---|
//! | a read (`GET` of an intent) | a transport failure, 429, 5xx | retried, then [`GiveUp`](Next::GiveUp) |
//! | a refund with its idempotency key | a transport failure, 429, 5xx (the same key each time: the server refunds once) | retried, then [`OutcomeUnknown`](Next::OutcomeUnknown) (repeat it later with the same key) |
//! | anything else (creates, charge, capture, reversal, cancels, search) | a failure **before** the request was complete ([`TransportFailure::NotSent`]) | [`OutcomeUnknown`](Next::OutcomeUnknown): never resent blindly |
//!
//! A 429 to a request that is not repeatable is [`Done`](Next::Done) (the server did not
//! act; the caller decides when to try again, [`Exchange::retry_after_ms`] says how long
//! the server asked for).
//!
//! # The retry policy
//!
//! One [`RetryPolicy`] for every adapter; [`RetryPolicy::DEFAULT`] is 3 retries, delays
//! drawn with full jitter from `[0, min(8 s, 250 ms·2ⁿ)]` (ceilings 250 ms, 500 ms, 1 s:
//! at most 1.75 s of backoff in all), a server's `Retry-After` honoured up to 30 s. The
//! delay before a retry is `max(jitter, Retry-After)`; a `Retry-After` longer than
//! [`RetryPolicy::max_retry_after_ms`] ends the retries with the answer. The randomness is
//! the caller's (`random: u32`), the clock too (`now`, for a `Retry-After` HTTP-date;
//! without it a date is ignored).
//!
//! # The base URL
//!
//! [`check_base_url`] is the one check both adapters make: `https://` to any host, plain
//! `http://` only to a host that is this machine.

use core::fmt;

use crate::error::ErrorClass;
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::problem::ApiErrorKind;
use crate::request::{Operation, Request};
use crate::response::ResponseKind;
use crate::time::Timestamp;

/// Whether a request of `operation` may be sent again after it may have reached the
/// server: [`Operation::repeatable`], the one table of the rule (kept beside the operations
/// so that `request` does not depend on this module).
pub const fn repeatable(operation: Operation, keyed: bool) -> bool {
    operation.repeatable(keyed)
}

/// How many times, and how long apart, an exchange is repeated (see the
/// [module docs](self)). Small and `Copy`; every adapter uses this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u8,
    /// The first delay's ceiling, in ms.
    pub base_delay_ms: u32,
    /// The largest ceiling, in ms.
    pub max_delay_ms: u32,
    /// The longest `Retry-After` honoured by waiting, in ms; a server asking for more
    /// ends the retries with its answer.
    pub max_retry_after_ms: u32,
}

impl RetryPolicy {
    /// 3 retries; ceilings 250 ms, 500 ms, 1 s (never above 8 s); `Retry-After` up to 30 s.
    pub const DEFAULT: RetryPolicy =
        RetryPolicy { max_retries: 3, base_delay_ms: 250, max_delay_ms: 8_000, max_retry_after_ms: 30_000 };

    /// No retries.
    pub const NONE: RetryPolicy =
        RetryPolicy { max_retries: 0, base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 0 };

    /// The ceiling of the delay before retry `retry` (0-based): `base · 2^retry`, at most
    /// `max_delay_ms`.
    pub const fn ceiling_ms(&self, retry: u8) -> u32 {
        let shifted = if retry >= 32 { u32::MAX } else { self.base_delay_ms.saturating_mul(1u32 << retry) };
        if shifted > self.max_delay_ms { self.max_delay_ms } else { shifted }
    }

    /// The delay before retry `retry` (0-based), full jitter: uniform in
    /// `[0, ceiling_ms(retry)]`, drawn from `random` (a uniform `u32`).
    pub const fn jitter_ms(&self, retry: u8, random: u32) -> u32 {
        let ceiling = self.ceiling_ms(retry) as u64;
        // Multiply-shift: no division, uniform enough for jitter.
        ((random as u64 * (ceiling + 1)) >> 32) as u32
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

/// What a request concerns, for an outcome-unknown report: the operation, the intents it
/// names and its idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'r> {
    /// The operation.
    pub operation: Operation,
    /// The setup intent it acts on (from its path, or for a payment intent created from
    /// one, from its body: [`Exchange::for_setup_intent`]).
    pub setup_intent: Option<SetupIntentId>,
    /// The payment intent it acts on.
    pub payment_intent: Option<PaymentIntentId>,
    /// A refund's idempotency key: repeat it with the same key.
    pub idempotency_key: Option<&'r str>,
}

impl<'r> Subject<'r> {
    /// What `req` concerns: its operation, the intents its path names and its idempotency
    /// key. A payment intent created from a setup intent names it in its body, not its
    /// path: add it with [`for_setup_intent`](Self::for_setup_intent).
    pub fn of<K: ResponseKind>(req: &Request<'r, K>) -> Self {
        Subject {
            operation: req.operation(),
            setup_intent: req.setup_intent_id(),
            payment_intent: req.payment_intent_id(),
            idempotency_key: req.idempotency_key(),
        }
    }

    /// Names the setup intent a request's body is for, when its path names none.
    pub fn for_setup_intent(mut self, setup_intent: Option<SetupIntentId>) -> Self {
        if self.setup_intent.is_none() {
            self.setup_intent = setup_intent;
        }
        self
    }
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation.name())?;
        if let Some(pi) = &self.payment_intent {
            write!(f, " of {pi}")?;
        } else if let Some(si) = &self.setup_intent {
            write!(f, " of {si}")?;
        }
        if let Some(key) = self.idempotency_key {
            write!(f, " (idempotency key {key})")?;
        }
        Ok(())
    }
}

/// How an attempt failed before an answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportFailure {
    /// The request never reached the server complete: the connection could not be made,
    /// or failed before the last byte was handed over. Every request declares its length
    /// (`Content-Length`), so the server acts on none of it: repeating is safe.
    NotSent,
    /// The whole request was handed over; the answer was lost (a timeout, a reset, a
    /// truncated body). It may have executed.
    Sent,
    /// Retrying cannot help: the request could not even be formed for this transport (a
    /// bad URI, TLS required, a proxy refused). Nothing was sent.
    Unusable,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next<'r> {
    /// The answer is final: decode it (a 2xx into its model, anything else into an API
    /// error with its ProblemDetails).
    Done,
    /// Send the same request again after `after_ms` milliseconds.
    Retry {
        /// The delay, ms.
        after_ms: u32,
    },
    /// No usable answer, and the request did not execute (it never reached the server,
    /// or it is repeatable and its retries ran out): report an error of this class
    /// ([`ErrorClass::Transport`], [`ErrorClass::Decode`],
    /// [`ErrorClass::ResponseTooLarge`], [`ErrorClass::Api`] of a too-large error answer,
    /// or [`ErrorClass::Config`]).
    GiveUp(ErrorClass),
    /// The request may have executed and its answer is lost (or a 5xx, or an
    /// undecodable or too-large 2xx): never resend it blindly; read the subject back.
    OutcomeUnknown(Subject<'r>),
}

/// What to do after an attempt, as [`Attempts`] decides it: [`Next`] without the
/// subject (small and word-aligned, for an adapter that names the subject itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// [`Next::Done`].
    Done,
    /// [`Next::Retry`].
    Retry {
        /// The delay, ms.
        after_ms: u32,
    },
    /// [`Next::GiveUp`].
    GiveUp(ErrorClass),
    /// [`Next::OutcomeUnknown`]: the request may have executed.
    OutcomeUnknown,
}

/// The decisions between one request's attempts without its subject: the rules of
/// [`Exchange`] (which is its subject and this), for an adapter that names the subject
/// itself when an outcome is unknown, so that no intent ids travel through its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    policy: RetryPolicy,
    operation: Operation,
    keyed: bool,
    attempts: u8,
    retry_after_ms: Option<u32>,
}

impl Attempts {
    /// The attempts of a request of `operation` under `policy`, `keyed` when it carries an
    /// idempotency key.
    pub const fn new(operation: Operation, keyed: bool, policy: RetryPolicy) -> Self {
        Attempts { policy, operation, keyed, attempts: 1, retry_after_ms: None }
    }

    /// Whether the request may be repeated after it reached the server ([`repeatable`]).
    pub const fn repeatable(&self) -> bool {
        repeatable(self.operation, self.keyed)
    }

    /// Attempts so far (1 before the first answer is handled; each
    /// [`Verdict::Retry`] adds one).
    pub const fn attempts(&self) -> u8 {
        self.attempts
    }

    /// The `Retry-After` of the last answer, in ms, when it sent a usable one.
    pub const fn retry_after_ms(&self) -> Option<u32> {
        self.retry_after_ms
    }

    fn retry(&mut self, retry_after_ms: Option<u32>, random: u32) -> Option<u32> {
        let retry = self.attempts.saturating_sub(1);
        if retry >= self.policy.max_retries {
            return None;
        }
        let jitter = self.policy.jitter_ms(retry, random);
        let after_ms = match retry_after_ms {
            None => jitter,
            Some(ms) if ms <= self.policy.max_retry_after_ms => {
                if ms > jitter {
                    ms
                } else {
                    jitter
                }
            }
            Some(_) => return None,
        };
        self.attempts = self.attempts.saturating_add(1);
        Some(after_ms)
    }

    /// [`Exchange::handle_answer`].
    pub fn handle_answer(&mut self, status: u16, retry_after_ms: Option<u32>, random: u32) -> Verdict {
        self.retry_after_ms = retry_after_ms;
        let server_error = (500..600).contains(&status);
        if status != 429 && !server_error {
            return Verdict::Done;
        }
        if self.repeatable() {
            return match self.retry(retry_after_ms, random) {
                Some(after_ms) => Verdict::Retry { after_ms },
                None if server_error && self.keyed => Verdict::OutcomeUnknown,
                None => Verdict::Done,
            };
        }
        if server_error { Verdict::OutcomeUnknown } else { Verdict::Done }
    }

    /// [`Exchange::handle_failure`].
    pub fn handle_failure(&mut self, failure: TransportFailure, random: u32) -> Verdict {
        self.retry_after_ms = None;
        match failure {
            TransportFailure::Unusable => Verdict::GiveUp(ErrorClass::Config),
            TransportFailure::Sent if !self.repeatable() => Verdict::OutcomeUnknown,
            TransportFailure::NotSent | TransportFailure::Sent => match self.retry(None, random) {
                Some(after_ms) => Verdict::Retry { after_ms },
                None if failure == TransportFailure::Sent && self.keyed => Verdict::OutcomeUnknown,
                None => Verdict::GiveUp(ErrorClass::Transport),
            },
        }
    }

    /// [`Exchange::handle_undecodable`].
    pub fn handle_undecodable(&mut self) -> Verdict {
        if is_read(self.operation) { Verdict::GiveUp(ErrorClass::Decode) } else { Verdict::OutcomeUnknown }
    }

    /// [`Exchange::handle_too_large`].
    pub fn handle_too_large(&mut self, status: u16) -> Verdict {
        let read = is_read(self.operation);
        match status {
            200..=299 if read => Verdict::GiveUp(ErrorClass::ResponseTooLarge),
            200..=299 | 500..=599 if !read => Verdict::OutcomeUnknown,
            _ => Verdict::GiveUp(ErrorClass::Api(ApiErrorKind::from_status(status))),
        }
    }
}

const fn is_read(operation: Operation) -> bool {
    repeatable(operation, false)
}

/// One request's exchange: the decisions between its attempts (see the
/// [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange<'r> {
    subject: Subject<'r>,
    attempts: Attempts,
}

impl<'r> Exchange<'r> {
    /// The exchange of `req` under `policy`: its subject read from the request.
    pub fn new<K: ResponseKind>(req: &Request<'r, K>, policy: RetryPolicy) -> Self {
        Self::of(Subject::of(req), policy)
    }

    /// The exchange of a request concerning `subject`.
    pub const fn of(subject: Subject<'r>, policy: RetryPolicy) -> Self {
        let attempts = Attempts::new(subject.operation, subject.idempotency_key.is_some(), policy);
        Exchange { subject, attempts }
    }

    /// Names the setup intent a request's body is for (a payment intent created from
    /// it), when its path names none.
    pub fn for_setup_intent(mut self, setup_intent: Option<SetupIntentId>) -> Self {
        self.subject = self.subject.for_setup_intent(setup_intent);
        self
    }

    /// What the request concerns.
    pub const fn subject(&self) -> &Subject<'r> {
        &self.subject
    }

    /// The operation.
    pub const fn operation(&self) -> Operation {
        self.subject.operation
    }

    /// Whether the request may be repeated after it reached the server ([`repeatable`]).
    pub const fn repeatable(&self) -> bool {
        self.attempts.repeatable()
    }

    /// Attempts so far (1 before the first answer is handled; each
    /// [`Next::Retry`] adds one).
    pub const fn attempts(&self) -> u8 {
        self.attempts.attempts()
    }

    /// The `Retry-After` of the last answer, in ms, when it sent a usable one: how long
    /// the server asked to wait (also after the exchange gave up).
    pub const fn retry_after_ms(&self) -> Option<u32> {
        self.attempts.retry_after_ms()
    }

    fn next(&self, verdict: Verdict) -> Next<'r> {
        match verdict {
            Verdict::Done => Next::Done,
            Verdict::Retry { after_ms } => Next::Retry { after_ms },
            Verdict::GiveUp(class) => Next::GiveUp(class),
            Verdict::OutcomeUnknown => Next::OutcomeUnknown(self.subject),
        }
    }

    /// An answer arrived with `status` (its body is in hand, not yet decoded) and the
    /// `Retry-After` it carried, parsed with [`retry_after_ms`] (`None` when absent or
    /// unusable). `random` draws the jitter.
    ///
    /// 2xx and 4xx other than 429 are [`Next::Done`]. 429 and 5xx to a repeatable
    /// request are retried while the policy allows, then [`Next::Done`]. A 429 to any
    /// other request is [`Next::Done`] (refused: nothing happened); a 5xx to one is
    /// [`Next::OutcomeUnknown`] (the server may have acted before failing).
    pub fn handle_answer(&mut self, status: u16, retry_after_ms: Option<u32>, random: u32) -> Next<'r> {
        let verdict = self.attempts.handle_answer(status, retry_after_ms, random);
        self.next(verdict)
    }

    /// An attempt failed before an answer arrived. A request that never reached the
    /// server is repeated (any request) while the policy allows, then
    /// [`GiveUp`](Next::GiveUp)`(`[`Transport`](ErrorClass::Transport)`)`. One that was
    /// sent is repeated if it is [`repeatable`], then given up (a read) or
    /// [`OutcomeUnknown`](Next::OutcomeUnknown) (a keyed refund); anything else sent is
    /// [`OutcomeUnknown`](Next::OutcomeUnknown) at once. [`TransportFailure::Unusable`]
    /// is [`GiveUp`](Next::GiveUp)`(`[`Config`](ErrorClass::Config)`)`.
    pub fn handle_failure(&mut self, failure: TransportFailure, random: u32) -> Next<'r> {
        let verdict = self.attempts.handle_failure(failure, random);
        self.next(verdict)
    }

    /// A 2xx answer's body did not decode: a read's is [`GiveUp`](Next::GiveUp)`(`
    /// [`Decode`](ErrorClass::Decode)`)` (the server and the SDK disagree; repeating will
    /// not help); anything else executed, unreadably: [`OutcomeUnknown`](Next::OutcomeUnknown).
    pub fn handle_undecodable(&mut self) -> Next<'r> {
        let verdict = self.attempts.handle_undecodable();
        self.next(verdict)
    }

    /// An answer with `status` did not fit the caller's buffer (nothing of it parsed). A
    /// 2xx to a read is [`GiveUp`](Next::GiveUp)`(`[`ResponseTooLarge`](ErrorClass::ResponseTooLarge)`)`;
    /// a 2xx or 5xx to anything else [`OutcomeUnknown`](Next::OutcomeUnknown); any other
    /// status is given up with the class of that answer.
    pub fn handle_too_large(&mut self, status: u16) -> Next<'r> {
        let verdict = self.attempts.handle_too_large(status);
        self.next(verdict)
    }
}

/// Parses a `Retry-After` header value into milliseconds: delay-seconds (`120`), or an
/// HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, the IMF-fixdate form) as the time from
/// `now` to it (zero when past). Without `now` a date is ignored. `None` for anything
/// else (the obsolete RFC 850 and asctime date forms included: no wait is honoured).
pub fn retry_after_ms(value: &[u8], now: Option<Timestamp>) -> Option<u32> {
    let value = value.trim_ascii();
    if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
        let secs = value.iter().try_fold(0u32, |n, &d| n.checked_mul(10)?.checked_add(u32::from(d - b'0')));
        return Some(secs.map_or(u32::MAX, |s| s.saturating_mul(1000)));
    }
    let at = http_date(value)?;
    let now = now?;
    let secs = at.unix_seconds().saturating_sub(now.unix_seconds());
    Some(if secs <= 0 { 0 } else { u32::try_from(secs).unwrap_or(u32::MAX).saturating_mul(1000) })
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), via RFC 3339 text.
#[inline(never)]
fn http_date(value: &[u8]) -> Option<Timestamp> {
    let b: &[u8; 29] = value.try_into().ok()?;
    const MONTHS: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    if b[3] != b',' || b[4] != b' ' || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &b[25..] != b" GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m[..] == b[8..11])? + 1;
    // YYYY-MM-DDTHH:MM:SSZ
    let mut text = *b"0000-00-00T00:00:00Z";
    text[..4].copy_from_slice(&b[12..16]);
    text[5] = b'0' + (month / 10) as u8;
    text[6] = b'0' + (month % 10) as u8;
    text[8..10].copy_from_slice(&b[5..7]);
    text[11..19].copy_from_slice(&b[17..25]);
    Timestamp::parse(core::str::from_utf8(&text).ok()?).ok()
}

/// Why [`check_base_url`] refused a base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not `https://` nor `http://` (case-insensitive).
    Scheme,
    /// The host is empty.
    EmptyHost,
    /// The authority carries userinfo (`user@host`): whatever is before the `@` is not
    /// the host, so `http://127.0.0.1:1@evil.example/` goes to `evil.example`.
    Userinfo,
    /// The authority holds a character no host or port has (a space, `%`, `\`, …), a port
    /// that is not a number up to 65535, or a bracketed address that is not IPv6.
    Malformed,
    /// A query or a fragment, which a base URL cannot have.
    QueryOrFragment,
    /// Plain `http://` to a host that is not provably this machine.
    NotLoopback,
}

impl fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BaseUrlError::Scheme => "must start with https:// (or http:// to a loopback emulator)",
            BaseUrlError::EmptyHost => "has no host",
            BaseUrlError::Userinfo => "must not carry userinfo (user@host): the host would be what follows the @",
            BaseUrlError::Malformed => "has a malformed host or port",
            BaseUrlError::QueryOrFragment => "must not have a query or fragment",
            BaseUrlError::NotLoopback => {
                "uses plain http:// to a host that is not loopback; use https:// (plain http is allowed only to \
                 127.0.0.0/8, ::1 and localhost, e.g. a local emulator)"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BaseUrlError {}

/// Checks a base URL and returns it without one trailing `/`: `https://` to any host, or
/// plain `http://` only to a host that is this machine, so the API key never travels in
/// clear over a network.
///
/// Loopback is `localhost` (any case), an IPv4 address in 127.0.0.0/8 in any form
/// `inet_aton`/`getaddrinfo` read (`127.1`, `2130706433`, `0x7f.0.0.1`; classified by
/// the address they denote), and `[::1]` or an IPv4-mapped loopback
/// (`[::ffff:127.0.0.1]`) in any IPv6 spelling. Refused for plain `http://`: a
/// trailing-dot name (`localhost.` is resolved through DNS by some resolvers), names
/// under `localhost`, and anything that does not parse in full. Refused for any scheme:
/// userinfo (any `@` in the authority), an empty host, characters no host has, a port
/// that is not a number up to 65535, a query or a fragment.
///
/// ```
/// use dojo_core::exchange::{check_base_url, BaseUrlError};
///
/// assert_eq!(check_base_url("https://api.dojo.tech/"), Ok("https://api.dojo.tech"));
/// assert!(check_base_url("http://127.1:8080").is_ok());
/// assert_eq!(check_base_url("http://127.0.0.1:1@evil.example/"), Err(BaseUrlError::Userinfo));
/// assert_eq!(check_base_url("http://api.dojo.tech"), Err(BaseUrlError::NotLoopback));
/// ```
pub fn check_base_url(url: &str) -> Result<&str, BaseUrlError> {
    let (scheme, rest) = url.split_once("://").ok_or(BaseUrlError::Scheme)?;
    let https = scheme.eq_ignore_ascii_case("https");
    if !https && !scheme.eq_ignore_ascii_case("http") {
        return Err(BaseUrlError::Scheme);
    }
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.contains('@') {
        return Err(BaseUrlError::Userinfo);
    }
    if path.contains(['?', '#']) {
        return Err(BaseUrlError::QueryOrFragment);
    }
    if path.starts_with('\\') {
        return Err(BaseUrlError::Malformed);
    }
    let host = split_port(authority)?;
    if host.is_empty() {
        return Err(BaseUrlError::EmptyHost);
    }
    if !https && !is_loopback_host(host) {
        return Err(BaseUrlError::NotLoopback);
    }
    Ok(url.strip_suffix('/').unwrap_or(url))
}

/// The host of an authority (`host[:port]`, `[v6][:port]`), checking the port and the
/// characters.
fn split_port(authority: &str) -> Result<&str, BaseUrlError> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inner, after) = v6.split_once(']').ok_or(BaseUrlError::Malformed)?;
        if inner.parse::<core::net::Ipv6Addr>().is_err() {
            return Err(BaseUrlError::Malformed);
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(BaseUrlError::Malformed)?),
        };
        (authority.get(..inner.len() + 2).unwrap_or(""), port)
    } else {
        if !authority.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':')) {
            return Err(BaseUrlError::Malformed);
        }
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')) <= 65_535;
        if !valid {
            return Err(BaseUrlError::Malformed);
        }
    }
    Ok(host)
}

/// Whether a URL host (IPv6 in brackets) is this machine, read as `getaddrinfo` would.
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inner.parse::<core::net::Ipv6Addr>() {
            Ok(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
            Err(_) => false,
        };
    }
    inet_aton(host).is_some_and(|a| a >> 24 == 127)
}

/// An IPv4 address as `inet_aton` reads it: 1 to 4 parts split by `.`, each decimal,
/// `0x` hexadecimal or `0` octal; the last part fills the remaining bytes (`127.1`,
/// `2130706433`). `None` for anything else, including an empty part, a trailing dot, a
/// bare `0x` and a part that overflows.
fn inet_aton(host: &str) -> Option<u32> {
    let mut parts = [0u32; 4];
    let mut count = 0usize;
    for part in host.split('.') {
        let slot = parts.get_mut(count)?;
        *slot = number(part)?;
        count += 1;
    }
    let [a, b, c, d] = parts;
    let byte = |x: u32| (x <= 0xff).then_some(x);
    Some(match count {
        1 => a,
        2 => (byte(a)? << 24) | (b <= 0x00ff_ffff).then_some(b)?,
        3 => (byte(a)? << 24) | (byte(b)? << 16) | (c <= 0xffff).then_some(c)?,
        4 => (byte(a)? << 24) | (byte(b)? << 16) | (byte(c)? << 8) | byte(d)?,
        _ => return None,
    })
}

/// One `inet_aton` part: decimal, `0x`/`0X` hexadecimal, or octal with a leading `0`.
fn number(part: &str) -> Option<u32> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (part.get(1..)?, 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return None;
    }
    digits.chars().try_fold(0u32, |n, c| n.checked_mul(radix)?.checked_add(c.to_digit(radix)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_key::ApiKey;
    use crate::request::{Api, CreateRefundRequest};

    fn key() -> ApiKey {
        ApiKey::new("sk_sandbox_c2VjcmV0").unwrap()
    }

    fn subject(operation: Operation, keyed: bool) -> Subject<'static> {
        Subject {
            operation,
            setup_intent: None,
            payment_intent: None,
            idempotency_key: if keyed { Some("k-1") } else { None },
        }
    }

    const ONE_RETRY: RetryPolicy =
        RetryPolicy { max_retries: 1, base_delay_ms: 100, max_delay_ms: 100, max_retry_after_ms: 5_000 };

    #[test]
    fn only_reads_and_keyed_refunds_are_repeatable() {
        use Operation as O;
        let all = [
            O::CreateSetupIntent,
            O::GetSetupIntent,
            O::CancelSetupIntent,
            O::GetPublicSetupIntent,
            O::RefreshSetupIntentSecret,
            O::CreatePaymentIntent,
            O::GetPaymentIntent,
            O::CancelPaymentIntent,
            O::ChargePaymentIntent,
            O::CapturePaymentIntent,
            O::RefundPaymentIntent,
            O::ReversePaymentIntent,
            O::SearchPaymentIntents,
        ];
        for op in all {
            let read = matches!(op, O::GetSetupIntent | O::GetPublicSetupIntent | O::GetPaymentIntent);
            assert_eq!(repeatable(op, false), read, "{op:?}");
            assert_eq!(op.retry_safe(), read, "{op:?} asks this module");
            assert_eq!(repeatable(op, true), read || op == O::RefundPaymentIntent, "{op:?}");
        }
    }

    #[test]
    fn done_for_success_and_refusals() {
        for op in [Operation::GetPaymentIntent, Operation::ChargePaymentIntent] {
            for status in [200, 201, 204, 400, 401, 403, 404, 409] {
                let mut x = Exchange::of(subject(op, false), RetryPolicy::DEFAULT);
                assert_eq!(x.handle_answer(status, None, 0), Next::Done, "{op:?} {status}");
                assert_eq!(x.attempts(), 1);
            }
        }
    }

    #[test]
    fn retry_a_read_on_429_and_5xx_then_done() {
        for status in [429, 500, 502, 503] {
            let mut x = Exchange::of(subject(Operation::GetPaymentIntent, false), ONE_RETRY);
            assert_eq!(x.handle_answer(status, None, u32::MAX), Next::Retry { after_ms: 100 });
            assert_eq!(x.attempts(), 2);
            assert_eq!(x.handle_answer(status, None, u32::MAX), Next::Done, "retries spent: the answer is final");
        }
    }

    #[test]
    fn retry_after_is_waited_for_up_to_the_policy() {
        let mut x = Exchange::of(subject(Operation::GetSetupIntent, false), ONE_RETRY);
        assert_eq!(x.handle_answer(503, Some(2_000), 0), Next::Retry { after_ms: 2_000 });
        assert_eq!(x.retry_after_ms(), Some(2_000));
        // Jitter above the server's wish wins.
        let mut x = Exchange::of(subject(Operation::GetSetupIntent, false), ONE_RETRY);
        assert_eq!(x.handle_answer(429, Some(0), u32::MAX), Next::Retry { after_ms: 100 });
        // Longer than the policy honours: the answer is final, its Retry-After kept.
        let mut x = Exchange::of(subject(Operation::GetSetupIntent, false), ONE_RETRY);
        assert_eq!(x.handle_answer(429, Some(6_000), 0), Next::Done);
        assert_eq!(x.retry_after_ms(), Some(6_000));
    }

    #[test]
    fn a_5xx_to_an_unsafe_request_is_outcome_unknown_and_a_429_is_done() {
        let s = subject(Operation::ChargePaymentIntent, false);
        let mut x = Exchange::of(s, RetryPolicy::DEFAULT);
        assert_eq!(x.handle_answer(503, None, 0), Next::OutcomeUnknown(s));
        let mut x = Exchange::of(s, RetryPolicy::DEFAULT);
        assert_eq!(x.handle_answer(429, Some(1_000), 0), Next::Done);
        assert_eq!(x.retry_after_ms(), Some(1_000));
    }

    #[test]
    fn a_keyed_refund_is_repeated_then_unknown() {
        let s = subject(Operation::RefundPaymentIntent, true);
        let mut x = Exchange::of(s, ONE_RETRY);
        assert_eq!(x.handle_failure(TransportFailure::Sent, 0), Next::Retry { after_ms: 0 });
        assert_eq!(x.handle_answer(500, None, 0), Next::OutcomeUnknown(s), "spent: it may have refunded");
        let mut x = Exchange::of(s, ONE_RETRY);
        assert_eq!(x.handle_answer(502, None, 0), Next::Retry { after_ms: 0 });
        assert_eq!(x.handle_failure(TransportFailure::Sent, 0), Next::OutcomeUnknown(s));
        // Without its key a refund is like any state change.
        let bare = subject(Operation::RefundPaymentIntent, false);
        assert_eq!(Exchange::of(bare, ONE_RETRY).handle_failure(TransportFailure::Sent, 0), Next::OutcomeUnknown(bare));
    }

    #[test]
    fn failures() {
        let charge = subject(Operation::ChargePaymentIntent, false);
        let mut x = Exchange::of(charge, ONE_RETRY);
        assert_eq!(x.handle_failure(TransportFailure::NotSent, u32::MAX), Next::Retry { after_ms: 100 });
        assert_eq!(x.handle_failure(TransportFailure::NotSent, 0), Next::GiveUp(ErrorClass::Transport));
        let mut x = Exchange::of(charge, ONE_RETRY);
        assert_eq!(x.handle_failure(TransportFailure::Sent, 0), Next::OutcomeUnknown(charge));
        assert_eq!(x.handle_failure(TransportFailure::Unusable, 0), Next::GiveUp(ErrorClass::Config));
        let read = subject(Operation::GetPaymentIntent, false);
        let mut x = Exchange::of(read, ONE_RETRY);
        assert_eq!(x.handle_failure(TransportFailure::Sent, 0), Next::Retry { after_ms: 0 });
        assert_eq!(x.handle_failure(TransportFailure::Sent, 0), Next::GiveUp(ErrorClass::Transport));
        let mut none = Exchange::of(read, RetryPolicy::NONE);
        assert_eq!(none.handle_failure(TransportFailure::NotSent, 0), Next::GiveUp(ErrorClass::Transport));
    }

    #[test]
    fn undecodable_and_too_large() {
        let read = subject(Operation::GetPaymentIntent, false);
        let charge = subject(Operation::ChargePaymentIntent, false);
        assert_eq!(Exchange::of(read, ONE_RETRY).handle_undecodable(), Next::GiveUp(ErrorClass::Decode));
        assert_eq!(Exchange::of(charge, ONE_RETRY).handle_undecodable(), Next::OutcomeUnknown(charge));
        assert_eq!(Exchange::of(read, ONE_RETRY).handle_too_large(200), Next::GiveUp(ErrorClass::ResponseTooLarge));
        assert_eq!(Exchange::of(charge, ONE_RETRY).handle_too_large(200), Next::OutcomeUnknown(charge));
        assert_eq!(Exchange::of(charge, ONE_RETRY).handle_too_large(502), Next::OutcomeUnknown(charge));
        assert_eq!(
            Exchange::of(charge, ONE_RETRY).handle_too_large(409),
            Next::GiveUp(ErrorClass::Api(ApiErrorKind::Conflict))
        );
        assert_eq!(
            Exchange::of(read, ONE_RETRY).handle_too_large(503),
            Next::GiveUp(ErrorClass::Api(ApiErrorKind::ServerError))
        );
    }

    #[test]
    fn the_subject_comes_from_the_request() {
        let key = key();
        let api = Api::new(&key);
        let pi = PaymentIntentId::new("pi_sandbox_1").unwrap();
        let charge = api.charge_payment_intent(&pi).unwrap();
        let x = Exchange::new(&charge, RetryPolicy::DEFAULT);
        assert_eq!(x.subject().payment_intent, Some(pi));
        assert!(!x.repeatable());
        let mut buf = [0u8; 256];
        let refund =
            api.refund_payment_intent(&pi, "key-7", &CreateRefundRequest::new(crate::Money::gbp(5)), &mut buf).unwrap();
        let x = Exchange::new(&refund, RetryPolicy::DEFAULT);
        assert_eq!(x.subject().idempotency_key, Some("key-7"));
        assert!(x.repeatable());
        let si = SetupIntentId::new("si_sandbox_1").unwrap();
        let x = Exchange::new(&charge, RetryPolicy::DEFAULT).for_setup_intent(Some(si));
        assert_eq!(x.subject().setup_intent, Some(si));
        let shown = x.subject().to_string();
        assert!(shown.contains("charge_payment_intent of pi_sandbox_1"), "{shown}");
        // The subject alone, as an adapter builds its outcome-unknown report: the same.
        assert_eq!(Subject::of(&charge).for_setup_intent(Some(si)), *x.subject());
        assert_eq!(Subject::of(&refund), *Exchange::new(&refund, RetryPolicy::DEFAULT).subject());
        // A setup intent the path names is kept: the body's is only added when it names none.
        let cancel = api.cancel_setup_intent(&si, false).unwrap();
        let other = SetupIntentId::new("si_sandbox_2").unwrap();
        assert_eq!(Subject::of(&cancel).for_setup_intent(Some(other)).setup_intent, Some(si));
    }

    #[test]
    fn the_default_policy() {
        let p = RetryPolicy::default();
        assert_eq!(p, RetryPolicy::DEFAULT);
        let ceilings: [u32; 8] = core::array::from_fn(|i| p.ceiling_ms(i as u8));
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(p.ceiling_ms(200), 8000);
        assert_eq!(p.jitter_ms(0, 0), 0);
        assert_eq!(p.jitter_ms(0, u32::MAX), 250);
        assert_eq!(p.jitter_ms(1, u32::MAX / 2), 250);
        let mut x = Exchange::of(subject(Operation::GetPaymentIntent, false), p);
        let delays: [Next<'_>; 4] = core::array::from_fn(|_| x.handle_failure(TransportFailure::Sent, u32::MAX));
        assert_eq!(
            delays,
            [
                Next::Retry { after_ms: 250 },
                Next::Retry { after_ms: 500 },
                Next::Retry { after_ms: 1000 },
                Next::GiveUp(ErrorClass::Transport)
            ]
        );
        assert_eq!(x.attempts(), 4);
    }

    #[test]
    fn retry_after_values() {
        let now = Timestamp::from_unix(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after_ms(b"3", None), Some(3_000));
        assert_eq!(retry_after_ms(b" 0 ", None), Some(0));
        assert_eq!(retry_after_ms(b"99999999999", None), Some(u32::MAX));
        assert_eq!(retry_after_ms(b"Wed, 21 Oct 2015 07:28:10 GMT", Some(now)), Some(10_000));
        assert_eq!(retry_after_ms(b"Wed, 21 Oct 2015 07:27:00 GMT", Some(now)), Some(0));
        assert_eq!(retry_after_ms(b"Wed, 21 Oct 2015 07:28:10 GMT", None), None, "no clock, no date");
        for bad in
            [&b""[..], b"soon", b"-1", b"1.5", b"Wed, 21 Foo 2015 07:28:10 GMT", b"Wed, 21 Oct 2015 07:28:10 UTC"]
        {
            assert_eq!(retry_after_ms(bad, Some(now)), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn base_urls_good_and_evil() {
        let good = [
            ("https://api.dojo.tech/", "https://api.dojo.tech"),
            ("https://api.dojo.tech", "https://api.dojo.tech"),
            ("HTTPS://API.DOJO.TECH:443/v1", "HTTPS://API.DOJO.TECH:443/v1"),
            ("https://10.0.0.1", "https://10.0.0.1"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.3.4.5:1/", "http://127.3.4.5:1"),
            ("http://localhost:9", "http://localhost:9"),
            ("HTTP://LocalHost", "HTTP://LocalHost"),
            ("http://[::1]:9", "http://[::1]:9"),
            ("http://[0:0::1]", "http://[0:0::1]"),
            ("http://[0:0:0:0:0:0:0:1]:80/", "http://[0:0:0:0:0:0:0:1]:80"),
            ("http://[::ffff:127.0.0.1]:1", "http://[::ffff:127.0.0.1]:1"),
            ("http://127.1", "http://127.1"),
            ("http://127.0.1:5", "http://127.0.1:5"),
            ("http://2130706433/", "http://2130706433"),
            ("http://0x7f.0.0.1", "http://0x7f.0.0.1"),
            ("http://0X7F.1", "http://0X7F.1"),
            ("http://0177.0.0.1", "http://0177.0.0.1"),
            ("http://0x7f000001:65535", "http://0x7f000001:65535"),
        ];
        for (url, want) in good {
            assert_eq!(check_base_url(url), Ok(want), "{url}");
        }
        use BaseUrlError as E;
        let evil = [
            ("http://127.0.0.1:1@evil.example/", E::Userinfo),
            ("https://user:pw@api.dojo.tech", E::Userinfo),
            ("http://evil.example@127.0.0.1", E::Userinfo),
            ("http://api.dojo.tech", E::NotLoopback),
            ("http://10.0.0.1", E::NotLoopback),
            ("http://128.0.0.1", E::NotLoopback),
            ("http://0127.0.0.1", E::NotLoopback), // octal 0127 = 87
            ("http://[::2]:1", E::NotLoopback),
            ("http://[::ffff:10.0.0.1]", E::NotLoopback),
            ("http://[::127.0.0.1]", E::NotLoopback), // IPv4-compatible, deprecated: not loopback
            ("http://localhost.", E::NotLoopback),
            ("http://127.0.0.1.", E::NotLoopback),
            ("http://evil.localhost", E::NotLoopback),
            ("http://localhost.evil.example", E::NotLoopback),
            ("http://127.0.0.1.evil.example", E::NotLoopback),
            ("http://127.0.0.0x1g", E::NotLoopback),
            ("http://127..1", E::NotLoopback),
            ("http://0x", E::NotLoopback),
            ("http://4294967296", E::NotLoopback),
            ("http://127.256.0.1", E::NotLoopback),
            ("http://1.2.3.4.5", E::NotLoopback),
            ("http://127.0.0.1:99999", E::Malformed),
            ("http://127.0.0.1:", E::Malformed),
            ("http://127.0.0.1:8a", E::Malformed),
            ("http://127.0.0.1:1:2", E::Malformed),
            ("http://[::1", E::Malformed),
            ("http://[evil.example]", E::Malformed),
            ("http://[::1]x", E::Malformed),
            ("http://[::1%25eth0]", E::Malformed),
            ("http://127.0.0.1%2f", E::Malformed),
            ("http://127.0.0.1 .evil", E::Malformed),
            ("http://127.0.0.1\\@evil.example", E::Malformed),
            ("http://", E::EmptyHost),
            ("https:///path", E::EmptyHost),
            ("http://:80", E::EmptyHost),
            ("https://x?y=1", E::QueryOrFragment),
            ("https://x/#f", E::QueryOrFragment),
            ("ftp://127.0.0.1", E::Scheme),
            ("api.dojo.tech", E::Scheme),
            ("", E::Scheme),
            ("javascript://127.0.0.1", E::Scheme),
        ];
        for (url, why) in evil {
            assert_eq!(check_base_url(url), Err(why), "{url}");
        }
        assert!(E::Userinfo.to_string().contains('@'));
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(inet_aton("127.0.0.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("127.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("127.0.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("2130706433"), Some(0x7f00_0001));
        assert_eq!(inet_aton("0x7f.0.0.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("0177.0.0.01"), Some(0x7f00_0001));
        assert_eq!(inet_aton("1.0x10000"), Some(0x0101_0000));
        for bad in ["", ".", "1.", "08", "1.2.3.4.5", "256.1", "1.16777216", "1.2.65536", "0x", "abc", "4294967296"] {
            assert_eq!(inet_aton(bad), None, "{bad}");
        }
    }
}
