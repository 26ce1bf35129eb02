#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# ws-client.py -- a minimal WebSocket client (RFC 6455, standard library
# only) for the systemd test: it logs in to homectl-api's /ws, touches
# READY_FILE once it has its snapshot, then waits for a change of DEVICE
# whose property PROP equals VALUE and prints that change as JSON.
#
#   ws-client.py HOST PORT TOKEN READY_FILE DEVICE PROP VALUE
import base64
import json
import os
import socket
import struct
import sys


def send_frame(sock, opcode, payload):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(head + mask + body)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed by the server")
        buf += chunk
    return buf


def read_message(sock):
    """Returns (opcode, payload) of the next whole message."""
    data, first_op = b"", None
    while True:
        b0, b1 = read_exact(sock, 2)
        op, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", read_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", read_exact(sock, 8))[0]
        mask = read_exact(sock, 4) if b1 & 0x80 else None
        payload = read_exact(sock, n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if op == 0x9:  # ping: answer, keep reading
            send_frame(sock, 0xA, payload)
            continue
        if op >= 0x8:
            if op == 0x8:
                return op, payload
            continue
        if first_op is None:
            first_op = op
        data += payload
        if b0 & 0x80:
            return first_op, data


def main():
    host, port, token, ready, device, prop, value = sys.argv[1:8]
    want = json.loads(value)
    sock = socket.create_connection((host, int(port)), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += read_exact(sock, 1)
    status = head.split(b"\r\n", 1)[0].decode()
    if " 101 " not in status + " ":
        sys.exit(f"ws-client: upgrade refused: {status}")
    send_frame(sock, 0x1, json.dumps({"type": "hello", "token": token}).encode())
    while True:
        op, payload = read_message(sock)
        if op == 0x8:
            sys.exit(f"ws-client: closed by the server: {payload!r}")
        msg = json.loads(payload)
        if msg.get("type") == "snapshot":
            open(ready, "w").write(str(msg.get("seq")) + "\n")
        elif msg.get("type") == "changes":
            for ch in msg.get("changes", []):
                dev = ch.get("device") or {}
                if dev.get("id") == device and \
                        (dev.get("properties") or {}).get(prop) == want:
                    print(json.dumps(ch))
                    return
        elif msg.get("type") == "error":
            sys.exit(f"ws-client: error from the server: {msg}")


if __name__ == "__main__":
    main()
