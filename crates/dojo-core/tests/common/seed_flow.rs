// The seed's no-show flow through dojo-core's public API with canned responses, shared
// by the zero-allocation test (and kept free of anything that allocates itself).
// Returns the step that failed.

use dojo_core::lifecycle::{ChargeOutcome, PaymentIntentState, SetupIntentState};
use dojo_core::request::{
    Api, CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest,
    SearchPaymentIntentsRequest,
};
use dojo_core::response::{decode, kind};
use dojo_core::webhook::{SIGNATURE_LEN, sign, verify_and_decode};
use dojo_core::*;

const SETUP_INTENT_CREATED: &[u8] = include_bytes!("../fixtures/setup_intent_created.json");
const SETUP_INTENT_AUTHORIZED: &[u8] = include_bytes!("../fixtures/setup_intent_authorized.json");
const SETUP_INTENT_COMPLETED: &[u8] = include_bytes!("../fixtures/setup_intent_completed.json");
const PAYMENT_INTENT_CREATED: &[u8] = include_bytes!("../fixtures/payment_intent_created.json");
const PAYMENT_INTENT_CAPTURED: &[u8] = include_bytes!("../fixtures/payment_intent_captured.json");
const CHARGE: &[u8] = include_bytes!("../fixtures/charge_successful.json");
const CAPTURE: &[u8] = include_bytes!("../fixtures/capture.json");
const REFUND: &[u8] = include_bytes!("../fixtures/refund.json");
const REVERSAL: &[u8] = include_bytes!("../fixtures/reversal.json");
const PAGE: &[u8] = include_bytes!("../fixtures/search_page.json");
const PROBLEM: &[u8] = include_bytes!("../fixtures/problem_validation.json");

pub(crate) fn run() -> Result<(), &'static str> {
    build_every_request()?;
    drive_the_lifecycle()?;
    verify_a_webhook()?;
    decode_every_response()
}

fn build_every_request() -> Result<(), &'static str> {
    let key = ApiKey::new("sk_sandbox_c0ffee").map_err(|_| "key")?;
    let api = Api::new(&key).with_version("2026-02-27").map_err(|_| "version")?;
    let si = SetupIntentId::new("si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").map_err(|_| "si id")?;
    let pi = PaymentIntentId::new("pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ").map_err(|_| "pi id")?;
    let mut buf = [0u8; 1024];
    let mut url = [0u8; 256];
    let body = CreateSetupIntentRequest::new(
        "Caf\u{e9} | Table 4",
        "No-show fee \"\u{a3}10\"",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let r = api.create_setup_intent(&body, &mut buf).map_err(|_| "create si")?;
    r.write_url(request::DEFAULT_BASE_URL, &mut url).map_err(|_| "url")?;
    if r.headers().len() != 5 || r.body_len() == 0 {
        return Err("create si shape");
    }
    api.get_setup_intent(&si).map_err(|_| "get si")?;
    api.cancel_setup_intent(&si, true).map_err(|_| "cancel si")?;
    api.get_public_setup_intent(&si).map_err(|_| "public si")?;
    api.refresh_setup_intent_secret(&si).map_err(|_| "refresh si")?;
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si);
    api.create_payment_intent(&body, &mut buf).map_err(|_| "create pi")?;
    api.get_payment_intent(&pi, true).map_err(|_| "get pi")?;
    api.cancel_payment_intent(&pi).map_err(|_| "cancel pi")?;
    api.charge_payment_intent(&pi).map_err(|_| "charge")?;
    api.capture_payment_intent(&pi, &CreateCaptureRequest::new(Money::gbp(500)), &mut buf).map_err(|_| "capture")?;
    api.refund_payment_intent(&pi, "refund-1", &CreateRefundRequest::new(Money::gbp(500)), &mut buf).map_err(|_| "refund")?;
    api.reverse_payment_intent(&pi).map_err(|_| "reversal")?;
    api.search_payment_intents(&SearchPaymentIntentsRequest::default(), &mut buf).map_err(|_| "search")?;
    let mut link = [0u8; checkout::CHECKOUT_LINK_MAX_LEN];
    checkout::checkout_link(&si, &mut link).map_err(|_| "link")?;
    // A too-small buffer is an error, not an allocation.
    let mut tiny = [0u8; 8];
    match api.create_payment_intent(&body, &mut tiny) {
        Err(Error::BufferTooSmall(_)) => Ok(()),
        _ => Err("tiny buffer"),
    }
}

fn drive_the_lifecycle() -> Result<(), &'static str> {
    let now = Timestamp::from_unix(1_772_400_000);
    let si = SetupIntentId::new("si_sandbox_1").map_err(|_| "id")?;
    let pi = PaymentIntentId::new("pi_sandbox_1").map_err(|_| "id")?;
    let mut setup = SetupIntentState::new(si, SetupIntentStatus::Created, Some(now.add_seconds(60)), Some(Money::gbp(1000)));
    setup.observe(SetupIntentStatus::Authorized).map_err(|_| "authorize")?;
    let mut payment = PaymentIntentState::new(pi, PaymentIntentStatus::Created, Money::gbp(1000), Some(si));
    let ticket = payment.begin_charge(&setup, now).map_err(|_| "begin")?;
    payment.record_charge_outcome_unknown(ticket).map_err(|_| "ticket")?;
    if payment.reconcile(PaymentIntentStatus::Captured, &mut setup) != Ok(ChargeOutcome::Charged) {
        return Err("reconcile");
    }
    if payment.begin_charge(&setup, now).is_ok() || setup.observe(SetupIntentStatus::Created).is_ok() {
        return Err("charged twice or accepted an anomaly");
    }
    Ok(())
}

fn verify_a_webhook() -> Result<(), &'static str> {
    let body: &[u8] = br#"{"id":"evt_1","event":"payment_intent.status_updated","accountId":"acc_1","createdAt":"2026-03-05T20:00:21Z","data":{"paymentIntentId":"pi_sandbox_1","paymentStatus":"Captured","captureMode":"Auto"}}"#;
    let mut sig = [0u8; SIGNATURE_LEN];
    let header = sign(body, "ws_new", &mut sig);
    let event = verify_and_decode(body, header, &["ws_old", "ws_new"]).map_err(|_| "webhook")?;
    if event.data.and_then(|d| d.payment_status) != Some(PaymentIntentStatus::Captured) {
        return Err("webhook data");
    }
    Ok(())
}

fn decode_every_response() -> Result<(), &'static str> {
    let si = decode::<kind::SetupIntentKind>(200, SETUP_INTENT_CREATED).map_err(|_| "decode created")?;
    if si.status != SetupIntentStatus::Created {
        return Err("created status");
    }
    let si = decode::<kind::SetupIntentKind>(200, SETUP_INTENT_AUTHORIZED).map_err(|_| "decode authorized")?;
    let mut reference = [0u8; 64];
    si.reference.ok_or("reference")?.copy_to(&mut reference).map_err(|_| "copy reference")?;
    if si.setup_events.ok_or("events")?.iter().count() != 2 {
        return Err("events");
    }
    let pi = decode::<kind::PaymentIntentKind>(200, PAYMENT_INTENT_CREATED).map_err(|_| "decode pi")?;
    if pi.setup_intent_id != Some(si.id) {
        return Err("pi setup intent id");
    }
    let charge = decode::<kind::ChargeKind>(200, CHARGE).map_err(|_| "decode charge")?;
    if charge.status != CaptureStatus::Successful {
        return Err("charge status");
    }
    let pi = decode::<kind::PaymentIntentKind>(200, PAYMENT_INTENT_CAPTURED).map_err(|_| "decode captured")?;
    if pi.captures.ok_or("captures")?.iter().count() != 1 {
        return Err("captures");
    }
    let si = decode::<kind::SetupIntentKind>(200, SETUP_INTENT_COMPLETED).map_err(|_| "decode completed")?;
    if si.status != SetupIntentStatus::Completed {
        return Err("completed");
    }
    decode::<kind::CaptureKind>(200, CAPTURE).map_err(|_| "capture")?;
    decode::<kind::RefundKind>(200, REFUND).map_err(|_| "refund")?;
    decode::<kind::ReversalKind>(200, REVERSAL).map_err(|_| "reversal")?;
    let page = decode::<kind::PaymentIntentPageKind>(200, PAGE).map_err(|_| "page")?;
    if page.data.ok_or("data")?.iter().count() != 3 {
        return Err("page data");
    }
    match decode::<kind::SetupIntentKind>(400, PROBLEM) {
        Err(Error::Api(e)) => {
            let errors = e.problem().ok_or("problem")?.errors.ok_or("errors")?;
            if errors.iter().map(|(_, messages)| messages.iter().count()).sum::<usize>() != 3 {
                return Err("problem errors");
            }
        }
        _ => return Err("problem"),
    }
    Ok(())
}
