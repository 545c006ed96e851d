//! Decoding responses: one entry point from (HTTP status, body bytes) to a typed model or
//! a typed error.
//!
//! Each request built by [`crate::request`] carries a marker type ([`ResponseKind`]) that
//! names the model its response decodes into, so a charge response cannot be decoded as
//! a setup intent by mistake.

use crate::error::Error;

/// What a successful response decodes into.
pub trait ResponseKind {
    /// The decoded model, borrowing the body.
    type Output<'a>;

    /// Decodes a 2xx body.
    fn decode_ok(body: &[u8]) -> Result<Self::Output<'_>, crate::json::DecodeError>;
}

/// Defines response kinds: for each, a marker type and its [`ResponseKind`] impl, the
/// body decoded by [`from_slice`](crate::json::from_slice) unless another decoder is named
/// (`=> Model, decoder`). Used here and by [`crate::webhook_api::kind`].
macro_rules! response_kinds {
    ($($(#[$m:meta])* $name:ident => $out:ty $(, $decode:path)?;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {}
        impl $crate::response::ResponseKind for $name {
            type Output<'a> = $out;
            fn decode_ok(body: &[u8]) -> Result<Self::Output<'_>, $crate::json::DecodeError> {
                $crate::response::response_kinds!(@decode body $(, $decode)?)
            }
        }
    )+};
    (@decode $body:ident) => { $crate::json::from_slice($body) };
    (@decode $body:ident, $decode:path) => { $decode($body) };
}
pub(crate) use response_kinds;

/// Marker types naming what each operation's response decodes into.
pub mod kind {
    use crate::payment_intent::{
        Capture, ChargeResponse, PaymentIntent, PaymentIntentPage, PaymentIntentSummary, Refund, Reversal,
    };
    use crate::setup_intent::{SetupIntent, SetupIntentSummary};

    // The summaries and the charge's answer decode with hand-written decoders that give
    // exactly what `from_slice` gives, in far less code (see `crate::summary`).
    super::response_kinds! {
        /// A [`SetupIntent`].
        SetupIntentKind => SetupIntent<'a>;
        /// A [`PaymentIntent`].
        PaymentIntentKind => PaymentIntent<'a>;
        /// A [`Capture`].
        CaptureKind => Capture<'a>;
        /// A [`Refund`].
        RefundKind => Refund<'a>;
        /// A [`Reversal`].
        ReversalKind => Reversal<'a>;
        /// A page of payment intents ([`PaymentIntentPage`]).
        PaymentIntentPageKind => PaymentIntentPage<'a>;
        /// A [`ChargeResponse`]. Decoded like the summaries (by `crate::summary`).
        ChargeKind => ChargeResponse<'a>, crate::summary::charge_response;
        /// A [`SetupIntentSummary`]: a setup intent's answer, reading only what a kiosk needs.
        SetupIntentSummaryKind => SetupIntentSummary, crate::summary::setup_intent_summary;
        /// A [`PaymentIntentSummary`]: a payment intent's answer, reading only what a kiosk needs.
        PaymentIntentSummaryKind => PaymentIntentSummary, crate::summary::payment_intent_summary;
    }
}

/// Decodes a response: a 2xx status decodes `body` as `K`'s model; any other status is
/// an [`Error::Api`] carrying the [`ProblemDetails`](crate::problem::ProblemDetails) when
/// the body holds one.
pub fn decode<K: ResponseKind>(status: u16, body: &[u8]) -> Result<K::Output<'_>, Error<'_>> {
    if (200..300).contains(&status) {
        K::decode_ok(body).map_err(Error::Decode)
    } else {
        Err(Error::Api(crate::problem::ApiError::from_response(status, body)))
    }
}
