//! The secret API key.

use core::fmt;

use zeroize::Zeroize;

use crate::error::{ValidationError, ValidationErrorKind};

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 200;

const SCHEME: &str = "Basic ";
const SANDBOX_PREFIX: &str = "sk_sandbox_";
const PROD_PREFIX: &str = "sk_prod_";

/// Which Dojo environment a key belongs to (sandbox and production share one host; the
/// key's prefix selects the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// A `sk_sandbox_…` key: test cards, no money moves.
    Sandbox,
    /// A `sk_prod_…` key: real money.
    Production,
}

impl Environment {
    /// `"sandbox"` or `"production"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        }
    }
}

/// A Dojo secret key (`sk_sandbox_…` or `sk_prod_…`).
///
/// It keeps the whole `Authorization` header value, `Basic <key>` (Dojo wants the raw
/// key after `Basic `, not base64 of a user:password pair), so adapters can pass a
/// `&str` header without building one. `Debug` and `Display` never show the key, and its
/// bytes are zeroized when it is dropped (every clone too).
///
/// Zeroizing covers the value where it is dropped: like any Rust value, a move may leave
/// a stale copy of the bytes in the frame it left, so build the key where it will live
/// (a `static`, a long-lived task's stack) rather than passing it around by value.
/// The key is copied in; the `&str` it was built from is the caller's to wipe.
#[derive(Clone)]
pub struct ApiKey {
    header: [u8; SCHEME.len() + MAX_KEY_LEN],
    len: usize,
    environment: Environment,
}

impl ApiKey {
    /// Checks and keeps `key`: `sk_sandbox_` or `sk_prod_` followed by at least one
    /// visible ASCII character, no white space, at most [`MAX_KEY_LEN`] bytes.
    pub fn new(key: &str) -> Result<Self, ValidationError> {
        let invalid = |kind| ValidationError::new("apiKey", kind);
        if key.is_empty() {
            return Err(invalid(ValidationErrorKind::Empty));
        }
        if key.len() > MAX_KEY_LEN {
            return Err(invalid(ValidationErrorKind::TooLong { max: MAX_KEY_LEN }));
        }
        let (environment, rest) = if let Some(rest) = key.strip_prefix(SANDBOX_PREFIX) {
            (Environment::Sandbox, rest)
        } else if let Some(rest) = key.strip_prefix(PROD_PREFIX) {
            (Environment::Production, rest)
        } else {
            return Err(invalid(ValidationErrorKind::InvalidFormat));
        };
        if rest.is_empty() {
            return Err(invalid(ValidationErrorKind::InvalidFormat));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(ValidationErrorKind::InvalidCharacter));
        }
        let mut header = [0u8; SCHEME.len() + MAX_KEY_LEN];
        let len = SCHEME.len() + key.len();
        let (scheme, rest) = header.split_at_mut(SCHEME.len());
        scheme.copy_from_slice(SCHEME.as_bytes());
        if let Some(k) = rest.get_mut(..key.len()) {
            k.copy_from_slice(key.as_bytes());
        }
        Ok(ApiKey { header, len, environment })
    }

    /// The key's environment.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The `Authorization` header value: `Basic <key>`.
    pub fn authorization_header(&self) -> &str {
        self.header.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The key itself (for the rare caller that must store it elsewhere).
    pub fn expose_secret(&self) -> &str {
        self.authorization_header().get(SCHEME.len()..).unwrap_or("")
    }
}

impl Drop for ApiKey {
    fn drop(&mut self) {
        self.header.zeroize();
        self.len.zeroize();
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}, <redacted>)", self.environment.as_str())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} API key>", self.environment.as_str())
    }
}

impl PartialEq for ApiKey {
    /// Constant-time comparison of the keys.
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.len == other.len && bool::from(self.header.ct_eq(&other.header))
    }
}

impl Eq for ApiKey {}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_sandbox_SECRETc0ffee1234567890";

    #[test]
    fn accepts_both_environments() {
        let k = ApiKey::new(KEY).unwrap();
        assert_eq!(k.environment(), Environment::Sandbox);
        assert_eq!(k.authorization_header(), "Basic sk_sandbox_SECRETc0ffee1234567890");
        assert_eq!(k.expose_secret(), KEY);
        let p = ApiKey::new("sk_prod_abc").unwrap();
        assert_eq!(p.environment(), Environment::Production);
        assert_ne!(k, p);
        assert_eq!(k, k.clone());
    }

    #[test]
    fn never_prints_the_key() {
        let k = ApiKey::new(KEY).unwrap();
        for shown in [format!("{k:?}"), format!("{k}"), format!("{k:#?}")] {
            assert!(!shown.contains("SECRET") && !shown.contains("c0ffee"), "{shown}");
        }
        assert_eq!(format!("{k:?}"), "ApiKey(sandbox, <redacted>)");
    }

    #[test]
    fn rejects_bad_keys() {
        let kind = |k: &str| ApiKey::new(k).unwrap_err().kind;
        assert_eq!(kind(""), ValidationErrorKind::Empty);
        assert_eq!(kind("pk_sandbox_abc"), ValidationErrorKind::InvalidFormat);
        assert_eq!(kind("sk_test_abc"), ValidationErrorKind::InvalidFormat);
        assert_eq!(kind("sk_sandbox_"), ValidationErrorKind::InvalidFormat);
        assert_eq!(kind("sk_sandbox_a b"), ValidationErrorKind::InvalidCharacter);
        assert_eq!(kind("sk_sandbox_abc\n"), ValidationErrorKind::InvalidCharacter);
        assert_eq!(kind("sk_prod_é"), ValidationErrorKind::InvalidCharacter);
        assert_eq!(
            kind(&format!("sk_prod_{}", "a".repeat(MAX_KEY_LEN))),
            ValidationErrorKind::TooLong { max: MAX_KEY_LEN }
        );
        assert_eq!(ApiKey::new("x").unwrap_err().field, "apiKey");
    }
}
