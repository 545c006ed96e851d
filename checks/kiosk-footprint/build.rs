fn main() {
    // No libc: our own `_start`, no start files, a static executable, nothing linked by
    // default. The mem* functions core needs are in the binary itself.
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-no-pie"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
