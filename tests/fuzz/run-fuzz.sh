#!/usr/bin/env bash
# Builds the documents fuzzer with clang (libFuzzer + AddressSanitizer) in its own build tree
# and runs it for a bounded time, seeded with the generated test corpus.
#   tests/fuzz/run-fuzz.sh [SECONDS] [BUILD_DIR]     (defaults: 60, build-fuzz)
# Exit status is libFuzzer's: non-zero when it found a crash (the input is left in BUILD_DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build=${2:-$root/build-fuzz}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$here" -B "$build" "${gen[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_documents -j2
seeds=$build/seeds
if [[ ! -f $seeds/manifest.json ]]; then
  /usr/bin/python3 "$root/tests/documents/generate_corpus.py" --out "$seeds" --scans 0 >/dev/null
fi
mkdir -p "$build/corpus"
# Poppler keeps a few process-wide caches alive until exit: not leaks of ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
cd "$build"
# the PDFs and text files only (scans are for OCR, which the target does not run)
find "$seeds" -name '*.pdf' -size -200k -exec cp -n {} "$build/corpus/" \;
./fuzz_documents -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$build/corpus"
