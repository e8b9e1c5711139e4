# Shared by the bench scripts: build the Release tree with the benchmark
# programs (build-bench/, B=its bin/), and find or await loopback ports.
# Sourced from the repository's top directory.
command -v mosquitto >/dev/null || { echo "needs mosquitto"; exit 1; }
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_BENCH=ON >/dev/null
cmake --build build-bench >/dev/null
B=build-bench/bin
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# start tern|mosquitto: a broker pinned to core 0 on a free port (sets P and
# PID; logs in $tmp). Mosquitto queues without limit, as tern does.
start() {
  P=$(port)
  if [ "$1" = tern ]; then
    taskset -c 0 "$B/tern" broker -p "$P" --allow-anonymous >"$tmp/tern.log" 2>&1 & PID=$!
  else
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n%s\n' "$P" \
      "$([ "$(id -u)" = 0 ] && echo 'user root')" >"$tmp/m.conf"
    taskset -c 0 mosquitto -c "$tmp/m.conf" >"$tmp/m.log" 2>&1 & PID=$!
  fi
  wait_port "$P"
}
