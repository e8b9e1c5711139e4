#!/usr/bin/env bash
# TLS on the firmware (issue 19's figures): the heap's high-water mark with
# one TLS session (MQTT to Mosquitto over TLS with a user and key) and with
# a second one (an HTTPS GET from the console beside it); and the time of an
# HTTPS GET over a fresh connection (handshake-dominated: ECDHE P-256, an
# ECDSA chain) through the console's `get` on the board in QEMU next to the
# same command of `tern device` on Linux, against the same server. QEMU's
# user networking; the servers on loopback, reached by the board as 10.0.2.2.
set -eu
cd "$(dirname "$0")/.."
for c in qemu-system-arm mosquitto openssl; do
  command -v $c >/dev/null || { echo "needs $c"; exit 1; }
done
. bench/lib.sh
make --no-print-directory firmware >/dev/null
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
N=${N:-10}
# a CA, and one certificate for the host as the board sees it and as Linux does
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 30 \
  -subj "/CN=bench CA" 2>/dev/null
openssl req "${ec[@]}" -keyout "$tmp/srv.key" -out "$tmp/srv.csr" -subj "/CN=bench" 2>/dev/null
printf 'subjectAltName=IP:10.0.2.2,IP:127.0.0.1\n' >"$tmp/srv.ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 30 -out "$tmp/srv.crt" -extfile "$tmp/srv.ext" 2>/dev/null
build/bin/tern passwd -b -c "$tmp/mosq.pw" dev1 key-1234 >/dev/null
build/bin/tern passwd -b -c "$tmp/pw" admin secret1 >/dev/null
printf 'key-1234\n' >"$tmp/key"
mp=$(port); hp=$(port)
printf 'user %s\nlistener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n%s\npassword_file %s\n' \
  "$(id -un)" "$mp" "$tmp/ca.crt" "$tmp/srv.crt" "$tmp/srv.key" "allow_anonymous false" \
  "$tmp/mosq.pw" >"$tmp/mosq.conf"
mosquitto -c "$tmp/mosq.conf" >"$tmp/mosq.log" 2>&1 &
STANDIN_ADDR=127.0.0.1 python3 tests/integration/py/http_standin.py "$hp" "$tmp/srv.crt" \
  "$tmp/srv.key" >"$tmp/api.log" 2>&1 &
wait_port "$mp"; wait_port "$hp"
url_path="/v1/forecast?latitude=59.9"

cp=$(port)
scripts/run-firmware.sh --fwd "$cp:2323" -- --name fwtls --broker "mqtts://10.0.2.2:$mp" \
  --broker-user dev1 --broker-key-file "$tmp/key" --cafile "$tmp/ca.crt" --console-port 2323 \
  --console-password-hash "$(cut -d: -f2- "$tmp/pw")" --http-port 0 --samples 20 --period-ms 50 \
  --ntp 10.0.2.2:9 >"$tmp/fw.log" 2>&1 &
for _ in $(seq 600); do grep -q "^MQTT: published" "$tmp/fw.log" && break; sleep 0.1; done
grep -q "^MQTT: published" "$tmp/fw.log" || { cat "$tmp/fw.log"; exit 1; }
one=$(grep "^Memory" "$tmp/fw.log" | tail -1)
python3 bench/https_console_rate.py 127.0.0.1 "$cp" admin secret1 \
  "https://10.0.2.2:$hp$url_path" "$N" |
  sed 's/^/firmware (QEMU) https get: /'
two=$(grep "^Memory" "$tmp/fw.log" | tail -1)
echo "firmware, one TLS session (MQTT, 20 samples sent): $one"
echo "firmware, plus HTTPS GETs from the console:        $two"
static=$(make --no-print-directory size | awk '/^shipped/ {print $3}')
echo "firmware static RAM (.data + .bss, no stack): $static"

lp=$(port)
build/bin/tern device --name linuxtls --iface lo --broker "mqtts://127.0.0.1:$mp" \
  --broker-user dev1 --broker-key-file "$tmp/key" --cafile "$tmp/ca.crt" --console-port "$lp" \
  --console-password-file "$tmp/pw" --http-port 0 --samples 0 --ntp 127.0.0.1:9 \
  >"$tmp/dev.log" 2>&1 &
wait_port "$lp"
python3 bench/https_console_rate.py 127.0.0.1 "$lp" admin secret1 \
  "https://127.0.0.1:$hp$url_path" "$N" |
  sed 's/^/tern device (Linux) https get: /'
