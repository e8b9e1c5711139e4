#!/usr/bin/env bash
# ctest-labels: tls
# tern console with Debian's telnet (inetutils) driven by expect, login rate
# limiting, hostile byte streams, and openssl s_client on the TLS listener.
. "$(dirname "$0")/../harness/lib.sh"
th_init console
th_need expect telnet openssl
"$TERN" passwd -b -c "$TMP/pw" admin 'pw one'
"$TERN" console --password-file /nonexistent >/dev/null 2>&1; rc=$?
th_check "refuses to start without a password file (rc=$rc)" [ "$rc" -ne 0 ]
"$TERN" console --user admin >/dev/null 2>&1; th_eq "no --password-file: usage error" 2 $?
th_make_ca "$TMP/pki" || th_bad "certificates"
port=$(th_free_port); tport=$(th_free_port)
th_bg con "$TERN" console --user admin --password-file "$TMP/pw" --port "$port" --name dev1 \
  --tls-port "$tport" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key"
th_wait_tcp "$port"
th_match "warns that telnet is plaintext" "plaintext" "$(cat "$TMP/con.log")"

cat >"$TMP/session.exp" <<EXP
set timeout 8
spawn telnet 127.0.0.1 $port
expect "login: " { send "admin\r" } timeout { exit 11 }
expect "Password: " { send "pw one\r" } timeout { exit 12 }
expect "dev1> " { send "status\r" } timeout { exit 13 }
expect "name dev1" {} timeout { exit 14 }
expect "dev1> " { send "uptime\r" } timeout { exit 15 }
expect -re "up 0h" {} timeout { exit 16 }
expect "dev1> " { send "\033\[A\r" } timeout { exit 17 }
expect -re "uptime.*up 0h" {} timeout { exit 18 }
expect "dev1> " { send "half typed\003" } timeout { exit 19 }
expect -ex "^C" {} timeout { exit 20 }
expect "dev1> " { send "ntp 127.0.0.1:$(th_free_port)\r" } timeout { exit 21 }
expect "asking" { send "\003" } timeout { exit 22 }
expect "dev1> " { send "nosuch\r" } timeout { exit 23 }
expect "unknown command" {} timeout { exit 24 }
expect "dev1> " { send "exit\r" } timeout { exit 25 }
expect "bye" {} timeout { exit 26 }
expect eof
exit 0
EXP
expect "$TMP/session.exp" >"$TMP/session.log" 2>&1; rc=$?
th_eq "telnet + expect: login, commands, history recall, Ctrl-C (line and running command), logout" 0 "$rc"

# -ign_eof: s_client reads on after our input ends, until the console closes on "exit"
out=$(printf 'admin\r\npw one\r\nstatus\r\nexit\r\n' | timeout 10 openssl s_client -quiet -ign_eof \
  -connect "127.0.0.1:$tport" -CAfile "$TMP/pki/ca.crt" -verify_return_error 2>/dev/null | tr -d '\000-\010\373-\377')
th_match "openssl s_client logs into the TLS listener" "name dev1" "$out"

# get URL: asynchronous, and a body larger than the socket buffer arrives whole
wp=$(th_free_port)
th_bg web "$PY" "$(dirname "$0")/py/http_standin.py" "$wp"
th_wait_log "$TMP/web.log" ready
PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/console_get.py" "$port" admin 'pw one' \
  "http://127.0.0.1:$wp/big?n=30000" "http://127.0.0.1:$wp/slow?s=2" 2
th_eq "get URL with backpressure, ifconfig, Ctrl-C" 0 $?

# rate limiting last: it locks 127.0.0.1 out for ten minutes
PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/telnet_login.py" "$port" admin 'pw one'
th_eq "wrong passwords: delays, close after three, lockout, other addresses unaffected" 0 $?

# hostile byte streams from another address (127.0.0.3 is not locked out)
"$PY" - "$port" <<'PYEOF'
import os, socket, sys, time
port = int(sys.argv[1])
def hostile(data):
    s = socket.socket(); s.bind(("127.0.0.3", 0)); s.settimeout(5); s.connect(("127.0.0.1", port))
    try:
        s.sendall(data); s.recv(65536)
    except OSError:
        pass
    s.close()
hostile(os.urandom(200000).replace(b"\r", b"").replace(b"\n", b""))   # random bytes, IACs among them
hostile(b"\xff\xfa\x1f" + b"A" * 100000)                               # endless subnegotiation
hostile(b"x" * 200000)                                                  # a huge line
hostile(b"\x00" * 100000)                                               # NUL flood
hostile(b"\xff\xfb\x01\xff\xfc\x01" * 5000)                             # WILL/WONT ECHO ping-pong
PYEOF
cat >"$TMP/again.exp" <<EXP
set timeout 8
spawn telnet -b 127.0.0.4 127.0.0.1 $port
expect "login: " { send "admin\r" } timeout { exit 11 }
expect "Password: " { send "pw one\r" } timeout { exit 12 }
expect "dev1> " { send "exit\r" } timeout { exit 13 }
expect eof
EXP
expect "$TMP/again.exp" >/dev/null 2>&1
th_eq "after hostile streams the console still serves logins" 0 $?
th_check "console still alive" kill -0 "$PID_con"

th_done
