#!/usr/bin/env python3
"""Filters `weirctl connections --json` (read on stdin) for Weir's integration tests.

conns.py count [FILTERS]   prints how many rows match every given filter
conns.py show [FILTERS]    prints the matching rows, one per line (for failure messages)
conns.py get KEY [FILTERS] prints KEY of each matching row, one per line ("[value]", so "" shows)
conns.py counts SPEC...    one count per SPEC, on one line; SPEC is "key=value,key=value" with the
                           filter names below (underscores for dashes); an empty SPEC counts every row
Filters: --dest D (exact "ip:port" / "[ip]:port"), --source S (exact), --source-ip IP (address part of
the source), --proto tcp|udp, --mode redirect|tproxy, --state S, --since MS (started_ms >= MS)."""
import argparse
import json
import sys

FILTERS = ("dest", "source", "source_ip", "proto", "mode", "state", "since")


def host_of(endpoint):
    host, _, _ = endpoint.rpartition(":")
    return host.strip("[]")


def matches(r, dest=None, source=None, source_ip=None, proto=None, mode=None, state=None, since=None):
    return ((dest is None or r.get("destination") == dest)
            and (source is None or r.get("source") == source)
            and (source_ip is None or host_of(r.get("source", "")) == source_ip)
            and (proto is None or r.get("protocol") == proto)
            and (mode is None or r.get("mode") == mode)
            and (state is None or r.get("state") == state)
            and (since is None or int(r.get("started_ms", 0)) >= int(since)))


def load():
    rows = json.load(sys.stdin)
    if not isinstance(rows, list):
        raise SystemExit("connections --json is not a list")
    return rows


def main():
    if sys.argv[1:2] == ["counts"]:
        rows = load()
        out = []
        for spec in sys.argv[2:]:
            fields = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
            unknown = set(fields) - set(FILTERS)
            if unknown:
                raise SystemExit("unknown filter(s) %s" % ", ".join(sorted(unknown)))
            out.append(str(sum(1 for r in rows if matches(r, **fields))))
        print(" ".join(out))
        return 0
    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("what", choices=["count", "show", "get"])
    ap.add_argument("key", nargs="?")
    for name in FILTERS:
        ap.add_argument("--" + name.replace("_", "-"), dest=name)
    args = ap.parse_args()
    fields = {k: getattr(args, k) for k in FILTERS}
    hits = [r for r in load() if matches(r, **fields)]
    if args.what == "count":
        print(len(hits))
    elif args.what == "get":
        for r in hits:
            print("[%s]" % r.get(args.key, "(missing)"))
    else:
        for r in hits:
            print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
