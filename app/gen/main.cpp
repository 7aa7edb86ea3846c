// bridgehost-gen: a two-port DPDK traffic generator for benchmarking bridgehost.
//
// It sends frames between N MAC pairs in both directions (see traffic.hpp),
// primes the switch's FDB first so every pair is learned, then offers load
// for a fixed time at full speed or a given rate, and reports what came back:
// Mpps each way, loss, misdelivered frames and the latency of timestamped
// frames. It normally runs over virtio_user against the switch's net_vhost
// ports, on its own core.
#include "common/plural.hpp"
#include "control/eal_session.hpp"
#include "gen/traffic.hpp"
#include "port/port.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

namespace {

using bridgehost::gen::latency_histogram;
using bridgehost::gen::traffic_pattern;

constexpr const char* kUsage = R"(NAME
    bridgehost-gen - a two-port DPDK traffic generator for benchmarking a switch

SYNOPSIS
    bridgehost-gen [EAL options] -- [options]

DESCRIPTION
    Uses the first two DPDK ports the EAL options create (normally
    --vdev net_virtio_user0,path=SOCKET and net_virtio_user1 against a
    switch's net_vhost ports). MACs/2 hosts sit behind each port: pair i is
    host 02:00:ii:ii:ii:ii behind port 0 and 02:01:ii:ii:ii:ii behind port 1.
    Port 0 sends A_i -> B_i, port 1 sends B_i -> A_i (IPv4/UDP inside,
    198.18.0.0/15), pairs in turn, so every destination is a learned source.

    1. Prime: every host sends one frame per pass, at --prime-rate, so the
       switch learns all MACs; then wait --settle for stragglers.
    2. Measure: offer load for --duration at --rate (default: as fast as the
       ports take it), then stop sending and collect frames still in flight.
    3. Report tx and rx Mpps per port, loss, misdelivered frames (received on
       the wrong side) and the latency of timestamped frames (one per burst).

    The lines "bridgehost-gen: measuring" and "bridgehost-gen: measured" mark
    the measured window on stdout (flushed), for scripts that sample the
    device under test's counters over exactly that window.

OPTIONS
    --macs N            MACs in all, an even number 2..16M; K and M suffixes
                        (x1024, x1048576). Default 2
    --size BYTES        frame size on the wire with FCS, 64..1518. Default 64
    --duration SECONDS  measured time, 0.1..604800 (a week). Default 5
    --rate MPPS         offered load over both ports, frames per second in
                        millions; 0 = as fast as the ports take it. Default 0
    --queues Q          tx/rx queues per port, 1..16; pair i uses queue i%Q,
                        so a switch with RSS or Q workers gets Q flows.
                        Default 1
    --burst N           frames per tx burst, 1..256. Default 32
    --prime-rate MPPS   frames per second (millions) while priming. Default 1
    --prime-passes N    priming passes over all MACs, 0..10. Default 2
    --settle SECONDS    wait after priming. Default 0.5
    --churn N[/s]       while measuring, replace N MACs a second (N/2 pairs,
                        even, at most --macs) by MACs never used before,
                        pair slots in turn, spread evenly over the second:
                        new MACs keep appearing, the replaced ones go silent
                        and a switch ages them out. Default 0 (a fixed set)
    --progress SECONDS  while measuring, print every SECONDS a line
                        "bridgehost-gen: progress t=S tx=N rx=N
                        misdelivered=N replaced=N" (totals since the window
                        began, replaced in MACs), and one more, with "done",
                        after the final drain. Default 0 (none)
    --idle-sleep-us US  sleep US microseconds after a pass that sent and
                        received nothing, 0..10000, so a paced run leaves
                        most of its CPU to others. Default 0 (busy-poll)
    --csv FILE          append one result line to FILE (a header first if
                        FILE is new)
    --label TEXT        first column of the CSV line (e.g. the switch's name)
    -h, --help          this text

EXIT STATUS
    0 done; 1 a port or DPDK failed; 2 bad command line

EXAMPLE
    bridgehost-gen --lcores 0@0 --file-prefix gen --single-file-segments \
        --vdev net_virtio_user0,path=/tmp/vh0,queue_size=1024 \
        --vdev net_virtio_user1,path=/tmp/vh1,queue_size=1024 \
        -- --macs 64K --size 64 --duration 10
)";

struct options {
    uint32_t macs = 2;
    uint16_t size = 64;
    double duration = 5.0;
    double rate_mpps = 0.0;
    uint16_t queues = 1;
    uint16_t burst = 32;
    double prime_rate_mpps = 1.0;
    unsigned prime_passes = 2;
    double settle = 0.5;
    uint32_t churn = 0; ///< MACs replaced per second
    double progress = 0;
    unsigned idle_sleep_us = 0;
    std::string csv;
    std::string label = "dut";
};

using bridgehost::gen::parse_number;
using bridgehost::gen::parse_whole;

/// Parses the options after "--". Returns nullopt after --help.
std::optional<options> parse_options(int argc, char** argv) {
    enum {
        o_macs = 256,
        o_size,
        o_duration,
        o_rate,
        o_queues,
        o_burst,
        o_prime_rate,
        o_prime_passes,
        o_settle,
        o_churn,
        o_progress,
        o_idle_sleep,
        o_csv,
        o_label
    };
    static const option longopts[] = {
        {"macs", required_argument, nullptr, o_macs},
        {"size", required_argument, nullptr, o_size},
        {"duration", required_argument, nullptr, o_duration},
        {"rate", required_argument, nullptr, o_rate},
        {"queues", required_argument, nullptr, o_queues},
        {"burst", required_argument, nullptr, o_burst},
        {"prime-rate", required_argument, nullptr, o_prime_rate},
        {"prime-passes", required_argument, nullptr, o_prime_passes},
        {"settle", required_argument, nullptr, o_settle},
        {"churn", required_argument, nullptr, o_churn},
        {"progress", required_argument, nullptr, o_progress},
        {"idle-sleep-us", required_argument, nullptr, o_idle_sleep},
        {"csv", required_argument, nullptr, o_csv},
        {"label", required_argument, nullptr, o_label},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    options o;
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, nullptr)) != -1;) {
        switch (c) {
        case o_macs:
            o.macs = uint32_t(parse_whole(optarg, "--macs", traffic_pattern::kMinMacs,
                                          traffic_pattern::kMaxMacs));
            break;
        case o_size:
            o.size = uint16_t(parse_whole(optarg, "--size", traffic_pattern::kMinFrame,
                                          traffic_pattern::kMaxFrame));
            break;
        case o_duration:
            o.duration = parse_number(optarg, "--duration", 0.1, 604800);
            break;
        case o_rate:
            o.rate_mpps = parse_number(optarg, "--rate", 0, 1000);
            break;
        case o_queues:
            o.queues = uint16_t(parse_whole(optarg, "--queues", 1, 16));
            break;
        case o_burst:
            o.burst = uint16_t(parse_whole(optarg, "--burst", 1, 256));
            break;
        case o_prime_rate:
            o.prime_rate_mpps = parse_number(optarg, "--prime-rate", 0.001, 1000);
            break;
        case o_prime_passes:
            o.prime_passes = unsigned(parse_whole(optarg, "--prime-passes", 0, 10));
            break;
        case o_settle:
            o.settle = parse_number(optarg, "--settle", 0, 60);
            break;
        case o_churn: {
            std::string n = optarg;
            if (n.size() > 2 && n.compare(n.size() - 2, 2, "/s") == 0)
                n.resize(n.size() - 2);
            o.churn = uint32_t(parse_whole(n.c_str(), "--churn", 0, traffic_pattern::kMaxMacs));
            break;
        }
        case o_progress:
            o.progress = parse_number(optarg, "--progress", 0, 3600);
            break;
        case o_idle_sleep:
            o.idle_sleep_us = unsigned(parse_whole(optarg, "--idle-sleep-us", 0, 10000));
            break;
        case o_csv:
            o.csv = optarg;
            break;
        case o_label:
            o.label = optarg;
            break;
        case 'h':
            std::fputs(kUsage, stdout);
            return std::nullopt;
        case ':':
            throw std::invalid_argument(std::string(argv[optind - 1]) + " needs a value");
        default:
            throw std::invalid_argument(std::string("unknown option ") + argv[optind - 1]);
        }
    }
    if (optind < argc)
        throw std::invalid_argument(std::string("unexpected argument \"") + argv[optind] + "\"");
    if (o.macs % 2 != 0)
        throw std::invalid_argument("--macs: expected an even number (half behind each port)");
    if (o.churn % 2 != 0 || o.churn > o.macs)
        throw std::invalid_argument("--churn: expected an even number of MACs a second (pairs "
                                    "are replaced), at most --macs (" +
                                    std::to_string(o.macs) + ")");
    // Host numbers are 4 bytes of the MAC: the run must not use them up.
    const bridgehost::gen::mac_churn churn(o.macs / 2, o.churn / 2);
    if (churn.hosts_used(uint64_t(o.duration * 1000) + 1000) > (uint64_t(1) << 32))
        throw std::invalid_argument("--churn: --duration at this churn needs more than 2^32 "
                                    "MACs per side");
    return o;
}

std::atomic<bool> g_interrupted{false};
void on_signal(int) {
    g_interrupted.store(true, std::memory_order_relaxed);
}

/// Counts for one port over one window.
struct side_counts {
    uint64_t tx = 0, rx = 0, misdelivered = 0;
};

class generator {
  public:
    generator(const options& o, const traffic_pattern& t, uint16_t port0, uint16_t port1,
              rte_mempool* pool)
        : opt_(o), traffic_(t), churn_(t.pairs(), o.churn / 2), ports_{port0, port1}, pool_(pool),
          cursor_(size_t(2) * o.queues, 0), hz_(rte_get_tsc_hz()) {}

    /// Sends every host's frame `passes` times at `rate_pps`, then drains for `settle` s.
    void prime(unsigned passes, double rate_pps, double settle) {
        run_window(passes, rate_pps, 1e9, false);
        run_window(0, 0, settle, false);
    }

    /// Offers load for `seconds` (unpaced when rate_pps is 0), then drains.
    void measure(double seconds, double rate_pps) {
        counts_ = {};
        latency_ = {};
        std::printf("bridgehost-gen: measuring\n");
        std::fflush(stdout);
        window_start_ = rte_rdtsc();
        next_progress_ = window_start_ + uint64_t(opt_.progress * double(hz_));
        elapsed_ = run_window(kEndless, rate_pps, seconds, true);
        churn_ms_ = uint64_t(elapsed_ * 1000); // the churn clock stops with the sending
        std::printf("bridgehost-gen: measured\n");
        std::fflush(stdout);
        run_window(0, 0, 0.2, true); // frames still in flight belong to the window
        if (opt_.progress > 0)
            print_progress(rte_rdtsc(), " done");
    }

    /// MACs replaced by the churn during the measured window.
    uint64_t replaced_macs() const { return 2 * churn_.replaced(churn_ms_); }

    const side_counts& counts(unsigned side) const { return counts_[side]; }
    const latency_histogram& latency() const { return latency_; }
    double elapsed() const { return elapsed_; }
    double us(double cycles) const { return 1e6 * cycles / double(hz_); }

  private:
    static constexpr uint64_t kEndless = UINT64_MAX;

    /// Pairs that travel on queue q: i with i % Q == q.
    uint32_t pairs_on_queue(uint16_t q) const {
        const uint32_t pairs = traffic_.pairs();
        return q < pairs ? (pairs - q + opt_.queues - 1) / opt_.queues : 0;
    }

    /// Each (side, queue) stream sends `passes` rounds over its pairs (kEndless:
    /// no limit; 0: nothing), each paced at its share of rate_pps (0: unpaced),
    /// and everything is received, until the streams are done or `seconds`
    /// pass. Pacing per stream keeps both directions and all queues even.
    /// Returns the seconds it ran.
    double run_window(uint64_t passes, double rate_pps, double seconds, bool measuring) {
        struct stream {
            unsigned side;
            uint16_t queue;
            uint64_t limit, sent;
        };
        std::vector<stream> streams;
        for (unsigned side = 0; side < 2; ++side)
            for (uint16_t q = 0; q < opt_.queues; ++q)
                if (const uint32_t n = pairs_on_queue(q); n != 0 && passes != 0)
                    streams.push_back(
                        {side, q, passes == kEndless ? kEndless : uint64_t(n) * passes, 0});
        const uint64_t start = rte_rdtsc();
        const uint64_t deadline = start + uint64_t(seconds * double(hz_));
        const double per_cycle =
            streams.empty() ? 0 : rate_pps / double(streams.size()) / double(hz_);
        uint64_t now = start;
        while (now < deadline && !g_interrupted.load(std::memory_order_relaxed)) {
            if (measuring) {
                if (passes != 0) // the drain after the window keeps the clock where it stopped
                    churn_ms_ = (now - window_start_) * 1000 / hz_;
                if (opt_.progress > 0 && now >= next_progress_) {
                    print_progress(now, "");
                    next_progress_ += uint64_t(opt_.progress * double(hz_));
                }
            }
            bool sending = false, busy = false;
            for (stream& st : streams) {
                if (st.sent >= st.limit)
                    continue;
                sending = true;
                uint64_t budget = std::min<uint64_t>(st.limit - st.sent, opt_.burst);
                if (rate_pps > 0) {
                    const uint64_t due = uint64_t(double(now - start) * per_cycle) + 1;
                    budget = std::min(budget, due > st.sent ? due - st.sent : 0);
                }
                if (budget != 0) {
                    const unsigned n = send(st.side, st.queue, unsigned(budget), measuring);
                    st.sent += n;
                    busy = busy || n != 0;
                }
            }
            if (!sending && !streams.empty())
                break; // every stream sent its passes
            for (unsigned side = 0; side < 2; ++side)
                for (uint16_t q = 0; q < opt_.queues; ++q)
                    busy = receive(side, q, measuring) != 0 || busy;
            if (!busy && opt_.idle_sleep_us != 0)
                rte_delay_us_sleep(opt_.idle_sleep_us);
            now = rte_rdtsc();
        }
        return double(now - start) / double(hz_);
    }

    unsigned send(unsigned side, uint16_t q, unsigned want, bool measuring) {
        // Pair i travels on queue i % Q: one flow stays on one queue.
        const uint32_t per_queue = pairs_on_queue(q);
        rte_mbuf* burst[256];
        if (rte_pktmbuf_alloc_bulk(pool_, burst, want) != 0)
            return 0; // pool empty for now: frames are still out; try again next pass
        uint32_t& cursor = cursor_[size_t(side) * opt_.queues + q];
        uint32_t k = cursor;
        for (unsigned i = 0; i < want; ++i) {
            rte_mbuf* m = burst[i];
            uint8_t* buf = rte_pktmbuf_mtod(m, uint8_t*);
            traffic_.write_headers(buf, side,
                                   uint32_t(churn_.host(k * opt_.queues + q, churn_ms_)));
            if (i == 0)
                traffic_pattern::stamp(buf, rte_rdtsc());
            else
                traffic_pattern::unstamp(buf);
            m->data_len = m->pkt_len = traffic_.buffer_bytes();
            if (++k == per_queue)
                k = 0;
        }
        const uint16_t n = rte_eth_tx_burst(ports_[side], q, burst, uint16_t(want));
        if (n < want)
            rte_pktmbuf_free_bulk(burst + n, want - n);
        // Advance past the frames that left; the rest go out next time.
        cursor = uint32_t((uint64_t(cursor) + n) % per_queue);
        if (measuring)
            counts_[side].tx += n;
        return n;
    }

    /// Returns the frames received.
    unsigned receive(unsigned side, uint16_t q, bool measuring) {
        rte_mbuf* burst[256];
        const uint16_t n = rte_eth_rx_burst(ports_[side], q, burst, opt_.burst);
        if (n == 0)
            return 0;
        if (measuring) {
            const uint64_t now = rte_rdtsc();
            side_counts& c = counts_[side];
            c.rx += n;
            for (uint16_t i = 0; i < n; ++i) {
                const uint8_t* buf = rte_pktmbuf_mtod(burst[i], const uint8_t*);
                if (burst[i]->data_len < 6 || traffic_pattern::side_of(buf) != int(side))
                    ++c.misdelivered;
                if (const uint64_t ts = traffic_pattern::read_stamp(buf, burst[i]->data_len))
                    latency_.add(now - ts);
            }
        }
        rte_pktmbuf_free_bulk(burst, n);
        return n;
    }

    void print_progress(uint64_t now, const char* tag) const {
        const side_counts& a = counts_[0];
        const side_counts& b = counts_[1];
        std::printf("bridgehost-gen: progress t=%.1f tx=%" PRIu64 " rx=%" PRIu64
                    " misdelivered=%" PRIu64 " replaced=%" PRIu64 "%s\n",
                    double(now - window_start_) / double(hz_), a.tx + b.tx, a.rx + b.rx,
                    a.misdelivered + b.misdelivered, replaced_macs(), tag);
        std::fflush(stdout);
    }

    const options& opt_;
    const traffic_pattern& traffic_;
    const bridgehost::gen::mac_churn churn_;
    uint64_t churn_ms_ = 0;      ///< the churn's clock: 0 until the window, then its age
    uint64_t window_start_ = 0;  ///< TSC when the measured window began
    uint64_t next_progress_ = 0; ///< TSC of the next progress line
    uint16_t ports_[2];
    rte_mempool* pool_;
    std::vector<uint32_t> cursor_; ///< next pair (in queue-local numbering) per side and queue
    uint64_t hz_;
    std::array<side_counts, 2> counts_{};
    latency_histogram latency_;
    double elapsed_ = 0;
};

bool wait_for_links(const uint16_t* ids, double seconds) {
    const uint64_t deadline = rte_rdtsc() + uint64_t(seconds * double(rte_get_tsc_hz()));
    while (rte_rdtsc() < deadline) {
        bool up = true;
        for (unsigned i = 0; i < 2; ++i) {
            rte_eth_link l{};
            rte_eth_link_get_nowait(ids[i], &l);
            up = up && l.link_status;
        }
        if (up)
            return true;
        rte_delay_us_sleep(10000);
    }
    return false;
}

void report(const options& o, const generator& g) {
    const double t = g.elapsed();
    const side_counts a = g.counts(0), b = g.counts(1);
    const uint64_t tx = a.tx + b.tx, rx = a.rx + b.rx, mis = a.misdelivered + b.misdelivered;
    // Frames port 0 sent come back on port 1 and vice versa.
    const double loss = tx ? 100.0 * (double(tx) - double(rx)) / double(tx) : 0.0;
    char offered[48] = "full speed";
    if (o.rate_mpps > 0)
        std::snprintf(offered, sizeof(offered), "%.3f Mpps offered", o.rate_mpps);
    std::printf("bridgehost-gen: %s, %u-byte frames, %s, %s, %.2f s\n",
                bridgehost::count_of(o.macs, "MAC").c_str(), o.size,
                bridgehost::count_of(o.queues, "queue").c_str(), offered, t);
    std::printf("  %-5s %14s %14s %9s %9s %13s\n", "port", "tx-packets", "rx-packets", "tx-Mpps",
                "rx-Mpps", "misdelivered");
    const auto row = [&](const char* name, const side_counts& c) {
        std::printf("  %-5s %14" PRIu64 " %14" PRIu64 " %9.3f %9.3f %13" PRIu64 "\n", name, c.tx,
                    c.rx, double(c.tx) / t / 1e6, double(c.rx) / t / 1e6, c.misdelivered);
    };
    row("0", a);
    row("1", b);
    row("all", side_counts{tx, rx, mis});
    const latency_histogram& h = g.latency();
    const double lat_min = g.us(double(h.min())), lat_avg = g.us(h.mean()),
                 lat_p99 = g.us(double(h.quantile(0.99)));
    if (o.churn != 0)
        std::printf("  churn: %" PRIu64 " MACs replaced at %u a second\n", g.replaced_macs(),
                    o.churn);
    std::printf("  loss %.4f %% (%" PRId64 " frames); latency over %" PRIu64
                " stamped frames: min %.1f us, avg %.1f us, p99 %.1f us\n",
                loss, int64_t(tx) - int64_t(rx), h.count(), lat_min, lat_avg, lat_p99);
    if (!o.csv.empty()) {
        std::FILE* f = std::fopen(o.csv.c_str(), "a");
        if (f == nullptr)
            throw std::runtime_error("--csv " + o.csv + ": " + std::strerror(errno));
        if (std::ftell(f) == 0)
            std::fprintf(f, "label,macs,size,queues,rate_mpps,duration_s,tx_packets,rx_packets,"
                            "tx_mpps,rx_mpps,loss_pct,misdelivered,lat_min_us,lat_avg_us,"
                            "lat_p99_us\n");
        std::fprintf(f,
                     "%s,%u,%u,%u,%.3f,%.3f,%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%" PRIu64
                     ",%.2f,%.2f,%.2f\n",
                     o.label.c_str(), o.macs, o.size, o.queues, o.rate_mpps, t, tx, rx,
                     double(tx) / t / 1e6, double(rx) / t / 1e6, loss, mis, lat_min, lat_avg,
                     lat_p99);
        std::fclose(f);
    }
}

int run(const std::vector<std::string>& eal_args, const options& o) {
    const traffic_pattern traffic(o.macs, o.size);
    bridgehost::eal_session eal("bridgehost-gen", eal_args);
    if (rte_eth_dev_count_avail() < 2)
        throw std::runtime_error("need two DPDK ports; give two --vdev (e.g. "
                                 "net_virtio_user0,path=SOCKET) or two -a PCI devices");

    uint16_t ids[2];
    unsigned found = 0;
    uint16_t pid;
    RTE_ETH_FOREACH_DEV(pid) {
        if (found < 2)
            ids[found++] = pid;
    }
    const unsigned mbufs = std::max(16383u, unsigned(o.queues) * 2 * 4096 * 2 - 1);
    bridgehost::mbuf_pool pool("gen_pool", mbufs, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
    std::vector<bridgehost::port_config> cfgs(2);
    std::vector<std::unique_ptr<bridgehost::eth_port>> ports;
    for (unsigned i = 0; i < 2; ++i) {
        char name[RTE_ETH_NAME_MAX_LEN];
        rte_eth_dev_get_name_by_port(ids[i], name);
        cfgs[i].name = "gen" + std::to_string(i);
        cfgs[i].device = name;
        ports.push_back(std::make_unique<bridgehost::eth_port>(
            bridgehost::eth_port::params{&cfgs[i], uint16_t(i), o.queues, o.queues, pool.get()}));
        if (ports.back()->rx_queues() < o.queues)
            throw std::runtime_error("port " + cfgs[i].device + " offers fewer than " +
                                     std::to_string(o.queues) +
                                     " rx queues (for virtio_user "
                                     "add queues=N to the vdev, and to the switch's net_vhost)");
    }
    if (!wait_for_links(ids, 5.0))
        throw std::runtime_error("link down on a port after 5 s: is the switch running with "
                                 "its net_vhost ports on these sockets?");

    generator g(o, traffic, ids[0], ids[1], pool.get());
    if (o.prime_passes > 0) {
        std::printf("bridgehost-gen: priming %u MACs (%u pass(es) at %.3f Mpps)\n", o.macs,
                    o.prime_passes, o.prime_rate_mpps);
        std::fflush(stdout);
        g.prime(o.prime_passes, o.prime_rate_mpps * 1e6, o.settle);
    }
    g.measure(o.duration, o.rate_mpps * 1e6);
    report(o, g);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    // EAL options before "--", ours after it.
    int split = argc;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--") == 0) {
            split = i;
            break;
        }
    std::vector<std::string> eal_args(argv + 1, argv + split);
    std::optional<options> opt;
    try {
        std::vector<char*> ours{argv[0]};
        for (int i = split + 1; i < argc; ++i)
            ours.push_back(argv[i]);
        for (const std::string& a : eal_args)
            if (a == "-h" || a == "--help")
                ours.push_back(const_cast<char*>("--help"));
        opt = parse_options(int(ours.size()), ours.data());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehost-gen: %s (see bridgehost-gen -- --help)\n", e.what());
        return 2;
    }
    if (!opt)
        return 0;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        return run(eal_args, *opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehost-gen: %s\n", e.what());
        return 1;
    }
}
