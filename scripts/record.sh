#!/usr/bin/env bash
# Runs a measuring script and writes what it printed into docs/measurements.md.
#
#   scripts/record.sh SECTION                 # the section's own command (below)
#   scripts/record.sh SECTION CMD [ARG…]      # any command
#   scripts/record.sh --list                  # the sections and their commands
#
# The page holds one marked block per section:
#
#   <!-- BEGIN footprint -->
#   …
#   <!-- END footprint -->
#
# The block is replaced (or appended, under a heading of the section's name, when the
# page has none yet) with the command line, its exit code, the date and time (UTC), the
# machine (kernel, CPU model, cores, rustc) and its load average before and after the
# run, then what the command printed on stdout (its stderr goes to the terminal only).
# The command's exit code is recorded, and is this script's exit code: a failed check's
# figures are figures too, and the page says it failed.
#
# The sections and their commands:
#   footprint       bash scripts/footprint.sh                       (x86_64 kiosk proxy)
#   targets         bash scripts/targets.sh                         (riscv32imc, thumbv7em under QEMU)
#   loadtest        bash scripts/loadtest.sh                        (the emulator under wrk; 2 min)
#   crash-campaign  bash scripts/crash-campaign.sh 5                (journal + resume under SIGKILL)
#   bench-json      cargo bench -p dojo-core --bench vs_serde_json  (ratio table only)
#   bench-sandbox   cargo bench -p dojo-sandbox --bench throughput
#   bench-ureq      cargo bench -p dojo-ureq --bench overhead
#
# Measure on a quiet machine: the page records the load so a reader can judge.
# PAGE=path overrides the page (for trying it out).
set -euo pipefail
cd "$(dirname "$0")/.."

page="${PAGE:-docs/measurements.md}"

# The section's default command, and the first line of its output to keep (a regular
# expression; empty: all of it).
preset() {
    case "$1" in
        footprint) cmd=(bash scripts/footprint.sh) from='' ;;
        targets) cmd=(bash scripts/targets.sh) from='' ;;
        loadtest) cmd=(bash scripts/loadtest.sh) from='' ;;
        crash-campaign) cmd=(bash scripts/crash-campaign.sh 5) from='' ;;
        bench-json) cmd=(cargo bench -p dojo-core --bench vs_serde_json) from='^benchmark ' ;;
        bench-sandbox) cmd=(cargo bench -p dojo-sandbox --bench throughput) from='' ;;
        bench-ureq) cmd=(cargo bench -p dojo-ureq --bench overhead) from='' ;;
        *) return 1 ;;
    esac
}

usage() {
    sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then
    sed -n '/^# The sections and their commands:/,/^#$/p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
section="$1"
shift
case "$section" in
    ''|*[!a-z0-9-]*) echo "record: a section name is lower-case letters, digits and '-': $section" >&2; exit 2 ;;
esac
from=''
if [ $# -gt 0 ]; then
    cmd=("$@")
elif ! preset "$section"; then
    echo "record: no command for section '$section': give one, or see --list" >&2
    exit 2
fi
[ -f "$page" ] || { echo "record: $page is missing" >&2; exit 2; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*average[s]*: //'; }
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
machine="$(uname -srm), ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') cores, $(rustc --version 2>/dev/null || echo 'no rustc')"
started="$(date -u +%Y-%m-%dT%H:%MZ)"
load_before="$(loadavg)"

out="$(mktemp)"
block="$(mktemp)"
trap 'rm -f "$out" "$block"' EXIT
set +e
"${cmd[@]}" | tee "$out"
code="${PIPESTATUS[0]}"
set -e
load_after="$(loadavg)"

{
    echo "<!-- BEGIN $section -->"
    echo "Recorded by \`scripts/record.sh $section\` on $started: \`${cmd[*]}\`, exit $code."
    echo "Machine: $machine; load average (1, 5, 15 min) before $load_before, after $load_after."
    echo
    echo '```text'
    if [ -n "$from" ]; then
        awk -v re="$from" 'found || $0 ~ re { found = 1; print }' "$out"
    else
        cat "$out"
    fi
    echo '```'
    echo "<!-- END $section -->"
} >"$block"

begin="<!-- BEGIN $section -->"
end="<!-- END $section -->"
if grep -qxF "$begin" "$page"; then
    grep -qxF "$end" "$page" || { echo "record: $page has '$begin' but no '$end'" >&2; exit 2; }
    awk -v begin="$begin" -v end="$end" -v block="$block" '
        $0 == begin { while ((getline line < block) > 0) print line; skipping = 1; next }
        $0 == end { skipping = 0; next }
        !skipping { print }
    ' "$page" >"$page.new"
else
    { cat "$page"; echo; echo "### $section"; echo; cat "$block"; } >"$page.new"
fi
mv "$page.new" "$page"
echo "record: section '$section' of $page rewritten (exit $code)" >&2
exit "$code"
