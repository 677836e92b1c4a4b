#!/usr/bin/env python3
"""Development stand-in for `weirctl config set|get --json`, calling io.github.weir.Helper1's
SetSettings / GetSettings with gdbus on $DBUS_SYSTEM_BUS_ADDRESS. The integration tests use it only
when WEIR_IT_CTL_FALLBACK=1 (while weirctl config is not built yet); normally weirctl itself is tested.

settings_bus.py set KEY=VALUE...   exit 0, or 1 with the bus error on stderr
settings_bus.py get                prints the settings as a JSON object"""
import json
import re
import subprocess
import sys

KINDS = {
    "mode": "s", "scope": "s", "gateway_interfaces": "as", "gateway_sources": "as", "ip_forward": "b",
    "ipv6": "b", "udp": "b", "bypass": "as", "bypass_private": "b", "ports": "as", "exclude_uids": "au",
    "exclude_gids": "au", "exclude_cgroups": "as", "proxy_port": "q", "outgoing_mark": "u", "fwmark": "u",
    "route_table": "u", "reapply_on_drift": "b",
}
BASE = ["gdbus", "call", "--system", "--dest", "io.github.weir.Helper1", "--object-path",
        "/io/github/weir/Helper1", "--method"]


def gv(kind, text):
    if kind == "s":
        return json.dumps(text)
    if kind == "b":
        return "true" if text.lower() in ("true", "1", "yes", "on") else "false"
    if kind in ("q", "u"):
        return "@%s %d" % (kind, int(text, 0))
    items = [t for t in text.split(",") if t != ""]
    if kind == "as":
        return "@as [%s]" % ", ".join(json.dumps(t) for t in items)
    return "@au [%s]" % ", ".join("%d" % int(t, 0) for t in items)


def main():
    if sys.argv[1:2] == ["set"]:
        parts = []
        for kv in sys.argv[2:]:
            key, _, value = kv.partition("=")
            if key not in KINDS:
                print("unknown key %s" % key, file=sys.stderr)
                return 2
            parts.append("%s: <%s>" % (json.dumps(key), gv(KINDS[key], value)))
        r = subprocess.run(BASE + ["io.github.weir.Helper1.SetSettings", "{%s}" % ", ".join(parts)],
                           capture_output=True, text=True, timeout=60)
        sys.stderr.write(r.stderr)
        return 0 if r.returncode == 0 else 1
    if sys.argv[1:2] == ["get"]:
        r = subprocess.run(BASE + ["io.github.weir.Helper1.GetSettings"], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return 1
        # ({'mode': <'redirect'>, 'exclude_uids': <@au []>, 'proxy_port': <uint16 41080>, ...},)
        out = {}
        for key, value in re.findall(r"'([a-z_]+)': <(.*?)>(?=, '|\},\)$|\})", r.stdout.strip()):
            value = re.sub(r"^@a[su] ", "", value)
            value = re.sub(r"\b(uint16|uint32|uint64|int32) ", "", value)
            value = value.replace("'", '"').replace("true", "True").replace("false", "False")
            try:
                out[key] = eval(value, {"True": True, "False": False})  # noqa: S307 (test tool)
            except Exception:  # noqa: BLE001
                out[key] = value
        print(json.dumps(out))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
