//! Picks the linker script for the target being built (`riscv32.ld`, `thumbv7em.ld`,
//! beside this file). Other targets (the host, when clippy or an IDE looks at the crate)
//! get none: the binary is only meaningful on the two QEMU machines.

use std::env;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let target = env::var("TARGET").unwrap_or_default();
    let script = if target.starts_with("riscv32") {
        Some("riscv32.ld")
    } else if target.starts_with("thumbv7em") {
        Some("thumbv7em.ld")
    } else {
        None
    };
    if let Some(script) = script {
        println!("cargo:rustc-link-search={dir}");
        println!("cargo:rustc-link-arg-bins=-T{script}");
    }
    println!("cargo:rerun-if-changed=riscv32.ld");
    println!("cargo:rerun-if-changed=thumbv7em.ld");
    println!("cargo:rerun-if-changed=../kiosk-footprint/src/flow.rs");
}
