#!/usr/bin/env bash
# bridgehost against dpdk-testpmd --forward-mode=io, on the same vhost-user ports, in one run;
# or, with --tcp, TCP (iperf3) through bridgehost against a Linux bridge.
#
# Usage: scripts/bench.sh [--quick] [--duration SECONDS] [--macs "2 1024 ..."]
#                         [--sizes "64 512 1518"] [--repeat N] [--no-scaling] [--peers]
#                         [--ring]
#        scripts/bench.sh --tcp [--quick] [--duration SECONDS] [--repeat N]
#
# Root. The generator (bridgehost-gen over virtio_user, or pktgen when
# PKTGEN=/path/to/pktgen is set) runs on CPU 0 and the device under test on
# CPU 1, both lcores of the DUT (control and worker) on CPU 1. For each MAC
# count and frame size, testpmd io and bridgehost run back to back on the same
# two net_vhost ports, and the table shows Mpps, loss and busy cycles/packet
# over the measured window, and bridgehost's cycles over testpmd's. Only the
# ratio is stable on a shared machine; the absolute figures move run to run.
#
#   --quick        64-byte frames only, 3 s per run, no scaling runs (under 3 minutes)
#   --duration S   measured seconds per run (default 5; with --tcp 10, --quick 5)
#   --macs LIST    MAC counts (default "2 1024 65536 1048576")
#   --sizes LIST   frame sizes with FCS (default "64 512 1518")
#   --repeat N     rounds per case (testpmd, bridgehost[, OVS-DPDK] back to back); the
#                  round with the median ratio to testpmd counts (default 1)
#   --no-scaling   skip the one-worker/two-worker comparison
#   --peers        a third DUT in every case: OVS-DPDK (Debian's openvswitch-switch-dpdk,
#                  OVS 3.1 on DPDK 22.11; installed with apt-get if missing) with the
#                  NORMAL action, its learning switch: a netdev bridge with two
#                  dpdkvhostuserclient ports (OVS is the vhost-user client, the
#                  generator's virtio_user the server: server=1), its PMD thread and
#                  all its other threads on CPU 1, MAC table at least 2 x MACs (OVS
#                  caps it at 1,000,000), aging 3600 s, EMC/SMC at OVS's defaults.
#                  The script runs OVS's own ovsdb-server and ovs-vswitchd with the
#                  database, sockets and logs in its temporary directory and
#                  ovs-vswitchd in a network namespace of its own (a system OVS is
#                  never touched), a fresh ovs-vswitchd per run. Rows "ovs-dpdk":
#                  processing cycles/packet (PMD iterations that received packets)
#                  over the window, ratio to testpmd; a target line per MAC count
#                  (bridgehost at most half OVS's cycles) and what OVS's MAC table
#                  and caches did under the table.
#   --ring         then the same MAC counts, 64-byte frames, on two net_ring ports
#                  (build/bin/bench-ring, tests/bench/bench_ring.cpp): no copy, so
#                  bridgehost's own per-frame work shows, against testpmd's io loop
#                  re-created in-process (testpmd cannot be fed over ring ports from
#                  another process); generator and DUT in one process, no hugepages,
#                  the same CPUs, --duration and --repeat. Its table follows the
#                  vhost one; its rows go in the CSV as io-ring and bridgehost-ring
#   --tcp          the TCP benchmark instead (no hugepages, no testpmd; about
#                  a minute with --quick): iperf3 -t S over IPv4 each way
#                  (hosta->hostb, and hostb->hosta with -R) between two
#                  namespaces, whose veths keep the kernel's default offloads
#                  (TSO, tx checksum), through
#                    (a) bridgehost on two net_af_packet ports (config/demo.yaml's
#                        shape, no hugepages, both lcores on CPU 1),
#                    (b) a Linux bridge with the same two host-side veths as ports,
#                    (b') the same bridge with TSO and GSO off in the namespaces
#                        for that run only: the receiver gets MTU-sized
#                        segments, as behind an af_packet port (whose PMD has no
#                        vnet header to hand a super-frame to the kernel with),
#                    (c) bridgehost on two net_vhost ports, reached through a relay
#                        bridgehost (CPU 0) with af_packet and virtio_user ports
#                        in VLANs 10 and 20, so TCP crosses two switches; the
#                        DUT's vh0 peer negotiates TSO, vh1's does not, so the
#                        DUT cuts hosta->hostb super-frames, the relay hostb->hosta,
#                    (d) the chain of (c) with TSO negotiated on both virtio_user
#                        ports: nobody cuts super-frames, what segmenting costs.
#                  iperf3 runs on CPU 0 (BH_TCP_IPERF_CPUS=LIST: on those, taskset
#                  -c). The table gives receiver Gbit/s,
#                  retransmits and bridgehost's Gbit/s over the Linux bridge's,
#                  per direction, and a second one the DUT's counters over each
#                  run: super-frames, segmented, checksums finished, tx_full,
#                  other drops, busy cycles/packet and idle %. --macs, --sizes
#                  and --no-scaling do not apply.
#
# BH_BENCH_FDB_CACHE=N sets bridgehost's workers.fdb_cache (default auto; 0:
# off), to measure what the workers' FDB cache buys.
#
# Writes the table to stdout and bench/results/bench-<UTC time>.csv (+ .txt);
# with --tcp, bench/results/tcp-<UTC time>.csv (+ .txt).
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the run too
source "$(dirname "$0")/lib/setup.sh"
source "$(dirname "$0")/lib/proc.sh"
source "$(dirname "$0")/lib/ovs.sh"

QUICK=0 DURATION= REPEAT=1 SCALING=1 TCP=0 PEERS=0
RING=0
MACS="2 1024 65536 1048576"
SIZES="64 512 1518"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 SIZES=64 SCALING=0 ;;
    --duration) DURATION=$2; shift ;;
    --macs) MACS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --no-scaling) SCALING=0 ;;
    --ring) RING=1 ;;
    --tcp) TCP=1 ;;
    --peers) PEERS=1 ;;
    # The comment block at the top, up to its first line that is not a comment.
    -h|--help) sed -n '2,${/^#/!q;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bh_die "unknown option $1 (see $0 --help)" ;;
    esac
    shift
done
if [ -z "$DURATION" ]; then # an explicit --duration wins over --quick's, in either order
    if [ "$TCP" -eq 1 ]; then DURATION=$((QUICK ? 5 : 10)); else DURATION=$((QUICK ? 3 : 5)); fi
fi
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || bh_die "--duration wants a whole number of seconds, got '$DURATION'"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || bh_die "--repeat wants a count from 1, got '$REPEAT'"
[ "$PEERS" -eq 0 ] || [ "$TCP" -eq 0 ] || bh_die "--peers adds OVS-DPDK to the packet benchmark, not to --tcp"

if [ "$TCP" -eq 1 ]; then
    [ "$(id -u)" -eq 0 ] || bh_die "the TCP benchmark makes namespaces and pins cores: run it as root"
else
    [ "$(id -u)" -eq 0 ] || bh_die "the benchmark reserves hugepages and pins cores: run it as root"
fi
[ "$(nproc)" -ge 2 ] || bh_die "needs 2 CPUs (generator on CPU 0, switch on CPU 1)"
bh_install
[ "$PEERS" -eq 0 ] || ovs_install # only --peers needs it: not in setup.sh's packages
BIN=$BH_BUILD/bin
RESULTS=$BH_ROOT/bench/results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# === --tcp: TCP through bridgehost and through a Linux bridge ================
# Defined here, run only with --tcp (tcp_main below), before any of the
# hugepage and testpmd set-up of the packet benchmark.
#
#   hosta eth0 == bhtaPID --(a) bridgehost af_packet / (b) Linux bridge / (c,d) relay ... DUT ...-- bhtbPID == eth0 hostb
#
# (c) and (d): hosta == [relay afa (VLAN 10) vua] == [DUT vh0 vh1] == [relay vub (VLAN 20) afb] == hostb
T_NS_A=bhtcpbench-hosta-$$ T_NS_B=bhtcpbench-hostb-$$ # names unique to the run
T_IF_A=bhta$$ T_IF_B=bhtb$$ T_BR=bhbr$$
T_PREFIX=bhtcpbench$$ # EAL file prefixes $T_PREFIX-dut and $T_PREFIX-rel
T_ADDR_A=198.51.100.1 T_ADDR_B=198.51.100.2
T_PORT=5201
T_IPERF_CPUS=${BH_TCP_IPERF_CPUS:-0} # taskset -c list for both iperf3 ends
T_WORK= T_DUT= T_REL= T_SRV= T_CLI= T_TXT= T_DONE=0 T_IPERF=
declare -A T_RES T_NOTE

tcp_cleanup() {
    set +e
    trap - INT TERM HUP
    local p ns
    for p in $T_CLI $T_SRV; do kill -KILL "$p" 2>/dev/null; done
    # TERM: bridgehost puts the veths' GRO back and removes its runtime files.
    for p in $T_REL $T_DUT; do bh_stop "$p" TERM 10; done
    # Whatever still runs in this run's namespaces is an iperf3 of this run.
    for ns in "$T_NS_A" "$T_NS_B"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    ip link del "$T_BR" 2>/dev/null
    bh_host_del "$T_NS_A" "$T_IF_A"
    bh_host_del "$T_NS_B" "$T_IF_B"
    if [ -n "${BH_BENCH_KEEP:-}" ] && [ -n "$T_WORK" ]; then
        bh_log "kept $T_WORK"
    else
        [ -n "$T_WORK" ] && rm -rf "$T_WORK"
    fi
    rm -rf /var/run/dpdk/"$T_PREFIX"-dut /var/run/dpdk/"$T_PREFIX"-rel
    # An interrupted run has no table: its header-only .txt goes too.
    [ "$T_DONE" -eq 1 ] || [ -z "$T_TXT" ] || rm -f "$T_TXT"
}

# tcp_switch dut|rel: starts bridgehost on $T_WORK/NAME.yaml (output in NAME.out)
# and waits until it forwards.
tcp_switch() {
    local name=$1 pid
    "$BIN"/bridgehost --config "$T_WORK/$name.yaml" >"$T_WORK/$name.out" 2>&1 &
    pid=$!
    if [ "$name" = dut ]; then T_DUT=$pid; else T_REL=$pid; fi
    bh_wait_for "forwarding between" 20 "$T_WORK/$name.out" && return 0
    cat "$T_WORK/$name.out" >&2
    bh_die "bridgehost ($name) did not start"
}

# tcp_unswitch dut|rel: SIGTERM; a switch that does not stop, or leaves mbufs
# in use, is noted under the table.
tcp_unswitch() {
    local name=$1 pid
    if [ "$name" = dut ]; then pid=$T_DUT; else pid=$T_REL; fi
    [ -n "$pid" ] || return 0
    bh_stop "$pid" TERM 20 || T_NOTE[misbehaved]+="bridgehost ($name, $T_CASE) did not stop on SIGTERM; "
    if [ "$name" = rel ]; then
        # virtio_user keeps buffers posted in its rings, and the exit report
        # counts before the ports close: only a count that grows means a leak.
        T_NOTE[relay_exit,$T_CASE]=$(grep -o 'mbufs in use: [0-9]*' "$T_WORK/$name.out" | grep -o '[0-9]*$' || echo '?')
    elif ! grep -q "mbufs in use: 0" "$T_WORK/$name.out"; then
        T_NOTE[misbehaved]+="bridgehost ($name, $T_CASE) exit: $(grep 'mbufs in use' "$T_WORK/$name.out" || echo 'no mbuf report'); "
    fi
    if [ "$name" = dut ]; then T_DUT=; else T_REL=; fi
}

# tcp_ctl dut|rel ARGS...: bridgehostctl on that switch's control socket.
tcp_ctl() {
    local name=$1
    shift
    "$BIN"/bridgehostctl --socket "$T_WORK/$name.ctl" --timeout 5 "$@"
}

# tcp_snap dut|rel FILE: the switch's stats and workers as one JSON object ({} if it does not answer).
tcp_snap() {
    local name=$1 file=$2
    if tcp_ctl "$name" show stats --json >"$file.stats" 2>"$file.err" &&
        tcp_ctl "$name" show workers --json >"$file.workers" 2>>"$file.err"; then
        jq -n --slurpfile s "$file.stats" --slurpfile w "$file.workers" '{stats: $s[0], workers: $w[0]}' >"$file"
    else
        T_NOTE[misbehaved]+="bridgehostctl on $name ($T_CASE): $(tr '\n' ' ' <"$file.err"); "
        echo '{}' >"$file"
    fi
}

# tcp_counters BEFORE AFTER PORT: the DUT over one run, tab-separated: PORT's
# rx frames, super-frames, segmented, checksums finished; tx_full over all
# ports; busy cycles/packet and idle % of the workers; the other drops that
# are not zero ("port:reason=n ..." or 0); PORT's flooded frames; the
# workers' stalls (bursts the CPU was taken away in).
tcp_counters() {
    jq -rn --slurpfile b "$1" --slurpfile a "$2" --arg p "$3" '
        ($a[0].stats.ports // {}) as $A | ($b[0].stats.ports // {}) as $B |
        def d(q; k): (($A[q][k] // 0) - ($B[q][k] // 0));
        def dd(q; r): (($A[q].drops[r] // 0) - ($B[q].drops[r] // 0));
        def w(k): (([$a[0].workers[]?[k]] | add // 0) - ([$b[0].workers[]?[k]] | add // 0));
        ([$A | keys[] as $q | dd($q; "tx_full")] | add // 0) as $txfull |
        ([$A | keys[] as $q | ($A[$q].drops // {}) | keys[] | select(. != "tx_full") as $r
            | dd($q; $r) | select(. != 0) | "\($q):\($r)=\(.)"] | join(" ")) as $other |
        (w("busy_cycles") + w("idle_cycles") + w("stall_cycles")) as $all |
        [d($p; "rx_packets"), d($p; "super_frames"), d($p; "segmented"), d($p; "checksums_finished"),
         $txfull,
         (if w("rx_packets") > 0 then (w("busy_cycles") / w("rx_packets") * 10 | round / 10) else 0 end),
         (if $all > 0 then (w("idle_cycles") / $all * 1000 | round / 10) else 0 end),
         (if $other == "" then "0" else $other end), d($p; "flooded"), w("stalls")] | @tsv'
}

# tcp_relay_counters BEFORE AFTER: the relay's super-frames segmented (all ports),
# its drops that are not zero, its workers' idle % and stalls, tab-separated.
tcp_relay_counters() {
    jq -rn --slurpfile b "$1" --slurpfile a "$2" '
        ($a[0].stats.ports // {}) as $A | ($b[0].stats.ports // {}) as $B |
        ([$A | keys[] as $q | ($A[$q].segmented // 0) - ($B[$q].segmented // 0)] | add // 0) as $seg |
        ([$A | keys[] as $q | ($A[$q].drops // {}) | keys[] as $r
            | (($A[$q].drops[$r] // 0) - ($B[$q].drops[$r] // 0)) | select(. != 0)
            | "\($q):\($r)=\(.)"] | join(" ")) as $drops |
        def w(k): (([$a[0].workers[]?[k]] | add // 0) - ([$b[0].workers[]?[k]] | add // 0));
        (w("busy_cycles") + w("idle_cycles") + w("stall_cycles")) as $all |
        [$seg, (if $drops == "" then "0" else $drops end),
         (if $all > 0 then (w("idle_cycles") / $all * 1000 | round / 10) else 0 end), w("stalls")] | @tsv'
}

# tcp_wired: until hosta pings hostb (10 s); noted if it never does.
tcp_wired() {
    local i
    for ((i = 0; i < 10; i++)); do
        ip netns exec "$T_NS_A" ping -c 1 -W 1 "$T_ADDR_B" >/dev/null 2>&1 && return 0
    done
    T_NOTE[misbehaved]+="$T_CASE: hosta could not ping hostb; "
    bh_log "$T_CASE: hosta cannot ping hostb"
}

# tcp_iperf ab|ba: iperf3 -t DURATION from hosta to hostb (ab) or back (ba,
# -R), client and server on CPU 0 (BH_TCP_IPERF_CPUS). Sets T_IPERF to
# "Gbit/s<TAB>retransmits<TAB>error":
# the receiver's rate, the sender's retransmits, "-" or what went wrong (no
# field is ever empty: read splits on tabs). The client runs in the
# background and is polled (lib/proc.sh), so that Ctrl-C is not held up; this
# runs in the script's own shell, not in $(...), so that the exit trap knows
# the pids.
tcp_iperf() {
    local rev= i json=$T_WORK/iperf.json
    [ "$1" = ba ] && rev=-R
    rm -f "$json"
    ip netns exec "$T_NS_B" taskset -c "$T_IPERF_CPUS" iperf3 -s -1 -p "$T_PORT" >"$T_WORK/iperf-server.log" 2>&1 &
    T_SRV=$!
    for ((i = 0; i < 100; i++)); do
        [ -n "$(ip netns exec "$T_NS_B" ss -Hltn "sport = :$T_PORT" 2>/dev/null)" ] && break
        sleep 0.1
    done
    ip netns exec "$T_NS_A" taskset -c "$T_IPERF_CPUS" iperf3 -c "$T_ADDR_B" -p "$T_PORT" -t "$DURATION" -J \
        --connect-timeout 5000 $rev >"$json" 2>"$T_WORK/iperf.err" &
    T_CLI=$!
    if ! bh_wait_gone "$T_CLI" $((DURATION + 30)); then
        T_NOTE[misbehaved]+="$T_CASE $1: iperf3 still running $((DURATION + 30)) s after it started (killed); "
        bh_stop "$T_CLI" KILL 5 || true
    fi
    T_CLI=
    bh_stop "$T_SRV" TERM 5 >/dev/null 2>&1 || true
    T_SRV=
    # iperf3 3.12 -J exits 0 even when it cannot connect: the error is in the JSON.
    T_IPERF=$(jq -r '[((.end.sum_received.bits_per_second // 0) / 1e9 * 1000 | round / 1000),
            (.end.sum_sent.retransmits // "?"),
            (if (.error // "") != "" then .error
             elif (.end.sum_received.bytes // 0) == 0 then "no bytes received" else "-" end)]
           | @tsv' "$json" 2>/dev/null) || T_IPERF=
    [ -n "$T_IPERF" ] ||
        T_IPERF=$(printf '0\t?\tiperf3 wrote no JSON: %s' "$(tail -1 "$T_WORK/iperf.err" 2>/dev/null | tr '\t' ' ')")
}

# tcp_run CASE: both directions on what CASE has set up; with a DUT, its
# counters over each run (and the relay's, when there is one). Appends one
# result line per direction to T_RES[CASE,DIR]:
#   gbps retr error | rx super segmented csum tx_full cycles idle other_drops flooded stalls
#   | relay_segmented relay_drops relay_idle relay_stalls
tcp_run() {
    local case=$1 dir port r c rc
    for dir in ab ba; do
        port=
        if [ -n "$T_DUT" ]; then
            case $case in
            af) [ "$dir" = ab ] && port=hosta || port=hostb ;;
            *) [ "$dir" = ab ] && port=vh0 || port=vh1 ;;
            esac
            tcp_snap dut "$T_WORK/dut.before"
            [ -z "$T_REL" ] || tcp_snap rel "$T_WORK/rel.before"
        fi
        tcp_iperf "$dir"
        r=$T_IPERF
        c=$'-\t-\t-\t-\t-\t-\t-\t-\t-\t-' rc=$'-\t-\t-\t-'
        if [ -n "$T_DUT" ]; then
            tcp_snap dut "$T_WORK/dut.after"
            c=$(tcp_counters "$T_WORK/dut.before" "$T_WORK/dut.after" "$port")
            if [ -n "$T_REL" ]; then
                tcp_snap rel "$T_WORK/rel.after"
                rc=$(tcp_relay_counters "$T_WORK/rel.before" "$T_WORK/rel.after")
            fi
        fi
        bh_log "$case $dir: $(cut -f1 <<<"$r") Gbit/s, $(cut -f2 <<<"$r") retransmits$(
            [ "$(cut -f3 <<<"$r")" = - ] || echo ", error: $(cut -f3 <<<"$r")")"
        T_RES[$case,$dir]+="$r"$'\t'"$c"$'\t'"$rc"$'\n'
    done
}

# The DUT's and the relay's configurations: /tmp/dut.yaml and /tmp/rel.yaml
# of the hand set-up, with this run's names.
tcp_yaml_af() {
    cat >"$T_WORK/dut.yaml" <<YAML
# config/demo.yaml's shape; both lcores on CPU 1, as the packet benchmark's DUT.
eal: {lcores: "0@1,1@1", no_huge: true, memory_mb: 256, file_prefix: $T_PREFIX-dut}
ports:
  - {name: hosta, device: "net_af_packet0,iface=$T_IF_A"}
  - {name: hostb, device: "net_af_packet1,iface=$T_IF_B"}
fdb: {capacity: 65536, aging_seconds: 300}
workers: {lcores: [1], burst: 32}
control: {lcore: 0, socket: $T_WORK/dut.ctl}
metrics: {listen: "127.0.0.1:0"}
YAML
}
tcp_yaml_vhost() { # tcp_yaml_vhost TSO_ON_VUB(0|1)
    local vub_offloads=", offloads: {tso: off}"
    [ "$1" -eq 1 ] && vub_offloads=
    cat >"$T_WORK/dut.yaml" <<YAML
eal: {lcores: "0@1,1@1", no_huge: true, memory_mb: 512, file_prefix: $T_PREFIX-dut}
ports:
  - {name: vh0, device: "net_vhost0,iface=$T_WORK/vh0.sock,queues=1"}
  - {name: vh1, device: "net_vhost1,iface=$T_WORK/vh1.sock,queues=1"}
workers: {lcores: [1]}
control: {lcore: 0, socket: $T_WORK/dut.ctl}
metrics: {listen: "127.0.0.1:0"}
YAML
    cat >"$T_WORK/rel.yaml" <<YAML
eal: {lcores: "0@0,1@0", no_huge: true, memory_mb: 512, file_prefix: $T_PREFIX-rel}
ports:
  - {name: afa, device: "net_af_packet0,iface=$T_IF_A", mode: access, vlan: 10}
  - {name: vua, device: "net_virtio_user0,path=$T_WORK/vh0.sock,queues=1,queue_size=1024", mode: access, vlan: 10}
  - {name: vub, device: "net_virtio_user1,path=$T_WORK/vh1.sock,queues=1,queue_size=1024", mode: access, vlan: 20$vub_offloads}
  - {name: afb, device: "net_af_packet1,iface=$T_IF_B", mode: access, vlan: 20}
workers: {lcores: [1]}
control: {lcore: 0, socket: $T_WORK/rel.ctl}
metrics: {listen: "127.0.0.1:0"}
loop_guard: {enabled: false}
YAML
}

# What the DUT's ports' peers take (net_vhost: what the guest negotiated), as
# show ports has it (peer_takes; builds without it say so), once per case.
tcp_peer_note() {
    [ -n "${T_NOTE[peer,$1]:-}" ] && return 0
    T_NOTE[peer,$1]=$(tcp_ctl dut show ports --json 2>/dev/null | jq -r '[.[] | "\(.name) peer takes \(
        if has("peer_takes") then (.peer_takes | if length == 0 then "none" else join(", ") end)
        else "? (not in this build'"'"'s show ports)" end)"] | join("; ")' 2>/dev/null || true)
    [ -n "${T_NOTE[peer,$1]}" ] || T_NOTE[peer,$1]="(show ports did not answer)"
}

tcp_case() { # tcp_case af|lb|vh|vt
    T_CASE=$1
    case $1 in
    af)
        tcp_yaml_af
        tcp_switch dut
        tcp_wired
        tcp_peer_note af
        tcp_run af
        tcp_unswitch dut
        ;;
    lb | ls)
        local ns offloads=on
        [ "$1" = ls ] && offloads=off # this run only: MTU-sized segments reach the receiver
        for ns in "$T_NS_A" "$T_NS_B"; do ip netns exec "$ns" ethtool -K eth0 tso $offloads gso $offloads; done
        ip link add "$T_BR" type bridge stp_state 0
        sysctl -qw "net.ipv6.conf.$T_BR.disable_ipv6=1"
        ip link set "$T_IF_A" master "$T_BR"
        ip link set "$T_IF_B" master "$T_BR"
        ip link set "$T_BR" up
        tcp_wired
        tcp_run "$1"
        ip link del "$T_BR" # releases the veths, which stay up
        for ns in "$T_NS_A" "$T_NS_B"; do ip netns exec "$ns" ethtool -K eth0 tso on gso on; done
        ;;

    vh | vt)
        tcp_yaml_vhost "$([ "$1" = vt ] && echo 1 || echo 0)"
        tcp_switch dut # the vhost-user servers, first
        local i
        for ((i = 0; i < 100; i++)); do
            [ -S "$T_WORK/vh0.sock" ] && [ -S "$T_WORK/vh1.sock" ] && break
            sleep 0.1
        done
        tcp_switch rel
        tcp_wired
        tcp_peer_note "$1"
        T_NOTE[relay_mbufs,$1]=$(tcp_ctl rel show stats --json 2>/dev/null | jq -r '.mbufs_in_use' 2>/dev/null || echo '?')
        tcp_run "$1"
        tcp_unswitch rel
        tcp_unswitch dut
        ;;
    esac
}

# tcp_pick LINES: the line with the median Gbit/s (first field).
tcp_pick() {
    local n
    n=$(grep -c . <<<"$1")
    grep . <<<"$1" | sort -t$'\t' -k1,1g | sed -n "$(((n + 1) / 2))p"
}

tcp_main() {
    command -v iperf3 >/dev/null && command -v jq >/dev/null && command -v ethtool >/dev/null ||
        bh_die "needs iperf3, jq and ethtool"
    T_WORK=$(mktemp -d /tmp/bh-tcpbench.XXXXXX)
    trap tcp_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    local csv=$RESULTS/tcp-$STAMP.csv txt=$RESULTS/tcp-$STAMP.txt
    T_TXT=$txt
    bh_host_add "$T_NS_A" "$T_IF_A" "$T_ADDR_A/24"
    bh_host_add "$T_NS_B" "$T_IF_B" "$T_ADDR_B/24"

    mkdir -p "$RESULTS"
    {
        echo "# bridgehost TCP bench $STAMP"
        echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cpus; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# kernel: $(uname -r); dpdk: $(pkg-config --modversion libdpdk); $(iperf3 --version | head -1)"
        echo "# iperf3 -t $DURATION, IPv4, client in hosta, server in hostb, both on cpu $T_IPERF_CPUS; repeat $REPEAT (median Gbit/s)"
        echo "# DUT (bridgehost under test): both lcores on cpu 1; relay of (c),(d): both lcores on cpu 0"
        local h
        for h in "$T_NS_A" "$T_NS_B"; do
            echo "# ${h%-*}" | sed "s/^# bhtcpbench-/# /"
            ip netns exec "$h" ethtool -k eth0 | grep -E '^(tcp-segmentation|tx-checksumming)' | sed 's/^/#   /'
        done
        echo "# Linux bridge: net.bridge.bridge-nf-call-iptables=$(sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo 'n/a (no br_netfilter)')"
    } | tee "$txt" >&2

    local r c
    for ((r = 1; r <= REPEAT; r++)); do # interleaved: a b c d, a b c d, ...
        for c in af lb ls vh vt; do
            bh_log "run $r/$REPEAT, case $c"
            tcp_case "$c"
        done
    done

    declare -A name=(
        [af]="(a) bridgehost net_af_packet"
        [lb]="(b) Linux bridge"
        [ls]="(b') Linux bridge, hosts' TSO off"
        [vh]="(c) bridgehost net_vhost chain *"
        [vt]="(d) net_vhost chain, TSO both *"
    )
    declare -A dirname=([ab]="hosta->hostb" [ba]="hostb->hosta")
    declare -A label=([af]="(a)" [lb]="(b)" [ls]="(b')" [vh]="(c)" [vt]="(d)")
    declare -A line
    declare -A inport=([af,ab]=hosta [af,ba]=hostb [vh,ab]=vh0 [vh,ba]=vh1 [vt,ab]=vh0 [vt,ba]=vh1)
    local d lb ratio f counters
    for c in af lb ls vh vt; do
        for d in ab ba; do line[$c,$d]=$(tcp_pick "${T_RES[$c,$d]}"); done
    done
    echo "case,switch,direction,gbit_s,retransmits,ratio_to_linux_bridge,in_port,rx_frames,super_frames,segmented,checksums_finished,flooded,tx_full,busy_cycles_per_packet,idle_pct,stalls,other_drops,relay_segmented,relay_drops,relay_idle_pct,relay_stalls,runs,error" >"$csv"
    {
        echo
        printf '%-33s %-13s %8s %8s %9s\n' case direction Gbit/s retrans "ratio/LB"
        for c in af lb ls vh vt; do
            for d in ab ba; do
                IFS=$'\t' read -r -a f <<<"${line[$c,$d]}"
                lb=$(cut -f1 <<<"${line[lb,$d]}")
                ratio=$(awk -v a="${f[0]}" -v b="$lb" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
                printf '%-33s %-13s %8.2f %8s %9s%s\n' "$([ "$d" = ab ] && echo "${name[$c]}")" \
                    "${dirname[$d]}" "${f[0]}" "${f[1]}" "$ratio" "$([ "${f[2]}" = - ] || echo "  FAILED: ${f[2]}")"
                if [ "$c" = lb ] || [ "$c" = ls ]; then
                    counters=",,,,,,,,,,,,,,"
                else
                    counters="${inport[$c,$d]},${f[3]},${f[4]},${f[5]},${f[6]},${f[11]},${f[7]},${f[8]},${f[9]},${f[12]},${f[10]},${f[13]},${f[14]},${f[15]},${f[16]}"
                fi
                echo "$c,$(case $c in lb | ls) echo linux-bridge ;; *) echo bridgehost ;; esac),${dirname[$d]},${f[0]},${f[1]},$ratio,$counters,$REPEAT,$([ "${f[2]}" = - ] || echo "${f[2]//,/;}")" >>"$csv"
            done
        done
        echo "(b'): the hosts' TSO and GSO off for that run: the receiver gets MTU-sized segments, as"
        echo "  from (a), whose af_packet PMD cannot hand the kernel a super-frame (no vnet header)."
        echo "* (c), (d): TCP crosses two bridgehosts, the relay (af_packet + virtio_user, cpu 0) and the"
        echo "  DUT (net_vhost, cpu 1); the ratio is the chain's over one Linux bridge. (c): the DUT's vh0"
        echo "  peer takes TSO, vh1's does not: the DUT cuts hosta->hostb super-frames, the relay"
        echo "  hostb->hosta ones. (d): both peers take TSO: the DUT cuts none, the relay still cuts"
        echo "  them all on the way out of its af_packet port (as (a) does); (d) - (c) is the DUT's cutting."
        echo
        echo "DUT counters over the run above (in-port: where the data enters the DUT; super, segmented,"
        echo "csum-fin, flooded counted there; tx_full over all ports; cycles/pkt: busy cycles per frame"
        echo "received, both directions and ACKs, a super-frame one frame; idle %: the worker's polls that"
        echo "found nothing; stalls: bursts the CPU was taken away in)"
        printf '%-5s %-13s %-7s %10s %9s %9s %9s %8s %8s %10s %6s %7s %s\n' case direction in-port rx-frames \
            super segmented csum-fin flooded tx_full cycles/pkt idle% stalls "other drops"
        for c in af vh vt; do
            for d in ab ba; do
                IFS=$'\t' read -r -a f <<<"${line[$c,$d]}"
                printf '%-5s %-13s %-7s %10s %9s %9s %9s %8s %8s %10s %6s %7s %s\n' "${label[$c]}" "${dirname[$d]}" \
                    "${inport[$c,$d]}" "${f[3]}" "${f[4]}" "${f[5]}" "${f[6]}" "${f[11]}" "${f[7]}" "${f[8]}" \
                    "${f[9]}" "${f[12]}" "${f[10]}"
            done
        done
        for c in vh vt; do
            for d in ab ba; do
                IFS=$'\t' read -r -a f <<<"${line[$c,$d]}"
                echo "relay, ${label[$c]} ${dirname[$d]}: super-frames segmented ${f[13]}, idle ${f[15]} %, stalls ${f[16]}, drops ${f[14]}"
            done
            echo "relay, ${label[$c]}: mbufs in use ${T_NOTE[relay_mbufs,$c]:-?} before the runs, ${T_NOTE[relay_exit,$c]:-?} at exit (virtio_user rings' buffers)"
        done
        for c in af vh vt; do echo "DUT, ${label[$c]}: ${T_NOTE[peer,$c]:-}"; done
        [ -z "${T_NOTE[misbehaved]:-}" ] || echo "ODD: ${T_NOTE[misbehaved]}"
    } | tee -a "$txt"
    T_DONE=1
    bh_log "results: $txt, $csv"
}

if [ "$TCP" -eq 1 ]; then
    [ -x "$BIN/bridgehost" ] && [ -x "$BIN/bridgehostctl" ] || bh_build
    source "$(dirname "$0")/lib/netns.sh"
    tcp_main
    exit 0
fi


[ -x "$BH_BUILD/bin/bridgehost" ] && [ -x "$BH_BUILD/bin/bridgehost-gen" ] || bh_build
command -v dpdk-testpmd >/dev/null || bh_die "dpdk-testpmd not found (Debian package dpdk)"

WORK=$(mktemp -d /tmp/bh-bench.XXXXXX)
TAG=bhbench$$
CSV=$RESULTS/bench-$STAMP.csv
TXT=$RESULTS/bench-$STAMP.txt
DUT_PID=
VIRTIO_OPTS=queue_size=1024,packed_vq=1,in_order=1,mrg_rxbuf=0

# virtio_opts KIND: the generator's virtio_user options against KIND. OVS's
# vhost-user ports are clients (dpdkvhostuserclient, the type OVS's documentation
# recommends over its server-mode dpdkvhostuser), so against OVS the generator's
# virtio_user is the server (server=1). DPDK 22.11's virtio_user takes server
# mode with the packed ring, as used here (it only warns that frames in flight
# are lost if the client reconnects, which does not happen within a run).
virtio_opts() {
    if [ "$1" = ovs-dpdk ]; then echo "$VIRTIO_OPTS,server=1"; else echo "$VIRTIO_OPTS"; fi
}

cleanup() {
    ovs_cleanup # --peers: OVS's daemons by pid, its namespace (a no-op without --peers)
    [ -n "$DUT_PID" ] && kill -TERM "$DUT_PID" 2>/dev/null && sleep 1 || true
    exec 3>&- 2>/dev/null || true
    pkill -TERM -f -- "$WORK/" 2>/dev/null || true # every process here names a file in WORK
    sleep 0.5
    [ -n "${BH_BENCH_KEEP:-}" ] && { bh_log "kept $WORK"; WORK=/nonexistent; }
    rm -rf "$WORK" /var/run/dpdk/"$TAG"-*
    rm -f /dev/hugepages/"$TAG"-*
}
trap cleanup EXIT

# --- hugepages: 2 x 1 GiB for the two processes, plus the 1M-MAC table -------
reserve_hugepages() {
    local want=3072
    mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages; }
    local free
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    if [ "$free" -lt "$want" ]; then
        local total
        total=$(cat /proc/sys/vm/nr_hugepages)
        echo $((total + want - free)) > /proc/sys/vm/nr_hugepages
        free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
        [ "$free" -ge "$want" ] || bh_die "could reserve only $free of $want 2 MiB hugepages"
    fi
    bh_log "hugepages: $free free (2 MiB)"
}
reserve_hugepages
[ "$PEERS" -eq 0 ] || ovs_setup # its ovsdb-server runs for the whole run, ovs-vswitchd per measure

# --- the device under test --------------------------------------------------
# start_dut KIND MACS WORKERS: starts testpmd or bridgehost on CPU 1 with two
# net_vhost ports (servers for the generator's virtio_user).
start_dut() {
    local kind=$1 macs=$2 workers=$3
    rm -f "$WORK"/vh0 "$WORK"/vh1 "$WORK"/dut.out
    # OVS connects to the generator's sockets: none to wait for here (lib/ovs.sh).
    if [ "$kind" = ovs-dpdk ]; then ovs_start "$macs"; return; fi
    local vdev0="net_vhost0,iface=$WORK/vh0,queues=$workers"
    local vdev1="net_vhost1,iface=$WORK/vh1,queues=$workers"
    if [ "$kind" = testpmd ]; then
        rm -f "$WORK"/tp.in; mkfifo "$WORK"/tp.in
        # Line-buffered: its stats go to a file that dut_mark reads while it runs.
        stdbuf -oL dpdk-testpmd --lcores 0@1,1@1 --file-prefix "$TAG-dut" -m 1024 --no-pci \
            --vdev "$vdev0" --vdev "$vdev1" --log-level '*:error' -- \
            -i --forward-mode=io --record-core-cycles --nb-cores=1 --rxd=1024 --txd=1024 \
            --burst=32 --auto-start <"$WORK"/tp.in >"$WORK"/dut.out 2>&1 &
        DUT_PID=$!
        exec 3>"$WORK"/tp.in
    else
        # Capacity with headroom, as an operator would size it.
        local capacity=$((2 * macs > 65536 ? 2 * macs : 65536))
        local lcores="0@1,1@1" wl="[1]"
        [ "$workers" -eq 2 ] && lcores="0@1,1@1,2@1" && wl="[1, 2]"
        cat >"$WORK"/dut.yaml <<EOF
eal:
  lcores: "$lcores"
  memory_mb: 1024
  file_prefix: $TAG-dut
  args: ["--log-level", "*:error"]
control:
  lcore: 0
workers:
  lcores: $wl
  fdb_cache: ${BH_BENCH_FDB_CACHE:-auto}
ports:
  - name: vh0
    device: "$vdev0"
  - name: vh1
    device: "$vdev1"
fdb:
  capacity: $capacity
metrics:
  listen: "127.0.0.1:0"   # on, as deployed, on a free port: never collides
loop_guard:               # the generator counts any frame it did not send as misdelivered,
  enabled: false          # and a loop-guard probe would be one
EOF
        "$BIN"/bridgehost --config "$WORK"/dut.yaml >"$WORK"/dut.out 2>&1 &
        DUT_PID=$!
    fi
    local i
    for i in $(seq 100); do
        [ -S "$WORK"/vh0 ] && [ -S "$WORK"/vh1 ] && return 0
        bh_running "$DUT_PID" || break
        sleep 0.1
    done
    cat "$WORK"/dut.out >&2
    bh_die "$kind did not create its vhost-user sockets"
}

stop_dut() {
    local kind=$1
    if [ "$kind" = ovs-dpdk ]; then ovs_stop; return; fi
    if [ "$kind" = testpmd ]; then
        echo quit >&3 || true
        exec 3>&-
        bh_wait_gone "$DUT_PID" 20 || bh_stop "$DUT_PID" TERM 10 || true
    else
        # TERM, not INT: a script run in the background starts its children with INT ignored.
        bh_stop "$DUT_PID" TERM 20 || true
    fi
    DUT_PID=
    rm -f /dev/hugepages/"$TAG"-dut*
}

# Marks the start and the end of the measured window in the DUT's counters.
# bridgehost: SIGUSR2 prints its counters, ending with the busy cycles line.
# testpmd: "clear fwd stats all" at the start, "show fwd stats all" at the end.
snapshot_count() { grep -c 'cycles/packet=' "$WORK"/dut.out || true; }
dut_mark() {
    local kind=$1 when=$2 before
    if [ "$kind" = ovs-dpdk ]; then ovs_mark "$when"; return; fi # OVS: pmd-stats-clear / pmd-stats-show
    before=$(snapshot_count)
    if [ "$kind" = testpmd ]; then
        [ "$when" = start ] && { echo "clear fwd stats all" >&3; return; }
        echo "show fwd stats all" >&3
    else
        kill -USR2 "$DUT_PID"
    fi
    local i
    for i in $(seq 100); do
        [ "$(snapshot_count)" -gt "$before" ] && return 0
        sleep 0.05
    done
    bh_die "$kind printed no counters"
}

# Busy cycles/packet over the window. bridgehost: the difference of its two
# snapshots; testpmd: its own figure since the clear.
dut_cycles() {
    local kind=$1
    if [ "$kind" = ovs-dpdk ]; then ovs_cycles; return; fi # processing cycles / packets received
    if [ "$kind" = testpmd ]; then
        grep -o 'CPU cycles/packet=[0-9.]*' "$WORK"/dut.out | tail -1 | cut -d= -f2
    else
        grep 'busy cycles/packet=' "$WORK"/dut.out | tail -2 |
            sed -E 's/.*busy cycles=([0-9]+) \/ rx packets=([0-9]+).*/\1 \2/' |
            awk 'NR==1 {c=$1; p=$2} NR==2 {c=$1-c; p=$2-p} END {printf "%.1f", p ? c/p : 0}'
    fi
}

# --- the generator ----------------------------------------------------------
# run_gen KIND MACS SIZE QUEUES: prime, measure, print "mpps loss lat_avg lat_p99 misdelivered".
run_gen() {
    local kind=$1 macs=$2 size=$3 queues=$4
    local out=$WORK/gen.out csv=$WORK/gen.csv
    rm -f "$out" "$csv"
    local eal=(--lcores 0@0 --file-prefix "$TAG-gen" -m 1024 --no-pci --single-file-segments
        --vdev "net_virtio_user0,path=$WORK/vh0,queues=$queues,$(virtio_opts "$kind")"
        --vdev "net_virtio_user1,path=$WORK/vh1,queues=$queues,$(virtio_opts "$kind")"
        --log-level '*:error')
    # Priming 1M MACs is bounded by learning, not by the generator: 2 passes at 2 Mpps.
    # Its exit status goes to a file, read when the generator is done.
    "$BIN"/bridgehost-gen "${eal[@]}" -- --macs "$macs" --size "$size" --queues "$queues" \
        --duration "$DURATION" --prime-rate 2 --prime-passes 2 --settle 0.5 \
        --csv "$csv" --label "$kind" >"$out" 2>&1 &
    GEN_PID=$!
    [ "$kind" != ovs-dpdk ] || ovs_wait_attached "$GEN_PID" # a server waits for its client
    wait_line "$out" "bridgehost-gen: measuring" && dut_mark "$kind" start
    wait_line "$out" "bridgehost-gen: measured" && dut_mark "$kind" end
    # Not `wait` (see lib/proc.sh); it writes its CSV line only when it succeeded.
    bh_wait_gone "$GEN_PID" 600 || bh_stop "$GEN_PID" KILL 5 || true
    [ -s "$csv" ] || { cat "$out" >&2; bh_die "bridgehost-gen failed"; }
    rm -f /dev/hugepages/"$TAG"-gen*
    # label,macs,size,queues,rate,duration,tx,rx,tx_mpps,rx_mpps,loss,mis,lat_min,lat_avg,lat_p99
    tail -1 "$csv" | awk -F, '{print $10, $11, $14, $15, $12}'
}

# run_pktgen MACS SIZE KIND: the same with pktgen and scripts/pktgen/bridgehost-fixed.lua
# (its MACS counts pairs; RATE 100: on vhost-user a slow switch pushes back rather
# than drops, so the forwarding rate is what comes back at full offered load).
# pktgen wants a terminal, hence script(1). Its script primes and measures on its
# own, so the DUT window here also holds the priming frames.
run_pktgen() {
    local macs=$1 size=$2 kind=$3
    local out=$WORK/pktgen.out result=$WORK/pktgen.csv
    rm -f "$out" "$result"
    dut_mark "$kind" start
    (cd "$BH_ROOT" &&
        BH_MACS=$((macs / 2)) BH_SIZE=$size BH_DURATION=$DURATION BH_RATE=100 \
            BH_RESULT_FILE=$result BH_QUIT=1 \
            script -qfec "$PKTGEN --lcores 0@0,1@0 -n 4 --proc-type auto \
                --file-prefix $TAG-gen -m 1024 --no-pci --single-file-segments \
                --vdev net_virtio_user0,path=$WORK/vh0,$(virtio_opts "$kind") \
                --vdev net_virtio_user1,path=$WORK/vh1,$(virtio_opts "$kind") \
                -- -P -m '[1].0,[1].1' -f scripts/pktgen/bridgehost-fixed.lua" /dev/null) \
        >"$out" 2>&1 </dev/null || true
    [ -s "$result" ] || { tail -20 "$out" >&2; bh_die "pktgen wrote no result line"; }
    dut_mark "$kind" end
    rm -f /dev/hugepages/"$TAG"-gen*
    # macs,size,rate_pct,duration_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,loss_pct
    tail -1 "$result" | awk -F, '{print $8, $9, "-", "-", 0}'
}

# wait_line FILE LINE: until the generator prints LINE (false if it ends first).
wait_line() {
    local file=$1 line=$2
    while ! grep -q "^$line" "$file" 2>/dev/null; do
        bh_running "$GEN_PID" || return 1
        sleep 0.05
    done
}

# --- one case ---------------------------------------------------------------
# pick RESULT...: the result line with the median cycles/packet (third field).
pick() { printf '%s\n' "$@" | sort -g -k3,3 | sed -n "$((($# + 1) / 2))p"; }
# pick_round BASE OTHER: BASE and OTHER are results of the same rounds, in
# order; prints the round (0-based) whose OTHER/BASE cycles ratio is the median.
# Per-DUT medians could pair a run from one of this VM's cross-CPU regimes
# with one from the other (a cache line's round trip between the CPUs moves
# by about 3x every few minutes, and both DUTs' cycles with it); a round's two
# runs are back to back, most often in one regime.
pick_round() {
    local -n base=$1 other=$2
    local r
    for r in "${!base[@]}"; do
        awk -v r="$r" -v a="$(echo "${other[$r]}" | awk '{print $3}')" \
            -v b="$(echo "${base[$r]}" | awk '{print $3}')" 'BEGIN {printf "%d %.6f\n", r, (b > 0 ? a / b : 0)}'
    done | sort -g -k2,2 | sed -n "$(((${#base[@]} + 1) / 2))p" | cut -d' ' -f1
}

# measure KIND MACS SIZE WORKERS: sets RESULT to "mpps loss cycles lat_avg lat_p99 misdelivered".
# It runs in the script's own shell, not inside $(...), so that DUT_PID and the
# testpmd FIFO are the script's own and the exit trap can stop what is running.
measure() {
    local kind=$1 macs=$2 size=$3 workers=$4
    start_dut "$kind" "$macs" "$workers"
    if [ -n "${PKTGEN:-}" ]; then
        run_pktgen "$macs" "$size" "$kind" >"$WORK"/result
    else
        run_gen "$kind" "$macs" "$size" "$workers" >"$WORK"/result
    fi
    local cycles
    cycles=$(dut_cycles "$kind")
    stop_dut "$kind"
    set -- $(cat "$WORK"/result)
    RESULT="$1 $2 $cycles $3 $4 $5"
}

mkdir -p "$RESULTS"
{
    echo "# bridgehost bench $STAMP"
    echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cpus"
    echo "# kernel: $(uname -r); dpdk: $(pkg-config --modversion libdpdk)"
    echo "# generator: ${PKTGEN:-bridgehost-gen} on cpu 0; DUT on cpu 1; net_vhost <-> virtio_user ($VIRTIO_OPTS)"
    echo "# duration ${DURATION}s per run, repeat $REPEAT (median)"
    [ "$PEERS" -eq 0 ] || echo "# peers: ovs-dpdk: $(ovs_version), NORMAL action, dpdkvhostuserclient ports <-> virtio_user server=1, PMD on cpu 1"
} | tee "$TXT" >&2
echo "dut,macs,size,workers,mpps,loss_pct,busy_cycles_per_packet,ratio_to_testpmd,lat_avg_us,lat_p99_us,misdelivered" >"$CSV"

printf '%-10s %8s %6s %8s %8s %12s %8s %10s\n' DUT MACs size Mpps loss% cycles/pkt ratio lat-p99us | tee -a "$TXT"
declare -A RATIO
declare -A BH_CYCLES OVS_CYCLES # --peers: MACS,SIZE -> median cycles/packet, for the OVS targets
row() { # kind macs size workers "results..."
    local kind=$1 macs=$2 size=$3 workers=$4 mpps=$5 loss=$6 cyc=$7 lavg=$8 lp99=$9 mis=${10} ratio=${11}
    printf '%-10s %8s %6s %8.3f %8.3f %12.1f %8s %10s\n' "$kind" "$macs" "$size" "$mpps" "$loss" "$cyc" "$ratio" "$lp99" | tee -a "$TXT"
    echo "$kind,$macs,$size,$workers,$mpps,$loss,$cyc,$ratio,$lavg,$lp99,$mis" >>"$CSV"
}

for size in $SIZES; do
    for macs in $MACS; do
        tp=() bh=() ov=()
        for r in $(seq "$REPEAT"); do # interleaved: testpmd, bridgehost, testpmd, ...
            measure testpmd "$macs" "$size" 1
            tp+=("$RESULT")
            measure bridgehost "$macs" "$size" 1
            bh+=("$RESULT")
            if [ "$PEERS" -eq 1 ]; then # ..., OVS-DPDK, testpmd, ...
                measure ovs-dpdk "$macs" "$size" 1
                ov+=("$RESULT")
                OVS_NOTES[$macs,$size]=$(ovs_note)
            fi
        done
        k=$(pick_round tp bh)
        tpm=${tp[$k]} bhm=${bh[$k]}
        tpc=$(echo "$tpm" | awk '{print $3}') bhc=$(echo "$bhm" | awk '{print $3}')
        ratio=$(awk -v a="$bhc" -v b="$tpc" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
        RATIO[$macs,$size]=$ratio
        row testpmd "$macs" "$size" 1 $tpm 1.00
        row bridgehost "$macs" "$size" 1 $bhm "$ratio"
        if [ "$(echo "$bhm" | awk '{print $6}')" != 0 ]; then
            bh_log "bridgehost-gen saw misdelivered frames with bridgehost: a forwarding bug"
        fi
        if [ "$PEERS" -eq 1 ]; then # the OVS-DPDK row: its cycles over testpmd's in this case
            k=$(pick_round tp ov) # its own median round, against that round's testpmd
            ovm=${ov[$k]}
            ovc=$(echo "$ovm" | awk '{print $3}')
            otc=$(echo "${tp[$k]}" | awk '{print $3}')
            row ovs-dpdk "$macs" "$size" 1 $ovm "$(awk -v a="$ovc" -v b="$otc" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
            BH_CYCLES[$macs,$size]=$bhc OVS_CYCLES[$macs,$size]=$ovc
            [ "$(echo "$ovm" | awk '{print $6}')" = 0 ] || bh_log "bridgehost-gen saw misdelivered frames with OVS-DPDK"
        fi
    done
done

if [ "$SCALING" -eq 1 ] && [ -z "${PKTGEN:-}" ]; then
    # Two workers, RSS-like spread by the generator over two queues per port.
    # On this 2-CPU machine both workers share CPU 1 with each other, so the
    # throughput cannot scale; what must hold is that cycles/packet stays flat.
    # The scheduler preempts each worker every few ms; a burst cut by that is a
    # stall in bridgehost's counters and stays out of busy cycles.
    echo | tee -a "$TXT"
    echo "workers: 1 vs 2 (1024 MACs, 64 bytes, 2 queues per port for 2 workers)" | tee -a "$TXT"
    printf '%-10s %8s %8s %8s %12s\n' DUT workers Mpps loss% cycles/pkt | tee -a "$TXT"
    for w in 1 2; do
        measure bridgehost 1024 64 "$w"
        set -- $RESULT
        printf '%-10s %8s %8.3f %8.3f %12.1f\n' bridgehost "$w" "$1" "$2" "$3" | tee -a "$TXT"
        echo "bridgehost,1024,64,$w,$1,$2,$3,,$4,$5,$6" >>"$CSV"
        WORKER_CYCLES[$w]=$3
    done
    awk -v a="${WORKER_CYCLES[1]}" -v b="${WORKER_CYCLES[2]}" 'BEGIN {
        printf "target: two workers, cycles/packet within 10%% of one worker: %.1f vs %.1f: %s\n",
            b, a, (b <= 1.1 * a) ? "met (flat)" : "MISSED" }' | tee -a "$TXT"
fi

# --- --ring: the same MAC counts on net_ring ports --------------------------------
# bench-ring's own table (io: testpmd's io loop re-created in-process), then its
# rows in the CSV in this script's columns. Its CSV is in WORK, so cleanup's
# pkill stops it too. Exit status 3: it ran, but a check failed (noted, as
# misdelivered frames are above).
if [ "$RING" -eq 1 ]; then
    [ -x "$BIN/bench-ring" ] || bh_build
    [ -x "$BIN/bench-ring" ] || bh_die "no $BIN/bench-ring (configure with -DBRIDGEHOST_BENCH=ON)"
    echo | tee -a "$TXT"
    echo "net_ring ports (bench-ring; 64-byte frames; ratio: bridgehost over io on the ring ports)" |
        tee -a "$TXT"
    ring_rc=0
    "$BIN"/bench-ring --macs "$MACS" --size 64 --duration "$DURATION" --repeat "$REPEAT" \
        --gen-cpu 0 --dut-cpu 1 --csv "$WORK"/ring.csv | tee -a "$TXT" || ring_rc=$?
    [ "$ring_rc" -eq 0 ] || [ "$ring_rc" -eq 3 ] || bh_die "bench-ring failed (exit status $ring_rc)"
    [ "$ring_rc" -eq 0 ] || bh_log "bench-ring: a check failed (see the ODD lines above)"
    # dut,macs,size,mpps,loss_pct,busy_cycles_per_packet,ratio_to_io,cycles_over_io,idle_pct,misdelivered,...
    awk -F, 'NR > 1 {printf "%s-ring,%s,%s,1,%s,%s,%s,%s,,,%s\n", $1, $2, $3, $4, $5, $6, $7, $10}' \
        "$WORK"/ring.csv >>"$CSV"
fi

# --- targets (64-byte frames) -------------------------------------------------
echo | tee -a "$TXT"
target() { # macs limit
    local r=${RATIO[$1,64]:-}
    [ -n "$r" ] || return 0
    local verdict
    verdict=$(awk -v r="$r" -v l="$2" 'BEGIN {print ((r <= l) ? "met" : "MISSED")}')
    printf 'target: %8s MACs, 64 B: bridgehost/testpmd cycles %s <= %s: %s\n' "$1" "$r" "$2" "$verdict" | tee -a "$TXT"
}
target 2 1.10
target 1024 1.25
target 65536 1.3
target 1048576 1.45
if [ "$PEERS" -eq 1 ]; then
    # bridgehost against OVS-DPDK (--peers), per MAC count: at most half OVS's cycles.
    for macs in $MACS; do
        [ -n "${OVS_CYCLES[$macs,64]:-}" ] || continue
        awk -v m="$macs" -v a="${BH_CYCLES[$macs,64]}" -v b="${OVS_CYCLES[$macs,64]}" 'BEGIN {
            printf "target: %8s MACs, 64 B: bridgehost cycles <= half OVS-DPDK'"'"'s: %.1f vs %.1f: %s\n",
                m, a, b, (a <= b / 2) ? "met" : "MISSED" }' | tee -a "$TXT"
    done
    # What OVS did in each case's window (the last run of it): why its cycles are what they are.
    echo | tee -a "$TXT"
    for size in $SIZES; do
        for macs in $MACS; do
            echo "ovs-dpdk, $macs MACs, $size B: ${OVS_NOTES[$macs,$size]:-?}" | tee -a "$TXT"
        done
    done
fi
bh_log "results: $CSV"
