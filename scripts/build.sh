#!/usr/bin/env bash
# Configures and builds carebridge with Ninja.
#   scripts/build.sh [release]  -> build/release : RelWithDebInfo, no tests
#   scripts/build.sh sanitize   -> build/sanitize: Debug at -O1 with ASan+UBSan, tests on
#                                  (-O1 keeps sanitized test runs fast and stack traces usable)
#   scripts/build.sh threads    -> build/threads : ThreadSanitizer, only the tests of the layers
#                                  that run threads of their own (net: I/O threads; store: writer)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-release}"
targets=()
case "$mode" in
  release)
    dir=build/release
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAREBRIDGE_SANITIZE=OFF -DCAREBRIDGE_TESTS=OFF)
    ;;
  sanitize)
    dir=build/sanitize
    args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1"
          -DCAREBRIDGE_SANITIZE=ON -DCAREBRIDGE_TESTS=ON -DCAREBRIDGE_BENCH=ON)  # bench: its smoke test
    ;;
  threads)
    dir=build/threads
    args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1"
          -DCAREBRIDGE_SANITIZE=OFF -DCAREBRIDGE_TSAN=ON -DCAREBRIDGE_TESTS=ON)
    targets=(--target net_tests store_tests)
    ;;
  *)
    echo "usage: $0 [release|sanitize|threads]" >&2
    exit 2
    ;;
esac

# ccache (when installed) lets git worktrees and re-runs reuse objects; BASEDIR makes the
# cache key independent of where the checkout lives.
if command -v ccache >/dev/null 2>&1; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

cmake -S . -B "$dir" -G Ninja "${args[@]}"
cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}"
