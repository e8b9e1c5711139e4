#!/usr/bin/env bash
# make docs: the API reference builds from the headers without a warning, a
# page per header, every public function documented; a man page per command, from its --help, that groff
# renders without a warning and whose synopsis is the command's usage line.
. "$(dirname "$0")/../harness/lib.sh"
th_init docs
th_need doxygen groff
out=$("$TERN_SRC/scripts/docs.sh" "$TERN_BUILD" "$TMP/docs" 2>&1); rc=$?
echo "$out" | tail -3
th_eq "scripts/docs.sh (make docs): exit 0, no Doxygen warning" 0 "$rc"
# every public function, enum and variable with a comment of its own (Doxygen's
# own count, with EXTRACT_ALL off)
th_match "every public function has its own comment" \
  "public functions without a comment of their own: 0 " "$out"
missing=""
for h in "$TERN_SRC"/include/tern/*.h; do
  b=$(basename "$h" .h)
  grep -q "$b.h" "$TMP/docs/html/files.html" 2>/dev/null || missing="$missing $b.h"
done
th_eq "the API reference lists every public header" "" "$missing"
th_match "a function's page carries its comment" "Waits for the first CONNACK|CONNACK" \
  "$(cat "$TMP/docs/html/mqtt_8h.html")"
cmds=$("$TERN" --help | awk '/^  [a-z]/ {print $1}')
th_eq "a man page per command, and tern(1)" "$(($(echo "$cmds" | wc -l) + 1))" \
  "$(ls "$TMP/docs/man"/*.1 | wc -l)"
bad=""
for c in $cmds; do
  page="$TMP/docs/man/tern-$c.1"
  warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -n "$warn" ] && bad="$bad $c: $warn;"
  want=$("$TERN" "$c" --help | head -1 | sed 's/^usage: //')
  got=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null | sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//')
  [ "$got" = "$want" ] || bad="$bad $c: synopsis '$got' is not '$want';"
done
th_eq "each man page renders without a warning, its synopsis the usage line" "" "$bad"
th_done
