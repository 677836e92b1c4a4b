#!/usr/bin/env bash
# Made the ClientHello files in this folder, once; the tests only read them. Each real client
# connects to record_first_bytes.py on 127.0.0.1 (loopback only: no rules, no routes), which saves
# the records carrying the ClientHello and hangs up. Rerun to refresh them (random, session id and
# key shares change every time; the names and lengths the tests check do not).
# Usage: tests/sniff/data/capture_hellos.sh   (from anywhere; writes next to itself)
set -euo pipefail
cd "$(dirname "$0")"
port=${PORT:-47311}

# capture NAME COMMAND...: records the first bytes COMMAND sends to 127.0.0.1:$port into NAME.bin.
capture() {
    local name=$1
    shift
    python3 record_first_bytes.py "$port" "$name.bin" >"/tmp/record-$name.log" 2>&1 &
    local recorder=$!
    for _ in $(seq 50); do
        grep -q listening "/tmp/record-$name.log" 2>/dev/null && break
        sleep 0.1
    done
    timeout 10 "$@" </dev/null >/dev/null 2>&1 || true
    wait "$recorder"
    cat "/tmp/record-$name.log"
}

# OpenSSL 3's s_client: TLS 1.3 and 1.2 offered, SNI example.test.
capture openssl-s_client openssl s_client -connect "127.0.0.1:$port" -servername example.test
# The same without a server_name extension: TLS, but no host to find.
capture openssl-noservername openssl s_client -connect "127.0.0.1:$port" -noservername
# A name in capitals: the sniffer lower-cases it.
capture openssl-uppercase openssl s_client -connect "127.0.0.1:$port" -servername WWW.Example.TEST
# A ClientHello larger than one 512-byte record (a long ALPN list): handshake spanning records.
alpn=$(printf 'protocol-%02d,' $(seq 40))
capture openssl-multirecord openssl s_client -connect "127.0.0.1:$port" -servername multi.example.test \
    -max_send_frag 512 -alpn "${alpn%,}"
# Python's ssl module (OpenSSL underneath, its own defaults).
capture python-ssl python3 -c "
import socket, ssl
ctx = ssl.create_default_context()
with socket.create_connection(('127.0.0.1', $port)) as s:
    try:
        ctx.wrap_socket(s, server_hostname='example.test')
    except (ssl.SSLError, OSError):
        pass
"
# curl (ALPN h2 and http/1.1, its own extension order).
capture curl curl -sk --connect-to "curl.example.test:443:127.0.0.1:$port" https://curl.example.test/
