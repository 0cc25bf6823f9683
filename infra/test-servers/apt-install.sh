#!/usr/bin/env bash
# Install Debian packages for the tests, one installer at a time.
#
#   infra/test-servers/apt-install.sh PACKAGE...
#
# The test run installs what it is missing from more than one place at once (the server set in
# up.sh, docker-compose for the compose.yaml check), and two apt-gets at once fail on apt's locks
# ("Could not get lock /var/lib/apt/lists/lock") instead of waiting. So every install goes through
# here: one flock for this project's installers, and apt's own lock time-out for anyone else's.
# Package lists are fetched only when an install cannot find a package (a fresh machine has none).
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "apt-install: run as root to install: apt-get install -y $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
wait_lock=(-o DPkg::Lock::Timeout=300)

exec 9>/var/lock/jindu-apt-install.lock
flock -w 600 9 || { echo "apt-install: waited 10 minutes for another install to finish" >&2; exit 1; }

missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

apt-get "${wait_lock[@]}" install -y --no-install-recommends "${missing[@]}" \
    || { apt-get "${wait_lock[@]}" update && apt-get "${wait_lock[@]}" install -y --no-install-recommends "${missing[@]}"; }
