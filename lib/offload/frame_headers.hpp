// Where the IP and TCP/UDP headers of a frame lie, and its L4 checksum as
// Linux leaves it half done: pure functions of the frame's first bytes.
//
// The offload code needs this much of L3 and L4 and no more: the length of
// each header (to segment and to checksum), the IP packet's length (to tell a
// frame the PMD cut short), and the pseudo-header sum (to recognise a
// checksum the sender's kernel left for the NIC to finish). Frames it does
// not understand (ARP, IP fragments, IPv6 extension headers, anything
// malformed) are "other": an L2 switch forwards them as they are.
#pragma once

#include <cstdint>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

namespace bridgehost::offload {

/// Where the headers of a TCP or UDP frame over IPv4 or IPv6 lie.
struct l4_headers {
    uint16_t l2_len = 0; ///< Ethernet header and its VLAN tags (up to two)
    uint16_t l3_len = 0; ///< IPv4 header with options, or IPv6's fixed 40 bytes
    uint16_t l4_len = 0; ///< TCP header with options, or UDP's 8 bytes
    uint8_t proto = 0;   ///< IPPROTO_TCP or IPPROTO_UDP
    bool ipv6 = false;
    uint32_t ip_end = 0; ///< l2_len + the IP packet's length, as its header says

    uint32_t header_len() const { return uint32_t(l2_len) + l3_len + l4_len; }
    /// The L4 segment's length (header and payload), as the IP header says.
    uint32_t l4_length() const { return ip_end - l2_len - l3_len; }
    uint32_t payload_len() const { return ip_end - header_len(); }
    /// Where the checksum field is, from the start of the frame.
    uint32_t checksum_offset() const {
        return uint32_t(l2_len) + l3_len +
               (proto == IPPROTO_TCP ? offsetof(rte_tcp_hdr, cksum)
                                     : offsetof(rte_udp_hdr, dgram_cksum));
    }
};

enum class parse_status : uint8_t {
    other,     ///< not a whole-datagram TCP or UDP frame over IP: nothing to do
    l4,        ///< TCP or UDP; the l4_headers say where
    truncated, ///< an IP frame shorter than its IP header says
};

/// The length of the Ethernet header with its VLAN tags (802.1Q or 802.1ad,
/// up to two) and the ethertype after them, in `ethertype` (network order).
/// 0 when `avail` bytes cannot hold them.
inline uint16_t ethernet_header_len(const uint8_t* frame, uint32_t avail, uint16_t& ethertype) {
    uint16_t len = RTE_ETHER_HDR_LEN;
    for (int tags = 0;; ++tags) {
        if (avail < len)
            return 0;
        std::memcpy(&ethertype, frame + len - 2, 2);
        const bool tagged = ethertype == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
                            ethertype == RTE_BE16(RTE_ETHER_TYPE_QINQ);
        if (!tagged || tags == 2)
            return len;
        len += sizeof(rte_vlan_hdr);
    }
}

/// Reads the headers of a frame of `pkt_len` bytes whose first `avail` bytes
/// are at `frame` (the first segment). Headers that do not fit in `avail`
/// are "other": every PMD puts them in the first segment.
inline parse_status parse_l4(const uint8_t* frame, uint32_t avail, uint32_t pkt_len,
                             l4_headers& h) {
    uint16_t ethertype = 0;
    h.l2_len = ethernet_header_len(frame, avail, ethertype);
    if (h.l2_len == 0)
        return parse_status::other;
    const uint8_t* ip = frame + h.l2_len;
    const uint32_t left = avail - h.l2_len;
    uint32_t ip_len;
    if (ethertype == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
        if (left < sizeof(rte_ipv4_hdr) || (ip[0] >> 4) != 4)
            return parse_status::other;
        h.ipv6 = false;
        h.l3_len = uint16_t((ip[0] & 0x0f) * 4);
        ip_len = uint32_t(ip[2]) << 8 | ip[3];
        if (h.l3_len < sizeof(rte_ipv4_hdr) || ip_len < h.l3_len)
            return parse_status::other;
        h.ip_end = h.l2_len + ip_len;
        if (h.ip_end > pkt_len)
            return parse_status::truncated;
        const bool fragment = ((ip[6] & 0x3f) | ip[7]) != 0; // MF or an offset
        if (fragment)
            return parse_status::other;
        h.proto = ip[9];
    } else if (ethertype == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
        if (left < sizeof(rte_ipv6_hdr) || (ip[0] >> 4) != 6)
            return parse_status::other;
        h.ipv6 = true;
        h.l3_len = sizeof(rte_ipv6_hdr);
        ip_len = h.l3_len + (uint32_t(ip[4]) << 8 | ip[5]);
        h.ip_end = h.l2_len + ip_len;
        if (h.ip_end > pkt_len)
            return parse_status::truncated;
        h.proto = ip[6]; // an extension header is "other": not looked into
    } else {
        return parse_status::other;
    }
    const uint8_t* l4 = ip + h.l3_len;
    if (h.proto == IPPROTO_TCP) {
        if (left < h.l3_len + sizeof(rte_tcp_hdr))
            return parse_status::other;
        h.l4_len = uint16_t((l4[12] >> 4) * 4);
        if (h.l4_len < sizeof(rte_tcp_hdr))
            return parse_status::other;
    } else if (h.proto == IPPROTO_UDP) {
        h.l4_len = sizeof(rte_udp_hdr);
    } else {
        return parse_status::other;
    }
    if (left < uint32_t(h.l3_len) + h.l4_len || ip_len < uint32_t(h.l3_len) + h.l4_len)
        return parse_status::other;
    return parse_status::l4;
}

/// The 16-bit one's-complement sum (RFC 1071) of `len` bytes at `p`, folded
/// and not complemented: what rte_raw_cksum gives, summed eight bytes at a
/// time (rte_raw_cksum adds two at a time; a segment's checksum was the
/// worker's largest cost of its own in the af_packet TCP profile).
inline uint16_t raw_sum(const uint8_t* p, size_t len) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                  "the tail is read as the low bytes of a word");
    unsigned __int128 acc = 0;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        acc += word;
    }
    uint64_t tail = 0; // an odd last byte is the low byte of its 16-bit word, as in RFC 1071
    std::memcpy(&tail, p, len);
    acc += tail;
    uint64_t sum = uint64_t(acc);
    const uint64_t high = uint64_t(acc >> 64);
    sum += high;
    sum += sum < high; // the end-around carry
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

/// The pseudo-header sum for the frame's L4 length, folded and not
/// complemented: what Linux writes in the checksum field of a frame whose
/// checksum it leaves to the NIC (CHECKSUM_PARTIAL), and the start of a full one.
inline uint16_t pseudo_header_sum(const uint8_t* frame, const l4_headers& h) {
    const uint8_t* ip = frame + h.l2_len;
    uint32_t sum = rte_raw_cksum(ip + (h.ipv6 ? 8 : 12), h.ipv6 ? 32 : 8); // the addresses
    sum += rte_cpu_to_be_16(uint16_t(h.proto));
    const uint32_t len = h.l4_length();
    sum += rte_cpu_to_be_16(uint16_t(len)) + rte_cpu_to_be_16(uint16_t(len >> 16));
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

/// The checksum field as it lies in the frame (network order, as loaded).
inline uint16_t checksum_field(const uint8_t* frame, const l4_headers& h) {
    uint16_t field;
    std::memcpy(&field, frame + h.checksum_offset(), 2);
    return field;
}

/// The frame's L4 checksum is the one Linux leaves for the NIC to finish:
/// the field holds the pseudo-header sum. A finished checksum equals that
/// sum only when finishing it again gives the same value, so treating such
/// a frame as unfinished never changes a good checksum; a corrupted frame
/// whose field happens to equal it (1 in 65536) would have it made good.
/// UDP over IPv4 may carry no checksum at all (0): that one is left alone.
inline bool looks_partial(const uint8_t* frame, const l4_headers& h) {
    const uint16_t field = checksum_field(frame, h);
    if (field == 0 && h.proto == IPPROTO_UDP && !h.ipv6)
        return false;
    return field == pseudo_header_sum(frame, h);
}

} // namespace bridgehost::offload
