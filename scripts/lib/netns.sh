# Network namespaces as test hosts, each joined by a veth pair to the host side,
# where a net_af_packet port of bridgehost opens the other end. Source it.
#
#   bh_host_add NS HOSTIF ADDR/PREFIX   namespace NS with eth0 = ADDR; HOSTIF on the host side
#   bh_host_del NS HOSTIF               removes both (quietly, for traps)
#   bh_host_mac NS                      eth0's MAC in NS

bh_host_add() {
    local ns=$1 hostif=$2 addr=$3
    ip netns add "$ns"
    ip link add "$hostif" type veth peer name eth0 netns "$ns"
    # The host side is only a wire into bridgehost: no IPv6 chatter of its own to
    # be learned, and NOARP so the host never answers ARP for its own addresses
    # through it (Linux answers on any interface by default).
    sysctl -qw "net.ipv6.conf.$hostif.disable_ipv6=1"
    ip link set "$hostif" arp off up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr" dev eth0
    ip -n "$ns" link set eth0 up
}

bh_host_del() {
    local ns=$1 hostif=$2
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$hostif" 2>/dev/null || true
}

bh_host_mac() {
    ip -n "$1" -br link show eth0 | awk '{print $3}'
}

