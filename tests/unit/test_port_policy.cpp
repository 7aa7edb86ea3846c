// Storm control's token bucket and frame classes, the port policy tables, and
// the mbuf size the ports' MTUs need (lib/features/storm/datapath.hpp, lib/port/port_policy.hpp).
#include "features/storm/datapath.hpp"
#include "port/port.hpp"
#include "port/port_policy.hpp"

#include <gtest/gtest.h>

#include <rte_mbuf.h>

namespace bridgehost {
namespace {

constexpr uint64_t kHz = 1000000; // a clock of 1 MHz: one frame a second costs 1e6 ticks

fdb_key key(const char* mac, uint16_t vlan = 0) {
    return make_fdb_key(*mac_address::parse(mac), vlan);
}

TEST(StormClass, BroadcastMulticastAndUnknownUnicast) {
    EXPECT_EQ(classify_storm(key("ff:ff:ff:ff:ff:ff")), storm_class::broadcast);
    EXPECT_EQ(classify_storm(key("ff:ff:ff:ff:ff:ff", 10)), storm_class::broadcast);
    EXPECT_EQ(classify_storm(key("01:00:5e:00:00:01")), storm_class::multicast);
    EXPECT_EQ(classify_storm(key("33:33:00:00:00:01", 20)), storm_class::multicast);
    EXPECT_EQ(classify_storm(key("02:00:00:00:00:0b")), storm_class::unknown_unicast);
}

TEST(TokenBucket, UnlimitedAlwaysPasses) {
    token_bucket b;
    b.set(0, kHz, 0);
    EXPECT_FALSE(b.limited());
    for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(b.take(0));
}

TEST(TokenBucket, PassesItsDepthAtOnceThenTheRate) {
    token_bucket b;
    b.set(100, kHz, 0); // depth: 32 frames (a tenth of a second would be 10)
    EXPECT_EQ(token_bucket::depth_for(100), 32u);
    int passed = 0;
    for (int i = 0; i < 100; ++i)
        passed += b.take(0);
    EXPECT_EQ(passed, 32);
    EXPECT_FALSE(b.take(9999)); // 10 ms per frame: not yet
    EXPECT_TRUE(b.take(10000)); // one frame's credit
    EXPECT_FALSE(b.take(10000));
    passed = 0; // a second later: 100 frames' credit, capped at the depth
    for (int i = 0; i < 100; ++i)
        passed += b.take(1010000);
    EXPECT_EQ(passed, 32);
}

TEST(TokenBucket, DepthIsATenthOfASecondAtHighRatesAndTheRateAtLowOnes) {
    EXPECT_EQ(token_bucket::depth_for(1), 1u);
    EXPECT_EQ(token_bucket::depth_for(10), 10u);
    EXPECT_EQ(token_bucket::depth_for(1000), 100u);
    EXPECT_EQ(token_bucket::depth_for(1000000), 100000u);
}

TEST(TokenBucket, AClockBehindTheBucketGivesNoCredit) {
    token_bucket b;
    b.set(1, kHz, 5 * kHz);            // set on the control lcore at t = 5 s
    EXPECT_TRUE(b.take(5 * kHz - 10)); // a worker's clock a little behind: the full bucket
    EXPECT_FALSE(b.take(5 * kHz - 5)); // and no wrap-around credit
    EXPECT_TRUE(b.take(6 * kHz));
}

TEST(TokenBucket, SustainedRateIsTheLimit) {
    token_bucket b;
    b.set(1000, kHz, 0);
    int passed = 0;
    for (uint64_t t = 0; t < 10 * kHz; t += 100) // offered 10000 frames/s for 10 s
        passed += b.take(t);
    EXPECT_NEAR(passed, 10 * 1000 + 100, 2); // the rate, plus the first burst
}

config three_ports() {
    config cfg;
    for (const char* name : {"a", "b", "c"}) {
        port_config p;
        p.name = name;
        p.device = std::string("net_ring_") + name;
        cfg.ports.push_back(p);
    }
    return cfg;
}

TEST(PortPolicy, NullWhenNothingIsSet) {
    EXPECT_EQ(port_policy::build(three_ports()), nullptr);
}

TEST(PortPolicy, MirrorLeavesItsDestinationOutOfForwarding) {
    config cfg = three_ports();
    cfg.mirror = {{0}, mirror_config::direction_t::both, 2};
    const auto p = port_policy::build(cfg);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->forward_ports, 0b011u);
    EXPECT_EQ(p->mirror_rx, 0b001u);
    EXPECT_EQ(p->mirror_tx, 0b001u);
    EXPECT_TRUE(p->mirror_destination(2));
    EXPECT_FALSE(p->mirror_destination(0));

    cfg.mirror = {{0, 1}, mirror_config::direction_t::rx, 2};
    EXPECT_EQ(port_policy::build(cfg)->mirror_rx, 0b011u);
    EXPECT_EQ(port_policy::build(cfg)->mirror_tx, 0u);
    cfg.mirror.direction = mirror_config::direction_t::tx;
    EXPECT_EQ(port_policy::build(cfg)->mirror_rx, 0u);
    EXPECT_EQ(port_policy::build(cfg)->mirror_tx, 0b011u);
}

TEST(PortPolicy, MtuBecomesTheLargestFrameAndStormLimitsAreKept) {
    config cfg = three_ports();
    cfg.ports[1].mtu = 1500;
    cfg.ports[2].storm = {10, 20, 30};
    const auto p = port_policy::build(cfg);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->max_frame[0], 0u);
    EXPECT_EQ(p->max_frame[1], 1522u); // header and two VLAN tags
    EXPECT_EQ(p->storm[2], (storm_limits{10, 20, 30}));
    EXPECT_EQ(p->forward_ports, 0b111u);
    EXPECT_FALSE(p->mirrors());
}

TEST(MbufDataRoom, DefaultUnlessAnMtuNeedsMore) {
    config cfg = three_ports();
    EXPECT_EQ(mbuf_data_room(cfg), RTE_MBUF_DEFAULT_BUF_SIZE);
    cfg.ports[0].mtu = 1500;
    EXPECT_EQ(mbuf_data_room(cfg), RTE_MBUF_DEFAULT_BUF_SIZE);
    cfg.ports[1].mtu = 9000;
    EXPECT_EQ(mbuf_data_room(cfg), 9000 + kFrameOverMtu + RTE_PKTMBUF_HEADROOM);
    // An af_packet frame size gets a pool of its own (af_packet_data_room).
    cfg.ports[2].device = "net_af_packet0,iface=x,framesz=16384,blocksz=16384";
    EXPECT_EQ(mbuf_data_room(cfg), 9000 + kFrameOverMtu + RTE_PKTMBUF_HEADROOM);
}

TEST(MbufDataRoom, AfPacketPortsGetLargeMbufsForTheirFrameSize) {
    port_config p;
    p.name = "a";
    p.device = "net_af_packet0,iface=x"; // tso auto: framesz 65408 added
    // The PMD copies framesz - 32 bytes (its slot less the tpacket header) after the headroom.
    EXPECT_EQ(af_packet_data_room(p, RTE_MBUF_DEFAULT_BUF_SIZE), 65408 - 32 + RTE_PKTMBUF_HEADROOM);
    p.offloads.tso = port_offloads::mode_t::off; // the PMD's 2048: default mbufs hold it
    EXPECT_EQ(af_packet_data_room(p, RTE_MBUF_DEFAULT_BUF_SIZE), 0);
    p.device = "net_af_packet0,iface=x,framesz=9216,blocksz=36864";
    EXPECT_EQ(af_packet_data_room(p, RTE_MBUF_DEFAULT_BUF_SIZE), 9216 - 32 + RTE_PKTMBUF_HEADROOM);
    EXPECT_EQ(af_packet_data_room(p, 9216 + RTE_PKTMBUF_HEADROOM), 0);
    p.device = "net_vhost0,iface=/tmp/s";
    EXPECT_EQ(af_packet_data_room(p, RTE_MBUF_DEFAULT_BUF_SIZE), 0);
}

} // namespace
} // namespace bridgehost
