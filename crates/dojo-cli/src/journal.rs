//! The CLI's journal: dojo-core's [`journal`](dojo_core::journal) in dojo-ureq's
//! [`FileJournal`], opened for one command.
//!
//! Where: `--journal PATH`, else `DOJO_JOURNAL`, else `payments.journal` in the XDG state
//! directory (`$XDG_STATE_HOME/dojo`, `~/.local/state/dojo`). There is no `--no-journal`:
//! a charge that leaves no record is exactly what `dojo resume` cannot settle after a
//! crash, so the journal is not optional; a script that wants its own record points
//! `--journal` (or `DOJO_JOURNAL`) at a file of its own.
//!
//! One dojo at a time: the file's lock (`flock` on `PATH.lock`, dropped by the kernel when
//! the process dies, so a crash never leaves it stale) is taken when the journal opens; a
//! second dojo gets [`CliError::Journal`] (exit 6) at once and sends nothing.
//!
//! Every append goes through [`CliJournal::append`]: a failed append is
//! [`CliError::Journal`], and the step it was for is not taken.
//!
//! # Crash injection (debug builds only)
//!
//! For the crash-injection tests (`tests/crash.rs`, `scripts/crash-campaign.sh`), a debug
//! build (`cfg(debug_assertions)`, as `cargo test` builds the binary) honours
//! `DOJO_CRASH_BEFORE=EVENT[:N]` and `DOJO_CRASH_AFTER=EVENT[:N]`: the process kills
//! itself with `SIGKILL` just before, or just after, the `N`-th append (default the first)
//! of an `EVENT` in this process (`EVENT` is [`Event::name`]: `setup_intent_creating`,
//! `setup_intent_created`, `payment_intent_creating`, `payment_intent_created`,
//! `charge_sending`, `charge_settled`, `booking_closed`). Before an append: the previous
//! step's effect happened and is not recorded; after it: recorded, not yet done. A release
//! build ignores both variables (the code is not compiled in). `DOJO_FAIL_APPEND=EVENT`
//! makes every append of `EVENT` fail, as a full disk would (debug builds only too).

use std::path::{Path, PathBuf};

use dojo_core::journal::{BookingId, Event, JournalError, JournalWriter, OpenBooking, Recovery};
use dojo_core::{PaymentIntentId, SetupIntentId};
use dojo_ureq::{Client, FileJournal};

use crate::errors::CliError;
use crate::output::errln;

/// The most bookings open at once that a recovery holds (each ~0.4 KiB).
pub(crate) const CAPACITY: usize = 512;

/// The journal, open and locked for this command.
pub(crate) struct CliJournal {
    writer: JournalWriter<FileJournal>,
    recovery: Box<Recovery<CAPACITY>>,
    path: PathBuf,
}

/// The journal's path: `--journal`, else `DOJO_JOURNAL`, else the state directory's.
pub(crate) fn journal_path(cli_path: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(p) = cli_path {
        return Ok(p.to_path_buf());
    }
    dojo_ureq::default_journal_path().ok_or_else(|| {
        CliError::Journal(
            "no place for the journal: set DOJO_JOURNAL=PATH or pass --journal PATH \
             (HOME and XDG_STATE_HOME are unset)"
                .into(),
        )
    })
}

fn journal_error<E: std::fmt::Display>(path: &Path, e: &JournalError<E>) -> CliError {
    CliError::Journal(format!("journal {}: {e}", path.display()))
}

impl CliJournal {
    /// Opens (creating it if needed), locks and recovers the journal. Says on stderr what
    /// the scan skipped when it is not clean.
    pub(crate) fn open(cli_path: Option<&Path>) -> Result<CliJournal, CliError> {
        let path = journal_path(cli_path)?;
        let (file, report) = FileJournal::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                CliError::Journal(format!(
                    "the journal {} is in use by another dojo (its lock {}.lock is held); nothing was sent: \
                     wait for it to finish, or point --journal (DOJO_JOURNAL) at another file",
                    path.display(),
                    path.display()
                ))
            } else {
                CliError::Journal(format!("cannot open the journal {}: {e}; nothing was sent", path.display()))
            }
        })?;
        if report.truncated_bytes > 0 {
            log::info!(
                "dojo journal {}: cut {} bytes of a torn last record (a crash while writing it; nothing is lost)",
                path.display(),
                report.truncated_bytes
            );
        }
        let (writer, recovery) = JournalWriter::open::<CAPACITY>(file).map_err(|e| journal_error(&path, &e))?;
        let stats = recovery.stats();
        if stats.corrupt > 0 || stats.duplicates > 0 || stats.out_of_order > 0 {
            errln!(
                "warning: journal {}: {} corrupt slot(s), {} duplicate(s), {} out of order were skipped",
                path.display(),
                stats.corrupt,
                stats.duplicates,
                stats.out_of_order
            );
        }
        Ok(CliJournal { writer, recovery: Box::new(recovery), path })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The recovery read when the journal was opened.
    pub(crate) fn recovery(&self) -> &Recovery<CAPACITY> {
        &self.recovery
    }

    /// The open booking of `payment_intent`, from the recovery read at open.
    pub(crate) fn booking_of_payment_intent(&self, payment_intent: &PaymentIntentId) -> Option<&OpenBooking> {
        self.recovery.find_payment_intent(payment_intent)
    }

    /// The open booking of `setup_intent` that has no payment intent yet.
    pub(crate) fn booking_of_setup_intent(&self, setup_intent: &SetupIntentId) -> Option<&OpenBooking> {
        self.recovery
            .open()
            .iter()
            .find(|b| b.setup_intent.as_ref() == Some(setup_intent) && b.payment_intent.is_none())
    }

    /// A new booking's number.
    pub(crate) fn begin_booking(&mut self) -> BookingId {
        self.writer.begin_booking()
    }

    /// Journals `event` of `booking`, durably, at the client's clock. On an error the step
    /// it was for must not be taken.
    pub(crate) fn append(&mut self, client: &Client, booking: BookingId, event: Event) -> Result<(), CliError> {
        crash::point(crash::When::Before, event.name());
        if crash::fail_append(event.name()) {
            return Err(CliError::Journal(format!(
                "journal {}: cannot append {} (DOJO_FAIL_APPEND, a debug build's test hook); nothing was sent",
                self.path.display(),
                event.name()
            )));
        }
        let at = client.now().unix_seconds();
        self.writer.append(booking, at, event).map_err(|e| journal_error(&self.path, &e))?;
        log::info!("dojo journal: booking {} {}", booking.0, event.name());
        crash::point(crash::When::After, event.name());
        Ok(())
    }

    /// Reads the journal again: the bookings open now.
    pub(crate) fn recover_now(&mut self) -> Result<Recovery<CAPACITY>, CliError> {
        dojo_core::journal::recover::<CAPACITY, _>(self.writer.journal_mut()).map_err(|e| journal_error(&self.path, &e))
    }

    /// Drops the records of finished bookings.
    pub(crate) fn compact(&mut self) -> Result<(), CliError> {
        self.writer.compact::<CAPACITY>().map(|_| ()).map_err(|e| journal_error(&self.path, &e))
    }

    /// The number of records in the file.
    pub(crate) fn records(&self) -> u64 {
        self.writer.journal().len()
    }

    /// Compacts when the file holds more than [`TIDY_AT`] records, so a journal whose
    /// owner never runs `dojo resume` stays small (compaction keeps every open booking's
    /// records). A failure is only logged: the command's own work is done.
    pub(crate) fn tidy(&mut self) {
        if self.records() > TIDY_AT
            && let Err(e) = self.compact()
        {
            log::warn!("dojo journal: compaction failed: {e}");
        }
    }
}

/// The record count past which a command compacts the journal on its way out (384 KiB).
pub(crate) const TIDY_AT: u64 = 1024;

/// The debug-only crash points (see the module docs).
mod crash {
    /// Before or after an append.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum When {
        Before,
        After,
    }

    #[cfg(debug_assertions)]
    pub(super) fn point(when: When, event: &str) {
        use std::sync::Mutex;
        static SEEN: Mutex<Vec<(bool, String)>> = Mutex::new(Vec::new());
        let var = match when {
            When::Before => "DOJO_CRASH_BEFORE",
            When::After => "DOJO_CRASH_AFTER",
        };
        let Ok(spec) = std::env::var(var) else { return };
        let (name, nth) = match spec.split_once(':') {
            Some((n, k)) => (n, k.parse::<usize>().unwrap_or(1)),
            None => (spec.as_str(), 1),
        };
        if name != event {
            return;
        }
        let count = {
            let Ok(mut seen) = SEEN.lock() else { return };
            seen.push((when == When::Before, event.to_owned()));
            seen.iter().filter(|(b, e)| *b == (when == When::Before) && e == event).count()
        };
        if count == nth {
            crate::output::errln!("DOJO_CRASH: {var}={spec}: SIGKILL");
            // SIGKILL from outside the process: no destructor, no flush, no unwinding,
            // exactly as a `kill -9` or a power cut would leave the journal.
            let _ = std::process::Command::new("kill").arg("-KILL").arg(std::process::id().to_string()).status();
            std::process::abort();
        }
    }

    #[cfg(not(debug_assertions))]
    pub(super) fn point(_when: When, _event: &str) {}

    /// `DOJO_FAIL_APPEND=EVENT`: every append of `EVENT` fails (as a full disk would).
    #[cfg(debug_assertions)]
    pub(super) fn fail_append(event: &str) -> bool {
        std::env::var("DOJO_FAIL_APPEND").is_ok_and(|e| e == event)
    }

    #[cfg(not(debug_assertions))]
    pub(super) fn fail_append(_event: &str) -> bool {
        false
    }
}
