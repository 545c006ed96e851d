//! Human output by default, JSON with `--json`.

use std::io::{IsTerminal, Write};

use dojo_core::payment_intent::PaymentIntent;
use dojo_core::setup_intent::SetupIntent;

use crate::errors::CliError;

/// Where and how to print.
pub(crate) struct Out {
    json: bool,
}

impl Out {
    pub(crate) fn new(json: bool) -> Self {
        Out { json }
    }

    /// Whether `--json` was given.
    pub(crate) fn json(&self) -> bool {
        self.json
    }

    /// A line of human output (nothing in JSON mode).
    pub(crate) fn say(&self, line: impl std::fmt::Display) {
        if !self.json {
            println!("{line}");
        }
    }

    /// Progress for a person: on stderr, so stdout stays clean in JSON mode too.
    pub(crate) fn progress(&self, line: impl std::fmt::Display) {
        if !self.json {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }

    /// The API's own JSON body, as it came (JSON mode).
    pub(crate) fn raw_json(&self, body: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(body);
        let _ = stdout.write_all(b"\n");
    }

    /// A JSON value (JSON mode).
    pub(crate) fn value(&self, v: &serde_json::Value) {
        println!("{v}");
    }

    /// An error: JSON on stdout with `--json` (one document to parse), text on stderr.
    pub(crate) fn error(&self, e: &CliError) {
        if matches!(e, CliError::AlreadyReported(_)) {
            return;
        }
        if self.json {
            self.value(&e.to_json());
        } else {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
        }
    }

    /// A setup intent, as text.
    pub(crate) fn setup_intent(&self, si: &SetupIntent<'_>) {
        println!("setup intent {}", si.id);
        println!("  status           {}", si.status);
        if let Some(r) = si.reference {
            println!("  reference        {r}");
        }
        if let Some(a) = si.intended_amount {
            println!("  intended amount  {a}");
        }
        if let Some(t) = si.merchant_initiated_transaction_type {
            println!("  type             {t}");
        }
        if let Some(t) = si.expire_at {
            println!("  expires at       {t}");
        }
        if let Some(t) = si.created_at {
            println!("  created at       {t}");
        }
    }

    /// A payment intent, as text.
    pub(crate) fn payment_intent(&self, pi: &PaymentIntent<'_>) {
        println!("payment intent {}", pi.id);
        println!("  status           {}", pi.status);
        if let Some(a) = pi.amount {
            println!("  amount           {a}");
        }
        if let Some(r) = pi.reference {
            println!("  reference        {r}");
        }
        if let Some(si) = pi.setup_intent_id {
            println!("  setup intent     {si}");
        }
        match (pi.refunded_amount.filter(|r| *r > 0), pi.amount) {
            (Some(r), Some(a)) => println!("  refunded         {}", dojo_core::Money::new(r, a.currency)),
            (Some(r), None) => println!("  refunded         {r} (minor units)"),
            (None, _) => {}
        }
        if let Some(t) = pi.created_at {
            println!("  created at       {t}");
        }
    }
}

/// A spinner on stderr, drawn only when stderr is a terminal.
pub(crate) struct Spinner {
    on: bool,
    frame: usize,
}

impl Spinner {
    pub(crate) fn new(json: bool) -> Self {
        Spinner { on: !json && std::io::stderr().is_terminal(), frame: 0 }
    }

    pub(crate) fn tick(&mut self, message: &str) {
        if !self.on {
            return;
        }
        const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let c = FRAMES.get(self.frame % FRAMES.len()).copied().unwrap_or('.');
        self.frame = self.frame.wrapping_add(1);
        eprint!("\r{c} {message}\x1b[K");
        let _ = std::io::stderr().flush();
    }

    pub(crate) fn clear(&mut self) {
        if self.on {
            eprint!("\r\x1b[K");
            let _ = std::io::stderr().flush();
        }
    }
}

/// Logs `log` records (dojo-ureq's) to stderr.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) && record.target().starts_with("dojo") {
            eprintln!("[{}] {}", record.level().as_str().to_ascii_lowercase(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLog = StderrLog;

/// `-v`: info and warnings; `-vv`: every exchange.
pub(crate) fn init_log(verbose: u8) {
    let level = match verbose {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
