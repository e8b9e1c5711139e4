"""Local stand-ins for the web APIs the device calls: a weather API (JSON),
Twilio's Messages endpoint (form POST, Basic auth, 201), an IFTTT-style
webhook, a redirect chain, a chunked body, a server too slow to answer;
and for comparing clients: /headers (the request's headers as JSON), /form
(a multipart body's fields as JSON), /flaky/KEY/N (503 N times, then 200),
/reset (a TCP reset), /empty (closed without an answer), /cut (a body cut
short), /method (the method and body), /cert (the client certificate's CN).
Usage: http_standin.py PORT [CERT KEY] (STANDIN_ADDR: the address, 127.0.0.1)"""
import base64
import email.parser
import email.policy
import json
import os
import socket
import ssl
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


flaky = {}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        self.do_POST()

    def do_DELETE(self):
        self.do_POST()

    def do_PATCH(self):
        self.do_POST()

    def compare_routes(self, u, body):
        """The routes shared by GET and POST; True when one answered."""
        if u.path == "/headers":
            h = {k.lower(): v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            self.send(200, json.dumps(h, sort_keys=True) + "\n")
        elif u.path == "/method":
            self.send(200, "%s %s\n" % (self.command, body), "text/plain")
        elif u.path.startswith("/flaky/"):
            _, _, key, n = u.path.split("/")
            key += "/" + self.headers.get("User-Agent", "").split("/")[0]  # curl's apart from tern's
            flaky[key] = flaky.get(key, 0) + 1
            if flaky[key] <= int(n):
                self.send(503, "busy %d\n" % flaky[key], "text/plain")
            else:
                self.send(200, "ok after %d\n" % flaky[key], "text/plain")
        elif u.path == "/hits":
            self.send(200, "%d\n" % flaky.get(parse_qs(u.query)["key"][0].replace(" ", "/"), 0),
                      "text/plain")
        elif u.path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif u.path == "/empty":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif u.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten..")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif u.path == "/cert":
            cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            cn = [v for rdn in (cert or {}).get("subject", ()) for k, v in rdn if k == "commonName"]
            self.send(200, "cn=%s\n" % (cn[0] if cn else "none"), "text/plain")
        else:
            return False
        return True

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
        if self.compare_routes(u, ""):
            return
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
        raw = self.rfile.read(length)
        body = raw.decode(errors="replace")
        if self.compare_routes(u, body):
            return
        if u.path == "/form":
            ctype = self.headers.get("Content-Type", "")
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            fields = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields[name] = {"filename": part.get_filename(), "type": part.get_content_type(),
                                "value": part.get_payload(decode=True).decode(errors="replace")}
            self.send(200, json.dumps(fields, sort_keys=True) + "\n")
            return
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
    if os.environ.get("STANDIN_CLIENT_CA"):  # ask for a client certificate, optional
        ctx.load_verify_locations(os.environ["STANDIN_CLIENT_CA"])
        ctx.verify_mode = ssl.CERT_OPTIONAL
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
