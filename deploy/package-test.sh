#!/usr/bin/env bash
# The Debian packages, tried as an operator would: build them (cpack) from a build folder,
# install them with apt, start madoguchid as its systemd unit says (systemctl where systemd is
# PID 1, else the unit's ExecStart as the unit's User), run a check by number through the
# installed gateway simulator, stop the daemon, purge both packages and check nothing is left.
#   deploy/package-test.sh [BUILD_DIR]   (root; default build-test)
# On a machine where a madoguchi package is already installed it does nothing: it would replace
# the operator's installation.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
build=$(cd "${1:-build-test}" && pwd)
pgbin=/usr/lib/postgresql/15/bin

for p in madoguchi madoguchi-gateway-sim; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "package-test: $p is already installed on this machine; skipped (it would be replaced)"
    exit 0
  fi
done

work=$(mktemp -d "$build/package-test.XXXXXX")
pgroot=$(mktemp -d /var/tmp/madoguchi-pkgtest-pg.XXXXXX)
chown postgres:postgres "$pgroot"  # the cluster and its log belong to the postgres user
pids=()
made_tls=""
installed=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -f $pgroot/data/postmaster.pid ]] &&
    runuser -u postgres -- $pgbin/pg_ctl -D "$pgroot/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$pgroot"
  [[ -n $installed ]] && apt-get purge -y -qq madoguchi madoguchi-gateway-sim >/dev/null 2>&1
  [[ -n $made_tls ]] && rm -rf /etc/madoguchi/tls && rmdir /etc/madoguchi 2>/dev/null
  true
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() { # url [curl args...]
  local url=$1
  shift
  for _ in $(seq 1 100); do
    curl -fsS "$@" "$url" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "package-test: $url did not answer" >&2
  return 1
}

echo "package-test: building the packages"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"
  exit 1
}
debs=("$work"/deb/madoguchi_*.deb "$work"/deb/madoguchi-gateway-sim_*.deb)
for d in "${debs[@]}"; do
  [[ -f $d ]] || { echo "package-test: missing package $d" >&2; exit 1; }
  dpkg-deb --info "$d" | sed -n 's/^ \(Package\|Version\|Depends\): /  \1: /p'
done

echo "package-test: installing"
installed=yes
apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${debs[@]}" >"$work/apt.log" 2>&1 || {
  cat "$work/apt.log"
  exit 1
}
for f in /usr/bin/madoguchid /usr/bin/madoguchictl /usr/bin/madoguchi-gateway-sim \
  /lib/systemd/system/madoguchid.service /etc/madoguchi/madoguchid.json \
  /usr/share/madoguchi/migrations/0001_audit_checks.sql \
  /usr/share/bash-completion/completions/madoguchictl; do
  [[ -e $f ]] || { echo "package-test: $f not installed" >&2; exit 1; }
done
getent passwd madoguchi >/dev/null || { echo "package-test: no madoguchi user" >&2; exit 1; }
madoguchictl --help >/dev/null
[[ -e /usr/share/man/man1/madoguchictl.1.gz ]] && man -l /usr/share/man/man1/madoguchictl.1.gz 2>/dev/null | head -3 || true

# Certificates where the example configuration expects them; the daemon reads them as its user.
if [[ ! -e /etc/madoguchi/tls ]]; then
  made_tls=yes
  deploy/dev-certs.sh "$work/certs" >/dev/null
  install -d -o root -g madoguchi -m 0750 /etc/madoguchi/tls
  install -o root -g madoguchi -m 0640 "$work/certs/madoguchid.crt" "$work/certs/madoguchid.key" \
    "$work/certs/client.crt" "$work/certs/client.key" /etc/madoguchi/tls/
  install -o root -g madoguchi -m 0640 "$work/certs/ca.crt" /etc/madoguchi/tls/gateway-ca.crt
else
  echo "package-test: /etc/madoguchi/tls exists and is not ours; skipped" >&2
  exit 0
fi

# The audit database: a throwaway cluster.
pg_port=$(free_port)
install -d -o postgres -g postgres -m 700 "$pgroot/data" "$pgroot/sock"
runuser -u postgres -- $pgbin/initdb -D "$pgroot/data" -U postgres -A trust -E UTF8 \
  --locale=C.UTF-8 >/dev/null
runuser -u postgres -- $pgbin/pg_ctl -D "$pgroot/data" -l "$pgroot/server.log" -w \
  -o "-p $pg_port -k $pgroot/sock -c listen_addresses=127.0.0.1" start >/dev/null

# The installed simulator plays the gateway.
gw_port=$(free_port)
/usr/bin/madoguchi-gateway-sim --port "$gw_port" --cert "$work/certs/gateway.crt" \
  --key "$work/certs/gateway.key" --ca "$work/certs/ca.crt" \
  --jpki-ca "$work/certs/jpki-ca.crt" >"$work/gateway-sim.log" 2>&1 &
pids+=($!)

https_port=$(free_port)
http_port=$(free_port)
token=$(openssl rand -hex 24)
token_sha=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
env_lines=(
  "MADOGUCHI_LISTEN_HTTPS_PORT=$https_port"
  "MADOGUCHI_LISTEN_HTTP_PORT=$http_port"
  "MADOGUCHI_DATABASE_CONNINFO=host=127.0.0.1 port=$pg_port dbname=postgres user=postgres connect_timeout=2"
  "MADOGUCHI_GATEWAY_PORT=$gw_port"
  "MADOGUCHI_CARD_ENABLED=false"
  "MADOGUCHI_API_CLIENTS=[{\"id\":\"package-test\",\"token_sha256\":\"$token_sha\"}]"
)

unit=/lib/systemd/system/madoguchid.service
if [[ -d /run/systemd/system ]]; then
  echo "package-test: starting madoguchid.service with systemctl"
  install -d /run/systemd/system/madoguchid.service.d
  {
    echo "[Service]"
    for e in "${env_lines[@]}"; do printf 'Environment="%s"\n' "${e//\"/\\\"}"; done
  } >/run/systemd/system/madoguchid.service.d/package-test.conf
  systemctl daemon-reload
  systemctl start madoguchid.service
  stop_daemon() {
    systemctl stop madoguchid.service
    rm -rf /run/systemd/system/madoguchid.service.d/package-test.conf
    systemctl daemon-reload
  }
else
  # No systemd here (a container): run what the unit runs, as the unit's user, in its state
  # directory, with its umask.
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  user=$(sed -n 's/^User=//p' "$unit")
  workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
  echo "package-test: no systemd; running the unit's command as $user: $exec_start"
  install -d -o "$user" -g "$user" -m 0700 "$workdir"
  # shellcheck disable=SC2086
  (cd "$workdir" && umask 077 &&
    exec setpriv --reuid="$user" --regid="$user" --init-groups env "${env_lines[@]}" $exec_start) \
    >"$work/madoguchid.log" 2>&1 &
  daemon_pid=$!
  pids+=($daemon_pid)
  stop_daemon() {
    kill -TERM "$daemon_pid"
    local rc=0
    wait "$daemon_pid" || rc=$?
    [[ $rc -eq 0 ]] || { echo "package-test: madoguchid exited $rc on SIGTERM" >&2; exit 1; }
  }
fi

wait_http "http://127.0.0.1:$http_port/readyz" || {
  cat "$work/madoguchid.log" 2>/dev/null || journalctl -u madoguchid --no-pager | tail -50
  exit 1
}
answer=$(curl -fsS --cacert "$work/certs/ca.crt" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"insurer_number":"06139992","symbol":"1001","number":"1001","branch":"00"}' \
  "https://127.0.0.1:$https_port/v1/checks/by-number")
outcome=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"])' <<<"$answer")
echo "package-test: check by number through the installed daemon: $outcome"
[[ $outcome == accepted ]] || { echo "$answer" >&2; exit 1; }
rows=$(runuser -u postgres -- psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
  "SELECT count(*) FROM audit_checks")
echo "package-test: audit rows: $rows"
[[ $rows -ge 1 ]] || exit 1
stop_daemon
echo "package-test: stopped"

apt-get purge -y -qq madoguchi madoguchi-gateway-sim >"$work/purge.log" 2>&1
installed=""
for f in /usr/bin/madoguchid /usr/bin/madoguchi-gateway-sim /etc/madoguchi/madoguchid.json \
  /var/lib/madoguchi; do
  [[ ! -e $f ]] || { echo "package-test: $f left after purge" >&2; exit 1; }
done
! getent passwd madoguchi >/dev/null || { echo "package-test: user left after purge" >&2; exit 1; }
echo "package-test: install, start, check, stop and purge worked"
echo "package-test: 1 passed, 0 failed"
