"""Login rate limiting of tern console, with a raw telnet client.
Usage: telnet_login.py PORT USER PASSWORD"""
import socket
import sys
import time

from tcheck import check, done

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class T:
    def __init__(self, src="127.0.0.1"):
        self.s = socket.socket()
        self.s.bind((src, 0))
        self.s.settimeout(40)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def until(self, token):
        """Read until token appears (IAC negotiation bytes are skipped); None on close."""
        while token not in self.buf:
            try:
                d = self.s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                return None
            if not d:
                return None
            # drop IAC x y triples; we answer nothing (a minimal client)
            out, i = b"", 0
            while i < len(d):
                if d[i] == 255 and i + 2 < len(d):
                    i += 3
                else:
                    out += d[i:i + 1]
                    i += 1
            self.buf += out
        head, _, self.buf = self.buf.partition(token)
        return head

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")


t = T()
check("login prompt", t.until(b"login: ") is not None)
t.send(user); t.until(b"Password: "); t.send("wrong-1")
start = time.time()
check("first failure: Login incorrect", t.until(b"Login incorrect") is not None)
t.until(b"login: ")
d1 = time.time() - start
check("first failure: next prompt after about 1 s (%.2f s)" % d1, 0.8 <= d1 <= 2.0)
t.send(user); t.until(b"Password: "); t.send("wrong-2")
start = time.time()
t.until(b"Login incorrect"); t.until(b"login: ")
d2 = time.time() - start
check("second failure: the delay doubles (%.2f s)" % d2, 1.8 <= d2 <= 3.5)
t.send(user); t.until(b"Password: "); t.send("wrong-3")
t.until(b"Login incorrect")
check("third failure: the connection is closed", t.until(b"login: ") is None)
# seven more failures from this address, one per connection: ten in all
for i in range(7):
    c = T()
    c.until(b"login: "); c.send(user); c.until(b"Password: "); c.send("wrong-x")
    c.until(b"Login incorrect")
    c.s.close()
locked = T()
check("ten failures within ten minutes: the address is refused", locked.until(b"try again later") is not None)
other = T("127.0.0.2")
other.until(b"login: "); other.send(user); other.until(b"Password: "); other.send(password)
check("another address still logs in", other.until(b"> ") is not None)
other.send("exit")
check("logout", other.until(b"bye") is not None)
done("telnet_login")
