# Shared by the bench scripts: build the Release tree with the benchmark
# programs (build-bench/, B=its bin/), and find or await loopback ports.
# Sourced from the repository's top directory.
command -v mosquitto >/dev/null || { echo "needs mosquitto"; exit 1; }
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_BENCH=ON >/dev/null
cmake --build build-bench >/dev/null
B=build-bench/bin
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
