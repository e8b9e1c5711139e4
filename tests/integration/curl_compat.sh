#!/usr/bin/env bash
# ctest-labels: tls
# tern get / tern post next to curl, flag by flag, on the same local server
# (tests/integration/py/http_standin.py, plain and TLS): the same exit code
# and the same output for every shared flag; the response's Date header is
# the only line allowed to differ. Then what only tern can be asked here
# (SSL_CERT_FILE / SSL_CERT_DIR, which Debian's curl does not read).
. "$(dirname "$0")/../harness/lib.sh"
th_init curl_compat
# the CA variables some machines set for every program: each check sets its own
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR
th_need curl openssl
th_make_ca "$TMP/pki" || { th_bad "certificates"; th_done; }
P=$TMP/pki
plain=$(th_free_port); tls=$(th_free_port)
SI="$(dirname "$0")/py/http_standin.py"
th_bg web "$PY" "$SI" "$plain"
th_bg webtls env STANDIN_CLIENT_CA="$P/ca.crt" "$PY" "$SI" "$tls" "$P/server.crt" "$P/server.key"
th_wait_log "$TMP/web.log" ready; th_wait_log "$TMP/webtls.log" ready
U="http://127.0.0.1:$plain"; S="https://localhost:$tls"
printf 'line one\nline two\n' >"$TMP/two-lines.txt"
printf '{"a": [1, 2]}\n' >"$TMP/body.json"
mkdir -p "$TMP/capath" && cp "$P/ca.crt" "$TMP/capath/test-ca.pem" && openssl rehash "$TMP/capath" 2>/dev/null

# same LABEL [curl|tern] ARGS...: run both, in fresh folders, and compare
n=0
same() {
  local label=$1; shift
  n=$((n + 1))
  mkdir -p "$TMP/c$n" "$TMP/t$n"
  (cd "$TMP/c$n" && curl "$@" >out 2>err; echo $? >rc)
  (cd "$TMP/t$n" && "$TERN" get "$@" >out 2>err; echo $? >rc)
  local files_c files_t
  files_c=$(cd "$TMP/c$n" && for f in *; do [ "$f" = err ] || { echo "== $f"; grep -avi '^date:' "$f"; }; done)
  files_t=$(cd "$TMP/t$n" && for f in *; do [ "$f" = err ] || { echo "== $f"; grep -avi '^date:' "$f"; }; done)
  th_eq "$label" "$files_c" "$files_t"
}
same "plain GET" "$U/v1/forecast"
same "HTTP 404 without -f: the body, exit 0" "$U/status/404"
same "-f: HTTP 404 is exit 22, no body" -f "$U/status/404"
same "-fsSL: combined short flags, a redirect chain" -fsSL "$U/redirect/3"
same "-sS: nobody listening is exit 7" -sS "http://127.0.0.1:$(th_free_port)/"
same "-s -m 1: a slow server is exit 28" -s -m 1 "$U/slow?s=3"
same "--max-time abc: refused (exit 2)" -s --max-time abc "$U/"
same "-i: the head, then the body" -i "$U/status/201"
same "-I: HEAD, the head only" -I "$U/status/200"
same "-o FILE" -o saved.json "$U/v1/forecast"
same "-O: the URL's file name" -O "$U/v1/forecast"
same "-w: http_code, size_download, content_type" -s -o /dev/null \
  -w '%{http_code} %{size_download} %{content_type} %{num_redirects}\n' "$U/v1/forecast"
same "-w after -L: num_redirects" -sL -o /dev/null -w '%{http_code} %{num_redirects}\n' "$U/redirect/2"
same "-A: the User-Agent" -A "probe/1.0" "$U/headers"
same "-H: an extra header" -H "X-Probe: yes" -A x "$U/headers"
same "-d twice: joined with &" -d a=1 -d b=2 "$U/method"
same "-d @file: newlines dropped" -d @"$TMP/two-lines.txt" "$U/method"
same "--data-binary @file: as it is" --data-binary @"$TMP/two-lines.txt" "$U/method"
same "--data-raw: no @" --data-raw "@literal" "$U/method"
same "--data-urlencode" --data-urlencode "msg=hello world & more" --data-urlencode "=x y" "$U/method"
same "--json DATA: the body" --json '{"on":true}' "$U/method"
same "--json: its Content-Type and Accept" --json '{}' -A x "$U/headers"
same "--json @file" --json @"$TMP/body.json" "$U/method"
same "-F: fields and a file upload" -F name=tern -F "doc=@$TMP/two-lines.txt;type=text/plain" "$U/form"
same "-X PUT with -d" -X PUT -d x=1 "$U/method"
same "-XDELETE: the value attached" -XDELETE "$U/method"
same "-u: Basic auth" -u a:b "$U/whoami"
same "user:password@ in the URL: Basic auth" "http://a:b@127.0.0.1:$plain/whoami"
same "--max-redirs 2: exit 47" -sL --max-redirs 2 "$U/redirect/4"
same "-L: more than 5 redirects is fine (curl's 50)" -L "$U/redirect/8"
same "a reset: exit 56" -s "$U/reset"
same "closed without an answer: exit 52" -s "$U/empty"
same "a body cut short: exit 18" -s "$U/cut"
same "--retry 2: 503 twice, then 200" -s --retry 2 --retry-delay 1 "$U/flaky/a/2"
same "--retry 1: 503 twice, still 503" -s --retry 1 --retry-delay 1 "$U/flaky/b/2"
same "--retry-delay 0.5: refused (whole seconds)" -s --retry 1 --retry-delay 0.5 "$U/"
th_eq "--retry: curl and tern made the same number of requests" \
  "$(curl -s "$U/hits?key=a+curl") $(curl -s "$U/hits?key=b+curl")" \
  "$(curl -s "$U/hits?key=a+tern") $(curl -s "$U/hits?key=b+tern")"
same "TLS with --cacert" --cacert "$P/ca.crt" "$S/v1/forecast"
same "TLS without the CA: exit 60" -s "$S/v1/forecast"
same "TLS -k" -k "$S/status/200"
same "TLS --capath" --capath "$TMP/capath" "$S/status/200"
same "TLS client certificate (--cert, --key)" --cacert "$P/ca.crt" --cert "$P/client.crt" \
  --key "$P/client.key" "$S/cert"
same "TLS for another host name: exit 60" -s --cacert "$P/ca.crt" "https://127.0.0.1:$tls/x" -H "X: 1"
th_eq "CURL_CA_BUNDLE: curl" "status 200" "$(CURL_CA_BUNDLE="$P/ca.crt" curl -s "$S/status/200")"
th_eq "CURL_CA_BUNDLE: tern" "status 200" "$(CURL_CA_BUNDLE="$P/ca.crt" "$TERN" get -s "$S/status/200")"
th_eq "SSL_CERT_FILE (tern)" "status 200" \
  "$(env -u CURL_CA_BUNDLE SSL_CERT_FILE="$P/ca.crt" "$TERN" get -s "$S/status/200")"
th_eq "SSL_CERT_DIR (tern)" "status 200" \
  "$(env -u CURL_CA_BUNDLE -u SSL_CERT_FILE SSL_CERT_DIR="$TMP/capath" "$TERN" get -s "$S/status/200")"

# -v: the request line and the status line, on standard error, as curl shows them
curl -sv "$U/status/200" -o /dev/null 2>"$TMP/cv"
"$TERN" get -sv "$U/status/200" -o /dev/null 2>"$TMP/tv"
th_eq "-v: '> GET' and '< HTTP' lines as curl's" "$(grep -E '^(> GET|< HTTP)' "$TMP/cv" | tr -d '\r')" \
  "$(grep -E '^(> GET|< HTTP)' "$TMP/tv" | tr -d '\r')"
# errors: on standard error with the reason, silent with -s, back with -sS
"$TERN" get -f "$U/status/500" >"$TMP/o" 2>"$TMP/e"
th_match "-f: the reason on standard error" "\(22\) The requested URL returned error: 500" "$(cat "$TMP/e")"
"$TERN" get -sf "$U/status/500" 2>"$TMP/e"
th_eq "-s: no message" "" "$(cat "$TMP/e")"
"$TERN" post -sS "http://127.0.0.1:$(th_free_port)/" 2>"$TMP/e"
th_match "-sS: the message again" "^tern post: \(7\) " "$(cat "$TMP/e")"
th_done
