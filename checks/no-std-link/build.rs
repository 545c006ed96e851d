fn main() {
    // rustc links a no_std binary with -nodefaultlibs; libc provides `main`'s start-up,
    // `exit` and the mem* functions core expects. No Rust std is involved.
    println!("cargo:rustc-link-arg-bins=-lc");
}
