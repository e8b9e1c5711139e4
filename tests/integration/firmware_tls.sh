#!/usr/bin/env bash
# ctest-labels: firmware
# The firmware over TLS, as Adafruit IO is used: Mosquitto on 8883 with a
# password file and a certificate from a CA made here; the board verifies it
# (mbedTLS built for the Cortex-M4), logs in with a user and key, publishes
# every sample, and its console GETs JSON and POSTs a form with Basic auth
# to a Twilio-shaped stand-in over HTTPS. Its settings, CA, key and console
# password come from a provisioned image (tern provision) loaded into its
# configuration area. Then the command line overrides the image: a CA that
# does not match (the unknown-CA error, nothing sent in clear) and a wrong
# key (not authorised, backing off). A relay in front of the broker notes each connection's
# ClientHello random: two boots must not repeat one. All in a namespace
# made here, on a TAP interface; nothing leaves it.
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_tls
th_need_root
th_need ip qemu-system-arm dnsmasq mosquitto mosquitto_sub chronyd openssl
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"

H="tern-fwtls-$$"
ip netns add "$H" || th_skip "cannot create network namespaces here"
TH_CLEANUP_EXTRA="ip netns del $H 2>/dev/null"
inH() { ip netns exec "$H" "$@"; }
ip -n "$H" link set lo up
ip -n "$H" tuntap add dev ttap mode tap
ip -n "$H" addr add 10.78.0.1/24 dev ttap
ip -n "$H" link set ttap up

# DHCP, NTP named by DHCP, and DNS for the two names the board uses
th_bg dnsmasq ip netns exec "$H" dnsmasq -d --conf-file=/dev/null --interface=ttap --bind-interfaces \
  --listen-address=10.78.0.1 --no-resolv --no-hosts --address=/broker.test/10.78.0.1 \
  --address=/api.test/10.78.0.1 --address=/other.test/10.78.0.1 --dhcp-range=10.78.0.50,10.78.0.60,255.255.255.0,1h \
  --dhcp-option=option:ntp-server,10.78.0.1 --dhcp-leasefile="$TMP/leases" --pid-file="$TMP/dnsmasq.pid"
cat >"$TMP/chrony.conf" <<CONF
bindaddress 10.78.0.1
local stratum 8
allow 10.78.0.0/24
cmdport 0
pidfile $TMP/chronyd.pid
driftfile $TMP/chrony.drift
CONF
th_bg chronyd ip netns exec "$H" chronyd -x -d -f "$TMP/chrony.conf"

# the CA, and one certificate for both names (EC P-256, as th_make_ca)
th_make_ca "$TMP/ca" || th_bad "cannot make the test CA"
(
  cd "$TMP/ca" || exit 1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout names.key \
    -out names.csr -subj "/CN=broker.test" 2>/dev/null
  printf 'subjectAltName=DNS:broker.test,DNS:api.test,IP:10.78.0.1\nbasicConstraints=CA:FALSE\n' >names.ext
  openssl x509 -req -in names.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -out names.crt -extfile names.ext 2>/dev/null
)
# the broker: TLS only, a user and key (mosquitto_passwd's format, from tern passwd)
"$TERN" passwd -b -c "$TMP/mosq.pw" dev1 aio-key-1234
printf 'aio-key-1234\n' >"$TMP/key"
printf 'wrong-key\n' >"$TMP/badkey"
cat >"$TMP/mosq.conf" <<CONF
user root
listener 8883 10.78.0.1
cafile $TMP/ca/ca.crt
certfile $TMP/ca/names.crt
keyfile $TMP/ca/names.key
allow_anonymous false
password_file $TMP/mosq.pw
CONF
th_bg mosq ip netns exec "$H" mosquitto -c "$TMP/mosq.conf" -v
th_wait_log "$TMP/mosq.log" "Opening ipv4 listen socket on port 8883" 10 || th_bad "Mosquitto did not start"
th_bg relay ip netns exec "$H" "$PY" "$(dirname "$0")/py/tls_hello_relay.py" 10.78.0.1 8884 8883 \
  "$TMP/hellos"
th_bg api env STANDIN_ADDR=10.78.0.1 ip netns exec "$H" "$PY" "$(dirname "$0")/py/http_standin.py" \
  8443 "$TMP/ca/names.crt" "$TMP/ca/names.key"
# the same stand-in with an expired certificate (th_make_ca's: the CA's, for localhost)
th_bg expired env STANDIN_ADDR=10.78.0.1 ip netns exec "$H" "$PY" \
  "$(dirname "$0")/py/http_standin.py" 8445 "$TMP/ca/expired.crt" "$TMP/ca/expired.key"
th_wait_log "$TMP/relay.log" ready 10 && th_wait_log "$TMP/api.log" ready 10 &&
  th_wait_log "$TMP/expired.log" ready 10 ||
  th_bad "the relay or the stand-in did not start"

"$TERN" passwd -b -c "$TMP/pw" admin secret1
# the board's settings, CA, broker key and console password in one image
printf 'name = fwtls\nbroker = mqtts://broker.test:8884\nconsole-port = 2323\nhttp-port = 0\n' \
  >"$TMP/device.conf"
"$TERN" provision -c "$TMP/device.conf" --broker-user dev1 --broker-key-file "$TMP/key" \
  --cafile "$TMP/ca/ca.crt" --console-password-file "$TMP/pw" -o "$TMP/config.bin" >"$TMP/prov.out"
th_eq "tern provision writes the image and says how to load it" 0 $?
LOADER=$(sed -n 's/^load it with: //p' "$TMP/prov.out")
th_match "... at the board's configuration area" "^-device loader,file=.*/config\.bin,addr=0x003f0000$" \
  "$LOADER"
boot() { # NAME [FLAGS...]: the image, then these flags on the command line
  local name=$1 args="arg=tern-device,arg=--period-ms,arg=50,arg=--keepalive,arg=10" a
  shift
  for a in "$@"; do args="$args,arg=$a"; done
  args="$args,arg=--entropy-seed,arg=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  # the NV seed file lives in QEMU's working directory: the board's storage
  th_bg "$name" ip netns exec "$H" sh -c "cd '$TMP' && exec qemu-system-arm -M mps2-an386 -nographic \
    -kernel '$FW' -semihosting-config 'enable=on,target=native,$args' $LOADER \
    -nic tap,ifname=ttap,script=no,downscript=no,model=lan9118,mac=52:54:00:74:65:02"
}

# 1. the right CA and key: every sample over TLS
inH timeout 120 mosquitto_sub -h 10.78.0.1 -p 8883 --cafile "$TMP/ca/ca.crt" -u dev1 -P aio-key-1234 \
  -i tls-sub -t fwtls/data -C 100 >"$TMP/samples" 2>"$TMP/sub.err" &
SUB=$!
TH_PIDS+=($SUB)
th_wait_sub mosq tls-sub || th_bad "the subscriber did not subscribe"
boot good
th_check "the board reads the provisioned image" \
  th_wait_log "$TMP/good.log" "^config: 8 settings from the provisioned area at 0x003f0000" 20
th_check "the board says where its entropy comes from" \
  th_wait_log "$TMP/good.log" "^Entropy: a 32-byte seed from the host, mixed with the stored seed" 20
th_check "before its first SNTP sync, MQTT over TLS waits for the clock" \
  th_wait_log "$TMP/good.log" "^MQTT: waiting for the clock" 30
th_check "the clock is set" th_wait_log "$TMP/good.log" "^Time: .* 20[2-9][0-9]" 20
th_check "MQTT connects over TLS with the user and key" \
  th_wait_log "$TMP/good.log" "^MQTT: connected to mqtts://broker\.test:8884" 30
th_eq "no certificate-date warning (the clock was set first)" "" \
  "$(grep -i "dates not checked" "$TMP/good.log")"
wait $SUB
th_check "the subscriber got the 100 samples, sin(t/10)" "$PY" - "$TMP/samples" <<'PYEOF'
import math, sys
rows = [l.strip() for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if len(rows) == 100 and all(int(r.split(",")[0]) == i and abs(float(r.split(",")[1]) - math.sin(i / 10)) < 1e-6 for i, r in enumerate(rows)) else 1)
PYEOF
th_match "Mosquitto saw the login as dev1" "New client connected from .* as tern-device-fwtls .*u'dev1'" \
  "$(cat "$TMP/mosq.log")"
IP=$(sed -n 's/^Connected, IP \(10\.78\.0\.[0-9]*\).*/\1/p' "$TMP/good.log" | head -1)
inH "$PY" "$(dirname "$0")/py/fw_https.py" "$IP" 2323 admin secret1 \
  "https://other.test:8443/v1/forecast" "https://api.test:8445/v1/forecast" >"$TMP/console.log" 2>&1
th_eq "console: HTTPS GET of JSON, POST of a form with Basic auth; wrong name and expired refused" \
  0 $?
grep -E "^(ok|FAIL)" "$TMP/console.log"
th_match "the board reported its memory with TLS" "Memory: heap [0-9]+ bytes at peak" \
  "$(cat "$TMP/good.log")"
kill "$PID_good"
wait "$PID_good" 2>/dev/null

# 2. the command line's CA over the image's, one that does not match: the
# unknown-CA error, and nothing in clear
boot rogue --cafile "$TMP/ca/rogue-ca.crt"
th_check "the console shows the unknown-CA error" \
  th_wait_log "$TMP/rogue.log" "^MQTT: certificate not trusted \(unknown CA\)" 60
kill "$PID_rogue"
wait "$PID_rogue" 2>/dev/null
th_eq "no connection to the relay began in clear" "" "$(grep CLEAR "$TMP/hellos")"
th_eq "Mosquitto never saw that boot log in" 1 \
  "$(grep -c "New client connected .* as tern-device-fwtls" "$TMP/mosq.log")"

# 3. the command line's key over the image's, a wrong one: not authorised,
# and the retries back off
before=$(wc -l <"$TMP/hellos")
boot badkey --broker-key-file "$TMP/badkey"
th_check "a wrong key: MQTT: ... not authorised" \
  th_wait_log "$TMP/badkey.log" "^MQTT: connection refused: not authorised \(retrying\)" 60
for i in $(seq 300); do
  [ "$(grep -c "not authorised" "$TMP/badkey.log")" -ge 5 ] && break
  sleep 0.1
done
kill "$PID_badkey"
wait "$PID_badkey" 2>/dev/null
th_check "the waits between attempts grow (backoff)" "$PY" - "$TMP/hellos" "$before" <<'PYEOF'
import sys
lines = [l.split() for l in open(sys.argv[1]).read().split("\n")[int(sys.argv[2]):] if l.strip()]
# this boot's first attempts: from one refused connection's end to the next
# one's start, 0.25 s, then 0.5, 1 (each +-25%): the third over 1.5 x the first
gaps, closed = [], None
for l in lines:
    if l[1] == "closed":
        closed = float(l[0])
    elif closed is not None:
        gaps.append(float(l[0]) - closed)
gaps = gaps[:3]
print("waits between the first attempts:", gaps)
sys.exit(0 if len(gaps) == 3 and gaps[2] > gaps[0] * 1.5 else 1)
PYEOF
# 4. no answer from NTP: the clock wait ends after 15 s, and MQTT connects
# with the chain and the name checked but not the dates, saying so
boot noclock --ntp 10.78.0.1:9
th_check "no NTP answer: the board waits for the clock" \
  th_wait_log "$TMP/noclock.log" "^MQTT: waiting for the clock" 30
th_check "then connects after 15 s, saying the dates are not checked" \
  th_wait_log "$TMP/noclock.log" "^MQTT: no time from SNTP after 15 s: connecting; the broker's certificate dates are not checked" 30
th_check "and connects over TLS (chain and name checked)" \
  th_wait_log "$TMP/noclock.log" "^MQTT: connected to mqtts://broker\.test:8884" 30
th_eq "it had not connected before the wait ended" "no time from SNTP" \
  "$(grep -oE "no time from SNTP|MQTT: connected" "$TMP/noclock.log" | head -1)"
kill "$PID_noclock"
wait "$PID_noclock" 2>/dev/null
th_check "no two ClientHellos (four boots) had the same random" "$PY" - "$TMP/hellos" <<'PYEOF'
import sys
r = [l.split()[2] for l in open(sys.argv[1]) if " hello " in l]
print(len(r), "hellos,", len(set(r)), "distinct")
sys.exit(0 if len(r) >= 5 and len(set(r)) == len(r) else 1)
PYEOF
th_check "the NV seed file was written in the board's storage" test -s "$TMP/tern-nvseed.bin"
th_done
