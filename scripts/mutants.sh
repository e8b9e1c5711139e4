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
only=${1:-}
rm -rf "$W/src"
mkdir -p "$W/src"
# the tree as it is now (tracked and new files), without build folders
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$W/src"
[ -f "$W/build/CMakeCache.txt" ] ||
  cmake -S "$W/src" -B "$W/build" $GEN -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTERN_HEAVY_TESTS=ON >/dev/null
cmake --build "$W/build" >"$W/build.log" 2>&1 || { cat "$W/build.log"; echo "mutants: the unmutated tree does not build"; exit 1; }
caught=0; survived=0; broken=0
for patch in tests/mutants/*.patch; do
  name=$(basename "$patch" .patch)
  [ -n "$only" ] && [[ "$name" != *"$only"* ]] && continue
  test=$(sed -n 's/^Test: //p' "$patch" | head -1)
  if ! (cd "$W/src" && git apply "$SRC/$patch"); then
    echo "BROKEN   $name: the patch does not apply"; broken=$((broken + 1)); continue
  fi
  if ! cmake --build "$W/build" >"$W/$name.build.log" 2>&1; then
    echo "BROKEN   $name: the mutant does not build (see $W/$name.build.log)"; broken=$((broken + 1))
  elif (cd "$W/build" && ctest -R "^${test}\$" --timeout 600 >"$W/$name.log" 2>&1); then
    echo "SURVIVED $name: $test still passes"; survived=$((survived + 1))
  elif grep -q "No tests were found" "$W/$name.log"; then
    echo "BROKEN   $name: no test named $test"; broken=$((broken + 1))
  else
    echo "caught   $name by $test ($(grep -m1 -E '^(FAIL|not ok)' "$W/$name.log" 2>/dev/null |
      cut -c1-70))"
    caught=$((caught + 1))
  fi
  (cd "$W/src" && git apply -R "$SRC/$patch")
done
cmake --build "$W/build" >/dev/null 2>&1
echo "mutants: $caught passed, $((survived + broken)) failed"
[ $((survived + broken)) -eq 0 ]
