#!/usr/bin/env python3
"""A D-Bus client of Weir's live connection feed, for the integration tests (python3-gi, Gio).

feed_client.py [--subscribe] [--get]
  Listens for io.github.weir.Helper1.ConnectionsChanged from the helper (a match rule, so a broadcast
  would reach it too), optionally calls Subscribe (twice) and then GetConnections, and prints one JSON
  object per line until SIGTERM/SIGINT:
    {"event": "ready", "name": UNIQUE_NAME}
    {"event": "error", "call": METHOD, "name": D-Bus error name}
    {"event": "snapshot", "seq": N, "ids": [...]}                    (GetConnections)
    {"event": "changed", "seq": N, "added": [rows], "updated": [partial rows], "removed": [ids]}
The system bus is the one in DBUS_SYSTEM_BUS_ADDRESS."""
import argparse
import json
import signal
import sys

from gi.repository import Gio, GLib

NAME = "io.github.weir.Helper1"
PATH = "/io/github/weir/Helper1"


def say(**event):
    print(json.dumps(event, sort_keys=True), flush=True)


def call(bus, method):
    try:
        return bus.call_sync(NAME, PATH, NAME, method, None, None, Gio.DBusCallFlags.NONE, 10000, None)
    except GLib.Error as e:
        say(event="error", call=method, name=Gio.DBusError.get_remote_error(e) or str(e))
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribe", action="store_true")
    ap.add_argument("--get", action="store_true")
    args = ap.parse_args()
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    loop = GLib.MainLoop()

    def on_changed(_conn, _sender, _path, _iface, _member, params):
        seq, added, updated, removed = params.unpack()
        say(event="changed", seq=seq, added=added, updated=updated, removed=removed)

    bus.signal_subscribe(NAME, NAME, "ConnectionsChanged", PATH, None, Gio.DBusSignalFlags.NONE, on_changed)
    say(event="ready", name=bus.get_unique_name())
    # Twice: Subscribe is idempotent, the helper must count this client once.
    if args.subscribe and call(bus, "Subscribe") is not None and call(bus, "Subscribe") is not None and args.get:
        reply = call(bus, "GetConnections")
        if reply is not None:
            seq, rows = reply.unpack()
            say(event="snapshot", seq=seq, ids=[r["id"] for r in rows])
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
