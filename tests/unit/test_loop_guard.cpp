// Loop and BPDU guard without DPDK: the probe frame's bytes and the state
// machine's block rule, recovery and renumbering, with explicit time.
#include "features/loop_guard/datapath.hpp"
#include "features/loop_guard/state.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bridgehost {
namespace {

using ps = loop_guard_state::port_state;
using change = loop_guard_state::change;

TEST(LoopProbe, HasTheDocumentedBytes) {
    uint8_t f[kProbeLen];
    build_probe(f, *mac_address::parse("02:00:00:00:00:01"), 0x0102030405060708, 3, 0x0a0b0c0d);
    const std::vector<uint8_t> head(f, f + 32);
    const std::vector<uint8_t> expected = {
        0x03, 0x42, 0x48, 0x4c, 0x47, 0x00,       // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01,       // src
        0x88, 0xb6,                               // ethertype
        'B',  'H',  'L',  'G',                    // magic
        1,    2,    3,    4,    5,    6,    7, 8, // instance
        0x00, 0x03,                               // origin port
        0x0a, 0x0b, 0x0c, 0x0d,                   // sequence
    };
    EXPECT_EQ(head, expected);
    for (size_t i = 32; i < kProbeLen; ++i)
        EXPECT_EQ(f[i], 0) << i;
}

TEST(LoopProbe, OnlyOurInstanceIsOurs) {
    uint8_t f[kProbeLen];
    build_probe(f, *mac_address::parse("02:00:00:00:00:01"), 42, 7, 1);
    uint16_t origin = 0;
    EXPECT_TRUE(is_own_probe(f, kProbeLen, 42, origin));
    EXPECT_EQ(origin, 7);
    EXPECT_FALSE(is_own_probe(f, kProbeLen, 43, origin));           // another bridgehost's
    EXPECT_FALSE(is_own_probe(f, kProbeHeaderLen - 1, 42, origin)); // truncated
    f[14] = 'X';
    EXPECT_FALSE(is_own_probe(f, kProbeLen, 42, origin)); // no magic
    // The ethertype as the worker compares it: the top of a little-endian load at byte 6.
    uint64_t src_and_type = 0;
    std::memcpy(&src_and_type, f + 6, 8);
    EXPECT_EQ(src_and_type >> 48, kProbeEthertypeInMemory);
}

TEST(LoopGuardState, ProbesAreDueOncePerInterval) {
    loop_guard_state s(3, 1000, 10000);
    EXPECT_TRUE(s.probe_due(5000)); // the first round goes at once
    EXPECT_FALSE(s.probe_due(5999));
    EXPECT_TRUE(s.probe_due(6000));
    EXPECT_FALSE(s.probe_due(6500));
    s.set_timing(200, 1000); // a reload starts the new interval now
    EXPECT_TRUE(s.probe_due(6501));
    EXPECT_TRUE(s.probe_due(6701));
}

TEST(LoopGuardState, ATwoPortLoopBlocksTheHigherPortWhicheverWayTheProbeWent) {
    for (const auto& [origin, in] : {std::pair{0, 2}, std::pair{2, 0}}) {
        loop_guard_state s(3, 1000, 10000);
        const auto c = s.probe_returned(uint16_t(origin), uint16_t(in), 100);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->kind, change::loop_blocked);
        EXPECT_EQ(c->port, 2);
        EXPECT_EQ(c->other, 0);
        EXPECT_EQ(s.state(2), ps::blocked_loop);
        EXPECT_EQ(s.partner(2), 0);
        EXPECT_EQ(s.state(0), ps::forwarding);
        EXPECT_EQ(s.blocked_mask(), 0b100u);
        // The probe the other way names the same port: no second block, no second log.
        EXPECT_FALSE(s.probe_returned(uint16_t(in), uint16_t(origin), 200));
        EXPECT_EQ(s.blocked_mask(), 0b100u);
        EXPECT_EQ(s.counts(2).loops, 1u);
    }
}

TEST(LoopGuardState, ThreePortsOnOneSegmentKeepOnlyTheLowest) {
    loop_guard_state s(3, 1000, 10000);
    for (uint16_t o = 0; o < 3; ++o)
        for (uint16_t i = 0; i < 3; ++i)
            if (o != i)
                s.probe_returned(o, i, 100);
    EXPECT_EQ(s.blocked_mask(), 0b110u);
}

TEST(LoopGuardState, AProbeBackOnItsOwnPortIsReportedOnceAndBlocksNothing) {
    loop_guard_state s(2, 1000, 10000);
    const auto c = s.probe_returned(1, 1, 100);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, change::self_loop);
    EXPECT_FALSE(s.probe_returned(1, 1, 200));
    EXPECT_EQ(s.blocked_mask(), 0u);
    EXPECT_EQ(s.counts(1).probes_returned, 2u);
}

TEST(LoopGuardState, ForwardsAgainAfterTheHoldTimeWithoutAProbeBack) {
    loop_guard_state s(2, 1000, 10000);
    s.probe_returned(0, 1, 1000);
    s.probe_returned(0, 1, 5000); // the loop is still there: the hold restarts
    EXPECT_TRUE(s.expire(14999).empty());
    EXPECT_EQ(s.state(1), ps::blocked_loop);
    const std::vector<change> cleared = s.expire(15000);
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_EQ(cleared[0].kind, change::loop_cleared);
    EXPECT_EQ(cleared[0].port, 1);
    EXPECT_EQ(s.blocked_mask(), 0u);
    // The loop comes back: blocked again, counted again.
    ASSERT_TRUE(s.probe_returned(1, 0, 20000));
    EXPECT_EQ(s.counts(1).loops, 2u);
}

TEST(LoopGuardState, ABpduBlocksUntilTheOperatorEnablesThePort) {
    loop_guard_state s(2, 1000, 10000);
    const auto c = s.bpdu_seen(1);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, change::bpdu_blocked);
    EXPECT_EQ(c->port, 1);
    EXPECT_FALSE(s.bpdu_seen(1)); // already blocked
    EXPECT_EQ(s.counts(1).bpdus, 2u);
    EXPECT_EQ(s.blocked_mask(), 0b10u);
    EXPECT_TRUE(s.expire(1'000'000'000).empty()); // no timeout
    // A loop through it does not turn it into a loop block, which would expire.
    EXPECT_FALSE(s.probe_returned(0, 1, 100));
    EXPECT_TRUE(s.expire(1'000'000'000).empty());
    EXPECT_EQ(s.state(1), ps::blocked_bpdu);
    EXPECT_TRUE(s.enable(1));
    EXPECT_EQ(s.state(1), ps::forwarding);
    EXPECT_FALSE(s.enable(1)); // not blocked any more
}

TEST(LoopGuardState, FollowsRenumberedPorts) {
    loop_guard_state s(3, 1000, 10000);
    s.probe_returned(1, 2, 100); // 2 blocked, partner 1
    s.bpdu_seen(0);
    s.remap({-1, 0, 1}, 3); // port 0 removed, 1 -> 0, 2 -> 1, a new port 2
    EXPECT_EQ(s.state(0), ps::forwarding);
    EXPECT_EQ(s.state(1), ps::blocked_loop);
    EXPECT_EQ(s.partner(1), 0);
    EXPECT_EQ(s.state(2), ps::forwarding);
    s.remap({-1, 0, 1}, 2); // the partner goes: so does the block
    EXPECT_EQ(s.blocked_mask(), 0u);
    // Events naming ports that no longer exist are ignored.
    EXPECT_FALSE(s.probe_returned(0, 5, 100));
}

} // namespace
} // namespace bridgehost
