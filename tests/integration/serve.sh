#!/usr/bin/env bash
# tern serve as people use python3 -m http.server: a request log (the Common
# Log Format, on standard error; -q silences it), a folder listing with -l,
# /healthz that never hides a file of that name; checked with curl.
. "$(dirname "$0")/../harness/lib.sh"
th_init serve
th_need curl
mkdir -p "$TMP/www/sub" "$TMP/bare"
echo '<h1>home</h1>' >"$TMP/www/index.html"
echo 'mine' >"$TMP/bare/healthz"
echo 'x' >"$TMP/bare/a<b&c.txt"
p1=$(th_free_port); p2=$(th_free_port); p3=$(th_free_port)
th_bg log "$TERN" serve "$TMP/www" -p "$p1" --auth alice:pw1
th_bg quiet "$TERN" serve "$TMP/www" -p "$p2" -q
th_bg list "$TERN" serve "$TMP/bare" -p "$p3" -l
th_wait_tcp "$p1"; th_wait_tcp "$p2"; th_wait_tcp "$p3"
curl -s -u alice:pw1 "http://127.0.0.1:$p1/" >/dev/null
curl -s -u alice:pw1 "http://127.0.0.1:$p1/nothere?x=1" >/dev/null
curl -s "http://127.0.0.1:$p1/" >/dev/null
curl -s -I -u alice:pw1 "http://127.0.0.1:$p1/index.html" >/dev/null
clf='127\.0\.0\.1 - [a-z-]+ \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\]'
th_check "a log line per request" th_wait_log "$TMP/log.log" "HEAD /index\.html" 5
th_match "the Common Log Format, with the user" "$clf \"GET / HTTP/1\.1\" 200 14" \
  "$(grep '"GET / ' "$TMP/log.log" | head -1)"
th_match "a 404, the query kept" "alice .*\"GET /nothere\?x=1 HTTP/1\.1\" 404 [0-9]+" \
  "$(cat "$TMP/log.log")"
th_match "a 401 without credentials" "- - \[.*\] \"GET / HTTP/1\.1\" 401 [0-9]+" "$(cat "$TMP/log.log")"
th_match "HEAD" "\"HEAD /index\.html HTTP/1\.1\" 200 14" "$(cat "$TMP/log.log")"
curl -s "http://127.0.0.1:$p2/" >/dev/null
curl -s "http://127.0.0.1:$p2/healthz" >/dev/null
th_eq "-q: no request log" "" "$(grep -c 'HTTP/1' "$TMP/quiet.log" | grep -v '^0$')"
th_eq "/healthz answers ok" "ok" "$(curl -s "http://127.0.0.1:$p2/healthz")"
th_eq "a file named healthz is served, not hidden" "mine" "$(curl -s "http://127.0.0.1:$p3/healthz")"
page=$(curl -s "http://127.0.0.1:$p3/")
th_match "-l: the folder is listed" '<li><a href="healthz">healthz</a></li>' "$page"
th_match "-l: names are escaped in text and link" \
  '<a href="a%3Cb%26c\.txt">a&lt;b&amp;c\.txt</a>' "$page"
th_eq "without -l a folder without index.html is 404" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' -u alice:pw1 "http://127.0.0.1:$p1/sub/")"
th_done
