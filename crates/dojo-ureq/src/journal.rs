//! [`FileJournal`]: dojo-core's [`Journal`] in an append-only file.
//!
//! The file is a sequence of [`RECORD_LEN`]-byte records (dojo-core's format: versioned,
//! CRC-32C, sequence-numbered) and nothing else. Each append is one `write` of a whole
//! record then `fsync` (`sync_data`); the directory is `fsync`ed when the file is created
//! and after each compaction, so the file's name survives power loss too. After a crash at
//! any point the file holds every record whose append returned, and at most one record
//! that is incomplete (a partial last record, or a whole-length one whose checksum
//! fails). [`FileJournal::open`] cuts that torn tail off and says how many bytes it cut
//! ([`OpenReport::truncated_bytes`]); the step it recorded had not started (records are
//! written before their effect).
//!
//! Compaction ([`Journal::retain`], driven by [`dojo_core::journal::compact`]) writes the
//! kept records to `PATH.compact`, `fsync`s it, renames it over `PATH` and `fsync`s the
//! directory: a crash leaves either the old file or the new one, never a mix. When the
//! journal holds slots that do not decode (corruption), compaction first copies it whole
//! to `PATH.corrupt.SECONDS`: nothing is thrown away that a person might want to read.
//!
//! One process at a time: `open` takes an exclusive advisory lock (`flock`, on unix) on
//! `PATH.lock` for as long as the journal is open; the kernel drops it when the process
//! dies, so a crash never leaves a stale lock. A second `open` fails at once with
//! [`io::ErrorKind::WouldBlock`] (two writers would number their records alike).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use dojo_core::journal::{Journal, JournalError, RECORD_LEN, Record, RecordError};

/// The environment variable that names the journal file, overriding
/// [`default_journal_path`]'s default.
pub const JOURNAL_ENV: &str = "DOJO_JOURNAL";

/// The journal's file name inside the state directory.
pub const JOURNAL_FILE_NAME: &str = "payments.journal";

/// dojo's state directory: `$XDG_STATE_HOME/dojo` when that variable holds an absolute
/// path, else `$HOME/.local/state/dojo` (the XDG base directory default); on Windows
/// `%LOCALAPPDATA%\dojo`. `None` when none of these variables is set.
pub fn default_state_dir() -> Option<PathBuf> {
    state_dir_from(|name| std::env::var_os(name))
}

/// The journal file the CLI uses: `$DOJO_JOURNAL` when set and not empty, else
/// [`JOURNAL_FILE_NAME`] in [`default_state_dir`]. (A `--journal PATH` option overrides
/// both; the CLI applies it.)
pub fn default_journal_path() -> Option<PathBuf> {
    journal_path_from(|name| std::env::var_os(name))
}

fn state_dir_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    if cfg!(windows) {
        return absolute("LOCALAPPDATA").map(|p| p.join("dojo"));
    }
    absolute("XDG_STATE_HOME")
        .map(|p| p.join("dojo"))
        .or_else(|| absolute("HOME").map(|h| h.join(".local").join("state").join("dojo")))
}

fn journal_path_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    match var(JOURNAL_ENV).filter(|p| !p.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => state_dir_from(var).map(|d| d.join(JOURNAL_FILE_NAME)),
    }
}

/// What [`FileJournal::open`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenReport {
    /// The file did not exist and was created.
    pub created: bool,
    /// Bytes cut off the end: a torn last record (a partial one, or a whole-length one
    /// whose checksum fails). 0 when the file ended cleanly.
    pub truncated_bytes: u64,
    /// Records in the file after the cut.
    pub records: u64,
}

/// dojo-core's [`Journal`] in an append-only file (see the [module docs](self)).
#[derive(Debug)]
pub struct FileJournal {
    file: File,
    path: PathBuf,
    slots: u64,
    /// Held for the journal's lifetime: the exclusive lock on `PATH.lock`.
    _lock: File,
    /// Set when a failed append could not be undone: the file may end in a partial
    /// record, so nothing more is appended until it is reopened (which cuts it off).
    broken: bool,
}

impl FileJournal {
    /// Opens (or creates, with its parent directories) the journal at `path`, locks it,
    /// and cuts off a torn tail.
    ///
    /// A whole last record of a format version this build does not read is left as it
    /// is (recovery reports it as [`JournalError::UnsupportedVersion`]).
    pub fn open(path: impl AsRef<Path>) -> io::Result<(FileJournal, OpenReport)> {
        let path = path.as_ref().to_path_buf();
        let dir = parent_dir(&path);
        fs::create_dir_all(&dir)?;
        let lock = lock(&path)?;
        let (mut file, created) = match OpenOptions::new().read(true).append(true).create_new(true).open(&path) {
            Ok(f) => (f, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                (OpenOptions::new().read(true).append(true).open(&path)?, false)
            }
            Err(e) => return Err(e),
        };
        if created {
            file.sync_all()?;
            sync_dir(&dir)?;
        }
        let len = file.metadata()?.len();
        let mut slots = len / RECORD_LEN as u64;
        if slots > 0 {
            let mut last = [0u8; RECORD_LEN];
            file.seek(SeekFrom::Start((slots - 1) * RECORD_LEN as u64))?;
            file.read_exact(&mut last)?;
            match Record::decode(&last) {
                Ok(_) | Err(RecordError::UnsupportedVersion { .. }) => {}
                Err(_) => slots -= 1,
            }
        }
        let keep = slots * RECORD_LEN as u64;
        if keep < len {
            file.set_len(keep)?;
            file.sync_all()?;
        }
        let report = OpenReport { created, truncated_bytes: len - keep, records: slots };
        Ok((FileJournal { file, path, slots, _lock: lock, broken: false }, report))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of records (slots) in the file.
    pub fn len(&self) -> u64 {
        self.slots
    }

    /// Whether the file holds no record.
    pub fn is_empty(&self) -> bool {
        self.slots == 0
    }

    fn compact_path(&self) -> PathBuf {
        with_suffix(&self.path, ".compact")
    }

    fn read_slots(&self, mut visit: impl FnMut(&[u8; RECORD_LEN]) -> io::Result<()>) -> io::Result<()> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::with_capacity(64 * RECORD_LEN, file);
        let mut slot = [0u8; RECORD_LEN];
        for _ in 0..self.slots {
            reader.read_exact(&mut slot)?;
            visit(&slot)?;
        }
        Ok(())
    }

    fn write_compacted(&self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> io::Result<(File, u64, bool)> {
        let tmp = self.compact_path();
        let out = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        let mut writer = BufWriter::with_capacity(64 * RECORD_LEN, out);
        let mut kept = 0u64;
        let mut undecodable = false;
        self.read_slots(|slot| {
            undecodable |= Record::decode(slot).is_err();
            if keep(slot) {
                writer.write_all(slot)?;
                kept += 1;
            }
            Ok(())
        })?;
        let out = writer.into_inner().map_err(io::IntoInnerError::into_error)?;
        out.sync_all()?;
        Ok((out, kept, undecodable))
    }

    /// Copies the journal to `PATH.corrupt.SECONDS` (durably) before a compaction drops
    /// slots that do not decode: they tell this program nothing, but a person may want them.
    fn keep_corrupt_copy(&self) -> io::Result<PathBuf> {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let copy = with_suffix(&self.path, &format!(".corrupt.{secs}"));
        fs::copy(&self.path, &copy)?;
        File::open(&copy)?.sync_all()?;
        Ok(copy)
    }
}

impl Journal for FileJournal {
    type Error = io::Error;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<io::Error>> {
        if self.broken {
            return Err(JournalError::Io(io::Error::other(
                "an earlier append to the journal failed and could not be undone: reopen it",
            )));
        }
        let result = self.file.write_all(record).and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.slots += 1;
                Ok(())
            }
            Err(e) => {
                // Cut a partial record off, so the next append starts on a record boundary.
                let undone = self.file.set_len(self.slots * RECORD_LEN as u64).and_then(|()| self.file.sync_all());
                self.broken = undone.is_err();
                if e.kind() == io::ErrorKind::StorageFull { Err(JournalError::Full) } else { Err(JournalError::Io(e)) }
            }
        }
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<io::Error>> {
        self.read_slots(|slot| {
            visit(slot);
            Ok(())
        })
        .map_err(JournalError::Io)
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<io::Error>> {
        let tmp = self.compact_path();
        let written = self.write_compacted(keep).and_then(|(compacted, kept, undecodable)| {
            drop(compacted);
            if undecodable {
                let copy = self.keep_corrupt_copy()?;
                log::warn!("journal {}: undecodable records kept in {}", self.path.display(), copy.display());
            }
            Ok(kept)
        });
        let kept = match written {
            Ok(kept) => kept,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(JournalError::Io(e));
            }
        };
        if let Err(e) = fs::rename(&tmp, &self.path) {
            let _ = fs::remove_file(&tmp);
            return Err(JournalError::Io(e));
        }
        // From here the new file is the journal; make its name durable and use it.
        let reopened = sync_dir(&parent_dir(&self.path))
            .and_then(|()| OpenOptions::new().read(true).append(true).open(&self.path));
        match reopened {
            Ok(file) => {
                self.file = file;
                self.slots = kept;
                self.broken = false;
                Ok(())
            }
            Err(e) => {
                self.broken = true;
                Err(JournalError::Io(e))
            }
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory as a file; NTFS journals the rename itself.
    Ok(())
}

#[cfg(unix)]
fn lock(path: &Path) -> io::Result<File> {
    use rustix::fs::{FlockOperation, flock};
    let lock_path = with_suffix(path, ".lock");
    let file = OpenOptions::new().write(true).create(true).truncate(false).open(&lock_path)?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("the journal {} is in use by another process", path.display()),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn lock(path: &Path) -> io::Result<File> {
    // No advisory lock without unix `flock`: the lock file is only created.
    OpenOptions::new().write(true).create(true).truncate(false).open(with_suffix(path, ".lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn a_bare_file_name_lives_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("j")), PathBuf::from("."));
        assert_eq!(parent_dir(Path::new("a/j")), PathBuf::from("a"));
        assert_eq!(with_suffix(Path::new("a/j"), ".lock"), PathBuf::from("a/j.lock"));
    }

    #[test]
    #[cfg(unix)]
    fn state_dir_and_journal_path() {
        assert_eq!(state_dir_from(env(&[("HOME", "/home/k")])), Some(PathBuf::from("/home/k/.local/state/dojo")));
        assert_eq!(
            state_dir_from(env(&[("HOME", "/home/k"), ("XDG_STATE_HOME", "/s")])),
            Some(PathBuf::from("/s/dojo"))
        );
        // A relative XDG_STATE_HOME is ignored, as the spec says.
        assert_eq!(
            state_dir_from(env(&[("HOME", "/home/k"), ("XDG_STATE_HOME", "rel")])),
            Some(PathBuf::from("/home/k/.local/state/dojo"))
        );
        assert_eq!(state_dir_from(env(&[])), None);
        assert_eq!(
            journal_path_from(env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/state/dojo/payments.journal"))
        );
        assert_eq!(journal_path_from(env(&[("HOME", "/h"), ("DOJO_JOURNAL", "j.bin")])), Some(PathBuf::from("j.bin")));
        assert_eq!(
            journal_path_from(env(&[("HOME", "/h"), ("DOJO_JOURNAL", "")])),
            Some(PathBuf::from("/h/.local/state/dojo/payments.journal"))
        );
    }
}
