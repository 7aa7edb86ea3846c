// Operating a forwarding bridge on net_ring ports: the counters behind the
// promiscuous-mode diagnosis, the diagnosis itself, the flush on link down,
// live reload and the raw totals /metrics exports.
#include "ring_harness.hpp"
#include "vlan_ports.hpp"

#include "api/prometheus.hpp"
#include "common/log.hpp"

#include <cstdio>
#include <cstdlib>

#include <rte_ethdev.h>
#include <rte_log.h>

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

harness_options diagnosis_window(uint32_t seconds) {
    harness_options o;
    o.promisc_check_seconds = seconds;
    return o;
}

harness_options with_static(const char* mac, const char* port, uint16_t index) {
    harness_options o;
    o.static_entries = {{*mac_address::parse(mac), port, index}};
    return o;
}

class operate : public harness_test {
  protected:
    bool in_fdb(const char* mac) const {
        return h_->sw().fdb().lookup(make_fdb_key(*mac_address::parse(mac))).has_value();
    }
    std::string port_mac(unsigned port) {
        return h_->sw().handle({{"cmd", "show ports"}}).at("result").at(port).at("mac");
    }
};

TEST_F(operate, flooded_frames_arp_and_unicast_out_are_counted_by_value) {
    start();
    // p0 then p1 before the control lcore runs: both flooded as unknown unicast.
    learn_a_and_b();
    send(0, make_arp(1, kBroadcast, kA));         // broadcast ARP request
    send(0, make_frame("01:00:5e:00:00:01", kA)); // IPv4 multicast
    send(0, make_frame("02:00:00:00:00:99", kA)); // unknown unicast
    send(0, make_frame(port_mac(0).c_str(), kA)); // to the port's own MAC: not "foreign"
    send(0, make_frame(kB, kA));                  // known unicast to p1
    send(1, make_arp(2, kA, kB));                 // ARP reply, unicast to A on p0
    const port_totals p0 = h_->counters(0), p1 = h_->counters(1), p2 = h_->counters(2);
    EXPECT_EQ(p0.rx_packets, 6u);
    EXPECT_EQ(p0.flooded, 5u);
    EXPECT_EQ(p0.multicast, 2u);
    EXPECT_EQ(p0.unknown_unicast, 2u); // B before it was learned, and ...:99
    EXPECT_EQ(p0.unicast, 1u);
    EXPECT_EQ(p0.arp_requests, 1u);
    EXPECT_EQ(p0.arp_replies, 0u);
    EXPECT_EQ(p0.unicast_out, 1u); // the ARP reply from p1
    EXPECT_EQ(p0.foreign_unicast(), 3u);
    EXPECT_EQ(p1.rx_packets, 2u);
    EXPECT_EQ(p1.unknown_unicast, 1u);
    EXPECT_EQ(p1.unicast, 1u);
    EXPECT_EQ(p1.arp_replies, 1u);
    EXPECT_EQ(p1.unicast_out, 1u); // the known-unicast frame to B
    EXPECT_EQ(p2.unicast_out, 0u);
    EXPECT_EQ(p2.tx_packets, 6u); // every flood: two unknown, ARP, multicast, :99, own MAC
}

TEST_F(operate, unanswered_arp_and_silence_make_a_port_suspect_and_unicast_clears_it) {
    start(diagnosis_window(3));
    bridge& sw = h_->sw();
    // Every second: A on p0 asks for an address (nobody answers); B on p1 only
    // ever sends multicast, as a station behind a vSwitch that hides unicast does.
    fdb_time now = kT0;
    for (int second = 0; second < 5; ++second, ++now) {
        send(0, make_arp(1, kBroadcast, kA));
        send(1, make_frame("33:33:00:00:00:01", kB));
        h_->control_step(now);
        sw.housekeeping(now);
        EXPECT_EQ(sw.promisc_suspect(1), second >= 3) << "second " << second;
    }
    EXPECT_FALSE(sw.promisc_suspect(0)); // nothing asked of p0
    EXPECT_FALSE(sw.promisc_suspect(2)); // p2 hears nothing at all: not a filter
    const json ports = sw.handle({{"cmd", "show ports"}}).at("result");
    EXPECT_EQ(ports[1].at("diagnosis"), promisc_warning("p1"));
    EXPECT_TRUE(ports[1].at("promisc_suspect").get<bool>());
    EXPECT_TRUE(ports[0].at("diagnosis").is_null());
    EXPECT_TRUE(sw.metrics().ports[1].promisc_suspect);
    EXPECT_FALSE(sw.metrics().ports[0].promisc_suspect);

    send(1, make_frame(kA, kB)); // unicast for another MAC arrives on p1
    sw.housekeeping(now);
    EXPECT_FALSE(sw.promisc_suspect(1));
    EXPECT_TRUE(sw.handle({{"cmd", "show ports"}}).at("result")[1].at("diagnosis").is_null());
}

TEST_F(operate, answered_arp_is_no_evidence) {
    start(diagnosis_window(3));
    bridge& sw = h_->sw();
    fdb_time now = kT0;
    for (int second = 0; second < 8; ++second, ++now) {
        send(0, make_arp(1, kBroadcast, kA));
        send(2, make_arp(2, kA, "02:00:00:00:00:0c")); // answered from p2
        send(1, make_frame("33:33:00:00:00:01", kB));
        h_->control_step(now);
        sw.housekeeping(now);
    }
    EXPECT_FALSE(sw.promisc_suspect(1)); // p1 only listens; the ARP was not for it
    EXPECT_FALSE(sw.promisc_suspect(2));
}

TEST_F(operate, link_down_flushes_the_ports_learned_entries_only) {
    start(with_static(kS, "p1", 1));
    learn_a_and_b();
    bridge& sw = h_->sw();
    sw.housekeeping(kT0); // links seen up
    const uint16_t p1 = sw.handle({{"cmd", "show ports"}}).at("result")[1].at("port_id");
    ASSERT_EQ(rte_eth_dev_set_link_down(p1), 0);
    sw.housekeeping(kT0 + 1);
    EXPECT_FALSE(in_fdb(kB));
    EXPECT_TRUE(in_fdb(kA));
    EXPECT_TRUE(in_fdb(kS)); // static entries stay
    EXPECT_EQ(sw.fdb_stats().flushed, 1u);
    ASSERT_EQ(rte_eth_dev_set_link_up(p1), 0);
    sw.housekeeping(kT0 + 2);
    EXPECT_EQ(sw.fdb_stats().flushed, 1u);
    // B is learned again from its next frame.
    send(1, make_frame(kA, kB));
    h_->control_step(kT0 + 2);
    EXPECT_TRUE(in_fdb(kB));
}

TEST_F(operate, reload_applies_aging_and_static_entries_and_keeps_learned_ones) {
    start();
    learn_a_and_b();
    bridge& sw = h_->sw();
    config next = sw.running_config();
    next.fdb.aging_seconds = 60;
    next.fdb.static_entries = {{*mac_address::parse(kS), "p2", 2}};
    const json r = sw.reload(next);
    EXPECT_EQ(r.at("applied"),
              (json{"fdb.aging_seconds 300 -> 60", "fdb.static 02:00:00:00:00:5a added on p2"}));
    EXPECT_EQ(r.at("needs_restart"), json::array());
    EXPECT_TRUE(in_fdb(kA));
    EXPECT_TRUE(in_fdb(kB));
    EXPECT_EQ(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kS)))->port(), 2);
    EXPECT_EQ(sw.handle({{"cmd", "show fdb"}}).at("result").at("aging_seconds"), 60);
    // Forwarding follows the static entry at once.
    for (unsigned p = 0; p < 3; ++p)
        h_->drain(p);
    send(0, make_frame(kS, kA));
    ASSERT_EQ(h_->drain(2).size(), 1u);
    h_->drain(1);
    // The new aging time applies: 61 s later a full scan removes A and B, not S.
    for (unsigned i = 0; i < 64; ++i)
        h_->control_step(kT0 + 61);
    EXPECT_FALSE(in_fdb(kA));
    EXPECT_FALSE(in_fdb(kB));
    EXPECT_TRUE(in_fdb(kS));

    // Moving the static entry, then removing it.
    next.fdb.static_entries[0].port = "p1";
    EXPECT_EQ(sw.reload(next).at("applied"), (json{"fdb.static 02:00:00:00:00:5a moved to p1"}));
    EXPECT_EQ(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kS)))->port(), 1);
    next.fdb.static_entries.clear();
    EXPECT_EQ(sw.reload(next).at("applied"),
              (json{"fdb.static 02:00:00:00:00:5a removed (was on p1)"}));
    EXPECT_FALSE(in_fdb(kS));
    EXPECT_EQ(sw.reload(next),
              (json{{"applied", json::array()}, {"needs_restart", json::array()}}));
}

TEST_F(operate, reload_reports_what_needs_a_restart_and_leaves_it) {
    start();
    bridge& sw = h_->sw();
    config next = sw.running_config();
    next.ports[1].rx_descriptors = 128;
    next.fdb.capacity = 2048;
    next.workers.burst = 64;
    next.metrics.listen = "127.0.0.1:9999";
    next.mirror = {{0}, mirror_config::direction_t::both, 2};
    const json r = sw.reload(next);
    EXPECT_EQ(r.at("applied"), json::array());
    EXPECT_EQ(
        r.at("needs_restart"),
        (json{"ports.p1 (device, descriptors, mtu, VLANs, storm_control or bpdu_guard changed)",
              "workers", "fdb.capacity", "metrics", "mirror"}));
    EXPECT_FALSE(sw.running_config().mirror.enabled());
    EXPECT_EQ(sw.running_config().ports[1].rx_descriptors, 64);
    EXPECT_EQ(sw.running_config().fdb.capacity, 1024u);
}

TEST_F(operate, reload_removes_and_adds_ports_and_the_others_keep_their_entries) {
    start(with_static(kS, "p2", 2));
    learn_a_and_b();
    constexpr const char* kC = "02:00:00:00:00:0c";
    constexpr const char* kD = "02:00:00:00:00:0d";
    send(2, make_frame(kA, kC));
    h_->control_step(kT0);
    ASSERT_TRUE(in_fdb(kC));
    for (unsigned p = 0; p < 3; ++p)
        h_->drain(p);
    const uint64_t p1_rx = h_->counters(1).rx_packets;
    bridge& sw = h_->sw();

    // p2 goes, p3 (a new ring port, harness slot 3) comes in at index 2.
    config next = sw.running_config();
    const std::string removed_device = next.ports[2].device;
    next.ports.pop_back();
    next.ports.push_back(h_->add_ring_port());
    next.fdb.static_entries.clear();
    const json r = sw.reload(next);
    EXPECT_EQ(r.at("applied"), (json{"port p3 added (" + next.ports[2].device + ")",
                                     "port p2 removed", "2 FDB entries on removed ports flushed",
                                     "fdb.static 02:00:00:00:00:5a removed (was on p2)"}))
        << r.dump();
    EXPECT_EQ(r.at("needs_restart"), json::array());

    EXPECT_TRUE(in_fdb(kA)); // learned on the ports that stay: kept
    EXPECT_TRUE(in_fdb(kB));
    EXPECT_FALSE(in_fdb(kC)); // on the removed port: gone, static entry too
    EXPECT_FALSE(in_fdb(kS));
    EXPECT_EQ(h_->counters(1).rx_packets, p1_rx); // counters follow their port
    EXPECT_EQ(h_->counters(2).rx_packets, 0u);
    const json ports = sw.handle({{"cmd", "show ports"}}).at("result");
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_EQ(ports[2].at("name"), "p3");

    // Forwarding goes on: A -> B unicast to p1; D, new on p3, floods to p0 and
    // p1 (not to the removed p2), is learned on index 2, and A reaches it.
    send(0, make_frame(kB, kA));
    EXPECT_EQ(h_->drain(1).size(), 1u);
    h_->inject(3, make_frame("ff:ff:ff:ff:ff:ff", kD));
    h_->wait_rx(2, 1);
    h_->control_step(kT0 + 1);
    EXPECT_EQ(h_->drain(0).size(), 1u);
    EXPECT_EQ(h_->drain(1).size(), 1u);
    EXPECT_TRUE(h_->drain(2).empty());
    ASSERT_TRUE(in_fdb(kD));
    EXPECT_EQ(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kD)))->port(), 2);
    send(0, make_frame(kD, kA));
    const std::vector<frame> to_d = h_->drain(3);
    ASSERT_EQ(to_d.size(), 1u);
    EXPECT_EQ(to_d[0], make_frame(kD, kA));

    // p2's device can come back (its vdev was detached, so it is probed
    // afresh; net_ring without arguments makes rings of its own).
    config again = sw.running_config();
    port_config p2 = again.ports[0];
    p2.name = "p2";
    p2.device = removed_device;
    again.ports.push_back(p2);
    EXPECT_EQ(sw.reload(again).at("applied"), (json{"port p2 added (" + removed_device + ")"}));
    EXPECT_EQ(sw.running_config().ports.size(), 4u);
    EXPECT_EQ(sw.reload(again).at("applied"), json::array()); // and now nothing changes
}

TEST_F(operate, reload_with_a_port_that_cannot_come_up_changes_nothing) {
    start();
    learn_a_and_b();
    bridge& sw = h_->sw();
    config next = sw.running_config();
    port_config bad;
    bad.name = "ghost";
    bad.device = "net_af_packet9,iface=bh-no-such-if";
    next.ports.push_back(bad);
    next.fdb.aging_seconds = 42;
    EXPECT_THROW(
        {
            try {
                sw.reload(next);
            } catch (const std::runtime_error& e) {
                EXPECT_NE(std::string(e.what()).find("port ghost"), std::string::npos) << e.what();
                EXPECT_NE(std::string(e.what()).find("the ports are unchanged"), std::string::npos);
                throw;
            }
        },
        std::runtime_error);
    EXPECT_EQ(sw.running_config().ports.size(), 3u);
    EXPECT_EQ(sw.running_config().fdb.aging_seconds, 300u); // nothing else applied either
    EXPECT_TRUE(in_fdb(kA));
    h_->drain(1);
    send(0, make_frame(kB, kA));
    EXPECT_EQ(h_->drain(1).size(), 1u);
}

/// What rte_log writes while it lives, for tests of the control side's messages.
class log_capture {
  public:
    log_capture() : file_(open_memstream(&buf_, &len_)) {
        logs::apply(log_config{});
        rte_openlog_stream(file_);
    }
    ~log_capture() {
        rte_openlog_stream(nullptr);
        std::fclose(file_);
        std::free(buf_);
    }
    std::string text() {
        std::fflush(file_);
        return std::string(buf_, len_);
    }

  private:
    char* buf_ = nullptr;
    size_t len_ = 0;
    std::FILE* file_;
};

TEST_F(operate, moves_losses_and_link_changes_are_logged_by_the_control_side) {
    harness_options o;
    o.tx_ring_size = 16;
    start(o);
    log_capture log;
    learn_a_and_b();
    bridge& sw = h_->sw();
    sw.housekeeping(kT0);
    // A frame from A on p2: A moves.
    send(2, make_frame(kB, kA));
    h_->control_step(kT0);
    // 32 frames to B on p1 in one burst: its 16-slot tx ring refuses the rest.
    for (unsigned p = 0; p < 3; ++p)
        h_->drain(p);
    const uint64_t before = h_->counters(0).rx_packets;
    h_->inject_burst(0, std::vector<frame>(32, make_frame(kB, "02:00:00:00:00:0e")));
    h_->wait_rx(0, before + 32);
    const uint64_t refused = h_->counters(1).drop(drop_reason::tx_full);
    ASSERT_GT(refused, 0u);
    sw.housekeeping(kT0 + 1);
    const uint16_t p1 = sw.handle({{"cmd", "show ports"}}).at("result")[1].at("port_id");
    ASSERT_EQ(rte_eth_dev_set_link_down(p1), 0);
    sw.housekeeping(kT0 + 2);
    ASSERT_EQ(rte_eth_dev_set_link_up(p1), 0);
    sw.housekeeping(kT0 + 3);

    const std::string text = log.text();
    EXPECT_NE(text.find("bridgehost.fdb: 02:00:00:00:00:0a moved from p0 to p2\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("bridgehost.port: warning: " + std::to_string(refused) +
                        " frames to p1 dropped (tx queue full)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(
        text.find("bridgehost.port: warning: p1 link down; 1 learned entries on it flushed\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("bridgehost.port: p1 link up"), std::string::npos) << text;
}

/// `f` with an outer tag (TPID, then TCI = VID) after the addresses.
class vlans : public operate {
  protected:
    /// p0: access VLAN 10; p1: trunk for 10 and 20 (untagged: none); p2: access VLAN 20.
    void SetUp() override {
        harness_options o;
        o.vlans = {access_port(10), trunk_port("10,20"), access_port(20)};
        start(o);
    }
    bool in_fdb_vlan(const char* mac, uint16_t vlan) const {
        return h_->sw().fdb().lookup(make_fdb_key(*mac_address::parse(mac), vlan)).has_value();
    }
};

TEST_F(vlans, access_frames_are_tagged_onto_the_trunk_and_stay_in_their_vlan) {
    send(0, make_frame("ff:ff:ff:ff:ff:ff", kA));
    const std::vector<frame> trunk = h_->drain(1);
    ASSERT_EQ(trunk.size(), 1u);
    EXPECT_EQ(trunk[0], with_tag(make_frame("ff:ff:ff:ff:ff:ff", kA), 10));
    EXPECT_TRUE(h_->drain(2).empty()); // VLAN 20's access port hears nothing of VLAN 10
    h_->control_step(kT0);
    EXPECT_TRUE(in_fdb_vlan(kA, 10));
    EXPECT_FALSE(in_fdb_vlan(kA, 0));
}

TEST_F(vlans, trunk_frames_are_untagged_onto_the_access_port_of_their_vlan) {
    send(0, make_frame(kB, kA)); // A learned on p0 in VLAN 10
    h_->control_step(kT0);
    h_->drain(1);
    send(1, with_tag(make_frame(kA, kB), 10)); // known unicast back, tagged
    const std::vector<frame> out = h_->drain(0);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], make_frame(kA, kB));
    EXPECT_TRUE(h_->drain(2).empty());
    // Flooded in VLAN 20 from the trunk: only p2, untagged.
    send(1, with_tag(make_frame("ff:ff:ff:ff:ff:ff", kB), 20));
    const std::vector<frame> v20 = h_->drain(2);
    ASSERT_EQ(v20.size(), 1u);
    EXPECT_EQ(v20[0], make_frame("ff:ff:ff:ff:ff:ff", kB));
    EXPECT_TRUE(h_->drain(0).empty());
    h_->control_step(kT0);
    EXPECT_TRUE(in_fdb_vlan(kB, 10)); // one MAC, two VLANs, two entries
    EXPECT_TRUE(in_fdb_vlan(kB, 20));
}

TEST_F(vlans, disallowed_vlans_and_tags_on_access_ports_are_dropped_and_counted) {
    send(1, with_tag(make_frame(kA, kB), 30)); // VLAN 30 is not allowed on the trunk
    send(0, with_tag(make_frame(kB, kA), 10)); // tagged on an access port
    // Untagged on the trunk: native VLAN 0, which no other port carries.
    send(1, make_frame("ff:ff:ff:ff:ff:ff", kB));
    for (unsigned p = 0; p < 3; ++p)
        EXPECT_TRUE(h_->drain(p).empty()) << p;
    EXPECT_EQ(h_->counters(1).drop(drop_reason::vlan_filtered), 1u);
    EXPECT_EQ(h_->counters(0).drop(drop_reason::vlan_filtered), 1u);
    EXPECT_EQ(h_->counters(1).flooded, 1u);
    h_->control_step(kT0);
    EXPECT_EQ(h_->sw().fdb().size(), 1u); // nothing learned from refused frames
    EXPECT_TRUE(in_fdb_vlan(kB, 0));
}

TEST_F(vlans, show_ports_and_static_entries_know_the_vlans) {
    bridge& sw = h_->sw();
    const json ports = sw.handle({{"cmd", "show ports"}}).at("result");
    EXPECT_EQ(ports[0].at("vlans"), (json{{"mode", "access"}, {"vlan", 10}}));
    EXPECT_EQ(h_->sw().handle({{"cmd", "show ports"}}).at("result")[2].at("vlans").at("vlan"), 20);
    EXPECT_EQ(ports[1].at("vlans"),
              (json{{"mode", "trunk"}, {"allowed_vlans", "10,20"}, {"native_vlan", 0}}));
    const json config = sw.handle({{"cmd", "show config"}}).at("result");
    EXPECT_EQ(config.at("ports")[2].at("vlan"), 20);
    // A static entry goes in the port's VLAN by default, or the one asked for.
    json r = sw.handle({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p0"}}}});
    ASSERT_TRUE(r.at("ok").get<bool>()) << r.dump();
    EXPECT_EQ(r.at("result").at("vlan"), 10);
    EXPECT_TRUE(in_fdb_vlan(kS, 10));
    r = sw.handle({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p1"}, {"vlan", 20}}}});
    ASSERT_TRUE(r.at("ok").get<bool>()) << r.dump();
    EXPECT_EQ(sw.fdb().lookup(make_fdb_key(*mac_address::parse(kS), 20))->port(), 1);
    r = sw.handle({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p0"}, {"vlan", 20}}}});
    EXPECT_FALSE(r.at("ok").get<bool>());
    EXPECT_EQ(r.at("error"), "port p0 does not carry VLAN 20");
    r = sw.handle({{"cmd", "fdb del"}, {"args", {{"mac", kS}, {"vlan", 10}}}});
    ASSERT_TRUE(r.at("ok").get<bool>()) << r.dump();
    EXPECT_FALSE(in_fdb_vlan(kS, 10));
    EXPECT_TRUE(in_fdb_vlan(kS, 20));
}

TEST_F(operate, default_ports_forward_tagged_and_qinq_frames_untouched_and_learn_per_vlan) {
    start();
    const frame tagged = with_tag(make_frame("ff:ff:ff:ff:ff:ff", kA), 300);
    const frame qinq = with_tag(with_tag(make_frame("ff:ff:ff:ff:ff:ff", kA), 5), 100, 0x88a8);
    send(0, tagged);
    send(0, qinq);
    for (unsigned p = 1; p < 3; ++p) {
        const std::vector<frame> out = h_->drain(p);
        ASSERT_EQ(out.size(), 2u) << p;
        EXPECT_EQ(out[0], tagged);
        EXPECT_EQ(out[1], qinq);
    }
    h_->control_step(kT0);
    EXPECT_TRUE(h_->sw().fdb().lookup(make_fdb_key(*mac_address::parse(kA), 300)).has_value());
    EXPECT_TRUE(h_->sw().fdb().lookup(make_fdb_key(*mac_address::parse(kA), 0)).has_value());
}

TEST_F(operate, metrics_are_raw_totals_that_clear_stats_does_not_move) {
    start();
    learn_a_and_b();
    send(0, make_frame(kB, kA));
    ASSERT_TRUE(h_->sw().handle({{"cmd", "clear stats"}}).at("ok").get<bool>());
    EXPECT_EQ(h_->counters(0).rx_packets, 0u);
    const metrics_snapshot m = h_->sw().metrics();
    ASSERT_EQ(m.ports.size(), 3u);
    EXPECT_EQ(m.ports[0].name, "p0");
    EXPECT_EQ(m.ports[0].rx_packets, 2u);
    EXPECT_EQ(m.ports[1].rx_packets, 1u);
    EXPECT_EQ(m.ports[0].unicast, 1u);
    EXPECT_EQ(m.ports[0].flooded, 1u);
    EXPECT_EQ(m.fdb_entries, 2u);
    ASSERT_FALSE(m.fdb_counts.empty());
    EXPECT_EQ(m.fdb_counts[0].name, "learned");
    EXPECT_EQ(m.fdb_counts[0].value, 2u);
    ASSERT_EQ(m.workers.size(), 1u);
    EXPECT_EQ(m.workers[0].rx_packets, 3u);
    const std::string text = render_prometheus(m);
    EXPECT_NE(text.find("bridgehost_port_rx_packets_total{port=\"p0\"} 2\n"), std::string::npos)
        << text;
}

} // namespace
} // namespace bridgehost::test
