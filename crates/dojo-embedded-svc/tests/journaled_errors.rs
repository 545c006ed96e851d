//! How the journaled kiosk flow (`enroll`, `settle`) reports what stopped it, against a
//! scripted connection and dojo-core's in-memory journal: a refused journal note, a
//! refused request (its ProblemDetails read from the buffer), a full journal, a failed
//! poll that polling survives, a lifecycle refusal before anything is sent; and, at the
//! boot after a lost create answer, the orphan search following the server's page cursor
//! as the server wrote it and finding a reference the server wrote with ASP.NET's escapes.

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

/// Enrolls `fee`'s booking, settles it as a no-show with the payment intent's create
/// answer lost (an orphan payment intent), "reboots" over the same journal and recovers
/// the booking (an orphan search) against `after_reboot`'s replies: the script, and the
/// index of the first request after the reboot.
fn orphan_after_reboot(fee: &NoShowFee<'_>, after_reboot: Vec<Reply>) -> (Script, usize) {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let mut replies = vec![
        // Enroll (create, one poll); settle: the setup intent read back, the payment
        // intent's create sent and its answer lost.
        Reply::json(200, SI_CREATED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::json(200, SI_AUTHORIZED),
        Reply::ResponseFails,
    ];
    replies.extend(after_reboot);
    let script = Script::new(replies);
    let mut client = Client::new(script.connector(), Api::new(&key)).with_base_url(BASE).unwrap().with_retries(
        RetryPolicy::DEFAULT,
        7,
        NoDelay,
    );
    let mut journal = journal::<16>();
    let mut screen = Screen::default();
    let mut buf = [0u8; 4096];
    let Enrollment::Authorized(enrolled) = client.enroll(&mut journal, fee, POLL, &mut screen, &mut buf).unwrap()
    else {
        panic!("not authorized")
    };
    let settled = client.settle(&mut journal, &enrolled, Arrival::NoShow, fee.charge_reference, &mut screen, &mut buf);
    assert!(settled.is_err());
    let create = std::str::from_utf8(&script.seen()[3].body).unwrap().to_owned();
    assert!(create.contains(&format!(r#""reference":"{}""#, fee.charge_reference)), "{create}");

    let mut recovery = Recovery::<2>::new();
    let mut journal = JournalWriter::open_into(journal.into_inner(), &mut recovery).unwrap();
    let open = recovery.open()[0];
    assert!(matches!(open.action(), Some(Action::FindOrphanPaymentIntent { .. })), "{:?}", open.action());
    let searched_from = script.seen().len();
    let _ = client.recover_booking(&mut journal, &open, &mut screen, &mut buf);
    assert_eq!(script.remaining(), 0);
    (script, searched_from)
}

/// A cursor holding JSON escapes (`\"`, `\\`, `\u0041`) goes back in the next search
/// escaped once, as the server wrote it (it was kept raw and escaped a second time).
#[test]
fn the_orphan_search_sends_the_cursor_back_escaped_once() {
    let (script, searched_from) = orphan_after_reboot(
        &FEE,
        vec![
            // The search's two pages, then the create again (refused).
            Reply::json(200, r#"{"data":[],"after":"pi_a\"b\\c\u0041"}"#),
            Reply::json(200, r#"{"data":[]}"#),
            Reply::json(200, SI_AUTHORIZED),
            Reply::json(409, PROBLEM_409),
        ],
    );
    let seen = script.seen();
    let second = std::str::from_utf8(&seen[searched_from + 1].body).unwrap();
    assert!(second.contains(r#""after":"pi_a\"b\\cA""#), "{second}");
}

/// The orphan search after a reboot finds the payment intent a lost create answer left
/// when the server writes its reference as the real API (ASP.NET) does, `& ' < > +` and
/// every non-ASCII character as `\uXXXX`; the booking then goes on with that payment
/// intent (reading it back before its charge) instead of creating a second one. A page
/// whose only item has another reference (one character differs) finds nothing, and the
/// booking creates its payment intent again.
#[test]
fn the_orphan_search_finds_a_reference_the_server_wrote_escaped() {
    // The reference as the kiosk sends it (dojo-core escapes only what JSON requires),
    // and as ASP.NET writes it back.
    let fee = NoShowFee { charge_reference: "No-show T12 & Caf\u{e9} <b>+'", ..FEE };
    let escaped = r"No-show T12 \u0026 Caf\u00E9 \u003Cb\u003E\u002B\u0027";
    let other = r"No-show T12 \u0026 Caf\u00E9 \u003Cb\u003E\u002B\u0022";
    let page = |reference: &str| {
        format!(
            r#"{{"data":[{{"id":"pi_sandbox_9","status":"Created","amount":{{"value":1000,"currencyCode":"GBP"}},"setupIntentId":"si_sandbox_1","reference":"{reference}"}}]}}"#
        )
    };

    // Found: the payment intent is read back (refused here, so the flow stops there).
    let (script, searched_from) =
        orphan_after_reboot(&fee, vec![Reply::json(200, &page(escaped)), Reply::json(409, PROBLEM_409)]);
    let seen = script.seen();
    let uris: Vec<&str> = seen[searched_from + 1..].iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(uris.len(), 1, "{uris:?}");
    assert!(uris[0].contains("/payment-intents/pi_sandbox_9"), "{uris:?}");

    // Not found: the setup intent is read back and the payment intent created again.
    let (script, searched_from) = orphan_after_reboot(
        &fee,
        vec![Reply::json(200, &page(other)), Reply::json(200, SI_AUTHORIZED), Reply::json(409, PROBLEM_409)],
    );
    let seen = script.seen();
    let uris: Vec<&str> = seen[searched_from + 1..].iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert!(uris[0].ends_with("/setup-intents/si_sandbox_1"), "{uris:?}");
    assert!(uris[1].ends_with("/payment-intents"), "{uris:?}");
}
