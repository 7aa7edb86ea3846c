#!/usr/bin/env bash
# bridgehostctl capture against a running switch: hosta and hostb in namespaces
# on net_af_packet ports. Checks: "capture hosta --count 4 -w FILE" while hosta
# pings hostb writes a pcap file tcpdump reads, with exactly 4 frames, ICMP
# echo requests from hosta to hostb; a second capture meanwhile is refused
# (exit 1); "-w -" pipes into tcpdump -r -, and SIGINT ends it cleanly; the
# counters show the copies; forwarding never stopped.
# Usage: capture.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

command -v tcpdump >/dev/null || { echo "skipped: needs tcpdump"; exit 77; }

TMP=$(mktemp -d "/tmp/bh-capture.$ID.XXXX")
PID= CAP=
declare -A NS IF ADDR
for h in a b; do NS[$h]="cap$h-$ID" IF[$h]="bhc${ID}$h"; done
ADDR[a]=$NET.1 ADDR[b]=$NET.2

cleanup() {
    for p in $CAP $PID; do kill -KILL "$p" 2>/dev/null; done
    for h in a b; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    rm -rf "$TMP" "/var/run/dpdk/bhcap-$ID"
}
trap cleanup EXIT

for h in a b; do
    bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"
    # No IPv6 chatter (router solicitations, MLD reports) among the frames counted.
    ip netns exec "${NS[$h]}" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
done
cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml bhcap-$ID)
ports:
  - { name: hosta, device: "net_af_packet0,iface=${IF[a]}" }
  - { name: hostb, device: "net_af_packet1,iface=${IF[b]}" }
workers: { lcores: [1] }
metrics: { listen: "127.0.0.1:0" }
YAML
bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "bhcap-$ID")
ping_b() { ip netns exec "${NS[a]}" ping -c "$1" -i 0.2 -W 2 "${ADDR[b]}" >/dev/null 2>&1; }
# Neighbours resolved first: the capture then sees only the ICMP.
ping_b 1 || fail "ping hosta -> hostb before the capture"

"${CTL[@]}" capture hosta --count 4 -w "$TMP/a.pcap" 2>"$TMP/cap.err" &
CAP=$!
sleep 0.3
"${CTL[@]}" capture hostb -w "$TMP/second.pcap" >/dev/null 2>"$TMP/second.err"
[ $? -eq 1 ] && grep -q "a capture is already running" "$TMP/second.err" &&
    pass "a second capture is refused (exit 1)" || { fail "second capture"; cat "$TMP/second.err"; }
ping_b 6 && pass "ping hosta -> hostb during the capture" || fail "ping during the capture"
bh_wait_gone "$CAP" 10 && grep -q "^4 frames captured on hosta (rx), 0 copies dropped" "$TMP/cap.err" &&
    pass "capture --count 4 ends by itself: $(cat "$TMP/cap.err")" || { fail "capture --count 4"; cat "$TMP/cap.err"; }
CAP=
tcpdump -n -r "$TMP/a.pcap" >"$TMP/a.txt" 2>"$TMP/a.tcpdump.err"
frames=$(wc -l <"$TMP/a.txt")
icmp=$(grep -c "IP ${ADDR[a]} > ${ADDR[b]}: ICMP echo request" "$TMP/a.txt")
[ "$frames" -eq 4 ] && [ "$icmp" -eq 4 ] &&
    pass "tcpdump -r reads 4 frames: ICMP echo requests ${ADDR[a]} > ${ADDR[b]}" ||
    { fail "pcap file: $frames frames, $icmp ICMP requests"; cat "$TMP/a.txt" "$TMP/a.tcpdump.err"; }

# A file the client cannot write: refused, and the capture it started is stopped
# (the next one below could not start otherwise).
"${CTL[@]}" capture hosta -w "$TMP/no-such-dir/x.pcap" 2>"$TMP/nodir.err"
[ $? -eq 1 ] && grep -q "cannot write" "$TMP/nodir.err" && pass "unwritable -w FILE: exit 1" ||
    { fail "unwritable -w FILE"; cat "$TMP/nodir.err"; }

# To standard output, into tcpdump; what hostb is sent, until SIGINT.
"${CTL[@]}" capture hostb --direction tx --count 1000 -w - 2>"$TMP/pipe.err" \
    > >(tcpdump -n -r - >"$TMP/pipe.txt" 2>/dev/null) &
CAP=$!
sleep 0.3
ping_b 3 || fail "ping during the piped capture"
bh_stop "$CAP" INT 5 && grep -q "^[0-9]* frames captured on hostb (tx)" "$TMP/pipe.err" &&
    pass "SIGINT ends the capture cleanly: $(cat "$TMP/pipe.err")" || { fail "SIGINT"; cat "$TMP/pipe.err"; }
CAP=
sleep 0.5 # tcpdump reads the end of the pipe
n=$(grep -c "IP ${ADDR[a]} > ${ADDR[b]}: ICMP echo request" "$TMP/pipe.txt")
[ "$n" -ge 3 ] && pass "-w - | tcpdump -r -: $n echo requests sent to hostb" ||
    { fail "piped capture: $n echo requests"; cat "$TMP/pipe.txt"; }

"${CTL[@]}" show stats --json >"$TMP/stats.json" 2>&1
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["capture"]
sys.exit(0 if c["captured"] >= 7 and c["capture_dropped"] == 0 and c["session"] is None
         and c["mbufs_in_use"] == 0 else 1)' "$TMP/stats.json" &&
    pass "show stats: copies counted, none dropped, no session left" || { fail "show stats capture"; cat "$TMP/stats.json"; }
"${CTL[@]}" show stats 2>&1 | grep -Eq "^capture: [0-9]+ frames copied, 0 copies dropped$" &&
    pass "show stats prints the capture counters" || fail "show stats: no capture line"
bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
bh_checks_done
