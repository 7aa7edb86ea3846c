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

/// Where a frame goes. `dst_ref` is what the FDB said about its destination, or
/// null when the destination is unknown.
inline forward_decision decide_forward(fdb_key dst, const fdb_ref* dst_ref, uint16_t in_port) {
    if ((dst & 0x01) != 0 || dst_ref == nullptr) // group bit: broadcast and multicast
        return {verdict::flood, 0, {}};
    const uint16_t out = dst_ref->port();
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
    refresh, ///< known here: mac_table::touch, once a second (worker::first_refresh_this_tick)
};

/// What the worker does about the source MAC of a frame that came in on
/// `in_port`. `src_ref` is what the FDB said about it, or null when unknown.
inline learn_action decide_learning(const fdb_ref* src_ref, uint16_t in_port) {
    if (src_ref == nullptr)
        return learn_action::post;
    if (src_ref->is_static())
        return learn_action::none; // static entries never move: forward, do not learn
    return src_ref->port() != in_port ? learn_action::post : learn_action::refresh;
}

} // namespace bridgehost
