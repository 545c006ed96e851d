//! What keeps the store fast and bounded as it grows: ordered indexes (search pages in
//! O(page + log N)), a deadline queue (expiry applied as time passes, not by scanning), and
//! eviction past `Config::max_intents` (memory bounded, never unbounded).
//!
//! Status changes happen in many places (every operation goes through
//! `payment_intent_mut`), so the index is not updated there: `payment_intent_mut` notes
//! the id as touched, and [`State::reindex`] brings the index in line with the records
//! after every call into the emulator.

use dojo_core::time::timespan_seconds;
use dojo_core::{PaymentIntentStatus, SetupIntentStatus};

use crate::state::{DEFAULT_AUTHORIZATION_LIFETIME_SECS, State};

/// How many of the oldest intents eviction looks at for a settled one before it takes
/// the oldest (bounded work per create).
const EVICTION_WINDOW: usize = 64;

/// Settled: nothing more will happen to it but (for Captured) a refund.
fn settled_pi(s: PaymentIntentStatus) -> bool {
    matches!(
        s,
        PaymentIntentStatus::Captured
            | PaymentIntentStatus::Canceled
            | PaymentIntentStatus::Refunded
            | PaymentIntentStatus::Reversed
    )
}

fn settled_si(s: SetupIntentStatus) -> bool {
    matches!(
        s,
        SetupIntentStatus::Completed
            | SetupIntentStatus::Canceled
            | SetupIntentStatus::Expired
            | SetupIntentStatus::Closed
    )
}

impl State {
    /// Notes that a payment intent may have changed (its status, its deadlines).
    pub(crate) fn touch(&mut self, id: &str) {
        if self.index.touched.last().map(String::as_str) != Some(id) {
            self.index.touched.push(id.to_owned());
        }
    }

    /// Brings the indexes in line with the touched records.
    pub(crate) fn reindex(&mut self) {
        for id in std::mem::take(&mut self.index.touched) {
            let Some(pi) = self.payment_intents.get_mut(&id) else { continue };
            if pi.indexed == Some(pi.status) {
                continue;
            }
            let key = (pi.created_at, pi.seq);
            let (old, new) = (pi.indexed, pi.status);
            pi.indexed = Some(new);
            let deadline = match new {
                PaymentIntentStatus::Created => pi.expire_at,
                PaymentIntentStatus::Authorized => pi.authorized_at.map(|at| {
                    let lifetime = pi
                        .auto_expire_in
                        .as_deref()
                        .and_then(timespan_seconds)
                        .and_then(|s| i64::try_from(s).ok())
                        .unwrap_or(DEFAULT_AUTHORIZATION_LIFETIME_SECS);
                    at.add_seconds(lifetime)
                }),
                _ => None,
            };
            match old {
                Some(old) => {
                    if let Some(set) = self.index.status_set_mut(old) {
                        set.remove(&key);
                    }
                }
                None => {
                    self.index.payment_intents.insert(key, id.clone());
                }
            }
            if let Some(set) = self.index.status_set_mut(new) {
                set.insert(key);
            }
            if let Some(at) = deadline {
                self.index.deadlines.insert((at, key.1, id));
            }
        }
    }

    /// Applies every expiry due by now (each through `payment_intent_mut`, which checks
    /// the conditions itself: a stale deadline does nothing).
    pub(crate) fn sweep(&mut self) {
        let now = self.now();
        while let Some(first) = self.index.deadlines.first() {
            if first.0 > now {
                break;
            }
            let Some((_, _, id)) = self.index.deadlines.pop_first() else { break };
            let _ = self.payment_intent_mut(&id);
        }
        self.reindex();
    }

    /// Makes room for one more payment intent: past the cap, forgets the oldest settled
    /// one among the [`EVICTION_WINDOW`] oldest, or else the oldest.
    pub(crate) fn make_room_for_payment_intent(&mut self) {
        while self.payment_intents.len() >= self.max_intents.max(1) {
            let pick = self
                .index
                .payment_intents
                .iter()
                .take(EVICTION_WINDOW)
                .find(|(_, id)| self.payment_intents.get(*id).is_some_and(|pi| settled_pi(pi.status)))
                .or_else(|| self.index.payment_intents.iter().next())
                .map(|(k, id)| (*k, id.clone()));
            let Some((key, id)) = pick else { break };
            self.index.payment_intents.remove(&key);
            if let Some(pi) = self.payment_intents.remove(&id) {
                if let Some(set) = pi.indexed.and_then(|s| self.index.status_set_mut(s)) {
                    set.remove(&key);
                }
                for refund in pi.refunds_by_key.values() {
                    self.refunds.remove(refund);
                }
            }
            self.charge_attempts.remove(&id);
            self.index.evicted += 1;
        }
    }

    /// Makes room for one more setup intent, as for payment intents.
    pub(crate) fn make_room_for_setup_intent(&mut self) {
        while self.setup_intents.len() >= self.max_intents.max(1) {
            let pick = self
                .index
                .setup_intents
                .iter()
                .take(EVICTION_WINDOW)
                .find(|(_, id)| self.setup_intents.get(*id).is_some_and(|si| settled_si(si.status)))
                .or_else(|| self.index.setup_intents.iter().next())
                .map(|(k, id)| (*k, id.clone()));
            let Some((seq, id)) = pick else { break };
            self.index.setup_intents.remove(&seq);
            self.setup_intents.remove(&id);
            self.index.evicted += 1;
        }
    }
}
