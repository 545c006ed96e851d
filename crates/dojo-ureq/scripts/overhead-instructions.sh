#!/usr/bin/env bash
# Instructions and syscalls per call of dojo-ureq against raw ureq, robust against machine load:
# the emulator runs in its own process; callgrind counts the client's user-space instructions (all
# its threads) for N and 2N calls of each mode, and prints the difference / N (warm-up and setup
# cancel out); `strace -c -f` counts its syscalls the same way.
#
#   bash crates/dojo-ureq/scripts/overhead-instructions.sh [N]     (default N = 200; needs valgrind, strace)
#
# Modes (examples/overhead_probe.rs): get / send-with / post through the client (d); through the
# client's own Agent (the same connector and resolver), raw-get / raw-post reading the body's bytes
# only (a), raw-*-dojo also decoding it with dojo-core as the adapter does (b: the same work),
# raw-*-serde decoding it with serde_json into an owned struct (c), raw-post-build also building
# the request with dojo-core on every call (b+: all the adapter's work but its own); stock-get / stock-post through a
# stock ureq Agent with the same settings, bytes only. `MODES="get raw-get" bash …` for a subset.
set -euo pipefail
n=${1:-200}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
cargo build --release -q -p dojo-sandbox --bins
cargo build --release -q -p dojo-ureq --example overhead_probe
target=${CARGO_TARGET_DIR:-$root/target}
probe=$target/release/examples/overhead_probe
tmp=$(mktemp -d)
"$target/release/dojo-sandbox" --port 0 >"$tmp/url" 2>/dev/null &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
base=$(head -1 "$tmp/url")
count() { valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$probe" "$base" "$1" "$2" 2>&1 | sed -n 's/.*Collected : //p'; }
syscalls() { strace -c -f -o "$tmp/st" "$probe" "$base" "$1" "$2" >/dev/null; awk '$NF == "total" { print $4 }' "$tmp/st"; }
printf '%-11s %14s %14s\n' mode 'instr/call' 'syscalls/call'
for mode in ${MODES:-get send-with raw-get raw-get-dojo raw-get-serde stock-get post raw-post raw-post-dojo raw-post-build raw-post-serde stock-post}; do
    a=$(count "$mode" "$n")
    b=$(count "$mode" $((2 * n)))
    sa=$(syscalls "$mode" "$n")
    sb=$(syscalls "$mode" $((2 * n)))
    printf '%-11s %14d %14.1f\n' "$mode" $(((b - a) / n)) "$(echo "($sb - $sa) / $n" | bc -l)"
done
