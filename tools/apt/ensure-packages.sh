#!/usr/bin/env bash
# Makes sure the Debian packages the tests use are installed: `ensure-packages.sh <package>...`
# (npm test's pretest: chromium for the Temporal UI browser test, postgresql-15 for the production
# profile, buildah, podman, runc and mmdebstrap for the image). Idempotent: packages dpkg reports
# installed are left alone; the others are installed with apt-get (nothing is downloaded from
# anywhere else), as root or through passwordless sudo, in one apt-get run.
set -euo pipefail

fail() {
  echo "ensure-packages: $1" >&2
  exit 1
}

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

command -v dpkg-query >/dev/null 2>&1 || fail "dpkg is unavailable: install $* with this system's package manager and re-run."

missing=()
for package in "$@"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || fail "${missing[*]} missing and apt-get is unavailable: install them and re-run."

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "${missing[*]} missing and installing them needs root: run 'apt-get install ${missing[*]}' as root and re-run."
fi

started=$(date +%s)
echo "ensure-packages: installing Debian's ${missing[*]} with apt-get..."
echo "ensure-packages: [1/2] apt-get update"
"${as_root[@]}" apt-get update \
  || fail "'apt-get update' failed (see above): apt cannot reach its package sources."
echo "ensure-packages: [2/2] apt-get install ${missing[*]}"
# Without recommends: only what the packages need.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" \
  || fail "'apt-get install ${missing[*]}' failed (see above)."

for package in "${missing[@]}"; do
  installed "$package" || fail "apt-get finished but $package is still not installed."
done
echo "ensure-packages: ${missing[*]} installed in $(( $(date +%s) - started )) s"
