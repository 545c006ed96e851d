//! The emulator in process: an [`InProcess`] peer holds an [`Emulator`] and its clock,
//! and hands out connections the adapters use as they would use a socket — an
//! `embedded_svc::http::client::Connection` (feature
//! `embedded-svc`) and a ureq transport (feature `ureq`) — so the real adapter code runs
//! end to end with no TCP, no threads and no real time: fast and deterministic enough for a
//! fuzzer.
//!
//! Faults come through as a client would see them over TCP:
//!
//! | fault | what the client sees |
//! |---|---|
//! | [`FaultKind::DropBeforeCommit`] | the connection closes with no answer (the state is unchanged, which the client cannot know) |
//! | [`FaultKind::DropAfterCommit`] | the same, but the state changed: a lost answer |
//! | [`FaultKind::TruncateBody`] | the headers with the full `Content-Length`, half the body, then the connection closes |
//! | [`FaultKind::Latency`] | the emulator's clock moves on by the delay and the answer comes; if the delay is longer than the connection's timeout, the clock moves on by the timeout, the client gets a timeout, and the request stays held: it commits **late**, once the emulator's clock reaches its due time (or at [`InProcess::finish_held`]) |
//! | [`FaultKind::Status`], [`FaultKind::StatusRetryAfter`] | the answer, as over HTTP |
//!
//! Time is the emulator's: the wall clock stands still at the start instant and everything
//! that waits (a kiosk's poll interval, a retry's backoff, a latency fault) advances the
//! emulator with [`InProcess::advance_clock`]. Nothing sleeps.
//!
//! ```
//! use dojo_sandbox::{Config, InProcess, Request};
//!
//! let peer = InProcess::new(&Config::in_process());
//! let answer = peer.exchange(Request::new("GET", "/setup-intents/si_missing"), None);
//! assert!(matches!(answer, dojo_sandbox::Delivered::Answer(r) if r.status == 401));
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use dojo_core::Timestamp;

use crate::config::Config;
use crate::emulator::CaptureRecord;
use crate::emulator::{Emulator, Outcome, Pending};
#[cfg(doc)]
use crate::faults::FaultKind;
use crate::message::{Request, Response};

#[cfg(feature = "embedded-svc")]
mod embedded;
#[cfg(feature = "arbitrary")]
mod script;
#[cfg(feature = "ureq")]
mod ureq_transport;

#[cfg(feature = "embedded-svc")]
pub use embedded::{AnswerBody, AnswerHead, EmbeddedConnection, InProcessError};
#[cfg(feature = "arbitrary")]
pub use script::FaultScript;
#[cfg(feature = "ureq")]
pub use ureq_transport::{UreqConnector, UreqResolver, UreqTransport};

/// The instant the wall clock stands at when [`Config::start_time`] is `None`:
/// 2026-03-01T00:00:00Z.
pub const DEFAULT_START: Timestamp = Timestamp::from_unix(1_772_323_200);

/// The base URL to give an adapter talking to an [`InProcess`] peer: loopback, so
/// plain `http://` is allowed. Connections ignore the host and read only the path.
pub const BASE_URL: &str = "http://127.0.0.1";

impl Config {
    /// The defaults for an in-process emulator made once per test or per fuzz input: at
    /// most 256 intents of each kind (the default, 100 000, is a long-running server's;
    /// the HTTP server pre-sizes its maps to it, an in-process emulator does not).
    pub fn in_process() -> Config {
        Config { max_intents: 256, ..Config::default() }
    }
}

/// What a client receives for one request over an in-process connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivered {
    /// The whole answer.
    Answer(Response),
    /// The connection closed with no answer (a drop, before or after the state changed).
    Closed,
    /// The headers with the full `Content-Length`, then `body.len() / 2` bytes of the
    /// body, then the connection closed.
    Truncated(Response),
    /// Nothing came within the timeout: the request is held and commits later.
    TimedOut,
}

#[derive(Debug)]
struct Peer {
    emulator: Emulator,
    wall: Timestamp,
    /// Requests a latency fault holds past a client's timeout, with the emulator instant
    /// they commit at.
    held: Vec<(Timestamp, Pending)>,
    timeout: Option<Duration>,
    power: Power,
}

/// A power cut the harness scheduled (see [`InProcess::cut_power_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    On,
    /// The cut comes at request number `at` from now (1-based); `committed`: that request
    /// reaches the emulator first.
    CutAt {
        at: u32,
        committed: bool,
    },
    Off,
}

impl Peer {
    /// Commits the held requests due by the emulator's now (their answers are lost).
    fn commit_due(&mut self) {
        let now = self.emulator.now(self.wall);
        let mut i = 0;
        while i < self.held.len() {
            if self.held.get(i).is_some_and(|(due, _)| *due <= now) {
                let (_, pending) = self.held.remove(i);
                let _ = self.emulator.resume(pending, self.wall);
            } else {
                i += 1;
            }
        }
    }

    fn exchange(&mut self, request: Request, timeout: Option<Duration>) -> Delivered {
        self.commit_due();
        match self.power {
            Power::On => {}
            Power::Off => return Delivered::Closed,
            Power::CutAt { at, committed } if at <= 1 => {
                self.power = Power::Off;
                if committed {
                    let outcome = self.emulator.handle(request, self.wall);
                    // Whatever the answer, it is lost with the client; a held request
                    // commits later as usual.
                    let _ = self.deliver(outcome, timeout);
                }
                return Delivered::Closed;
            }
            Power::CutAt { at, committed } => self.power = Power::CutAt { at: at - 1, committed },
        }
        let outcome = self.emulator.handle(request, self.wall);
        self.deliver(outcome, timeout)
    }

    fn deliver(&mut self, outcome: Outcome, timeout: Option<Duration>) -> Delivered {
        match outcome {
            Outcome::Answer(r) => Delivered::Answer(r),
            Outcome::DropBeforeCommit | Outcome::DropAfterCommit(_) => Delivered::Closed,
            Outcome::Truncated(r) => Delivered::Truncated(r),
            Outcome::Delayed(pending) => {
                let delay = pending.delay();
                match timeout {
                    Some(t) if delay > t => {
                        let due = self.emulator.now(self.wall);
                        let due = add(due, delay);
                        self.emulator.advance_clock(t);
                        self.held.push((due, pending));
                        // Held requests due by now (a shorter delay) commit now.
                        self.commit_due();
                        Delivered::TimedOut
                    }
                    _ => {
                        self.emulator.advance_clock(delay);
                        self.commit_due();
                        let outcome = self.emulator.resume(pending, self.wall);
                        // A resumed request has no fault left to hit: it is an answer.
                        self.deliver(outcome, timeout)
                    }
                }
            }
        }
    }
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let nanos = t.subsec_nanos() + d.subsec_nanos();
    Timestamp::from_unix_nanos(
        t.unix_seconds().saturating_add(secs).saturating_add(i64::from(nanos / 1_000_000_000)),
        nanos % 1_000_000_000,
    )
}

/// An emulator in process, shared by the harness (to play the customer, inject faults,
/// move time, check captures) and the connections it hands out. Cloning shares it.
#[derive(Debug, Clone)]
pub struct InProcess {
    peer: Arc<Mutex<Peer>>,
}

impl InProcess {
    /// An emulator built from `config` (its seed, body limit, webhook attempts, intent
    /// cap: [`Config::in_process`] is sized for short runs), the wall clock standing at
    /// `config.start_time` (or [`DEFAULT_START`]).
    pub fn new(config: &Config) -> InProcess {
        InProcess::from_emulator(Emulator::new(config), config.start_time.unwrap_or(DEFAULT_START))
    }

    /// Wraps an existing emulator, the wall clock standing at `wall`.
    pub fn from_emulator(emulator: Emulator, wall: Timestamp) -> InProcess {
        let peer = Peer { emulator, wall, held: Vec::new(), timeout: None, power: Power::On };
        InProcess { peer: Arc::new(Mutex::new(peer)) }
    }

    fn lock(&self) -> MutexGuard<'_, Peer> {
        // A panic while holding the lock leaves a consistent emulator (every call is
        // one step): go on with it.
        self.peer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the emulator with the wall-clock instant to pass to it (for the
    /// emulator's own methods: `authorize_setup_intent`, `add_fault`, …).
    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator, Timestamp) -> R) -> R {
        let mut peer = self.lock();
        peer.commit_due();
        let wall = peer.wall;
        f(&mut peer.emulator, wall)
    }

    /// The emulator's now.
    pub fn now(&self) -> Timestamp {
        let peer = self.lock();
        peer.emulator.now(peer.wall)
    }

    /// Moves the emulator's clock forward (a kiosk's wait, a retry's backoff); held
    /// requests that fall due commit.
    pub fn advance_clock(&self, by: Duration) {
        let mut peer = self.lock();
        peer.emulator.advance_clock(by);
        peer.commit_due();
    }

    /// The timeout of the `embedded-svc` connections handed out (`None`, the default: a
    /// latency fault is always waited out). The ureq transport uses ureq's own timeouts.
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        self.lock().timeout = timeout;
    }

    /// The `embedded-svc` connections' timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.lock().timeout
    }

    /// One request, as a connection delivers it (see the [module docs](self)); `timeout`
    /// bounds how long a latency fault is waited out.
    pub fn exchange(&self, request: Request, timeout: Option<Duration>) -> Delivered {
        self.lock().exchange(request, timeout)
    }

    /// How many requests a latency fault holds past a client's timeout, not committed yet.
    pub fn held(&self) -> usize {
        self.lock().held.len()
    }

    /// Commits every held request now, as if their time had come (their answers are
    /// lost): call it before checking what the server did.
    pub fn finish_held(&self) {
        let mut peer = self.lock();
        let wall = peer.wall;
        for (_, pending) in std::mem::take(&mut peer.held) {
            let _ = peer.emulator.resume(pending, wall);
        }
    }

    /// Every capture recorded for the payment intent.
    pub fn captures(&self, payment_intent_id: &str) -> Vec<CaptureRecord> {
        self.lock().emulator.captures(payment_intent_id)
    }

    /// The ids of every setup intent the emulator holds, sorted (a fuzz target's customer
    /// finds the one the kiosk created here).
    pub fn setup_intent_ids(&self) -> Vec<String> {
        let peer = self.lock();
        let mut ids: Vec<String> = peer.emulator.state.setup_intents.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The ids of every payment intent created from the setup intent (including those
    /// whose create answer was lost: the client may not know them), sorted.
    pub fn payment_intents_of(&self, setup_intent_id: &str) -> Vec<String> {
        let peer = self.lock();
        let mut ids: Vec<String> = peer
            .emulator
            .state
            .payment_intents
            .values()
            .filter(|pi| pi.setup_intent_id.as_deref() == Some(setup_intent_id))
            .map(|pi| pi.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Captures of every payment intent created from the setup intent: the card was
    /// charged this many times for it (the invariant is at most 1).
    pub fn captures_of_setup_intent(&self, setup_intent_id: &str) -> usize {
        self.payment_intents_of(setup_intent_id).iter().map(|pi| self.captures(pi).len()).sum()
    }

    /// Schedules a power cut of the client, for crash-and-recover tests: request number
    /// `at` from now (1-based; 0 acts as 1) is the last; it reaches the emulator when
    /// `committed` (the state changes, the answer is lost) or never arrives; from then
    /// every request finds the connection closed, until [`restore_power`](Self::restore_power).
    pub fn cut_power_at(&self, at: u32, committed: bool) {
        self.lock().power = Power::CutAt { at, committed };
    }

    /// Whether the power is cut (a request met the scheduled cut).
    pub fn power_cut(&self) -> bool {
        self.lock().power == Power::Off
    }

    /// Ends a power cut (the device restarted) and cancels one scheduled.
    pub fn restore_power(&self) {
        self.lock().power = Power::On;
    }
}

/// The request target of `uri`: from the first `/` after `scheme://host` (the whole
/// string when it has no scheme).
#[cfg(any(feature = "embedded-svc", test))]
pub(crate) fn target_of(uri: &str) -> &str {
    match uri.split_once("://") {
        Some((_, rest)) => rest.find('/').and_then(|at| rest.get(at..)).unwrap_or("/"),
        None => uri,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fault, FaultKind, Route};

    #[test]
    fn targets() {
        assert_eq!(target_of("http://127.0.0.1/setup-intents/si_1?x=1"), "/setup-intents/si_1?x=1");
        assert_eq!(target_of("http://127.0.0.1:8080"), "/");
        assert_eq!(target_of("/a"), "/a");
    }

    #[test]
    fn latency_past_the_timeout_commits_late() {
        let peer = InProcess::new(&Config::default());
        let start = peer.now();
        peer.with(|emu, _| {
            emu.add_fault(Fault::once(Route::Any, FaultKind::Latency(Duration::from_secs(30))));
        });
        let r = peer.exchange(Request::new("GET", "/setup-intents/si_x"), Some(Duration::from_secs(5)));
        assert_eq!(r, Delivered::TimedOut);
        assert_eq!(peer.held(), 1);
        assert_eq!(peer.now().unix_seconds() - start.unix_seconds(), 5);
        peer.advance_clock(Duration::from_secs(24));
        assert_eq!(peer.held(), 1, "not due yet");
        peer.advance_clock(Duration::from_secs(1));
        assert_eq!(peer.held(), 0, "committed at its due time");
    }

    #[test]
    fn a_power_cut_commits_or_not_then_closes_everything() {
        for committed in [false, true] {
            let peer = InProcess::new(&Config::default());
            peer.cut_power_at(2, committed);
            let get = || Request::new("GET", "/setup-intents/si_x");
            assert!(matches!(peer.exchange(get(), None), Delivered::Answer(_)));
            assert!(!peer.power_cut());
            assert_eq!(peer.exchange(get(), None), Delivered::Closed);
            assert!(peer.power_cut());
            assert_eq!(peer.exchange(get(), None), Delivered::Closed);
            let handled = peer.with(|emu, _| emu.requests());
            assert_eq!(handled, if committed { 2 } else { 1 });
            peer.restore_power();
            assert!(matches!(peer.exchange(get(), None), Delivered::Answer(_)));
        }
    }

    #[test]
    fn latency_within_the_timeout_moves_the_clock() {
        let peer = InProcess::new(&Config::default());
        let start = peer.now();
        peer.with(|emu, _| emu.add_fault(Fault::once(Route::Any, FaultKind::Latency(Duration::from_secs(3)))));
        let r = peer.exchange(Request::new("GET", "/setup-intents/si_x"), None);
        assert!(matches!(r, Delivered::Answer(ref a) if a.status == 401), "{r:?}");
        assert_eq!(peer.now().unix_seconds() - start.unix_seconds(), 3);
    }
}
