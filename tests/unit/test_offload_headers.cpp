// Unit tests for lib/offload/frame_headers.hpp: where parse_l4 finds the
// headers of hand-built frames, and looks_partial on frames Linux sent with
// its checksum unfinished (captured on a veth) and on finished ones. The
// header's functions are inline: DPDK's headers only, no EAL.
#include "offload/frame_headers.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <vector>

namespace bridgehost::offload {
namespace {

using bytes = std::vector<uint8_t>;

// ---- Frames built by hand -----------------------------------------------------

constexpr uint16_t kIpv4 = 0x0800, kIpv6 = 0x86dd, kArp = 0x0806, kDot1q = 0x8100, kDot1ad = 0x88a8;

void put16(bytes& b, size_t at, uint16_t value) {
    b[at] = uint8_t(value >> 8);
    b[at + 1] = uint8_t(value);
}

void append16(bytes& b, uint16_t value) {
    b.push_back(uint8_t(value >> 8));
    b.push_back(uint8_t(value));
}

/// Destination and source MACs, then a 4-byte tag (TPID, VID) for each of
/// `tags`, then `ethertype`.
bytes ethernet(uint16_t ethertype, std::initializer_list<uint16_t> tags = {}) {
    bytes b = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    uint16_t vid = 10;
    for (uint16_t tpid : tags) {
        append16(b, tpid);
        append16(b, vid++);
    }
    append16(b, ethertype);
    return b;
}

/// An IPv4 header of `ihl` words (options are NOPs) whose total length is
/// `total_len`; `flags_frag` is bytes 6-7 (flags and fragment offset).
void append_ipv4(bytes& b, uint8_t ihl, uint16_t total_len, uint8_t proto,
                 uint16_t flags_frag = 0x4000) {
    const size_t at = b.size();
    b.resize(at + std::max<size_t>(ihl, 5) * 4, 0x01); // 0x01: IP option NOP
    b[at] = uint8_t(0x40 | ihl);
    b[at + 1] = 0;
    put16(b, at + 2, total_len);
    put16(b, at + 4, 0x1234); // id
    put16(b, at + 6, flags_frag);
    b[at + 8] = 64; // ttl
    b[at + 9] = proto;
    put16(b, at + 10, 0); // header checksum: not looked at
    const uint8_t addresses[] = {192, 0, 2, 1, 192, 0, 2, 2};
    std::copy(std::begin(addresses), std::end(addresses), b.begin() + long(at + 12));
}

/// The IPv6 fixed header, `payload_len` and `next_header` as given.
void append_ipv6(bytes& b, uint16_t payload_len, uint8_t next_header) {
    const size_t at = b.size();
    b.resize(at + 40, 0);
    b[at] = 0x60;
    put16(b, at + 4, payload_len);
    b[at + 6] = next_header;
    b[at + 7] = 64;
    b[at + 8] = 0x20, b[at + 9] = 0x01, b[at + 10] = 0x0d, b[at + 11] = 0xb8; // 2001:db8::1
    b[at + 23] = 1;
    b[at + 24] = 0x20, b[at + 25] = 0x01, b[at + 26] = 0x0d, b[at + 27] = 0xb8; // 2001:db8::2
    b[at + 39] = 2;
}

/// A TCP header of `doff` words (options are NOPs).
void append_tcp(bytes& b, uint8_t doff) {
    const size_t at = b.size();
    b.resize(at + std::max<size_t>(doff, 5) * 4, 0x01); // 0x01: TCP option NOP
    put16(b, at, 40000);
    put16(b, at + 2, 80);
    for (size_t i = 4; i < 12; ++i)
        b[at + i] = 0;
    b[at + 12] = uint8_t(doff << 4);
    b[at + 13] = 0x18; // PSH ACK
    put16(b, at + 14, 64240);
    put16(b, at + 16, 0);
    put16(b, at + 18, 0);
}

void append_udp(bytes& b, uint16_t length) {
    append16(b, 40000);
    append16(b, 53);
    append16(b, length);
    append16(b, 0);
}

void append_payload(bytes& b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        b.push_back(uint8_t('a' + i % 26));
}

parse_status parse(const bytes& frame, l4_headers& h) {
    return parse_l4(frame.data(), uint32_t(frame.size()), uint32_t(frame.size()), h);
}

parse_status parse(const bytes& frame) {
    l4_headers h;
    return parse(frame, h);
}

/// IPv4 with a 4-byte option (ihl 6), TCP with 12 bytes of options (doff 8), 10 bytes of data.
bytes ipv4_tcp_with_options() {
    bytes f = ethernet(kIpv4);
    append_ipv4(f, 6, 24 + 32 + 10, IPPROTO_TCP);
    append_tcp(f, 8);
    append_payload(f, 10);
    return f;
}

TEST(ParseL4, Ipv4TcpWithIpAndTcpOptions) {
    const bytes f = ipv4_tcp_with_options();
    ASSERT_EQ(f.size(), 14u + 24 + 32 + 10);
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 14);
    EXPECT_EQ(h.l3_len, 24);
    EXPECT_EQ(h.l4_len, 32);
    EXPECT_EQ(h.proto, IPPROTO_TCP);
    EXPECT_FALSE(h.ipv6);
    EXPECT_EQ(h.ip_end, 80u);
    EXPECT_EQ(h.header_len(), 70u);
    EXPECT_EQ(h.l4_length(), 42u);
    EXPECT_EQ(h.payload_len(), 10u);
    EXPECT_EQ(h.checksum_offset(), 14u + 24 + 16);
}

TEST(ParseL4, Ipv6Tcp) {
    bytes f = ethernet(kIpv6);
    append_ipv6(f, 20 + 7, IPPROTO_TCP);
    append_tcp(f, 5);
    append_payload(f, 7);
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 14);
    EXPECT_EQ(h.l3_len, 40);
    EXPECT_EQ(h.l4_len, 20);
    EXPECT_EQ(h.proto, IPPROTO_TCP);
    EXPECT_TRUE(h.ipv6);
    EXPECT_EQ(h.ip_end, 14u + 40 + 20 + 7);
    EXPECT_EQ(h.payload_len(), 7u);
    EXPECT_EQ(h.checksum_offset(), 14u + 40 + 16);
}

TEST(ParseL4, Ipv4Udp) {
    bytes f = ethernet(kIpv4);
    append_ipv4(f, 5, 20 + 8 + 30, IPPROTO_UDP);
    append_udp(f, 8 + 30);
    append_payload(f, 30);
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 14);
    EXPECT_EQ(h.l3_len, 20);
    EXPECT_EQ(h.l4_len, 8);
    EXPECT_EQ(h.proto, IPPROTO_UDP);
    EXPECT_FALSE(h.ipv6);
    EXPECT_EQ(h.ip_end, 14u + 20 + 8 + 30);
    EXPECT_EQ(h.l4_length(), 38u);
    EXPECT_EQ(h.checksum_offset(), 14u + 20 + 6);
}

bytes tagged_ipv4_tcp(std::initializer_list<uint16_t> tags) {
    bytes f = ethernet(kIpv4, tags);
    append_ipv4(f, 5, 20 + 20 + 5, IPPROTO_TCP);
    append_tcp(f, 5);
    append_payload(f, 5);
    return f;
}

TEST(ParseL4, OneVlanTag) {
    const bytes f = tagged_ipv4_tcp({kDot1q});
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 18);
    EXPECT_EQ(h.l3_len, 20);
    EXPECT_EQ(h.ip_end, 18u + 45);
    EXPECT_EQ(h.checksum_offset(), 18u + 20 + 16);
}

TEST(ParseL4, QinqTwoTags) {
    const bytes f = tagged_ipv4_tcp({kDot1ad, kDot1q});
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 22);
    EXPECT_EQ(h.ip_end, 22u + 45);
    uint16_t ethertype = 0;
    EXPECT_EQ(ethernet_header_len(f.data(), uint32_t(f.size()), ethertype), 22);
    EXPECT_EQ(ethertype, RTE_BE16(RTE_ETHER_TYPE_IPV4));
    // Two 802.1Q tags are looked through too.
    EXPECT_EQ(parse(tagged_ipv4_tcp({kDot1q, kDot1q}), h), parse_status::l4);
    EXPECT_EQ(h.l2_len, 22);
}

// Only two tags are looked through: after them comes a third tag's TPID,
// which is not IP.
TEST(ParseL4, ThreeTagsAreOther) {
    const bytes f = tagged_ipv4_tcp({kDot1ad, kDot1q, kDot1q});
    uint16_t ethertype = 0;
    EXPECT_EQ(ethernet_header_len(f.data(), uint32_t(f.size()), ethertype), 22);
    EXPECT_EQ(ethertype, RTE_BE16(RTE_ETHER_TYPE_VLAN));
    EXPECT_EQ(parse(f), parse_status::other);
}

TEST(ParseL4, Ipv4FragmentsAreOther) {
    const auto fragment = [](uint16_t flags_frag) {
        bytes f = ethernet(kIpv4);
        append_ipv4(f, 5, 20 + 20 + 8, IPPROTO_TCP, flags_frag);
        append_tcp(f, 5);
        append_payload(f, 8);
        return f;
    };
    EXPECT_EQ(parse(fragment(0x2000)), parse_status::other); // MF, offset 0: the first fragment
    EXPECT_EQ(parse(fragment(0x0001)), parse_status::other); // offset 8 bytes: the last one
    EXPECT_EQ(parse(fragment(0x0100)), parse_status::other); // offset in the high bits
    EXPECT_EQ(parse(fragment(0x2005)), parse_status::other); // MF and an offset
    // DF is not a fragment, nor is no flag at all.
    EXPECT_EQ(parse(fragment(0x4000)), parse_status::l4);
    EXPECT_EQ(parse(fragment(0x0000)), parse_status::l4);
}

TEST(ParseL4, Ipv6ExtensionHeaderIsOther) {
    // A hop-by-hop header (next header 0), then TCP: not looked into.
    bytes f = ethernet(kIpv6);
    append_ipv6(f, 8 + 20, 0);
    const uint8_t hop_by_hop[] = {IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0}; // PadN
    f.insert(f.end(), std::begin(hop_by_hop), std::end(hop_by_hop));
    append_tcp(f, 5);
    // Its sequence number's first byte, 12 bytes after the hop-by-hop header's
    // start, is 0x50: were that header taken for TCP, its doff would be 5.
    f[14 + 40 + 8 + 4] = 0x50;
    EXPECT_EQ(parse(f), parse_status::other);
    // The same TCP segment without the extension header is TCP.
    bytes plain = ethernet(kIpv6);
    append_ipv6(plain, 20, IPPROTO_TCP);
    plain.insert(plain.end(), f.begin() + 14 + 40 + 8, f.end());
    EXPECT_EQ(parse(plain), parse_status::l4);
}

TEST(ParseL4, ArpIsOther) {
    bytes f = ethernet(kArp);
    const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1}; // request; addresses 0
    f.insert(f.end(), std::begin(arp), std::end(arp));
    f.resize(60, 0);
    EXPECT_EQ(parse(f), parse_status::other);
}

TEST(ParseL4, ShorterThanItsIpLengthIsTruncated) {
    bytes v4 = ethernet(kIpv4);
    append_ipv4(v4, 5, 20 + 20 + 100, IPPROTO_TCP);
    append_tcp(v4, 5);
    append_payload(v4, 100);
    l4_headers h;
    EXPECT_EQ(parse(v4, h), parse_status::l4); // whole
    const uint32_t whole = uint32_t(v4.size());
    EXPECT_EQ(parse_l4(v4.data(), whole, whole - 1, h), parse_status::truncated);
    EXPECT_EQ(parse_l4(v4.data(), 60, whole, h), parse_status::l4); // the rest in more segments
    v4.pop_back();
    EXPECT_EQ(parse(v4, h), parse_status::truncated);

    bytes v6 = ethernet(kIpv6);
    append_ipv6(v6, 20 + 100, IPPROTO_TCP);
    append_tcp(v6, 5);
    append_payload(v6, 100);
    EXPECT_EQ(parse(v6, h), parse_status::l4);
    v6.pop_back();
    EXPECT_EQ(parse(v6, h), parse_status::truncated);

    bytes udp6 = ethernet(kIpv6);
    append_ipv6(udp6, 8 + 20, IPPROTO_UDP);
    append_udp(udp6, 8 + 20);
    append_payload(udp6, 19);
    EXPECT_EQ(parse(udp6, h), parse_status::truncated);
}

// Headers that the first segment does not hold are "other", however long the
// frame: every byte of them up to the last one is needed, and nothing past
// `avail` is read (what lies there is not the frame's: here it is 0xff, which
// read as IP lengths would make the frame "truncated"; and in a buffer of
// exactly `avail` bytes, which the sanitizer build would catch).
TEST(ParseL4, HeadersBeyondTheFirstSegmentAreOther) {
    bytes udp = ethernet(kIpv4, {kDot1q});
    append_ipv4(udp, 5, 20 + 8 + 40, IPPROTO_UDP);
    append_udp(udp, 8 + 40);
    append_payload(udp, 40);
    bytes tcp6 = ethernet(kIpv6);
    append_ipv6(tcp6, 32 + 40, IPPROTO_TCP);
    append_tcp(tcp6, 8);
    append_payload(tcp6, 40);
    bytes udp6 = ethernet(kIpv6, {kDot1ad, kDot1q});
    append_ipv6(udp6, 8 + 40, IPPROTO_UDP);
    append_udp(udp6, 8 + 40);
    append_payload(udp6, 40);
    for (const bytes& f : {ipv4_tcp_with_options(), udp, tcp6, udp6}) {
        l4_headers h;
        ASSERT_EQ(parse(f, h), parse_status::l4);
        const uint32_t headers = h.header_len(), len = uint32_t(f.size());
        for (uint32_t avail = 0; avail < headers; ++avail) {
            bytes garbage(f.size(), 0xff);
            std::copy(f.begin(), f.begin() + avail, garbage.begin());
            EXPECT_EQ(parse_l4(f.data(), avail, len, h), parse_status::other)
                << "avail " << avail << " of " << headers << " header bytes";
            EXPECT_EQ(parse_l4(garbage.data(), avail, len, h), parse_status::other)
                << "avail " << avail << " of " << headers << " header bytes, then 0xff";
            const std::unique_ptr<uint8_t[]> exact(new uint8_t[avail == 0 ? 1 : avail]);
            std::copy(f.begin(), f.begin() + avail, exact.get());
            EXPECT_EQ(parse_l4(exact.get(), avail, len, h), parse_status::other)
                << "avail " << avail << " of " << headers << " header bytes, exactly";
        }
        EXPECT_EQ(parse_l4(f.data(), headers, len, h), parse_status::l4);
    }
}

TEST(ParseL4, ShortIpv4AndTcpHeaderLengthsAreOther) {
    // ihl 4: 16 bytes of IPv4 header (no destination address), then a TCP
    // header that would be read as one were ihl taken as it is.
    bytes ihl4 = ethernet(kIpv4);
    append_ipv4(ihl4, 5, 16 + 20, IPPROTO_TCP);
    ihl4.resize(ihl4.size() - 4);
    ihl4[14] = 0x44;
    append_tcp(ihl4, 5);
    EXPECT_EQ(parse(ihl4), parse_status::other);
    bytes ihl0 = ethernet(kIpv4);
    append_ipv4(ihl0, 0, 20 + 20, IPPROTO_TCP);
    append_tcp(ihl0, 5);
    EXPECT_EQ(parse(ihl0), parse_status::other);
    for (uint8_t doff : {0, 4}) {
        bytes f = ethernet(kIpv4);
        append_ipv4(f, 5, 20 + 20, IPPROTO_TCP);
        append_tcp(f, doff);
        EXPECT_EQ(parse(f), parse_status::other) << "doff " << int(doff);
        bytes f6 = ethernet(kIpv6);
        append_ipv6(f6, 20, IPPROTO_TCP);
        append_tcp(f6, doff);
        EXPECT_EQ(parse(f6), parse_status::other) << "IPv6, doff " << int(doff);
    }
    // The IP length shorter than the headers it says are there.
    bytes f = ethernet(kIpv4);
    append_ipv4(f, 5, 20 + 19, IPPROTO_TCP);
    append_tcp(f, 5);
    EXPECT_EQ(parse(f), parse_status::other);
    // The version nibble is not the ethertype's (the header lengths are right).
    bytes v4 = ethernet(kIpv4);
    append_ipv4(v4, 5, 20 + 20, IPPROTO_TCP);
    append_tcp(v4, 5);
    ASSERT_EQ(parse(v4), parse_status::l4);
    v4[14] = 0x65;
    EXPECT_EQ(parse(v4), parse_status::other);
    bytes v6 = ethernet(kIpv6);
    append_ipv6(v6, 20, IPPROTO_TCP);
    append_tcp(v6, 5);
    ASSERT_EQ(parse(v6), parse_status::l4);
    v6[14] = 0x40;
    EXPECT_EQ(parse(v6), parse_status::other);
}

TEST(ParseL4, OtherTransportsAreOther) {
    bytes f = ethernet(kIpv4);
    append_ipv4(f, 5, 20 + 8, IPPROTO_ICMP);
    append_payload(f, 8);
    EXPECT_EQ(parse(f), parse_status::other);
}

// A 40-byte IPv4/TCP packet in a minimum-size (60-byte) Ethernet frame: the
// IP length says where the packet ends, not the frame's.
TEST(ParseL4, EthernetPaddingIsNotPartOfThePacket) {
    bytes f = ethernet(kIpv4);
    append_ipv4(f, 5, 40, IPPROTO_TCP);
    append_tcp(f, 5);
    f.resize(60, 0);
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_EQ(h.ip_end, 54u);
    EXPECT_EQ(h.payload_len(), 0u);
    EXPECT_EQ(h.l4_length(), 20u);
}

// ---- Frames Linux sent ----------------------------------------------------------
//
// Captured on kernel 6.18.44 (Debian 12 userland) on 2026-12-03, by a namespace
// with a veth whose offloads were left at their defaults (tx-checksumming on,
// TSO on), capturing on the host-side veth:
//   ip netns add NS; ip link add HOSTIF type veth peer name eth0 netns NS
//   ip -n NS addr add 198.51.100.1/24 dev eth0
//   ip -n NS addr add 2001:db8::1/64 dev eth0 nodad
//   ip -n NS neigh add 198.51.100.2 lladdr 02:00:00:00:00:02 dev eth0   (and 2001:db8::2)
//   tcpdump -i HOSTIF -U -w x.pcap
// Each frame's L4 checksum field holds Linux's pseudo-header sum, which
// `tcpdump -r x.pcap -vv` reports as "incorrect -> <the correct value>".

// ip netns exec NS curl --max-time 1 http://198.51.100.2:9/
// tcpdump: Flags [S], cksum 0x5499 (incorrect -> 0x8571)
const bytes kSyn4 = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xba, 0x2a, 0x78, 0xf0, 0x1c, 0x8e, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x3a, 0x40, 0x40, 0x00, 0x40, 0x06, 0xac, 0x11, 0xc6, 0x33, 0x64, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0xa7, 0x50, 0x00, 0x09, 0x01, 0x64, 0x39, 0x5a, 0x00, 0x00, 0x00,
    0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x54, 0x99, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0xc7, 0xc7, 0xc9, 0x50, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

// ip netns exec NS curl --max-time 1 'http://[2001:db8::2]:9/'
// tcpdump: Flags [S], cksum 0x5ba3 (incorrect -> 0xf11c)
const bytes kSyn6 = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xba, 0x2a, 0x78, 0xf0, 0x1c, 0x8e, 0x86, 0xdd, 0x60, 0x04,
    0xea, 0xa8, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x83, 0x76, 0x00, 0x09, 0x49, 0x5f, 0xa0, 0x08, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20, 0x5b, 0xa3, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0, 0x04, 0x02,
    0x08, 0x0a, 0x30, 0xb7, 0x60, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

// ip netns exec NS python3 -c 'import socket; s=socket.socket(socket.AF_INET,
//     socket.SOCK_DGRAM); s.sendto(b"x"*100,("198.51.100.2",9))'
// tcpdump: [bad udp cksum 0x54e8 -> 0x8c99!] UDP, length 100
const bytes kUdp4 = [] {
    bytes f = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xf6, 0xf3, 0xd2, 0xc3, 0xef, 0xe3, 0x08, 0x00,
        0x45, 0x00, 0x00, 0x80, 0x05, 0xd7, 0x40, 0x00, 0x40, 0x11, 0xe0, 0x2b, 0xc6, 0x33,
        0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x96, 0x81, 0x00, 0x09, 0x00, 0x6c, 0x54, 0xe8,
    };
    f.insert(f.end(), 100, 'x'); // the datagram: 100 bytes of 0x78
    return f;
}();

// The same over IPv6 (AF_INET6, to "2001:db8::2").
// tcpdump: [bad udp cksum 0x5bf2 -> 0x7260!] UDP, length 100
const bytes kUdp6 = [] {
    bytes f = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xf6, 0xf3, 0xd2, 0xc3, 0xef, 0xe3, 0x86,
        0xdd, 0x60, 0x04, 0x43, 0x3e, 0x00, 0x6c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20,
        0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0xa9, 0xb0, 0x00, 0x09, 0x00, 0x6c, 0x5b, 0xf2,
    };
    f.insert(f.end(), 100, 'x');
    return f;
}();

// The IPv4 SYN again after `ip netns exec NS ethtool -K eth0 tx off`: Linux
// finished the checksum itself. tcpdump: Flags [S], cksum 0xe055 (correct)
const bytes kSyn4Finished = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xba, 0x2a, 0x78, 0xf0, 0x1c, 0x8e, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0xc6, 0x92, 0x40, 0x00, 0x40, 0x06, 0x1f, 0xbf, 0xc6, 0x33, 0x64, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0xc1, 0xca, 0x00, 0x09, 0x27, 0x46, 0x3c, 0x31, 0x00, 0x00, 0x00,
    0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xe0, 0x55, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x5f, 0xbd, 0x93, 0x43, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

// Captured in the same session: the namespace's own MLDv2 report, IPv6 with a
// hop-by-hop header (next header 0, router alert) before ICMPv6.
const bytes kMldWithHopByHop = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0xf6, 0xf3, 0xd2, 0xc3, 0xef, 0xe3, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x38, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf4, 0xf3,
    0xd2, 0xff, 0xfe, 0xc3, 0xef, 0xe3, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00, 0x8f, 0x00,
    0xc7, 0xab, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xc3, 0xef, 0xe3, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01,
};

// ---- An RFC 1071 checksum of the test's own, in host order --------------------

/// The one's complement sum of `len` bytes as big-endian 16-bit words (an odd
/// last byte padded with zero), added to `sum`, not folded.
uint32_t add_words(uint32_t sum, const uint8_t* data, size_t len) {
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += uint32_t(data[i]) << 8 | data[i + 1];
    if (len % 2 != 0)
        sum += uint32_t(data[len - 1]) << 8;
    return sum;
}

uint16_t fold(uint32_t sum) {
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

/// Where the IP header starts, which version it is and the L4 protocol: read
/// from the frame directly (untagged frames only), not with parse_l4.
struct layout {
    size_t ip;
    bool v6;
    size_t l4;
    size_t l4_len;
    uint8_t proto;
};

layout layout_of(const bytes& f) {
    const bool v6 = f[12] == 0x86 && f[13] == 0xdd;
    const size_t ip = 14;
    if (v6)
        return {ip, true, ip + 40, size_t(f[ip + 4]) << 8 | f[ip + 5], f[ip + 6]};
    const size_t ihl = size_t(f[ip] & 0x0f) * 4;
    const size_t total = size_t(f[ip + 2]) << 8 | f[ip + 3];
    return {ip, false, ip + ihl, total - ihl, f[ip + 9]};
}

size_t checksum_at(const layout& l) {
    return l.l4 + (l.proto == IPPROTO_TCP ? 16 : 6);
}

uint16_t field_of(const bytes& f) {
    const size_t at = checksum_at(layout_of(f));
    return uint16_t(f[at] << 8 | f[at + 1]);
}

/// RFC 768 / 793 / 8200 pseudo header: addresses, protocol, L4 length.
uint32_t pseudo_sum(const bytes& f, const layout& l) {
    uint32_t sum = l.v6 ? add_words(0, &f[l.ip + 8], 32) : add_words(0, &f[l.ip + 12], 8);
    sum += l.proto;
    sum += uint32_t(l.l4_len >> 16) + uint32_t(l.l4_len & 0xffff);
    return sum;
}

/// The finished L4 checksum (host order): the complement of the sum of the
/// pseudo header and the L4 segment with its checksum field taken as zero.
uint16_t finished_checksum(const bytes& f) {
    const layout l = layout_of(f);
    bytes copy(f);
    copy[checksum_at(l)] = copy[checksum_at(l) + 1] = 0;
    uint16_t c = uint16_t(~fold(add_words(pseudo_sum(f, l), &copy[l.l4], l.l4_len)));
    if (c == 0 && l.proto == IPPROTO_UDP)
        c = 0xffff; // RFC 768: a computed 0 is sent as all ones
    return c;
}

/// The complement of the sum of the pseudo header and the L4 segment as it
/// lies: 0 for a frame whose checksum is right.
uint16_t verify(const bytes& f) {
    const layout l = layout_of(f);
    return uint16_t(~fold(add_words(pseudo_sum(f, l), &f[l.l4], l.l4_len)));
}

bytes with_field(bytes f, uint16_t value) {
    const size_t at = checksum_at(layout_of(f));
    f[at] = uint8_t(value >> 8);
    f[at + 1] = uint8_t(value);
    return f;
}

// ---- pseudo_header_sum and looks_partial ----------------------------------------

struct captured {
    const char* name;
    const bytes* frame;
    uint16_t partial;  ///< the field as captured (tcpdump's "incorrect" value)
    uint16_t finished; ///< tcpdump's correct value
    uint8_t proto;
    bool ipv6;
};

const captured kCaptured[] = {
    {"syn4", &kSyn4, 0x5499, 0x8571, IPPROTO_TCP, false},
    {"syn6", &kSyn6, 0x5ba3, 0xf11c, IPPROTO_TCP, true},
    {"udp4", &kUdp4, 0x54e8, 0x8c99, IPPROTO_UDP, false},
    {"udp6", &kUdp6, 0x5bf2, 0x7260, IPPROTO_UDP, true},
};

TEST(LooksPartial, LinuxUnfinishedChecksumsAreRecognised) {
    for (const captured& c : kCaptured) {
        SCOPED_TRACE(c.name);
        const bytes& f = *c.frame;
        ASSERT_EQ(field_of(f), c.partial); // the constant is the frame tcpdump read
        l4_headers h;
        ASSERT_EQ(parse(f, h), parse_status::l4);
        EXPECT_EQ(h.proto, c.proto);
        EXPECT_EQ(h.ipv6, c.ipv6);
        EXPECT_EQ(h.ip_end, f.size());
        // The field holds the pseudo-header sum: the test's own, and the code's.
        const layout l = layout_of(f);
        EXPECT_EQ(fold(pseudo_sum(f, l)), c.partial);
        EXPECT_EQ(rte_be_to_cpu_16(pseudo_header_sum(f.data(), h)), c.partial);
        EXPECT_EQ(rte_be_to_cpu_16(checksum_field(f.data(), h)), c.partial);
        EXPECT_TRUE(looks_partial(f.data(), h));
    }
}

TEST(LooksPartial, FinishedChecksumsAreNot) {
    for (const captured& c : kCaptured) {
        SCOPED_TRACE(c.name);
        // Finished by the test's own RFC 1071 code: tcpdump's correct value.
        const uint16_t finished = finished_checksum(*c.frame);
        EXPECT_EQ(finished, c.finished);
        const bytes f = with_field(*c.frame, finished);
        EXPECT_EQ(verify(f), 0);
        // A finished checksum equal to the pseudo sum would look unfinished
        // (harmlessly: see SumEqualToThePseudoSum); these are not equal.
        ASSERT_NE(finished, c.partial);
        l4_headers h;
        ASSERT_EQ(parse(f, h), parse_status::l4);
        EXPECT_FALSE(looks_partial(f.data(), h));
    }
}

TEST(LooksPartial, ChecksumFinishedByLinuxIsNot) {
    const bytes& f = kSyn4Finished;
    EXPECT_EQ(field_of(f), 0xe055);
    EXPECT_EQ(verify(f), 0); // tcpdump said correct; so does the test's own sum
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    ASSERT_NE(rte_be_to_cpu_16(pseudo_header_sum(f.data(), h)), 0xe055);
    EXPECT_FALSE(looks_partial(f.data(), h));
    // The same frame with the field set to its pseudo sum is unfinished again.
    const bytes partial = with_field(f, fold(pseudo_sum(f, layout_of(f))));
    EXPECT_TRUE(looks_partial(partial.data(), h));
}

// UDP over IPv4 may carry no checksum (0); that is not an unfinished one.
// (A folded pseudo sum is never 0 — the protocol alone makes it non-zero — so
// this also holds without looks_partial's own test for 0.)
TEST(LooksPartial, Ipv4UdpWithoutChecksumIsNot) {
    const bytes f = with_field(kUdp4, 0);
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_FALSE(looks_partial(f.data(), h));
}

// The subtle case in looks_partial's comment: a finished checksum that
// happens to equal the pseudo sum looks unfinished, and finishing it again
// (as Linux or a NIC does: the complement of the sum over the segment with
// the field as it lies) gives the same value, so the frame is unchanged.
TEST(LooksPartial, SumEqualToThePseudoSum) {
    // kUdp4 with its first two payload bytes chosen so that its finished
    // checksum is its pseudo sum.
    const layout l = layout_of(kUdp4);
    const uint16_t pseudo = fold(pseudo_sum(kUdp4, l));
    bytes f;
    bool found = false;
    for (uint32_t w = 0; w <= 0xffff && !found; ++w) {
        f = kUdp4;
        f[l.l4 + 8] = uint8_t(w >> 8);
        f[l.l4 + 9] = uint8_t(w);
        found = finished_checksum(f) == pseudo;
    }
    ASSERT_TRUE(found);
    f = with_field(f, pseudo);
    EXPECT_EQ(verify(f), 0); // a good checksum
    l4_headers h;
    ASSERT_EQ(parse(f, h), parse_status::l4);
    EXPECT_TRUE(looks_partial(f.data(), h));
    // Finishing it again, from the field as it lies, or from zero.
    const uint16_t again = uint16_t(~fold(add_words(0, &f[l.l4], l.l4_len)));
    EXPECT_EQ(again, pseudo);
    EXPECT_EQ(finished_checksum(f), pseudo);
}

/// An untagged TCP or UDP frame over IPv4 or IPv6 whose IP header says its
/// L4 segment is `l4_len` bytes (only the headers are there) and whose
/// addresses are `address_byte`, or random bytes from `next` when negative.
template <class Random>
bytes pseudo_frame(bool v6, uint8_t proto, uint16_t l4_len, int address_byte, Random& next) {
    bytes f = ethernet(v6 ? kIpv6 : kIpv4);
    if (v6)
        append_ipv6(f, l4_len, proto);
    else
        append_ipv4(f, 5, uint16_t(20 + l4_len), proto);
    for (size_t at = v6 ? 14 + 8 : 14 + 12; at < (v6 ? 14u + 40 : 14u + 20); ++at)
        f[at] = uint8_t(address_byte < 0 ? next() : unsigned(address_byte));
    if (proto == IPPROTO_TCP)
        append_tcp(f, 5);
    else
        append_udp(f, l4_len);
    return f;
}

/// pseudo_header_sum of `f` as the code has it, in host order (a test
/// failure when the frame does not parse: it always should).
uint16_t code_pseudo_sum(const bytes& f, uint16_t l4_len) {
    const bool v6 = f[12] == 0x86;
    l4_headers h;
    const uint32_t pkt_len = 14 + (v6 ? 40 : 20) + uint32_t(l4_len);
    EXPECT_EQ(parse_l4(f.data(), uint32_t(f.size()), pkt_len, h), parse_status::l4);
    EXPECT_EQ(h.l4_length(), l4_len);
    return rte_be_to_cpu_16(pseudo_header_sum(f.data(), h));
}

uint64_t lcg_state = 0x9e3779b97f4a7c15;
uint32_t lcg() {
    lcg_state = lcg_state * 6364136223846793005 + 1442695040888963407;
    return uint32_t(lcg_state >> 33);
}

// pseudo_header_sum against the test's own sum: random addresses and lengths.
TEST(PseudoHeaderSum, MatchesAnRfc1071SumOnRandomFrames) {
    lcg_state = 0x9e3779b97f4a7c15;
    for (int i = 0; i < 20000; ++i) {
        const bool v6 = i % 2 != 0;
        const uint8_t proto = lcg() % 2 != 0 ? IPPROTO_TCP : IPPROTO_UDP;
        // 20 to the most the IP length field allows.
        const uint16_t l4_len = uint16_t(20 + lcg() % (v6 ? 65535 - 20 + 1 : 65535 - 40 + 1));
        const bytes f = pseudo_frame(v6, proto, l4_len, -1, lcg);
        ASSERT_EQ(code_pseudo_sum(f, l4_len), fold(pseudo_sum(f, layout_of(f)))) << "frame " << i;
    }
}

// Every L4 length, with all-ones addresses: the sums where a carry out of the
// first fold needs a second one are among these (with the words as loaded
// on either byte order), which random frames meet about once in a million.
TEST(PseudoHeaderSum, MatchesAnRfc1071SumAtEveryLength) {
    for (const bool v6 : {false, true})
        for (const uint8_t proto : {uint8_t(IPPROTO_TCP), uint8_t(IPPROTO_UDP)})
            for (uint32_t l4_len = 20; l4_len <= (v6 ? 65535u : 65535u - 20); ++l4_len) {
                const bytes f = pseudo_frame(v6, proto, uint16_t(l4_len), 0xff, lcg);
                ASSERT_EQ(code_pseudo_sum(f, uint16_t(l4_len)), fold(pseudo_sum(f, layout_of(f))))
                    << (v6 ? "IPv6 " : "IPv4 ") << int(proto) << ", L4 length " << l4_len;
            }
}

TEST(ParseL4, CapturedFrames) {
    l4_headers h;
    ASSERT_EQ(parse(kSyn4, h), parse_status::l4);
    EXPECT_EQ(h.l3_len, 20);
    EXPECT_EQ(h.l4_len, 40); // mss, sackOK, timestamps, nop, wscale
    EXPECT_EQ(h.ip_end, 74u);
    ASSERT_EQ(parse(kSyn6, h), parse_status::l4);
    EXPECT_EQ(h.l3_len, 40);
    EXPECT_EQ(h.l4_len, 40);
    EXPECT_EQ(h.ip_end, 94u);
    ASSERT_EQ(parse(kUdp6, h), parse_status::l4);
    EXPECT_EQ(h.payload_len(), 100u);
    EXPECT_EQ(parse(kMldWithHopByHop), parse_status::other);
}

} // namespace
} // namespace bridgehost::offload

namespace bridgehost::offload {
namespace {

// raw_sum adds eight bytes at a time; rte_raw_cksum two. Same folded sum for
// every length and alignment, including odd tails and sums that carry out of
// 64 bits many times over.
TEST(RawSum, EqualsRteRawCksumAtEveryLengthAndAlignment) {
    std::vector<uint8_t> data(3000 + 8);
    uint32_t seed = 12345;
    for (uint8_t& b : data) {
        seed = seed * 1103515245 + 12345;
        b = uint8_t(seed >> 16);
    }
    for (size_t offset = 0; offset < 8; ++offset)
        for (size_t len = 0; len <= 3000; ++len)
            ASSERT_EQ(raw_sum(data.data() + offset, len), rte_raw_cksum(data.data() + offset, len))
                << "offset " << offset << " length " << len;
    const std::vector<uint8_t> ones(65536, 0xff);
    EXPECT_EQ(raw_sum(ones.data(), ones.size()), rte_raw_cksum(ones.data(), ones.size()));
    EXPECT_EQ(raw_sum(ones.data(), 65535), rte_raw_cksum(ones.data(), 65535));
}

} // namespace
} // namespace bridgehost::offload
