// MAC limits and flapping through the real worker: a CAM-overflow burst on one port
// leaves the other ports' stations unicast, a port at its limit refuses, a flapping
// MAC is reported and frozen, and reload changes the limits live.
#include "ring_harness.hpp"

#include <chrono>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

constexpr const char* kUnknown = "02:00:00:00:00:ff"; ///< a destination nobody has

/// `n` frames from distinct random locally administered unicast sources (06:...),
/// to an unknown destination.
std::vector<frame> random_sources(unsigned n, uint32_t seed = 7) {
    std::mt19937_64 rng(seed);
    std::set<std::string> seen;
    std::vector<frame> frames;
    while (frames.size() < n) {
        char mac[18];
        const uint64_t r = rng();
        std::snprintf(mac, sizeof(mac), "06:%02x:%02x:%02x:%02x:%02x", unsigned(r & 0xff),
                      unsigned(r >> 8 & 0xff), unsigned(r >> 16 & 0xff), unsigned(r >> 24 & 0xff),
                      unsigned(r >> 32 & 0xff));
        if (seen.insert(mac).second)
            frames.push_back(make_frame(kUnknown, mac));
    }
    return frames;
}

fdb_key key_of(const char* mac) {
    return make_fdb_key(*mac_address::parse(mac));
}

class fdb_limits : public harness_test {
  protected:
    /// A's and B's frames each go to exactly the other's port.
    void expect_a_and_b_unicast() {
        const frame to_b = make_frame(kB, kA), to_a = make_frame(kA, kB);
        send(0, to_b);
        send(1, to_a);
        EXPECT_EQ(h_->drain(1), std::vector<frame>{to_b});
        EXPECT_EQ(h_->drain(0), std::vector<frame>{to_a});
        EXPECT_EQ(h_->drain(2), std::vector<frame>{});
    }
    /// Control passes at `now` until `learned` entries were learned in all: evictions
    /// may wait for the worker's quiescent state (learn_result::deferred).
    void learn_until(fdb_time now, uint64_t learned) {
        for (int i = 0; i < 2000 && h_->sw().fdb_stats().learned < learned; ++i) {
            h_->control_step(now);
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }
    json fdb_entry(const char* mac) {
        const json r = h_->sw().handle({{"cmd", "show fdb"}, {"args", {{"mac", mac}}}});
        return r.at("result").at("entries").at(0);
    }
};

TEST_F(fdb_limits, a_burst_of_random_sources_on_one_port_evicts_only_that_ports_entries) {
    harness_options o;
    o.fdb_capacity = 64;
    start(o);
    learn_a_and_b();
    const std::vector<frame> burst = random_sources(200);
    send_all(2, burst);
    learn_until(kT0 + 1, 202);
    // Unknown destination: every frame flooded to ports 0 and 1, none back.
    EXPECT_EQ(h_->drain(0), burst);
    EXPECT_EQ(h_->drain(1), burst);
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});

    const mac_table& fdb = h_->sw().fdb();
    EXPECT_EQ(fdb.size(), 64u);
    EXPECT_EQ(fdb.port_count(0), 1u);
    EXPECT_EQ(fdb.port_count(1), 1u);
    EXPECT_EQ(fdb.port_count(2), 62u);
    const control_totals t = h_->sw().fdb_stats();
    EXPECT_EQ(t.learned, 202u);
    EXPECT_EQ(t.evicted, 202u - 64u);
    EXPECT_EQ(t.table_full, 0u);
    EXPECT_EQ(t.limit_refused, 0u);
    // A and B were never evicted: their frames go unicast, not flooded.
    expect_a_and_b_unicast();
    EXPECT_EQ(h_->counters(0).unicast, 1u); // learn_a_and_b's frames were flooded
    EXPECT_EQ(h_->counters(1).unicast, 1u);
    // The last 62 sources are the ones kept.
    for (size_t i = 0; i < burst.size(); ++i)
        EXPECT_EQ(fdb.lookup(make_fdb_key(&burst[i][6])).has_value(), i >= 138) << i;
    const json stats = h_->sw().handle({{"cmd", "show stats"}}).at("result").at("fdb");
    EXPECT_EQ(stats.at("evicted"), 138);
    EXPECT_EQ(stats.at("entries"), 64);
}

TEST_F(fdb_limits, a_port_at_its_limit_refuses_new_sources_and_their_frames_flood) {
    harness_options o;
    o.mac_limits = {{}, {}, {4, mac_limit_action::refuse}};
    start(o);
    learn_a_and_b();
    const std::vector<frame> burst = random_sources(10);
    send_all(2, burst);
    h_->control_step(kT0 + 1);
    h_->drain(0);
    h_->drain(1);
    EXPECT_EQ(h_->sw().fdb().port_count(2), 4u);
    const control_totals t = h_->sw().fdb_stats();
    EXPECT_EQ(t.learned, 6u);
    EXPECT_EQ(t.limit_refused, 6u);
    // To a learned one: unicast to port 2. To a refused one: flooded.
    const std::string kept = key_mac(make_fdb_key(&burst[0][6])).str();
    const std::string refused = key_mac(make_fdb_key(&burst[9][6])).str();
    const frame to_kept = make_frame(kept.c_str(), kA),
                to_refused = make_frame(refused.c_str(), kA);
    send(0, to_kept);
    EXPECT_EQ(h_->drain(2), std::vector<frame>{to_kept});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    send(0, to_refused);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{to_refused});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{to_refused});
    const json ports = h_->sw().handle({{"cmd", "show ports"}}).at("result");
    EXPECT_EQ(ports.at(2).at("macs"), 4);
    EXPECT_EQ(ports.at(2).at("mac_limit"), (json{{"max_macs", 4}, {"mac_limit_action", "refuse"}}));
    EXPECT_EQ(ports.at(0).at("macs"), 1);
}

TEST_F(fdb_limits, a_flapping_mac_is_counted_once_and_frozen_where_it_is) {
    harness_options o;
    o.flapping = {2, 10}; // more than 2 moves a second; frozen 10 s
    start(o);
    learn_a_and_b(); // A on 0
    const frame from_a = make_frame(kBroadcast, kA);
    // A on 1, 0, 1: the third move within the second starts the episode.
    for (unsigned port : {1u, 0u, 1u}) {
        send(port, from_a);
        h_->control_step(kT0);
    }
    EXPECT_EQ(h_->sw().fdb().lookup(key_of(kA))->port(), 1);
    control_totals t = h_->sw().fdb_stats();
    EXPECT_EQ(t.moved, 3u);
    EXPECT_EQ(t.flapping, 1u);
    EXPECT_EQ(t.move_frozen, 0u);
    EXPECT_EQ(fdb_entry(kA).at("flapping"), true);
    EXPECT_EQ(fdb_entry(kA).at("frozen"), true);
    EXPECT_EQ(fdb_entry(kB).at("flapping"), false);
    // Frozen: seen on 0 and 2, it stays on 1 (each refusal counted), however often.
    // (The worker posts a MAC on one port once per clock tick, and may not have
    // read the tick a control step just published: each attempt changes port.)
    for (const auto& [port, t1] : {std::pair{0u, kT0}, {2u, kT0 + 5}, {0u, kT0 + 9}}) {
        h_->control_step(t1);
        send(port, from_a);
        h_->control_step(t1);
        EXPECT_EQ(h_->sw().fdb().lookup(key_of(kA))->port(), 1) << t1;
    }
    t = h_->sw().fdb_stats();
    EXPECT_EQ(t.move_frozen, 3u);
    EXPECT_EQ(t.flapping, 1u);
    // Ten seconds on, it moves again.
    h_->control_step(kT0 + 10);
    send(2, from_a);
    h_->control_step(kT0 + 10);
    EXPECT_EQ(h_->sw().fdb().lookup(key_of(kA))->port(), 2);
    EXPECT_EQ(h_->sw().fdb_stats().moved, 4u);
    EXPECT_EQ(fdb_entry(kA).at("frozen"), false);
}

TEST_F(fdb_limits, reload_changes_limits_and_flapping_and_keeps_learned_entries) {
    start();
    learn_a_and_b();
    send_all(2, random_sources(3));
    h_->control_step(kT0);
    bridge& sw = h_->sw();
    config next = sw.running_config();
    next.ports[2].mac_limit = {2, mac_limit_action::evict_oldest};
    next.fdb.flapping = {0, 0};
    const json r = sw.reload(next);
    EXPECT_EQ(r.at("applied"), (json{"ports.p2.max_macs 0 (no limit) -> 2 evict_oldest",
                                     "fdb.flapping 5 moves/s, freeze 0 s -> off"}));
    EXPECT_EQ(r.at("needs_restart"), json::array());
    // A lower limit evicts nothing by itself; a new MAC replaces the oldest, one for one.
    EXPECT_EQ(sw.fdb().port_count(2), 3u);
    send_all(2, random_sources(1, 99));
    h_->control_step(kT0 + 1);
    EXPECT_EQ(sw.fdb().port_count(2), 3u);
    EXPECT_EQ(sw.fdb_stats().limit_evicted, 1u);
    EXPECT_EQ(sw.fdb().size(), 5u);
    EXPECT_EQ(sw.handle({{"cmd", "show config"}}).at("result").at("ports").at(2).at("max_macs"), 2);
    EXPECT_EQ(sw.reload(next),
              (json{{"applied", json::array()}, {"needs_restart", json::array()}}));
    for (unsigned p = 0; p < 3; ++p)
        h_->drain(p);
}

} // namespace
} // namespace bridgehost::test
