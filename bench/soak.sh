#!/usr/bin/env bash
# The 10-minute soak (issue 9): tests/integration/test_soak.py against a build of carebridge,
# with a tight memory margin. Usage: bench/soak.sh [binary] (default: build/release/carebridge;
# `scripts/build.sh release` builds it). SOAK_SECONDS / SOAK_RSS_MARGIN_MB / SOAK_WARMUP_SECONDS
# override; the warm-up outlasts the soak's transcript retention (15 s) so the steady state is
# reached (event retention is the default hour: read events are bounded per channel instead).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary="${1:-build/release/carebridge}"
export SOAK_SECONDS="${SOAK_SECONDS:-600}" SOAK_RSS_MARGIN_MB="${SOAK_RSS_MARGIN_MB:-8}"
export SOAK_WARMUP_SECONDS="${SOAK_WARMUP_SECONDS:-45}"
exec python3 tests/integration/test_soak.py --binary "$binary"
