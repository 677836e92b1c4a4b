# shellcheck shell=bash
# shellcheck disable=SC2034 # NS_CLIENT/NS_SERVER are lib.sh's; GW_SOURCES, MX_TEST_UID, UDP_PEER are the scripts'
# Shared pieces of the gateway-topology tests (matrix.sh, lifecycle.sh, restore.sh, tests/fault), on
# top of lib.sh (source lib.sh first; this reuses its fail/pass, bus, helper start and cleanup).
#
#   C (LAN client, in gateway_sources)  --+
#                                         +-- L (bridge br0, a LAN switch) -- lan0 G wan0 -- S (servers)
#   X (LAN client, not in gateway_sources)+
#
# G is the machine Weir runs on (the helper runs there): lan0 198.51.100.1/24 2001:db8:1::1/64,
# wan0 203.0.113.1/24 2001:db8:2::1/64, forwarding on. S: 203.0.113.2/24 2001:db8:2::2/64 with an HTTP
# server (v4 and v6) and a UDP echo server (v4 and v6). C: 198.51.100.10 2001:db8:1::10.
# X: 198.51.100.200 2001:db8:1::1:200 (outside gateway_sources 198.51.100.0/25,2001:db8:1::/120).
# Only TEST-NET / documentation addresses; every route, rule and sysctl lives in these namespaces.
#
# lib.sh's NS_CLIENT/NS_SERVER are pointed at G/S so its helper start and cleanup work unchanged;
# mx_cleanup (the EXIT trap) also kills every background process recorded with mx_track and deletes
# the other namespaces.

shopt -s inherit_errexit
MX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MX_TOOLS=$MX_DIR/tools
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

MX_TAG="wmx$$"
NS_G="$MX_TAG-g"
NS_S="$MX_TAG-s"
NS_C="$MX_TAG-c"
NS_X="$MX_TAG-x"
NS_L="$MX_TAG-l"
NS_CLIENT=$NS_G # lib.sh: the helper runs here, and its cleanup deletes both
NS_SERVER=$NS_S

G_LAN_IF=lan0
G_LAN4=198.51.100.1
G_LAN6=2001:db8:1::1
G_WAN4=203.0.113.1
G_WAN6=2001:db8:2::1
S4=203.0.113.2
S6=2001:db8:2::2
C4=198.51.100.10
C6=2001:db8:1::10
X4=198.51.100.200
X6=2001:db8:1::1:200
GW_SOURCES="198.51.100.0/25,2001:db8:1::/120"
HTTP_PORT=8080
UDP_PORT=9999

export WEIR_STATE_DIR="$WEIR_IT_DIR/state"
mkdir -p "$WEIR_STATE_DIR" "$WEIR_RUNTIME_DIR"
MX_PIDS="$WEIR_IT_DIR/bg.pids"           # servers: live for the whole test
MX_SECTION_PIDS="$WEIR_IT_DIR/section.pids" # helpers, slow clients: killed by mx_kill_section
: >"$MX_PIDS"
: >"$MX_SECTION_PIDS"
# No proxy variables from the environment may send curl elsewhere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# Background processes are recorded as "PID STARTTIME", so a pid the kernel has since given to
# another process is never signalled.
mx_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    echo "$stat" | awk '{ print $20 }'
}
mx_track() { echo "$1 $(mx_starttime "$1")" >>"$MX_PIDS"; }
mx_track_section() { echo "$1 $(mx_starttime "$1")" >>"$MX_SECTION_PIDS"; }

# mx_alive PID: runs and is not a zombie.
mx_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

# mx_ours PID STARTTIME: that very process still runs (and is not a zombie).
mx_ours() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ] && [ "$(echo "$stat" | awk '{ print $20 }')" = "$2" ]
}

# _mx_kill_list FILE: TERM to every process listed, KILL after 3 s, waits for each to be gone.
# (A helper gets the 3 s to remove its rules; a process started in a subshell is not our child, so
# gone-ness is polled rather than waited for.)
_mx_kill_list() {
    local pid st tries
    [ -f "$1" ] || return 0
    while read -r pid st; do
        [ -n "$pid" ] && mx_ours "$pid" "$st" && kill "$pid" 2>/dev/null
    done <"$1"
    while read -r pid st; do
        [ -n "$pid" ] || continue
        tries=30
        while mx_ours "$pid" "$st" && ((tries-- > 0)); do sleep 0.1; done
        mx_ours "$pid" "$st" && kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true # 127 when it is not our child (started in a subshell)
    done <"$1"
    : >"$1"
    return 0
}
mx_kill_section() { _mx_kill_list "$MX_SECTION_PIDS"; }
mx_kill_tracked() {
    _mx_kill_list "$MX_SECTION_PIDS"
    _mx_kill_list "$MX_PIDS"
}

mx_cleanup() {
    local rc=$?
    set +e
    mx_kill_tracked
    HELPER_PID=
    # Anything still running inside our namespaces was started by this test: end it by pid.
    local ns
    local -a pids
    for ns in "$NS_G" "$NS_S" "$NS_C" "$NS_X" "$NS_L"; do
        read -ra pids <<<"$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
        [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    done
    sleep 0.3
    for ns in "$NS_G" "$NS_S" "$NS_C" "$NS_X" "$NS_L"; do
        read -ra pids <<<"$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
        [ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
    done
    for ns in "$NS_C" "$NS_X" "$NS_L"; do ip netns del "$ns" 2>/dev/null; done
    (exit "$rc")
    weir_it_cleanup # deletes G and S, stops the bus, removes WEIR_IT_DIR, exits with rc
}

in_g() { ip netns exec "$NS_G" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

now_ms() { date +%s%3N; }

mx_make_topology() {
    local ns
    for ns in "$NS_G" "$NS_S" "$NS_C" "$NS_X" "$NS_L"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    ip -n "$NS_L" link add br0 type bridge stp_state 0 mcast_snooping 0
    ip -n "$NS_L" link set br0 up
    ip link add "$G_LAN_IF" netns "$NS_G" type veth peer name pg netns "$NS_L"
    ip link add eth0 netns "$NS_C" type veth peer name pc netns "$NS_L"
    ip link add eth0 netns "$NS_X" type veth peer name px netns "$NS_L"
    for port in pg pc px; do
        ip -n "$NS_L" link set "$port" master br0
        ip -n "$NS_L" link set "$port" up
    done
    ip link add wan0 netns "$NS_G" type veth peer name eth0 netns "$NS_S"

    ip -n "$NS_G" addr add "$G_LAN4/24" dev "$G_LAN_IF"
    ip -n "$NS_G" addr add "$G_LAN6/64" dev "$G_LAN_IF" nodad
    ip -n "$NS_G" addr add "$G_WAN4/24" dev wan0
    ip -n "$NS_G" addr add "$G_WAN6/64" dev wan0 nodad
    ip -n "$NS_G" link set "$G_LAN_IF" up
    ip -n "$NS_G" link set wan0 up
    in_g sysctl -qw net.ipv4.ip_forward=1
    in_g sysctl -qw net.ipv6.conf.all.forwarding=1

    ip -n "$NS_S" addr add "$S4/24" dev eth0
    ip -n "$NS_S" addr add "$S6/64" dev eth0 nodad
    ip -n "$NS_S" link set eth0 up
    ip -n "$NS_S" route add default via "$G_WAN4"
    ip -n "$NS_S" -6 route add default via "$G_WAN6"

    ip -n "$NS_C" addr add "$C4/24" dev eth0
    ip -n "$NS_C" addr add "$C6/64" dev eth0 nodad
    ip -n "$NS_X" addr add "$X4/24" dev eth0
    ip -n "$NS_X" addr add "$X6/64" dev eth0 nodad
    for ns in "$NS_C" "$NS_X"; do
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$G_LAN4"
        ip -n "$ns" -6 route add default via "$G_LAN6"
    done

    # Legacy xtables instantiates a table in a namespace on first use; touch them all now, so the
    # before/after snapshots compare rules, not whether somebody looked at a table.
    local t
    for t in filter nat mangle raw; do
        in_g iptables-legacy -t "$t" -L -n >/dev/null
        in_g ip6tables-legacy -t "$t" -L -n >/dev/null
    done
}

mx_wait_tcp() { # NS HOST PORT: until something listens (5 s)
    local host=$2
    [[ $host == *:* ]] && host="[$host]"
    for _ in $(seq 50); do
        ip netns exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# HTTP (v4, v6) and UDP echo (v4, v6) servers in S; www/blob (256 KiB) and www/long (2 MiB).
mx_start_servers() {
    mkdir -p "$WEIR_IT_DIR/www"
    head -c 262144 /dev/urandom >"$WEIR_IT_DIR/www/blob"
    head -c 2097152 /dev/urandom >"$WEIR_IT_DIR/www/long"
    chmod -R a+rX "$WEIR_IT_DIR/www"
    # ip netns exec directly (not through a shell function), so $! is the server itself.
    ip netns exec "$NS_S" "$PY" -m http.server "$HTTP_PORT" --bind "$S4" --directory "$WEIR_IT_DIR/www" \
        </dev/null >>"$WEIR_IT_DIR/http.log" 2>&1 &
    mx_track $!
    ip netns exec "$NS_S" "$PY" -m http.server "$HTTP_PORT" --bind "$S6" --directory "$WEIR_IT_DIR/www" \
        </dev/null >>"$WEIR_IT_DIR/http.log" 2>&1 &
    mx_track $!
    ip netns exec "$NS_S" "$PY" "$MX_TOOLS/udp_echo_server.py" "$S4:$UDP_PORT" "[$S6]:$UDP_PORT" \
        --log "$WEIR_IT_DIR/udp.log" </dev/null >"$WEIR_IT_DIR/udp.out" 2>&1 &
    mx_track $!
    mx_wait_tcp "$NS_S" "$S4" "$HTTP_PORT" || fail "the v4 HTTP server did not start: $(cat "$WEIR_IT_DIR/http.log")"
    mx_wait_tcp "$NS_S" "$S6" "$HTTP_PORT" || fail "the v6 HTTP server did not start: $(cat "$WEIR_IT_DIR/http.log")"
    for _ in $(seq 50); do
        grep -q ready "$WEIR_IT_DIR/udp.out" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "the UDP echo server did not start: $(cat "$WEIR_IT_DIR/udp.out")"
}

# The helper in G, its pid also tracked (so a helper started in a subshell is killed at exit).
# shellcheck disable=SC2120 # arguments are optional (passed on to weir-helper)
mx_start_helper() {
    weir_it_start_helper "$@"
    mx_track_section "$HELPER_PID"
}

# Other test runs on the same machine (each with its own private bus) share polkit's action directory;
# one that ends removes io.github.weir.policy under our feet ("Action ... is not registered"). This
# keeper puts it back (recorded in the bus dir, so weir_bus_stop removes it at the end) while we run.
mx_keep_polkit_action() {
    local policy="$WEIR_SRC/packaging/polkit/io.github.weir.policy"
    local target="$WEIR_PB_ACTIONS_DIR/io.github.weir.policy"
    (
        for _ in $(seq 3000); do
            [ -d "$WEIR_IT_DIR/bus" ] || exit 0
            # Only when missing: another run's (maybe newer) copy in place is left alone.
            if [ ! -e "$target" ]; then
                echo "netlib: $target vanished (another test run ended); putting it back" >&2
                _weir_place_file "$WEIR_IT_DIR/bus" "$target" "$policy"
            fi
            sleep 0.2
        done
    ) &
    mx_track $!
}

# mx_setup: what every test on this topology starts with: the namespaces, the servers in S, the
# private bus with polkitd (and polkit's action file kept in place).
mx_setup() {
    mx_make_topology
    mx_start_servers
    weir_it_start_bus
    mx_keep_polkit_action
}

# A throwaway system user (deleted at exit if we made it), for owner-match tests.
mx_make_test_user() {
    MX_TEST_USER="wmx$$"
    weir_test_user "$MX_TEST_USER" # recorded in the bus dir: weir_bus_stop deletes it
    MX_TEST_UID=$(id -u "$MX_TEST_USER")
}

# ---------------------------------------------------------------------------------------------
# Clients and evidence

srv_of() { [ "$1" = 4 ] && echo "$S4" || echo "$S6"; } # FAMILY -> server address
url_host() { [[ $1 == *:* ]] && echo "[$1]" || echo "$1"; }
endpoint() { echo "$(url_host "$1"):$2"; } # how connections --json writes ip:port

# http_get NS FAMILY TAG OUT [USER]: downloads /blob?c=TAG from S into OUT (as USER if given), from
# source port $SPORT when set. Returns curl's exit code (stderr in $WEIR_IT_DIR/curl.err).
http_get() {
    local ns=$1 fam=$2 tag=$3 out=$4 user=${5:-} host
    host=$(url_host "$(srv_of "$fam")")
    local -a cmd=(curl -sS -g --noproxy '*' --connect-timeout 5 --max-time 15 -o - "http://$host:$HTTP_PORT/blob?c=$tag")
    [ -n "${SPORT:-}" ] && cmd+=(--local-port "$SPORT")
    if [ -n "$user" ]; then
        cmd=(setpriv --reuid="$user" --regid="$user" --init-groups -- "${cmd[@]}")
    fi
    ip netns exec "$ns" "${cmd[@]}" >"$out" 2>"$WEIR_IT_DIR/curl.err"
}

# expect_http NS FAMILY TAG [USER]: the download succeeds and is intact.
expect_http() {
    local out="$WEIR_IT_DIR/got.$3"
    http_get "$1" "$2" "$3" "$out" "${4:-}" || fail "curl in $1 to $(srv_of "$2") failed: $(cat "$WEIR_IT_DIR/curl.err")"
    cmp -s "$out" "$WEIR_IT_DIR/www/blob" || fail "the body from $(srv_of "$2") is not intact ($(stat -c %s "$out") bytes)"
    rm -f "$out"
}

# http_peer TAG: the client address the HTTP server saw for request TAG ("" if none).
http_peer() {
    awk -v tag="GET /blob?c=$1 " 'index($0, tag) { print $1 }' "$WEIR_IT_DIR/http.log" | tail -n 1
}

# udp_probe NS FAMILY PAYLOAD: prints "SRCADDR SRCPORT REPLY" of the echo; returns the client's code.
udp_probe() {
    ip netns exec "$1" "$PY" "$MX_TOOLS/udp_client.py" "$(srv_of "$2")" "$UDP_PORT" --payload "$3" \
        --timeout 1 --tries 3 --sport "${SPORT:-0}" --linger "${LINGER:-0}" 2>"$WEIR_IT_DIR/udp.err"
}

# expect_udp NS FAMILY PAYLOAD: an echo comes back from the server's own address and port, and the
# server says it was reached there. Sets UDP_PEER to the source the server saw.
expect_udp() {
    local reply dst
    dst=$(srv_of "$2")
    reply=$(udp_probe "$1" "$2" "$3") || fail "UDP to $dst:$UDP_PORT from $1: no (or a wrong) echo: $reply $(cat "$WEIR_IT_DIR/udp.err")"
    read -r r_addr r_port r_word r_laddr r_lport _from UDP_PEER _rest <<<"$reply"
    if [ "$r_addr" != "$dst" ] || [ "$r_port" != "$UDP_PORT" ]; then
        fail "the UDP reply came from $r_addr:$r_port, not from the original destination $dst:$UDP_PORT"
    fi
    [ "$r_word $r_laddr $r_lport" = "reached $dst $UDP_PORT" ] || fail "unexpected echo: $reply"
}

conns_json() { wctl connections --json || fail "weirctl connections failed: $(cat "$WEIR_IT_DIR/ctl.err")"; }
# conn_count FILTERS...: rows of connections --json matching (see tools/conns.py).
conn_count() {
    local json
    json=$(conns_json) || exit 1
    echo "$json" | "$PY" "$MX_TOOLS/conns.py" count "$@"
}
conn_show() { conns_json | "$PY" "$MX_TOOLS/conns.py" show "$@"; }
# conn_get KEY FILTERS...: KEY of each matching row, one "[value]" per line.
conn_get() { conns_json | "$PY" "$MX_TOOLS/conns.py" get "$@"; }
# conn_counts SPEC...: one weirctl call, one count per SPEC ("dest=..,proto=..,mode=..,source_ip=..,state=..")
# printed on one line.
conn_counts() {
    local json
    json=$(conns_json) || exit 1
    echo "$json" | "$PY" "$MX_TOOLS/conns.py" counts "$@"
}

# until_ms MS: true while less than MS milliseconds have passed since deadline_start was called.
deadline_start() { MX_T0=$(now_ms); }
until_ms() { [ $(($(now_ms) - MX_T0)) -lt "$1" ]; }

# wait_conn_count N FILTERS...: polls (3 s) until at least N rows match; prints the last count.
wait_conn_count() {
    local want=$1 n=0
    shift
    deadline_start
    while until_ms 3000; do
        n=$(conn_count "$@")
        [ "$n" -ge "$want" ] && break
        sleep 0.1
    done
    echo "$n"
}

# through_weir NS FAMILY MODE SOURCE_IP TAG: a download from NS is intact and listed as a MODE row
# from SOURCE_IP that started after the download did (rows are found by time: closed ones age out).
through_weir() {
    local dest since
    dest=$(endpoint "$(srv_of "$2")" "$HTTP_PORT")
    since=$(now_ms)
    expect_http "$1" "$2" "$5"
    [ "$(wait_conn_count 1 --mode "$3" --dest "$dest" --source-ip "$4" --proto tcp --since "$since")" -ge 1 ] ||
        fail "no $3 row $4 -> $dest since the download started: $(conn_show --dest "$dest" --since "$since")"
}

# wait_download_started NAME: a slow download into $WEIR_IT_DIR/NAME.out has received data (5 s).
wait_download_started() {
    deadline_start
    while until_ms 5000; do
        [ "$(stat -c %s "$WEIR_IT_DIR/$1.out" 2>/dev/null || echo 0)" -gt 65536 ] && return 0
        sleep 0.1
    done
    fail "the slow download $1 did not start: $(cat "$WEIR_IT_DIR/$1.err")"
}

# long_rows: the helper's rows that carried over 1 MiB (slow downloads, not probes), with their
# close reasons, for failure messages.
long_rows() {
    wctl connections --json 2>/dev/null | "$PY" -c '
import json, sys
for r in json.load(sys.stdin):
    if max(r.get("bytes_sent", 0), r.get("bytes_received", 0)) > 1 << 20:
        print(json.dumps(r, sort_keys=True))' || echo "(the helper does not answer)"
}

# finish_download PID NAME: waits (30 s) for the slow download NAME; it must have succeeded and be
# intact (S's 2 MiB /long).
finish_download() {
    local rc=0
    deadline_start
    while until_ms 30000 && mx_alive "$1"; do sleep 0.1; done
    mx_alive "$1" && fail "the slow download $2 still runs after 30 s"
    wait "$1" || rc=$?
    [ "$rc" = 0 ] || fail "the slow download $2 failed (curl exit $rc): $(cat "$WEIR_IT_DIR/$2.err"); the helper's rows of long downloads: $(long_rows)"
    cmp -s "$WEIR_IT_DIR/$2.out" "$WEIR_IT_DIR/www/long" ||
        fail "the slow download $2 is not intact ($(stat -c %s "$WEIR_IT_DIR/$2.out") of 2097152 bytes)"
}

# rule_hits FAMILY TABLE CHAIN TARGET PROTO: summed packet counters of the rules in CHAIN with
# `-p PROTO ... -j TARGET` in G; "none" when there is no such rule.
rule_hits() {
    local save=iptables-legacy-save
    [ "$1" = 6 ] && save=ip6tables-legacy-save
    in_g "$save" -c -t "$2" | awk -v chain="$3" -v target="$4" -v proto="$5" '
        $2 == "-A" && $3 == chain {
            p = 0; t = 0
            for (i = 4; i < NF; i++) {
                if ($i == "-p" && $(i + 1) == proto) p = 1
                if ($i == "-j" && $(i + 1) == target) t = 1
            }
            if (p && t) { split(substr($1, 2), a, ":"); n += a[1]; found = 1 }
        }
        END { if (found) print n; else print "none" }'
}

# Everything Weir may touch in G, counters stripped: xtables (v4, v6), policy rules, every route
# table, IP forwarding.
snapshot_g() {
    # One ip netns exec for all of it: entering the namespace costs more than the dumps.
    # shellcheck disable=SC2016 # the script runs in G's shell
    in_g bash -c '
        echo "## iptables"
        iptables-legacy-save | grep -v "^#"
        echo "## ip6tables"
        ip6tables-legacy-save | grep -v "^#"
        echo "## ip -4 rule"
        ip -4 rule
        echo "## ip -6 rule"
        ip -6 rule
        echo "## ip -4 route table all"
        ip -4 route show table all # without -4, "table all" dumps every family
        echo "## ip -6 route table all"
        # Less the subnet-router anycast entries the kernel makes for fe80::, which move around (and
        # come and go in pairs) whenever forwarding is toggled; nothing Weir installs is anycast.
        ip -6 route show table all | grep -v "^anycast fe80:: "
        echo "## sysctl"
        sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/g'
}

# wait_output SECONDS EXPECTED CMD...: polls (every 0.1 s) until CMD prints EXPECTED; false if it
# still does not after SECONDS.
wait_output() {
    local seconds=$1 expected=$2
    shift 2
    deadline_start
    while until_ms $((seconds * 1000)); do
        [ "$("$@")" = "$expected" ] && return 0
        sleep 0.1
    done
    [ "$("$@")" = "$expected" ]
}

wait_snapshot() { wait_output "$2" "$1" snapshot_g; } # wait_snapshot EXPECTED SECONDS

weir_rules_g() { # only Weir's lines of both xtables dumps
    { in_g iptables-legacy-save; in_g ip6tables-legacy-save; } | grep -E 'WEIR_|comment weir' || true
}

# lib.sh's json_get runs `python3` from PATH, which may be a slow version-manager shim.
json_get() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ctl ARGS...: weirctl as root; stdout to stdout, stderr kept in $WEIR_IT_DIR/ctl.err.
ctl() { wctl "$@"; }

# wctl ARGS...: weirctl, stderr kept in $WEIR_IT_DIR/ctl.err. A call refused only because polkit's
# action file is momentarily missing (another test run on this machine removed it; see
# mx_keep_polkit_action) is retried for up to 5 s: such a refusal happens before anything is done.
wctl() {
    local rc t0
    t0=$(now_ms)
    while :; do
        rc=0
        "$WEIRCTL" "$@" 2>"$WEIR_IT_DIR/ctl.err" || rc=$?
        if [ "$rc" -ne 0 ] && grep -q 'is not registered' "$WEIR_IT_DIR/ctl.err" &&
            [ $(($(now_ms) - t0)) -lt 5000 ]; then
            sleep 0.3
            continue
        fi
        return "$rc"
    done
}
ctl_err() { cat "$WEIR_IT_DIR/ctl.err"; }
# status_fields KEY...: fields of one weirctl status --json, space-separated (python repr).
status_fields() {
    local s
    s=$(wctl status --json) || fail "weirctl status failed: $(ctl_err)"
    echo "$s" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(str(d.get(k)) for k in sys.argv[1:]))' "$@"
}
status_field() { # status_field KEY: one field of weirctl status --json (python repr)
    local s
    s=$(wctl status --json) || fail "weirctl status failed: $(ctl_err)"
    echo "$s" | json_get "d.get('$1')"
}

# ---------------------------------------------------------------------------------------------
# A result table: run_case NAME FUNCTION ARGS... runs FUNCTION in a subshell with errexit, so one
# failing case (fail() exits the subshell) is recorded and the next case still runs.

MX_RESULTS=()
MX_FAILED=0
MX_CASE_NO=0
run_case() {
    local name=$1 t0 t1 rc
    shift
    MX_CASE_NO=$((MX_CASE_NO + 1)) # case_port: source ports unique to this case
    echo "=== $name"
    t0=$(now_ms)
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    t1=$(now_ms)
    if [ $rc -eq 0 ]; then
        MX_RESULTS+=("$name|pass|$((t1 - t0))")
    else
        MX_RESULTS+=("$name|FAIL|$((t1 - t0))")
        MX_FAILED=$((MX_FAILED + 1))
    fi
}

# reset_g SNAPSHOT: between sections: the section's processes end (helpers on SIGTERM remove their
# rules), leftovers of a failed one are removed, the state directory is emptied and forwarding is
# on again; G must then be SNAPSHOT (a failed reset is one more failed line of the table).
reset_g() {
    mx_kill_section
    HELPER_PID=
    in_g "$WEIR_HELPER" --cleanup >/dev/null 2>&1 || true # after a failed section only; waits for a guardian
    rm -rf "${WEIR_STATE_DIR:?}"/*
    in_g sysctl -qw net.ipv4.ip_forward=1
    in_g sysctl -qw net.ipv6.conf.all.forwarding=1
    local now
    now=$(snapshot_g)
    if [ "$now" != "$1" ]; then
        echo "reset: G still differs from the start:" >&2
        diff <(echo "$1") <(echo "$now") >&2 || true
        MX_RESULTS+=("reset after the previous section|FAIL|-")
        MX_FAILED=$((MX_FAILED + 1))
    fi
}

# case_port [K]: a client source port no other case of this run uses (K = 0..9).
case_port() { echo $((30000 + MX_CASE_NO * 10 + ${1:-0})); }

# skip_case NAME REASON: recorded as not run.
skip_case() {
    echo "=== $1: skipped ($2)"
    MX_RESULTS+=("$1|skip: $2|-")
}

print_results() {
    local line name result ms
    echo
    printf '%-66s %-8s %8s\n' "case" "result" "ms"
    printf '%-66s %-8s %8s\n' "----" "------" "--"
    for line in "${MX_RESULTS[@]}"; do
        IFS='|' read -r name result ms <<<"$line"
        printf '%-66s %-8s %8s\n' "$name" "$result" "$ms"
    done
    echo "$((${#MX_RESULTS[@]} - MX_FAILED)) of ${#MX_RESULTS[@]} passed or skipped, $MX_FAILED failed"
}
