// The real worker loop on lcore 1 between three net_ring ports: exact frames in, exact frames out.
#include "ring_harness.hpp"

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

constexpr const char* kC = "02:00:00:00:00:0c";

fdb_key key_of(const char* mac) {
    return make_fdb_key(*mac_address::parse(mac));
}

harness_options aging(uint32_t seconds) {
    harness_options o;
    o.aging_seconds = seconds;
    return o;
}

class forwarding : public harness_test {
  protected:
    /// B says something on port 1, so the bridge learns B there.
    void learn_b_on_port1() {
        send(1, make_frame(kBroadcast, kB)); // reads the rx count before injecting
        h_->control_step(kT0);
        h_->drain(0);
        h_->drain(2);
        ASSERT_TRUE(h_->sw().fdb().lookup(key_of(kB)));
    }
};

TEST_F(forwarding, unknown_unicast_floods_to_every_other_port_and_not_back) {
    start();
    const frame f = make_frame(kB, kA);
    h_->inject(0, f);
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    EXPECT_EQ(h_->counters(0).flooded, 1u);
    EXPECT_EQ(h_->counters(1).tx_packets, 1u);
    EXPECT_EQ(h_->counters(2).tx_packets, 1u);
    EXPECT_EQ(h_->counters(1).tx_bytes, f.size());
}

TEST_F(forwarding, broadcast_floods) {
    start();
    const frame f = make_frame(kBroadcast, kA, 100);
    h_->inject(2, f);
    h_->wait_rx(2, 1);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});
    EXPECT_EQ(h_->counters(2).flooded, 1u);
    EXPECT_EQ(h_->counters(2).rx_bytes, f.size());
}

TEST_F(forwarding, after_the_reply_is_learned_unicast_goes_to_exactly_one_port) {
    start();
    h_->inject(0, make_frame(kB, kA)); // A asks: flooded, A learned on 0
    h_->wait_rx(0, 1);
    h_->control_step(kT0);
    h_->drain(1);
    h_->drain(2);

    const frame reply = make_frame(kA, kB);
    h_->inject(1, reply); // B answers: A is known, so only port 0 gets it
    h_->wait_rx(1, 1);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{reply});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});
    h_->control_step(kT0);

    const frame again = make_frame(kB, kA); // now B is known too
    h_->inject(0, again);
    h_->wait_rx(0, 2);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{again});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});
    EXPECT_EQ(h_->counters(0).unicast, 1u);
    EXPECT_EQ(h_->counters(0).flooded, 1u);
    EXPECT_EQ(h_->counters(1).unicast, 1u);
    EXPECT_EQ(h_->sw().control_stats().learned.get(), 2u);
}

TEST_F(forwarding, destination_on_the_ingress_port_is_dropped_and_counted) {
    start();
    learn_b_on_port1();
    h_->inject(1, make_frame(kB, kC)); // C, on B's segment, talks to B: not our business
    h_->wait_rx(1, 2);
    for (unsigned p = 0; p < 3; ++p)
        EXPECT_EQ(h_->drain(p), std::vector<frame>{}) << "port " << p;
    EXPECT_EQ(h_->counters(1).drop(drop_reason::filtered), 1u);
}

TEST_F(forwarding, aged_entry_floods_again) {
    start(aging(30));
    learn_b_on_port1();
    h_->inject(0, make_frame(kB, kA));
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(1).size(), 1u);
    EXPECT_EQ(h_->drain(2).size(), 0u);

    // 30 s later, with no frame from B since: B ages out within one aging pass
    // (the scan examines slots/10000 + 64 slots per control step, of 2049:
    // the capacity, as many again for evictions, one spare).
    for (int i = 0; i < 40 && h_->sw().fdb().lookup(key_of(kB)); ++i)
        h_->control_step(kT0 + 30);
    EXPECT_FALSE(h_->sw().fdb().lookup(key_of(kB)));
    EXPECT_GE(h_->sw().control_stats().aged.get(), 1u);

    const frame f = make_frame(kB, kA);
    h_->inject(0, f);
    h_->wait_rx(0, 2);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
}

TEST_F(forwarding, traffic_from_a_host_keeps_its_entry_from_aging) {
    start(aging(30));
    learn_b_on_port1();
    // The worker refreshes B when it sees it after the clock ticked.
    h_->control_step(kT0 + 20); // publishes the clock; nothing is old yet
    h_->inject(1, make_frame(kBroadcast, kB));
    h_->wait_rx(1, 2);
    for (int i = 0; i < 4; ++i)
        h_->control_step(kT0 + 40); // 40 s after learning, 20 s after the refresh
    EXPECT_TRUE(h_->sw().fdb().lookup(key_of(kB)));
}

TEST_F(forwarding, a_host_that_moves_is_followed) {
    start();
    learn_b_on_port1();
    h_->inject(2, make_frame(kBroadcast, kB)); // B now speaks from port 2
    h_->wait_rx(2, 1);
    h_->control_step(kT0 + 1);
    EXPECT_EQ(h_->sw().control_stats().moved.get(), 1u);
    h_->drain(0);
    h_->drain(1);

    const frame f = make_frame(kB, kA);
    h_->inject(0, f);
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
}

TEST_F(forwarding, static_entry_forwards_without_learning_and_does_not_move) {
    harness_options o;
    o.static_entries = {static_entry(kC, 2)};
    start(o);
    const frame f = make_frame(kC, kA);
    h_->inject(0, f);
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});

    h_->inject(1, make_frame(kBroadcast, kC)); // a spoof of C on port 1
    h_->wait_rx(1, 1);
    h_->control_step(kT0);
    EXPECT_EQ(h_->sw().control_stats().moved.get(), 0u);
    const auto idx = h_->sw().fdb().lookup(make_fdb_key(o.static_entries[0].mac));
    ASSERT_TRUE(idx);
    EXPECT_EQ(idx->port(), 2);
    EXPECT_TRUE(idx->is_static());
}

TEST_F(forwarding, runt_and_invalid_source_frames_are_dropped_and_counted) {
    start();
    frame runt = make_frame(kB, kA);
    runt.resize(13);
    h_->inject(0, runt);
    h_->inject(0, make_frame(kB, "01:00:5e:00:00:01")); // multicast source
    h_->inject(0, make_frame(kB, "00:00:00:00:00:00")); // all-zero source
    h_->wait_rx(0, 3);
    for (unsigned p = 0; p < 3; ++p)
        EXPECT_EQ(h_->drain(p), std::vector<frame>{}) << "port " << p;
    EXPECT_EQ(h_->counters(0).drop(drop_reason::runt), 1u);
    EXPECT_EQ(h_->counters(0).drop(drop_reason::invalid_src), 2u);
    h_->control_step(kT0);
    EXPECT_EQ(h_->sw().fdb().size(), 0u);
}

TEST_F(forwarding, a_full_tx_queue_drops_and_counts_and_does_not_block_other_ports) {
    harness_options o;
    o.tx_ring_size = 4; // a ring of 4 holds 3 frames
    start(o);
    for (int i = 0; i < 8; ++i)
        h_->inject(0, make_frame(kBroadcast, kA));
    h_->wait_rx(0, 8);
    EXPECT_EQ(h_->drain(1).size(), 3u);
    EXPECT_EQ(h_->drain(2).size(), 3u);
    EXPECT_EQ(h_->counters(1).drop(drop_reason::tx_full), 5u);
    EXPECT_EQ(h_->counters(2).drop(drop_reason::tx_full), 5u);
    EXPECT_EQ(h_->counters(1).tx_packets, 3u);
}

TEST_F(forwarding, a_burst_is_decided_frame_by_frame) {
    start();
    learn_b_on_port1();
    // One burst mixing every verdict: unicast to B, broadcast, filtered (dst A on 0 after
    // learning).
    const frame to_b = make_frame(kB, kA), bcast = make_frame(kBroadcast, kA, 60);
    h_->inject(0, to_b);
    h_->inject(0, bcast);
    h_->wait_rx(0, 2);
    EXPECT_EQ(h_->drain(1), (std::vector<frame>{to_b, bcast}));
    EXPECT_EQ(h_->drain(2), std::vector<frame>{bcast});
}

TEST_F(forwarding, runs_of_equal_addresses_in_one_burst_are_each_forwarded_and_learned) {
    // The worker looks each run of equal destinations (and sources) up once;
    // every frame must still get its own verdict, and every new source be learned.
    start();
    learn_b_on_port1();
    constexpr const char* kD = "02:00:00:00:00:0d";
    constexpr const char* kX = "02:00:00:00:00:99"; // never seen: floods
    const frame ab1 = make_frame(kB, kA, 46), ab2 = make_frame(kB, kA, 47),
                ax = make_frame(kX, kA, 48), ab3 = make_frame(kB, kA, 49),
                db = make_frame(kB, kD, 50), bc = make_frame(kBroadcast, kD, 51),
                ab4 = make_frame(kB, kA, 52);
    h_->inject_burst(0, {ab1, ab2, ax, ab3, db, bc, ab4});
    h_->wait_rx(0, 7);
    EXPECT_EQ(h_->drain(1), (std::vector<frame>{ab1, ab2, ax, ab3, db, bc, ab4}));
    EXPECT_EQ(h_->drain(2), (std::vector<frame>{ax, bc}));
    EXPECT_EQ(h_->counters(0).unicast, 5u);
    EXPECT_EQ(h_->counters(0).flooded, 2u);

    h_->control_step(kT0);
    const auto a = h_->sw().fdb().lookup(key_of(kA)), d = h_->sw().fdb().lookup(key_of(kD));
    ASSERT_TRUE(a);
    ASSERT_TRUE(d);
    EXPECT_EQ(a->port(), 0);
    EXPECT_EQ(d->port(), 0);
    EXPECT_FALSE(h_->sw().fdb().lookup(key_of(kX)));
    EXPECT_EQ(h_->sw().control_stats().learned.get(), 3u); // B, then A and D
}

TEST_F(forwarding, worker_counts_busy_cycles_per_frame_received) {
    // A stall threshold out of reach: under a loaded ctest -j2 the burst can be
    // preempted past the default 100 us, and it would then count as a stall.
    harness_options o;
    o.stall_us = 1000000;
    start(o);
    const worker_totals before = h_->sw().worker_stats();
    EXPECT_EQ(before.rx_packets, 0u);
    std::vector<frame> burst(16, make_frame(kBroadcast, kA));
    h_->inject_burst(0, burst);
    h_->wait_rx(0, 16);
    const worker_totals after = h_->sw().worker_stats();
    EXPECT_EQ(after.rx_packets, 16u);
    EXPECT_GT(after.busy_cycles, 0u);
    EXPECT_GT(after.busy_cycles_per_packet(), 0.0);
    EXPECT_EQ(h_->sw().worker_stats(0).rx_packets, 16u);
    EXPECT_EQ(h_->sw().worker_stats(1).rx_packets, 0u); // there is no worker 1
    EXPECT_LT(after.idle_percent(), 100.0);
    h_->drain(1);
    h_->drain(2);
}

// A burst longer than the stall threshold (here every burst) is counted as a
// stall and kept out of busy cycles, so a preemption cannot inflate them.
TEST_F(forwarding, burst_longer_than_the_stall_threshold_counts_as_a_stall_not_busy) {
    harness_options o;
    o.stall_us = 0;
    start(o);
    std::vector<frame> burst(16, make_frame(kBroadcast, kA));
    h_->inject_burst(0, burst);
    h_->wait_rx(0, 16);
    const worker_totals t = h_->sw().worker_stats();
    EXPECT_EQ(t.rx_packets, 16u);
    EXPECT_EQ(t.busy_cycles, 0u);
    EXPECT_EQ(t.busy_cycles_per_packet(), 0.0);
    EXPECT_EQ(t.stalls, 1u); // one rx burst held the 16 frames
    EXPECT_GT(t.stall_cycles, 0u);
    EXPECT_EQ(h_->drain(1).size(), 16u); // stalled or not, the frames went out
    EXPECT_EQ(h_->drain(2).size(), 16u);
}

} // namespace
} // namespace bridgehost::test
