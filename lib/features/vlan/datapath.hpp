// VLAN decisions for one frame, as pure functions of the ports' membership
// (config.hpp, port_vlan) and the frame's outer tag. No DPDK here.
//
// classify_ingress/egress_action state the rules; vlan_map is the same rules
// as tables, which the worker reads per frame.
#pragma once

#include "config/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

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

/// The ingress rule, on the facts it needs: whether the port is an access
/// port, its access or native VLAN, and `carries(vid)` for tagged frames.
template <typename Carries>
vlan_ingress ingress_rule(bool access, uint16_t pvid, frame_tag tag, Carries carries) {
    const uint16_t vid = tag.dot1q ? tag.vid : 0;
    if (vid == 0) // untagged or priority-tagged: the port's own VLAN
        return {true, pvid};
    if (access) // tagged frames are refused on an access port
        return {false, 0};
    return carries(vid) ? vlan_ingress{true, vid} : vlan_ingress{false, 0};
}

inline vlan_ingress classify_ingress(const port_vlan& in, frame_tag tag) {
    const bool access = in.mode == port_vlan::mode_t::access;
    return ingress_rule(access, access ? in.access_vlan : in.native_vlan, tag,
                        [&](uint16_t vid) { return in.carries(vid); });
}

/// What happens to the frame's tag on its way out of a port.
enum class tag_action : uint8_t {
    keep,    ///< leaves as it came
    pop,     ///< the 802.1Q tag is removed
    push,    ///< an 802.1Q tag with the VLAN is inserted
    set_vid, ///< a priority tag (VID 0) gets the VLAN's VID
};

/// The egress rule, on the one fact it needs: whether `vlan` leaves the port tagged.
inline tag_action egress_rule(bool tagged_out, uint16_t vlan, frame_tag tag) {
    if (!tag.dot1q)
        return tagged_out ? tag_action::push : tag_action::keep;
    if (!tagged_out) // a priority tag (VID 0) carries no VLAN: it may stay
        return tag.vid == 0 ? tag_action::keep : tag_action::pop;
    return tag.vid == vlan ? tag_action::keep : tag_action::set_vid;
}

/// For a frame of `vlan` that came with `tag`, leaving `out` (which must carry `vlan`).
inline tag_action egress_action(const port_vlan& out, uint16_t vlan, frame_tag tag) {
    return egress_rule(out.tags(vlan), vlan, tag);
}

/// Every port's VLAN settings as tables, for the worker: per port, the
/// ingress rule; per VLAN, which ports carry it and which of them tag it.
struct vlan_map {
    struct ingress {
        bool access = false;
        uint16_t pvid = 0; ///< the access VLAN, or the trunk's native VLAN
    };
    std::array<ingress, kMaxPorts> in{};
    /// Every 12-bit VID indexes them; [4095] stays empty (the worker drops that VID first).
    static constexpr size_t kVids = 4096;
    std::vector<uint32_t> members = std::vector<uint32_t>(kVids, 0); ///< by VLAN: port bits
    std::vector<uint32_t> tagged = std::vector<uint32_t>(kVids, 0);  ///< by VLAN: port bits

    /// Null when every port has the default settings (all VLANs, as they came):
    /// then the worker skips every VLAN table and never touches a tag.
    static std::unique_ptr<vlan_map> build(const std::vector<port_config>& ports) {
        if (std::all_of(ports.begin(), ports.end(),
                        [](const port_config& p) { return p.vlan == port_vlan{}; }))
            return nullptr;
        auto map = std::make_unique<vlan_map>();
        for (size_t i = 0; i < ports.size(); ++i) {
            const port_vlan& v = ports[i].vlan;
            map->in[i] = {v.mode == port_vlan::mode_t::access,
                          v.mode == port_vlan::mode_t::access ? v.access_vlan : v.native_vlan};
            for (uint16_t vlan = 0; vlan <= kMaxVlan; ++vlan)
                if (v.carries(vlan)) {
                    map->members[vlan] |= 1u << i;
                    if (v.tags(vlan))
                        map->tagged[vlan] |= 1u << i;
                }
        }
        return map;
    }

    /// classify_ingress, from the tables.
    vlan_ingress classify(uint16_t port, frame_tag tag) const {
        return ingress_rule(
            in[port].access, in[port].pvid, tag,
            // VID 4095 is reserved: refused, and past the tables (found by fuzz-frame)
            [&](uint16_t vid) { return vid <= kMaxVlan && (members[vid] >> port) & 1; });
    }
    /// egress_action, from the tables.
    tag_action action(uint16_t out, uint16_t vlan, frame_tag tag) const {
        return egress_rule((tagged[vlan] >> out) & 1, vlan, tag);
    }
};

} // namespace bridgehost
