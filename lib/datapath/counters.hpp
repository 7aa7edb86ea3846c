// Per-worker counters: written by one worker, read by the control lcore; no locked instructions.
#pragma once

#include "config/config.hpp"
#include "datapath/drop_reasons.hpp"

#include <array>
#include <atomic>
#include <cstdint>

#include <rte_common.h>

namespace bridgehost {

/// A counter with one writer. add() is a plain load and store (no lock prefix);
/// the atomic type only makes the concurrent read by the control lcore defined.
class counter {
  public:
    void add(uint64_t n) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }
    /// Only while the writer is stopped (a port reconfiguration).
    void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> v_{0};
};

/// Every per-port count, with what it counts. One list makes the workers'
/// counters, the plain totals and the loops over them, so a new count cannot
/// be left out of one of them.
#define BRIDGEHOST_PORT_COUNTERS(X)                                                                \
    X(rx_packets)      /* frames received */                                                       \
    X(rx_bytes)        /* their bytes */                                                           \
    X(tx_packets)      /* frames the tx queue accepted */                                          \
    X(tx_bytes)        /* their bytes */                                                           \
    X(unicast)         /* received frames sent to one learned port */                              \
    X(flooded)         /* received frames sent to every other port (of their VLAN) */              \
    X(multicast)       /* of the flooded: group destinations (broadcast, multicast) */             \
    X(unknown_unicast) /* of the flooded: unicast to an unlearned MAC, not the port's own */       \
    X(unicast_out)     /* frames other ports sent here as known unicast (egress side) */           \
    X(arp_requests)    /* rx ARP requests (untagged) */                                            \
    X(arp_replies)     /* rx ARP replies (untagged) */                                             \
    X(super_frames) /* rx TCP frames larger than the MTU (TSO, GSO, GRO): cut or passed whole */   \
    X(segmented)    /* of those, cut into MTU-sized segments in software */                        \
    X(checksums_finished) /* rx frames whose TCP/UDP checksum the switch finished in software */

/// What one worker did on one port. Ingress drops count on the port the frame
/// came in on; tx_full counts on the port that would not take it.
struct port_counters {
#define X(name) counter name;
    BRIDGEHOST_PORT_COUNTERS(X)
#undef X
    std::array<counter, kDropReasons> drops; ///< indexed by drop_reason

    counter& drop(drop_reason r) {
        return drops[unsigned(r)];
    }
    const counter& drop(drop_reason r) const {
        return drops[unsigned(r)];
    }
    /// Moves `other`'s counts here and zeroes it; only while the worker is stopped.
    void take(port_counters& other) {
        const auto move = [](counter& to, counter& from) {
            to.set(from.get());
            from.set(0);
        };
#define X(name) move(name, other.name);
        BRIDGEHOST_PORT_COUNTERS(X)
#undef X
        for (unsigned r = 0; r < kDropReasons; ++r)
            move(drops[r], other.drops[r]);
    }
};

/// A port's counters summed over every worker, as plain numbers.
struct port_totals {
#define X(name) uint64_t name = 0;
    BRIDGEHOST_PORT_COUNTERS(X)
#undef X
    std::array<uint64_t, kDropReasons> drops{};

    uint64_t drop(drop_reason r) const {
        return drops[unsigned(r)];
    }
    /// Frames dropped, every reason together.
    uint64_t dropped() const {
        uint64_t n = 0;
        for (uint64_t d : drops)
            n += d;
        return n;
    }
    /// Unicast frames received for MACs other than the port's own: forwarded,
    /// filtered or flooded as unknown. A port that gets none while it hears
    /// broadcasts is not being given the segment's unicast (promiscuous mode refused).
    uint64_t foreign_unicast() const {
        return unicast + unknown_unicast + drop(drop_reason::filtered);
    }
    /// Counts since `base` was taken (`clear stats`).
    void subtract(const port_totals& base) {
#define X(name) name -= base.name;
        BRIDGEHOST_PORT_COUNTERS(X)
#undef X
        for (unsigned r = 0; r < kDropReasons; ++r)
            drops[r] -= base.drops[r];
    }
    void add(const port_counters& c) {
#define X(name) name += c.name.get();
        BRIDGEHOST_PORT_COUNTERS(X)
#undef X
        for (unsigned r = 0; r < kDropReasons; ++r)
            drops[r] += c.drops[r].get();
    }
};

struct alignas(RTE_CACHE_LINE_SIZE) worker_counters {
    counter busy_cycles;      ///< TSC cycles from rx burst to end of tx, for bursts with frames
    counter idle_cycles;      ///< every other cycle of the loop: empty polls, loop overhead
    counter stall_cycles;     ///< cycles of bursts longer than the stall threshold
    counter stalls;           ///< such bursts
    counter learn_events;     ///< learn/move events posted to the control lcore
    counter learn_ring_full;  ///< events lost because the ring was full
    counter fdb_cache_hits;   ///< FDB keys its fdb_cache answered
    counter fdb_cache_misses; ///< FDB keys looked up in the table (the cache on or off)
    counter retired_rx;       ///< rx packets of ports removed by a reload (kept in the total)
    counter captured;         ///< copies put on the capture ring (features/capture/datapath.hpp)
    counter capture_dropped;  ///< copies lost: capture pool empty or capture ring full
    std::array<port_counters, kMaxPorts> ports;
};

/// One worker's (or every worker's) load, as plain numbers.
///
/// busy cycles/packet is the figure OVS `pmd-stats-show` ("avg processing cycles
/// per packet") and `dpdk-testpmd --record-core-cycles` ("CPU cycles/packet")
/// report, counted as testpmd counts it: TSC cycles from just before an rx
/// burst that returned frames to the end of their tx, divided by the frames
/// received. A burst longer than the stall threshold (the CPU was taken away
/// mid-burst) counts as stall cycles instead. busy + stall + idle is the
/// worker's whole running time.
struct worker_totals {
    uint64_t rx_packets = 0, busy_cycles = 0, idle_cycles = 0, stall_cycles = 0, stalls = 0;

    void add(const worker_counters& c, unsigned nb_ports) {
        rx_packets += c.retired_rx.get();
        for (unsigned p = 0; p < nb_ports; ++p)
            rx_packets += c.ports[p].rx_packets.get();
        busy_cycles += c.busy_cycles.get();
        idle_cycles += c.idle_cycles.get();
        stall_cycles += c.stall_cycles.get();
        stalls += c.stalls.get();
    }
    /// Counts since `base` was taken (`clear stats`).
    void subtract(const worker_totals& base) {
        rx_packets -= base.rx_packets;
        busy_cycles -= base.busy_cycles;
        idle_cycles -= base.idle_cycles;
        stall_cycles -= base.stall_cycles;
        stalls -= base.stalls;
    }
    double busy_cycles_per_packet() const {
        return rx_packets != 0 ? double(busy_cycles) / double(rx_packets) : 0.0;
    }
    double idle_percent() const {
        const uint64_t all = busy_cycles + idle_cycles + stall_cycles;
        return all != 0 ? 100.0 * double(idle_cycles) / double(all) : 100.0;
    }
};

} // namespace bridgehost
