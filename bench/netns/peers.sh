# shellcheck shell=bash
# The programs of the benchmark (sourced by run.sh): the servers, the upstream proxies, and each row's
# proxy in the gateway with its configuration. Every start_* sets PROXY_PID (or SERVER_PIDS) and
# returns non-zero, with the reason in $WORK, when the program does not come up.

PROXY_PORT=41080
SERVER_PIDS=()

# Waits until something in namespace NS listens on TCP port PORT (or PID has exited).
wait_listen() { # ns port pid
    local _
    for _ in $(seq 100); do
        [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# --- in the server namespace: HTTP, iperf3, the idle-connection holder --------------------------------
start_servers() {
    mkdir -p "$WORK/nginx"
    # A small body: the address nginx saw the request come from, which tells each row's path apart.
    cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
user root;
worker_processes auto;
worker_rlimit_nofile $FD_LIMIT;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections $((FD_LIMIT / 2)); }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen $SERVER_IP:80 backlog=8192;
        location / { default_type text/plain; return 200 "\$remote_addr\n"; }
    }
}
EOF
    ip netns exec "$S" nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" \
        >"$WORK/nginx/out" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listen "$S" 80 $! || { echo "nginx did not start: $(cat "$WORK/nginx/out" "$WORK/nginx/error.log")"; return 1; }

    ip netns exec "$S" iperf3 -s -B "$SERVER_IP" -p 5201 >"$WORK/iperf3-server.log" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listen "$S" 5201 $! || { echo "iperf3 -s did not start: $(cat "$WORK/iperf3-server.log")"; return 1; }

    ip netns exec "$S" python3 "$HERE/idle.py" hold "$SERVER_IP" 9000 >"$WORK/holder.out" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listen "$S" 9000 $! || { echo "idle holder did not start: $(cat "$WORK/holder.out")"; return 1; }
}

# --- in the upstream namespace: dante (SOCKS5) and tinyproxy (HTTP CONNECT) ---------------------------
start_upstreams() {
    cat >"$WORK/danted.conf" <<EOF
logoutput: $WORK/danted.log
internal: $UPSTREAM_IP port = 1080
external: $UPSTREAM_IP
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
    from: 0.0.0.0/0 to: 0.0.0.0/0
    log: error
}
socks pass {
    from: 0.0.0.0/0 to: 0.0.0.0/0
    command: connect udpassociate udpreply
    log: error
}
EOF
    ip netns exec "$U" danted -f "$WORK/danted.conf" -p "$WORK/danted.pid" >"$WORK/danted.out" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listen "$U" 1080 $! || { echo "danted did not start: $(cat "$WORK/danted.out" "$WORK/danted.log")"; return 1; }
    cp "$WORK/danted.conf" "$WORK/config-upstream-dante"

    # No ConnectPort line: CONNECT to any port. No Allow line: any client.
    cat >"$WORK/tinyproxy.conf" <<EOF
Port 8888
Listen $UPSTREAM_IP
Bind $UPSTREAM_IP
Timeout 600
MaxClients 20000
LogLevel Error
LogFile "$WORK/tinyproxy.log"
PidFile "$WORK/tinyproxy.pid"
EOF
    ip netns exec "$U" tinyproxy -d -c "$WORK/tinyproxy.conf" >"$WORK/tinyproxy.out" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listen "$U" 8888 $! || { echo "tinyproxy did not start: $(cat "$WORK/tinyproxy.out")"; return 1; }
    cp "$WORK/tinyproxy.conf" "$WORK/config-upstream-tinyproxy"
}

# --- the proxies under test, in the gateway -------------------------------------------------------------

# What the driver offers; flags other helpers add are used once the driver has them. (Its usage text
# comes with exit status 2, hence no pipe.)
driver_has() {
    local usage
    usage=$("$DRIVER" --help 2>&1 || true)
    grep -q -- "$1" <<<"$usage"
}

start_weir() { # tcp|tcp+udp [upstream-url]
    local args=(--mark 0x5745 --allow "$CLIENT_NET" --listener "tcp,0.0.0.0,$PROXY_PORT,transparent")
    [ "$1" = tcp+udp ] && args+=(--listener "udp,0.0.0.0,$PROXY_PORT,transparent")
    [ -n "${2:-}" ] && args+=(--upstream "$2")
    driver_has --workers && args+=(--workers "$WEIR_WORKERS")
    echo "weir-core-testdriver ${args[*]}" >"$WORK/row.command"
    ip netns exec "$G" "$DRIVER" "${args[@]}" >"$WORK/$ROW.out" 2>"$WORK/$ROW.err" &
    PROXY_PID=$!
    wait_listen "$G" "$PROXY_PORT" "$PROXY_PID"
}

start_haproxy() {
    # A REDIRECTed connection's original destination comes from SO_ORIGINAL_DST (HAProxy asks for it
    # when it looks up the frontend connection's destination); server 0.0.0.0 with no port means
    # "connect to that address and port". Defaults otherwise: tune.bufsize 16 KiB, no splicing.
    cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn $(((FD_LIMIT - 100) / 2))
    log stderr format short local0 err
defaults
    mode tcp
    log global
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend transparent
    bind 0.0.0.0:$PROXY_PORT
    default_backend original_destination
backend original_destination
    server origin 0.0.0.0
EOF
    echo "haproxy -db -f haproxy.cfg" >"$WORK/row.command"
    cp "$WORK/haproxy.cfg" "$WORK/config-$ROW"
    ip netns exec "$G" haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/$ROW.out" 2>"$WORK/$ROW.err" &
    PROXY_PID=$!
    wait_listen "$G" "$PROXY_PORT" "$PROXY_PID"
}

start_v2ray() { # redirect|tproxy
    local network=tcp sockopt=
    if [ "$1" = tproxy ]; then
        network=tcp,udp
        sockopt=', "streamSettings": { "sockopt": { "tproxy": "tproxy" } }'
    fi
    cat >"$WORK/v2ray.json" <<EOF
{
  "log": { "loglevel": "error" },
  "inbounds": [ {
    "listen": "0.0.0.0", "port": $PROXY_PORT, "protocol": "dokodemo-door",
    "settings": { "network": "$network", "followRedirect": true }$sockopt
  } ],
  "outbounds": [ { "protocol": "freedom", "settings": {} } ]
}
EOF
    echo "v2ray -config v2ray.json" >"$WORK/row.command"
    cp "$WORK/v2ray.json" "$WORK/config-$ROW"
    ip netns exec "$G" v2ray -config "$WORK/v2ray.json" >"$WORK/$ROW.out" 2>"$WORK/$ROW.err" &
    PROXY_PID=$!
    wait_listen "$G" "$PROXY_PORT" "$PROXY_PID"
}

start_redsocks() {
    cat >"$WORK/redsocks.conf" <<EOF
base {
    log_debug = off;
    log_info = off;
    log = stderr;
    daemon = off;
    redirector = iptables;
    rlimit_nofile = $FD_LIMIT;
    redsocks_conn_max = $(((FD_LIMIT - 100) / 2));
}
redsocks {
    local_ip = 0.0.0.0;
    local_port = $PROXY_PORT;
    ip = $UPSTREAM_IP;
    port = 1080;
    type = socks5;
}
EOF
    echo "redsocks -c redsocks.conf" >"$WORK/row.command"
    cp "$WORK/redsocks.conf" "$WORK/config-$ROW"
    ip netns exec "$G" redsocks -c "$WORK/redsocks.conf" >"$WORK/$ROW.out" 2>"$WORK/$ROW.err" &
    PROXY_PID=$!
    wait_listen "$G" "$PROXY_PORT" "$PROXY_PID"
}
