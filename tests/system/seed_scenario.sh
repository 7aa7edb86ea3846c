#!/usr/bin/env bash
# The seed scenario with three hosts: hosta, hostb, hostc in namespaces, each on a
# net_af_packet port of one bridgehost. Checks: ping and arping both ways between
# hosta and hostb; once learned, hostc sees the ARP broadcasts but none of the ICMP
# unicast between them; the FDB holds each host on its port; bridgehostctl,
# telemetry, /metrics and live reload against the running switch; the
# promiscuous-mode diagnosis stays silent; SIGTERM stops the switch within 2 s
# and it prints its final counters.
# Usage: seed_scenario.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-system.$ID.XXXX")
PID=
TCPDUMP=
declare -A NS IF ADDR
for h in a b c d; do
    NS[$h]="host$h-$ID"
    IF[$h]="bhs${ID}$h"
done
ADDR[a]=$NET.1 ADDR[b]=$NET.2 ADDR[c]=$NET.3 ADDR[d]=$NET.4

cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    [ -n "$TCPDUMP" ] && kill -KILL "$TCPDUMP" 2>/dev/null
    for h in a b c d; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    rm -rf "$TMP" "/var/run/dpdk/bhsys-$ID"
}
trap cleanup EXIT


for h in a b c; do bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"; done

cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml bhsys-$ID)
ports:
  - { name: hosta, device: "net_af_packet0,iface=${IF[a]}" }
  - { name: hostb, device: "net_af_packet1,iface=${IF[b]}" }
  - { name: hostc, device: "net_af_packet2,iface=${IF[c]}" }
fdb:
  capacity: 4096
  aging_seconds: 300
workers:
  lcores: [1]
control:
  lcore: 0
  promisc_check_seconds: 3   # short, so that staying silent means something
metrics:
  listen: "127.0.0.1:0"      # any free port: parallel runs never collide
YAML

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"

check "ping hosta -> hostb" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"
check "ping hostb -> hosta" in_ns b ping -c 3 -i 0.2 -W 2 "${ADDR[a]}"
check "arping hosta -> hostb" in_ns a arping -c 2 -w 3 -I eth0 "${ADDR[b]}"
check "arping hostb -> hosta" in_ns b arping -c 2 -w 3 -I eth0 "${ADDR[a]}"

# hostc listens while hosta, having forgotten hostb's MAC, pings it again:
# the ARP request is broadcast (hostc must see it), the ICMP is unicast to a
# learned MAC (hostc must not see it).
# (ip netns exec execs tcpdump, so $! is tcpdump itself and the SIGINT reaches it)
ip netns exec "${NS[c]}" tcpdump -i eth0 -n -U -w "$TMP/hostc.pcap" 2>"$TMP/tcpdump.err" &
TCPDUMP=$!
bh_wait_for "listening on" 10 "$TMP/tcpdump.err" || fail "tcpdump did not start"
ip -n "${NS[a]}" neigh flush dev eth0
check "ping hosta -> hostb while hostc listens" in_ns a ping -c 5 -i 0.2 -W 2 "${ADDR[b]}"
sleep 0.5
bh_stop "$TCPDUMP" INT 10 || fail "tcpdump did not stop"
TCPDUMP=
arp_seen=$(tcpdump -n -r "$TMP/hostc.pcap" "arp and arp[6:2] = 1" 2>/dev/null | grep -c "who-has ${ADDR[b]}")
icmp_seen=$(tcpdump -n -r "$TMP/hostc.pcap" icmp 2>/dev/null | wc -l)
[ "$arp_seen" -ge 1 ] && pass "hostc saw the ARP broadcast ($arp_seen)" || fail "hostc saw no ARP request for ${ADDR[b]}"
[ "$icmp_seen" -eq 0 ] && pass "hostc saw no ICMP unicast" || {
    fail "hostc saw $icmp_seen ICMP frames"
    tcpdump -n -e -r "$TMP/hostc.pcap" icmp 2>/dev/null | head
}

# The FDB, read back from the running switch.
kill -USR1 "$PID"
bh_wait_for "mbufs in use" 5 "$TMP/out" || fail "no report after SIGUSR1"
for h in a b; do
    mac=$(bh_host_mac "${NS[$h]}")
    grep -Eq "^  $mac +0 +host$h +dynamic" "$TMP/out" && pass "fdb: $mac on host$h" \
        || { fail "fdb: $mac not on host$h"; sed -n '/^fdb (/,/^ports/p' "$TMP/out"; }
done

# bridgehostctl against the running switch (the control socket), and DPDK
# telemetry (dpdk-telemetry.py) for the same table.
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "bhsys-$ID")
SOCK=/var/run/bridgehost/bhsys-$ID.sock
[ "$(stat -c '%a %U' "$SOCK" 2>/dev/null)" = "600 root" ] && pass "control socket is 0600 root" ||
    fail "control socket $SOCK: $(stat -c '%a %U' "$SOCK" 2>&1)"
# A request nested 30000 deep is refused before it is parsed, and the switch
# goes on answering.
python3 - "$SOCK" >"$TMP/deep.out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"[" * 30000 + b"]" * 30000 + b"\n")
print(s.makefile("rb").readline().decode())
PY
grep -q '"error":"nested deeper than 8 levels","ok":false' "$TMP/deep.out" &&
    pass "control socket: a request nested 30000 deep refused" || { fail "deep request"; cat "$TMP/deep.out"; }
mac_a=$(bh_host_mac "${NS[a]}") mac_b=$(bh_host_mac "${NS[b]}")
"${CTL[@]}" show fdb >"$TMP/ctl.out" 2>&1
grep -Eq "^$mac_a +0 +hosta +dynamic" "$TMP/ctl.out" && grep -Eq "^$mac_b +0 +hostb +dynamic" "$TMP/ctl.out" &&
    pass "bridgehostctl show fdb: hosta and hostb on their ports" || { fail "bridgehostctl show fdb"; cat "$TMP/ctl.out"; }
"${CTL[@]}" show fdb --port hostb --json >"$TMP/ctl.json" 2>&1
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
macs = {e["mac"]: e["port"] for e in r["entries"]}
sys.exit(0 if macs.get(sys.argv[2]) == "hostb" and sys.argv[3] not in macs else 1)
' "$TMP/ctl.json" "$mac_b" "$mac_a" && pass "bridgehostctl --json parses; --port filters" ||
    { fail "bridgehostctl show fdb --port hostb --json"; cat "$TMP/ctl.json"; }
for what in ports workers stats config; do
    check "bridgehostctl show $what" "${CTL[@]}" show "$what"
done
# A static entry sends hostb's MAC to hostc's port: hosta's pings no longer arrive.
check "bridgehostctl fdb add $mac_b hostc" "${CTL[@]}" fdb add "$mac_b" hostc
if in_ns a ping -c 2 -i 0.2 -W 1 "${ADDR[b]}" >/dev/null 2>&1; then
    fail "ping hosta -> hostb still answered with hostb's MAC pinned to hostc"
else
    pass "static entry steers hostb's frames to hostc (ping fails)"
fi
check "bridgehostctl fdb del $mac_b" "${CTL[@]}" fdb del "$mac_b"
check "ping hosta -> hostb after the static entry is gone" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[b]}"
"${CTL[@]}" fdb add 01:00:5e:00:00:01 hosta >/dev/null 2>"$TMP/ctl.err"
[ $? -eq 1 ] && grep -q "needs a unicast MAC" "$TMP/ctl.err" && pass "bridgehostctl refuses a multicast static entry (exit 1)" ||
    { fail "multicast static entry not refused"; cat "$TMP/ctl.err"; }
echo /bridgehost/fdb | timeout 10 dpdk-telemetry.py -f "bhsys-$ID" >"$TMP/tel.out" 2>&1
grep -q "\"$mac_a\"" "$TMP/tel.out" && pass "dpdk-telemetry.py /bridgehost/fdb shows hosta's MAC" ||
    { fail "telemetry /bridgehost/fdb"; cat "$TMP/tel.out"; }

# /metrics: well-formed Prometheus text (a strict parser), with the counters
# of this run. The port is free one picked at start (listen 127.0.0.1:0).
mport=$(sed -n 's|.*metrics on http://127.0.0.1:0/metrics (port \([0-9]*\)).*|\1|p' "$TMP/err")
if curl -sf --max-time 5 "http://127.0.0.1:${mport:-0}/metrics" >"$TMP/metrics.txt"; then
    check "/metrics parses as Prometheus text; counts hosta and hostb" \
        python3 "$(dirname "$0")/check_prometheus.py" "$TMP/metrics.txt" \
        'bridgehost_fdb_entries >= 2' \
        'bridgehost_port_rx_packets_total{port="hosta"} > 0' \
        'bridgehost_port_rx_packets_total{port="hostb"} > 0' \
        'bridgehost_port_promisc_suspect{port="hosta"} == 0' \
        'bridgehost_fdb_learned_total >= 2'
else
    fail "GET /metrics on port ${mport:-?}"
fi

# Live reload (SIGHUP and bridgehostctl reload): a new aging time and a new
# static entry apply while learned entries stay; a broken file is rejected,
# the running config kept, and forwarding goes on.
cp "$TMP/bridgehost.yaml" "$TMP/good.yaml"
sed -i 's/aging_seconds: 300/aging_seconds: 120\n  static:\n    - { mac: "02:00:00:00:be:ef", port: hostc }/' "$TMP/bridgehost.yaml"
kill -HUP "$PID"
bh_wait_for "reload: fdb.static 02:00:00:00:be:ef added on hostc" 5 "$TMP/err" &&
    grep -q "reload: fdb.aging_seconds 300 -> 120" "$TMP/err" &&
    pass "SIGHUP: reload reports the new aging time and static entry" || { fail "SIGHUP reload"; tail -5 "$TMP/err"; }
"${CTL[@]}" show fdb >"$TMP/ctl.out" 2>&1
grep -Eq "^$mac_a +0 +hosta +dynamic" "$TMP/ctl.out" && grep -Eq "^$mac_b +0 +hostb +dynamic" "$TMP/ctl.out" &&
    grep -Eq "^02:00:00:00:be:ef +0 +hostc +static" "$TMP/ctl.out" && grep -q "aging 120 s" "$TMP/ctl.out" &&
    pass "after reload: learned entries kept, static entry in, aging 120 s" || { fail "FDB after reload"; cat "$TMP/ctl.out"; }
echo "bogus_key: 1" >>"$TMP/bridgehost.yaml"
"${CTL[@]}" reload >"$TMP/ctl.out" 2>&1
[ $? -eq 1 ] && grep -q 'unknown key "bogus_key"' "$TMP/ctl.out" &&
    grep -q 'reload rejected, the running config is kept: .*unknown key "bogus_key"' "$TMP/err" &&
    pass "bridgehostctl reload of a broken file: refused (exit 1), error logged" ||
    { fail "broken file on reload"; cat "$TMP/ctl.out"; tail -3 "$TMP/err"; }
check "ping hosta -> hostb after a rejected reload" in_ns a ping -c 2 -i 0.2 -W 2 "${ADDR[b]}"
cp "$TMP/good.yaml" "$TMP/bridgehost.yaml"
"${CTL[@]}" reload >"$TMP/ctl.out" 2>&1
grep -q "fdb.static 02:00:00:00:be:ef removed" "$TMP/ctl.out" && grep -q "fdb.aging_seconds 120 -> 300" "$TMP/ctl.out" &&
    pass "bridgehostctl reload back: static entry removed, aging 300" || { fail "reload back"; cat "$TMP/ctl.out"; }
sed -i 's/memory_mb: 256/memory_mb: 320/' "$TMP/bridgehost.yaml"
"${CTL[@]}" reload --json >"$TMP/ctl.out" 2>&1
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["needs_restart"]==["eal"] and r["applied"]==[] else 1)' "$TMP/ctl.out" &&
    pass "reload of an EAL change: reported as needing a restart, not applied" || { fail "reload needs_restart"; cat "$TMP/ctl.out"; }
cp "$TMP/good.yaml" "$TMP/bridgehost.yaml"

# Ports by reload: hostc out, hostd in; the other ports keep forwarding and
# their learned entries. Then back: hostc's af_packet device is attached again.
bh_host_add "${NS[d]}" "${IF[d]}" "${ADDR[d]}/24"
sed "s|name: hostc, device: \"net_af_packet2,iface=${IF[c]}\"|name: hostd, device: \"net_af_packet3,iface=${IF[d]}\"|" \
    "$TMP/good.yaml" >"$TMP/bridgehost.yaml"
"${CTL[@]}" reload >"$TMP/ctl.out" 2>&1
grep -q "applied: port hostd added" "$TMP/ctl.out" && grep -q "applied: port hostc removed" "$TMP/ctl.out" &&
    pass "reload: hostd added, hostc removed" || { fail "reload of ports"; cat "$TMP/ctl.out"; }
"${CTL[@]}" show fdb >"$TMP/fdb.out" 2>&1
grep -Eq "^$mac_a +0 +hosta +dynamic" "$TMP/fdb.out" && grep -Eq "^$mac_b +0 +hostb +dynamic" "$TMP/fdb.out" &&
    pass "learned entries on the other ports kept across the port change" || { fail "FDB after port change"; cat "$TMP/fdb.out"; }
check "ping hosta -> hostd (a port added by reload)" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[d]}"
check "ping hosta -> hostb during the port changes" in_ns a ping -c 2 -i 0.2 -W 2 "${ADDR[b]}"
cp "$TMP/good.yaml" "$TMP/bridgehost.yaml"
"${CTL[@]}" reload >"$TMP/ctl.out" 2>&1
grep -q "applied: port hostc added" "$TMP/ctl.out" && grep -q "applied: port hostd removed" "$TMP/ctl.out" &&
    pass "reload back: hostc added again, hostd removed" || { fail "reload back of ports"; cat "$TMP/ctl.out"; }
check "ping hosta -> hostc (its device attached again)" in_ns a ping -c 3 -i 0.2 -W 2 "${ADDR[c]}"

# show stats names the drop reasons that counted only; --all is the whole
# reason-by-port table, one row per reason the switch knows.
"${CTL[@]}" show stats >"$TMP/stats.txt" 2>&1
awk '/^  drops:/ {if ($0 == "  drops: none") next; for (i = 2; i <= NF; i++) {split($i, kv, "="); if (kv[2] == 0) bad = 1}} END {exit bad}' "$TMP/stats.txt" &&
    [ "$(grep -c '^  drops:' "$TMP/stats.txt")" = 3 ] &&
    pass "show stats: a drops line per port, no zero reason on it" || { fail "show stats drops"; cat "$TMP/stats.txt"; }
wide=$(awk 'length > 100' "$TMP/stats.txt" | wc -l)
[ "$wide" = 0 ] && pass "show stats fits 100 columns" || { fail "show stats: $wide lines over 100 columns"; awk 'length > 100' "$TMP/stats.txt"; }
"${CTL[@]}" show stats --all >"$TMP/stats-all.txt" 2>&1
reasons=$("${CTL[@]}" explain --json | jq 'length')
[ "$(sed -n '/^drops by reason/,/^fdb:/p' "$TMP/stats-all.txt" | awk 'NR > 1 && NF == 4' | wc -l)" = "$reasons" ] &&
    grep -Eq '^drops by reason +hosta +hostb +hostc$' "$TMP/stats-all.txt" &&
    pass "show stats --all: $reasons reasons by 3 ports" || { fail "show stats --all"; cat "$TMP/stats-all.txt"; }

# The promiscuous-mode diagnosis stays silent on a segment that delivers unicast.
grep -q "receives no unicast" "$TMP/err" && { fail "diagnosis fired in the normal case"; grep "receives no unicast" "$TMP/err"; } ||
    pass "promiscuous-mode diagnosis silent in the normal case"

# Graceful stop: gone within 2 s, final counters printed (only a clean exit
# prints them). Exit is read from /proc, not with `wait` (see scripts/lib/proc.sh).
start=$(date +%s%N)
bh_stop "$PID" TERM 10 || fail "bridgehost did not stop on SIGTERM"
PID=
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 2000 ] && pass "stopped in ${elapsed_ms} ms" || fail "took ${elapsed_ms} ms to stop"
"${CTL[@]}" show fdb >/dev/null 2>"$TMP/ctl.err"
[ $? -eq 3 ] && grep -q "not running" "$TMP/ctl.err" && pass "bridgehostctl: switch not running (exit 3)" ||
    { fail "bridgehostctl against a stopped switch"; cat "$TMP/ctl.err"; }
[ ! -e "$SOCK" ] && pass "control socket removed at exit" || fail "control socket left behind"
final=$(sed -n '/stopped; final counters/,$p' "$TMP/out")
for h in a b; do
    rx=$(awk -v p="host$h" '/^ports/ {t = 1; next} /^[a-z]/ {t = 0} t && $1 == p {print $2; exit}' <<<"$final")
    [ "${rx:-0}" -gt 0 ] && pass "final counters: host$h rx-packets $rx" || fail "final counters: no rx on host$h"
done
grep -q "mbufs in use: 0" <<<"$final" && pass "no mbuf left in use" || fail "mbufs left in use: $(grep 'mbufs in use' <<<"$final")"
# The report is for people: a summary first, 100 columns, drop reasons only
# where they counted (a line per port and reason, with its count).
wide=$(awk 'length > 100' <<<"$final" | wc -l)
[ "$wide" = 0 ] && pass "final report fits 100 columns" || { fail "final report: $wide lines over 100 columns"; awk 'length > 100' <<<"$final"; }
grep -Eq '^summary: 3 ports \(3 up\), 1 worker, [0-9]+ FDB entries; [0-9]+ frames in, [0-9]+ out$' <<<"$final" && pass "final report starts with its summary" ||
    fail "final report: no summary ($(sed -n 2p <<<"$final"))"
awk '/^drops/ {d = 1; next} /^[a-z]/ {d = 0} d && !($2 ~ /^[a-z_]+$/ && $3 > 0) {bad = 1} END {exit bad}' <<<"$final" &&
    pass "final report: drops listed only where they counted ($(grep -A20 '^drops' <<<"$final" | sed -n '/^devices/q;p' | tr '\n' ' '))" ||
    { fail "final report: a zero or malformed drop line"; sed -n '/^drops/,/^devices/p' <<<"$final"; }

bh_checks_done
