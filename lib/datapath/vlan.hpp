// VLAN decisions for one frame, as pure functions of the ports' membership
// (config.hpp, port_vlan) and the frame's outer tag. No DPDK here.
//
// Work in progress (issue 7): the worker does not call these yet, and the
// bridge refuses VLAN settings until it does.
#pragma once

#include "config/config.hpp"

#include <cstdint>

namespace bridgehost {

/// A frame's outer tag as the parser reads it: an 802.1Q tag (TPID 0x8100)
/// and its VID, or none. An 802.1ad (0x88a8) outer tag counts as none: QinQ
/// frames are not looked into and travel in the native VLAN, untouched.
struct frame_tag {
    bool dot1q = false;
    uint16_t vid = 0; ///< with dot1q; 0 is a priority tag (no VLAN)
};

/// The VLAN a frame belongs to on arrival, or refused (counted as a drop).
struct vlan_ingress {
    bool ok;
    uint16_t vlan;
};

inline vlan_ingress classify_ingress(const port_vlan& in, frame_tag tag) {
    const uint16_t vid = tag.dot1q ? tag.vid : 0;
    if (in.mode == port_vlan::mode_t::access) // untagged or priority-tagged only
        return vid == 0 ? vlan_ingress{true, in.access_vlan} : vlan_ingress{false, 0};
    if (vid == 0)
        return {true, in.native_vlan};
    return in.carries(vid) ? vlan_ingress{true, vid} : vlan_ingress{false, 0};
}

/// What happens to the frame's tag on its way out of a port.
enum class tag_action : uint8_t {
    keep,    ///< leaves as it came
    pop,     ///< the 802.1Q tag is removed
    push,    ///< an 802.1Q tag with the VLAN is inserted
    set_vid, ///< a priority tag (VID 0) gets the VLAN's VID
};

/// For a frame of `vlan` that came with `tag`, leaving `out` (which must carry `vlan`).
inline tag_action egress_action(const port_vlan& out, uint16_t vlan, frame_tag tag) {
    const bool tagged_out = out.tags(vlan);
    if (!tag.dot1q)
        return tagged_out ? tag_action::push : tag_action::keep;
    if (!tagged_out)
        return tag_action::pop;
    return tag.vid == vlan ? tag_action::keep : tag_action::set_vid;
}

} // namespace bridgehost
