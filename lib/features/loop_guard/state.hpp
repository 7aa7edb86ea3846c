// Which ports loop and BPDU guard block, and when they forward again: a pure
// state machine with explicit time (milliseconds), no DPDK, run by the control lcore.
//
// The block rule. A probe of ours sent on port O that comes back on port I
// (O != I) means frames flooded out of one of them come back in through the
// other. Blocking either breaks the loop; the higher index of the two is
// blocked, so that the probes going both ways (O -> I and I -> O) pick the same
// port and a two-port loop blocks one side, not both. With three ports on one
// segment, each pair blocks its higher port: only the lowest stays. A probe
// that comes back on the port it left (O == I) is a segment reflecting it or
// looping on its own: no frame of ours crosses bridgehost twice, blocking the
// port would fix nothing, so it is only reported.
//
// Recovery. A blocked port still receives probes, so the loop stays visible:
// the port forwards again once none of our probes naming it (as origin or as
// where it arrived) has been seen for `hold_ms`. A port blocked by BPDU guard
// stays blocked until the operator enables it (`bridgehostctl port enable`).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace bridgehost {

class loop_guard_state {
  public:
    enum class port_state : uint8_t { forwarding, blocked_loop, blocked_bpdu };

    /// What changed, for the log.
    struct change {
        enum kind_t : uint8_t { loop_blocked, loop_cleared, bpdu_blocked, self_loop };
        kind_t kind;
        uint16_t port;  ///< the port it happened to
        uint16_t other; ///< loop_blocked: the port whose probe came back on `port`
    };

    /// Per-port counts, kept by the control lcore (its only writer and reader).
    struct port_counts {
        uint64_t probes_sent = 0;
        uint64_t probes_returned = 0; ///< our probes that arrived here
        uint64_t loops = 0;           ///< times blocked for a loop
        uint64_t bpdus = 0;           ///< BPDUs received with bpdu_guard on
    };

    loop_guard_state(size_t nports, uint32_t interval_ms, uint32_t hold_ms);

    /// New timing (a reload); states stay.
    void set_timing(uint32_t interval_ms, uint32_t hold_ms);

    /// True when a round of probes is due at `now` (then the next one is
    /// `interval` later); the caller sends one probe per port and calls sent().
    bool probe_due(uint64_t now);
    void sent(uint16_t port) { ports_.at(port).counts.probes_sent++; }

    /// Our probe sent on `origin` arrived on `in` at `now`.
    std::optional<change> probe_returned(uint16_t origin, uint16_t in, uint64_t now);
    /// A BPDU arrived on `in`, a bpdu_guard port.
    std::optional<change> bpdu_seen(uint16_t in);
    /// Loop-blocked ports with no probe back for the hold time forward again.
    std::vector<change> expire(uint64_t now);
    /// The operator unblocks `port`; false if it was not blocked.
    bool enable(uint16_t port);

    /// Bit p set: port p is blocked.
    uint32_t blocked_mask() const;
    port_state state(uint16_t port) const { return ports_.at(port).state; }
    /// blocked_loop: the port whose probes came back on this one (or that this one's reached).
    uint16_t partner(uint16_t port) const { return ports_.at(port).partner; }
    const port_counts& counts(uint16_t port) const { return ports_.at(port).counts; }
    size_t size() const { return ports_.size(); }

    /// The ports were renumbered: old index -> new index (-1: removed); new ports forward.
    void remap(const std::vector<int>& to, size_t nports);

  private:
    struct port_entry {
        port_state state = port_state::forwarding;
        uint16_t partner = 0;
        uint64_t last_probe = 0; ///< when a probe of ours last named it in a loop
        bool self_reported = false;
        port_counts counts;
    };
    std::vector<port_entry> ports_;
    uint32_t interval_ms_, hold_ms_;
    std::optional<uint64_t> next_probe_;
};

} // namespace bridgehost
