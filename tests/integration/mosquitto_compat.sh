#!/usr/bin/env bash
# tern sub next to mosquitto_sub (and tern pub next to mosquitto_pub), flag by
# flag, on one Mosquitto broker: the same output and exit code for -v, -F
# (each 3.1.1 specifier, widths, escapes), -C, -W, -N, -R, -T,
# --retained-only, --remove-retained, -U, -A; numbers refused as mosquitto_sub
# refuses them, and every usage error exits as theirs do. Times (%I %U %j's tst) are compared by shape.
. "$(dirname "$0")/../harness/lib.sh"
th_init mosquitto_compat
th_need mosquitto mosquitto_sub mosquitto_pub
port=$(th_free_port)
th_mosquitto mosq "listener $port 127.0.0.1
allow_anonymous true"
pub() { mosquitto_pub -p "$port" "$@"; }
pub -t r/a -m 'one' -r
pub -t r/b -m 'two words' -r -q 1
pub -t r/c/d -m '{"t": 21.5, "ok": true}' -r -q 2
run() { # TOOL ARGS...
  if [ "$1" = mosq ]; then shift; timeout 20 mosquitto_sub -p "$port" "$@"; else
    shift; timeout 20 "$TERN" sub -p "$port" "$@"; fi
}
n=0
same() { # LABEL ARGS...: one after the other, on the retained messages
  local label=$1; shift
  n=$((n + 1))
  run mosq "$@" >"$TMP/m$n" 2>/dev/null; echo "rc=$?" >>"$TMP/m$n"
  run tern "$@" >"$TMP/t$n" 2>/dev/null; echo "rc=$?" >>"$TMP/t$n"
  th_eq "$label" "$(sort "$TMP/m$n")" "$(sort "$TMP/t$n")"
}
same "-v" -t 'r/#' -v -C 3
same "-F: %t %p %q %r %l %x %X" -t 'r/#' -C 3 -F '%t|%p|%q|%r|%l|%x|%X'
same "-F: widths, alignment, zero padding, maximum width" -t 'r/#' -C 3 -F '[%10t][%-10t][%.3t][%5l][%-5l][%05l]'
same "-F: %% and escapes" -t 'r/a' -C 1 -F '100%% \t|\\|\e[0m|\v'
same "-F: %m (QoS 0: 0) with -q 2" -t 'r/#' -C 3 -q 2 -F '%t %q %m'
same "-N: no newline" -t 'r/a' -C 1 -N
same "-T: filter out" -t 'r/#' -T 'r/c/#' -v -C 2
same "-C abc: refused" -t 'r/#' -C abc
same "-W abc: refused" -t 'r/#' -W abc
same "-C 0: refused" -t 'r/#' -C 0
same "-W 1 with nothing to receive: exit 27" -t 'nothing/here' -W 1
# the time helpers, by shape (digits as 9)
shape() { sed 's/[0-9]/9/g'; }
run mosq -t 'r/c/d' -C 1 -F '%I %U' >"$TMP/mt"; run tern -t 'r/c/d' -C 1 -F '%I %U' >"$TMP/tt"
th_eq "-F: %I and %U, by shape" "$(shape <"$TMP/mt")" "$(shape <"$TMP/tt")"
run mosq -t 'r/#' -C 3 -F '%j' | sort >"$TMP/mj"; run tern -t 'r/#' -C 3 -F '%j' | sort >"$TMP/tj"
th_eq "-F: %j, the time by shape" "$(shape <"$TMP/mj")" "$(shape <"$TMP/tj")"
run mosq -t 'r/c/d' -C 1 -F '%J' >"$TMP/mJ"; run tern -t 'r/c/d' -C 1 -F '%J' >"$TMP/tJ"
th_eq "-F: %J (a JSON payload as is), by shape" "$(shape <"$TMP/mJ")" "$(shape <"$TMP/tJ")"
th_match "%J: the payload is not quoted" '"payload":\{"t":21.5,"ok":true\}' "$(cat "$TMP/tJ")"

# live messages: both subscribed at once, then the broker gets more
live() { # LABEL ARGS...: both subscribe, then two live messages go out
  local label=$1; shift
  n=$((n + 1))
  run mosq -i "m$n" "$@" >"$TMP/m$n" 2>/dev/null &
  local a=$!
  run tern -i "t$n" "$@" >"$TMP/t$n" 2>/dev/null &
  local b=$!
  th_wait_sub mosq "m$n" && th_wait_sub mosq "t$n"
  pub -t r/live -m 'fresh 1' -q 1
  pub -t r/live -m 'fresh 2' -q 1
  wait $a; echo "rc=$?" >>"$TMP/m$n"
  wait $b; echo "rc=$?" >>"$TMP/t$n"
  th_eq "$label" "$(sort "$TMP/m$n")" "$(sort "$TMP/t$n")"
}
live "-R: the retained left out, the live printed" -t 'r/#' -R -v -C 2
live "--retained-only: the retained, then exit at the first live one" -t 'r/#' --retained-only -v
live "-F %r on retained and live" -t 'r/#' -F '%t %r' -C 5

# --remove-retained: each tool clears its own copy of the retained messages
for tool in mosq tern; do
  pub -t "rr/$tool/a" -m x -r
  pub -t "rr/$tool/b" -m y -r
  pub -t "rr/$tool/keep" -m z -r
  run $tool -t "rr/$tool/#" --remove-retained -T "rr/$tool/keep" -v -C 2 >"$TMP/rr-$tool"
  # what is left, retained, afterwards
  run mosq -t "rr/$tool/#" -v -W 1 >"$TMP/left-$tool"
done
th_eq "--remove-retained: what each printed" "$(sed 's/mosq/X/' "$TMP/rr-mosq" | sort)" \
  "$(sed 's/tern/X/' "$TMP/rr-tern" | sort)"
th_eq "--remove-retained: what each left (-T kept)" "$(sed 's/mosq/X/' "$TMP/left-mosq")" \
  "$(sed 's/tern/X/' "$TMP/left-tern")"
th_eq "--remove-retained: the kept one is there" "rr/tern/keep z" "$(cat "$TMP/left-tern")"

# -U: a persistent session subscribed to u/1, then unsubscribed by -U
for tool in mosq tern; do
  run $tool -c -i "u-$tool" -q 1 -t u/1 -E
  run $tool -c -i "u-$tool" -q 1 -U u/1 -t u/other -E
  pub -t u/1 -m queued -q 1
  run $tool -c -i "u-$tool" -q 1 -t u/other -W 1 >"$TMP/u-$tool"; echo "rc=$?" >>"$TMP/u-$tool"
done
th_eq "-U: nothing queued for the unsubscribed topic, as mosquitto_sub" "$(cat "$TMP/u-mosq")" \
  "$(cat "$TMP/u-tern")"
th_match "-U: Mosquitto got the UNSUBSCRIBE" "Received UNSUBSCRIBE from u-tern" "$(cat "$TMP/mosq.log")"

# tern pub next to mosquitto_pub: --repeat, --repeat-delay, -M; bad numbers
for tool in mosq tern; do
  timeout 20 mosquitto_sub -p "$port" -i "rp-$tool" -t "rp/$tool" -C 3 -v >"$TMP/rp-$tool" &
  s=$!
  th_wait_sub mosq "rp-$tool"
  if [ $tool = mosq ]; then
    mosquitto_pub -p "$port" -t "rp/$tool" -m hi -q 1 --repeat 3 --repeat-delay 0.2 -M 2
  else
    "$TERN" pub -p "$port" -t "rp/$tool" -m hi -q 1 --repeat 3 --repeat-delay 0.2 -M 2
  fi
  rc=$?
  # the publisher's exit code goes in after the subscriber has written its last line
  wait $s
  echo "rc=$rc" >>"$TMP/rp-$tool"
done
th_eq "pub --repeat 3 --repeat-delay 0.2 -M 2: the same three messages" \
  "$(sed 's/mosq/X/' "$TMP/rp-mosq" | sort)" "$(sed 's/tern/X/' "$TMP/rp-tern" | sort)"
# -A: both connect from 127.0.0.2, which Mosquitto's log names; an address
# this host lacks (192.0.2.1, TEST-NET: the bind fails, nothing is sent) and
# usage errors exit as mosquitto_pub/sub exit
for tool in mosquitto_pub "$TERN pub"; do
  $tool -p "$port" -A 127.0.0.2 -i "bind-${tool##* }" -t b -m x
done
timeout 20 mosquitto_sub -p "$port" -A 127.0.0.2 -i bind-msub -t b -W 1 >/dev/null
timeout 20 "$TERN" sub -p "$port" -A 127.0.0.2 -i bind-tsub -t b -W 1 >/dev/null
for id in mosquitto_pub pub msub tsub; do
  th_match "-A 127.0.0.2: bind-$id came from it" \
    "New client connected from 127\.0\.0\.2:[0-9]+ as bind-$id " \
    "$(cat "$TMP/mosq.log")"
done
for args in "-A 192.0.2.1" "-A ::1" "-q 5" "-p abc" "--no-such-flag" "-k 1"; do
  # shellcheck disable=SC2086
  mosquitto_pub -p "$port" -t x -m y $args 2>/dev/null; a=$?
  # shellcheck disable=SC2086
  "$TERN" pub -p "$port" -t x -m y $args 2>/dev/null; b=$?
  th_eq "pub $args: exits as mosquitto_pub" "$a" "$b"
  # shellcheck disable=SC2086
  timeout 20 mosquitto_sub -p "$port" -t x -W 1 $args >/dev/null 2>&1; a=$?
  # shellcheck disable=SC2086
  timeout 20 "$TERN" sub -p "$port" -t x -W 1 $args >/dev/null 2>&1; b=$?
  th_eq "sub $args: exits as mosquitto_sub" "$a" "$b"
done
mosquitto_pub -p "$port" -m y >/dev/null 2>&1; a=$?
"$TERN" pub -p "$port" -m y 2>/dev/null; b=$?
th_eq "pub without -t: exits as mosquitto_pub" "$a" "$b"
"$TERN" pub -p "$port" -A 192.0.2.1 -t x -m y 2>"$TMP/bind.err"
th_match "-A 192.0.2.1: the reason is given" "not on this host" "$(cat "$TMP/bind.err")"
for args in "--repeat abc" "--repeat 0" "-M 0" "-M abc"; do
  # shellcheck disable=SC2086
  mosquitto_pub -p "$port" -t x -m y $args 2>/dev/null; a=$?
  # shellcheck disable=SC2086
  "$TERN" pub -p "$port" -t x -m y $args 2>/dev/null; b=$?
  th_eq "pub $args: refused as mosquitto_pub refuses it" "$a" "$b"
done
th_done
