#!/usr/bin/env python3
"""Filters `weirctl connections --json` (read on stdin) for Weir's integration tests.

conns.py count [--dest D] [--proto P] [--mode M] [--source-ip IP] [--state S]
    prints how many rows match every given field ("source-ip" compares the address without the
    port, for both "ip:port" and "[ip]:port").
conns.py show [same filters]
    prints the matching rows, one per line (for failure messages)."""
import argparse
import json
import sys


def host_of(endpoint):
    host, _, _ = endpoint.rpartition(":")
    return host.strip("[]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["count", "show"])
    ap.add_argument("--dest")
    ap.add_argument("--proto")
    ap.add_argument("--mode")
    ap.add_argument("--source-ip")
    ap.add_argument("--state")
    args = ap.parse_args()
    rows = json.load(sys.stdin)
    if not isinstance(rows, list):
        print("connections --json is not a list", file=sys.stderr)
        return 2
    out = []
    for r in rows:
        if args.dest is not None and r.get("destination") != args.dest:
            continue
        if args.proto is not None and r.get("protocol") != args.proto:
            continue
        if args.mode is not None and r.get("mode") != args.mode:
            continue
        if args.source_ip is not None and host_of(r.get("source", "")) != args.source_ip:
            continue
        if args.state is not None and r.get("state") != args.state:
            continue
        out.append(r)
    if args.what == "count":
        print(len(out))
    else:
        for r in out:
            print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
