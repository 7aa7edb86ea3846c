#!/usr/bin/env bash
# The spanning tree against the Linux kernel bridge, which speaks only 802.1D
# STP: bridgehost (RSTP) must fall back to STP BPDUs on the ports facing it.
#
#   H1(ns) -- h1 [br0, STP on] la ==veth== A [          ]
#               (ns stpl-*)    lb ==veth== B [bridgehost] C ==veth== H2(ns)
#
# A and B both reach br0: a loop that only the spanning tree cuts. Timers on
# both sides: hello 1 s, max_age 6 s, forward_delay 4 s; C is an edge port.
# br0 settles alone first, so bridgehost starts into a loop whole on br0's side.
#   loop      bridgehost priority 61440, br0 32768: br0 is the root; one of A, B
#             is bridgehost's root port (forwarding), the other alternate or
#             backup (discarding); br0's ports all forward; both of bridgehost's
#             ports talk STP (migrated); ping H1 <-> H2 20 of 20; with broadcast
#             trickles running, no storm: H1, H2 and bridgehost's forwarding
#             counters stay under 50 frames/s; the discarding port counts
#             stp_discarding drops, both count stp_bpdu, send and receive BPDUs
#             and count none bad; loop guard logs no loop.
#   election  reload with priority 4096: br0's root_id becomes bridgehost's
#             bridge_id, A and B designated forwarding, br0 blocks one of la, lb;
#             pings and no storm. Reload with 61440 again: bridgehost's root_id
#             is br0's bridge_id again and its root port A or B.
# Prints the convergence times (from bridgehost's start, from each reload).
# Usage: stp_linux.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$BH_LIB/faults.sh" # until_true
source "$BH_LIB/stp.sh"

TMP=$(mktemp -d "/tmp/bh-stpl.$ID.XXXX")
PID= TRICKLES=() SAMPLERS=()
NSL="stpl-$ID" NS1="stph1-$ID" NS2="stph2-$ID"
IFA="bsla$ID" IFB="bslb$ID" IFC="bslc$ID" # host side: bridgehost's af_packet ports
PREFIX="bhstpl-$ID"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
H1=$NET.1 H2=$NET.2

stop_background() {
    local p
    for p in "${TRICKLES[@]}" "${SAMPLERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    TRICKLES=() SAMPLERS=()
}
cleanup() {
    stop_background
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    bh_host_del "$NS2" "$IFC"
    ip netns del "$NS1" 2>/dev/null
    ip netns del "$NSL" 2>/dev/null
    ip link del "$IFA" 2>/dev/null
    ip link del "$IFB" 2>/dev/null
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX" "/var/run/bridgehost/$PREFIX.sock"
}
trap cleanup EXIT

# bridgehost: three af_packet ports, C an edge port (a host, no bridge behind it).
sw_config() { # sw_config PRIORITY
    cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml "$PREFIX")
ports:
  - { name: A, device: "net_af_packet0,iface=$IFA" }
  - { name: B, device: "net_af_packet1,iface=$IFB" }
  - { name: C, device: "net_af_packet2,iface=$IFC", stp: { edge: true } }
fdb:
  capacity: 1024
workers:
  lcores: [1]
control:
  lcore: 0
metrics:
  listen: "127.0.0.1:0"
stp:
  enabled: true
  mode: rstp
  priority: $1
  hello_time: 1
  max_age: 6
  forward_delay: 4
YAML
}
sw_stp() { "${CTL[@]}" show stp --json >"$1" 2>&1; }
sw_forwarded() { "${CTL[@]}" show stats --json | jq '[.ports[] | .unicast + .flooded] | add'; }

# The Linux side: br0 with la (port 1), lb (port 2), h1; STP on, short timers
# (ip link takes them in hundredths of a second).
ip netns add "$NSL"
ip netns add "$NS1"
for ns in "$NSL" "$NS1"; do # no IPv6 chatter: the frame counts stay the test's own
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NSL" link add br0 type bridge stp_state 1 priority 32768 hello_time 100 max_age 600 forward_delay 400
for p in a b; do
    hostif=IF${p^^}
    ip link add "${!hostif}" type veth peer name "l$p" netns "$NSL"
    sysctl -qw "net.ipv6.conf.${!hostif}.disable_ipv6=1"
    ip link set "${!hostif}" arp off up
    ip -n "$NSL" link set "l$p" master br0 up
done
ip -n "$NSL" link add h1 type veth peer name eth0 netns "$NS1"
ip -n "$NSL" link set h1 master br0 up
ip -n "$NSL" link set br0 up
ip -n "$NS1" link set lo up
ip -n "$NS1" addr add "$H1/24" dev eth0
ip -n "$NS1" link set eth0 up
bh_host_add "$NS2" "$IFC" "$H2/24"
ip netns exec "$NS2" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
BR_ID=$(kbr "$NSL" br0 bridge_id)
# br0 first settles alone (its ports listen and learn for 2 x forward_delay):
# the figures below are then bridgehost's, and the loop is whole on br0's
# side (la and lb forwarding) when bridgehost starts.
all_kernel_forwarding() {
    for p in la lb h1; do [ "$(kport_state "$NSL" $p)" = forwarding ] || return 1; done
}
t=$(until_true 20 all_kernel_forwarding) && pass "br0 alone: la lb h1 forwarding after $t s" ||
    fail "br0 alone: $(kbr_states "$NSL" br0)"

# The loop, cut by bridgehost: br0 is the root.
sw_config 61440
t_start=$(now)
bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"

# Stable: br0 the root, one of A and B root port forwarding, the other
# alternate/backup discarding, the edge port C forwarding.
nonroot_converged() {
    sw_stp "$TMP/stp.json" && jq -e --arg br "$BR_ID" '
        ([.ports[] | select(.name == "A" or .name == "B")]) as $ab
        | .root_id == $br and .is_root == false and (.root_port == "A" or .root_port == "B")
          and ($ab | map(select(.role == "root" and .state == "forwarding")) | length) == 1
          and ($ab | map(select((.role == "alternate" or .role == "backup") and .state == "discarding")) | length) == 1
          and (.ports[] | select(.name == "C") | .state == "forwarding")' "$TMP/stp.json" >/dev/null
}
if t_stp=$(until_true 30 nonroot_converged); then
    pass "loop: converged in $t_stp s: br0 ($BR_ID) is the root, one of A, B forwards"
else
    fail "loop: no convergence in 30 s"
    stp_brief "$TMP/stp.json" 2>/dev/null || cat "$TMP/stp.json"
fi
t_ping=$(until_true 30 ip netns exec "$NS1" ping -c 1 -W 1 "$H2") &&
    pass "loop: H1 reaches H2 $(since "$t_start") s after bridgehost's start" || fail "loop: H1 never reaches H2"
conv_start=$(since "$t_start")
sw_stp "$TMP/stp.json"
stp_brief "$TMP/stp.json"
ROOT_PORT=$(jq -r .root_port "$TMP/stp.json")
ALT_PORT=$([ "$ROOT_PORT" = A ] && echo B || echo A)
BH_ID=$(jq -r .bridge_id "$TMP/stp.json")
[ "$(stp_of "$TMP/stp.json" "$ALT_PORT" designated_bridge)" = "$BR_ID" ] &&
    pass "loop: $ALT_PORT's designated bridge is br0" || fail "loop: $ALT_PORT's designated bridge is $(stp_of "$TMP/stp.json" "$ALT_PORT" designated_bridge)"

# 802.1D on both ports facing br0 (the kernel ignores RSTP BPDUs); RSTP on C
# (nothing talks STP there).
migrated() {
    sw_stp "$TMP/stp.json" && [ "$(stp_of "$TMP/stp.json" A protocol)" = stp ] && [ "$(stp_of "$TMP/stp.json" B protocol)" = stp ]
}
until_true 5 migrated >/dev/null && pass "loop: A and B talk 802.1D STP (protocol stp)" ||
    fail "loop: protocols A $(stp_of "$TMP/stp.json" A protocol), B $(stp_of "$TMP/stp.json" B protocol) (want stp)"

# The Linux side agrees: br0 is its own root, every one of its ports forwards
# and is designated (the loop is cut on bridgehost's side).
kernel_root_side() {
    [ "$(kbr "$NSL" br0 root_id)" = "$BR_ID" ] || return 1
    for p in la lb h1; do [ "$(kport_state "$NSL" $p)" = forwarding ] || return 1; done
    [ "$(ip netns exec "$NSL" cat /sys/class/net/la/brport/designated_bridge)" = "$BR_ID" ] &&
        [ "$(ip netns exec "$NSL" cat /sys/class/net/lb/brport/designated_bridge)" = "$BR_ID" ]
}
until_true 10 kernel_root_side >/dev/null && pass "loop: br0 is root, la lb h1 forwarding and designated" ||
    fail "loop: br0 root $(kbr "$NSL" br0 root_id), ports $(kbr_states "$NSL" br0)"

ping_both() { # ping_both WHAT
    ip netns exec "$NS1" ping -c 20 -i 0.1 -W 1 "$H2" >"$TMP/ping" 2>&1 && grep -q " 20 received" "$TMP/ping" &&
        pass "$1: ping H1 -> H2 20 of 20" || { fail "$1: ping H1 -> H2"; tail -2 "$TMP/ping"; }
    ip netns exec "$NS2" ping -c 20 -i 0.1 -W 1 "$H1" >"$TMP/ping" 2>&1 && grep -q " 20 received" "$TMP/ping" &&
        pass "$1: ping H2 -> H1 20 of 20" || { fail "$1: ping H2 -> H1"; tail -2 "$TMP/ping"; }
}

# No storm: 5 s of broadcast trickles (H1 pings the broadcast address 10 times
# a second, H2 5 times a second). Through a loop that
# is not cut, each of them would circulate for ever: thousands of frames/s.
no_storm() { # no_storm WHAT
    local t0 t1 f0 f1 r1 r2 m1 m2 fw
    ip netns exec "$NS1" ping -b -i 0.1 "$NET.255" >/dev/null 2>&1 &
    TRICKLES+=($!)
    disown
    ip netns exec "$NS2" ping -b -i 0.2 "$NET.255" >/dev/null 2>&1 &
    TRICKLES+=($!)
    disown
    rx_sampler "$NS1" eth0 "$TMP/rx1"
    SAMPLERS+=("$SAMPLER")
    rx_sampler "$NS2" eth0 "$TMP/rx2"
    SAMPLERS+=("$SAMPLER")
    sleep 0.5
    t0=$(now) f0=$(sw_forwarded)
    sleep 5
    t1=$(now) f1=$(sw_forwarded)
    stop_background
    r1=$(mean_rate "$TMP/rx1" "$t0" "$t1") m1=$(max_rate "$TMP/rx1" "$t0" "$t1")
    r2=$(mean_rate "$TMP/rx2" "$t0" "$t1") m2=$(max_rate "$TMP/rx2" "$t0" "$t1")
    fw=$(awk -v a="$f0" -v b="$f1" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.0f", (b - a) / (t1 - t0)}')
    [ "$m1" -lt 50 ] && [ "$m2" -lt 50 ] && [ "$fw" -lt 50 ] &&
        pass "$1: no storm over 5 s: H1 rx $r1/s (max $m1), H2 rx $r2/s (max $m2), bridgehost forwarded $fw/s" ||
        fail "$1: storm: H1 rx $r1/s (max $m1), H2 rx $r2/s (max $m2), bridgehost forwarded $fw/s (limit 50)"
    [ "$r1" -ge 3 ] && [ "$r2" -ge 5 ] && pass "$1: the trickles crossed (H1 $r1/s, H2 $r2/s)" ||
        fail "$1: the trickles did not cross: H1 rx $r1/s (want >= 3), H2 rx $r2/s (want >= 5)"
}

ping_both loop
no_storm loop
"${CTL[@]}" show stats --json >"$TMP/stats.json" 2>&1
jq -e --arg alt "$ALT_PORT" '.ports[$alt].drops.stp_discarding > 0 and .ports.A.drops.stp_bpdu > 0 and .ports.B.drops.stp_bpdu > 0' \
    "$TMP/stats.json" >/dev/null &&
    pass "loop: $ALT_PORT counts stp_discarding drops, A and B count consumed BPDUs (stp_bpdu)" ||
    { fail "loop: drop counters"; jq -c '.ports | map_values(.drops)' "$TMP/stats.json"; }
sw_stp "$TMP/stp.json"
jq -e '[.ports[] | select(.name == "A" or .name == "B") | .bpdus_in > 0 and .bpdus_out > 0 and .bpdus_bad == 0] | all' \
    "$TMP/stp.json" >/dev/null && pass "loop: A and B send and receive BPDUs, none bad" ||
    { fail "loop: BPDU counts"; stp_brief "$TMP/stp.json"; }
grep -q "loop detected" "$TMP/err" && { fail "loop: loop guard fired although STP cut the loop"; grep "loop detected" "$TMP/err"; } ||
    pass "loop: loop guard logged no loop (STP cut it)"

# Election: bridgehost with the best priority becomes br0's root.
sw_config 4096
t_reload=$(now)
"${CTL[@]}" reload >"$TMP/reload.out" 2>&1 && pass "reload to priority 4096: $(tr '\n' ' ' <"$TMP/reload.out")" ||
    { fail "reload to priority 4096"; cat "$TMP/reload.out"; }
BH_ID=$(sw_stp "$TMP/stp.json" && jq -r .bridge_id "$TMP/stp.json")
[[ $BH_ID == 1000.* ]] && pass "election: bridge_id $BH_ID (priority 4096)" || fail "election: bridge_id $BH_ID after the reload (want 1000.*)"
t_elect=$(until_true 15 eval '[ "$(kbr "$NSL" br0 root_id)" = "$BH_ID" ]') &&
    pass "election: br0's root_id is bridgehost's bridge_id $BH_ID after $t_elect s" ||
    fail "election: br0's root_id $(kbr "$NSL" br0 root_id), bridgehost's bridge_id $BH_ID"
root_converged() {
    sw_stp "$TMP/stp.json" && jq -e --arg me "$BH_ID" '.is_root and .root_id == $me and .root_port == null and
        ([.ports[] | .role == "designated" and .state == "forwarding"] | all)' "$TMP/stp.json" >/dev/null
}
t_fwd=$(until_true 20 root_converged) && pass "election: bridgehost root, A B C designated forwarding $(since "$t_reload") s after the reload" ||
    { fail "election: bridgehost's ports"; stp_brief "$TMP/stp.json"; }
conv_root=$(since "$t_reload")
stp_brief "$TMP/stp.json"
# br0 cuts the loop now: its root port is one of la, lb; the other blocks.
kernel_cut() {
    local a b rp
    a=$(kport_state "$NSL" la) b=$(kport_state "$NSL" lb) rp=$(kbr "$NSL" br0 root_port)
    { [ "$a/$b/$rp" = forwarding/blocking/1 ] || [ "$a/$b/$rp" = blocking/forwarding/2 ]; } && [ "$(kport_state "$NSL" h1)" = forwarding ]
}
until_true 10 kernel_cut >/dev/null &&
    pass "election: br0 root port $(kbr "$NSL" br0 root_port) forwarding, the other blocking ($(kbr_states "$NSL" br0))" ||
    fail "election: br0 root_port $(kbr "$NSL" br0 root_port), ports $(kbr_states "$NSL" br0)"
ping_both election
no_storm election

# And back: bridgehost at 61440 follows br0 again. br0 keeps bridgehost's
# better information until it ages out (max_age; 802.1D takes no worse
# information from the same bridge), then its blocked port goes through
# listening and learning.
sw_config 61440
t_reload=$(now)
"${CTL[@]}" reload >"$TMP/reload.out" 2>&1 && pass "reload to priority 61440" || { fail "reload to priority 61440"; cat "$TMP/reload.out"; }
t_back=$(until_true 30 nonroot_converged) &&
    pass "back: bridgehost's root_id is br0's bridge_id, root port $(jq -r .root_port "$TMP/stp.json") after $t_back s" ||
    { fail "back: no convergence 30 s after the reload"; stp_brief "$TMP/stp.json"; }
until_true 20 kernel_root_side >/dev/null && pass "back: br0 root, la lb h1 forwarding $(since "$t_reload") s after the reload" ||
    fail "back: br0 root $(kbr "$NSL" br0 root_id), ports $(kbr_states "$NSL" br0)"
conv_back=$(since "$t_reload")
stp_brief "$TMP/stp.json"
ping_both back
grep -q "loop detected" "$TMP/err" && { fail "loop guard fired"; grep "loop detected" "$TMP/err"; } || pass "loop guard logged no loop all along"

echo "stp_linux summary: converged ${t_stp:-?} s (STP) and pinging ${conv_start} s after bridgehost's start;" \
    "root by reload: br0 followed in ${t_elect:-?} s, all forwarding ${conv_root} s;" \
    "back to br0 as root: ${conv_back} s"

bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || fail "mbufs left in use"
bh_checks_done
