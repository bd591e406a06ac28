#!/usr/bin/env bash
# Sets up and passes every test on a fresh Debian 12 machine (root or sudo):
#   installs deploy/packages.txt, builds with -Werror, runs ctest (unit and integration tests
#   start and stop their own PostgreSQL clusters, gateway simulator, pcscd + virtual card in a
#   namespace of their own, headless Chromium), the unit tests again under ASan + UBSan, the
#   fuzzers for a bounded time, and the Debian package test; it leaves nothing running.
#   MADOGUCHI_BUILD_DIR (default build-test), MADOGUCHI_CTEST_ARGS (extra ctest arguments),
#   MADOGUCHI_PACKAGE_TEST=0 (skip the package test).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
build=${MADOGUCHI_BUILD_DIR:-build-test}

deploy/install-deps.sh

# This run's own directory: the tests' pid files and throwaway clusters go there, and cleanup
# stops and removes only what it names. Another checkout's run, or the machine's own pcscd and
# PostgreSQL, are never touched (card tests run pcscd in a namespace of their own).
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/madoguchi-test-run.XXXXXX")
chmod 755 "$run_dir"  # the postgres user reaches its clusters inside
export MADOGUCHI_TEST_RUN_DIR=$run_dir
trap '"$top/tests/support/stop-run.sh" "$run_dir"' EXIT

# Paths relative to the checkout in ccache's keys: a rebuild in another clone hits the cache.
export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=true
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMADOGUCHI_WERROR=ON
cmake --build "$build" -j "$(nproc)"

# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j 2 ${MADOGUCHI_CTEST_ARGS:-}

# The unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
tests/run-sanitized.sh "$build-asan"

# Every parser of outside bytes under libFuzzer (clang, ASan + UBSan), for a bounded time.
tests/fuzz/run-fuzz.sh

# The Debian packages: built, installed, started as the systemd unit says, a check, purged.
# MADOGUCHI_PACKAGE_TEST=0 skips it (it installs packages on this machine).
if [[ ${MADOGUCHI_PACKAGE_TEST:-1} != 0 ]]; then
  deploy/package-test.sh "$build"
fi
