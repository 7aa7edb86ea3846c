// MAC table: learning, moves, static entries, aging, flushing, capacity, RCU-deferred reuse.
#include "fdb_fixture.hpp"

#include <rte_rcu_qsbr.h>

#include <algorithm>

namespace bridgehost {
namespace {

TEST_F(fdb_test, learns_then_refreshes_then_moves) {
    make(64, 300);
    const fdb_key a = mac_key(1);
    EXPECT_FALSE(table_->lookup(a));
    EXPECT_EQ(table_->learn(a, 0, kT0), learn_result::learned);
    EXPECT_EQ(port_of(a), 0);
    EXPECT_EQ(table_->learn(a, 0, kT0 + 5), learn_result::refreshed);
    EXPECT_EQ(table_->last_seen(table_->lookup(a)->slot()), kT0 + 5);
    EXPECT_EQ(table_->learn(a, 1, kT0 + 6), learn_result::moved);
    EXPECT_EQ(port_of(a), 1);
    EXPECT_EQ(table_->size(), 1u);
}

TEST_F(fdb_test, key_holds_vlan_apart) {
    make(64, 300);
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
    EXPECT_EQ(table_->learn(make_fdb_key(mac, 10), 0, kT0), learn_result::learned);
    EXPECT_EQ(table_->learn(make_fdb_key(mac, 20), 1, kT0), learn_result::learned);
    EXPECT_EQ(port_of(make_fdb_key(mac, 10)), 0);
    EXPECT_EQ(port_of(make_fdb_key(mac, 20)), 1);
    EXPECT_EQ(key_vlan(make_fdb_key(mac, 20)), 20);
    EXPECT_EQ(key_mac(make_fdb_key(mac, 20)).str(), "02:00:00:00:00:09");
}

TEST_F(fdb_test, static_entry_neither_moves_nor_ages) {
    make(64, 10);
    const fdb_key s = mac_key(7);
    ASSERT_TRUE(table_->add_static(s, 2, kT0));
    EXPECT_EQ(table_->learn(s, 0, kT0 + 1), learn_result::static_kept);
    EXPECT_EQ(port_of(s), 2);
    EXPECT_EQ(table_->age(kT0 + 1000, 1000), 0u);
    EXPECT_EQ(port_of(s), 2);
}

TEST_F(fdb_test, static_replaces_a_dynamic_entry) {
    make(64, 10);
    const fdb_key s = mac_key(7);
    EXPECT_EQ(table_->learn(s, 0, kT0), learn_result::learned);
    ASSERT_TRUE(table_->add_static(s, 1, kT0));
    EXPECT_EQ(port_of(s), 1);
    EXPECT_EQ(table_->size(), 1u);
    EXPECT_TRUE(table_->lookup(s)->is_static());
}

TEST_F(fdb_test, aging_removes_only_entries_idle_for_the_aging_time) {
    make(64, 10);
    const fdb_key old_mac = mac_key(1), fresh = mac_key(2);
    table_->learn(old_mac, 0, kT0);
    table_->learn(fresh, 1, kT0 + 5);
    EXPECT_EQ(table_->age(kT0 + 9, 1000), 0u);  // 9 s idle: stays
    EXPECT_EQ(table_->age(kT0 + 10, 1000), 1u); // 10 s idle: goes
    EXPECT_FALSE(table_->lookup(old_mac));
    EXPECT_TRUE(table_->lookup(fresh));
}

TEST_F(fdb_test, worker_refresh_keeps_an_entry_alive) {
    make(64, 10);
    const fdb_key a = mac_key(1);
    table_->learn(a, 0, kT0);
    table_->touch(table_->lookup(a)->slot(), kT0 + 8);
    EXPECT_EQ(table_->age(kT0 + 12, 1000), 0u);
    EXPECT_EQ(table_->age(kT0 + 18, 1000), 1u);
}

TEST_F(fdb_test, aging_zero_never_ages) {
    make(64, 0);
    table_->learn(mac_key(1), 0, kT0);
    EXPECT_EQ(table_->age(kT0 + 100000, 1000), 0u);
    EXPECT_EQ(table_->size(), 1u);
}

TEST_F(fdb_test, aging_scan_resumes_where_its_budget_ran_out) {
    make(256, 10);
    for (uint8_t i = 0; i < 100; ++i)
        table_->learn(mac_key(i), 0, kT0);
    unsigned removed = 0, calls = 0;
    while (removed < 100 && calls < 100) {
        removed += table_->age(kT0 + 10, 7);
        ++calls;
    }
    EXPECT_EQ(removed, 100u);
    EXPECT_GE(calls, 100u / 7); // no call went past its budget
    EXPECT_EQ(table_->size(), 0u);
}

TEST_F(fdb_test, aging_budget_counts_slots_not_entries) {
    // A sparse table must not make one aging call walk the whole table: the
    // budget bounds the slots examined. Slots are handed out from 0 up.
    make(1000, 10);
    for (unsigned i = 0; i < 500; ++i)
        table_->learn(mac_key(uint8_t(i), uint8_t(i >> 8)), 0, kT0 + 100); // slots 0..499, fresh
    table_->learn(mac_key(1, 0xee), 0, kT0);                               // slot 500, stale
    for (unsigned call = 0; call < 5; ++call)
        EXPECT_EQ(table_->age(kT0 + 100, 100), 0u) << "call " << call; // slots 0..499
    EXPECT_EQ(table_->age(kT0 + 100, 100), 1u);                       // slots 500..599
    EXPECT_EQ(table_->slots(), 2001u); // capacity, as many again for evictions, one spare
}

TEST_F(fdb_test, flush_port_removes_dynamic_entries_of_that_port_only) {
    make(64, 300);
    table_->learn(mac_key(1), 0, kT0);
    table_->learn(mac_key(2), 1, kT0);
    table_->learn(mac_key(3), 1, kT0);
    table_->add_static(mac_key(4), 1, kT0);
    EXPECT_EQ(table_->flush_port(1), 2u);
    EXPECT_TRUE(table_->lookup(mac_key(1)));
    EXPECT_FALSE(table_->lookup(mac_key(2)));
    EXPECT_TRUE(table_->lookup(mac_key(4)));
}

TEST_F(fdb_test, a_table_full_of_static_entries_refuses_new_macs) {
    make(8, 300);
    for (uint8_t i = 0; i < 8; ++i)
        ASSERT_TRUE(table_->add_static(mac_key(i), 0, kT0)) << int(i);
    EXPECT_FALSE(table_->add_static(mac_key(8), 0, kT0));
    EXPECT_EQ(table_->learn(mac_key(100), 1, kT0), learn_result::table_full); // nothing to evict
    EXPECT_EQ(table_->learn(mac_key(3), 1, kT0), learn_result::static_kept);
    EXPECT_EQ(table_->size(), 8u);
    ASSERT_TRUE(table_->remove(mac_key(0)));
    EXPECT_EQ(table_->learn(mac_key(100), 1, kT0), learn_result::learned);
    EXPECT_EQ(table_->learn(mac_key(100), 2, kT0), learn_result::moved); // moves still work
    // The one dynamic entry makes room for the next MAC, and so on.
    EXPECT_EQ(table_->learn(mac_key(101), 1, kT0), learn_result::learned);
    EXPECT_FALSE(table_->lookup(mac_key(100)));
    EXPECT_EQ(table_->size(), 8u);
}

TEST_F(fdb_test, full_capacity_fits_whatever_the_hashes) {
    make(1000, 300); // not a power of two; EXT_TABLE makes every slot usable
    for (unsigned i = 0; i < 1000; ++i) {
        const uint8_t mac[6] = {2, 0, 0, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
        ASSERT_EQ(table_->learn(make_fdb_key(mac), 0, kT0), learn_result::learned) << i;
    }
    EXPECT_EQ(table_->size(), 1000u);
}

TEST_F(fdb_test, a_deleted_entry_is_reused_only_after_readers_are_quiescent) {
    make(8, 300);
    ASSERT_EQ(rte_rcu_qsbr_thread_register(rcu_.get(), 0), 0);
    rte_rcu_qsbr_thread_online(rcu_.get(), 0);
    for (uint8_t i = 0; i < 8; ++i)
        ASSERT_EQ(table_->learn(mac_key(i), 0, kT0), learn_result::learned);
    const uint32_t held = table_->lookup(mac_key(5))->slot(); // a reader holds this slot
    ASSERT_TRUE(table_->remove(mac_key(5)));
    // The reader has not been quiescent: the slot stays reserved, its last_seen
    // untouched. New MACs take the reserve (8 slots, one per deleted or evicted
    // entry) until it runs out.
    EXPECT_EQ(table_->learn(mac_key(200), 1, kT0 + 50), learn_result::learned);
    for (uint8_t i = 0; i < 7; ++i) // each evicts port 0's oldest: 7 more held slots
        ASSERT_EQ(table_->learn(mac_key(201 + i, 4), 1, kT0 + 50), learn_result::learned) << int(i);
    EXPECT_EQ(table_->learn(mac_key(250), 1, kT0 + 50), learn_result::deferred); // nothing lost
    EXPECT_EQ(table_->last_seen(held), kT0);
    EXPECT_EQ(table_->size(), 8u);
    rte_rcu_qsbr_quiescent(rcu_.get(), 0);
    EXPECT_EQ(table_->learn(mac_key(250), 1, kT0), learn_result::learned);
    rte_rcu_qsbr_thread_offline(rcu_.get(), 0);
    rte_rcu_qsbr_thread_unregister(rcu_.get(), 0);
}

TEST_F(fdb_test, records_list_every_entry) {
    make(64, 300);
    table_->learn(mac_key(1), 0, kT0);
    table_->add_static(mac_key(2), 1, kT0);
    auto r = table_->records();
    ASSERT_EQ(r.size(), 2u);
    std::sort(r.begin(), r.end(), [](auto& a, auto& b) { return a.port < b.port; });
    EXPECT_EQ(r[0].mac.str(), "02:00:00:00:00:01");
    EXPECT_FALSE(r[0].is_static);
    EXPECT_EQ(r[1].mac.str(), "02:00:00:00:00:02");
    EXPECT_TRUE(r[1].is_static);
}

TEST_F(fdb_test, epoch_moves_on_every_change_a_reader_could_hold_stale) {
    // Workers' caches keep hits for one epoch: a removal, a move or a re-pin
    // must bump it; a new key or a refresh must not (nobody keeps a miss).
    make(64, 30);
    const fdb_key a = mac_key(1), b = mac_key(2);
    uint32_t e = table_->epoch();
    ASSERT_EQ(table_->learn(a, 0, kT0), learn_result::learned);
    ASSERT_EQ(table_->learn(b, 1, kT0), learn_result::learned);
    ASSERT_EQ(table_->learn(a, 0, kT0 + 1), learn_result::refreshed);
    EXPECT_EQ(table_->epoch(), e) << "a learn or a refresh";
    ASSERT_EQ(table_->learn(a, 2, kT0 + 2), learn_result::moved);
    EXPECT_NE(table_->epoch(), e) << "a move";
    e = table_->epoch();
    ASSERT_TRUE(table_->add_static(a, 1, kT0 + 2));
    EXPECT_NE(table_->epoch(), e) << "a re-pin";
    e = table_->epoch();
    EXPECT_EQ(table_->flush_port(1), 1u);
    EXPECT_NE(table_->epoch(), e) << "a flush";
    e = table_->epoch();
    ASSERT_TRUE(table_->remove(a));
    EXPECT_NE(table_->epoch(), e) << "a remove";
    e = table_->epoch();
    ASSERT_EQ(table_->learn(b, 1, kT0 + 3), learn_result::learned);
    EXPECT_EQ(table_->age(kT0 + 3 + 30, 1000), 1u);
    EXPECT_NE(table_->epoch(), e) << "aging";
    e = table_->epoch();
    ASSERT_EQ(table_->learn(b, 1, kT0 + 40), learn_result::learned);
    EXPECT_EQ(table_->remap_ports({1, 0}), 0u);
    EXPECT_NE(table_->epoch(), e) << "a renumbering";
}

} // namespace
} // namespace bridgehost
