// The seed's no-show flow through dojo-core's public API with canned responses, shared
// by the zero-allocation test (and kept free of anything that allocates itself).
// Returns the step that failed.

use dojo_core::response::{decode, kind};
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
