#!/usr/bin/env python3
"""Endpoints for the upstream netns tests.

  upstream_peer.py serve ADDR PORT [ADDR PORT]...   TCP server; per connection one command line:
        "ping"    -> "pong <peer>"  (who connected: the proxy, when one is in the way)
        "down N"  -> N bytes of a rotating random pattern, then the 64-hex SHA-256 of them
        "up N"    -> reads N bytes, answers their 64-hex SHA-256
  upstream_peer.py ping ADDR PORT [TIMEOUT]         prints "ok <answer> <seconds>" or "error <why> <seconds>"
  upstream_peer.py burst ADDR PORT N                 N pings in a row (one interpreter: fast)
  upstream_peer.py down|up ADDR PORT MIB            prints "ok <direction> <MiB> <MiB/s>" when the checksums agree
  upstream_peer.py fakeproxy MODE ADDR PORT         a broken proxy: MODE close (reads the greeting and
        closes), garbage (answers the greeting with an HTTP error page), silent (never answers)
"""
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 1 << 20


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def fmt(sockaddr):
    host, port = sockaddr[0], sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def read_line(conn):
    line = b""
    while not line.endswith(b"\n"):
        b = conn.recv(1)
        if not b:
            raise ConnectionError("eof before the end of the line")
        line += b
        if len(line) > 100:
            raise ValueError("line too long")
    return line.decode().strip()


def recv_exact(conn, n, digest=None):
    left = n
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while left:
        got = conn.recv_into(view, min(left, CHUNK))
        if not got:
            raise ConnectionError(f"eof with {left} bytes missing")
        if digest:
            digest.update(view[:got])
        left -= got


def pattern():
    block = os.urandom(CHUNK)
    i = 0
    while True:  # each MiB differs (rotated), so a lost or repeated MiB changes the checksum
        r = (i * 7919) % CHUNK
        yield block[r:] + block[:r]
        i += 1


def send_pattern(conn, n):
    digest = hashlib.sha256()
    gen = pattern()
    left = n
    while left:
        chunk = next(gen)[: min(left, CHUNK)]
        conn.sendall(chunk)
        digest.update(chunk)
        left -= len(chunk)
    return digest.hexdigest()


def handle(conn, peer):
    with conn:
        try:
            cmd = read_line(conn).split()
            if cmd == ["ping"]:
                conn.sendall(f"pong {fmt(peer)}\n".encode())
            elif len(cmd) == 2 and cmd[0] == "down":
                conn.sendall(send_pattern(conn, int(cmd[1])).encode())
                # Close only after the client did: some proxies (microsocks) drop data that
                # arrives together with the FIN.
                while conn.recv(4096):
                    pass
            elif len(cmd) == 2 and cmd[0] == "up":
                digest = hashlib.sha256()
                recv_exact(conn, int(cmd[1]), digest)
                conn.sendall(digest.hexdigest().encode())
        except (OSError, ValueError) as e:
            print(f"server: {e}", file=sys.stderr)


def serve(pairs):
    socks = []
    for addr, port in pairs:
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(128)
        socks.append(s)
    for s in socks[1:]:
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    accept_loop(socks[0])


def accept_loop(s):
    while True:
        conn, peer = s.accept()
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


def connect(addr, port, timeout):
    return socket.create_connection((addr, int(port)), timeout=timeout)


def ping(addr, port, timeout="5"):
    start = time.monotonic()
    try:
        with connect(addr, port, float(timeout)) as c:
            c.sendall(b"ping\n")
            answer = read_line(c)
        print(f"ok {answer} {time.monotonic() - start:.3f}")
    except (OSError, ValueError) as e:
        why = type(e).__name__ if not str(e) else str(e).replace(" ", "_")
        print(f"error {why} {time.monotonic() - start:.3f}")


def transfer(direction, addr, port, mib):
    n = int(mib) * CHUNK
    start = time.monotonic()
    with connect(addr, port, 60) as c:
        c.sendall(f"{direction} {n}\n".encode())
        if direction == "down":
            digest = hashlib.sha256()
            recv_exact(c, n, digest)
            theirs = b""
            while len(theirs) < 64:
                b = c.recv(64 - len(theirs))
                if not b:
                    break
                theirs += b
            ours = digest.hexdigest()
        else:
            ours = send_pattern(c, n)  # no half-close: microsocks would drop the tail
            theirs = b""
            while len(theirs) < 64:
                b = c.recv(64 - len(theirs))
                if not b:
                    break
                theirs += b
    if theirs.decode() != ours:
        print(f"error checksum {direction}: ours {ours} theirs {theirs!r}")
        sys.exit(1)
    secs = time.monotonic() - start
    print(f"ok {direction} {mib} MiB {int(mib) / secs:.0f} MiB/s")


def fakeproxy(mode, addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(16)
    held = []
    while True:
        conn, _ = s.accept()
        try:
            conn.recv(512)  # the greeting or the request
            if mode == "garbage":
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                time.sleep(0.2)
            elif mode == "silent":
                held.append(conn)  # keep it open, say nothing
                continue
        except OSError:
            pass
        conn.close()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(list(zip(args[0::2], args[1::2])))
    elif cmd == "ping":
        ping(*args)
    elif cmd == "burst":  # burst ADDR PORT N: N pings one after the other, one line each
        for _ in range(int(args[2])):
            ping(args[0], args[1])
    elif cmd in ("down", "up"):
        transfer(cmd, *args)
    elif cmd == "fakeproxy":
        fakeproxy(*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
