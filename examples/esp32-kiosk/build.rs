fn main() {
    // ESP-IDF's build settings for the linker (ldproxy) and for cfgs.
    embuild::espidf::sysenv::output();
}
