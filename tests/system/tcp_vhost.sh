#!/usr/bin/env bash
# TCP through bridgehost's net_vhost ports, with kernel hosts at both ends.
#
# There is no /dev/vhost-net here and no guest runs, so a second bridgehost, the
# relay, is the DUT's two virtio guests (net_virtio_user) and joins them to two
# namespaces over net_af_packet; VLANs keep the relay's two halves apart:
#
#   hosta == [relay afa (af_packet, access 10)  vua (virtio_user, access 10) ] -- vh0 [DUT]
#   hostb == [relay afb (af_packet, access 20)  vub (virtio_user, access 20,  ] -- vh1 [DUT]
#                                                       offloads: {tso: off})
#
# The DUT offers both its guests TSO (net_vhost tso=1): vua negotiates it
# (GUEST_TSO4/6 with GUEST_CSUM) and sends super-frames, vub (tso off) takes
# none and sends none. So the DUT receives super-frames on vh0 only, and must cut
# every one of them in software for vh1; the relay passes hosta's super-frames
# (kernel TSO on the namespaces' veths, defaults asserted, never changed) whole
# to vua, and cuts every one of hostb's for vub.
#
# Checks: tso and tx-checksumming on in both namespaces; the start-up lines
# saying vh0 and vh1 were offered TSO and that vua takes TSO and vub does not;
# ping both families; iperf3 TCP for 5 s each way over IPv4 and IPv6, each
# completing with data received; a 50 MiB download of random bytes over HTTP
# (python3 -m http.server, curl) with its sha256 compared, both ways over IPv4
# and IPv6; the counters: DUT vh0 super_frames > 0 and segmented ==
# super_frames, vh1 super_frames == 0; relay afa super_frames > 0 and segmented
# == 0, afb segmented == super_frames > 0; on every port of both switches no
# truncated, unsegmentable, too_big or no_mbuf drop (tx_full is allowed: each
# switch busy-polls on one of the two CPUs, shared with the hosts' TCP, and the
# DUT's vhost tx fills while the relay is descheduled; TCP recovers; nonzero
# drops are printed); SIGTERM
# stops each switch, the DUT with no mbuf in use, the relay with no more than
# its virtio_user rings hold (it counts before they close). About 30 s to a
# minute.
# Usage: tcp_vhost.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$(dirname "$0")/../../scripts/lib/tcp.sh"

for c in iperf3 ethtool curl jq python3; do
    command -v "$c" >/dev/null || { echo "skipped: needs $c"; exit 77; }
done

TMP=$(mktemp -d "/tmp/bh-tcpvh.$ID.XXXX")
DUT= REL= SRV=
declare -A NS IF ADDR ADDR6
for h in a b; do
    NS[$h]="tcpv$h-$ID"
    IF[$h]="bv${ID}$h"
done
ADDR[a]=$NET.1 ADDR[b]=$NET.2
ADDR6[a]=2001:db8:7d::1 ADDR6[b]=2001:db8:7d::2
PREFIX_DUT=bhtcpvh-$ID-dut PREFIX_REL=bhtcpvh-$ID-rel
IPERF_PORT=25201 HTTP_PORT=28080
# The relay's virtio rings: the DUT's vhost tx fills a ring of 256 while the
# relay is descheduled (scripts/bench.sh --tcp: thousands of tx_full).
VQ=1024
CTL=$(dirname "$BIN")/bridgehostctl

cleanup() {
    for p in $SRV $REL $DUT; do kill -KILL "$p" 2>/dev/null; done
    # Anything still running in the namespaces is a server or client of this run.
    for h in a b; do
        for p in $(ip netns pids "${NS[$h]}" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for h in a b; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    # The vhost-user and control sockets are in $TMP.
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX_DUT" "/var/run/dpdk/$PREFIX_REL"
}
trap cleanup EXIT

for h in a b; do
    bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"
    ip -n "${NS[$h]}" addr add "${ADDR6[$h]}/64" dev eth0 nodad
done

offloads "at the start"

# --- The DUT, then the relay as its two guests --------------------------------
cat >"$TMP/dut.yaml" <<YAML
eal:
  lcores: "0@1,1@1"
  no_huge: true
  memory_mb: 512
  file_prefix: $PREFIX_DUT
ports:
  - { name: vh0, device: "net_vhost0,iface=$TMP/vh0.sock,queues=1" }
  - { name: vh1, device: "net_vhost1,iface=$TMP/vh1.sock,queues=1" }
workers:
  lcores: [1]
control:
  lcore: 0
  socket: $TMP/dut.ctl
metrics:
  listen: "127.0.0.1:0"
YAML
# Its two virtio ports reach each other through the DUT, so the relay's own
# loop-guard probes come back to it (the VLANs part frames, not probes).
cat >"$TMP/rel.yaml" <<YAML
eal:
  lcores: "0@0,1@0"
  no_huge: true
  memory_mb: 512
  file_prefix: $PREFIX_REL
ports:
  - { name: afa, device: "net_af_packet0,iface=${IF[a]}", mode: access, vlan: 10 }
  - { name: vua, device: "net_virtio_user0,path=$TMP/vh0.sock,queues=1,queue_size=$VQ", mode: access, vlan: 10 }
  - { name: vub, device: "net_virtio_user1,path=$TMP/vh1.sock,queues=1,queue_size=$VQ", mode: access, vlan: 20,
      offloads: { tso: off } }
  - { name: afb, device: "net_af_packet1,iface=${IF[b]}", mode: access, vlan: 20 }
workers:
  lcores: [1]
control:
  lcore: 0
  socket: $TMP/rel.ctl
metrics:
  listen: "127.0.0.1:0"
loop_guard:
  enabled: false
YAML

"$BIN" --config "$TMP/dut.yaml" >"$TMP/dut.out" 2>"$TMP/dut.err" &
DUT=$!
bh_wait_for "forwarding between" 20 "$TMP/dut.err" && [ -S "$TMP/vh0.sock" ] && [ -S "$TMP/vh1.sock" ] ||
    { cat "$TMP/dut.err"; echo "FAIL: the DUT did not start (or made no vhost-user sockets)"; exit 1; }
"$BIN" --config "$TMP/rel.yaml" >"$TMP/rel.out" 2>"$TMP/rel.err" &
REL=$!
bh_wait_for "forwarding between" 20 "$TMP/rel.err" ||
    { cat "$TMP/rel.err"; echo "FAIL: the relay did not start"; exit 1; }
for p in vh0 vh1; do
    bh_wait_for "$p link up" 20 "$TMP/dut.err" ||
        { cat "$TMP/dut.err" "$TMP/rel.err"; echo "FAIL: the DUT's $p never came up"; exit 1; }
done

# What each side negotiated, from the lines each logs per port at start.
# logged WHAT FILE TEXT: FILE has a line with TEXT (printed).
logged() {
    local line
    line=$(grep -F -- "$3" "$2" | head -1)
    [ -n "$line" ] && pass "$1: \"${3%%:*}: ${line#*"${3%%:*}: "}\"" ||
        { fail "$1: no \"$3\" in $(basename "$2")"; grep -E '(vh0|vh1|vua|vub|afa|afb): ' "$2"; }
}
logged "DUT vh0 offers TSO" "$TMP/dut.err" "vh0: guests are offered TSO and checksum offload"
logged "DUT vh1 offers TSO" "$TMP/dut.err" "vh1: guests are offered TSO and checksum offload"
logged "relay vua negotiated TSO" "$TMP/rel.err" "vua: peer takes TSO and checksum offload"
logged "relay vub negotiated checksum offload and no TSO" "$TMP/rel.err" "vub: peer takes checksum offload"

# mbufs_now NAME: the switch's mbufs in use now (for the exit check's message).
mbufs_now() {
    timeout 10 "$CTL" --socket "$TMP/$1.ctl" show stats --json 2>/dev/null | jq -r '.mbufs_in_use // "?"'
}
declare -A IDLE_MBUFS
for s in dut rel; do IDLE_MBUFS[$s]=$(mbufs_now "$s"); done

# --- Traffic -----------------------------------------------------------------
tcp_blob


# The wiring first: a TCP failure below then is TCP's, not the switches'.
check "ping hosta -> hostb (IPv4)" in_ns a timeout 20 ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"
check "ping hosta -> hostb (IPv6)" in_ns a timeout 20 ping -6 -c 3 -i 0.2 -W 2 "${ADDR6[b]}"

iperf "iperf3 IPv4 hosta->hostb" a b "${ADDR[b]}"
iperf "iperf3 IPv4 hostb->hosta (-R)" a b "${ADDR[b]}" -R
iperf "iperf3 IPv6 hosta->hostb" a b "${ADDR6[b]}"
iperf "iperf3 IPv6 hostb->hosta (-R)" a b "${ADDR6[b]}" -R
download "HTTP IPv4 hostb->hosta" b "${ADDR[b]}" "${ADDR[b]}" a
download "HTTP IPv4 hosta->hostb" a "${ADDR[a]}" "${ADDR[a]}" b
download "HTTP IPv6 hostb->hosta" b "${ADDR6[b]}" "[${ADDR6[b]}]" a
download "HTTP IPv6 hosta->hostb" a "${ADDR6[a]}" "[${ADDR6[a]}]" b

# --- Counters ----------------------------------------------------------------
# stats NAME: the switch's `show stats --json` into $TMP/stats.NAME; prints
# every port's super-frame counters and the drops that are not zero, and checks
# that no port counts a truncated, unsegmentable, too_big or no_mbuf drop.
stats() {
    local name=$1 file=$TMP/stats.$1 nonzero bad
    timeout 20 "$CTL" --socket "$TMP/$name.ctl" show stats --json >"$file" 2>&1 ||
        { fail "$name: bridgehostctl show stats"; cat "$file"; return 1; }
    jq -e '.ports | length > 0' "$file" >/dev/null 2>&1 || { fail "$name: stats JSON"; cat "$file"; return 1; }
    echo "$name: $(jq -r '[.ports | to_entries[] | "\(.key) super_frames \(.value.super_frames) segmented \(.value.segmented) checksums_finished \(.value.checksums_finished)"] | join("; ")' "$file")"
    nonzero=$(jq -r '.ports | to_entries[] | .key as $p | .value.drops | to_entries[]
        | select(.value != 0) | "\($p) \(.key) \(.value)"' "$file")
    [ -n "$nonzero" ] && echo "$name drops: $(tr '\n' ',' <<<"$nonzero" | sed 's/,$//; s/,/, /g')"
    bad=$(jq -r '.ports | to_entries[] | .key as $p | .value.drops as $d
        | ["truncated", "unsegmentable", "too_big", "no_mbuf"][] as $r
        | select(($d | has($r) | not) or $d[$r] != 0) | "\($p) \($r) \($d[$r] // "missing")"' "$file")
    [ -z "$bad" ] && pass "$name: no truncated, unsegmentable, too_big or no_mbuf drop on any port ($(jq -r '.ports | keys | join(", ")' "$file"))" ||
        fail "$name: $(tr '\n' ',' <<<"$bad" | sed 's/,$//; s/,/, /g')"
}
# counter NAME PORT KEY: the port's counter, or "none".
counter() {
    jq -r --arg p "$2" --arg k "$3" '.ports[$p][$k] // "none"' "$TMP/stats.$1"
}
# expect_counts WHAT NAME PORT TEST: TEST (a jq condition on .s, the port's
# super_frames, and .g, its segmented) holds for the port.
expect_counts() {
    local what=$1 name=$2 port=$3 test=$4 s g
    s=$(counter "$name" "$port" super_frames) g=$(counter "$name" "$port" segmented)
    jq -en --argjson s "${s//none/null}" --argjson g "${g//none/null}" \
        "{s: \$s, g: \$g} | (.s | type == \"number\") and (.g | type == \"number\") and ($test)" >/dev/null 2>&1 &&
        pass "$name $port: $what (super_frames $s, segmented $g)" ||
        fail "$name $port: $what: super_frames $s, segmented $g"
}
if stats dut; then
    expect_counts "super-frames from vua, every one cut for vh1" dut vh0 '.s > 0 and .g == .s'
    expect_counts "no super-frame from vub (tso off)" dut vh1 '.s == 0'
fi
if stats rel; then
    expect_counts "hosta's super-frames, passed whole to vua" rel afa '.s > 0 and .g == 0'
    expect_counts "hostb's super-frames, every one cut for vub" rel afb '.s > 0 and .g == .s'
fi
offloads "after the traffic"

# stop_switch NAME PID: SIGTERM, and no mbuf in use at exit (the ports are
# closed before the final report, so buffers the relay's virtio_user rings
# held are back by then).
stop_switch() {
    local name=$1 n
    bh_stop "$2" TERM 10 || fail "$name did not stop on SIGTERM"
    n=$(sed -n 's/^mbufs in use: \([0-9]*\)$/\1/p' "$TMP/$name.out" | tail -1)
    [ "$n" = 0 ] && pass "$name: stopped, no mbuf left in use" ||
        fail "$name: at exit mbufs in use: ${n:-no report} (${IDLE_MBUFS[$name]} before any traffic)"
}
# The relay first: the guests leave, then the host.
stop_switch rel "$REL"
REL=
stop_switch dut "$DUT"
DUT=

bh_checks_done
