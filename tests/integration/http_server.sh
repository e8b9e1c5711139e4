#!/usr/bin/env bash
# ctest-labels: tls
# The HTTP server against curl, python3-requests and hostile raw requests.
. "$(dirname "$0")/../harness/lib.sh"
th_init http_server
th_need curl openssl
"$PY" -c "import requests" 2>/dev/null || th_skip "python3-requests is not installed"
mkdir -p "$TMP/www/sub"
echo '<h1>tern</h1>' >"$TMP/www/index.html"
seq 1 20000 >"$TMP/www/sub/data.txt"
echo secret >"$TMP/secret.txt"
port=$(th_free_port)
th_bg srv "$BIN/http_test_server" "$port" "$TMP/www" "u:p"
th_wait_log "$TMP/srv.log" "listening" 5
U="http://127.0.0.1:$port"

th_eq "static index.html" "<h1>tern</h1>" "$(curl -sf "$U/" -u u:p)"
th_eq "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U/")"
th_eq "wrong credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -u u:x "$U/")"
th_eq "protected route with Basic auth" "welcome u" "$(curl -sf -u u:p "$U/secret")"
th_eq "route" "hello" "$(curl -sf "$U/hello")"
# keep-alive: two requests, one connection
out=$(curl -sv "$U/hello" "$U/hello" 2>&1)
th_match "keep-alive: the second request reuses the connection" "Re-using existing connection|Reusing existing connection" "$out"
# chunked upload
head -c 300000 /dev/urandom >"$TMP/blob"
curl -sf -H "Transfer-Encoding: chunked" --data-binary @"$TMP/blob" "$U/echo" -o "$TMP/blob.back"
th_eq "chunked upload echoed intact" "$(md5sum <"$TMP/blob")" "$(md5sum <"$TMP/blob.back")"
# Range and ETag
th_eq "Range: bytes=0-9" "$(head -c 10 "$TMP/www/sub/data.txt" | md5sum)" "$(curl -sf -u u:p -r 0-9 "$U/sub/data.txt" | md5sum)"
th_eq "Range: 206" 206 "$(curl -s -u u:p -r 5-9 -o /dev/null -w '%{http_code}' "$U/sub/data.txt")"
th_eq "Range: the last 5 bytes" "$(tail -c 5 "$TMP/www/sub/data.txt" | md5sum)" "$(curl -sf -u u:p -r -5 "$U/sub/data.txt" | md5sum)"
th_eq "Range past the end: 416" 416 "$(curl -s -u u:p -r 999999- -o /dev/null -w '%{http_code}' "$U/sub/data.txt")"
etag=$(curl -sI -u u:p "$U/sub/data.txt" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
th_match "ETag present" '^".+"$' "$etag"
th_eq "If-None-Match: 304" 304 "$(curl -s -u u:p -H "If-None-Match: $etag" -o /dev/null -w '%{http_code}' "$U/sub/data.txt")"
th_eq "whole file intact" "$(md5sum <"$TMP/www/sub/data.txt")" "$(curl -sf -u u:p "$U/sub/data.txt" | md5sum)"
# no way out of the root
for p in "/../secret.txt" "/%2e%2e/secret.txt" "/sub/..%2f..%2fsecret.txt" "/sub%2f..%2f..%2fsecret.txt" "/..%5csecret.txt"; do
  code=$(curl -s --path-as-is -u u:p -o "$TMP/esc" -w '%{http_code}' "$U$p")
  leaked=$(grep -c secret "$TMP/esc")
  th_check "no escape from the root via $p (status $code, secret lines in the body: $leaked)" \
    [ "$code" -ge 400 -a "$leaked" -eq 0 ]
done
# python3-requests: GET, form POST
out=$("$PY" -c "
import requests
r = requests.get('$U/hello'); print(r.status_code, r.text.strip())
r = requests.post('$U/form', data={'name': 'Ada Lovelace & co'}); print(r.text.strip())")
th_eq "python3-requests GET and form POST" "200 hello
name=Ada Lovelace & co" "$out"
# chunked streaming response, the last piece sent later from a timer
th_eq "chunked streaming response (decoded by curl)" "first second third" "$(curl -sf "$U/stream")"
th_eq "chunked streaming response (decoded by tern get)" "first second third" "$("$TERN" get "$U/stream")"
# a request that never completes gets 408
out=$("$PY" - "$port" <<'PYEOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
print(s.recv(1000).split(b"\r\n")[0].decode())
PYEOF
)
th_eq "incomplete request: 408 after the request timeout" "HTTP/1.1 408 Request Timeout" "$out"
# HTTPS listener (tern serve --cert --key) with curl
th_make_ca "$TMP/pki" || th_bad "certificates"
sp=$(th_free_port)
th_bg serve "$TERN" serve "$TMP/www" -p "$sp" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key"
th_wait_tcp "$sp"
th_eq "tern serve over TLS: /healthz with curl" "ok" "$(curl -sf --cacert "$TMP/pki/ca.crt" "https://localhost:$sp/healthz")"
th_eq "tern serve over TLS: a file" "<h1>tern</h1>" "$(curl -sf --cacert "$TMP/pki/ca.crt" "https://localhost:$sp/")"
# Server-Sent Events
out=$(curl -sN --max-time 2 "$U/events")
th_match "SSE: event and multi-line data" "event: tick.*data: 1.*data: two.*data: lines" "$(echo $out)"
# WebSocket
if ! "$PY" -c "import websockets" 2>/dev/null; then
  th_skip_part "the WebSocket checks need python3-websockets"
else
  "$PY" "$(dirname "$0")/py/ws_client.py" "$port"
  th_eq "WebSocket against python3-websockets and raw frames" 0 $?
fi
# hostile input, then still serving
PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/http_raw.py" "$port"
th_eq "malformed and smuggling-shaped requests refused, others served" 0 $?
# slowloris: 500 connections trickling headers while curl asks. The server
# (64 connections at most, 3 s per request) must keep most of its slots
# busy with the attack, that is, the attack was really on, and still answer
# curl by evicting the slowest head.
mkfifo "$TMP/go"
"$PY" - "$port" "$TMP/go" >"$TMP/slow.out" <<'PYEOF' &
import os, socket, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
socks, refused = [], 0
for i in range(500):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    except OSError:
        refused += 1
def trickle():
    """One header line on each socket; count those the server has not closed."""
    for s in socks:
        try:
            s.send(b"X-a: b\r\n")
        except OSError:
            pass
    time.sleep(0.05)
    n = 0
    for s in socks:
        try:
            s.recv(1)  # data (a 408) or b"" (closed): not open
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n
trickle()
print("connected %d refused %d open %d" % (len(socks), refused, trickle()), flush=True)
fd = os.open(go, os.O_RDONLY | os.O_NONBLOCK)   # the test writes here when curl is done
while not os.read(fd, 1):
    time.sleep(0.3)
    trickle()
print("after %d" % trickle(), flush=True)
PYEOF
slow=$!
th_wait_log "$TMP/slow.out" "^connected" 30
before=$(cat "$TMP/slow.out")
ok=0
for i in 1 2 3 4 5; do [ "$(curl -s --max-time 3 "$U/hello")" = hello ] && ok=$((ok + 1)); done
echo go >"$TMP/go"
wait $slow
th_eq "500 slowloris connections: curl still answered (5 of 5)" 5 "$ok"
open=$(echo "$before" | sed -n 's/.* open \([0-9]*\).*/\1/p')
after=$(sed -n 's/^after //p' "$TMP/slow.out")
# (after is for the log: by then the 3 s request limit may have closed them)
th_check "the attack was on as curl asked: $before (of the server's 64); after: ${after:-?}" \
  [ "${open:-0}" -ge 48 ]
th_check "server alive" kill -0 "$PID_srv"
th_done
