"""A raw telnet client for tern's console, shared by the Python test scripts
(and bench/https_console_rate.py): read until a token, send a line, log in.
tern's console sends no telnet negotiation a line-mode client must answer."""
import socket


class Console:
    def __init__(self, host, port, timeout=60):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def until(self, tok):
        """What arrives before tok (consumed with it); all that came if the console closes."""
        while tok not in self.buf:
            d = self.s.recv(65536)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(tok)
        return head

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def login(self, user, password, prompt=b"> "):
        self.until(b"login: ")
        self.send(user)
        self.until(b"Password: ")
        self.send(password)
        return self.until(prompt)
