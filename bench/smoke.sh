#!/bin/bash
# ctest smoke test for weir-bench-core: tiny sizes, one run. Checks that it completes and that every
# row of the table (and of the JSON) has a non-zero figure. No timing assertions: figures are for
# bench/REPORT-loopback.md, not for pass/fail.
set -euo pipefail

BENCH=${1:-}
[ -x "$BENCH" ] || { echo "FAIL: weir-bench-core not found: '$BENCH'" >&2; exit 1; }
WORK=$(mktemp -d /tmp/weir-bench-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"$BENCH" --mib 4 --pings 200 --conns 100 --parallel 8 --idle 100 --repeat 1 --timeout 90 \
    --json "$WORK/out.json" | tee "$WORK/out.txt"

fail=0
for row in throughput rtt_p50 rtt_p99 conn_rate memory snapshot snapshot_closed; do
    # Columns: row, direct median, [range] (or "-"), weir median, [range], ratio, unit: what
    line=$(grep -E "^$row " "$WORK/out.txt" || true)
    if [ -z "$line" ]; then
        echo "FAIL: no '$row' row in the table" >&2
        fail=1
        continue
    fi
    read -r -a f <<<"$line"
    if [ "${f[1]}" = "-" ]; then direct=; weir=${f[2]}; else direct=${f[1]}; weir=${f[3]}; fi
    for v in $direct $weir; do
        if ! awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }'; then
            echo "FAIL: '$row' has a zero or missing figure: $line" >&2
            fail=1
        fi
    done
done
grep -q '"snapshot"' "$WORK/out.json" || { echo "FAIL: JSON incomplete" >&2; fail=1; }
[ "$fail" = 0 ] && echo PASS
exit "$fail"
