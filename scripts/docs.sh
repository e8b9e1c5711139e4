#!/usr/bin/env bash
# make docs: the API reference from include/tern/ (docs/Doxyfile, the header
# comments through scripts/doxygen_filter.py) and the man pages from --help
# (scripts/man.py). Fails on any Doxygen warning. Then says how many public
# functions still share a comment with another or have none of their own.
#   scripts/docs.sh BUILD OUT
set -eu
cd "$(dirname "$0")/.."
build=${1:-build} out=${2:-build-docs}
rm -rf "$out/html" "$out/man"
mkdir -p "$out"
{ cat docs/Doxyfile; echo "OUTPUT_DIRECTORY = $out"; echo "WARN_LOGFILE = $out/warnings.log"; } |
  doxygen - >/dev/null
if [ -s "$out/warnings.log" ]; then
  cat "$out/warnings.log" >&2
  echo "docs: Doxygen warned (above)" >&2
  exit 1
fi
python3 scripts/man.py "$build/bin/tern" "$out/man"
# coverage: what Doxygen would call undocumented if it did not take every symbol
{ sed 's/^EXTRACT_ALL .*/EXTRACT_ALL = NO/' docs/Doxyfile; echo "OUTPUT_DIRECTORY = $out/coverage";
  echo "WARN_LOGFILE = $out/coverage.log"; echo "GENERATE_HTML = NO"; } | doxygen - >/dev/null 2>&1
n=$(grep -c "Member tern_[a-z0-9_]* *(.*is not documented" "$out/coverage.log" || true)
echo "docs: $out/html/index.html (API), $out/man/*.1; public functions without a comment" \
  "of their own: $n (see $out/coverage.log)"
