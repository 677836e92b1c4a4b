#!/usr/bin/env python3
"""Filters `weirctl connections --json` (read on stdin) for Weir's integration tests.

conns.py count [--dest D] [--proto P] [--mode M] [--source-ip IP] [--state S]
    prints how many rows match every given field ("source-ip" compares the address without the
    port, for both "ip:port" and "[ip]:port").
conns.py show [same filters]
    prints the matching rows, one per line (for failure messages).
conns.py counts SPEC...
    one count per SPEC, on one line; SPEC is "key=value,key=value" with keys dest, proto, mode,
    source_ip, state (an empty SPEC counts every row)."""
import argparse
import json
import sys


def host_of(endpoint):
    host, _, _ = endpoint.rpartition(":")
    return host.strip("[]")


def matches(r, dest=None, proto=None, mode=None, source_ip=None, state=None):
    return ((dest is None or r.get("destination") == dest)
            and (proto is None or r.get("protocol") == proto)
            and (mode is None or r.get("mode") == mode)
            and (source_ip is None or host_of(r.get("source", "")) == source_ip)
            and (state is None or r.get("state") == state))


def counts(rows, specs):
    out = []
    for spec in specs:
        fields = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
        out.append(str(sum(1 for r in rows if matches(r, **fields))))
    print(" ".join(out))
    return 0


def main():
    if sys.argv[1:2] == ["counts"]:
        rows = json.load(sys.stdin)
        return counts(rows, sys.argv[2:])
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
