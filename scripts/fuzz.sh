#!/usr/bin/env bash
# make fuzz: each libFuzzer target (built by the sanitizer build) runs for
# SECONDS from its committed seed corpus (tests/fuzz/corpus/NAME/); new
# inputs it finds go to BUILD/fuzz-corpus/NAME/, a crash stops the run with
# the input saved as BUILD/fuzz-crash-NAME-*.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build-asan}
SECONDS_EACH=${2:-60}
status=0
for bin in "$BUILD"/bin/fuzz_* "$BUILD"/tests/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  mkdir -p "$BUILD/fuzz-corpus/$name"
  echo "== $name: ${SECONDS_EACH}s"
  if "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix="$BUILD/fuzz-crash-$name-" "$BUILD/fuzz-corpus/$name" "tests/fuzz/corpus/$name" \
      >"$BUILD/fuzz-$name.log" 2>&1; then
    echo "   clean: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD/fuzz-$name.log" |
      grep -o '[0-9]*$') runs, corpus $(ls "$BUILD/fuzz-corpus/$name" | wc -l) new inputs"
  else
    echo "   FOUND A CRASH: see $BUILD/fuzz-$name.log"; status=1
  fi
done
exit $status
