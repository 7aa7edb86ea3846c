// MAC limits: per-port refuse / evict_oldest, fair eviction when the table is full,
// statics never evicted, per-port counts through flush, aging, removal and renumbering;
// MAC flapping detected once per episode, and frozen moves.
#include "fdb_fixture.hpp"
#include "features/limits/flap_detector.hpp"

namespace bridgehost {
namespace {

constexpr port_mac_limit kRefuse2{2, mac_limit_action::refuse};
constexpr port_mac_limit kEvict2{2, mac_limit_action::evict_oldest};

TEST_F(fdb_test, a_port_at_its_limit_refuses_new_macs_and_others_go_on) {
    make(64, 300);
    table_->set_port_limit(1, kRefuse2);
    EXPECT_EQ(table_->learn(mac_key(1), 1, kT0), learn_result::learned);
    EXPECT_EQ(table_->learn(mac_key(2), 1, kT0), learn_result::learned);
    EXPECT_EQ(table_->learn(mac_key(3), 1, kT0), learn_result::limit_refused);
    EXPECT_FALSE(table_->lookup(mac_key(3)));
    EXPECT_EQ(table_->learn(mac_key(1), 1, kT0 + 1), learn_result::refreshed); // known MACs stay
    EXPECT_EQ(table_->learn(mac_key(3), 0, kT0), learn_result::learned);       // another port
    EXPECT_EQ(table_->port_count(1), 2u);
    EXPECT_EQ(table_->port_count(0), 1u);
    // Statics do not count against the limit.
    EXPECT_TRUE(table_->add_static(mac_key(9), 1, kT0));
    EXPECT_EQ(table_->port_count(1), 2u);
    // Room again once one goes.
    ASSERT_TRUE(table_->remove(mac_key(2)));
    EXPECT_EQ(table_->learn(mac_key(4), 1, kT0), learn_result::learned);
}

TEST_F(fdb_test, a_port_at_its_limit_can_evict_its_oldest_instead) {
    make(64, 300);
    table_->set_port_limit(1, kEvict2);
    table_->learn(mac_key(1), 1, kT0);
    table_->learn(mac_key(2), 1, kT0);
    table_->learn(mac_key(5), 0, kT0);     // another port's: never touched
    table_->learn(mac_key(1), 1, kT0 + 9); // seen again: "oldest" is learn order, not last seen
    learn_detail d;
    EXPECT_EQ(table_->learn(mac_key(3), 1, kT0 + 10, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_by, eviction::port_limit);
    EXPECT_EQ(d.evicted_key, mac_key(1));
    EXPECT_EQ(d.evicted_port, 1);
    EXPECT_FALSE(table_->lookup(mac_key(1)));
    EXPECT_EQ(table_->learn(mac_key(4), 1, kT0 + 11, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_key, mac_key(2));
    EXPECT_EQ(table_->port_count(1), 2u);
    EXPECT_TRUE(table_->lookup(mac_key(3)));
    EXPECT_TRUE(table_->lookup(mac_key(5)));
    EXPECT_EQ(table_->size(), 3u);
}

TEST_F(fdb_test, a_move_counts_against_the_new_ports_limit) {
    make(64, 300);
    table_->set_port_limit(1, kRefuse2);
    table_->learn(mac_key(1), 1, kT0);
    table_->learn(mac_key(2), 1, kT0);
    table_->learn(mac_key(3), 0, kT0);
    learn_detail d;
    // Refused: and the stale entry on port 0 goes, so its frames flood.
    EXPECT_EQ(table_->learn(mac_key(3), 1, kT0, &d), learn_result::limit_refused);
    EXPECT_EQ(d.previous_port, 0);
    EXPECT_FALSE(table_->lookup(mac_key(3)));
    EXPECT_EQ(table_->port_count(0), 0u);
    // evict_oldest: port 1's oldest goes, the MAC moves, the move joins the newest end.
    table_->set_port_limit(1, kEvict2);
    table_->learn(mac_key(3), 0, kT0);
    d = {};
    EXPECT_EQ(table_->learn(mac_key(3), 1, kT0, &d), learn_result::moved);
    EXPECT_EQ(d.evicted_key, mac_key(1));
    EXPECT_EQ(table_->learn(mac_key(6), 1, kT0, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_key, mac_key(2));
    EXPECT_EQ(table_->learn(mac_key(7), 1, kT0, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_key, mac_key(3));
    EXPECT_EQ(table_->port_count(1), 2u);
    EXPECT_EQ(table_->port_count(0), 0u);
}

TEST_F(fdb_test, a_full_table_evicts_from_the_port_with_the_most_entries) {
    make(8, 300);
    table_->learn(mac_key(0xa), 0, kT0); // A on port 0, B on port 1: the first learned
    table_->learn(mac_key(0xb), 1, kT0);
    ASSERT_TRUE(table_->add_static(mac_key(0x5a), 2, kT0)); // a static on the flooding port
    for (uint8_t i = 0; i < 5; ++i)
        table_->learn(mac_key(i, 0x06), 2, kT0);
    ASSERT_EQ(table_->size(), 8u);
    // A flood of new MACs on port 2: each evicts port 2's oldest learned entry.
    for (uint8_t i = 5; i < 105; ++i) {
        learn_detail d;
        ASSERT_EQ(table_->learn(mac_key(i, 0x06), 2, kT0 + 1, &d), learn_result::learned) << int(i);
        ASSERT_EQ(d.evicted_by, eviction::table_full);
        ASSERT_EQ(d.evicted_port, 2);
        ASSERT_EQ(d.evicted_key, mac_key(uint8_t(i - 5), 0x06));
    }
    EXPECT_EQ(table_->size(), 8u);
    EXPECT_EQ(port_of(mac_key(0xa)), 0);
    EXPECT_EQ(port_of(mac_key(0xb)), 1);
    EXPECT_EQ(port_of(mac_key(0x5a)), 2);
    EXPECT_EQ(table_->port_count(2), 5u);
    // A new MAC on port 0 also takes from port 2, the biggest.
    learn_detail d;
    EXPECT_EQ(table_->learn(mac_key(0xc), 0, kT0 + 2, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_port, 2);
    EXPECT_EQ(table_->port_count(0), 2u);
    EXPECT_EQ(table_->port_count(2), 4u);
}

TEST_F(fdb_test, on_a_tie_the_learning_port_gives_way) {
    make(8, 300);
    for (uint8_t i = 0; i < 4; ++i) {
        table_->learn(mac_key(i, 0x06), 0, kT0);
        table_->learn(mac_key(i, 0x0a), 1, kT0);
    }
    learn_detail d;
    EXPECT_EQ(table_->learn(mac_key(9, 0x0a), 1, kT0, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_port, 1);
    EXPECT_EQ(d.evicted_key, mac_key(0, 0x0a));
}

TEST_F(fdb_test, per_port_counts_follow_flush_aging_removal_and_static_replacement) {
    make(64, 10);
    table_->learn(mac_key(1), 0, kT0);
    table_->learn(mac_key(2), 0, kT0 + 5);
    table_->learn(mac_key(3), 1, kT0);
    table_->learn(mac_key(4), 1, kT0);
    EXPECT_EQ(table_->port_count(0), 2u);
    EXPECT_EQ(table_->port_count(1), 2u);
    EXPECT_EQ(table_->age(kT0 + 10, 1000), 3u); // 1, 3 and 4: 10 s idle
    EXPECT_EQ(table_->port_count(0), 1u);
    EXPECT_EQ(table_->port_count(1), 0u);
    table_->learn(mac_key(5), 1, kT0 + 10);
    ASSERT_TRUE(table_->add_static(mac_key(5), 1, kT0 + 10)); // dynamic -> static
    EXPECT_EQ(table_->port_count(1), 0u);
    table_->learn(mac_key(6), 1, kT0 + 10);
    table_->learn(mac_key(7), 1, kT0 + 10);
    EXPECT_EQ(table_->flush_port(1), 2u);
    EXPECT_EQ(table_->port_count(1), 0u);
    EXPECT_TRUE(table_->lookup(mac_key(5))); // static stays
    ASSERT_TRUE(table_->remove(mac_key(2)));
    EXPECT_EQ(table_->port_count(0), 0u);
    // The lists are still sound: a limit evicts in learn order.
    table_->set_port_limit(0, {1, mac_limit_action::evict_oldest});
    table_->learn(mac_key(8), 0, kT0 + 10);
    learn_detail d;
    EXPECT_EQ(table_->learn(mac_key(9), 0, kT0 + 10, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_key, mac_key(8));
    EXPECT_EQ(table_->port_count(0), 1u);
}

TEST_F(fdb_test, renumbering_ports_carries_counts_limits_and_learn_order) {
    make(64, 300);
    table_->set_port_limit(0, kRefuse2);
    table_->set_port_limit(2, kEvict2);
    table_->learn(mac_key(1), 0, kT0);
    table_->learn(mac_key(2), 1, kT0);
    table_->learn(mac_key(3), 2, kT0);
    table_->learn(mac_key(4), 2, kT0);
    ASSERT_TRUE(table_->add_static(mac_key(5), 1, kT0));
    // Port 1 removed; 2 becomes 0, 0 becomes 1.
    EXPECT_EQ(table_->remap_ports({1, -1, 0}), 2u);
    EXPECT_EQ(table_->port_count(0), 2u);
    EXPECT_EQ(table_->port_count(1), 1u);
    EXPECT_EQ(table_->port_count(2), 0u);
    EXPECT_EQ(table_->port_limit(0), kEvict2);
    EXPECT_EQ(table_->port_limit(1), kRefuse2);
    EXPECT_EQ(table_->port_limit(2), port_mac_limit{});
    learn_detail d;
    EXPECT_EQ(table_->learn(mac_key(6), 0, kT0, &d), learn_result::learned);
    EXPECT_EQ(d.evicted_key, mac_key(3)); // the oldest of old port 2
    EXPECT_EQ(table_->flush_port(0), 2u);
    EXPECT_EQ(table_->flush_port(1), 1u);
    EXPECT_EQ(table_->size(), 0u);
}

TEST_F(fdb_test, a_lowered_limit_keeps_what_was_learned) {
    make(64, 300);
    for (uint8_t i = 0; i < 4; ++i)
        table_->learn(mac_key(i), 0, kT0);
    table_->set_port_limit(0, kRefuse2);
    EXPECT_EQ(table_->port_count(0), 4u);
    EXPECT_EQ(table_->learn(mac_key(9), 0, kT0), learn_result::limit_refused);
    table_->set_port_limit(0, kEvict2); // one for one
    EXPECT_EQ(table_->learn(mac_key(9), 0, kT0), learn_result::learned);
    EXPECT_EQ(table_->port_count(0), 4u);
    EXPECT_FALSE(table_->lookup(mac_key(0)));
}

// ---- Flapping -------------------------------------------------------------------

using verdict = flap_detector::verdict;

TEST(flap_detector_test, more_moves_than_the_threshold_in_a_second_is_one_episode) {
    flap_detector f({3, 0});
    const fdb_key a = mac_key(1);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(f.on_move(a, 0, 1, kT0), verdict::move) << i;
    EXPECT_FALSE(f.flapping(a, kT0));
    EXPECT_EQ(f.on_move(a, 1, 0, kT0), verdict::started);
    EXPECT_TRUE(f.flapping(a, kT0));
    EXPECT_EQ(f.find(a)->moves, 4u);
    EXPECT_EQ(f.find(a)->from, 1);
    EXPECT_EQ(f.find(a)->to, 0);
    // The episode goes on into the next seconds while it keeps flapping: no new report.
    for (fdb_time t = kT0; t < kT0 + 3; ++t)
        for (int i = 0; i < 10; ++i)
            EXPECT_NE(f.on_move(a, 0, 1, t), verdict::started) << t;
    EXPECT_FALSE(f.frozen(a, kT0 + 2));
    // A calm second ends it; the next burst is a new episode.
    EXPECT_EQ(f.on_move(a, 0, 1, kT0 + 3), verdict::move);
    EXPECT_EQ(f.on_move(a, 0, 1, kT0 + 4), verdict::move);
    EXPECT_FALSE(f.flapping(a, kT0 + 4));
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(f.on_move(a, 0, 1, kT0 + 4), verdict::move);
    EXPECT_EQ(f.on_move(a, 0, 1, kT0 + 4), verdict::started);
    // Another MAC is counted apart.
    EXPECT_EQ(f.on_move(mac_key(2), 0, 1, kT0 + 4), verdict::move);
}

TEST(flap_detector_test, a_frozen_mac_refuses_moves_until_its_time_is_up) {
    flap_detector f({1, 5});
    const fdb_key a = mac_key(1);
    EXPECT_EQ(f.on_move(a, 0, 1, kT0), verdict::move);
    EXPECT_EQ(f.on_move(a, 1, 0, kT0), verdict::started);
    EXPECT_TRUE(f.frozen(a, kT0));
    for (fdb_time t = kT0; t < kT0 + 5; ++t)
        EXPECT_EQ(f.on_move(a, 0, 1, t), verdict::frozen) << t;
    EXPECT_TRUE(f.flapping(a, kT0 + 4));
    f.expire(kT0 + 4); // frozen state is kept
    EXPECT_TRUE(f.frozen(a, kT0 + 4));
    EXPECT_FALSE(f.frozen(a, kT0 + 5));
    EXPECT_EQ(f.on_move(a, 0, 1, kT0 + 5), verdict::move);
    EXPECT_FALSE(f.flapping(a, kT0 + 5));
}

TEST(flap_detector_test, off_watches_nothing_and_quiet_macs_are_forgotten) {
    flap_detector off({0, 0});
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(off.on_move(mac_key(1), 0, 1, kT0), verdict::move);
    EXPECT_EQ(off.watched(), 0u);

    flap_detector f;
    f.on_move(mac_key(1), 0, 1, kT0);
    f.on_move(mac_key(2), 0, 2, kT0 + 2);
    f.expire(kT0 + 3);
    EXPECT_EQ(f.find(mac_key(1)), nullptr);
    EXPECT_NE(f.find(mac_key(2)), nullptr);
    // Renumbering: a MAC last seen on a removed port is forgotten, others follow.
    f.on_move(mac_key(3), 1, 0, kT0 + 3);
    f.remap_ports({1, 0, -1});
    EXPECT_EQ(f.find(mac_key(2)), nullptr);
    ASSERT_NE(f.find(mac_key(3)), nullptr);
    EXPECT_EQ(f.find(mac_key(3))->from, 0);
    EXPECT_EQ(f.find(mac_key(3))->to, 1);
}

} // namespace
} // namespace bridgehost
