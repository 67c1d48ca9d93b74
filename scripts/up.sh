#!/usr/bin/env bash
# Builds a release binary and runs the platform with the example (demo) configuration.
# Extra arguments are passed to carebridge.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/build.sh release
# TODO(later issue): switch to `carebridge up`.
exec build/release/carebridge platform --config config/example.toml "$@"
