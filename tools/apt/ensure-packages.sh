#!/usr/bin/env bash
# Makes sure Debian packages the tests need are installed:
#   ensure-packages.sh <what> <file or command that shows it is there> <package>...
# e.g. `ensure-packages.sh chromium chromium chromium fonts-liberation` (the Temporal UI browser
# test) or `ensure-packages.sh postgresql /usr/lib/postgresql/15/bin/postgres postgresql-15` (the
# production profile). Idempotent: when the file exists or the command is on PATH it does nothing.
# Otherwise it installs the distribution's packages with apt-get (nothing is downloaded from
# anywhere else), as root or through passwordless sudo.
set -euo pipefail

what=$1
probe=$2
shift 2

present() {
  if [[ "$probe" == /* ]]; then [ -e "$probe" ]; else command -v "$probe" >/dev/null 2>&1; fi
}

if present; then
  exit 0
fi

fail() {
  echo "ensure-packages: $1" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 \
  || fail "$what is missing ($probe) and apt-get is unavailable: install Debian's $* and re-run."

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "$what is missing ($probe) and installing it needs root: run 'apt-get install $*' as root and re-run."
fi

started=$(date +%s)
echo "ensure-packages: $what is not installed; installing Debian's $* with apt-get..."
echo "ensure-packages: [1/2] apt-get update"
"${as_root[@]}" apt-get update \
  || fail "'apt-get update' failed (see above): apt cannot reach its package sources."
echo "ensure-packages: [2/2] apt-get install $*"
# Without recommends: only what the packages need.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "$@" \
  || fail "'apt-get install $*' failed (see above)."

present || fail "apt-get finished but $probe is still missing."
echo "ensure-packages: $what installed in $(( $(date +%s) - started )) s"
