//! A no-show kiosk on an ESP32: joins Wi-Fi, sets the clock by SNTP, then runs the
//! whole no-show flow of dojo-embedded-svc over ESP-IDF's HTTPS client: creates the
//! setup intent, shows its checkout link as a QR code on the console, polls until the
//! customer has authorized a card, creates the payment intent and charges it once
//! (reconciling if the answer is lost).
//!
//! Only the ESP glue is here: the connection (`EspHttpConnection` with the certificate
//! bundle), the clock, the delays, the screen (the console), and the API key, read from
//! an NVS partition it was provisioned into (encrypted NVS when the build enables
//! `CONFIG_NVS_ENCRYPTION`), never compiled into the image. The flow itself is
//! `Client::run_no_show`, which host tests run against the local emulator.
//!
//! CI compiles this file on the host against `checks/esp-idf-standin` (the subset of
//! esp-idf-svc's signatures it uses), since the ESP toolchain cannot be installed there.

use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail};
use dojo_embedded_svc::dojo_core::api_key::MAX_KEY_LEN;
use dojo_embedded_svc::dojo_core::request::{Api, DEFAULT_BASE_URL};
use dojo_embedded_svc::dojo_core::{ApiKey, Money, Timestamp};
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy, Step};
use dojo_embedded_svc::{Client, RetryPolicy};
use esp_idf_svc::eventloop::EspSystemEventLoop;
use esp_idf_svc::hal::delay::FreeRtos;
use esp_idf_svc::hal::peripherals::Peripherals;
use esp_idf_svc::http::client::{Configuration as HttpConfiguration, EspHttpConnection};
use esp_idf_svc::io::EspIOError;
#[cfg(not(esp_idf_nvs_encryption))]
use esp_idf_svc::nvs::EspCustomNvsPartition;
#[cfg(esp_idf_nvs_encryption)]
use esp_idf_svc::nvs::EspEncryptedNvsPartition;
use esp_idf_svc::nvs::{EspDefaultNvsPartition, EspNvs};
use esp_idf_svc::sntp::{EspSntp, SyncStatus};
use esp_idf_svc::wifi::{AuthMethod, BlockingWifi, ClientConfiguration, Configuration, EspWifi};
use log::{error, info, warn};
use qrcodegen_no_heap::{QrCode, QrCodeEcc, Version};
use zeroize::Zeroize;

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASS: &str = env!("WIFI_PASS");
/// Where the API key is provisioned (README: "Provision the API key"): the NVS partition
/// of `partitions.csv` that holds it, its keys partition when NVS is encrypted, and the
/// namespace and entry inside it.
const KEY_PARTITION: &str = "dojo_nvs";
#[cfg(esp_idf_nvs_encryption)]
const KEY_KEYS_PARTITION: &str = "nvs_keys";
const KEY_NAMESPACE: &str = "dojo";
const KEY_ENTRY: &str = "api_key";
const BASE_URL: &str = match option_env!("DOJO_BASE_URL") {
    Some(url) => url,
    None => DEFAULT_BASE_URL,
};

/// The flow's one work buffer (request body and URL, then each answer). The largest
/// answer of the flow's recorded fixtures is 1.5 KiB.
const BUF_LEN: usize = 4096;

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

fn main() -> anyhow::Result<()> {
    esp_idf_svc::sys::link_patches();
    esp_idf_svc::log::EspLogger::initialize_default();

    let peripherals = Peripherals::take()?;
    let sys_loop = EspSystemEventLoop::take()?;
    let nvs = EspDefaultNvsPartition::take()?;
    let mut wifi = BlockingWifi::wrap(EspWifi::new(peripherals.modem, sys_loop.clone(), Some(nvs))?, sys_loop)?;
    join_wifi(&mut wifi)?;

    // The lifecycle checks a setup intent's expiry against the time: set it first.
    let sntp = EspSntp::new_default()?;
    let mut polls = 0;
    while sntp.get_sync_status() != SyncStatus::Completed {
        polls += 1;
        if polls > 120 {
            bail!("no time from SNTP after 60 s");
        }
        FreeRtos::delay_ms(500);
    }

    let key = load_api_key()?;
    // A new connection whenever the client asks (first request, and after a failed
    // exchange: ESP-IDF's client cannot start a request after one failed midway).
    let connect = || EspHttpConnection::new(&http_configuration()).map_err(EspIOError::from);
    // SAFETY: esp_random reads the hardware RNG; no preconditions.
    let seed = unsafe { esp_idf_svc::sys::esp_random() };
    let mut client = Client::new(connect, Api::new(&key))
        .with_base_url(BASE_URL)
        .map_err(|e| anyhow!("DOJO_BASE_URL: {e}"))?
        .with_retries(RetryPolicy::DEFAULT, seed, FreeRtos::delay_ms);

    let mut buf = vec![0u8; BUF_LEN];
    let mut report = NoShowReport::default();
    match client.run_no_show(&FEE, PollPolicy::DEFAULT, &mut Screen, &mut report, &mut buf) {
        Ok(FlowEnd::Charged) => info!("Charged once: {:?}", report.charge),
        Ok(FlowEnd::NotCharged(why)) => warn!("Not charged, as the server showed: {why:?}"),
        Ok(FlowEnd::Pending) => {
            warn!("Pending, not known yet (never tell the customer \"not charged\"): {:?}", report.charge)
        }
        Ok(FlowEnd::NotAuthorized(waited)) => warn!("No card authorized: {waited:?}"),
        Err(e) => error!("{e}"),
    }
    // A charge whose answer was lost and could not be read back yet: never charge
    // again before it is settled. Keep reading it back (a real kiosk would also store
    // the payment intent id, to do this after a reboot).
    if let (Some(payment), Some(setup)) = (report.payment.as_mut(), report.setup.as_mut()) {
        while payment.charge_unsettled() {
            FreeRtos::delay_ms(30_000);
            match client.reconcile_charge(payment, setup, &mut buf) {
                Ok(settled) => info!("Reconciled: {:?}", settled.outcome),
                Err(e) => warn!("Still unsettled: {e}"),
            }
        }
    }
    // Keep Wi-Fi and SNTP up (dropping `sntp` would stop SNTP: its destructor calls
    // sntp_stop); a real kiosk would go back to its idle screen here.
    loop {
        FreeRtos::delay_ms(60_000);
    }
}

/// Reads the API key from its NVS partition (see `KEY_PARTITION`): encrypted with the
/// keys in `nvs_keys` when the build enables `CONFIG_NVS_ENCRYPTION`. The text read is
/// wiped once the key holds it.
fn load_api_key() -> anyhow::Result<ApiKey> {
    #[cfg(esp_idf_nvs_encryption)]
    let partition = EspEncryptedNvsPartition::take(KEY_PARTITION, Some(KEY_KEYS_PARTITION))?;
    #[cfg(not(esp_idf_nvs_encryption))]
    let partition = EspCustomNvsPartition::take(KEY_PARTITION)?;
    let nvs = EspNvs::new(partition, KEY_NAMESPACE, false)
        .map_err(|e| anyhow!("NVS namespace {KEY_NAMESPACE:?} in {KEY_PARTITION:?}: {e} (is the key provisioned?)"))?;
    // NVS stores the string with its NUL: one byte more than the longest key.
    let mut text = [0u8; MAX_KEY_LEN + 1];
    let key = match nvs.get_str(KEY_ENTRY, &mut text)? {
        Some(stored) => ApiKey::new(stored.trim()).map_err(|e| anyhow!("the provisioned API key: {e}")),
        None => Err(anyhow!("no {KEY_ENTRY:?} in NVS namespace {KEY_NAMESPACE:?}: provision the API key (README)")),
    };
    text.zeroize();
    key
}

fn http_configuration() -> HttpConfiguration {
    HttpConfiguration {
        crt_bundle_attach: Some(esp_idf_svc::sys::esp_crt_bundle_attach),
        timeout: Some(Duration::from_secs(15)),
        ..Default::default()
    }
}

fn join_wifi(wifi: &mut BlockingWifi<EspWifi<'static>>) -> anyhow::Result<()> {
    wifi.set_configuration(&Configuration::Client(ClientConfiguration {
        ssid: WIFI_SSID.try_into().map_err(|_| anyhow!("WIFI_SSID is longer than 32 bytes"))?,
        password: WIFI_PASS.try_into().map_err(|_| anyhow!("WIFI_PASS is longer than 64 bytes"))?,
        auth_method: AuthMethod::WPA2Personal,
        ..Default::default()
    }))?;
    wifi.start()?;
    wifi.connect()?;
    wifi.wait_netif_up()?;
    info!("Wi-Fi up: {:?}", wifi.wifi().sta_netif().get_ip_info()?);
    Ok(())
}

/// The kiosk's screen is the console; its clock is the SNTP-set system time.
struct Screen;

impl Kiosk for Screen {
    fn show_checkout(&mut self, link: &str) {
        info!("Scan to authorize the no-show fee: {link}");
        match qr_text(link) {
            // One write of the whole code, not one log line per row: log prefixes (with a
            // millisecond count that grows a digit now and then) would shift rows apart
            // and break scanning.
            Some(qr) => {
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(qr.as_bytes()).and_then(|()| out.flush()) {
                    warn!("the QR code could not be shown: {e}");
                }
            }
            None => warn!("the link does not fit a QR code"),
        }
    }

    fn now(&mut self) -> Timestamp {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    fn wait_ms(&mut self, ms: u32) {
        FreeRtos::delay_ms(ms);
    }

    fn progress(&mut self, step: Step) {
        info!("{step:?}");
    }
}

/// The link as a QR code in half-block characters (two modules per line).
fn qr_text(text: &str) -> Option<String> {
    let mut out = vec![0u8; Version::MAX.buffer_len()];
    let mut tmp = vec![0u8; Version::MAX.buffer_len()];
    let qr = QrCode::encode_text(text, &mut tmp, &mut out, QrCodeEcc::Medium, Version::MIN, Version::MAX, None, true)
        .ok()?;
    let size = qr.size();
    let quiet = 2;
    let light = |x: i32, y: i32| !(0..size).contains(&x) || !(0..size).contains(&y) || !qr.get_module(x, y);
    let mut s = String::new();
    let mut y = -quiet;
    while y < size + quiet {
        for x in -quiet..size + quiet {
            s.push(match (light(x, y), y + 1 >= size + quiet || light(x, y + 1)) {
                (true, true) => '\u{2588}',
                (true, false) => '\u{2580}',
                (false, true) => '\u{2584}',
                (false, false) => ' ',
            });
        }
        s.push('\n');
        y += 2;
    }
    Some(s)
}
