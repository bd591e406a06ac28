#!/usr/bin/env bash
# Sets up and passes every test on a fresh Debian 12 machine (root or sudo):
#   installs deploy/packages.txt, builds with -Werror, runs ctest (unit and integration tests
#   start and stop their own PostgreSQL clusters, gateway simulator, pcscd + virtual card),
#   runs the fuzzers for a bounded time, and leaves nothing running.
#   MADOGUCHI_BUILD_DIR (default build-test), MADOGUCHI_CTEST_ARGS (extra ctest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
build=${MADOGUCHI_BUILD_DIR:-build-test}

deploy/install-deps.sh

cleanup() {
  # Anything a crashed test left behind: our executables, test pcscd, throwaway clusters.
  pkill -f "$top/$build/services/" 2>/dev/null || true
  pkill -x pcscd 2>/dev/null || true
  for d in /tmp/madoguchi-pg-*/data; do
    [[ -f $d/postmaster.pid ]] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl \
      -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf /tmp/madoguchi-pg-* 2>/dev/null || true
}
trap cleanup EXIT
cleanup

# Paths relative to the checkout in ccache's keys: a rebuild in another clone hits the cache.
export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=true
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMADOGUCHI_WERROR=ON
cmake --build "$build" -j "$(nproc)"

# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j 2 ${MADOGUCHI_CTEST_ARGS:-}

if [[ -x tests/fuzz/run-fuzz.sh ]]; then
  tests/fuzz/run-fuzz.sh
fi
