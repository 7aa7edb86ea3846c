#!/usr/bin/env bash
# Two VLANs on a trunk between two switches, and no leak between them.
#
#   host10  .2/25   == [A a10: access 10]          [B b10: access 10] == hostt10 .1/25
#   host20  .130/25 == [A a20: access 20]          [B b20: access 20] == hostt20 .129/25
#                      [A trunk: 10,20] == veth == [B trunk: 10,20,30]
#                                                  [B b30: access 30] == host30  .201/29
#
# Two bridgehost instances, A and B, joined by a trunk (a veth pair both ends
# of which are net_af_packet ports); this kernel has no 802.1Q sub-interfaces
# or VLAN-filtering bridges, so switch B stands in for a trunk host.
# Checks: each access host pings its VLAN's host across the trunk; the frames
# on the trunk carry their VLAN's tag (tcpdump on the veth); the access hosts
# see untagged frames; host20 hears none of VLAN 10's broadcasts; A's FDB holds
# B's hosts on the trunk in their VLANs; VLAN 30, which A's trunk does not
# allow, is dropped there and counted as vlan_filtered.
# Usage: vlan_trunk.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-vlan.$ID.XXXX")
PIDA= PIDB=
PIDS=()
HOSTS=(10 20 t10 t20 30)
declare -A NS IF ADDR
for h in "${HOSTS[@]}"; do
    NS[$h]="vl$h-$ID"
    IF[$h]="bv${ID}$h"
done
ADDR[10]=$NET.2/25 ADDR[20]=$NET.130/25 ADDR[t10]=$NET.1/25 ADDR[t20]=$NET.129/25 ADDR[30]=$NET.201/29
TRA="bvta$ID" TRB="bvtb$ID"

cleanup() {
    for p in $PIDA $PIDB "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for h in "${HOSTS[@]}"; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    ip link del "$TRA" 2>/dev/null
    rm -rf "$TMP" "/var/run/dpdk/bhvla-$ID" "/var/run/dpdk/bhvlb-$ID"
}
trap cleanup EXIT


for h in "${HOSTS[@]}"; do bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}"; done
ip link add "$TRA" type veth peer name "$TRB"
for t in "$TRA" "$TRB"; do
    sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1"
    ip link set "$t" arp off up
done

switch() { # switch NAME PREFIX PORTS...: writes NAME.yaml and starts it; prints the pid
    local name=$1 prefix=$2
    shift 2
    {
        bh_eal_yaml "$prefix"
        printf 'workers:\n  lcores: [1]\nmetrics:\n  listen: "127.0.0.1:0"\nports:\n'
        printf '  - %s\n' "$@"
    } >"$TMP/$name.yaml"
    "$BIN" --config "$TMP/$name.yaml" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    echo $!
}
PIDA=$(switch a "bhvla-$ID" \
    "{ name: trunk, device: \"net_af_packet0,iface=$TRA\", allowed_vlans: [10, 20] }" \
    "{ name: a10, device: \"net_af_packet1,iface=${IF[10]}\", mode: access, vlan: 10 }" \
    "{ name: a20, device: \"net_af_packet2,iface=${IF[20]}\", mode: access, vlan: 20 }")
# net_af_packet names its PACKET_FANOUT group (getpid() ^ port id): two
# switches whose pids differ only in the two low bits would collide (EINVAL).
# A few processes in between make B's pid differ above them.
for _ in 1 2 3 4 5 6 7 8; do /bin/true; done
PIDB=$(switch b "bhvlb-$ID" \
    "{ name: trunk, device: \"net_af_packet0,iface=$TRB\", allowed_vlans: \"10,20,30\" }" \
    "{ name: b10, device: \"net_af_packet1,iface=${IF[t10]}\", mode: access, vlan: 10 }" \
    "{ name: b20, device: \"net_af_packet2,iface=${IF[t20]}\", mode: access, vlan: 20 }" \
    "{ name: b30, device: \"net_af_packet3,iface=${IF[30]}\", mode: access, vlan: 30 }")
for s in a b; do
    bh_wait_for "forwarding between" 20 "$TMP/$s.err" || { cat "$TMP/$s.err"; echo "FAIL: switch $s did not start"; exit 1; }
done
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "bhvla-$ID")

# Captures: the trunk (tags), and host20 (must stay quiet about VLAN 10).
# net_af_packet sends past the qdisc, so a capture on one end of the trunk
# sees only what the other end sent: capture both ends.
tcpdump -i "$TRA" -n -e -U -w "$TMP/trunk.pcap" 2>"$TMP/td1" &
PIDS+=($!)
tcpdump -i "$TRB" -n -e -U -w "$TMP/trunkb.pcap" 2>"$TMP/td3" &
PIDS+=($!)
in_ns 20 tcpdump -i eth0 -n -e -U -w "$TMP/h20.pcap" 2>"$TMP/td2" &
PIDS+=($!)
bh_wait_for "listening on" 10 "$TMP/td1" && bh_wait_for "listening on" 10 "$TMP/td2" &&
    bh_wait_for "listening on" 10 "$TMP/td3" || fail "tcpdump did not start"

in_ns 10 ping -c 3 -i 0.2 -W 2 "$NET.1" >"$TMP/p10" 2>&1 && pass "host10 pings hostt10 across the trunk in VLAN 10" ||
    { fail "ping in VLAN 10"; cat "$TMP/p10"; }
in_ns 20 ping -c 3 -i 0.2 -W 2 "$NET.129" >"$TMP/p20" 2>&1 && pass "host20 pings hostt20 across the trunk in VLAN 20" ||
    { fail "ping in VLAN 20"; cat "$TMP/p20"; }
in_ns 10 arping -c 2 -w 3 -I eth0 "$NET.1" >/dev/null 2>&1
sleep 0.5
for p in "${PIDS[@]}"; do bh_stop "$p" INT 10; done
PIDS=()

on_trunk() { # on_trunk FILTER: frames seen on the trunk, both directions
    echo $(($(tcpdump -n -r "$TMP/trunk.pcap" "$1" 2>/dev/null | wc -l) +
        $(tcpdump -n -r "$TMP/trunkb.pcap" "$1" 2>/dev/null | wc -l)))
}
tagged10=$(on_trunk "vlan 10 and icmp")
tagged20=$(on_trunk "vlan 20 and icmp")
# Loop-guard probes (ethertype 0x88b6) are the switches' own, untagged by
# design; the check is about forwarded frames. (The ethertype test comes first:
# in a pcap filter, "vlan" shifts the offsets of what follows it.)
untagged=$(on_trunk "not ether proto 0x88b6 and not vlan")
[ "$tagged10" -ge 6 ] && [ "$tagged20" -ge 6 ] && pass "trunk carries ICMP tagged 10 ($tagged10) and 20 ($tagged20)" ||
    fail "trunk tags: VLAN 10 $tagged10, VLAN 20 $tagged20"
[ "$untagged" -eq 0 ] && pass "nothing untagged on the trunk" || fail "$untagged untagged frames on the trunk"
leak=$(tcpdump -n -e -r "$TMP/h20.pcap" "host $NET.1 or host $NET.2" 2>/dev/null | wc -l)
[ "$leak" -eq 0 ] && pass "host20 heard nothing of VLAN 10 (ARP broadcasts included)" ||
    { fail "$leak VLAN 10 frames leaked to host20"; tcpdump -n -e -r "$TMP/h20.pcap" 2>/dev/null | head -5; }
tagged_at_host20=$(tcpdump -n -e -r "$TMP/h20.pcap" vlan 2>/dev/null | wc -l)
[ "$tagged_at_host20" -eq 0 ] && pass "host20 receives untagged frames" || fail "$tagged_at_host20 tagged frames at host20"

mac_t10=$(bh_host_mac "${NS[t10]}") mac_t20=$(bh_host_mac "${NS[t20]}")
"${CTL[@]}" show fdb >"$TMP/fdb" 2>&1
grep -Eq "^$mac_t10 +10 +trunk +dynamic" "$TMP/fdb" && grep -Eq "^$mac_t20 +20 +trunk +dynamic" "$TMP/fdb" &&
    pass "switch A learned hostt10 and hostt20 on the trunk in their VLANs" || { fail "FDB per VLAN"; cat "$TMP/fdb"; }

# VLAN 30: B's trunk carries it, A's does not: dropped there and counted.
in_ns 30 ping -c 2 -i 0.2 -W 1 "$NET.202" >/dev/null 2>&1
"${CTL[@]}" show stats --json >"$TMP/stats" 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["ports"]["trunk"]["drops"]["vlan_filtered"]; sys.exit(0 if d >= 2 else 1)' "$TMP/stats" &&
    pass "VLAN 30 frames dropped on A's trunk as vlan_filtered" || { fail "vlan_filtered count"; cat "$TMP/stats"; }

for s in a b; do
    pid=$PIDA
    [ $s = b ] && pid=$PIDB
    bh_stop "$pid" TERM 10 || fail "switch $s did not stop"
    grep -q "mbufs in use: 0" "$TMP/$s.out" && pass "switch $s: no mbuf left in use" || fail "switch $s: mbufs left in use"
done
PIDA= PIDB=
bh_checks_done
