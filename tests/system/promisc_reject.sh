#!/usr/bin/env bash
# The seed's failure, reproduced: hostb sits behind a "vSwitch" that rejects
# promiscuous mode, and bridgehost must say so.
#
#   hosta(ns) ==veth== [bridgehost port hosta]
#   [bridgehost port hostb] ==veth== vsw(ns): br0 ==veth== hostb(ns)
#
# br0 in namespace vsw plays ESXi's vSwitch: on the port toward bridgehost,
# learning and unknown-unicast flooding are off and the vNIC's own MAC (the
# DPDK port's) is a static entry. So that port gets broadcasts, multicasts and
# frames for its own MAC, and never unicast for hosta, as a vSwitch with
# "Promiscuous mode: Reject" does. ARP crosses; hostb's unicast replies do not.
#
# Checks: ping fails; within the window the log names port hostb (and not
# hosta) with the ESXi advice; bridgehostctl show ports prints it; /metrics has
# bridgehost_port_promisc_suspect{port="hostb"} 1. Then the vSwitch is set to
# "Accept" (learning and flooding on): ping works and the warning clears.
# Usage: promisc_reject.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-promisc.$ID.XXXX")
PID=
NSA="pra-$ID" NSB="prb-$ID" VSW="prv-$ID"
IFA="bpa${ID}" IFB="bpb${ID}"     # host side: bridgehost's af_packet ports
PREFIX="bhpr-$ID"
WINDOW=3

cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    bh_host_del "$NSA" "$IFA"
    ip netns del "$NSB" 2>/dev/null
    ip netns del "$VSW" 2>/dev/null
    ip link del "$IFB" 2>/dev/null
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT


# hosta: as in the seed scenario.
bh_host_add "$NSA" "$IFA" "$NET.1/24"
# hostb behind the vSwitch.
ip netns add "$VSW"
ip netns add "$NSB"
ip -n "$VSW" link add br0 type bridge
ip link add "$IFB" type veth peer name vnic netns "$VSW"
ip -n "$VSW" link add hb type veth peer name eth0 netns "$NSB"
sysctl -qw "net.ipv6.conf.$IFB.disable_ipv6=1"
ip link set "$IFB" arp off up
for l in vnic hb; do ip -n "$VSW" link set "$l" master br0 up; done
ip -n "$VSW" link set br0 up
ip -n "$NSB" link set lo up
ip -n "$NSB" addr add "$NET.2/24" dev eth0
ip -n "$NSB" link set eth0 up
vnic_mac=$(ip -br link show "$IFB" | awk '{print $3}')
reject() { # the vSwitch delivers only the vNIC's own MAC and group frames to it
    ip netns exec "$VSW" bridge link set dev vnic learning off flood off mcast_flood on
    ip netns exec "$VSW" bridge fdb replace "$vnic_mac" dev vnic master static
}
accept() {
    ip netns exec "$VSW" bridge link set dev vnic learning on flood on
}
reject

cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml $PREFIX)
ports:
  - { name: hosta, device: "net_af_packet0,iface=$IFA" }
  - { name: hostb, device: "net_af_packet1,iface=$IFB" }
fdb:
  capacity: 1024
workers:
  lcores: [1]
control:
  lcore: 0
  promisc_check_seconds: $WINDOW
metrics:
  listen: "127.0.0.1:0"
YAML

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")

# Both hosts ping each other for a few windows, as users would: ARP crosses,
# hostb's unicast replies never reach bridgehost.
ip netns exec "$NSA" ping -c 16 -i 0.5 -W 1 "$NET.2" >"$TMP/ping_a" 2>&1 &
PA=$!
ip netns exec "$NSB" ping -c 16 -i 0.5 -W 1 "$NET.1" >"$TMP/ping_b" 2>&1 &
PB=$!
bh_wait_for "port hostb receives no unicast for other MACs" $((WINDOW + 8)) "$TMP/err" &&
    pass "diagnosis logged for port hostb" || { fail "no diagnosis for hostb"; "${CTL[@]}" show stats; }
grep -q "warning: port hostb receives no unicast for other MACs: the hypervisor may reject promiscuous mode; on ESXi set Promiscuous mode and Forged transmits to Accept on the vSwitch or port group" "$TMP/err" &&
    pass "the warning has the operator's advice" || { fail "warning text"; grep diag "$TMP/err"; }
[ "$(grep -c "receives no unicast for other MACs" "$TMP/err")" -eq 1 ] &&
    pass "warned once" || fail "warned $(grep -c "receives no unicast" "$TMP/err") times"
grep -q "port hosta receives no unicast" "$TMP/err" && fail "hosta blamed too" || pass "hosta not blamed"
"${CTL[@]}" show ports >"$TMP/ports" 2>&1
grep -q "^warning: port hostb receives no unicast for other MACs: the hypervisor may reject promiscuous mode" "$TMP/ports" &&
    ! grep -q "port hosta receives" "$TMP/ports" &&
    pass "bridgehostctl show ports shows it for hostb only" || { fail "show ports"; cat "$TMP/ports"; }
curl -sf --max-time 5 "http://127.0.0.1:$mport/metrics" >"$TMP/metrics" &&
    python3 "$(dirname "$0")/check_prometheus.py" "$TMP/metrics" \
        'bridgehost_port_promisc_suspect{port="hostb"} == 1' \
        'bridgehost_port_promisc_suspect{port="hosta"} == 0' >"$TMP/check" &&
    pass "/metrics: promisc_suspect 1 on hostb, 0 on hosta" || { fail "/metrics gauge"; cat "$TMP/check"; }
bh_wait_gone "$PA" 20; bh_wait_gone "$PB" 20
grep -q " 0% packet loss" "$TMP/ping_a" && fail "ping crossed a vSwitch that rejects promiscuous mode" ||
    pass "ping fails while the vSwitch rejects promiscuous mode (the seed's symptom)"

# The operator sets Promiscuous mode to Accept: unicast arrives, the warning clears.
accept
ip netns exec "$NSA" ping -c 3 -i 0.3 -W 2 "$NET.2" >"$TMP/ping_a2" 2>&1 &&
    pass "ping hosta -> hostb once the vSwitch accepts" || { fail "ping after accept"; cat "$TMP/ping_a2"; }
bh_wait_for "port hostb receives unicast for other MACs again" 5 "$TMP/err" &&
    pass "diagnosis cleared in the log" || fail "diagnosis not cleared"
"${CTL[@]}" show ports --json >"$TMP/ports.json" 2>&1
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if all(p["diagnosis"] is None and not p["promisc_suspect"] for p in r) else 1)' "$TMP/ports.json" &&
    pass "show ports: no diagnosis once cleared" || { fail "show ports after clear"; cat "$TMP/ports.json"; }

bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || fail "mbufs left in use"
bh_checks_done
