#!/usr/bin/env bash
# The service measured against its limits, in one command (docs/performance.md):
#   tests/bench/run.sh
# Builds a release build (BENCH_BUILD, default build-bench/ in the checkout), starts a
# throwaway PostgreSQL, the gateway simulator, the daemon and a bare Beast HTTPS hello server
# on free ports, and prints every figure beside a baseline measured in the same run, with the
# ratio. Everything it starts it stops; its files are in a temporary folder it removes.
#
# Sizes (environment):
#   BENCH_DURATION=10          seconds per wrk run
#   BENCH_CONNECTIONS="1 16 64 256"
#   BENCH_LONG_CHECKS=30000    checks of the memory-growth run (the issue's figure: 1000000)
#   BENCH_BATCH=100000         entries of the batch run (in requests of 5,000)
#   BENCH_AUDIT_RECORDS=20000  records per writer count of bench_audit
#   BENCH_SKIP="card documents audit batch long"   parts to leave out
#   BENCH_NO_BUILD=1           use the build folder as it is
#   BENCH_PERF=64              perf profile of the daemon during the run at that many connections
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BENCH_BUILD:-$SRC/build-bench}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 16 64 256"}
LONG_CHECKS=${BENCH_LONG_CHECKS:-30000}
BATCH=${BENCH_BATCH:-100000}
AUDIT_RECORDS=${BENCH_AUDIT_RECORDS:-20000}
SKIP=" ${BENCH_SKIP:-} "
skipped() { [[ $SKIP == *" $1 "* ]]; }

for tool in wrk curl openssl python3; do
  command -v $tool >/dev/null || { echo "run.sh: $tool is needed" >&2; exit 2; }
done

# ---- build -------------------------------------------------------------------------------------
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  export CCACHE_BASEDIR=$SRC CCACHE_NOHASHDIR=true
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  targets="madoguchid madoguchi-gateway-sim bench_hello"
  skipped audit || targets+=" bench_audit"
  skipped card || targets+=" bench_card madoguchi-vcard"
  skipped documents || targets+=" bench_documents"
  cmake --build "$BUILD" --target $targets -j"${BENCH_JOBS:-2}" | grep -v '^\[' || true
fi
BIN=$BUILD/tests/bench

# ---- processes ---------------------------------------------------------------------------------
W=$(mktemp -d /tmp/madoguchi-bench.XXXXXX)
chmod 755 "$W"
PIDS=()
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cleanup() {
  if [[ -n ${DAEMON:-} ]] && ! kill -0 "$DAEMON" 2>/dev/null; then
    echo "run.sh: the daemon ended; its log:" >&2
    tail -20 "$W/daemon.log" >&2
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -f $W/pg/data/postmaster.pid ]]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port
  for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "run.sh: nothing listens on port $1" >&2
  return 1
}
cpu_ticks() { # pid... : utime+stime of the processes, in clock ticks
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
  done
  echo $t
}
pg_pids() { # the postmaster and its children
  local pm
  pm=$(head -1 "$W/pg/data/postmaster.pid")
  echo "$pm"
  for s in /proc/[0-9]*/stat; do
    awk -v pm="$pm" '{split($0, a, ") "); split(a[2], f, " "); if (f[2] == pm) print $1}' \
      "$s" 2>/dev/null || true
  done
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
TICK=$(getconf CLK_TCK)

echo "== machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "== sizes: ${DURATION}s per run, connections: $CONNECTIONS"

bash "$SRC/deploy/dev-certs.sh" "$W/certs" >/dev/null
C=$W/certs

# PostgreSQL: a cluster of its own, fsync and synchronous_commit on (the defaults).
PG_PORT=$(free_port)
install -d -o postgres -g postgres -m 700 "$W/pg" "$W/pg/data" "$W/pg/sock"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg/data" -U postgres -A trust -E UTF8 \
  --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w \
  -o "-p $PG_PORT -k $W/pg/sock -c listen_addresses=127.0.0.1 -c max_connections=200" \
  start >/dev/null
"$PGBIN/psql" -h "$W/pg/sock" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE madoguchi" >/dev/null
CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=madoguchi user=postgres"

SIM_PORT=$(free_port)
"$BUILD/services/gateway-sim/madoguchi-gateway-sim" --port "$SIM_PORT" --cert "$C/gateway.crt" \
  --key "$C/gateway.key" --ca "$C/ca.crt" --jpki-ca "$C/jpki-ca.crt" --size 1000 \
  >"$W/sim.log" 2>&1 &
SIM=$!
PIDS+=($SIM)

TOKEN=bench-token
TOKEN_SHA=$(printf %s $TOKEN | sha256sum | cut -d' ' -f1)
D_PORT=$(free_port)
H_PORT=$(free_port)
MADOGUCHI_LISTEN_HTTPS_PORT=$D_PORT MADOGUCHI_LISTEN_HTTP_PORT=$H_PORT \
  MADOGUCHI_TLS_CERT_FILE=$C/madoguchid.crt MADOGUCHI_TLS_KEY_FILE=$C/madoguchid.key \
  MADOGUCHI_DATABASE_CONNINFO=$CONNINFO MADOGUCHI_AUDIT_SPOOL_DIR=$W/spool \
  MADOGUCHI_GATEWAY_PORT=$SIM_PORT MADOGUCHI_GATEWAY_CA_FILE=$C/ca.crt \
  MADOGUCHI_GATEWAY_CERT_FILE=$C/client.crt MADOGUCHI_GATEWAY_KEY_FILE=$C/client.key \
  MADOGUCHI_API_CLIENTS="[{\"id\":\"bench\",\"token_sha256\":\"$TOKEN_SHA\"}]" \
  MADOGUCHI_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} \
  "$BUILD/services/madoguchid/madoguchid" >"$W/daemon.log" 2>&1 &
DAEMON=$!
PIDS+=($DAEMON)

HELLO_PORT=$(free_port)
"$BIN/bench_hello" --port "$HELLO_PORT" --cert "$C/madoguchid.crt" --key "$C/madoguchid.key" \
  >"$W/hello.log" 2>&1 &
HELLO=$!
PIDS+=($HELLO)

wait_port "$SIM_PORT"
wait_port "$D_PORT" || { cat "$W/daemon.log" >&2; exit 1; }
wait_port "$HELLO_PORT"
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" \
    "https://127.0.0.1:$D_PORT/readyz") == 200 ]] && break
  sleep 0.2
done
sleep 1
IDLE_RSS=$(rss_kib $DAEMON)

# ---- wrk ---------------------------------------------------------------------------------------
# The body of a by-number check of a person the simulator knows (valid, 本人).
BODY='{"insurer_number":"06139992","symbol":"1001","number":"1001"}'
cat >"$W/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF
cat >"$W/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.3f %.3f %.3f %d %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, non2xx, errors))
end
EOF
cat "$W/post.lua" "$W/report.lua" >"$W/post-report.lua"

# run_wrk URL CONNECTIONS SECONDS [lua] -> "requests rps p50 p99 p999 non2xx errors"
run_wrk() {
  local threads=1
  wrk -t$threads -c"$2" -d"$3"s -s "${4:-$W/report.lua}" "$1" 2>&1 | awk '/^RESULT/ {$1=""; print}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
us_per() { awk -v t="$1" -v n="$2" -v tick="$TICK" 'BEGIN { if (n > 0) printf "%.1f", t / tick * 1e6 / n; else print "-" }'; }

echo
echo "== by-number end to end (POST /v1/checks/by-number, durable audit) vs bare Beast HTTPS hello"
printf "%5s | %10s %8s %8s %8s %6s | %10s %8s | %6s | %s\n" conns "checks/s" p50ms p99ms \
  p99.9ms non2xx "hello/s" "hp99ms" ratio "CPU us/check daemon sim pg"
PEAK_RSS=0
for c in $CONNECTIONS; do
  # Warm up: connections to the gateway and the database are made by the first checks.
  run_wrk "https://127.0.0.1:$D_PORT/v1/checks/by-number" "$c" 2 "$W/post-report.lua" >/dev/null
  read -r hreq hrps hp50 hp99 hp999 hnon herr <<<"$(run_wrk "https://127.0.0.1:$HELLO_PORT/" "$c" "$DURATION")"
  PGP=$(pg_pids)
  d0=$(cpu_ticks $DAEMON) s0=$(cpu_ticks $SIM) p0=$(cpu_ticks $PGP)
  PERF=
  if [[ -n ${BENCH_PERF:-} && $c == "${BENCH_PERF}" ]]; then
    perf record -q -F 499 -g -p $DAEMON -o "$W/perf.data" -- sleep "$DURATION" >/dev/null 2>&1 &
    PERF=$!
  fi
  read -r req rps p50 p99 p999 non err <<<"$(run_wrk "https://127.0.0.1:$D_PORT/v1/checks/by-number" \
    "$c" "$DURATION" "$W/post-report.lua")"
  d1=$(cpu_ticks $DAEMON) s1=$(cpu_ticks $SIM) p1=$(cpu_ticks $PGP)
  printf "%5s | %10s %8s %8s %8s %6s | %10s %8s | %6s | %s %s %s\n" "$c" "$rps" "$p50" "$p99" \
    "$p999" "$non" "$hrps" "$hp99" "$(ratio "$rps" "$hrps")" "$(us_per $((d1 - d0)) "$req")" \
    "$(us_per $((s1 - s0)) "$req")" "$(us_per $((p1 - p0)) "$req")"
  [[ $err != 0 ]] && echo "      ($err socket errors)"
  if [[ -n $PERF ]]; then
    wait $PERF || true
    echo "      perf profile of the daemon at $c connections (self %, top symbols; inclusive %):"
    perf report -i "$W/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 1.2 \
      2>/dev/null | grep -E '^ +[0-9.]+%' | sed 's/ \+$//' | cut -c1-140 | head -30 |
      sed 's/^/      self /'
    perf report -i "$W/perf.data" --stdio --children --sort symbol --percent-limit 4 -g none \
      2>/dev/null | grep -E '^ +[0-9.]+%' | sed 's/ \+$//' | cut -c1-160 | head -40 |
      sed 's/^/      incl /'
    perf report -i "$W/perf.data" --stdio --no-children --sort dso 2>/dev/null |
      grep -E '^ +[0-9.]+%' | sed 's/ \+$//' | head -8 | sed 's/^/      by library: /'
  fi
done
PEAK_RSS=$(hwm_kib $DAEMON)
read -r _ hzrps _ hzp99 _ _ _ <<<"$(run_wrk "https://127.0.0.1:$D_PORT/healthz" 64 "$DURATION")"
read -r _ herps _ _ _ _ _ <<<"$(run_wrk "https://127.0.0.1:$HELLO_PORT/" 64 "$DURATION")"
echo "daemon GET /healthz at 64: $hzrps req/s (p99 $hzp99 ms), hello $herps: ratio $(ratio "$hzrps" "$herps")"
grep -c '"level":"error"\|\[error\]' "$W/daemon.log" >/dev/null &&
  echo "(daemon errors logged: $(grep -c 'error' "$W/daemon.log"))"

# ---- batch ---------------------------------------------------------------------------------------
if ! skipped batch; then
  echo
  echo "== batch: $BATCH entries end to end (POST /v1/checks/batch, 5,000 a request, 4 at a time)"
  python3 - "$W/batch.json" <<'EOF'
import json, sys
items = [{"insurer_number": "06139992", "symbol": "1001", "number": "1001"}] * 5000
json.dump({"items": items}, open(sys.argv[1], "w"))
EOF
  n=$(((BATCH + 4999) / 5000))
  t0=$(date +%s.%N)
  seq 1 $n | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 600 \
    --cacert "$C/ca.crt" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$W/batch.json" "https://127.0.0.1:$D_PORT/v1/checks/batch" >"$W/batch.codes"
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  ok=$(grep -c '^200$' "$W/batch.codes" || true)
  echo "$((n * 5000)) entries in $secs s ($ok/$n requests 200); target 30 s: ratio $(ratio "$secs" 30)"
fi

# ---- memory ------------------------------------------------------------------------------------
if ! skipped long; then
  echo
  echo "== daemon memory over $LONG_CHECKS checks (64 connections)"
  before=$(rss_kib $DAEMON)
  lreq=0 lnon=0 rounds=0 t0=$(date +%s.%N)
  while ((lreq < LONG_CHECKS)); do
    read -r r _ _ lp99 _ n _ <<<"$(run_wrk "https://127.0.0.1:$D_PORT/v1/checks/by-number" 64 10 \
      "$W/post-report.lua")"
    lreq=$((lreq + ${r:-0})) lnon=$((lnon + ${n:-0})) rounds=$((rounds + 1))
    ((rounds < 10000)) || break
    [[ -n ${r:-} && ${r:-0} -gt 0 ]] || break
  done
  lrps=$(awk -v n="$lreq" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (b - a) }')
  after=$(rss_kib $DAEMON)
  echo "$lreq checks at $lrps/s (p99 $lp99 ms, non-2xx $lnon)"
  echo "RSS idle $((IDLE_RSS / 1024)) MiB (target 30), peak $(( $(hwm_kib $DAEMON) / 1024)) MiB," \
    "before $((before / 1024)) MiB, after $((after / 1024)) MiB: growth ratio $(ratio "$after" "$before")"
fi

# ---- the modules' own benchmarks, each with its baseline ------------------------------------------
if ! skipped audit; then
  echo
  echo "== audit sink (group commit) vs one INSERT per transaction (bench_audit)"
  "$BIN/bench_audit" --records "$AUDIT_RECORDS" --writers 1,16,64 --conninfo "$CONNINFO" 2>&1 |
    tail -n +1
fi
if ! skipped documents; then
  echo
  echo "== by-document: in-process PDF inspect vs pdftotext, scanned pages (bench_documents)"
  "$BIN/bench_documents" 2>&1
fi
if ! skipped card; then
  echo
  echo "== by-card through pcscd and the virtual card (bench_card, private pcscd)"
  bash "$SRC/tests/support/private-pcscd.sh" "$BIN/bench_card" 2>&1 || echo "(bench_card failed)"
fi
echo
kill -0 $DAEMON || { echo "run.sh: the daemon did not survive the run" >&2; exit 1; }
echo "== done"
