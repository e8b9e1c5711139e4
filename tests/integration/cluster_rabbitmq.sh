#!/usr/bin/env bash
# ctest-labels: heavy
# tern on a clustered broker: three RabbitMQ nodes (Debian's rabbitmq-server
# with its MQTT plugin) in a network namespace of this test's own, clustered.
# tern host on node 2, tern device on node 1 (with the whole list): the 100
# samples, the plot, the status and the will cross nodes. Then tern fleet,
# 1,000 devices at 1 message/s for 30 s at QoS 1 over the three nodes, node
# 3 stopped mid-run: its devices move to the others and no acknowledged
# sample is lost. The same fleet against tern broker and Mosquitto. A tern
# broker's bridge set to MQTT 5.0 goes on in 3.1.1 with the cluster.
# RabbitMQ's limits, as this test respects them: MQTT 3.1.1 only, QoS 2
# granted as 1, retained messages per node (the status is watched live, not
# read back retained), client ids in a Raft group (two of three nodes
# keep a majority), guest from loopback only (everything is on lo here).
. "$(dirname "$0")/../harness/lib.sh"
th_init cluster_rabbitmq
th_need_root
RMQ=/usr/lib/rabbitmq/bin
[ -x $RMQ/rabbitmq-server ] || th_skip "rabbitmq-server is not installed"
th_need ip mosquitto mosquitto_sub
ulimit -n "$(ulimit -Hn)"

NS="tern-rmq-$$"
ip netns add "$NS" || th_skip "cannot make a network namespace"
ip netns exec "$NS" ip link set lo up
# every process in the namespace (the nodes, their epmd) goes with it
TH_CLEANUP_EXTRA='for p in $(ip netns pids "$NS"); do kill -9 $p; done; ip netns del "$NS"'
in_ns() { ip netns exec "$NS" "$@"; }

"$(dirname "$0")/../../scripts/rabbitmq-cluster.sh" "$NS" "$TMP" >"$TMP/cluster.log" 2>&1 ||
  { th_bad "three nodes start and join ($(cat "$TMP/cluster.log"))"; th_done; }
export HOME="$TMP/home" # the cluster's Erlang cookie, for rabbitmqctl
ctl() { in_ns $RMQ/rabbitmqctl -n "rabbit$1@localhost" "${@:2}"; }
running=$(ctl 1 cluster_status --formatter json | "$PY" -c \
  'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))')
th_eq "three nodes running in one cluster" 3 "$running"
URL1=mqtt://127.0.0.1:1884 URL2=mqtt://127.0.0.1:1885 URL3=mqtt://127.0.0.1:1886

# wait until the cluster holds the subscription queue of a client (RabbitMQ
# names it mqtt-subscription-CLIENTIDqosN): from then on a publish reaches it
wait_queue() {
  local i
  for ((i = 0; i < 60; i++)); do
    ctl 1 list_queues name -q 2>/dev/null | grep -q "^mqtt-subscription-$1" && return 0
    sleep 0.5
  done
  return 1
}

# ---- the device and the host on different nodes ----
(cd "$TMP" && exec ip netns exec "$NS" timeout 120 "$TERN" host --broker "$URL2" --session cdev \
  --png c.png --csv c.csv --exit >host.out 2>host.err) & hp=$!
TH_PIDS+=($hp)
in_ns timeout 120 mosquitto_sub -p 1886 -i watch3 -t cdev/status -q 1 -C 2 >"$TMP/status" 2>&1 &
sp=$!
TH_PIDS+=($sp)
th_check "the host has subscribed on node 2" wait_queue tern-
th_check "a watcher has subscribed on node 3" wait_queue watch3
th_bg device ip netns exec "$NS" "$TERN" device --name cdev --iface lo --ntp 127.0.0.1:9 \
  --console-port 0 --http-port 0 --period-ms 20 --broker "$URL1,$URL2,$URL3"
wait $hp
th_eq "tern host on node 2 ends after the device's plot request" 0 $?
th_eq "all 100 samples crossed from node 1 to node 2" 101 "$(wc -l <"$TMP/c.csv")"
th_check "the plot was drawn" test -s "$TMP/c.png"
th_match "the device says which node it reached" "MQTT: connected to mqtt://127\.0\.0\.1:1884 " \
  "$(cat "$TMP/device.log")"
th_check "node 3 saw the device's status" th_wait_log "$TMP/status" '"online":true' 10
kill -9 "$PID_device"
wait $sp
th_match "node 3 saw the will when the device died on node 1" \
  '^\{"name":"cdev","online":false\}$' "$(tail -1 "$TMP/status")"

# ---- a tern broker bridging to the cluster in 5.0: RabbitMQ speaks 3.1.1 ----
# RabbitMQ 3.10 closes on a 5.0 CONNECT without a CONNACK; the edge asks
# again at once in 3.1.1 (and as a plain client, see below).
th_bg edge ip netns exec "$NS" "$TERN" broker -p 18830 --allow-anonymous -v --bridge 127.0.0.1:1885 \
  --bridge-protocol mqttv50 --bridge-topic 'edge/# out 1'
th_check "the bridge to node 2 connects" th_wait_log "$TMP/edge.log" "bridge bridge: connected" 30
th_match "it asked for MQTT 5.0, then 3.1.1 as a bridge, then as a plain client" \
  "MQTT 5\.0 .*no answer to an MQTT 5\.0 CONNECT: trying 3\.1\.1 .*no answer to a bridge's CONNECT \(try_private\): plain client .*bridge bridge: connected" \
  "$(tr '\n' ' ' <"$TMP/edge.log")"
in_ns timeout 30 mosquitto_sub -p 1884 -i edgewatch -t 'edge/#' -q 1 -C 1 -v >"$TMP/edge.out" 2>&1 &
ep=$!
TH_PIDS+=($ep)
th_check "a subscriber on node 1" wait_queue edgewatch
in_ns mosquitto_pub -p 18830 -t edge/t1 -m 21.5 -q 1
wait $ep
th_eq "a message published to the edge reached node 1 through the bridge" "edge/t1 21.5" \
  "$(cat "$TMP/edge.out")"
kill "$PID_edge"
# the same in 3.1.1: RabbitMQ closes on a bridge's CONNECT (protocol level
# 0x84) without a word; the edge goes on as a plain client
th_bg edge4 ip netns exec "$NS" "$TERN" broker -p 18831 --allow-anonymous -v --bridge 127.0.0.1:1885 \
  --bridge-topic 'edge/# out 1'
th_check "a 3.1.1 bridge to node 2 connects" th_wait_log "$TMP/edge4.log" "bridge bridge: connected" 30
th_match "as a plain client" "try_private.*plain client.*bridge bridge: connected" \
  "$(tr '\n' ' ' <"$TMP/edge4.log")"
kill "$PID_edge4"

# ---- a fleet over the cluster, one node stopped ----
fleet() { # LOG BROKERS RUNNER...
  local log=$1 brokers=$2
  shift 2
  "$@" "$TERN" fleet --broker "$brokers" --devices 1000 --rate 1 --duration 30 --drain 60 \
    >"$TMP/$log.out" 2>"$TMP/$log.err"
}
fleet_ok() { # NAME LOG: the last line's books
  local line
  line=$(grep '^devices ' "$TMP/$2.out")
  th_match "$1: every device connected at the end" "^devices 1000 connected 1000 " "$line"
  th_match "$1: 30,000 samples sent and acknowledged" " sent 30000 acked 30000 " "$line"
  th_match "$1: all received, none lost" " received 30000 lost 0 " "$line"
}
fleet cluster "$URL1,$URL2,$URL3" ip netns exec "$NS" &
fp=$!
TH_PIDS+=($fp)
th_check "the fleet is a third through its samples" \
  th_wait_log "$TMP/cluster.err" "sent 1[0-9]{4} " 90
kill -TERM "$(cat "$TMP/rabbit3.pid")"
wait $fp
th_eq "fleet on the cluster: exit 0 (nothing acknowledged lost)" 0 $?
fleet_ok "cluster, node 3 stopped" cluster
th_match "the devices of node 3 reconnected to the others" " reconnects ([1-9][0-9]*)" \
  "$(grep '^devices ' "$TMP/cluster.out")"

# ---- the same fleet against tern broker and Mosquitto ----
bp=$(th_free_port)
th_bg tb "$TERN" broker -p "$bp" --allow-anonymous
th_wait_tcp "$bp"
fleet tern "mqtt://127.0.0.1:$bp" env
th_eq "fleet on tern broker: exit 0" 0 $?
fleet_ok "tern broker" tern
mp=$(th_free_port)
th_mosquitto mq "listener $mp 127.0.0.1
allow_anonymous true"
fleet mosq "mqtt://127.0.0.1:$mp" env
th_eq "fleet on Mosquitto: exit 0" 0 $?
fleet_ok "Mosquitto" mosq
th_done
