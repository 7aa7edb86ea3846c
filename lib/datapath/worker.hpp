// A poll-mode worker: rx burst -> parse -> bulk FDB lookup -> decide -> grouped tx burst.
//
// House rules for this file and worker.cpp: no syscall, no log, no allocation,
// no exception and no lock once run() has started. Everything the loop touches
// is sized in the constructor.
#pragma once

#include "datapath/counters.hpp"
#include "datapath/learn_event.hpp"
#include "fdb/mac_table.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include <rte_common.h>

struct rte_mbuf;
struct rte_ring;
struct rte_rcu_qsbr;

namespace bridgehost {

/// One (port, rx queue) pair a worker polls.
struct rx_queue_ref {
    uint16_t port_index; ///< config order
    uint16_t port_id;    ///< DPDK port id
    uint16_t queue;      ///< rx queue id on that port
};

/// What every worker reads and the control lcore owns.
struct worker_shared {
    const mac_table* fdb;               ///< lookups only
    const std::atomic<fdb_time>* clock; ///< coarse time, published by the control lcore
    const std::atomic<bool>* running;   ///< false: finish the burst and return
    rte_rcu_qsbr* rcu;                  ///< report quiescence here once per loop
};

class alignas(RTE_CACHE_LINE_SIZE) worker {
  public:
    struct params {
        unsigned index;                 ///< 0..workers-1; also the RCU thread id and tx queue id
        unsigned lcore;                 ///< lcore it runs on (for reports)
        uint16_t burst;                 ///< frames per rx burst
        std::vector<rx_queue_ref> rx;   ///< queues it polls
        std::vector<uint16_t> port_ids; ///< DPDK port id of every port, by port index
        rte_ring* learn_ring;           ///< its single-producer ring to the control lcore
        worker_shared shared;
    };

    explicit worker(params p);

    /// The loop. Returns when shared.running turns false, after the current burst.
    void run();
    /// One pass over every rx queue; returns the frames received.
    unsigned poll_once(fdb_time now);

    unsigned index() const { return p_.index; }
    unsigned lcore() const { return p_.lcore; }
    const std::vector<rx_queue_ref>& rx_queues() const { return p_.rx; }
    const worker_counters& counters() const { return counters_; }

  private:
    void process(const rx_queue_ref& rxq, uint16_t n, fdb_time now);
    void lookup(unsigned nkeys);
    /// The FDB entry key k was found at, or null for a miss.
    const fdb_entry* found(unsigned k) const {
        return entry_[k] == kMiss ? nullptr : &p_.shared.fdb->entry(entry_[k]);
    }
    bool first_post_this_tick(fdb_key key, uint32_t sig, uint16_t port, fdb_time now);
    void post_events(unsigned n);
    void flood(rte_mbuf* m, uint16_t in_port);
    void queue_tx(uint16_t port, rte_mbuf* m);
    void flush_tx();

    static constexpr uint32_t kMiss = UINT32_MAX;
    static constexpr unsigned kFilterSlots = 256;

    // Hot, read every burst.
    worker_counters counters_;
    params p_;
    uint16_t nb_ports_;

    // Burst scratch: keys [0, n) are destinations, [n, 2n) sources.
    std::array<rte_mbuf*, kMaxBurst> pkts_;
    std::array<rte_mbuf*, kMaxBurst> frames_; ///< frames that passed parsing
    std::array<rte_mbuf*, kMaxBurst> dropped_;
    std::array<fdb_key, 2 * kMaxBurst> keys_;
    std::array<const void*, 2 * kMaxBurst> key_ptrs_;
    std::array<uint32_t, 2 * kMaxBurst> sigs_;
    std::array<uint32_t, 2 * kMaxBurst> entry_; ///< FDB entry index or kMiss
    std::array<learn_event, kMaxBurst> events_;
    std::vector<rte_mbuf*> tx_buf_; ///< nb_ports_ x burst
    std::array<uint16_t, kMaxPorts> tx_count_{};
    std::array<uint16_t, kMaxPorts> tx_pending_{}; ///< ports with frames queued this burst
    uint16_t nb_pending_ = 0;

    /// Posts of the same source within one clock tick are suppressed, so a fast
    /// flow from a new MAC costs one event, not one per frame, while the control
    /// lcore catches up.
    struct posted {
        fdb_key key = 0;
        fdb_time tick = UINT32_MAX;
        uint16_t port = UINT16_MAX;
    };
    std::array<posted, kFilterSlots> post_filter_{};
};

} // namespace bridgehost
