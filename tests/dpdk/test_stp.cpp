// The spanning tree with the real worker between three net_ring ports: BPDUs
// go to the control lcore and are never forwarded, each port state drops what
// the standard says it drops (discarding: all but BPDUs, learning: all, its
// sources learned), a BPDU flood and malformed BPDUs are counted and ignored
// while the other ports forward, and the mbufs come back.
#include "ring_harness.hpp"

#include "features/stp/bpdu.hpp"

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

constexpr const char* kNeighbour = "02:00:00:00:00:99";
constexpr uint64_t kMs0 = 1'000'000;

/// An 802.1D Config BPDU from a neighbour bridge claiming to be the root.
frame neighbour_bpdu(uint16_t priority = 0x8000) {
    stp::bpdu b;
    b.type = stp::bpdu::type_t::config;
    b.root_id = uint64_t(priority) << 48 | 0x020000000099ULL;
    b.bridge_id = b.root_id;
    b.port_id = 0x8001;
    b.max_age = 20 * 256;
    b.hello_time = 2 * 256;
    b.forward_delay = 15 * 256;
    frame f(stp::kBpduFrameLen);
    stp::build_bpdu_frame(b, *mac_address::parse(kNeighbour), f.data());
    return f;
}

bool is_bpdu(const frame& f) {
    return f.size() >= 6 &&
           std::equal(stp::kBridgeGroupAddress.begin(), stp::kBridgeGroupAddress.end(), f.begin());
}

/// The frames sent on a port that are not our own BPDUs.
std::vector<frame> data_frames(std::vector<frame> sent) {
    std::erase_if(sent, is_bpdu);
    return sent;
}

class stp_test : public harness_test {
  protected:
    /// STP on, hello 1 s; ports as given (default: not point-to-point, so
    /// nothing goes faster than the timers).
    void start_stp(std::vector<port_stp> ports = {},
                   stp_config::mode_t mode = stp_config::mode_t::rstp) {
        harness_options o;
        o.stp.enabled = true;
        o.stp.mode = mode;
        o.stp.hello_time = 1;
        o.stp.max_age = 6;
        o.stp.forward_delay = 4;
        o.loop_guard.enabled = false; // its probes would only add frames to look past
        if (ports.empty())
            ports.assign(3, port_stp{128, 0, false, port_stp::p2p_t::no});
        o.port_stps = ports;
        start(o);
        h_->sw().housekeeping(kT0); // the links are seen up
    }
    json stp_port(unsigned port) {
        return h_->sw().handle({{"cmd", "show stp"}}).at("result").at("ports").at(port);
    }
    uint64_t drops(unsigned port, drop_reason r) { return h_->counters(port).drop(r); }
    void drain_all() {
        for (unsigned p = 0; p < h_->slots(); ++p)
            h_->drain(p);
    }
};

// A BPDU is the spanning tree's: consumed (stp_bpdu), read by the machines
// (bpdus_in), never flooded, whatever the port's state.
TEST_F(stp_test, a_bpdu_goes_to_the_spanning_tree_and_is_never_forwarded) {
    start_stp({{128, 0, true, port_stp::p2p_t::no},
               {128, 0, true, port_stp::p2p_t::no},
               {128, 0, true, port_stp::p2p_t::no}});
    h_->sw().guard_step(kMs0); // edge ports: forwarding at once
    EXPECT_EQ(stp_port(1).at("state"), "forwarding");
    send(0, neighbour_bpdu());
    EXPECT_EQ(drops(0, drop_reason::stp_bpdu), 1u);
    h_->sw().guard_step(kMs0 + 10);
    EXPECT_EQ(stp_port(0).at("bpdus_in"), 1);
    EXPECT_EQ(stp_port(0).at("oper_edge"), false); // a bridge is there: not an edge port
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{});
    EXPECT_EQ(data_frames(h_->drain(2)), std::vector<frame>{});
    // Our own BPDUs went out of every port, from each port's MAC.
    h_->sw().guard_step(kMs0 + 1100);
    const std::vector<frame> ours = h_->wait_tx(2, 1);
    ASSERT_FALSE(ours.empty());
    stp::bpdu b;
    EXPECT_EQ(stp::parse_bpdu_frame(ours.back().data(), ours.back().size(), b),
              stp::bpdu_error::ok);
}

// Before the tree has given a port a forwarding role, the port discards
// everything it receives, and floods from other ports leave it out.
TEST_F(stp_test, a_discarding_port_drops_everything_but_bpdus_and_floods_leave_it_out) {
    start_stp({{128, 0, false, port_stp::p2p_t::no},
               {128, 0, false, port_stp::p2p_t::no},
               {128, 0, true, port_stp::p2p_t::no}});
    h_->sw().guard_step(kMs0);
    ASSERT_EQ(stp_port(0).at("state"), "discarding");
    ASSERT_EQ(stp_port(2).at("state"), "forwarding"); // edge
    send(0, make_frame(kBroadcast, kA));
    EXPECT_EQ(drops(0, drop_reason::stp_discarding), 1u);
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{});
    EXPECT_EQ(data_frames(h_->drain(2)), std::vector<frame>{});
    send(2, make_frame(kBroadcast, kB));
    EXPECT_EQ(h_->counters(2).flooded, 1u);
    EXPECT_EQ(data_frames(h_->drain(0)), std::vector<frame>{});
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{});
    // Unicast to a station behind a discarding port: dropped, counted.
    const json added =
        h_->sw().handle({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p1"}}}});
    ASSERT_TRUE(added.contains("result")) << added.dump();
    send(2, make_frame(kS, kB));
    EXPECT_EQ(drops(2, drop_reason::stp_discarding), 1u);
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{});
}

// 17.29 under 802.1D (mode stp: no proposal, no agreement, no edge
// detection): a port that comes up designated waits MaxAge (fdWhile from
// DISABLED_PORT: 6 s here) discarding, then FwdDelay (4 s) learning, then
// forwards. Learning: the source is learned, the frame is not forwarded.
TEST_F(stp_test, the_learning_state_learns_sources_and_forwards_nothing) {
    start_stp({{128, 0, false, port_stp::p2p_t::yes},
               {128, 0, true, port_stp::p2p_t::yes},
               {128, 0, true, port_stp::p2p_t::yes}},
              stp_config::mode_t::stp);
    h_->sw().guard_step(kMs0);
    EXPECT_EQ(stp_port(0).at("state"), "discarding");
    EXPECT_EQ(stp_port(0).at("protocol"), "stp");
    h_->sw().guard_step(kMs0 + 5000);
    EXPECT_EQ(stp_port(0).at("state"), "discarding");
    h_->sw().guard_step(kMs0 + 6000);
    ASSERT_EQ(stp_port(0).at("state"), "learning");
    send(0, make_frame(kBroadcast, kA));
    EXPECT_EQ(drops(0, drop_reason::stp_learning), 1u);
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{});
    h_->control_step(kT0);
    const json fdb = h_->sw().handle({{"cmd", "show fdb"}}).at("result").at("entries");
    ASSERT_EQ(fdb.size(), 1u);
    EXPECT_EQ(fdb[0].at("mac"), kA);
    EXPECT_EQ(fdb[0].at("port"), "p0");
    h_->sw().guard_step(kMs0 + 9000);
    EXPECT_EQ(stp_port(0).at("state"), "learning");
    h_->sw().guard_step(kMs0 + 10000);
    ASSERT_EQ(stp_port(0).at("state"), "forwarding");
    drain_all();
    send(0, make_frame(kBroadcast, kA));
    EXPECT_EQ(data_frames(h_->drain(1)), std::vector<frame>{make_frame(kBroadcast, kA)});
    EXPECT_EQ(data_frames(h_->drain(2)), std::vector<frame>{make_frame(kBroadcast, kA)});
}

// A station floods BPDUs on one port: every one is counted, as read
// (bpdus_in, at most 64 a second), lost to a full ring (stp_bpdu_lost) or
// over the rate (bpdus_lost); malformed ones are counted bad; the other
// ports forward all along, and no mbuf is kept.
TEST_F(stp_test, a_bpdu_flood_and_malformed_bpdus_are_counted_and_the_other_ports_forward) {
    start_stp({{128, 0, true, port_stp::p2p_t::no},
               {128, 0, true, port_stp::p2p_t::no},
               {128, 0, true, port_stp::p2p_t::no}});
    uint64_t now = kMs0;
    h_->sw().guard_step(now);
    const frame bpdu = neighbour_bpdu(0xf000); // inferior: the tree keeps its shape
    frame truncated(bpdu.begin(), bpdu.begin() + 20);
    frame bad_protocol = bpdu;
    bad_protocol[stp::kBpduOffset] = 0x12;
    constexpr unsigned kRounds = 1000, kBurst = 100;
    for (unsigned r = 0; r < kRounds; ++r) {
        send_all(0, std::vector<frame>(kBurst, bpdu));
        if (r % 100 == 0) {
            send(1, make_frame(kBroadcast, kB)); // still forwarded
            EXPECT_EQ(data_frames(h_->drain(2)), std::vector<frame>{make_frame(kBroadcast, kB)});
        }
        now += 10; // 100 passes a second: 10 s of flood
        h_->sw().guard_step(now);
    }
    send(0, truncated);
    send(0, bad_protocol);
    h_->sw().guard_step(now + 1000);
    const uint64_t consumed = drops(0, drop_reason::stp_bpdu),
                   ring_lost = drops(0, drop_reason::stp_bpdu_lost);
    EXPECT_EQ(consumed + ring_lost, uint64_t(kRounds) * kBurst + 2);
    const json p0 = stp_port(0);
    EXPECT_EQ(p0.at("bpdus_bad"), 2);
    EXPECT_EQ(p0.at("bpdus_in").get<uint64_t>() + p0.at("bpdus_lost").get<uint64_t>() + 2,
              uint64_t(kRounds) * kBurst + 2);
    EXPECT_LE(p0.at("bpdus_in").get<uint64_t>(), 12u * 64); // 64 a second, 11 s and a bit
    EXPECT_EQ(stp_port(1).at("state"), "forwarding");
    drain_all();
    send(1, make_frame(kBroadcast, kB));
    EXPECT_EQ(data_frames(h_->drain(2)), std::vector<frame>{make_frame(kBroadcast, kB)});
}

// With STP off (the default) a BPDU is an ordinary multicast frame, as the
// Linux bridge forwards them with STP off: two bridges around this one run
// their tree through it.
TEST_F(stp_test, with_stp_off_a_bpdu_is_flooded_as_a_frame) {
    start();
    send(0, neighbour_bpdu());
    EXPECT_EQ(h_->drain(1), std::vector<frame>{neighbour_bpdu()});
    EXPECT_EQ(drops(0, drop_reason::stp_bpdu), 0u);
}

} // namespace
} // namespace bridgehost::test
