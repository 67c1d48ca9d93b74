#!/usr/bin/env bash
# Installs the Debian 12 packages carebridge needs to build and test. Idempotent: installed
# packages are skipped and apt is only touched (update + install) when something is missing,
# so running this before every build costs a few dpkg-query calls.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache python3
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libcli11-dev libtomlplusplus-dev libsodium-dev libjemalloc-dev
  libzstd-dev
  # tests
  libgtest-dev googletest
  # fuzzing (scripts/fuzz.sh): clang 14 with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # test_authz_matrix.py mints tokens with the openssl CLI
  openssl
  # --- browser (e2e) test packages: to be added here ---
  chromium nodejs
  # --- end of browser test packages ---
)

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

install_browser_test_modules() {
  # playwright-core for tests/e2e, pinned by its package-lock.json (no browser download: the
  # tests drive Debian's chromium). Skipped when the installed lock matches.
  local dir
  dir="$(dirname "${BASH_SOURCE[0]}")/../tests/e2e"
  if [[ -f "$dir/node_modules/.package-lock.json" ]] &&
     cmp -s <(grep -v '"name"' "$dir/package-lock.json" | grep '"version"\|"integrity"') \
            <(grep -v '"name"' "$dir/node_modules/.package-lock.json" | grep '"version"\|"integrity"'); then
    return 0
  fi
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts)
}

if [[ ${#missing[@]} -eq 0 ]]; then
  install_browser_test_modules
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
# sudo resets the environment, so DEBIAN_FRONTEND is passed through env(1) explicitly.
as_root=(env DEBIAN_FRONTEND=noninteractive)
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps.sh: not root and sudo is not available; install as root: ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
fi
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
install_browser_test_modules
