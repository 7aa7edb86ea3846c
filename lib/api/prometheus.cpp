// The Prometheus text exposition format, version 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/
//
// One scrape is parsed as a whole: a single malformed line (an unescaped quote
// in a label, a series written twice, a sample before its # TYPE) and
// Prometheus keeps none of the scrape. Hence one writer that owns all escaping
// and ordering, and families described by tables rather than by hand.
#include "api/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <string_view>

namespace bridgehost {

namespace {

constexpr std::string_view kPrefix = "bridgehost_";

struct label {
    std::string_view name;
    std::string_view value;
};

/// Writes one family at a time: # HELP, # TYPE, then its samples, contiguous
/// as the format requires. The header is written with the first sample, so a
/// family without series (no ports yet) leaves no dangling # TYPE.
class exposition {
  public:
    /// `name` without the prefix; counters' names end in _total.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        type_ = type;
        help_ = help;
        header_written_ = false;
    }

    void sample(std::initializer_list<label> labels, uint64_t value) {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, value);
        sample(labels, std::string_view(buf, std::size_t(r.ptr - buf)));
    }

    void sample(std::initializer_list<label> labels, double value) {
        // The format's spellings, which to_chars does not produce.
        if (std::isnan(value))
            return sample(labels, std::string_view("NaN"));
        if (std::isinf(value))
            return sample(labels, std::string_view(value > 0 ? "+Inf" : "-Inf"));
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, value); // shortest exact form
        sample(labels, std::string_view(buf, std::size_t(r.ptr - buf)));
    }

    std::string take() { return std::move(out_); }

  private:
    void sample(std::initializer_list<label> labels, std::string_view value) {
        if (!header_written_) {
            out_.append("# HELP ").append(kPrefix).append(name_).push_back(' ');
            escape(help_, false);
            out_.append("\n# TYPE ").append(kPrefix).append(name_).push_back(' ');
            out_.append(type_).push_back('\n');
            header_written_ = true;
        }
        out_.append(kPrefix).append(name_);
        if (labels.size() != 0) {
            char sep = '{';
            for (const label& l : labels) {
                out_.push_back(sep);
                out_.append(l.name).append("=\"");
                escape(l.value, true);
                out_.push_back('"');
                sep = ',';
            }
            out_.push_back('}');
        }
        out_.push_back(' ');
        out_.append(value).push_back('\n');
    }

    /// HELP text escapes backslash and newline; label values also the double quote.
    void escape(std::string_view text, bool quote) {
        for (char c : text) {
            if (c == '\\')
                out_.append("\\\\");
            else if (c == '\n')
                out_.append("\\n");
            else if (c == '"' && quote)
                out_.append("\\\"");
            else
                out_.push_back(c);
        }
    }

    std::string out_;
    std::string_view name_, type_, help_;
    bool header_written_ = false;
};

using port = metrics_snapshot::port;
using worker = metrics_snapshot::worker;

struct port_counter {
    const char* name;
    const char* help;
    uint64_t port::*field;
};

constexpr port_counter kPortTraffic[] = {
    {"port_rx_packets_total", "Frames the workers received on the port.", &port::rx_packets},
    {"port_rx_bytes_total", "Bytes of the frames the workers received on the port.",
     &port::rx_bytes},
    {"port_tx_packets_total", "Frames the port's tx queues accepted.", &port::tx_packets},
    {"port_tx_bytes_total", "Bytes of the frames the port's tx queues accepted.", &port::tx_bytes},
    {"port_unicast_total",
     "Frames received on the port and sent to the one port their destination MAC was "
     "learned on.",
     &port::unicast},
    {"port_flooded_total",
     "Frames received on the port and flooded to every other port (broadcast, multicast, "
     "unknown destination).",
     &port::flooded},
    {"port_loop_probes_sent_total", "Loop-guard probes sent out of the port.", &port::probes_sent},
    {"port_loops_detected_total",
     "Times the port was blocked because a loop-guard probe of ours came back (a loop).",
     &port::loops},
    {"port_bpdus_total", "STP BPDUs received on the port with bpdu_guard on.", &port::bpdus},
    {"port_super_frames_total",
     "TCP super-frames (TSO, GSO, GRO: larger than the MTU) received on the port.",
     &port::super_frames},
    {"port_segmented_total",
     "Super-frames received on the port that the switch cut into MTU-sized segments for a "
     "port whose peer takes none.",
     &port::segmented},
    {"port_checksums_finished_total",
     "Frames received on the port whose TCP/UDP checksum the switch finished in software.",
     &port::checksums_finished},
};

// What the device itself counts (rte_eth_stats): frames the switch never saw.
constexpr port_counter kPortDevice[] = {
    {"port_device_missed_total",
     "Frames the device dropped because its rx queues were full (ethdev imissed): the "
     "workers did not keep up.",
     &port::imissed},
    {"port_device_rx_errors_total", "Erroneous frames the device received (ethdev ierrors).",
     &port::ierrors},
    {"port_device_tx_errors_total", "Frames the device failed to send (ethdev oerrors).",
     &port::oerrors},
    {"port_device_rx_nombuf_total",
     "Receive failures for want of a packet buffer (ethdev rx_nombuf): the mbuf pool is "
     "too small.",
     &port::rx_nombuf},
};

constexpr port_counter kPortGauges[] = {
    {"port_macs", "Dynamic (learned) MAC table entries on the port.", &port::macs},
    {"port_max_macs", "The port's max_macs: the dynamic entries it may hold; 0: no limit.",
     &port::max_macs},
};

struct port_flag {
    const char* name;
    const char* help;
    bool port::*field;
};

constexpr port_flag kPortFlags[] = {
    {"port_link_up", "1 if the port's link is up.", &port::link_up},
    {"port_promiscuous",
     "1 if the device granted promiscuous mode; a bridge needs it to see frames addressed "
     "to other hosts.",
     &port::promiscuous},
    {"port_promisc_suspect",
     "1 if the port looks filtered upstream: the hypervisor or switch in front of it seems "
     "to hide unicast frames for other hosts, whatever the device's promiscuous mode.",
     &port::promisc_suspect},
    {"port_blocked", "1 if loop guard or BPDU guard blocked the port.", &port::blocked},
};

struct worker_counter {
    const char* name;
    const char* help;
    uint64_t worker::*field;
};

constexpr worker_counter kWorkerCounters[] = {
    {"worker_rx_packets_total", "Frames the worker received, all ports.", &worker::rx_packets},
    {"worker_busy_cycles_total",
     "TSC cycles from an rx burst that returned frames to the end of their tx, stalls "
     "excluded (divide by rx packets for cycles/packet).",
     &worker::busy_cycles},
    {"worker_idle_cycles_total", "TSC cycles of empty polls and loop overhead.",
     &worker::idle_cycles},
    {"worker_stall_cycles_total",
     "TSC cycles of bursts longer than workers.stall_us: the CPU was taken from the worker.",
     &worker::stall_cycles},
    {"worker_stalls_total", "Bursts longer than workers.stall_us.", &worker::stalls},
    {"worker_learn_events_total", "Learn and move events the worker posted to the control lcore.",
     &worker::learn_events},
    {"worker_learn_ring_full_total", "Learn events lost because the worker's learn ring was full.",
     &worker::learn_ring_full},
    {"worker_fdb_cache_hits_total",
     "FDB keys (destinations and sources) the worker's own cache answered (workers.fdb_cache).",
     &worker::fdb_cache_hits},
    {"worker_fdb_cache_misses_total",
     "FDB keys the worker looked up in the table: not in its cache, or the cache is off.",
     &worker::fdb_cache_misses},
};

using stp_port = metrics_snapshot::stp_port;

// The spanning tree (features/stp): exported only when stp.enabled.
constexpr std::string_view kStpRoles[] = {"disabled", "root", "designated", "alternate", "backup"};
constexpr std::string_view kStpStates[] = {"discarding", "learning", "forwarding"};

struct stp_port_counter {
    const char* name;
    const char* help;
    uint64_t stp_port::*field;
};

constexpr stp_port_counter kStpPortCounters[] = {
    {"stp_bpdus_received_total",
     "Spanning-tree BPDUs received on the port and processed (bad and lost ones are "
     "counted apart).",
     &stp_port::bpdus_in},
    {"stp_bpdus_sent_total", "Spanning-tree BPDUs sent out of the port.", &stp_port::bpdus_out},
    {"stp_bpdus_bad_total",
     "BPDUs received on the port and ignored: malformed, truncated, or of an unknown version "
     "or type.",
     &stp_port::bpdus_bad},
    {"stp_bpdus_lost_total",
     "BPDUs received on the port that the spanning tree never saw: the workers' ring to the "
     "control lcore was full (a flood of BPDUs).",
     &stp_port::bpdus_lost},
    {"stp_port_topology_changes_total",
     "Topology changes the port detected (it went forwarding) or received from its neighbour.",
     &stp_port::topology_changes},
};

struct stp_port_flag {
    const char* name;
    const char* help;
    bool stp_port::*field;
};

constexpr stp_port_flag kStpPortFlags[] = {
    {"stp_port_oper_edge",
     "1 if the port is an edge port now: configured as one (ports[].stp.edge) or found to be "
     "one, and no BPDU arrived since.",
     &stp_port::oper_edge},
    {"stp_port_rstp",
     "1 if the port sends RSTP BPDUs; 0 once it fell back to 802.1D STP BPDUs for a "
     "neighbour that speaks only those.",
     &stp_port::rstp},
};

/// The spanning tree's families; nothing when it is off.
void render_stp(exposition& ex, const metrics_snapshot::stp_bridge& stp) {
    if (!stp.enabled)
        return;
    ex.family("stp_port_role", "gauge",
              "The port's spanning-tree role, one series per role: 1 for the one it has "
              "(disabled, root, designated, alternate, backup), 0 for the others.");
    for (const stp_port& p : stp.ports)
        for (std::string_view role : kStpRoles)
            ex.sample({{"port", p.name}, {"role", role}}, uint64_t(p.role == role ? 1 : 0));
    ex.family("stp_port_state", "gauge",
              "The port's spanning-tree state, one series per state: 1 for the one it is in "
              "(discarding, learning, forwarding), 0 for the others. Only a forwarding port "
              "passes frames.");
    for (const stp_port& p : stp.ports)
        for (std::string_view state : kStpStates)
            ex.sample({{"port", p.name}, {"state", state}}, uint64_t(p.state == state ? 1 : 0));
    ex.family("stp_port_path_cost", "gauge",
              "The port's path cost: what a path to the root through it adds "
              "(ports[].stp.path_cost, or from the link speed).");
    for (const stp_port& p : stp.ports)
        ex.sample({{"port", p.name}}, uint64_t(p.path_cost));
    for (const stp_port_flag& f : kStpPortFlags) {
        ex.family(f.name, "gauge", f.help);
        for (const stp_port& p : stp.ports)
            ex.sample({{"port", p.name}}, uint64_t(p.*f.field ? 1 : 0));
    }
    for (const stp_port_counter& f : kStpPortCounters) {
        ex.family(f.name, "counter", f.help);
        for (const stp_port& p : stp.ports)
            ex.sample({{"port", p.name}}, p.*f.field);
    }

    ex.family("stp_is_root", "gauge", "1 if this bridge is the spanning tree's root.");
    ex.sample({}, uint64_t(stp.is_root ? 1 : 0));
    ex.family("stp_root_path_cost", "gauge",
              "The cost of this bridge's path to the root: the sum of the path costs on the "
              "way; 0 at the root.");
    ex.sample({}, uint64_t(stp.root_path_cost));
    ex.family("stp_topology_changes_total", "counter",
              "Topology changes since start, detected here or received from a neighbour.");
    ex.sample({}, stp.topology_changes);
    if (stp.seconds_since_topology_change >= 0) { // none since start: left out
        ex.family("stp_seconds_since_topology_change", "gauge",
                  "Seconds since the last topology change; absent when there was none since "
                  "start.");
        ex.sample({}, stp.seconds_since_topology_change);
    }
}

struct global {
    const char* name;
    const char* type;
    const char* help;
    uint64_t metrics_snapshot::*field;
};

constexpr global kFdbGauges[] = {
    {"fdb_entries", "gauge", "Entries in the MAC table, static ones included.",
     &metrics_snapshot::fdb_entries},
    {"fdb_capacity", "gauge", "Entries the MAC table can hold (fdb.capacity).",
     &metrics_snapshot::fdb_capacity},
};

constexpr global kGlobals[] = {
    {"mbufs_in_use", "gauge", "Packet buffers taken from the pool.",
     &metrics_snapshot::mbufs_in_use},
    {"capture_frames_total", "counter",
     "Frames copied for a packet capture (bridgehostctl capture).", &metrics_snapshot::captured},
    {"capture_dropped_total", "counter",
     "Capture copies lost (capture pool empty or ring full); the forwarded frames were not.",
     &metrics_snapshot::capture_dropped},
    {"tsc_hz", "gauge", "TSC cycles per second, to turn the cycle counters into time.",
     &metrics_snapshot::tsc_hz},
};

} // namespace

std::string render_prometheus(const metrics_snapshot& s) {
    exposition ex;

    for (const port_counter& f : kPortTraffic) {
        ex.family(f.name, "counter", f.help);
        for (const port& p : s.ports)
            ex.sample({{"port", p.name}}, p.*f.field);
    }

    ex.family("port_drops_total", "counter",
              "Frames the switch dropped, by reason: ingress drops count on the port the "
              "frame came in on, tx_full on the port that would not take it.");
    for (const port& p : s.ports) {
        // A reason listed twice would be a duplicate series, which fails the
        // whole scrape: sum it instead.
        std::vector<std::pair<std::string_view, uint64_t>> drops;
        for (const auto& [reason, n] : p.drops) {
            auto it = drops.begin();
            while (it != drops.end() && it->first != reason)
                ++it;
            if (it == drops.end())
                drops.emplace_back(reason, n);
            else
                it->second += n;
        }
        for (const auto& [reason, n] : drops)
            ex.sample({{"port", p.name}, {"reason", reason}}, n);
    }

    for (const port_counter& f : kPortDevice) {
        ex.family(f.name, "counter", f.help);
        for (const port& p : s.ports)
            ex.sample({{"port", p.name}}, p.*f.field);
    }

    for (const port_flag& f : kPortFlags) {
        ex.family(f.name, "gauge", f.help);
        for (const port& p : s.ports)
            ex.sample({{"port", p.name}}, uint64_t(p.*f.field ? 1 : 0));
    }
    for (const port_counter& f : kPortGauges) {
        ex.family(f.name, "gauge", f.help);
        for (const port& p : s.ports)
            ex.sample({{"port", p.name}}, p.*f.field);
    }

    render_stp(ex, s.stp);

    std::vector<std::pair<std::string, std::string>> worker_labels;
    for (const worker& w : s.workers)
        worker_labels.emplace_back(std::to_string(w.index), std::to_string(w.lcore));
    for (const worker_counter& f : kWorkerCounters) {
        ex.family(f.name, "counter", f.help);
        for (std::size_t i = 0; i < s.workers.size(); ++i)
            ex.sample({{"worker", worker_labels[i].first}, {"lcore", worker_labels[i].second}},
                      s.workers[i].*f.field);
    }

    for (const global& g : kFdbGauges) {
        ex.family(g.name, g.type, g.help);
        ex.sample({}, s.*g.field);
    }
    for (const metrics_snapshot::fdb_count& c : s.fdb_counts) {
        const std::string name = "fdb_" + c.name + "_total"; // family() keeps a view of it
        ex.family(name, "counter", c.help);
        ex.sample({}, c.value);
    }
    for (const global& g : kGlobals) {
        ex.family(g.name, g.type, g.help);
        ex.sample({}, s.*g.field);
    }
    ex.family("uptime_seconds", "gauge", "Seconds since bridgehost started.");
    ex.sample({}, s.uptime_seconds);

    return ex.take();
}

} // namespace bridgehost
