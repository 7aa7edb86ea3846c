// Storm control, mirroring, MTU and chained (jumbo) frames through the real worker on net_ring
// ports.
#include "ring_harness.hpp"
#include "vlan_ports.hpp"

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

constexpr const char* kMulticast = "01:00:5e:00:00:01";
constexpr const char* kUnknown = "02:00:00:00:00:99";

/// `count` frames to `dst` from kA, each with its number in the first payload byte.
std::vector<frame> numbered(const char* dst, unsigned count) {
    std::vector<frame> frames;
    for (unsigned i = 0; i < count; ++i) {
        frame f = make_frame(dst, kA);
        f[14] = uint8_t(i);
        frames.push_back(f);
    }
    return frames;
}

class policy : public harness_test {};

TEST_F(policy, storm_control_passes_the_bucket_then_drops_broadcast_and_counts_it) {
    harness_options o;
    o.storm = {storm_limits{1, 0, 0}}; // 1 broadcast a second on p0: a bucket of one
    start(o);
    const std::vector<frame> storm = numbered(kBroadcast, 32);
    send_all(0, storm);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{storm[0]});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{storm[0]});
    const port_totals c = h_->counters(0);
    EXPECT_EQ(c.drop(drop_reason::storm_broadcast), 31u);
    EXPECT_EQ(c.flooded, 1u);
    EXPECT_EQ(c.drop(drop_reason::storm_multicast), 0u);

    // Other kinds, and other ports, are not limited.
    send_all(0, numbered(kMulticast, 5));
    EXPECT_EQ(h_->drain(1).size(), 5u);
    send_all(1, numbered(kBroadcast, 5));
    EXPECT_EQ(h_->drain(0).size(), 5u);
    EXPECT_EQ(h_->counters(1).drop(drop_reason::storm_broadcast), 0u);
}

TEST_F(policy, storm_control_limits_multicast_and_unknown_unicast_but_not_known_unicast) {
    harness_options o;
    o.storm = {storm_limits{0, 1, 1}};
    start(o);
    send(1, make_frame(kBroadcast, kB)); // B learned on p1; nothing from p0 yet
    h_->control_step(kT0);
    h_->drain(0);
    h_->drain(2);
    send_all(0, numbered(kMulticast, 4));
    send_all(0, numbered(kUnknown, 4));
    send_all(0, numbered(kB, 6)); // known: goes to p1 whatever the limits
    const std::vector<frame> out = h_->drain(1);
    ASSERT_EQ(out.size(), 1u + 1u + 6u);
    EXPECT_EQ(out[0], numbered(kMulticast, 1)[0]);
    EXPECT_EQ(out[1], numbered(kUnknown, 1)[0]);
    EXPECT_EQ(h_->drain(2).size(), 2u);
    const port_totals c = h_->counters(0);
    EXPECT_EQ(c.drop(drop_reason::storm_multicast), 3u);
    EXPECT_EQ(c.drop(drop_reason::storm_unknown_unicast), 3u);
    EXPECT_EQ(c.drop(drop_reason::storm_broadcast), 0u);
    EXPECT_EQ(c.unicast, 6u);
}

harness_options mirrored(mirror_config::direction_t direction) {
    harness_options o;
    o.ports = 4;
    o.mirror = {{0}, direction, 3}; // p0 mirrored to p3
    return o;
}

TEST_F(policy, mirror_both_copies_what_p0_receives_and_sends_and_p3_forwards_nothing) {
    start(mirrored(mirror_config::direction_t::both));
    const frame a_to_b = make_frame(kB, kA), b_to_a = make_frame(kA, kB);
    send(0, a_to_b); // unknown: flooded to p1 and p2, never to p3; received on p0: mirrored
    EXPECT_EQ(h_->drain(1), std::vector<frame>{a_to_b});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{a_to_b});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{a_to_b});
    h_->control_step(kT0);
    send(1, b_to_a); // unicast to p0: sent out of p0, mirrored
    EXPECT_EQ(h_->drain(0), std::vector<frame>{b_to_a});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{b_to_a});
    const frame bcast = make_frame(kBroadcast, kB);
    send(2, bcast); // flooded to p0 and p1, and p0's copy mirrored
    EXPECT_EQ(h_->drain(0), std::vector<frame>{bcast});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{bcast});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{bcast});

    const frame from_analyser = make_frame(kBroadcast, "02:00:00:00:00:3e");
    send(3, from_analyser); // the destination port takes no part in forwarding
    for (unsigned p = 0; p < 4; ++p)
        EXPECT_TRUE(h_->drain(p).empty()) << "p" << p;
    EXPECT_EQ(h_->counters(3).drop(drop_reason::mirror_destination), 1u);
    h_->control_step(kT0);
    EXPECT_FALSE(h_->sw().fdb().lookup(make_fdb_key(*mac_address::parse("02:00:00:00:00:3e"))));
    EXPECT_EQ(h_->counters(3).tx_packets, 3u);
}

TEST_F(policy, loop_guard_probes_every_port_but_the_mirror_destination) {
    start(mirrored(mirror_config::direction_t::rx));
    h_->guard_step(1000000);
    for (unsigned p = 0; p < 3; ++p)
        EXPECT_EQ(h_->wait_tx(p, 1).size(), 1u) << "p" << p;
    EXPECT_TRUE(h_->drain(3).empty());
}

TEST_F(policy, mirror_rx_only_and_tx_only) {
    start(mirrored(mirror_config::direction_t::rx));
    learn_a_and_b();
    const frame b_to_a = make_frame(kA, kB), a_to_b = make_frame(kB, kA);
    send(1, b_to_a); // sent out of p0: not mirrored in rx mode
    EXPECT_EQ(h_->drain(0), std::vector<frame>{b_to_a});
    EXPECT_TRUE(h_->drain(3).empty());
    send(0, a_to_b);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{a_to_b});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{a_to_b});
}

// Found by fuzz-frame: the mirror sent a copy of a 10-byte runt out of p3.
TEST_F(policy, mirror_sends_no_runt) {
    start(mirrored(mirror_config::direction_t::rx));
    frame runt = make_frame(kB, kA);
    runt.resize(10);
    send(0, runt);
    send(0, make_frame(kB, kA)); // a whole frame after it is mirrored as usual
    EXPECT_EQ(h_->drain(3), std::vector<frame>{make_frame(kB, kA)});
    EXPECT_EQ(h_->counters(0).drop(drop_reason::runt), 1u);
    EXPECT_EQ(h_->counters(3).tx_packets, 1u);
}

TEST_F(policy, mirror_with_vlans_copies_the_frame_as_it_came_in) {
    harness_options o = mirrored(mirror_config::direction_t::rx);
    o.vlans = {access_port(10), trunk_port("10"), access_port(10), access_port(10)};
    start(o);
    const frame untagged = make_frame(kBroadcast, kA);
    send(0, untagged); // tagged onto the trunk in place; the mirror keeps the original
    EXPECT_EQ(h_->drain(1), std::vector<frame>{with_tag(untagged, 10)});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{untagged});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{untagged});
}

TEST_F(policy, frames_longer_than_the_output_mtu_are_dropped_and_counted_there) {
    harness_options o;
    o.mtu = {std::nullopt,
             uint16_t(1500)}; // net_ring has no MTU of its own: the worker enforces it
    start(o);
    learn_a_and_b();
    const uint64_t tx_before = h_->counters(1).tx_packets;
    const frame fits = make_frame(kB, kA, 1500 + 8), too_big = make_frame(kB, kA, 1500 + 9);
    send(0, fits); // 1522 bytes: header, two tags' worth and 1500
    send(0, too_big);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{fits});
    EXPECT_EQ(h_->counters(1).drop(drop_reason::too_big), 1u);
    EXPECT_EQ(h_->counters(1).tx_packets, tx_before + 1);
    // p2 has no mtu: a flood of the big one reaches it, not p1.
    send(0, make_frame(kBroadcast, kA, 1500 + 9));
    EXPECT_EQ(h_->drain(2).size(), 1u);
    EXPECT_TRUE(h_->drain(1).empty());
    EXPECT_EQ(h_->counters(1).drop(drop_reason::too_big), 2u);
}

TEST_F(policy, a_chained_jumbo_frame_is_forwarded_and_flooded_whole) {
    start();
    learn_a_and_b();
    const frame jumbo = make_frame(kB, kA, 9000);
    h_->inject_chain(0, jumbo, 2000); // five segments
    h_->wait_rx(0, 2);                // learn_a_and_b's frame, then this one
    EXPECT_EQ(h_->drain(1), std::vector<frame>{jumbo});
    const frame flood = make_frame(kBroadcast, kA, 9000);
    h_->inject_chain(0, flood, 1000);
    h_->wait_rx(0, 3);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{flood});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{flood});
    EXPECT_EQ(h_->counters(0).rx_bytes,
              (14 + 46) + 2 * (14 + 9000u)); // learn_a_and_b's, then these
}

TEST_F(policy, a_chained_frame_gets_its_vlan_tag_pushed_and_popped) {
    harness_options o;
    o.vlans = {access_port(10), trunk_port("10"), access_port(10)};
    start(o);
    const frame jumbo = make_frame(kBroadcast, kA, 9000);
    h_->inject_chain(0, jumbo, 2000);
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{with_tag(jumbo, 10)});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{jumbo});
    const frame tagged = with_tag(make_frame(kBroadcast, kB, 9000), 10);
    h_->inject_chain(1, tagged, 2000);
    h_->wait_rx(1, 1);
    EXPECT_EQ(h_->drain(0), std::vector<frame>{make_frame(kBroadcast, kB, 9000)});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{make_frame(kBroadcast, kB, 9000)});
}

TEST_F(policy, show_ports_and_config_report_the_policy_and_the_mirror_destination_takes_no_static) {
    harness_options o = mirrored(mirror_config::direction_t::tx);
    o.storm = {storm_limits{0, 0, 0}, storm_limits{100, 0, 7}};
    o.mtu = {std::nullopt, std::nullopt, uint16_t(9000)};
    start(o);
    using json = nlohmann::json;
    const json ports = ok({{"cmd", "show ports"}});
    EXPECT_EQ(ports[0].at("mirror"), "source (tx)");
    EXPECT_EQ(ports[3].at("mirror"), "destination");
    EXPECT_TRUE(ports[1].at("mirror").is_null());
    EXPECT_EQ(ports[1].at("storm_control"),
              (json{{"broadcast", 100}, {"multicast", 0}, {"unknown_unicast", 7}}));
    EXPECT_EQ(ports[2].at("mtu"), 9000);
    EXPECT_TRUE(ports[0].at("mtu").is_null());
    const json cfg = ok({{"cmd", "show config"}});
    EXPECT_EQ(cfg.at("mirror"), (json{{"from", {"p0"}}, {"direction", "tx"}, {"to", "p3"}}));

    EXPECT_EQ(refused({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p3"}}}}),
              "port p3 is the mirror's destination; it forwards nothing else");
}

TEST_F(policy, the_mirror_follows_its_ports_when_a_reload_renumbers_them) {
    start(mirrored(mirror_config::direction_t::rx));
    config next = h_->sw().running_config();
    next.ports.erase(next.ports.begin() + 1); // p1 goes: p2 -> 1, p3 -> 2
    next.mirror = {{0}, mirror_config::direction_t::rx, 2};
    EXPECT_EQ(h_->sw().reload(next).at("needs_restart"), nlohmann::json::array());
    const frame f = make_frame(kBroadcast, kA);
    send(0, f); // flooded to p2 only (p1 is gone), mirrored to p3
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(3), std::vector<frame>{f});
    EXPECT_TRUE(h_->drain(1).empty());
}

} // namespace
} // namespace bridgehost::test
