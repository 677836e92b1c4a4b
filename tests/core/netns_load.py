#!/usr/bin/env python3
"""TCP load for netns_relay.sh: a server and clients that check what they got.

  netns_load.py serve ADDR PORT        answers each connection by its first line:
                                       "bulk N": sends N MiB while reading until EOF, then prints
                                         "server sent <bytes> <sha256> received <bytes> <sha256>";
                                       "echo": echoes until EOF.
  netns_load.py bulk ADDR PORT N       sends N MiB, shuts down its write side (half-close) and reads
                                       until EOF: "client sent <bytes> <sha256> received <bytes> <sha256>"
  netns_load.py short ADDR PORT COUNT PARALLEL
                                       COUNT echo connections (connect, 64 bytes, half-close, read
                                       them back, close): "short ok <n> failed <n>"
  netns_load.py hold ADDR PORT COUNT SECONDS
                                       opens COUNT echo connections at once, holds them SECONDS,
                                       closes them: "hold connected <n> echoed <n>"
  netns_load.py idle ADDR PORT SECONDS one echo, then SECONDS of silence: "idle closed" when the
                                       connection was closed meanwhile, "idle open" otherwise
The payload is slices of a random block at shifting offsets, so lost, repeated or reordered
chunks change the checksum.
"""
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 1 << 20
BLOCK = os.urandom(16 * CHUNK)


def payload(mib):
    view = memoryview(BLOCK)
    for i in range(mib):
        offset = (i * 7919 * 64) % (len(BLOCK) - CHUNK)
        yield view[offset:offset + CHUNK]


def send_stream(sock, mib, result):
    h = hashlib.sha256()
    n = 0
    for chunk in payload(mib):
        sock.sendall(chunk)
        h.update(chunk)
        n += len(chunk)
    sock.shutdown(socket.SHUT_WR)
    result.extend([n, h.hexdigest()])


def receive_stream(sock):
    h = hashlib.sha256()
    n = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        got = sock.recv_into(buf)
        if got == 0:
            return n, h.hexdigest()
        h.update(view[:got])
        n += got


def read_line(sock):
    line = b""
    while not line.endswith(b"\n"):
        b = sock.recv(1)
        if not b:
            break
        line += b
    return line.decode().strip()


def handle(conn):
    try:
        words = read_line(conn).split()
        if words and words[0] == "bulk":
            sent = []
            sender = threading.Thread(target=send_stream, args=(conn, int(words[1]), sent))
            sender.start()
            n, digest = receive_stream(conn)
            sender.join()
            print(f"server sent {sent[0]} {sent[1]} received {n} {digest}", flush=True)
        elif words == ["echo"]:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def serve(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(4096)
    print("ready", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def bulk(addr, port, mib):
    s = socket.create_connection((addr, int(port)), 10)
    s.settimeout(60)
    s.sendall(f"bulk {mib}\n".encode())
    sent = []
    sender = threading.Thread(target=send_stream, args=(s, int(mib), sent))
    sender.start()
    n, digest = receive_stream(s)
    sender.join()
    s.close()
    print(f"client sent {sent[0]} {sent[1]} received {n} {digest}", flush=True)


def echo_once(addr, port, timeout=10):
    s = socket.create_connection((addr, int(port)), timeout)
    data = os.urandom(64)
    s.sendall(b"echo\n" + data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    return got == data


def short(addr, port, count, parallel):
    count, parallel = int(count), int(parallel)
    results = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def worker(n):
        for _ in range(n):
            try:
                ok = echo_once(addr, port)
            except OSError:
                ok = False
            with lock:
                results["ok" if ok else "failed"] += 1

    threads = [threading.Thread(target=worker, args=(count // parallel + (i < count % parallel),))
               for i in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"short ok {results['ok']} failed {results['failed']}", flush=True)


def hold(addr, port, count, seconds):
    socks = []
    for _ in range(int(count)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((addr, int(port)))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        socks.append(s)
    time.sleep(1)
    connected = 0
    for s in socks:
        try:
            s.send(b"echo\nping")
            connected += 1
        except OSError:
            pass
    time.sleep(float(seconds))
    echoed = 0
    for s in socks:
        try:
            if s.recv(16) == b"ping":
                echoed += 1
        except OSError:
            pass
        s.close()
    print(f"hold connected {connected} echoed {echoed}", flush=True)


def idle(addr, port, seconds):
    s = socket.create_connection((addr, int(port)), 10)
    s.sendall(b"echo\nping")
    if s.recv(16) != b"ping":
        print("idle no-echo", flush=True)
        return
    time.sleep(float(seconds))
    s.settimeout(2)
    try:
        closed = s.recv(16) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    print("idle closed" if closed else "idle open", flush=True)


if __name__ == "__main__":
    {"serve": serve, "bulk": bulk, "short": short, "hold": hold, "idle": idle}[sys.argv[1]](*sys.argv[2:])
