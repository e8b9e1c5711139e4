#!/usr/bin/env bash
# ctest-labels: firmware
# ctest-lock: avahi
# The firmware (build-fw/tern-device.elf) on QEMU's mps2-an386, its LAN9118
# on a TAP interface in a network namespace made here, with the host's peers
# in that namespace: dnsmasq (DHCP, and DNS for one local name), Mosquitto,
# chrony (NTP, named by DHCP option 42), avahi and python3-zeroconf, a paho
# subscriber, curl, headless Chromium, telnet and a Python HTTP server.
# Nothing leaves the namespace.
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_netns
th_need_root
th_need ip qemu-system-arm dnsmasq mosquitto mosquitto_sub mosquitto_pub chronyd curl expect telnet
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"
"$PY" -c "import zeroconf, paho.mqtt" 2>/dev/null || th_skip "python3-zeroconf or python3-paho-mqtt missing"

H="tern-fw-$$"
ip netns add "$H" || th_skip "cannot create network namespaces here"
TH_CLEANUP_EXTRA="ip netns del $H 2>/dev/null"
inH() { ip netns exec "$H" "$@"; }
ip -n "$H" link set lo up
ip -n "$H" tuntap add dev ftap mode tap
ip -n "$H" addr add 10.77.0.1/24 dev ftap
ip -n "$H" link set ftap up multicast on
ip -n "$H" route add 224.0.0.0/4 dev ftap
MAC=52:54:00:74:65:01

# DHCP (and DNS for api.test only: nothing is forwarded anywhere)
th_bg dnsmasq ip netns exec "$H" dnsmasq -d --conf-file=/dev/null --interface=ftap --bind-interfaces \
  --listen-address=10.77.0.1 --no-resolv --no-hosts --address=/api.test/10.77.0.1 \
  --dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h --dhcp-option=option:ntp-server,10.77.0.1 \
  --dhcp-leasefile="$TMP/leases" --log-dhcp --pid-file="$TMP/dnsmasq.pid"
# the broker
printf 'user root\nlistener 1883 10.77.0.1\nallow_anonymous true\n' >"$TMP/mosq.conf"
th_bg mosq ip netns exec "$H" mosquitto -c "$TMP/mosq.conf" -v
# NTP
cat >"$TMP/chrony.conf" <<CONF
bindaddress 10.77.0.1
local stratum 8
allow 10.77.0.0/24
cmdport 0
pidfile $TMP/chronyd.pid
driftfile $TMP/chrony.drift
CONF
th_bg chronyd ip netns exec "$H" chronyd -x -d -f "$TMP/chrony.conf"
# a web API (the 1 MB transfer through the console is firmware_backpressure.sh)
mkdir -p "$TMP/www"
echo '{"city": "Testville", "temperature": 21.5}' >"$TMP/www/weather.json"
th_bg www ip netns exec "$H" "$PY" -m http.server --bind 10.77.0.1 --directory "$TMP/www" 8000
th_wait_log "$TMP/mosq.log" "Opening ipv4 listen socket on port 1883" 10

# the device's console password, as `tern passwd` writes it; QEMU takes its hash part
"$TERN" passwd -b -c "$TMP/pw" admin secret1
HASH=$(cut -d: -f2- "$TMP/pw")
inH "$PY" "$(dirname "$0")/py/paho_collect.py" 1883 fwdev 10.77.0.1 >"$TMP/paho.out" 2>&1 &
PAHO=$!
TH_PIDS+=($PAHO)
th_wait_sub mosq paho-collect || th_bad "the paho subscriber did not subscribe"
# (a TZ's commas are doubled for QEMU's option parser)
ARGS="arg=tern-device,arg=--name,arg=fwdev,arg=--broker,arg=mqtt://10.77.0.1:1883"
ARGS="$ARGS,arg=--console-port,arg=2323,arg=--console-password-hash,arg=$HASH,arg=--http-port,arg=80"
ARGS="$ARGS,arg=--period-ms,arg=50,arg=--keepalive,arg=5,arg=--tz,arg=CET-1CEST,,M3.5.0,,M10.5.0/3"
ARGS="$ARGS,arg=--entropy-seed,arg=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
boot() {
  th_bg qemu ip netns exec "$H" qemu-system-arm -M mps2-an386 -nographic -kernel "$FW" \
    -semihosting-config "enable=on,target=native,$ARGS" \
    -nic "tap,ifname=ftap,script=no,downscript=no,model=lan9118,mac=$MAC"
}
boot
th_check "the firmware boots and gets a DHCP lease" th_wait_log "$TMP/qemu.log" "^Connected, IP 10\.77\.0\.5[0-9]" 30
IP=$(sed -n 's/^Connected, IP \(10\.77\.0\.[0-9]*\).*/\1/p' "$TMP/qemu.log" | head -1)
th_match "dnsmasq acknowledged that address to the board's MAC" "DHCPACK\(ftap\) $IP $MAC" "$(cat "$TMP/dnsmasq.log")"
th_check "the clock is set from the NTP server DHCP named" th_wait_log "$TMP/qemu.log" "^Time: .* 20[2-9][0-9]" 20
th_check "it holds fwdev.local" th_wait_log "$TMP/qemu.log" "^mDNS: fwdev\.local" 20
th_check "MQTT connects" th_wait_log "$TMP/qemu.log" "^MQTT: connected to mqtt://10\.77\.0\.1:1883" 20

# 100 samples of sin(t/10), then the plot message, to an unchanged paho subscriber
for i in $(seq 300); do kill -0 $PAHO 2>/dev/null || break; sleep 0.1; done
tail -n +3 "$TMP/paho.out" >"$TMP/rows"
th_eq "paho: all 100 samples, then the plot" "plot create the plot rows 100" \
  "$(head -2 "$TMP/paho.out" | tr '\n' ' ' | sed 's/ $//')"
th_check "paho: the samples are sin(t/10)" "$PY" - "$TMP/rows" <<'PYEOF'
import math, sys
rows = [l.strip() for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if len(rows) == 100 and all(int(r.split(",")[0]) == i and abs(float(r.split(",")[1]) - math.sin(i / 10)) < 1e-6 for i, r in enumerate(rows)) else 1)
PYEOF
th_eq "the retained status carries the address" "{\"name\":\"fwdev\",\"ip\":\"$IP\",\"online\":true}" \
  "$(inH timeout 5 mosquitto_sub -h 10.77.0.1 -t fwdev/status -C 1)"

# mDNS: python3-zeroconf and avahi, on the namespace's side of the TAP
zc() { inH "$PY" "$(dirname "$0")/py/zc_check.py" 10.77.0.1 "$@"; }
th_match "zeroconf resolves fwdev.local and its _http._tcp" "^fwdev\._http\._tcp\.local\. fwdev\.local\. 80 $IP" "$(zc browse _http._tcp 3)"
th_match "zeroconf sees _telnet._tcp" "fwdev\.local\. 2323 $IP" "$(zc browse _telnet._tcp 3)"
th_match "zeroconf sees _repl._tcp" "fwdev\.local\. 2323 $IP" "$(zc browse _repl._tcp 3)"
if th_avahi "$H" ftap; then
  th_eq "avahi-resolve finds fwdev.local" "fwdev.local	$IP" "$(inH timeout 10 avahi-resolve -n -4 fwdev.local)"
  th_match "avahi-browse resolves _telnet._tcp" "=;ftap;IPv4;fwdev;[^;]*;local;fwdev\.local;$IP;2323" \
    "$(inH timeout 10 avahi-browse -rpt _telnet._tcp)"
  unset DBUS_SYSTEM_BUS_ADDRESS
fi

# the LED page: curl, then a click in headless Chromium
th_eq "curl reads the LED off" '{"led":"off"}' "$(inH curl -s -m 10 "http://$IP/api/led")"
th_eq "curl switches it on" '{"led":"on"}' "$(inH curl -s -m 10 -X POST -d '{"led":"on"}' "http://$IP/api/led")"
th_check "the UART shows it" th_wait_log "$TMP/qemu.log" "^LED on" 5
th_eq "SESSION/led/state is ON (retained)" "ON" "$(inH timeout 5 mosquitto_sub -h 10.77.0.1 -t fwdev/led/state -C 1)"
inH mosquitto_pub -h 10.77.0.1 -t fwdev/led -m OFF -q 1
th_check "an MQTT command switches it off" th_wait_log "$TMP/qemu.log" "^LED off" 10
if command -v chromium >/dev/null && "$PY" -c "import websocket" 2>/dev/null; then
  out=$(inH "$PY" "$(dirname "$0")/../harness/browser.py" goto "http://$IP/" click '#on' wait '#led' ON \
    eval 'document.querySelector("#led").textContent')
  th_eq "Chromium: clicking ON shows ON" '"ON"' "$out"
else
  th_skip_part "the browser check needs chromium and python3-websocket"
fi

# the console: telnet (expect), then a raw client for the rate limit and get
cat >"$TMP/login.exp" <<EXP
set timeout 20
spawn telnet $IP 2323
expect "login: " { send "admin\r" } timeout { exit 11 }
expect "Password: " { send "secret1\r" } timeout { exit 12 }
expect "fwdev> " { send "ifconfig\r" } timeout { exit 13 }
expect "address $IP" {} timeout { exit 14 }
expect "fwdev> " { send "exit\r" } timeout { exit 15 }
expect eof
EXP
inH expect "$TMP/login.exp" >"$TMP/expect.log" 2>&1
th_eq "telnet: log in and read the address DHCP gave" 0 $?
inH "$PY" "$(dirname "$0")/py/fw_console.py" "$IP" 2323 admin secret1 \
  http://api.test:8000/weather.json - 0 >"$TMP/console.log" 2>&1
th_eq "console: wrong password delayed, clock, get by host name" 0 $?
grep -E "^(ok|FAIL)" "$TMP/console.log"

# the last will, when the board is switched off (keep-alive 5 s: the broker gives up after 7.5 s)
kill -9 "$PID_qemu"
th_eq "QEMU killed: the broker sends the last will" '{"name":"fwdev","online":false}' \
  "$(inH timeout 30 mosquitto_sub -h 10.77.0.1 -t fwdev/status -C 1 -R)"
th_match "the board reported its memory" "Memory: heap [0-9]+ bytes at peak" "$(cat "$TMP/qemu.log")"
th_done
