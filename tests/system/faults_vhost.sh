#!/usr/bin/env bash
# vhost-user peers that die, come back and stop reading, while forwarding
# (issue 8, "Faults while forwarding"). bridgehost has three ports:
#   hosta  net_af_packet on a veth to namespace hosta (198.51.100.1), which pings
#   right  net_vhost; its peer is dpdk-testpmd in icmpecho mode on virtio_user
#          (MAC 02:00:00:00:00:02, answers ARP and ping for 198.51.100.2)
#   slow   net_vhost; the same with MAC 02:00:00:00:00:03 (198.51.100.3)
# 1. RECONNECTS times (default 100), with hosta pinging .2 every 10 ms: the
#    right peer is killed (SIGKILL) and started again. Each time a ping crosses
#    again after the restart; on odd rounds the test waits for right's learned
#    entry to be flushed before the restart, on even rounds it restarts at
#    once (a disconnect shorter than the control lcore's once-a-second look,
#    seen only through net_vhost's LSC event); every disconnect is logged as a
#    link down with its flush, at least one per round.
# 2. The slow peer stops reading (SIGSTOP) for 3 s while hosta sends it 2000
#    pings at 500/s and pings right at 100/s: tx_full drops are counted on
#    slow, slow's tx frames plus tx_full drops are exactly the pings sent to
#    it, and not one ping to right is lost meanwhile.
# Throughout: bridgehost never dies, its worker keeps counting time and never
# sleeps but in a page fault (each voluntary context switch is matched by a
# fault: see sleeps_in_faults); mbufs in use back to the baseline; none in use
# at exit.
# Usage: faults_vhost.sh PATH/TO/bridgehost [RECONNECTS]   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost [RECONNECTS]}
RECONNECTS=${2:-100}
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$BH_LIB/faults.sh"
TESTPMD=$(command -v dpdk-testpmd) || { echo "skipped: no dpdk-testpmd"; exit 77; }

TMP=$(mktemp -d "/tmp/bh-faults-vhost.$ID.XXXX")
PREFIX=bhfv-$ID
PID= RIGHT= SLOW= PING2= PING3=
NS_A=bhfva-$ID IF_A=bhfv${ID}a
MAC_R=02:00:00:00:00:02 MAC_S=02:00:00:00:00:03

cleanup() {
    for p in $PING2 $PING3 $RIGHT $SLOW; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    bh_host_del "$NS_A" "$IF_A"
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX" /var/run/dpdk/"$PREFIX"-*
}
trap cleanup EXIT
trap 'exit 1' INT TERM # ctest's timeout: clean up too

bh_host_add "$NS_A" "$IF_A" "$NET.1/24"
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
# No ARP from hosta: every frame it sends is a ping, so the frames out of
# slow can be counted exactly.
ip -n "$NS_A" neigh add "$NET.2" lladdr $MAC_R dev eth0 nud permanent
ip -n "$NS_A" neigh add "$NET.3" lladdr $MAC_S dev eth0 nud permanent

cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml "$PREFIX")
ports:
  - { name: hosta, device: "net_af_packet0,iface=$IF_A" }
  - { name: right, device: "net_vhost0,iface=$TMP/vh-right,queues=1" }
  - { name: slow, device: "net_vhost1,iface=$TMP/vh-slow,queues=1" }
workers:
  lcores: [1]
control:
  lcore: 0
metrics:
  listen: "127.0.0.1:0"
loop_guard:        # its probes out of slow would spoil the exact count there
  enabled: false
YAML
bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")
TSC_HZ=$(curl -sf --max-time 5 "http://127.0.0.1:${mport:-0}/metrics" | awk '$1 == "bridgehost_tsc_hz" {printf "%d", $2}')
[ "${TSC_HZ:-0}" -gt 0 ] && pass "TSC rate from /metrics ($TSC_HZ Hz)" || fail "no bridgehost_tsc_hz in /metrics"

worker_cycles() { jsonq "show workers" '.[0] | .busy_cycles + .idle_cycles + .stall_cycles'; }
# peer NAME MAC [QUEUE_SIZE]: dpdk-testpmd answering ARP and ping as MAC on port NAME's
# vhost-user socket, in the background, on CPU 0; prints its pid.
peer() {
    "$TESTPMD" --lcores 0@0,1@0 --no-huge -m 128 --no-pci --no-shconf --file-prefix "$PREFIX-$1" \
        --log-level '*:error' --vdev "net_virtio_user0,path=$TMP/vh-$1,queue_size=${3:-256},mac=$2" \
        -- --forward-mode=icmpecho --no-mlockall --nb-cores=1 --total-num-mbufs=2048 --stats-period 3600 \
        </dev/null >"$TMP/peer-$1.out" 2>&1 &
    echo $!
}
# worker_pace WHAT: the worker's counted cycles (busy + idle + stall) kept
# pace with the clock since CYC0/T0: it never stopped in a call.
worker_pace() {
    local c t
    c=$(($(worker_cycles) - CYC0)) t=$((($(date +%s%N) - T0) / 1000000))
    awk -v c=$c -v hz="$TSC_HZ" -v t=$t 'BEGIN {exit !(c / hz >= 0.9 * t / 1000 - 1)}' &&
        pass "worker counted $((c / TSC_HZ)) s of $((t / 1000)) s during $1: it never stopped" ||
        fail "worker counted $((c / TSC_HZ)) s in $((t / 1000)) s during $1"
}
link_downs() { grep -c "right link down" "$TMP/err"; }
# sleeps_in_faults WHAT: the worker slept (voluntary context switches since
# VOL0) no more often than it took page faults (since FLT0). It makes no
# blocking call; its only sleeps are page faults on its first touch of a
# peer's freshly mapped memory (4 KiB pages here: the peers run --no-huge),
# which wait for the mm lock while the vhost-user thread maps or unmaps
# another peer's memory. A sleep without a fault would be a blocking call.
sleeps_in_faults() {
    local v f
    v=$(($(worker_voluntary) - VOL0)) f=$(($(worker_faults) - FLT0))
    [ "$v" -le "$f" ] && pass "worker slept $v times, page faults $f, during $1: no sleep but in a fault" ||
        fail "worker slept $v times during $1 with only $f page faults: a blocking call"
}

BASE_MBUFS=$(jsonq "show stats" .mbufs_in_use)
VOL0=$(worker_voluntary) FLT0=$(worker_faults)
CYC0=$(worker_cycles)
T0=$(date +%s%N)

# --- 1. Reconnects -----------------------------------------------------------
RIGHT=$(peer right $MAC_R)
ip netns exec "$NS_A" ping -q -i 0.01 "$NET.2" >"$TMP/ping.a" 2>&1 &
PING2=$!
resumed=0 flushed_seen=0 max_resume=0 downs_bad=0
for ((i = 1; i <= RECONNECTS; i++)); do
    if t=$(until_true 20 eval "ip netns exec $NS_A ping -c 1 -W 1 $NET.2 && [ \"\$(port_of $MAC_R)\" = right ]"); then
        resumed=$((resumed + 1))
        awk -v t="$t" -v m="$max_resume" 'BEGIN {exit !(t > m)}' && max_resume=$t
    else
        fail "round $i: no ping crossed to right's peer within 20 s of its start"
        "${CTL[@]}" show ports --json | jq -c '.[] | select(.name == "right") | {link, macs, counters: (.counters | {rx_packets, tx_packets, tx_full: .drops.tx_full}), device_stats}'
        grep "right link" "$TMP/err" | tail -2
    fi
    bh_running "$PID" || { fail "round $i: bridgehost died"; tail -5 "$TMP/err"; break; }
    kill -KILL "$RIGHT"
    bh_wait_gone "$RIGHT" 10 || fail "round $i: testpmd did not die"
    if ((i % 2)); then # wait for the flush
        until_true 5 eval '[ "$(port_of $MAC_R)" = none ]' >/dev/null && flushed_seen=$((flushed_seen + 1)) ||
            fail "round $i: $MAC_R still on $(port_of $MAC_R) 5 s after its peer died"
    fi
    RIGHT=$(peer right $MAC_R)
    # Every disconnect so far logged with its flush, the last within 2 s.
    until_true 2 eval '[ "$(link_downs)" -ge '$i' ]' >/dev/null || downs_bad=$((downs_bad + 1))
done
[ $resumed -eq "$RECONNECTS" ] && pass "forwarding resumed after each of $RECONNECTS restarts (slowest ${max_resume}s)" ||
    fail "forwarding resumed after $resumed of $RECONNECTS restarts"
[ $flushed_seen -eq $(((RECONNECTS + 1) / 2)) ] && pass "right's entry flushed after each of $flushed_seen disconnects waited for" ||
    fail "right's entry flushed after $flushed_seen of $(((RECONNECTS + 1) / 2)) disconnects"
until_true 3 eval '[ "$(link_downs)" -ge '"$RECONNECTS"' ]' >/dev/null
# At least one per disconnect: a starting virtio_user may also reset the device once.
[ "$(link_downs)" -ge "$RECONNECTS" ] && [ $downs_bad -eq 0 ] &&
    pass "$RECONNECTS disconnects, $(link_downs) link downs with their flush logged ($(grep -c 'right link down and up again' "$TMP/err") seen only as LSC events)" ||
    { fail "$RECONNECTS disconnects, $(link_downs) link downs logged ($downs_bad late)"; grep "right link" "$TMP/err" | tail -5; }
until_true 20 eval "ip netns exec $NS_A ping -c 1 -W 1 $NET.2" >/dev/null || fail "right's last peer never answered"
kill -INT "$PING2"; bh_wait_gone "$PING2" 5; PING2=
echo "hosta -> right during the restarts: $(grep 'packets transmitted' "$TMP/ping.a")"

# --- 2. A peer that stops reading ---------------------------------------------
# testpmd's icmpecho answers every echo request it receives, its MAC or not
# (virtio_user has no MAC filter): a ping flooded to the other peer would be
# answered from there too and move the MAC. Static entries: nothing floods.
check "static entry for right's peer" "${CTL[@]}" fdb add $MAC_R right
check "static entry for slow's peer" "${CTL[@]}" fdb add $MAC_S slow
SLOW=$(peer slow $MAC_S 64) # a small ring: it fills soon once the peer stops
until_true 20 eval "ip netns exec $NS_A ping -c 1 -W 1 $NET.3 && [ \"\$(port_of $MAC_S)\" = slow ]" >/dev/null &&
    pass "slow's peer answers" || fail "slow's peer does not answer"
worker_pace "the restarts" # before clear stats moves the worker's baseline
sleeps_in_faults "the restarts"
"${CTL[@]}" clear stats >/dev/null
VOL0=$(worker_voluntary) FLT0=$(worker_faults)
CYC0=$(worker_cycles) T0=$(date +%s%N)
ip netns exec "$NS_A" ping -q -i 0.01 -c 400 "$NET.2" >"$TMP/ping.right" 2>&1 &
PING2=$!
ip netns exec "$NS_A" ping -q -i 0.002 -c 2000 "$NET.3" >"$TMP/ping.slow" 2>&1 &
PING3=$!
sleep 0.5
kill -STOP "$SLOW"
sleep 3
kill -CONT "$SLOW"
bh_wait_gone "$PING2" 30
bh_wait_gone "$PING3" 30
PING2= PING3=
sleep 1 # the last replies
sent_r=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$TMP/ping.right")
sent_s=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMP/ping.slow")
"${CTL[@]}" show stats --json >"$TMP/stats.json"
read -r s_tx s_full <<<"$(jq -r '.ports.slow | "\(.tx_packets) \(.drops.tx_full)"' "$TMP/stats.json")"
[ "${s_full:-0}" -gt 0 ] && pass "slow: $s_full frames dropped as tx_full while its peer was stopped" ||
    fail "slow: no tx_full drop (${s_full:-?}) with its peer stopped"
[ "$((s_tx + s_full))" = "${sent_s:-x}" ] && pass "slow: tx $s_tx + tx_full $s_full = the $sent_s pings sent to it" ||
    fail "slow: tx $s_tx + tx_full $s_full, hosta sent ${sent_s:-?}"
[ "${sent_r:-x}" = "400 400" ] && pass "hosta <-> right meanwhile: 400 of 400 pings answered" ||
    fail "hosta <-> right meanwhile: sent/received ${sent_r:-?}"
echo "slow: $(sed -n '/packets transmitted/p' "$TMP/ping.slow")"

# --- Throughout ---------------------------------------------------------------
bh_running "$PID" && pass "bridgehost still running" || fail "bridgehost died: $(tail -5 "$TMP/err")"
sleeps_in_faults "the stopped peer"
worker_pace "the stopped peer"
kill -KILL "$RIGHT" "$SLOW"
bh_wait_gone "$RIGHT" 10
bh_wait_gone "$SLOW" 10
RIGHT= SLOW=
until_true 5 eval '[ "$(jsonq "show stats" .mbufs_in_use)" = "$BASE_MBUFS" ]' >/dev/null &&
    pass "mbufs in use back to the baseline ($BASE_MBUFS)" ||
    fail "mbufs in use $(jsonq "show stats" .mbufs_in_use), baseline $BASE_MBUFS"
bh_stop "$PID" TERM 20 && pass "bridgehost stopped on SIGTERM" || fail "bridgehost did not stop on SIGTERM"
PID=
[ "$(sed -n 's/^mbufs in use: //p' "$TMP/out" | tail -1)" = 0 ] && pass "no mbuf in use at exit" ||
    fail "mbufs in use at exit: $(sed -n 's/^mbufs in use: //p' "$TMP/out" | tail -1)"
bh_checks_done
