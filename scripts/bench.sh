#!/usr/bin/env bash
# bridgehost against dpdk-testpmd --forward-mode=io, on the same vhost-user ports, in one run.
#
# Usage: scripts/bench.sh [--quick] [--duration SECONDS] [--macs "2 1024 ..."]
#                         [--sizes "64 512 1518"] [--repeat N] [--no-scaling]
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
#   --duration S   measured seconds per run (default 5)
#   --macs LIST    MAC counts (default "2 1024 65536 1048576")
#   --sizes LIST   frame sizes with FCS (default "64 512 1518")
#   --repeat N     runs per DUT and case, interleaved; the median counts (default 1)
#   --no-scaling   skip the one-worker/two-worker comparison
#
# Writes the table to stdout and bench/results/bench-<UTC time>.csv (+ .txt).
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the run too
source "$(dirname "$0")/lib/setup.sh"
source "$(dirname "$0")/lib/proc.sh"

QUICK=0 DURATION=5 REPEAT=1 SCALING=1
MACS="2 1024 65536 1048576"
SIZES="64 512 1518"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 DURATION=3 SIZES=64 SCALING=0 ;;
    --duration) DURATION=$2; shift ;;
    --macs) MACS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --no-scaling) SCALING=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bh_die "unknown option $1 (see $0 --help)" ;;
    esac
    shift
done

[ "$(id -u)" -eq 0 ] || bh_die "the benchmark reserves hugepages and pins cores: run it as root"
[ "$(nproc)" -ge 2 ] || bh_die "needs 2 CPUs (generator on CPU 0, switch on CPU 1)"
bh_install
[ -x "$BH_BUILD/bin/bridgehost" ] && [ -x "$BH_BUILD/bin/bridgehost-gen" ] || bh_build
command -v dpdk-testpmd >/dev/null || bh_die "dpdk-testpmd not found (Debian package dpdk)"

BIN=$BH_BUILD/bin
WORK=$(mktemp -d /tmp/bh-bench.XXXXXX)
TAG=bhbench$$
RESULTS=$BH_ROOT/bench/results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV=$RESULTS/bench-$STAMP.csv
TXT=$RESULTS/bench-$STAMP.txt
DUT_PID=
VIRTIO_OPTS=queue_size=1024,packed_vq=1,in_order=1,mrg_rxbuf=0

cleanup() {
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

# --- the device under test --------------------------------------------------
# start_dut KIND MACS WORKERS: starts testpmd or bridgehost on CPU 1 with two
# net_vhost ports (servers for the generator's virtio_user).
start_dut() {
    local kind=$1 macs=$2 workers=$3
    rm -f "$WORK"/vh0 "$WORK"/vh1 "$WORK"/dut.out
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
        --vdev "net_virtio_user0,path=$WORK/vh0,queues=$queues,$VIRTIO_OPTS"
        --vdev "net_virtio_user1,path=$WORK/vh1,queues=$queues,$VIRTIO_OPTS"
        --log-level '*:error')
    # Priming 1M MACs is bounded by learning, not by the generator: 2 passes at 2 Mpps.
    # Its exit status goes to a file, read when the generator is done.
    "$BIN"/bridgehost-gen "${eal[@]}" -- --macs "$macs" --size "$size" --queues "$queues" \
        --duration "$DURATION" --prime-rate 2 --prime-passes 2 --settle 0.5 \
        --csv "$csv" --label "$kind" >"$out" 2>&1 &
    GEN_PID=$!
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
                --vdev net_virtio_user0,path=$WORK/vh0,$VIRTIO_OPTS \
                --vdev net_virtio_user1,path=$WORK/vh1,$VIRTIO_OPTS \
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
} | tee "$TXT" >&2
echo "dut,macs,size,workers,mpps,loss_pct,busy_cycles_per_packet,ratio_to_testpmd,lat_avg_us,lat_p99_us,misdelivered" >"$CSV"

printf '%-10s %8s %6s %8s %8s %12s %8s %10s\n' DUT MACs size Mpps loss% cycles/pkt ratio lat-p99us | tee -a "$TXT"
declare -A RATIO
row() { # kind macs size workers "results..."
    local kind=$1 macs=$2 size=$3 workers=$4 mpps=$5 loss=$6 cyc=$7 lavg=$8 lp99=$9 mis=${10} ratio=${11}
    printf '%-10s %8s %6s %8.3f %8.3f %12.1f %8s %10s\n' "$kind" "$macs" "$size" "$mpps" "$loss" "$cyc" "$ratio" "$lp99" | tee -a "$TXT"
    echo "$kind,$macs,$size,$workers,$mpps,$loss,$cyc,$ratio,$lavg,$lp99,$mis" >>"$CSV"
}

for size in $SIZES; do
    for macs in $MACS; do
        tp=() bh=()
        for r in $(seq "$REPEAT"); do # interleaved: testpmd, bridgehost, testpmd, ...
            measure testpmd "$macs" "$size" 1
            tp+=("$RESULT")
            measure bridgehost "$macs" "$size" 1
            bh+=("$RESULT")
        done
        tpm=$(pick "${tp[@]}") bhm=$(pick "${bh[@]}")
        tpc=$(echo "$tpm" | awk '{print $3}') bhc=$(echo "$bhm" | awk '{print $3}')
        ratio=$(awk -v a="$bhc" -v b="$tpc" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
        RATIO[$macs,$size]=$ratio
        row testpmd "$macs" "$size" 1 $tpm 1.00
        row bridgehost "$macs" "$size" 1 $bhm "$ratio"
        if [ "$(echo "$bhm" | awk '{print $6}')" != 0 ]; then
            bh_log "bridgehost-gen saw misdelivered frames with bridgehost: a forwarding bug"
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
target 65536 1.3
target 1048576 1.6
bh_log "results: $CSV"
