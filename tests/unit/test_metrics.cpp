// /metrics: render_prometheus checked by a strict parser of the text format
// (Prometheus drops a whole scrape over one bad line), and the HTTP server
// checked with a plain socket client: status codes, content type, errors at
// start, the signal mask its threads run with.
#include "api/metrics_server.hpp"
#include "api/prometheus.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace bridgehost {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---- A strict parser of the text exposition format 0.0.4 ---------------------

struct parsed_sample {
    std::string name;
    std::map<std::string, std::string> labels; ///< unescaped values
    double value = 0;
    std::string raw_value;
};

struct parsed_exposition {
    std::map<std::string, std::string> types; ///< family -> counter/gauge/...
    std::map<std::string, std::string> helps; ///< family -> unescaped help
    std::vector<parsed_sample> samples;
    std::vector<std::string> errors; ///< "line N: what", empty when the text is valid

    /// The value of one series, or NaN if absent.
    double value(const std::string& name,
                 const std::map<std::string, std::string>& labels = {}) const {
        for (const parsed_sample& s : samples)
            if (s.name == name && s.labels == labels)
                return s.value;
        return std::numeric_limits<double>::quiet_NaN();
    }
};

bool is_metric_name(std::string_view n) {
    if (n.empty() || !(std::isalpha(uint8_t(n[0])) || n[0] == '_' || n[0] == ':'))
        return false;
    for (char c : n)
        if (!(std::isalnum(uint8_t(c)) || c == '_' || c == ':'))
            return false;
    return true;
}

bool is_label_name(std::string_view n) {
    if (n.empty() || !(std::isalpha(uint8_t(n[0])) || n[0] == '_') || n.starts_with("__"))
        return false;
    for (char c : n)
        if (!(std::isalnum(uint8_t(c)) || c == '_'))
            return false;
    return true;
}

/// A float as Go's ParseFloat (which Prometheus uses) takes it, plus the
/// format's NaN and +Inf/-Inf. The whole token must be the number.
bool parse_value(std::string_view text, double& out) {
    if (text == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (text == "+Inf" || text == "-Inf") {
        out = text[0] == '+' ? HUGE_VAL : -HUGE_VAL;
        return true;
    }
    if (text.empty() || !(std::isdigit(uint8_t(text[0])) || text[0] == '-' || text[0] == '.'))
        return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

/// Unescapes a HELP text (\\ and \n) or a label value (also \"). False on any
/// other escape, a dangling backslash, or (in a label) a bare double quote.
bool unescape(std::string_view text, bool label, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"' && label)
            return false;
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        if (++i == text.size())
            return false;
        if (text[i] == '\\')
            out.push_back('\\');
        else if (text[i] == 'n')
            out.push_back('\n');
        else if (text[i] == '"' && label)
            out.push_back('"');
        else
            return false;
    }
    return true;
}

/// Parses `name{label="value",...} value` (labels optional, no timestamp).
/// Returns the reason it is malformed, or "".
std::string parse_sample_line(std::string_view line, parsed_sample& s) {
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
        ++i;
    s.name = std::string(line.substr(0, i));
    if (!is_metric_name(s.name))
        return "bad metric name \"" + s.name + "\"";
    if (i < line.size() && line[i] == '{') {
        ++i;
        for (;;) {
            const std::size_t eq = line.find('=', i);
            if (eq == std::string_view::npos)
                return "label without '='";
            const std::string name(line.substr(i, eq - i));
            if (!is_label_name(name))
                return "bad label name \"" + name + "\"";
            if (eq + 1 >= line.size() || line[eq + 1] != '"')
                return "label value not quoted";
            // The closing quote is the first one not escaped.
            std::size_t j = eq + 2;
            while (j < line.size() && line[j] != '"')
                j += line[j] == '\\' ? 2 : 1;
            if (j >= line.size())
                return "unterminated label value";
            std::string value;
            if (!unescape(line.substr(eq + 2, j - eq - 2), true, value))
                return "bad escape in label " + name;
            if (!s.labels.emplace(name, value).second)
                return "label " + name + " twice";
            i = j + 1;
            if (i < line.size() && line[i] == ',') {
                ++i;
                continue;
            }
            if (i < line.size() && line[i] == '}') {
                ++i;
                break;
            }
            return "expected ',' or '}' after label " + name;
        }
    }
    if (i >= line.size() || line[i] != ' ')
        return "expected one space before the value";
    s.raw_value = std::string(line.substr(i + 1));
    if (!parse_value(s.raw_value, s.value))
        return "value \"" + s.raw_value + "\" is not a number (or a timestamp follows)";
    return "";
}

parsed_exposition parse_exposition(const std::string& text) {
    parsed_exposition out;
    auto error = [&](std::size_t line, const std::string& what) {
        out.errors.push_back("line " + std::to_string(line) + ": " + what);
    };
    if (!text.empty() && text.back() != '\n')
        error(0, "the last line has no newline");

    std::set<std::string> series;
    std::set<std::string> closed; // families whose group has ended
    std::string current;          // the family of the group being read
    auto enter = [&](std::size_t n, const std::string& family) {
        if (family == current)
            return;
        if (closed.contains(family))
            error(n, "lines of " + family + " are not one group");
        if (!current.empty())
            closed.insert(current);
        current = family;
    };

    std::istringstream in(text);
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (line.empty()) {
            error(n, "empty line");
            continue;
        }
        if (line[0] == '#') {
            std::istringstream words(line);
            std::string hash, keyword, name;
            words >> hash >> keyword >> name;
            if (hash != "#" || (keyword != "HELP" && keyword != "TYPE") ||
                !line.starts_with("# " + keyword + " " + name)) {
                error(n, "comment is neither # HELP nor # TYPE: " + line);
                continue;
            }
            if (!is_metric_name(name)) {
                error(n, "bad metric name \"" + name + "\"");
                continue;
            }
            enter(n, name);
            const std::size_t rest_at = 2 + keyword.size() + 1 + name.size();
            const std::string rest = line.size() > rest_at + 1 ? line.substr(rest_at + 1) : "";
            if (line.size() > rest_at && line[rest_at] != ' ')
                error(n, "no space after the name");
            if (keyword == "TYPE") {
                static const std::set<std::string> kTypes = {"counter", "gauge", "histogram",
                                                             "summary", "untyped"};
                if (!kTypes.contains(rest))
                    error(n, "unknown type \"" + rest + "\"");
                if (out.types.contains(name))
                    error(n, "second # TYPE for " + name);
                for (const parsed_sample& s : out.samples)
                    if (s.name == name) {
                        error(n, "# TYPE " + name + " after its samples");
                        break;
                    }
                out.types[name] = rest;
            } else {
                std::string help;
                if (!unescape(rest, false, help))
                    error(n, "bad escape in # HELP " + name);
                if (out.helps.contains(name))
                    error(n, "second # HELP for " + name);
                out.helps[name] = help;
            }
            continue;
        }

        parsed_sample s;
        if (const std::string why = parse_sample_line(line, s); !why.empty()) {
            error(n, why + ": " + line);
            continue;
        }
        enter(n, s.name);
        const auto type = out.types.find(s.name);
        if (type == out.types.end())
            error(n, s.name + " has no # TYPE before it");
        else if (type->second == "counter" && !s.name.ends_with("_total"))
            error(n, "counter " + s.name + " does not end in _total");
        else if (type->second != "counter" && s.name.ends_with("_total"))
            error(n, type->second + " " + s.name + " ends in _total");
        if (type != out.types.end() && type->second == "counter" && !(s.value >= 0))
            error(n, "counter " + s.name + " is negative or NaN");
        std::string key = s.name;
        for (const auto& [k, v] : s.labels)
            key += '\0' + k + '\0' + v;
        if (!series.insert(key).second)
            error(n, "duplicate series: " + line);
        out.samples.push_back(std::move(s));
    }
    return out;
}

/// Parses and fails the test (with every error) if the text is not valid.
parsed_exposition parse_strictly(const std::string& text) {
    parsed_exposition p = parse_exposition(text);
    std::string all;
    for (const std::string& e : p.errors)
        all += e + "\n";
    EXPECT_TRUE(p.errors.empty()) << all << "---- the text:\n" << text;
    return p;
}

// The parser itself must reject what Prometheus rejects, or it proves nothing.
TEST(PrometheusParser, RejectsMalformedText) {
    const std::string ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n";
    EXPECT_TRUE(parse_exposition(ok).errors.empty());
    const char* bad[] = {
        "a_total 1\n",                                  // no TYPE
        "# TYPE a counter\na 1\n",                      // counter without _total
        "# TYPE a_total gauge\na_total 1\n",            // gauge with _total
        "# TYPE a gauge\n# TYPE a gauge\na 1\n",        // two TYPEs
        "# TYPE a gauge\na 1\na 2\n",                   // duplicate series
        "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n", // duplicate labelled series
        "# TYPE a gauge\na{x=\"a\"b\"} 1\n",            // bare quote in a label
        "# TYPE a gauge\na{x=\"a\\tb\"} 1\n",           // unknown escape
        "# TYPE a gauge\na{x=\"a\\\"} 1\n",             // escaped closing quote
        "# TYPE a gauge\na{x=1} 1\n",                   // unquoted value
        "# TYPE a gauge\na{1x=\"1\"} 1\n",              // bad label name
        "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n",       // label twice
        "# TYPE a gauge\na one\n",                      // not a number
        "# TYPE a gauge\na 1 1700000000\n",             // timestamp
        "# TYPE a gauge\na 1",                          // no final newline
        "# TYPE 1a gauge\n1a 1\n",                      // bad metric name
        "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\n",   // a's lines split by b's
        "# TYPE a gauge\na 1\n\n",                      // empty line
        "# HELP a x\\y\n# TYPE a gauge\na 1\n",         // bad HELP escape
        "# TYPE a gauge\na 1\n# TYPE a gauge\n",        // TYPE after samples
        "# TYPE a_total counter\na_total -1\n",         // negative counter
        "# a comment\n# TYPE a gauge\na 1\n",           // other comments
    };
    for (const char* text : bad)
        EXPECT_FALSE(parse_exposition(text).errors.empty()) << "accepted:\n" << text;
}

// ---- render_prometheus ------------------------------------------------------

const std::string kOddName = "we\"ird\\po\nrt"; // a quote, a backslash, a newline

metrics_snapshot two_ports_two_workers() {
    metrics_snapshot s;
    metrics_snapshot::port a;
    a.name = "eth0";
    a.rx_packets = 1000;
    a.rx_bytes = 64000;
    a.tx_packets = 990;
    a.tx_bytes = 63360;
    a.unicast = 900;
    a.flooded = 95;
    a.drops = {{"filtered", 3}, {"runt", 2}, {"invalid_src", 0}, {"tx_full", 0}};
    a.imissed = 11;
    a.ierrors = 1;
    a.oerrors = 2;
    a.rx_nombuf = 4;
    a.link_up = true;
    a.promiscuous = true;
    metrics_snapshot::port b;
    b.name = kOddName;
    b.rx_packets = 5;
    b.rx_bytes = std::numeric_limits<uint64_t>::max(); // no rounding through a double
    b.drops = {{"filtered", 0}, {"runt", 0}, {"invalid_src", 1}, {"tx_full", 7}};
    b.promisc_suspect = true;
    b.macs = 100;
    b.max_macs = 128;
    b.blocked = true;
    b.probes_sent = 12;
    b.loops = 1;
    b.bpdus = 0;
    s.ports = {a, b};

    metrics_snapshot::worker w0;
    w0.index = 0;
    w0.lcore = 2;
    w0.rx_packets = 600;
    w0.busy_cycles = 132000;
    w0.idle_cycles = 9000000;
    w0.stall_cycles = 250000;
    w0.stalls = 1;
    w0.learn_events = 40;
    metrics_snapshot::worker w1 = w0;
    w1.index = 1;
    w1.lcore = 3;
    w1.rx_packets = 405;
    w1.learn_ring_full = 6;
    w1.fdb_cache_hits = 300;
    w1.fdb_cache_misses = 105;
    s.workers = {w0, w1};

    s.fdb_entries = 42;
    s.fdb_capacity = 65536;
    s.fdb_counts = {
        {"learned", "New entries.", 50}, {"moved", "Moves.", 3},      {"aged", "Aged.", 8},
        {"table_full", "Refused.", 0},   {"static_kept", "Kept.", 2}, {"flushed", "Flushed.", 1},
        {"evicted", "Evicted.", 7}};
    s.mbufs_in_use = 8191;
    s.captured = 40;
    s.capture_dropped = 2;
    s.tsc_hz = 2'400'000'000;
    s.uptime_seconds = 12.5;
    return s;
}

TEST(RenderPrometheus, IsStrictlyValid) {
    parse_strictly(render_prometheus(two_ports_two_workers()));
}

TEST(RenderPrometheus, HasEveryFamilyWithItsTypeAndHelp) {
    const parsed_exposition p = parse_strictly(render_prometheus(two_ports_two_workers()));
    const std::map<std::string, std::string> expected = {
        {"bridgehost_port_rx_packets_total", "counter"},
        {"bridgehost_port_rx_bytes_total", "counter"},
        {"bridgehost_port_tx_packets_total", "counter"},
        {"bridgehost_port_tx_bytes_total", "counter"},
        {"bridgehost_port_unicast_total", "counter"},
        {"bridgehost_port_flooded_total", "counter"},
        {"bridgehost_port_loop_probes_sent_total", "counter"},
        {"bridgehost_port_loops_detected_total", "counter"},
        {"bridgehost_port_bpdus_total", "counter"},
        {"bridgehost_port_super_frames_total", "counter"},
        {"bridgehost_port_segmented_total", "counter"},
        {"bridgehost_port_checksums_finished_total", "counter"},
        {"bridgehost_port_drops_total", "counter"},
        {"bridgehost_port_device_missed_total", "counter"},
        {"bridgehost_port_device_rx_errors_total", "counter"},
        {"bridgehost_port_device_tx_errors_total", "counter"},
        {"bridgehost_port_device_rx_nombuf_total", "counter"},
        {"bridgehost_port_link_up", "gauge"},
        {"bridgehost_port_promiscuous", "gauge"},
        {"bridgehost_port_promisc_suspect", "gauge"},
        {"bridgehost_port_macs", "gauge"},
        {"bridgehost_port_max_macs", "gauge"},
        {"bridgehost_port_blocked", "gauge"},
        {"bridgehost_worker_rx_packets_total", "counter"},
        {"bridgehost_worker_busy_cycles_total", "counter"},
        {"bridgehost_worker_idle_cycles_total", "counter"},
        {"bridgehost_worker_stall_cycles_total", "counter"},
        {"bridgehost_worker_stalls_total", "counter"},
        {"bridgehost_worker_learn_events_total", "counter"},
        {"bridgehost_worker_learn_ring_full_total", "counter"},
        {"bridgehost_worker_fdb_cache_hits_total", "counter"},
        {"bridgehost_worker_fdb_cache_misses_total", "counter"},
        {"bridgehost_fdb_entries", "gauge"},
        {"bridgehost_fdb_capacity", "gauge"},
        {"bridgehost_fdb_learned_total", "counter"},
        {"bridgehost_fdb_moved_total", "counter"},
        {"bridgehost_fdb_aged_total", "counter"},
        {"bridgehost_fdb_table_full_total", "counter"},
        {"bridgehost_fdb_static_kept_total", "counter"},
        {"bridgehost_fdb_flushed_total", "counter"},
        {"bridgehost_fdb_evicted_total", "counter"},
        {"bridgehost_mbufs_in_use", "gauge"},
        {"bridgehost_capture_frames_total", "counter"},
        {"bridgehost_capture_dropped_total", "counter"},
        {"bridgehost_tsc_hz", "gauge"},
        {"bridgehost_uptime_seconds", "gauge"},
    };
    EXPECT_EQ(p.types, expected);
    for (const auto& [name, type] : expected) {
        ASSERT_TRUE(p.helps.contains(name)) << name << " has no # HELP";
        EXPECT_FALSE(p.helps.at(name).empty()) << name;
    }
    // 22 per-port families x 2 ports, 4 drop reasons x 2 ports, 9 per-worker
    // families x 2 workers, 14 globals (7 of them FDB counters, 2 capture counters).
    EXPECT_EQ(p.samples.size(), 22u * 2 + 4 * 2 + 9 * 2 + 14);
}

TEST(RenderPrometheus, Values) {
    const parsed_exposition p = parse_strictly(render_prometheus(two_ports_two_workers()));
    EXPECT_EQ(p.value("bridgehost_port_rx_packets_total", {{"port", "eth0"}}), 1000);
    EXPECT_EQ(p.value("bridgehost_port_rx_packets_total", {{"port", kOddName}}), 5);
    EXPECT_EQ(p.value("bridgehost_port_flooded_total", {{"port", "eth0"}}), 95);
    EXPECT_EQ(p.value("bridgehost_port_drops_total", {{"port", "eth0"}, {"reason", "filtered"}}),
              3);
    EXPECT_EQ(p.value("bridgehost_port_drops_total", {{"port", kOddName}, {"reason", "tx_full"}}),
              7);
    EXPECT_EQ(p.value("bridgehost_port_drops_total", {{"port", "eth0"}, {"reason", "tx_full"}}), 0);
    EXPECT_EQ(p.value("bridgehost_port_device_missed_total", {{"port", "eth0"}}), 11);
    EXPECT_EQ(p.value("bridgehost_port_device_rx_nombuf_total", {{"port", "eth0"}}), 4);
    EXPECT_EQ(p.value("bridgehost_port_link_up", {{"port", "eth0"}}), 1);
    EXPECT_EQ(p.value("bridgehost_port_link_up", {{"port", kOddName}}), 0);
    EXPECT_EQ(p.value("bridgehost_port_promiscuous", {{"port", kOddName}}), 0);
    EXPECT_EQ(p.value("bridgehost_port_promisc_suspect", {{"port", kOddName}}), 1);
    EXPECT_EQ(p.value("bridgehost_port_macs", {{"port", kOddName}}), 100);
    EXPECT_EQ(p.value("bridgehost_port_max_macs", {{"port", kOddName}}), 128);
    EXPECT_EQ(p.value("bridgehost_port_blocked", {{"port", kOddName}}), 1);
    EXPECT_EQ(p.value("bridgehost_port_blocked", {{"port", "eth0"}}), 0);
    EXPECT_EQ(p.value("bridgehost_port_loop_probes_sent_total", {{"port", kOddName}}), 12);
    EXPECT_EQ(p.value("bridgehost_port_loops_detected_total", {{"port", kOddName}}), 1);
    EXPECT_EQ(p.value("bridgehost_worker_rx_packets_total", {{"worker", "1"}, {"lcore", "3"}}),
              405);
    EXPECT_EQ(p.value("bridgehost_worker_busy_cycles_total", {{"worker", "0"}, {"lcore", "2"}}),
              132000);
    EXPECT_EQ(p.value("bridgehost_worker_learn_ring_full_total", {{"worker", "1"}, {"lcore", "3"}}),
              6);
    EXPECT_EQ(p.value("bridgehost_worker_fdb_cache_hits_total", {{"worker", "1"}, {"lcore", "3"}}),
              300);
    EXPECT_EQ(
        p.value("bridgehost_worker_fdb_cache_misses_total", {{"worker", "1"}, {"lcore", "3"}}),
        105);
    EXPECT_EQ(p.value("bridgehost_fdb_entries"), 42);
    EXPECT_EQ(p.value("bridgehost_fdb_capacity"), 65536);
    EXPECT_EQ(p.value("bridgehost_fdb_static_kept_total"), 2);
    EXPECT_EQ(p.value("bridgehost_fdb_flushed_total"), 1);
    EXPECT_EQ(p.value("bridgehost_fdb_evicted_total"), 7);
    EXPECT_EQ(p.value("bridgehost_mbufs_in_use"), 8191);
    EXPECT_EQ(p.value("bridgehost_capture_frames_total"), 40);
    EXPECT_EQ(p.value("bridgehost_capture_dropped_total"), 2);
    EXPECT_EQ(p.value("bridgehost_tsc_hz"), 2.4e9);
    EXPECT_EQ(p.value("bridgehost_uptime_seconds"), 12.5);
}

TEST(RenderPrometheus, ExactLines) {
    const std::string text = render_prometheus(two_ports_two_workers());
    // Escaped as the format says: \" \\ \n inside the label value.
    EXPECT_THAT(text, HasSubstr("\nbridgehost_port_drops_total{port=\"we\\\"ird\\\\po\\nrt\","
                                "reason=\"tx_full\"} 7\n"));
    // A 64-bit counter in full, not rounded to a double's 53 bits.
    EXPECT_THAT(text, HasSubstr("\nbridgehost_port_rx_bytes_total{port=\"we\\\"ird\\\\po\\nrt\"} "
                                "18446744073709551615\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_port_rx_packets_total counter\n"
                                "bridgehost_port_rx_packets_total{port=\"eth0\"} 1000\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_worker_stalls_total{worker=\"0\",lcore=\"2\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_uptime_seconds gauge\n"
                                "bridgehost_uptime_seconds 12.5\n"));
    EXPECT_THAT(text, StartsWith("# HELP bridgehost_"));
}

TEST(RenderPrometheus, SumsADropReasonListedTwice) {
    metrics_snapshot s;
    s.ports.resize(1);
    s.ports[0].name = "p";
    s.ports[0].drops = {{"runt", 2}, {"filtered", 1}, {"runt", 5}};
    const parsed_exposition p = parse_strictly(render_prometheus(s));
    EXPECT_EQ(p.value("bridgehost_port_drops_total", {{"port", "p"}, {"reason", "runt"}}), 7);
    EXPECT_EQ(p.value("bridgehost_port_drops_total", {{"port", "p"}, {"reason", "filtered"}}), 1);
}

TEST(RenderPrometheus, NoPortsNoWorkersLeavesTheirFamiliesOut) {
    metrics_snapshot s;
    s.uptime_seconds = 0.25;
    const parsed_exposition p = parse_strictly(render_prometheus(s));
    EXPECT_EQ(p.samples.size(), 7u); // the FDB's two gauges, mbufs, tsc_hz, uptime, capture's two
    EXPECT_FALSE(p.types.contains("bridgehost_port_rx_packets_total"));
    EXPECT_FALSE(p.types.contains("bridgehost_worker_rx_packets_total"));
    EXPECT_EQ(p.value("bridgehost_uptime_seconds"), 0.25);
    EXPECT_EQ(p.value("bridgehost_fdb_entries"), 0);
}

TEST(RenderPrometheus, UptimeSpelledAsTheFormatWants) {
    metrics_snapshot s;
    s.uptime_seconds = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THAT(render_prometheus(s), HasSubstr("\nbridgehost_uptime_seconds NaN\n"));
    s.uptime_seconds = HUGE_VAL;
    EXPECT_THAT(render_prometheus(s), HasSubstr("\nbridgehost_uptime_seconds +Inf\n"));
    s.uptime_seconds = 1e21;
    parse_strictly(render_prometheus(s));
}

// ---- the spanning tree's families ----------------------------------------------

/// two_ports_two_workers() with the spanning tree on: a root port and a
/// blocked alternate port that speaks 802.1D, with the odd name.
metrics_snapshot with_stp() {
    metrics_snapshot s = two_ports_two_workers();
    s.stp.enabled = true;
    s.stp.is_root = false;
    s.stp.root_path_cost = 20000;
    s.stp.topology_changes = 3;
    s.stp.seconds_since_topology_change = 12.5;
    metrics_snapshot::stp_port a;
    a.name = "eth0";
    a.role = "root";
    a.state = "forwarding";
    a.path_cost = 20000;
    a.bpdus_in = 10;
    a.bpdus_out = 11;
    a.topology_changes = 1;
    metrics_snapshot::stp_port b;
    b.name = kOddName;
    b.role = "alternate";
    b.state = "discarding";
    b.path_cost = 200'000'000; // the largest 802.1D-2004 allows
    b.oper_edge = true;
    b.rstp = false;
    b.bpdus_in = std::numeric_limits<uint64_t>::max();
    b.bpdus_bad = 4;
    b.bpdus_lost = 70000;
    s.stp.ports = {a, b};
    return s;
}

TEST(RenderPrometheus, StpFamiliesWithTheirTypes) {
    const parsed_exposition p = parse_strictly(render_prometheus(with_stp()));
    const std::map<std::string, std::string> expected = {
        {"bridgehost_stp_port_role", "gauge"},
        {"bridgehost_stp_port_state", "gauge"},
        {"bridgehost_stp_port_path_cost", "gauge"},
        {"bridgehost_stp_port_oper_edge", "gauge"},
        {"bridgehost_stp_port_rstp", "gauge"},
        {"bridgehost_stp_bpdus_received_total", "counter"},
        {"bridgehost_stp_bpdus_sent_total", "counter"},
        {"bridgehost_stp_bpdus_bad_total", "counter"},
        {"bridgehost_stp_bpdus_lost_total", "counter"},
        {"bridgehost_stp_port_topology_changes_total", "counter"},
        {"bridgehost_stp_is_root", "gauge"},
        {"bridgehost_stp_root_path_cost", "gauge"},
        {"bridgehost_stp_topology_changes_total", "counter"},
        {"bridgehost_stp_seconds_since_topology_change", "gauge"},
    };
    std::map<std::string, std::string> stp;
    for (const auto& [name, type] : p.types)
        if (name.starts_with("bridgehost_stp_"))
            stp.emplace(name, type);
    EXPECT_EQ(stp, expected);
    for (const auto& [name, type] : expected) {
        ASSERT_TRUE(p.helps.contains(name)) << name << " has no # HELP";
        EXPECT_FALSE(p.helps.at(name).empty()) << name;
    }
    // On top of the rest: 5 roles + 3 states + 8 other per-port families, 2
    // ports; 4 bridge-wide.
    EXPECT_EQ(p.samples.size(), 22u * 2 + 4 * 2 + 9 * 2 + 14 + (5 + 3 + 8) * 2 + 4);
}

TEST(RenderPrometheus, StpExactLines) {
    const std::string text = render_prometheus(with_stp());
    const std::string odd = "port=\"we\\\"ird\\\\po\\nrt\"";
    // One-hot over the five roles and the three states, in the standard's order.
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_port_role gauge\n"
                                "bridgehost_stp_port_role{port=\"eth0\",role=\"disabled\"} 0\n"
                                "bridgehost_stp_port_role{port=\"eth0\",role=\"root\"} 1\n"
                                "bridgehost_stp_port_role{port=\"eth0\",role=\"designated\"} 0\n"
                                "bridgehost_stp_port_role{port=\"eth0\",role=\"alternate\"} 0\n"
                                "bridgehost_stp_port_role{port=\"eth0\",role=\"backup\"} 0\n"
                                "bridgehost_stp_port_role{" +
                                odd + ",role=\"disabled\"} 0\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_port_role{" + odd + ",role=\"alternate\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_port_state gauge\n"
                                "bridgehost_stp_port_state{port=\"eth0\",state=\"discarding\"} 0\n"
                                "bridgehost_stp_port_state{port=\"eth0\",state=\"learning\"} 0\n"
                                "bridgehost_stp_port_state{port=\"eth0\",state=\"forwarding\"} 1\n"
                                "bridgehost_stp_port_state{" +
                                odd +
                                ",state=\"discarding\"} 1\n"
                                "bridgehost_stp_port_state{" +
                                odd +
                                ",state=\"learning\"} 0\n"
                                "bridgehost_stp_port_state{" +
                                odd + ",state=\"forwarding\"} 0\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_port_path_cost gauge\n"
                                "bridgehost_stp_port_path_cost{port=\"eth0\"} 20000\n"
                                "bridgehost_stp_port_path_cost{" +
                                odd + "} 200000000\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_port_oper_edge{port=\"eth0\"} 0\n"
                                "bridgehost_stp_port_oper_edge{" +
                                odd + "} 1\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_port_rstp{port=\"eth0\"} 1\n"
                                "bridgehost_stp_port_rstp{" +
                                odd + "} 0\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_bpdus_received_total counter\n"
                                "bridgehost_stp_bpdus_received_total{port=\"eth0\"} 10\n"
                                "bridgehost_stp_bpdus_received_total{" +
                                odd + "} 18446744073709551615\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_bpdus_sent_total{port=\"eth0\"} 11\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_bpdus_bad_total{" + odd + "} 4\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_bpdus_lost_total{" + odd + "} 70000\n"));
    EXPECT_THAT(text, HasSubstr("\nbridgehost_stp_port_topology_changes_total{port=\"eth0\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_is_root gauge\n"
                                "bridgehost_stp_is_root 0\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_root_path_cost gauge\n"
                                "bridgehost_stp_root_path_cost 20000\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_topology_changes_total counter\n"
                                "bridgehost_stp_topology_changes_total 3\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE bridgehost_stp_seconds_since_topology_change gauge\n"
                                "bridgehost_stp_seconds_since_topology_change 12.5\n"));
}

TEST(RenderPrometheus, StpRootWithoutTopologyChangeLeavesTheAgeOut) {
    metrics_snapshot s = with_stp();
    s.stp.is_root = true;
    s.stp.root_path_cost = 0;
    s.stp.topology_changes = 0;
    s.stp.seconds_since_topology_change = -1;
    s.stp.ports[0].role = "designated";
    s.stp.ports[1].role = "something new"; // not one of the five: every role series 0
    const std::string text = render_prometheus(s);
    const parsed_exposition p = parse_strictly(text);
    EXPECT_EQ(p.value("bridgehost_stp_is_root"), 1);
    EXPECT_EQ(p.value("bridgehost_stp_root_path_cost"), 0);
    EXPECT_EQ(p.value("bridgehost_stp_topology_changes_total"), 0);
    EXPECT_FALSE(p.types.contains("bridgehost_stp_seconds_since_topology_change"));
    EXPECT_THAT(text, Not(HasSubstr("seconds_since_topology_change")));
    EXPECT_EQ(p.value("bridgehost_stp_port_role", {{"port", "eth0"}, {"role", "designated"}}), 1);
    EXPECT_EQ(p.value("bridgehost_stp_port_role", {{"port", "eth0"}, {"role", "root"}}), 0);
    for (const char* role : {"disabled", "root", "designated", "alternate", "backup"})
        EXPECT_EQ(p.value("bridgehost_stp_port_role", {{"port", kOddName}, {"role", role}}), 0)
            << role;
}

TEST(RenderPrometheus, StpNoPortsLeavesOnlyTheBridgeWide) {
    metrics_snapshot s;
    s.stp.enabled = true;
    s.stp.is_root = true;
    const parsed_exposition p = parse_strictly(render_prometheus(s));
    EXPECT_FALSE(p.types.contains("bridgehost_stp_port_role"));
    EXPECT_FALSE(p.types.contains("bridgehost_stp_bpdus_received_total"));
    EXPECT_EQ(p.value("bridgehost_stp_is_root"), 1);
    EXPECT_EQ(p.value("bridgehost_stp_topology_changes_total"), 0);
}

TEST(RenderPrometheus, StpOffPrintsNothingOfIt) {
    metrics_snapshot s = with_stp();
    s.stp.enabled = false; // whatever else the snapshot holds
    const std::string text = render_prometheus(s);
    EXPECT_THAT(text, Not(HasSubstr("_stp_")));
    EXPECT_EQ(text, render_prometheus(two_ports_two_workers()));
}

// promtool's own check, where it is installed (it is not a build dependency).
TEST(RenderPrometheus, PromtoolAgrees) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool is not installed";
    char path[] = "/tmp/bridgehost-metrics-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string text = render_prometheus(with_stp());
    ASSERT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
    close(fd);
    const int status = std::system(("promtool check metrics < " + std::string(path)).c_str());
    unlink(path);
    EXPECT_EQ(status, 0);
}

// ---- metrics_server ---------------------------------------------------------

struct http_response {
    int status = 0;
    std::map<std::string, std::string> headers; ///< names lower-cased
    std::string body;
};

/// One request over a fresh connection, as a scraper sends it; the whole
/// response, read to EOF.
http_response http(uint16_t port, const std::string& method, const std::string& path) {
    http_response r;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ADD_FAILURE() << "connect to port " << port << ": " << std::strerror(errno);
        close(fd);
        return r;
    }
    const std::string request = method + " " + path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
    std::string raw;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
        raw.append(buf, std::size_t(n));
    close(fd);

    const std::size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos || !raw.starts_with("HTTP/1.1 ")) {
        ADD_FAILURE() << "not an HTTP response:\n" << raw;
        return r;
    }
    r.status = std::atoi(raw.c_str() + 9);
    std::istringstream head(raw.substr(0, end));
    std::string line;
    std::getline(head, line); // the status line
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string name = line.substr(0, colon);
        for (char& c : name)
            c = char(std::tolower(uint8_t(c)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    r.body = raw.substr(end + 4);
    if (!r.headers.contains("content-length"))
        ADD_FAILURE() << "no Content-Length";
    else if (method == "HEAD")
        EXPECT_EQ(r.body, "") << "a body after HEAD";
    else
        EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
    return r;
}

/// The message the server's constructor throws, or "" if it started.
std::string start_error(const std::string& listen) {
    try {
        metrics_server server(listen, [] { return std::string(); });
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(MetricsServer, ServesTheRenderedText) {
    const std::string text = render_prometheus(two_ports_two_workers());
    metrics_server server("127.0.0.1:0", [&] { return text; });
    ASSERT_NE(server.port(), 0);
    http_response r = http(server.port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(r.body, text);
    // A query string does not change the path.
    EXPECT_EQ(http(server.port(), "GET", "/metrics?x=1").status, 200);
}

TEST(MetricsServer, RendersForEachScrape) {
    int scrapes = 0;
    metrics_server server("127.0.0.1:0", [&] { return "n " + std::to_string(++scrapes) + "\n"; });
    EXPECT_EQ(http(server.port(), "GET", "/metrics").body, "n 1\n");
    EXPECT_EQ(http(server.port(), "GET", "/metrics").body, "n 2\n");
}

TEST(MetricsServer, OtherPathsAreNotFound) {
    metrics_server server("127.0.0.1:0", [] { return std::string("x 1\n"); });
    for (const char* path : {"/other", "/", "/metrics/x", "/metricsx", "/index.html", "/.."})
        EXPECT_EQ(http(server.port(), "GET", path).status, 404) << path;
    EXPECT_EQ(http(server.port(), "POST", "/other").status, 404);
}

TEST(MetricsServer, OtherMethodsAreNotAllowed) {
    int scrapes = 0;
    metrics_server server("127.0.0.1:0", [&] {
        ++scrapes;
        return std::string("x 1\n");
    });
    for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
        http_response r = http(server.port(), method, "/metrics");
        EXPECT_EQ(r.status, 405) << method;
        EXPECT_EQ(r.headers["allow"], "GET") << method;
    }
    EXPECT_EQ(scrapes, 0);
}

TEST(MetricsServer, RenderFailureIs503WithTheMessage) {
    metrics_server server("127.0.0.1:0",
                          []() -> std::string { throw std::runtime_error("counters not ready"); });
    const http_response r = http(server.port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 503);
    EXPECT_THAT(r.body, HasSubstr("counters not ready"));
    // and the server lives on
    EXPECT_EQ(http(server.port(), "GET", "/metrics").status, 503);
}

TEST(MetricsServer, NeverRendersTwiceAtOnce) {
    std::atomic<int> inside{0}, most{0};
    metrics_server server("127.0.0.1:0", [&] {
        const int now = ++inside;
        most = std::max(most.load(), now);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --inside;
        return std::string("x 1\n");
    });
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int t = 0; t < 6; ++t)
        clients.emplace_back([&] {
            for (int i = 0; i < 5; ++i)
                ok += http(server.port(), "GET", "/metrics").status == 200;
        });
    for (std::thread& c : clients)
        c.join();
    EXPECT_EQ(ok, 30);
    EXPECT_EQ(most, 1);
}

TEST(MetricsServer, BadListenStrings) {
    EXPECT_THAT(start_error("nonsense"), StartsWith("cannot serve metrics on nonsense: expected "
                                                    "ADDR:PORT"));
    EXPECT_THAT(start_error("127.0.0.1:99999"),
                StartsWith("cannot serve metrics on 127.0.0.1:99999: port 99999 is out of range"));
    EXPECT_THAT(start_error("127.0.0.1:"), HasSubstr("the port must be a number"));
    EXPECT_THAT(start_error("127.0.0.1:-1"), HasSubstr("the port must be a number"));
    EXPECT_THAT(start_error("127.0.0.1:80s"), HasSubstr("the port must be a number"));
    EXPECT_THAT(start_error("9417"), HasSubstr("expected ADDR:PORT"));
    EXPECT_THAT(start_error("localhost:9417"), HasSubstr("\"localhost\" is not a numeric IPv4"));
    EXPECT_THAT(start_error("::1:9417"), HasSubstr("in brackets"));
    EXPECT_THAT(start_error("[::1"), HasSubstr("expected ADDR:PORT"));
    EXPECT_THAT(start_error("[nope]:9417"), HasSubstr("\"nope\" is not an IPv6 address"));
    EXPECT_THAT(start_error("127.0.0.1:9417,127.0.0.1:9418"), HasSubstr("expected ADDR:PORT"));
    // Not this host's address (TEST-NET-1).
    EXPECT_EQ(start_error("192.0.2.1:0"),
              "cannot serve metrics on 192.0.2.1:0: 192.0.2.1 is not an address of this host");
}

TEST(MetricsServer, Ipv6WorksOrSaysWhyNot) {
    const std::string e = start_error("[::1]:0");
    if (e.empty())
        return; // civetweb built with IPv6, and ::1 is up
    EXPECT_THAT(e, StartsWith("cannot serve metrics on [::1]:0: "));
    EXPECT_TRUE(e.find("without IPv6") != std::string::npos ||
                e.find("not an address of this host") != std::string::npos)
        << e;
}

TEST(MetricsServer, PortInUse) {
    metrics_server first("127.0.0.1:0", [] { return std::string(); });
    const std::string listen = "127.0.0.1:" + std::to_string(first.port());
    EXPECT_EQ(start_error(listen), "cannot serve metrics on " + listen + ": port " +
                                       std::to_string(first.port()) +
                                       " is already in use (another bridgehost, or another "
                                       "exporter?); choose another port");
}

TEST(MetricsServer, StopsListeningWhenDestroyed) {
    uint16_t port = 0;
    {
        metrics_server server("127.0.0.1:0", [] { return std::string("x 1\n"); });
        port = server.port();
        EXPECT_EQ(http(port, "GET", "/metrics").status, 200);
    }
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_NE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    close(fd);
    // and the port is free again
    metrics_server again("127.0.0.1:" + std::to_string(port), [] { return std::string(); });
    EXPECT_EQ(again.port(), port);
}

std::set<std::string> thread_ids() {
    std::set<std::string> ids;
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr)
        return ids;
    while (const dirent* e = readdir(dir))
        if (e->d_name[0] != '.')
            ids.insert(e->d_name);
    closedir(dir);
    return ids;
}

/// The blocked-signal mask of one thread, from /proc.
uint64_t blocked_signals(const std::string& tid) {
    std::ifstream status("/proc/self/task/" + tid + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("SigBlk:"))
            return std::stoull(line.substr(7), nullptr, 16);
    return 0;
}

// bridgehost takes SIGTERM through a signalfd: a civetweb thread that left it
// unblocked would die of it instead, and take the switch with it.
TEST(MetricsServer, ItsThreadsBlockTerminationSignals) {
    sigset_t before, after;
    pthread_sigmask(SIG_BLOCK, nullptr, &before);
    const std::set<std::string> old = thread_ids();
    metrics_server server("127.0.0.1:0", [] { return std::string(); });
    pthread_sigmask(SIG_BLOCK, nullptr, &after);
    for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE})
        EXPECT_EQ(sigismember(&before, s), sigismember(&after, s)) << "caller's mask changed";

    // glibc's pthread_create blocks every signal in a new thread until the
    // thread itself sets the mask it inherited: wait for that first.
    std::vector<std::string> started;
    for (const std::string& tid : thread_ids())
        if (!old.contains(tid))
            started.push_back(tid);
    const uint64_t kCreating =
        ~uint64_t(0) & ~(uint64_t(1) << (SIGKILL - 1)) & ~(uint64_t(1) << (SIGSTOP - 1));
    for (int i = 0; i < 200; ++i) {
        bool settled = true;
        for (const std::string& tid : started)
            settled = settled && blocked_signals(tid) != kCreating;
        if (settled)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    int checked = 0;
    for (const std::string& tid : started) {
        const uint64_t mask = blocked_signals(tid);
        for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP})
            EXPECT_NE(mask & (uint64_t(1) << (s - 1)), 0u) << "thread " << tid << " signal " << s;
        EXPECT_EQ(mask & (uint64_t(1) << (SIGSEGV - 1)), 0u) << "thread " << tid;
        ++checked;
    }
    EXPECT_GE(checked, 2); // civetweb's master thread and its workers
}

} // namespace
} // namespace bridgehost
