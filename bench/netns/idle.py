#!/usr/bin/env python3
"""Idle connections for the memory measurement: a server that holds every connection it accepts, and a
client that opens N of them and keeps them open.

  idle.py hold ADDR PORT        accepts, sends one byte on each connection, keeps it until the peer
                                closes; prints "ready" once listening
  idle.py open ADDR PORT N [S [SRC]]
                                opens N connections from SRC (default: any) (at most 512 connecting at once), waits up to S
                                seconds (default 20) for the server's byte on each, prints
                                "open ok=K failed=F (refused=.. reset=.. closed=.. timeout=..)",
                                then holds them until SIGTERM

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


def open_many(addr, port, count, timeout, source=None):
    sel = selectors.DefaultSelector()
    pending = 0  # connecting or waiting for the server's byte
    started = ok = 0
    failed = {"refused": 0, "reset": 0, "closed": 0, "timeout": 0, "other": 0}
    held = []
    deadline = time.monotonic() + timeout

    def start_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        if source:
            s.bind((source, 0))
        err = s.connect_ex((addr, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return False
        sel.register(s, selectors.EVENT_READ)
        return True

    while (started < count or pending) and time.monotonic() < deadline:
        while started < count and pending < 512:
            started += 1
            if start_one():
                pending += 1
            else:
                failed["other"] += 1
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            try:
                data = s.recv(1)
            except ConnectionRefusedError:
                failed["refused"] += 1
                data = None
            except ConnectionResetError:
                failed["reset"] += 1
                data = None
            except OSError:
                failed["other"] += 1
                data = None
            if data:
                ok += 1
                held.append(s)
                continue
            if data == b"":
                failed["closed"] += 1
            s.close()
    failed["timeout"] += pending + (count - started)
    kinds = " ".join(f"{k}={v}" for k, v in failed.items() if v)
    print(f"open ok={ok} failed={sum(failed.values())}" + (f" ({kinds})" if kinds else ""), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:  # hold them; the caller ends us (exit closes them)
        signal.pause()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "open":
        timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
        source = sys.argv[6] if len(sys.argv) > 6 else None
        open_many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), timeout, source)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
