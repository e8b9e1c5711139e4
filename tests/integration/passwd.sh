#!/usr/bin/env bash
# $7$ password files: tern and mosquitto_passwd read each other's.
. "$(dirname "$0")/../harness/lib.sh"
th_init passwd
th_need mosquitto_passwd mosquitto
"$TERN" passwd -b -c "$TMP/pw" alice 's3cret pass'
th_match "tern passwd writes \$7\$" '^alice:\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$' "$(cat "$TMP/pw")"
th_eq "file is private" "600" "$(stat -c %a "$TMP/pw")"
"$TERN" passwd -b "$TMP/pw" bob other
"$TERN" passwd -b "$TMP/pw" alice changed
th_eq "update keeps one line per user" 2 "$(wc -l <"$TMP/pw")"
printf 'abc\nabd\n' | "$TERN" passwd "$TMP/pw" carol >/dev/null 2>&1
th_eq "mismatched interactive passwords refused" 1 $?
printf 'pw1\npw1\n' | "$TERN" passwd "$TMP/pw" carol 2>/dev/null
th_eq "interactive form (stdin) adds a user" 3 "$(wc -l <"$TMP/pw")"
"$TERN" passwd -x "$TMP/pw" u 2>/dev/null
th_eq "unknown flag exits 2" 2 $?

# A file written by Debian's mosquitto_passwd is checked by tern's module...
mosquitto_passwd -b -c "$TMP/mpw" dave hunter2
th_eq "mosquitto's hash verifies" "ok" "$("$BIN/pw_probe" "$TMP/mpw" dave hunter2)"
th_eq "wrong password is refused" "refused" "$("$BIN/pw_probe" "$TMP/mpw" dave hunter3)"
th_eq "unknown user is refused" "refused" "$("$BIN/pw_probe" "$TMP/mpw" eve hunter2)"
th_eq "tern's own hash verifies" "ok" "$("$BIN/pw_probe" "$TMP/pw" alice changed)"

# ...and Mosquitto accepts a file written by tern passwd.
port=$(th_free_port)
th_mosquitto mosquitto "listener $port 127.0.0.1
allow_anonymous false
password_file $TMP/pw"
out=$(timeout 10 mosquitto_pub -h 127.0.0.1 -p "$port" -u alice -P changed -t t -m x 2>&1; echo "rc=$?")
th_eq "mosquitto accepts tern's hash" "rc=0" "$out"
out=$(timeout 10 mosquitto_pub -h 127.0.0.1 -p "$port" -u alice -P wrong -t t -m x 2>&1; echo "rc=$?")
th_match "mosquitto refuses a wrong password" "rc=[1-9]" "$out"

# -D and -U, next to mosquitto_passwd on the same files
for tool in mosq tern; do
  run() { if [ $tool = mosq ]; then mosquitto_passwd "$@"; else "$TERN" passwd "$@"; fi; }
  run -b -c "$TMP/d-$tool" alice pw1 && run -b "$TMP/d-$tool" bob pw2
  run -D "$TMP/d-$tool" alice 2>/dev/null; echo "delete:$?" >"$TMP/r-$tool"
  run -D "$TMP/d-$tool" nobody 2>/dev/null; echo "missing user:$?" >>"$TMP/r-$tool"
  run -D "$TMP/none-$tool" alice 2>/dev/null; echo "missing file:$?" >>"$TMP/r-$tool"
  cut -d: -f1 "$TMP/d-$tool" >>"$TMP/r-$tool"
  printf 'carol:clear1\ndave:clear2\n' >"$TMP/u-$tool"
  run -U "$TMP/u-$tool" 2>/dev/null; echo "upgrade:$?" >>"$TMP/r-$tool"
done
th_eq "-D and -U: the same exit codes and users as mosquitto_passwd" "$(cat "$TMP/r-mosq")" \
  "$(cat "$TMP/r-tern")"
th_eq "-U: each clear password hashed" "ok ok" \
  "$("$BIN/pw_probe" "$TMP/u-tern" carol clear1) $("$BIN/pw_probe" "$TMP/u-tern" dave clear2)"
th_eq "-U: mosquitto_passwd's hashes agree" "ok ok" \
  "$("$BIN/pw_probe" "$TMP/u-mosq" carol clear1) $("$BIN/pw_probe" "$TMP/u-mosq" dave clear2)"
cp "$TMP/u-tern" "$TMP/u-again"
"$TERN" passwd -U "$TMP/u-again"
th_eq "-U twice: hashed lines are kept, not hashed again" "$(cat "$TMP/u-tern")" "$(cat "$TMP/u-again")"
th_done
