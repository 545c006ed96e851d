//! The orphan search of a recovery follows the server's page cursor as the server wrote
//! it: a cursor holding JSON escapes (`\"`, `\\`) goes back in the next search escaped
//! once, not twice (it was kept raw, escapes included, and escaped again on the way out).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::mock::{Reply, Script};
use dojo_core::journal::{Action, JournalWriter, MemJournal, Recovery};
use dojo_core::request::Api;
use dojo_core::*;
use dojo_embedded_svc::kiosk::{Arrival, Kiosk, NoShowFee, PollPolicy, Step};
use dojo_embedded_svc::{Client, NoDelay, RetryPolicy};

const BASE: &str = "https://api.example.test";
const SI_CREATED: &str = r#"{"id":"si_sandbox_1","status":"Created","intendedAmount":{"value":1000,"currencyCode":"GBP"},"expireAt":"2026-03-09T09:12:10Z"}"#;
const SI_AUTHORIZED: &str =
    r#"{"id":"si_sandbox_1","status":"Authorized","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;
const NOW: Timestamp = Timestamp::from_unix(1_772_400_000);
const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

struct Screen;

impl Kiosk for Screen {
    fn show_checkout(&mut self, _link: &str) {}
    fn now(&mut self) -> Timestamp {
        NOW
    }
    fn wait_ms(&mut self, _ms: u32) {}
    fn progress(&mut self, _step: Step) {}
}

#[test]
fn a_cursor_with_escapes_goes_back_escaped_once() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    // Enroll (create, one poll), then settle: the setup intent read back, and the payment
    // intent's create sent but its answer lost: an orphan payment intent in the journal.
    let script = Script::new([
        Reply::json(200, SI_CREATED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::ResponseFails,
        // After the reboot: the search's two pages, then the create again (refused).
        Reply::json(200, r#"{"data":[],"after":"pi_a\"b\\c\u0041"}"#),
        Reply::json(200, r#"{"data":[]}"#),
        Reply::json(409, r#"{"title":"Conflict","status":409}"#),
    ]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap().with_retries(
        RetryPolicy::DEFAULT,
        7,
        NoDelay,
    );
    let mut recovery = Recovery::<2>::new();
    let mut journal = JournalWriter::open_into(MemJournal::<16>::new(), &mut recovery).unwrap();
    let mut buf = [0u8; 4096];
    let poll = PollPolicy { interval_ms: 1, max_polls: 5 };
    let enrolled = match client.enroll(&mut journal, &FEE, poll, &mut Screen, &mut buf).unwrap() {
        dojo_embedded_svc::kiosk::Enrollment::Authorized(e) => e,
        other => panic!("{other:?}"),
    };
    assert!(
        client.settle(&mut journal, &enrolled, Arrival::NoShow, FEE.charge_reference, &mut Screen, &mut buf).is_err()
    );
    assert_eq!(script.remaining(), 3);

    // The reboot: recovery finds the orphan and searches for it, two pages.
    let mut recovery = Recovery::<2>::new();
    let mut journal = JournalWriter::open_into(journal.into_inner(), &mut recovery).unwrap();
    let open = recovery.open()[0];
    assert!(matches!(open.action(), Some(Action::FindOrphanPaymentIntent { .. })), "{:?}", open.action());
    let seen_before = script.seen().len();
    let _ = client.recover_booking(&mut journal, &open, &mut Screen, &mut buf);
    let seen = script.seen();
    let second = std::str::from_utf8(&seen[seen_before + 1].body).unwrap();
    assert!(second.contains(r#""after":"pi_a\"b\\cA""#), "{second}");
}
