#!/usr/bin/env bash
# `make test`: every test in the plain build, then in the clang ASan+UBSan
# build (heavy tests are registered in the plain build only), then in a
# build without TLS (TERN_ENABLE_TLS=OFF: the tests that need no TLS, and
# one that checks TLS is refused), then the Cortex-M4 size table, then one
# totals line over the builds:
#   make test: N passed, N failed, N skipped
# A test that skipped anything (whole or in part) counts as skipped, not
# passed. With CI=true any skip fails the run: CI has every peer installed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN=${ASAN:-build-asan}
MCU=${MCU:-build-mcu}
NOTLS=${NOTLS:-build-notls}
GEN=$(command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
status=0

run_ctest() { # DIR [VAR=VALUE...]: the whole suite of one build
  local dir=$1; shift
  rm -f "$dir/Testing/skips.log" "$dir/junit.xml"
  mkdir -p "$dir/Testing"
  (cd "$dir" && env "$@" ctest -j2 --output-on-failure --output-junit junit.xml) || status=1
}

make --no-print-directory build BUILD="$BUILD" || exit 1
make --no-print-directory firmware FW="${FW:-build-fw}" >/dev/null || exit 1
run_ctest "$BUILD"
make --no-print-directory asan ASAN="$ASAN" || exit 1
run_ctest "$ASAN" ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
[ -f "$NOTLS/CMakeCache.txt" ] || cmake -S . -B "$NOTLS" $GEN -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTERN_ENABLE_TLS=OFF -DTERN_HEAVY_TESTS=OFF >/dev/null
cmake --build "$NOTLS" >/dev/null || { cmake --build "$NOTLS"; exit 1; }
run_ctest "$NOTLS"
scripts/size.sh "$MCU" "${FW:-build-fw}" || status=1
/usr/bin/python3 scripts/test_totals.py "$BUILD" "$ASAN" "$NOTLS" || status=1
exit $status
