//! The HTTP request and answer over an embedded-svc connection: the request line and
//! headers (`Content-Length` always), the body, and the answer read whole into the
//! caller's buffer with its status, length and `Retry-After`.

use dojo_core::exchange::retry_after_ms;
use dojo_core::request::{Method, Operation};
use embedded_svc::http::client::Connection;

use dojo_core::client_error::{ClientError, TransportError};

use super::decode::{Stop, Stopped};
use super::inner::{Inner, InnerCause, Raw};
use crate::error::{Phase, ResponseTooLarge};

/// The longest `Content-Length` value (`u64::MAX` has 20 digits).
pub(super) const LEN_DIGITS: usize = 20;

pub(super) fn to_svc_method(m: Method) -> embedded_svc::http::Method {
    match m {
        Method::Get => embedded_svc::http::Method::Get,
        Method::Post => embedded_svc::http::Method::Post,
        Method::Delete => embedded_svc::http::Method::Delete,
        Method::Put => embedded_svc::http::Method::Put,
        Method::Patch => embedded_svc::http::Method::Patch,
    }
}

pub(super) fn format_len(mut n: usize, out: &mut [u8; LEN_DIGITS]) -> &str {
    let mut at = LEN_DIGITS;
    loop {
        at -= 1;
        if let Some(d) = out.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.get(at..).and_then(|d| core::str::from_utf8(d).ok()).unwrap_or("0")
}

/// A header's decimal value (surrounding spaces allowed), `None` when it is anything
/// else or overflows.
fn parse_digits(value: &str) -> Option<u64> {
    // Trimmed as bytes (both are ASCII: no UTF-8 decoding of the value).
    let mut digits = value.as_bytes();
    while let [b' ' | b'\t', rest @ ..] = digits {
        digits = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = digits {
        digits = rest;
    }
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() { n.checked_mul(10)?.checked_add(u64::from(b - b'0')) } else { None }
    })
}

pub(super) fn transport<E>(operation: Operation, phase: Phase, cause: InnerCause<E>) -> Inner<E> {
    ClientError::Transport(TransportError { operation, phase, attempts: 1, cause })
}

/// A failure once the whole request was handed over ([`Phase::Receive`]): the exchange
/// decides whether it is harmless (a read) or an outcome unknown.
fn after_send<E>(operation: Operation, cause: InnerCause<E>) -> Inner<E> {
    transport(operation, Phase::Receive, cause)
}

#[inline(never)]
pub(super) fn send<C: Connection>(
    conn: &mut C,
    operation: Operation,
    method: embedded_svc::http::Method,
    url: &str,
    headers: &[(&str, &str)],
    mut body: &[u8],
    slot: &mut Option<Stop<C::Error>>,
) -> Result<(), Stopped> {
    // Where it failed and why: one error made, at the one exit.
    let (phase, cause) = 'send: {
        if let Err(e) = conn.initiate_request(method, url, headers) {
            break 'send (Phase::Connect, InnerCause::Io(e));
        }
        while !body.is_empty() {
            match conn.write(body) {
                Ok(0) => break 'send (Phase::Send, InnerCause::WriteZero),
                Ok(n) => body = body.get(n..).unwrap_or(&[]),
                Err(e) => break 'send (Phase::Send, InnerCause::Io(e)),
            }
        }
        // Once the whole request was handed over: `Phase::Receive` (see `after_send`).
        match conn.flush().and_then(|()| conn.initiate_response()) {
            Ok(()) => return Ok(()),
            Err(e) => (Phase::Receive, InnerCause::Io(e)),
        }
    };
    Err(Stopped::at(slot, Stop::Failed(transport(operation, phase, cause))))
}

#[inline(never)]
pub(super) fn receive<C: Connection>(
    conn: &mut C,
    operation: Operation,
    buf: &mut [u8],
    slot: &mut Option<Stop<C::Error>>,
) -> Result<Raw, Stopped> {
    let status = conn.status();
    let content_length = conn.header("Content-Length").and_then(parse_digits);
    // No clock: the HTTP-date form is not honoured (the backoff's own delay applies).
    let retry_after_ms = conn.header("Retry-After").and_then(|v| retry_after_ms(v.as_bytes(), None));
    let capacity = buf.len();
    // The body's length, or why it was not read: too large (`None`), or a failure once
    // the request was sent. One exit for each (one `Raw`, one error of each kind).
    let read: Result<usize, Option<InnerCause<C::Error>>> = 'read: {
        // 1xx, 204 and 304 answers have no body, whatever their headers say (RFC 9110):
        // waiting for one would hang on a kept-alive connection.
        if (100..200).contains(&status) || status == 204 || status == 304 {
            break 'read Ok(0);
        }
        let limit = match content_length {
            Some(cl) if cl > capacity as u64 => break 'read Err(None),
            Some(cl) => cl as usize,
            None => capacity,
        };
        let mut len = 0;
        while len < limit {
            let Some(dst) = buf.get_mut(len..limit) else { break };
            match conn.read(dst) {
                Ok(0) => break,
                Ok(n) => len += n.min(dst.len()),
                Err(e) => break 'read Err(Some(InnerCause::Io(e))),
            }
        }
        match content_length {
            Some(expected) if (len as u64) < expected => Err(Some(InnerCause::Truncated { expected, received: len })),
            // No length announced: the buffer is full only if the answer may go on; one
            // more byte decides.
            None if len == capacity => match conn.read(&mut [0u8; 1]) {
                Ok(0) => Ok(len),
                Ok(_) => Err(None),
                Err(e) => Err(Some(InnerCause::Io(e))),
            },
            _ => Ok(len),
        }
    };
    let failed = match read {
        Ok(len) => return Ok(Raw { status, len, retry_after_ms, attempts: 1 }),
        Err(None) => ClientError::ResponseTooLarge(ResponseTooLarge { operation, status, capacity, content_length }),
        Err(Some(cause)) => after_send(operation, cause),
    };
    Err(Stopped::at(slot, Stop::Failed(failed)))
}

#[cfg(feature = "log")]
pub(super) fn log_exchange(method: Method, path_and_query: &str, raw: &Raw) {
    // Never the headers: they carry the key. The path without its query.
    let path = path_and_query.split_once('?').map_or(path_and_query, |(path, _)| path);
    log::debug!("dojo: {} {} -> {} ({} bytes)", method.as_str(), path, raw.status, raw.len);
}

#[cfg(not(feature = "log"))]
pub(super) fn log_exchange(_: Method, _: &str, _: &Raw) {}

#[cfg(feature = "log")]
pub(super) fn log_failure<E: core::fmt::Debug>(operation: Operation, e: &Inner<E>) {
    // One attempt's failure, before the exchange classifies it: say where it failed and
    // why, not what it means (a lost answer to a charge is not "nothing changed").
    match e {
        ClientError::Transport(t) => {
            log::warn!("dojo: {}: attempt failed ({:?}): {}", operation.name(), t.phase, t.cause)
        }
        other => log::warn!("dojo: {}: {}", operation.name(), other),
    }
}

#[cfg(not(feature = "log"))]
pub(super) fn log_failure<E>(_: Operation, _: &Inner<E>) {}

#[cfg(feature = "log")]
pub(super) fn log_retry(operation: Operation, attempt: u8, ms: u32) {
    log::info!("dojo: {}: retry {} in {} ms", operation.name(), attempt, ms);
}

#[cfg(not(feature = "log"))]
pub(super) fn log_retry(_: Operation, _: u8, _: u32) {}

#[cfg(test)]
mod tests {
    use super::format_len;

    #[test]
    fn header_numbers() {
        use super::parse_digits;
        assert_eq!(parse_digits("1500"), Some(1500));
        assert_eq!(parse_digits(" 7 "), Some(7));
        assert_eq!(parse_digits("\t 42\t "), Some(42));
        assert_eq!(parse_digits("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            " ",
            " \t",
            "7\n",
            "\r7",
            "7 7",
            "\u{a0}7",
            "-1",
            "+1",
            "1.5",
            "0x10",
            "18446744073709551616",
            "Wed, 21 Oct 2026 07:28:00 GMT",
        ] {
            assert_eq!(parse_digits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn content_length_digits() {
        let mut d = [0u8; super::LEN_DIGITS];
        assert_eq!(format_len(0, &mut d), "0");
        assert_eq!(format_len(7, &mut d), "7");
        assert_eq!(format_len(1024, &mut d), "1024");
        assert_eq!(format_len(usize::MAX, &mut d), "18446744073709551615");
    }
}
