#!/usr/bin/env bash
# make mutants: every tests/mutants/*.patch is a deliberate break of one
# feature, with the test that must catch it named in its header
# ("Test: integration.NAME"). Each is applied in turn to a scratch copy of
# the tree (build-mutants/), built, and that test run: a mutant whose test
# still passes has survived, and the run fails.
set -u
cd "$(dirname "$0")/.."
SRC=$PWD
W=${MUTANTS_DIR:-$SRC/build-mutants}
GEN=$(command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
only=${1:-} # run only the mutants whose name contains this
rm -rf "$W/src"
mkdir -p "$W/src"
# the tree as it is now (tracked and new files), without build folders
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xmf - -C "$W/src"   # -m: fresh mtimes, so nothing stale is reused
[ -d .deps ] && cp -r .deps "$W/src/"   # what install-deps fetched (MQTT.js)
[ -f "$W/build/CMakeCache.txt" ] ||
  cmake -S "$W/src" -B "$W/build" $GEN -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTERN_HEAVY_TESTS=ON >/dev/null
# the firmware too, when lwIP's source is there (make firmware fetched it)
build_fw() {
  [ -d "$W/src/.deps/lwip" ] || return 0
  [ -f "$W/fw/CMakeCache.txt" ] || cmake -S "$W/src/firmware" -B "$W/fw" $GEN -DCMAKE_BUILD_TYPE=MinSizeRel \
    -DCMAKE_TOOLCHAIN_FILE="$W/src/cmake/arm-none-eabi.cmake" >/dev/null
  cmake --build "$W/fw"
}
build_all() { cmake --build "$W/build" && build_fw; }
# a mutant builds what its test runs: the firmware only for a firmware test
# (a Linux-only break, such as calling time(), need not link on the board)
build_for() { cmake --build "$W/build" && case "$1" in *firmware*) build_fw ;; esac; }
build_all >"$W/build.log" 2>&1 || { cat "$W/build.log"; echo "mutants: the unmutated tree does not build"; exit 1; }
caught=0; survived=0; broken=0
run_test() { # TEST LOG: 0 when the test passes
  # CI=true: a test that skips a check fails, so a skip cannot pass as "caught"'s baseline
  (cd "$W/build" && CI=true TERN_FIRMWARE="$W/fw/tern-device.elf" TERN_FIRMWARE_DIR="$W/fw" \
    ctest -R "^$1\$" --timeout 600 --output-on-failure >"$2" 2>&1)
}
# A mutant only counts as caught if its test passes without it.
declare -A baseline
for patch in tests/mutants/*.patch; do
  [ -n "$only" ] && [[ "$(basename "$patch" .patch)" != *"$only"* ]] && continue
  test=$(sed -n 's/^Test: //p' "$patch" | head -1)
  [ -n "${baseline[$test]:-}" ] && continue
  if run_test "$test" "$W/baseline.$test.log"; then baseline[$test]=ok
  else baseline[$test]=fails; echo "the unmutated $test fails (see $W/baseline.$test.log)"; fi
done
for patch in tests/mutants/*.patch; do
  name=$(basename "$patch" .patch)
  [ -n "$only" ] && [[ "$name" != *"$only"* ]] && continue
  test=$(sed -n 's/^Test: //p' "$patch" | head -1)
  # patch(1), not git apply: inside this repository git apply would skip
  # paths below build-mutants/ without a word
  if [ "${baseline[$test]}" != ok ]; then
    echo "BROKEN   $name: $test fails even without the mutant"; broken=$((broken + 1)); continue
  fi
  if ! patch -d "$W/src" -p1 --forward --silent <"$patch" >/dev/null; then
    echo "BROKEN   $name: the patch does not apply"; broken=$((broken + 1)); continue
  fi
  if ! build_for "$test" >"$W/$name.build.log" 2>&1; then
    echo "BROKEN   $name: the mutant does not build (see $W/$name.build.log)"; broken=$((broken + 1))
  elif run_test "$test" "$W/$name.log"; then
    echo "SURVIVED $name: $test still passes"; survived=$((survived + 1))
  elif grep -q "No tests were found" "$W/$name.log"; then
    echo "BROKEN   $name: no test named $test"; broken=$((broken + 1))
  else
    echo "caught   $name by $test: $(grep -m1 '^FAIL' "$W/$name.log" | cut -c1-90)"
    caught=$((caught + 1))
  fi
  patch -d "$W/src" -p1 -R --silent <"$patch" >/dev/null
done
build_all >/dev/null 2>&1
echo "mutants: $caught passed, $((survived + broken)) failed"
[ $((survived + broken)) -eq 0 ]
