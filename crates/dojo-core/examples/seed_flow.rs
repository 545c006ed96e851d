//! The seed's no-show flow through dojo-core, printing every request it builds and every
//! status it reads. The server's answers are canned (the local emulator and the adapters
//! that talk to it come in their own crates); everything else is the real code path.
//!
//! Run: `cargo run -p dojo-core --example seed_flow`

use dojo_core::lifecycle::{ChargeOutcome, PaymentIntentState, SetupIntentState};
use dojo_core::request::{Api, CreatePaymentIntentRequest, CreateSetupIntentRequest, DEFAULT_BASE_URL, Request};
use dojo_core::response::ResponseKind;
use dojo_core::{ApiKey, Error, MerchantInitiatedTransactionType, Money, Timestamp};

fn show<K: ResponseKind>(step: &str, req: &Request<'_, K>, buf: &[u8]) {
    let mut url = [0u8; 256];
    let url = req.write_url(DEFAULT_BASE_URL, &mut url).unwrap_or("?");
    println!("\n== {step}\n{} {url}", req.method().as_str());
    for (name, value) in req.headers() {
        let value = if name.eq_ignore_ascii_case("authorization") { "Basic sk_sandbox_…" } else { value };
        println!("{name}: {value}");
    }
    if req.body_len() > 0 {
        println!("\n{}", String::from_utf8_lossy(req.body(buf)));
    }
}

fn main() -> Result<(), Error<'static>> {
    let key = ApiKey::new("sk_sandbox_example_key")?;
    let api = Api::new(&key);
    let mut buf = [0u8; 1024];
    let now = Timestamp::parse("2026-03-02T09:15:00Z").unwrap_or_default();

    let body = CreateSetupIntentRequest::new(
        "Harbour Bistro | Table 12, 8pm",
        "If you do not arrive within 30 minutes of your booking, we will charge a no-show fee of £10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let req = api.create_setup_intent(&body, &mut buf)?;
    show("1. create the setup intent", &req, &buf);
    let si = req.decode(
        200,
        br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","reference":"Harbour Bistro | Table 12, 8pm","intendedAmount":{"value":1000,"currencyCode":"GBP"},"expireAt":"2026-03-09T09:12:10Z"}"#,
    )?;
    let mut setup = SetupIntentState::from_response(&si);
    println!("-> {} is {} for {}", si.id, si.status, si.intended_amount.map(|m| m.to_string()).unwrap_or_default());

    let mut link = [0u8; dojo_core::checkout::CHECKOUT_LINK_MAX_LEN];
    println!("\n== 2. show the customer the checkout link\n{}", si.checkout_link(&mut link)?);

    let req = api.get_setup_intent(&setup.id())?;
    show("3. poll until the customer authorizes", &req, &buf);
    let si = req.decode(
        200,
        br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Authorized","intendedAmount":{"value":"1000","currencyCode":"GBP"}}"#,
    )?;
    match setup.observe_response(&si) {
        Ok(o) => println!("-> {o:?}"),
        Err(anomaly) => println!("-> anomaly: {anomaly}"),
    }

    setup.check_payment_amount(Money::gbp(1000))?;
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), setup.id());
    let req = api.create_payment_intent(&body, &mut buf)?;
    show("4. create the payment intent from the setup intent", &req, &buf);
    let pi = req.decode(
        200,
        br#"{"id":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Created","amount":{"value":1000,"currencyCode":"GBP"},"setupIntentId":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg"}"#,
    )?;
    let Some(mut payment) = PaymentIntentState::from_response(&pi) else {
        println!("the payment intent has no amount");
        return Ok(());
    };
    println!("-> {} is {}", pi.id, pi.status);

    let ticket = payment.begin_charge(&setup, now)?;
    let req = api.charge_payment_intent(&ticket.payment_intent())?;
    show("5. charge it, once, for the full amount", &req, &buf);
    let charge = req.decode(
        200,
        br#"{"paymentIntentId":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Successful","message":"DEPOSITED"}"#,
    )?;
    let outcome = payment.record_charge(ticket, charge.status, &mut setup)?;
    println!("-> charge {} ({outcome:?}); payment intent {}", charge.status, payment.status());
    assert_eq!(outcome, ChargeOutcome::Charged);

    match payment.begin_charge(&setup, now) {
        Ok(_) => println!("\n!! a second charge was allowed"),
        Err(e) => println!("\n== 6. a second charge is refused before anything is sent\n-> {e}"),
    }
    println!("\n== 7. the setup intent is {}", setup.status());
    Ok(())
}
