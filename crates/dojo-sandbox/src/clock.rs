//! The controllable clock: real time since start, plus whatever the tests advanced it by.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dojo_core::Timestamp;

/// The sandbox's notion of now.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    base: Timestamp,
    started: Instant,
    advanced: Duration,
}

impl Clock {
    /// A clock starting at `start` (or the real time now).
    pub(crate) fn new(start: Option<Timestamp>) -> Self {
        let base = start.unwrap_or_else(real_now);
        Clock { base, started: Instant::now(), advanced: Duration::ZERO }
    }

    /// Now: the start, plus the real time elapsed, plus the advances, to the microsecond.
    pub(crate) fn now(&self) -> Timestamp {
        let nanos = i128::from(self.base.unix_seconds()) * 1_000_000_000
            + i128::from(self.base.subsec_nanos())
            + (self.started.elapsed() + self.advanced).as_nanos() as i128;
        // ASP.NET writes up to seven fractional digits; microseconds keep them short.
        let nanos = nanos - nanos.rem_euclid(1_000);
        let secs = nanos.div_euclid(1_000_000_000);
        let sub = nanos.rem_euclid(1_000_000_000);
        Timestamp::from_unix_nanos(i64::try_from(secs).unwrap_or(i64::MAX), u32::try_from(sub).unwrap_or(0))
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.advanced = self.advanced.saturating_add(by);
    }
}

fn real_now() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_nanos(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_micros() * 1_000)
}
