#!/usr/bin/env bash
# ctest-labels: tls
# The TLS filter against OpenSSL and curl, certificates made at run time.
. "$(dirname "$0")/../harness/lib.sh"
th_init tls
th_need openssl curl
th_make_ca "$TMP/pki" || { th_bad "making test certificates"; th_done; }
P=$TMP/pki

# s_server answers each connection with its HTTP-ish reply to our "ping".
serve() { # NAME CERT KEY -> sets port
  port=$(th_free_port)
  th_bg "$1" openssl s_server -accept "127.0.0.1:$port" -cert "$2" -key "$3" -rev -quiet
  th_wait_tcp "$port"
}

serve good "$P/server.crt" "$P/server.key"
th_match "trusted certificate accepted" "^ok: " "$("$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"
th_match "SNI name given explicitly" "^ok: " "$("$BIN/tls_probe" client 127.0.0.1 "$port" "$P/ca.crt" localhost)"
th_match "unknown CA refused" "^error: ETLS_CA" "$("$BIN/tls_probe" client localhost "$port" "$P/rogue-ca.crt")"

serve wrong "$P/wronghost.crt" "$P/wronghost.key"
th_match "wrong host name refused" "^error: ETLS_HOST" "$("$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"

serve expired "$P/expired.crt" "$P/expired.key"
th_match "expired certificate refused" "^error: ETLS_EXPIRED" "$("$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"

serve rogue "$P/rogue.crt" "$P/rogue.key"
th_match "self-made CA refused" "^error: ETLS_CA" "$("$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"

# A server that requires a client certificate.
port=$(th_free_port)
th_bg mtls openssl s_server -accept "127.0.0.1:$port" -cert "$P/server.crt" -key "$P/server.key" \
  -CAfile "$P/ca.crt" -Verify 1 -verify_return_error -rev -quiet
th_wait_tcp "$port"
th_match "client certificate accepted by a server that requires one" "^ok: " \
  "$(TLS_CERT=$P/client.crt TLS_KEY=$P/client.key "$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"
th_match "no client certificate: refused" "^error: " "$("$BIN/tls_probe" client localhost "$port" "$P/ca.crt")"

# Our server side, against s_client and curl.
sport=$(th_free_port)
th_bg tern_server "$BIN/tls_probe" server "$sport" "$P/server.crt" "$P/server.key"
th_wait_tcp "$sport"
out=$(echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$sport" -servername localhost \
  -CAfile "$P/ca.crt" -verify_return_error -quiet 2>/dev/null | head -1)
th_eq "openssl s_client talks to tern's TLS server" "echo hello" "$out"
out=$(curl -sS --max-time 10 --cacert "$P/ca.crt" "https://localhost:$sport/")
th_eq "curl gets a response over tern's TLS server" "tern!" "$out"
curl -sS --max-time 10 "https://localhost:$sport/" >/dev/null 2>&1
th_eq "curl without the CA refuses tern's certificate" 60 $?
th_done
