//! The command's errors, their exit codes, and what to do next.

use std::fmt;

use dojo_core::ErrorClass;
use dojo_core::problem::ApiErrorKind;
use dojo_ureq::Error as SdkError;

/// Exit code: the lifecycle refused, the card was declined, an impossible status.
pub(crate) const EXIT_REFUSED: u8 = 1;
/// Exit code: bad arguments, amount, id, key or base URL.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: the server answered with an error status.
pub(crate) const EXIT_API: u8 = 3;
/// Exit code: the request did not execute.
pub(crate) const EXIT_NETWORK: u8 = 4;
/// Exit code: a state-changing request may have executed.
pub(crate) const EXIT_OUTCOME_UNKNOWN: u8 = 5;
/// Exit code: the journal cannot be opened or written; nothing was sent.
pub(crate) const EXIT_JOURNAL: u8 = 6;

/// Any failure of a command.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The command line or its values are wrong.
    Usage(String),
    /// The SDK's error.
    Sdk(SdkError),
    /// A definite "no" that is not an error answer (declined card, timeout waiting).
    Refused(String),
    /// The journal cannot be opened or written (see `crate::journal`); nothing was sent.
    Journal(String),
    /// A "no" whose JSON document was already printed (`--json`): only the exit code.
    AlreadyReported(u8),
}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> Self {
        CliError::Sdk(e)
    }
}

impl From<crate::amount::AmountError> for CliError {
    fn from(e: crate::amount::AmountError) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl CliError {
    /// The process's exit code.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Refused(_) => EXIT_REFUSED,
            CliError::Journal(_) => EXIT_JOURNAL,
            CliError::AlreadyReported(code) => *code,
            // The shared taxonomy decides, so the exit codes mean the same on every adapter.
            CliError::Sdk(e) => match e.class() {
                ErrorClass::Invalid | ErrorClass::Config | ErrorClass::BufferTooSmall => EXIT_USAGE,
                ErrorClass::Api(_) | ErrorClass::Decode | ErrorClass::ResponseTooLarge => EXIT_API,
                ErrorClass::Transport => EXIT_NETWORK,
                ErrorClass::OutcomeUnknown => EXIT_OUTCOME_UNKNOWN,
                _ => EXIT_REFUSED,
            },
        }
    }

    /// The SDK's error, when this is one.
    fn sdk(&self) -> Option<&SdkError> {
        match self {
            CliError::Sdk(e) => Some(e),
            _ => None,
        }
    }

    /// A short machine-readable kind.
    pub(crate) fn kind(&self) -> &'static str {
        match self.exit_code() {
            EXIT_USAGE => "usage",
            EXIT_API => "api",
            EXIT_NETWORK => "network",
            EXIT_OUTCOME_UNKNOWN => "outcome_unknown",
            EXIT_JOURNAL => "journal",
            _ => "refused",
        }
    }

    /// What to do next, beyond the error's own words.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::Sdk(SdkError::Api(api)) => Some(match api.kind() {
                ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden => {
                    "check DOJO_API_KEY (or --api-key-file): a sandbox key starts with sk_sandbox_, and it must \
                     belong to the account that owns the intent"
                }
                ApiErrorKind::NotFound => {
                    "check the id and that the key is for the same environment (sandbox or production); a \
                     canceled payment intent shows only with --return-canceled"
                }
                ApiErrorKind::Conflict | ApiErrorKind::MethodNotAllowed => {
                    "read its current status with `dojo setup-intents get ID` or `dojo payment-intents get ID`"
                }
                ApiErrorKind::BadRequest => "fix the fields the server names and run the command again",
                ApiErrorKind::TooManyRequests => "wait a little and run it again",
                _ => "try again later; if it persists, quote the traceId to Dojo support",
            }),
            CliError::Sdk(SdkError::OutcomeUnknown(_)) => Some(
                "run `dojo resume`: the journal knows what was in flight and settles it (or find it yourself: \
                     `dojo payment-intents get ID`, `setup-intents get`) before retrying",
            ),
            CliError::Sdk(SdkError::Transport(_)) => {
                Some("check the network and --base-url (DOJO_BASE_URL); for a local emulator run `dojo sandbox`")
            }
            _ => None,
        }
    }

    /// The error as JSON, for `--json`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), self.kind().into());
        if let CliError::Sdk(e) = self {
            m.insert("class".into(), e.class().name().into());
        }
        m.insert("exitCode".into(), self.exit_code().into());
        m.insert("message".into(), self.to_string().into());
        if let Some(hint) = self.hint() {
            m.insert("hint".into(), hint.into());
        }
        if let CliError::Sdk(SdkError::Api(api)) = self {
            m.insert("status".into(), api.status().into());
            if let Some(t) = api.title() {
                m.insert("title".into(), t.into());
            }
            if let Some(t) = api.trace_id() {
                m.insert("traceId".into(), t.into());
            }
        }
        // The report's subject: the same fields from either adapter (dojo-core's ClientError).
        if let Some(u) = self.sdk().and_then(SdkError::outcome_unknown) {
            m.insert("operation".into(), u.operation.name().into());
            if let Some(pi) = &u.payment_intent() {
                m.insert("paymentIntentId".into(), pi.as_str().into());
            }
            if let Some(si) = &u.setup_intent() {
                m.insert("setupIntentId".into(), si.as_str().into());
            }
            if let Some(k) = &u.idempotency_key {
                m.insert("idempotencyKey".into(), (**k).into());
            }
        }
        serde_json::json!({ "error": m })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Refused(m) | CliError::Journal(m) => f.write_str(m),
            CliError::AlreadyReported(code) => write!(f, "exit code {code}"),
            CliError::Sdk(e) => e.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct() {
        let api = CliError::Sdk(SdkError::Api(dojo_ureq::ApiError::new(404, b"{}".to_vec(), None)));
        let codes = [
            CliError::Usage("x".into()).exit_code(),
            api.exit_code(),
            CliError::Refused("x".into()).exit_code(),
            CliError::Sdk(SdkError::Config(dojo_ureq::ConfigError::NoRandomness)).exit_code(),
        ];
        assert_eq!(codes, [EXIT_USAGE, EXIT_API, EXIT_REFUSED, EXIT_USAGE]);
        assert_eq!(api.to_json().pointer("/error/status"), Some(&serde_json::json!(404)));
        assert!(api.hint().unwrap().contains("check the id"));
    }
}
