//! The customer's checkout link for a setup intent: `https://pay.dojo.tech/checkout/{id}`
//! (on a kiosk, shown as a QR code).

use crate::error::BufferTooSmall;
use crate::id::{MAX_ID_LEN, SetupIntentId};

/// Dojo's hosted checkout page, to which the setup intent's id is appended.
pub const CHECKOUT_BASE: &str = "https://pay.dojo.tech/checkout/";

/// The longest link [`checkout_link`] writes.
pub const CHECKOUT_LINK_MAX_LEN: usize = CHECKOUT_BASE.len() + MAX_ID_LEN;

/// Writes `https://pay.dojo.tech/checkout/{id}` into `out`.
pub fn checkout_link<'o>(id: &SetupIntentId, out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
    checkout_link_with_base(CHECKOUT_BASE, id, out)
}

/// Writes `{base}/{id}` into `out`, with exactly one `/` between them (for a local
/// emulator's checkout page, e.g. `http://127.0.0.1:8080/checkout`).
pub fn checkout_link_with_base<'o>(
    base: &str,
    id: &SetupIntentId,
    out: &'o mut [u8],
) -> Result<&'o str, BufferTooSmall> {
    // Trailing slashes trimmed as bytes ('/' is ASCII): no char decoding, which
    // `trim_end_matches('/')` brings in.
    let mut base = base.as_bytes();
    while let Some((b'/', rest)) = base.split_last() {
        base = rest;
    }
    let id = id.as_str().as_bytes();
    let needed = base.len() + 1 + id.len();
    let Some(dst) = out.get_mut(..needed) else {
        return Err(BufferTooSmall { needed });
    };
    // `{base}/{id}`, written straight (the lengths add up to `needed` by construction).
    let (b, rest) = dst.split_at_mut(base.len());
    b.copy_from_slice(base);
    if let Some((slash, i)) = rest.split_first_mut() {
        *slash = b'/';
        i.copy_from_slice(id);
    }
    core::str::from_utf8(dst).map_err(|_| BufferTooSmall { needed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_link() {
        let id = SetupIntentId::new("si_sandbox_c9RbgPcWbkGcUIbsFSzHcA").unwrap();
        let mut buf = [0u8; CHECKOUT_LINK_MAX_LEN];
        assert_eq!(
            checkout_link(&id, &mut buf).unwrap(),
            "https://pay.dojo.tech/checkout/si_sandbox_c9RbgPcWbkGcUIbsFSzHcA"
        );
        assert_eq!(
            checkout_link_with_base("http://127.0.0.1:8080/checkout/", &id, &mut buf).unwrap(),
            "http://127.0.0.1:8080/checkout/si_sandbox_c9RbgPcWbkGcUIbsFSzHcA"
        );
        for base in ["http://h/c", "http://h/c/", "http://h/c///", "http://h/é/"] {
            let want = std::format!("{}/{}", base.trim_end_matches('/'), id.as_str());
            assert_eq!(checkout_link_with_base(base, &id, &mut buf).unwrap(), want);
        }
        assert_eq!(checkout_link_with_base("///", &id, &mut buf).unwrap(), std::format!("/{}", id.as_str()));
        assert_eq!(checkout_link_with_base("", &id, &mut buf).unwrap(), std::format!("/{}", id.as_str()));
        let mut small = [0u8; 10];
        assert_eq!(checkout_link(&id, &mut small), Err(BufferTooSmall { needed: 31 + 33 }));
        let longest = SetupIntentId::new(&"x".repeat(MAX_ID_LEN)).unwrap();
        assert_eq!(checkout_link(&longest, &mut buf).unwrap().len(), CHECKOUT_LINK_MAX_LEN);
    }
}
