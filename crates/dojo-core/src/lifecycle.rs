//! Lifecycle state machines. (being written by a helper)
use core::fmt;

/// A lifecycle rule the caller's request would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleError {
    /// placeholder
    Placeholder,
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lifecycle")
    }
}
