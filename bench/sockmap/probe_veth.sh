#!/bin/bash
# Runs bench/sockmap/probe_veth.cpp (built as /tmp/smx/dup2) across a veth pair: one client namespace, one
# relay namespace with a local server; both directions at once. No duplication seen here (see SOCKMAP.md).
# dup2.sh SOCKMAP(0|1) LOSS%  -- client ns A -> veth (netem loss) -> ns B: dup2 relay -> local server
set -e
A=smxA-$$ B=smxB-$$
trap 'ip netns pids $A 2>/dev/null | xargs -r kill -9; ip netns pids $B 2>/dev/null | xargs -r kill -9; ip netns del $A; ip netns del $B' EXIT
ip netns add $A; ip netns add $B
ip -n $A link set lo up; ip -n $B link set lo up
ip link add sa0 netns $A type veth peer name sb0 netns $B
ip -n $A addr add 10.77.0.1/24 dev sa0; ip -n $B addr add 10.77.0.2/24 dev sb0
ip -n $A link set sa0 up; ip -n $B link set sb0 up
[ "$2" != 0 ] && ip netns exec $A iptables-legacy -A OUTPUT -o sa0 -p tcp -m statistic --mode random --probability "$2" -j DROP
ip netns exec $B /tmp/smx/dup2 "$1" > /tmp/smx/dup2.out &
sleep 0.3
ip netns exec $A python3 -c '
import socket
pat = bytes(i % 251 for i in range(251 * 4096))  # whole periods: chunks keep the pattern
import threading
s = socket.create_connection(("10.77.0.2", 5001))
def send():
    n = 0
    while n < 256 << 20:
        s.sendall(pat); n += len(pat)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = bytearray(); bad = None
while True:
    d = s.recv(1 << 20)
    if not d: break
    got += d
    while len(got) >= len(pat):
        if bad is None and got[:len(pat)] != pat: bad = True
        del got[:len(pat)]
t.join()
print("client got back: leftover", len(got), "bad" if bad or got else "ok")
'
wait
cat /tmp/smx/dup2.out
ip netns exec $B nstat -az TcpExtTCPDSACKOldSent TcpExtTCPDSACKRecv 2>/dev/null | tail -2 | tr -s ' '
