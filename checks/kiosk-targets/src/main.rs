//! The kiosk flow on bare metal, under QEMU: the flow of `checks/kiosk-footprint`
//! (`flow.rs`, included as-is: the no-show flow through dojo-embedded-svc across a
//! reboot, with its journal on a RAM-backed NOR flash, over a stub `Connection`, twice,
//! on a painted 16 KiB stack) with a machine of its own per
//! target:
//!
//! - `riscv32imc-unknown-none-elf` on `qemu-system-riscv32 -M virt -bios none`: text out
//!   through the 16550 UART at `0x1000_0000`, exit through the `sifive_test` device at
//!   `0x10_0000` (QEMU exits with the code written).
//! - `thumbv7em-none-eabihf` on `qemu-system-arm -M mps2-an386` (Cortex-M4F): text out
//!   and exit through Arm semihosting (`bkpt 0xAB`; QEMU exits 0 or 1).
//!
//! Each has its own entry (stack pointer, `.bss` zeroed, FPU on for the M4F) and linker
//! script (`riscv32.ld`, `thumbv7em.ld`, chosen by `build.rs`). No std, no alloc; the
//! mem* functions come from compiler-builtins (`-Zbuild-std-features=compiler-builtins-mem`).
//!
//! Prints the flow's `key=value` lines for `scripts/targets.sh`; exits 0 when both flows
//! ended as expected and the stack's guard zone is untouched.

#![no_std]
#![no_main]

#[cfg(not(any(target_arch = "riscv32", target_arch = "arm")))]
compile_error!(
    "dojo-kiosk-targets runs on riscv32imc-unknown-none-elf or thumbv7em-none-eabihf only (scripts/targets.sh)"
);

use core::panic::PanicInfo;

#[path = "../../kiosk-footprint/src/flow.rs"]
mod flow;

// ---------------------------------------------------------------------------------
// riscv32imc on QEMU virt.

#[cfg(target_arch = "riscv32")]
mod sys {
    /// The 16550 UART's transmit register (and, 5 bytes on, its line status).
    const UART: *mut u8 = 0x1000_0000 as *mut u8;
    /// QEMU's `sifive_test` device: 0x5555 ends with status 0, `code << 16 | 0x3333`
    /// with status `code`.
    const TEST: *mut u32 = 0x0010_0000 as *mut u32;

    pub(crate) fn print(s: &[u8]) {
        for &b in s {
            // SAFETY: the UART's registers on the virt machine; wait for room, then send.
            unsafe {
                while UART.add(5).read_volatile() & 0x20 == 0 {}
                UART.write_volatile(b);
            }
        }
    }

    pub(crate) fn exit(code: i32) -> ! {
        let word = if code == 0 { 0x5555 } else { ((code as u32 & 0xffff) << 16) | 0x3333 };
        // SAFETY: the test device's register on the virt machine; QEMU stops here.
        unsafe { TEST.write_volatile(word) };
        loop {}
    }

    /// Runs `f` with the stack pointer at `top` (16-byte aligned), then returns to the
    /// caller's stack.
    ///
    /// # Safety
    /// `top` is the end of a writable region large enough for `f`.
    pub(crate) unsafe fn call_on_stack(top: *mut u8, f: extern "C" fn()) {
        // SAFETY: s2 is callee-saved, so `f` returns it intact; the old sp is restored.
        unsafe {
            core::arch::asm!(
                "mv s2, sp",
                "mv sp, {top}",
                "jalr {f}",
                "mv sp, s2",
                top = in(reg) top,
                f = in(reg) f,
                out("s2") _,
                clobber_abi("C"),
            );
        }
    }

    // The entry: QEMU jumps to 0x8000_0000, where the linker script puts `.text.start`.
    core::arch::global_asm!(
        ".section .text.start, \"ax\"",
        ".global _start",
        "_start:",
        "la sp, _boot_stack_top",
        "la t0, _bss_start",
        "la t1, _bss_end",
        "1: bgeu t0, t1, 2f",
        "sw zero, 0(t0)",
        "addi t0, t0, 4",
        "j 1b",
        "2: la t0, 4f",
        "csrw mtvec, t0",
        "call {entry}",
        "3: j 3b",
        // Any trap (an illegal instruction, a bad access): exit at once with status 3
        // instead of spinning until the script's timeout.
        ".balign 4",
        "4: li t0, 0x100000",
        "li t1, 0x33333",
        "sw t1, 0(t0)",
        "j 4b",
        entry = sym super::entry,
    );
}

// ---------------------------------------------------------------------------------
// thumbv7em (Cortex-M4F) on QEMU mps2-an386.

#[cfg(target_arch = "arm")]
mod sys {
    /// One Arm semihosting call.
    fn semihost(op: usize, arg: usize) -> usize {
        let out;
        // SAFETY: the semihosting trap; QEMU (-semihosting) serves it.
        unsafe { core::arch::asm!("bkpt 0xAB", inout("r0") op => out, in("r1") arg, options(nostack)) };
        out
    }

    pub(crate) fn print(s: &[u8]) {
        for b in s {
            // SYS_WRITEC: r1 points at the character.
            semihost(0x03, core::ptr::from_ref(b) as usize);
        }
    }

    pub(crate) fn exit(code: i32) -> ! {
        // SYS_EXIT: ADP_Stopped_ApplicationExit (QEMU exits 0), else
        // ADP_Stopped_RunTimeErrorUnknown (QEMU exits 1).
        semihost(0x18, if code == 0 { 0x20026 } else { 0x20023 });
        loop {}
    }

    /// Runs `f` with the stack pointer at `top` (16-byte aligned), then returns to the
    /// caller's stack.
    ///
    /// # Safety
    /// `top` is the end of a writable region large enough for `f`.
    pub(crate) unsafe fn call_on_stack(top: *mut u8, f: extern "C" fn()) {
        // SAFETY: r5 is callee-saved, so `f` returns it intact; the old sp is restored.
        unsafe {
            core::arch::asm!(
                "mov r5, sp",
                "mov sp, {top}",
                "blx {f}",
                "mov sp, r5",
                top = in(reg) top,
                f = in(reg) f,
                out("r5") _,
                // The C ABI's caller-saved registers, as `f` may change them
                // (`clobber_abi("C")` would name d16-d31, which the M4F does not have).
                out("r0") _, out("r1") _, out("r2") _, out("r3") _, out("r12") _, out("lr") _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            );
        }
    }

    /// The vector table from its second word (the first is the initial stack pointer,
    /// `_boot_stack_top`, from the linker script): reset, NMI, HardFault.
    #[unsafe(link_section = ".vector_table.reset")]
    #[unsafe(no_mangle)]
    static VECTORS: [unsafe extern "C" fn() -> !; 3] = [reset, fault, fault];

    /// NMI and HardFault (every fault escalates to it here): exit at once, failed,
    /// instead of locking up until the script's timeout.
    unsafe extern "C" fn fault() -> ! {
        print(b"fault\n");
        exit(3)
    }

    /// Turns the FPU on (CPACR: full access to CP10 and CP11), zeroes `.bss`, then calls
    /// `entry`.
    ///
    /// # Safety
    /// Only the core calls it, out of reset.
    #[unsafe(naked)]
    #[unsafe(no_mangle)]
    unsafe extern "C" fn reset() -> ! {
        core::arch::naked_asm!(
            "movw r0, #0xED88",
            "movt r0, #0xE000",
            "ldr r1, [r0]",
            "orr r1, r1, #0xF00000",
            "str r1, [r0]",
            "dsb",
            "isb",
            "movw r0, #:lower16:_bss_start",
            "movt r0, #:upper16:_bss_start",
            "movw r1, #:lower16:_bss_end",
            "movt r1, #:upper16:_bss_end",
            "movs r2, #0",
            "1: cmp r0, r1",
            "bhs 2f",
            "str r2, [r0], #4",
            "b 1b",
            "2: bl {entry}",
            "3: b 3b",
            entry = sym super::entry,
        )
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    sys::print(b"panic\n");
    sys::exit(101)
}

extern "C" fn entry() -> ! {
    sys::exit(if flow::run() { 0 } else { 1 })
}
