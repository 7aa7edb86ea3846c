#!/usr/bin/env bash
# Loop guard with a real loop: two of bridgehost's ports on one Linux bridge.
#
#   [bridgehost seg1] ==veth== l1 \
#                                  br0 (ns lgl-*, no STP) -- hosta(ns)
#   [bridgehost seg2] ==veth== l2 /
#   [bridgehost hostc] ==veth== hostc(ns)
#
# Without loop guard a broadcast from hosta would circulate br0 -> seg1 ->
# seg2 -> br0 for ever. Checks: bridgehost blocks exactly one port (seg2, the
# higher-numbered of the two), logs it once, shows it in `bridgehostctl show
# ports` and /metrics; hosta still pings hostc; `port enable` unblocks it (and
# the loop blocks it again); once br0 is deleted (the loop is
# gone) seg2 forwards again after the hold time.
# Usage: loop_guard.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-loop.$ID.XXXX")
PID=
LOOP="lgl-$ID" NSA="lga-$ID" NSC="lgc-$ID"
IF1="blg1${ID}" IF2="blg2${ID}" IFC="blgc${ID}" # host side: bridgehost's af_packet ports
PREFIX="bhlg-$ID"

cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    bh_host_del "$NSC" "$IFC"
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$LOOP" 2>/dev/null
    ip link del "$IF1" 2>/dev/null
    ip link del "$IF2" 2>/dev/null
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

# The looped segment: br0 joins l1, l2 (toward seg1, seg2) and hosta.
ip netns add "$LOOP"
ip netns add "$NSA"
for ns in "$LOOP" "$NSA"; do # no IPv6 chatter circulating before the loop is found
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$LOOP" link add br0 type bridge stp_state 0
for i in 1 2; do
    hostif=IF$i
    ip link add "${!hostif}" type veth peer name "l$i" netns "$LOOP"
    sysctl -qw "net.ipv6.conf.${!hostif}.disable_ipv6=1"
    ip link set "${!hostif}" arp off up
    ip -n "$LOOP" link set "l$i" master br0 up
done
ip -n "$LOOP" link add ha type veth peer name eth0 netns "$NSA"
ip -n "$LOOP" link set ha master br0 up
ip -n "$LOOP" link set br0 up
ip -n "$NSA" link set lo up
ip -n "$NSA" addr add "$NET.1/24" dev eth0
ip -n "$NSA" link set eth0 up
bh_host_add "$NSC" "$IFC" "$NET.3/24"

cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml $PREFIX)
ports:
  - { name: seg1, device: "net_af_packet0,iface=$IF1" }
  - { name: seg2, device: "net_af_packet1,iface=$IF2" }
  - { name: hostc, device: "net_af_packet2,iface=$IFC" }
fdb:
  capacity: 1024
workers:
  lcores: [1]
control:
  lcore: 0
metrics:
  listen: "127.0.0.1:0"
loop_guard:
  interval_ms: 200
  hold_seconds: 2
YAML

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")

bh_wait_for "loop detected: probe sent on seg[12] came back on seg[12]; seg2 blocked" 5 "$TMP/err" &&
    pass "loop detected, seg2 blocked" || { fail "no loop detected"; cat "$TMP/err"; }
# Traffic while the loop is there: hosta's broadcasts reach br0's both legs.
ip netns exec "$NSA" ping -c 3 -i 0.3 -W 2 "$NET.3" >"$TMP/ping" 2>&1 &&
    pass "hosta pings hostc across the blocked loop" || { fail "ping hosta -> hostc"; cat "$TMP/ping"; }
"${CTL[@]}" show ports --json >"$TMP/ports.json" 2>&1
python3 - "$TMP/ports.json" <<'PY' && pass "show ports --json: only seg2 blocked, loop with seg1" || { fail "show ports --json"; cat "$TMP/ports.json"; }
import json, sys
ports = {p["name"]: p for p in json.load(open(sys.argv[1]))}
blocked = [n for n, p in ports.items() if p["state"] == "blocked"]
s2 = ports["seg2"]
sys.exit(0 if blocked == ["seg2"] and s2["blocked_reason"] == "loop" and s2["loop_with"] == "seg1"
         and s2["loop_guard"]["loops"] == 1 and ports["seg1"]["loop_guard"]["probes_sent"] > 0 else 1)
PY
"${CTL[@]}" show ports >"$TMP/ports" 2>&1
grep -Eq "^seg2 +up +blocked \(loop with seg1\)" "$TMP/ports" && grep -Eq "^seg1 +up +forwarding" "$TMP/ports" &&
    pass "bridgehostctl show ports: seg2 blocked (loop with seg1)" || { fail "show ports"; cat "$TMP/ports"; }
"${CTL[@]}" show stats --json >"$TMP/stats.json" 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["ports"]["seg2"]["drops"]; sys.exit(0 if d["loop_probe"] > 0 and d["port_blocked"] > 0 else 1)' "$TMP/stats.json" &&
    pass "seg2 counts returned probes and frames dropped while blocked" || { fail "drop counters"; cat "$TMP/stats.json"; }
curl -sf --max-time 5 "http://127.0.0.1:$mport/metrics" >"$TMP/metrics" &&
    python3 "$(dirname "$0")/check_prometheus.py" "$TMP/metrics" \
        'bridgehost_port_blocked{port="seg2"} == 1' \
        'bridgehost_port_blocked{port="seg1"} == 0' \
        'bridgehost_port_blocked{port="hostc"} == 0' \
        'bridgehost_port_loops_detected_total{port="seg2"} == 1' >"$TMP/check" &&
    pass "/metrics: blocked 1 on seg2 only" || { fail "/metrics"; cat "$TMP/check"; }
[ "$(grep -c "loop detected" "$TMP/err")" -eq 1 ] &&
    pass "logged once while the loop lasts" || fail "logged $(grep -c "loop detected" "$TMP/err") times"

# The operator: a port that is not blocked is refused; enabling seg2 while the
# loop is still there only gets it blocked again by the next probe.
"${CTL[@]}" port enable seg1 >/dev/null 2>"$TMP/ctl.err"
[ $? -eq 1 ] && grep -q "port seg1 is not blocked" "$TMP/ctl.err" &&
    pass "port enable refuses a forwarding port (exit 1)" || { fail "port enable seg1"; cat "$TMP/ctl.err"; }
"${CTL[@]}" port enable seg2 >"$TMP/ctl.out" 2>&1 &&
    pass "port enable seg2" || { fail "port enable seg2"; cat "$TMP/ctl.out"; }
for _ in $(seq 50); do [ "$(grep -c "loop detected" "$TMP/err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "loop detected: .*; seg2 blocked" "$TMP/err")" -eq 2 ] &&
    pass "the loop still there blocks seg2 again" || { fail "not blocked again"; tail -5 "$TMP/err"; }

# The loop goes: br0 is deleted. No probe comes back, and after the hold time seg2 forwards.
ip -n "$LOOP" link del br0
bh_wait_for "seg2: no loop-guard probe came back for 2 s: the loop is gone, forwarding again" 8 "$TMP/err" &&
    pass "seg2 forwards again once the loop is gone" || { fail "seg2 not unblocked"; tail -5 "$TMP/err"; }
"${CTL[@]}" show ports >"$TMP/ports2" 2>&1
[ "$(grep -c " forwarding " "$TMP/ports2")" -eq 3 ] &&
    pass "show ports: every port forwarding" || { fail "show ports after"; cat "$TMP/ports2"; }

bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || fail "mbufs left in use"
bh_checks_done
