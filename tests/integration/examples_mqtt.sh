#!/usr/bin/env bash
# ctest-labels: tls
# The MQTT examples against local stand-ins: tern broker, and Mosquitto with
# TLS and a password in place of Adafruit IO.
. "$(dirname "$0")/../harness/lib.sh"
th_init examples_mqtt
th_need mosquitto mosquitto_pub mosquitto_sub openssl
EX=$TERN_BUILD/examples
port=$(th_free_port)
th_bg broker "$TERN" broker -p "$port" --allow-anonymous -v
th_wait_tcp "$port"
timeout 30 "$TERN" sub -p "$port" -i exsub -t 'ex/#' -v -q 1 -C 101 >"$TMP/got" & sp=$!
th_wait_sub broker exsub
th_check "publish_samples runs" "$EX/publish_samples" "mqtt://127.0.0.1:$port" ex
wait $sp
th_eq "100 data messages then the plot message" 101 "$(wc -l <"$TMP/got")"
th_eq "first sample" "ex/data 0,0" "$(head -1 "$TMP/got")"
th_eq "second sample" "ex/data 1,0.09983342" "$(sed -n 2p "$TMP/got")"
th_eq "plot last" "ex/plot create the plot" "$(tail -1 "$TMP/got")"

# subscribe_plot (host side) + publish_samples (device side)
(cd "$TMP" && exec timeout 30 "$EX/subscribe_plot" "mqtt://127.0.0.1:$port" plotex plot.png >sp.out 2>&1) & spp=$!
th_wait_log "$TMP/sp.out" "waiting for" 5
"$EX/publish_samples" "mqtt://127.0.0.1:$port" plotex >/dev/null
wait $spp
th_eq "subscribe_plot: 100 samples plotted" "100 samples plotted to plot.png" "$(tail -1 "$TMP/sp.out")"
th_check "subscribe_plot: an 800x600 PNG" "$PY" -c "
import struct,sys; b=open('$TMP/plot.png','rb').read(24); sys.exit(0 if b[:8]==b'\x89PNG\r\n\x1a\n' and struct.unpack('>II',b[16:24])==(800,600) else 1)"

th_make_ca "$TMP/pki" || { th_bad "certificates"; th_done; }
mosquitto_passwd -b -c "$TMP/pw" aiouser aiokey
tls=$(th_free_port)
th_mosquitto mosq "listener $tls 127.0.0.1
allow_anonymous false
password_file $TMP/pw
certfile $TMP/pki/server.crt
keyfile $TMP/pki/server.key"
timeout 20 mosquitto_sub -p "$tls" -h localhost --cafile "$TMP/pki/ca.crt" -u aiouser -P aiokey -i smssub \
  -t aiouser/feeds/sms-feed -C 1 >"$TMP/sms" & sp=$!
th_wait_sub mosq smssub
TERN_CAFILE=$TMP/pki/ca.crt "$EX/adafruit_io" "mqtts://aiouser:aiokey@localhost:$tls" 3 >"$TMP/aio" 2>&1 & ap=$!
th_wait_log "$TMP/aio" "sent 200" 10
mosquitto_pub -p "$tls" -h localhost --cafile "$TMP/pki/ca.crt" -u aiouser -P aiokey -t aiouser/feeds/ifttt-info -m "button pressed" -q 1
wait $ap; wait $sp
th_eq "the feed got 200" "200" "$(cat "$TMP/sms")"
th_match "the callback printed the IFTTT message" "aiouser/feeds/ifttt-info: button pressed" "$(cat "$TMP/aio")"
th_done
