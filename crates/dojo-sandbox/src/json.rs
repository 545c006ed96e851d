//! Response bodies, written by dojo-core's JSON writer with ASP.NET's escaping, so the
//! bytes are those the real server would send.

use dojo_core::json::{EncodeError, Escaping, to_slice_with};
use serde::Serialize;

/// Encodes `value` as the real server would.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut buf = vec![0u8; 4096];
    loop {
        match to_slice_with(value, &mut buf, Escaping::AspNet) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(EncodeError::BufferTooSmall(b)) if b.needed > buf.len() => buf.resize(b.needed, 0),
            Err(e) => return Err(e),
        }
    }
}
