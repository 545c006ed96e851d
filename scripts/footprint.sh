#!/usr/bin/env bash
# The kiosk footprint, measured.
#
#   scripts/footprint.sh
#
# Builds checks/kiosk-footprint (a #![no_std], #![no_main] x86_64 binary with its own
# _start and no libc: the kiosk no-show flow through dojo-embedded-svc over a stub
# Connection, across a reboot, with its journal on a RAM-backed NOR flash (enroll,
# recover, settle); opt-level "z", LTO, panic = "abort"), runs it, and prints its section
# sizes (.text, .rodata, .data, .bss), the buffer bytes the flow needs, and the flow's
# peak stack (measured by painting a 16 KiB static stack and counting the bytes the flow
# left untouched). `.data` holds the 12 KiB RAM-backed flash (a static initialised to
# 0xFF, erased NOR). Exits non-zero if the build or the flow fails, or if the flow reached
# the last 512 bytes of its 16 KiB stack. The size goals (.text <= 48 KiB, buffers <=
# 8 KiB) are printed as met or missed; they are figures, not assertions. Since issue 10 the
# .text goal is judged on the real MCU instruction sets (scripts/targets.sh: riscv32imc,
# thumbv7em); this x86_64 build is the cross-check, and x86_64 code is larger for the same
# flow (2026-12-07: 45,995 B here against 38,612 B on riscv32imc and 31,556 B on thumbv7em).
set -euo pipefail
cd "$(dirname "$0")/../checks/kiosk-footprint"

cargo build --release --quiet
bin=target/release/dojo-kiosk-footprint

set +e
out=$("./$bin")
status=$?
set -e
printf '%s\n' "$out" | grep '^checkout=' | head -n 1
if [ "$status" -ne 0 ]; then
  printf '%s\n' "$out" >&2
  echo "kiosk footprint: the flow failed (exit $status)" >&2
  exit 1
fi

val() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | sort -n | tail -n 1; }
section() { size -A "$bin" | awk -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'; }

text=$(section .text)
rodata=$(section .rodata)
data=$(section .data)
data_rel_ro=$(section .data.rel.ro)
bss=$(section .bss)
stack=$(val stack_bytes)
peak=$(val stack_peak)
buffer=$(val buffer_bytes)
request=$(val largest_request)
answer=$(val largest_answer)
needed=$(( request > answer ? request : answer ))

goal() { if [ "$1" -le "$2" ]; then echo "goal <= $2: met"; else echo "goal <= $2: MISSED"; fi; }

echo "kiosk footprint (x86_64, opt-level=z, LTO, panic=abort, $(rustc --version | cut -d' ' -f2)):"
printf '  %-34s %7d bytes  (%s on x86_64; the goal is judged on the MCU targets: scripts/targets.sh)\n' ".text" "$text" "$(goal "$text" 49152)"
printf '  %-34s %7d bytes\n' ".rodata" "$rodata"
printf '  %-34s %7d bytes  (+ .data.rel.ro %d)\n' ".data" "$data" "$data_rel_ro"
printf '  %-34s %7d bytes  (of which the %d-byte measuring stack and the %d-byte buffer)\n' ".bss" "$bss" "$stack" "$buffer"
printf '  %-34s %7d bytes  (%s; one buffer: request body + URL, then each answer)\n' "work buffer allocated" "$buffer" "$(goal "$buffer" 8192)"
printf '  %-34s %7d bytes  (largest request body + URL %d, largest answer %d)\n' "work buffer used at most" "$needed" "$request" "$answer"
printf '  %-34s %7d bytes  (%s)\n' "peak stack of the flow" "$peak" "$(goal "$peak" 16384)"
