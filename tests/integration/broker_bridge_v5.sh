#!/usr/bin/env bash
# A bridge in MQTT 5.0 (bridge_protocol_version mqttv50) from an edge tern
# broker to Mosquitto 2.0 upstream, topic both ways: Mosquitto sees a 5.0
# client; a message's properties (user properties, content type,
# correlation data, response topic, payload format) cross in each
# direction and its Message Expiry arrives counted down; what the edge
# sends up does not come back (No Local); upstream's retained message stays
# retained at the edge (Retain As Published); and a message queued for a
# missing upstream keeps its properties through a kill -9 of the edge.
# An upstream that refuses 5.0 is asked again in 3.1.1 (RabbitMQ, which
# closes on a 5.0 CONNECT, is in cluster_rabbitmq).
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_bridge_v5
th_need mosquitto mosquitto_pub mosquitto_sub
up=$(th_free_port); edge=$(th_free_port)
th_mosquitto up "listener $up 127.0.0.1
allow_anonymous true"
mkdir -p "$TMP/edge"
cat >"$TMP/edge.conf" <<CONF
listener $edge 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/edge

connection up
address 127.0.0.1:$up
bridge_protocol_version mqttv50
remote_clientid edge5
topic v5/# both 1
restart_timeout 1 1
CONF
start_edge() {
  th_bg "edge$1" "$TERN" broker -c "$TMP/edge.conf" -v
  th_wait_tcp "$edge"
}
start_edge 1
th_check "the bridge connects" th_wait_log "$TMP/edge1.log" "bridge up: connected" 10
th_match "the edge says it bridges in MQTT 5.0" "bridge up: to mqtt://127\.0\.0\.1:$up as edge5, MQTT 5\.0" \
  "$(cat "$TMP/edge1.log")"
th_match "Mosquitto saw an MQTT 5.0 client (p5), not a 3.1.1 bridge" \
  "New client connected from 127\.0\.0\.1:[0-9]+ as edge5 \(p5, c0" "$(cat "$TMP/up.log")"

F='%t|%p|%C|%D|%R|%P|%F|%E'
props=(-D publish user-property unit celsius -D publish user-property site north
  -D publish content-type text/plain -D publish correlation-data req-42
  -D publish response-topic v5/reply -D publish payload-format-indicator 1
  -D publish message-expiry-interval 60)

# out: edge -> upstream
timeout 10 mosquitto_sub -V 5 -p "$up" -i upsub -t 'v5/#' -C 1 -F "$F" >"$TMP/out.txt" & s=$!
th_wait_sub up upsub
mosquitto_pub -V 5 -p "$edge" -t v5/out -m hello -q 1 "${props[@]}"
wait $s
th_match "out: every property reaches upstream, the expiry counted down ($(cat "$TMP/out.txt"))" \
  "^v5/out\|hello\|text/plain\|req-42\|v5/reply\|unit:celsius site:north\|1\|(60|59)$" \
  "$(cat "$TMP/out.txt")"

# in: upstream -> edge; and the edge's own message is not sent back (an
# echo would come before B on the bridge's one connection)
timeout 10 mosquitto_sub -V 5 -p "$edge" -i edgesub -t 'v5/#' -C 2 -F "$F" >"$TMP/in.txt" & s=$!
th_wait_sub edge1 edgesub
mosquitto_pub -V 5 -p "$edge" -t v5/a -m A -q 1
th_wait_log "$TMP/up.log" "Received PUBLISH from edge5 .*'v5/a'" 10
mosquitto_pub -V 5 -p "$up" -t v5/b -m B -q 1 "${props[@]}"
wait $s
th_eq "No Local: the edge's own message came once" "v5/a|A||||||" "$(head -1 "$TMP/in.txt")"
th_match "in: every property reaches the edge's subscriber ($(tail -1 "$TMP/in.txt"))" \
  "^v5/b\|B\|text/plain\|req-42\|v5/reply\|unit:celsius site:north\|1\|(60|59)$" \
  "$(tail -1 "$TMP/in.txt")"
th_eq "two lines, no echo" 2 "$(wc -l <"$TMP/in.txt")"

# Retain As Published: a retained message from upstream is kept at the edge
timeout 10 mosquitto_sub -V 5 -p "$edge" -i watch -t v5/keep -C 1 >"$TMP/watch.txt" & s=$!
th_wait_sub edge1 watch
mosquitto_pub -V 5 -p "$up" -t v5/keep -m K -q 1 -r
wait $s
th_eq "the live copy reached the edge" K "$(cat "$TMP/watch.txt")"
th_eq "Retain As Published: a later edge subscriber gets it as retained" "1|K" \
  "$(timeout 5 mosquitto_sub -V 5 -p "$edge" -t v5/keep -C 1 -F '%r|%p')"

# upstream gone: the edge keeps the message with its properties through a kill -9
kill "$PID_up"
wait "$PID_up" 2>/dev/null
th_check "the edge sees the link go" th_wait_log "$TMP/edge1.log" "bridge up: connection lost" 10
mosquitto_pub -V 5 -p "$edge" -t v5/late -m L -q 1 "${props[@]}"
# (acknowledged: so it is in the bridge's store file already)
kill -9 "$PID_edge1"
wait "$PID_edge1" 2>/dev/null
mkdir -p "$TMP/updb"
upconf="listener $up 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/updb/"
th_mosquitto up2 "$upconf"
timeout 20 mosquitto_sub -V 5 -p "$up" -i upsub2 -t 'v5/late' -C 1 -F "$F" >"$TMP/late.txt" & s=$!
th_wait_sub up2 upsub2
start_edge 2
wait $s
th_match "after kill -9: the kept message arrives with its properties ($(cat "$TMP/late.txt"))" \
  "^v5/late\|L\|text/plain\|req-42\|v5/reply\|unit:celsius site:north\|1\|[1-6]?[0-9]$" \
  "$(cat "$TMP/late.txt")"
th_match "the restarted edge resent what it kept" "bridge up: to .*resending what was kept" \
  "$(cat "$TMP/edge2.log")"

# Message Expiry counts down while a message waits at the edge: with
# upstream gone 2.5 s, one with 1 s is never sent, one with 30 s arrives
# with 28 or less. (A persistent subscriber upstream, so the bridge cannot
# deliver before it listens.)
mosquitto_sub -V 5 -p "$up" -c -i upsub3 -q 1 -t 'v5/+' -E
kill "$PID_up2"
wait "$PID_up2" 2>/dev/null
th_check "the edge sees the link go again" th_wait_log "$TMP/edge2.log" "bridge up: connection lost" 10
mosquitto_pub -V 5 -p "$edge" -t v5/short -m S -q 1 -D publish message-expiry-interval 1
mosquitto_pub -V 5 -p "$edge" -t v5/long -m M -q 1 -D publish message-expiry-interval 30
sleep 2.5 # the time under test: S's one second runs out while it waits
th_mosquitto up3 "$upconf"
th_check "the bridge is back" th_wait_log "$TMP/up3.log" "New client connected .* as edge5" 10
out=$(timeout 10 mosquitto_sub -V 5 -p "$up" -c -i upsub3 -q 1 -t 'v5/+' -C 1 -F '%t|%p|%E')
th_match "expired at the edge: not sent; the other's expiry counted down ($out)" \
  "^v5/long\|M\|(1[0-9]|2[0-8])$" "$out"
th_check "the edge says it dropped the expired one" \
  th_wait_log "$TMP/edge2.log" "expired before it could be sent" 1

# a clean stop of the edge: upstream learns the bridge is down ("0", which a
# DISCONNECT alone would not say: it drops the will), then a DISCONNECT
th_eq "upstream shows the bridge up" 1 \
  "$(timeout 5 mosquitto_sub -p "$up" -t '$SYS/broker/connection/edge5/state' -C 1)"
kill -TERM "$PID_edge2"
wait "$PID_edge2"
th_eq "SIGTERM: the edge exits 0" 0 $?
th_check "upstream got a DISCONNECT from the bridge" \
  th_wait_log "$TMP/up3.log" "Received DISCONNECT from edge5" 5
th_eq "... and shows it down" 0 \
  "$(timeout 5 mosquitto_sub -p "$up" -t '$SYS/broker/connection/edge5/state' -C 1)"

# a 3.1.1-only upstream that refuses 5.0 with CONNACK return code 1 (a
# stand-in: no such broker is packaged here; RabbitMQ, which closes
# instead, is in cluster_rabbitmq): the edge goes on in 3.1.1 at once, with
# 3.1.1's subscription options and PUBLISH packets
sp=$(th_free_port); e3=$(th_free_port)
th_bg old "$PY" "$(dirname "$0")/py/broker311_standin.py" "$sp"
th_wait_tcp "$sp"
th_bg edge3 "$TERN" broker -p "$e3" --allow-anonymous -v --bridge "127.0.0.1:$sp" \
  --bridge-protocol mqttv50 --bridge-topic 'v5/# both 1'
th_check "to a 3.1.1 broker: the bridge connects" th_wait_log "$TMP/edge3.log" "bridge bridge: connected" 10
th_match "it says it goes on in 3.1.1" "does not speak MQTT 5\.0: going on in 3\.1\.1" "$(cat "$TMP/edge3.log")"
th_check "the upstream took a SUBSCRIBE" th_wait_log "$TMP/old.log" "^SUBSCRIBE" 10
th_eq "CONNECT 5.0, then 3.1.1 as a bridge (0x84); no option bits in 3.1.1's SUBSCRIBE" \
  "CONNECT level 5|CONNECT level 132|SUBSCRIBE options 1" "$(grep -E '^(CONNECT|SUBSCRIBE)' "$TMP/old.log" | paste -sd'|')"
mosquitto_pub -V 5 -p "$e3" -t v5/x -m hi -q 1 "${props[@]}"
th_check "a message goes up as a 3.1.1 PUBLISH (no properties)" th_wait_log "$TMP/old.log" "^PUBLISH v5/x hi$" 10

# a 3.1-only choice is refused with its line
printf 'connection b\naddress 127.0.0.1:1\ntopic a out 1\nbridge_protocol_version mqttv31\n' >"$TMP/v31.conf"
out=$(timeout 5 "$TERN" broker -c "$TMP/v31.conf" 2>&1)
th_match "bridge_protocol_version mqttv31: refused with its line" \
  "v31\.conf:4: bridge_protocol_version: .*mqttv311 or mqttv50" "$out"
th_done
