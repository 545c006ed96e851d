//! `Arbitrary` fault scripts (feature `arbitrary`), for fuzz targets over an
//! [`InProcess`](super::InProcess) emulator.
//!
//! The distribution, like dojo-core's (see `dojo_core::arbitrary`): mostly what the field
//! sees, sometimes anything.
//!
//! - [`Route`]: 7 in 8 one of the kiosk flow's routes (create and read setup intents,
//!   create and read payment intents, charge) or [`Route::Any`]; else any route.
//! - [`FaultKind`]: one of the six kinds; a latency of 0–120 s (ms resolution); a status
//!   of 429, 500, 502, 503 or 504 (1 in 8: any of 100–599); `Retry-After` of 0–120 s.
//! - [`Fault`]: 1–3 hits (1 in 8: unlimited), probability 1 (1 in 4: 0.5).
//! - [`FaultScript`]: up to 8 faults.

use std::time::Duration;

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::faults::{Fault, FaultKind, Route};

fn edge(u: &mut Unstructured<'_>) -> Result<bool> {
    Ok(!u.ratio(7u8, 8u8)?)
}

const FLOW_ROUTES: &[Route] = &[
    Route::ChargePaymentIntent,
    Route::GetPaymentIntent,
    Route::CreatePaymentIntent,
    Route::GetSetupIntent,
    Route::CreateSetupIntent,
    Route::Any,
];

impl<'a> Arbitrary<'a> for Route {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if edge(u)? {
            return Ok(*u.choose(Route::ALL)?);
        }
        Ok(*u.choose(FLOW_ROUTES)?)
    }
}

impl<'a> Arbitrary<'a> for FaultKind {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let status = |u: &mut Unstructured<'a>| -> Result<u16> {
            if edge(u)? { u.int_in_range(100..=599) } else { Ok(*u.choose(&[503, 500, 502, 504, 429])?) }
        };
        Ok(match u.int_in_range(0u8..=5)? {
            0 => FaultKind::DropAfterCommit,
            1 => FaultKind::DropBeforeCommit,
            2 => FaultKind::TruncateBody,
            3 => FaultKind::Latency(Duration::from_millis(u.int_in_range(0..=120_000)?)),
            4 => FaultKind::Status(status(u)?),
            _ => FaultKind::StatusRetryAfter {
                status: status(u)?,
                retry_after: Duration::from_millis(u.int_in_range(0..=120_000)?),
            },
        })
    }
}

impl<'a> Arbitrary<'a> for Fault {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let route = u.arbitrary()?;
        let kind = u.arbitrary()?;
        let times = if edge(u)? { None } else { Some(u.int_in_range(1..=3)?) };
        let probability = if u.ratio(1u8, 4u8)? { 0.5 } else { 1.0 };
        Ok(Fault { route, kind, times, probability })
    }
}

/// A list of faults to add to an emulator, in order (the first that hits a request wins).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultScript(pub Vec<Fault>);

impl FaultScript {
    /// The most faults drawn.
    pub const MAX: usize = 8;

    /// Adds every fault to the emulator of `peer`.
    pub fn install(&self, peer: &super::InProcess) {
        peer.with(|emu, _| self.0.iter().for_each(|f| emu.add_fault(*f)));
    }
}

impl<'a> Arbitrary<'a> for FaultScript {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(0..=FaultScript::MAX)?;
        let mut faults = Vec::with_capacity(n);
        for _ in 0..n {
            faults.push(u.arbitrary()?);
        }
        Ok(FaultScript(faults))
    }
}
