// The worker's FDB cache (fdb/fdb_cache.hpp): what it answers, and when it stops answering.
#include "fdb/fdb_cache.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

constexpr fdb_time kTick = 100;
constexpr uint32_t kEpoch = 7;

fdb_key key(uint64_t n) {
    return (n + 1) << 8 | 0x02; // unicast, locally administered, never 0
}

class cache_test : public ::testing::Test {
  protected:
    cache_test() : c_(1024) { c_.begin_burst(kTick, kEpoch); }
    /// Fills `k` with the signature it would have in the worker.
    void fill(fdb_key k, uint16_t port, bool verified = false, bool is_static = false) {
        c_.fill(k, fdb_hash(k), port, is_static, verified);
    }
    const fdb_cache::entry* find(fdb_key k) const { return c_.find(k, fdb_hash(k)); }
    /// `n` keys whose signatures pick the same set as key(0)'s.
    std::vector<fdb_key> keys_of_one_set(size_t n) const {
        std::vector<fdb_key> keys;
        const uint32_t set_mask = c_.entries() / fdb_cache::kWays - 1;
        const uint32_t want = fdb_hash(key(0)) & set_mask;
        for (uint64_t i = 0; keys.size() < n; ++i)
            if ((fdb_hash(key(i)) & set_mask) == want)
                keys.push_back(key(i));
        return keys;
    }
    fdb_cache c_;
};

TEST_F(cache_test, answers_what_was_filled_and_nothing_else) {
    EXPECT_EQ(find(key(1)), nullptr);
    fill(key(1), 3, true);
    const fdb_cache::entry* e = find(key(1));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->port, 3);
    EXPECT_EQ(e->verified, 1);
    EXPECT_EQ(e->is_static, 0);
    EXPECT_EQ(find(key(2)), nullptr);
}

TEST_F(cache_test, a_zeroed_entry_never_matches_key_zero) {
    // Fresh memory is all zeros: key 0 in generation 0, which never is current.
    EXPECT_EQ(c_.find(0, 0), nullptr);
}

TEST_F(cache_test, refilling_a_key_replaces_its_entry) {
    fill(key(1), 3, true);
    fill(key(1), 4, false, true);
    const fdb_cache::entry* e = find(key(1));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->port, 4);
    EXPECT_EQ(e->verified, 0);
    EXPECT_EQ(e->is_static, 1);
}

TEST_F(cache_test, a_tick_or_an_epoch_change_makes_every_entry_stale) {
    fill(key(1), 3, true);
    c_.begin_burst(kTick, kEpoch); // the same burst's values: nothing changes
    EXPECT_NE(find(key(1)), nullptr);
    c_.begin_burst(kTick + 1, kEpoch);
    EXPECT_EQ(find(key(1)), nullptr);
    fill(key(1), 3, true);
    c_.begin_burst(kTick + 1, kEpoch + 1);
    EXPECT_EQ(find(key(1)), nullptr);
    fill(key(1), 5);
    c_.invalidate();
    EXPECT_EQ(find(key(1)), nullptr);
}

TEST_F(cache_test, a_full_set_drops_its_oldest_entry) {
    // Five keys of one set (the same low signature bits): the first one goes.
    const std::vector<fdb_key> same_set = keys_of_one_set(5);
    for (uint16_t i = 0; i < 5; ++i)
        fill(same_set[i], i);
    EXPECT_EQ(find(same_set[0]), nullptr);
    for (uint16_t i = 1; i < 5; ++i) {
        const fdb_cache::entry* e = find(same_set[i]);
        ASSERT_NE(e, nullptr) << i;
        EXPECT_EQ(e->port, i);
    }
}

TEST_F(cache_test, a_stale_way_is_reused_before_a_current_one_is_dropped) {
    const std::vector<fdb_key> same_set = keys_of_one_set(8);
    for (unsigned i = 0; i < 4; ++i)
        fill(same_set[i], 1);
    c_.begin_burst(kTick + 1, kEpoch); // all four stale
    for (unsigned i = 4; i < 8; ++i)
        fill(same_set[i], 2);
    for (unsigned i = 4; i < 8; ++i)
        EXPECT_NE(find(same_set[i]), nullptr) << i;
}

TEST(fdb_cache, off_when_sized_zero) {
    fdb_cache c(0);
    EXPECT_FALSE(c.enabled());
    EXPECT_EQ(c.entries(), 0u);
    fdb_cache on(256);
    EXPECT_TRUE(on.enabled());
    EXPECT_EQ(on.entries(), 256u);
}

TEST(fdb_cache, a_cache_that_rarely_hits_is_skipped_for_a_second_but_sampled) {
    fdb_cache c(1024);
    EXPECT_TRUE(c.begin_burst(kTick, kEpoch));
    c.note(100, 5000); // 2 % in that second
    unsigned probing = 0;
    for (int i = 0; i < 160; ++i)
        probing += c.begin_burst(kTick + 1, kEpoch);
    EXPECT_EQ(probing, 160u / fdb_cache::kSampleEvery);
    c.note(4000, 5000); // the sampled bursts hit well: the next second uses it again
    EXPECT_TRUE(c.begin_burst(kTick + 2, kEpoch));
    EXPECT_TRUE(c.begin_burst(kTick + 2, kEpoch));
}

TEST(fdb_cache, too_few_keys_in_a_second_give_no_verdict) {
    fdb_cache c(1024);
    EXPECT_TRUE(c.begin_burst(kTick, kEpoch));
    c.note(0, fdb_cache::kMinProbes - 1);
    EXPECT_TRUE(c.begin_burst(kTick + 1, kEpoch));
    EXPECT_TRUE(c.begin_burst(kTick + 1, kEpoch));
}

} // namespace
} // namespace bridgehost
