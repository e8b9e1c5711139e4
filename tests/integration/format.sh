#!/usr/bin/env bash
# Every C file is as clang-format (.clang-format, clang-format 14) writes
# it, so lines stay within 100 columns and diffs show only real changes.
. "$(dirname "$0")/../harness/lib.sh"
th_init format
th_need clang-format
cd "$TERN_SRC" || exit 1
files=$(find app bench examples firmware include src tests -name '*.c' -o -name '*.h' | sort)
th_check "C files found ($(echo "$files" | wc -l))" [ "$(echo "$files" | wc -l)" -ge 100 ]
out=$(echo "$files" | xargs clang-format --style=file --dry-run --Werror 2>&1 | grep -E '^[^ ].*: (error|warning)' |
  cut -d: -f1 | sort -u | head -5)
th_eq "every C file is clang-formatted (fix: clang-format -i FILE)" "" "$out"
long=$(echo "$files" | xargs awk 'length > 100 {print FILENAME ":" FNR}' | head -3)
th_eq "no line over 100 columns" "" "$long"
th_done
