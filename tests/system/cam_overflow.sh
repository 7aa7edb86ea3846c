#!/usr/bin/env bash
# A CAM-overflow attack on one port: hostc sends thousands of frames from random
# source MACs into a small FDB (capacity 256) while hosta pings hostb.
#
# Checks: no ping is lost; hosta's and hostb's MACs are still in the FDB on their
# ports (a full table evicts from the port with the most entries, hostc's, so
# the flood only churns its own entries); the table is full and the eviction
# counter grew; the log names the eviction. Then a reload (SIGHUP) gives hostc
# a max_macs of 100: nothing learned goes, and a second burst is refused
# (limit_refused) while the table stays as it was. SIGTERM stops the switch
# with no mbuf in use.
# Usage: cam_overflow.sh PATH/TO/bridgehost   (root; exit 77 = skipped)
set -uo pipefail
BIN=${1:?usage: $0 PATH/TO/bridgehost}
source "$(dirname "$0")/../../scripts/lib/systest.sh"

TMP=$(mktemp -d "/tmp/bh-cam.$ID.XXXX")
PID=
PREFIX="bhcam-$ID"
CAPACITY=256
FRAMES=8000
declare -A NS IF ADDR
for h in a b c; do
    NS[$h]="cam$h-$ID"
    IF[$h]="bhc${ID}$h"
done
ADDR[a]=$NET.1 ADDR[b]=$NET.2 ADDR[c]=$NET.3

cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    for h in a b c; do bh_host_del "${NS[$h]}" "${IF[$h]}"; done
    rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT


for h in a b c; do bh_host_add "${NS[$h]}" "${IF[$h]}" "${ADDR[$h]}/24"; done

write_config() { # hostc's extra port keys
cat >"$TMP/bridgehost.yaml" <<YAML
$(bh_eal_yaml $PREFIX)
ports:
  - { name: hosta, device: "net_af_packet0,iface=${IF[a]}" }
  - { name: hostb, device: "net_af_packet1,iface=${IF[b]}" }
  - { name: hostc, device: "net_af_packet2,iface=${IF[c]}"$1 }
fdb:
  capacity: $CAPACITY
workers:
  lcores: [1]
control:
  lcore: 0
metrics:
  enabled: false
YAML
}
write_config ""

bh_start_switch "$TMP/bridgehost.yaml" "$TMP/out" "$TMP/err"
CTL=("$(dirname "$BIN")/bridgehostctl" --file-prefix "$PREFIX")

# hosta and hostb learned first (and their ARP entries resolved).
in_ns a ping -c 2 -i 0.2 -W 2 "${ADDR[b]}" >"$TMP/prime" 2>&1 ||
    { fail "priming ping hosta -> hostb"; cat "$TMP/prime"; }

# The attack: FRAMES frames from random locally administered unicast sources to
# an address nobody has (so they flood), paced at about 5000 a second.
cat >"$TMP/flood.py" <<'PY'
import random, socket, sys, time
count, seed = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
rng = random.Random(seed)
dst = bytes.fromhex("02eeeeeeee01")
for i in range(count):
    src = bytes([(rng.randrange(256) & 0xfc) | 0x02]) + rng.randbytes(5)
    s.send(dst + src + b"\x88\xb5" + bytes(46))
    if i % 20 == 19:
        time.sleep(0.004)
PY
in_ns a ping -c 100 -i 0.02 -W 1 "${ADDR[b]}" >"$TMP/ping" 2>&1 &
PING=$!
sleep 0.2
in_ns c python3 "$TMP/flood.py" "$FRAMES" 7 >"$TMP/flood.out" 2>&1 &&
    pass "hostc sent $FRAMES frames from random source MACs" || { fail "flood"; cat "$TMP/flood.out"; }
bh_wait_gone "$PING" 30
grep -q " 0% packet loss" "$TMP/ping" &&
    pass "hosta pinged hostb during the flood with no loss ($(grep -o '[0-9]* received' "$TMP/ping"))" ||
    { fail "ping lost packets during the flood"; cat "$TMP/ping"; }

mac_a=$(bh_host_mac "${NS[a]}") mac_b=$(bh_host_mac "${NS[b]}")
"${CTL[@]}" show fdb --json >"$TMP/fdb.json" 2>&1
python3 - "$TMP/fdb.json" "$mac_a" "$mac_b" >"$TMP/fdb.check" 2>&1 <<'PY' &&
import json, sys
fdb = json.load(open(sys.argv[1]))
where = {e["mac"]: e["port"] for e in fdb["entries"]}
assert where.get(sys.argv[2]) == "hosta", f"hosta's MAC: {where.get(sys.argv[2])}"
assert where.get(sys.argv[3]) == "hostb", f"hostb's MAC: {where.get(sys.argv[3])}"
PY
    pass "hosta's and hostb's MACs still in the FDB on their ports" || { fail "FDB lost hosta or hostb"; cat "$TMP/fdb.check"; }

"${CTL[@]}" show stats --json >"$TMP/stats.json" 2>&1
python3 - "$TMP/stats.json" "$CAPACITY" >"$TMP/stats.check" 2>&1 <<'PY' &&
import json, sys
f = json.load(open(sys.argv[1]))["fdb"]
print(f)
assert f["entries"] == int(sys.argv[2]) == f["capacity"], "table not full"
assert f["evicted"] > 0, "nothing evicted"
assert f["table_full"] == 0, "MACs refused"
assert f["learned"] >= f["evicted"] + f["entries"] - 2, "learned too few"
PY
    pass "table full ($CAPACITY), $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fdb"]["evicted"])' "$TMP/stats.json") entries evicted, none refused" ||
    { fail "FDB counters"; cat "$TMP/stats.check"; }
"${CTL[@]}" show ports --json >"$TMP/ports.json" 2>&1
python3 -c 'import json,sys; p={x["name"]: x["macs"] for x in json.load(open(sys.argv[1]))}; sys.exit(0 if p["hosta"] >= 1 and p["hostb"] >= 1 and p["hostc"] >= int(sys.argv[2]) - 4 else 1)' \
    "$TMP/ports.json" "$CAPACITY" && pass "show ports: hostc holds the rest of the table" ||
    { fail "show ports MAC counts"; cat "$TMP/ports.json"; }
grep -q "bridgehost.fdb: warning: table full ($CAPACITY entries): .* evicted from hostc, the port with the most entries" "$TMP/err" &&
    pass "eviction logged" || { fail "no eviction in the log"; grep fdb "$TMP/err" | head; }
[ "$(grep -c "evicted from" "$TMP/err")" -le 20 ] && pass "eviction log rate-limited" ||
    fail "$(grep -c "evicted from" "$TMP/err") eviction lines"

"${CTL[@]}" show ports >"$TMP/ports.txt" 2>&1
grep -Eq "^hostc .* $((CAPACITY - 2))/- " "$TMP/ports.txt" && pass "show ports: MACS/LIMIT $((CAPACITY - 2))/- for hostc" ||
    { fail "show ports MACS/LIMIT column"; cat "$TMP/ports.txt"; }
"${CTL[@]}" show stats >"$TMP/stats.txt" 2>&1
grep -Eq "^fdb: $CAPACITY of $CAPACITY entries; .*evicted [1-9]" "$TMP/stats.txt" && pass "show stats: evicted" ||
    { fail "show stats fdb line"; cat "$TMP/stats.txt"; }

# A limit on hostc, live: what it learned stays; new sources are refused.
write_config ", max_macs: 100"
kill -HUP "$PID"
bh_wait_for "reload: ports.hostc.max_macs 0 (no limit) -> 100 refuse" 10 "$TMP/err" &&
    pass "reload applied hostc's max_macs" || { fail "reload"; grep reload "$TMP/err"; }
in_ns c python3 "$TMP/flood.py" 500 8 >"$TMP/flood2.out" 2>&1 || { fail "second flood"; cat "$TMP/flood2.out"; }
sleep 0.5
"${CTL[@]}" show stats --json >"$TMP/stats2.json" 2>&1
"${CTL[@]}" show ports --json >"$TMP/ports2.json" 2>&1
python3 - "$TMP/stats.json" "$TMP/stats2.json" "$TMP/ports2.json" "$CAPACITY" >"$TMP/limit.check" 2>&1 <<'PY' &&
import json, sys
before = json.load(open(sys.argv[1]))["fdb"]
after = json.load(open(sys.argv[2]))["fdb"]
ports = {p["name"]: p for p in json.load(open(sys.argv[3]))}
print(before, after)
assert after["limit_refused"] > 400, "second burst not refused"
# (hostc's own kernel chatter may have been learned, evicting one, before the reload)
assert after["learned"] - before["learned"] <= 2, "hostc's sources learned"
assert ports["hostc"]["macs"] >= int(sys.argv[4]) - 4, "hostc lost entries"
assert ports["hostc"]["mac_limit"] == {"max_macs": 100, "mac_limit_action": "refuse"}
PY
    pass "second burst refused at hostc's limit, its entries kept" ||
    { fail "limit after reload"; cat "$TMP/limit.check"; }
grep -q "bridgehost.fdb: warning: port hostc at its limit of 100 MACs: .* not learned" "$TMP/err" &&
    pass "refusal logged" || fail "no refusal in the log"

bh_stop "$PID" TERM 10 || fail "bridgehost did not stop"
PID=
grep -q "mbufs in use: 0" "$TMP/out" && pass "no mbuf left in use" || { fail "mbufs left in use"; tail "$TMP/out"; }
bh_checks_done
