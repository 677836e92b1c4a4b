#!/usr/bin/env python3
"""Idle connections for the memory measurement: a server that holds every connection it accepts, and a
client that opens N of them and keeps them open.

  idle.py hold ADDR PORT        accepts, sends one byte on each connection, keeps it until the peer
                                closes; prints "ready" once listening
  idle.py open ADDR PORT N [S]  opens N connections (at most 256 connecting at once), waits up to S
                                seconds (default 60) for the server's byte on each, prints
                                "open ok=K failed=F", then holds them until SIGTERM

The server's byte is what proves a connection reached the server through the proxy: a proxy accepts
the client's side before it has connected onwards.
"""
import errno
import selectors
import signal
import socket
import sys
import time


def hold(addr, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, port))
    listener.listen(4096)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is listener:
                while True:
                    try:
                        conn, _ = listener.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    try:
                        conn.send(b"x")
                    except OSError:
                        conn.close()
                        continue
                    sel.register(conn, selectors.EVENT_READ)
            else:
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(sock)
                    sock.close()


def open_many(addr, port, count, timeout):
    sel = selectors.DefaultSelector()
    pending = 0  # connecting or waiting for the server's byte
    started = ok = failed = 0
    held = []
    deadline = time.monotonic() + timeout

    def start_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((addr, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return False
        sel.register(s, selectors.EVENT_READ)
        return True

    while (started < count or pending) and time.monotonic() < deadline:
        while started < count and pending < 256:
            started += 1
            if start_one():
                pending += 1
            else:
                failed += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            try:
                data = s.recv(1)
            except OSError:
                data = b""
            if data:
                ok += 1
                held.append(s)
            else:
                failed += 1
                s.close()
    failed += pending + (count - started)
    print(f"open ok={ok} failed={failed}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:  # hold them; the caller ends us (exit closes them)
        signal.pause()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "open":
        timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
        open_many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), timeout)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
