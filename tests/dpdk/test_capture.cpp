// Packet capture against a forwarding bridge on net_ring ports: the copies are
// byte-identical to the frames, the count is kept, forwarding is untouched, and
// a copy the capture pool cannot hold is lost and counted, never the frame.
#include "common/base64.hpp"
#include "ring_harness.hpp"
#include "vlan_ports.hpp"

#include <rte_mbuf.h>

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

class capture : public harness_test {
  protected:
    uint64_t start_capture(const char* port, const char* direction, unsigned count) {
        return ok({{"cmd", "capture start"},
                   {"args", {{"port", port}, {"direction", direction}, {"count", count}}}})
            .at("id")
            .get<uint64_t>();
    }
    json read(uint64_t id) { return ok({{"cmd", "capture read"}, {"args", {{"id", id}}}}); }
    json stop(uint64_t id) { return ok({{"cmd", "capture stop"}, {"args", {{"id", id}}}}); }
    /// The frames of a read reply, decoded.
    static std::vector<frame> frames_of(const json& r) {
        std::vector<frame> out;
        for (const json& f : r.at("frames"))
            out.push_back(base64_decode(f.at("data").get<std::string>()).value());
        return out;
    }
    json capture_stats() { return ok({{"cmd", "show stats"}}).at("capture"); }
    void TearDown() override {
        if (h_) {
            EXPECT_EQ(h_->sw().capture().mbufs_in_use(), 0u) << "capture copies leaked";
        }
        harness_test::TearDown();
    }
};

/// A frame from A to B with payload bytes starting at `first`, so frames differ.
frame numbered(uint8_t first) {
    frame f = make_frame(kB, kA, 60);
    for (size_t i = 14; i < f.size(); ++i)
        f[i] = uint8_t(first + i);
    return f;
}

TEST_F(capture, rx_copies_are_the_frames_as_received_up_to_the_count_and_forwarding_goes_on) {
    start();
    learn_a_and_b();
    const uint64_t id = start_capture("p0", "rx", 3);
    std::vector<frame> sent;
    for (uint8_t i = 0; i < 5; ++i)
        sent.push_back(numbered(i));
    h_->inject_burst(0, sent);
    h_->wait_rx(0, 1 + 5);
    EXPECT_EQ(h_->drain(1), sent); // every frame forwarded, exactly as before
    EXPECT_EQ(h_->drain(2), std::vector<frame>{});

    const json r = read(id);
    EXPECT_EQ(frames_of(r), std::vector<frame>(sent.begin(), sent.begin() + 3));
    EXPECT_EQ(r.at("frames")[0].at("dir"), "rx");
    EXPECT_EQ(r.at("frames")[0].at("orig_len"), sent[0].size());
    EXPECT_EQ(r.at("captured"), 3);
    EXPECT_EQ(r.at("dropped"), 0);
    EXPECT_EQ(r.at("ended"), "count reached");
    EXPECT_TRUE(r.at("done").get<bool>());

    h_->inject(0, numbered(9)); // after the count: not copied
    h_->wait_rx(0, 1 + 6);
    h_->drain(1);
    EXPECT_EQ(read(id).at("frames").size(), 0u);
    const json s = stop(id);
    EXPECT_EQ(s.at("captured"), 3);
    EXPECT_EQ(s.at("unread"), 0);
    EXPECT_EQ(capture_stats().at("captured"), 3);
    EXPECT_EQ(capture_stats().at("capture_dropped"), 0);
    EXPECT_EQ(capture_stats().at("session"), json(nullptr));
}

TEST_F(capture, tx_copies_what_the_port_sends_after_its_tag_is_added) {
    harness_options o;
    o.vlans = {access_port(10), trunk_port("10"), access_port(10)};
    start(o);
    const uint64_t id = start_capture("p1", "tx", 1);
    const frame in = make_frame(kBroadcast, kA);
    send(0, in); // flooded: untagged to p2, tagged with VLAN 10 to the trunk p1
    frame tagged = in;
    const uint8_t tag[4] = {0x81, 0x00, 0x00, 10};
    tagged.insert(tagged.begin() + 12, std::begin(tag), std::end(tag));
    EXPECT_EQ(h_->drain(1), std::vector<frame>{tagged});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{in});
    const json r = read(id);
    EXPECT_EQ(frames_of(r), std::vector<frame>{tagged});
    EXPECT_EQ(r.at("frames")[0].at("dir"), "tx");
    stop(id);
}

TEST_F(capture, both_directions_of_one_port) {
    start();
    const uint64_t id = start_capture("p1", "both", 2);
    const frame out = make_frame(kBroadcast, kA), in = make_frame(kBroadcast, kB);
    send(0, out); // flooded out of p1: tx
    send(1, in);  // received on p1: rx
    const json r = read(id);
    EXPECT_EQ(frames_of(r), (std::vector<frame>{out, in}));
    EXPECT_EQ(r.at("frames")[0].at("dir"), "tx");
    EXPECT_EQ(r.at("frames")[1].at("dir"), "rx");
    stop(id);
}

TEST_F(capture, a_copy_the_pool_cannot_hold_is_dropped_and_counted_and_the_frame_still_forwarded) {
    start();
    const uint64_t id = start_capture("p0", "rx", 1);
    // Take every mbuf of the capture pool, as a slow reader would leave it.
    rte_mempool* pool = h_->sw().capture().pool();
    std::vector<rte_mbuf*> held;
    while (rte_mbuf* m = rte_pktmbuf_alloc(pool))
        held.push_back(m);
    const frame first = numbered(1), second = numbered(2);
    send(0, first);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{first});
    EXPECT_EQ(h_->drain(2), std::vector<frame>{first});
    json r = read(id);
    EXPECT_EQ(r.at("frames").size(), 0u);
    EXPECT_EQ(r.at("dropped"), 1);
    EXPECT_EQ(capture_stats().at("capture_dropped"), 1);
    EXPECT_EQ(ok({{"cmd", "show workers"}})[0].at("capture_dropped"), 1);

    for (rte_mbuf* m : held)
        rte_pktmbuf_free(m);
    send(0, second); // the lost copy did not use up the count
    EXPECT_EQ(h_->drain(1), std::vector<frame>{second});
    r = read(id);
    EXPECT_EQ(frames_of(r), std::vector<frame>{second});
    EXPECT_TRUE(r.at("done").get<bool>());
    EXPECT_EQ(stop(id).at("captured"), 1);
}

TEST_F(capture, a_chained_frame_is_copied_whole_or_cut_at_the_snaplen) {
    start();
    const frame f = make_frame(kBroadcast, kA, 186); // 200 bytes, in 64-byte segments
    const uint64_t whole = start_capture("p0", "rx", 1);
    h_->inject_chain(0, f, 64);
    h_->wait_rx(0, 1);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f});
    EXPECT_EQ(frames_of(read(whole)), std::vector<frame>{f});
    stop(whole);

    const uint64_t cut =
        ok({{"cmd", "capture start"}, {"args", {{"port", "p0"}, {"count", 1}, {"snaplen", 100}}}})
            .at("id")
            .get<uint64_t>();
    h_->inject_chain(0, f, 64);
    h_->wait_rx(0, 2);
    const json r = read(cut);
    EXPECT_EQ(frames_of(r), std::vector<frame>{frame(f.begin(), f.begin() + 100)});
    EXPECT_EQ(r.at("frames")[0].at("orig_len"), 200);
    stop(cut);
}

TEST_F(capture,
       a_reload_that_renumbers_the_port_keeps_the_capture_and_one_that_removes_it_ends_it) {
    start();
    const uint64_t id = start_capture("p2", "rx", 5);
    bridge& sw = h_->sw();
    config next = sw.running_config();
    next.ports.erase(next.ports.begin() + 1); // p1 goes: p2 is index 1 now
    sw.reload(next);
    const frame f = make_frame(kBroadcast, kA);
    h_->inject(2, f); // harness slot 2 is still p2's rings
    h_->wait_rx(1, 1);
    EXPECT_EQ(frames_of(read(id)), std::vector<frame>{f});

    next.ports.pop_back(); // p2 goes too
    sw.reload(next);
    const json r = read(id);
    EXPECT_EQ(r.at("ended"), "port p2 removed by a reload");
    EXPECT_TRUE(r.at("done").get<bool>());
    EXPECT_EQ(stop(id).at("captured"), 1);
}

TEST_F(capture, one_at_a_time_and_bad_requests_are_refused) {
    start();
    EXPECT_EQ(refused({{"cmd", "capture start"}, {"args", {{"port", "p9"}}}}),
              "no port named \"p9\" (ports: p0, p1, p2)");
    EXPECT_EQ(refused({{"cmd", "capture start"}, {"args", {{"port", "p0"}, {"direction", "up"}}}}),
              "\"direction\" must be rx, tx or both");
    EXPECT_EQ(refused({{"cmd", "capture start"}, {"args", {{"port", "p0"}, {"count", 0}}}}),
              "\"count\" must be an integer, 1..1000000");
    const uint64_t id = start_capture("p0", "rx", 10);
    EXPECT_EQ(refused({{"cmd", "capture start"}, {"args", {{"port", "p1"}}}}),
              "a capture is already running (id " + std::to_string(id) +
                  ", port p0, 0 of 10 frames taken); one at a time");
    EXPECT_NE(refused({{"cmd", "capture read"}, {"args", {{"id", id + 1}}}})
                  .find("no capture with id " + std::to_string(id + 1) + " is running"),
              std::string::npos);
    EXPECT_EQ(capture_stats().at("session").at("port"), "p0");
    stop(id);
    EXPECT_NE(refused({{"cmd", "capture stop"}, {"args", {{"id", id}}}}).find("no capture"),
              std::string::npos);
    stop(start_capture("p1", "tx", 1)); // the next one may start
}

TEST_F(capture, a_capture_nobody_reads_is_abandoned_and_copies_no_more) {
    start();
    h_->control_step(kT0);
    const uint64_t id = start_capture("p0", "rx", 10);
    h_->control_step(kT0 + packet_capture::kAbandonSeconds);
    EXPECT_EQ(capture_stats().at("session").at("id"), id); // not yet
    h_->control_step(kT0 + packet_capture::kAbandonSeconds + 1);
    EXPECT_EQ(capture_stats().at("session"), json(nullptr));
    send(0, numbered(1));
    h_->control_step(kT0 + packet_capture::kAbandonSeconds + 1);
    EXPECT_EQ(capture_stats().at("captured"), 0);
    EXPECT_NE(refused({{"cmd", "capture read"}, {"args", {{"id", id}}}}).find("abandoned"),
              std::string::npos);
}

} // namespace
} // namespace bridgehost::test
