#![no_main]
//! An arbitrary list of operations applied to dojo-core's lifecycle and to the reference
//! model of `crates/dojo-core/tests/common/lifecycle_model.rs`; they must agree after
//! every step, and no card is ever charged twice.

use libfuzzer_sys::fuzz_target;

include!("../../crates/dojo-core/tests/common/lifecycle_model.rs");

fuzz_target!(|ops: Vec<Op>| {
    let mut model = Model::new();
    let mut sut = Sut::new();
    for op in ops.iter().take(256) {
        if !model.precondition(op) {
            continue;
        }
        model.apply(op);
        let accepted = sut.apply(op);
        assert_eq!(accepted, model.allowed, "dojo-core and the model disagree on {op:?}");
        sut.check(&model);
    }
});
