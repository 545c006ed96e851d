//! The no_std link check: runs the seed's whole flow through dojo-core's public API
//! (build every request, decode every response kind, drive the lifecycle, verify a
//! webhook) with no std, no alloc and our own panic handler. `main` is the C entry point
//! (libc's start-up calls it; nothing of Rust's std is linked). Exit code 0 means every
//! step worked; otherwise the failed step is written to stderr.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

unsafe extern "C" {
    fn exit(code: i32) -> !;
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    // SAFETY: libc's exit ends the process.
    unsafe { exit(101) }
}

/// The personality routine the unwinder would call while unwinding a Rust frame.
///
/// `core` comes precompiled with unwind tables that name `rust_eh_personality`. With
/// `panic = "abort"` (both profiles here) nothing ever unwinds, and a release build (LTO)
/// drops those tables; a dev build links them as they are, so without this definition
/// `cargo build` failed to link (`undefined symbol: rust_eh_personality`). It is never
/// called; if it were, aborting is the only correct answer.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {
    // SAFETY: libc's exit ends the process.
    unsafe { exit(134) }
}

/// The same flow the zero-allocation test runs.
mod flow {
    include!("../../../crates/dojo-core/tests/common/seed_flow.rs");
}

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    match flow::run() {
        Ok(()) => 0,
        Err(step) => {
            // SAFETY: writes `step.len()` bytes from a valid &str to stderr.
            unsafe {
                write(2, step.as_ptr(), step.len());
                write(2, b"\n".as_ptr(), 1);
            }
            1
        }
    }
}
