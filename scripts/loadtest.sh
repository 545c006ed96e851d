#!/usr/bin/env bash
# Load test of the dojo-sandbox HTTP emulator with wrk, coordinated-omission corrected.
#
# Starts the release binary on a free loopback port, then for GET /setup-intents/{id} (an
# Authorized setup intent, ~1.2 KB of JSON) and POST /setup-intents (the store grows) runs
# wrk with CONNS connections (one per wrk thread) at a constant offered RATE for DURATION,
# through scripts/loadtest/paced.lua, which measures each request's latency from the time
# it was due to be sent (not from when it was sent), so stalls are not hidden. Prints
# req/s, p50/p99/p99.9/max, the server's RSS before and after, and the machine's load.
#
#   scripts/loadtest.sh                     # 32 connections, 20 000 req/s, 60 s each
#   RATE=40000 DURATION=20s scripts/loadtest.sh
#
# Needs wrk (Debian: apt-get install wrk; it is LuaJIT-based, which the script needs).
# `scripts/record.sh loadtest` runs this and writes its output, with the date, machine and load,
# into docs/measurements.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS="${CONNS:-32}"
RATE="${RATE:-20000}"
DURATION="${DURATION:-60s}"
MAX_INTENTS_NOTE="(Config::max_intents default: 100000)"

command -v wrk >/dev/null || { echo "loadtest: wrk is missing (apt-get install wrk)" >&2; exit 2; }
cargo build -q --release -p dojo-sandbox
bin=target/release/dojo-sandbox

out="$(mktemp)"
"$bin" --port 0 >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  [ -s "$out" ] && break
  sleep 0.05
done
base="$(head -n1 "$out")"
[ -n "$base" ] || { echo "loadtest: the sandbox did not start" >&2; exit 1; }

key="Authorization: Basic sk_sandbox_load"
si="$(curl -sf -X POST "$base/setup-intents" -H "$key" -H 'version: 2026-02-27' -H 'Content-Type: application/json' \
  -d '{"reference":"Load","terms":"No-show fee","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}' \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')"
curl -sf -X POST "$base/_sandbox/setup-intents/$si/authorize" >/dev/null

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "machine: $(nproc) cores, $(awk '{print "load average " $1 ", " $2 ", " $3}' /proc/loadavg) at $(date -u +%FT%TZ)"
echo "server: $bin (release), wrk $CONNS connections / $CONNS threads, offered $RATE req/s, $DURATION each $MAX_INTENTS_NOTE"
echo "rss before: $(rss)"

run() {
  METHOD="$1" URLPATH="$2" BODY="${3:-}" RATE="$RATE" CONNS="$CONNS" \
    wrk -t "$CONNS" -c "$CONNS" -d "$DURATION" --timeout 10s -s scripts/loadtest/paced.lua "$base" | grep -E "^(RESULT|wrk)"
}
run GET "/setup-intents/$si"
echo "rss after GET: $(rss)"
run POST /setup-intents '{"reference":"Load","terms":"No-show fee","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}'
echo "rss after POST: $(rss)"
echo "stats: $(curl -sf "$base/_sandbox/stats")"
echo "machine after: $(awk '{print "load average " $1 ", " $2 ", " $3}' /proc/loadavg)"
