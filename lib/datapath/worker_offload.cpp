// The worker's offload steps: marking super-frames and unfinished checksums
// on arrival, and carrying the marks out on departure (offload/port_offloads.hpp).
// worker.hpp's rules hold here too: no syscall, log, allocation or exception.
#include "datapath/worker.hpp"

#include "offload/software.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace bridgehost {

namespace {

/// The TX flag for an unfinished checksum of protocol `proto`, and the IP version's.
uint64_t checksum_request(const offload::l4_headers& h) {
    return (h.proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM) |
           (h.ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
}

/// The most payload a segment of a frame with headers `h` may carry at IP MTU `mtu`.
uint32_t segment_size(const offload::l4_headers& h, uint16_t mtu) {
    const uint32_t headers = uint32_t(h.l3_len) + h.l4_len;
    return mtu > headers ? mtu - headers : 0;
}

/// Linux's smallest TCP MSS (TCP_MIN_SND_MSS): a peer announcing less is not
/// sending TCP anyone could receive.
constexpr uint16_t kMinSegmentSize = 48;

} // namespace

bool worker::classify_offloads(uint16_t n, uint16_t in_port) {
    if ((p_.offloads.rx_kernel >> in_port) & 1) {
        const uint16_t mtu = p_.offloads.mtu[in_port];
        for (uint16_t i = 0; i < n; ++i)
            verdict_[i] = classify_kernel_frame(pkts_[i], mtu);
        return true;
    }
    // A PMD that marks offloaded frames: most bursts have none (small frames,
    // a peer without offloads), and cost this one pass over the flags.
    constexpr uint64_t kMarks = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_MASK;
    uint64_t any = 0;
    for (uint16_t i = 0; i < n; ++i)
        any |= pkts_[i]->ol_flags;
    if ((any & kMarks) == 0)
        return false;
    for (uint16_t i = 0; i < n; ++i)
        verdict_[i] =
            (pkts_[i]->ol_flags & kMarks) ? classify_flagged_frame(pkts_[i]) : drop_reason::count;
    return true;
}

drop_reason worker::classify_kernel_frame(rte_mbuf* m, uint16_t mtu) {
    offload::l4_headers h;
    const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
    switch (offload::parse_l4(frame, m->data_len, m->pkt_len, h)) {
    case offload::parse_status::truncated:
        return drop_reason::truncated;
    case offload::parse_status::other:
        return drop_reason::count;
    case offload::parse_status::l4:
        break;
    }
    // Longer than the interface's MTU: the kernel never passes such a frame
    // over a veth or from a NIC unless it is a TSO/GSO (or GRO) super-frame,
    // whose checksum is unfinished and whose segment size is not said; the
    // sender cut to this MTU, so that is the segment size.
    if (h.ip_end - h.l2_len > mtu) {
        if (h.proto != IPPROTO_TCP)
            return drop_reason::unsegmentable; // UDP GSO: its datagram size is lost
        const uint32_t mss = segment_size(h, mtu);
        if (mss < kMinSegmentSize)
            return drop_reason::unsegmentable;
        m->tso_segsz = uint16_t(mss);
        m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | checksum_request(h);
        counters_.ports[in_port_].super_frames.add(1);
    } else if (offload::looks_partial(frame, h)) {
        m->ol_flags |= checksum_request(h);
    }
    return drop_reason::count;
}

drop_reason worker::classify_flagged_frame(rte_mbuf* m) {
    const bool super = (m->ol_flags & RTE_MBUF_F_RX_LRO) != 0;
    const bool partial = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE;
    m->ol_flags &= ~(RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_MASK);
    if (!super && !partial) // a checksum the PMD checked (good or bad): forwarded as it is
        return drop_reason::count;
    offload::l4_headers h;
    const bool l4 = offload::parse_l4(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len,
                                      h) == offload::parse_status::l4;
    if (super) {
        // The peer cut nothing: whoever cannot take the frame whole needs its
        // headers read, and a segment size any TCP could have chosen.
        if (!l4 || h.proto != IPPROTO_TCP || m->tso_segsz < kMinSegmentSize)
            return drop_reason::unsegmentable;
        m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | checksum_request(h);
        counters_.ports[in_port_].super_frames.add(1);
    } else if (l4) {
        m->ol_flags |= checksum_request(h);
    }
    return drop_reason::count;
}

bool worker::queue_offloaded(uint16_t port, rte_mbuf* m) {
    const uint64_t request = m->ol_flags;
    const uint32_t takes = (request & RTE_MBUF_F_TX_TCP_SEG) == 0 ? caps_checksum_
                           : (request & RTE_MBUF_F_TX_IPV6) != 0  ? caps_tso6_
                                                                  : caps_tso4_;
    offload::l4_headers h;
    if (((takes >> port) & 1) && offload::parse_l4(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len,
                                                   m->pkt_len, h) == offload::parse_status::l4) {
        // The headers are read again here: a tag may have been pushed or popped on the way.
        m->l2_len = h.l2_len;
        m->l3_len = h.l3_len;
        m->l4_len = h.l4_len;
        if ((request & RTE_MBUF_F_TX_TCP_SEG) != 0)
            m->tso_segsz =
                uint16_t(RTE_MIN(uint32_t(m->tso_segsz), segment_size(h, p_.offloads.mtu[port])));
        // The PMD's own checks and header preparation (virtio, vmxnet3); a
        // frame it refuses is done in software instead.
        if (m->tso_segsz >= kMinSegmentSize || (request & RTE_MBUF_F_TX_TCP_SEG) == 0)
            if (rte_eth_tx_prepare(p_.port_ids[port], uint16_t(p_.index), &m, 1) == 1)
                return queue_plain(port, m);
    }
    std::array<rte_mbuf*, offload::kMaxSegments> out;
    const unsigned frames = offload_in_software(m, p_.offloads.mtu[port], port, out.data());
    bool queued = false;
    for (unsigned k = 0; k < frames; ++k)
        queued |= queue_plain(port, out[k]);
    return queued;
}

void worker::count_lost(uint16_t for_port, drop_reason why) {
    const bool mirror = p_.policy != nullptr && p_.policy->mirror_destination(for_port);
    counters_.ports[in_port_].drop(mirror ? drop_reason::mirror_lost : why).add(1);
}

unsigned worker::offload_in_software(rte_mbuf* m, uint16_t mtu, uint16_t for_port, rte_mbuf** out) {
    const bool super = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
    offload::l4_headers h;
    // A request the switch cannot carry out: headers it cannot read (from a
    // net_ring peer, or a tag pushed since arrival moved one out of the
    // first segment), or UDP asking for TCP segmentation.
    if (offload::parse_l4(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len, h) !=
            offload::parse_status::l4 ||
        (super && h.proto != IPPROTO_TCP)) {
        count_lost(for_port, drop_reason::unsegmentable);
        rte_pktmbuf_free(m);
        return 0;
    }
    if (super) {
        const uint32_t room = rte_pktmbuf_data_room_size(p_.pool) - RTE_PKTMBUF_HEADROOM;
        const uint32_t mss = RTE_MIN(RTE_MIN(uint32_t(m->tso_segsz), segment_size(h, mtu)),
                                     room > h.header_len() ? room - h.header_len() : 0);
        if (h.payload_len() > mss) {
            unsigned count = 0;
            // m stays as it is: it may be shared (a mirror's copy) and still asked for whole.
            const offload::segment_status status = offload::segment_tcp(
                m, h, uint16_t(mss), p_.pool, out, offload::kMaxSegments, count);
            rte_pktmbuf_free(m);
            if (status != offload::segment_status::ok) {
                count_lost(for_port, status == offload::segment_status::no_mbuf
                                         ? drop_reason::no_mbuf
                                         : drop_reason::unsegmentable);
                return 0;
            }
            counters_.ports[in_port_].segmented.add(1);
            return count;
        }
    }
    // Finished in place: a frame shared with a mirror gets the same finished
    // checksum, which every port takes.
    offload::finish_checksum(m, h);
    m->ol_flags &= ~kOffloadRequests;
    counters_.ports[in_port_].checksums_finished.add(1);
    out[0] = m;
    return 1;
}

uint16_t worker::flood_mtu(uint16_t in_port) const {
    uint16_t mtu = UINT16_MAX;
    for (uint32_t rest = flood_ports_ & ~(1u << in_port); rest != 0; rest &= rest - 1)
        mtu = RTE_MIN(mtu, p_.offloads.mtu[__builtin_ctz(rest)]);
    return mtu;
}

bool worker::flood_offloaded(unsigned i, uint16_t in_port) {
    std::array<rte_mbuf*, offload::kMaxSegments> out;
    const unsigned frames =
        offload_in_software(frames_[i], flood_mtu(in_port), kMaxPorts, out.data());
    for (unsigned k = 0; k < frames; ++k)
        if (!flood_frame(out[k], i, in_port)) {
            rte_pktmbuf_free(out[k]);
            counters_.ports[in_port].drop(drop_reason::no_mbuf).add(1);
        }
    return frames != 0;
}

} // namespace bridgehost
