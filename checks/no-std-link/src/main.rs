//! The no_std link check: runs the seed's flow through dojo-core's public API with no
//! std, no alloc and our own panic handler. `main` is the C entry point (libc's start-up
//! calls it; nothing of Rust's std is linked). Exit code 0 means every step worked.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use dojo_core::response::{decode, kind};

unsafe extern "C" {
    fn exit(code: i32) -> !;
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    // SAFETY: libc's exit ends the process.
    unsafe { exit(101) }
}

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    match run() {
        Ok(()) => 0,
        Err(step) => step,
    }
}

const SETUP_INTENT: &[u8] = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Authorized","reference":"Caf\u00E9 \u0026 Bar","intendedAmount":{"value":"1000","currencyCode":"GBP"},"setupEvents":[{"eventType":"Authorized"}]}"#;
const CHARGE: &[u8] =
    br#"{"paymentIntentId":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Successful","message":"DEPOSITED"}"#;
const PROBLEM: &[u8] = br#"{"title":"Conflict","status":409,"traceId":"00-abc-00"}"#;

fn run() -> Result<(), i32> {
    let si = decode::<kind::SetupIntentKind>(200, SETUP_INTENT).map_err(|_| 10)?;
    if si.status != dojo_core::SetupIntentStatus::Authorized || si.reference.ok_or(11)? != "Café & Bar" {
        return Err(12);
    }
    if si.setup_events.ok_or(13)?.iter().count() != 1 {
        return Err(14);
    }
    let charge = decode::<kind::ChargeKind>(200, CHARGE).map_err(|_| 20)?;
    if charge.status != dojo_core::CaptureStatus::Successful {
        return Err(21);
    }
    match decode::<kind::ChargeKind>(409, PROBLEM) {
        Err(dojo_core::Error::Api(e)) if e.status == 409 && e.trace_id().is_some() => {}
        _ => return Err(30),
    }
    Ok(())
}
