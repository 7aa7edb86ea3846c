// Operator-facing reports: per-port, per-worker and FDB counters, and the FDB itself.
#include "control/bridge.hpp"

#include "common/plural.hpp"

#include <algorithm>
#include <cinttypes>
#include <string>

#include <rte_cycles.h>

namespace bridgehost {

namespace {
/// Of the FDB keys a worker looked up, the share its cache answered.
double hit_percent(uint64_t hits, uint64_t misses) {
    return hits + misses != 0 ? 100.0 * double(hits) / double(hits + misses) : 0.0;
}
} // namespace

port_totals bridge::raw_port_stats(uint16_t port) const {
    port_totals t;
    for (const auto& w : workers_)
        t.add(w->counters().ports[port]);
    return t;
}

worker_totals bridge::raw_worker_stats(unsigned index) const {
    worker_totals t;
    t.add(workers_[index]->counters(), unsigned(ports_.size()));
    return t;
}

port_totals bridge::port_stats(uint16_t port) const {
    port_totals t = raw_port_stats(port);
    t.subtract(base_.ports[port]);
    return t;
}

worker_totals bridge::worker_stats(std::optional<unsigned> index) const {
    worker_totals t;
    for (const auto& w : workers_)
        if (!index || w->index() == *index) {
            t.add(w->counters(), unsigned(ports_.size()));
            t.subtract(base_.workers[w->index()]);
        }
    return t;
}

rte_eth_stats bridge::device_stats(uint16_t port) const {
    rte_eth_stats s = ports_[port]->stats();
    const rte_eth_stats& b = base_.devices[port];
    s.ipackets -= b.ipackets;
    s.opackets -= b.opackets;
    s.ibytes -= b.ibytes;
    s.obytes -= b.obytes;
    s.imissed -= b.imissed;
    s.ierrors -= b.ierrors;
    s.oerrors -= b.oerrors;
    s.rx_nombuf -= b.rx_nombuf;
    return s;
}

control_totals bridge::fdb_stats() const {
    control_totals t(control_->counters());
    t.subtract(base_.fdb);
    return t;
}

void bridge::print_stats(std::FILE* out) const {
    // One screen, 100 columns: a summary, the per-port totals, then only the
    // drop reasons that counted something (`bridgehostctl explain REASON` and
    // docs say what each means; `show stats --all` lists every one).
    // One look at each port: the summary and the tables show the same numbers.
    struct port_look {
        port_totals totals;
        rte_eth_stats device;
        bool up;
    };
    std::vector<port_look> looks;
    uint64_t rx = 0, tx = 0, dropped = 0, device_lost = 0;
    unsigned up = 0;
    for (const auto& p : ports_) {
        const port_look& l = looks.emplace_back(port_look{
            port_stats(p->index()), device_stats(p->index()), p->link().link_status != 0});
        rx += l.totals.rx_packets;
        tx += l.totals.tx_packets;
        dropped += l.totals.dropped();
        device_lost += l.device.imissed + l.device.ierrors + l.device.oerrors + l.device.rx_nombuf;
        up += l.up ? 1 : 0;
    }
    std::fprintf(out, "summary: %s (%u up), %s, %s; %" PRIu64 " frames in, %" PRIu64 " out\n",
                 count_of(ports_.size(), "port").c_str(), up,
                 count_of(workers_.size(), "worker").c_str(),
                 count_of(fdb_->size(), "FDB entry", "FDB entries").c_str(), rx, tx);
    std::fprintf(out,
                 "  %" PRIu64 " dropped by the switch, %" PRIu64
                 " lost in the devices (missed, errors, no mbuf)\n",
                 dropped, device_lost);

    std::fprintf(out, "ports (frames as the switch counted them):\n");
    std::fprintf(out, "  %-12s %11s %13s %11s %13s %10s %10s %8s\n", "port", "rx-packets",
                 "rx-bytes", "tx-packets", "tx-bytes", "unicast", "flooded", "dropped");
    for (size_t i = 0; i < ports_.size(); ++i) {
        const port_totals& t = looks[i].totals;
        std::fprintf(out,
                     "  %-12s %11" PRIu64 " %13" PRIu64 " %11" PRIu64 " %13" PRIu64 " %10" PRIu64
                     " %10" PRIu64 " %8" PRIu64 "\n",
                     ports_[i]->name().c_str(), t.rx_packets, t.rx_bytes, t.tx_packets, t.tx_bytes,
                     t.unicast, t.flooded, t.dropped());
    }
    if (dropped == 0) {
        std::fprintf(out, "drops: none\n");
    } else {
        std::fprintf(out, "drops (bridgehostctl explain REASON says what each means):\n");
        for (size_t i = 0; i < ports_.size(); ++i)
            for (unsigned r = 0; r < kDropReasons; ++r)
                if (looks[i].totals.drops[r] != 0)
                    std::fprintf(out, "  %-12s %-22s %12" PRIu64 "\n", ports_[i]->name().c_str(),
                                 drop_reason_name(drop_reason(r)), looks[i].totals.drops[r]);
    }

    std::fprintf(out, "devices (as the PMD counted them):\n");
    std::fprintf(out, "  %-12s %12s %12s %10s %10s %10s %10s %5s %6s\n", "port", "ipackets",
                 "opackets", "imissed", "ierrors", "oerrors", "rx-nombuf", "link", "promisc");
    for (size_t i = 0; i < ports_.size(); ++i) {
        const rte_eth_stats& d = looks[i].device;
        std::fprintf(out,
                     "  %-12s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
                     " %10" PRIu64 " %5s %6s\n",
                     ports_[i]->name().c_str(), d.ipackets, d.opackets, d.imissed, d.ierrors,
                     d.oerrors, d.rx_nombuf, looks[i].up ? "up" : "down",
                     ports_[i]->promiscuous() ? "on" : "OFF");
    }

    std::fprintf(out, "workers:\n");
    // Under 100 columns (a test holds the report to it).
    std::fprintf(out, "  %-6s %5s %6s %12s %10s %6s %8s %12s %15s %6s\n", "worker", "lcore",
                 "queues", "rx-packets", "cycles/pkt", "idle%", "stalls", "learn-events",
                 "learn-ring-full", "cache%");
    for (const auto& w : workers_) {
        const worker_counters& c = w->counters();
        const worker_totals t = worker_stats(w->index());
        std::fprintf(out,
                     "  %-6u %5u %6zu %12" PRIu64 " %10.1f %6.1f %8" PRIu64 " %12" PRIu64
                     " %15" PRIu64 " %6.1f\n",
                     w->index(), w->lcore(), w->rx_queues().size(), t.rx_packets,
                     t.busy_cycles_per_packet(), t.idle_percent(), t.stalls, c.learn_events.get(),
                     c.learn_ring_full.get(),
                     hit_percent(c.fdb_cache_hits.get(), c.fdb_cache_misses.get()));
    }
    // One line in the shape of testpmd's --record-core-cycles summary, so
    // scripts/bench.sh reads both the same way.
    const worker_totals all = worker_stats();
    std::fprintf(out,
                 "  busy cycles/packet=%.2f (busy cycles=%" PRIu64 " / rx packets=%" PRIu64
                 ") at %" PRIu64 " MHz\n",
                 all.busy_cycles_per_packet(), all.busy_cycles, all.rx_packets,
                 rte_get_tsc_hz() / 1000000);

    // Learned first and flushed last, always; the others when they counted.
    const control_totals fs = fdb_stats();
    std::string counts;
    const auto count = [&](std::string name, uint64_t n) {
        if (n == 0 && name != "learned" && name != "flushed")
            return;
        std::replace(name.begin(), name.end(), '_', '-'); // the report's spelling: table-full
        counts += (counts.empty() ? "" : ", ") + name + " " + std::to_string(n);
    };
#define X(name, help) count(#name, fs.name);
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    std::fprintf(out, "fdb: %u of %u entries; %s\n", fdb_->size(), fdb_->capacity(),
                 counts.c_str());
    std::fprintf(out, "mbufs in use: %u\n", mbufs_in_use());
}

unsigned bridge::mbufs_in_use() const {
    unsigned n = pool_->in_use() + (big_pool_ ? big_pool_->in_use() : 0);
    for (const auto& p : extra_pools_)
        n += p->in_use();
    return n;
}

metrics_snapshot bridge::metrics() const {
    metrics_snapshot m;
    for (const auto& p : ports_) {
        const port_totals t = raw_port_stats(p->index());
        const rte_eth_stats dev = p->stats();
        metrics_snapshot::port& mp = m.ports.emplace_back();
        mp.name = p->name();
        mp.rx_packets = t.rx_packets;
        mp.rx_bytes = t.rx_bytes;
        mp.tx_packets = t.tx_packets;
        mp.tx_bytes = t.tx_bytes;
        mp.unicast = t.unicast;
        mp.flooded = t.flooded;
        mp.super_frames = t.super_frames;
        mp.segmented = t.segmented;
        mp.checksums_finished = t.checksums_finished;
        for (unsigned r = 0; r < kDropReasons; ++r)
            mp.drops.emplace_back(drop_reason_name(drop_reason(r)), t.drops[r]);
        mp.imissed = dev.imissed;
        mp.ierrors = dev.ierrors;
        mp.oerrors = dev.oerrors;
        mp.rx_nombuf = dev.rx_nombuf;
        mp.link_up = p->link().link_status != 0;
        mp.promiscuous = p->promiscuous();
        mp.promisc_suspect = promisc_.suspect(p->index());
        mp.macs = fdb_->port_count(p->index());
        mp.max_macs = fdb_->port_limit(p->index()).max_macs;
        const loop_guard_state& guard = guard_->state();
        mp.blocked = guard.state(p->index()) != loop_guard_state::port_state::forwarding;
        mp.probes_sent = guard.counts(p->index()).probes_sent;
        mp.loops = guard.counts(p->index()).loops;
        mp.bpdus = guard.counts(p->index()).bpdus;
    }
    for (const auto& w : workers_) {
        const worker_totals t = raw_worker_stats(w->index());
        const worker_counters& c = w->counters();
        m.workers.push_back({w->index(), w->lcore(), t.rx_packets, t.busy_cycles, t.idle_cycles,
                             t.stall_cycles, t.stalls, c.learn_events.get(),
                             c.learn_ring_full.get(), c.fdb_cache_hits.get(),
                             c.fdb_cache_misses.get()});
        m.captured += c.captured.get();
        m.capture_dropped += c.capture_dropped.get();
    }
    const control_totals f(control_->counters());
    m.fdb_entries = fdb_->size();
    m.fdb_capacity = fdb_->capacity();
#define X(name, help) m.fdb_counts.push_back({#name, help, f.name});
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    stp_metrics(m);
    m.mbufs_in_use = mbufs_in_use();
    m.tsc_hz = rte_get_tsc_hz();
    m.uptime_seconds = double(clock_.load(std::memory_order_relaxed) - started_);
    return m;
}

void bridge::print_fdb(std::FILE* out) const {
    std::vector<fdb_record> records = fdb_->records();
    std::sort(records.begin(), records.end(), [](const fdb_record& a, const fdb_record& b) {
        return a.port != b.port ? a.port < b.port : a.mac.bytes < b.mac.bytes;
    });
    const fdb_time now = clock_.load(std::memory_order_relaxed);
    std::fprintf(out, "fdb (%zu entries):\n  %-17s %4s %-12s %-7s %s\n", records.size(), "mac",
                 "vlan", "port", "type", "age(s)");
    for (const fdb_record& r : records)
        std::fprintf(out, "  %-17s %4u %-12s %-7s %d\n", r.mac.str().c_str(), r.vlan,
                     cfg_.ports[r.port].name.c_str(), r.is_static ? "static" : "dynamic",
                     std::max(0, int32_t(now - r.last_seen)));
    std::fflush(out);
}

} // namespace bridgehost
