#!/usr/bin/env bash
# Fuzzing campaign runner.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the cargo-fuzz targets (nightly; or the stable toolchain with RUSTC_BOOTSTRAP=1
# when no nightly is installed), runs each TARGET (default: all) for SECONDS (default 60)
# on its seed corpus (fuzz/corpus/TARGET, kept in the repo) plus the grown corpus
# (fuzz/grown/TARGET, kept between runs, not committed), prints executions per target,
# keeps crash artifacts in fuzz/artifacts/TARGET, and exits non-zero if any target crashed.
# Reproduce a crash with:  cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-…
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs=${1:-60}
[ $# -gt 0 ] && shift
case "$secs" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  tc=(+nightly)
else
  echo "no nightly toolchain: building with the default toolchain and RUSTC_BOOTSTRAP=1"
  tc=()
  export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo "${tc[@]}" fuzz list)
fi

# Per-target cargo-fuzz build flags, one line in fuzz/options/TARGET.build (the whole-flow
# targets: `-s none --no-trace-compares`, see fuzz/README.md), and crates compiled without
# coverage instrumentation, one line of crate names in fuzz/options/TARGET.uninstrumented
# (the whole-flow targets: `dojo_sandbox`, the emulator, through fuzz/uninstrumented-rustc);
# such a target is built into its own target directory per distinct pair of lines, so the
# default build is never redone.
build_flags=()
target_dir=()
user_wrapper=${RUSTC_WRAPPER-}
default_env() {
  unset DOJO_FUZZ_UNINSTRUMENTED
  if [ -n "$user_wrapper" ]; then export RUSTC_WRAPPER="$user_wrapper"; else unset RUSTC_WRAPPER; fi
}
flags_of() {
  build_flags=()
  target_dir=()
  default_env
  if [ -f "options/$1.build" ]; then
    read -r -a build_flags <"options/$1.build"
  fi
  if [ -f "options/$1.uninstrumented" ]; then
    export RUSTC_WRAPPER="$PWD/uninstrumented-rustc"
    DOJO_FUZZ_UNINSTRUMENTED=$(head -n 1 "options/$1.uninstrumented")
    export DOJO_FUZZ_UNINSTRUMENTED
  fi
  if [ -f "options/$1.build" ] || [ -f "options/$1.uninstrumented" ]; then
    local sum
    sum=$(cat "options/$1.build" "options/$1.uninstrumented" 2>/dev/null | cksum | cut -d' ' -f1)
    target_dir=(--target-dir "target/flags-$sum")
  fi
}

echo "building the fuzz targets"
build_log=$(mktemp)
default_env
if ! cargo "${tc[@]}" fuzz build -O >"$build_log" 2>&1; then
  cat "$build_log" >&2
  exit 1
fi
for t in "${targets[@]}"; do
  flags_of "$t"
  if [ ${#build_flags[@]} -gt 0 ] &&
    ! cargo "${tc[@]}" fuzz build -O "${build_flags[@]}" "${target_dir[@]}" "$t" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    exit 1
  fi
done
rm -f "$build_log"

failed=0
printf '%-24s %14s %12s %8s  %s\n' target executions execs/s seconds result
for t in "${targets[@]}"; do
  mkdir -p "grown/$t" "corpus/$t"
  log=$(mktemp)
  # Per-target libFuzzer flags, one line in fuzz/options/TARGET (e.g. desktop_flow's).
  extra=()
  if [ -f "options/$t" ]; then read -r -a extra <"options/$t"; fi
  flags_of "$t"
  if cargo "${tc[@]}" fuzz run -O "${build_flags[@]}" "${target_dir[@]}" "$t" "grown/$t" "corpus/$t" -- \
      -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 "${extra[@]}" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  printf '%-24s %14s %12s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$secs" "$result"
  if [ "$result" = CRASH ]; then
    grep -E 'panicked|ERROR|SUMMARY' "$log" | head -n 5 | sed 's/^/    /'
    for a in "artifacts/$t"/*; do
      [ -e "$a" ] && echo "    reproduce: cd fuzz && cargo +nightly fuzz run $t $a"
    done
  fi
  rm -f "$log"
done
exit "$failed"
