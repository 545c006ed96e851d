//! The cfgs esp-idf-sys sets from sdkconfig (`esp_idf_<option>`) that the example reads:
//! declared so the host build knows them (set one with RUSTFLAGS="--cfg ...").
fn main() {
    println!("cargo::rustc-check-cfg=cfg(esp_idf_nvs_encryption)");
}
