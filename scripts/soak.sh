#!/usr/bin/env bash
# Soak test: bridgehost forwarding a steady, churning load for a long time,
# sampled every few seconds and judged for leaks and unexplained loss.
set -uo pipefail

usage() {
    cat <<'EOF'
NAME
    soak.sh - run bridgehost under a steady churning load and fail on any leak,
              growth trend or unexplained loss

SYNOPSIS
    scripts/soak.sh [options] DURATION

DESCRIPTION
    Starts bridgehost on two net_vhost ports (no hugepages) and bridgehost-gen
    on virtio_user against them. The generator primes --macs MACs, then sends
    at --rate for DURATION while --churn MACs a second are replaced by new
    ones (see bridgehost-gen --churn): new MACs keep being learned and the
    silent ones age out after --aging seconds, so the FDB should hold a
    plateau of about macs + churn x aging entries.

    Every --interval seconds it samples, into a CSV: mbufs in use, FDB size
    and counters (learned, aged, ...), bridgehost's RSS (VmRSS), every drop
    reason summed over the ports, the PMDs' imissed/rx_nombuf/ierrors/oerrors,
    lost learn events, and the generator's sent, received, misdelivered and
    replaced counts (from its --progress lines). A last sample ("final") is
    taken after the generator's drain. Then it prints a summary and judges.

    DURATION is seconds, or a number with s, m or h: 90s, 10m, 1h.

FAILURE RULES (scripts/lib/soak_analyze.py has the exact arithmetic)
    alive     bridgehost exited or its control socket stopped answering.
    growth    after the warm-up, mbufs in use or RSS rise: the maximum of the
              last third of the samples exceeds the first third's maximum by
              more than the slack, or the least-squares slope times the span
              does (slack: --mbuf-slack mbufs, --rss-slack KiB).
    fdb band  after the warm-up, an FDB size outside
              [macs + churn x (aging - 2), macs + churn x (aging + 3)].
    learning  MACs learned after priming differ from the generator's new
              MACs by more than 2 s of churn; more MACs aged than went
              silent; fewer aged than went silent over aging + 3 s before
              the end.
    drops     any drop reason, imissed, rx_nombuf, ierrors, oerrors, lost
              learn event, table_full or eviction above 0 (at a gentle rate
              every one is a bug), unless named by --allow-drop.
    loss      the generator's loss after its drain differs from the frames
              bridgehost counted as dropped; any misdelivered frame; the
              generator did not finish; bridgehost did not stop cleanly on
              SIGTERM or left mbufs in use.

OPTIONS
    --rate MPPS          offered load over both directions. Default 0.1
    --macs N             MACs in the working set, even. Default 1024
    --churn N            MACs replaced a second, even, 0..macs. Default 32
    --aging S            bridgehost's fdb.aging_seconds. Default 15
    --interval S         seconds between samples. Default 10
    --warmup S           samples before this are not judged for growth or
                         band. Default aging + 10
    --size BYTES         frame size, 64..1518. Default 128
    --csv FILE           the samples. Default /tmp/bridgehost-soak-TIME.csv
                         (the summary goes next to it, .txt)
    --bin DIR            where bridgehost, bridgehost-gen and bridgehostctl
                         are. Default build/bin of this checkout
    --dut-cpu N          CPU of bridgehost's lcores. Default 1
    --gen-cpu N          CPU of the generator. Default 1 (with
                         --idle-sleep-us the generator needs little CPU, so
                         the whole soak leaves CPU 0 to others)
    --gen-idle-sleep US  the generator's --idle-sleep-us. Default 50
    --nice N             run bridgehost and the generator at this niceness
                         (-20..19), e.g. -5 on a machine busy with other
                         work, where a starved worker drops frames (tx_full)
                         that are the machine's, not the switch's. Default 0
    --mbuf-slack N       growth allowed in mbufs in use. Default 256
    --rss-slack KIB      growth allowed in RSS. Default 4096
    --allow-drop NAME[:PPM]
                         a drop counter that may be non-zero (repeatable),
                         at most PPM per million frames sent if given; the
                         loss must still be explained by the counters
    --keep               keep the temporary directory (configs, logs)
    -h, --help           this text

EXIT STATUS
    0 every rule held; 1 a rule broke (each is printed as FAIL: reason);
    2 bad command line; 3 could not start.

EXAMPLES
    scripts/soak.sh 90s --aging 10 --interval 5          # what CI runs
    scripts/soak.sh 1h --rate 0.1 --csv /tmp/soak-1h.csv
EOF
}

HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/proc.sh"

die() { echo "soak.sh: $*" >&2; exit 2; }
RATE=0.1 MACS=1024 CHURN=32 AGING=15 INTERVAL=10 WARMUP="" SIZE=128 CSV="" BIN="$HERE/../build/bin"
DUT_CPU=1 GEN_CPU=1 GEN_SLEEP=50 NICE=0 MBUF_SLACK=256 RSS_SLACK=4096 KEEP=0 DURATION=
ALLOW=()
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --rate) RATE=${2:?--rate needs a value}; shift ;;
    --macs) MACS=${2:?--macs needs a value}; shift ;;
    --churn) CHURN=${2:?--churn needs a value}; shift ;;
    --aging) AGING=${2:?--aging needs a value}; shift ;;
    --interval) INTERVAL=${2:?--interval needs a value}; shift ;;
    --warmup) WARMUP=${2:?--warmup needs a value}; shift ;;
    --size) SIZE=${2:?--size needs a value}; shift ;;
    --csv) CSV=${2:?--csv needs a value}; shift ;;
    --bin) BIN=${2:?--bin needs a value}; shift ;;
    --dut-cpu) DUT_CPU=${2:?--dut-cpu needs a value}; shift ;;
    --gen-cpu) GEN_CPU=${2:?--gen-cpu needs a value}; shift ;;
    --nice) NICE=${2:?--nice needs a value}; shift ;;
    --gen-idle-sleep) GEN_SLEEP=${2:?--gen-idle-sleep needs a value}; shift ;;
    --mbuf-slack) MBUF_SLACK=${2:?--mbuf-slack needs a value}; shift ;;
    --rss-slack) RSS_SLACK=${2:?--rss-slack needs a value}; shift ;;
    --allow-drop) ALLOW+=(--allow-drop "${2:?--allow-drop needs a name}"); shift ;;
    --keep) KEEP=1 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$DURATION" ] || die "one DURATION only (got $DURATION and $1)"; DURATION=$1 ;;
    esac
    shift
done
[ -n "$DURATION" ] || die "DURATION missing (e.g. 90s, 10m, 1h; see --help)"
case $DURATION in
*h) SECS=$((${DURATION%h} * 3600)) ;;
*m) SECS=$((${DURATION%m} * 60)) ;;
*s) SECS=${DURATION%s} ;;
*) SECS=$DURATION ;;
esac 2>/dev/null
[[ "$SECS" =~ ^[0-9]+$ && "$SECS" -ge 10 ]] || die "DURATION: expected 10 s or more, like 90s, 10m, 1h; got $DURATION"
for v in MACS CHURN AGING INTERVAL SIZE DUT_CPU GEN_CPU GEN_SLEEP MBUF_SLACK RSS_SLACK; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "--$(tr 'A-Z_' 'a-z-' <<<"$v"): expected a whole number, got ${!v}"
done
[[ "$NICE" =~ ^-?[0-9]+$ ]] || die "--nice: expected -20..19, got $NICE"
[[ "$RATE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--rate: expected Mpps, got $RATE"
[ "$INTERVAL" -ge 1 ] || die "--interval: at least 1 s"
[ "$AGING" -ge 3 ] || die "--aging: at least 3 s, so that the FDB band is meaningful"
WARMUP=${WARMUP:-$((AGING + 10))}
for b in bridgehost bridgehost-gen bridgehostctl; do
    [ -x "$BIN/$b" ] || die "$BIN/$b not found: build first, or give --bin DIR"
done
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV=${CSV:-/tmp/bridgehost-soak-$STAMP.csv}
SUMMARY=${CSV%.csv}.txt
: >"$CSV" || die "cannot write $CSV"
rm -f "$CSV"

ID=$$
TMP=$(mktemp -d "/tmp/bh-soak.$ID.XXXX")
DUT="" GEN=""
cleanup() {
    [ -n "$GEN" ] && kill -KILL "$GEN" 2>/dev/null
    [ -n "$DUT" ] && kill -KILL "$DUT" 2>/dev/null
    if [ "$KEEP" = 1 ]; then echo "soak: kept $TMP"; else rm -rf "$TMP"; fi
    rm -rf /var/run/dpdk/bhsoak-"$ID"-dut /var/run/dpdk/bhsoak-"$ID"-gen # EAL leaves its runtime dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Capacity: the plateau with room to spare, so table_full would be a bug.
CAPACITY=$(( (MACS + CHURN * (AGING + 5)) * 2 ))
cat >"$TMP/dut.yaml" <<YAML
eal:
  lcores: "0@$DUT_CPU,1@$DUT_CPU"
  no_huge: true
  memory_mb: 256
  file_prefix: bhsoak-$ID-dut
  args: ["--no-shconf", "--log-level", "*:error"]
ports:
  - name: left
    device: "net_vhost0,iface=$TMP/vh0,queues=1"
  - name: right
    device: "net_vhost1,iface=$TMP/vh1,queues=1"
fdb:
  capacity: $CAPACITY
  aging_seconds: $AGING
control:
  socket: $TMP/ctl.sock
metrics:
  enabled: false
loop_guard:               # the generator counts any frame it did not send as misdelivered
  enabled: false
YAML

{
    echo "soak: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
    echo "soak: $SECS s at $RATE Mpps, $MACS MACs, churn $CHURN MACs/s, aging $AGING s, $SIZE-byte frames, samples every $INTERVAL s, warm-up $WARMUP s"
    echo "soak: bridgehost $(git -C "$HERE/.." describe --always --dirty 2>/dev/null), lcores on CPU $DUT_CPU, generator on CPU $GEN_CPU, nice $NICE"
} | tee "$SUMMARY"

nice -n "$NICE" "$BIN/bridgehost" --config "$TMP/dut.yaml" >"$TMP/dut.out" 2>"$TMP/dut.err" &
DUT=$!
bh_wait_for "forwarding between" 20 "$TMP/dut.err" || {
    cat "$TMP/dut.err"
    echo "soak: FAIL: bridgehost did not start"
    exit 3
}

# Prime fast enough to learn the set in well under a second; the measured
# window is the soak.
timeout -s KILL $((SECS + 120)) nice -n "$NICE" "$BIN/bridgehost-gen" --lcores "0@$GEN_CPU" --no-huge -m 256 --no-pci \
    --no-shconf --file-prefix "bhsoak-$ID-gen" --log-level '*:error' \
    --vdev "net_virtio_user0,path=$TMP/vh0,queue_size=1024" \
    --vdev "net_virtio_user1,path=$TMP/vh1,queue_size=1024" \
    -- --macs "$MACS" --size "$SIZE" --duration "$SECS" --rate "$RATE" --churn "$CHURN" \
    --prime-rate 0.2 --prime-passes 1 --progress "$INTERVAL" --idle-sleep-us "$GEN_SLEEP" \
    >"$TMP/gen.out" 2>&1 &
GEN=$!
bh_wait_for "bridgehost-gen: measuring" 30 "$TMP/gen.out" || {
    cat "$TMP/gen.out"
    echo "soak: FAIL: the generator did not start"
    exit 3
}
START=$(date +%s.%N)

python3 "$HERE/lib/soak_analyze.py" monitor --csv "$CSV" --start "$START" --interval "$INTERVAL" \
    --gen-pid "$GEN" --pid "$DUT" --ctl "$BIN/bridgehostctl" --socket "$TMP/ctl.sock" \
    --gen-log "$TMP/gen.out" || { echo "soak: bridgehost stopped answering; ending the run"; kill -TERM "$GEN"; }
bh_wait_gone "$GEN" 30 || { echo "soak: generator still running after its run; killing it"; kill -KILL "$GEN"; }
GEN=
status=0
grep -q "^  loss " "$TMP/gen.out" || { echo "FAIL: the generator did not report"; status=1; }

# A clean stop: final counters written, no mbuf left in use.
if bh_running "$DUT"; then
    if bh_stop "$DUT" TERM 20 && grep -q '^bridgehost: stopped; final counters' "$TMP/dut.out"; then
        left=$(sed -n 's/^mbufs in use: //p' "$TMP/dut.out" | tail -1)
        [ "$left" = 0 ] || { echo "FAIL: $left mbufs still in use at exit"; status=1; }
    else
        echo "FAIL: bridgehost did not stop cleanly on SIGTERM"
        status=1
    fi
else
    echo "FAIL: bridgehost exited during the soak; its stderr ends with:"
    tail -20 "$TMP/dut.err"
    status=1
fi
DUT=

echo "--- generator"
sed -n '/^bridgehost-gen: [0-9]* MACs/,$p' "$TMP/gen.out"
echo "--- verdict"
python3 "$HERE/lib/soak_analyze.py" check --csv "$CSV" --macs "$MACS" --churn "$CHURN" \
    --aging "$AGING" --warmup "$WARMUP" --mbuf-slack "$MBUF_SLACK" --rss-slack-kib "$RSS_SLACK" \
    "${ALLOW[@]}" | tee -a "$SUMMARY"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
[ "$status" -eq 0 ] || echo "soak: FAIL" | tee -a "$SUMMARY"
echo "soak: samples in $CSV, summary in $SUMMARY"
exit $status
