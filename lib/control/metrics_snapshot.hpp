// Every number /metrics exports, as the bridge reads it (bridge::metrics(),
// report.cpp) for api/prometheus.hpp to format. Plain values: no DPDK.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bridgehost {

/// Every number /metrics exports, read at one moment. Counters must be the raw
/// totals since start: Prometheus reads any decrease as a counter reset.
struct metrics_snapshot {
    struct port {
        std::string name; ///< the `port` label
        uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0, unicast = 0,
                 flooded = 0;
        /// Drop reason name (the `reason` label, e.g. "filtered", "runt",
        /// "invalid_src", "tx_full") -> frames dropped. A name listed twice is summed.
        std::vector<std::pair<std::string, uint64_t>> drops;
        uint64_t imissed = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0; ///< from the PMD
        bool link_up = false;
        bool promiscuous = false;
        bool promisc_suspect = false; ///< the "hypervisor hides unicast" diagnosis fired here
        uint64_t macs = 0;            ///< dynamic FDB entries on the port
        uint64_t max_macs = 0;        ///< its max_macs; 0: no limit
        bool blocked = false;         ///< loop guard or BPDU guard blocked it
        uint64_t probes_sent = 0, loops = 0, bpdus = 0;                   ///< loop and BPDU guard
        uint64_t super_frames = 0, segmented = 0, checksums_finished = 0; ///< offloads
    };
    /// One of the FDB's event counters: bridgehost_fdb_<name>_total.
    struct fdb_count {
        std::string name; ///< "learned", "table_full", ...
        std::string help;
        uint64_t value = 0;
    };
    struct worker {
        unsigned index = 0, lcore = 0; ///< the `worker` and `lcore` labels
        uint64_t rx_packets = 0, busy_cycles = 0, idle_cycles = 0, stall_cycles = 0, stalls = 0;
        uint64_t learn_events = 0, learn_ring_full = 0;
        uint64_t fdb_cache_hits = 0, fdb_cache_misses = 0;
    };
    /// The spanning tree (features/stp); exported only when stp.enabled.
    struct stp_port {
        std::string name;     ///< the `port` label
        std::string role;     ///< "disabled", "root", "designated", "alternate", "backup"
        std::string state;    ///< "discarding", "learning", "forwarding"
        uint32_t path_cost = 0;
        bool oper_edge = false;
        bool rstp = true;     ///< false: the port sends 802.1D BPDUs (a legacy neighbour)
        uint64_t bpdus_in = 0, bpdus_out = 0;
        uint64_t bpdus_bad = 0;  ///< malformed, truncated, unknown version or type: ignored
        uint64_t bpdus_lost = 0; ///< the workers' ring to the control lcore was full (a flood)
        uint64_t topology_changes = 0; ///< TCs this port detected or received
    };
    struct stp_bridge {
        bool enabled = false;
        bool is_root = false;
        uint32_t root_path_cost = 0;
        uint64_t topology_changes = 0;
        double seconds_since_topology_change = -1; ///< -1: none since start
        std::vector<stp_port> ports;
    };
    stp_bridge stp;

    std::vector<port> ports;     ///< names must be unique: they identify the series
    std::vector<worker> workers; ///< indexes must be unique
    uint64_t fdb_entries = 0, fdb_capacity = 0;
    std::vector<fdb_count> fdb_counts; ///< names must be unique
    uint64_t mbufs_in_use = 0;
    uint64_t captured = 0, capture_dropped = 0; ///< packet capture copies, every worker's
    uint64_t tsc_hz = 0;
    double uptime_seconds = 0;
};

} // namespace bridgehost
