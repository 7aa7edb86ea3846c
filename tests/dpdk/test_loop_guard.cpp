// Loop guard and BPDU guard with the real worker between three net_ring ports:
// the probe's exact bytes, a probe coming back blocking one port (frames from
// and to it dropped and counted, the others still forwarding), recovery after
// the hold time, BPDU guard and `port enable`.
#include "ring_harness.hpp"

#include <gtest/gtest.h>

#include <rte_ethdev.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

constexpr const char* kC = "02:00:00:00:00:0c";
constexpr uint64_t kMs0 = 1'000'000; ///< the guard's clock at the first pass

/// A probe as the switch must send it on `port` (its MAC, our instance, that origin).
frame expected_probe(bridge& sw, uint16_t port, uint32_t seq) {
    const json ports = sw.handle({{"cmd", "show ports"}}).at("result");
    frame f(kProbeLen);
    build_probe(f.data(), *mac_address::parse(ports[port].at("mac").get<std::string>()),
                sw.guard().shared().instance, port, seq);
    return f;
}

/// An 802.1D configuration BPDU from `src`: to 01:80:c2:00:00:00, LLC 42 42 03.
frame make_bpdu(const char* src) {
    frame f = make_frame("01:80:c2:00:00:00", src, 46);
    f[12] = 0x00; // an 802.3 length, then LLC
    f[13] = 0x26;
    f[14] = 0x42;
    f[15] = 0x42;
    f[16] = 0x03;
    return f;
}

class loop_guard_test : public harness_test {
  protected:
    json port_json(unsigned port) {
        return h_->sw().handle({{"cmd", "show ports"}}).at("result").at(port);
    }
    uint64_t drops(unsigned port, drop_reason r) { return h_->counters(port).drop(r); }
    /// A guard pass that may send a round of probes: they are taken off the tx rings.
    void guard_step_and_drain(uint64_t now_ms) {
        h_->guard_step(now_ms);
        for (unsigned p = 0; p < h_->slots(); ++p)
            h_->wait_tx(p, 1);
    }
};

TEST_F(loop_guard_test, a_probe_coming_back_blocks_one_port_until_the_loop_is_gone) {
    harness_options o;
    o.static_entries = {static_entry(kS, 1)};
    start(o);
    bridge& sw = h_->sw();
    learn_a_and_b(); // A on p0, B on p1

    // A round of probes: one per port, each from the port's own MAC.
    h_->guard_step(kMs0);
    std::vector<frame> sent0 = h_->wait_tx(0, 1);
    ASSERT_EQ(sent0.size(), 1u);
    EXPECT_EQ(sent0[0], expected_probe(sw, 0, 0));
    EXPECT_EQ(h_->wait_tx(1, 1), std::vector<frame>{expected_probe(sw, 1, 1)});
    EXPECT_EQ(h_->wait_tx(2, 1), std::vector<frame>{expected_probe(sw, 2, 2)});
    EXPECT_EQ(port_json(0).at("loop_guard").at("probes_sent"), 1);
    EXPECT_EQ(port_json(0).at("state"), "forwarding");
    EXPECT_EQ(port_json(0).at("state_text"), "forwarding");
    const uint64_t p1_tx = h_->counters(1).tx_packets;

    // p0's probe comes back on p1: a loop between p0 and p1; p1 (the higher) is blocked.
    send(1, sent0[0]);
    EXPECT_EQ(drops(1, drop_reason::loop_probe), 1u);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{}); // a probe of ours is never forwarded
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});
    h_->guard_step(kMs0 + 100); // no round due yet
    const json p1 = port_json(1);
    EXPECT_EQ(p1.at("state"), "blocked");
    EXPECT_EQ(p1.at("blocked_reason"), "loop");
    EXPECT_EQ(p1.at("loop_with"), "p0");
    EXPECT_EQ(p1.at("state_text"), "blocked (loop with p0)");
    EXPECT_EQ(p1.at("loop_guard").at("loops"), 1);
    EXPECT_EQ(p1.at("loop_guard").at("probes_returned"), 1);
    EXPECT_EQ(port_json(0).at("state"), "forwarding");
    EXPECT_EQ(port_json(2).at("state"), "forwarding");
    EXPECT_TRUE(sw.metrics().ports[1].blocked);
    EXPECT_EQ(sw.metrics().ports[1].loops, 1u);
    // What p1 taught is forgotten (static entries stay).
    EXPECT_FALSE(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kB))));
    EXPECT_TRUE(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kA))));
    EXPECT_TRUE(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kS))));

    // From p1: dropped. To p1: not flooded there, unicast to it dropped. p0 <-> p2 forward.
    send(1, make_frame(kBroadcast, kB));
    EXPECT_EQ(drops(1, drop_reason::port_blocked), 1u);
    const frame bcast = make_frame(kBroadcast, kA);
    send(0, bcast);
    EXPECT_EQ(h_->drain(2), std::vector<frame>{bcast});
    send(0, make_frame(kS, kA)); // kS is pinned on p1
    EXPECT_EQ(drops(0, drop_reason::port_blocked), 1u);
    const frame to_a = make_frame(kA, kC);
    send(2, to_a);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{to_a});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{}); // nothing at all went to p1
    EXPECT_EQ(h_->counters(1).tx_packets, p1_tx);

    // The loop goes on while the port is blocked: p0's probes still come back on p1.
    guard_step_and_drain(kMs0 + 1000);
    send(1, make_frame(kBroadcast, kB)); // still refused
    send(1, expected_probe(sw, 0, 3));
    h_->guard_step(kMs0 + 1100);
    EXPECT_EQ(port_json(1).at("state"), "blocked");
    EXPECT_EQ(port_json(1).at("loop_guard").at("loops"), 1); // one loop, one block

    // The loop is gone: no probe back for the hold time (10 s from the last at +1100).
    for (uint64_t t = kMs0 + 2000; t <= kMs0 + 11000; t += 1000)
        guard_step_and_drain(t);
    EXPECT_EQ(port_json(1).at("state"), "blocked");
    h_->guard_step(kMs0 + 11100);
    EXPECT_EQ(port_json(1).at("state"), "forwarding");
    EXPECT_FALSE(sw.metrics().ports[1].blocked);
    const frame from_b = make_frame(kBroadcast, kB);
    send(1, from_b);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{from_b});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{from_b});
    EXPECT_EQ(drops(1, drop_reason::port_blocked), 2u);
    EXPECT_EQ(drops(1, drop_reason::loop_probe), 2u);
}

TEST_F(loop_guard_test, another_instances_probe_is_forwarded_like_any_frame) {
    start();
    bridge& sw = h_->sw();
    frame foreign(kProbeLen);
    build_probe(foreign.data(), *mac_address::parse(kC), sw.guard().shared().instance + 1, 0, 0);
    send(0, foreign);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{foreign});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{foreign});
    h_->guard_step(kMs0);
    for (unsigned p = 0; p < 3; ++p) {
        h_->wait_tx(p, 1);
        EXPECT_EQ(port_json(p).at("state"), "forwarding");
    }
    EXPECT_EQ(drops(0, drop_reason::loop_probe), 0u);
}

TEST_F(loop_guard_test, disabled_it_sends_no_probe) {
    harness_options o;
    o.loop_guard.enabled = false;
    start(o);
    h_->guard_step(kMs0);
    h_->guard_step(kMs0 + 5000);
    send(0, make_frame(kBroadcast, kA)); // the worker has looked at its probe ring since
    h_->drain(1);
    h_->drain(2);
    send(1, make_frame(kBroadcast, kB));
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    EXPECT_EQ(port_json(0).at("loop_guard").at("probes_sent"), 0);
}

TEST_F(loop_guard_test, no_probe_goes_to_a_port_whose_link_is_down) {
    start();
    bridge& sw = h_->sw();
    const uint16_t p1 = port_json(1).at("port_id");
    ASSERT_EQ(rte_eth_dev_set_link_down(p1), 0);
    sw.housekeeping(kT0);
    h_->guard_step(kMs0);
    h_->wait_tx(0, 1);
    h_->wait_tx(2, 1);
    send(0, make_frame(kBroadcast, kA)); // the worker has looked at its probe ring since
    send(2, make_frame(kBroadcast, kC));
    EXPECT_EQ(h_->drain(1).size(), 2u); // the two broadcasts, no probe
    EXPECT_EQ(port_json(1).at("loop_guard").at("probes_sent"), 0);
    EXPECT_EQ(port_json(0).at("loop_guard").at("probes_sent"), 1);
    ASSERT_EQ(rte_eth_dev_set_link_up(p1), 0);
}

TEST_F(loop_guard_test, a_bpdu_on_a_bpdu_guard_port_blocks_it_until_enabled) {
    harness_options o;
    o.bpdu_guard_ports = 0b100; // p2
    start(o);
    bridge& sw = h_->sw();
    // Without bpdu_guard a BPDU is flooded as before.
    const frame bpdu0 = make_bpdu(kA);
    send(0, bpdu0);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{bpdu0});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{bpdu0});

    send(2, make_bpdu(kC));
    EXPECT_EQ(drops(2, drop_reason::bpdu_guard), 1u);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});
    h_->guard_step(kMs0);
    for (unsigned p = 0; p < 3; ++p)
        h_->wait_tx(p, 1); // the probes
    json p2 = port_json(2);
    EXPECT_EQ(p2.at("state"), "blocked");
    EXPECT_EQ(p2.at("blocked_reason"), "bpdu");
    EXPECT_EQ(p2.at("state_text"), "blocked (bpdu)");
    EXPECT_EQ(p2.at("bpdu_guard"), true);
    EXPECT_EQ(p2.at("loop_guard").at("bpdus"), 1);
    EXPECT_EQ(sw.metrics().ports[2].bpdus, 1u);

    // Blocked with no timeout: frames from it dropped, floods skip it.
    guard_step_and_drain(kMs0 + 3'600'000);
    send(2, make_frame(kBroadcast, kC));
    EXPECT_EQ(drops(2, drop_reason::port_blocked), 1u);
    const frame bcast = make_frame(kBroadcast, kA);
    send(0, bcast);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{bcast});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});

    // The operator enables it; a port that is not blocked is refused.
    const json refused = sw.handle({{"cmd", "port enable"}, {"args", {{"port", "p0"}}}});
    EXPECT_FALSE(refused.at("ok").get<bool>());
    EXPECT_EQ(refused.at("error"), "port p0 is not blocked");
    const json ok = sw.handle({{"cmd", "port enable"}, {"args", {{"port", "p2"}}}});
    ASSERT_TRUE(ok.at("ok").get<bool>()) << ok.dump();
    EXPECT_EQ(ok.at("result").at("state"), "forwarding");
    const frame from_c = make_frame(kBroadcast, kC);
    send(2, from_c);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{from_c});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{from_c});
}

TEST_F(loop_guard_test, reload_applies_loop_guard_and_disabling_it_unblocks) {
    start();
    bridge& sw = h_->sw();
    h_->guard_step(kMs0);
    const std::vector<frame> sent0 = h_->wait_tx(0, 1);
    h_->wait_tx(1, 1);
    h_->wait_tx(2, 1);
    send(2, sent0.at(0));
    h_->guard_step(kMs0 + 1);
    ASSERT_EQ(port_json(2).at("state_text"), "blocked (loop with p0)");

    config next = sw.running_config();
    next.loop_guard.interval_ms = 200;
    next.loop_guard.hold_seconds = 1;
    json r = sw.reload(next);
    EXPECT_EQ(r.at("applied"),
              (json{"loop_guard on, every 1000 ms, hold 10 s -> on, every 200 ms, hold 1 s"}));
    EXPECT_EQ(r.at("needs_restart"), json::array());
    guard_step_and_drain(kMs0 + 2); // the new interval starts with a round at once
    EXPECT_EQ(port_json(2).at("state"), "blocked");

    next.loop_guard.enabled = false;
    r = sw.reload(next);
    EXPECT_EQ(r.at("applied"),
              (json{"loop_guard on, every 200 ms, hold 1 s -> off, every 200 ms, hold 1 s"}));
    EXPECT_EQ(port_json(2).at("state"), "forwarding");
    h_->guard_step(kMs0 + 10'000); // off: no probe
    const frame bcast = make_frame(kBroadcast, kA);
    send(0, bcast);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{bcast});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{bcast});
}

} // namespace
} // namespace bridgehost::test
