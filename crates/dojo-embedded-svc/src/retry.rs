//! Retries without a clock: the firmware's time source ([`Delay`]) and a backoff schedule
//! it can drive itself.
//!
//! The policy is dojo-core's one [`RetryPolicy`] (the desktop adapter's too; default 3
//! retries, ceilings 250 ms, 500 ms, 1 s, `Retry-After` up to 30 s), and the decisions
//! between attempts are dojo-core's [`Exchange`](dojo_core::exchange::Exchange), which the
//! [`Client`](crate::Client) drives. [`Backoff`] is the same full-jitter schedule for a
//! firmware loop of its own: delays from a random `u32` the caller passes
//! ([`Backoff::next_with`], e.g. the ESP32's hardware RNG) or from a deterministic seed
//! ([`Iterator::next`], xorshift32). It never sleeps.
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

pub use dojo_core::exchange::RetryPolicy;

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
        let delay = self.policy.jitter_ms(self.attempt, random);
        self.attempt += 1;
        Some(delay)
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
    fn full_jitter_spans_zero_to_ceiling() {
        let p = RetryPolicy { max_retries: 1, base_delay_ms: 1000, max_delay_ms: 1000, max_retry_after_ms: 0 };
        assert_eq!(Backoff::new(p, 1).next_with(0), Some(0));
        assert_eq!(Backoff::new(p, 1).next_with(u32::MAX), Some(1000));
        assert_eq!(Backoff::new(p, 1).next_with(u32::MAX / 2), Some(500));
    }

    #[test]
    fn spent_after_max_retries() {
        let mut b = Backoff::new(RetryPolicy::DEFAULT, 42);
        for i in 0..RetryPolicy::DEFAULT.max_retries {
            let d = b.next().unwrap();
            assert!(d <= RetryPolicy::DEFAULT.ceiling_ms(i));
        }
        assert_eq!(b.next(), None);
        assert_eq!(b.attempts(), RetryPolicy::DEFAULT.max_retries);
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
