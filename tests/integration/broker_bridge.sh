#!/usr/bin/env bash
# ctest-labels: tls
# A bridge from an edge tern broker to Mosquitto upstream, each in its own
# network namespace: 10,000 QoS 1 messages published to the edge while the
# link is cut, the edge is killed (-9) and restarted with the link still
# down, and the link comes back: every message reaches the upstream
# subscriber, in order of first arrival (QoS 1 may duplicate: counted).
# Then 'in' topics, the notifications, and an upstream with the wrong CA.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_bridge
th_need mosquitto mosquitto_pub mosquitto_sub ip openssl
th_need_root
"$PY" -c "import paho.mqtt.client" 2>/dev/null || th_skip "python3-paho-mqtt is not installed"
th_netns_pair bridge
N=10000
# upstream: Mosquitto in B, on the link (for the bridge) and on B's loopback (for the test)
# (max_queued_messages 0: Mosquitto's default of 1000 would drop for its own subscriber)
printf 'user root\nlistener 1883 192.0.2.2\nlistener 1884 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' \
  >"$TMP/up.conf"
th_bg up ip netns exec "$B" mosquitto -c "$TMP/up.conf" -v
th_wait_log "$TMP/up.log" "Opening ipv4 listen socket on port 1884" 10
ip netns exec "$B" timeout 120 "$PY" "$(dirname "$0")/py/bridge_count.py" 127.0.0.1 1884 'up/#' "$N" 110 "$TMP/arrived" \
  >"$TMP/count.out" 2>&1 & cp=$!
th_wait_sub up upsub
mkdir -p "$TMP/edge"
cat >"$TMP/edge.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/edge

connection up
address 192.0.2.2:1883
remote_clientid edge1
topic up/# out 1
topic down/# in 1
keepalive_interval 5
restart_timeout 1 2
CONF
ip netns exec "$A" timeout 150 "$PY" "$(dirname "$0")/py/bridge_run.py" "$TERN" "$TMP/edge.conf" "$TMP" va "$N" \
  >"$TMP/run.out" 2>&1
TH_CLEANUP_EXTRA="${TH_CLEANUP_EXTRA}; kill \$(cat $TMP/edge.pid) 2>/dev/null"
th_match "the publisher: every message acknowledged by the edge ($(tail -1 "$TMP/run.out"))" \
  "^published $N acked $N$" "$(tail -1 "$TMP/run.out")"
th_match "the run cut the link, killed the edge and restored the link" \
  "link down at .*edge killed and restarted at .*link up at" "$(tr '\n' ' ' <"$TMP/run.out")"
wait $cp
th_match "upstream: all $N messages ($(cat "$TMP/count.out"))" "^distinct $N duplicates [0-9]+$" "$(cat "$TMP/count.out")"
# order: first arrivals upstream never go back, except for what the
# publisher itself (re)sent around the kill in an order of its own
th_eq "upstream: first arrivals in the order published ($(wc -w <"$TMP/unordered") sent around the kill left out)" \
  "out-of-order 0" "$("$PY" - "$TMP/arrived" "$TMP/unordered" <<'PYEOF'
import sys
skip = set(open(sys.argv[2]).read().split())
last = bad = 0
for v in open(sys.argv[1]).read().split():
    if v in skip:
        continue
    if int(v) < last:
        bad += 1
    last = int(v)
print("out-of-order %d" % bad)
PYEOF
)"
th_check "the restarted edge resent what it kept" th_wait_log "$TMP/edge.log" "unacknowledged messages restored" 1
th_check "no stray warnings from the event loop" [ -z "$(grep epoll_ctl "$TMP/edge.log")" ]
# 'in': upstream -> edge
ip netns exec "$A" timeout 10 mosquitto_sub -p 1883 -i edgesub -t 'down/#' -v -C 1 >"$TMP/in.out" & ip=$!
th_wait_log "$TMP/edge.log" "client edgesub subscribed" 10
ip netns exec "$B" mosquitto_pub -p 1884 -t down/cmd -m "from upstream" -q 1
wait $ip
th_eq "an 'in' topic: upstream's message reaches the edge's subscriber" "down/cmd from upstream" "$(cat "$TMP/in.out")"
th_eq "notifications: the edge shows the bridge up" "1" \
  "$(ip netns exec "$A" timeout 5 mosquitto_sub -p 1883 -t '$SYS/broker/connection/edge1/state' -C 1)"
th_eq "notifications: so does upstream" "1" \
  "$(ip netns exec "$B" timeout 5 mosquitto_sub -p 1884 -t '$SYS/broker/connection/edge1/state' -C 1)"
th_match "upstream saw a bridge (try_private)" "New bridge connected from 192\.0\.2\.1" "$(cat "$TMP/up.log")"

# TLS upstream: the right CA connects, the wrong one is refused with its reason
th_make_ca "$TMP/pki" || th_bad "certificates"
P=$TMP/pki; tp=$(th_free_port)
th_mosquitto tlsup "listener $tp 127.0.0.1
cafile $P/ca.crt
certfile $P/server.crt
keyfile $P/server.key
allow_anonymous true"
e1=$(th_free_port)
th_bg good "$TERN" broker -p "$e1" --allow-anonymous --bridge "127.0.0.1:$tp" --bridge-topic 'x/# out 1' \
  --bridge-cafile "$P/ca.crt" -v
th_check "a TLS upstream with the right CA: connected" th_wait_log "$TMP/good.log" "bridge bridge: connected" 10
e2=$(th_free_port)
th_bg rogue "$TERN" broker -p "$e2" --allow-anonymous --bridge "127.0.0.1:$tp" --bridge-topic 'x/# out 1' \
  --bridge-cafile "$P/rogue-ca.crt" -v
th_check "a TLS upstream with the wrong CA: refused, and says why" \
  th_wait_log "$TMP/rogue.log" "bridge bridge: .*certificate not trusted" 10
# tern to tern, topic both ways: the upstream tern broker takes the bridge
# (try_private) and sends it none of its own messages back, and the edge
# sends nothing that came in on the bridge back out on it. On one
# connection order is kept, so an echo would come before what follows it.
u2=$(th_free_port); e3=$(th_free_port)
th_bg tup "$TERN" broker -p "$u2" --allow-anonymous -v
th_wait_tcp "$u2"
th_bg tedge "$TERN" broker -p "$e3" --allow-anonymous --bridge "127.0.0.1:$u2" --bridge-topic 'loop/# both 1' -v
th_check "tern upstream: the bridge connects" th_wait_log "$TMP/tedge.log" "bridge bridge: connected" 10
timeout 10 mosquitto_sub -p "$u2" -i tupsub -t 'loop/#' -v -C 3 >"$TMP/tup.out" & s1=$!
th_wait_sub tup tupsub
timeout 10 mosquitto_sub -p "$e3" -i tedgesub -t 'loop/#' -v -C 2 >"$TMP/tedge.out" & s2=$!
th_wait_sub tedge tedgesub
mosquitto_pub -p "$e3" -t loop/a -m A -q 1
th_wait_log "$TMP/tup.out" "loop/a A" 10
mosquitto_pub -p "$u2" -t loop/b -m B -q 1
wait $s2
mosquitto_pub -p "$e3" -t loop/c -m C -q 1
wait $s1
th_eq "tern upstream: no echo of the edge's message back to it" "loop/a A|loop/b B" "$(paste -sd'|' "$TMP/tedge.out")"
th_eq "the edge: upstream's message not sent back up" "loop/a A|loop/b B|loop/c C" "$(paste -sd'|' "$TMP/tup.out")"
th_match "tern upstream logged a bridge" "client tern-bridge.bridge connected .*bridge" "$(cat "$TMP/tup.log")"

printf 'connection b\ntopic a out 1\n' >"$TMP/noaddr.conf"
out=$(timeout 5 "$TERN" broker -c "$TMP/noaddr.conf" 2>&1); rc=$?
th_match "a bridge without an address: refused (rc=$rc)" "noaddr\.conf: connection b: no address line" "$out"
th_done
