#!/usr/bin/env bash
# Two switches joining the same two segments, the spanning tree keeping one
# path: failover when the root dies, and its return without a loop.
#
#   HX -- [segx] -- X1 [bridgehost 1, priority 4096] Y1 -- [segy] -- HY
#           |                                                 |  `-- HZ (counts frames)
#           `----- X2 [second bridge, priority 8192]  Y2 -----'
#
# Each segment is a Linux bridge with STP off in its own namespace: a plain
# vSwitch, which forwards BPDUs. Its ports do not learn (a hub): a Linux
# bridge without STP ignores topology changes and would go on sending for 300
# s toward the switch that died the frames it learned behind it, where a
# vSwitch delivers every frame to a promiscuous port anyway. So what is
# measured is the switches' own failover, not the segments' ageing.
#
# rstp (default): the second bridge is bridgehost 2; both mode rstp, hello 1 s,
#   max_age 6 s, forward_delay 4 s. Checks: 1's ports designated forwarding,
#   2's one root forwarding and one alternate discarding; a ping HX -> HY 20
#   times a second all along; SIGKILL of 1: the longest gap in the replies at
#   most 4.5 s. The issue's target is 3 s; the standard gives 2 to 4 s: the
#   lost information ages out 3 hellos after the last BPDU heard (1 to 3 s
#   after the kill, by where in the hello the kill falls), then the old
#   alternate port, designated now, learns and forwards a tick later
#   (forwardDelay is HelloTime under RSTP, 17.20.8);
#   restart of 1: HZ's frames/s (sampled every 0.2 s) stay under 200 during
#   the whole restart and convergence (a loop would be thousands), the ping
#   goes on (gap at most 1 s; replies lost printed), 1 is root again.
# 8021d: the second bridge is a Linux bridge with STP (802.1D only; same
#   timers), bridgehost 1 in rstp mode talks STP to it. The failover is
#   measured and printed (about max_age + 2 x forward_delay, 802.1D having no
#   proposal/agreement) and only bounded loosely, by 2 x (max_age + 2 x
#   forward_delay); the restart of 1 must make no loop (its return costs the
#   path up to 2 x forward_delay: the Linux bridge blocks at once, 1's ports
#   wait their forward delay).
# The last line is a summary of the figures.
# Usage: stp_pair.sh PATH/TO/bridgehost [rstp|8021d]   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost [rstp|8021d]}
MODE=${2:-rstp}
[[ $MODE == rstp || $MODE == 8021d ]] || { echo "usage: $0 PATH/TO/bridgehost [rstp|8021d]"; exit 2; }
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$BH_LIB/faults.sh" # until_true
source "$BH_LIB/stp.sh"

TMP=$(mktemp -d "/tmp/bh-stpp.$ID.XXXX")
PID= PID1= PID2= PINGER= SAMPLER=
NSX="stpx-$ID" NSY="stpy-$ID" NSHX="stphx-$ID" NSHY="stphy-$ID" NSHZ="stphz-$ID" NS2="stp2-$ID"
X1="bspx1$ID" Y1="bspy1$ID" X2="bspx2$ID" Y2="bspy2$ID" # host side: bridgehosts' af_packet ports
PREFIX1="bhstp1-$ID" PREFIX2="bhstp2-$ID"
HX=$NET.1 HY=$NET.2
HELLO=1 MAX_AGE=6 FWD_DELAY=4

# bridgehost N: ports X and Y on its two host-side interfaces.
sw_config() { # sw_config N PRIORITY
    local x=X$1 y=Y$1 prefix=PREFIX$1
    cat >"$TMP/bh$1.yaml" <<YAML
$(bh_eal_yaml "${!prefix}")
ports:
  - { name: X, device: "net_af_packet0,iface=${!x}" }
  - { name: Y, device: "net_af_packet1,iface=${!y}" }
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
  priority: $2
  hello_time: $HELLO
  max_age: $MAX_AGE
  forward_delay: $FWD_DELAY
YAML
}
sw_start() { # sw_start N: starts bridgehost N, pid in PIDN
    bh_start_switch "$TMP/bh$1.yaml" "$TMP/out$1" "$TMP/err$1"
    eval "PID$1=\$PID"
    disown "$PID" # SIGKILLed on purpose: no "Killed" notice
}
ctl() { # ctl N ARGS...: bridgehostctl against bridgehost N
    local prefix=PREFIX$1
    shift
    "$(dirname "$BIN")/bridgehostctl" --file-prefix "${!prefix}" "$@"
}
sw_stp() { ctl "$1" show stp --json >"$2" 2>&1; } # sw_stp N FILE

cleanup() {
    local p
    for p in "$PINGER" "$SAMPLER" "$PID1" "$PID2"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
    for ns in "$NSX" "$NSY" "$NSHX" "$NSHY" "$NSHZ" "$NS2"; do ip netns del "$ns" 2>/dev/null; done
    for i in "$X1" "$Y1" "$X2" "$Y2"; do ip link del "$i" 2>/dev/null; done
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX1" "/var/run/dpdk/$PREFIX2" "/var/run/bridgehost/$PREFIX1.sock" "/var/run/bridgehost/$PREFIX2.sock"
}
trap cleanup EXIT

# The segments: hubs, a host on each, the observer on Y.
for ns in "$NSX" "$NSY" "$NSHX" "$NSHY" "$NSHZ"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
for ns in "$NSX" "$NSY"; do ip -n "$ns" link add seg type bridge stp_state 0; done
seg_port() { # seg_port NS PORT: PORT (already in NS) joins the hub
    ip -n "$1" link set "$2" master seg up
    bridge -n "$1" link set dev "$2" learning off
}
host_on() { # host_on SEGNS PORT HOSTNS [ADDR]
    ip -n "$1" link add "$2" type veth peer name eth0 netns "$3"
    seg_port "$1" "$2"
    ip -n "$3" link set lo up
    [ -n "${4:-}" ] && ip -n "$3" addr add "$4/24" dev eth0
    ip -n "$3" link set eth0 up
}
host_on "$NSX" hx "$NSHX" "$HX"
host_on "$NSY" hy "$NSHY" "$HY"
host_on "$NSY" hz "$NSHZ" # no address: HZ only counts what reaches it
bh_port() { # bh_port HOSTIF SEGNS PORT: a bridgehost port's wire into a segment
    ip link add "$1" type veth peer name "$3" netns "$2"
    sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
    ip link set "$1" arp off up
    seg_port "$2" "$3"
}
bh_port "$X1" "$NSX" x1
bh_port "$Y1" "$NSY" y1
if [ "$MODE" = rstp ]; then
    bh_port "$X2" "$NSX" x2
    bh_port "$Y2" "$NSY" y2
else
    # The second bridge: br2 in its own namespace, 802.1D STP, the same timers
    # (ip link takes them in hundredths of a second). Its ageing time is 2 s:
    # through the hubs br2 learns HY behind its root port (from bridgehost 1's
    # frames), and after the failover it would go on sending HY's frames back
    # there. A topology change cuts the kernel's ageing to 2 x forward_delay,
    # but its FDB clean-up keeps the pace of the old ageing time: with the
    # default 300 s the stale entry (shown "stale") was seen to stay in use for
    # minutes, hiding the spanning tree's own failover.
    ip netns add "$NS2"
    ip netns exec "$NS2" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$NS2" link add br2 type bridge stp_state 1 priority 8192 ageing_time 200 \
        hello_time $((HELLO * 100)) max_age $((MAX_AGE * 100)) forward_delay $((FWD_DELAY * 100))
    for s in x y; do
        segns=NS${s^^}
        ip -n "$NS2" link add "p2$s" type veth peer name "${s}2" netns "${!segns}"
        seg_port "${!segns}" "${s}2"
        ip -n "$NS2" link set "p2$s" master br2 up
    done
    ip -n "$NS2" link set br2 up
fi
for ns in "$NSX" "$NSY"; do ip -n "$ns" link set seg up; done

# Converged with bridgehost 1 as the root, its ports designated forwarding;
# on the second bridge one port root forwarding, the other alternate
# (bridgehost 2) or blocking (br2).
one_root() {
    sw_stp 1 "$TMP/stp1.json" && jq -e '.is_root and
        ([.ports[] | .role == "designated" and .state == "forwarding"] | all)' "$TMP/stp1.json" >/dev/null || return 1
    local root1
    root1=$(jq -r .bridge_id "$TMP/stp1.json")
    if [ "$MODE" = rstp ]; then
        sw_stp 2 "$TMP/stp2.json" && jq -e --arg r "$root1" '.root_id == $r and (.root_port == "X" or .root_port == "Y") and
            ([.ports[] | select(.role == "root" and .state == "forwarding")] | length) == 1 and
            ([.ports[] | select(.role == "alternate" and .state == "discarding")] | length) == 1' "$TMP/stp2.json" >/dev/null
    else
        local a b
        a=$(kport_state "$NS2" p2x) b=$(kport_state "$NS2" p2y)
        [ "$(kbr "$NS2" br2 root_id)" = "$root1" ] &&
            { [ "$a/$b" = forwarding/blocking ] || [ "$a/$b" = blocking/forwarding ]; }
    fi
}
second_brief() {
    if [ "$MODE" = rstp ]; then
        sw_stp 2 "$TMP/stp2.json"
        echo "bridgehost 2:"
        stp_brief "$TMP/stp2.json"
    else
        echo "br2: root $(kbr "$NS2" br2 root_id) (self $(kbr "$NS2" br2 bridge_id)), $(kbr_states "$NS2" br2)"
    fi
}
show_both() {
    sw_stp 1 "$TMP/stp1.json" && { echo "bridgehost 1:"; stp_brief "$TMP/stp1.json"; }
    second_brief
}

sw_config 1 4096
t_start=$(now)
sw_start 1
if [ "$MODE" = rstp ]; then
    sw_config 2 8192
    sw_start 2
    second="bridgehost 2"
else
    second="br2 (802.1D)"
fi
t_conv=$(until_true 40 one_root) && pass "converged in $t_conv s: bridgehost 1 ($(jq -r .bridge_id "$TMP/stp1.json")) root, $second one port forwarding" ||
    { fail "no convergence with bridgehost 1 as root in 40 s"; show_both; }
show_both
if [ "$MODE" = rstp ]; then
    jq -e '[.ports[] | .protocol == "rstp"] | all' "$TMP/stp1.json" "$TMP/stp2.json" >/dev/null &&
        pass "every port of both talks RSTP" || fail "a port not in rstp"
    ROOTPORT2=$(jq -r .root_port "$TMP/stp2.json")
    pass "bridgehost 2: root port $ROOTPORT2"
else
    until_true 5 eval 'sw_stp 1 "$TMP/stp1.json" && jq -e "[.ports[] | .protocol == \"stp\"] | all" "$TMP/stp1.json"' >/dev/null &&
        pass "bridgehost 1 talks 802.1D STP on X and Y (br2 speaks nothing else)" ||
        { fail "bridgehost 1's protocols"; stp_brief "$TMP/stp1.json"; }
fi

# The traffic: HX pings HY 20 times a second from now to the end; HZ counts.
t_ping=$(until_true 20 ip netns exec "$NSHX" ping -c 1 -W 1 "$HY") && pass "HX reaches HY ($t_ping s)" || fail "HX never reaches HY"
ip netns exec "$NSHX" stdbuf -oL ping -D -O -i 0.05 "$HY" >"$TMP/ping" 2>&1 &
PINGER=$!
disown
rx_sampler "$NSHZ" eth0 "$TMP/hz"
sleep 3
t_kill=$(now)
base_lost=$(ping_stats "$TMP/ping" 0 "$t_kill" | cut -d' ' -f2)
base_rate=$(mean_rate "$TMP/hz")
[ "$base_lost" -eq 0 ] && pass "3 s of pings through bridgehost 1 without loss; HZ sees $base_rate frames/s" ||
    fail "$base_lost pings lost before the failover"

# Failover: bridgehost 1 dies (its links stay up); the second bridge learns it
# only by the BPDUs that no longer come.
kill -KILL "$PID1"
PID1=
second_root() {
    if [ "$MODE" = rstp ]; then
        sw_stp 2 "$TMP/stp2.json" && jq -e '.is_root and
            ([.ports[] | .role == "designated" and .state == "forwarding"] | all)' "$TMP/stp2.json" >/dev/null
    else
        [ "$(kbr "$NS2" br2 root_id)" = "$(kbr "$NS2" br2 bridge_id)" ] &&
            [ "$(kport_state "$NS2" p2x)/$(kport_state "$NS2" p2y)" = forwarding/forwarding ]
    fi
}
if [ "$MODE" = rstp ]; then limit=4.5; else limit=$((2 * (MAX_AGE + 2 * FWD_DELAY))); fi
t_over=$(until_true 40 second_root) && pass "$second is root, both ports forwarding, $t_over s after the kill" ||
    { fail "$second did not take over in 40 s"; second_brief; }
second_brief
# The gap: from the last reply before the kill to the first after it.
sleep 1.5
read -r gap lost_over sent_over < <(ping_stats "$TMP/ping" "$t_kill" "$(now)")
awk -v g="$gap" -v l="$limit" 'BEGIN {exit !(g <= l)}' &&
    pass "failover: longest gap in the replies $gap s (limit $limit s), $lost_over of $sent_over lost" ||
    { fail "failover: longest gap in the replies $gap s (limit $limit s), $lost_over of $sent_over lost"
      [ "$MODE" = rstp ] && { echo "bridgehost 2's spanning-tree log:"; grep "stp:" "$TMP/err2"; }; }

# Bridgehost 1 returns; with the better priority it takes the root back.
# Nothing may loop meanwhile: HZ's rate is watched from before its start to
# well after it converged.
t_restart=$(now)
sw_start 1
t_back=$(until_true 40 one_root) && pass "bridgehost 1 restarted and root again $(since "$t_restart") s after its start" ||
    { fail "bridgehost 1 not root again 40 s after its restart"; show_both; }
show_both
sleep 3
t_end=$(now)
kill -INT "$PINGER" 2>/dev/null
sleep 0.2
kill -KILL "$SAMPLER" 2>/dev/null
SAMPLER=
hz_max=$(max_rate "$TMP/hz" "$t_restart" "$t_end")
hz_mean=$(mean_rate "$TMP/hz" "$t_restart" "$t_end")
[ "$hz_max" -lt 200 ] && pass "restart: no loop: HZ at most $hz_max frames/s (mean $hz_mean) during the restart and convergence" ||
    { fail "restart: HZ peaked at $hz_max frames/s (limit 200; mean $hz_mean): a loop"; awk -v t0="$t_restart" '$1 >= t0' "$TMP/hz" | head -50 | tr '\n' ' '; echo; }
read -r gap_restart lost_restart sent_restart < <(ping_stats "$TMP/ping" "$t_restart" "$t_end")
if [ "$MODE" = rstp ]; then
    awk -v g="$gap_restart" 'BEGIN {exit !(g <= 1)}' &&
        pass "restart: the ping went on: $lost_restart of $sent_restart lost, longest gap $gap_restart s" ||
        fail "restart: the ping stopped: $lost_restart of $sent_restart lost, longest gap $gap_restart s (limit 1 s)"
else
    pass "restart: $lost_restart of $sent_restart pings lost, longest gap $gap_restart s (802.1D: bridgehost 1's ports wait their forward delay)"
fi
grep -h "loop detected" "$TMP"/err* && fail "loop guard fired although STP cut the loop" || pass "loop guard logged no loop"

echo "stp_pair $MODE summary: converged ${t_conv:-?} s; failover gap $gap s (limit $limit s, $lost_over pings lost);" \
    "restart: $lost_restart pings lost, gap $gap_restart s, HZ max $hz_max frames/s (mean $hz_mean, before $base_rate)"

for n in 1 2; do
    pid=PID$n
    [ -n "${!pid}" ] || continue
    bh_stop "${!pid}" TERM 10 || fail "bridgehost $n did not stop"
    eval "PID$n="
    grep -q "mbufs in use: 0" "$TMP/out$n" && pass "bridgehost $n: no mbuf left in use" || fail "bridgehost $n: mbufs left in use"
done
bh_checks_done
