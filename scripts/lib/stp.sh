# Helpers of the spanning-tree system tests (tests/system/stp_*.sh). Source
# after systest.sh. Times are epoch seconds with a fraction (now).
#
#   now                         the time, epoch seconds to the microsecond
#   since T                     seconds since T, to a tenth
#   kbr NS BR FILE              /sys/class/net/BR/bridge/FILE of a Linux bridge in NS
#   kport_state NS PORT         a Linux bridge port's state: disabled, listening,
#                               learning, forwarding or blocking
#   kbr_states NS BR            "PORT=STATE ..." for every port of BR (for messages)
#   stp_of JSON PORT FIELD      FIELD of PORT in a `show stp --json` answer (a file)
#   stp_brief JSON              one line per port of a `show stp --json` answer
#   rx_sampler NS IF OUT        samples IF's rx_packets in NS every 0.2 s into OUT
#                               ("epoch count" lines), in the background; pid in SAMPLER
#   max_rate OUT [T0 [T1]]      the highest frames/s between two consecutive samples
#                               of OUT within [T0, T1]
#   mean_rate OUT [T0 [T1]]     frames/s from the first to the last sample in [T0, T1]
#   ping_stats OUT T0 T1        of a `ping -D -O` log: "GAP LOST SENT" for the echo
#                               requests sent within [T0, T1]: the longest time
#                               without a reply (s; from the last reply before T0
#                               to T1 at most), requests never answered, sent

now() { date +%s.%N | cut -c1-17; }
since() { awk -v t0="$1" -v t="$(now)" 'BEGIN {printf "%.1f", t - t0}'; }

kbr() { ip netns exec "$1" cat "/sys/class/net/$2/bridge/$3"; }

kport_state() {
    local names=(disabled listening learning forwarding blocking) s
    s=$(ip netns exec "$1" cat "/sys/class/net/$2/brport/state" 2>/dev/null) || { echo none; return; }
    echo "${names[$s]:-$s}"
}

kbr_states() {
    local p out=()
    for p in $(ip netns exec "$1" ls "/sys/class/net/$2/brif"); do
        out+=("$p=$(kport_state "$1" "$p")")
    done
    echo "${out[*]}"
}

stp_of() { jq -r --arg p "$2" ".ports[] | select(.name == \$p) | .$3" "$1"; }

stp_brief() {
    jq -r '"root \(.root_id) (self \(.bridge_id), is_root \(.is_root), root_port \(.root_port))",
           (.ports[] | "  \(.name): \(.role) \(.state) \(.protocol) designated \(.designated_bridge) bpdus in \(.bpdus_in) out \(.bpdus_out) bad \(.bpdus_bad) lost \(.bpdus_lost)")' "$1"
}

rx_sampler() {
    ip netns exec "$1" python3 - "$2" >"$3" <<'PY' &
import sys, time
path = f"/sys/class/net/{sys.argv[1]}/statistics/rx_packets"
while True:
    with open(path) as f:
        print(f"{time.time():.3f} {f.read().strip()}", flush=True)
    time.sleep(0.2)
PY
    SAMPLER=$!
    disown # killed at the end: no "Killed" notice from bash
}

max_rate() {
    awk -v t0="${2:-0}" -v t1="${3:-1e12}" '$1 >= t0 && $1 <= t1 {
        if (n++ && $1 > t) { r = ($2 - c) / ($1 - t); if (r > m) m = r }
        t = $1; c = $2 } END {printf "%.0f", m}' "$1"
}

mean_rate() {
    awk -v t0="${2:-0}" -v t1="${3:-1e12}" '$1 >= t0 && $1 <= t1 {
        if (!n++) { ta = $1; ca = $2 } tb = $1; cb = $2 }
        END {printf "%.0f", (tb > ta) ? (cb - ca) / (tb - ta) : 0}' "$1"
}

# A request's send time is read from its own line: ping -O prints "no answer yet
# for icmp_seq=N" when it sends the next one (one interval later), a reply line
# when the reply comes (a round trip later, well under a millisecond here).
ping_stats() {
    python3 - "$@" <<'PY'
import re, sys
log, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
line = re.compile(r"^\[(\d+\.\d+)\] (.*icmp_seq=(\d+).*)$")
first, replies = {}, {}
for l in open(log):
    m = line.match(l.strip())
    if not m:
        continue
    t, text, seq = float(m.group(1)), m.group(2), int(m.group(3))
    first.setdefault(seq, t)
    if "bytes from" in text:
        replies.setdefault(seq, t)
sent = [s for s, t in first.items() if t0 <= t <= t1]
lost = [s for s in sent if s not in replies]
before = [t for t in replies.values() if t < t0]
times = sorted([max(before, default=t0)] + [t for t in replies.values() if t0 <= t <= t1] + [t1])
gap = max(b - a for a, b in zip(times, times[1:]))
print(f"{gap:.2f} {len(lost)} {len(sent)}")
PY
}
