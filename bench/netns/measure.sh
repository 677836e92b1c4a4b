# shellcheck shell=bash
# The measurements of one row (sourced by run.sh). Each appends "ROW KEY VALUE" lines to $RESULTS;
# report.py turns them into figures. A measurement that fails records "ROW error TEXT" and the
# others go on.

record() { echo "$ROW $1 ${2:-}" >>"$RESULTS"; }
row_error() { record error "$*"; echo "  ! $*" >&2; }

# utime + stime of the row's proxy (every thread), in clock ticks; 0 without a proxy.
proxy_ticks() {
    if [ -n "$PROXY_PID" ] && [ -r "/proc/$PROXY_PID/stat" ]; then
        sed 's/.*) //' "/proc/$PROXY_PID/stat" | awk '{ print $12 + $13 }'
    else
        echo 0
    fi
}

# A line of the proxy's /proc status in KiB (VmRSS, VmHWM).
proxy_kib() {
    awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PROXY_PID/status" 2>/dev/null
}

# "busy total" jiffies of the whole machine, for the share of both cores in use during a run.
machine_ticks() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}

# Runs iperf3 from the client; records bits/s and bytes received, the proxy's CPU ticks and the
# machine's busy share. KEY names the run (tcp1, tcp8, udp).
run_iperf() { # key iperf3-options...
    local key=$1 out="$WORK/$ROW-$1.json" t0 t1 m0 m1
    shift
    t0=$(proxy_ticks)
    m0=$(machine_ticks)
    if ! timeout $((DURATION + 30)) ip netns exec "$C" iperf3 -c "$SERVER_IP" -p 5201 -t "$DURATION" \
        --connect-timeout 5000 -J "$@" >"$out" 2>&1; then
        row_error "$key: iperf3 failed: $(jq -r '.error // empty' "$out" 2>/dev/null || tail -n 3 "$out")"
        return 0
    fi
    t1=$(proxy_ticks)
    m1=$(machine_ticks)
    # iperf3 can end with status 0 and an error in its JSON (the connection broke mid-test).
    if [ -n "$(jq -r '.error // empty' "$out" 2>/dev/null)" ]; then
        row_error "$key: iperf3: $(jq -r '.error' "$out")"
        return 0
    fi
    if [ "$key" = udp ]; then
        # The receiver's view: bits/s of what arrived, and the share lost on the way.
        record udp_bps "$(jq '.end.sum_received.bits_per_second' "$out")"
        record udp_lost_pct "$(jq '.end.sum_received.lost_percent' "$out")"
        record udp_sent_bps "$(jq '.end.sum_sent.bits_per_second' "$out")"
    else
        record "${key}_bps" "$(jq '.end.sum_received.bits_per_second' "$out")"
        record "${key}_bytes" "$(jq '.end.sum_received.bytes' "$out")"
        record "${key}_retransmits" "$(jq '.end.sum_sent.retransmits // 0' "$out")"
    fi
    record "${key}_ticks" $((t1 - t0))
    record "${key}_busy" "$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.3f", (y[1] - x[1]) / (y[2] - x[2]) }')"
}

# Runs wrk from the client against nginx; records requests/s, p50/p99 in ms, requests, errors and the
# proxy's CPU ticks. KEY: ka (keep-alive) or close (one connection per request).
run_wrk() { # key wrk-options...
    local key=$1 out="$WORK/$ROW-$1.wrk" t0 t1
    shift
    t0=$(proxy_ticks)
    if ! timeout $((DURATION + 30)) ip netns exec "$C" wrk -t "$WRK_THREADS" -c "$WRK_CONNS" \
        -d "${DURATION}s" --timeout 5s --latency "$@" "http://$SERVER_IP/" >"$out" 2>&1; then
        row_error "$key: wrk failed: $(tail -n 3 "$out")"
        return 0
    fi
    t1=$(proxy_ticks)
    record "${key}_rps" "$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    record "${key}_requests" "$(awk '/ requests in / { print $1 }' "$out")"
    local pct
    for pct in 50 99; do
        record "${key}_p${pct}_ms" "$(awk -v p="$pct%" '$1 == p {
            v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
            print (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v)) }' "$out")"
    done
    # connect/read/write/timeout errors and non-2xx answers, summed.
    record "${key}_errors" "$(awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
        /Non-2xx/ { n += $NF } END { print n + 0 }' "$out")"
    record "${key}_ticks" $((t1 - t0))
}

# Opens IDLE_CONNS idle connections through the row's proxy and records its VmRSS while they are open.
# They come from a second client address: through REDIRECT, a new connection whose reply tuple (proxy
# address and port, client address and port) is still held by a conntrack entry of the connection-rate
# run (TIME_WAIT, 120 s) cannot be mapped and its SYNs are dropped, which would count as a failure of
# the proxy.
measure_idle() {
    local out="$WORK/$ROW-idle.out" pid _
    ip netns exec "$C" python3 "$HERE/idle.py" open "$SERVER_IP" 9000 "$IDLE_CONNS" 20 "$IDLE_CLIENT_IP" \
        >"$out" 2>&1 &
    pid=$!
    for _ in $(seq 400); do
        grep -q '^open ' "$out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q '^open ' "$out"; then
        record idle_ok "$(sed -n 's/^open ok=\([0-9]*\) .*/\1/p' "$out")"
        record idle_failed "$(sed -n 's/^open .* failed=\([0-9]*\).*/\1/p' "$out")"
        record idle_failed_kinds "$(sed -n 's/^open .* failed=[0-9]* (\(.*\))$/\1/p' "$out")"
        record idle_rss_kib "$(proxy_kib VmRSS)"
        record idle_hwm_kib "$(proxy_kib VmHWM)"
    else
        row_error "idle: the client did not finish opening: $(tail -n 3 "$out")"
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

measure_row() { # carries-udp
    [ -n "$PROXY_PID" ] && record rest_rss_kib "$(proxy_kib VmRSS)"
    run_iperf tcp1
    sleep 0.5
    run_iperf tcp8 -P 8
    sleep 0.5
    if [ "$1" = 1 ]; then
        # 2 MiB socket buffers at both ends, so the endpoints are not what drops datagrams.
        run_iperf udp -u -b 1G -w 2M
        sleep 0.5
    fi
    run_wrk ka
    sleep 0.5
    run_wrk close -H "Connection: close"
    if [ -n "$PROXY_PID" ]; then
        record peak_hwm_kib "$(proxy_kib VmHWM)"
        [ "$IDLE_CONNS" -gt 0 ] && measure_idle
    fi
    return 0
}
