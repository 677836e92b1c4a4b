#!/usr/bin/env python3
"""The soak's verdict and tables (tests/fault/soak.sh).

soak_report.py SAMPLES IDLE [--no-memory] [--markdown REPORT --meta META]
SAMPLES: tab-separated lines "t phase fds threads rss_kb pss_kb anon_kb active enabled subscribers"
(phase warmup|churn). IDLE: two lines "before|after fds threads rss_kb subscribers stuck_tcp", the
helper idle (disabled, no client) before the churn and after it.

Growth after warm-up, the rule (printed with the figures):
  the samples after warm-up are cut in thirds; the first third is the baseline, the last the end.
  descriptors, threads: the largest value at the end <= the largest of the baseline + tolerance,
    descriptors max(16, 25 %) (how many connections are open at a sample varies), threads 2 (fixed
    by worker_threads); largest values, because a sample taken while the churn had interception
    briefly off only lowers a window, and a leak raises every window's top.
  anonymous memory (heap and stacks, from smaps_rollup): the median at the end <= the median of the
    baseline + max(1 MiB, 20 %); the connection history is bounded (history_limit 50-149 here) and
    full after warm-up, so what the helper keeps must stop growing. RSS (with the libraries' pages) <= baseline max + max(8 MiB,
    15 %). Not judged under a sanitizer (its allocator holds freed memory by design).
  when the churn is over: every TCP connection ends by itself within 10 s of its client (one that
    does not is stuck, its descriptors held for ever); then, UDP flows closed (they end after 60 s
    without a datagram, by design), idle after must equal idle before: the same descriptors (+2 for
    a bus reply in flight), the same threads, no subscriber left.
Exit 0 when every check passes, 1 otherwise. --markdown writes the full-run report (META: KEY=VALUE
lines: the machine, the commit, the churn counts)."""
import argparse
import sys

MIB = 1024


def load_samples(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 10:
                continue
            rows.append(dict(t=int(p[0]), phase=p[1], fds=int(p[2]), threads=int(p[3]), rss=int(p[4]),
                             pss=int(p[5]), anon=int(p[6]), active=int(p[7]), enabled=p[8], subs=int(p[9])))
    return rows


def load_idle(path):
    idle = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 6:
                idle[p[0]] = dict(fds=int(p[1]), threads=int(p[2]), rss=int(p[3]), subs=int(p[4]),
                                  stuck=int(p[5]))
    return idle


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) // 2


def checks(rows, idle, memory=True):
    """[(what, baseline, final, limit, ok, unit)] and a list of problems."""
    churn = [r for r in rows if r["phase"] == "churn"]
    problems = []
    results = []
    if len(churn) < 3:
        return results, [f"only {len(churn)} samples after warm-up: the run was too short to judge"]
    third = max(1, len(churn) // 3)
    first, last = churn[:third], churn[-third:]
    measures = [
        ("fds", "descriptors (max)", "", max, lambda b: max(16, b // 4)),
        ("threads", "threads (max)", "", max, lambda b: 2),
    ]
    if memory:
        measures += [
            ("anon", "anonymous memory (median)", "MiB", median, lambda b: max(MIB, b * 20 // 100)),
            ("rss", "RSS (max)", "MiB", max, lambda b: max(8 * MIB, b * 15 // 100)),
        ]
    for key, name, unit, pick, tol in measures:
        base = pick([r[key] for r in first])
        final = pick([r[key] for r in last])
        limit = base + tol(base)
        ok = final <= limit
        results.append((name, base, final, limit, ok, unit))
        if not ok:
            problems.append(f"{name} grew after warm-up: {fmt(final, unit)} in the last third, "
                            f"{fmt(base, unit)} after warm-up, limit {fmt(limit, unit)}")
    before, after = idle.get("before"), idle.get("after")
    if not before or not after:
        problems.append("no idle samples before and after the churn")
    else:
        if after["fds"] > before["fds"] + 2:
            problems.append(f"descriptors did not return to the idle baseline: {after['fds']} after, "
                            f"{before['fds']} before")
        if after["threads"] != before["threads"]:
            problems.append(f"threads did not return to the idle baseline: {after['threads']} after, "
                            f"{before['threads']} before")
        if after["stuck"] != 0:
            problems.append(f"{after['stuck']} TCP connection(s) outlived their clients by 10 s (stuck, "
                            "holding their descriptors)")
        if after["subs"] != 0:
            problems.append(f"{after['subs']} feed subscriber(s) left after every client went")
    return results, problems


def fmt(value, unit):
    return f"{value / MIB:.1f} MiB" if unit == "MiB" else str(value)


def table(rows):
    out = ["|    t s | phase  | fds | threads | RSS MiB | PSS MiB | anon MiB | open conns | enabled | subscribers |",
           "|-------:|--------|----:|--------:|--------:|--------:|---------:|-----------:|---------|------------:|"]
    for r in rows:
        out.append(f"| {r['t']:6d} | {r['phase']:<6} | {r['fds']:3d} | {r['threads']:7d} | {r['rss'] / MIB:7.1f} "
                   f"| {r['pss'] / MIB:7.1f} | {r['anon'] / MIB:8.1f} | {r['active']:10d} | {r['enabled']:<7} "
                   f"| {r['subs']:11d} |")
    return out


def summary(results, idle, problems):
    out = ["| measure | baseline (first third after warm-up) | end (last third) | limit | result |",
           "|---|---:|---:|---:|---|"]
    for name, base, final, limit, ok, unit in results:
        out.append(f"| {name} | {fmt(base, unit)} | {fmt(final, unit)} | {fmt(limit, unit)} | "
                   f"{'ok' if ok else 'GREW'} |")
    before, after = idle.get("before"), idle.get("after")
    if before and after:
        out.append("")
        out.append("| idle (disabled, no client) | descriptors | threads | RSS MiB | subscribers | stuck TCP |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for name, i in (("before the churn", before), ("after the churn", after)):
            out.append(f"| {name} | {i['fds']} | {i['threads']} | {i['rss'] / MIB:.1f} | {i['subs']} | "
                       f"{i['stuck']} |")
    out.append("")
    out.append("Verdict: " + ("pass" if not problems else "FAIL: " + "; ".join(problems)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples")
    ap.add_argument("idle")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--meta")
    args = ap.parse_args()
    rows = load_samples(args.samples)
    idle = load_idle(args.idle)
    results, problems = checks(rows, idle, memory=not args.no_memory)
    print("\n".join(table(rows)))
    print()
    print("\n".join(summary(results, idle, problems)))
    if args.markdown:
        meta = {}
        if args.meta:
            with open(args.meta) as f:
                for line in f:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        meta[k] = v
        write_markdown(args.markdown, meta, rows, results, idle, problems)
    return 0 if not problems else 1


def write_markdown(path, meta, rows, results, idle, problems):
    doc = __doc__.split("Growth after warm-up, the rule (printed with the figures):\n", 1)[1]
    rule = doc.split("Exit 0", 1)[0].rstrip()
    lines = [
        "# Soak: the helper under 10 minutes of mixed churn",
        "",
        f"`{meta.get('command', 'tests/fault/soak.sh --full')}` on {meta.get('date', '?')}; "
        f"{meta.get('seconds', '?')} s of churn, a sample every {meta.get('interval', '?')} s.",
        "",
        "## Machine and build",
        "",
        f"- commit: `{meta.get('commit', '?')}`",
        f"- build: {meta.get('build', '?')}",
        f"- machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('memory', '?')} memory, "
        f"kernel {meta.get('kernel', '?')}",
        f"- load average when the run started: {meta.get('load', '?')} (other work shared the machine)",
        "",
        "## The churn (all at once, for the whole run)",
        "",
        meta.get("churn_doc", ""),
        "",
        "| churn | count |",
        "|---|---:|",
    ]
    for item in meta.get("counts", "").split(";"):
        if ":" in item:
            k, v = item.split(":", 1)
            lines.append(f"| {k.strip()} | {v.strip()} |")
    lines += ["", "## Verdict", "", "The rule:", "", "```", rule, "```", ""]
    lines += summary(results, idle, problems)
    if meta.get("stuck"):
        lines += ["", "TCP connections still open 10 s after the churn ended (their clients long gone):", "",
                  "```"] + meta["stuck"].split("|") + ["```"]
    lines += ["", "## Samples", ""] + table(rows) + [""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
