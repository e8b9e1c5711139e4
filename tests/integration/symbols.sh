#!/usr/bin/env bash
# What libtern exports: every external symbol of libtern.so and libtern.a
# starts with tern_ (firmware links the static library beside user code,
# where an internal session_get would clash), and the .so exports only the
# public API (its insides, such as the port's tern_port_*, stay hidden).
. "$(dirname "$0")/../harness/lib.sh"
th_init symbols
th_need nm
so=$TERN_BUILD/lib/libtern.so; a=$TERN_BUILD/lib/libtern.a
th_check "libtern.so and libtern.a are built" [ -f "$so" -a -f "$a" ]
dyn=$(nm -D --defined-only "$so" | awk 'NF == 3 {print $3}')
th_check "libtern.so exports the API ($(echo "$dyn" | wc -l) symbols)" [ "$(echo "$dyn" | grep -c '^tern_')" -ge 100 ]
th_eq "libtern.so: no exported symbol without the tern_ prefix" "" "$(echo "$dyn" | grep -v '^tern_' | head -5)"
th_eq "libtern.so: the port's functions are not exported" "" "$(echo "$dyn" | grep '^tern_port_' | head -5)"
th_eq "libtern.a: no external symbol without the tern_ prefix" "" \
  "$(nm -g --defined-only "$a" | awk 'NF == 3 {print $3}' | grep -v '^tern_' | sort -u | head -5)"
th_done
