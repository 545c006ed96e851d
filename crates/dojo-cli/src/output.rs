//! Human output by default, JSON with `--json`; every byte the command writes goes
//! through here.
//!
//! Two rules hold for all of it:
//!
//! * **A closed stdout or stderr stops the output, not the command.** `dojo demo | head -1`
//!   closes the pipe after one line; the next write fails with `EPIPE` (Rust ignores
//!   `SIGPIPE`, so `println!` would panic). The sink notes it, writes nothing more to that
//!   stream, and the command finishes what it started (a charge is never abandoned
//!   halfway because a reader went away) and exits with its usual code, without a message.
//! * **Text never carries a terminal control from the server.** Everything written in text
//!   mode passes through [`neutralise`]: C0 and C1 controls, DEL, and the bidirectional
//!   overrides and isolates are written as visible `\u{…}` escapes, so a reference holding
//!   `ESC[2J` cannot clear the screen and U+202E cannot reverse a line. Line breaks inside
//!   a value are escaped too, so a value cannot forge a line of output; the lines
//!   themselves are ended by the sink. JSON output keeps the server's bytes but writes
//!   those characters as JSON `\uXXXX` escapes ([`json_safe`]), which decode to the same
//!   string.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use dojo_core::payment_intent::PaymentIntent;
use dojo_core::setup_intent::SetupIntent;

use crate::errors::CliError;

/// Whether stdout (index 0) or stderr (index 1) was found closed.
static CLOSED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

/// A stream the command writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn closed(self) -> &'static AtomicBool {
        match self {
            Stream::Stdout => &CLOSED[0],
            Stream::Stderr => &CLOSED[1],
        }
    }
}

/// Writes `bytes` as they are (JSON documents, the QR code, the spinner's own controls).
/// A failed write (a closed pipe above all) silences the stream for the rest of the run.
pub(crate) fn write_raw(stream: Stream, bytes: &[u8]) {
    let closed = stream.closed();
    if closed.load(Ordering::Relaxed) {
        return;
    }
    let result = match stream {
        Stream::Stdout => {
            let mut w = std::io::stdout().lock();
            w.write_all(bytes).and_then(|()| w.flush())
        }
        Stream::Stderr => std::io::stderr().lock().write_all(bytes),
    };
    if result.is_err() {
        // EPIPE (the reader left) or any other failure: nothing more can be shown there.
        closed.store(true, Ordering::Relaxed);
    }
}

/// Writes formatted text, neutralised (see [`neutralise`]), and a line break if `newline`.
pub(crate) fn write_text(stream: Stream, args: fmt::Arguments<'_>, newline: bool) {
    let mut s = String::new();
    match args.as_str() {
        Some(literal) => s.push_str(&neutralise(literal)),
        None => {
            let _ = NeutralWriter(&mut s).write_fmt(args);
        }
    }
    if newline {
        s.push('\n');
    }
    write_raw(stream, s.as_bytes());
}

/// A line of text on stdout, neutralised.
macro_rules! outln {
    () => { $crate::output::write_text($crate::output::Stream::Stdout, format_args!(""), true) };
    ($($t:tt)*) => { $crate::output::write_text($crate::output::Stream::Stdout, format_args!($($t)*), true) };
}
/// A line of text on stderr, neutralised.
macro_rules! errln {
    ($($t:tt)*) => { $crate::output::write_text($crate::output::Stream::Stderr, format_args!($($t)*), true) };
}
pub(crate) use {errln, outln};

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls, DEL, the
/// bidirectional marks, embeddings, overrides and isolates, and the Unicode line and
/// paragraph separators.
pub(crate) fn is_hostile(c: char) -> bool {
    c.is_control() // C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F)
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `s` with every [hostile](is_hostile) character written as a visible escape
/// (`\u{1b}`, `\u{202e}`, `\n`, `\t`, …).
pub(crate) fn neutralise(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    push_neutral(&mut out, s);
    Cow::Owned(out)
}

fn push_neutral(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hostile(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
}

/// Formats into a `String`, neutralising every piece (literals and arguments alike).
struct NeutralWriter<'a>(&'a mut String);

impl fmt::Write for NeutralWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_neutral(self.0, s);
        Ok(())
    }
}

/// A JSON document with every [hostile](is_hostile) character that JSON allows raw (DEL,
/// C1, the bidirectional controls; C0 is always escaped in valid JSON) written as a
/// `\uXXXX` escape. Such characters can only occur inside strings, where the escape
/// decodes to the same character, so the document means exactly the same.
pub(crate) fn json_safe(doc: &str) -> Cow<'_, str> {
    if !doc.chars().any(is_hostile_in_json) {
        return Cow::Borrowed(doc);
    }
    let mut out = String::with_capacity(doc.len() + 16);
    for c in doc.chars() {
        if is_hostile_in_json(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_hostile_in_json(c: char) -> bool {
    // JSON's own whitespace between tokens stays; any other control is escaped.
    is_hostile(c) && !matches!(c, '\n' | '\r' | '\t')
}

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
            outln!("{line}");
        }
    }

    /// Progress for a person: on stderr, so stdout stays clean in JSON mode too.
    pub(crate) fn progress(&self, line: impl std::fmt::Display) {
        if !self.json {
            outln!("{line}");
        } else {
            errln!("{line}");
        }
    }

    /// The API's own JSON body, as it came (JSON mode).
    pub(crate) fn raw_json(&self, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        let mut doc = json_safe(&text).into_owned();
        doc.push('\n');
        write_raw(Stream::Stdout, doc.as_bytes());
    }

    /// A JSON value (JSON mode).
    pub(crate) fn value(&self, v: &serde_json::Value) {
        let mut doc = json_safe(&v.to_string()).into_owned();
        doc.push('\n');
        write_raw(Stream::Stdout, doc.as_bytes());
    }

    /// An error: JSON on stdout with `--json` (one document to parse), text on stderr.
    pub(crate) fn error(&self, e: &CliError) {
        if matches!(e, CliError::AlreadyReported(_)) {
            return;
        }
        if self.json {
            self.value(&e.to_json());
        } else {
            errln!("error: {e}");
            if let Some(hint) = e.hint() {
                errln!("hint: {hint}");
            }
        }
    }

    /// A setup intent, as text.
    pub(crate) fn setup_intent(&self, si: &SetupIntent<'_>) {
        outln!("setup intent {}", si.id);
        outln!("  status           {}", si.status);
        if let Some(r) = si.reference {
            outln!("  reference        {r}");
        }
        if let Some(a) = si.intended_amount {
            outln!("  intended amount  {a}");
        }
        if let Some(t) = si.merchant_initiated_transaction_type {
            outln!("  type             {t}");
        }
        if let Some(t) = si.expire_at {
            outln!("  expires at       {t}");
        }
        if let Some(t) = si.created_at {
            outln!("  created at       {t}");
        }
    }

    /// A payment intent, as text.
    pub(crate) fn payment_intent(&self, pi: &PaymentIntent<'_>) {
        outln!("payment intent {}", pi.id);
        outln!("  status           {}", pi.status);
        if let Some(a) = pi.amount {
            outln!("  amount           {a}");
        }
        if let Some(r) = pi.reference {
            outln!("  reference        {r}");
        }
        if let Some(si) = pi.setup_intent_id {
            outln!("  setup intent     {si}");
        }
        match (pi.refunded_amount.filter(|r| *r > 0), pi.amount) {
            (Some(r), Some(a)) => outln!("  refunded         {}", dojo_core::Money::new(r, a.currency)),
            (Some(r), None) => outln!("  refunded         {r} (minor units)"),
            (None, _) => {}
        }
        if let Some(t) = pi.created_at {
            outln!("  created at       {t}");
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
        // The spinner's own controls, around a neutralised message.
        write_raw(Stream::Stderr, format!("\r{c} {}\x1b[K", neutralise(message)).as_bytes());
    }

    pub(crate) fn clear(&mut self) {
        if self.on {
            write_raw(Stream::Stderr, b"\r\x1b[K");
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
            errln!("[{}] {}", record.level().as_str().to_ascii_lowercase(), record.args());
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
