# Helpers of the fault tests (tests/system/faults_*.sh). Source after
# systest.sh; they use CTL (the bridgehostctl command line) and PID (bridgehost).
#
#   jsonq CMD FILTER        bridgehostctl CMD --json, then jq -r FILTER
#   port_of MAC             the port the FDB holds MAC on, or "none"
#   until_true SECONDS CMD  runs CMD every 50 ms until it succeeds; prints the
#                           seconds that took; false after SECONDS
#   worker_voluntary        voluntary context switches of the worker thread (lcore 1)
#   worker_faults           page faults (minor + major) the worker thread took

jsonq() { "${CTL[@]}" $1 --json 2>/dev/null | jq -r "$2"; }

port_of() { jsonq "show fdb" "[.entries[] | select(.mac == \"$1\") | .port] | first // \"none\""; }

until_true() {
    local t0 deadline now
    t0=$(date +%s%N)
    deadline=$((t0 + $1 * 1000000000))
    shift
    while :; do
        "$@" >/dev/null 2>&1 && break
        now=$(date +%s%N)
        [ "$now" -ge "$deadline" ] && return 1
        sleep 0.05
    done
    now=$(date +%s%N)
    printf '%d.%02d' $(((now - t0) / 1000000000)) $(((now - t0) / 10000000 % 100))
}

worker_task() {
    local t
    for t in /proc/"$PID"/task/*; do
        [ "$(cat "$t/comm")" = rte-worker-1 ] && echo "$t"
    done
}

worker_voluntary() { awk '/^voluntary_ctxt_switches/ {print $2}' "$(worker_task)/status"; }

# stat's fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
worker_faults() { sed 's/.*) //' "$(worker_task)/stat" | awk '{print $8 + $10}'; }
