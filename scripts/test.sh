#!/usr/bin/env bash
# The CI entry point: dependencies, sanitized build, every test, then the fuzz targets briefly.
# Exits non-zero if ctest or fuzzing failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/build.sh sanitize
scripts/build.sh threads  # the threaded layers' tests under ThreadSanitizer

# LeakSanitizer stops the process with ptrace-like machinery at exit; where that is forbidden
# (some containers, running under strace/gdb) every test would die with "LeakSanitizer has
# encountered a fatal error". Probe once with a leak-free program and only then keep it on.
lsan_works() {
  local dir status=0
  dir="$(mktemp -d)"
  printf 'int main() { return 0; }\n' > "$dir/probe.cpp"
  { c++ -fsanitize=address "$dir/probe.cpp" -o "$dir/probe" &&
      ASAN_OPTIONS=detect_leaks=1 "$dir/probe"; } >/dev/null 2>&1 || status=$?
  rm -rf "$dir"
  return "$status"
}
if lsan_works; then
  leaks=1
else
  leaks=0
  echo "test.sh: LeakSanitizer unavailable here; running with detect_leaks=0" >&2
fi
# Our defaults first so options already in the environment still win.
export ASAN_OPTIONS="detect_leaks=${leaks}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
ctest --test-dir build/sanitize --output-on-failure -j2 --timeout 300 || status=$?
for t in net_tests store_tests; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1${TSAN_OPTIONS:+ $TSAN_OPTIONS}" \
    timeout 600 "build/threads/tests/$t" --gtest_brief=1 || status=1
done
# Then every fuzz target for a short bounded time (build/fuzz, clang; see docs/TESTING.md),
# failing CI on any crash while still reporting ctest's failure first.
scripts/fuzz.sh ci || { [[ $status -ne 0 ]] || status=1; }
exit "$status"
