//! From the command line to a client: the API key (`--api-key-file` or `DOJO_API_KEY`), the
//! base URL and the timeouts. Every command that talks to an API builds its client here.

use dojo_core::ApiKey;
use dojo_ureq::{Client, Timeouts};

use crate::cli::Cli;
use crate::errors::CliError;

/// Reads the key: `--api-key-file` (its first line) or `DOJO_API_KEY`. Never printed.
pub(crate) fn load_key(cli: &Cli) -> Result<ApiKey, CliError> {
    let raw = match &cli.api_key_file {
        Some(path) => first_line_of_key_file(path)?,
        None => std::env::var("DOJO_API_KEY").map_err(|_| {
            CliError::Usage(
                "no API key: set DOJO_API_KEY=sk_sandbox_… or pass --api-key-file PATH \
                 (or try `dojo demo`, which needs none)"
                    .into(),
            )
        })?,
    };
    // Say where the key came from: a key file's first line may be anything (`/dev/urandom`
    // can start with a line break, giving an empty "key").
    let source = match &cli.api_key_file {
        Some(path) => format!("the first line of the API key file {}", path.display()),
        None => "DOJO_API_KEY".to_owned(),
    };
    ApiKey::new(raw.trim()).map_err(|e| {
        CliError::Usage(format!(
            "the API key in {source} is not usable ({}): it must start with sk_sandbox_ or sk_prod_ and have no \
             spaces (the key itself is not shown)",
            e.kind_text()
        ))
    })
}

/// The most read from `--api-key-file`: a key is well under 200 bytes, so a file whose
/// first line does not end within this is not a key file (`/dev/zero`, a log, a binary).
pub(crate) const KEY_FILE_LIMIT: u64 = 4096;

/// The first line of the key file, reading at most [`KEY_FILE_LIMIT`] bytes (so
/// `/dev/zero` or a huge file cannot exhaust memory). Never echoes what it read.
fn first_line_of_key_file(path: &std::path::Path) -> Result<String, CliError> {
    use std::io::Read;
    let shown = path.display();
    let cannot = |e: std::io::Error| CliError::Usage(format!("cannot read the API key file {shown}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(KEY_FILE_LIMIT + 1).read_to_end(&mut bytes).map_err(cannot)?;
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => bytes.get(..end).unwrap_or_default(),
        None if bytes.len() as u64 > KEY_FILE_LIMIT => {
            return Err(CliError::Usage(format!(
                "the API key file {shown} has no line break in its first {KEY_FILE_LIMIT} bytes: it must hold \
                 the key (sk_sandbox_… or sk_prod_…) on its first line"
            )));
        }
        None => &bytes,
    };
    let line = std::str::from_utf8(line).map_err(|_| {
        CliError::Usage(format!("the first line of the API key file {shown} is not text (UTF-8); it must hold the key"))
    })?;
    Ok(line.trim().to_owned())
}

trait KindText {
    fn kind_text(&self) -> &'static str;
}

impl KindText for dojo_core::ValidationError {
    fn kind_text(&self) -> &'static str {
        use dojo_core::ValidationErrorKind as K;
        match self.kind {
            K::Empty => "empty",
            K::TooLong { .. } => "too long",
            K::InvalidCharacter => "a character that is not allowed",
            _ => "unknown prefix",
        }
    }
}

/// The client the global options describe (key, base URL, timeouts).
pub(crate) fn client(cli: &Cli, timeouts: Timeouts) -> Result<Client, CliError> {
    let key = load_key(cli)?;
    let mut b = Client::builder(key).timeouts(timeouts);
    if let Some(url) = &cli.base_url {
        b = b.base_url(url);
    }
    if let Some(settle) = test_settle_policy() {
        b = b.settle(settle);
    }
    Ok(b.build()?)
}

/// Debug builds only (the crash-injection tests): `DOJO_TEST_SETTLE_MS=D` settles a charge
/// with read-backs and resends `D` ms apart within `20 × D` ms, instead of the default
/// policy's 2 s apart within 30 s. A release build ignores it.
fn test_settle_policy() -> Option<dojo_ureq::SettlePolicy> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let ms: u32 = std::env::var("DOJO_TEST_SETTLE_MS").ok()?.parse().ok()?;
    Some(dojo_ureq::SettlePolicy {
        delay_ms: ms,
        horizon_ms: ms.saturating_mul(20),
        ..dojo_ureq::SettlePolicy::DEFAULT
    })
}
