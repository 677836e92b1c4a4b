#!/usr/bin/env bash
# The live connection feed on a real bus (private system bus, real polkitd, the real helper in a
# network namespace, real curl):
# - a subscribed client gets ConnectionsChanged deltas for a curl made in the helper's namespace:
#   consecutive seqs, the row added, updates holding only changed keys (bytes, rates), the close
#   with its final duration;
# - the signals are targeted: a root dbus-monitor (a real monitor) sees each one addressed to the
#   subscriber; a client that did not subscribe and a Polkit-denied user get none, and neither does
#   a dbus-monitor run as either of them (non-root: it falls back to eavesdropping match rules,
#   which is checked, and is shown to be live by the broadcasts it does see);
# - a subscriber that leaves the bus is dropped (GetStatus subscribers, the helper's log);
# - CloseConnections resets a live rate-limited download (curl fails with a reset) and its row says
#   "closed by user", seen by `weirctl connections --watch --json`; a denied user's close is refused
#   with AccessDenied and changes nothing; bad arguments are InvalidArgs; ClearHistory empties the
#   history.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
trap weir_it_cleanup EXIT

TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

SUB=weirfeedsub     # allowed; subscribes
OTHER=weirfeedother # allowed; listens for the signal but never subscribes
DENY=weirfeeddeny   # refused by Polkit
D=$WEIR_IT_DIR

weir_it_make_netns
weir_it_start_server
# Bodies sent at a fixed pace by the server (a client's --limit-rate lets socket buffers take the
# first megabyte at once, so it measures nothing).
ip netns exec "$NS_SERVER" "$PY" "$TOOLS/paced_server.py" "$SERVER_IP" 8081 >"$D/paced.out" 2>"$D/paced.log" &
weir_it_track $!
PACED="http://$SERVER_IP:8081"
weir_it_start_bus
# As on the stock system bus (/usr/share/dbus-1/system.conf), root may become a monitor; the private
# bus's own config leaves that out. Everyone else still cannot.
cat >"$D/bus/system.d/root-monitor.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
</busconfig>
EOF
dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ReloadConfig >/dev/null
for u in "$SUB" "$OTHER" "$DENY"; do weir_test_user "$u"; done
weir_polkit_add_rules "$D/bus" "50-weir-feed-test.rules" "
polkit.addRule(function(action, subject) {
    if (action.id.indexOf('io.github.weir.') == 0) {
        if (subject.user == '$SUB' || subject.user == '$OTHER') return polkit.Result.YES;
        if (subject.user == '$DENY') return polkit.Result.NO;
    }
});"
weir_polkit_wait_rule io.github.weir.monitor "$SUB" 0
weir_polkit_wait_rule io.github.weir.monitor "$DENY" 1
weir_it_start_helper
grep -q ready "$D/paced.out" || sleep 1
grep -q ready "$D/paced.out" || fail "the paced server did not start: $(cat "$D/paced.log")"

# as_user USER CMD...: CMD as USER (root when USER is empty). In the background, setpriv is
# started directly instead, so that $! is the process itself and can be killed.
as_user() {
    local user=$1
    shift
    if [ -z "$user" ]; then "$@"; else setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; fi
}
wait_for() { # wait_for SECONDS CMD...: polls CMD every 0.1 s
    local tries=$(($1 * 10))
    shift
    while ((tries-- > 0)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
subscribers() { # GetStatus' subscribers (weirctl status shows only the keys it knows)
    gdbus call --system --dest io.github.weir.Helper1 --object-path /io/github/weir/Helper1 \
        --method io.github.weir.Helper1.GetStatus | sed -n "s/.*'subscribers': <uint32 \([0-9]*\)>.*/\1/p"
}
changed_events() { grep -c '"event": "changed"' "$1" || true; }

# Watchers first, so they see everything from here on. Root becomes a real monitor; the others
# cannot on a system bus and fall back to eavesdropping, which sees only what is broadcast or
# addressed to them.
dbus-monitor --system >"$D/root.mon" 2>"$D/root.mon.err" &
weir_it_track $!
for u in "$OTHER" "$DENY"; do
    setpriv --reuid="$u" --regid="$u" --init-groups -- dbus-monitor --system >"$D/$u.mon" 2>"$D/$u.mon.err" &
    weir_it_track $!
done
setpriv --reuid="$SUB" --regid="$SUB" --init-groups -- "$PY" "$TOOLS/feed_client.py" --subscribe --get >"$D/sub.out" 2>"$D/sub.err" &
SUB_PID=$!
weir_it_track $SUB_PID
setpriv --reuid="$OTHER" --regid="$OTHER" --init-groups -- "$PY" "$TOOLS/feed_client.py" >"$D/other.out" 2>"$D/other.err" &
weir_it_track $!
setpriv --reuid="$DENY" --regid="$DENY" --init-groups -- "$PY" "$TOOLS/feed_client.py" --subscribe >"$D/deny.out" 2>"$D/deny.err" &
weir_it_track $!
wait_for 10 grep -q '"event": "snapshot"' "$D/sub.out" || fail "the subscriber got no snapshot: $(cat "$D/sub.out" "$D/sub.err")"
wait_for 10 grep -q '"event": "ready"' "$D/other.out" || fail "the other client did not start: $(cat "$D/other.err")"
wait_for 10 grep -q '"event": "error"' "$D/deny.out" || fail "the denied user's Subscribe was not refused: $(cat "$D/deny.out" "$D/deny.err")"
grep -q '"call": "Subscribe", "event": "error", "name": "org.freedesktop.DBus.Error.AccessDenied"' "$D/deny.out" ||
    fail "the denied user's Subscribe: $(cat "$D/deny.out")"
! grep -q "Falling back" "$D/root.mon.err" || fail "root's dbus-monitor is no real monitor: $(cat "$D/root.mon.err")"
for u in "$OTHER" "$DENY"; do
    grep -q "Falling back to eavesdropping" "$D/$u.mon.err" ||
        fail "dbus-monitor as $u did not fall back to eavesdropping (it would see everything): $(cat "$D/$u.mon.err")"
done
[ "$(subscribers)" = 1 ] || fail "GetStatus subscribers is $(subscribers), expected 1"
SUB_NAME=$(json_get 'd["name"]' < <(grep '"event": "ready"' "$D/sub.out"))
pass "subscribed as $SUB_NAME (1 subscriber); the denied user's Subscribe: AccessDenied; non-root monitors fall back to eavesdropping"

"$WEIRCTL" enable # a broadcast PropertiesChanged every watcher must see
# A real download in the helper's namespace: 1.5 MiB at 512 KiB/s, 3 s, several ticks with rates.
t0=$(date +%s%3N)
size=$(ip netns exec "$NS_CLIENT" curl -sS --noproxy '*' --max-time 20 -o /dev/null -w '%{size_download}' \
    "$PACED/?bytes=1572864&rate=524288")
elapsed=$(($(date +%s%3N) - t0))
[ "$size" = 1572864 ] || fail "the download through Weir got $size bytes"
pass "curl through the interception: $size bytes in $elapsed ms"

# The subscriber's view: the row added, then updated, then closed, in consecutive signals.
feed_check() { # prints a verdict line; exit 0 when the whole story is there
    "$PY" - "$D/sub.out" "$SERVER_IP:8081" <<'EOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
snap = next(e for e in events if e["event"] == "snapshot")
changed = [e for e in events if e["event"] == "changed" and e["seq"] > snap["seq"]]
seqs = [e["seq"] for e in changed]
if seqs != list(range(snap["seq"] + 1, snap["seq"] + 1 + len(seqs))):
    sys.exit("seqs not consecutive after snapshot %d: %s" % (snap["seq"], seqs))
rows = {}
ids = []
for e in changed:
    for r in e["added"]:
        if r["destination"] == sys.argv[2]:
            ids.append(r["id"])
        rows[r["id"]] = dict(r)
for e in changed:
    for u in e["updated"]:
        if u["id"] in ids:
            unchanged = {"destination", "source", "protocol", "mode", "started_ms"} & set(u)
            if unchanged:
                sys.exit("an update repeats unchanged keys %s: %s" % (sorted(unchanged), u))
            if "duration_ms" in u and u.get("state") not in ("closed", "failed"):
                sys.exit("duration_ms sent for an open row: %s" % u)
if len(ids) != 1:
    sys.exit("expected one added row for %s, got %s" % (sys.argv[2], ids))
cid = ids[0]
row = rows[cid]
rates = []
for e in changed:
    for u in e["updated"]:
        if u["id"] == cid:
            row.update(u)
            if row["state"] == "established":
                rates.append(row["rate_received"])
if row["state"] != "closed":
    sys.exit("row %d is %s, not closed yet" % (cid, row["state"]))
if row["bytes_received"] < 1572864 or row["rate_received"] != 0 or row["duration_ms"] <= 0:
    sys.exit("closed row wrong: %s" % row)
# Socket buffers take the first few hundred KiB at once; after that the rate is curl's limit.
rates.sort()
median = rates[len(rates) // 2] if rates else 0
if len(rates) < 3 or not 300000 <= median <= 700000:
    sys.exit("rate_received while open %s: median %d is not near the server's 512 KiB/s"
             % (rates, median))
print("id %d: %d signals (seq %d..%d), rate_received while open %s (median %d B/s), duration %d ms, "
      "%d bytes received" % (cid, len(seqs), seqs[0], seqs[-1], rates, median, row["duration_ms"],
                             row["bytes_received"]))
EOF
}
wait_for 5 feed_check >/dev/null 2>&1 || true
verdict=$(feed_check 2>&1) || fail "subscriber's deltas: $verdict; $(cat "$D/sub.out")"
pass "subscriber: $verdict"

# Targeted, never broadcast: root's real monitor sees every ConnectionsChanged, each addressed to the
# subscriber; the others, and monitors run as them, see none, though they saw the broadcast.
sleep 0.6
n_root=$(grep -c 'member=ConnectionsChanged' "$D/root.mon" || true)
n_to_sub=$(grep 'member=ConnectionsChanged' "$D/root.mon" | grep -c -- "destination=$SUB_NAME " || true)
[ "$n_root" -ge 2 ] || fail "root's dbus-monitor saw $n_root ConnectionsChanged (the watch cannot tell anything): $(head -c 1500 "$D/root.mon") $(cat "$D/root.mon.err")"
[ "$n_to_sub" = "$n_root" ] || fail "of $n_root ConnectionsChanged only $n_to_sub were addressed to $SUB_NAME"
for u in "$OTHER" "$DENY"; do
    grep -q 'member=PropertiesChanged' "$D/$u.mon" || fail "dbus-monitor as $u saw no broadcast: is it watching at all?"
    ! grep -q 'ConnectionsChanged' "$D/$u.mon" || fail "dbus-monitor as $u saw a ConnectionsChanged: $(grep -A3 ConnectionsChanged "$D/$u.mon" | head)"
done
[ "$(changed_events "$D/other.out")" = 0 ] || fail "the client that did not subscribe got ConnectionsChanged"
[ "$(changed_events "$D/deny.out")" = 0 ] || fail "the denied user got ConnectionsChanged"
pass "root's monitor: $n_root ConnectionsChanged, all to $SUB_NAME; $OTHER and $DENY (clients and their monitors): none, PropertiesChanged seen"

# A subscriber that vanishes (killed: no Unsubscribe) is dropped.
kill -9 "$SUB_PID"
wait_for 5 test "$(subscribers)" = 0 || fail "the killed subscriber is still counted: $(subscribers)"
grep -q "subscriber $SUB_NAME left the bus" "$D/helper.log" || fail "the helper did not log the departure: $(cat "$D/helper.log")"
pass "killed subscriber dropped: subscribers 0, log: $(grep "subscriber $SUB_NAME" "$D/helper.log")"

# The denied user cannot read the table the other way either; Unsubscribe needs no right and is
# idempotent (this caller never subscribed).
err=$(as_user "$DENY" dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.GetConnections 2>&1 || true)
echo "$err" | grep -q "org.freedesktop.DBus.Error.AccessDenied" || fail "the denied GetConnections: $err"
as_user "$DENY" dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.Unsubscribe >/dev/null || fail "Unsubscribe without a subscription failed"
pass "denied user: GetConnections refused; Unsubscribe without a subscription: ok"

# CloseConnections on a live download (8 MiB at 200 KiB/s: would take 40 s).
ip netns exec "$NS_CLIENT" curl -sS --noproxy '*' --max-time 60 -o /dev/null \
    "$PACED/?bytes=8388608&rate=204800" 2>"$D/curl.err" &
CURL_PID=$!
weir_it_track $CURL_PID
setpriv --reuid="$SUB" --regid="$SUB" --init-groups -- "$WEIRCTL" connections --watch --json >"$D/watch.out" 2>"$D/watch.err" &
WATCH_PID=$!
weir_it_track $WATCH_PID
live_id() {
    "$WEIRCTL" connections --json | json_get '[c["id"] for c in d if c["state"] == "established" and c["destination"].endswith(":8081") and c["bytes_received"] > 0][0]'
}
wait_for 10 live_id >/dev/null 2>&1 || fail "the download never showed as established"
ID=$(live_id)
# The terminal view, on a pseudo-terminal for 4 s, then Ctrl-C (SIGINT).
script -qfec "setpriv --reuid=$SUB --regid=$SUB --init-groups -- timeout --preserve-status -s INT 4 \
    $WEIRCTL connections --watch; echo watch-rc=\$?" "$D/tty.out" </dev/null >/dev/null 2>&1 &
TTY_PID=$!
weir_it_track $TTY_PID
ctl_as "$DENY" close "$ID"
[ "$CTL_RC" = 4 ] || fail "the denied user's close exited $CTL_RC, expected 4: $(cat "$D/ctl.err")"
err=$(as_user "$DENY" dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.CloseConnections "array:uint64:$ID" 2>&1 || true)
echo "$err" | grep -q "org.freedesktop.DBus.Error.AccessDenied" || fail "the denied CloseConnections: $err"
kill -0 "$CURL_PID" 2>/dev/null || fail "the download ended after a refused close"
pass "denied user: close refused (exit 4, AccessDenied), the download runs on"

out=$("$WEIRCTL" close "$ID") || fail "weirctl close $ID failed: $(cat "$D/ctl.err" 2>/dev/null)"
[ "$out" = "Closed (reset): $ID" ] || fail "weirctl close said: $out"
set +e
wait_for 5 eval "! kill -0 $CURL_PID 2>/dev/null"
wait "$CURL_PID"
curl_rc=$?
set -e
[ "$curl_rc" != 0 ] || fail "curl finished successfully after its connection was closed"
grep -qi "reset" "$D/curl.err" || fail "curl did not see a reset (exit $curl_rc): $(cat "$D/curl.err")"
row=$("$WEIRCTL" connections --json | json_get "[(c['state'], c['close_reason'], c['rate_received']) for c in d if c['id'] == $ID]")
[ "$row" = "[('closed', 'closed by user', 0)]" ] || fail "row $ID after close: $row"
pass "weirctl close $ID: curl exit $curl_rc ($(head -c 80 "$D/curl.err")), row closed by user"

wait_for 3 grep -q '"closed by user"' "$D/watch.out" || fail "weirctl connections --watch --json did not show the close: $(tail -c 600 "$D/watch.out") $(cat "$D/watch.err")"
kill -INT "$WATCH_PID"
set +e
wait "$WATCH_PID"
watch_rc=$?
set -e
[ "$watch_rc" = 0 ] || fail "weirctl --watch exited $watch_rc on Ctrl-C: $(cat "$D/watch.err")"
pass "weirctl connections --watch --json ($SUB): $(wc -l <"$D/watch.out") tables, showed the close, Ctrl-C exits 0"
wait "$TTY_PID" || true
redraws=$(grep -o $'\e\\[H\e\\[2J' "$D/tty.out" | wc -l)
[ "$redraws" -ge 3 ] || fail "weirctl --watch on a terminal redrew $redraws times in 4 s: $(cat -v "$D/tty.out" | tail -5)"
grep -q "closed by user" "$D/tty.out" || fail "the terminal view did not show the close: $(cat -v "$D/tty.out" | tail -5)"
grep -q "watch-rc=0" "$D/tty.out" || fail "weirctl --watch on a terminal did not exit 0 on Ctrl-C: $(tail -3 "$D/tty.out")"
pass "weirctl connections --watch on a terminal: $redraws redraws in place (ESC[H ESC[2J), showed the close, Ctrl-C exits 0"
wait_for 5 test "$(subscribers)" = 0 || fail "weirctl --watch is still subscribed after it ended"

"$WEIRCTL" close "$ID" >/dev/null 2>"$D/ctl.err" && fail "closing a closed connection succeeded"
grep -q "not open" "$D/ctl.err" || fail "closing it again: $(cat "$D/ctl.err")"
ctl_as "" close abc
[ "$CTL_RC" = 2 ] || fail "weirctl close abc exited $CTL_RC, expected 2"
err=$(dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.CloseConnections "array:uint64:" 2>&1 || true)
echo "$err" | grep -q "org.freedesktop.DBus.Error.InvalidArgs" || fail "CloseConnections([]) was not InvalidArgs: $err"
pass "closing again: exit 1 (not open); bad id: exit 2; empty list: $err"

# ClearHistory: refused for the denied user, empties the closed rows for root.
err=$(as_user "$DENY" dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.ClearHistory 2>&1 || true)
echo "$err" | grep -q "org.freedesktop.DBus.Error.AccessDenied" || fail "the denied ClearHistory: $err"
before=$("$WEIRCTL" connections --json | json_get 'len(d)')
[ "$before" -ge 2 ] || fail "expected the closed connections in the history, got $before rows"
dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.ClearHistory >/dev/null
[ "$("$WEIRCTL" connections --json | json_get 'len(d)')" = 0 ] || fail "ClearHistory left rows"
pass "ClearHistory: denied user refused; $before closed rows forgotten"
echo "connection_feed: all checks passed"
