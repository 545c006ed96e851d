//! Your firmware's kiosk logic (a stand-in): what the screen shows as the SDK's no-show
//! flow runs. On the device, `Board` is the RTC and the RTOS delay; under the fuzzer it is
//! the emulator's clock.

use dojo_embedded_svc::dojo_core::Timestamp;
use dojo_embedded_svc::dojo_core::charge::Outcome;
use dojo_embedded_svc::kiosk::{Kiosk, Step};

/// What the screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Nothing yet.
    Idle,
    /// The QR code of the checkout link.
    ScanToPay,
    /// "Waiting for your card…", after this many polls.
    Waiting(u32),
    /// "Fee taken."
    Charged,
    /// "Nothing was taken."
    NotCharged,
    /// "We will confirm by email": the charge may still land.
    CheckLater,
}

/// The board: a clock and a delay.
pub trait Board {
    /// The time now.
    fn now(&mut self) -> Timestamp;
    /// Sleeps.
    fn sleep_ms(&mut self, ms: u32);
}

/// The front desk's kiosk.
pub struct FrontDesk<B> {
    /// The board.
    pub board: B,
    /// What the screen shows.
    pub screen: Screen,
}

impl<B: Board> Kiosk for FrontDesk<B> {
    fn show_checkout(&mut self, _link: &str) {
        self.screen = Screen::ScanToPay;
    }

    fn now(&mut self) -> Timestamp {
        self.board.now()
    }

    fn wait_ms(&mut self, ms: u32) {
        self.board.sleep_ms(ms);
    }

    fn progress(&mut self, step: Step) {
        self.screen = match step {
            Step::Polled { poll, .. } | Step::PollFailed { poll } => Screen::Waiting(poll),
            Step::Charged(Outcome::Charged) => Screen::Charged,
            Step::Charged(Outcome::NotCharged(_)) => Screen::NotCharged,
            Step::Charged(Outcome::Pending) => Screen::CheckLater,
            _ => self.screen,
        };
    }
}
