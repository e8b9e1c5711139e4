#!/usr/bin/env bash
# tern device's settings: a config file (key = value, key value, key=value,
# _ or -, [sections], repeated ntp keys) read by the shared config reader,
# flags over the file, and errors as FILE:LINE: KEY: reason.
. "$(dirname "$0")/../harness/lib.sh"
th_init device_config
cat >"$TMP/dev.conf" <<'CONF'
# a device
[device]
name = kitchen
console_port 2424
http-port=0
ntp = 127.0.0.1:1123
ntp = 127.0.0.2
led = on
CONF
out=$("$TERN" device -c "$TMP/dev.conf" --print-config); rc=$?
th_eq "--print-config exits 0" 0 "$rc"
th_match "key = value" "(^|
)name = kitchen(
|$)" "$out"
th_match "key value, with _ for -" "(^|
)console-port = 2424(
|$)" "$out"
th_match "key=value" "(^|
)http-port = 0(
|$)" "$out"
th_match "repeated keys add up" "ntp = 127\.0\.0\.1:1123
ntp = 127\.0\.0\.2" "$out"
th_match "the session defaults to the name" "(^|
)session = kitchen(
|$)" "$out"
th_match "led on" "(^|
)led = on(
|$)" "$out"
out=$("$TERN" device -c "$TMP/dev.conf" --name porch --ntp 127.0.0.9 --print-config)
th_match "a flag overrides the file" "(^|
)name = porch(
|$)" "$out"
th_eq "ntp flags replace the file's list" "ntp = 127.0.0.9" "$(echo "$out" | grep '^ntp')"
printf 'name = x\nqos = 7\n' >"$TMP/badval.conf"
out=$("$TERN" device -c "$TMP/badval.conf" --print-config 2>&1); rc=$?
th_eq "a bad value: exit 2" 2 "$rc"
th_eq "a bad value: FILE:LINE: KEY: reason" "tern device: $TMP/badval.conf:2: qos: want a whole number from 0 to 2" "$out"
printf 'name = x\n\nbogus = 1\n' >"$TMP/badkey.conf"
out=$("$TERN" device -c "$TMP/badkey.conf" 2>&1); rc=$?
th_eq "an unknown key: exit 2" 2 "$rc"
th_eq "an unknown key: FILE:LINE: KEY: reason" "tern device: $TMP/badkey.conf:3: bogus: unknown key" "$out"
out=$("$TERN" device --samples -3 2>&1); rc=$?
th_eq "a bad flag value: exit 2 and why" "2:tern device: --samples -3: want a whole number from 0 to 100000000" "$rc:$out"
out=$("$TERN" device -c "$TMP/missing.conf" 2>&1); rc=$?
th_match "a missing file: says so (rc=$rc)" "missing\.conf: cannot read: not found" "$out"
# the console's password as a hash (what firmware takes), on Linux too
"$TERN" passwd -b -c "$TMP/pw" admin 'hash pw'
hash=$(cut -d: -f2- "$TMP/pw")
out=$("$TERN" device --console-password-hash nothash --print-config 2>&1); rc=$?
th_eq "a console-password-hash that is no hash: exit 2" 2 "$rc"
cport=$(th_free_port)
th_bg hdev "$TERN" device --name hdev --iface lo --console-port "$cport" --console-password-hash "$hash" \
  --http-port 0 --broker "" --ntp 127.0.0.1:9
th_wait_tcp "$cport"
login() { # PASSWORD: what the console answers after it
  "$PY" - "$cport" "$1" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
buf = b""
def until(*toks):
    global buf
    while not any(t in buf for t in toks):
        d = s.recv(4096)
        if not d:
            break
        buf += d
    return buf
until(b"login: "); buf = b""; s.sendall(b"admin\r\n")
until(b"Password: "); buf = b""; s.sendall(sys.argv[2].encode() + b"\r\n")
print("shell" if b"hdev> " in until(b"hdev> ", b"incorrect", b"login: ") else "refused")
PYEOF
}
th_eq "--console-password-hash: the right password opens the shell" shell "$(login 'hash pw')"
th_eq "--console-password-hash: a wrong one is refused" refused "$(login 'wrong')"
th_done
