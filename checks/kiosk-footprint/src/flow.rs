//! The kiosk flow the footprint checks run, shared by every machine they run on:
//! `checks/kiosk-footprint` (x86_64 Linux, raw syscalls) includes it as `mod flow`, and
//! `checks/kiosk-targets` (bare-metal riscv32imc and thumbv7em under QEMU) includes this
//! same file with `#[path]`.
//!
//! The whole no-show flow across a reboot, through dojo-embedded-svc, with its journal
//! (`dojo_embedded_svc::flash_journal::FlashJournal`) on a RAM-backed NOR flash (a static
//! byte array with NOR's rules: programming clears bits, erasing sets whole 4 KiB
//! sectors): `Client::enroll` (journal, create the setup intent, show its checkout link,
//! poll until authorized), then a "reboot" (the client and the journal dropped; a new
//! client, the journal reopened over the same flash and recovered: one open booking,
//! enrolled), `Client::recover_booking`, then `Client::settle` as a no-show (journal,
//! create the payment intent, journal, charge it once through the charge protocol,
//! journal the verdict) and compaction. All over a stub `Connection` that answers with
//! dojo-core's recorded fixtures. It runs the flow twice: cleanly, then with the charge's
//! answer dropped after commit (so the read-back and reconciliation run too). The flows
//! run on a 16 KiB static stack painted with a pattern first; the bytes they left
//! untouched give the peak stack. The one work buffer is a static too.
//!
//! The including crate provides a `sys` module with
//! `fn print(&[u8])` (text out) and
//! `unsafe fn call_on_stack(top: *mut u8, f: extern "C" fn())` (run `f` with the stack
//! pointer at `top`, aligned to 16, then return to the caller's stack).

use core::cell::Cell;

use dojo_embedded_svc::dojo_core::charge::Outcome;
use dojo_embedded_svc::dojo_core::journal::{JournalWriter, OpenBooking, Recovery};
use dojo_embedded_svc::dojo_core::request::Api;
use dojo_embedded_svc::dojo_core::{ApiKey, Money, Timestamp};
use dojo_embedded_svc::embedded_svc::http::client::Connection;
use dojo_embedded_svc::embedded_svc::http::{Headers, Method, Status};
use dojo_embedded_svc::embedded_svc::io::{ErrorKind, ErrorType, Read, Write};
use dojo_embedded_svc::flash_journal::FlashJournal;
use dojo_embedded_svc::kiosk::{Arrival, Enrolled, Enrollment, Kiosk, NoShowFee, PollPolicy, Settled};
use dojo_embedded_svc::{Client, Connect, RetryPolicy};
use embedded_storage::nor_flash::{
    ErrorType as FlashErrorType, MultiwriteNorFlash, NorFlash, NorFlashErrorKind, ReadNorFlash,
};

use crate::sys::print;

// ---------------------------------------------------------------------------------
// Output.

/// Writes `n` in decimal at the end of `out`; returns where its digits start.
pub(crate) fn digits(mut n: usize, out: &mut [u8; 20]) -> usize {
    let mut at = out.len();
    loop {
        at -= 1;
        if let Some(d) = out.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            return at;
        }
    }
}

pub(crate) fn print_num(n: usize) {
    let mut out = [0u8; 20];
    let at = digits(n, &mut out);
    print(out.get(at..).unwrap_or(&[]));
}

pub(crate) fn print_kv(key: &str, value: usize) {
    print(key.as_bytes());
    print(b"=");
    print_num(value);
    print(b"\n");
}

// ---------------------------------------------------------------------------------
// The painted stack and the buffer.

const STACK_SIZE: usize = 16 * 1024;
/// The lowest bytes of the stack: if the flow touched them, it may have gone past.
const GUARD: usize = 512;
const PAINT: u8 = 0xA5;
/// The flow's one work buffer: request body + URL, then each answer.
const BUF_SIZE: usize = 4096;

#[repr(C, align(16))]
struct Aligned<const N: usize>([u8; N]);

static mut STACK: Aligned<STACK_SIZE> = Aligned([0; STACK_SIZE]);
static mut BUF: Aligned<BUF_SIZE> = Aligned([0; BUF_SIZE]);
static mut FLOWS_OK: usize = 0;

/// Paints the stack, runs both flows on it (through the machine's
/// `crate::sys::call_on_stack`), reads the paint back and prints the figures as
/// `key=value` lines. True when both flows ended as expected and the stack's guard zone
/// is untouched.
pub(crate) fn run() -> bool {
    let stack = &raw mut STACK;
    let base = stack.cast::<u8>();
    // SAFETY: STACK is ours alone; paint it, run the flows on it, then read it back.
    let untouched = unsafe {
        for i in 0..STACK_SIZE {
            base.add(i).write_volatile(PAINT);
        }
        crate::sys::call_on_stack(base.add(STACK_SIZE), run_flows);
        let mut n = 0;
        while n < STACK_SIZE && base.add(n).read_volatile() == PAINT {
            n += 1;
        }
        n
    };
    // SAFETY: written by run_flows, which has returned.
    let ok = unsafe { (&raw const FLOWS_OK).read() };
    print_kv("stack_bytes", STACK_SIZE);
    print_kv("stack_peak", STACK_SIZE - untouched);
    print_kv("buffer_bytes", BUF_SIZE);
    print_kv("flows_ok", ok);
    let fine = ok == 2 && untouched >= GUARD;
    if untouched < GUARD {
        print(b"error: the flow reached the stack's guard zone\n");
    }
    fine
}

// ---------------------------------------------------------------------------------
// The flow.

const SI_CREATED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/setup_intent_created.json");
const SI_AUTHORIZED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/setup_intent_authorized.json");
const SI_COMPLETED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/setup_intent_completed.json");
const PI_CREATED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/payment_intent_created.json");
const PI_CAPTURED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/payment_intent_captured.json");
const CHARGED: &[u8] = include_bytes!("../../../crates/dojo-core/tests/fixtures/charge_successful.json");

/// The stub server's state, shared by the connections it hands out.
struct World {
    polls: Cell<u32>,
    charged: Cell<bool>,
    drop_charge_answer: bool,
    largest_request: Cell<usize>,
    largest_answer: Cell<usize>,
    missing_length: Cell<bool>,
}

struct Stub<'w> {
    world: &'w World,
    phase: u8,
    answer: &'static [u8],
    fail_response: bool,
    read_at: usize,
    written: usize,
    announced: usize,
    length: [u8; 20],
    length_at: usize,
}

impl<'w> Stub<'w> {
    fn new(world: &'w World) -> Self {
        Stub {
            world,
            phase: 0,
            answer: b"",
            fail_response: false,
            read_at: 0,
            written: 0,
            announced: 0,
            length: [0; 20],
            length_at: 20,
        }
    }
}

fn parse_len(s: &str) -> Option<usize> {
    s.bytes().try_fold(0usize, |n, b| b.is_ascii_digit().then(|| n * 10 + usize::from(b - b'0')))
}

impl ErrorType for Stub<'_> {
    type Error = ErrorKind;
}

impl Status for Stub<'_> {
    fn status(&self) -> u16 {
        200
    }
    fn status_message(&self) -> Option<&str> {
        None
    }
}

impl Headers for Stub<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        if !name.eq_ignore_ascii_case("Content-Length") {
            return None;
        }
        self.length.get(self.length_at..).and_then(|d| core::str::from_utf8(d).ok())
    }
}

impl Write for Stub<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.written += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl Read for Stub<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let rest = self.answer.get(self.read_at..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.read_at += n;
        Ok(n)
    }
}

impl Connection for Stub<'_> {
    type Headers = Self;
    type Read = Self;
    type RawConnectionError = ErrorKind;
    type RawConnection = Self;

    fn initiate_request<'a>(
        &'a mut self,
        method: Method,
        uri: &'a str,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<(), ErrorKind> {
        let w = self.world;
        match headers.iter().find(|(n, _)| *n == "Content-Length").and_then(|(_, v)| parse_len(v)) {
            Some(n) => self.announced = n,
            None => w.missing_length.set(true),
        }
        w.largest_request.set(w.largest_request.get().max(self.announced + uri.len()));
        let rest = uri.strip_prefix("https://").unwrap_or(uri);
        let path = rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("");
        self.fail_response = false;
        self.answer = match method {
            Method::Post if path == "/setup-intents" => SI_CREATED,
            Method::Post if path == "/payment-intents" => PI_CREATED,
            Method::Post if path.ends_with("/charge") => {
                w.charged.set(true);
                self.fail_response = w.drop_charge_answer;
                CHARGED
            }
            Method::Get if path.starts_with("/setup-intents/") => {
                w.polls.set(w.polls.get() + 1);
                match (w.charged.get(), w.polls.get()) {
                    (true, _) => SI_COMPLETED,
                    (false, 1) => SI_CREATED,
                    _ => SI_AUTHORIZED,
                }
            }
            Method::Get if path.starts_with("/payment-intents/") => {
                if w.charged.get() {
                    PI_CAPTURED
                } else {
                    PI_CREATED
                }
            }
            _ => return Err(ErrorKind::NotFound),
        };
        w.largest_answer.set(w.largest_answer.get().max(self.answer.len()));
        self.length_at = digits(self.answer.len(), &mut self.length);
        self.read_at = 0;
        self.written = 0;
        self.phase = 1;
        Ok(())
    }

    fn is_request_initiated(&self) -> bool {
        self.phase == 1
    }

    fn initiate_response(&mut self) -> Result<(), ErrorKind> {
        if self.written != self.announced {
            return Err(ErrorKind::InvalidData);
        }
        if self.fail_response {
            return Err(ErrorKind::ConnectionReset);
        }
        self.phase = 2;
        Ok(())
    }

    fn is_response_initiated(&self) -> bool {
        self.phase == 2
    }

    fn split(&mut self) -> (&Self::Headers, &mut Self::Read) {
        unreachable!()
    }

    fn raw_connection(&mut self) -> Result<&mut Self::RawConnection, ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
}

struct Screen;

impl Kiosk for Screen {
    fn show_checkout(&mut self, link: &str) {
        print(b"checkout=");
        print(link.as_bytes());
        print(b"\n");
    }
    fn now(&mut self) -> Timestamp {
        Timestamp::from_unix(1_772_442_900) // 2026-03-02T09:15:00Z
    }
    fn wait_ms(&mut self, _ms: u32) {}
}

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

// ---------------------------------------------------------------------------------
// The journal's flash: RAM with NOR's rules.

const SECTOR: usize = 4096;
const SECTORS: usize = 3;
const FLASH_SIZE: usize = SECTOR * SECTORS;

static mut FLASH: Aligned<FLASH_SIZE> = Aligned([0xFF; FLASH_SIZE]);

/// The static `FLASH` as a NOR flash: a write ANDs into the bytes (bits only go 1 → 0),
/// an erase sets whole sectors to `0xFF`. Survives the "reboot" (it is a static).
struct RamFlash;

fn flash_bytes() -> &'static mut [u8; FLASH_SIZE] {
    let flash = &raw mut FLASH;
    // SAFETY: FLASH is used by one RamFlash at a time, on this single thread.
    unsafe { &mut (*flash).0 }
}

impl FlashErrorType for RamFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for RamFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), NorFlashErrorKind> {
        let at = offset as usize;
        let src = flash_bytes().get(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        FLASH_SIZE
    }
}

impl NorFlash for RamFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), NorFlashErrorKind> {
        if !from.is_multiple_of(SECTOR as u32) || !to.is_multiple_of(SECTOR as u32) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        flash_bytes().get_mut(from as usize..to as usize).ok_or(NorFlashErrorKind::OutOfBounds)?.fill(0xFF);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), NorFlashErrorKind> {
        if !offset.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        let at = offset as usize;
        let dst = flash_bytes().get_mut(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
        for (d, b) in dst.iter_mut().zip(bytes) {
            *d &= b;
        }
        Ok(())
    }
}

impl MultiwriteNorFlash for RamFlash {}

type Writer = JournalWriter<FlashJournal<RamFlash>>;

/// At most this many bookings open at once in the journal.
const OPEN: usize = 2;

/// The open booking a boot found (kept in a static, as firmware may: an `OpenBooking`
/// is ~400 bytes, and it lives while `recover_booking` exchanges).
static mut FOUND: Option<OpenBooking> = None;

/// Opens the journal (a boot) and recovers it: the writer, and the one open booking.
/// Its own frame, so the recovery (two bookings' room) is off the stack before any
/// exchange.
#[inline(never)]
fn boot() -> Option<(Writer, Option<&'static OpenBooking>)> {
    let journal = FlashJournal::new(RamFlash, 0..FLASH_SIZE as u32).ok()?;
    // The recovery in place (one copy on the stack, in this frame), not returned by value.
    let mut recovery = Recovery::<OPEN>::new();
    let writer: Writer = JournalWriter::open_into(journal, &mut recovery).ok()?;
    let found = &raw mut FOUND;
    // SAFETY: single thread; the previous boot's reference is gone (its flow returned).
    let found = unsafe { &mut *found };
    let open = match recovery.open() {
        [] => None,
        [open] => Some(&*found.insert(*open)),
        _ => return None,
    };
    Some((writer, open))
}

fn client(world: &World) -> Option<Client<'_, impl Connect<Connection = Stub<'_>>, impl dojo_embedded_svc::Delay>> {
    // The key is static: a client outlives no boot.
    static KEY: &str = "sk_sandbox_c0ffee";
    let key: &'static ApiKey = {
        static mut STORE: Option<ApiKey> = None;
        let store = &raw mut STORE;
        // SAFETY: single thread; written once, before any client borrows it.
        unsafe { (*store).get_or_insert(ApiKey::new(KEY).ok()?) }
    };
    Some(Client::new(move || Ok::<_, ErrorKind>(Stub::new(world)), Api::new(key)).with_retries(
        RetryPolicy::DEFAULT,
        0x5eed,
        |_ms: u32| {},
    ))
}

fn flow(drop_charge_answer: bool) -> bool {
    let world = World {
        polls: Cell::new(0),
        charged: Cell::new(false),
        drop_charge_answer,
        largest_request: Cell::new(0),
        largest_answer: Cell::new(0),
        missing_length: Cell::new(false),
    };
    // SAFETY: BUF is used by one flow at a time, on this single thread.
    let buf_ptr = &raw mut BUF;
    // SAFETY: as above.
    let buf = unsafe { &mut (*buf_ptr).0 };
    let poll = PollPolicy { interval_ms: 2000, max_polls: 10 };

    let ok = enroll_then_settle(&world, buf, poll);
    print_kv("largest_request", world.largest_request.get());
    print_kv("largest_answer", world.largest_answer.get());
    ok && !world.missing_length.get()
}

/// Enrolls, "reboots", recovers and settles. Each phase in its own frame, as firmware
/// would run them (at booking time; at boot; when the guest is late).
fn enroll_then_settle(world: &World, buf: &mut [u8], poll: PollPolicy) -> bool {
    let Some(enrolled) = enroll(world, buf, poll) else { return false };
    print(b"reboot\n");
    settle(world, buf, &enrolled)
}

/// Enrolls: nothing open in the journal yet.
#[inline(never)]
fn enroll(world: &World, buf: &mut [u8], poll: PollPolicy) -> Option<Enrolled> {
    let Some((mut writer, None)) = boot() else { return None };
    let mut client = client(world)?;
    match client.enroll(&mut writer, &FEE, poll, &mut Screen, buf) {
        Ok(Enrollment::Authorized(e)) => Some(e),
        _ => None,
    }
}

/// After the reboot: everything but the flash is gone. The journal gives the booking
/// back, recovering it reads its setup intent back (authorized: enrolled), and settling
/// charges it as a no-show. Then compaction leaves the journal small for the next flow.
#[inline(never)]
fn settle(world: &World, buf: &mut [u8], enrolled: &Enrolled) -> bool {
    let Some((mut writer, Some(open))) = boot() else { return false };
    let Some(mut client) = client(world) else { return false };
    let found = match client.recover_booking(&mut writer, open, &mut Screen, buf) {
        Ok(Settled::Enrolled(found)) if found == *enrolled => found,
        _ => return false,
    };
    let ok = match client.settle(&mut writer, &found, Arrival::NoShow, FEE.charge_reference, &mut Screen, buf) {
        Ok(Settled::Charge(report)) => {
            let reconciled = report.outcome_was_unknown && report.read_backs > 0;
            report.outcome == Outcome::Charged && reconciled == world.drop_charge_answer
        }
        _ => false,
    };
    ok && compact(&mut writer)
}

/// Compacts the journal, in its own frame, the recovery it folds (~900 bytes) kept
/// in place there (`compact_into`, not returned by value): true
/// when nothing is left open.
#[inline(never)]
fn compact(writer: &mut Writer) -> bool {
    let mut recovery = Recovery::<OPEN>::new();
    writer.compact_into(&mut recovery).is_ok() && recovery.open().is_empty()
}

extern "C" fn run_flows() {
    let ok = usize::from(flow(false)) + usize::from(flow(true));
    // SAFETY: single thread; read after this returns.
    unsafe { (&raw mut FLOWS_OK).write(ok) };
}
