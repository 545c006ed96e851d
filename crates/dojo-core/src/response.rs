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

/// Marker types naming what each operation's response decodes into.
pub mod kind {
    use super::ResponseKind;
    use crate::json::{DecodeError, from_slice};
    use crate::payment_intent::{
        Capture, ChargeResponse, PaymentIntent, PaymentIntentPage, PaymentIntentSummary, Refund, Reversal,
    };
    use crate::setup_intent::{SetupIntent, SetupIntentSummary};

    macro_rules! kind {
        ($(#[$m:meta])* $name:ident => $out:ident) => {
            $(#[$m])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $name {}
            impl ResponseKind for $name {
                type Output<'a> = $out<'a>;
                fn decode_ok(body: &[u8]) -> Result<Self::Output<'_>, DecodeError> {
                    from_slice(body)
                }
            }
        };
    }

    kind!(/// A [`SetupIntent`].
        SetupIntentKind => SetupIntent);
    kind!(/// A [`PaymentIntent`].
        PaymentIntentKind => PaymentIntent);
    kind!(/// A [`Capture`].
        CaptureKind => Capture);
    kind!(/// A [`Refund`].
        RefundKind => Refund);
    kind!(/// A [`Reversal`].
        ReversalKind => Reversal);
    kind!(/// A page of payment intents ([`PaymentIntentPage`]).
        PaymentIntentPageKind => PaymentIntentPage);

    // The summaries decode with hand-written decoders that give exactly what
    // `from_slice` gives, in far less code (see `crate::summary`).
    macro_rules! summary_kind {
        ($(#[$m:meta])* $name:ident => $out:ident, $decode:path) => {
            $(#[$m])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $name {}
            impl ResponseKind for $name {
                type Output<'a> = $out;
                fn decode_ok(body: &[u8]) -> Result<Self::Output<'_>, DecodeError> {
                    $decode(body)
                }
            }
        };
    }

    /// A [`ChargeResponse`]. Decoded like the summaries (by `crate::summary`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ChargeKind {}
    impl ResponseKind for ChargeKind {
        type Output<'a> = ChargeResponse<'a>;
        fn decode_ok(body: &[u8]) -> Result<Self::Output<'_>, DecodeError> {
            crate::summary::charge_response(body)
        }
    }

    summary_kind!(/// A [`SetupIntentSummary`]: a setup intent's answer, reading only what a kiosk needs.
        SetupIntentSummaryKind => SetupIntentSummary, crate::summary::setup_intent_summary);
    summary_kind!(/// A [`PaymentIntentSummary`]: a payment intent's answer, reading only what a kiosk needs.
        PaymentIntentSummaryKind => PaymentIntentSummary, crate::summary::payment_intent_summary);
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
