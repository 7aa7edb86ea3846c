// The spanning tree on the control lcore: the RSTP machines (rstp.hpp) fed
// with the BPDUs workers hand over, a tick a second, and each port's link;
// out of it, the port states the workers read (datapath.hpp), the BPDUs to
// send, the ports whose learned entries to flush, and the log.
//
// The control lcore has no tx queue and owns no ring here: the bridge gives it
// a `send` (which queues a frame for worker 0, as the loop guard's probes
// go) and a `flush` (the FDB's flush of one port's learned entries).
#pragma once

#include "config/config.hpp"
#include "features/stp/datapath.hpp"
#include "features/stp/rstp.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bridgehost {

class spanning_tree {
  public:
    struct port_info {
        std::string name;
        mac_address mac; ///< BPDUs' source; the lowest is the bridge address
        port_stp cfg;
        uint32_t speed_mbps = 0; ///< for path_cost 0 (automatic)
    };
    struct io {
        /// Queues a frame out of a port; false when it could not be queued.
        std::function<bool(uint16_t port, const uint8_t* frame, size_t len)> send;
        /// Removes the learned entries of a port.
        std::function<void(uint16_t port)> flush;
    };
    /// Per port, what the machines do not count.
    struct port_counts {
        uint64_t bad = 0;     ///< not a BPDU we act on (bpdu.hpp's bpdu_error), or our own
        uint64_t limited = 0; ///< over kMaxBpdusPerSecond on the port: ignored
    };
    /// BPDUs a port may bring in a second; the rest are ignored (a flood).
    static constexpr unsigned kMaxBpdusPerSecond = 64;

    spanning_tree(const stp_config& cfg, std::vector<port_info> ports, io out);

    const stp_shared& shared() const { return shared_; }
    bool enabled() const { return cfg_.enabled; }
    const stp_config& config() const { return cfg_; }

    /// A frame to the bridge group address that arrived on `port`.
    void receive(uint16_t port, const uint8_t* frame, size_t len, uint64_t now_ms);
    /// One pass at `now_ms`: the ticks due, each port's portEnabled (bit p of
    /// `enabled_ports`: its link is up and neither loop guard nor BPDU guard
    /// blocks it).
    void step(uint64_t now_ms, uint32_t enabled_ports);
    /// New settings, same ports (a reload): priority, times and port settings
    /// take effect at once (17.13); enabling starts the machines, a new mode
    /// restarts them, disabling forwards on every port.
    void configure(const stp_config& cfg, std::vector<port_info> ports);
    /// The ports were renumbered (a reload): the machines start again.
    void restart(std::vector<port_info> ports);

    /// Ports not forwarding (the loop guard leaves them out).
    uint32_t not_forwarding() const;
    /// The machines, or null when disabled.
    const stp::rstp* machines() const { return rstp_.get(); }
    const port_counts& counts(uint16_t port) const { return counts_.at(port); }
    const std::vector<port_info>& ports() const { return ports_; }
    /// Milliseconds since the last topology change; -1: none.
    int64_t ms_since_topology_change(uint64_t now_ms) const;

  private:
    stp::rstp::bridge_settings bridge_settings() const;
    stp::rstp::port_settings port_settings(uint16_t index) const;
    void start();
    /// Publishes the states, then sends, flushes and logs what the machines produced.
    void drain();

    stp_config cfg_;
    std::vector<port_info> ports_;
    io io_;
    std::unique_ptr<stp::rstp> rstp_;
    stp_shared shared_;
    std::vector<port_counts> counts_;
    std::vector<unsigned> rx_this_second_;
    uint64_t next_tick_ms_ = 0;
    uint64_t last_tc_ms_ = 0;
    uint64_t seen_tcs_ = 0;
    uint64_t now_ms_ = 0;
    uint64_t last_root_ = 0;
    int last_root_port_ = -2;
    std::vector<bool> last_rstp_; ///< each port's send_rstp, as last logged
};

} // namespace bridgehost
