#!/usr/bin/env bash
# The tern command's skeleton: version, help, errors and exit codes.
. "$(dirname "$0")/../harness/lib.sh"
th_init cli
th_match "--version" "^tern [0-9]+\.[0-9]+\.[0-9]+$" "$("$TERN" --version)"
th_match "--help lists commands" "passwd" "$("$TERN" --help)"
"$TERN" nosuchcommand 2>"$TMP/err"; rc=$?
th_eq "unknown command exits 2" 2 "$rc"
th_eq "unknown command: one line" 1 "$(wc -l <"$TMP/err")"
for cmd in $("$TERN" --help | awk '/^  [a-z]/ {print $1}'); do
  "$TERN" "$cmd" --help >/dev/null; th_eq "tern $cmd --help exits 0" 0 $?
  "$TERN" "$cmd" --no-such-flag >/dev/null 2>"$TMP/err"; rc=$?
  # pub and sub exit as mosquitto_pub/sub do (1: mosquitto_compat compares them)
  want=2; case $cmd in pub | sub) want=1 ;; esac
  th_eq "tern $cmd: unknown flag exits $want" "$want" "$rc"
  th_eq "tern $cmd: unknown flag, one-line error" 1 "$(wc -l <"$TMP/err")"
done
th_done
