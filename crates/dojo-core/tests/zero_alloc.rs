//! The whole seed flow — build every request, decode every response kind, verify a
//! webhook, drive the lifecycle — performs zero heap allocations. A counting global
//! allocator counts every allocation made on this test's thread while the flow runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, allocations};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn the_counter_counts() {
    let (_, n) = allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(n, 1);
}

mod flow {
    include!("common/seed_flow.rs");
}

#[test]
fn the_seed_flow_allocates_nothing() {
    let (result, n) = allocations(flow::run);
    result.unwrap();
    assert_eq!(n, 0, "the seed flow allocated {n} times");
}
