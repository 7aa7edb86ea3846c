#!/usr/bin/env bash
# Jumbo frames, mtu, mirroring and storm control on real net_af_packet ports.
# hosta and hostb talk with MTU 9000 (af_packet framesz=9216); hostc's port has
# mtu 1500, so jumbo frames to it are dropped (too_big) while small ones pass;
# hostd is the mirror destination of hosta's port and sees its ICMP both ways,
# and is never forwarded to; hostb's port limits broadcast to 20 frames/s, so a
# burst of broadcasts is cut down (storm_broadcast) while unicast goes on.
# Usage: l2_features.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-l2.$ID.XXXX")
PID= TCPDUMP=
PREFIX="bhl2-$ID"
declare -A NS IF ADDR
for h in a b c d; do
    NS[$h]="l2$h-$ID"
    IF[$h]="bhl${ID}$h"
done
ADDR[a]=$NET.1 ADDR[b]=$NET.2 ADDR[c]=$NET.3 ADDR[d]=$NET.4

cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    [ -n "$TCPDUMP" ] && kill -KILL "$TCPDUMP" 2>/dev/null
    for h in a b c d; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT


for h in a b c d; do bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"; done
for h in a b; do # jumbo on both ends of the wire
    ip link set "${IF[$h]}" mtu 9000
    ip -n "${NS[$h]}" link set eth0 mtu 9000
done
ip -n "${NS[a]}" link set eth0 mtu 9000 # hosta may send jumbo frames toward hostc too

# af_packet copies each frame into one mbuf: framesz must hold the largest
# frame, and bridgehost sizes its mbufs for it.
JUMBO="framesz=9216,blocksz=36864"
cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml $PREFIX 512)
ports:
  - { name: hosta, device: "net_af_packet0,iface=${IF[a]},$JUMBO" }
  - name: hostb
    device: "net_af_packet1,iface=${IF[b]},$JUMBO"
    storm_control: { broadcast: 20 }
  - { name: hostc, device: "net_af_packet2,iface=${IF[c]}", mtu: 1500 }
  - { name: hostd, device: "net_af_packet3,iface=${IF[d]}" }
mirror: { from: [hosta], direction: both, to: hostd }
control: { promisc_check_seconds: 0 }
metrics: { listen: "127.0.0.1:0" }
YAML

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
# drops PORT REASON: a drop counter of the running switch.
drops() { "${CTL[@]}" show stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['ports']['$1']['drops']['$2'])"; }

# Jumbo frames, whole, both ways (-M do: never fragmented on the way).
check "ping hosta -> hostb with 9000-byte packets" in_ns a ping -c 3 -i 0.2 -W 2 -M do -s 8972 "${ADDR[b]}"
check "ping hostb -> hosta with 9000-byte packets" in_ns b ping -c 3 -i 0.2 -W 2 -M do -s 8972 "${ADDR[a]}"

# hostc's port has mtu 1500: small frames pass, jumbo frames are dropped there.
check "ping hosta -> hostc, small" in_ns a ping -c 2 -i 0.2 -W 2 "${ADDR[c]}"
in_ns a ping -c 2 -i 0.2 -W 1 -M do -s 8972 "${ADDR[c]}" >/dev/null 2>&1 &&
    fail "a 9000-byte ping crossed to hostc's mtu-1500 port" || pass "9000-byte pings to hostc do not cross"
too_big=$(drops hostc too_big)
[ "$too_big" -ge 2 ] && pass "hostc: too_big counted ($too_big)" || fail "hostc: too_big is $too_big, expected >= 2"

# The mirror: hostd (MTU 1500, the jumbo copies could not reach it) sees
# hosta's ICMP both ways, and what hostd sends goes nowhere.
ip netns exec "${NS[d]}" tcpdump -i eth0 -n -U -w "$TMP/hostd.pcap" 2>"$TMP/tcpdump.err" &
TCPDUMP=$!
bh_wait_for "listening on" 10 "$TMP/tcpdump.err" || fail "tcpdump did not start"
check "ping hosta -> hostb while hostd listens" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"
sleep 0.5
bh_stop "$TCPDUMP" INT 10 || fail "tcpdump did not stop"
TCPDUMP=
requests=$(tcpdump -n -r "$TMP/hostd.pcap" "icmp[icmptype] = icmp-echo and src ${ADDR[a]} and dst ${ADDR[b]}" 2>/dev/null | wc -l)
replies=$(tcpdump -n -r "$TMP/hostd.pcap" "icmp[icmptype] = icmp-echoreply and src ${ADDR[b]} and dst ${ADDR[a]}" 2>/dev/null | wc -l)
[ "$requests" -eq 3 ] && pass "hostd saw hosta's 3 echo requests to hostb" || fail "hostd saw $requests echo requests from hosta to hostb, expected 3"
[ "$replies" -eq 3 ] && pass "hostd saw hostb's 3 replies to hosta" || fail "hostd saw $replies echo replies to hosta, expected 3"
in_ns d ping -c 2 -i 0.2 -W 1 "${ADDR[a]}" >/dev/null 2>&1 && fail "hostd, the mirror destination, reached hosta" \
    || pass "hostd, the mirror destination, reaches nobody"
md=$(drops hostd mirror_destination)
[ "$md" -ge 2 ] && pass "hostd: mirror_destination counted ($md)" || fail "hostd: mirror_destination is $md"

# Storm control: 500 broadcasts from hostb in a burst; about 20 pass (the bucket),
# plus 20 a second. Unicast is not limited.
in_ns b python3 - "$(bh_host_mac "${NS[b]}")" <<'PY'
import socket, sys
src = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for i in range(500):
    s.send(b"\xff" * 6 + src + b"\x88\xb5" + i.to_bytes(2, "big") + bytes(44))
PY
sleep 0.5
storm=$(drops hostb storm_broadcast)
[ "$storm" -ge 400 ] && [ "$storm" -le 500 ] && pass "hostb: $storm of 500 broadcasts dropped by storm control" \
    || fail "hostb: storm_broadcast is $storm, expected 400..500"
check "ping hostb -> hosta under storm control" in_ns b ping -c 3 -i 0.2 -W 2 "${ADDR[a]}"

"${CTL[@]}" show ports >"$TMP/ports"
grep -q "^hostb: storm control broadcast 20/s" "$TMP/ports" && grep -q "^hostc: mtu 1500" "$TMP/ports" &&
    grep -q "^hosta: mirror source (both)" "$TMP/ports" && grep -q "^hostd: mirror destination" "$TMP/ports" &&
    pass "show ports lists mtu, storm control and the mirror" || { fail "show ports"; cat "$TMP/ports"; }

bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || fail "mbufs left in use"
# The final report lists a line per port and drop reason that counted, and no other.
sed -n '/^bridgehost: stopped; final counters/,$p' "$TMP/out" | sed -n '/^drops/,/^devices/p' >"$TMP/drops"
final_drop() { awk -v p="$1" -v r="$2" '$1 == p && $2 == r {print $3}' "$TMP/drops"; }
[ "$(final_drop hostc too_big)" -ge "$too_big" ] 2>/dev/null && [ "$(final_drop hostb storm_broadcast)" -ge "$storm" ] 2>/dev/null &&
    [ "$(final_drop hostd mirror_destination)" -ge "$md" ] 2>/dev/null &&
    awk 'NR > 1 && !/^devices/ && !($3 > 0) {bad = 1} END {exit bad}' "$TMP/drops" &&
    pass "final report: too_big, storm_broadcast, mirror_destination by port, no zero line" ||
    { fail "final report's drops"; cat "$TMP/drops"; }
bh_checks_done
