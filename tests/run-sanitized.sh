#!/usr/bin/env bash
# The test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer in a build
# folder of their own: memory errors, leaks and undefined behaviour in our code fail the run —
# the rules, the parsers, the daemon, the simulator and the virtual card as the integration tests
# start them (real PostgreSQL, pcscd, the simulator over mutual TLS). Only our processes are
# instrumented: PostgreSQL, pcscd and curl are the Debian binaries.
#   tests/run-sanitized.sh [--all] [BUILD_DIR]   (default build-asan)
#   without --all: the unit tests only (no daemon, no database): a few minutes
#   --all: every target built instrumented and the whole ctest suite run there, except:
#   - the browser test (label desk): Chromium (not instrumented) is the slowest test by far and
#     adds nothing the sanitizers see that the daemon and CLI tests do not drive already;
#   - the benchmarks' smoke runs (label bench): they measure, and an instrumented build measures
#     the sanitizers;
#   - the package test (deploy/package-test.sh): it installs the normal build's packages.
# MADOGUCHI_SANITIZED_CTEST_ARGS: extra ctest arguments (e.g. -L faults).
set -euo pipefail
cd "$(dirname "$0")/.."
unit=1
if [[ ${1:-} == --all ]]; then
  unit=0
  shift
fi
build=${1:-build-asan}

# -O1 without debug info keeps the sanitized build affordable on two cores (time and memory of
# the Beast translation units); g++ 12 with ASan warns falsely about <regex> and a few Boost
# headers (maybe-uninitialized), which -Werror would turn into a failure.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMADOGUCHI_WERROR=ON \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g0" -DCMAKE_CXX_FLAGS="$flags -Wno-maybe-uninitialized" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null

# Leaks are reported by every instrumented process when it exits (the daemon on SIGTERM too);
# halt on the first error so that a finding fails the test that caused it. A daemon that ASan
# stopped exits with 23, which the daemon tests see as a failed stop.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# LeakSanitizer needs ptrace-like access to the process; a few one-time allocations of libraries
# that are not ours (glib in poppler, fontconfig, tesseract's globals) are suppressed by name.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/sanitizer-suppressions.txt:print_suppressions=0}

if ((unit == 0)); then
  start=$(date +%s)
  cmake --build "$build" -j "$(nproc)"
  echo "sanitized: build took $(($(date +%s) - start)) s"
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086
  ctest --test-dir "$build" --output-on-failure -j 2 -LE '^(desk|bench)$' \
    -E '_smoke$' ${MADOGUCHI_SANITIZED_CTEST_ARGS:-} || rc=$?
  echo "sanitized: ctest took $(($(date +%s) - start)) s (exit $rc)"
  exit "$rc"
fi

tests=(
  tests/domain/domain_test
  tests/policy/policy_test
  tests/check/check_service_test
  tests/check/check_inputs_test
  tests/metrics/metrics_test
  tests/gateway/gateway_messages_test
  tests/card/card_unit_test
  tests/api/api_unit_tests
)
targets=()
for t in "${tests[@]}"; do targets+=("$(basename "$t")"); done
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

passed=0 failed=0
for t in "${tests[@]}"; do
  log="$build/$(basename "$t").log"
  if (cd "$build" && "./$t" >"$(basename "$t").log" 2>&1); then
    passed=$((passed + 1))
    echo "sanitized: $(basename "$t") ok ($(grep -oE '[0-9]+ tests? from [0-9]+ test suites? ran' "$log"))"
  else
    failed=$((failed + 1))
    echo "sanitized: $(basename "$t") FAILED"
    tail -60 "$log"
  fi
done
echo "sanitized: $passed passed, $failed failed"
((failed == 0))
