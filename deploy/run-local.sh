#!/usr/bin/env bash
# Sets up and runs Madoguchi on its embedded defaults on a fresh Debian 12 machine (root):
#   installs deploy/packages.txt, builds, makes development certificates, starts a throwaway
#   PostgreSQL cluster under ./var/pg, the online-check gateway simulator (mutual TLS), pcscd
#   with the vpcd reader and the virtual MyNumber card (persona 1001), then madoguchid in the
#   background; it prints where the front desk opens the page and a one-time sign-in code for
#   terminal desk-1. Ctrl-C stops everything it started.
#   Ports: MADOGUCHI_HTTPS_PORT (8443), MADOGUCHI_PG_PORT (55432), MADOGUCHI_GATEWAY_PORT (9443).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
var=$top/var
build=${MADOGUCHI_BUILD_DIR:-build-local}
https_port=${MADOGUCHI_HTTPS_PORT:-8443}
pg_port=${MADOGUCHI_PG_PORT:-55432}
gw_port=${MADOGUCHI_GATEWAY_PORT:-9443}
pgbin=/usr/lib/postgresql/15/bin

deploy/install-deps.sh
# Paths relative to the checkout in ccache's keys: objects of the test build are reused.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMADOGUCHI_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target madoguchid madoguchi-gateway-sim madoguchi-vcard \
  madoguchictl
mkdir -p "$var/log" "$var/spool"
deploy/dev-certs.sh "$var/certs" >/dev/null

# PostgreSQL refuses to run as root: the cluster belongs to the postgres user. If that user
# cannot reach ./var (a clone in a private home directory), the cluster goes to /var/tmp.
pgroot=$var/pg
if ! runuser -u postgres -- test -x "$var"; then pgroot=/var/tmp/madoguchi-pg-$(id -u); fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  runuser -u postgres -- $pgbin/pg_ctl -D "$pgroot/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
if [[ ! -f $pgroot/data/PG_VERSION ]]; then
  install -d -o postgres -g postgres -m 700 "$pgroot" "$pgroot/data" "$pgroot/sock"
  runuser -u postgres -- $pgbin/initdb -D "$pgroot/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
fi
runuser -u postgres -- $pgbin/pg_ctl -D "$pgroot/data" -l "$pgroot/server.log" -w \
  -o "-p $pg_port -k $pgroot/sock -c listen_addresses=127.0.0.1" start >/dev/null
runuser -u postgres -- psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='madoguchi'" | grep -q 1 ||
  runuser -u postgres -- createdb -h 127.0.0.1 -p "$pg_port" -U postgres madoguchi

# The online-check gateway simulator, over mutual TLS.
"$build/services/gateway-sim/madoguchi-gateway-sim" --port "$gw_port" \
  --cert "$var/certs/gateway.crt" --key "$var/certs/gateway.key" --ca "$var/certs/ca.crt" \
  --jpki-ca "$var/certs/jpki-ca.crt" >"$var/log/gateway-sim.log" 2>&1 &
pids+=($!)

# The card reader: pcscd with the vpcd driver, and our virtual MyNumber card in it.
if pgrep -x pcscd >/dev/null; then
  echo "note: a pcscd is already running; using it"
else
  pcscd -f >"$var/log/pcscd.log" 2>&1 &
  pids+=($!)
fi
[[ -f $var/card-1001.json ]] || "$build/services/vcard/madoguchi-vcard" issue \
  --jpki-ca "$var/certs/jpki-ca.crt" --jpki-ca-key "$var/certs/jpki-ca.key" --serial 1001 \
  --out "$var/card-1001.json" >/dev/null
"$build/services/vcard/madoguchi-vcard" run --persona "$var/card-1001.json" \
  >"$var/log/vcard.log" 2>&1 &
pids+=($!)

# A desk token for this machine, made once; only its SHA-256 goes into the configuration.
[[ -f $var/desk-token ]] || (umask 077; openssl rand -hex 24 >"$var/desk-token")
token_sha=$(tr -d '\n' <"$var/desk-token" | sha256sum | cut -d' ' -f1)

export MADOGUCHI_LISTEN_HTTPS_PORT=$https_port
export MADOGUCHI_TLS_CERT_FILE=$var/certs/madoguchid.crt
export MADOGUCHI_TLS_KEY_FILE=$var/certs/madoguchid.key
export MADOGUCHI_DATABASE_CONNINFO="host=127.0.0.1 port=$pg_port dbname=madoguchi user=postgres connect_timeout=2"
export MADOGUCHI_AUDIT_SPOOL_DIR=$var/spool
# The local token acts as this PC's counter (desk-1) and as a receipt system, so the CLI and the
# README's curl lines can use every check endpoint (docs/security.md: roles).
export MADOGUCHI_API_CLIENTS="[{\"id\":\"desk-local\",\"token_sha256\":\"$token_sha\",\"roles\":[\"desk\",\"receipt_system\"]}]"

"$build/services/madoguchid/madoguchid" >"$var/log/madoguchid.log" 2>&1 &
pids+=($!)
echo "Madoguchi is starting (log: $var/log/madoguchid.log) ..."
for _ in $(seq 1 300); do
  curl -fsS --cacert "$var/certs/ca.crt" "https://127.0.0.1:$https_port/readyz" >/dev/null 2>&1 &&
    break
  kill -0 "${pids[-1]}" 2>/dev/null || { tail -20 "$var/log/madoguchid.log"; exit 1; }
  sleep 0.2
done

# The front desk signs in once with a one-time code for its terminal (docs/front-desk.md).
code=$("$build/services/madoguchictl/madoguchictl" terminal enrol desk-1 --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>/dev/null || true)

cat <<MSG
Madoguchi is running.
  Front desk:      https://127.0.0.1:$https_port/   (CA: $var/certs/ca.crt)
  Sign-in code:    ${code:-"(madoguchictl terminal enrol desk-1)"}   for terminal desk-1, valid 24 h
  Counter CLI:     MADOGUCHI_URL=https://127.0.0.1:$https_port MADOGUCHI_CA_FILE=$var/certs/ca.crt \
                   MADOGUCHI_TOKEN_FILE=$var/desk-token \
                   $build/services/madoguchictl/madoguchictl checks list --today
  Health:          curl --cacert $var/certs/ca.crt https://127.0.0.1:$https_port/readyz
  API token:       $var/desk-token   (Authorization: Bearer <token>)
  Logs:            $var/log/   Stop: Ctrl-C
MSG
wait "${pids[-1]}"
