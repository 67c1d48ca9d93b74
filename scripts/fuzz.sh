#!/usr/bin/env bash
# libFuzzer targets (tests/fuzz) under ASan+UBSan, built with clang in build/fuzz.
#   scripts/fuzz.sh [ci]                  replay every kept crash (tests/fuzz/regressions/<target>/),
#                                         then fuzz each target for FUZZ_SECONDS (default 20) from
#                                         its seed corpus; what it finds goes to a temporary dir
#   scripts/fuzz.sh long SECONDS [TARGET] fuzz each target (or one) for SECONDS, growing the
#                                         corpus in build/fuzz/corpus/<target> across runs
# A crash leaves its input in build/fuzz/artifacts/<target>/; fix it, then copy the input into
# tests/fuzz/regressions/<target>/ so every later run replays it. Exit status: non-zero on any
# crash, leak, timeout or sanitizer report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-ci}"
targets=(http_api url jwt sdk_envelope config html json_text record_codec)
case "$mode" in
  ci) seconds="${FUZZ_SECONDS:-20}" ;;
  long)
    seconds="${2:?usage: $0 long SECONDS [TARGET]}"
    if [[ -n "${3:-}" ]]; then targets=("$3"); fi
    ;;
  *)
    echo "usage: $0 [ci] | long SECONDS [TARGET]" >&2
    exit 2
    ;;
esac

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/deps.sh installs it)" >&2; exit 1; }
done

dir=build/fuzz
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
args=(-DCMAKE_BUILD_TYPE= "-DCMAKE_CXX_FLAGS=$flags" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" -DCAREBRIDGE_TESTS=OFF -DCAREBRIDGE_FUZZ=ON)
if command -v ccache >/dev/null 2>&1; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
start=$SECONDS
cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
cmake --build "$dir" --target fuzzers --parallel "$(nproc)"
echo "fuzz.sh: build took $((SECONDS - start)) s"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Bounded per input and in memory, so a hang or a blow-up is a finding rather than a stuck CI.
limits=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)

status=0
for t in "${targets[@]}"; do
  bin="$dir/tests/fuzz/fuzz_$t"
  seeds="tests/fuzz/corpus/$t"
  artifacts="$dir/artifacts/$t/"
  mkdir -p "$artifacts"
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [[ -e "${regressions[0]}" ]]; then
    echo "fuzz.sh: $t: replaying ${#regressions[@]} regression input(s)"
    "$bin" "${limits[@]}" "${regressions[@]}" >/dev/null 2>"$dir/$t.replay.log" ||
      { echo "fuzz.sh: $t: a regression input fails again:" >&2; tail -40 "$dir/$t.replay.log" >&2; status=1; continue; }
  fi
  if [[ "$mode" == ci ]]; then
    work="$(mktemp -d)"
  else
    work="$dir/corpus/$t"
    mkdir -p "$work"
  fi
  echo "fuzz.sh: $t: fuzzing for ${seconds} s"
  if ! "$bin" "${limits[@]}" -max_total_time="$seconds" -artifact_prefix="$artifacts" \
        "$work" "$seeds" >"$dir/$t.log" 2>&1; then
    echo "fuzz.sh: $t: FAILED; input kept in $artifacts" >&2
    tail -60 "$dir/$t.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$dir/$t.log" | tr '\n' ' ' | sed "s/^/fuzz.sh: $t: /"
    echo
  fi
  if [[ "$mode" == ci ]]; then rm -rf "$work"; fi
done
echo "fuzz.sh: done in $((SECONDS - start)) s, status $status"
exit "$status"
