#!/usr/bin/env python3
"""UDP echo server for Weir's integration tests.

Binds one socket per ADDR:PORT given ("203.0.113.2:9999", "[2001:db8:2::2]:9999") and answers every
datagram with "reached <local addr> <local port> from <peer addr> <peer port> <payload>", so a client
can tell which address and port the datagram really arrived at and where the server saw it come from.
Runs until killed (or --max-seconds, a safety bound)."""
import argparse
import selectors
import socket
import sys
import time


def parse(endpoint):
    host, _, port = endpoint.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return family, host, int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoints", nargs="+")
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    log = open(args.log, "a", buffering=1) if args.log else sys.stderr
    sel = selectors.DefaultSelector()
    for endpoint in args.endpoints:
        family, host, port = parse(endpoint)
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
        sel.register(s, selectors.EVENT_READ)
    print("ready", flush=True)
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            data, peer = s.recvfrom(65535)
            local = s.getsockname()
            reply = "reached %s %d from %s %d " % (local[0], local[1], peer[0], peer[1])
            s.sendto(reply.encode() + data, peer)
            print(reply + data.decode(errors="replace"), file=log)


if __name__ == "__main__":
    main()
