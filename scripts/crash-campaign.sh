#!/usr/bin/env bash
# Crash-injection campaign for the journal and `dojo resume` (issue 9, item 5b).
#
# Runs the crash test (crates/dojo-cli/tests/crash.rs) N times, each with its own seed
# (DOJO_CRASH_SEED = 1..N: different random kill times), and adds up its summary lines.
# Each run drives ~200 flows (create setup intent, authorize, create payment intent,
# charge) as `dojo` child processes (a debug build: it honours DOJO_CRASH_BEFORE/AFTER)
# against the emulator with latency, drop-before/after-commit, truncation, 503 and
# declined-card faults, kills them with SIGKILL at every journal step and at random times,
# resumes until settled, and checks the emulator's captures: double captures, "not
# charged" that was captured, "charged" that was not, captures not reported (lost).
#
#   scripts/crash-campaign.sh 10                          # 10 runs
#   RANDOM_FLOWS=200 scripts/crash-campaign.sh 5          # more random-time kills per run
#
# Prints one line per run and the totals; exits 1 if any run had a violation.
# `scripts/record.sh crash-campaign` runs this and writes its output, with the date, machine and load,
# into docs/measurements.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
random_flows="${RANDOM_FLOWS:-40}"
case "$runs" in ''|*[!0-9]*) echo "usage: $0 N (a number of runs)" >&2; exit 2;; esac

nice -n 5 cargo test -q -p dojo-cli --test crash --no-run 2>/dev/null
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
failed=0
started=$(date +%s)
for seed in $(seq 1 "$runs"); do
    if ! DOJO_CRASH_SEED="$seed" DOJO_CRASH_RANDOM_FLOWS="$random_flows" \
        nice -n 5 cargo test -q -p dojo-cli --test crash -- --nocapture >"$log" 2>&1; then
        failed=1
    fi
    line="$(grep '^CRASH-SUMMARY' "$log" || echo "CRASH-SUMMARY seed=$seed (no summary: the test did not finish)")"
    echo "$line"
    grep '^VIOLATION' "$log" || true
    echo "$line" >>"$log.all"
done
awk '
    /^CRASH-SUMMARY/ {
        runs++
        for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] != "seed" && kv[1] != "seconds") sum[kv[1]] += kv[2] }
    }
    END {
        printf "campaign: runs=%d flows=%d kill_points=%d outcomes: charged=%d not_charged=%d pending=%d closed=%d waiting=%d nothing_sent=%d violations=%d\n",
            runs, sum["flows"], sum["kill_points"], sum["charged"], sum["not_charged"], sum["pending"], sum["closed"],
            sum["waiting"], sum["nothing"], sum["violations"]
    }' "$log.all"
echo "campaign: $(( $(date +%s) - started )) s wall clock, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
rm -f "$log.all"
exit "$failed"
