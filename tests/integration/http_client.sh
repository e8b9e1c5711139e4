#!/usr/bin/env bash
# ctest-labels: tls
# tern get / tern post (the HTTP client) against local stand-ins of the
# weather API, Twilio's Messages API and an IFTTT webhook, plain and TLS.
. "$(dirname "$0")/../harness/lib.sh"
th_init http_client
th_need openssl
th_make_ca "$TMP/pki" || { th_bad "certificates"; th_done; }
P=$TMP/pki
plain=$(th_free_port); tls=$(th_free_port); other=$(th_free_port)
SI="$(dirname "$0")/py/http_standin.py"
th_bg web "$PY" "$SI" "$plain"
th_bg webtls "$PY" "$SI" "$tls" "$P/server.crt" "$P/server.key"
th_bg web2 "$PY" "$SI" "$other"
th_wait_log "$TMP/web.log" ready; th_wait_log "$TMP/webtls.log" ready; th_wait_log "$TMP/web2.log" ready
U="http://127.0.0.1:$plain"; S="https://localhost:$tls"

th_eq "JSON field (number)" "21.5" "$("$TERN" get "$U/v1/forecast?latitude=59.9&longitude=10.7" --json-field current.temperature_2m)"
th_eq "JSON field (string, no quotes)" "partly cloudy" "$("$TERN" get "$U/v1/forecast" --json-field current.conditions)"
th_eq "JSON field in a list" "Bergen" "$("$TERN" get "$U/v1/forecast" --json-field 'list[1].name')"
th_eq "JSON object printed compact" '{"name":"Oslo"}' "$("$TERN" get "$U/v1/forecast" --json-field 'list[0]')"
"$TERN" get "$U/v1/forecast" --json-field nope 2>/dev/null; th_eq "missing JSON field: non-zero exit" 1 $?
th_eq "over TLS with our CA" "21.5" "$("$TERN" get "$S/v1/forecast" --cacert "$P/ca.crt" --json-field current.temperature_2m)"
"$TERN" get "$S/v1/forecast" >/dev/null 2>&1; th_eq "TLS without the CA: exit 60" 60 $?
th_eq "-k skips verification" "21.5" "$("$TERN" get "$S/v1/forecast" -k --json-field current.temperature_2m)"

out=$("$TERN" post "$S/2010-04-01/Accounts/AC123/Messages.json" --cacert "$P/ca.crt" -u AC123:secret-token \
  --data-urlencode "To=+15551230000" --data-urlencode "From=+15559870000" --data-urlencode "Body=Hello from tern & co" -i)
th_match "Twilio-style form POST with Basic auth: 201" "HTTP/1.[01] 201" "$out"
th_match "form fields arrive decoded" '"body": "Hello from tern & co"' "$out"
"$TERN" post -f "$S/2010-04-01/Accounts/AC123/Messages.json" --cacert "$P/ca.crt" -d "To=1" 2>"$TMP/err"; rc=$?
th_eq "without credentials, -f: exit 22" 22 "$rc"
th_match "the status goes to stderr" "returned error: 401" "$(cat "$TMP/err")"
th_match "IFTTT-style webhook" "fired the button_pressed event" \
  "$("$TERN" post "$U/trigger/button_pressed/with/key/KEY" -H 'Content-Type: application/json' -d '{"value1":"1"}')"
th_eq "-d @file" '{"a": 1}' "$(echo '{"a": 1}' >"$TMP/b.json"; "$TERN" post "$U/echo" -d @"$TMP/b.json")"

th_eq "redirect chain followed with -L" "arrived" "$("$TERN" get -L "$U/redirect/4")"
"$TERN" get -L --max-redirs 5 "$U/redirect/6" >/dev/null 2>&1; th_eq "more than --max-redirs 5: exit 47" 47 $?
th_eq "without -L the redirect is not followed" "" "$("$TERN" get "$U/redirect/1")"
th_eq "Authorization kept on the same host" "auth=yes" "$("$TERN" get -L -u a:b "$U/cross?to=/whoami")"
th_eq "Authorization dropped on another host" "auth=no" "$("$TERN" get -L -u a:b "$U/cross?to=http://localhost:$other/whoami")"
# the stand-in's /port answers with the client's source port: two equal
# numbers (and a clean exit) mean one connection served both requests
out=$("$BIN/http_fetch_twice" "$U/port"); rc=$?
th_match "keep-alive: two answers, exit 0 (rc=$rc)" "^0:[0-9]+ [0-9]+$" "$rc:$(echo $out)"
th_eq "keep-alive: a client reuses its connection" "$(echo "$out" | head -1)" "$(echo "$out" | tail -1)"
out=$(TLS_CA=$P/ca.crt "$BIN/http_fetch_twice" "$S/port"); rc=$?
th_match "keep-alive over TLS: two answers, exit 0 (rc=$rc)" "^0:[0-9]+ [0-9]+$" "$rc:$(echo $out)"
th_eq "keep-alive over TLS: one connection (no second handshake)" "$(echo "$out" | head -1)" "$(echo "$out" | tail -1)"
th_eq "chunked response" "first second third" "$("$TERN" get "$U/chunked")"
th_match "-i shows the head" "^HTTP/1.1 200" "$("$TERN" get -i "$U/status/200")"
"$TERN" get -o "$TMP/out.json" "$U/v1/forecast"; th_match "-o writes the body to a file" '"temperature_2m"' "$(cat "$TMP/out.json")"

start=$(date +%s)
"$TERN" get --max-time 1 "$U/slow" >/dev/null 2>&1; rc=$?
th_eq "slow server: exit 28" 28 "$rc"
th_check "slow server: gave up in time" [ $(( $(date +%s) - start )) -le 3 ]
"$TERN" get "http://127.0.0.1:$(th_free_port)/" >/dev/null 2>&1; th_eq "nobody listening: exit 7" 7 $?
# name resolution stays on this machine: a local dnsmasq answers NXDOMAIN
if ! command -v dnsmasq >/dev/null; then
  th_skip_part "the name-resolution check needs dnsmasq"
else
  dns=$(th_free_port)
  th_bg dns dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.1 --port="$dns" --user=root --group=root --local=/invalid/
  th_wait_log "$TMP/dns.log" started
  TERN_DNS_SERVER=127.0.0.1:$dns "$TERN" get "http://no-such-host.invalid/" >/dev/null 2>&1
  th_eq "unresolvable host: exit 6" 6 $?
fi
"$TERN" get -f "$U/status/503" >/dev/null 2>&1; th_eq "HTTP 503 with -f: exit 22" 22 $?
"$TERN" get "$U/status/503" >/dev/null 2>&1; th_eq "HTTP 503 without -f: exit 0 (as curl)" 0 $?
th_done
