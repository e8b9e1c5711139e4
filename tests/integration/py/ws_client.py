"""WebSocket checks against tern's server with python3-websockets (a real
RFC 6455 client) and raw frames. Usage: ws_client.py PORT"""
import asyncio
import socket
import sys

import websockets

port = int(sys.argv[1])
from tcheck import check, done


async def main():
    async with websockets.connect("ws://127.0.0.1:%d/ws" % port, max_size=2 ** 21) as ws:
        await ws.send("héllo")
        check("text echo (UTF-8)", await ws.recv() == "héllo")
        await ws.send(b"\x00\x01\x02" * 1000)
        check("binary echo", await ws.recv() == b"\x00\x01\x02" * 1000)
        big = "x" * 300000
        await ws.send(big)
        check("300 KB message (larger than one read)", await ws.recv() == big)
        await ws.send(iter(["frag", "mented"]))
        check("fragmented message reassembled", await ws.recv() == "fragmented")
        pong = await ws.ping(b"p")
        await asyncio.wait_for(pong, 5)
        check("ping answered with pong", True)
        await ws.close(code=1000)
        check("clean close", ws.close_code == 1000)


asyncio.run(main())


def raw(frames):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1000)
    s.sendall(frames)
    out = head.split(b"\r\n\r\n", 1)[1]
    try:
        while True:
            d = s.recv(1000)
            if not d:
                break
            out += d
    except socket.timeout:
        pass
    return head, out


head, out = raw(b"\x81\x05hello")  # unmasked client frame: a protocol error
check("handshake: Sec-WebSocket-Accept per RFC 6455", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head)
check("unmasked client frame: close 1002", out[:4] == b"\x88\x02\x03\xea")
_, out = raw(b"\x81\x83abcd" + bytes(a ^ b for a, b in zip(b"\xff\xfe\xfd", b"abc")))
check("invalid UTF-8 text: close 1007", out[:4] == b"\x88\x02\x03\xef")
done("ws")
