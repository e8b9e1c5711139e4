#!/usr/bin/env bash
# ctest-labels: tls
# The seed's use cases as examples/, each against local stand-ins.
. "$(dirname "$0")/../harness/lib.sh"
th_init examples
th_need openssl curl
EX=$TERN_BUILD/examples

th_match "network_connect: address on lo" "^Connecting to network \.\.\.
Connected, IP 127\.0\.0\.1" "$("$EX/network_connect" lo)"
out=$("$EX/network_connect" no-such-if0 2>&1); rc=$?
th_check "network_connect: a missing interface fails clearly (rc=$rc)" [ "$rc" -ne 0 ]

np=$(th_free_port)
th_bg ntp "$TERN" ntp --serve -p "$np"
th_wait_log "$TMP/ntp.log" serving
th_match "ntp_time: prints the time with %c" "^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4} \(offset" "$("$EX/ntp_time" "127.0.0.1:$np")"
th_match "ntp_time: local time in a POSIX TZ" "^[A-Z][a-z]{2} " "$("$EX/ntp_time" "127.0.0.1:$np" "CET-1CEST,M3.5.0,M10.5.0/3")"

"$TERN" passwd -b -c "$TMP/pw" admin secret
cp=$(th_free_port)
th_bg console "$EX/console_login" "$TMP/pw" "$cp"
th_wait_log "$TMP/console.log" "console on port" 5
out=$("$PY" - "$cp" <<'PYEOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
def until(tok):
    buf = b""
    while tok not in buf:
        d = s.recv(4096)
        if not d: break
        buf += d
    return buf
until(b"login: "); s.sendall(b"admin\r\n"); until(b"Password: "); s.sendall(b"secret\r\n"); until(b"device> ")
s.sendall(b"hello tern\r\n"); print(until(b"device> ").decode(errors="replace").splitlines()[1].strip())
PYEOF
)
th_eq "console_login: log in, run our command" "hello, tern" "$out"

th_make_ca "$TMP/pki" || th_bad "certificates"
wp=$(th_free_port); tp=$(th_free_port)
th_bg web "$PY" "$(dirname "$0")/py/http_standin.py" "$wp"
th_bg webtls "$PY" "$(dirname "$0")/py/http_standin.py" "$tp" "$TMP/pki/server.crt" "$TMP/pki/server.key"
th_wait_log "$TMP/web.log" ready; th_wait_log "$TMP/webtls.log" ready
th_eq "weather: temperature and conditions" "temperature 21.5 C, conditions partly cloudy" \
  "$("$EX/weather" "http://127.0.0.1:$wp/v1/forecast?latitude=59.9")"
th_eq "send_sms: Twilio-shaped form POST with Basic auth over TLS" "message SM123 queued" \
  "$(TERN_CAFILE=$TMP/pki/ca.crt "$EX/send_sms" "https://localhost:$tp" AC123 secret-token +15550001 +15550002 "hi")"
TERN_CAFILE=$TMP/pki/ca.crt "$EX/send_sms" "https://localhost:$tp" AC123 wrong +1 +2 hi >/dev/null 2>&1
th_eq "send_sms: a wrong token fails" 1 $?

lp=$(th_free_port)
th_bg led "$EX/led_server" "$lp"
th_wait_log "$TMP/led.log" "LED page" 5
th_match "led_server: page shows OFF" "LED is <span id=led>OFF" "$(curl -s "http://127.0.0.1:$lp/")"
th_match "led_server: /?LED=ON turns it on" "LED is <span id=led>ON" "$(curl -s "http://127.0.0.1:$lp/?LED=ON")"
th_match "led_server: /?LED=OFF turns it off" "LED is <span id=led>OFF" "$(curl -s "http://127.0.0.1:$lp/?LED=OFF")"

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
  ns="tern-ex-$$"
  ip netns add "$ns"; TH_CLEANUP_EXTRA="ip netns del $ns 2>/dev/null"
  ip -n "$ns" link set lo up; ip -n "$ns" link set lo multicast on; ip -n "$ns" route add 224.0.0.0/4 dev lo
  ip netns exec "$ns" "$EX/mdns_advertise" exdev lo 6 >"$TMP/mdns.log" 2>&1 &
  th_check "mdns_advertise: claims exdev.local" th_wait_log "$TMP/mdns.log" "advertising exdev\.local" 5
  th_eq "mdns_advertise: resolvable" "exdev.local 127.0.0.1" "$(ip netns exec "$ns" "$TERN" mdns resolve exdev.local --iface lo --timeout 3)"
  th_match "mdns_advertise: its services browse" "exdev _http._tcp exdev.local 8080" "$(ip netns exec "$ns" "$TERN" mdns browse _http._tcp --iface lo --timeout 2)"
else
  th_skip_part "mdns_advertise runs in a network namespace (needs root)"
fi
th_done
