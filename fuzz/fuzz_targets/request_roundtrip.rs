#![no_main]
//! Arbitrary field values into the request builders: each either builds a body that
//! decodes back to the same value, or gives a typed validation error. Never a panic.

use arbitrary::Arbitrary;
use dojo_core::json::{Text, from_slice};
use dojo_core::request::{
    Api, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest, Cursor, SearchPaymentIntentsRequest,
};
use dojo_core::{ApiKey, CaptureMode, Error, MerchantInitiatedTransactionType, Money, PaymentIntentId, SetupIntentId};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    reference: &'a str,
    terms: &'a str,
    description: Option<&'a str>,
    /// The SDK's `Arbitrary` money (dojo-core's `arbitrary` feature).
    money: Money,
    mit: &'a str,
    capture: &'a str,
    setup_intent_id: &'a str,
    payment_intent_id: &'a str,
    idempotency_key: &'a str,
    refund_amount: i64,
    notes: Option<&'a str>,
    cursor_after: Option<&'a str>,
    limit: Option<i32>,
    buf_len: u16,
    /// Whole bodies from the SDK's `Arbitrary` impls: valid-looking most of the time.
    setup_body: CreateSetupIntentRequest<'a>,
    payment_body: CreatePaymentIntentRequest<'a>,
}

fn expect_invalid_or_small<T: core::fmt::Debug>(r: Result<T, Error<'_>>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(Error::Invalid(_)) | Err(Error::BufferTooSmall(_)) => None,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

fuzz_target!(|input: Input<'_>| {
    let Ok(key) = ApiKey::new("sk_sandbox_fuzz") else { return };
    let api = Api::new(&key);
    let mut buf = vec![0u8; usize::from(input.buf_len)];
    let money = input.money;

    // The SDK's arbitrary bodies: build and decode back, or a typed validation error.
    if let Some(req) = expect_invalid_or_small(api.create_setup_intent(&input.setup_body, &mut buf)) {
        let back: CreateSetupIntentRequest<'_> = from_slice(req.body(&buf)).expect("our own body decodes");
        assert_eq!(back, input.setup_body);
    }
    if let Some(req) = expect_invalid_or_small(api.create_payment_intent(&input.payment_body, &mut buf)) {
        let back: CreatePaymentIntentRequest<'_> = from_slice(req.body(&buf)).expect("our own body decodes");
        assert_eq!(back, input.payment_body);
    }

    let si = CreateSetupIntentRequest {
        description: input.description.map(Text::new),
        capture_mode: Some(CaptureMode::parse(input.capture)),
        ..CreateSetupIntentRequest::new(
            input.reference,
            input.terms,
            MerchantInitiatedTransactionType::parse(input.mit),
            money,
        )
    };
    if let Some(req) = expect_invalid_or_small(api.create_setup_intent(&si, &mut buf)) {
        let back: CreateSetupIntentRequest<'_> = from_slice(req.body(&buf)).expect("our own body decodes");
        assert_eq!(back, si);
    }

    if let Ok(setup_intent) = SetupIntentId::new(input.setup_intent_id) {
        let pi = CreatePaymentIntentRequest::for_setup_intent(input.reference, money, setup_intent);
        if let Some(req) = expect_invalid_or_small(api.create_payment_intent(&pi, &mut buf)) {
            let back: CreatePaymentIntentRequest<'_> = from_slice(req.body(&buf)).expect("decodes");
            assert_eq!(back, pi);
        }
        let _ = api.cancel_setup_intent(&setup_intent, input.money.value % 2 == 0).expect("valid id builds");
    }

    if let Ok(payment_intent) = PaymentIntentId::new(input.payment_intent_id) {
        let refund = CreateRefundRequest {
            notes: input.notes.map(Text::new),
            ..CreateRefundRequest::new(dojo_core::Money::gbp(input.refund_amount))
        };
        if let Some(req) = expect_invalid_or_small(api.refund_payment_intent(
            &payment_intent,
            input.idempotency_key,
            &refund,
            &mut buf,
        )) {
            let back: CreateRefundRequest<'_> = from_slice(req.body(&buf)).expect("decodes");
            assert_eq!(back, refund);
            assert_eq!(req.headers().last().map(|h| h.1), Some(input.idempotency_key));
        }
    }

    let search = SearchPaymentIntentsRequest {
        cursor: input.cursor_after.map(|a| Cursor::after(a, input.limit)),
        ..SearchPaymentIntentsRequest::default()
    };
    if let Some(req) = expect_invalid_or_small(api.search_payment_intents(&search, &mut buf)) {
        let back: SearchPaymentIntentsRequest<'_> = from_slice(req.body(&buf)).expect("decodes");
        assert_eq!(back, search);
    }
});
