#!/usr/bin/env bash
# tern ntp against a crafted server with a known offset (and on purpose
# broken answers), against chrony, and chrony against tern's server.
. "$(dirname "$0")/../harness/lib.sh"
th_init sntp
crafted() { # NAME OFFSET MODE -> port in $port
  port=$(th_free_port)
  th_bg "$1" "$PY" "$(dirname "$0")/py/ntp_crafted.py" "$port" "$2" "$3"
  th_wait_log "$TMP/$1.log" ready
}
offset_ok() { # OUTPUT EXPECTED: within 5 ms, right sign
  local got
  got=$(echo "$1" | awk '/^offset/ {print $2}')
  "$PY" -c "import sys; sys.exit(0 if abs(float('$got') - $2) < 0.005 else 1)" 2>/dev/null
}
crafted ahead 1.234567 good
out=$("$TERN" ntp "127.0.0.1:$port")
th_match "output lines" "^server 127.0.0.1:$port
stratum 2
offset [+-][0-9]+\.[0-9]{6} s
delay [0-9]+\.[0-9]{6} s
time [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}$" "$out"
th_check "server 1.234567 s ahead: offset within 5 ms ($(echo "$out" | awk '/^offset/ {print $2}'))" offset_ok "$out" 1.234567
crafted behind -2.5 good
out=$("$TERN" ntp "127.0.0.1:$port")
th_check "server 2.5 s behind: offset within 5 ms, negative ($(echo "$out" | awk '/^offset/ {print $2}'))" offset_ok "$out" -2.5
for m in rate:RATE deny:DENY rstr:RSTR badorigin:"does not match" stratum16:"not synchronised" leap3:"not synchronised" short:truncated; do
  crafted "bad_${m%%:*}" 0 "${m%%:*}"
  out=$("$TERN" ntp --timeout 2 "127.0.0.1:$port" 2>"$TMP/err"); rc=$?
  th_eq "${m%%:*}: exit 1, nothing on standard output" "1 " "$rc $out"
  th_match "${m%%:*}: says why, on standard error" "^Unable to get NTP time: .*${m#*:}" "$(cat "$TMP/err")"
done
crafted mute 0 silent
start=$(date +%s.%N)
out=$("$TERN" ntp --timeout 1.5 "127.0.0.1:$port" 2>&1); rc=$?
took=$("$PY" -c "print(round($(date +%s.%N) - $start, 2))")
th_eq "no answer: exit 1" 1 "$rc"
th_check "no answer: reported within the timeout (${took}s)" "$PY" -c "import sys; sys.exit(0 if $took < 2.5 else 1)"
th_match "no answer: says so" "^Unable to get NTP time: no answer within 1500 ms" "$out"
# a good server next to a denying one: the good one is used
crafted deny2 0 deny; d=$port
crafted good2 0.5 good
out=$("$TERN" ntp "127.0.0.1:$d" "127.0.0.1:$port")
th_check "one server denies, the other is used" offset_ok "$out" 0.5

# -S: the system clock is stepped with clock_settime to the server's time;
# under strace the call is answered 0 without being made (this machine's
# clock is never touched), and its value is checked: the server runs 1000 s ahead
crafted far 1000 good
if command -v strace >/dev/null; then
  before=$(date +%s)
  # (LeakSanitizer cannot run under ptrace: off for this one run in the ASan build)
  out=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -e trace=clock_settime \
    -e inject=clock_settime:retval=0 -o "$TMP/strace" "$TERN" ntp -S "127.0.0.1:$port"); rc=$?
  after=$(date +%s)
  th_eq "-S: exit 0" 0 "$rc"
  step=$(echo "$out" | sed -n 's/^clock set: stepped by +\([0-9.]*\) s$/\1/p')
  # (strace slows the exchange: the measured offset is 1000 s within half the round trip)
  th_check "-S: says the clock was stepped by 1000 s (${step:-no such line})" \
    "$PY" -c "import sys; sys.exit(0 if '$step' and abs(float('${step:-0}') - 1000) < 0.05 else 1)"
  set_to=$(sed -n 's/.*clock_settime(CLOCK_REALTIME, {tv_sec=\([0-9]*\).*/\1/p' "$TMP/strace" | head -1)
  # (between the clock before the run and after it, whatever the machine's load)
  th_check "-S: clock_settime(CLOCK_REALTIME) to the server's time (${set_to:-no call} - 1000 in $before..$after)" \
    "$PY" -c "import sys; t = int('${set_to:-0}') - 1000; sys.exit(0 if '$set_to' and $before - 1 <= t <= $after + 1 else 1)"
  th_match "-S: (the call was injected, not made)" "(INJECTED)" "$(cat "$TMP/strace")"
else
  th_skip_part "-S is checked under strace"
fi
if [ "$(id -u)" != 0 ]; then
  "$TERN" ntp -S "127.0.0.1:$port" >/dev/null 2>"$TMP/err"
  th_eq "-S without root: exit 1" 1 $?
  th_match "-S without root: says why" "cannot set the system clock" "$(cat "$TMP/err")"
fi
"$TERN" ntp -6 "127.0.0.1:$port" >/dev/null 2>"$TMP/err"
th_eq "-6 with an IPv4 server: exit 1" 1 $?
th_match "-6: says there is no IPv6 address" "no IPv6 address" "$(cat "$TMP/err")"
th_match "-4 with an IPv4 server: synced" "^server 127\.0\.0\.1:$port" "$("$TERN" ntp -4 "127.0.0.1:$port")"
"$TERN" ntp --timeout abc 127.0.0.1 2>/dev/null
th_eq "--timeout abc: refused (exit 2)" 2 $?
th_match "the help gives the default timeout" "default 5 s" "$("$TERN" ntp --help)"
th_match "-v: what is awaited, on standard error" "waiting up to 5 s for an answer" \
  "$("$TERN" ntp -v "127.0.0.1:$port" 2>&1 >/dev/null)"

if command -v chronyd >/dev/null && [ "$(id -u)" = 0 ]; then
  cport=$(th_free_port)
  cat >"$TMP/chrony.conf" <<CONF
port $cport
bindaddress 127.0.0.1
local stratum 8
allow 127.0.0.1
cmdport 0
pidfile $TMP/chronyd.pid
driftfile $TMP/chrony.drift
CONF
  th_bg chronyd chronyd -x -d -f "$TMP/chrony.conf"
  out=""
  for i in 1 2 3 4 5 6 7 8 9 10; do out=$("$TERN" ntp --timeout 1 "127.0.0.1:$cport") && break; sleep 0.3; done
  th_match "chrony as the server: synced" "^server 127.0.0.1:$cport
stratum 8" "$out"
  sport=$(th_free_port)
  th_bg ternsrv "$TERN" ntp --serve -p "$sport" --stratum 3
  th_wait_log "$TMP/ternsrv.log" serving
  out=$(timeout 20 chronyd -Q -t 10 -f /dev/null "server 127.0.0.1 port $sport iburst maxsamples 2" 2>&1)
  # both read this machine's clock: chrony must measure (nearly) no offset
  off=$(echo "$out" | sed -n 's/.*System clock wrong by \(-\?[0-9.]*\) seconds.*/\1/p')
  th_check "chrony's client syncs from tern's server, offset ${off:-none} s within 10 ms" \
    "$PY" -c "import sys; sys.exit(0 if '${off}' and abs(float('${off:-0}')) < 0.010 else 1)"
else
  th_skip_part "chrony peers need chronyd and root"
fi
th_done
