//! The I/O loop over dojo-core's [`Exchange`]: one request, sent and answered, repeated
//! as the exchange says. The generic part (per response kind) is only the shim that
//! borrows a request's [`RequestParts`]; the loop itself is compiled once.

use dojo_core::BufferTooSmall;
use dojo_core::exchange::{Attempts, TransportFailure, Verdict};
use dojo_core::lifecycle::SetupIntentState;
use dojo_core::request::{MAX_HEADERS, Request, RequestParts, SearchPaymentIntentsRequest};
use dojo_core::response::ResponseKind;
use dojo_core::{Money, PaymentIntentId, SetupIntentId};
use embedded_svc::http::client::Connection;

use super::decode::{Fetched, Stop, Stopped, decode};
use super::wire::{
    LEN_DIGITS, format_len, log_exchange, log_failure, log_retry, receive, send, to_svc_method, transport,
};
use super::{Client, ClientResult, Connect};
use dojo_core::client_error::ClientError;

use super::decode::unknown_in;
use super::inner::{InnerCause, Raw};
use crate::error::Phase;
use crate::kiosk::{NoShowFee, build_payment_intent, build_setup_intent};
use crate::retry::{Delay, xorshift32};

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Sends `req` (its body is the start of `buf`, as the builder wrote it) and
    /// decodes the answer from `buf`, repeating it as dojo-core's
    /// [`Exchange`](dojo_core::exchange::Exchange) says. A 2xx answer to a non-idempotent
    /// request that does not decode, or a 5xx answer to one, is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
    pub fn execute<'b, R: ResponseKind>(
        &mut self,
        req: &Request<'_, R>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, R::Output<'b>, K> {
        let result = self.exchange_with_retries(req, buf);
        let buf: &'b [u8] = buf;
        match result {
            Ok(raw) => decode(req, raw, buf),
            Err(_) => Err(self.take_error(buf)),
        }
    }

    /// One exchange, retried per the policy: the answer's status and length, its body
    /// in `buf`; a failure is kept in the client's slot ([`Stop::Failed`]), only a word
    /// returned. Nothing it returns borrows `buf`, so callers can loop over it. The
    /// generic part is only this: the rest is shared by every response kind.
    pub(crate) fn exchange_with_retries<R: ResponseKind>(
        &mut self,
        req: &Request<'_, R>,
        buf: &mut [u8],
    ) -> Result<Raw, Stopped> {
        self.exchange_retried(req.parts(), buf)
    }

    /// The I/O loop over dojo-core's [`Exchange`]: send, hand the result over, wait or
    /// stop as it says. A failure stays where the attempt put it (the client's slot):
    /// the exchange reads it there, and an outcome unknown is made of it in place.
    fn exchange_retried(&mut self, outgoing: &RequestParts<'_>, buf: &mut [u8]) -> Result<Raw, Stopped> {
        let operation = outgoing.operation();
        // Only whether the request is keyed: the intent is read from the path when the
        // outcome is unknown.
        let keyed = outgoing.idempotency_key().is_some();
        // The exchange's rules without its subject: no ids carried through the loop.
        let mut exchange = Attempts::new(operation, keyed, self.policy);
        loop {
            let result = self.exchange(outgoing, buf);
            let random = self.next_seed();
            let next = match (&result, &self.stop) {
                (Ok(raw), _) => exchange.handle_answer(raw.status, raw.retry_after_ms, random),
                (Err(_), Some(Stop::Failed(ClientError::Transport(t)))) => exchange.handle_failure(
                    if t.phase == Phase::Receive { TransportFailure::Sent } else { TransportFailure::NotSent },
                    random,
                ),
                (Err(_), Some(Stop::Failed(ClientError::ResponseTooLarge(r)))) => exchange.handle_too_large(r.status),
                _ => Verdict::Done,
            };
            self.last_retry_after_s = exchange.retry_after_ms().map(|ms| ms / 1000);
            let attempts = exchange.attempts();
            match next {
                Verdict::Retry { after_ms } => {
                    log_retry(operation, attempts.saturating_sub(1), after_ms);
                    self.delay.delay_ms(after_ms);
                }
                Verdict::OutcomeUnknown => {
                    // A 5xx: its body stays at the start of `buf`, published with the error.
                    let server_error = result.ok().map(|raw| {
                        self.answer_len = raw.len;
                        raw.status
                    });
                    let path = outgoing.path_and_query();
                    return Err(unknown_in(&mut self.stop, server_error, operation, path, attempts));
                }
                Verdict::Done | Verdict::GiveUp(_) => {
                    return match result {
                        Ok(raw) => Ok(Raw { attempts, ..raw }),
                        Err(stopped) => {
                            if let Some(Stop::Failed(ClientError::Transport(t))) = &mut self.stop {
                                t.attempts = attempts;
                            }
                            Err(stopped)
                        }
                    };
                }
            }
        }
    }

    /// Builds the request `call` names (writing its body into `buf`), sends it like
    /// [`exchange_with_retries`](Self::exchange_with_retries), and keeps only what
    /// decoding needs; a non-2xx answer is [`Stop::Refused`]. One copy for every request
    /// the kiosk's flows send: the request (a few hundred bytes) lives only in this frame.
    #[inline(never)]
    pub(crate) fn fetch(&mut self, call: Call<'_>, buf: &mut [u8]) -> Result<Fetched, Stopped> {
        let api = self.api;
        match call {
            Call::CreateSetupIntent(fee) => self.fetch_built(build_setup_intent(api, fee, buf), buf),
            Call::GetSetupIntent(id) => self.fetch_built(api.get_setup_intent(id), buf),
            Call::CancelSetupIntent(id) => self.fetch_built(api.cancel_setup_intent(id, true), buf),
            Call::CreatePaymentIntent { setup, reference, amount } => {
                self.fetch_built(build_payment_intent(api, setup, reference, *amount, buf), buf)
            }
            Call::GetPaymentIntent(id) => self.fetch_built(api.get_payment_intent(id, true), buf),
            Call::ChargePaymentIntent(id) => self.fetch_built(api.charge_payment_intent(id), buf),
            Call::SearchPaymentIntents(body) => self.fetch_built(api.search_payment_intents_lean(body, buf), buf),
        }
    }

    /// [`fetch`](Self::fetch) of a request built: the only generic step (per response
    /// kind) is borrowing its [`RequestParts`]. The request is borrowed where the caller
    /// built it (no second copy on the stack).
    #[inline(never)]
    fn fetch_built<R: ResponseKind>(
        &mut self,
        req: Result<Request<'k, R>, dojo_core::Error<'static>>,
        buf: &mut [u8],
    ) -> Result<Fetched, Stopped> {
        match &req {
            Ok(req) => self.fetch_parts(req.parts(), buf),
            Err(e) => Err(self.fail((*e).into())),
        }
    }

    /// The exchange of a request's parts, a non-2xx answer as [`Stop::Refused`]:
    /// compiled once for every response kind.
    #[inline(never)]
    fn fetch_parts(&mut self, parts: &RequestParts<'_>, buf: &mut [u8]) -> Result<Fetched, Stopped> {
        match self.exchange_retried(parts, buf) {
            Ok(raw) if raw.is_success() => Ok(Fetched { raw, operation: parts.operation() }),
            // A 5xx that may have executed is already an outcome unknown (the exchange's
            // verdict): any other non-2xx is the server's refusal.
            Ok(raw) => Err(self.stopped(Stop::Refused(raw))),
            Err(stopped) => Err(stopped),
        }
    }

    fn next_seed(&mut self) -> u32 {
        self.seed = xorshift32(self.seed);
        self.seed
    }

    /// One exchange: connect if needed, send the request with `Content-Length`, read
    /// the whole answer into `buf`. On any failure the connection is dropped, and why is
    /// kept in the client's slot.
    fn exchange(&mut self, outgoing: &RequestParts<'_>, buf: &mut [u8]) -> Result<Raw, Stopped> {
        let (operation, method, body_len) = (outgoing.operation(), outgoing.method(), outgoing.body_len());
        let Some((body, rest)) = buf.split_at_mut_checked(body_len) else {
            return Err(self.fail(BufferTooSmall { needed: body_len }.into()));
        };
        // Written again on every attempt: an earlier answer may have overwritten it.
        let url = match outgoing.write_url(self.base_url, rest) {
            Ok(url) => url,
            Err(BufferTooSmall { needed }) => {
                return Err(self.fail(BufferTooSmall { needed: body_len + needed }.into()));
            }
        };
        let mut len_digits = [0u8; LEN_DIGITS];
        let content_length = format_len(body_len, &mut len_digits);
        let mut headers = [("", ""); MAX_HEADERS + 1];
        let mut count = 0;
        for (slot, header) in headers.iter_mut().zip(outgoing.headers()) {
            *slot = *header;
            count += 1;
        }
        if let Some(slot) = headers.get_mut(count) {
            *slot = ("Content-Length", content_length);
            count += 1;
        }
        let headers = headers.get(..count).unwrap_or(&[]);

        // The connection stays in its slot (no moves of it): a new one replaces one that
        // cannot start another request (the old one dropped once the new one is made,
        // and the slot left empty when making it fails).
        let conn = match &mut self.conn {
            Some(conn) if !conn.is_request_initiated() => conn,
            slot => match self.connector.connect() {
                Ok(conn) => slot.insert(conn),
                Err(e) => {
                    *slot = None;
                    let failed = transport(operation, Phase::Connect, InnerCause::Io(e));
                    return Err(self.fail(failed));
                }
            },
        };
        let stop = &mut self.stop;
        let result = match send(conn, operation, to_svc_method(method), url, headers, body, stop) {
            Ok(()) => receive(conn, operation, buf, stop),
            Err(stopped) => Err(stopped),
        };
        match &result {
            Ok(raw) => log_exchange(method, outgoing.path_and_query(), raw),
            Err(_) => {
                if let Some(Stop::Failed(e)) = &self.stop {
                    log_failure(operation, e);
                }
                self.conn = None;
            }
        }
        result
    }
}

/// A request of the kiosk's flows, named for [`Client::fetch`], which builds it in its
/// own frame (ids borrowed: no copies of them on the way).
pub(crate) enum Call<'a> {
    /// `POST /setup-intents` for a no-show fee.
    CreateSetupIntent(&'a NoShowFee<'a>),
    /// `GET /setup-intents/{id}`.
    GetSetupIntent(&'a SetupIntentId),
    /// `DELETE /setup-intents/{id}?includeAuthorized=true`.
    CancelSetupIntent(&'a SetupIntentId),
    /// `POST /payment-intents` from a setup intent, for `amount`.
    CreatePaymentIntent { setup: &'a SetupIntentState, reference: &'a str, amount: &'a Money },
    /// `GET /payment-intents/{id}?returnCanceled=true`.
    GetPaymentIntent(&'a PaymentIntentId),
    /// `POST /payment-intents/{id}/charge`.
    ChargePaymentIntent(&'a PaymentIntentId),
    /// `POST /payment-intents/search`.
    SearchPaymentIntents(&'a SearchPaymentIntentsRequest<'a>),
}
