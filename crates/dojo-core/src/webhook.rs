//! Webhook verification. (being written by a helper)
use core::fmt;

/// Why a webhook delivery was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// placeholder
    Placeholder,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("webhook")
    }
}
