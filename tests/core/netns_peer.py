#!/usr/bin/env python3
"""Tiny TCP/UDP endpoints for netns_tproxy.sh.

  netns_peer.py serve ADDR PORT...        TCP and UDP on every (ADDR, PORT); answers
                                          "tcp|udp <address it was reached on> <peer>"
  netns_peer.py client OP...              runs each OP = tcp|udp|udp2,ADDR,PORT[,SRC] and prints one line
                                          per OP: "ok <answer>" or "error <reason>". tcp connects,
                                          sends a line and reads the answer; udp sends one datagram
                                          and prints "<answer> from <sender>"; udp2 does that twice
                                          on one socket (one flow) and prints the last. With SRC (bound
                                          first) the timeout is 1 s, else 5 s.
One process runs many operations: interpreter start-up is the slow part on a loaded machine.
"""
import selectors
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def fmt(sockaddr):
    host, port = sockaddr[0], sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve(pairs):
    sel = selectors.DefaultSelector()
    for addr, port in pairs:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(family(addr), kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, int(port)))
            if kind == socket.SOCK_STREAM:
                s.listen(16)
            sel.register(s, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s.type == socket.SOCK_STREAM:
                c, peer = s.accept()
                c.settimeout(5)
                try:
                    c.recv(1024)
                    c.sendall(f"tcp {fmt(c.getsockname())} {fmt(peer)}\n".encode())
                except OSError:
                    pass
                c.close()
            else:
                data, peer = s.recvfrom(65536)
                s.sendto(f"udp {fmt(s.getsockname())} {fmt(peer)} {len(data)}".encode(), peer)


def client(kind, addr, port, src=None):
    s = socket.socket(family(addr), socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    s.settimeout(1 if src else 5)
    try:
        if src:
            s.bind((src, 0))
        if kind == "tcp":
            s.connect((addr, int(port)))
            s.sendall(b"hello\n")
            answer = s.recv(1024).decode().strip()
            if not answer:
                raise OSError("closed without an answer")
            return f"ok {answer}"
        for _ in range(2 if kind == "udp2" else 1):
            s.sendto(b"hello", (addr, int(port)))
            data, sender = s.recvfrom(65536)
        return f"ok {data.decode()} from {fmt(sender)}"
    except OSError as e:
        return f"error {e}"
    finally:
        s.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        args = sys.argv[2:]
        serve(list(zip(args[0::2], args[1::2])))
    elif sys.argv[1] == "client":
        for op in sys.argv[2:]:
            print(client(*op.split(",")), flush=True)
