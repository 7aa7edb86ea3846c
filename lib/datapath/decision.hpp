// The forwarding decision for one frame, as pure functions of what the FDB said.
#pragma once

#include "datapath/counters.hpp"
#include "fdb/mac_table.hpp"

#include <cstdint>

namespace bridgehost {

enum class verdict : uint8_t { unicast, flood, drop };

struct forward_decision {
    verdict action;
    uint16_t out_port;  ///< with verdict::unicast
    drop_reason reason; ///< with verdict::drop
};

/// Where a frame goes. `dst_entry` is the FDB entry of its destination, or null
/// when the destination is unknown.
inline forward_decision decide_forward(fdb_key dst, const fdb_entry* dst_entry, uint16_t in_port) {
    if ((dst & 0x01) != 0 || dst_entry == nullptr) // group bit: broadcast and multicast
        return {verdict::flood, 0, {}};
    const uint16_t out = dst_entry->port.load(std::memory_order_relaxed);
    if (out == in_port)
        return {verdict::drop, 0, drop_reason::filtered};
    return {verdict::unicast, out, {}};
}

/// A source MAC that may never be learned: group addresses and all-zero.
inline bool invalid_source(fdb_key src) {
    return (src & 0x01) != 0 || (src & kMacMask) == 0;
}

enum class learn_action : uint8_t {
    none,    ///< known here and fresh, or static
    post,    ///< unknown, or moved: tell the control lcore
    refresh, ///< known here; the clock ticked: store last_seen
};

/// What the worker does about the source MAC of a frame that came in on `in_port`.
inline learn_action decide_learning(const fdb_entry* src_entry, uint16_t in_port, fdb_time now) {
    if (src_entry == nullptr)
        return learn_action::post;
    if (src_entry->flags.load(std::memory_order_relaxed) & fdb_static)
        return learn_action::none; // static entries never move: forward, do not learn
    if (src_entry->port.load(std::memory_order_relaxed) != in_port)
        return learn_action::post;
    return src_entry->last_seen.load(std::memory_order_relaxed) != now ? learn_action::refresh
                                                                       : learn_action::none;
}

} // namespace bridgehost
