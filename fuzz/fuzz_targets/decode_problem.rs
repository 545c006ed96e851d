#![no_main]
//! Any bytes as an error answer: building the ApiError never panics, and its lazy
//! `errors` map iterates to its length.

use dojo_core::problem::ApiError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let e = ApiError::from_response(400, body);
    if let Some(p) = e.problem() {
        if let Some(errors) = p.errors {
            let mut n = 0;
            for (_, messages) in errors.iter() {
                assert_eq!(messages.iter().count(), messages.len());
                n += 1;
            }
            assert_eq!(n, errors.len());
        }
        let _ = p.member("traceId");
    }
});
