#!/usr/bin/env bash
# The unit tests again, built with AddressSanitizer and UndefinedBehaviorSanitizer in a build
# folder of their own: memory errors, leaks and undefined behaviour in the rules, the parsers and
# the ports' fakes fail the run. The integration tests (real PostgreSQL, pcscd, the simulator,
# the browser) run in the normal build; the fuzzers (tests/fuzz) put the same sanitizers on every
# parser of outside bytes.
#   tests/run-sanitized.sh [BUILD_DIR]   (default build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}

# -O1 without debug info keeps the sanitized build affordable on two cores; g++ 12 with ASan
# warns falsely about <regex> (maybe-uninitialized), which -Werror would turn into a failure.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMADOGUCHI_WERROR=ON \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g0" -DCMAKE_CXX_FLAGS="$flags -Wno-maybe-uninitialized" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null

tests=(
  tests/domain/domain_test
  tests/policy/policy_test
  tests/check/check_service_test
  tests/metrics/metrics_test
  tests/gateway/gateway_messages_test
  tests/card/card_unit_test
  tests/api/api_unit_tests
)
targets=()
for t in "${tests[@]}"; do targets+=("$(basename "$t")"); done
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
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
