"""Local stand-ins for the web APIs the device calls: a weather API (JSON),
Twilio's Messages endpoint (form POST, Basic auth, 201), an IFTTT-style
webhook, a redirect chain, a chunked body, a server too slow to answer.
Usage: http_standin.py PORT [CERT KEY] (STANDIN_ADDR: the address, 127.0.0.1)"""
import base64
import json
import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/v1/forecast":
            q = parse_qs(u.query)
            self.send(200, json.dumps({"latitude": float(q.get("latitude", ["59.9"])[0]),
                                       "current": {"temperature_2m": 21.5, "weather_code": 3,
                                                   "conditions": "partly cloudy"},
                                       "list": [{"name": "Oslo"}, {"name": "Bergen"}]}, indent=2))
        elif u.path.startswith("/redirect/"):
            n = int(u.path.rsplit("/", 1)[1])
            if n == 0:
                self.send(200, "arrived\n", "text/plain")
            else:
                self.send(302, "", "text/plain", {"Location": "/redirect/%d" % (n - 1)})
        elif u.path == "/cross":
            self.send(302, "", "text/plain", {"Location": parse_qs(u.query)["to"][0]})
        elif u.path == "/big":
            n = int(parse_qs(u.query).get("n", ["1000"])[0])
            self.send(200, "".join("line %06d\n" % i for i in range(n)), "text/plain")
        elif u.path == "/port":
            self.send(200, "%d" % self.client_address[1], "text/plain")
        elif u.path == "/whoami":
            self.send(200, "auth=%s\n" % ("yes" if self.headers.get("Authorization") else "no"), "text/plain")
        elif u.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first ", b"second ", b"third\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif u.path == "/slow":  # ?s=SECONDS, 5 by default
            time.sleep(float(parse_qs(u.query).get("s", ["5"])[0]))
            self.send(200, "late\n", "text/plain")
        elif u.path.startswith("/status/"):
            code = int(u.path.rsplit("/", 1)[1])
            self.send(code, "status %d\n" % code, "text/plain")
        else:
            self.send(404, "not here\n", "text/plain")

    def do_POST(self):
        u = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if u.path.startswith("/2010-04-01/Accounts/") and u.path.endswith("/Messages.json"):
            sid = u.path.split("/")[3]
            auth = self.headers.get("Authorization", "")
            want = "Basic " + base64.b64encode(("%s:secret-token" % sid).encode()).decode()
            if auth != want:
                self.send(401, json.dumps({"code": 20003, "message": "Authenticate"}))
                return
            f = parse_qs(body)
            self.send(201, json.dumps({"sid": "SM123", "status": "queued", "to": f["To"][0],
                                       "from": f["From"][0], "body": f["Body"][0]}))
        elif u.path.startswith("/trigger/"):
            self.send(200, "Congratulations! You've fired the %s event" % u.path.split("/")[2], "text/plain")
        elif u.path == "/echo":
            self.send(200, body, self.headers.get("Content-Type", "text/plain"))
        else:
            self.send(404, "not here\n", "text/plain")


srv = ThreadingHTTPServer((os.environ.get("STANDIN_ADDR", "127.0.0.1"), int(sys.argv[1])), H)
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
