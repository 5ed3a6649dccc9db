#!/bin/bash
# `make demo`: a throwaway slapd with the demo users, alice enrolled, and
# radius2fa serving on 127.0.0.1; prints how to log in with a live code.
# Ctrl-C stops both. Everything lives in .demo/ and is removed on the next run.
#
# Env: DEMO_PORT (1812), BIN (bin/radius2fa), DEMO_DIR (.demo),
#      DEMO_ONESHOT=1: log in once with radclient, print the answer, stop.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/bin/radius2fa}
demo=${DEMO_DIR:-$root/.demo}
port=${DEMO_PORT:-1812}

for tool in slapd ldapwhoami radclient oathtool; do
  command -v "$tool" >/dev/null || { echo "$tool not found: run 'make deps' as root, or apt-get install -y slapd ldap-utils freeradius-utils oathtool" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "$bin not built: run 'make build'" >&2; exit 1; }

pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  "$root/testdata/ldap/slapd.sh" stop "$demo/ldap" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ -f "$demo/ldap/slapd.pid" ]; then "$root/testdata/ldap/slapd.sh" stop "$demo/ldap" >/dev/null 2>&1 || true; fi
rm -rf "$demo"
mkdir -p "$demo"
url=$("$root/testdata/ldap/slapd.sh" start "$demo/ldap" | head -n 1)
# The config holds (demo) secrets: keep the copy in use private.
cfg=$demo/config.yaml
install -m 600 "$root/testdata/demo.yaml" "$cfg"

export RADIUS2FA_LDAP_URLS="$url"
export RADIUS2FA_RADIUS_LISTEN="127.0.0.1:$port"
export RADIUS2FA_STORE_PATH="$demo/radius2fa.db"
export RADIUS2FA_STORE_ENCRYPTION_KEY_FILE="$demo/store.key"

"$bin" check-config --config "$cfg"
"$bin" user enroll alice --config "$cfg" --qr "$demo/alice-qr.png" >"$demo/alice.txt"
key=$(sed -n 's/^Key (type into the app): //p' "$demo/alice.txt" | tr -d ' ')

"$bin" serve --config "$cfg" 2> >(tee "$demo/radius2fa.log" >&2) &
pid=$!
for _ in $(seq 100); do
  grep -q "listening for RADIUS" "$demo/radius2fa.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "radius2fa did not start; see above" >&2; exit 1; }
  sleep 0.1
done

if [ "${DEMO_ONESHOT:-}" = 1 ]; then
  printf 'User-Name = "alice"\nUser-Password = "alice-pass%s"\n' "$(oathtool --totp -b "$key")" |
    radclient -x -r 1 -t 3 "127.0.0.1:$port" auth demo-secret
  exit 0
fi

cat <<MSG

radius2fa demo is running on 127.0.0.1:$port (RADIUS, shared secret demo-secret),
LDAP on $url (demo users in testdata/ldap/README.md).
alice (password alice-pass) is enrolled; her key is $key
(QR code: $demo/alice-qr.png — scan it with any authenticator app to follow along).

Log in as alice with the password followed by the current code (computed by oathtool):

  radtest alice "alice-pass\$(oathtool --totp -b $key)" 127.0.0.1:$port 0 demo-secret

or with radclient:

  echo "User-Name=alice,User-Password=alice-pass\$(oathtool --totp -b $key)" | radclient -x 127.0.0.1:$port auth demo-secret

Run it twice within 30 s: the second is rejected (a code is accepted once).
Try bob (bob-pass): he is not registered. The audit log is below; Ctrl-C stops everything.

MSG
wait "$pid"
