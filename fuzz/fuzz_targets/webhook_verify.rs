#![no_main]
//! Webhook verification never panics, accepts a body only with the signature made from
//! that exact body and one of the secrets, and decodes only verified bodies.

use arbitrary::Arbitrary;
use dojo_core::webhook::{SIGNATURE_LEN, WebhookError, sign, verify, verify_and_decode};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    body: &'a [u8],
    header: &'a str,
    secret: &'a str,
    other_secret: &'a str,
    flip: usize,
}

fuzz_target!(|input: Input<'_>| {
    // Arbitrary headers: never a panic, and a match only if the header is the real MAC.
    let _ = verify(input.body, input.header, &[input.secret, input.other_secret]);
    let _ = verify_and_decode(input.body, input.header, &[input.secret]);

    if input.secret.is_empty() {
        return;
    }
    let mut sig = [0u8; SIGNATURE_LEN];
    let header = sign(input.body, input.secret, &mut sig).to_owned();
    assert_eq!(verify(input.body, &header, &[input.other_secret, input.secret]).map(|_| ()), Ok(()));
    // HMAC pads short keys with zero bytes, so keys that differ only by trailing NULs are
    // the same key (real secrets are printable `ws_…` strings).
    if input.other_secret.trim_end_matches('\0') != input.secret.trim_end_matches('\0')
        && !input.other_secret.is_empty()
    {
        assert_eq!(verify(input.body, &header, &[input.other_secret]), Err(WebhookError::Mismatch));
    }
    if !input.body.is_empty() {
        let mut altered = input.body.to_vec();
        let i = input.flip % altered.len();
        altered[i] ^= 0x80;
        assert_eq!(verify(&altered, &header, &[input.secret]), Err(WebhookError::Mismatch));
    }
    if let Ok(event) = verify_and_decode(input.body, &header, &[input.secret]) {
        let _ = event.id.to_string();
    }
});
