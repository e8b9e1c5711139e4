#!/usr/bin/env bash
# HTTP server benchmark: wrk -t1 -c50 on a small dynamic response, each
# server pinned to core 0 and wrk to core 1, same run:
# tern serve (/healthz), a minimal libmicrohttpd server, nginx with one worker.
set -eu
cd "$(dirname "$0")/.."
for c in wrk nginx; do command -v $c >/dev/null || { echo "needs $c"; exit 1; }; done
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_BENCH=ON >/dev/null
cmake --build build-bench >/dev/null
B=build-bench/bin
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
run_wrk() { # NAME URL PID
  sleep 0.5
  local out
  out=$(taskset -c 1 wrk -t1 -c50 -d5s "$2")
  local rps lat
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  lat=$(echo "$out" | awk '/Latency/ {print $2}')
  local rss
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$3/status")
  printf '%-14s requests_per_s=%s avg_latency=%s rss_kb_after=%s\n' "$1" "$rps" "$lat" "$rss"
}
p=$(port); taskset -c 0 "$B/tern" serve "$tmp" -p "$p" >/dev/null & pid=$!
run_wrk tern "http://127.0.0.1:$p/healthz" $pid; kill $pid
p=$(port); taskset -c 0 "$B/bench_http_mhd" "$p" & pid=$!
run_wrk libmicrohttpd "http://127.0.0.1:$p/healthz" $pid; kill $pid
p=$(port)
mkdir -p "$tmp/ngx"
cat >"$tmp/ngx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/ngx; proxy_temp_path $tmp/ngx; fastcgi_temp_path $tmp/ngx; uwsgi_temp_path $tmp/ngx; scgi_temp_path $tmp/ngx;
  server { listen 127.0.0.1:$p; location /healthz { return 200 "ok\n"; } }
}
CONF
taskset -c 0 nginx -c "$tmp/ngx/nginx.conf" -p "$tmp/ngx" 2>/dev/null & npid=$!
sleep 0.5
wpid=$(pgrep -P $npid | head -1); wpid=${wpid:-$npid}
run_wrk nginx "http://127.0.0.1:$p/healthz" $wpid; kill $npid
# memory per idle connection: 1000 idle keep-alive connections to tern
p=$(port); taskset -c 0 "$B/tern" serve "$tmp" -p "$p" >/dev/null & pid=$!
sleep 0.5
before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
python3 - "$p" "$pid" "$before" <<'PY'
import socket, sys, time
port, pid, before = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(200):  # under the server's connection cap (256)
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); s.recv(1000); socks.append(s)
time.sleep(0.5)
after = int([l for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS")][0].split()[1])
print("tern idle keep-alive connections=200 bytes_per_connection=%d" % ((after - before) * 1024 // 200))
PY
kill $pid
rm -rf "$tmp"
