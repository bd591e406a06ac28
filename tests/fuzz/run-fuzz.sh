#!/usr/bin/env bash
# Builds the fuzzers with clang (libFuzzer + AddressSanitizer/UBSan) in their own build tree and
# runs each for a bounded time on a copy of its seed corpus (tests/fuzz/corpus/<name>, the
# gateway's XmlMsg corpus in both encodings, the generated documents).
#   tests/fuzz/run-fuzz.sh [SECONDS] [BUILD_DIR] [FUZZER...]
#   (defaults: 20 s each, build-fuzz, every fuzzer; the two document fuzzers get twice the time;
#   ~3.5 minutes in all)
# Exit status is non-zero when a fuzzer found a crash; the input is left in BUILD_DIR/run-<name>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
build=${2:-$root/build-fuzz}
mkdir -p "$build" && build=$(cd "$build" && pwd)
shift $(($# < 2 ? $# : 2))
all=(fuzz_http fuzz_json fuzz_xmlmsg fuzz_card fuzz_spool fuzz_config fuzz_documents fuzz_images)
fuzzers=("${@:-${all[@]}}")
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$here" -B "$build" "${gen[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "${fuzzers[@]}" -j2

seed() {  # seed DIR: the fuzzer's starting corpus (the repository's seeds are only read)
  local name=$1 dir=$2 x
  mkdir -p "$dir"
  case $name in
    fuzz_xmlmsg) cp -n "$root"/tests/gateway/corpus/utf8/*.xml "$dir/" 2>/dev/null || true
      for x in "$root"/tests/gateway/corpus/sjis/*.xml; do cp -n "$x" "$dir/sjis-$(basename "$x")"; done
      cp -n "$here"/corpus/xmlmsg/* "$dir/" 2>/dev/null || true ;;  # past findings
    fuzz_documents)
      local gen_seeds=$build/seeds
      if [[ ! -f $gen_seeds/manifest.json ]]; then
        /usr/bin/python3 "$root/tests/documents/generate_corpus.py" --out "$gen_seeds" --scans 0 >/dev/null
      fi
      # the PDFs only (scans are for OCR, which the target does not run)
      find "$gen_seeds" -name '*.pdf' -size -200k -exec cp -n {} "$dir/" \; ;;
    *) cp -n "$here/corpus/${name#fuzz_}"/* "$dir/" ;;
  esac
}

# Poppler keeps a few process-wide caches alive until exit: not leaks of ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for f in "${fuzzers[@]}"; do
  t=$seconds
  [[ $f == fuzz_documents || $f == fuzz_images ]] && t=$((seconds * 2))  # slow per input
  work=$build/run-$f
  seed "$f" "$work/corpus"
  echo "== $f: ${t}s"
  if ! (cd "$work" && "$build/$f" -max_total_time="$t" -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 corpus 2>"$work/fuzz.log"); then
    echo "!! $f found a crash: see $work/fuzz.log and $work/crash-*" >&2
    tail -40 "$work/fuzz.log" >&2
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added)|^#[0-9]+ *DONE' "$work/fuzz.log" || true
done
exit $status
