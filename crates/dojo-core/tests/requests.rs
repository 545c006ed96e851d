//! Request builders: exact bytes, every path and header, validation, buffer sizes, and
//! encode → decode round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::collections::{List, Metadata};
use dojo_core::details::{Address, CheckoutConfig, Customer, OrderDetails, RequestSecurity, ShippingDetails};
use dojo_core::json::{Text, from_slice};
use dojo_core::request::*;
use dojo_core::*;
use proptest::prelude::*;

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_Zq8wR2mKp5TbN0vY").unwrap()
}

fn si_id() -> SetupIntentId {
    SetupIntentId::new("si_sandbox_c9RbgPcWbkGcUIbsFSzHcA").unwrap()
}

fn pi_id() -> PaymentIntentId {
    PaymentIntentId::new("pi_sandbox_RBMHTJ4fIkmSppDILZVCGw").unwrap()
}

fn spec_example() -> CreateSetupIntentRequest<'static> {
    CreateSetupIntentRequest::new(
        "Dojo Cafe | Booking request for Table 4",
        "In case of no-show, the customer authorizes us to charge their card with table booking fee.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    )
}

#[test]
fn create_setup_intent_exact_request() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 1024];
    let req = api.create_setup_intent(&spec_example(), &mut buf).unwrap();
    assert_eq!(req.method(), Method::Post);
    assert_eq!(req.path(), "/setup-intents");
    assert_eq!(req.query(), "");
    assert_eq!(
        req.headers(),
        [
            ("Authorization", "Basic sk_sandbox_Zq8wR2mKp5TbN0vY"),
            ("version", "2026-02-27"),
            ("User-Agent", DEFAULT_USER_AGENT),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
        ]
    );
    assert_eq!(
        std::str::from_utf8(req.body(&buf)).unwrap(),
        r#"{"reference":"Dojo Cafe | Booking request for Table 4","merchantInitiatedTransactionType":"NoShow","terms":"In case of no-show, the customer authorizes us to charge their card with table booking fee.","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#
    );
    let mut url = [0u8; 128];
    assert_eq!(req.write_url(DEFAULT_BASE_URL, &mut url).unwrap(), "https://api.dojo.tech/setup-intents");
    assert_eq!(req.write_url("http://127.0.0.1:8080/", &mut url).unwrap(), "http://127.0.0.1:8080/setup-intents");
    let mut tiny = [0u8; 5];
    assert_eq!(req.write_url(DEFAULT_BASE_URL, &mut tiny), Err(BufferTooSmall { needed: 35 }));
    // The key never shows in Debug.
    let debug = format!("{req:?}");
    assert!(!debug.contains("Zq8wR2"), "{debug}");
    assert!(debug.contains("<redacted>"));
    // Its parts, whatever the answer's kind: the same request, the key redacted too.
    let parts = req.parts();
    assert_eq!(parts.operation(), req.operation());
    assert_eq!(parts.method(), req.method());
    assert_eq!(parts.path_and_query(), req.path_and_query());
    assert_eq!(parts.headers(), req.headers());
    assert_eq!(parts.body_len(), req.body_len());
    let debug = format!("{parts:?}");
    assert!(!debug.contains("Zq8wR2") && debug.contains("<redacted>"), "{debug}");
    assert_eq!(format!("{req:?}").replacen("Request", "RequestParts", 1), debug);
}

#[test]
fn every_operation_has_its_path_method_and_retry_safety() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 512];
    let (si, pi) = (si_id(), pi_id());
    let rows: Vec<(Operation, Method, String, bool, usize)> = vec![
        {
            let r = api.get_setup_intent(&si).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.cancel_setup_intent(&si, false).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.cancel_setup_intent(&si, true).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.get_public_setup_intent(&si).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.refresh_setup_intent_secret(&si).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let body = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si);
            let r = api.create_payment_intent(&body, &mut buf).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.get_payment_intent(&pi, false).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.get_payment_intent(&pi, true).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.cancel_payment_intent(&pi).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.charge_payment_intent(&pi).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.capture_payment_intent(&pi, &CreateCaptureRequest::new(Money::gbp(500)), &mut buf).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api
                .refund_payment_intent(&pi, "refund-1", &CreateRefundRequest::new(Money::gbp(500)), &mut buf)
                .unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.reverse_payment_intent(&pi).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
        {
            let r = api.search_payment_intents(&SearchPaymentIntentsRequest::default(), &mut buf).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.headers().len())
        },
    ];
    let si = "si_sandbox_c9RbgPcWbkGcUIbsFSzHcA";
    let pi = "pi_sandbox_RBMHTJ4fIkmSppDILZVCGw";
    let expected: Vec<(Operation, Method, String, bool, usize)> = vec![
        (Operation::GetSetupIntent, Method::Get, format!("/setup-intents/{si}"), true, 4),
        (Operation::CancelSetupIntent, Method::Delete, format!("/setup-intents/{si}"), false, 4),
        (Operation::CancelSetupIntent, Method::Delete, format!("/setup-intents/{si}?includeAuthorized=true"), false, 4),
        (Operation::GetPublicSetupIntent, Method::Get, format!("/setup-intents/public/{si}"), true, 4),
        (
            Operation::RefreshSetupIntentSecret,
            Method::Post,
            format!("/setup-intents/{si}/refresh-client-session-secret"),
            false,
            4,
        ),
        (Operation::CreatePaymentIntent, Method::Post, "/payment-intents".into(), false, 5),
        (Operation::GetPaymentIntent, Method::Get, format!("/payment-intents/{pi}"), true, 4),
        (Operation::GetPaymentIntent, Method::Get, format!("/payment-intents/{pi}?returnCanceled=true"), true, 4),
        (Operation::CancelPaymentIntent, Method::Delete, format!("/payment-intents/{pi}"), false, 4),
        (Operation::ChargePaymentIntent, Method::Post, format!("/payment-intents/{pi}/charge"), false, 4),
        (Operation::CapturePaymentIntent, Method::Post, format!("/payment-intents/{pi}/captures"), false, 5),
        (Operation::RefundPaymentIntent, Method::Post, format!("/payment-intents/{pi}/refunds"), false, 6),
        (Operation::ReversePaymentIntent, Method::Post, format!("/payment-intents/{pi}/reversal"), false, 4),
        (Operation::SearchPaymentIntents, Method::Post, "/payment-intents/search".into(), false, 5),
    ];
    assert_eq!(rows, expected);
}

#[test]
fn every_request_names_the_intent_it_acts_on() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 512];
    let (si, pi) = (si_id(), pi_id());
    let ids = |s: Option<SetupIntentId>, p: Option<PaymentIntentId>, k: Option<&str>| (s, p, k.map(str::to_owned));
    let none = ids(None, None, None);
    let on_si = ids(Some(si), None, None);
    let on_pi = ids(None, Some(pi), None);
    macro_rules! subject {
        ($r:expr) => {{
            let r = $r.unwrap();
            ids(r.setup_intent_id(), r.payment_intent_id(), r.idempotency_key())
        }};
    }
    let create_si = CreateSetupIntentRequest::new("r", "t", MerchantInitiatedTransactionType::NoShow, Money::gbp(1));
    assert_eq!(subject!(api.create_setup_intent(&create_si, &mut buf)), none);
    assert_eq!(subject!(api.get_setup_intent(&si)), on_si);
    assert_eq!(subject!(api.cancel_setup_intent(&si, true)), on_si, "the query is not part of the id");
    assert_eq!(subject!(api.get_public_setup_intent(&si)), on_si);
    assert_eq!(subject!(api.refresh_setup_intent_secret(&si)), on_si);
    let create_pi = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si);
    assert_eq!(subject!(api.create_payment_intent(&create_pi, &mut buf)), none, "a create's ids are in its body");
    assert_eq!(subject!(api.get_payment_intent(&pi, true)), on_pi);
    assert_eq!(subject!(api.cancel_payment_intent(&pi)), on_pi);
    assert_eq!(subject!(api.charge_payment_intent(&pi)), on_pi);
    assert_eq!(subject!(api.capture_payment_intent(&pi, &CreateCaptureRequest::new(Money::gbp(5)), &mut buf)), on_pi);
    assert_eq!(
        subject!(api.refund_payment_intent(&pi, "refund-1", &CreateRefundRequest::new(Money::gbp(5)), &mut buf)),
        ids(None, Some(pi), Some("refund-1"))
    );
    assert_eq!(subject!(api.reverse_payment_intent(&pi)), on_pi);
    assert_eq!(subject!(api.search_payment_intents(&SearchPaymentIntentsRequest::default(), &mut buf)), none);
}

#[test]
fn refund_sends_the_idempotency_key_and_query_splits() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 256];
    let body =
        CreateRefundRequest { refund_reason: Some(Text::new("Late")), ..CreateRefundRequest::new(Money::gbp(250)) };
    let r = api.refund_payment_intent(&pi_id(), "7c1f0d9e-refund-1", &body, &mut buf).unwrap();
    assert_eq!(r.headers().last(), Some(&("idempotencyKey", "7c1f0d9e-refund-1")));
    assert_eq!(r.body(&buf), br#"{"amount":250,"refundReason":"Late"}"#);
    let r = api.cancel_setup_intent(&si_id(), true).unwrap();
    assert_eq!(r.path(), "/setup-intents/si_sandbox_c9RbgPcWbkGcUIbsFSzHcA");
    assert_eq!(r.query(), "includeAuthorized=true");
    assert_eq!(r.body_len(), 0);
}

#[test]
fn version_and_user_agent_can_be_overridden_and_are_checked() {
    let key = key();
    let api = Api::new(&key).with_version("2025-09-10").unwrap().with_user_agent("kiosk-fw/4.2 (esp32)").unwrap();
    let r = api.get_setup_intent(&si_id()).unwrap();
    assert_eq!(r.headers()[1], ("version", "2025-09-10"));
    assert_eq!(r.headers()[2], ("User-Agent", "kiosk-fw/4.2 (esp32)"));
    assert_eq!(api.version(), "2025-09-10");
    for bad in ["2025-9-10", "20250910", "2025-09-1x", ""] {
        assert_eq!(Api::new(&key).with_version(bad).unwrap_err().field, "version");
    }
    assert_eq!(Api::new(&key).with_user_agent("").unwrap_err().kind, ValidationErrorKind::Empty);
    assert_eq!(Api::new(&key).with_user_agent("a\nb").unwrap_err().kind, ValidationErrorKind::InvalidCharacter);
    assert_eq!(
        Api::new(&key).with_user_agent(&"a".repeat(201)).unwrap_err().kind,
        ValidationErrorKind::TooLong { max: 200 }
    );
}

#[test]
fn strings_are_escaped_like_json_requires() {
    let key = key();
    let api = Api::new(&key);
    let reference = "Caf\u{e9} \"Le\" \\ <4> & 😀";
    let terms = "line1\nline2\ttab \u{1} ctrl";
    let body =
        CreateSetupIntentRequest::new(reference, terms, MerchantInitiatedTransactionType::Unscheduled, Money::eur(1));
    let mut buf = [0u8; 512];
    let r = api.create_setup_intent(&body, &mut buf).unwrap();
    let v: serde_json::Value = serde_json::from_slice(r.body(&buf)).unwrap();
    assert_eq!(v["reference"], reference);
    assert_eq!(v["terms"], terms);
    assert_eq!(v["merchantInitiatedTransactionType"], "Unscheduled");
    assert_eq!(v["intendedAmount"]["value"], 1);
    assert_eq!(v["intendedAmount"]["currencyCode"], "EUR");
}

#[test]
fn a_small_buffer_says_exactly_how_much_is_needed() {
    let key = key();
    let api = Api::new(&key);
    let mut big = [0u8; 1024];
    let needed = api.create_setup_intent(&spec_example(), &mut big).unwrap().body_len();
    for size in [0, 1, needed / 2, needed - 1] {
        let mut small = vec![0u8; size];
        assert_eq!(
            api.create_setup_intent(&spec_example(), &mut small).unwrap_err(),
            Error::BufferTooSmall(BufferTooSmall { needed })
        );
    }
    let mut exact = vec![0u8; needed];
    let r = api.create_setup_intent(&spec_example(), &mut exact).unwrap();
    assert_eq!(r.body(&exact), &big[..needed]);
}

fn invalid(e: Error<'_>) -> (&'static str, ValidationErrorKind) {
    match e {
        Error::Invalid(v) => (v.field, v.kind),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_test_per_validation_rule() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 32 * 1024];
    let si = |b: CreateSetupIntentRequest<'_>, buf: &mut [u8]| invalid(api.create_setup_intent(&b, buf).unwrap_err());
    let long61 = "r".repeat(61);
    let long_terms = "t".repeat(10_241);
    let long_desc = "d".repeat(4097);
    let base = spec_example();
    assert_eq!(
        si(CreateSetupIntentRequest { reference: Text::new(""), ..base }, &mut buf),
        ("reference", ValidationErrorKind::Empty)
    );
    assert_eq!(
        si(CreateSetupIntentRequest { reference: Text::new(&long61), ..base }, &mut buf),
        ("reference", ValidationErrorKind::TooLong { max: 60 })
    );
    // 60 characters of 2 bytes each is fine: limits count characters.
    let sixty_e = "é".repeat(60);
    assert!(
        api.create_setup_intent(&CreateSetupIntentRequest { reference: Text::new(&sixty_e), ..base }, &mut buf).is_ok()
    );
    assert_eq!(
        si(CreateSetupIntentRequest { terms: Text::new(""), ..base }, &mut buf),
        ("terms", ValidationErrorKind::Empty)
    );
    assert_eq!(
        si(CreateSetupIntentRequest { terms: Text::new(&long_terms), ..base }, &mut buf),
        ("terms", ValidationErrorKind::TooLong { max: 10_240 })
    );
    assert_eq!(
        si(CreateSetupIntentRequest { description: Some(Text::new(&long_desc)), ..base }, &mut buf),
        ("description", ValidationErrorKind::TooLong { max: 4096 })
    );
    assert_eq!(
        si(CreateSetupIntentRequest { intended_amount: Some(Money::gbp(0)), ..base }, &mut buf),
        ("intendedAmount", ValidationErrorKind::NotPositive)
    );
    assert_eq!(
        si(CreateSetupIntentRequest { intended_amount: Some(Money::gbp(-5)), ..base }, &mut buf),
        ("intendedAmount", ValidationErrorKind::NotPositive)
    );
    let usd_lower = Money::new(100, Currency::parse("usd").unwrap());
    assert_eq!(
        si(CreateSetupIntentRequest { intended_amount: Some(usd_lower), ..base }, &mut buf),
        ("intendedAmount", ValidationErrorKind::InvalidCurrency)
    );
    let unknown_mit = MerchantInitiatedTransactionType::parse("Recurring");
    assert_eq!(
        si(CreateSetupIntentRequest { merchant_initiated_transaction_type: unknown_mit, ..base }, &mut buf),
        ("merchantInitiatedTransactionType", ValidationErrorKind::UnknownVariant)
    );
    assert_eq!(
        si(CreateSetupIntentRequest { capture_mode: Some(CaptureMode::Manual), ..base }, &mut buf),
        ("captureMode", ValidationErrorKind::NotAllowed)
    );
    let methods = [PaymentMethod::Card, PaymentMethod::parse("Crypto")];
    assert_eq!(
        si(CreateSetupIntentRequest { payment_methods: Some(List::Slice(&methods)), ..base }, &mut buf),
        ("paymentMethods", ValidationErrorKind::UnknownVariant)
    );
    let long_email = format!("{}@example.test", "e".repeat(250));
    let customer = Customer { email_address: Some(Text::new(&long_email)), ..Customer::default() };
    assert_eq!(
        si(CreateSetupIntentRequest { customer: Some(customer), ..base }, &mut buf),
        ("emailAddress", ValidationErrorKind::TooLong { max: 254 })
    );
    assert_eq!(
        si(CreateSetupIntentRequest { billing_address: Some(Address::default()), ..base }, &mut buf),
        ("countryCode", ValidationErrorKind::Missing)
    );
    let config = CheckoutConfig { redirect_url: Some(Text::new("javascript:alert(1)")), ..CheckoutConfig::default() };
    assert_eq!(
        si(CreateSetupIntentRequest { config: Some(config), ..base }, &mut buf),
        ("redirectUrl", ValidationErrorKind::InvalidFormat)
    );

    let pi =
        |b: CreatePaymentIntentRequest<'_>, buf: &mut [u8]| invalid(api.create_payment_intent(&b, buf).unwrap_err());
    let base = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si_id());
    assert_eq!(
        pi(CreatePaymentIntentRequest { amount: Money::gbp(0), ..base }, &mut buf),
        ("amount", ValidationErrorKind::NotPositive)
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { reference: Text::new(&long61), ..base }, &mut buf),
        ("reference", ValidationErrorKind::TooLong { max: 60 })
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { tips_amount: Some(Money::gbp(-1)), ..base }, &mut buf),
        ("tipsAmount", ValidationErrorKind::Negative)
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { tips_amount: Some(Money::eur(1)), ..base }, &mut buf),
        ("tipsAmount", ValidationErrorKind::CurrencyMismatch)
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { auto_expire_in: Some(Text::new("00:00:30")), ..base }, &mut buf),
        ("autoExpireIn", ValidationErrorKind::NotAllowed)
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { auto_expire_in: Some(Text::new("1 minute")), ..base }, &mut buf),
        ("autoExpireIn", ValidationErrorKind::InvalidFormat)
    );
    for ok in ["00:00:55", "1.00:00:00", "23:59:59"] {
        assert!(
            api.create_payment_intent(
                &CreatePaymentIntentRequest { auto_expire_in: Some(Text::new(ok)), ..base },
                &mut buf
            )
            .is_ok(),
            "{ok}"
        );
    }
    assert_eq!(
        pi(CreatePaymentIntentRequest { capture_mode: Some(CaptureMode::parse("Later")), ..base }, &mut buf),
        ("captureMode", ValidationErrorKind::UnknownVariant)
    );

    let mut small = [0u8; 64];
    assert_eq!(
        invalid(
            api.capture_payment_intent(&pi_id(), &CreateCaptureRequest::new(Money::gbp(0)), &mut small).unwrap_err()
        ),
        ("amount", ValidationErrorKind::NotPositive)
    );
    let neg_tip = CreateCaptureRequest { tips_amount: Some(-1), ..CreateCaptureRequest::new(Money::gbp(1)) };
    assert_eq!(
        invalid(api.capture_payment_intent(&pi_id(), &neg_tip, &mut small).unwrap_err()),
        ("tipsAmount", ValidationErrorKind::Negative)
    );
    let refund = |k: &str, b: CreateRefundRequest<'_>, buf: &mut [u8]| {
        invalid(api.refund_payment_intent(&pi_id(), k, &b, buf).unwrap_err())
    };
    assert_eq!(
        refund("k", CreateRefundRequest::new(Money::gbp(0)), &mut buf),
        ("amount", ValidationErrorKind::NotPositive)
    );
    assert_eq!(
        refund("", CreateRefundRequest::new(Money::gbp(1)), &mut buf),
        ("idempotencyKey", ValidationErrorKind::Empty)
    );
    assert_eq!(
        refund(&"k".repeat(101), CreateRefundRequest::new(Money::gbp(1)), &mut buf),
        ("idempotencyKey", ValidationErrorKind::TooLong { max: 100 })
    );
    assert_eq!(
        refund("a b", CreateRefundRequest::new(Money::gbp(1)), &mut buf),
        ("idempotencyKey", ValidationErrorKind::InvalidCharacter)
    );
    let long_reason = "r".repeat(1025);
    assert_eq!(
        refund(
            "k",
            CreateRefundRequest {
                refund_reason: Some(Text::new(&long_reason)),
                ..CreateRefundRequest::new(Money::gbp(1))
            },
            &mut buf
        ),
        ("refundReason", ValidationErrorKind::TooLong { max: 1024 })
    );
    assert_eq!(
        refund(
            "k",
            CreateRefundRequest { notes: Some(Text::new(&long_desc)), ..CreateRefundRequest::new(Money::gbp(1)) },
            &mut buf
        ),
        ("notes", ValidationErrorKind::TooLong { max: 4096 })
    );
    let long_prev = "p".repeat(101);
    assert_eq!(
        refund(
            "k",
            CreateRefundRequest {
                previous_transaction_id: Some(Text::new(&long_prev)),
                ..CreateRefundRequest::new(Money::gbp(1))
            },
            &mut buf
        ),
        ("previousTransactionId", ValidationErrorKind::TooLong { max: 100 })
    );

    let search =
        |b: SearchPaymentIntentsRequest<'_>, buf: &mut [u8]| invalid(api.search_payment_intents(&b, buf).unwrap_err());
    let statuses = [PaymentIntentStatus::parse("Pending")];
    assert_eq!(
        search(SearchPaymentIntentsRequest { statuses: Some(List::Slice(&statuses)), ..Default::default() }, &mut buf),
        ("statuses", ValidationErrorKind::UnknownVariant)
    );
    let both = Cursor { limit: None, before: Some(Text::new("a")), after: Some(Text::new("b")) };
    assert_eq!(
        search(SearchPaymentIntentsRequest { cursor: Some(both), ..Default::default() }, &mut buf),
        ("cursor", ValidationErrorKind::MutuallyExclusive)
    );
    assert_eq!(
        search(
            SearchPaymentIntentsRequest { cursor: Some(Cursor::after("c", Some(0))), ..Default::default() },
            &mut buf
        ),
        ("limit", ValidationErrorKind::NotPositive)
    );
    let (t0, t1) = (Timestamp::from_unix(1000), Timestamp::from_unix(10));
    assert_eq!(
        search(
            SearchPaymentIntentsRequest { start_date: Some(t0), end_date: Some(t1), ..Default::default() },
            &mut buf
        ),
        ("endDate", ValidationErrorKind::NotAllowed)
    );
}

#[test]
fn one_test_per_sub_object_and_id_rule() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 8 * 1024];
    let base = CreatePaymentIntentRequest::new("Order 234", Money::gbp(1000));
    let pi = |b: CreatePaymentIntentRequest<'_>, buf: &mut [u8]| match api.create_payment_intent(&b, buf) {
        Ok(_) => None,
        Err(e) => Some(invalid(e)),
    };
    let s = |n: usize| "x".repeat(n);
    let (s51, s101, s121, s301, s1025, s4097) = (s(51), s(101), s(121), s(301), s(1025), s(4097));
    let gb = Some(Text::new("GB"));
    let too_long = |max| ValidationErrorKind::TooLong { max };

    // Address lines, city, state, locality, county: 100; postcode 50; countryCode 1–10.
    let line = |field: &str, text: &'static str| {
        let t = Some(Text::new(text));
        let mut a = Address { country_code: gb, ..Address::default() };
        match field {
            "address1" => a.address1 = t,
            "address2" => a.address2 = t,
            "address3" => a.address3 = t,
            "address4" => a.address4 = t,
            "city" => a.city = t,
            "state" => a.state = t,
            "locality" => a.locality = t,
            "county" => a.county = t,
            other => panic!("{other}"),
        }
        a
    };
    for field in ["address1", "address2", "address3", "address4", "city", "state", "locality", "county"] {
        let a = line(field, LONG_101);
        assert_eq!(
            pi(CreatePaymentIntentRequest { billing_address: Some(a), ..base }, &mut buf),
            Some((field, too_long(100)))
        );
        let a = line(field, &LONG_101[..100]);
        assert_eq!(pi(CreatePaymentIntentRequest { billing_address: Some(a), ..base }, &mut buf), None, "{field}");
    }
    let a = Address { postcode: Some(Text::new(&s51)), country_code: gb, ..Address::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { billing_address: Some(a), ..base }, &mut buf),
        Some(("postcode", too_long(50)))
    );
    let a = Address { country_code: Some(Text::new("")), ..Address::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { billing_address: Some(a), ..base }, &mut buf),
        Some(("countryCode", ValidationErrorKind::Empty))
    );
    let a = Address { country_code: Some(Text::new("GBRGBRGBRGB")), ..Address::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { billing_address: Some(a), ..base }, &mut buf),
        Some(("countryCode", too_long(10)))
    );

    // Shipping details: name 100, deliveryNotes 1024, and its address's rules.
    let d = ShippingDetails { name: Some(Text::new(LONG_101)), ..Default::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { shipping_details: Some(d), ..base }, &mut buf),
        Some(("name", too_long(100)))
    );
    let d = ShippingDetails { delivery_notes: Some(Text::new(&s1025)), ..Default::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { shipping_details: Some(d), ..base }, &mut buf),
        Some(("deliveryNotes", too_long(1024)))
    );
    let d = ShippingDetails { address: Some(Address::default()), ..Default::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { shipping_details: Some(d), ..base }, &mut buf),
        Some(("countryCode", ValidationErrorKind::Missing))
    );

    // Customer: phone 50 (email 254 is in `one_test_per_validation_rule`).
    let c = Customer { phone_number: Some(Text::new(&s51)), ..Customer::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { customer: Some(c), ..base }, &mut buf),
        Some(("phoneNumber", too_long(50)))
    );

    // Checkout config: title 100, cancelUrl an http(s) URL.
    let c = CheckoutConfig { title: Some(Text::new(&s101)), ..CheckoutConfig::default() };
    assert_eq!(pi(CreatePaymentIntentRequest { config: Some(c), ..base }, &mut buf), Some(("title", too_long(100))));
    let c = CheckoutConfig { cancel_url: Some(Text::new("ftp://example.test")), ..CheckoutConfig::default() };
    assert_eq!(
        pi(CreatePaymentIntentRequest { config: Some(c), ..base }, &mut buf),
        Some(("cancelUrl", ValidationErrorKind::InvalidFormat))
    );

    // Request security: userAgent 300, ipAddress 70, device 120.
    for (field, rs, max) in [
        ("userAgent", RequestSecurity { user_agent: Some(Text::new(&s301)), ..Default::default() }, 300),
        ("ipAddress", RequestSecurity { ip_address: Some(Text::new(&s301[..71])), ..Default::default() }, 70),
        ("device", RequestSecurity { device: Some(Text::new(&s121)), ..Default::default() }, 120),
    ] {
        assert_eq!(
            pi(CreatePaymentIntentRequest { request_security: Some(rs), ..base }, &mut buf),
            Some((field, too_long(max)))
        );
    }

    // The rest of the payment intent's own fields.
    assert_eq!(
        pi(CreatePaymentIntentRequest { reference: Text::new(""), ..base }, &mut buf),
        Some(("reference", ValidationErrorKind::Empty))
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { description: Some(Text::new(&s4097)), ..base }, &mut buf),
        Some(("description", too_long(4096)))
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { amount: Money::new(1, Currency::parse("GB").unwrap()), ..base }, &mut buf),
        Some(("amount", ValidationErrorKind::InvalidCurrency))
    );
    assert_eq!(
        pi(CreatePaymentIntentRequest { auto_expire_action: Some(AutoExpireAction::parse("Void")), ..base }, &mut buf),
        Some(("autoExpireAction", ValidationErrorKind::UnknownVariant))
    );
    for bad in ["00:60:00", "24:00:00", "0:01:00", "x.00:01:00", "00:01", "00:01:00:00", "00:00:55.5"] {
        assert_eq!(
            pi(CreatePaymentIntentRequest { auto_expire_in: Some(Text::new(bad)), ..base }, &mut buf),
            Some(("autoExpireIn", ValidationErrorKind::InvalidFormat)),
            "{bad}"
        );
    }
    assert_eq!(pi(CreatePaymentIntentRequest { auto_expire_in: Some(Text::new("00:00:31")), ..base }, &mut buf), None);

    // Setup intents refuse an unknown capture mode; limits are inclusive.
    let si = spec_example();
    assert_eq!(
        invalid(
            api.create_setup_intent(
                &CreateSetupIntentRequest { capture_mode: Some(CaptureMode::parse("Later")), ..si },
                &mut buf
            )
            .unwrap_err()
        ),
        ("captureMode", ValidationErrorKind::UnknownVariant)
    );
    let (terms, desc) = ("t".repeat(10_240), "d".repeat(4096));
    let mut big = vec![0u8; 32 * 1024];
    let ok = CreateSetupIntentRequest {
        terms: Text::new(&terms),
        description: Some(Text::new(&desc)),
        capture_mode: Some(CaptureMode::Auto),
        ..si
    };
    api.create_setup_intent(&ok, &mut big).unwrap();

    // Ids: 1–50 characters of [A-Za-z0-9_-], checked when the id is made.
    assert_eq!(SetupIntentId::new("").unwrap_err().kind, ValidationErrorKind::Empty);
    assert_eq!(SetupIntentId::new(&s51).unwrap_err().kind, too_long(50));
    assert_eq!(SetupIntentId::new("si_sandbox_a/b").unwrap_err().kind, ValidationErrorKind::InvalidCharacter);
    assert_eq!(PaymentIntentId::new("pi sandbox").unwrap_err().kind, ValidationErrorKind::InvalidCharacter);
    assert!(SetupIntentId::new(&"a-Z_9".repeat(10)).is_ok());
}

const LONG_101: &str =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

#[test]
fn bodies_decoded_from_json_validate_like_built_ones() {
    // The spec's "Manual" example writes PascalCase keys; the server's JSON reader is
    // case-insensitive, so the emulator must accept them too.
    let manual = br#"{"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order 234", "description": "Demo payment intent", "captureMode": "Manual", "AutoExpireAction": "Capture", "AutoExpireIn": "00:00:55"}"#;
    let req: CreatePaymentIntentRequest<'_> = from_slice(manual).unwrap();
    assert_eq!(req.capture_mode, Some(CaptureMode::Manual));
    assert_eq!(req.auto_expire_action, Some(AutoExpireAction::Capture));
    assert_eq!(req.auto_expire_in.unwrap(), "00:00:55");
    req.validate().unwrap();

    // Escaped characters in URLs and timespans are decoded before they are checked.
    let escaped = br#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"r","autoExpireIn":"00:01:00","config":{"redirectUrl":"https:\/\/shop.example\/done"}}"#;
    let req: CreatePaymentIntentRequest<'_> = from_slice(escaped).unwrap();
    req.validate().unwrap();
    let bad = br#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"r","config":{"cancelUrl":"ftp:\/\/x"}}"#;
    let req: CreatePaymentIntentRequest<'_> = from_slice(bad).unwrap();
    assert_eq!(req.validate().unwrap_err(), ValidationError::new("cancelUrl", ValidationErrorKind::InvalidFormat));
}

#[test]
fn search_body_encodes_lists_dates_and_cursor() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 256];
    let statuses = [PaymentIntentStatus::Captured, PaymentIntentStatus::Refunded];
    let body = SearchPaymentIntentsRequest {
        statuses: Some(List::Slice(&statuses)),
        start_date: Some(Timestamp::parse("2026-03-01T00:00:00Z").unwrap()),
        end_date: None,
        cursor: Some(Cursor::after("cursor_2", Some(50))),
    };
    let r = api.search_payment_intents(&body, &mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(r.body(&buf)).unwrap(),
        r#"{"statuses":["Captured","Refunded"],"startDate":"2026-03-01T00:00:00Z","cursor":{"limit":50,"after":"cursor_2"}}"#
    );
    let back: SearchPaymentIntentsRequest<'_> = from_slice(r.body(&buf)).unwrap();
    assert_eq!(back, body);
}

#[test]
fn a_rich_payment_intent_round_trips() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 2048];
    let methods = [PaymentMethod::Card, PaymentMethod::Wallet];
    let meta = [("location-id", "4410028"), ("kiosk", "front door")];
    let body = CreatePaymentIntentRequest {
        description: Some(Text::new("No-show fee \u{2014} Table 12")),
        capture_mode: Some(CaptureMode::Auto),
        payment_methods: Some(List::Slice(&methods)),
        metadata: Some(Metadata::Pairs(&meta)),
        customer: Some(Customer { email_address: Some(Text::new("a@example.test")), ..Customer::default() }),
        billing_address: Some(Address {
            country_code: Some(Text::new("GB")),
            city: Some(Text::new("Leeds")),
            ..Address::default()
        }),
        expire_at: Some(Timestamp::parse("2026-04-04T20:00:00.5Z").unwrap()),
        ..CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), si_id())
    };
    let r = api.create_payment_intent(&body, &mut buf).unwrap();
    let back: CreatePaymentIntentRequest<'_> = from_slice(r.body(&buf)).unwrap();
    assert_eq!(back, body);
    let v: serde_json::Value = serde_json::from_slice(r.body(&buf)).unwrap();
    assert_eq!(v["setupIntentId"], "si_sandbox_c9RbgPcWbkGcUIbsFSzHcA");
    assert_eq!(v["metadata"]["kiosk"], "front door");
    assert_eq!(v["amount"]["value"], 1000);
}

#[test]
fn the_real_example_with_a_string_amount_decodes_as_a_request() {
    // The spec's own create-setup-intent example sends the amount as a string.
    let body = br#"{"reference":"Dojo Cafe | Booking request for Table 4","merchantInitiatedTransactionType":"NoShow","terms":"In case of no-show, the customer authorizes us to charge their card with table booking fee.","intendedAmount":{"value":"1000","currencyCode":"GBP"}}"#;
    let req: CreateSetupIntentRequest<'_> = from_slice(body).unwrap();
    assert_eq!(req, spec_example());
    req.validate().unwrap();
}

fn text_strategy(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 1..=max).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn valid_setup_intents_round_trip(
        reference in text_strategy(60),
        terms in text_strategy(300),
        description in prop::option::of(text_strategy(200)),
        value in 1i64..=i64::MAX,
        eur in any::<bool>(),
        unscheduled in any::<bool>(),
        expire in prop::option::of(0i64..253_402_300_799),
    ) {
        let key = key();
        let api = Api::new(&key);
        let mit = if unscheduled { MerchantInitiatedTransactionType::Unscheduled } else { MerchantInitiatedTransactionType::NoShow };
        let money = if eur { Money::eur(value) } else { Money::gbp(value) };
        let body = CreateSetupIntentRequest {
            description: description.as_deref().map(Text::new),
            expire_at: expire.map(Timestamp::from_unix),
            ..CreateSetupIntentRequest::new(&reference, &terms, mit, money)
        };
        let mut buf = vec![0u8; 16 * 1024];
        let r = api.create_setup_intent(&body, &mut buf).unwrap();
        let back: CreateSetupIntentRequest<'_> = from_slice(r.body(&buf)).unwrap();
        prop_assert_eq!(back, body);
        let v: serde_json::Value = serde_json::from_slice(r.body(&buf)).unwrap();
        prop_assert_eq!(v["reference"].as_str().unwrap(), reference.as_str());
    }

    #[test]
    fn refunds_and_captures_round_trip(amount in 1i64..=i64::MAX, tips in prop::option::of(0i64..=i64::MAX), notes in prop::option::of(text_strategy(100))) {
        let mut buf = vec![0u8; 4096];
        let capture = CreateCaptureRequest { tips_amount: tips, ..CreateCaptureRequest::new(Money::gbp(amount)) };
        let n = dojo_core::json::to_slice(&capture, &mut buf).unwrap();
        prop_assert_eq!(from_slice::<CreateCaptureRequest>(&buf[..n]).unwrap(), capture);
        let refund = CreateRefundRequest { notes: notes.as_deref().map(Text::new), ..CreateRefundRequest::new(Money::gbp(amount)) };
        let n = dojo_core::json::to_slice(&refund, &mut buf).unwrap();
        prop_assert_eq!(from_slice::<CreateRefundRequest<'_>>(&buf[..n]).unwrap(), refund);
    }

    #[test]
    fn valid_payment_intents_with_sub_objects_round_trip(
        reference in text_strategy(60),
        description in prop::option::of(text_strategy(100)),
        value in 1i64..=i64::MAX,
        tips in prop::option::of(0i64..=i64::MAX),
        manual in any::<bool>(),
        expire_secs in 31u64..=10 * 86_400,
        methods in prop::collection::vec(
            prop::sample::select(vec![PaymentMethod::Card, PaymentMethod::Wallet, PaymentMethod::SavedCard]),
            0..4,
        ),
        meta in prop::collection::vec((text_strategy(20), text_strategy(40)), 0..4),
        email in prop::option::of(text_strategy(254)),
        city in prop::option::of(text_strategy(100)),
        country in text_strategy(10),
        notes in prop::option::of(text_strategy(200)),
        title in prop::option::of(text_strategy(100)),
        url_tail in text_strategy(60),
        device in prop::option::of(text_strategy(120)),
        external_id in prop::option::of(text_strategy(40)),
        with_setup_intent in any::<bool>(),
    ) {
        let key = key();
        let api = Api::new(&key);
        let (d, h, m, sec) = (expire_secs / 86_400, expire_secs / 3600 % 24, expire_secs / 60 % 60, expire_secs % 60);
        let timespan = format!("{d}.{h:02}:{m:02}:{sec:02}");
        let url = format!("https://shop.example/{url_tail}");
        let meta: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let address = Address {
            city: city.as_deref().map(Text::new),
            country_code: Some(Text::new(&country)),
            ..Address::default()
        };
        let base = if with_setup_intent {
            CreatePaymentIntentRequest::for_setup_intent(&reference, Money::gbp(value), si_id())
        } else {
            CreatePaymentIntentRequest::new(&reference, Money::gbp(value))
        };
        let body = CreatePaymentIntentRequest {
            description: description.as_deref().map(Text::new),
            tips_amount: tips.map(Money::gbp),
            capture_mode: Some(if manual { CaptureMode::Manual } else { CaptureMode::Auto }),
            auto_expire_in: manual.then_some(Text::new(&timespan)),
            auto_expire_action: manual.then_some(AutoExpireAction::Release),
            payment_methods: Some(List::Slice(&methods)),
            metadata: Some(Metadata::Pairs(&meta)),
            customer: Some(Customer { email_address: email.as_deref().map(Text::new), ..Customer::default() }),
            billing_address: Some(address),
            shipping_details: Some(ShippingDetails {
                delivery_notes: notes.as_deref().map(Text::new),
                address: Some(address),
                ..Default::default()
            }),
            config: Some(CheckoutConfig {
                title: title.as_deref().map(Text::new),
                redirect_url: Some(Text::new(&url)),
                ..Default::default()
            }),
            request_security: Some(RequestSecurity { device: device.as_deref().map(Text::new), ..Default::default() }),
            order_details: Some(OrderDetails {
                external_id: external_id.as_deref().map(Text::new),
                is_update: Some(manual),
                ..Default::default()
            }),
            ..base
        };
        let mut buf = vec![0u8; 32 * 1024];
        let r = api.create_payment_intent(&body, &mut buf).unwrap();
        let back: CreatePaymentIntentRequest<'_> = from_slice(r.body(&buf)).unwrap();
        prop_assert_eq!(back, body);
        back.validate().unwrap();
        let v: serde_json::Value = serde_json::from_slice(r.body(&buf)).unwrap();
        prop_assert_eq!(v["reference"].as_str().unwrap(), reference.as_str());
        prop_assert_eq!(v["config"]["redirectUrl"].as_str().unwrap(), url.as_str());
    }

    #[test]
    fn valid_searches_round_trip(
        statuses in prop::collection::vec(prop::sample::select(vec![
            PaymentIntentStatus::Created, PaymentIntentStatus::Authorized, PaymentIntentStatus::Captured,
            PaymentIntentStatus::Reversed, PaymentIntentStatus::Refunded, PaymentIntentStatus::Canceled,
        ]), 0..7),
        start in prop::option::of(0i64..253_402_300_799),
        span in 0i64..1_000_000_000,
        limit in prop::option::of(1i32..=i32::MAX),
        before in any::<bool>(),
        cursor in prop::option::of(text_strategy(80)),
    ) {
        let key = key();
        let api = Api::new(&key);
        let body = SearchPaymentIntentsRequest {
            statuses: Some(List::Slice(&statuses)),
            start_date: start.map(Timestamp::from_unix),
            end_date: start.map(|s| Timestamp::from_unix((s + span).min(253_402_300_799))),
            cursor: cursor.as_deref().map(|c| {
                let c = Some(Text::new(c));
                if before { Cursor { limit, before: c, after: None } } else { Cursor { limit, before: None, after: c } }
            }),
        };
        let mut buf = vec![0u8; 4096];
        let r = api.search_payment_intents(&body, &mut buf).unwrap();
        let back: SearchPaymentIntentsRequest<'_> = from_slice(r.body(&buf)).unwrap();
        prop_assert_eq!(back, body);
        back.validate().unwrap();
    }

    #[test]
    fn arbitrary_fields_build_or_give_a_typed_validation_error(reference in ".{0,80}", terms in ".{0,40}", value in any::<i64>()) {
        let key = key();
        let api = Api::new(&key);
        let body = CreateSetupIntentRequest::new(&reference, &terms, MerchantInitiatedTransactionType::NoShow, Money::gbp(value));
        let mut buf = vec![0u8; 4096];
        match api.create_setup_intent(&body, &mut buf) {
            Ok(r) => {
                let back: CreateSetupIntentRequest<'_> = from_slice(r.body(&buf)).unwrap();
                prop_assert_eq!(back, body);
            }
            Err(Error::Invalid(_)) => {}
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}

/// Two builds of the same request: the same result, the same request (method, path,
/// query, headers) and the same body bytes, or the same error.
fn same_request<K>(
    a: (Result<Request<'_, K>, Error<'static>>, &[u8]),
    b: (Result<Request<'_, K>, Error<'static>>, &[u8]),
    case: &str,
) where
    K: dojo_core::response::ResponseKind,
{
    match (a.0, b.0) {
        (Ok(x), Ok(y)) => {
            assert_eq!(
                (x.operation(), x.method(), x.path_and_query(), x.headers(), x.body(a.1)),
                (y.operation(), y.method(), y.path_and_query(), y.headers(), y.body(b.1)),
                "{case}"
            );
        }
        (Err(x), Err(y)) => assert_eq!(x, y, "{case}"),
        (x, y) => panic!("{case}: {:?} vs {:?}", x.map(|_| ()), y.map(|_| ())),
    }
}

/// The kiosk's flat builders write what the lean builders write for the body they stand
/// for (every text the escaper treats differently, refused references, terms and amounts,
/// every buffer too small), without building that body.
#[test]
fn flat_builders_match_the_lean_builders() {
    let key = key();
    let api = Api::new(&key);
    let long60 = "é".repeat(60);
    let long61 = "é".repeat(61);
    let terms_max = "t".repeat(10_240);
    let terms_over = "t".repeat(10_241);
    let texts = [
        "Booking 42",
        "",
        "a \"quoted\" \\ back",
        "tab\there\nnew\u{1}\u{1f}",
        "café 😀 ✓ & <b> + '",
        long60.as_str(),
        long61.as_str(),
    ];
    let amounts = [Money::gbp(1000), Money::gbp(1), Money::gbp(0), Money::gbp(-5), Money::eur(i64::MAX)];
    let mut cases = 0;
    for reference in texts {
        for terms in texts.iter().copied().chain([terms_max.as_str(), terms_over.as_str()]) {
            for amount in amounts {
                for size in [2048, 120, 40, 0] {
                    let (mut a, mut b) = (vec![0u8; size], vec![0u8; size]);
                    let body = CreateSetupIntentRequest::new(
                        reference,
                        terms,
                        MerchantInitiatedTransactionType::NoShow,
                        amount,
                    );
                    let lean = api.create_setup_intent_lean(&body, &mut a);
                    let flat = api.create_no_show_setup_intent(reference, terms, &amount, &mut b);
                    same_request((lean, &a), (flat, &b), &format!("setup {reference:?} {terms:?} {amount:?} {size}"));
                    cases += 1;
                }
            }
        }
        for amount in amounts {
            for size in [2048, 60, 0] {
                let (mut a, mut b) = (vec![0u8; size], vec![0u8; size]);
                let body = CreatePaymentIntentRequest::for_setup_intent(reference, amount, si_id());
                let lean = api.create_payment_intent_lean(&body, &mut a);
                let flat = api.create_setup_payment_intent(reference, &amount, &si_id(), &mut b);
                same_request((lean, &a), (flat, &b), &format!("payment {reference:?} {amount:?} {size}"));
                cases += 1;
            }
        }
    }
    assert!(cases > 1000);
}
