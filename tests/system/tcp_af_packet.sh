#!/usr/bin/env bash
# TCP across bridgehost on net_af_packet ports with the kernel's default offloads.
#
#   hosta  .1/24 2001:db8:7c::1/64 == [hosta  bridgehost  hostb] == hostb  .2/24 2001:db8:7c::2/64
#
# then the same two hosts across a VLAN trunk between two switches:
#
#   hosta == [A a10: access 10, trunk: 10] == veth == [B trunk: 10, b10: access 10] == hostb
#
# The namespaces' veths keep their defaults (TSO, GSO, tx checksum offload on;
# asserted, never changed), so the af_packet sockets receive TCP segments whose
# checksum is only partial (CHECKSUM_PARTIAL: the pseudo-header sum) and TSO
# super-frames of up to 64 KiB: the switch must complete the checksums, take the
# super-frames whole and segment them itself. Checks: ping both families (the
# wiring); iperf3 TCP for 5 s each way over IPv4 and IPv6, each completing with
# data received; a 50 MiB download of random bytes over HTTP (python3 -m
# http.server, curl) with its sha256 compared, over IPv4 and IPv6 and back the
# other way over IPv4; across the trunk, iperf3 one way and one download, the
# trunk's TCP frames tagged 10 (tcpdump on both ends of the veth) and none
# untagged; on every switch, no port counts a truncated or too_big drop
# (nonzero drops are printed); SIGTERM stops each switch with no mbuf in use.
# Usage: tcp_af_packet.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$(dirname "$0")/../../scripts/lib/tcp.sh"

for c in iperf3 ethtool tcpdump curl jq; do
    command -v "$c" >/dev/null || { echo "skipped: needs $c"; exit 77; }
done

TMP=$(mktemp -d "/tmp/bh-tcp.$ID.XXXX")
PID= PIDA= PIDB= SRV=
PIDS=()
declare -A NS IF ADDR ADDR6
for h in a b; do
    NS[$h]="tcp$h-$ID"
    IF[$h]="bt${ID}$h"
done
ADDR[a]=$NET.1 ADDR[b]=$NET.2
ADDR6[a]=2001:db8:7c::1 ADDR6[b]=2001:db8:7c::2
TRA="btta$ID" TRB="bttb$ID"
PREFIX=bhtcp-$ID PREFIXA=bhtcpa-$ID PREFIXB=bhtcpb-$ID
IPERF_PORT=25201 HTTP_PORT=28080
CTL=$(dirname "$BIN")/bridgehostctl

cleanup() {
    for p in $SRV $PID $PIDA $PIDB "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    # Anything still running in the namespaces is a server or client of this run.
    for h in a b; do
        for p in $(ip netns pids "${NS[$h]}" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for h in a b; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    ip link del "$TRA" 2>/dev/null
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX" "/var/run/dpdk/$PREFIXA" "/var/run/dpdk/$PREFIXB"
}
trap cleanup EXIT

for h in a b; do
    bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"
    ip -n "${NS[$h]}" addr add "${ADDR6[$h]}/64" dev eth0 nodad
done

offloads "at the start"

tcp_blob


# counters NAME PREFIX: no port of the switch counts a truncated (a missing key
# is 0) or too_big drop; the drops that are not zero are printed.
counters() {
    local name=$1
    "$CTL" --file-prefix "$2" show stats --json >"$TMP/stats.$name" 2>&1 ||
        { fail "switch $name: bridgehostctl show stats"; cat "$TMP/stats.$name"; return; }
    local nonzero bad
    nonzero=$(jq -r '.ports | to_entries[] | .key as $p | .value.drops | to_entries[]
        | select(.value != 0) | "\($p) \(.key) \(.value)"' "$TMP/stats.$name" 2>&1) ||
        { fail "switch $name: stats JSON"; cat "$TMP/stats.$name"; return; }
    [ -n "$nonzero" ] && echo "switch $name drops: $(tr '\n' ',' <<<"$nonzero" | sed 's/,$//; s/,/, /g')"
    bad=$(jq -r '.ports | to_entries[] | select((.value.drops | has("too_big") | not)
        or (.value.drops.truncated // 0) != 0 or .value.drops.too_big != 0
        or (.value.drops.unsegmentable // 0) != 0)
        | "\(.key): truncated \(.value.drops.truncated // 0), too_big \(.value.drops.too_big // "missing"), unsegmentable \(.value.drops.unsegmentable // 0)"' "$TMP/stats.$name")
    [ -z "$bad" ] && pass "switch $name: no truncated, too_big or unsegmentable drop on any port ($(jq -r '.ports | keys | join(", ")' "$TMP/stats.$name"))" ||
        fail "switch $name: $(tr '\n' ';' <<<"$bad")"
    # The work the defaults asked for was done: hosts with TSO and checksum
    # offload send super-frames and unfinished checksums, which an af_packet
    # port cannot pass on: every super-frame from a host port is cut, and
    # checksums (the ACKs', the SYNs') are finished.
    local p
    for p in "${@:3}"; do
        jq -e --arg p "$p" '.ports[$p] | .super_frames > 0 and .segmented == .super_frames
            and .checksums_finished > 0' "$TMP/stats.$name" >/dev/null &&
            pass "switch $name $p: $(jq -r --arg p "$p" '.ports[$p] | "\(.super_frames) super-frames, all cut; \(.checksums_finished) checksums finished"' "$TMP/stats.$name")" ||
            fail "switch $name $p: $(jq -c --arg p "$p" '.ports[$p] | {super_frames, segmented, checksums_finished}' "$TMP/stats.$name")"
    done
}

# stop_switch NAME PID OUT: SIGTERM, and no mbuf in use at exit.
stop_switch() {
    bh_stop "$2" TERM 10 || fail "switch $1 did not stop on SIGTERM"
    grep -q "mbufs in use: 0" "$3" && pass "switch $1: no mbuf left in use" ||
        fail "switch $1: mbufs left in use: $(grep 'mbufs in use' "$3")"
    # The final report is printed once the ports are closed, and still gives
    # what their PMDs counted and their link: every port received and sent.
    local quiet
    quiet=$(sed -n '/^bridgehost: stopped; final counters/,$p' "$3" |
        awk '/^devices/ {d = 1; next} /^workers/ {d = 0} d && $1 != "port" && ($2 == 0 || $3 == 0 || $8 != "up") {print $1}')
    [ -z "$quiet" ] && pass "switch $1: the final report has every port's device counters and link" ||
        { fail "switch $1: final report without device counters or link for: $quiet"; sed -n '/^devices/,/^workers/p' "$3"; }
}

# gro IF: the kernel interface's generic-receive-offload setting, on or off.
gro() { ethtool -k "$1" | awk '/^generic-receive-offload:/ {print $2}'; }

# --- One switch, two ports ---------------------------------------------------
# hosta's host-side veth gets GRO on (a veth's default is off): bridgehost
# turns it off while its port runs, says so, and turns it back on at exit.
ethtool -K "${IF[a]}" gro on
cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml "$PREFIX")
ports:
  - { name: hosta, device: "net_af_packet0,iface=${IF[a]}" }
  - { name: hostb, device: "net_af_packet1,iface=${IF[b]}" }
fdb:
  capacity: 4096
  aging_seconds: 300
workers:
  lcores: [1]
control:
  lcore: 0
metrics:
  listen: "127.0.0.1:0"
YAML
bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
[ "$(gro "${IF[a]}")" = off ] && grep -q "hosta: ${IF[a]}: turned off rx-gro (restored at exit)" "$TMP/err" &&
    pass "GRO on ${IF[a]} turned off while the port runs, and logged" ||
    { fail "GRO on ${IF[a]}: $(gro "${IF[a]}") while bridgehost runs"; grep hosta "$TMP/err"; }
# worker_faults: the page faults the worker thread (lcore 1) has taken. A
# fault can sleep on the mm lock: the worker must touch no page it has not
# had from the start (the pools are touched when they are made).
worker_faults() {
    local t
    for t in /proc/"$PID"/task/*; do
        [ "$(cat "$t/comm")" = rte-worker-1 ] && awk '{print $10 + $12}' "$t/stat"
    done
}
FAULTS0=$(worker_faults)

# The wiring first: a TCP failure below then is TCP's, not the switch's.
check "ping hosta -> hostb (IPv4)" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"
check "ping hosta -> hostb (IPv6)" in_ns a ping -6 -c 3 -i 0.2 -W 2 "${ADDR6[b]}"

iperf "iperf3 IPv4 hosta->hostb" a b "${ADDR[b]}"
iperf "iperf3 IPv4 hostb->hosta (-R)" a b "${ADDR[b]}" -R
iperf "iperf3 IPv6 hosta->hostb" a b "${ADDR6[b]}"
iperf "iperf3 IPv6 hostb->hosta (-R)" a b "${ADDR6[b]}" -R
download "HTTP IPv4 hostb->hosta" b "${ADDR[b]}" "${ADDR[b]}" a
download "HTTP IPv6 hostb->hosta" b "${ADDR6[b]}" "[${ADDR6[b]}]" a
download "HTTP IPv4 hosta->hostb" a "${ADDR[a]}" "${ADDR[a]}" b

FAULTS1=$(worker_faults)
# A few are first touches of tables and rings (2 to 10 in the runs here);
# with the pools' buffers not touched when made, this was 7,683.
[ "$((FAULTS1 - FAULTS0))" -le 100 ] 2>/dev/null &&
    pass "the worker took $((FAULTS1 - FAULTS0)) page faults during the traffic" ||
    fail "the worker took $((FAULTS1 - FAULTS0)) page faults during the traffic (touching new buffers)"
counters one "$PREFIX" hosta hostb
offloads "after the traffic"
stop_switch one "$PID" "$TMP/out"
PID=
[ "$(gro "${IF[a]}")" = on ] && pass "GRO on ${IF[a]} restored at exit" ||
    fail "GRO on ${IF[a]} is $(gro "${IF[a]}") after bridgehost exited"

# --- A frame size too small for a super-frame: cut, counted, never silent ---
# offloads.tso off keeps the PMD's 2048-byte frames: the kernel cuts hosta's
# super-frames to fit and the switch drops them as truncated (before, it
# forwarded them cut short, and TCP stalled with nothing counted).
sed "s/iface=${IF[a]}\" }/iface=${IF[a]}\", offloads: { tso: off } }/" "$TMP/bridgehost.yaml" >"$TMP/small.yaml"
grep -q 'tso: off' "$TMP/small.yaml" || fail "the tso: off config was not written"
bh_start_switch "$TMP/small.yaml" "$TMP/out" "$TMP/err"
serve b "$TMP/iperf-server.log" iperf3 -s -1 -p "$IPERF_PORT"
wait_listen b "$IPERF_PORT" &&
    timeout 15 ip netns exec "${NS[a]}" iperf3 -c "${ADDR[b]}" -p "$IPERF_PORT" -t 2 \
        --connect-timeout 3000 >/dev/null 2>&1
unserve
truncated=$("$CTL" --file-prefix "$PREFIX" show stats --json | jq '.ports.hosta.drops.truncated')
[ "${truncated:-0}" -gt 0 ] 2>/dev/null && pass "tso: off: hosta's super-frames dropped as truncated ($truncated)" ||
    fail "tso: off: truncated is ${truncated:-unreadable} on hosta"
stop_switch small "$PID" "$TMP/out"
PID=

# --- The same hosts across a VLAN trunk between two switches ------------------
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
PIDA=$(switch a "$PREFIXA" \
    "{ name: trunk, device: \"net_af_packet0,iface=$TRA\", allowed_vlans: [10] }" \
    "{ name: a10, device: \"net_af_packet1,iface=${IF[a]}\", mode: access, vlan: 10 }")
# net_af_packet names its PACKET_FANOUT group (getpid() ^ port id): two
# switches whose pids differ only in the two low bits would collide (EINVAL).
# A few processes in between make B's pid differ above them.
for _ in 1 2 3 4 5 6 7 8; do /bin/true; done
PIDB=$(switch b "$PREFIXB" \
    "{ name: trunk, device: \"net_af_packet0,iface=$TRB\", allowed_vlans: [10] }" \
    "{ name: b10, device: \"net_af_packet1,iface=${IF[b]}\", mode: access, vlan: 10 }")
for s in a b; do
    bh_wait_for "forwarding between" 20 "$TMP/$s.err" || { cat "$TMP/$s.err"; echo "FAIL: switch $s did not start"; exit 1; }
done

check "ping hosta -> hostb across the trunk in VLAN 10" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"

# net_af_packet sends past the qdisc, so a capture on one end of the trunk sees
# only what the other end sent: capture both ends (headers only, the first
# 2000 frames each).
for t in "$TRA" "$TRB"; do
    tcpdump -i "$t" -n -s 96 -c 2000 -U -w "$TMP/$t.pcap" 2>"$TMP/$t.td" &
    PIDS+=($!)
done
bh_wait_for "listening on" 10 "$TMP/$TRA.td" && bh_wait_for "listening on" 10 "$TMP/$TRB.td" ||
    fail "tcpdump did not start"
iperf "iperf3 IPv4 hosta->hostb across the trunk" a b "${ADDR[b]}"
sleep 0.5
for p in "${PIDS[@]}"; do bh_stop "$p" INT 10 >/dev/null 2>&1; done
PIDS=()
on_trunk() { # on_trunk FILTER: frames seen on the trunk, both directions
    echo $(($(tcpdump -n -r "$TMP/$TRA.pcap" "$1" 2>/dev/null | wc -l) +
        $(tcpdump -n -r "$TMP/$TRB.pcap" "$1" 2>/dev/null | wc -l)))
}
tagged=$(on_trunk "vlan 10 and tcp")
# Loop-guard probes (ethertype 0x88b6) are the switches' own, untagged by design.
untagged=$(on_trunk "not ether proto 0x88b6 and not vlan")
[ "$tagged" -ge 20 ] && pass "trunk carries TCP tagged 10 ($tagged frames captured)" ||
    fail "trunk: $tagged TCP frames tagged 10 (want 20 or more)"
[ "$untagged" -eq 0 ] && pass "nothing untagged on the trunk" ||
    { fail "$untagged untagged frames on the trunk"; tcpdump -n -e -r "$TMP/$TRA.pcap" "not ether proto 0x88b6 and not vlan" 2>/dev/null | head -5; }
download "HTTP IPv4 hostb->hosta across the trunk" b "${ADDR[b]}" "${ADDR[b]}" a

counters a "$PREFIXA" a10
counters b "$PREFIXB" b10
stop_switch a "$PIDA" "$TMP/a.out"
PIDA=
stop_switch b "$PIDB" "$TMP/b.out"
PIDB=

bh_checks_done
