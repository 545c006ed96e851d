//! A no-show kiosk on an ESP32: joins Wi-Fi, sets the clock by SNTP, opens its booking
//! journal (a raw data partition, `dojo_jnl` in `partitions.csv`) and runs the no-show
//! flow of dojo-embedded-svc over ESP-IDF's HTTPS client, across a reboot:
//!
//! 1. at boot, every booking the journal left open is recovered (`recover_booking`: read
//!    back, find an orphan payment intent, settle a charge in flight) and, once
//!    authorized, settled as a no-show (`settle`: payment intent, one charge through the
//!    charge protocol, every step journaled first);
//! 2. when nothing was open, a new booking is enrolled (`enroll`: setup intent, its
//!    checkout link as a QR code on the console, polled until authorized), and the chip
//!    restarts: the next boot settles it (step 1).
//!
//! Only the ESP glue is here: the connection (`EspHttpConnection` with the certificate
//! bundle), the clock, the delays, the screen (the console), and the API key, read from
//! an NVS partition it was provisioned into (encrypted NVS when the build enables
//! `CONFIG_NVS_ENCRYPTION`), never compiled into the image. The flow itself is
//! `Client::enroll`, `settle` and `recover_booking`, which host tests run against the
//! local emulator with a reboot (and a power cut at every journal step) in between.
//!
//! CI compiles this file on the host against `checks/esp-idf-standin` (the subset of
//! esp-idf-svc's signatures it uses), since the ESP toolchain cannot be installed there.

use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail};
use dojo_embedded_svc::dojo_core::api_key::MAX_KEY_LEN;
use dojo_embedded_svc::dojo_core::charge::Outcome;
use dojo_embedded_svc::dojo_core::journal::{JournalWriter, Recovery};
use dojo_embedded_svc::dojo_core::request::{Api, DEFAULT_BASE_URL};
use dojo_embedded_svc::dojo_core::{ApiKey, Money, Timestamp};
use dojo_embedded_svc::flash_journal::FlashJournal;
use dojo_embedded_svc::kiosk::{Arrival, Enrollment, Kiosk, NoShowFee, PollPolicy, Settled, Step};
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
use esp_idf_svc::partition::EspPartition;
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
/// The journal's data partition in `partitions.csv`.
const JOURNAL_PARTITION: &str = "dojo_jnl";
/// Bookings open at once that recovery holds (each ~400 bytes while recovering).
const OPEN_BOOKINGS: usize = 8;
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
    // The journal: every step that moves money is recorded here before it is taken, so
    // a reboot (or a power cut) at any point loses nothing.
    let (mut journal, recovery) = open_journal()?;
    if !recovery.stats().is_clean() {
        warn!("journal: {}", recovery.stats());
    }
    // At boot: act on every booking the journal left open.
    let mut settled_any = false;
    for open in recovery.open() {
        let settled = match client.recover_booking(&mut journal, open, &mut Screen, &mut buf) {
            // Authorized and waiting: the booking system says whether the guest came.
            // Here the guest never does: charge the no-show fee.
            Ok(Settled::Enrolled(enrolled)) => {
                client.settle(&mut journal, &enrolled, Arrival::NoShow, FEE.charge_reference, &mut Screen, &mut buf)
            }
            other => other,
        };
        settled_any = true;
        match settled {
            Ok(Settled::Charge(report)) if report.outcome == Outcome::Pending => {
                warn!(
                    "booking {}: pending, not known yet (never tell the customer \"not charged\"): {report:?}",
                    open.booking
                )
            }
            Ok(Settled::Charge(report)) => info!("booking {}: {}: {report:?}", open.booking, report.outcome),
            Ok(other) => info!("booking {}: {other:?}", open.booking),
            // The booking stays at its last record: the next boot recovers it again.
            Err(e) => error!("booking {}: {e}", open.booking),
        }
    }
    if let Err(e) = journal.compact::<OPEN_BOOKINGS>() {
        warn!("journal compaction: {e:?}");
    }
    if !settled_any {
        // Nothing was open: take a booking (enroll), then reboot. The next boot finds it
        // in the journal and settles it: the flow spans reboots, as a no-show fee charged
        // hours later does.
        match client.enroll(&mut journal, &FEE, PollPolicy::DEFAULT, &mut Screen, &mut buf) {
            Ok(Enrollment::Authorized(enrolled)) => {
                info!(
                    "booking {} enrolled ({}): rebooting; the next boot settles it",
                    enrolled.booking, enrolled.setup_intent
                );
                esp_idf_svc::hal::reset::restart();
            }
            Ok(other) => warn!("not enrolled: {other:?}"),
            Err(e) => error!("enroll: {e}"),
        }
    }
    // Keep Wi-Fi and SNTP up (dropping `sntp` would stop SNTP: its destructor calls
    // sntp_stop); a real kiosk would go back to its idle screen here.
    loop {
        FreeRtos::delay_ms(60_000);
    }
}

/// Opens the booking journal on its raw data partition (`JOURNAL_PARTITION`, through
/// esp-idf-svc's `EspPartition`, which implements embedded-storage's NOR flash traits)
/// and recovers it.
fn open_journal() -> anyhow::Result<(JournalWriter<FlashJournal<EspPartition>>, Recovery<OPEN_BOOKINGS>)> {
    // SAFETY: the only handle on this partition in the program.
    let partition = unsafe { EspPartition::new(JOURNAL_PARTITION)? }
        .ok_or_else(|| anyhow!("no {JOURNAL_PARTITION:?} partition: flash the partitions.csv of this example"))?;
    let size = u32::try_from(partition.size()).map_err(|_| anyhow!("the journal partition is too large"))?;
    let flash = FlashJournal::new(partition, 0..size).map_err(|e| anyhow!("journal partition: {e:?}"))?;
    // Full: compact (done after every boot's recovery). Corrupt or another format
    // version: keep the partition, copy it out, settle by hand, then erase it
    // (dojo-embedded-svc's flash_journal docs). Never erased here.
    JournalWriter::open(flash).map_err(|e| anyhow!("journal: {e:?} (the partition is left as it is)"))
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
