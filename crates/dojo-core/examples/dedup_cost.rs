//! Prints what deduplication costs beside verification: the time of one
//! `SeenEvents::observe` (a miss that records, and a hit) on a full record of 64, 256 and
//! 1024 ids, next to one `webhook::verify` of a typical delivery with two active secrets,
//! and each record's size. Figures only: nothing is asserted.
//!
//! Run: `cargo run --release -p dojo-core --example dedup_cost`

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::Instant;

use dojo_core::dedup::SeenEvents;
use dojo_core::webhook::{SIGNATURE_LEN, sign, verify};

const ROUNDS: u32 = 200_000;

fn ns_per(rounds: u32, mut f: impl FnMut(u32)) -> f64 {
    // Warm up, then time.
    for i in 0..rounds / 10 {
        f(i);
    }
    let start = Instant::now();
    for i in 0..rounds {
        f(i);
    }
    start.elapsed().as_nanos() as f64 / f64::from(rounds)
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("evt_{i:022}")).collect()
}

fn measure<const N: usize>() {
    let pool = ids(4 * N);
    let mut seen = Box::new(SeenEvents::<N>::new());
    for id in &pool[..N] {
        seen.observe(id).unwrap();
    }
    // Hits: ids recorded (the newest N are the last N observed).
    let hit = ns_per(ROUNDS, |i| {
        black_box(seen.observe(black_box(&pool[i as usize % N])).unwrap());
    });
    // Misses: always a new id, which evicts the oldest.
    let mut k = N;
    let miss = ns_per(ROUNDS, |_| {
        k = if k + 1 >= pool.len() { N } else { k + 1 };
        black_box(seen.observe(black_box(&pool[k])).unwrap());
    });
    println!(
        "SeenEvents<{N:>4}>: {:>6} bytes; observe hit {hit:>7.1} ns, miss (records) {miss:>7.1} ns",
        std::mem::size_of::<SeenEvents<N>>()
    );
}

fn main() {
    let body = br#"{"id":"evt_0000000000000000000001","event":"payment_intent.status_updated","accountId":"acc_4z3k2xP17e1JQY","createdAt":"2026-03-05T20:00:21Z","data":{"paymentIntentId":"pi_sandbox_RBMHTJ4fIkmSppDILZVCGw","paymentStatus":"Captured","captureMode":"Auto"}}"#;
    let mut sig = [0u8; SIGNATURE_LEN];
    let header = sign(body, "ws_new_OYsyzcrH70GpJfs8MMkKpg", &mut sig).to_owned();
    let secrets = ["ws_new_OYsyzcrH70GpJfs8MMkKpg", "ws_old_qNkU6yob0vOMxUlb2oynUw"];
    let v = ns_per(ROUNDS / 4, |_| {
        black_box(verify(black_box(body), black_box(&header), &secrets).unwrap());
    });
    println!("verify ({} byte body, 2 active secrets): {v:.1} ns", body.len());
    measure::<64>();
    measure::<256>();
    measure::<1024>();
}
