# OVS-DPDK as a third device under test for scripts/bench.sh --peers: Open
# vSwitch's userspace datapath with the NORMAL action (its learning switch) on
# two vhost-user ports, as an operator would run it. Source it; it defines
# functions only. The functions use bench.sh's WORK (the run's temporary
# directory) and TAG (the run's unique name).
#
#   ovs_install          installs Debian's openvswitch-switch-dpdk if it is missing
#   ovs_version          "OVS 3.1.0, DPDK 22.11.11"
#   ovs_setup            the run's own database and ovsdb-server, the static config
#   ovs_start MACS       ovs-vswitchd on CPU 1, MAC table sized for MACS
#   ovs_wait_attached P  until the generator (pid P) is connected to both ports
#   ovs_mark start|end   clears / reads OVS's PMD counters
#   ovs_cycles           processing cycles per packet over the window
#   ovs_note             one line of what OVS did in the window (MAC table, lookups)
#   ovs_stop             stops ovs-vswitchd
#   ovs_cleanup          stops everything of OVS, removes its files (for the exit trap)
#
# Nothing here touches a system OVS: the database, sockets, pidfiles and logs
# live in $WORK/ovs (OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR point there, and every
# command names its socket), ovs-vswitchd runs in a network namespace of the
# run's own, so the tap devices the netdev datapath makes (ovs-netdev and the
# bridge's internal port) neither collide with nor show up on the host, and
# DPDK gets the run's own --file-prefix.

# Debian registers the DPDK-enabled ovs-vswitchd as an alternative of
# /usr/sbin/ovs-vswitchd at priority 50, below the plain one's 100, so in auto
# mode /usr/sbin/ovs-vswitchd stays the one without DPDK. The benchmark runs
# the DPDK binary by its path instead of `update-alternatives --set`, which
# would change what a system OVS on this machine runs.
OVS_VSWITCHD_DPDK=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
OVS_DIR= OVS_NS= OVS_BR= OVS_DB_PID= OVS_PID=
declare -A OVS_NOTES # MACS,SIZE -> ovs_note's line of the last run of that case

ovs_install() {
    if ! dpkg-query -W -f='${Status}' openvswitch-switch-dpdk 2>/dev/null | grep -q 'install ok installed'; then
        bh_log "installing openvswitch-switch-dpdk (for --peers)"
        # The package's scripts start the system openvswitch-switch service
        # where there is an init system to start it (not in a container with
        # a policy-rc.d that says no); the benchmark never uses that one.
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -q && apt-get install -y -q --no-install-recommends openvswitch-switch-dpdk; } >&2 ||
            bh_die "--peers needs Debian's openvswitch-switch-dpdk, and apt-get could not install it (see above)"
    fi
    [ -x "$OVS_VSWITCHD_DPDK" ] || bh_die "$OVS_VSWITCHD_DPDK not found (openvswitch-switch-dpdk installed?)"
    local c
    for c in ovsdb-tool ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl; do
        command -v "$c" >/dev/null || bh_die "$c not found (Debian package openvswitch-switch)"
    done
}

# "OVS 3.1.0, DPDK 22.11.11": what the DPDK-enabled ovs-vswitchd says it is.
ovs_version() {
    "$OVS_VSWITCHD_DPDK" --version | awk 'NR == 1 {v = $NF} /^DPDK/ {d = $2} END {printf "OVS %s, DPDK %s", v, d}'
}

# Bounded: ovs-vsctl without --timeout waits for ever on a server that does not answer.
ovs_vsctl() { ovs-vsctl --timeout=30 --db="unix:$OVS_DIR/db.sock" "$@"; }
ovs_appctl() { ovs-appctl -t "$OVS_DIR/vswitchd.ctl" --timeout=10 "$@"; }

# ovs_fail WHAT [threads]: dies with WHAT and the last lines of the daemon's
# log; with "threads", also what the daemon's threads wait in, if it is still
# running (lib/proc.sh: with gdb installed, their stacks).
ovs_fail() {
    local log=$OVS_DIR/vswitchd.log out=$OVS_DIR/vswitchd.out pid=$OVS_PID
    if [[ $1 == *ovsdb-server* ]]; then
        log=$OVS_DIR/ovsdb-server.log out=$OVS_DIR/ovsdb-server.out pid=$OVS_DB_PID
    fi
    {
        echo "error: $1; the last lines of $log (removed on exit; BH_BENCH_KEEP=1 keeps it):"
        tail -n 25 "$log" 2>/dev/null | sed 's/^/  /' || echo "  (no log)"
        [ ! -s "$out" ] || { echo "its stderr:"; tail -n 10 "$out" | sed 's/^/  /'; }
        [ "${2:-}" != threads ] || [ -z "$pid" ] || ! bh_running "$pid" || bh_threads "$pid"
    } >&2
    exit 1
}

ovs_setup() {
    OVS_DIR=$WORK/ovs OVS_NS=$TAG-ovs OVS_BR=$TAG # a bridge's name is its tap's: at most 15 characters
    mkdir -p "$OVS_DIR"
    export OVS_RUNDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR
    ip netns add "$OVS_NS"
    ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    taskset -c 1 ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
        --unixctl="$OVS_DIR/ovsdb-server.ctl" --pidfile="$OVS_DIR/ovsdb-server.pid" \
        --log-file="$OVS_DIR/ovsdb-server.log" --no-chdir -vconsole:off >"$OVS_DIR/ovsdb-server.out" 2>&1 &
    OVS_DB_PID=$!
    # Normally well under a second; seen once to take over 10 s while the
    # machine was busy, hence the long bound.
    local i
    for ((i = 0; i < 300; i++)); do
        [ -S "$OVS_DIR/db.sock" ] && ovs_vsctl --no-wait init 2>/dev/null && break
        bh_running "$OVS_DB_PID" || ovs_fail "ovsdb-server did not start"
        sleep 0.1
    done
    [ "$i" -lt 300 ] || ovs_fail "ovsdb-server did not answer in 30 s" threads
    # The static part, written before any ovs-vswitchd reads it (--no-wait).
    #  - DPDK with 1 GiB preallocated, as testpmd and bridgehost get (-m 1024;
    #    OVS 3.1 adds --in-memory itself: no hugepage files);
    #  - its lcore threads (dpdk-lcore-mask) and its one PMD thread
    #    (pmd-cpu-mask) on CPU 1; ovs-vswitchd itself is started with taskset
    #    -c 1, so its main, handler and revalidator threads stay off the
    #    generator's CPU 0 and share CPU 1 with the PMD, as testpmd's and
    #    bridgehost's control lcores do;
    #  - EMC and SMC left at OVS 3.1's defaults, as an operator runs it: EMC
    #    on with emc-insert-inv-prob 100 (a packet that misses the EMC inserts
    #    its flow with probability 1/100), SMC off (smc-enable false);
    #    pmd-maxsleep 0 (the PMD never sleeps), no userspace TSO;
    #  - the bridge's default flow table: with no controller and fail_mode
    #    unset (standalone) it is the single flow priority=0 actions=NORMAL,
    #    checked in ovs_start;
    #  - mac-aging-time at OVS's maximum, 3600 s: no MAC ages out in a run;
    #    mac-table-size is set per case (ovs_start).
    ovs_vsctl --no-wait set Open_vSwitch . \
        other_config:dpdk-init=true \
        other_config:dpdk-socket-mem=1024 \
        other_config:dpdk-lcore-mask=0x2 \
        other_config:pmd-cpu-mask=0x2 \
        other_config:dpdk-extra="--file-prefix=$TAG-ovs --no-pci" \
        -- add-br "$OVS_BR" \
        -- set Bridge "$OVS_BR" datapath_type=netdev other_config:mac-aging-time=3600 \
        -- add-port "$OVS_BR" vh0 \
        -- set Interface vh0 type=dpdkvhostuserclient options:vhost-server-path="$WORK/vh0" ofport_request=1 \
        -- add-port "$OVS_BR" vh1 \
        -- set Interface vh1 type=dpdkvhostuserclient options:vhost-server-path="$WORK/vh1" ofport_request=2
}

# ovs_start MACS: a fresh ovs-vswitchd (an empty MAC table and flow cache, as
# the other DUTs start each case), its ports made, its vhost-user clients
# trying to connect to the generator's sockets (OVS retries once a second).
ovs_start() {
    local macs=$1 size
    # At least twice the MACs, as bridgehost's fdb capacity, and never below
    # OVS's default 8192; but OVS caps mac-table-size at 1,000,000: at
    # 1048576 MACs it cannot hold them all (ovs_note shows the evictions).
    size=$((2 * macs > 8192 ? 2 * macs : 8192))
    [ "$size" -le 1000000 ] || size=1000000
    ovs_vsctl --no-wait set Bridge "$OVS_BR" other_config:mac-table-size="$size"
    rm -f "$OVS_DIR"/vswitchd.log "$OVS_DIR"/vswitchd.out "$OVS_DIR"/vswitchd.pid "$OVS_DIR"/pmd-stats.*
    ip netns exec "$OVS_NS" taskset -c 1 "$OVS_VSWITCHD_DPDK" "unix:$OVS_DIR/db.sock" \
        --pidfile="$OVS_DIR/vswitchd.pid" --unixctl="$OVS_DIR/vswitchd.ctl" \
        --log-file="$OVS_DIR/vswitchd.log" --no-chdir -vconsole:off >"$OVS_DIR/vswitchd.out" 2>&1 &
    OVS_PID=$!
    # DPDK's initialisation comes first; then the bridge, its OpenFlow socket
    # and the ports, in no fixed order.
    local i log=$OVS_DIR/vswitchd.log
    for ((i = 0; i < 600; i++)); do
        grep -q "bridge $OVS_BR: added interface vh0 on port" "$log" 2>/dev/null &&
            grep -q "bridge $OVS_BR: added interface vh1 on port" "$log" &&
            [ -S "$OVS_DIR/$OVS_BR.mgmt" ] && break
        bh_running "$OVS_PID" || ovs_fail "ovs-vswitchd exited while starting"
        sleep 0.1
    done
    [ "$i" -lt 600 ] || ovs_fail "ovs-vswitchd did not add its bridge and vhost-user ports in 60 s" threads
    local flows
    flows=$(ovs-ofctl --no-stats dump-flows "unix:$OVS_DIR/$OVS_BR.mgmt" | sed 's/^ *//') ||
        ovs_fail "ovs-ofctl could not read the bridge's flows"
    [ "$flows" = "priority=0 actions=NORMAL" ] || ovs_fail "the bridge's flows are not the NORMAL flow alone: $flows"
}

# ovs_wait_attached GEN_PID: the generator's virtio_user ports are vhost-user
# servers for OVS (server=1) and its EAL waits in accept() until OVS connects:
# a bound on that wait, so that an OVS that never connects fails the run
# rather than holding it.
ovs_wait_attached() {
    local gen=$1 i
    for ((i = 0; i < 300; i++)); do
        grep -q "vHost Device '$WORK/vh1' has been added" "$OVS_DIR/vswitchd.log" 2>/dev/null &&
            grep -q "vHost Device '$WORK/vh0' has been added" "$OVS_DIR/vswitchd.log" && return 0
        bh_running "$OVS_PID" || ovs_fail "ovs-vswitchd exited"
        bh_running "$gen" || return 0 # the generator's own error says why
        sleep 0.1
    done
    ovs_fail "OVS did not connect to the generator's vhost-user sockets in 30 s" threads
}

# ovs_pmd_wait: nanoseconds the PMD thread has spent runnable but waiting for
# the CPU (the second field of its schedstat), 0 if it is not found.
ovs_pmd_wait() {
    local t
    for t in /proc/"$OVS_PID"/task/*; do
        if [[ $(cat "$t/comm" 2>/dev/null) == pmd-c* ]]; then
            awk '{print $2}' "$t/schedstat"
            return
        fi
    done
    echo 0
}

# ovs_mark start|end: the measured window in OVS's PMD counters, like
# testpmd's clear/show fwd stats. pmd-stats-clear has the PMD zero its
# counters on its next iteration; pmd-stats-show prints them (and the
# MAC table's and datapath's for ovs_note). Also how long, of the window,
# the PMD waited for CPU 1 while other processes ran there: the PMD never
# sleeps, and a busy iteration it was taken off the CPU in counts the time
# away as processing cycles (as testpmd's busy cycles do; bridgehost counts
# such bursts as stalls, apart), so on a busy machine this says how much of
# OVS's figure is the machine's.
OVS_MARK_WAIT= OVS_MARK_NS=
ovs_mark() {
    if [ "$1" = start ]; then
        ovs_appctl dpif-netdev/pmd-stats-clear >/dev/null || ovs_fail "ovs-appctl pmd-stats-clear failed"
        OVS_MARK_WAIT=$(ovs_pmd_wait) OVS_MARK_NS=$(date +%s%N)
        return
    fi
    ovs_appctl dpif-netdev/pmd-stats-show -pmd 1 >"$OVS_DIR/pmd-stats.txt" || ovs_fail "ovs-appctl pmd-stats-show failed"
    echo "$(($(ovs_pmd_wait) - OVS_MARK_WAIT)) $(($(date +%s%N) - OVS_MARK_NS))" >"$OVS_DIR/pmd-stats.sched"
    ovs_appctl fdb/stats-show "$OVS_BR" >"$OVS_DIR/pmd-stats.fdb" 2>&1 || true
    ovs_appctl dpctl/show >"$OVS_DIR/pmd-stats.dp" 2>&1 || true
    ovs_appctl upcall/show >"$OVS_DIR/pmd-stats.upcall" 2>&1 || true
}

# Cycles/packet over the window: OVS 3.1's pmd-stats-show for the PMD on
# core 1 reads
#   pmd thread numa_id 0 core_id 1:
#     packets received: 695129
#     ...
#     idle cycles: 2183011935 (41.15%)
#     processing cycles: 3122288171 (58.85%)
#     avg cycles per packet: 7632.11 (5305300106/695129)
#     avg processing cycles per packet: 4491.67 (3122288171/695129)
# "processing cycles" are the TSC cycles of the PMD's iterations that
# received at least one packet (polling, lookup, actions, transmit), "idle
# cycles" those of iterations that found nothing: processing cycles over
# packets received is the analogue of testpmd's --record-core-cycles busy
# cycles and bridgehost's busy cycles, and the same figure as OVS's own "avg
# processing cycles per packet" (computed here from the two counts, to one
# decimal like the others). "avg cycles per packet" counts the idle polling
# too and would charge OVS for the generator's pauses. Like testpmd's (and
# unlike bridgehost's, which counts stalls apart), the count includes any
# time the PMD lost to other threads on CPU 1 in a busy iteration.
ovs_cycles() {
    awk '/packets received:/ {p = $3} /processing cycles:/ && !/avg/ {c = $3}
        END {printf "%.1f", p ? c / p : 0}' "$OVS_DIR/pmd-stats.txt"
}

# ovs_note: "MAC table 1024/8192, evicted 0; datapath flows 1024 (limit
# 10000); lookups: emc 87.3%, smc 0.0%, megaflow 12.7%, upcalls 0.0% (failed
# 0); PMD waited for CPU 1 12.5% of the window (cycles/pkt without it ~1100)"
# for the window. The last figure is an estimate for a busy machine only: a
# preemption falls in a busy iteration as often as busy iterations fill the
# window, so the time away inflates processing cycles by the waited share,
# and processing x (1 - waited share) / packets takes it back out. The
# table keeps OVS's own figure, the one testpmd's is comparable to. With NORMAL
# each source/destination pair and direction is a datapath flow (megaflow),
# which the PMD adds on an upcall while the flow count is under the
# revalidators' dynamic flow limit: that starts at 10000, grows by 1000 a
# revalidation round (about every 500 ms) while dumping the flows is quick
# and shrinks when it is slow (the revalidator shares CPU 1 with the PMD
# here), so tens of thousands of pairs take OVS tens of seconds to cache,
# longer than a run primes; a frame of a pair over the limit is forwarded by
# the slow path and installs no flow (a "failed" upcall, OVS's count).
ovs_note() {
    local fdb flows share
    share=$(awk '{printf "%.4f", ($2 > 0 ? $1 / $2 : 0)}' "$OVS_DIR/pmd-stats.sched")
    fdb=$(awk -F': *' '/Current\/maximum MAC entries/ {t = $2} /evicted MAC entries/ {e = $2}
        END {printf "MAC table %s, evicted %s", t, e}' "$OVS_DIR/pmd-stats.fdb")
    flows=$(awk '/flows:/ {print $2; exit}' "$OVS_DIR/pmd-stats.dp")
    flows+=$(sed -n 's/.*(limit \([0-9]*\)).*/ (limit \1)/p' "$OVS_DIR/pmd-stats.upcall" | head -1)
    awk -v fdb="$fdb" -v flows="${flows:-?}" -v share="$share" '
        /emc hits:/ {e = $3} /smc hits:/ {s = $3} /megaflow hits:/ {m = $3}
        /miss with success upcall:/ {u = $5} /miss with failed upcall:/ {f = $5}
        /packets received:/ {p = $3} /processing cycles:/ && !/avg/ {c = $3}
        END {
            n = e + s + m + u + f
            if (n == 0) n = 1
            printf "%s; datapath flows %s; lookups: emc %.1f%%, smc %.1f%%, megaflow %.1f%%, upcalls %.1f%% (failed %d); PMD waited for CPU 1 %.1f%% of the window (cycles/pkt without it ~%.0f)",
                fdb, flows, 100 * e / n, 100 * s / n, 100 * m / n, 100 * (u + f) / n, f, 100 * share,
                (p ? c * (1 - share) / p : 0)
        }' "$OVS_DIR/pmd-stats.txt"
}

# ovs_stop: asks ovs-vswitchd to exit and remove its datapath and ports
# (exit --cleanup), and makes sure it is gone.
ovs_stop() {
    [ -n "$OVS_PID" ] || return 0
    ovs_appctl exit --cleanup >/dev/null 2>&1 || true
    bh_wait_gone "$OVS_PID" 20 || bh_stop "$OVS_PID" TERM 10 || true
    OVS_PID=
    rm -rf /var/run/dpdk/"$TAG"-ovs # even with --in-memory the EAL makes its runtime directory
}

# For the exit trap (also after a failure or Ctrl-C): stops ovs-vswitchd and
# ovsdb-server by their pids, removes the namespace and OVS's DPDK runtime
# directory; $WORK/ovs goes with $WORK.
ovs_cleanup() {
    [ -n "$OVS_DIR" ] || return 0
    set +e
    local p
    if [ -n "$OVS_PID" ]; then
        ovs-appctl -t "$OVS_DIR/vswitchd.ctl" --timeout=5 exit --cleanup >/dev/null 2>&1
        bh_wait_gone "$OVS_PID" 10 || bh_stop "$OVS_PID" TERM 5 >/dev/null 2>&1
    fi
    # One the script lost track of (interrupted between its start and the
    # assignment) has still written its pidfile: stopped if that pid is
    # still an ovs-vswitchd of this run.
    p=$(cat "$OVS_DIR/vswitchd.pid" 2>/dev/null)
    if [ -n "$p" ] && tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$OVS_DIR/"; then
        bh_stop "$p" TERM 10 >/dev/null 2>&1
    fi
    if [ -n "$OVS_DB_PID" ]; then
        ovs-appctl -t "$OVS_DIR/ovsdb-server.ctl" --timeout=5 exit >/dev/null 2>&1
        bh_wait_gone "$OVS_DB_PID" 10 || bh_stop "$OVS_DB_PID" TERM 5 >/dev/null 2>&1
    fi
    OVS_PID= OVS_DB_PID=
    ip netns del "$OVS_NS" 2>/dev/null
    rm -rf /var/run/dpdk/"$TAG"-ovs
    set -e
}
