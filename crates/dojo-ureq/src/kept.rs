//! A decoded answer kept with its body, so [`Response::get`](crate::Response::get) hands
//! out the model decoded on arrival instead of decoding again.
//!
//! dojo-core's models borrow the body (`SetupIntent<'a>` holds `&'a str`s into it), so a
//! `Response` owning both is self-referential. [`yoke`] does that safely: its `Yoke`
//! keeps the body (the "cart", a `Vec<u8>` whose heap bytes do not move) and the model
//! borrowing it, and lends the model out only for as long as `&self`. It needs the model
//! type to be `Yokeable`, which its derive implements after checking at compile time that
//! the type is covariant in its lifetime (what makes shortening the lifetime sound).
//! dojo-core's model types are foreign, so each gets a one-field local wrapper deriving
//! it; [`Kept`] maps each dojo-core kind to its wrapper. No `unsafe` is written here (the
//! crate forbids it); the derive's `unsafe impl` is yoke's, with its covariance check.

use dojo_core::json::Items;
use dojo_core::payment_intent::{
    Capture, ChargeResponse, PaymentIntent, PaymentIntentPage, PaymentIntentSummary, Refund, Reversal,
};
use dojo_core::response::{ResponseKind, kind};
use dojo_core::setup_intent::{SetupIntent, SetupIntentSummary};
use dojo_core::webhook_api::{SecretsResponse, Subscription, WebhookEventGroup, kind as webhook_kind};
use yoke::Yokeable;

mod sealed {
    pub trait Sealed {}
}

/// The dojo-core response kinds a [`Response`](crate::Response) can keep decoded: every
/// kind of [`dojo_core::response::kind`] and of [`dojo_core::webhook_api::kind`]. Sealed: implemented here, for each of them.
pub trait Kept: ResponseKind + sealed::Sealed + 'static {
    /// The model's local wrapper (a `Yokeable` type).
    #[doc(hidden)]
    type Model: for<'a> Yokeable<'a>;

    /// Wraps a decoded model.
    #[doc(hidden)]
    fn wrap<'a>(model: Self::Output<'a>) -> <Self::Model as Yokeable<'a>>::Output
    where
        Self: 'a;

    /// The model in a wrapper (a copy: every model is `Copy`).
    #[doc(hidden)]
    fn unwrap<'a>(model: &<Self::Model as Yokeable<'a>>::Output) -> Self::Output<'a>
    where
        Self: 'a;
}

/// The local wrappers, one per kind (public only because [`Kept::Model`] names them).
#[doc(hidden)]
pub mod models {
    use super::*;

    macro_rules! borrowed {
        ($($kind:ty => $model:ident($out:ident)),* $(,)?) => {$(
            /// A wrapper of the model, for `yoke`.
            #[derive(Yokeable, Clone, Copy)]
            pub struct $model<'a>(pub $out<'a>);
            impl sealed::Sealed for $kind {}
            impl Kept for $kind {
                type Model = $model<'static>;
                fn wrap<'a>(model: $out<'a>) -> <Self::Model as Yokeable<'a>>::Output
                where
                    Self: 'a,
                {
                    $model(model)
                }
                fn unwrap<'a>(model: &<Self::Model as Yokeable<'a>>::Output) -> $out<'a>
                where
                    Self: 'a,
                {
                    model.0
                }
            }
        )*};
    }

    macro_rules! owned {
        ($($kind:ty => $model:ident($out:ident)),* $(,)?) => {$(
            /// A wrapper of the model, for `yoke`.
            #[derive(Yokeable, Clone, Copy)]
            pub struct $model(pub $out);
            impl sealed::Sealed for $kind {}
            impl Kept for $kind {
                type Model = $model;
                fn wrap<'a>(model: $out) -> <Self::Model as Yokeable<'a>>::Output
                where
                    Self: 'a,
                {
                    $model(model)
                }
                fn unwrap<'a>(model: &<Self::Model as Yokeable<'a>>::Output) -> $out
                where
                    Self: 'a,
                {
                    model.0
                }
            }
        )*};
    }

    /// A page of subscriptions (`GET /webhooks`).
    pub type SubscriptionList<'a> = Items<'a, Subscription<'a>>;
    /// The event types by model (`GET /webhooks/events`).
    pub type WebhookEventGroups<'a> = Items<'a, WebhookEventGroup<'a>>;
    /// An answer without a body (204).
    pub type NoContent = ();

    borrowed! {
        kind::SetupIntentKind => SetupIntentModel(SetupIntent),
        kind::PaymentIntentKind => PaymentIntentModel(PaymentIntent),
        kind::CaptureKind => CaptureModel(Capture),
        kind::RefundKind => RefundModel(Refund),
        kind::ReversalKind => ReversalModel(Reversal),
        kind::PaymentIntentPageKind => PaymentIntentPageModel(PaymentIntentPage),
        kind::ChargeKind => ChargeModel(ChargeResponse),
        webhook_kind::SubscriptionKind => SubscriptionModel(Subscription),
        webhook_kind::SubscriptionListKind => SubscriptionListModel(SubscriptionList),
        webhook_kind::SecretsKind => SecretsModel(SecretsResponse),
        webhook_kind::WebhookEventsKind => WebhookEventsModel(WebhookEventGroups),
    }

    owned! {
        kind::SetupIntentSummaryKind => SetupIntentSummaryModel(SetupIntentSummary),
        kind::PaymentIntentSummaryKind => PaymentIntentSummaryModel(PaymentIntentSummary),
        webhook_kind::NoContentKind => NoContentModel(NoContent),
    }
}
