// The promiscuous-mode diagnosis on counter sequences, without ports.
#include "features/promisc/monitor.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

using change = promisc_monitor::change;

// Feeds one port a sample a second from t=100 for `seconds` seconds, the
// counters growing by the given amounts each second; returns the changes seen.
std::vector<std::pair<uint32_t, change>> feed(promisc_monitor& m, promisc_sample& s,
                                              uint32_t& now, unsigned seconds,
                                              promisc_sample per_second) {
    std::vector<std::pair<uint32_t, change>> changes;
    for (unsigned i = 0; i < seconds; ++i, ++now) {
        s.foreign_unicast += per_second.foreign_unicast;
        s.group += per_second.group;
        s.reply_drawing += per_second.reply_drawing;
        if (const change c = m.observe(0, now, s); c != change::none)
            changes.emplace_back(now, c);
    }
    return changes;
}

TEST(PromiscMonitor, HiddenUnicastIsReportedOnceAfterTheWindow) {
    promisc_monitor m(5, 2);
    promisc_sample s;
    uint32_t now = 100;
    // Broadcasts arrive, unicast goes out to stations behind it, none comes back.
    const auto changes = feed(m, s, now, 20, {0, 3, 2});
    ASSERT_EQ(changes.size(), 1u);
    // The first sample is the baseline; unicast goes out at 101..105: five seconds of it.
    EXPECT_EQ(changes[0], std::make_pair(uint32_t(105), change::suspect));
    EXPECT_TRUE(m.suspect(0));
    EXPECT_FALSE(m.suspect(1));
    EXPECT_EQ(m.quiet_seconds(0, 119), 19u);
}

TEST(PromiscMonitor, UnicastForOthersClearsIt) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    feed(m, s, now, 10, {0, 3, 2});
    ASSERT_TRUE(m.suspect(0));
    const auto changes = feed(m, s, now, 1, {1, 0, 0});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].second, change::cleared);
    EXPECT_FALSE(m.suspect(0));
    // And it takes a whole window of silence again to come back.
    EXPECT_TRUE(feed(m, s, now, 4, {0, 3, 2}).empty());
    EXPECT_EQ(feed(m, s, now, 2, {0, 3, 2}).size(), 1u);
}

TEST(PromiscMonitor, NormalTrafficNeverFires) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    EXPECT_TRUE(feed(m, s, now, 60, {10, 3, 10}).empty());
}

TEST(PromiscMonitor, UnicastEveryFewSecondsKeepsItQuiet) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    for (int round = 0; round < 10; ++round) {
        EXPECT_TRUE(feed(m, s, now, 4, {0, 3, 2}).empty());
        EXPECT_TRUE(feed(m, s, now, 1, {1, 3, 2}).empty());
    }
}

TEST(PromiscMonitor, ASilentSegmentIsNotBlamedOnTheHypervisor) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    // Nothing heard from the segment: a dead link or an empty segment, not a filter.
    EXPECT_TRUE(feed(m, s, now, 30, {0, 0, 5}).empty());
}

TEST(PromiscMonitor, MulticastChatterWithoutQuestionsIsNotBlamed) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    // Only multicast both ways (LLDP, IPv6 ND): nothing asked for a unicast reply.
    EXPECT_TRUE(feed(m, s, now, 30, {0, 5, 0}).empty());
}

TEST(PromiscMonitor, ABriefUnicastToASilentListenerIsNotBlamed) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    // Two seconds of frames to a station that never answers (a capture host),
    // then broadcasts only: not a whole window of it.
    EXPECT_TRUE(feed(m, s, now, 3, {0, 1, 2}).empty());
    EXPECT_TRUE(feed(m, s, now, 30, {0, 1, 0}).empty());
    // Only seconds with unicast out count: three more make the five.
    EXPECT_TRUE(feed(m, s, now, 2, {0, 1, 2}).empty());
    EXPECT_EQ(feed(m, s, now, 1, {0, 1, 2}).size(), 1u);
}

TEST(PromiscMonitor, WindowZeroTurnsItOff) {
    promisc_monitor m(0, 1);
    promisc_sample s;
    uint32_t now = 100;
    EXPECT_TRUE(feed(m, s, now, 30, {0, 3, 2}).empty());
    m.set_window(5);
    EXPECT_EQ(feed(m, s, now, 10, {0, 3, 2}).size(), 1u);
    m.set_window(0); // turning it off clears a suspect port
    const uint32_t at = now;
    EXPECT_EQ(feed(m, s, now, 1, {0, 3, 2}),
              (std::vector<std::pair<uint32_t, change>>{{at, change::cleared}}));
}

TEST(PromiscMonitor, CountersGoingBackwardsRestart) {
    promisc_monitor m(5, 1);
    promisc_sample s;
    uint32_t now = 100;
    feed(m, s, now, 4, {0, 3, 2});
    s = {}; // a restarted port's counters
    EXPECT_TRUE(feed(m, s, now, 4, {0, 3, 2}).empty());
    EXPECT_EQ(feed(m, s, now, 2, {0, 3, 2}).size(), 1u);
}

TEST(PromiscMonitor, WarningNamesThePortAndTheFix) {
    EXPECT_EQ(promisc_warning("uplink"),
              "port uplink receives no unicast for other MACs: the hypervisor may reject "
              "promiscuous mode; on ESXi set Promiscuous mode and Forged transmits to Accept on "
              "the vSwitch or port group");
}

} // namespace
} // namespace bridgehost
