// Every reason the switch drops a frame, with the text operators see. No DPDK:
// bridgehostctl's `explain` prints them without a running switch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bridgehost {

/// Every reason the switch drops a frame, with the text operators see.
/// One list generates the enum and the names, so they cannot drift apart.
#define BRIDGEHOST_DROP_REASONS(X)                                                                 \
    X(filtered, "destination MAC is on the ingress port")                                          \
    X(runt, "shorter than its Ethernet header (14 bytes, 18 with an 802.1Q tag)")                  \
    X(invalid_src, "source MAC is multicast, broadcast or all-zero")                               \
    X(tx_full, "output tx queue full")                                                             \
    X(vlan_filtered,                                                                               \
      "VLAN not carried by the ingress port (tagged on an access port, or VID 4095)")              \
    X(no_mbuf, "no mbuf for a flooded copy or a segment, or no headroom to insert a VLAN tag")     \
    X(storm_broadcast, "broadcast over the ingress port's storm_control limit")                    \
    X(storm_multicast, "multicast over the ingress port's storm_control limit")                    \
    X(storm_unknown_unicast, "unknown unicast over the ingress port's storm_control limit")        \
    X(mirror_destination, "received on the mirror's destination port, which forwards nothing")     \
    X(too_big, "longer than the output port's mtu allows (mtu + 22 bytes)")                        \
    X(mirror_lost, "no mbuf for a mirror's copy (the frame itself went on)")                       \
    X(loop_probe, "our own loop-guard probe came back: a loop (consumed, never forwarded)")        \
    X(bpdu_guard, "STP BPDU on a port with bpdu_guard (the port is blocked)")                      \
    X(port_blocked, "received on a blocked port, or unicast to one")                               \
    X(split_header, "Ethernet header (with its 802.1Q tag) not whole in the first segment")        \
    X(truncated, "shorter than its IP header says: cut by the PMD (a super-frame larger than "     \
                 "net_af_packet's framesz)")                                                       \
    X(unsegmentable, "an offload the switch cannot carry out: a super-frame that is not TCP (UDP " \
                     "GSO) or needs more than 128 segments, or headers it cannot read")            \
    X(stp_bpdu, "an STP BPDU, handed to the spanning tree (consumed, never forwarded)")            \
    X(stp_bpdu_lost, "an STP BPDU the spanning tree had no room for (a flood of them filled the "  \
                     "worker's ring to the control lcore)")                                        \
    X(stp_discarding,                                                                              \
      "received on a port the spanning tree keeps discarding, or unicast to a port "               \
      "that is not forwarding")                                                                    \
    X(stp_learning, "received on a port in the spanning tree's learning state (its source is "     \
                    "learned, the frame not forwarded)")

enum class drop_reason : uint8_t {
#define X(name, text) name,
    BRIDGEHOST_DROP_REASONS(X)
#undef X
        count
};
inline constexpr unsigned kDropReasons = unsigned(drop_reason::count);

inline constexpr const char* drop_reason_name(drop_reason r) {
    constexpr const char* names[] = {
#define X(name, text) #name,
        BRIDGEHOST_DROP_REASONS(X)
#undef X
    };
    return names[unsigned(r)];
}
inline constexpr const char* drop_reason_text(drop_reason r) {
    constexpr const char* texts[] = {
#define X(name, text) text,
        BRIDGEHOST_DROP_REASONS(X)
#undef X
    };
    return texts[unsigned(r)];
}

/// The reason named `name` (as the counters spell it: "tx_full").
inline std::optional<drop_reason> find_drop_reason(std::string_view name) {
    for (unsigned r = 0; r < kDropReasons; ++r)
        if (name == drop_reason_name(drop_reason(r)))
            return drop_reason(r);
    return std::nullopt;
}

} // namespace bridgehost
