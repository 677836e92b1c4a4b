#!/bin/bash
# ctest smoke test for weir-bench-gui: a small table, two simulated seconds. Checks that it completes
# and prints a row per scenario and interval. No timing assertions (figures: bench/REPORT-gui.md).
set -euo pipefail

BENCH=${1:-}
[ -x "$BENCH" ] || { echo "FAIL: weir-bench-gui not found: '$BENCH'" >&2; exit 1; }
out=$("$BENCH" --rows 500 --rate 200 --seconds 2 --intervals 250,500)
echo "$out"
rows=$(grep -c '^| sorted by' <<<"$out" || true)
if [ "$rows" -ne 6 ]; then
    echo "FAIL: expected 6 scenario rows, got $rows" >&2
    exit 1
fi
echo "PASS"
