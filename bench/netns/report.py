#!/usr/bin/env python3
"""Writes the Markdown report of bench/netns/run.sh from its facts and raw results.

  report.py META RESULTS [WORKDIR] > REPORT.md

META has key=value lines (machine, command, run settings). RESULTS has "ROW KEY VALUE" lines in row
order, as measure.sh records them. Only arithmetic happens here; every figure comes from RESULTS.
WORKDIR, when given, holds the peers' configuration files (config-ROW) and the gateway's rules as
installed (rules-ROW), which the report appends.
"""
import os
import sys

# The targets for the direct upstream, as shares of plain routing or absolute limits.
TARGET_SINGLE = 0.85
TARGET_KEEPALIVE = 0.85
TARGET_NEWCONN = 0.70
TARGET_CPU_PER_CONN_US = 50.0
TARGET_CPU_PER_GB = 0.3
TARGET_UDP_DELIVERED = 0.95
TARGET_RSS_REST_MIB = 8.0
TARGET_RSS_10K_MIB = 64.0
UDP_OFFERED_BPS = 1e9

WEIR_DIRECT = ("weir-redirect", "weir-tproxy")
WEIR_UPSTREAM = ("weir-socks5",)

# What each row is and what bounds it by construction; the measured CPU shares follow in the notes.
ROW_NATURE = {
    "route": "Forwarding in the gateway's kernel with no netfilter table in its namespace: the limit. "
    "Two veth hops; iperf3/wrk, nginx and the softirq work of every hop share the machine's cores.",
    "nat": "MASQUERADE in the gateway: conntrack and NAT on every packet, a conntrack entry per connection, "
    "no extra socket, no copy.",
    "weir-redirect": "Weir's core (weir-core-testdriver) behind nat PREROUTING REDIRECT: every connection is "
    "two TCP connections, and every byte goes through the relay.",
    "weir-tproxy": "Weir's core behind mangle PREROUTING TPROXY (mark, policy route to lo): the same relay, "
    "no NAT of the client's connection; UDP flows are relayed too.",
    "weir-socks5": "Weir's core with a SOCKS5 upstream (dante in the upstream namespace): "
    "one more TCP connection and one more relay (dante's) per connection; dante's CPU is not counted. "
    "Dante serves connections from a pool of processes it grows slowly, so of the idle connections fewer "
    "may be open within the 20 s bound (counted as timeouts).",
    "weir-http": "Weir's core with an HTTP CONNECT upstream (tinyproxy): as for SOCKS5, with tinyproxy "
    "as the second relay; tinyproxy relays in small chunks and bounds this row's throughput (no target: "
    "shown for the upstream's cost).",
    "haproxy": "HAProxy in TCP mode, REDIRECT, server 0.0.0.0 (the original destination): one thread per "
    "core, 16 KiB buffers and no splicing (its defaults).",
    "v2ray-redirect": "v2ray dokodemo-door with followRedirect and the freedom outbound: Go, copies through "
    "user-space buffers, goroutines per connection.",
    "v2ray-tproxy": "The same v2ray with TPROXY for TCP and UDP (sockopt tproxy).",
    "redsocks": "redsocks (one libevent thread) to dante over SOCKS5: copies through user space, and "
    "dante's own relay per connection; dante's CPU is not counted. Idle connections: as for Weir's SOCKS5 "
    "row, dante is slow to open many.",
}


def load_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    return meta


def load_results(path):
    rows, order = {}, []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) < 2:
                continue
            row, key, value = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
            if row not in rows:
                rows[row] = {"errors": []}
                order.append(row)
            if key == "error":
                rows[row]["errors"].append(value)
            else:
                rows[row][key] = value
    return rows, order


def num(r, key):
    try:
        v = float(r.get(key, ""))
    except ValueError:
        return None
    return v


def fmt(v, digits=2):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def pct(v):
    return "–" if v is None else f"{v * 100:.0f} %"


class Row:
    def __init__(self, name, r, clk_tck, duration):
        self.name, self.r = name, r
        self.ok = r.get("status") == "ok"
        self.has_proxy = "rest_rss_kib" in r
        g = lambda k: num(r, k)
        self.tcp1 = g("tcp1_bps") and g("tcp1_bps") / 1e9
        self.tcp8 = g("tcp8_bps") and g("tcp8_bps") / 1e9
        self.udp = g("udp_bps")
        self.udp_sent = g("udp_sent_bps")
        self.udp_loss = g("udp_lost_pct")
        self.ka = g("ka_rps")
        self.close = g("close_rps")
        self.cpu_per_gb = self.cpu_per_conn_us = self.cpu_tcp1 = None
        if self.has_proxy:
            ticks = sum(g(k) or 0 for k in ("tcp1_ticks", "tcp8_ticks"))
            gbytes = sum(g(k) or 0 for k in ("tcp1_bytes", "tcp8_bytes")) / 1e9
            if gbytes > 0:
                self.cpu_per_gb = ticks / clk_tck / gbytes
            if g("close_requests"):
                self.cpu_per_conn_us = (g("close_ticks") or 0) / clk_tck * 1e6 / g("close_requests")
            if g("tcp1_ticks") is not None:
                self.cpu_tcp1 = g("tcp1_ticks") / clk_tck / duration
        self.busy_tcp1 = g("tcp1_busy")
        mib = lambda k: g(k) and g(k) / 1024
        self.rss_rest, self.rss_peak, self.rss_idle = mib("rest_rss_kib"), mib("peak_hwm_kib"), mib("idle_rss_kib")
        self.idle_ok, self.idle_failed = g("idle_ok"), g("idle_failed")

    def latency(self, key):
        p50, p99 = num(self.r, f"{key}_p50_ms"), num(self.r, f"{key}_p99_ms")
        return "–" if p50 is None else f"{fmt(p50)} / {fmt(p99)}"

    def rss_10k(self):
        """RSS with 10,000 idle connections: measured, or scaled linearly from fewer (marked)."""
        if self.rss_idle is None or not self.idle_ok:
            return None, False
        if self.idle_ok >= 10000:
            return self.rss_idle, False
        return self.rss_rest + (self.rss_idle - self.rss_rest) * 10000 / self.idle_ok, True


def ratio(v, base):
    return None if v is None or not base else v / base


def target_line(what, value, target, higher_better, unit, shown=None):
    """A row of the targets table: the measured value, the target and met / missed by how much."""
    if value is None:
        return f"| {what} | – | {target_text(target, higher_better, unit)} | not measured |"
    if unit == "%":
        shown = shown or f"{value * 100:.0f} %"
        met = value >= target if higher_better else value <= target
        verdict = "met" if met else f"missed by {abs(target - value) * 100:.0f} points"
    else:
        shown = shown or f"{fmt(value)} {unit}"
        met = value >= target if higher_better else value <= target
        verdict = "met" if met else f"missed by {fmt(abs(value - target))} {unit} ({value / target:.1f}× the limit)"
    return f"| {what} | {shown} | {target_text(target, higher_better, unit)} | {'**met**' if met else verdict} |"


def target_text(target, higher_better, unit):
    sign = "≥" if higher_better else "≤"
    return f"{sign} {target * 100:.0f} %" if unit == "%" else f"{sign} {fmt(target)} {unit}"


def appendix(workdir, order, results, w):
    """The rules as the gateway held them (one REDIRECT row, one TPROXY row) and the peers' configurations."""
    def block(title, path):
        with open(path) as f:
            text = f.read().rstrip()
        w(f"### {title}")
        w("")
        w("```")
        w(text)
        w("```")
        w("")

    w("## Rules and configurations")
    w("")
    for kind in ("REDIRECT", "TPROXY"):
        for n in order:
            path = os.path.join(workdir, f"rules-{n}")
            if os.path.exists(path) and f"-j {kind}" in open(path).read():
                block(f"Gateway rules of the {kind} rows, as installed for {n} (iptables-legacy-save; ip rule)", path)
                break
    upstreams = {"upstream-dante": "dante (the SOCKS5 upstream)", "upstream-tinyproxy": "tinyproxy (the HTTP upstream)"}
    for n in order + list(upstreams):
        path = os.path.join(workdir, f"config-{n}")
        if os.path.exists(path):
            block(upstreams.get(n) or results.get(n, {}).get("label", n), path)


def main():
    meta = load_meta(sys.argv[1])
    results, order = load_results(sys.argv[2])
    clk_tck = float(meta.get("clk_tck", 100))
    duration = float(meta.get("duration", 5))
    rows = {n: Row(n, results[n], clk_tck, duration) for n in order}
    base = rows.get("route")
    idle_n = int(meta.get("idle_conns", "0"))
    out = []
    w = out.append

    w("# Weir next to its peers on the whole path: client → gateway → server")
    w("")
    w(f"Generated by `{meta.get('command')}` on {meta.get('date')}, {meta.get('elapsed')} s of measurements.")
    w("")
    w("| machine | |")
    w("|---|---|")
    w(f"| host | {meta.get('host')} ({meta.get('virt')}), kernel {meta.get('kernel')} |")
    w(f"| CPU | {meta.get('cpu')}, {meta.get('cores')} cores |")
    w(f"| load | average {meta.get('load_before')} before, {meta.get('load_after')} after (1/5/15 min); "
      f"{float(meta.get('busy_before', 0)) * 100:.0f} % of the CPUs busy in the 2 s before the run |")
    w(f"| Weir | `{meta.get('driver', 'weir-core-testdriver')}`; repository at {meta.get('commit')}; "
      f"the driver's options: {meta.get('driver_flags', '').strip()} |")
    w(f"| peers | {meta.get('versions')} |")
    w("")
    if meta.get("note"):
        w(f"> {meta['note']}")
        w("")
    # Judged by the CPUs' busy time just before the run, not by the load average, which still counts
    # a build that finished a minute ago.
    busy = float(meta.get("busy_before", 0))
    if busy > 0.2:
        w(f"> **Taken on a loaded machine.** Other work kept {busy * 100:.0f} % of the CPUs busy before the run "
          f"({meta.get('cores')} cores). Every figure below is depressed and noisy by "
          "an unknown, changing amount; ratios within this run are the least bad reading, and none of it is a "
          "verdict on the targets. Re-run on a quiet machine.")
        w("")

    w("## How it was measured")
    w("")
    w("- Namespaces `client` (10.9.0.2) → `gateway` → `server` (203.0.113.5: nginx, iperf3 -s, an idle-connection "
      "holder), plus `upstream` (198.18.0.2: dante on :1080, tinyproxy on :8888) behind the gateway; veth links. "
      "The gateway namespace is rebuilt for every row, so no row inherits another's conntrack or rules.")
    w("- Proxies run in the gateway and intercept forwarded traffic from the client (scope gateway) with the "
      "rules Weir's planner installs (REDIRECT in nat PREROUTING, or TPROXY in mangle PREROUTING with fwmark "
      "0x10 routed to lo), applied with iptables-legacy. Every row is checked before it is measured: nginx "
      "answers with the source address it saw, which must be the row's (client, gateway or upstream), and the "
      "row's interception rule must have counted packets.")
    w(f"- Each measurement runs {meta.get('duration')} s: iperf3 TCP with 1 and with 8 streams (client → server); "
      "iperf3 UDP at 1 Gbit/s offered with 2 MiB socket buffers at both ends (rows that carry UDP); "
      f"`{meta.get('wrk')}` keep-alive against nginx (a body of about 10 bytes: the source address it saw); the same with "
      "`Connection: close` (one new connection per request).")
    w("- Proxy CPU is utime + stime of the proxy process (all its threads, from /proc) around the two TCP "
      "iperf3 runs (CPU-s per GB received) and around the `Connection: close` run (CPU-µs per request, each on "
      "its own connection). RSS at rest is VmRSS after start; peak is VmHWM after the traffic; then "
      f"{idle_n:,} idle connections are opened through the proxy and held (each proven end to end by a byte "
      "from the server) and VmRSS is read.")
    if idle_n and idle_n < 10000:
        w(f"- Only {idle_n:,} idle connections (asked: {int(meta.get('idle_asked', idle_n)):,}): the descriptor "
          f"limit here is {meta.get('fd_limit')} and cannot be raised (no CAP_SYS_RESOURCE), and a proxy needs "
          "two descriptors per connection. The 10,000-connection target is checked against a linear "
          "extrapolation from rest to that count, marked *est.*")
    w("")

    w("## Absolute figures")
    w("")
    w("| row | 1 stream Gbit/s | 8 streams Gbit/s | UDP at 1 Gbit/s: received Mbit/s (sent, lost) "
      "| keep-alive req/s | p50 / p99 ms | new conn/s | p50 / p99 ms | CPU-s per GB | CPU-µs per conn "
      f"| RSS at rest MiB | peak RSS MiB | RSS with {idle_n:,} idle MiB |")
    w("|---|" + "---:|" * 12)
    for n in order:
        r = rows[n]
        label = results[n].get("label", n)
        if not r.ok:
            w(f"| {label} | {results[n].get('status', 'failed')}: see below |" + " |" * 11)
            continue
        udp = "–"
        if r.udp is not None:
            udp = f"{r.udp / 1e6:,.0f} ({r.udp_sent / 1e6:,.0f}, {r.udp_loss:.1f} %)"
        idle = "–"
        if r.rss_idle is not None:
            idle = fmt(r.rss_idle, 1)
            if r.idle_failed:
                kinds = results[n].get("idle_failed_kinds", "")
                idle += f" ({r.idle_failed:.0f} failed{': ' + kinds if kinds else ''})"
        w(f"| {label} | {fmt(r.tcp1)} | {fmt(r.tcp8)} | {udp} | {fmt(r.ka)} | {r.latency('ka')} | "
          f"{fmt(r.close)} | {r.latency('close')} | {fmt(r.cpu_per_gb)} | {fmt(r.cpu_per_conn_us, 0)} | "
          f"{fmt(r.rss_rest, 1)} | {fmt(r.rss_peak, 1)} | {idle} |")
    errs = [(n, results[n].get("ka_errors"), results[n].get("close_errors")) for n in order]
    errs = [e for e in errs if (e[1] not in (None, "", "0")) or (e[2] not in (None, "", "0"))]
    if errs:
        w("")
        w("wrk counted errors (connect/read/write/timeout or non-2xx): " +
          "; ".join(f"{results[n]['label']}: keep-alive {a or 0}, new connections {b or 0}" for n, a, b in errs) + ".")
    w("")

    w("## Ratios to plain routing (same run)")
    w("")
    if base is None or not base.ok:
        w("Plain routing was not measured in this run, so there are no ratios.")
    else:
        w("| row | 1 stream | 8 streams | UDP received | keep-alive req/s | new conn/s |")
        w("|---|---:|---:|---:|---:|---:|")
        for n in order:
            r = rows[n]
            if not r.ok:
                continue
            w(f"| {results[n]['label']} | {pct(ratio(r.tcp1, base.tcp1))} | {pct(ratio(r.tcp8, base.tcp8))} | "
              f"{pct(ratio(r.udp, base.udp))} | {pct(ratio(r.ka, base.ka))} | {pct(ratio(r.close, base.close))} |")
    w("")

    w("## Weir against the issue's targets")
    w("")
    w("| Weir row: what | measured | target | verdict |")
    w("|---|---:|---:|---|")
    for n in WEIR_DIRECT:
        r = rows.get(n)
        if r is None or not r.ok or base is None or not base.ok:
            continue
        label = results[n]["label"]
        w(target_line(f"{label}: single stream", ratio(r.tcp1, base.tcp1), TARGET_SINGLE, True, "%"))
        w(target_line(f"{label}: keep-alive req/s", ratio(r.ka, base.ka), TARGET_KEEPALIVE, True, "%"))
        w(target_line(f"{label}: new connections/s", ratio(r.close, base.close), TARGET_NEWCONN, True, "%"))
        w(target_line(f"{label}: CPU per connection", r.cpu_per_conn_us, TARGET_CPU_PER_CONN_US, False, "µs"))
        w(target_line(f"{label}: CPU per GB", r.cpu_per_gb, TARGET_CPU_PER_GB, False, "CPU-s"))
        # "Peak RSS at rest": read both ways, after start and at its peak through the traffic.
        w(target_line(f"{label}: RSS at rest (after start)", r.rss_rest, TARGET_RSS_REST_MIB, False, "MiB"))
        w(target_line(f"{label}: peak RSS (traffic, no idle connections)", r.rss_peak, TARGET_RSS_REST_MIB, False,
                      "MiB"))
        v10k, est = r.rss_10k()
        w(target_line(f"{label}: RSS with 10,000 connections", v10k, TARGET_RSS_10K_MIB, False, "MiB",
                      shown=(f"{fmt(v10k, 1)} MiB{' est.' if est else ''}" if v10k is not None else None)))
        if r.udp is not None:
            w(target_line(f"{label}: UDP received of 1 Gbit/s offered", r.udp / UDP_OFFERED_BPS,
                          TARGET_UDP_DELIVERED, True, "%",
                          shown=f"{r.udp / UDP_OFFERED_BPS * 100:.0f} % (routing: "
                                f"{(base.udp or 0) / UDP_OFFERED_BPS * 100:.0f} %)"))
    red = rows.get("redsocks")
    for n in WEIR_UPSTREAM:
        r = rows.get(n)
        label = results.get(n, {}).get("label", n)
        if r is None or not r.ok:
            why = "; ".join(results.get(n, {}).get("errors", [])) or "not run"
            w(f"| {label}: at least twice redsocks on every column | – | ≥ 2× | not measured ({why}) |")
            continue
        if red is None or not red.ok:
            w(f"| {label}: at least twice redsocks | – | ≥ 2× | redsocks not measured |")
            continue
        for what, a, b in (("single stream", r.tcp1, red.tcp1), ("keep-alive req/s", r.ka, red.ka),
                           ("new connections/s", r.close, red.close)):
            x = ratio(a, b)
            verdict = "–" if x is None else ("**met**" if x >= 2 else f"missed: {x:.2f}× of the 2×")
            w(f"| {label}: {what} vs redsocks | {fmt(x)}× | ≥ 2× | {verdict} |")
    w("")

    w("## What limits each row")
    w("")
    if base is not None and base.ok and base.busy_tcp1 is not None and base.busy_tcp1 > 0.95:
        w(f"Plain routing's single stream kept both CPUs {base.busy_tcp1 * 100:.0f} % busy: on this machine the "
          "path is bound by CPU, shared by iperf3 at both ends, the kernel's forwarding on every hop and the "
          "proxy. A proxy's throughput is then set by what it costs per byte (CPU-s per GB), and its "
          "connection rate by what it costs per connection (CPU-µs per connection): every CPU-second it spends "
          "is taken from the endpoints.")
        w("")
    for n in order:
        r = rows[n]
        label = results[n].get("label", n)
        text = ROW_NATURE.get(n, "")
        if r.ok:
            facts = []
            if r.cpu_tcp1 is not None:
                facts.append(f"the proxy used {r.cpu_tcp1:.2f} of a core")
            if r.busy_tcp1 is not None:
                facts.append(f"both CPUs were {r.busy_tcp1 * 100:.0f} % busy")
            if facts:
                text += " Single stream: " + ", ".join(facts) + "."
            if r.cpu_tcp1 is not None and r.cpu_tcp1 > 0.9:
                text += " The proxy is close to one full core."
            if results[n].get("command"):
                text += f" Ran: `{results[n]['command']}`."
        else:
            text += f" **{results[n].get('status', 'failed')}**."
        for e in results[n]["errors"]:
            text += f" Problem: {e}."
        w(f"- **{label}.** {text}")
    w("")
    if len(sys.argv) > 3:
        appendix(sys.argv[3], order, results, w)
    w("The loopback micro-benchmark of the core alone is in [REPORT-loopback.md](REPORT-loopback.md).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
