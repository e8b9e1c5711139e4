#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/TARGET/NAME):
well-formed packets of the kinds the integration tests exchange with the
real peers, so that each fuzzer starts from the protocol's real shapes
instead of from empty input. Run it again after changing it; the output is
committed (a few KB)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# ---- MQTT 3.1.1: what mosquitto_pub/sub, paho and the device send ----
def vbi(n):
    out = b""
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (128 if n else 0)])
        if not n:
            return out


def pkt(first, body):
    return bytes([first]) + vbi(len(body)) + body


def s(x):
    x = x.encode()
    return struct.pack("!H", len(x)) + x


connect = pkt(0x10, s("MQTT") + b"\x04\x02\x00\x3c" + s("dev1"))
connect_will = pkt(0x10, s("MQTT") + b"\x04\xee\x00\x3c" + s("dev1") + s("dev1/status")
                   + s('{"online":false}') + s("dev") + s("devkey"))
write("fuzz_mqtt", "connect", connect)
write("fuzz_mqtt", "connect_will_auth", connect_will)
write("fuzz_mqtt", "connack", pkt(0x20, b"\x00\x00"))
write("fuzz_mqtt", "publish_qos0", pkt(0x30, s("demo/data") + b"0,0"))
write("fuzz_mqtt", "publish_qos1_retain", pkt(0x33, s("dev1/led/state") + b"\x00\x01ON"))
write("fuzz_mqtt", "publish_qos2_dup", pkt(0x3c, s("fault/2") + b"\x00\x07" + b"42"))
write("fuzz_mqtt", "acks", pkt(0x40, b"\x00\x01") + pkt(0x50, b"\x00\x02") + pkt(0x62, b"\x00\x02")
      + pkt(0x70, b"\x00\x02"))
write("fuzz_mqtt", "subscribe", pkt(0x82, b"\x00\x01" + s("demo/#") + b"\x01" + s("+/led") + b"\x02"))
write("fuzz_mqtt", "suback", pkt(0x90, b"\x00\x01\x01\x80"))
write("fuzz_mqtt", "unsubscribe", pkt(0xa2, b"\x00\x04" + s("$x/#")))
write("fuzz_mqtt", "unsuback", pkt(0xb0, b"\x00\x04"))
write("fuzz_mqtt", "ping_disconnect", pkt(0xc0, b"") + pkt(0xd0, b"") + pkt(0xe0, b""))
write("fuzz_mqtt", "session", connect + pkt(0x82, b"\x00\x01" + s("c/#") + b"\x01")
      + pkt(0x32, s("c/t") + b"\x00\x02" + b"1") + pkt(0xe0, b""))

# MQTT 5.0: properties on every packet that may carry them
def prop_block(b):
    return vbi(len(b)) + b


user = b"\x26" + s("site") + s("lab")
connect5 = pkt(0x10, s("MQTT") + b"\x05\x06\x00\x3c"
               + prop_block(b"\x11\xff\xff\xff\xff\x21\x00\x0a\x22\x00\x05" + user)
               + s("dev5") + prop_block(b"\x18\x00\x00\x00\x05\x01\x01")
               + s("dev5/status") + s("offline"))
write("fuzz_mqtt", "mqtt5_connect", connect5)
write("fuzz_mqtt", "mqtt5_connack", pkt(0x20, b"\x00\x00" + prop_block(
    b"\x12" + s("auto-1") + b"\x24\x01\x22\x00\x0a\x2a\x01\x13\x00\x14")))
write("fuzz_mqtt", "mqtt5_publish", pkt(0x32, s("req/x") + b"\x00\x09" + prop_block(
    b"\x01\x01\x02\x00\x00\x00\x3c\x03" + s("application/json") + b"\x08" + s("resp/x")
    + b"\x09\x00\x02\xde\xad\x23\x00\x01" + user) + b'{"t":1}'))
write("fuzz_mqtt", "mqtt5_publish_alias", pkt(0x30, s("") + prop_block(b"\x23\x00\x01") + b"x"))
write("fuzz_mqtt", "mqtt5_publish_subids", pkt(0x30, s("a") + prop_block(b"\x0b\x01\x0b\xff\xff\xff\x7f") + b"x"))
write("fuzz_mqtt", "mqtt5_acks", pkt(0x40, b"\x00\x01") + pkt(0x50, b"\x00\x02\x10")
      + pkt(0x62, b"\x00\x02\x92" + prop_block(b"\x1f" + s("gone"))) + pkt(0x70, b"\x00\x02\x00\x00"))
write("fuzz_mqtt", "mqtt5_subscribe", pkt(0x82, b"\x00\x01" + prop_block(b"\x0b\x2a" + user)
      + s("a/+") + b"\x0d" + s("$share/g/b/#") + b"\x22"))
write("fuzz_mqtt", "mqtt5_suback", pkt(0x90, b"\x00\x01" + prop_block(b"\x1f" + s("no")) + b"\x01\x9e"))
write("fuzz_mqtt", "mqtt5_unsub", pkt(0xa2, b"\x00\x04" + prop_block(user) + s("a/#"))
      + pkt(0xb0, b"\x00\x04\x00\x11"))
write("fuzz_mqtt", "mqtt5_disconnect_auth", pkt(0xe0, b"\x8e" + prop_block(b"\x1f" + s("taken")))
      + pkt(0xf0, b"\x18" + prop_block(b"\x15" + s("SCRAM") + b"\x16\x00\x01\x01")))

# whole sessions, for the broker's state machine through the simulated network
write("fuzz_sim_broker", "mqtt5_session",
      connect5 + pkt(0x82, b"\x00\x01" + prop_block(b"\x0b\x05") + s("c/#") + b"\x0d"
                     + s("$share/g/c/+") + b"\x01")
      + pkt(0x32, s("c/1") + b"\x00\x02" + prop_block(b"\x23\x00\x01\x02\x00\x00\x00\x05" + user) + b"one")
      + pkt(0x30, s("") + prop_block(b"\x23\x00\x01") + b"again")
      + pkt(0x34, s("c/2") + b"\x00\x03" + prop_block(b"\x01\x01") + b"two")
      + pkt(0x62, b"\x00\x03") + pkt(0x40, b"\x00\x01\x10")
      + pkt(0xa2, b"\x00\x04" + prop_block(b"") + s("c/#"))
      + pkt(0xe0, b"\x04" + prop_block(b"\x11\x00\x00\x00\x0a")))
sub = pkt(0x82, b"\x00\x01" + s("c/#") + b"\x02")
write("fuzz_sim_broker", "qos_flows", connect + sub + pkt(0x30, s("c/0") + b"zero")
      + pkt(0x32, s("c/1") + b"\x00\x02" + b"one") + pkt(0x34, s("c/2") + b"\x00\x03" + b"two")
      + pkt(0x62, b"\x00\x03") + pkt(0x40, b"\x00\x01") + pkt(0xc0, b"") + pkt(0xe0, b""))
write("fuzz_sim_broker", "will_retain", connect_will + pkt(0x31, s("r/x") + b"kept")
      + pkt(0xa2, b"\x00\x04" + s("c/#")))
write("fuzz_sim_broker", "second_connect", connect + connect)
write("fuzz_sim_broker", "bad_length", connect + b"\x30\xff\xff\xff\xff\x7f")

# the client's state machine: the first byte its options (1 persistent, 2
# MQTT 5.0, 4 fall back to 3.1.1, 8 bridge), then what a broker answers
write("fuzz_sim_mqtt_client", "v311_session", b"\x01" + pkt(0x20, b"\x00\x00")
      + pkt(0x90, b"\x00\x01\x01") + pkt(0x40, b"\x00\x02") + pkt(0x50, b"\x00\x03")
      + pkt(0x70, b"\x00\x03") + pkt(0x32, s("a/x") + b"\x00\x07" + b"hi")
      + pkt(0x34, s("a/y") + b"\x00\x08" + b"two") + pkt(0x62, b"\x00\x08") + pkt(0xd0, b""))
write("fuzz_sim_mqtt_client", "v5_session", b"\x03"
      + pkt(0x20, b"\x00\x00" + prop_block(b"\x21\x00\x02\x22\x00\x03\x12" + s("auto-1")
                                             + b"\x13\x00\x05"))
      + pkt(0x90, b"\x00\x01" + prop_block(b"") + b"\x01")
      + pkt(0x32, s("a/x") + b"\x00\x07" + prop_block(b"\x23\x00\x01\x02\x00\x00\x00\x05") + b"hi")
      + pkt(0x30, s("") + prop_block(b"\x23\x00\x01") + b"again")
      + pkt(0x40, b"\x00\x02\x10" + prop_block(b"")) + pkt(0x50, b"\x00\x03\x97")
      + pkt(0xe0, b"\x8b" + prop_block(b"\x1f" + s("shutting down"))))
write("fuzz_sim_mqtt_client", "v5_refused_as_311", b"\x06" + pkt(0x20, b"\x00\x01")
      + pkt(0x20, b"\x00\x01") + pkt(0x20, b"\x00\x00") + pkt(0x90, b"\x00\x01\x01"))
write("fuzz_sim_mqtt_client", "bridge_refused", b"\x09" + pkt(0x20, b"\x00\x01")
      + pkt(0x20, b"\x01\x00") + pkt(0x40, b"\x00\x02"))

# ---- HTTP: requests from curl and the browser, responses the client reads ----
write("fuzz_http", "get", "GET /?LED=ON HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\n"
      "Accept: */*\r\n\r\n")
write("fuzz_http", "get_range_auth", "GET /sub/data.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n"
      "If-None-Match: \"4e20-1\"\r\nAuthorization: Basic dTpw\r\n\r\n")
write("fuzz_http", "post_form", "POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n"
      "To=%2B1555&Body=Hello+%26+co")
write("fuzz_http", "post_chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
write("fuzz_http", "pipelined", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n")
write("fuzz_http", "websocket_upgrade", "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
write("fuzz_http", "response_chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nfirst \r\n7\r\nsecond \r\n6\r\nthird\n\r\n0\r\n\r\n")
write("fuzz_http", "response_json", 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n'
      'Content-Length: 18\r\n\r\n{"status":"queued"}')
write("fuzz_http", "smuggle_shape", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")

# ---- JSON: the weather stand-in's answer and Twilio's ----
write("fuzz_json", "forecast", '{"latitude": 59.9, "current": {"temperature_2m": 21.5, "weather_code": 3, '
      '"conditions": "partly cloudy"}, "list": [{"name": "Oslo"}, {"name": "Bergen"}]}')
write("fuzz_json", "escapes", '{"a": "tab\\t quote\\" \\u00e6\\ud83d\\ude00", "b": [1, -2.5e3, true, null]}')
write("fuzz_json", "nested", '{"x": [[0, {"y": "z"}], [1, {"y": "w"}]], "a": {"b": "c"}}')

# ---- DNS / mDNS: a query and an answer as dig and avahi send them ----
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\x00"


q = struct.pack("!6H", 0x1234, 0x0100, 1, 0, 0, 0) + name("dev1.local") + struct.pack("!2H", 1, 0x8001)
write("fuzz_dns", "query_qu", q)
ans = (struct.pack("!6H", 0, 0x8400, 0, 2, 0, 1) + name("dev1.local") + struct.pack("!HHIH", 1, 0x8001, 120, 4)
       + bytes([192, 0, 2, 1]) + b"\xc0\x0c" + struct.pack("!HHIH", 28, 0x8001, 120, 16) + bytes(15) + b"\x01"
       + b"\xc0\x0c" + struct.pack("!HHIH", 47, 0x8001, 120, 8) + b"\xc0\x0c" + b"\x00\x04\x40\x00\x00\x08")
write("fuzz_dns", "answer_a_aaaa_nsec", ans)
srv = (struct.pack("!6H", 0, 0x8400, 0, 3, 0, 0) + name("_http._tcp.local") + struct.pack("!HHIH", 12, 1, 4500, 7)
       + b"\x04dev1\xc0\x0c" + b"\xc0\x28" + struct.pack("!HHIH", 33, 0x8001, 120, 8) + b"\x00\x00\x00\x00\x1f\x90"
       + b"\xc0\x2d" + b"\xc0\x28" + struct.pack("!HHIH", 16, 0x8001, 4500, 6) + b"\x05path=")
write("fuzz_dns", "answer_ptr_srv_txt", srv)

# ---- SNTP: chrony's request and a server's reply; TZ strings ----
req = bytes([0x23]) + bytes(39) + struct.pack("!II", 0xe8d3c0de, 0x80000000)
write("fuzz_sntp", "request", req)
reply = (bytes([0x24, 2, 6, 0xe9]) + struct.pack("!II", 0x100, 0x200) + b"GPS\x00"
         + struct.pack("!8I", 0xe8d3c0d0, 0, 0xe8d3c0de, 0x80000000, 0xe8d3c0df, 1, 0xe8d3c0df, 2))
write("fuzz_sntp", "reply", reply)
write("fuzz_sntp", "kiss_deny", bytes([0xe4, 0, 6, 0xe9]) + bytes(8) + b"DENY" + bytes(32))
write("fuzz_sntp", "tz_europe", "CET-1CEST,M3.5.0,M10.5.0/3")
write("fuzz_sntp", "tz_us", "EST5EDT,M3.2.0/2:00:00,M11.1.0/2:00:00")
write("fuzz_sntp", "tz_quoted", "<+0530>-5:30")

# ---- telnet: what inetutils telnet sends on connect, then a session ----
IAC, DO, WILL, WONT, SB, SE = 255, 253, 251, 252, 250, 240
write("fuzz_telnet", "negotiation", bytes([IAC, DO, 3, IAC, WILL, 24, IAC, WILL, 31, IAC, SB, 31, 0, 80, 0, 24,
                                           IAC, SE, IAC, DO, 1, IAC, WONT, 34]))
write("fuzz_telnet", "session", b"admin\r\npw one\r\nstatus\r\n\x1b[A\r\nhalf typed\x03x\r\0exit\r\n")
write("fuzz_telnet", "editing", b"led o\x7fon\r\nx \"quoted arg\" 'b'\r\n\x1b[D\x1b[Cy\r\n\xff\xff\r\n")

# ---- URLs as the command line and the device take them ----
for i, u in enumerate(["mqtts://dev:devkey@localhost:8883/dev/feeds/y",
                       "http://127.0.0.1:8000/v1/forecast?latitude=59.9&longitude=10.7#frag",
                       "tcp://[::1]:1883", "https://api.example/2010-04-01/Accounts/AC1/Messages.json",
                       "udp://0.0.0.0:5353", "http://u%40x:p%3a@h/%2e%2e/a%2fb?q=%e2%82%ac"]):
    write("fuzz_url", "url%d" % i, u)

# ---- configuration files: a device's and a Mosquitto-style broker's ----
write("fuzz_conf", "device", "# a device\n[device]\nname = kitchen\nconsole_port 2424\nhttp-port=0\n"
      "ntp = 127.0.0.1:1123\nntp = 127.0.0.2\nled = on\n")
write("fuzz_conf", "broker", "listener 1883 127.0.0.1\nallow_anonymous true\npersistence true\n"
      "persistence_location /var/lib/tern/\nlistener 8883\ncertfile s.crt\nkeyfile s.key\n")
for seed_name, text in {
    "listeners": "per_listener_settings true\nlistener 1883 127.0.0.1\nallow_anonymous true\n"
                 "listener 8883\ncertfile s.crt\nkeyfile s.key\ncafile ca.crt\n"
                 "require_certificate true\nuse_identity_as_username true\nacl_file a\n"
                 "listener 8080\nprotocol websockets\nmax_connections -1\nsocket_domain ipv6\n",
    "debian": "pid_file /run/m.pid\npersistence true\npersistence_location /var/lib/m/\n"
              "log_dest file /var/log/m.log\nlog_type all\nconnection_messages false\n",
    "limits": "port 1884\nbind_address ::1\nmax_queued_messages 0\nmax_inflight_messages 20\n"
              "message_size_limit 1000\nmax_packet_size 2000\nmax_keepalive 60\nsys_interval 5\n"
              "autosave_interval 1800\nfsync true\nslow_subscriber_timeout 9\n",
}.items():
    write("fuzz_broker_conf", seed_name, text)
write("fuzz_conf", "odd", "  key   =   spaced value  \r\n;comment\n[bad\nbare\n=novalue\n")

# whole connections, for the HTTP server's state machine through the simulated network
write("fuzz_sim_http", "keepalive", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
write("fuzz_sim_http", "websocket", b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      b"Sec-WebSocket-Version: 13\r\n\r\n" + bytes([0x81, 0x85, 1, 2, 3, 4])
      + bytes(a ^ b for a, b in zip(b"hello", b"\x01\x02\x03\x04\x01"))
      + bytes([0x89, 0x80, 0, 0, 0, 0, 0x88, 0x82, 1, 1, 1, 1, 0x02, 0xe9]))
write("fuzz_sim_http", "slow_and_bad", "GET /hello HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n")

# ---- WebSocket frames: masked from a client, plain from the server ----
write("fuzz_ws", "client_text", bytes([0x81, 0x85, 1, 2, 3, 4]) + bytes(a ^ b for a, b in zip(b"hello", b"\x01\x02\x03\x04\x01")))
write("fuzz_ws", "server_binary_126", bytes([0x82, 126, 0x01, 0x00]) + bytes(256))
write("fuzz_ws", "ping_close", bytes([0x89, 0x80, 0, 0, 0, 0, 0x88, 0x82, 1, 1, 1, 1, 0x02, 0xe9]))
write("fuzz_ws", "len_127", bytes([0x02, 127]) + struct.pack("!Q", 70000))

# whole exchanges for the mDNS responder through the simulated network:
# datagrams, each behind a length byte (probes for our name, answers that
# conflict, a browse)
def dgrams(*ds):
    return b"".join(bytes([len(d)]) + d for d in ds if len(d) < 256)


probe_dev = struct.pack("!6H", 0, 0, 1, 0, 1, 0) + name("dev.local") + struct.pack("!2H", 255, 0x8001) \
    + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 120, 4) + bytes([10, 0, 0, 9])
conflict = struct.pack("!6H", 0, 0x8400, 0, 1, 0, 0) + name("dev.local") + struct.pack("!HHIH", 1, 0x8001, 120, 4) \
    + bytes([10, 0, 0, 9])
browse = struct.pack("!6H", 0, 0, 1, 0, 0, 0) + name("_http._tcp.local") + struct.pack("!2H", 12, 1)
write("fuzz_sim_mdns", "probe_conflict_browse", dgrams(probe_dev, conflict, browse, q))
write("fuzz_sim_mdns", "queries", dgrams(q, browse, q))

# a console session, for the telnet console's state machine through the simulated network
IAC = 255
write("fuzz_sim_console", "login_and_commands",
      bytes([IAC, 253, 1, IAC, 251, 3, IAC, 250, 31, 0, 80, 0, 24, IAC, 240]) + b"admin\r\nsecret\r\n"
      + b"help\r\nuptime\r\nbogus\r\nexit\r\n")
write("fuzz_sim_console", "bad_logins", b"admin\r\nwrong\r\nadmin\r\nwrong\r\nx" + b"\x08" * 5 + b"\r\n\x03\x04")

# the fleet receiver's samples: topic NUL payload
write("fuzz_fleet_sample", "good", b"fleet/x/d12/data\x003,1700000000123456")
write("fuzz_fleet_sample", "bad_topic", b"fleet/x/d12/datax\x003,17")
write("fuzz_fleet_sample", "long_device", b"fleet/x/d99999999999/data\x003,")

# ---- the provisioned configuration area (tern provision's images) ----
def provision(records, version=1):
    body = b""
    for k, v in records:
        body += struct.pack("<HI", len(k), len(v)) + k + b"\0" + v + b"\0"
    import zlib
    return struct.pack("<IHHII", 0x47464354, version, 0, len(body), zlib.crc32(body)) + body


write("fuzz_provision", "good", provision([(b"name", b"fwdev"), (b"cafile", b"-----BEGIN CERT")]))
write("fuzz_provision", "empty_value", provision([(b"broker-user", b"")]))
write("fuzz_provision", "version2", provision([(b"name", b"x")], version=2))
