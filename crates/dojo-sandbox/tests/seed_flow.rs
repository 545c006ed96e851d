//! The seed's flow over real loopback HTTP, with dojo-core building every request and
//! decoding every answer: create a setup intent, authorize it, charge a payment intent
//! created from it, and the refusals around it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Client, key};
use dojo_core::lifecycle::{ChargeOutcome, PaymentIntentState, SetupIntentState};
use dojo_core::request::{Api, CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::{
    CaptureStatus, MerchantInitiatedTransactionType, Money, PaymentIntentStatus, SetupIntentId, SetupIntentStatus,
};
use dojo_sandbox::{Config, Sandbox, SandboxError, TestCard};

fn create_setup_intent(c: &Client, api: &Api<'_>, amount: i64) -> SetupIntentId {
    let mut buf = [0u8; 1024];
    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00 <& more>.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(amount),
    );
    let req = api.create_setup_intent(&body, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(a.status, 200, "{}", a.text());
    let si = req.decode(a.status, &a.body).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Created);
    si.id
}

#[test]
fn seed_flow_end_to_end() {
    let sb = Sandbox::start(Config::default()).unwrap();
    assert!(sb.base_url().starts_with("http://127.0.0.1:"));
    let c = Client::new(sb.base_url());
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 1024];

    // 1. A setup intent; the id has the real shape.
    let si_id = create_setup_intent(&c, &api, 1000);
    let id = si_id.as_str();
    assert!(id.starts_with("si_sandbox_") && id.len() == "si_sandbox_".len() + 22, "{id}");
    let req = api.get_setup_intent(&si_id).unwrap();
    let a = c.send(&req, &buf);
    // ASP.NET escaping: the pound sign and < & > come back as \uXXXX.
    assert!(a.text().contains(r"\u00A3") && a.text().contains(r"\u003C\u0026"), "{}", a.text());
    let si = req.decode(a.status, &a.body).unwrap();
    assert_eq!(si.terms.unwrap(), "If you do not arrive, we charge a no-show fee of \u{a3}10.00 <& more>.");
    let mut setup = SetupIntentState::from_response(&si);

    // 2. The checkout page shows it.
    let page = c.raw("GET", &format!("/checkout/{id}"), &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Table 12, 8pm") && page.text().contains("10.00 GBP"));

    // 3. The customer authorizes a card.
    sb.authorize_setup_intent(id, TestCard::SUCCESS).unwrap();
    let req = api.get_setup_intent(&si_id).unwrap();
    let a = c.send(&req, &buf);
    let si = req.decode(a.status, &a.body).unwrap();
    setup.observe_response(&si).unwrap();
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);

    // 4. A payment intent for the intended amount, from the setup intent.
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), si_id);
    let req = api.create_payment_intent(&body, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(a.status, 200, "{}", a.text());
    let pi = req.decode(a.status, &a.body).unwrap();
    assert!(pi.id.as_str().starts_with("pi_sandbox_") && pi.id.as_str().len() == 33);
    let mut payment = PaymentIntentState::from_response(&pi).unwrap();
    let pi_id = payment.id();

    // 5. Charge it once.
    let ticket = payment.begin_charge(&setup, sb.now()).unwrap();
    let req = api.charge_payment_intent(&ticket.payment_intent()).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(a.status, 200, "{}", a.text());
    let charge = req.decode(a.status, &a.body).unwrap();
    assert_eq!(charge.status, CaptureStatus::Successful);
    assert_eq!(payment.record_charge(ticket, charge.status, &mut setup), Ok(ChargeOutcome::Charged));

    // 6. The server agrees: Completed and Captured, one capture of 1000.
    let req = api.get_setup_intent(&si_id).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, SetupIntentStatus::Completed);
    let req = api.get_payment_intent(&pi_id, false).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, PaymentIntentStatus::Captured);
    assert_eq!(sb.captures(pi_id.as_str()).iter().map(|c| c.amount).collect::<Vec<_>>(), vec![1000]);

    // 7. A second charge is refused with 409 and captures nothing.
    let req = api.charge_payment_intent(&pi_id).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(a.status, 409, "{}", a.text());
    let err = req.decode(a.status, &a.body).unwrap_err();
    assert!(matches!(err, dojo_core::Error::Api(_)));
    let p = a.json();
    assert_eq!(p["status"], 409);
    assert!(p["type"].is_string() && p["title"].is_string() && p["traceId"].is_string());
    assert_eq!(sb.captures(pi_id.as_str()).len(), 1);
    assert_eq!(sb.charge_attempts(pi_id.as_str()), 2);

    // Every call above went over one kept-alive connection.
    assert_eq!(sb.connections_accepted(), 1);
    let stats = c.raw("GET", "/_sandbox/stats", &[], b"").json();
    assert_eq!(stats["connections"], 1);
    assert_eq!(stats["requests"].as_u64(), Some(sb.requests_served()));
    assert!(sb.requests_served() >= 10);
}

#[test]
fn wrong_amount_declines_and_unauthorized_setup_intents() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 1024];

    // Not yet authorized: 409.
    let si_id = create_setup_intent(&c, &api, 1000);
    let body = CreatePaymentIntentRequest::for_setup_intent("r", Money::gbp(1000), si_id);
    let req = api.create_payment_intent(&body, &mut buf).unwrap();
    let pi = c.send(&req, &buf);
    let pi_id = req.decode(pi.status, &pi.body).unwrap().id;
    let a = c.send(&api.charge_payment_intent(&pi_id).unwrap(), &buf);
    assert_eq!(a.status, 409, "{}", a.text());

    // Wrong amount: 400 with an errors map, nothing captured, the setup intent untouched.
    sb.authorize_setup_intent(si_id.as_str(), TestCard::SUCCESS_2).unwrap();
    let body = CreatePaymentIntentRequest::for_setup_intent("r", Money::gbp(999), si_id);
    let req = api.create_payment_intent(&body, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    let wrong = req.decode(a.status, &a.body).unwrap().id;
    let a = c.send(&api.charge_payment_intent(&wrong).unwrap(), &buf);
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.json()["errors"]["amount"].is_array(), "{}", a.text());
    assert!(sb.captures(wrong.as_str()).is_empty());

    // A declined card: `Declined`, the payment intent stays Created, and can be charged
    // again once the card works.
    sb.decline_setup_intent(si_id.as_str()).unwrap();
    let req = api.charge_payment_intent(&pi_id).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, CaptureStatus::Declined);
    let a = c.send(&api.get_payment_intent(&pi_id, false).unwrap(), &buf);
    assert_eq!(a.json()["status"], "Created");
    assert!(sb.captures(pi_id.as_str()).is_empty());

    // Declined cards at checkout leave the setup intent Created.
    let other = create_setup_intent(&c, &api, 500);
    assert_eq!(sb.authorize_setup_intent(other.as_str(), TestCard::DECLINE), Err(SandboxError::Declined));
    let a = c.send(&api.get_setup_intent(&other).unwrap(), &buf);
    assert_eq!(a.json()["status"], "Created");
    assert!(matches!(sb.authorize_setup_intent("si_sandbox_nope", TestCard::SUCCESS), Err(SandboxError::NotFound(_))));
}

/// Every operation dojo-core builds, sent as built, and every answer decoded by dojo-core
/// (errors into its ApiError with the ProblemDetails): client and emulator agree.
#[test]
fn every_operation_round_trips_through_dojo_core() {
    use dojo_core::request::{CreateCaptureRequest, CreateRefundRequest, Cursor, SearchPaymentIntentsRequest};
    use dojo_core::{CaptureMode, Error};

    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 1024];

    let si = create_setup_intent(&c, &api, 1000);
    for req in [api.get_public_setup_intent(&si).unwrap(), api.refresh_setup_intent_secret(&si).unwrap()] {
        let a = c.send(&req, &buf);
        let got = req.decode(a.status, &a.body).unwrap();
        assert_eq!(got.id, si);
        assert!(got.client_session_secret.is_some());
    }
    let req = api.cancel_setup_intent(&si, false).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, SetupIntentStatus::Canceled);

    // A Manual payment intent paid at checkout, captured in two parts, refunded, reversed.
    let mut body = CreatePaymentIntentRequest::new("Order 9", Money::gbp(1000));
    body.capture_mode = Some(CaptureMode::Manual);
    let req = api.create_payment_intent(&body, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    let pi = req.decode(a.status, &a.body).unwrap().id;
    sb.authorize_payment_intent(pi.as_str(), TestCard::SUCCESS).unwrap();
    for amount in [600, 400] {
        let req = api
            .capture_payment_intent(&pi, &CreateCaptureRequest::new(dojo_core::Money::gbp(amount)), &mut buf)
            .unwrap();
        let a = c.send(&req, &buf);
        assert!(req.decode(a.status, &a.body).unwrap().capture_id.is_some());
    }
    let req = api.get_payment_intent(&pi, false).unwrap();
    let a = c.send(&req, &buf);
    let got = req.decode(a.status, &a.body).unwrap();
    assert_eq!(got.status, PaymentIntentStatus::Captured);
    assert_eq!(got.captures.unwrap().iter().count(), 2);
    let mut state = PaymentIntentState::from_response(&got).unwrap();
    assert_eq!(state.captured(), 1000);

    let req = api
        .refund_payment_intent(&pi, "refund-1", &CreateRefundRequest::new(dojo_core::Money::gbp(250)), &mut buf)
        .unwrap();
    let a = c.send(&req, &buf);
    let refund = req.decode(a.status, &a.body).unwrap();
    assert_eq!(refund.payment_intent_id, Some(pi));
    state.record_refund(dojo_core::Money::gbp(250)).unwrap();
    let req = api.reverse_payment_intent(&pi).unwrap();
    let a = c.send(&req, &buf);
    assert!(req.decode(a.status, &a.body).unwrap().reversal_id.is_some());

    // Cancel and read back a canceled one; search.
    let req =
        api.create_payment_intent(&CreatePaymentIntentRequest::new("Order 10", Money::eur(50)), &mut buf).unwrap();
    let a = c.send(&req, &buf);
    let other = req.decode(a.status, &a.body).unwrap().id;
    let req = api.cancel_payment_intent(&other).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, PaymentIntentStatus::Canceled);
    let req = api.get_payment_intent(&other, false).unwrap();
    let a = c.send(&req, &buf);
    let Err(Error::Api(e)) = req.decode(a.status, &a.body) else { panic!("a 404") };
    assert_eq!(e.kind, dojo_core::problem::ApiErrorKind::NotFound);
    let req = api.get_payment_intent(&other, true).unwrap();
    let a = c.send(&req, &buf);
    assert_eq!(req.decode(a.status, &a.body).unwrap().status, PaymentIntentStatus::Canceled);

    let search = SearchPaymentIntentsRequest {
        cursor: Some(Cursor { limit: Some(1), ..Cursor::default() }),
        ..Default::default()
    };
    let req = api.search_payment_intents(&search, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    let page = req.decode(a.status, &a.body).unwrap();
    let first: Vec<_> = page.data.unwrap().iter().map(|p| p.unwrap().id).collect();
    assert_eq!(first, vec![pi]);
    let after = page.after.unwrap().to_string();
    let search = SearchPaymentIntentsRequest { cursor: Some(Cursor::after(&after, Some(5))), ..Default::default() };
    let req = api.search_payment_intents(&search, &mut buf).unwrap();
    let a = c.send(&req, &buf);
    let page = req.decode(a.status, &a.body).unwrap();
    let rest: Vec<_> = page.data.unwrap().iter().map(|p| p.unwrap().id).collect();
    assert_eq!(rest, vec![other]);
    assert!(page.after.is_none());
}
