//! The kiosk footprint: the whole no-show flow (create the setup intent, show its
//! checkout link, poll until authorized, create the payment intent, charge it once,
//! confirm Completed) through `dojo_embedded_svc::Client::run_no_show`, over a stub
//! `Connection` that answers with dojo-core's recorded fixtures. It runs the flow twice:
//! cleanly, then with the charge's answer dropped after commit (so the read-back and
//! reconciliation run too).
//!
//! No std, no alloc, no libc: `_start` is ours, output and exit are raw Linux syscalls,
//! and the mem* functions core needs are defined below. The flow runs on a 16 KiB static
//! stack painted with a pattern first; the bytes it left untouched give its peak stack.
//! The one work buffer is a static too (its size is printed apart).
//!
//! Prints `key=value` lines for `scripts/footprint.sh`; exits 0 when both flows ended
//! as expected and the stack's bottom guard is untouched.

#![no_std]
#![no_main]

use core::cell::Cell;
use core::panic::PanicInfo;

use dojo_embedded_svc::dojo_core::request::Api;
use dojo_embedded_svc::dojo_core::{ApiKey, Money, Timestamp};
use dojo_embedded_svc::embedded_svc::http::client::Connection;
use dojo_embedded_svc::embedded_svc::http::{Headers, Method, Status};
use dojo_embedded_svc::embedded_svc::io::{ErrorKind, ErrorType, Read, Write};
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy};
use dojo_embedded_svc::{Client, RetryPolicy};

// ---------------------------------------------------------------------------------
// The machine: syscalls, start-up, mem* functions, panic.

mod sys {
    /// write(2) to fd 1.
    pub(crate) fn print(s: &[u8]) {
        // SAFETY: write(2) reads `s.len()` bytes from a valid slice.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") 1usize => _,
                in("rdi") 1usize,
                in("rsi") s.as_ptr(),
                in("rdx") s.len(),
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
    }

    /// exit_group(2).
    pub(crate) fn exit(code: i32) -> ! {
        // SAFETY: exit_group ends the process.
        unsafe {
            core::arch::asm!("syscall", in("rax") 231usize, in("rdi") code as isize, options(noreturn, nostack));
        }
    }

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
}

/// The process entry: the kernel jumps here with the stack holding argc/argv. Clears
/// the frame pointer and calls `entry` with a 16-byte-aligned stack.
///
/// # Safety
/// Only the kernel calls it, once, as the process starts.
#[unsafe(naked)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!("xor ebp, ebp", "and rsp, -16", "call {entry}", "ud2", entry = sym entry)
}

// The mem* functions core's code calls. Written with `rep` string instructions or
// volatile loops so the compiler cannot turn them back into calls to themselves.

/// memcpy.
///
/// # Safety
/// The C contract: `n` valid bytes at each pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees `n` valid, non-overlapping bytes at both.
    unsafe {
        core::arch::asm!("rep movsb", inout("rcx") n => _, inout("rdi") dst => _, inout("rsi") src => _, options(nostack, preserves_flags));
    }
    dst
}

/// memmove.
///
/// # Safety
/// The C contract: `n` valid bytes at each pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize).wrapping_add(n) {
        // SAFETY: copying forward is safe when dst is below src or past its end.
        return unsafe { memcpy(dst, src, n) };
    }
    // SAFETY: overlapping with dst above src: copy backwards, then restore the direction flag.
    unsafe {
        core::arch::asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dst.wrapping_add(n).wrapping_sub(1) => _,
            inout("rsi") src.wrapping_add(n).wrapping_sub(1) => _,
            options(nostack),
        );
    }
    dst
}

/// memset.
///
/// # Safety
/// The C contract: `n` valid bytes at each pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees `n` writable bytes at dst.
    unsafe {
        core::arch::asm!("rep stosb", inout("rcx") n => _, inout("rdi") dst => _, in("al") c as u8, options(nostack, preserves_flags));
    }
    dst
}

/// memcmp.
///
/// # Safety
/// The C contract: `n` valid bytes at each pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller guarantees `n` readable bytes at both.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// bcmp.
///
/// # Safety
/// The C contract: `n` valid bytes at each pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    sys::print(b"panic\n");
    sys::exit(101)
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

/// Runs `f` with the stack pointer at `top` (16-byte aligned), then returns to the
/// caller's stack.
///
/// # Safety
/// `top` is the end of a writable region large enough for `f`.
unsafe fn call_on_stack(top: *mut u8, f: extern "C" fn()) {
    // SAFETY: r12 is callee-saved, so `f` returns it intact; the old rsp is restored.
    unsafe {
        core::arch::asm!(
            "mov r12, rsp",
            "mov rsp, {top}",
            "call {f}",
            "mov rsp, r12",
            top = in(reg) top,
            f = in(reg) f,
            out("r12") _,
            clobber_abi("C"),
        );
    }
}

extern "C" fn entry() -> ! {
    let stack = &raw mut STACK;
    let base = stack.cast::<u8>();
    // SAFETY: STACK is ours alone; paint it, run the flows on it, then read it back.
    let untouched = unsafe {
        for i in 0..STACK_SIZE {
            base.add(i).write_volatile(PAINT);
        }
        call_on_stack(base.add(STACK_SIZE), run_flows);
        let mut n = 0;
        while n < STACK_SIZE && base.add(n).read_volatile() == PAINT {
            n += 1;
        }
        n
    };
    // SAFETY: written by run_flows, which has returned.
    let ok = unsafe { (&raw const FLOWS_OK).read() };
    sys::print_kv("stack_bytes", STACK_SIZE);
    sys::print_kv("stack_peak", STACK_SIZE - untouched);
    sys::print_kv("buffer_bytes", BUF_SIZE);
    sys::print_kv("flows_ok", ok);
    let fine = ok == 2 && untouched >= GUARD;
    if untouched < GUARD {
        sys::print(b"error: the flow reached the stack's guard zone\n");
    }
    sys::exit(if fine { 0 } else { 1 })
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
        self.length_at = sys::digits(self.answer.len(), &mut self.length);
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
        sys::print(b"checkout=");
        sys::print(link.as_bytes());
        sys::print(b"\n");
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

fn flow(drop_charge_answer: bool) -> bool {
    let world = World {
        polls: Cell::new(0),
        charged: Cell::new(false),
        drop_charge_answer,
        largest_request: Cell::new(0),
        largest_answer: Cell::new(0),
        missing_length: Cell::new(false),
    };
    let Ok(key) = ApiKey::new("sk_sandbox_c0ffee") else { return false };
    let mut client = Client::new(|| Ok::<_, ErrorKind>(Stub::new(&world)), Api::new(&key)).with_retries(
        RetryPolicy::DEFAULT,
        0x5eed,
        |_ms: u32| {},
    );
    // SAFETY: BUF is used by one flow at a time, on this single thread.
    let buf_ptr = &raw mut BUF;
    // SAFETY: as above.
    let buf = unsafe { &mut (*buf_ptr).0 };
    let mut report = NoShowReport::default();
    let poll = PollPolicy { interval_ms: 2000, max_polls: 10 };
    let ok = match client.run_no_show(&FEE, poll, &mut Screen, &mut report, buf) {
        Ok(end) => {
            let reconciled = report.charge.is_some_and(|c| c.outcome_was_unknown && c.read_backs > 0);
            end == FlowEnd::Charged && reconciled == drop_charge_answer
        }
        Err(_) => false,
    };
    sys::print_kv("largest_request", world.largest_request.get());
    sys::print_kv("largest_answer", world.largest_answer.get());
    ok && !world.missing_length.get()
}

extern "C" fn run_flows() {
    let ok = usize::from(flow(false)) + usize::from(flow(true));
    // SAFETY: single thread; read after this returns.
    unsafe { (&raw mut FLOWS_OK).write(ok) };
}
