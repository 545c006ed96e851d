//! What the customer sees: the terms of a no-show setup intent and its checkout link
//! (text, JSON, or a QR code).

use dojo_core::SetupIntentId;

use crate::errors::CliError;
use crate::output::{Out, outln};

/// The default terms of a no-show setup intent.
pub(crate) fn default_terms(amount: &dojo_core::Money) -> String {
    format!("If you do not arrive, we charge a no-show fee of {amount}.")
}

/// The checkout link: the emulator's stand-in page when the base URL is loopback, Dojo's
/// hosted page otherwise.
pub(crate) fn checkout_url(id: &SetupIntentId, base_url: Option<&str>) -> String {
    let mut buf = [0u8; 512];
    let local = base_url.filter(|b| dojo_ureq::config::is_loopback_url(b));
    let link = match local {
        Some(base) => dojo_core::checkout::checkout_link_with_base(
            &format!("{}/checkout", base.trim_end_matches('/')),
            id,
            &mut buf,
        ),
        None => dojo_core::checkout::checkout_link(id, &mut buf),
    };
    link.map(str::to_owned).unwrap_or_else(|_| format!("{}{id}", dojo_core::checkout::CHECKOUT_BASE))
}

/// `dojo setup-intents checkout-link`: prints the link (and its QR code when asked).
pub(crate) fn checkout_link(id: &SetupIntentId, base_url: Option<&str>, qr: bool, out: &Out) -> Result<(), CliError> {
    let url = checkout_url(id, base_url);
    let code = if qr { crate::qr::render(&url) } else { None };
    if out.json() {
        out.value(&serde_json::json!({ "setupIntentId": id.as_str(), "url": url, "qr": code }));
    } else {
        outln!("{url}");
        if let Some(code) = code {
            crate::output::write_raw(crate::output::Stream::Stdout, code.as_bytes());
        }
    }
    Ok(())
}
