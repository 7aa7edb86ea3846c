#!/usr/bin/env bash
# Link down/up while forwarding (issue 8, "Faults while forwarding"). bridgehost
# runs inside a namespace of its own (sw) with three ports:
#   tapp   net_tap: the tap's kernel side, in sw, is a host itself (198.51.100.2)
#   hosta  net_af_packet on a veth whose other end is eth0 in hosta (.1)
#   hostc  net_af_packet on a veth whose other end is eth0 in hostc (.3)
# hosta and hostc ping the tap host every 10 ms the whole time. CYCLES times
# (default 10), the tap interface is set down and up (`ip link set`, the
# net_tap PMD reads its IFF_UP/IFF_RUNNING), then hostc's eth0 (the veth in sw
# loses its carrier). After each down: the port's link reads down, its learned
# entries are gone from the FDB and the FDB's `flushed` counter rose by exactly
# their number, the other ports' entries stay. After each up: a ping crosses
# again within a bound and the MAC is learned again on its port. At the end:
# the worker's counted time kept pace with the clock and its stall time is
# small, mbufs in use are back to the baseline, and none are in use at exit.
# Usage: faults_link.sh PATH/TO/bridgehost [CYCLES]   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost [CYCLES]}
CYCLES=${2:-10}
source "$(dirname "$0")/../../scripts/lib/systest.sh"
source "$BH_LIB/faults.sh"

TMP=$(mktemp -d "/tmp/bh-faults-link.$ID.XXXX")
PREFIX=bhfl-$ID
PID=
PINGS=()
declare -A NS VETH
NS[sw]=bhflsw-$ID NS[a]=bhfla-$ID NS[c]=bhflc-$ID
VETH[a]=bhfl${ID}a VETH[c]=bhfl${ID}c
TAP=bhfl${ID}t

cleanup() {
    for p in "${PINGS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    for n in sw a c; do ip netns del "${NS[$n]}" 2>/dev/null; done # takes the veths and the tap along
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 1' INT TERM # ctest's timeout: clean up too

# sw holds the switch and the host side of both veths; no IPv6 anywhere, so
# the only MACs learned are the hosts' own.
for n in sw a c; do
    ip netns add "${NS[$n]}"
    ip -n "${NS[$n]}" link set lo up
    for k in all default; do ip netns exec "${NS[$n]}" sysctl -qw "net.ipv6.conf.$k.disable_ipv6=1"; done
done
for h in a c; do
    ip link add "${VETH[$h]}" netns "${NS[sw]}" type veth peer name eth0 netns "${NS[$h]}"
    ip -n "${NS[sw]}" link set "${VETH[$h]}" arp off up
    ip -n "${NS[$h]}" addr add "$NET.$([ $h = a ] && echo 1 || echo 3)/24" dev eth0
    ip -n "${NS[$h]}" link set eth0 up
done

cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml "$PREFIX")
ports:
  - { name: tapp, device: "net_tap0,iface=$TAP" }
  - { name: hosta, device: "net_af_packet0,iface=${VETH[a]}" }
  - { name: hostc, device: "net_af_packet1,iface=${VETH[c]}" }
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
BIN_SW=(ip netns exec "${NS[sw]}" "$BIN")
"${BIN_SW[@]}" --config "$TMP/bridgehost.yaml" >"$TMP/out" 2>"$TMP/err" &
PID=$!
bh_wait_for "forwarding between" 20 "$TMP/err" || { cat "$TMP/err"; echo "FAIL: bridgehost did not start"; exit 1; }
ip -n "${NS[sw]}" addr add "$NET.2/24" dev "$TAP"
ip -n "${NS[sw]}" link set "$TAP" up
TAP_MAC=$(ip -n "${NS[sw]}" -br link show "$TAP" | awk '{print $3}')
MAC_A=$(ip -n "${NS[a]}" -br link show eth0 | awk '{print $3}')
MAC_C=$(ip -n "${NS[c]}" -br link show eth0 | awk '{print $3}')
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")
TSC_HZ=$(ip netns exec "${NS[sw]}" curl -sf --max-time 5 "http://127.0.0.1:${mport:-0}/metrics" |
    awk '$1 == "bridgehost_tsc_hz" {printf "%d", $2}')
[ "${TSC_HZ:-0}" -gt 0 ] && pass "TSC rate from /metrics ($TSC_HZ Hz)" || fail "no bridgehost_tsc_hz in /metrics"

link_of() { jsonq "show ports" ".[] | select(.name == \"$1\") | .link"; }
worker_cycles() { jsonq "show workers" '.[0] | "\(.busy_cycles + .idle_cycles + .stall_cycles) \(.stall_cycles) \(.stalls)"'; }

# Every frame of the baseline in place before traffic starts (rx rings filled).
sleep 1
BASE_MBUFS=$(jsonq "show stats" .mbufs_in_use)
read -r cyc0 stall0 stalls0 <<<"$(worker_cycles)"
VOL0=$(worker_voluntary)
T0=$(date +%s.%N)

for h in a c; do
    ip netns exec "${NS[$h]}" ping -q -i 0.01 -W 1 "$NET.2" >"$TMP/ping.$h" 2>&1 &
    PINGS+=($!)
done
until_true 10 eval '[ "$(port_of "$TAP_MAC")" = tapp ] && [ "$(port_of "$MAC_A")" = hosta ] && [ "$(port_of "$MAC_C")" = hostc ]' >/dev/null &&
    pass "traffic running: tap host on tapp, hosta and hostc learned" ||
    { fail "the three hosts were not learned"; "${CTL[@]}" show fdb; }

# One down/up of port PORT (its station STATION_MAC, OTHER_MAC stays on
# OTHER_PORT) by running DOWN_CMD and UP_CMD; PING_CMD must succeed after up.
MAX_RECOVER=0
cycle() {
    local n=$1 port=$2 mac=$3 other=$4 other_port=$5 down=$6 up=$7 ping=$8
    local on f0 f1 t ok=1
    until_true 10 eval '[ "$(port_of "$mac")" = "$port" ]' >/dev/null ||
        { fail "$port #$n: $mac not learned on $port before the down"; return; }
    on=$(jsonq "show fdb --port $port" '.entries | map(select(.type == "dynamic")) | length')
    f0=$(jsonq "show stats" .fdb.flushed)
    eval "$down"
    until_true 5 eval '[ "$(link_of "$port")" = down ] && [ "$(port_of "$mac")" = none ]' >/dev/null || {
        fail "$port #$n: after link down: link $(link_of "$port"), $mac on $(port_of "$mac")"
        ok=0
    }
    f1=$(jsonq "show stats" .fdb.flushed)
    # At least: frames received just before the down may be learned again and flushed once more.
    [ $((f1 - f0)) -ge "$on" ] && [ "$on" -ge 1 ] || { fail "$port #$n: flushed rose by $((f1 - f0)), $on entries were on it"; ok=0; }
    [ "$(port_of "$other")" = "$other_port" ] || { fail "$port #$n: $other no longer on $other_port"; ok=0; }
    sleep 0.3 # traffic goes on while the link is down
    eval "$up"
    if t=$(until_true 20 eval "$ping"); then
        awk -v t="$t" -v m="$MAX_RECOVER" 'BEGIN {exit !(t > m)}' && MAX_RECOVER=$t
    else
        fail "$port #$n: no ping crossed within 20 s of link up"
        "${CTL[@]}" show ports
        "${CTL[@]}" show fdb
        ok=0
    fi
    until_true 10 eval '[ "$(link_of "$port")" = up ] && [ "$(port_of "$mac")" = "$port" ]' >/dev/null ||
        { fail "$port #$n: after link up: link $(link_of "$port"), $mac on $(port_of "$mac")"; ok=0; }
    [ $ok = 1 ] && pass "$port #$n: down flushed its $on entries, ping crossed ${t}s after up (stalls so far: $(worker_cycles | cut -d' ' -f3))"
}
SW_PING="ip netns exec ${NS[sw]} ping -c 1 -W 2 -I $TAP $NET.1"
C_PING="ip netns exec ${NS[c]} ping -c 1 -W 2 $NET.2"
for ((i = 1; i <= CYCLES; i++)); do
    cycle "$i" tapp "$TAP_MAC" "$MAC_A" hosta \
        "ip -n ${NS[sw]} link set $TAP down" "ip -n ${NS[sw]} link set $TAP up" "$SW_PING"
    cycle "$i" hostc "$MAC_C" "$MAC_A" hosta \
        "ip -n ${NS[c]} link set eth0 down" "ip -n ${NS[c]} link set eth0 up" "$C_PING"
done
echo "slowest recovery after link up: ${MAX_RECOVER}s"

# The worker kept polling: its counted cycles (busy + idle + stall) kept pace
# with the clock, and it never slept: a poll-mode worker makes no blocking
# call, so its thread has no voluntary context switch (preemption by other
# work on this shared CPU is involuntary, and shows only as stall cycles).
read -r cyc1 stall1 stalls1 <<<"$(worker_cycles)"
T1=$(date +%s.%N)
VOL1=$(worker_voluntary)
awk -v c=$((cyc1 - cyc0)) -v hz="$TSC_HZ" -v t0="$T0" -v t1="$T1" 'BEGIN {exit !(c / hz >= 0.9 * (t1 - t0) - 1)}' &&
    pass "worker counted $(((cyc1 - cyc0) / TSC_HZ)) s of $(printf '%.0f' "$(echo "$T1 - $T0" | bc)") s: it never stopped" ||
    fail "worker counted $(((cyc1 - cyc0) / TSC_HZ)) s in $(echo "$T1 - $T0" | bc) s: it stopped polling"
[ "$VOL1" = "$VOL0" ] && pass "worker thread never slept ($VOL1 voluntary context switches)" ||
    fail "worker thread slept $((VOL1 - VOL0)) times (voluntary context switches)"
echo "worker: $(echo "scale=3; ($stall1 - $stall0) / $TSC_HZ" | bc) s in $((stalls1 - stalls0)) bursts longer than 100 us (CPU taken away)"

for p in "${PINGS[@]}"; do kill -INT "$p" 2>/dev/null; done
for p in "${PINGS[@]}"; do bh_wait_gone "$p" 5; done
PINGS=()
for h in a c; do echo "host$h: $(grep -E 'packets transmitted' "$TMP/ping.$h")"; done
bh_running "$PID" && pass "bridgehost still running" || fail "bridgehost died: $(tail -5 "$TMP/err")"
until_true 5 eval '[ "$(jsonq "show stats" .mbufs_in_use)" = "$BASE_MBUFS" ]' >/dev/null &&
    pass "mbufs in use back to the baseline ($BASE_MBUFS)" ||
    fail "mbufs in use $(jsonq "show stats" .mbufs_in_use), baseline $BASE_MBUFS"

bh_stop "$PID" TERM 20 && pass "bridgehost stopped on SIGTERM" || fail "bridgehost did not stop on SIGTERM"
PID=
# At exit the tap's rx ring still holds its mbufs (freed when the port closes,
# after the report): no more than the baseline, which counts them too.
exit_mbufs=$(sed -n 's/^mbufs in use: //p' "$TMP/out" | tail -1)
[ -n "$exit_mbufs" ] && [ "$exit_mbufs" -le "$BASE_MBUFS" ] && pass "mbufs in use at exit: $exit_mbufs (the tap's rx ring)" ||
    fail "mbufs in use at exit: ${exit_mbufs:-none reported}, baseline $BASE_MBUFS"
bh_checks_done
