#!/bin/bash
# Installs Debian packages without starting their services: the tests and
# the demo start their own slapd on 127.0.0.1; the system one must not start
# (and listen on every address) as a side effect of the install.
#   testdata/apt-install.sh PKG...
set -euo pipefail
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "run as root, or: sudo apt-get install -y $*" >&2
  exit 1
fi
created=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created=1
fi
cleanup() { [ -z "$created" ] || rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || true
apt-get install -y -q --no-install-recommends "$@"
