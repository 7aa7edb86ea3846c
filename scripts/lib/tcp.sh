# TCP between two test hosts in namespaces, for the system tests that carry
# it through bridgehost (tcp_af_packet.sh, tcp_vhost.sh). Source it after
# systest.sh, with NS (host -> namespace), TMP, IPERF_PORT and HTTP_PORT set.
#
#   offloads WHEN          pass when tso and tx-checksumming are on in hosts a
#                          and b (the kernel's defaults: the tests mean nothing
#                          with offloads off)
#   wait_listen HOST PORT  until a TCP socket listens on PORT in HOST
#   serve HOST LOG CMD...  CMD in HOST in the background (pid in SRV); unserve stops it
#   iperf WHAT CLIENT SERVER ADDR [-R]
#                          5 s of iperf3 TCP; pass or fail with Gbit/s and retransmits
#   tcp_blob               makes $TMP/blob, 50 MiB of random bytes, and BLOB_SUM
#   download WHAT SERVER BIND URLHOST CLIENT
#                          CLIENT fetches the blob over HTTP; pass when its sha256 matches

# The kernel's defaults, as they are: the test means nothing with offloads off.
# offloads WHEN: tso and tx-checksumming on in both hosts' eth0.
offloads() {
    local h tso csum gso
    for h in a b; do
        in_ns "$h" ethtool -k eth0 >"$TMP/offloads.$h" 2>&1
        tso=$(awk -F': ' '$1 == "tcp-segmentation-offload" {print $2}' "$TMP/offloads.$h")
        csum=$(awk -F': ' '$1 == "tx-checksumming" {print $2}' "$TMP/offloads.$h")
        gso=$(awk -F': ' '$1 == "generic-segmentation-offload" {print $2}' "$TMP/offloads.$h")
        [ "${tso%% *}" = on ] && [ "${csum%% *}" = on ] &&
            pass "host$h eth0 offloads $1: tso $tso, tx-checksumming $csum, gso $gso" ||
            { fail "host$h eth0 offloads $1: tso '$tso', tx-checksumming '$csum' (both must be on)"; cat "$TMP/offloads.$h"; }
    done
}

# wait_listen HOST PORT: until a TCP socket listens on PORT in HOST's namespace.
wait_listen() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -n "$(in_ns "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

# serve HOST LOG CMD...: CMD in HOST's namespace in the background, pid in SRV
# (ip netns exec execs CMD, so $! is the server itself).
serve() {
    local h=$1 log=$2
    shift 2
    ip netns exec "${NS[$h]}" "$@" >"$log" 2>&1 &
    SRV=$!
}
unserve() {
    [ -n "$SRV" ] && bh_stop "$SRV" TERM 5 >/dev/null 2>&1
    SRV=
}

# iperf WHAT CLIENT SERVER ADDR [-R]: 5 s of TCP from CLIENT to ADDR (SERVER's),
# reversed with -R; passes when iperf3 exits 0 with no error and the receiver
# got bytes. (iperf3 3.12 with -J exits 0 even when it cannot connect: the
# error is only in the JSON.)
iperf() {
    local what=$1 c=$2 s=$3 addr=$4 rev=${5:-} rc bytes bps retr err
    serve "$s" "$TMP/iperf-server.log" iperf3 -s -1 -p "$IPERF_PORT"
    wait_listen "$s" "$IPERF_PORT" || { fail "$what: iperf3 server did not start"; cat "$TMP/iperf-server.log"; unserve; return; }
    timeout 25 ip netns exec "${NS[$c]}" iperf3 -c "$addr" -p "$IPERF_PORT" -t 5 -J \
        --connect-timeout 5000 $rev >"$TMP/iperf.json" 2>"$TMP/iperf.err"
    rc=$?
    unserve
    IFS=$'\t' read -r bytes bps retr err < <(jq -r '[(.end.sum_received.bytes // 0),
        (.end.sum_received.bits_per_second // 0), (.end.sum_sent.retransmits // "?"),
        (.error // "")] | @tsv' "$TMP/iperf.json" 2>/dev/null)
    if [ "$rc" -eq 0 ] && [ -z "$err" ] && [ "${bytes:-0}" -gt 0 ] 2>/dev/null; then
        pass "$what: $(awk -v b="$bps" 'BEGIN {printf "%.2f", b / 1e9}') Gbit/s, $retr retransmits, $bytes bytes received"
    else
        fail "$what: iperf3 exit $rc$([ "$rc" -eq 124 ] && echo ' (timed out)'), ${bytes:-no} bytes received${err:+, error: $err}"
        tail -3 "$TMP/iperf.err"
    fi
}

tcp_blob() {
    head -c 50M /dev/urandom >"$TMP/blob"
    BLOB_SUM=$(sha256sum <"$TMP/blob" | cut -d' ' -f1)
}

# download WHAT SERVER BIND URLHOST CLIENT: CLIENT fetches the blob from
# python3 -m http.server on SERVER (bound to BIND) and compares its sha256.
download() {
    local what=$1 s=$2 bind=$3 urlhost=$4 c=$5 rc start ms got sum
    rm -f "$TMP/dl"
    serve "$s" "$TMP/http.log" python3 -m http.server --bind "$bind" --directory "$TMP" "$HTTP_PORT"
    wait_listen "$s" "$HTTP_PORT" || { fail "$what: http.server did not start"; cat "$TMP/http.log"; unserve; return; }
    start=$(date +%s%N)
    timeout 75 ip netns exec "${NS[$c]}" curl -g --max-time 60 --connect-timeout 10 -sS \
        -o "$TMP/dl" "http://$urlhost:$HTTP_PORT/blob" 2>"$TMP/curl.err"
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    unserve
    got=0 sum=none
    [ -f "$TMP/dl" ] && got=$(stat -c %s "$TMP/dl") && sum=$(sha256sum <"$TMP/dl" | cut -d' ' -f1)
    if [ "$rc" -eq 0 ] && [ "$sum" = "$BLOB_SUM" ]; then
        pass "$what: 50 MiB in $ms ms, sha256 matches"
    else
        fail "$what: curl exit $rc after $ms ms, $got of $(stat -c %s "$TMP/blob") bytes, sha256 ${sum:0:16} (want ${BLOB_SUM:0:16})"
        cat "$TMP/curl.err"
    fi
    rm -f "$TMP/dl"
}
