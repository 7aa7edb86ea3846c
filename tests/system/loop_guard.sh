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
#
# STP=1 (system.loop_guard_stp): the same loop with the spanning tree on as
# well (hello 1 s, max_age 6 s, forward_delay 4 s). Both guard, and the
# spanning tree must cut the loop first: every port starts discarding, seg1's
# BPDUs come back on seg2, which becomes a backup port (its designated bridge
# is bridgehost itself) and keeps discarding. Loop guard still probes out of
# the forwarding ports and its probes still come back on seg2 (counted
# loop_probe), but a probe heard on a port the spanning tree discards is no
# loop that forwards frames: loop guard must not block anything nor log a
# loop, before, during or after convergence. Checks: seg1 designated
# forwarding, seg2 backup discarding (show stp, show ports, /metrics); hosta
# pings hostc; seg2 counts stp_discarding and loop_probe drops, no
# port_blocked; once br0 is deleted seg2 forwards (its information ages out
# in 3 hellos, it becomes designated, an edge port since no BPDU comes).
# Usage: [STP=1] loop_guard.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
STP=${STP:-0}
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
[ "$STP" = 1 ] && cat >>"$TMP/bridgehost.yaml" <<YAML
stp:
  enabled: true
  hello_time: 1
  max_age: 6
  forward_delay: 4
YAML

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")

finish() {
    bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
    PID=
    grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || fail "mbufs left in use"
    bh_checks_done
}

if [ "$STP" = 1 ]; then
    source "$BH_LIB/faults.sh" # until_true
    source "$BH_LIB/stp.sh"
    cut() {
        "${CTL[@]}" show stp --json >"$TMP/stp.json" 2>&1 && jq -e '
            (.ports[] | select(.name == "seg1") | .role == "designated" and .state == "forwarding") and
            (.ports[] | select(.name == "seg2") | .role == "backup" and .state == "discarding") and
            (.ports[] | select(.name == "hostc") | .state == "forwarding")' "$TMP/stp.json" >/dev/null
    }
    t=$(until_true 20 cut) && pass "STP cut the loop in $t s: seg1 designated forwarding, seg2 backup discarding" ||
        { fail "STP did not cut the loop in 20 s"; stp_brief "$TMP/stp.json" 2>/dev/null || cat "$TMP/stp.json"; }
    stp_brief "$TMP/stp.json"
    ip netns exec "$NSA" ping -c 3 -i 0.3 -W 2 "$NET.3" >"$TMP/ping" 2>&1 &&
        pass "hosta pings hostc across the cut loop" || { fail "ping hosta -> hostc"; cat "$TMP/ping"; }
    sleep 1 # five more probe rounds around the loop
    "${CTL[@]}" show ports --json >"$TMP/ports.json" 2>&1
    jq -e '(map(select(.state == "blocked")) | length) == 0 and
           (map(select(.name == "seg2"))[0] | .state == "discarding" and .loop_guard.loops == 0) and
           (map(select(.name == "seg1"))[0] | .loop_guard.probes_sent > 0)' "$TMP/ports.json" >/dev/null &&
        pass "show ports --json: nothing blocked by loop guard, seg2 discarding, probes sent" ||
        { fail "show ports --json"; cat "$TMP/ports.json"; }
    "${CTL[@]}" show ports >"$TMP/ports" 2>&1
    grep -Eq "^seg2 +up +stp backup, discarding " "$TMP/ports" && ! grep -q "blocked" "$TMP/ports" &&
        pass "bridgehostctl show ports: seg2 \"stp backup, discarding\", nothing blocked" || { fail "show ports"; cat "$TMP/ports"; }
    "${CTL[@]}" show stats --json >"$TMP/stats.json" 2>&1
    jq -e '.ports.seg2.drops as $d | $d.stp_discarding > 0 and $d.loop_probe > 0 and ($d.port_blocked // 0) == 0' \
        "$TMP/stats.json" >/dev/null &&
        pass "seg2 drops what it receives (stp_discarding) and seg1's returning probes (loop_probe), none as port_blocked" ||
        { fail "drop counters"; jq -c .ports.seg2.drops "$TMP/stats.json"; }
    curl -sf --max-time 5 "http://127.0.0.1:$mport/metrics" >"$TMP/metrics" &&
        python3 "$(dirname "$0")/check_prometheus.py" "$TMP/metrics" \
            'bridgehost_port_blocked{port="seg2"} == 0' \
            'bridgehost_port_loops_detected_total{port="seg2"} == 0' \
            'bridgehost_port_loops_detected_total{port="seg1"} == 0' \
            'bridgehost_stp_port_role{port="seg2",role="backup"} == 1' \
            'bridgehost_stp_port_state{port="seg2",state="discarding"} == 1' >"$TMP/check" &&
        pass "/metrics: nothing blocked, no loop detected, seg2 backup discarding" || { fail "/metrics"; cat "$TMP/check"; }
    grep -q "loop detected" "$TMP/err" && { fail "loop guard fired although STP cut the loop"; grep "loop detected" "$TMP/err"; } ||
        pass "loop guard logged no loop"

    # The loop goes: br0 deleted, seg1's BPDUs stop coming back.
    ip -n "$LOOP" link del br0
    all_forward() {
        "${CTL[@]}" show stp --json >"$TMP/stp.json" 2>&1 &&
            jq -e '[.ports[] | .role == "designated" and .state == "forwarding"] | all' "$TMP/stp.json" >/dev/null
    }
    t=$(until_true 20 all_forward) && pass "the loop gone, seg2 designated forwarding after $t s" ||
        { fail "seg2 not forwarding 20 s after the loop went"; stp_brief "$TMP/stp.json"; }
    "${CTL[@]}" show ports >"$TMP/ports2" 2>&1
    [ "$(grep -c " forwarding " "$TMP/ports2")" -eq 3 ] &&
        pass "show ports: every port forwarding" || { fail "show ports after"; cat "$TMP/ports2"; }
    grep -q "loop detected" "$TMP/err" && { fail "loop guard fired"; grep "loop detected" "$TMP/err"; } ||
        pass "loop guard logged no loop all along"
    finish
    exit
fi

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

finish
