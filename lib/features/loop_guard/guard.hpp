// Loop guard and BPDU guard on the control lcore: probes out, workers' events
// in, the state machine (state.hpp) in between, the blocked-ports
// mask out to the workers, and the log.
//
// The control lcore has no tx queue: it queues each probe for worker 0, which
// sends it on its own tx queue of the port between two polls (loop_guard/worker.cpp).
// A tx queue of the control's own would have needed workers + 1 queues on
// every port, which net_af_packet gives only with qpairs=N+1, and then spreads
// received frames over rx queues no worker polls.
#pragma once

#include "config/config.hpp"
#include "features/loop_guard/datapath.hpp"
#include "features/loop_guard/state.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct rte_mempool;
struct rte_ring;

namespace bridgehost {

class loop_guard {
  public:
    /// What the guard needs to know of each port, by port index.
    struct port_info {
        std::string name;
        mac_address mac;         ///< a probe's source
        bool bpdu_guard = false; ///< ports[].bpdu_guard
    };

    /// Creates one event ring per worker and the probe ring; `pool` gives the probes' mbufs.
    loop_guard(const loop_guard_config& cfg, unsigned nworkers, rte_mempool* pool,
               std::vector<port_info> ports);
    ~loop_guard();
    loop_guard(const loop_guard&) = delete;
    loop_guard& operator=(const loop_guard&) = delete;

    const guard_shared& shared() const { return shared_; }
    rte_ring* event_ring(unsigned worker) const { return event_rings_.at(worker); }
    /// The ring worker `worker` sends probes from (worker 0's only), or null.
    rte_ring* probe_ring(unsigned worker) const { return worker == 0 ? probe_ring_ : nullptr; }

    /// One pass at `now_ms`: the workers' events, unblocking after the hold
    /// time, a round of probes when one is due (none to the ports in
    /// `links_down`, bit p for port p). Probes sent on or come back to the
    /// ports in `stp_off` (the spanning tree's non-forwarding ports, which
    /// close no loop) are not sent and not counted. Returns the ports it
    /// blocked (their learned entries are the caller's to flush).
    std::vector<uint16_t> step(uint64_t now_ms, uint32_t links_down = 0, uint32_t stp_off = 0);
    /// A BPDU a worker handed over for the spanning tree: the frame is the caller's to free.
    struct bpdu_frame {
        uint16_t port;
        rte_mbuf* m;
    };
    /// The BPDUs the last step() took off the rings.
    std::vector<bpdu_frame> take_bpdus() { return std::exchange(bpdus_, {}); }
    /// Queues `len` bytes as a frame for worker 0 to send out of `port`
    /// (the spanning tree's BPDUs); false when no mbuf or no room.
    bool send_frame(uint16_t port, const uint8_t* frame, size_t len);
    /// Frees the probes no worker has sent and the BPDUs nobody took (the
    /// workers have stopped: at exit, or before a reload renumbers the ports
    /// the probes name).
    void discard_queued_probes();
    /// The operator unblocks `port`; false if it was not blocked.
    bool enable(uint16_t port);
    /// New settings (a reload): timing at once; disabling unblocks loop-blocked ports.
    void configure(const loop_guard_config& cfg);
    /// The ports were renumbered (a reload): old index -> new (-1: removed).
    void set_ports(std::vector<port_info> ports, const std::vector<int>& to);

    const loop_guard_state& state() const { return state_; }
    const loop_guard_config& config() const { return cfg_; }
    /// "forwarding", "blocked (loop with P)" or "blocked (bpdu)".
    std::string describe(uint16_t port) const;

  private:
    void apply(const guard_event& e, uint64_t now_ms, uint32_t stp_off,
               std::vector<uint16_t>& blocked);
    void send_round(uint32_t links_down);
    void publish();

    loop_guard_config cfg_;
    std::vector<port_info> ports_;
    loop_guard_state state_;
    guard_shared shared_;
    rte_mempool* pool_;
    std::vector<rte_ring*> event_rings_;
    rte_ring* probe_ring_ = nullptr;
    uint32_t seq_ = 0;
    std::vector<bpdu_frame> bpdus_;
};

} // namespace bridgehost
