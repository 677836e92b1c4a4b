#!/usr/bin/env python3
"""UDP client for Weir's integration tests.

udp_client.py HOST PORT [--payload TEXT] [--timeout S] [--tries N] [--sport PORT] [--linger S]
Sends PAYLOAD to HOST:PORT from an unconnected socket (so a reply from any address is received and
its source can be checked) and prints one line: "<reply source addr> <reply source port> <reply>".
--linger keeps the socket open that long after the reply (so the helper can find its program).
Exit 0 on a reply whose payload ends with PAYLOAD, 1 when no reply came within the timeout (each try
resends), 2 on a reply that does not carry the payload."""
import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--payload", default="weir-udp-probe")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--tries", type=int, default=3)
    ap.add_argument("--sport", type=int, default=0, help="source port (0: any)")
    ap.add_argument("--linger", type=float, default=0.0)
    args = ap.parse_args()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    if args.sport:
        s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", args.sport))
    s.settimeout(args.timeout)
    for _ in range(max(1, args.tries)):
        s.sendto(args.payload.encode(), (args.host, args.port))
        try:
            data, source = s.recvfrom(65535)
        except socket.timeout:
            continue
        text = data.decode(errors="replace")
        print("%s %d %s" % (source[0], source[1], text))
        sys.stdout.flush()
        time.sleep(args.linger)
        return 0 if text.endswith(args.payload) else 2
    print("no reply from %s:%d within %d x %.1f s" % (args.host, args.port, args.tries, args.timeout),
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
