// What the worker applies per port besides the FDB and VLANs: storm control,
// mirroring and the largest frame a port sends. Tables built from the config;
// no DPDK here.
#pragma once

#include "config/config.hpp"

#include <array>
#include <cstdint>
#include <memory>

namespace bridgehost {

/// Bytes a frame may carry beyond the port's MTU: the Ethernet header and two
/// VLAN tags (QinQ), without the FCS (DPDK's pkt_len has none).
inline constexpr uint32_t kFrameOverMtu = 14 + 2 * 4;
/// The most a kernel interface's packet socket sends beyond its MTU: the
/// Ethernet header and one 802.1Q tag (a longer frame is dropped by the
/// kernel unseen, so the switch drops it first, counted).
inline constexpr uint32_t kKernelFrameOverMtu = 14 + 4;

struct port_policy {
    uint32_t forward_ports = 0; ///< bits: ports in normal forwarding (all but a mirror destination)
    uint32_t mirror_rx = 0;     ///< bits: ports whose received frames are mirrored
    uint32_t mirror_tx = 0;     ///< bits: ports whose sent frames are mirrored
    uint16_t mirror_to = 0;     ///< the mirror's destination, when mirror_rx | mirror_tx
    std::array<uint32_t, kMaxPorts> max_frame{}; ///< by port: largest frame sent; 0: no check
    std::array<storm_limits, kMaxPorts> storm{}; ///< by port, frames per second
    std::array<uint16_t, kMaxPorts> rx_queues{}; ///< by port: its rx queues (the bridge fills
                                                 ///< them in), to split storm limits by worker

    bool mirrors() const { return (mirror_rx | mirror_tx) != 0; }
    bool mirror_destination(uint16_t port) const { return mirrors() && port == mirror_to; }

    /// Null when no port has storm limits, an mtu or a mirror: then the worker
    /// skips every check here.
    static std::unique_ptr<port_policy> build(const config& cfg) {
        auto policy = plain(cfg);
        bool any = cfg.mirror.enabled();
        for (size_t i = 0; i < cfg.ports.size(); ++i) {
            const port_config& p = cfg.ports[i];
            if (p.mtu)
                policy->max_frame[i] = *p.mtu + kFrameOverMtu;
            policy->storm[i] = p.storm;
            any = any || p.mtu || p.storm.any();
        }
        if (!any)
            return nullptr;
        const mirror_config& m = cfg.mirror;
        if (m.enabled()) {
            using dir = mirror_config::direction_t;
            for (uint16_t from : m.from) {
                if (m.direction != dir::tx)
                    policy->mirror_rx |= 1u << from;
                if (m.direction != dir::rx)
                    policy->mirror_tx |= 1u << from;
            }
            policy->mirror_to = m.to;
            policy->forward_ports &= ~(1u << m.to);
        }
        return policy;
    }
    /// Every port forwards, nothing is limited or checked.
    static std::unique_ptr<port_policy> plain(const config& cfg) {
        auto policy = std::make_unique<port_policy>();
        policy->forward_ports = cfg.ports.size() >= 32 ? ~0u : (1u << cfg.ports.size()) - 1;
        return policy;
    }
};

} // namespace bridgehost
