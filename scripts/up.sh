#!/usr/bin/env bash
# Builds a release binary and runs `carebridge up` with the demo configuration.
# Extra arguments are passed to carebridge.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/build.sh release
# The platform and the helpdesk in one process on the SQLite store under ./data; it prints the
# URLs of the visitor page and the agent console.
exec build/release/carebridge up --config config/up.toml "$@"
