//! Time. The emulator is given the wall-clock instant with every call (it reads no clock
//! itself) and adds what the tests advanced it by; the HTTP shell's wall clock is real time
//! since start, from `Config::start_time`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dojo_core::Timestamp;

/// The last second ISO 8601's four-digit years can write, 9999-12-31T23:59:59Z: the
/// clock saturates there.
pub(crate) const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The emulator's offset from the wall clock it is given.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    advanced: Duration,
}

impl Clock {
    /// Now: the wall clock plus the advances, to the microsecond (ASP.NET writes up to
    /// seven fractional digits; microseconds keep them short). Saturates at
    /// [`MAX_UNIX_SECONDS`].
    pub(crate) fn now(&self, wall: Timestamp) -> Timestamp {
        let nanos = i128::from(wall.unix_seconds()) * 1_000_000_000
            + i128::from(wall.subsec_nanos())
            + i128::try_from(self.advanced.as_nanos()).unwrap_or(i128::MAX / 4);
        let nanos = nanos.min(i128::from(MAX_UNIX_SECONDS) * 1_000_000_000);
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

/// The HTTP shell's wall clock: a start instant plus the real time elapsed since.
#[derive(Debug, Clone)]
pub(crate) struct WallClock {
    base: Timestamp,
    started: Instant,
}

impl WallClock {
    /// A clock starting at `start` (or the real time now).
    pub(crate) fn new(start: Option<Timestamp>) -> Self {
        WallClock { base: start.unwrap_or_else(real_now), started: Instant::now() }
    }

    /// The start plus the real time elapsed.
    pub(crate) fn now(&self) -> Timestamp {
        let e = self.started.elapsed();
        let secs = self.base.unix_seconds().saturating_add(i64::try_from(e.as_secs()).unwrap_or(i64::MAX));
        // Both sub-second parts are below 10^9, so their sum fits a u32 and carries.
        Timestamp::from_unix_nanos(secs, self.base.subsec_nanos() + e.subsec_nanos())
    }
}

fn real_now() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_nanos(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_micros() * 1_000)
}
