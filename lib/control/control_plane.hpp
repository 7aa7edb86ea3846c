// The control lcore's FDB work: drain the workers' learn rings, age, count.
// It is the only writer of the MAC table.
#pragma once

#include "common/log.hpp"
#include "datapath/counters.hpp"
#include "datapath/learn_event.hpp"
#include "fdb/mac_table.hpp"
#include "features/limits/flap_detector.hpp"

#include <string>
#include <vector>

struct rte_ring;

namespace bridgehost {

/// The FDB's counts, with what they count; one list makes both structs below,
/// `show stats`, the exit report and /metrics (bridgehost_fdb_<name>_total).
#define BRIDGEHOST_FDB_COUNTERS(X)                                                                 \
    X(learned, "New dynamic MAC table entries.")                                                   \
    X(moved, "Dynamic entries that moved to another port.")                                        \
    X(static_kept, "Learn events for a static MAC seen on another port (the static entry was "     \
                   "kept).")                                                                       \
    X(table_full, "New MACs refused because the MAC table was full with nothing to evict.")        \
    X(evicted, "Dynamic entries evicted from the port with the most entries because the MAC "      \
               "table was full.")                                                                  \
    X(limit_refused, "New MACs refused because their port was at its max_macs.")                   \
    X(limit_evicted, "Dynamic entries evicted because their port was at its max_macs "             \
                     "(mac_limit_action: evict_oldest).")                                          \
    X(flapping, "MAC flapping episodes: a MAC moved more than fdb.flapping.moves_per_second "      \
                "times in a second.")                                                              \
    X(move_frozen, "Moves refused because the MAC's learning was frozen for flapping.")            \
    X(aged, "Entries removed by aging.")                                                           \
    X(flushed, "Entries removed by an operator's flush.")

struct control_counters {
#define X(name, help) counter name;
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X
};

/// The control counters as plain numbers.
struct control_totals {
#define X(name, help) uint64_t name = 0;
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X

    control_totals() = default;
    explicit control_totals(const control_counters& c) {
#define X(name, help) name = c.name.get();
        BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    }
    /// Counts since `base` was taken (`clear stats`).
    void subtract(const control_totals& base) {
#define X(name, help) name -= base.name;
        BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    }
};

class control_plane {
  public:
    /// `port_names` (by port index) name ports in the log.
    control_plane(mac_table& fdb, std::vector<rte_ring*> learn_rings,
                  std::vector<std::string> port_names);

    /// Applies up to `budget` learn events from the rings. Returns how many.
    /// When the FDB has to wait for the workers' quiescent state (evictions
    /// outran them), the events not applied are kept and go first next time.
    unsigned drain_learn_events(fdb_time now, unsigned budget);
    /// One budgeted slice of the aging scan. Returns entries removed.
    unsigned age(fdb_time now);
    /// Removes the dynamic entries learned on `port`; counted. Returns how many.
    unsigned flush_port(uint16_t port);

    const control_counters& counters() const { return counters_; }
    control_counters& counters() { return counters_; }
    /// The ports were renumbered (a reload).
    void set_port_names(std::vector<std::string> names) { port_names_ = std::move(names); }

    /// MAC flapping: the settings (reloadable) and the MACs' state.
    flap_detector& flaps() { return flaps_; }
    const flap_detector& flaps() const { return flaps_; }

  private:
    counter* result_counter(learn_result r);
    /// One learn event, with the flapping check before a move. False when the
    /// FDB must wait for the readers (learn_result::deferred).
    bool apply(fdb_key key, uint16_t port, fdb_time now);
    /// Applies events[0..n) in order; keeps the rest from the first deferred
    /// one in carried_. Returns how many it applied.
    unsigned apply_all(const learn_event* events, unsigned n, fdb_time now);
    /// MAC moves and refusals, rate-limited.
    void log_event(learn_result r, fdb_key key, uint16_t port, uint16_t previous, fdb_time now);
    /// An entry removed to make room, rate-limited.
    void log_eviction(const learn_detail& d, fdb_key key, uint16_t port, fdb_time now);
    void log_flapping(fdb_key key, const flap_detector::mac_state& s, fdb_time now);
    /// " (N more not logged)" when `limit` dropped some, else "".
    static std::string more_text(const logs::limiter& limit);

    mac_table& fdb_;
    std::vector<rte_ring*> rings_;
    std::vector<std::string> port_names_;
    logs::limiter move_log_{10, 10};
    logs::limiter full_log_{1, 10};
    logs::limiter static_log_{5, 10};
    logs::limiter limit_log_{5, 10};
    logs::limiter evict_log_{1, 10};
    logs::limiter flap_log_{10, 10};
    flap_detector flaps_;
    std::vector<learn_event> carried_; ///< deferred events, oldest first
    unsigned aging_budget_;
    control_counters counters_;
};

} // namespace bridgehost
