#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed, for the Temporal UI browser test
# (test/integration/ui/temporal-ui.test.ts drives it through playwright-core). Idempotent: when
# `chromium` is on PATH it does nothing. Otherwise it installs the distribution's package with
# apt-get (no browser is downloaded from anywhere else), as root or through passwordless sudo.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "ensure-chromium: $1" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 \
  || fail "chromium is not on PATH and apt-get is unavailable: install Debian's 'chromium' package (or put a Chromium named 'chromium' on PATH) and re-run."

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "chromium is not on PATH and installing it needs root: run 'apt-get install chromium' as root and re-run."
fi

started=$(date +%s)
echo "ensure-chromium: chromium is not installed; installing Debian's chromium package with apt-get (about 125 MB to download)..."
echo "ensure-chromium: [1/2] apt-get update"
"${as_root[@]}" apt-get update \
  || fail "'apt-get update' failed (see above): apt cannot reach its package sources."
echo "ensure-chromium: [2/2] apt-get install chromium"
# Without recommends (no desktop extras); fonts-liberation gives pages a metric-compatible sans font.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  -o Dpkg::Use-Pty=0 chromium fonts-liberation \
  || fail "'apt-get install chromium' failed (see above)."

command -v chromium >/dev/null 2>&1 || fail "apt-get finished but chromium is still not on PATH."
echo "ensure-chromium: $(chromium --version 2>/dev/null || echo chromium) installed in $(( $(date +%s) - started )) s"
