//! Retries without a clock: a backoff schedule the firmware drives with its own time
//! source.
//!
//! [`Backoff`] yields delays in milliseconds: exponential ceilings (`base · 2ⁿ`, capped)
//! with full jitter (a uniform draw in `[0, ceiling]`), from a random `u32` the caller
//! passes ([`Backoff::next_with`], e.g. the ESP32's hardware RNG) or from a
//! deterministic seed ([`Iterator::next`], xorshift32). It never sleeps: the
//! [`Client`](crate::Client) hands each delay to the caller's [`Delay`], and a
//! firmware loop can do the same with [`Error::retry_decision`](crate::Error::retry_decision).
//!
//! ```
//! use dojo_embedded_svc::{Backoff, RetryPolicy};
//!
//! let policy = RetryPolicy { max_retries: 3, base_delay_ms: 100, max_delay_ms: 250, ..RetryPolicy::DEFAULT };
//! let delays: Vec<u32> = Backoff::new(policy, 7).collect();
//! assert_eq!(delays.len(), 3);
//! assert!(delays[0] <= 100 && delays[1] <= 200 && delays[2] <= 250);
//! // The same seed, the same schedule.
//! assert_eq!(delays, Backoff::new(policy, 7).collect::<Vec<_>>());
//! ```

/// How many times, and how long apart, retry-safe requests are repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u8,
    /// The first delay's ceiling, in ms.
    pub base_delay_ms: u32,
    /// The largest ceiling, in ms.
    pub max_delay_ms: u32,
    /// The longest `Retry-After` honoured, in ms; a server asking for more ends the
    /// retries with its answer.
    pub max_retry_after_ms: u32,
}

impl RetryPolicy {
    /// 4 retries, ceilings 250 ms, 500 ms, 1 s, 2 s (at most 8 s), `Retry-After` up to
    /// 30 s.
    pub const DEFAULT: RetryPolicy =
        RetryPolicy { max_retries: 4, base_delay_ms: 250, max_delay_ms: 8_000, max_retry_after_ms: 30_000 };

    /// No retries.
    pub const NONE: RetryPolicy =
        RetryPolicy { max_retries: 0, base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 0 };

    /// The ceiling of the delay before retry `attempt` (0-based): `base · 2^attempt`,
    /// at most `max_delay_ms`.
    pub const fn ceiling_ms(&self, attempt: u8) -> u32 {
        let shifted = if attempt >= 32 { u32::MAX } else { self.base_delay_ms.saturating_mul(1u32 << attempt) };
        if shifted > self.max_delay_ms { self.max_delay_ms } else { shifted }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

/// The delays of one request's retries (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    attempt: u8,
    state: u32,
}

impl Backoff {
    /// A schedule for `policy`, its jitter drawn from `seed` (any value; 0 is replaced).
    pub const fn new(policy: RetryPolicy, seed: u32) -> Self {
        Backoff { policy, attempt: 0, state: if seed == 0 { 0x9E37_79B9 } else { seed } }
    }

    /// Retries taken so far.
    pub const fn attempts(&self) -> u8 {
        self.attempt
    }

    /// The next delay with its jitter drawn from `random` (a uniform `u32`), or `None`
    /// when the retries are spent.
    pub fn next_with(&mut self, random: u32) -> Option<u32> {
        if self.attempt >= self.policy.max_retries {
            return None;
        }
        let ceiling = self.policy.ceiling_ms(self.attempt);
        self.attempt += 1;
        // Uniform in [0, ceiling] without a division (multiply-shift).
        Some(((u64::from(random) * (u64::from(ceiling) + 1)) >> 32) as u32)
    }

    /// The next delay, honouring a server's `Retry-After` (seconds): the longer of the
    /// two, or `None` when the retries are spent or the server asks for more than
    /// [`RetryPolicy::max_retry_after_ms`].
    pub fn next_after(&mut self, retry_after_s: Option<u32>) -> Option<u32> {
        let jittered = self.next()?;
        match retry_after_s {
            None => Some(jittered),
            Some(s) => {
                let ms = s.saturating_mul(1000);
                (ms <= self.policy.max_retry_after_ms).then_some(jittered.max(ms))
            }
        }
    }

    fn draw(&mut self) -> u32 {
        self.state = xorshift32(self.state);
        self.state
    }
}

/// One step of xorshift32 (`x` non-zero): deterministic, tiny, good enough for jitter.
pub(crate) const fn xorshift32(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

impl Iterator for Backoff {
    type Item = u32;

    /// The next delay, its jitter drawn from the seed.
    fn next(&mut self) -> Option<u32> {
        let random = self.draw();
        self.next_with(random)
    }
}

/// The firmware's time source: waits `ms` milliseconds (e.g. `FreeRtos::delay_ms`).
pub trait Delay {
    /// Waits `ms` milliseconds.
    fn delay_ms(&mut self, ms: u32);
}

impl<F: FnMut(u32)> Delay for F {
    fn delay_ms(&mut self, ms: u32) {
        self(ms)
    }
}

/// A [`Delay`] that does not wait (for tests, or with [`RetryPolicy::NONE`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDelay;

impl Delay for NoDelay {
    fn delay_ms(&mut self, _ms: u32) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn ceilings_double_and_cap() {
        let p = RetryPolicy { max_retries: 40, base_delay_ms: 250, max_delay_ms: 8000, max_retry_after_ms: 0 };
        let c: [u32; 7] = core::array::from_fn(|i| p.ceiling_ms(i as u8));
        assert_eq!(c, [250, 500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(p.ceiling_ms(31), 8000);
        assert_eq!(p.ceiling_ms(40), 8000);
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let p = RetryPolicy { max_retries: 1, base_delay_ms: 1000, max_delay_ms: 1000, max_retry_after_ms: 0 };
        assert_eq!(Backoff::new(p, 1).next_with(0), Some(0));
        assert_eq!(Backoff::new(p, 1).next_with(u32::MAX), Some(1000));
        assert_eq!(Backoff::new(p, 1).next_with(u32::MAX / 2), Some(500));
    }

    #[test]
    fn spent_after_max_retries() {
        let mut b = Backoff::new(RetryPolicy::DEFAULT, 42);
        for i in 0..4u8 {
            let d = b.next().unwrap();
            assert!(d <= RetryPolicy::DEFAULT.ceiling_ms(i));
        }
        assert_eq!(b.next(), None);
        assert_eq!(b.attempts(), 4);
        assert_eq!(Backoff::new(RetryPolicy::NONE, 1).next(), None);
    }

    #[test]
    fn seeds_are_deterministic_and_differ() {
        let a: Vec<u32> = Backoff::new(RetryPolicy::DEFAULT, 1).collect();
        let b: Vec<u32> = Backoff::new(RetryPolicy::DEFAULT, 1).collect();
        let c: Vec<u32> = Backoff::new(RetryPolicy::DEFAULT, 2).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Seed 0 still jitters.
        assert!(Backoff::new(RetryPolicy::DEFAULT, 0).any(|d| d > 0));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = RetryPolicy { max_retries: 3, base_delay_ms: 10, max_delay_ms: 10, max_retry_after_ms: 5_000 };
        let mut b = Backoff::new(p, 3);
        assert_eq!(b.next_after(Some(2)), Some(2_000));
        assert!(b.next_after(None).unwrap() <= 10);
        assert_eq!(b.next_after(Some(6)), None);
    }
}
