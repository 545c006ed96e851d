//! How the journaled kiosk flow (`enroll`, `settle`) reports what stopped it, against a
//! scripted connection and dojo-core's in-memory journal: a refused journal note, a
//! refused request (its ProblemDetails read from the buffer), a full journal, a failed
//! poll that polling survives, a lifecycle refusal before anything is sent; and, at the
//! boot after a lost create answer, the orphan search following the server's page cursor
//! as the server wrote it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::mock::{Reply, Script};
use dojo_core::journal::{Action, JournalError, JournalWriter, MemJournal, Recovery};
use dojo_core::request::Api;
use dojo_core::*;
use dojo_embedded_svc::kiosk::{Arrival, Enrolled, Enrollment, FlowError, Kiosk, NoShowFee, PollPolicy, Settled, Step};
use dojo_embedded_svc::{Client, Error, NoDelay, RetryPolicy};

const BASE: &str = "https://api.example.test";
const SI_CREATED: &str = r#"{"id":"si_sandbox_1","status":"Created","intendedAmount":{"value":1000,"currencyCode":"GBP"},"expireAt":"2026-03-09T09:12:10Z"}"#;
const SI_AUTHORIZED: &str =
    r#"{"id":"si_sandbox_1","status":"Authorized","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;
const PROBLEM_409: &str = r#"{"title":"Conflict","status":409,"traceId":"00-abc-01"}"#;
const NOW: Timestamp = Timestamp::from_unix(1_772_400_000);

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

const POLL: PollPolicy = PollPolicy { interval_ms: 1, max_polls: 5 };

#[derive(Default)]
struct Screen {
    steps: Vec<Step>,
}

impl Kiosk for Screen {
    fn show_checkout(&mut self, _link: &str) {}
    fn now(&mut self) -> Timestamp {
        NOW
    }
    fn wait_ms(&mut self, _ms: u32) {}
    fn progress(&mut self, step: Step) {
        self.steps.push(step);
    }
}

fn journal<const N: usize>() -> JournalWriter<MemJournal<N>> {
    let mut recovery = Recovery::<2>::new();
    JournalWriter::open_into(MemJournal::<N>::new(), &mut recovery).unwrap()
}

fn enrolled() -> Enrolled {
    Enrolled {
        booking: journal::BookingId(1),
        setup_intent: SetupIntentId::new("si_sandbox_1").unwrap(),
        amount: Money::gbp(1000),
    }
}

#[test]
fn a_reference_the_journal_refuses_is_invalid_and_nothing_is_sent() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap();
    let mut journal = journal::<8>();
    let fee = NoShowFee { reference: "", ..FEE };
    let mut buf = [0u8; 4096];
    let err = client.enroll(&mut journal, &fee, POLL, &mut Screen::default(), &mut buf).unwrap_err();
    assert!(matches!(err, FlowError::Api(Error::Invalid(_))), "{err:?}");
    assert!(script.seen().is_empty());
}

#[test]
fn a_failed_poll_is_reported_and_polling_goes_on() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([Reply::json(200, SI_CREATED), Reply::ResponseFails, Reply::json(200, SI_AUTHORIZED)]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap();
    let mut journal = journal::<8>();
    let mut screen = Screen::default();
    let mut buf = [0u8; 4096];
    let enrollment = client.enroll(&mut journal, &FEE, POLL, &mut screen, &mut buf).unwrap();
    assert!(matches!(enrollment, Enrollment::Authorized(e) if e.setup_intent.as_str() == "si_sandbox_1"));
    assert!(screen.steps.iter().any(|s| matches!(s, Step::PollFailed { poll: 1 })), "{:?}", screen.steps);
    assert!(screen.steps.iter().any(|s| matches!(s, Step::Polled { poll: 2, .. })), "{:?}", screen.steps);
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_refused_create_is_an_api_error_with_its_problem_details() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([Reply::json(200, SI_AUTHORIZED), Reply::json(409, PROBLEM_409)]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap().with_retries(
        RetryPolicy::DEFAULT,
        7,
        NoDelay,
    );
    let mut journal = journal::<8>();
    let mut buf = [0u8; 4096];
    let err = client
        .settle(&mut journal, &enrolled(), Arrival::NoShow, FEE.charge_reference, &mut Screen::default(), &mut buf)
        .unwrap_err();
    match err {
        FlowError::Api(Error::Api(a)) => {
            assert_eq!(a.status, 409);
            assert_eq!(a.problem().unwrap().trace_id.unwrap(), "00-abc-01");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_setup_intent_that_cannot_back_a_charge_is_refused_before_anything_is_journaled() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([Reply::json(200, SI_CREATED)]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap();
    let mut journal = journal::<8>();
    let mut buf = [0u8; 4096];
    let err = client
        .settle(&mut journal, &enrolled(), Arrival::NoShow, FEE.charge_reference, &mut Screen::default(), &mut buf)
        .unwrap_err();
    assert!(matches!(err, FlowError::Api(Error::Lifecycle(_))), "{err:?}");
    assert_eq!(script.seen().len(), 1, "only the read-back");
}

#[test]
fn a_full_journal_stops_the_step_it_was_for() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([Reply::json(200, SI_CREATED)]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap();
    // Room for the first note only: the setup intent is created, its note refused.
    let mut journal = journal::<1>();
    let mut buf = [0u8; 4096];
    let err = client.enroll(&mut journal, &FEE, POLL, &mut Screen::default(), &mut buf).unwrap_err();
    assert!(matches!(err, FlowError::Journal(JournalError::Full)), "{err:?}");
    assert_eq!(script.remaining(), 0);
}

#[test]
fn released_bookings_are_closed() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([Reply::json(200, SI_AUTHORIZED)]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap();
    let mut journal = journal::<8>();
    let mut buf = [0u8; 4096];
    let settled = client
        .settle(&mut journal, &enrolled(), Arrival::Arrived, FEE.charge_reference, &mut Screen::default(), &mut buf)
        .unwrap();
    assert_eq!(settled, Settled::Closed(journal::CloseReason::Completed));
}

/// A cursor holding JSON escapes (`\"`, `\\`, `\u0041`) goes back in the next search
/// escaped once, as the server wrote it (it was kept raw and escaped a second time).
#[test]
fn the_orphan_search_sends_the_cursor_back_escaped_once() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let script = Script::new([
        // Enroll (create, one poll); settle: the setup intent read back, the payment
        // intent's create sent and its answer lost: an orphan payment intent.
        Reply::json(200, SI_CREATED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::ResponseFails,
        // After the reboot: the search's two pages, then the create again (refused).
        Reply::json(200, r#"{"data":[],"after":"pi_a\"b\\c\u0041"}"#),
        Reply::json(200, r#"{"data":[]}"#),
        Reply::json(409, PROBLEM_409),
    ]);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap().with_retries(
        RetryPolicy::DEFAULT,
        7,
        NoDelay,
    );
    let mut journal = journal::<16>();
    let mut screen = Screen::default();
    let mut buf = [0u8; 4096];
    let Enrollment::Authorized(enrolled) = client.enroll(&mut journal, &FEE, POLL, &mut screen, &mut buf).unwrap()
    else {
        panic!("not authorized")
    };
    assert!(
        client.settle(&mut journal, &enrolled, Arrival::NoShow, FEE.charge_reference, &mut screen, &mut buf).is_err()
    );
    assert_eq!(script.remaining(), 3);

    let mut recovery = Recovery::<2>::new();
    let mut journal = JournalWriter::open_into(journal.into_inner(), &mut recovery).unwrap();
    let open = recovery.open()[0];
    assert!(matches!(open.action(), Some(Action::FindOrphanPaymentIntent { .. })), "{:?}", open.action());
    let searched_from = script.seen().len();
    let _ = client.recover_booking(&mut journal, &open, &mut screen, &mut buf);
    let seen = script.seen();
    let second = std::str::from_utf8(&seen[searched_from + 1].body).unwrap();
    assert!(second.contains(r#""after":"pi_a\"b\\cA""#), "{second}");
}
