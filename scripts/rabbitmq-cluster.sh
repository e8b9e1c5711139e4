#!/usr/bin/env bash
# rabbitmq-cluster.sh NETNS DIR: three RabbitMQ nodes (Debian's
# rabbitmq-server, MQTT plugin on) clustered inside network namespace NETNS,
# their files in DIR. Node N: MQTT on 127.0.0.1:1883+N, AMQP 5671+N,
# distribution 25671+N, pid file DIR/rabbitN.pid. Returns once the three run
# as one cluster; they keep running: stop them by killing the namespace's
# processes (ip netns pids NETNS). Erlang nodes share a cookie through
# $HOME: DIR/home, used by `HOME=DIR/home rabbitmqctl -n rabbitN@localhost`.
set -eu
NS=$1 DIR=$2
RMQ=/usr/lib/rabbitmq/bin
export HOME="$DIR/home"
mkdir -p "$HOME"
[ -f "$HOME/.erlang.cookie" ] || {
  printf 'tern-%s' "$RANDOM$RANDOM$RANDOM" >"$HOME/.erlang.cookie"
  chmod 400 "$HOME/.erlang.cookie"
}
echo "[rabbitmq_mqtt]." >"$DIR/enabled_plugins"
ctl() { ip netns exec "$NS" $RMQ/rabbitmqctl -n "rabbit$1@localhost" "${@:2}"; }
for n in 1 2 3; do
  cat >"$DIR/rabbit$n.conf" <<EOF
listeners.tcp.default = $((5671 + n))
mqtt.listeners.tcp.default = $((1883 + n))
log.console = false
log.file.level = warning
EOF
  env RABBITMQ_NODENAME="rabbit$n@localhost" RABBITMQ_DIST_PORT=$((25671 + n)) \
    RABBITMQ_MNESIA_BASE="$DIR/mnesia$n" RABBITMQ_LOG_BASE="$DIR/log$n" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" RABBITMQ_CONFIG_FILE="$DIR/rabbit$n" \
    RABBITMQ_PID_FILE="$DIR/rabbit$n.pid" RABBITMQ_PLUGINS_EXPAND_DIR="$DIR/plugins$n" \
    ip netns exec "$NS" $RMQ/rabbitmq-server >"$DIR/rabbit$n.log" 2>&1 &
done
for n in 1 2 3; do # the pid file appears at boot; wait then waits for the application
  ctl $n wait --timeout 120 "$DIR/rabbit$n.pid" >"$DIR/wait$n.log" 2>&1 ||
    { echo "rabbitmq-cluster: node $n did not start (see $DIR/rabbit$n.log)" >&2; exit 1; }
done
for n in 2 3; do
  { ctl $n stop_app && ctl $n join_cluster rabbit1@localhost && ctl $n start_app; } \
    >"$DIR/join$n.log" 2>&1 ||
    { echo "rabbitmq-cluster: node $n did not join (see $DIR/join$n.log)" >&2; exit 1; }
done
