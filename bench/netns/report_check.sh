#!/bin/bash
# ctest (label bench): report.py turns a fixed set of results (netns/testdata) into the expected
# tables and verdicts. No root, no namespaces: the benchmark itself is not run here.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
out=$(python3 "$HERE/report.py" "$HERE/testdata/meta" "$HERE/testdata/results")

fail=0
expect() {
    grep -qF -- "$1" <<<"$out" || { echo "FAIL: the report lacks: $1" >&2; fail=1; }
}
expect "| Weir REDIRECT, direct | 3.60 | 2.00 | – | 18,000 | 0.90 / 6.00 | 2,800 | 9.00 / 40.0 | 0.29 | 100 | 3.0 | 7.0 | 100 |"
expect "| Weir REDIRECT, direct | 90 % | 50 % | – | 90 % | 35 % |"
expect "| Weir REDIRECT, direct: single stream | 90 % | ≥ 85 % | **met** |"
expect "| Weir REDIRECT, direct: new connections/s | 35 % | ≥ 70 % | missed by 35 points |"
expect "| Weir REDIRECT, direct: CPU per connection | 100 µs | ≤ 50.0 µs | missed by 50.0 µs (2.0× the limit) |"
expect "| Weir REDIRECT, direct: RSS with 10,000 connections | 100 MiB | ≤ 64.0 MiB | missed by 36.0 MiB (1.6× the limit) |"
expect "not measured (the driver has no --upstream option yet)"
expect "| redsocks REDIRECT, SOCKS5 upstream (dante) | failed: see below |"
expect "Problem: did not start: bind: address in use."
expect "new connections 3."
# A quiet machine gets no warning.
if grep -q "loaded machine" <<<"$out"; then echo "FAIL: loaded-machine warning on a quiet run" >&2; fail=1; fi
[ "$fail" = 0 ] && echo PASS
exit "$fail"
