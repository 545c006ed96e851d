//! The kiosk footprint on x86_64 Linux: the kiosk flow of `flow.rs` (the no-show flow
//! across a reboot: `Client::enroll`, the journal reopened over a RAM-backed NOR flash,
//! `recover_booking`, `settle`; over a stub `Connection`, twice, on a painted stack; shared with `checks/kiosk-targets`, which runs it bare-metal under
//! QEMU) on this machine.
//!
//! No std, no alloc, no libc: `_start` is ours, output and exit are raw Linux syscalls,
//! and the mem* functions core needs are defined below.
//!
//! Prints `key=value` lines for `scripts/footprint.sh`; exits 0 when both flows ended
//! as expected and the stack's bottom guard is untouched.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

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

    /// Runs `f` with the stack pointer at `top` (16-byte aligned), then returns to the
    /// caller's stack.
    ///
    /// # Safety
    /// `top` is the end of a writable region large enough for `f`.
    pub(crate) unsafe fn call_on_stack(top: *mut u8, f: extern "C" fn()) {
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

mod flow;

extern "C" fn entry() -> ! {
    sys::exit(if flow::run() { 0 } else { 1 })
}
