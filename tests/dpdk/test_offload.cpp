// TX offload requests carried out on departure, through the real worker on
// net_ring ports: the test hands the bridge a TCP super-frame (TX_TCP_SEG with
// tso_segsz) or a frame whose L4 checksum is unfinished (TX_TCP/UDP_CKSUM), as
// a DPDK application at the ring's other end would, and checks every byte that
// leaves against segments and checksums computed here, by code of its own
// (nothing of lib/offload is called).
#include "ring_harness.hpp"
#include "vlan_ports.hpp"

#include "offload/port_offloads.hpp" // kOffloadRequests: what must not be left on a finished frame

#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <rte_mbuf_core.h>

namespace bridgehost::test {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;
constexpr uint8_t kFin = 0x01, kPsh = 0x08, kAck = 0x10, kCwr = 0x80;
constexpr uint64_t kTso4 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
constexpr uint64_t kTso6 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV6;
/// The super-frames' chain: mbufs of 2000 bytes, so most segments' payload
/// starts in one mbuf and ends in the next.
constexpr uint16_t kChainSeg = 2000;
constexpr uint16_t kMss = 1448; ///< IPv4 at MTU 1500 with the timestamps option
constexpr size_t kTcpHeader = 32;
constexpr const char* kUnknown = "02:00:00:00:00:99"; ///< never learned

// --- The reference: frames, checksums and segments, independently of lib/ --

void put16(frame& f, size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}
void put32(frame& f, size_t at, uint32_t v) {
    put16(f, at, uint16_t(v >> 16));
    put16(f, at + 2, uint16_t(v));
}
uint16_t get16(const frame& f, size_t at) {
    return uint16_t(f[at] << 8 | f[at + 1]);
}
uint32_t get32(const frame& f, size_t at) {
    return uint32_t(get16(f, at)) << 16 | get16(f, at + 2);
}

/// RFC 1071: the ones' complement sum of `len` bytes as big-endian 16-bit
/// words (an odd last byte padded with zero), added to `start`, folded, not
/// complemented.
uint16_t sum16(const uint8_t* p, size_t len, uint32_t start = 0) {
    uint64_t sum = start;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += uint32_t(p[i]) << 8 | p[i + 1];
    if (len % 2 != 0)
        sum += uint32_t(p[len - 1]) << 8;
    while (sum >> 16 != 0)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

/// The payload's byte i: no short period, so a slice from the wrong offset shows.
uint8_t pattern(size_t i) {
    return uint8_t((uint32_t(i + 1) * 2654435761u) >> 24);
}

/// Where a frame's headers lie, read by the test's own parser.
struct layout {
    size_t l2 = 14; ///< 18 with an 802.1Q tag
    bool ipv6 = false;
    size_t l3 = 20;
    uint8_t proto = kTcp;
    size_t l4 = kTcpHeader;

    size_t headers() const { return l2 + l3 + l4; }
    size_t l4_at() const { return l2 + l3; }
    size_t checksum_at() const { return l4_at() + (proto == kTcp ? 16 : 6); }
};

layout layout_of(const frame& f) {
    layout l;
    l.l2 = get16(f, 12) == 0x8100 ? 18 : 14;
    l.ipv6 = get16(f, l.l2 - 2) == 0x86dd;
    l.l3 = l.ipv6 ? 40 : size_t(f[l.l2] & 0x0f) * 4;
    l.proto = l.ipv6 ? f[l.l2 + 6] : f[l.l2 + 9];
    l.l4 = l.proto == kTcp ? size_t(f[l.l4_at() + 12] >> 4) * 4 : 8;
    return l;
}

/// The pseudo-header sum (addresses, protocol, L4 length `l4_length`), folded.
uint16_t pseudo_header(const frame& f, const layout& l, size_t l4_length) {
    const uint8_t* ip = f.data() + l.l2;
    uint32_t sum = l.ipv6 ? sum16(ip + 8, 32) : sum16(ip + 12, 8);
    sum += l.proto;
    sum += uint32_t(l4_length >> 16) + uint32_t(l4_length & 0xffff);
    return sum16(nullptr, 0, sum);
}

/// The L4 segment's length as the frame's IP header says.
size_t l4_length(const frame& f, const layout& l) {
    return l.ipv6 ? get16(f, l.l2 + 4) : get16(f, l.l2 + 2) - l.l3;
}

/// The ones' complement sum of pseudo-header and L4 segment: 0xffff when the
/// checksum is right (0 when the IP header says more than the frame holds).
uint16_t l4_verify_sum(const frame& f, const layout& l) {
    const size_t len = l4_length(f, l);
    if (l.l4_at() + len > f.size())
        return 0;
    return sum16(f.data() + l.l4_at(), len, pseudo_header(f, l, len));
}

/// Writes `f`'s correct IPv4 header checksum.
void set_ip_checksum(frame& f, const layout& l) {
    put16(f, l.l2 + 10, 0);
    put16(f, l.l2 + 10, uint16_t(~sum16(f.data() + l.l2, l.l3)));
}

/// Writes `f`'s correct L4 checksum (UDP's 0 sent as 0xffff, RFC 768).
void set_l4_checksum(frame& f, const layout& l) {
    put16(f, l.checksum_at(), 0);
    uint16_t sum = uint16_t(~l4_verify_sum(f, l));
    if (sum == 0 && l.proto == kUdp)
        sum = 0xffff;
    put16(f, l.checksum_at(), sum);
}

/// Writes in `f`'s checksum field what a sender leaving it to the NIC puts
/// there: the pseudo-header sum, with the L4 length (a checksum request) or
/// without it (TSO, as DPDK's rte_ipv4_phdr_cksum gives for TX_TCP_SEG).
void set_partial_checksum(frame& f, const layout& l, bool with_length = true) {
    put16(f, l.checksum_at(), pseudo_header(f, l, with_length ? l4_length(f, l) : 0));
}

/// What the tests send: Ethernet, IPv4 (DF) or IPv6, TCP with the timestamps
/// option (32 bytes) or UDP, and `payload` bytes of pattern().
struct l4_spec {
    bool ipv6 = false;
    uint8_t proto = kTcp;
    size_t payload = 45 * kMss; ///< 65160: with 52 bytes of headers, a 64 KiB super-frame
    uint32_t seq = 1000;
    uint8_t flags = kAck | kPsh | kFin;
    uint16_t ip_id = 7;
    const char* dst = kB;
    const char* src = kA;
};

/// The frame of `s`, its IP header checksum right and its L4 checksum the
/// partial one of a TSO request (TCP) or of a checksum request (UDP).
frame build(const l4_spec& s) {
    frame f = make_frame(s.dst, s.src, 0);
    layout l;
    l.ipv6 = s.ipv6;
    l.l3 = s.ipv6 ? 40 : 20;
    l.proto = s.proto;
    l.l4 = s.proto == kTcp ? kTcpHeader : 8;
    f.resize(l.headers() + s.payload);
    put16(f, 12, s.ipv6 ? 0x86dd : 0x0800);
    uint8_t* ip = f.data() + l.l2;
    const size_t l4_len = l.l4 + s.payload;
    if (s.ipv6) {
        ip[0] = 0x60;
        put16(f, l.l2 + 4, uint16_t(l4_len));
        ip[6] = s.proto;
        ip[7] = 64;
        const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x01};
        const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x02};
        std::copy(std::begin(src), std::end(src), ip + 8);
        std::copy(std::begin(dst), std::end(dst), ip + 24);
    } else {
        ip[0] = 0x45;
        put16(f, l.l2 + 2, uint16_t(l.l3 + l4_len));
        put16(f, l.l2 + 4, s.ip_id);
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = s.proto;
        const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
        std::copy(std::begin(addrs), std::end(addrs), ip + 12);
        set_ip_checksum(f, l);
    }
    const size_t l4 = l.l4_at();
    put16(f, l4, 40000);
    put16(f, l4 + 2, 5201);
    if (s.proto == kTcp) {
        put32(f, l4 + 4, s.seq);
        put32(f, l4 + 8, 0x12345678); // ack
        f[l4 + 12] = uint8_t(kTcpHeader / 4 << 4);
        f[l4 + 13] = s.flags;
        put16(f, l4 + 14, 512); // window
        // NOP, NOP, timestamps (kind 8, length 10)
        const uint8_t options[12] = {1, 1, 8, 10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
        std::copy(std::begin(options), std::end(options), f.begin() + long(l4 + 20));
    } else {
        put16(f, l4 + 4, uint16_t(l4_len));
    }
    for (size_t i = 0; i < s.payload; ++i)
        f[l.headers() + i] = pattern(i);
    set_partial_checksum(f, l, s.proto != kTcp);
    return f;
}

/// How many segments of at most `mss` payload bytes `super` makes.
size_t segments_of(const frame& super, uint16_t mss) {
    const size_t payload = super.size() - layout_of(super).headers();
    return std::max<size_t>((payload + mss - 1) / mss, 1);
}

/// Segment k of `super` cut at `mss`, as TCP segmentation makes it: the
/// headers copied with the IP length, IPv4 id + k and header checksum, seq +
/// k * mss, FIN and PSH on the last only, CWR on the first only, and the full
/// TCP checksum.
frame reference_segment(const frame& super, uint16_t mss, size_t k) {
    const layout l = layout_of(super);
    const size_t n = segments_of(super, mss);
    const size_t offset = k * mss;
    const size_t len = std::min<size_t>(mss, super.size() - l.headers() - offset);
    frame s(super.begin(), super.begin() + long(l.headers()));
    s.insert(s.end(), super.begin() + long(l.headers() + offset),
             super.begin() + long(l.headers() + offset + len));
    if (l.ipv6) {
        put16(s, l.l2 + 4, uint16_t(l.l4 + len));
    } else {
        put16(s, l.l2 + 2, uint16_t(l.l3 + l.l4 + len));
        put16(s, l.l2 + 4, uint16_t(get16(super, l.l2 + 4) + k));
        set_ip_checksum(s, l);
    }
    put32(s, l.l4_at() + 4, uint32_t(get32(super, l.l4_at() + 4) + offset));
    if (k + 1 < n)
        s[l.l4_at() + 13] &= uint8_t(~(kFin | kPsh));
    if (k != 0)
        s[l.l4_at() + 13] &= uint8_t(~kCwr);
    set_l4_checksum(s, l);
    return s;
}

/// "" when `got` equals `want`, else the sizes and the first byte that differs.
std::string difference(const frame& got, const frame& want) {
    if (got == want)
        return "";
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i])
        ++i;
    char text[160];
    std::snprintf(text, sizeof(text), "%zu bytes (want %zu), first difference at byte %zu",
                  got.size(), want.size(), i);
    std::string out = text;
    if (i < got.size() && i < want.size()) {
        std::snprintf(text, sizeof(text), ": 0x%02x (want 0x%02x)", got[i], want[i]);
        out += text;
    }
    return out;
}

/// `got` is `super` (as it should leave: its L2 header is the segments')
/// cut at `mss`: every segment checked field by field from its own bytes,
/// then byte by byte against reference_segment().
void expect_segments(const std::vector<frame>& got, const frame& super, uint16_t mss) {
    const layout l = layout_of(super);
    const size_t n = segments_of(super, mss);
    const size_t payload = super.size() - l.headers();
    ASSERT_EQ(got.size(), n);
    const uint8_t flags = super[l.l4_at() + 13];
    for (size_t k = 0; k < n; ++k) {
        SCOPED_TRACE("segment " + std::to_string(k) + " of " + std::to_string(n));
        const frame& s = got[k];
        const size_t offset = k * mss;
        const size_t len = std::min<size_t>(mss, payload - offset);
        ASSERT_EQ(s.size(), l.headers() + len);
        EXPECT_TRUE(std::equal(s.begin(), s.begin() + long(l.l2), super.begin()))
            << "Ethernet header";
        if (l.ipv6) {
            EXPECT_EQ(size_t(get16(s, l.l2 + 4)), l.l4 + len) << "IPv6 payload length";
        } else {
            EXPECT_EQ(size_t(get16(s, l.l2 + 2)), l.l3 + l.l4 + len) << "IPv4 total length";
            EXPECT_EQ(get16(s, l.l2 + 4), uint16_t(get16(super, l.l2 + 4) + k)) << "IPv4 id";
            EXPECT_EQ(get16(s, l.l2 + 6), get16(super, l.l2 + 6)) << "DF, no fragment";
            EXPECT_EQ(sum16(s.data() + l.l2, l.l3), 0xffff) << "IPv4 header checksum";
        }
        EXPECT_EQ(get32(s, l.l4_at() + 4), uint32_t(get32(super, l.l4_at() + 4) + offset)) << "seq";
        const uint8_t want_flags =
            uint8_t(flags & ~(k + 1 < n ? kFin | kPsh : 0) & ~(k != 0 ? kCwr : 0));
        EXPECT_EQ(int(s[l.l4_at() + 13]), int(want_flags)) << "TCP flags";
        EXPECT_NE(s[l.l4_at() + 13] & kAck, 0) << "ACK";
        EXPECT_EQ(l4_verify_sum(s, l), 0xffff) << "TCP checksum";
        EXPECT_TRUE(std::equal(s.begin() + long(l.headers()), s.end(),
                               super.begin() + long(l.headers() + offset)))
            << "payload slice";
        EXPECT_EQ(difference(s, reference_segment(super, mss, k)), "");
    }
}

/// The bytes of frames sent, without the mbuf fields.
std::vector<frame> bytes_of(const std::vector<ring_harness::sent_frame>& sent) {
    std::vector<frame> out;
    for (const auto& s : sent)
        out.push_back(s.bytes);
    return out;
}

/// The sum of the frames' lengths.
uint64_t bytes_in(const std::vector<frame>& frames) {
    uint64_t n = 0;
    for (const frame& f : frames)
        n += f.size();
    return n;
}

class offload : public harness_test {
  protected:
    /// Injects `f` on `port` as a chain of `seg`-byte mbufs with the offload
    /// request `ol_flags` (and `tso_segsz`), and waits until the worker has taken it.
    void send_offloaded(unsigned port, const frame& f, uint64_t ol_flags, uint16_t tso_segsz = 0,
                        uint16_t seg = kChainSeg) {
        const uint64_t before = h_->counters(port).rx_packets;
        h_->inject_offloaded(port, f, seg, ol_flags, tso_segsz);
        h_->wait_rx(port, before + 1);
    }
    /// Every drop counter of every port is zero.
    void expect_no_drops() {
        for (unsigned p = 0; p < h_->slots(); ++p) {
            const port_totals c = h_->counters(p);
            for (unsigned r = 0; r < kDropReasons; ++r)
                EXPECT_EQ(c.drops[r], 0u)
                    << "port " << p << " " << drop_reason_name(drop_reason(r));
        }
    }
    /// Every drop counter of `port` but `reason` is zero, and `reason`'s is `n`;
    /// every other port dropped nothing.
    void expect_only_drop(unsigned port, drop_reason reason, uint64_t n) {
        for (unsigned p = 0; p < h_->slots(); ++p) {
            const port_totals c = h_->counters(p);
            for (unsigned r = 0; r < kDropReasons; ++r)
                EXPECT_EQ(c.drops[r], p == port && r == unsigned(reason) ? n : 0u)
                    << "port " << p << " " << drop_reason_name(drop_reason(r));
        }
    }
    void expect_nothing_sent() {
        for (unsigned p = 0; p < h_->slots(); ++p)
            EXPECT_EQ(h_->drain(p).size(), 0u) << "port " << p;
    }
    /// Port `port`'s frames, each checked to carry no offload request any more.
    std::vector<frame> drain_finished(unsigned port) {
        const std::vector<ring_harness::sent_frame> sent = h_->drain_sent(port);
        for (size_t i = 0; i < sent.size(); ++i)
            EXPECT_EQ(sent[i].ol_flags & kOffloadRequests, 0u) << "port " << port << " frame " << i;
        return bytes_of(sent);
    }
};

// --- Segmentation --------------------------------------------------------

TEST_F(offload, a_64k_tcp_ipv4_super_frame_chain_leaves_as_45_segments_with_every_checksum) {
    start();
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    const frame super = build({});
    ASSERT_EQ(super.size(), 14u + 20 + 32 + 65160);
    send_offloaded(0, super, kTso4, kMss); // 33 mbufs of 2000 bytes

    const std::vector<frame> out = drain_finished(1);
    expect_segments(out, super, kMss);
    for (const frame& s : out)
        EXPECT_EQ(s.size(), 14u + 1500);
    EXPECT_EQ(h_->drain(2).size(), 0u);
    EXPECT_EQ(h_->drain(0).size(), 0u);
    const port_totals in = h_->counters(0), to = h_->counters(1);
    EXPECT_EQ(in.super_frames, 1u);
    EXPECT_EQ(in.segmented, 1u);
    EXPECT_EQ(in.checksums_finished, 0u);
    EXPECT_EQ(in.rx_packets, 2u); // learn_a_and_b's, then the super-frame
    EXPECT_EQ(in.unicast, 1u);
    EXPECT_EQ(to.tx_packets, 1u + 45); // learn_a_and_b's flood from p0, then the segments
    EXPECT_EQ(to.tx_bytes, 60u + 45 * (14 + 1500));
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, tcp_ipv6_and_short_last_segments_are_cut_with_every_checksum) {
    start();
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    // IPv6 at MTU 1500 with timestamps: 1428. 44 full segments and an odd 777;
    // CWR set, which only the first segment keeps.
    l4_spec v6;
    v6.ipv6 = true;
    v6.payload = 44 * 1428 + 777;
    v6.flags = kAck | kPsh | kFin | kCwr;
    v6.seq = 0xfffff000; // wraps within the super-frame
    const frame super6 = build(v6);
    send_offloaded(0, super6, kTso6, 1428);
    const std::vector<frame> out6 = drain_finished(1);
    expect_segments(out6, super6, 1428);
    ASSERT_EQ(out6.size(), 45u);
    EXPECT_EQ(out6.back().size(), 14u + 40 + 32 + 777);

    // IPv4: 10 full segments and a last one of 1 byte; the id wraps.
    l4_spec v4;
    v4.payload = 10 * kMss + 1;
    v4.ip_id = 0xfffb;
    v4.flags = kAck | kPsh;
    const frame super4 = build(v4);
    send_offloaded(0, super4, kTso4, kMss, 1000);
    const std::vector<frame> out4 = drain_finished(1);
    expect_segments(out4, super4, kMss);
    ASSERT_EQ(out4.size(), 11u);
    EXPECT_EQ(get16(out4.back(), 14 + 4), 0xfffb + 10 - 0x10000);

    EXPECT_EQ(h_->counters(0).segmented, 2u);
    EXPECT_EQ(h_->counters(1).tx_packets, 1u + 45 + 11);
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, segments_onto_a_trunk_carry_the_tag_and_from_a_trunk_leave_untagged) {
    harness_options o;
    o.vlans = {access_port(10), trunk_port("10"), access_port(20)};
    start(o);
    send(0, make_frame(kB, kA));               // A on p0 in VLAN 10
    send(1, with_tag(make_frame(kA, kB), 10)); // B on p1 in VLAN 10
    h_->control_step(kT0);
    for (unsigned p = 0; p < h_->slots(); ++p)
        h_->drain(p);
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();

    const frame super = build({});
    send_offloaded(0, super, kTso4, kMss);
    const std::vector<frame> tagged = drain_finished(1);
    const frame super_tagged = with_tag(super, 10);
    ASSERT_EQ(layout_of(super_tagged).l2, 18u);
    expect_segments(tagged, super_tagged, kMss);
    for (const frame& s : tagged)
        EXPECT_EQ(s.size(), 18u + 1500);

    l4_spec back;
    back.dst = kA;
    back.src = kB;
    back.seq = 77;
    const frame reply = build(back);
    send_offloaded(1, with_tag(reply, 10), kTso4, kMss);
    expect_segments(drain_finished(0), reply, kMss);

    EXPECT_EQ(h_->drain(2).size(), 0u);
    EXPECT_EQ(h_->counters(0).segmented, 1u);
    EXPECT_EQ(h_->counters(1).segmented, 1u);
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, the_egress_mtu_caps_the_segment_size_and_nothing_is_too_big) {
    harness_options o;
    o.mtu = {std::nullopt, uint16_t(1000)};
    start(o);
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();

    const frame super = build({});
    send_offloaded(0, super, kTso4, kMss);
    const std::vector<frame> out = drain_finished(1);
    expect_segments(out, super, 1000 - 20 - 32);
    EXPECT_EQ(out.size(), 69u); // 65160 / 948, rounded up
    for (const frame& s : out)
        EXPECT_LE(s.size(), 14u + 1000);

    l4_spec v6;
    v6.ipv6 = true;
    const frame super6 = build(v6);
    send_offloaded(0, super6, kTso6, kMss);
    expect_segments(drain_finished(1), super6, 1000 - 40 - 32);

    // A tso_segsz below the MTU's segment size is kept.
    send_offloaded(0, super, kTso4, 536);
    const std::vector<frame> small = drain_finished(1);
    expect_segments(small, super, 536);
    EXPECT_EQ(small.size(), 122u);

    EXPECT_EQ(h_->counters(0).segmented, 3u);
    EXPECT_EQ(h_->counters(1).drop(drop_reason::too_big), 0u);
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, a_flooded_super_frame_is_cut_once_and_every_port_gets_the_same_segments) {
    start(); // nothing learned: B is unknown
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    const frame super = build({});
    send_offloaded(0, super, kTso4, kMss);

    const std::vector<frame> p1 = drain_finished(1), p2 = drain_finished(2);
    expect_segments(p1, super, kMss);
    EXPECT_EQ(p2, p1);
    EXPECT_EQ(h_->drain(0).size(), 0u);
    const port_totals in = h_->counters(0);
    EXPECT_EQ(in.segmented, 1u);
    EXPECT_EQ(in.flooded, 1u);
    EXPECT_EQ(in.unknown_unicast, 1u);
    EXPECT_EQ(h_->counters(1).tx_packets, 45u);
    EXPECT_EQ(h_->counters(2).tx_packets, 45u);
    EXPECT_EQ(h_->counters(1).tx_bytes, bytes_in(p1));
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, a_flood_is_cut_for_the_smallest_mtu_of_the_ports_it_reaches) {
    harness_options o;
    o.mtu = {std::nullopt, std::nullopt, uint16_t(1000)};
    start(o);
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    const frame super = build({});
    send_offloaded(0, super, kTso4, kMss);
    // The segments are shared by the ports: p1 (MTU 1500) gets p2's size too.
    const std::vector<frame> p1 = drain_finished(1), p2 = drain_finished(2);
    expect_segments(p1, super, 1000 - 20 - 32);
    EXPECT_EQ(p2, p1);
    EXPECT_EQ(h_->counters(0).segmented, 1u);
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

// --- Unfinished checksums ------------------------------------------------

TEST_F(offload, an_unfinished_tcp_checksum_is_finished_and_nothing_else_changes) {
    start();
    learn_a_and_b();
    l4_spec s;
    s.payload = 100;
    frame f = build(s);
    const layout l = layout_of(f);
    set_partial_checksum(f, l); // what Linux leaves (CHECKSUM_PARTIAL)
    frame want = f;
    set_l4_checksum(want, l);
    ASSERT_NE(want, f);
    send_offloaded(0, f, RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4);
    const std::vector<frame> out = drain_finished(1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(difference(out[0], want), "");
    EXPECT_EQ(l4_verify_sum(out[0], l), 0xffff);
    EXPECT_EQ(h_->counters(0).checksums_finished, 1u);

    // IPv6, of odd length.
    l4_spec s6;
    s6.ipv6 = true;
    s6.payload = 301;
    frame f6 = build(s6);
    const layout l6 = layout_of(f6);
    set_partial_checksum(f6, l6);
    frame want6 = f6;
    set_l4_checksum(want6, l6);
    send_offloaded(0, f6, RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV6);
    const std::vector<frame> out6 = drain_finished(1);
    ASSERT_EQ(out6.size(), 1u);
    EXPECT_EQ(difference(out6[0], want6), "");
    EXPECT_EQ(l4_verify_sum(out6[0], l6), 0xffff);

    const port_totals in = h_->counters(0);
    EXPECT_EQ(in.checksums_finished, 2u);
    EXPECT_EQ(in.segmented, 0u);
    EXPECT_EQ(h_->counters(1).tx_packets, 1u + 2);
    expect_no_drops();
}

TEST_F(offload, an_unfinished_checksum_over_a_chain_is_finished_at_any_mbuf_boundary) {
    start();
    learn_a_and_b();
    // The headers in the first mbuf (66 bytes over IPv4, 86 over IPv6), the
    // L4 segment split after an even and after an odd number of its bytes.
    struct chain_case {
        bool ipv6;
        uint16_t seg;
    };
    const chain_case cases[] = {{false, 68}, {false, 67}, {true, 98}, {true, 97}};
    for (const chain_case& c : cases) {
        SCOPED_TRACE(std::string(c.ipv6 ? "IPv6" : "IPv4") + " in mbufs of " +
                     std::to_string(c.seg) + " bytes");
        l4_spec s;
        s.ipv6 = c.ipv6;
        s.payload = 301;
        frame f = build(s);
        const layout l = layout_of(f);
        set_partial_checksum(f, l);
        frame want = f;
        set_l4_checksum(want, l);
        send_offloaded(0, f,
                       RTE_MBUF_F_TX_TCP_CKSUM | (c.ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4),
                       0, c.seg);
        const std::vector<frame> out = drain_finished(1);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(difference(out[0], want), "");
        EXPECT_EQ(l4_verify_sum(out[0], l), 0xffff);
    }
    EXPECT_EQ(h_->counters(0).checksums_finished, 4u);
    expect_no_drops();
}

TEST_F(offload, an_unfinished_udp_checksum_is_finished_and_one_summing_to_0_is_sent_as_ffff) {
    start();
    learn_a_and_b();
    l4_spec s;
    s.proto = kUdp;
    s.payload = 57;
    const frame f = build(s); // checksum field: the pseudo-header sum
    const layout l = layout_of(f);
    frame want = f;
    set_l4_checksum(want, l);
    send_offloaded(0, f, RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4);
    std::vector<frame> out = drain_finished(1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(difference(out[0], want), "");
    EXPECT_EQ(l4_verify_sum(out[0], l), 0xffff);
    EXPECT_EQ(h_->counters(0).checksums_finished, 1u);

    // The last two payload bytes (an even offset in the datagram) chosen so
    // that everything sums to 0xffff: the checksum computes to 0, which UDP
    // sends as 0xffff (0 would mean "no checksum").
    s.payload = 20;
    frame zero = build(s);
    const size_t adjust = zero.size() - 2;
    put16(zero, adjust, 0);
    put16(zero, l.checksum_at(), 0);
    put16(zero, adjust, uint16_t(0xffff - l4_verify_sum(zero, l)));
    ASSERT_EQ(l4_verify_sum(zero, l), 0xffff);
    set_partial_checksum(zero, l);
    frame want_zero = zero;
    put16(want_zero, l.checksum_at(), 0xffff);
    send_offloaded(0, zero, RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4);
    out = drain_finished(1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(get16(out[0], l.checksum_at()), 0xffff);
    EXPECT_EQ(difference(out[0], want_zero), "");

    // UDP over IPv6.
    s.ipv6 = true;
    s.payload = 1000;
    const frame f6 = build(s);
    frame want6 = f6;
    set_l4_checksum(want6, layout_of(f6));
    send_offloaded(0, f6, RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV6);
    out = drain_finished(1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(difference(out[0], want6), "");

    EXPECT_EQ(h_->counters(0).checksums_finished, 3u);
    expect_no_drops();
}

// --- What cannot be done -------------------------------------------------

TEST_F(offload, a_udp_super_frame_asking_for_tcp_segmentation_is_dropped_as_unsegmentable) {
    start();
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    l4_spec s;
    s.proto = kUdp;
    const frame super = build(s);
    send_offloaded(0, super, kTso4, kMss);
    expect_nothing_sent();
    expect_only_drop(0, drop_reason::unsegmentable, 1);
    EXPECT_EQ(h_->counters(0).segmented, 0u);
    EXPECT_EQ(h_->counters(0).checksums_finished, 0u);
    EXPECT_EQ(h_->counters(0).unicast, 0u);
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, a_super_frame_needing_more_than_128_segments_is_dropped_as_unsegmentable) {
    start();
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    const frame super = build({});
    send_offloaded(0, super, kTso4, 100); // 652 segments
    send_offloaded(0, super, kTso4, 0);   // no segment size at all
    expect_nothing_sent();
    expect_only_drop(0, drop_reason::unsegmentable, 2);

    // 128 is the most: 64000 bytes at 500 pass, 64001 do not.
    l4_spec s;
    s.payload = 128 * 500;
    const frame most = build(s);
    send_offloaded(0, most, kTso4, 500);
    expect_segments(drain_finished(1), most, 500);
    s.payload = 128 * 500 + 1;
    send_offloaded(0, build(s), kTso4, 500);
    expect_nothing_sent();
    expect_only_drop(0, drop_reason::unsegmentable, 3);
    EXPECT_EQ(h_->counters(0).segmented, 1u);
    EXPECT_EQ(h_->counters(0).unicast, 1u); // a dropped frame is counted as its drop only
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

TEST_F(offload, segmentation_without_enough_mbufs_drops_the_super_frame_as_no_mbuf) {
    start();
    learn_a_and_b(); // no flood copy: the worker's lcore cache holds no mbuf of the pool
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    const frame super = build({});
    {
        pool_hog hog(10); // 10 of the 45 segments' mbufs
        ASSERT_EQ(hog.available(), 10u);
        send_offloaded(0, super, kTso4, kMss);
        expect_nothing_sent();
        expect_only_drop(0, drop_reason::no_mbuf, 1);
        EXPECT_EQ(h_->counters(0).segmented, 0u);
        EXPECT_EQ(h_->counters(0).unicast, 0u); // counted as its drop only
        EXPECT_EQ(hog.available(), 10u);        // the 10 segments made were given back
    }
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);

    send_offloaded(0, super, kTso4, kMss);
    expect_segments(drain_finished(1), super, kMss);
    EXPECT_EQ(h_->counters(0).segmented, 1u);
    EXPECT_EQ(h_->counters(0).unicast, 1u);
    expect_only_drop(0, drop_reason::no_mbuf, 1);
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

// --- The common path -----------------------------------------------------

TEST_F(offload, frames_without_an_offload_request_are_forwarded_untouched) {
    start();
    learn_a_and_b();
    const unsigned switch_mbufs = h_->sw().mbufs_in_use();
    // A checksum field holding the pseudo-header sum, but no request: not the
    // switch's business.
    l4_spec s;
    s.payload = 100;
    frame small = build(s);
    set_partial_checksum(small, layout_of(small));
    send(0, small);
    // A 64 KiB TCP frame, chained, with a tso_segsz but no TX_TCP_SEG: sent whole.
    const frame big = build({});
    send_offloaded(0, big, 0, kMss);

    const std::vector<ring_harness::sent_frame> out = h_->drain_sent(1);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(difference(out[0].bytes, small), "");
    EXPECT_EQ(difference(out[1].bytes, big), "");
    for (const auto& f : out)
        EXPECT_EQ(f.ol_flags, 0u);
    EXPECT_EQ(out[1].nb_segs, 33u); // the same chain, not a copy

    // The per-frame path (not the one-flow burst's): one burst of a frame
    // flooded to an unknown MAC and one to B.
    l4_spec u = s;
    u.dst = kUnknown;
    frame flooded = build(u);
    set_partial_checksum(flooded, layout_of(flooded));
    const uint64_t before = h_->counters(0).rx_packets;
    h_->inject_burst(0, {flooded, small});
    h_->wait_rx(0, before + 2);
    const std::vector<ring_harness::sent_frame> p1 = h_->drain_sent(1), p2 = h_->drain_sent(2);
    ASSERT_EQ(p1.size(), 2u);
    ASSERT_EQ(p2.size(), 1u);
    EXPECT_EQ(difference(p1[0].bytes, flooded), "");
    EXPECT_EQ(difference(p1[1].bytes, small), "");
    EXPECT_EQ(difference(p2[0].bytes, flooded), "");
    for (const auto& f : {p1[0], p1[1], p2[0]})
        EXPECT_EQ(f.ol_flags, 0u);

    const port_totals in = h_->counters(0);
    EXPECT_EQ(in.segmented, 0u);
    EXPECT_EQ(in.checksums_finished, 0u);
    EXPECT_EQ(h_->counters(1).tx_packets, 1u + 2 + 2);
    expect_no_drops();
    EXPECT_EQ(h_->sw().mbufs_in_use(), switch_mbufs);
}

} // namespace
} // namespace bridgehost::test
