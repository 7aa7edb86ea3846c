#!/usr/bin/env bash
# The seed scenario (root): namespaces hosta and hostb, each on a veth whose other end is a
# net_af_packet port of bridgehost (config/demo.yaml, no hugepages). Pings across both ways,
# shows the learned MACs, stops bridgehost with SIGTERM and removes what it made.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
source "$(dirname "$0")/lib/netns.sh"
source "$(dirname "$0")/lib/proc.sh"

[ "$(id -u)" -eq 0 ] || bh_die "the demo creates namespaces and interfaces: run it as root"
bh_install
[ -x "$BH_BUILD/bin/bridgehost" ] || bh_build
BIN=$BH_BUILD/bin/bridgehost
CONFIG=$BH_ROOT/config/demo.yaml
LOG=$(mktemp -d /tmp/bridgehost-demo.XXXXXX)
PID=

cleanup() {
    [ -n "$PID" ] && { bh_stop "$PID" TERM 10 || true; }
    bh_host_del hosta bh-hosta
    bh_host_del hostb bh-hostb
    rm -rf "$LOG" /var/run/dpdk/bridgehost-demo
}
trap cleanup EXIT

for ns in hosta hostb; do
    ip netns list | grep -qw "$ns" && bh_die "namespace $ns already exists; remove it (ip netns del $ns) first"
done

bh_log "hosta (198.51.100.1) and hostb (198.51.100.2), each behind a veth to bridgehost"
bh_host_add hosta bh-hosta 198.51.100.1/24
bh_host_add hostb bh-hostb 198.51.100.2/24

bh_log "starting: $BIN --config $CONFIG"
"$BIN" --config "$CONFIG" >"$LOG/out" 2>"$LOG/err" &
PID=$!
bh_wait_for "forwarding between" 20 "$LOG/err" || { cat "$LOG/err" >&2; bh_die "bridgehost did not start"; }

bh_log "ping hostb from hosta"
ip netns exec hosta ping -c 3 -i 0.2 -W 2 198.51.100.2
bh_log "ping hosta from hostb"
ip netns exec hostb ping -c 3 -i 0.2 -W 2 198.51.100.1

bh_log "learned MACs (hosta eth0 is $(bh_host_mac hosta), hostb eth0 is $(bh_host_mac hostb)):"
kill -USR1 "$PID"
bh_wait_for "mbufs in use" 5 "$LOG/out" || true
sed -n '/^fdb (/,/^summary/p' "$LOG/out" | sed '$d'

bh_log "stopping bridgehost (SIGTERM)"
bh_stop "$PID" TERM 10 || bh_die "bridgehost did not stop"
PID=
sed -n '/stopped; final counters/,$p' "$LOG/out"
bh_log "demo done; namespaces and interfaces removed"
