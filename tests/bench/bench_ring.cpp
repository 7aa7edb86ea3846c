// bench-ring: bridgehost's busy cycles/packet against an io forwarding loop, on two net_ring
// ports, with the generator and the device under test in one process.
//
// scripts/bench.sh compares bridgehost with dpdk-testpmd --forward-mode=io on net_vhost ports,
// where the vhost-user copies are most of either's cycles. On net_ring ports (the ring PMD,
// rte_eth_from_rings) nothing is copied: a frame is a pointer moved from one ring to another,
// so what bridgehost does per frame (parse, the FDB lookups, learning, tx grouping) stands
// out. Ring ports live inside one process, so testpmd cannot be fed over them from another
// process; the io reference is testpmd's io forwarding loop re-created here instead.
//
// The DUT "bridgehost" is the product: a bridge (control/bridge.hpp) built from a config
// with the two ring ports, its worker launched on the DUT's lcore and its real control loop
// (learning, aging, requests) on the main lcore, on the same CPU, as scripts/bench.sh runs it.
// Everything goes through the product's public API; nothing here re-implements forwarding.
#include "../dpdk/ring_port.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "control/bridge.hpp"
#include "control/eal_session.hpp"
#include "datapath/counters.hpp"
#include "gen/traffic.hpp"
#include "port/port.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <getopt.h>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

namespace {

using bridgehost::gen::traffic_pattern;

constexpr const char* kUsage = R"(NAME
    bench-ring - bridgehost against an io forwarding loop on net_ring ports, in one process

SYNOPSIS
    bench-ring [--macs LIST] [--size BYTES] [--duration SECONDS] [--repeat N]
               [--csv FILE] [--prime-rate MPPS] [--gen-cpu N] [--dut-cpu N]
    bench-ring --help

DESCRIPTION
    Measures the busy cycles per frame of two devices under test (DUT) on
    the same two net_ring ports (DPDK's ring PMD, rte_eth_from_rings), where
    no frame is copied, so that what bridgehost does per frame (parse, FDB
    lookups, learning, tx grouping) is not hidden behind the vhost-user
    copies that scripts/bench.sh's table pays for:

    io          dpdk-testpmd's io forwarding loop (--forward-mode=io), re-created
                in this process, since testpmd cannot be fed over ring ports
                from another process: an rx burst of 32 from port A, a tx burst
                of what came to port B, what tx refused freed; then B to A.
    bridgehost  the switch itself: a bridge built from a config with the two
                ring ports, its worker on the DUT's lcore, its real control
                loop (learning from the learn ring, aging) on the main lcore,
                both on the DUT's CPU, as scripts/bench.sh runs bridgehost.

    The generator runs on its own CPU, in the pattern of bridgehost-gen: N
    MACs, N/2 hosts behind each port, pair i is 02:00:ii:ii:ii:ii behind
    port A and 02:01:ii:ii:ii:ii behind port B, A_i -> B_i and B_i -> A_i
    (IPv4/UDP inside), pairs in turn, so every destination is a learned
    source. It puts frames on each port's rx ring and takes what the DUT
    sent off each port's tx ring, counting them and checking that each left
    by the port its destination lives behind. Its frames are its own mbufs:
    a frame that came back is rewritten (addresses and IP header) as the
    next one to send, and a frame the DUT freed is replaced from its pool.
    So every header the DUT reads was just written on the generator's CPU:
    bridgehost's first read of each frame is a transfer from the other CPU,
    which io never makes (it never reads a frame). That is part of what
    bridgehost's cycles here hold, as it would be behind any ring port
    whose peer runs on another core.

    For each MAC count and DUT:
    1. Prime: every host sends one frame, at --prime-rate. With bridgehost,
       wait until its FDB holds all N MACs (asked through the bridge's
       request queue); another pass while learning stopped short, as long
       as each pass learns more (up to 10).
    2. Measure: offer frames as fast as the rx rings take them (a full ring
       is retried, never dropped) for --duration, then collect every frame
       still in flight. The DUT's worker counters (the figures SIGUSR2
       prints: busy cycles, rx packets, idle and stalled cycles) are read
       before and after, so cycles/pkt covers the measured window only.
    Runs are interleaved (io, bridgehost, io, ...), and of the N pairs (an
    io run and the bridgehost run right after it, which saw the same
    machine) the one with the median ratio counts: on a VM the price of
    crossing between the two CPUs moves (see rtt below), and medians taken
    per DUT could pair an io run of one regime with a bridgehost run of
    another.

    Busy cycles are counted for io exactly as bridgehost's worker counts
    them (worker::poll_once): TSC from just before rte_eth_rx_burst to the
    end of tx, only for polls that returned frames; a burst longer than
    100 us (workers.stall_us) is a stall, kept apart. That is also what
    testpmd --record-core-cycles counts, but for the stalls.

    EAL: --no-huge (no hugepages needed), --no-pci, --no-shconf,
    --no-telemetry, file prefix bench-ring-PID (its runtime directory is
    removed at exit); lcore 0 (the generator) on --gen-cpu, lcores 1 (the
    DUT's worker or io loop) and 2 (the main lcore, bridgehost's control
    loop) on --dut-cpu. Memory (-m): 512 MiB plus 256 bytes per FDB entry
    of the largest case, whose pages are taken only as they are used. The FDB is sized as scripts/bench.sh sizes
    it: twice the MACs, at least 65536 entries.

OPTIONS
    --macs LIST         MAC counts, space- or comma-separated, each even,
                        2..16M, K and M suffixes (x1024, x1048576).
                        Default "2 1024 65536 1048576"
    --size BYTES        frame size on the wire with FCS, 64..1518. Default 64
    --duration SECONDS  measured time per run, 0.1..3600. Default 5
    --repeat N          runs per DUT and MAC count, 1..99; the pair with the
                        median ratio counts.
                        Default 1
    --csv FILE          append one line per DUT and MAC count to FILE (a
                        header first if FILE is new or empty): dut, macs, size,
                        mpps, loss_pct, busy_cycles_per_packet, ratio_to_io,
                        cycles_over_io, idle_pct, misdelivered, tx_packets,
                        rx_packets, dut_rx_packets, stalls, duration_s,
                        rtt_before_cycles, rtt_after_cycles
    --prime-rate MPPS   frames per second (millions, both ports) while
                        priming, 0.01..100. Default 2, as scripts/bench.sh
    --gen-cpu N         the generator's CPU. Default 0
    --dut-cpu N         the DUT's CPU (worker and control lcore). Default 1
    --fdb-cache N       bridgehost's workers.fdb_cache: entries of the
                        worker's FDB cache, 0 (off) or a power of two
                        256..1048576. Default the product's, auto (half
                        the FDB's capacity, 4096..65536)
    -h, --help          this text

OUTPUT
    Comment lines (#) with the set-up, then one table row per DUT and MAC
    count, written as each MAC count finishes:
      DUT         io or bridgehost
      MACs, size  the case
      Mpps        frames the generator got back per second, both directions
      loss%       frames sent but not got back (dropped by the DUT: a full tx
                  ring, which the generator drains as fast as it can)
      cycles/pkt  the DUT's busy cycles per frame received, over the window
      ratio       bridgehost's cycles/pkt over io's, same MAC count
      +cycles     bridgehost's cycles/pkt less io's: what its forwarding adds
                  per frame (io's are a few ring operations, so this says
                  more than the ratio)
      idle%       the DUT's share of loop time in polls that found nothing
                  (a DUT faster than the generator idles, and its bursts are
                  smaller, so its per-frame cost includes more per-burst work)
      rtt         TSC cycles for a cache line to go from the generator's CPU
                  to the DUT's and back, measured just before and just after
                  the run (before/after). Every frame crosses between the two
                  CPUs, so both DUTs' cycles/pkt follow it; on a VM it changes
                  with where the host runs the two vCPUs (on the machine this
                  was written on it jumped between about 160 and 850, and io
                  between about 6 and 20 cycles/pkt with it, even within a
                  run: two figures that differ say it changed meanwhile)
    Progress goes to stderr.

EXIT STATUS
    0 done; 1 DPDK, a port or a run failed (the FDB did not learn every MAC);
    2 bad command line; 3 done, but a check failed: frames out of the wrong
    port, the DUT counting other frames than the generator sent, frames
    still out 5 s after the window, or mbufs not given back (an "# ODD:"
    line after the table says which); 130 interrupted (SIGINT, SIGTERM)

EXAMPLES
    bench-ring --macs "2 1024 65536 1048576" --duration 3
    bench-ring --macs 64K --repeat 3 --csv /tmp/ring.csv
    scripts/bench.sh --quick --ring     # after the vhost table, same MAC counts
)";

// --- options ------------------------------------------------------------------

struct options {
    std::vector<uint32_t> macs{2, 1024, 65536, 1048576};
    uint16_t size = 64;
    double duration = 5.0;
    unsigned repeat = 1;
    std::string csv;
    double prime_rate_mpps = 2.0;
    unsigned gen_cpu = 0, dut_cpu = 1;
    uint32_t fdb_cache = bridgehost::workers_config{}.fdb_cache; ///< workers.fdb_cache
};

using bridgehost::gen::parse_number;
using bridgehost::gen::parse_whole;

std::vector<uint32_t> parse_macs(const std::string& list) {
    std::string spaced = list;
    std::replace(spaced.begin(), spaced.end(), ',', ' ');
    std::istringstream in(spaced);
    std::vector<uint32_t> out;
    for (std::string word; in >> word;) {
        const auto n = uint32_t(
            parse_whole(word, "--macs", traffic_pattern::kMinMacs, traffic_pattern::kMaxMacs));
        if (n % 2 != 0)
            throw std::invalid_argument("--macs: expected even counts (half behind each port), "
                                        "got " +
                                        word);
        out.push_back(n);
    }
    if (out.empty())
        throw std::invalid_argument("--macs: expected at least one MAC count");
    return out;
}

/// nullopt after --help.
std::optional<options> parse_options(int argc, char** argv) {
    enum {
        o_macs = 256,
        o_size,
        o_duration,
        o_repeat,
        o_csv,
        o_prime_rate,
        o_gen_cpu,
        o_dut_cpu,
        o_fdb_cache
    };
    static const option longopts[] = {
        {"macs", required_argument, nullptr, o_macs},
        {"size", required_argument, nullptr, o_size},
        {"duration", required_argument, nullptr, o_duration},
        {"repeat", required_argument, nullptr, o_repeat},
        {"csv", required_argument, nullptr, o_csv},
        {"prime-rate", required_argument, nullptr, o_prime_rate},
        {"gen-cpu", required_argument, nullptr, o_gen_cpu},
        {"dut-cpu", required_argument, nullptr, o_dut_cpu},
        {"fdb-cache", required_argument, nullptr, o_fdb_cache},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    options o;
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, nullptr)) != -1;) {
        switch (c) {
        case o_macs:
            o.macs = parse_macs(optarg);
            break;
        case o_size:
            o.size = uint16_t(parse_whole(optarg, "--size", traffic_pattern::kMinFrame,
                                          traffic_pattern::kMaxFrame));
            break;
        case o_duration:
            o.duration = parse_number(optarg, "--duration", 0.1, 3600);
            break;
        case o_repeat:
            o.repeat = unsigned(parse_whole(optarg, "--repeat", 1, 99));
            break;
        case o_csv:
            o.csv = optarg;
            break;
        case o_prime_rate:
            o.prime_rate_mpps = parse_number(optarg, "--prime-rate", 0.01, 100);
            break;
        case o_gen_cpu:
            o.gen_cpu = unsigned(parse_whole(optarg, "--gen-cpu", 0, RTE_MAX_LCORE - 1));
            break;
        case o_dut_cpu:
            o.dut_cpu = unsigned(parse_whole(optarg, "--dut-cpu", 0, RTE_MAX_LCORE - 1));
            break;
        case o_fdb_cache:
            o.fdb_cache = uint32_t(parse_whole(optarg, "--fdb-cache", 0, 1u << 20));
            if (o.fdb_cache != 0 && (o.fdb_cache < 256 || (o.fdb_cache & (o.fdb_cache - 1)) != 0))
                throw std::invalid_argument("--fdb-cache: expected 0 (off) or a power of two "
                                            "from 256 to 1048576");
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
    if (o.gen_cpu == o.dut_cpu)
        throw std::invalid_argument("--gen-cpu and --dut-cpu must differ: the generator needs a "
                                    "CPU of its own");
    return o;
}

std::atomic<bool> g_interrupted{false};
void on_signal(int) {
    g_interrupted.store(true, std::memory_order_relaxed);
}

/// Thrown out of a run by SIGINT or SIGTERM.
struct interrupted : std::runtime_error {
    interrupted() : std::runtime_error("interrupted") {}
};

// --- lcores and the rings ------------------------------------------------------

constexpr unsigned kGenLcore = 0;      ///< on --gen-cpu
constexpr unsigned kDutLcore = 1;      ///< on --dut-cpu: bridgehost's worker, or the io loop
constexpr unsigned kMainLcore = 2;     ///< on --dut-cpu: bridgehost's control loop
constexpr unsigned kRxRingSize = 1024; ///< each port's rx ring (holds 1023), as ring_harness's
/// Each port's tx ring: room for everything both rx rings hold, so that a generator
/// descheduled for a moment does not make the DUT drop (tx_full) what it forwarded.
constexpr unsigned kTxRingSize = 4096;
constexpr unsigned kIoBurst = 32;  ///< testpmd's default --burst, bridgehost's workers.burst
constexpr unsigned kGenBurst = 64; ///< the generator's frames per enqueue and dequeue
/// The generator's frames: more than the rx rings and the DUT's bursts hold, fewer than
/// the tx rings could.
constexpr unsigned kGenMbufs = 8191;
constexpr unsigned kMaxPrimePasses = 10;

/// The two ports' rings. Port p receives what the generator puts on rx[p] and sends to tx[p].
struct ring_set {
    rte_ring* rx[2];
    rte_ring* tx[2];
};

/// What the generator reads of the DUT.
struct dut_counts {
    uint64_t rx_packets = 0, busy_cycles = 0, idle_cycles = 0, stall_cycles = 0, stalls = 0;
};
struct dut_probe {
    std::function<dut_counts()> snapshot;
    /// Live FDB entries; empty for a DUT without one (io).
    std::function<uint32_t()> fdb_size;
};

// --- the io reference: testpmd's io forwarding engine -----------------------------

/// dpdk-testpmd --forward-mode=io re-created in-process (testpmd cannot be fed over ring
/// ports from another process): per stream, an rx burst, a tx burst of what came, and what
/// tx refused freed, as testpmd's pkt_burst_io_forward does without --tx-retry. Busy cycles
/// are counted as bridgehost's worker counts them (worker::poll_once): from just before
/// rte_eth_rx_burst to after tx, only for polls that returned frames, a burst longer than
/// the stall limit counted apart; the rest of the loop's time is idle.
class io_forwarder {
  public:
    io_forwarder(uint16_t port_a, uint16_t port_b, uint64_t stall_cycles)
        : streams_{{{port_a, port_b}, {port_b, port_a}}}, stall_limit_(stall_cycles) {}

    static int main(void* self) {
        static_cast<io_forwarder*>(self)->run();
        return 0;
    }
    void stop() { running_.store(false, std::memory_order_relaxed); }

    dut_counts counts() const {
        return {rx_packets_.get(), busy_cycles_.get(), idle_cycles_.get(), stall_cycles_.get(),
                stalls_.get()};
    }

  private:
    struct stream {
        uint16_t rx_port, tx_port;
    };

    void run() {
        rte_mbuf* pkts[kIoBurst];
        uint64_t t0 = rte_rdtsc();
        while (running_.load(std::memory_order_relaxed)) {
            uint64_t busy = 0, stalled = 0;
            for (const stream& s : streams_) {
                const uint64_t start = rte_rdtsc();
                const uint16_t n = rte_eth_rx_burst(s.rx_port, 0, pkts, kIoBurst);
                if (n == 0)
                    continue;
                rx_packets_.add(n);
                uint16_t sent = rte_eth_tx_burst(s.tx_port, 0, pkts, n);
                tx_packets_.add(sent);
                if (sent < n) [[unlikely]] {
                    dropped_.add(n - sent);
                    do
                        rte_pktmbuf_free(pkts[sent]);
                    while (++sent < n);
                }
                const uint64_t spent = rte_rdtsc() - start;
                if (spent > stall_limit_) [[unlikely]] {
                    stalled += spent;
                    stalls_.add(1);
                } else {
                    busy += spent;
                }
            }
            busy_cycles_.add(busy);
            if (stalled != 0)
                stall_cycles_.add(stalled);
            const uint64_t t1 = rte_rdtsc();
            idle_cycles_.add(t1 - t0 - busy - stalled);
            t0 = t1;
        }
    }

    const std::array<stream, 2> streams_;
    const uint64_t stall_limit_; ///< a burst longer than this (TSC cycles) is a stall
    std::atomic<bool> running_{true};
    // Written by the io lcore only, read by the generator (as the worker's counters).
    bridgehost::counter rx_packets_, tx_packets_, dropped_, busy_cycles_, idle_cycles_,
        stall_cycles_, stalls_;
};

// --- the generator ---------------------------------------------------------------

/// traffic_pattern::write_headers, faster: per side the 42 header bytes of pair 0, and a
/// frame gets them with its pair's number patched into the MACs and IP addresses, and the
/// IP checksum adjusted. Checked against write_headers when made.
class header_writer {
  public:
    explicit header_writer(const traffic_pattern& t) {
        for (unsigned side = 0; side < 2; ++side) {
            t.write_headers(base_[side].data(), side, 0);
            base_[side][24] = base_[side][25] = 0; // the checksum, of pair 0
            uint32_t sum = 0;
            for (unsigned i = 14; i < 34; i += 2)
                sum += uint32_t(base_[side][i]) << 8 | base_[side][i + 1];
            sum0_[side] = sum;
        }
        for (const uint32_t pair :
             {0u, 1u, 255u, 256u, 0xfffeu, 0xffffu, 0x10000u, 0x12345u, t.pairs() - 1})
            for (unsigned side = 0; side < 2; ++side) {
                std::array<uint8_t, traffic_pattern::kHeaderBytes> want{}, got{};
                t.write_headers(want.data(), side, pair);
                write(got.data(), side, pair);
                if (want != got)
                    throw std::logic_error("header_writer disagrees with write_headers");
            }
    }

    void write(uint8_t* buf, unsigned side, uint32_t pair) const {
        std::memcpy(buf, base_[side].data(), traffic_pattern::kHeaderBytes);
        const uint8_t mac_tail[4] = {uint8_t(pair >> 24), uint8_t(pair >> 16), uint8_t(pair >> 8),
                                     uint8_t(pair)};
        std::memcpy(buf + 2, mac_tail, 4);      // destination 02:0d:pp:pp:pp:pp
        std::memcpy(buf + 8, mac_tail, 4);      // source
        std::memcpy(buf + 28, mac_tail + 2, 2); // the IP addresses' last two bytes
        std::memcpy(buf + 32, mac_tail + 2, 2);
        uint32_t sum = sum0_[side] + 2 * (pair & 0xffff);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        buf[24] = uint8_t(~sum >> 8);
        buf[25] = uint8_t(~sum);
    }

  private:
    std::array<std::array<uint8_t, traffic_pattern::kHeaderBytes>, 2> base_{};
    uint32_t sum0_[2] = {0, 0}; ///< the IP header's words of pair 0, checksum 0, unfolded
};

/// What one run measured.
struct run_result {
    double seconds = 0; ///< the sending part of the window
    uint64_t tx = 0, rx = 0, misdelivered = 0;
    unsigned stuck = 0; ///< frames still out when the collecting after the window gave up
    dut_counts dut;     ///< over the window
    unsigned prime_passes = 0;
    double prime_seconds = 0;
    double rtt = 0, rtt_after = 0; ///< cross_cpu_rtt() just before and just after the run

    double mpps() const { return seconds > 0 ? double(rx) / seconds / 1e6 : 0; }
    double loss_pct() const { return tx ? 100.0 * (double(tx) - double(rx)) / double(tx) : 0; }
    double cycles() const {
        return dut.rx_packets ? double(dut.busy_cycles) / double(dut.rx_packets) : 0;
    }
    double idle_pct() const {
        const uint64_t all = dut.busy_cycles + dut.idle_cycles + dut.stall_cycles;
        return all ? 100.0 * double(dut.idle_cycles) / double(all) : 100.0;
    }
};

/// bridgehost-gen's pattern over the rings: side s (the hosts behind port s) sends to
/// rx[s]; what port p sends (tx[p]) must be for hosts behind p.
class generator {
  public:
    generator(const traffic_pattern& t, const ring_set& rings, rte_mempool* pool)
        : traffic_(t), headers_(t), rings_(rings), pool_(pool), hz_(rte_get_tsc_hz()) {
        stash_.reserve(rte_mempool_avail_count(pool) + kGenBurst);
    }
    ~generator() { release(); }

    /// Every host sends one frame, at `rate_pps` over both sides; what comes back is
    /// taken and not counted.
    void prime_pass(double rate_pps) {
        const uint32_t pairs = traffic_.pairs();
        uint64_t sent[2] = {0, 0};
        cursor_[0] = cursor_[1] = 0;
        const uint64_t start = rte_rdtsc();
        const double per_cycle = rate_pps / 2 / double(hz_);
        while (sent[0] < pairs || sent[1] < pairs) {
            check_interrupt();
            receive(0, false);
            receive(1, false);
            const uint64_t due = uint64_t(double(rte_rdtsc() - start) * per_cycle) + 1;
            for (unsigned s = 0; s < 2; ++s) {
                const uint64_t room = std::min<uint64_t>(pairs - sent[s], kGenBurst);
                const uint64_t budget = std::min(room, due > sent[s] ? due - sent[s] : 0);
                if (budget != 0)
                    sent[s] += send(s, unsigned(budget), false);
            }
        }
    }

    /// Takes what comes back until every frame sent is back or freed by the DUT, and
    /// `quiet` seconds more (the DUT counts a burst after its tx); false when frames are
    /// still out after `seconds`.
    bool drain(double seconds, bool counting, double quiet = 0.01) {
        const uint64_t deadline = rte_rdtsc() + uint64_t(seconds * double(hz_));
        while (in_flight() != 0) {
            check_interrupt();
            if (rte_rdtsc() > deadline)
                return false;
            receive(0, counting);
            receive(1, counting);
        }
        const uint64_t end = rte_rdtsc() + uint64_t(quiet * double(hz_));
        while (rte_rdtsc() < end) {
            receive(0, counting);
            receive(1, counting);
        }
        return true;
    }

    /// Takes what comes back (not counted), asking `size` every 10 ms; true once it is at
    /// least `want`, false when it stopped growing for a second.
    bool wait_learned(const std::function<uint32_t()>& size, uint32_t want) {
        uint32_t last = 0;
        uint64_t changed = rte_rdtsc(), next = 0;
        for (;;) {
            check_interrupt();
            receive(0, false);
            receive(1, false);
            const uint64_t now = rte_rdtsc();
            if (now < next)
                continue;
            next = now + hz_ / 100;
            const uint32_t n = size();
            if (n >= want)
                return true;
            if (n != last) {
                last = n;
                changed = now;
            } else if (now - changed > hz_) {
                return false;
            }
        }
    }

    /// Sends as fast as the rx rings take frames for `seconds`, counting what goes and
    /// comes back; then collects what is still in flight (counted: it was sent in the
    /// window). The result's seconds are the sending part.
    void measure(double seconds, run_result& r) {
        tx_[0] = tx_[1] = rx_[0] = rx_[1] = mis_ = 0;
        const uint64_t start = rte_rdtsc();
        const uint64_t deadline = start + uint64_t(seconds * double(hz_));
        uint64_t now = start;
        while (now < deadline) {
            check_interrupt();
            receive(0, true);
            receive(1, true);
            send(0, kGenBurst, true);
            send(1, kGenBurst, true);
            now = rte_rdtsc();
        }
        r.seconds = double(now - start) / double(hz_);
        if (!drain(5.0, true))
            r.stuck = in_flight();
        r.tx = tx_[0] + tx_[1];
        r.rx = rx_[0] + rx_[1];
        r.misdelivered = mis_;
    }

    /// Frames neither in the stash nor in the pool: on a ring or inside the DUT.
    unsigned in_flight() const { return rte_mempool_in_use_count(pool_) - unsigned(stash_.size()); }

    /// Gives the stash back to the pool.
    void release() {
        if (!stash_.empty())
            rte_pktmbuf_free_bulk(stash_.data(), unsigned(stash_.size()));
        stash_.clear();
    }

  private:
    static void check_interrupt() {
        if (g_interrupted.load(std::memory_order_relaxed)) [[unlikely]]
            throw interrupted();
    }

    /// Takes up to kGenBurst frames off port p's tx ring into the stash.
    void receive(unsigned p, bool counting) {
        rte_mbuf* burst[kGenBurst];
        const unsigned n = rte_ring_sc_dequeue_burst(rings_.tx[p], reinterpret_cast<void**>(burst),
                                                     kGenBurst, nullptr);
        if (n == 0)
            return;
        // Each will be rewritten soon: ask for the line to write now, all at once.
        for (unsigned i = 0; i < n; ++i)
            __builtin_prefetch(rte_pktmbuf_mtod(burst[i], const uint8_t*), 1);
        if (counting) {
            rx_[p] += n;
            for (unsigned i = 0; i < n; ++i) {
                const uint8_t* buf = rte_pktmbuf_mtod(burst[i], const uint8_t*);
                // Its destination must live behind the port it left by: 02:0p:...
                // (traffic_pattern::side_of(buf) == p, inline).
                mis_ += burst[i]->data_len < 6 || buf[0] != 0x02 || buf[1] != p;
            }
        }
        stash_.insert(stash_.end(), burst, burst + n);
    }

    /// Puts up to `want` frames of side s on rx[s], as many as the ring has room for;
    /// returns how many.
    unsigned send(unsigned s, unsigned want, bool counting) {
        want = std::min(want, rte_ring_free_count(rings_.rx[s]));
        if (stash_.size() < want)
            refill(want - unsigned(stash_.size()));
        want = std::min(want, unsigned(stash_.size()));
        if (want == 0)
            return 0;
        rte_mbuf** frames = stash_.data() + stash_.size() - want;
        const uint32_t pairs = traffic_.pairs();
        uint32_t k = cursor_[s];
        for (unsigned i = 0; i < want; ++i) {
            headers_.write(rte_pktmbuf_mtod(frames[i], uint8_t*), s, k);
            if (++k == pairs)
                k = 0;
        }
        // One producer (this thread) and room checked: all of them go.
        if (rte_ring_sp_enqueue_bulk(rings_.rx[s], reinterpret_cast<void**>(frames), want,
                                     nullptr) != want)
            return 0;
        cursor_[s] = k;
        stash_.resize(stash_.size() - want);
        if (counting)
            tx_[s] += want;
        return want;
    }

    /// Up to `n` more frames from the pool into the stash (the DUT freed some, or the run
    /// starts): fresh mbufs of the frame's length, payload zeroed.
    void refill(unsigned n) {
        rte_mbuf* fresh[kGenBurst];
        n = std::min({n, kGenBurst, rte_mempool_avail_count(pool_)});
        if (n == 0 || rte_pktmbuf_alloc_bulk(pool_, fresh, n) != 0)
            return;
        for (unsigned i = 0; i < n; ++i) {
            char* data = rte_pktmbuf_append(fresh[i], traffic_.buffer_bytes());
            std::memset(data, 0, traffic_.buffer_bytes());
        }
        stash_.insert(stash_.end(), fresh, fresh + n);
    }

    const traffic_pattern& traffic_;
    const header_writer headers_;
    const ring_set rings_;
    rte_mempool* const pool_;
    const uint64_t hz_;
    std::vector<rte_mbuf*> stash_; ///< frames to send next, last in first out
    uint32_t cursor_[2] = {0, 0};  ///< next pair per side
    uint64_t tx_[2] = {0, 0}, rx_[2] = {0, 0}, mis_ = 0;
};

/// The generator's part of one run, on its lcore.
struct gen_task {
    const options* opt = nullptr;
    const traffic_pattern* traffic = nullptr;
    ring_set rings{};
    rte_mempool* pool = nullptr;
    dut_probe probe;
    const char* dut = "";
    run_result result;
    std::string error;
    bool was_interrupted = false;
    std::atomic<bool> done{false};

    static int main(void* self) {
        auto* t = static_cast<gen_task*>(self);
        try {
            t->run();
        } catch (const interrupted&) {
            t->was_interrupted = true;
        } catch (const std::exception& e) {
            t->error = e.what();
        }
        t->done.store(true, std::memory_order_release);
        t->done.notify_all();
        return 0;
    }

    void run() {
        generator g(*traffic, rings, pool);
        const uint32_t macs = traffic->pairs() * 2;
        const uint64_t t0 = rte_rdtsc();
        // Learn events the control lcore could not take in time are lost (the worker
        // counts them, learn_ring_full): another pass, as long as each pass learns more.
        uint32_t learned = 0;
        for (unsigned pass = 1;; ++pass) {
            g.prime_pass(opt->prime_rate_mpps * 1e6);
            result.prime_passes = pass;
            if (!probe.fdb_size || g.wait_learned(probe.fdb_size, macs))
                break;
            const uint32_t now = probe.fdb_size();
            if (now <= learned || pass == kMaxPrimePasses)
                throw std::runtime_error(std::string(dut) + ": the FDB holds " +
                                         std::to_string(now) + " of " + std::to_string(macs) +
                                         " MACs after " + std::to_string(pass) + " priming passes");
            learned = now;
        }
        if (!g.drain(2.0, false))
            throw std::runtime_error(std::string(dut) + ": " + std::to_string(g.in_flight()) +
                                     " frames still out 2 s after priming");
        result.prime_seconds = double(rte_rdtsc() - t0) / double(rte_get_tsc_hz());
        const dut_counts before = probe.snapshot();
        g.measure(opt->duration, result);
        const dut_counts after = probe.snapshot();
        result.dut = {after.rx_packets - before.rx_packets, after.busy_cycles - before.busy_cycles,
                      after.idle_cycles - before.idle_cycles,
                      after.stall_cycles - before.stall_cycles, after.stalls - before.stalls};
        g.release();
    }
};

// --- one run ----------------------------------------------------------------------

unsigned g_port_names = 0; ///< net_ring_<name> must be unique within the process

/// A cache line bounced between the generator's and the DUT's lcores: TSC cycles per
/// round trip (a store seen by the other CPU and its answer seen back), the median of 9
/// rounds of 2000. Every frame through a ring port crosses between the two CPUs, so this
/// is the price of the crossing at the time; on a VM it moves with where the host puts
/// the two vCPUs, and both DUTs' cycles/pkt move with it.
double cross_cpu_rtt() {
    struct alignas(RTE_CACHE_LINE_SIZE) bounce {
        std::atomic<uint32_t> ball{0};
        std::atomic<bool> done{false};
        std::array<uint64_t, 9> rounds{};
    } b;
    constexpr uint32_t kTrips = 2000;
    const auto answer = [](void* arg) -> int {
        auto* x = static_cast<bounce*>(arg);
        for (uint32_t v = 1; v < 2 * kTrips * x->rounds.size(); v += 2) {
            while (x->ball.load(std::memory_order_acquire) != v)
                rte_pause();
            x->ball.store(v + 1, std::memory_order_release);
        }
        return 0;
    };
    const auto serve = [](void* arg) -> int {
        auto* x = static_cast<bounce*>(arg);
        uint32_t v = 1;
        for (uint64_t& round : x->rounds) {
            const uint64_t t0 = rte_rdtsc();
            for (uint32_t i = 0; i < kTrips; ++i, v += 2) {
                x->ball.store(v, std::memory_order_release);
                while (x->ball.load(std::memory_order_acquire) != v + 1)
                    rte_pause();
            }
            round = rte_rdtsc() - t0;
        }
        x->done.store(true, std::memory_order_release);
        x->done.notify_all();
        return 0;
    };
    if (rte_eal_remote_launch(answer, &b, kDutLcore) != 0)
        throw std::runtime_error("cannot launch on lcore " + std::to_string(kDutLcore));
    if (rte_eal_remote_launch(serve, &b, kGenLcore) != 0)
        throw std::runtime_error("cannot launch on lcore " + std::to_string(kGenLcore));
    b.done.wait(false, std::memory_order_acquire); // not spinning on the DUT's CPU
    rte_eal_wait_lcore(kGenLcore);
    rte_eal_wait_lcore(kDutLcore);
    std::sort(b.rounds.begin(), b.rounds.end());
    return double(b.rounds[b.rounds.size() / 2]) / kTrips;
}

/// Waits for the generator without spinning on the DUT's CPU (rte_eal_wait_lcore spins).
void wait_generator(gen_task& task) {
    task.done.wait(false, std::memory_order_acquire);
    rte_eal_wait_lcore(kGenLcore);
}

void launch_generator(gen_task& task) {
    if (rte_eal_remote_launch(gen_task::main, &task, kGenLcore) != 0)
        throw std::runtime_error("cannot launch the generator on lcore " +
                                 std::to_string(kGenLcore));
}

/// Two new ring ports on the same rings, named for this run.
std::array<bridgehost::port_config, 2> ring_ports(const ring_set& rings) {
    const std::string run = "bhr" + std::to_string(g_port_names++);
    std::array<bridgehost::port_config, 2> ports;
    for (unsigned p = 0; p < 2; ++p) {
        ports[p].name = p == 0 ? "ra" : "rb";
        ports[p].device = bridgehost::test::attach_ring_port(run + (p == 0 ? "a" : "b"),
                                                             rings.rx[p], rings.tx[p]);
    }
    return ports;
}

run_result finish(gen_task& task) {
    if (task.was_interrupted)
        throw interrupted();
    if (!task.error.empty())
        throw std::runtime_error(task.error);
    return task.result;
}

uint64_t stall_cycles() {
    return rte_get_tsc_hz() / 1000000 * bridgehost::workers_config{}.stall_us;
}

run_result run_io(gen_task& task) {
    const auto cfgs = ring_ports(task.rings);
    bridgehost::eth_port a({&cfgs[0], 0, 1, 1, task.pool});
    bridgehost::eth_port b({&cfgs[1], 1, 1, 1, task.pool});
    io_forwarder io(a.id(), b.id(), stall_cycles());
    if (rte_eal_remote_launch(io_forwarder::main, &io, kDutLcore) != 0)
        throw std::runtime_error("cannot launch the io loop on lcore " + std::to_string(kDutLcore));
    task.probe.snapshot = [&io] { return io.counts(); };
    try {
        launch_generator(task);
    } catch (...) {
        io.stop();
        rte_eal_wait_lcore(kDutLcore);
        throw;
    }
    wait_generator(task);
    io.stop();
    rte_eal_wait_lcore(kDutLcore);
    return finish(task);
}

run_result run_bridgehost(gen_task& task, uint32_t macs, uint32_t fdb_cache) {
    bridgehost::config cfg;
    cfg.source = "<bench-ring>";
    cfg.eal.no_huge = true;
    cfg.workers.lcores = {kDutLcore};
    cfg.control.lcore = rte_get_main_lcore();
    cfg.fdb.capacity = std::max<uint32_t>(2 * macs, 65536); // as scripts/bench.sh sizes it
    cfg.workers.fdb_cache = fdb_cache;
    // A probe would come out of the other port as a frame the generator did not send
    // (scripts/bench.sh turns it off for the same reason).
    cfg.loop_guard.enabled = false;
    cfg.metrics.enabled = false;
    cfg.log.level = bridgehost::log_level::warning;
    const auto ports = ring_ports(task.rings);
    cfg.ports.assign(ports.begin(), ports.end());
    bridgehost::bridge sw(cfg);
    sw.start();
    task.probe.snapshot = [&sw] {
        const nlohmann::json j = sw.call([&sw] {
            const bridgehost::worker_totals t = sw.worker_stats();
            return nlohmann::json{t.rx_packets, t.busy_cycles, t.idle_cycles, t.stall_cycles,
                                  t.stalls};
        });
        return dut_counts{j[0].get<uint64_t>(), j[1].get<uint64_t>(), j[2].get<uint64_t>(),
                          j[3].get<uint64_t>(), j[4].get<uint64_t>()};
    };
    task.probe.fdb_size = [&sw] {
        return sw.call([&sw] { return nlohmann::json(sw.fdb().size()); }).get<uint32_t>();
    };
    launch_generator(task);
    // The control loop, as bridgehost's main runs it, until the generator is done.
    sw.run([&task] { return task.done.load(std::memory_order_acquire); });
    wait_generator(task);
    sw.close_ports();
    return finish(task);
}

/// Frames left on the rings back to the pool (a run that failed midway).
void empty_rings(const ring_set& rings) {
    void* obj;
    for (rte_ring* r : {rings.rx[0], rings.rx[1], rings.tx[0], rings.tx[1]})
        while (rte_ring_dequeue(r, &obj) == 0)
            rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
}

// --- the table ----------------------------------------------------------------------

struct row {
    const char* dut;
    uint32_t macs;
    run_result r;
    double ratio, over; ///< cycles/pkt over io's, and less io's
};

void print_row(const options& o, const row& x) {
    char rtt[24];
    std::snprintf(rtt, sizeof(rtt), "%.0f/%.0f", x.r.rtt, x.r.rtt_after);
    std::printf("%-10s %8u %6u %8.3f %8.3f %12.1f %8.2f %8.1f %8.1f %9s\n", x.dut, x.macs,
                unsigned(o.size), x.r.mpps(), x.r.loss_pct(), x.r.cycles(), x.ratio, x.over,
                x.r.idle_pct(), rtt);
    std::fflush(stdout);
}

void write_csv(const options& o, const std::vector<row>& rows) {
    if (o.csv.empty())
        return;
    std::FILE* f = std::fopen(o.csv.c_str(), "a");
    if (f == nullptr)
        throw std::runtime_error("--csv " + o.csv + ": " + std::strerror(errno));
    if (std::ftell(f) == 0)
        std::fprintf(f, "dut,macs,size,mpps,loss_pct,busy_cycles_per_packet,ratio_to_io,"
                        "cycles_over_io,idle_pct,misdelivered,tx_packets,rx_packets,"
                        "dut_rx_packets,stalls,duration_s,rtt_before_cycles,"
                        "rtt_after_cycles\n");
    for (const row& x : rows)
        std::fprintf(f,
                     "%s,%u,%u,%.3f,%.4f,%.1f,%.2f,%.1f,%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
                     ",%" PRIu64 ",%" PRIu64 ",%.3f,%.0f,%.0f\n",
                     x.dut, x.macs, unsigned(o.size), x.r.mpps(), x.r.loss_pct(), x.r.cycles(),
                     x.ratio, x.over, x.r.idle_pct(), x.r.misdelivered, x.r.tx, x.r.rx,
                     x.r.dut.rx_packets, x.r.dut.stalls, x.r.seconds, x.r.rtt, x.r.rtt_after);
    std::fclose(f);
}

/// Of the pairs (io[k], bh[k]), the one with the median ratio of cycles/pkt (the lower
/// middle one of an even count).
std::pair<run_result, run_result> median_pair(const std::vector<run_result>& io,
                                              const std::vector<run_result>& bh) {
    const auto ratio = [&](size_t k) {
        return io[k].cycles() > 0 ? bh[k].cycles() / io[k].cycles() : 0.0;
    };
    std::vector<size_t> order(io.size());
    for (size_t k = 0; k < order.size(); ++k)
        order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ratio(a) < ratio(b); });
    const size_t k = order[(order.size() - 1) / 2];
    return {io[k], bh[k]};
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos)
                return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    return "unknown CPU";
}

/// A run's checks; what failed, for the log, or "".
std::string check(const char* dut, uint32_t macs, const run_result& r) {
    std::string odd;
    if (r.misdelivered != 0)
        odd += " " + std::to_string(r.misdelivered) + " frames left by the wrong port;";
    if (r.stuck != 0)
        odd += " " + std::to_string(r.stuck) + " frames still out 5 s after the window;";
    if (r.dut.rx_packets != r.tx)
        odd += " the DUT received " + std::to_string(r.dut.rx_packets) +
               " frames in the window, the generator sent " + std::to_string(r.tx) + ";";
    return odd.empty() ? "" : std::string(dut) + ", " + std::to_string(macs) + " MACs:" + odd;
}

int run(const options& o) {
    const unsigned max_macs = *std::max_element(o.macs.begin(), o.macs.end());
    const uint64_t max_capacity = std::max<uint64_t>(2ull * max_macs, 65536);
    const uint64_t memory_mb = 512 + max_capacity * 256 / (1 << 20);
    const std::string lcores = std::to_string(kGenLcore) + "@" + std::to_string(o.gen_cpu) + "," +
                               std::to_string(kDutLcore) + "@" + std::to_string(o.dut_cpu) + "," +
                               std::to_string(kMainLcore) + "@" + std::to_string(o.dut_cpu);
    const std::string prefix = "bench-ring-" + std::to_string(getpid());
    // Removed after the EAL is gone (declared first, destroyed last), on every way out.
    struct runtime_dir_remover {
        std::string dir;
        ~runtime_dir_remover() {
            if (!dir.empty())
                rmdir(dir.c_str()); // empty under --no-shconf; the EAL leaves it behind
        }
    } runtime_dir;
    int status = 0;
    {
        bridgehost::eal_session eal(
            "bench-ring", {"--no-huge", "-m", std::to_string(memory_mb), "--no-pci", "--no-shconf",
                           "--no-telemetry", "--file-prefix", prefix, "--lcores", lcores,
                           "--main-lcore", std::to_string(kMainLcore), "--log-level", "*:error"});
        runtime_dir.dir = rte_eal_get_runtime_dir();
        bridgehost::log_config quiet;
        quiet.level = bridgehost::log_level::warning;
        bridgehost::logs::apply(quiet); // after the EAL's --log-level, which set ours too

        ring_set rings{};
        struct ring_owner {
            ring_set& r;
            ~ring_owner() {
                empty_rings(r);
                for (rte_ring* x : {r.rx[0], r.rx[1], r.tx[0], r.tx[1]})
                    rte_ring_free(x);
            }
        } own{rings};
        for (unsigned p = 0; p < 2; ++p) {
            rings.rx[p] =
                bridgehost::test::make_frame_ring("bhr_rx" + std::to_string(p), kRxRingSize);
            rings.tx[p] =
                bridgehost::test::make_frame_ring("bhr_tx" + std::to_string(p), kTxRingSize);
        }
        // No lcore cache: a frame the DUT frees is at once where the generator's
        // refill finds it, and the pool's count of mbufs in use is exact.
        const bridgehost::mbuf_pool pool("bhr_gen", kGenMbufs, RTE_MBUF_DEFAULT_BUF_SIZE,
                                         int(rte_socket_id()), 0);

        std::printf("# bench-ring: bridgehost against io on two net_ring ports, generator and DUT "
                    "in one process\n");
        std::printf("# io: dpdk-testpmd's io forwarding loop (--forward-mode=io, burst %u) "
                    "re-created in-process: testpmd cannot be fed over ring ports from another "
                    "process\n",
                    kIoBurst);
        std::printf("# cpu: %s, TSC %" PRIu64 " MHz; generator on cpu %u; DUT (worker or io loop, "
                    "and bridgehost's control loop) on cpu %u\n",
                    cpu_model().c_str(), rte_get_tsc_hz() / 1000000, o.gen_cpu, o.dut_cpu);
        std::printf("# rx rings of %u, tx rings of %u; %.1f s per run, repeat %u (the pair with "
                    "the median ratio); EAL "
                    "--no-huge -m %" PRIu64 "; FDB capacity 2 x MACs, at least 65536\n",
                    kRxRingSize, kTxRingSize, o.duration, o.repeat, memory_mb);
        std::printf("# cycles/pkt: the DUT's busy cycles per frame received in the window, "
                    "counted as bridgehost's worker counts them (rx burst to end of tx, polls with "
                    "frames only, stalls over %u us apart)\n",
                    bridgehost::workers_config{}.stall_us);
        std::printf("# rtt: TSC cycles for a cache line to go from the generator's CPU to the "
                    "DUT's and back, just before/after the run (it moves on a VM, and both DUTs' "
                    "cycles/pkt with it)\n");
        std::printf("%-10s %8s %6s %8s %8s %12s %8s %8s %8s %9s\n", "DUT", "MACs", "size", "Mpps",
                    "loss%", "cycles/pkt", "ratio", "+cycles", "idle%", "rtt");
        std::fflush(stdout);

        std::vector<std::string> odd;
        for (const uint32_t macs : o.macs) {
            const traffic_pattern traffic(macs, o.size);
            std::vector<run_result> io_runs, bh_runs;
            for (unsigned k = 0; k < o.repeat; ++k) {
                for (const char* dut : {"io", "bridgehost"}) {
                    gen_task task;
                    task.opt = &o;
                    task.traffic = &traffic;
                    task.rings = rings;
                    task.pool = pool.get();
                    task.dut = dut;
                    const bool is_io = std::strcmp(dut, "io") == 0;
                    std::fprintf(stderr, "bench-ring: %s, %u MACs, run %u of %u...\n", dut, macs,
                                 k + 1, o.repeat);
                    run_result r;
                    const double rtt = cross_cpu_rtt();
                    try {
                        r = is_io ? run_io(task) : run_bridgehost(task, macs, o.fdb_cache);
                    } catch (...) {
                        empty_rings(rings);
                        throw;
                    }
                    empty_rings(rings);
                    r.rtt = rtt;
                    r.rtt_after = cross_cpu_rtt();
                    std::fprintf(
                        stderr,
                        "bench-ring: %s, %u MACs: primed in %.1f s (%u pass%s), %.3f "
                        "Mpps, %.1f cycles/pkt, idle %.1f %%, %" PRIu64 " stalls, rtt %.0f/%.0f\n",
                        dut, macs, r.prime_seconds, r.prime_passes, r.prime_passes == 1 ? "" : "es",
                        r.mpps(), r.cycles(), r.idle_pct(), r.dut.stalls, r.rtt, r.rtt_after);
                    if (const std::string c = check(dut, macs, r); !c.empty()) {
                        std::fprintf(stderr, "bench-ring: ODD: %s\n", c.c_str());
                        odd.push_back(c);
                    }
                    if (const unsigned used = rte_mempool_in_use_count(pool.get()); used != 0) {
                        const std::string c = std::string(dut) + ", " + std::to_string(macs) +
                                              " MACs: " + std::to_string(used) +
                                              " of the generator's mbufs not given back";
                        std::fprintf(stderr, "bench-ring: ODD: %s\n", c.c_str());
                        odd.push_back(c);
                    }
                    (is_io ? io_runs : bh_runs).push_back(r);
                }
            }
            const auto [io, bh] = median_pair(io_runs, bh_runs);
            const std::vector<row> rows{{"io", macs, io, 1.0, 0.0},
                                        {"bridgehost", macs, bh,
                                         io.cycles() > 0 ? bh.cycles() / io.cycles() : 0,
                                         bh.cycles() - io.cycles()}};
            for (const row& x : rows)
                print_row(o, x);
            write_csv(o, rows);
        }
        for (const std::string& c : odd)
            std::printf("# ODD: %s\n", c.c_str());
        status = odd.empty() ? 0 : 3;
    }
    return status;
}

} // namespace

int main(int argc, char** argv) {
    std::optional<options> opt;
    try {
        opt = parse_options(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-ring: %s (see bench-ring --help)\n", e.what());
        return 2;
    }
    if (!opt)
        return 0;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        return run(*opt);
    } catch (const interrupted&) {
        std::fprintf(stderr, "bench-ring: interrupted\n");
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-ring: %s\n", e.what());
        return 1;
    }
}
