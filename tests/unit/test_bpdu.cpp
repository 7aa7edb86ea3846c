// Unit tests for lib/features/stp/bpdu: the BPDU codec on frames the Linux
// kernel bridge sent (captured on a veth), on RST and MSTP BPDUs built by hand
// from IEEE 802.1D-2004 9.3.3 (Linux's bridge sends no RST BPDUs), and on
// every way a frame can fail validation (9.3.4). No DPDK.
#include "features/stp/bpdu.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <utility>
#include <vector>

namespace bridgehost::stp {

// Errors printed by name in failures (found by ADL, so not in the anonymous namespace).
void PrintTo(bpdu_error e, std::ostream* os) {
    *os << bpdu_error_name(e);
}

namespace {

using bytes = std::vector<uint8_t>;

// ---- Frames the Linux bridge sent -----------------------------------------------
//
// Captured on Linux 6.18 (iproute2 6.1.0) in a network namespace of their own:
//
//   ip link add brA address 02:00:00:00:0a:00 type bridge stp_state 1
//       hello_time 100 forward_delay 400 priority 28672         (one line)
//   ip link add brB address 02:00:00:00:0b:00 type bridge stp_state 1
//       hello_time 100 forward_delay 400                        (one line)
//   ip link add vA address 02:00:00:00:0a:01 type veth peer name vB address 02:00:00:00:0b:01
//   ip link add vC address 02:00:00:00:0b:02 type veth peer name vD address 02:00:00:00:0d:01
//   vA a port of brA; vB and vC ports of brB; vD in no bridge; all up.
//   tcpdump -w on vD and on vA, `ether dst 01:80:c2:00:00:00`, for 14 s.
//
// ip link's hello_time, forward_delay and max_age are in centiseconds: the
// bridges' settings, as `ip -d link show` and /sys/class/net/brX/bridge/* gave
// them, were hello_time 100 (1 s), max_age 2000 (20 s, the default),
// forward_delay 400 (4 s); brA priority 28672, bridge_id 7000.020000000a00, the
// root; brB priority 32768, bridge_id 8000.020000000b00, root_id
// 7000.020000000a00, root_path_cost 2, root_port 1. Each port: brport/priority
// 32, path_cost 2 (a veth); vA and vB port_id 0x8001, vC port_id 0x8002 and
// (brport/) designated_bridge 8000.020000000b00, designated_port 32770,
// designated_cost 2.
//
// The kernel hands the frames to the veth unpadded (52 bytes, a TCN 21); the
// padding to 60 is the NIC's on a real wire. After 8 s (two forward delays)
// the ports went to forwarding: brB sent a TCN on its root port (vB), brA
// answered with TC and TC ack and kept TC on, brB passed TC on (vC).

/// brB's Config BPDU on vC (designated port), as brB relays brA's.
const bytes kLinuxConfig = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0b,
                            0x02, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
                            0x02, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x80, 0x02,
                            0x00, 0x01, 0x14, 0x00, 0x01, 0x00, 0x04, 0x00};
/// The same after the topology change: flags TC.
const bytes kLinuxConfigTc = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0b,
                              0x02, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01,
                              0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
                              0x02, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x80, 0x02,
                              0x00, 0x01, 0x14, 0x00, 0x01, 0x00, 0x04, 0x00};
/// brA's (the root's) Config BPDU on vA, answering brB's TCN: flags TC and TC ack.
const bytes kLinuxRootConfigTcAck = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x00,
    0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x81, 0x70, 0x00, 0x02, 0x00,
    0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x0a, 0x00, 0x80, 0x01, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x04, 0x00};
/// brB's TCN on vB (its root port), seen on vA.
const bytes kLinuxTcn = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0b,
                         0x01, 0x00, 0x07, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x80};

// The kernel's values, in the BPDU's units (1/256 s; sysfs has centiseconds).
constexpr uint16_t kLinuxMaxAge = 2000 * 256 / 100;      // 0x1400
constexpr uint16_t kLinuxHelloTime = 100 * 256 / 100;    // 0x0100
constexpr uint16_t kLinuxForwardDelay = 400 * 256 / 100; // 0x0400
constexpr uint64_t kBrA = 0x7000'0200'0000'0a00ULL;      // 28672 = 0x7000, 02:00:00:00:0a:00
constexpr uint64_t kBrB = 0x8000'0200'0000'0b00ULL;      // 32768 = 0x8000, 02:00:00:00:0b:00

const mac_address kVcMac{{0x02, 0x00, 0x00, 0x00, 0x0b, 0x02}};
const mac_address kVbMac{{0x02, 0x00, 0x00, 0x00, 0x0b, 0x01}};
const mac_address kVaMac{{0x02, 0x00, 0x00, 0x00, 0x0a, 0x01}};

// ---- RST and MSTP BPDUs built by hand ---------------------------------------------

/// An RST BPDU (802.1D-2004 9.3.3) from a designated port proposing to go
/// forwarding, and learning already: what a bridge sends in the proposal/agreement handshake.
const bytes kRstProposal = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, // destination: the bridge group address
    0x02, 0x00, 0x00, 0x00, 0x0c, 0x01, // source: the port's MAC
    0x00, 0x27,                         // 802.3 length: 3 (LLC) + 36 (RST BPDU) = 39
    0x42, 0x42, 0x03,                   // LLC: DSAP 0x42, SSAP 0x42, control UI
    0x00, 0x00,                         // protocol identifier 0
    0x02,                               // protocol version 2 (RSTP)
    0x02,                               // BPDU type 0x02 (RST)
    0x1e,                               // flags: proposal 0x02 | role designated 3 << 2 (0x0c)
                                        //        | learning 0x10
    0x60, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, // root identifier: 0x6001, priority
                                                    // 24576 + system ID extension 1; MAC
                                                    // 02:00:00:00:0c:00
    0x00, 0x00, 0x4e, 0x20,                         // root path cost 20000 (a 1 Gb/s link)
    0x70, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0d, 0x00, // bridge identifier: 0x7001 (28672 + 1),
                                                    // 02:00:00:00:0d:00
    0x90, 0x05,                                     // port identifier: priority 9 (x16), port 5
    0x03, 0x00,                                     // message age 3 s (x 1/256 s)
    0x14, 0x00,                                     // max age 20 s
    0x02, 0x00,                                     // hello time 2 s
    0x0f, 0x00,                                     // forward delay 15 s
    0x00,                                           // version 1 length 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       // padding to 60 bytes
};

/// An RST BPDU from a root port agreeing, forwarding, with TC and TC ack set:
/// every flag but proposal.
const bytes kRstAgreement = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, // destination: the bridge group address
    0x02, 0x00, 0x00, 0x00, 0x0d, 0x05, // source
    0x00, 0x27,                         // 802.3 length 39
    0x42, 0x42, 0x03,                   // LLC
    0x00, 0x00,                         // protocol identifier
    0x02,                               // version 2
    0x02,                               // type RST
    0xf9, // flags: TC 0x01 | role root 2 << 2 (0x08) | learning 0x10 | forwarding 0x20
          //        | agreement 0x40 | TC ack 0x80
    0x60, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, // root identifier
    0x00, 0x00, 0x4e, 0x20,                         // root path cost 20000
    0x70, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0d, 0x00, // bridge identifier
    0x80, 0x01,                                     // port identifier 8.001
    0x00, 0x80,                                     // message age 0.5 s
    0x14, 0x00,                                     // max age 20 s
    0x02, 0x00,                                     // hello time 2 s
    0x0f, 0x00,                                     // forward delay 15 s
    0x00,                                           // version 1 length 0
    // unpadded (53 bytes), as Linux sends its BPDUs to a veth
};

/// An MST BPDU (802.1Q-2018 14.6) with no MSTI: the RST BPDU's 36 bytes, then
/// version 3 length, MST configuration identifier, CIST internal root path
/// cost, CIST bridge identifier, CIST remaining hops. RSTP reads the CIST part.
bytes mst_bpdu() {
    bytes f = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, // destination
        0x02, 0x00, 0x00, 0x00, 0x0e, 0x01, // source
        0x00, 0x69,                         // 802.3 length: 3 + 102 = 105
        0x42, 0x42, 0x03,                   // LLC
        0x00, 0x00,                         // protocol identifier
        0x03,                               // version 3 (MSTP)
        0x02,                               // type RST
        0x3c, // CIST flags: role designated 0x0c | learning 0x10 | forwarding 0x20
        0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, // CIST root identifier
        0x00, 0x00, 0x00, 0x00,                         // CIST external root path cost
        0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, // CIST regional root identifier
        0x80, 0x01,                                     // CIST port identifier
        0x00, 0x00,                                     // message age
        0x14, 0x00,                                     // max age 20 s
        0x02, 0x00,                                     // hello time 2 s
        0x0f, 0x00,                                     // forward delay 15 s
        0x00,                                           // version 1 length 0
        0x00, 0x40,                                     // version 3 length 64
    };
    f.push_back(0x00); // MST configuration identifier: format selector 0
    for (int i = 0; i < 32; ++i)
        f.push_back(i < 7 ? uint8_t("region1"[i]) : 0); // configuration name
    f.insert(f.end(), {0x00, 0x00});                    // revision level
    for (int i = 0; i < 16; ++i)
        f.push_back(uint8_t(0xa0 + i));          // configuration digest
    f.insert(f.end(), {0x00, 0x00, 0x00, 0x00}); // CIST internal root path cost
    f.insert(f.end(), {0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00}); // CIST bridge id
    f.push_back(20);                                                     // CIST remaining hops
    return f;
}

bytes padded(bytes f, uint8_t fill = 0) {
    if (f.size() < kBpduFrameLen)
        f.resize(kBpduFrameLen, fill);
    return f;
}

bpdu_error parse(const bytes& f, bpdu& out) {
    return parse_bpdu_frame(f.data(), f.size(), out);
}

bpdu parse_ok(const bytes& f) {
    bpdu b;
    const bpdu_error e = parse(f, b);
    EXPECT_EQ(e, bpdu_error::ok) << bpdu_error_name(e);
    return b;
}

bpdu_error parse_error(const bytes& f) {
    bpdu b;
    return parse(f, b);
}

bytes build(const bpdu& b, const mac_address& src) {
    bytes f(kBpduFrameLen, 0xee);
    build_bpdu_frame(b, src, f.data());
    return f;
}

// ---- Decoding the kernel's BPDUs --------------------------------------------------

TEST(Bpdu, DecodesLinuxConfigFromDesignatedPort) {
    const bpdu b = parse_ok(kLinuxConfig);
    EXPECT_EQ(b.type, bpdu::type_t::config);
    EXPECT_EQ(b.version, 0);
    EXPECT_EQ(b.flags, 0);
    EXPECT_EQ(b.root_id, kBrA);                               // brB's root_id
    EXPECT_EQ(bridge_id_str(b.root_id), "7000.020000000a00"); // /sys/.../brB/bridge/root_id
    EXPECT_EQ(b.root_path_cost, 2u); // brB root_path_cost, vC designated_cost
    EXPECT_EQ(b.bridge_id, kBrB);    // vC designated_bridge
    EXPECT_EQ(bridge_id_str(b.bridge_id), "8000.020000000b00"); // /sys/.../brB/bridge/bridge_id
    EXPECT_EQ(b.port_id, 0x8002); // vC port_id 0x8002, designated_port 32770
    EXPECT_EQ(port_id_str(b.port_id), "8.002");
    EXPECT_EQ(b.message_age, 1); // relayed: the kernel adds its increment (1/256 s)
    EXPECT_EQ(b.max_age, kLinuxMaxAge);
    EXPECT_EQ(b.hello_time, kLinuxHelloTime);
    EXPECT_EQ(b.forward_delay, kLinuxForwardDelay);
}

TEST(Bpdu, DecodesLinuxConfigWithTopologyChange) {
    const bpdu b = parse_ok(kLinuxConfigTc);
    EXPECT_EQ(b.type, bpdu::type_t::config);
    EXPECT_EQ(b.flags, flags::tc);
    bpdu expected = parse_ok(kLinuxConfig);
    expected.flags = flags::tc;
    EXPECT_EQ(b, expected); // nothing else changed
}

TEST(Bpdu, DecodesLinuxRootConfigWithTopologyChangeAck) {
    const bpdu b = parse_ok(kLinuxRootConfigTcAck);
    EXPECT_EQ(b.type, bpdu::type_t::config);
    EXPECT_EQ(b.version, 0);
    EXPECT_EQ(b.flags, flags::tc | flags::tc_ack);
    EXPECT_EQ(b.root_id, kBrA); // the root: itself
    EXPECT_EQ(b.bridge_id, kBrA);
    EXPECT_EQ(bridge_id_str(b.bridge_id), "7000.020000000a00"); // /sys/.../brA/bridge/bridge_id
    EXPECT_EQ(b.root_path_cost, 0u);
    EXPECT_EQ(b.port_id, 0x8001); // vA port_id
    EXPECT_EQ(port_id_str(b.port_id), "8.001");
    EXPECT_EQ(b.message_age, 0); // sent by the root
    EXPECT_EQ(b.max_age, kLinuxMaxAge);
    EXPECT_EQ(b.hello_time, kLinuxHelloTime);
    EXPECT_EQ(b.forward_delay, kLinuxForwardDelay);
}

TEST(Bpdu, DecodesLinuxTcn) {
    bpdu b;
    b.flags = 0x55; // overwritten: a TCN has no flags
    ASSERT_EQ(parse(kLinuxTcn, b), bpdu_error::ok);
    EXPECT_EQ(b, bpdu{.type = bpdu::type_t::tcn});
}

TEST(Bpdu, PaddingIsIgnored) {
    for (const bytes* f :
         {&kLinuxConfig, &kLinuxConfigTc, &kLinuxRootConfigTcAck, &kLinuxTcn, &kRstAgreement}) {
        const bpdu b = parse_ok(*f);
        EXPECT_EQ(parse_ok(padded(*f, 0x00)), b);
        EXPECT_EQ(parse_ok(padded(*f, 0xff)), b); // whatever the padding holds
        bytes longer = *f;
        longer.resize(1514, 0xa5); // a full-size frame: the length field says where the BPDU ends
        EXPECT_EQ(parse_ok(longer), b);
    }
}

// ---- Building: the kernel's bytes back, and round trips ---------------------------

TEST(Bpdu, BuildsTheKernelsBytes) {
    EXPECT_EQ(build(parse_ok(kLinuxConfig), kVcMac), padded(kLinuxConfig));
    EXPECT_EQ(build(parse_ok(kLinuxConfigTc), kVcMac), padded(kLinuxConfigTc));
    EXPECT_EQ(build(parse_ok(kLinuxRootConfigTcAck), kVaMac), padded(kLinuxRootConfigTcAck));
    EXPECT_EQ(build(parse_ok(kLinuxTcn), kVbMac), padded(kLinuxTcn));
}

TEST(Bpdu, BuildsTheHandMadeRstBytes) {
    EXPECT_EQ(build(parse_ok(kRstProposal), mac_address{{0x02, 0, 0, 0, 0x0c, 0x01}}),
              kRstProposal);
    EXPECT_EQ(build(parse_ok(kRstAgreement), mac_address{{0x02, 0, 0, 0, 0x0d, 0x05}}),
              padded(kRstAgreement));
}

bpdu sample(bpdu::type_t type, uint8_t version, uint8_t f) {
    bpdu b;
    b.type = type;
    b.version = version;
    b.flags = f;
    b.root_id = 0x1234'5678'9abc'def0ULL;
    b.root_path_cost = 0xfedc'ba98;
    b.bridge_id = 0x0fed'cba9'8765'4321ULL;
    b.port_id = 0xa123;
    b.message_age = 0x0102;
    b.max_age = 0xff00;
    b.hello_time = 0x0304;
    b.forward_delay = 0x0506;
    return b;
}

TEST(Bpdu, RoundTrips) {
    const mac_address src{{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
    for (uint8_t f : {0x00, 0x01, 0x80, 0x81}) {
        const bpdu config = sample(bpdu::type_t::config, 0, f);
        EXPECT_EQ(parse_ok(build(config, src)), config) << int(f);
    }
    for (int f = 0; f < 256; ++f) {
        const bpdu rst = sample(bpdu::type_t::rst, 2, uint8_t(f));
        EXPECT_EQ(parse_ok(build(rst, src)), rst) << f;
    }
    const bpdu tcn{.type = bpdu::type_t::tcn};
    EXPECT_EQ(parse_ok(build(tcn, src)), tcn);
    // What build writes, field by field.
    const bytes f = build(sample(bpdu::type_t::rst, 2, 0x3c), src);
    EXPECT_EQ(f.size(), kBpduFrameLen);
    EXPECT_EQ(bytes(f.begin(), f.begin() + 21),
              (bytes{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44,
                     0x55, 0x00, 0x27, 0x42, 0x42, 0x03, 0x00, 0x00, 0x02, 0x02}));
    EXPECT_EQ(f[21], 0x3c);
    EXPECT_EQ(f[52], 0x00); // version 1 length
    EXPECT_EQ(bytes(f.begin() + 53, f.end()), bytes(7, 0x00));
    const bytes t = build(tcn, src);
    EXPECT_EQ(t[13], 7); // length: LLC + 4
    EXPECT_EQ(t[20], 0x80);
    EXPECT_EQ(bytes(t.begin() + 21, t.end()), bytes(39, 0x00));
}

// ---- RST and MSTP ---------------------------------------------------------------

TEST(Bpdu, DecodesRstProposal) {
    const bpdu b = parse_ok(kRstProposal);
    EXPECT_EQ(b.type, bpdu::type_t::rst);
    EXPECT_EQ(b.version, 2);
    EXPECT_EQ(b.flags, flags::proposal | flags::role_mask | flags::learning);
    EXPECT_EQ(b.role(), bpdu_role::designated);
    EXPECT_EQ(b.root_id, 0x6001'0200'0000'0c00ULL);
    EXPECT_EQ(bridge_id_str(b.root_id), "6001.020000000c00");
    EXPECT_EQ(b.root_path_cost, 20000u);
    EXPECT_EQ(b.bridge_id, 0x7001'0200'0000'0d00ULL);
    EXPECT_EQ(b.port_id, 0x9005);
    EXPECT_EQ(port_id_str(b.port_id), "9.005");
    EXPECT_EQ(b.message_age, 3 * 256);
    EXPECT_EQ(b.max_age, 20 * 256);
    EXPECT_EQ(b.hello_time, 2 * 256);
    EXPECT_EQ(b.forward_delay, 15 * 256);
}

TEST(Bpdu, DecodesRstAgreementWithEveryFlagButProposal) {
    const bpdu b = parse_ok(kRstAgreement);
    EXPECT_EQ(b.type, bpdu::type_t::rst);
    EXPECT_EQ(b.flags, flags::tc | flags::learning | flags::forwarding | flags::agreement |
                           flags::tc_ack | 0x08);
    EXPECT_EQ(b.role(), bpdu_role::root);
    EXPECT_EQ(b.port_id, 0x8001);
    EXPECT_EQ(b.message_age, 128);
}

TEST(Bpdu, RoleBits) {
    bpdu b;
    b.flags = flags::tc | flags::tc_ack;
    EXPECT_EQ(b.role(), bpdu_role::unknown);
    for (auto [role, bits] :
         {std::pair{bpdu_role::alternate_or_backup, 0x04}, std::pair{bpdu_role::root, 0x08},
          std::pair{bpdu_role::designated, 0x0c}, std::pair{bpdu_role::unknown, 0x00}}) {
        b.set_role(role);
        EXPECT_EQ(b.role(), role);
        EXPECT_EQ(b.flags, flags::tc | flags::tc_ack | bits); // the other bits kept
    }
}

TEST(Bpdu, MstpIsReadAsRst) {
    const bytes f = mst_bpdu();
    ASSERT_EQ(f.size(), 14u + 105u);
    const bpdu b = parse_ok(f);
    EXPECT_EQ(b.type, bpdu::type_t::rst);
    EXPECT_EQ(b.version, 3);
    EXPECT_EQ(b.flags, 0x3c);
    EXPECT_EQ(b.role(), bpdu_role::designated);
    EXPECT_EQ(b.root_id, 0x8000'0200'0000'0e00ULL);
    EXPECT_EQ(b.bridge_id, 0x8000'0200'0000'0e00ULL); // the CIST regional root
    EXPECT_EQ(b.port_id, 0x8001);
    EXPECT_EQ(b.max_age, 20 * 256);
    EXPECT_EQ(b.forward_delay, 15 * 256);
    // Versions above 3 too (9.3.4: "2 or greater").
    bytes v4 = f;
    v4[19] = 4;
    EXPECT_EQ(parse_ok(v4).version, 4);
}

TEST(Bpdu, ConfigWithLaterVersionIsConfig) {
    bytes f = kLinuxConfig;
    f[19] = 2; // type 0x00 decides, whatever the version
    const bpdu b = parse_ok(f);
    EXPECT_EQ(b.type, bpdu::type_t::config);
    EXPECT_EQ(b.version, 2);
}

TEST(Bpdu, ConfigFlagsOtherThanTcAndTcAckAreCleared) {
    bytes f = kLinuxConfig;
    f[21] = 0xff;
    EXPECT_EQ(parse_ok(f).flags, flags::tc | flags::tc_ack);
    f[21] = 0x7e; // proposal, role, learning, forwarding, agreement: RST only
    EXPECT_EQ(parse_ok(f).flags, 0);
    // An RST keeps them all.
    bytes r = kRstProposal;
    r[21] = 0xff;
    EXPECT_EQ(parse_ok(r).flags, 0xff);
}

// ---- Validation (9.3.4) -----------------------------------------------------------

TEST(Bpdu, NotTheBridgeGroupAddress) {
    for (int i = 0; i < 6; ++i) {
        bytes f = padded(kLinuxConfig);
        f[i] ^= 0x01;
        EXPECT_EQ(parse_error(f), bpdu_error::not_bridge_group) << i;
    }
    bytes f = padded(kLinuxConfig);
    f[5] = 0x02; // 01:80:c2:00:00:02, slow protocols (LACP)
    EXPECT_EQ(parse_error(f), bpdu_error::not_bridge_group);
    // A short frame to another address is still not ours (not too_short).
    f.resize(10);
    EXPECT_EQ(parse_error(f), bpdu_error::not_bridge_group);
}

TEST(Bpdu, EthernetIIFrameIsNotLlc) {
    for (uint16_t type : {0x0600, 0x0800, 0x8100, 0x88cc, 0xffff}) {
        bytes f = padded(kLinuxConfig);
        f[12] = uint8_t(type >> 8);
        f[13] = uint8_t(type);
        EXPECT_EQ(parse_error(f), bpdu_error::not_llc) << type;
    }
    bytes f = padded(kLinuxConfig);
    f[12] = 0x05, f[13] = 0xff; // a length (below 0x600), overrunning the frame
    EXPECT_EQ(parse_error(f), bpdu_error::bad_length);
}

TEST(Bpdu, BadLlcHeader) {
    for (size_t at : {14, 15, 16}) {
        for (uint8_t value : {0x00, 0x43, 0xaa, 0x13}) {
            bytes f = padded(kLinuxConfig);
            f[at] = value;
            EXPECT_EQ(parse_error(f), bpdu_error::not_llc) << at << " " << int(value);
        }
    }
}

TEST(Bpdu, LengthFieldOverrunningTheFrame) {
    bytes f = kLinuxConfig; // 52 bytes: length 38 fits exactly
    f[13] = 39;
    EXPECT_EQ(parse_error(f), bpdu_error::bad_length);
    bytes t = kLinuxTcn; // 21 bytes: length 7 exactly
    t[13] = 8;
    EXPECT_EQ(parse_error(t), bpdu_error::bad_length);
    bytes p = padded(kLinuxConfig); // 60: 46 fits, 47 does not
    p[13] = 46;
    EXPECT_EQ(parse_error(p), bpdu_error::ok);
    p[13] = 47;
    EXPECT_EQ(parse_error(p), bpdu_error::bad_length);
    p[12] = 0x01, p[13] = 0x00;
    EXPECT_EQ(parse_error(p), bpdu_error::bad_length);
    // Shorter than the LLC header it counts.
    for (uint8_t len : {0, 1, 2}) {
        p[12] = 0, p[13] = len;
        EXPECT_EQ(parse_error(p), bpdu_error::bad_length) << int(len);
    }
}

TEST(Bpdu, LengthTooSmallForTheType) {
    // The length field, not the frame, says how long the BPDU is.
    bytes config = padded(kLinuxConfig);
    config[13] = 3 + 34;
    EXPECT_EQ(parse_error(config), bpdu_error::too_short);
    config[13] = 3 + 35;
    EXPECT_EQ(parse_error(config), bpdu_error::ok);

    bytes rst = padded(kRstProposal);
    rst[13] = 3 + 35; // a Config BPDU's length
    EXPECT_EQ(parse_error(rst), bpdu_error::too_short);
    rst[13] = 3 + 36;
    EXPECT_EQ(parse_error(rst), bpdu_error::ok);

    bytes tcn = padded(kLinuxTcn);
    for (uint8_t len : {3, 4, 5, 6}) { // 0 to 3 bytes of BPDU
        tcn[13] = len;
        EXPECT_EQ(parse_error(tcn), bpdu_error::too_short) << int(len);
    }
    tcn[13] = 7;
    EXPECT_EQ(parse_error(tcn), bpdu_error::ok);
}

TEST(Bpdu, ProtocolIdentifierNotZero) {
    for (size_t at : {17, 18}) {
        for (const bytes* base : {&kLinuxConfig, &kLinuxTcn, &kRstProposal}) {
            bytes f = *base;
            f[at] = 0x01;
            EXPECT_EQ(parse_error(f), bpdu_error::bad_protocol) << at;
        }
    }
}

TEST(Bpdu, UnknownType) {
    for (uint8_t type : {0x01, 0x03, 0x04, 0x40, 0x81, 0x82, 0xff}) {
        bytes f = padded(kLinuxConfig);
        f[20] = type;
        EXPECT_EQ(parse_error(f), bpdu_error::bad_type) << int(type);
    }
}

TEST(Bpdu, RstWithVersionBelowTwo) {
    for (uint8_t version : {0, 1}) {
        bytes f = kRstProposal;
        f[19] = version;
        EXPECT_EQ(parse_error(f), bpdu_error::bad_type) << int(version);
    }
}

TEST(Bpdu, MessageAgeNotBelowMaxAge) {
    // Config: message age at bytes 44-45, max age (0x1400) at 46-47.
    bytes f = kLinuxConfig;
    f[44] = 0x13, f[45] = 0xff; // message age max age - 1/256 s: accepted
    EXPECT_EQ(parse_ok(f).message_age, 0x13ff);
    f[44] = 0x14, f[45] = 0x00; // equal
    EXPECT_EQ(parse_error(f), bpdu_error::bad_message_age);
    f[44] = 0xff, f[45] = 0xff; // above
    EXPECT_EQ(parse_error(f), bpdu_error::bad_message_age);
    f = kLinuxConfig;
    f[46] = 0x00, f[47] = 0x00; // max age 0: any message age is too old
    EXPECT_EQ(parse_error(f), bpdu_error::bad_message_age);
    // RST: max age 0x1400 too.
    bytes r = kRstProposal;
    r[44] = 0x14, r[45] = 0x00;
    EXPECT_EQ(parse_error(r), bpdu_error::bad_message_age);
    r[44] = 0x13, r[45] = 0xff;
    EXPECT_EQ(parse_error(r), bpdu_error::ok);
    // A TCN has neither.
    bytes t = padded(kLinuxTcn, 0xff);
    EXPECT_EQ(parse_error(t), bpdu_error::ok);
}

TEST(Bpdu, TruncatedAtEveryLength) {
    // Each frame cut at 0 to 60 bytes, into a buffer of exactly that size (ASan
    // builds catch a read past it): an error until the length field's bytes are
    // all there, and `out` untouched on an error.
    struct frame_case {
        const char* name;
        bytes frame;
        size_t whole; ///< 14 + the length field
    };
    const frame_case cases[] = {{"config", padded(kLinuxConfig), 52},
                                {"tcn", padded(kLinuxTcn), 21},
                                {"rst", padded(kRstProposal), 53}};
    for (const frame_case& c : cases) {
        const bpdu whole = parse_ok(c.frame);
        for (size_t n = 0; n <= kBpduFrameLen; ++n) {
            const bytes cut(c.frame.begin(), c.frame.begin() + long(n));
            bpdu out = sample(bpdu::type_t::rst, 7, 0x5a);
            const bpdu before = out;
            const bpdu_error e = parse_bpdu_frame(cut.data(), cut.size(), out);
            if (n < c.whole) {
                EXPECT_NE(e, bpdu_error::ok) << c.name << " cut at " << n;
                EXPECT_EQ(e, n < kBpduOffset + kTcnBpduLen ? bpdu_error::too_short
                                                           : bpdu_error::bad_length)
                    << c.name << " cut at " << n;
                EXPECT_EQ(out, before) << c.name << " cut at " << n;
            } else {
                EXPECT_EQ(e, bpdu_error::ok) << c.name << " cut at " << n;
                EXPECT_EQ(out, whole) << c.name << " cut at " << n;
            }
        }
    }
    bpdu out;
    EXPECT_EQ(parse_bpdu_frame(nullptr, 0, out), bpdu_error::too_short);
}

TEST(Bpdu, ErrorNames) {
    EXPECT_STREQ(bpdu_error_name(bpdu_error::ok), "ok");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::not_bridge_group), "not_bridge_group");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::not_llc), "not_llc");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::bad_length), "bad_length");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::bad_protocol), "bad_protocol");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::bad_type), "bad_type");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::too_short), "too_short");
    EXPECT_STREQ(bpdu_error_name(bpdu_error::bad_message_age), "bad_message_age");
    EXPECT_STREQ(bpdu_error_name(bpdu_error(200)), "unknown");
}

// ---- Identifiers as text ----------------------------------------------------------

TEST(Bpdu, BridgeIdStr) {
    // The form of /sys/class/net/br0/bridge/bridge_id: 4 hex digits, a dot, 12.
    EXPECT_EQ(bridge_id_str(0x8000'aabb'ccdd'eeffULL), "8000.aabbccddeeff");
    EXPECT_EQ(bridge_id_str(kBrA), "7000.020000000a00");
    EXPECT_EQ(bridge_id_str(0), "0000.000000000000");
    EXPECT_EQ(bridge_id_str(0x0001'0000'0000'0001ULL), "0001.000000000001");
    EXPECT_EQ(bridge_id_str(~0ULL), "ffff.ffffffffffff");
}

TEST(Bpdu, PortIdStr) {
    EXPECT_EQ(port_id_str(0x8001), "8.001");
    EXPECT_EQ(port_id_str(0x8002), "8.002");
    EXPECT_EQ(port_id_str(0x0000), "0.000");
    EXPECT_EQ(port_id_str(0x1abc), "1.abc");
    EXPECT_EQ(port_id_str(0xffff), "f.fff");
}

} // namespace
} // namespace bridgehost::stp
