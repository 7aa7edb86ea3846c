// Operator requests (bridgehostctl, telemetry) against a forwarding bridge on
// net_ring ports: what `show` reports, and what `fdb add/del/flush` and
// `clear stats` change in forwarding and counters.
#include "ring_harness.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace bridgehost::test {
namespace {

using json = nlohmann::json;

class api : public harness_test {
  protected:
    void SetUp() override { start(); }
};

TEST_F(api, show_fdb_lists_learned_macs_on_their_ports_and_filters) {
    learn_a_and_b();
    const json fdb = ok({{"cmd", "show fdb"}});
    EXPECT_EQ(fdb.at("size"), 2);
    EXPECT_EQ(fdb.at("capacity"), 1024);
    ASSERT_EQ(fdb.at("entries").size(), 2u);
    EXPECT_EQ(fdb["entries"][0], (json{{"mac", kA},
                                       {"vlan", 0},
                                       {"port", "p0"},
                                       {"type", "dynamic"},
                                       {"age", 0},
                                       {"flapping", false},
                                       {"frozen", false}}));
    EXPECT_EQ(fdb["entries"][1].at("mac"), kB);
    EXPECT_EQ(fdb["entries"][1].at("port"), "p1");

    const json only_p1 = ok({{"cmd", "show fdb"}, {"args", {{"port", "p1"}}}});
    ASSERT_EQ(only_p1.at("entries").size(), 1u);
    EXPECT_EQ(only_p1["entries"][0].at("mac"), kB);
    const json only_a = ok({{"cmd", "show fdb"}, {"args", {{"mac", "02-00-00-00-00-0A"}}}});
    ASSERT_EQ(only_a.at("entries").size(), 1u);
    EXPECT_EQ(only_a["entries"][0].at("port"), "p0");
}

TEST_F(api, static_entry_added_at_runtime_steers_frames_and_deleting_it_floods_again) {
    learn_a_and_b();
    EXPECT_EQ(ok({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p2"}}}}).at("type"),
              "static");
    const frame f = make_frame(kS, kA);
    h_->inject(0, f);
    h_->wait_rx(0, 2);
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    EXPECT_EQ(h_->drain(1), std::vector<frame>{});

    ok({{"cmd", "fdb del"}, {"args", {{"mac", kS}}}});
    h_->inject(0, f);
    h_->wait_rx(0, 3);
    EXPECT_EQ(h_->drain(1), std::vector<frame>{f}); // unknown again: flooded
    EXPECT_EQ(h_->drain(2), std::vector<frame>{f});
    EXPECT_EQ(refused({{"cmd", "fdb del"}, {"args", {{"mac", kS}}}}),
              "02:00:00:00:00:5a is not in the FDB");
}

TEST_F(api, flush_removes_learned_entries_of_one_port_or_all) {
    learn_a_and_b();
    ok({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p0"}}}});
    EXPECT_EQ(ok({{"cmd", "fdb flush"}, {"args", {{"port", "p0"}}}}).at("removed"), 1);
    EXPECT_EQ(ok({{"cmd", "show fdb"}}).at("size"), 2); // B and the static S stay
    EXPECT_EQ(ok({{"cmd", "fdb flush"}}).at("removed"), 1);
    const json left = ok({{"cmd", "show fdb"}});
    ASSERT_EQ(left.at("entries").size(), 1u);
    EXPECT_EQ(left["entries"][0].at("type"), "static");
}

TEST_F(api, clear_stats_starts_the_shown_counters_from_zero) {
    learn_a_and_b();
    EXPECT_EQ(ok({{"cmd", "show stats"}}).at("ports").at("p0").at("rx_packets"), 1);
    ok({{"cmd", "clear stats"}});
    json stats = ok({{"cmd", "show stats"}});
    EXPECT_EQ(stats.at("ports").at("p0").at("rx_packets"), 0);
    EXPECT_EQ(stats.at("fdb").at("learned"), 0);
    EXPECT_EQ(stats.at("fdb").at("entries"), 2); // the table itself is not cleared
    h_->inject(0, make_frame(kB, kA));
    h_->wait_rx(0, 1); // wait_rx reads the counters as shown, since the clear
    stats = ok({{"cmd", "show stats"}});
    EXPECT_EQ(stats.at("ports").at("p0").at("rx_packets"), 1);
    EXPECT_EQ(stats.at("ports").at("p0").at("unicast"), 1);
    EXPECT_EQ(ok({{"cmd", "show workers"}})[0].at("rx_packets"), 1);
}

TEST_F(api, show_ports_workers_and_config_describe_the_running_switch) {
    const json ports = ok({{"cmd", "show ports"}});
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_EQ(ports[0].at("name"), "p0");
    EXPECT_EQ(ports[0].at("link"), "up");
    EXPECT_TRUE(ports[0].at("counters").at("drops").contains("tx_full"));
    const json workers = ok({{"cmd", "show workers"}});
    ASSERT_EQ(workers.size(), 1u);
    EXPECT_EQ(workers[0].at("rx_queues").size(), 3u);
    const json cfg = ok({{"cmd", "show config"}});
    EXPECT_EQ(cfg.at("fdb").at("capacity"), 1024);
    EXPECT_EQ(cfg.at("ports").size(), 3u);
    EXPECT_EQ(cfg.at("stp"), (json{{"enabled", false},
                                   {"mode", "rstp"},
                                   {"priority", 32768},
                                   {"hello_time", 2},
                                   {"max_age", 20},
                                   {"forward_delay", 15},
                                   {"tx_hold_count", 6}}));
    EXPECT_EQ(
        cfg.at("ports").at(0).at("stp"),
        (json{{"priority", 128}, {"path_cost", 0}, {"edge", false}, {"point_to_point", "auto"}}));
}

// A bridge started with settings of the test's own.
class api_configured : public harness_test {};

// show config has the stp section and each port's stp keys as the YAML has them.
TEST_F(api_configured, show_config_prints_stp_as_configured) {
    harness_options o;
    o.stp = {true, stp_config::mode_t::stp, 4096, 1, 6, 4, 3};
    o.port_stps = {{16, 2000, true, port_stp::p2p_t::yes}, {240, 0, false, port_stp::p2p_t::no}};
    start(o);
    const json cfg = ok({{"cmd", "show config"}});
    EXPECT_EQ(cfg.at("stp"), (json{{"enabled", true},
                                   {"mode", "stp"},
                                   {"priority", 4096},
                                   {"hello_time", 1},
                                   {"max_age", 6},
                                   {"forward_delay", 4},
                                   {"tx_hold_count", 3}}));
    const json& ports = cfg.at("ports");
    EXPECT_EQ(
        ports.at(0).at("stp"),
        (json{{"priority", 16}, {"path_cost", 2000}, {"edge", true}, {"point_to_point", true}}));
    EXPECT_EQ(ports.at(1).at("stp").at("point_to_point"), false);
    EXPECT_EQ(ports.at(2).at("stp").at("point_to_point"), "auto");
}

// show stp's contract with the spanning tree off (the harness's default):
// docs/operations.md has the reply with it on.
TEST_F(api, show_stp_with_the_spanning_tree_off_says_so_and_lists_no_port) {
    EXPECT_EQ(ok({{"cmd", "show stp"}}),
              (json{{"enabled", false},
                    {"mode", "rstp"},
                    {"loop_guard", true},
                    {"ports", json::array()}}));
}

TEST_F(api, bad_requests_are_refused_with_the_reason) {
    EXPECT_EQ(refused(json::array()), "a request is a JSON object with a string \"cmd\"");
    EXPECT_NE(refused({{"cmd", "show routes"}}).find("unknown command \"show routes\""),
              std::string::npos);
    EXPECT_EQ(refused({{"cmd", "fdb add"}, {"args", {{"mac", "nonsense"}, {"port", "p0"}}}}),
              "\"nonsense\" is not a MAC address (expected xx:xx:xx:xx:xx:xx)");
    EXPECT_EQ(refused({{"cmd", "fdb add"}, {"args", {{"mac", kS}, {"port", "p9"}}}}),
              "no port named \"p9\" (ports: p0, p1, p2)");
    EXPECT_EQ(
        refused({{"cmd", "fdb add"}, {"args", {{"mac", "01:00:5e:00:00:01"}, {"port", "p0"}}}}),
        "a static entry needs a unicast MAC, not 01:00:5e:00:00:01");
    EXPECT_EQ(refused({{"cmd", "fdb add"}, {"args", {{"mac", kS}}}}),
              "missing argument \"port\" (a string)");
    EXPECT_EQ(refused({{"cmd", "show fdb"}, {"args", {{"port", 3}}}}),
              "missing argument \"port\" (a string)");
}

// Other threads (the control socket, telemetry) go through call(): the
// request waits until the control loop serves it.
TEST_F(api, call_from_another_thread_is_answered_by_the_control_loop) {
    learn_a_and_b();
    json answer;
    std::atomic<bool> done{false};
    std::thread client([&] {
        answer = h_->sw().call([&] { return h_->sw().handle({{"cmd", "show fdb"}}); });
        done = true;
    });
    while (!done) {
        h_->sw().serve_requests();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    client.join();
    EXPECT_EQ(answer.at("result").at("size"), 2);
}

TEST_F(api, call_times_out_when_the_control_loop_does_not_serve) {
    EXPECT_THROW(h_->sw().call([] { return json(1); }, std::chrono::milliseconds(20)),
                 std::runtime_error);
    h_->sw().serve_requests(); // the abandoned request runs harmlessly
}

} // namespace
} // namespace bridgehost::test
