// What the worker knows of each port's offloads: which ports' frames to look
// into on arrival, what each port's peer finishes itself on departure, and
// the MTU super-frames are cut to.
//
// How a frame carries its offload on its way through the switch: as DPDK's
// own tx request. On arrival (worker_offload.cpp) a TCP super-frame gets
// RTE_MBUF_F_TX_TCP_SEG with tso_segsz, and a frame whose L4 checksum is
// unfinished gets RTE_MBUF_F_TX_TCP_CKSUM or _UDP_CKSUM, with TX_IPV4 or
// TX_IPV6. On departure the request stays when the output port's peer takes
// it (its PMD turns it into a virtio-net header or a NIC descriptor), and is
// carried out in software otherwise (offload/software.hpp). Frames without a
// request, the common case, cost one flag test.
#pragma once

#include "config/config.hpp"

#include <array>
#include <atomic>
#include <cstdint>

#include <rte_mbuf_core.h>

struct rte_mempool;

namespace bridgehost {

/// The mbuf flags that ask for an offload on departure.
inline constexpr uint64_t kOffloadRequests = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK;

/// What each port's peer finishes itself, by port index (bit p: port p).
/// The control lcore publishes it (a vhost-user guest negotiates anew at each
/// connection); workers read it once per burst.
struct offload_caps_shared {
    std::atomic<uint32_t> checksum{0}; ///< finishes TCP/UDP checksums (takes partial ones)
    std::atomic<uint32_t> tso4{0};     ///< takes TCP/IPv4 super-frames and cuts them
    std::atomic<uint32_t> tso6{0};     ///< takes TCP/IPv6 super-frames and cuts them
};

/// What fixes a port's offload handling while the ports run (rebuilt with the ports).
struct offload_layout {
    /// Bit p: every frame from port p is looked into: net_af_packet, whose
    /// kernel hands over super-frames and unfinished checksums unmarked, and
    /// whose PMD cuts frames longer than its frame size.
    uint32_t rx_kernel = 0;
    /// Bit p: port p's PMD marks offloaded frames itself (RTE_MBUF_F_RX_LRO
    /// with tso_segsz, RTE_MBUF_F_RX_L4_CKSUM_NONE): vhost-user and virtio
    /// ports whose peer was offered the offloads.
    uint32_t rx_flagged = 0;
    /// Bit p: port p's PMD keeps sent mbufs until its peer has read them
    /// (rings, virtio, NICs), rather than copying them at tx (af_packet,
    /// vhost-user, tap). Frames in the large-frame pool are copied out of it
    /// before they go there, so that pool's few mbufs cannot run out.
    uint32_t tx_holds = 0;
    /// By port: the IP MTU a super-frame is cut to for it, and on arrival
    /// the length above which a frame from a kernel port is a super-frame.
    std::array<uint16_t, kMaxPorts> mtu{};
    /// The pool af_packet ports with large frames receive into, or null.
    rte_mempool* big_pool = nullptr;

    bool inspects(uint16_t port) const { return ((rx_kernel | rx_flagged) >> port) & 1; }
};

} // namespace bridgehost
