// The workers' FDB cache on the real worker loop: whatever it holds, a frame
// goes where the FDB says at the start of its burst. Each case runs with the
// cache (the default) and without it (workers.fdb_cache: 0), and must give the
// same frames on the same ports. The worker runs on the test's thread with an
// explicit clock (launch_workers false): which second a frame is seen in is
// the test's choice, not a race with the clock's publication.
#include "ring_harness.hpp"

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

fdb_key key_of(const char* mac) {
    return make_fdb_key(*mac_address::parse(mac));
}

class fdb_cache_test : public harness_test, public ::testing::WithParamInterface<uint32_t> {
  protected:
    harness_options options(uint32_t aging = 300) const {
        harness_options o;
        o.fdb_cache = GetParam();
        o.aging_seconds = aging;
        o.launch_workers = false;
        return o;
    }
    /// `f` into `port`, and the worker's loop until it is done with it, at `now`.
    void pass(unsigned port, const frame& f, fdb_time now = kT0) {
        h_->inject(port, f);
        h_->poll(now);
    }
    /// learn_a_and_b on the test's thread.
    void learn_a_and_b_here() {
        pass(0, make_frame(kB, kA));
        pass(1, make_frame(kA, kB));
        h_->control_step(kT0);
        for (unsigned p = 0; p < h_->slots(); ++p)
            h_->drain(p);
    }
    /// A and B learned (A on port 0, B on port 1), then one frame each way so
    /// that, with the cache, B is cached as a destination and verified as a
    /// source on port 1, all at kT0.
    void warm() {
        learn_a_and_b_here();
        const frame to_b = make_frame(kB, kA), to_a = make_frame(kA, kB);
        pass(0, to_b);
        pass(1, to_a);
        ASSERT_EQ(h_->drain(1), std::vector<frame>{to_b});
        ASSERT_EQ(h_->drain(0), std::vector<frame>{to_a});
        ASSERT_EQ(h_->drain(2), std::vector<frame>{});
    }
};

TEST_P(fdb_cache_test, a_host_that_moves_within_one_tick_is_followed_at_once) {
    start(options());
    warm();
    // B speaks from port 2 in the same second: the move is posted from this
    // frame (the cache has B on port 1), and once learned, frames to B go to
    // port 2 in the same second (the move bumped the table's epoch).
    pass(2, make_frame(kA, kB));
    h_->drain(0);
    h_->control_step(kT0);
    EXPECT_EQ(h_->sw().control_stats().moved.get(), 1u);
    const frame f = make_frame(kB, kA);
    pass(0, f);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
}

TEST_P(fdb_cache_test, a_flushed_host_floods_in_the_same_tick) {
    start(options());
    warm();
    EXPECT_EQ(ok({{"cmd", "fdb flush"}, {"args", {{"port", "p1"}}}}).at("removed"), 1);
    const frame f = make_frame(kB, kA);
    pass(0, f);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    // And B is learned again from its next frame, in the same second.
    pass(1, make_frame(kA, kB));
    h_->control_step(kT0);
    const auto b = h_->sw().fdb().lookup(key_of(kB));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->port(), 1);
}

TEST_P(fdb_cache_test, a_verified_source_is_refreshed_again_once_the_clock_ticks) {
    start(options(30));
    warm(); // B verified at kT0
    h_->control_step(kT0 + 20);
    pass(1, make_frame(kA, kB), kT0 + 20); // must refresh B's last_seen to kT0 + 20
    h_->drain(0);
    for (int i = 0; i < 40; ++i)
        h_->control_step(kT0 + 40); // 40 s after learning, 20 s after the refresh
    EXPECT_TRUE(h_->sw().fdb().lookup(key_of(kB)));
}

TEST_P(fdb_cache_test, a_static_entry_pinned_over_a_cached_one_wins_at_once) {
    start(options());
    warm();
    ok({{"cmd", "fdb add"}, {"args", {{"mac", kB}, {"port", "p2"}}}});
    const frame f = make_frame(kB, kA);
    pass(0, f);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    // A frame from B on port 1 does not move the static entry.
    pass(1, make_frame(kA, kB));
    h_->control_step(kT0);
    EXPECT_EQ(h_->sw().fdb().lookup(key_of(kB))->port(), 2);
}

INSTANTIATE_TEST_SUITE_P(cache, fdb_cache_test, ::testing::Values(16384u, 0u),
                         [](const ::testing::TestParamInfo<uint32_t>& i) {
                             return i.param != 0 ? std::string("on") : std::string("off");
                         });

} // namespace
} // namespace bridgehost::test
