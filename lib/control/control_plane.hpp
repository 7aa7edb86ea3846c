// The control lcore's FDB work: drain the workers' learn rings, age, count.
// It is the only writer of the MAC table.
#pragma once

#include "common/log.hpp"
#include "datapath/counters.hpp"
#include "fdb/mac_table.hpp"

#include <string>
#include <vector>

struct rte_ring;

namespace bridgehost {

struct control_counters {
    counter learned;     ///< new dynamic entries
    counter moved;       ///< dynamic entries that changed port
    counter static_kept; ///< learn events for a static MAC seen on another port
    counter table_full;  ///< new MACs refused because the table was full
    counter aged;        ///< entries removed by aging
    counter flushed;     ///< dynamic entries removed by a flush (operator, link down)
};

/// The control counters as plain numbers.
struct control_totals {
    uint64_t learned = 0, moved = 0, static_kept = 0, table_full = 0, aged = 0, flushed = 0;

    control_totals() = default;
    explicit control_totals(const control_counters& c)
        : learned(c.learned.get()), moved(c.moved.get()), static_kept(c.static_kept.get()),
          table_full(c.table_full.get()), aged(c.aged.get()), flushed(c.flushed.get()) {}
    /// Counts since `base` was taken (`clear stats`).
    void subtract(const control_totals& base) {
        learned -= base.learned;
        moved -= base.moved;
        static_kept -= base.static_kept;
        table_full -= base.table_full;
        aged -= base.aged;
        flushed -= base.flushed;
    }
};

class control_plane {
  public:
    /// `port_names` (by port index) name ports in the log.
    control_plane(mac_table& fdb, std::vector<rte_ring*> learn_rings,
                  std::vector<std::string> port_names);

    /// Applies up to `budget` learn events from the rings. Returns how many.
    unsigned drain_learn_events(fdb_time now, unsigned budget);
    /// One budgeted slice of the aging scan. Returns entries removed.
    unsigned age(fdb_time now);
    /// Removes the dynamic entries learned on `port`; counted. Returns how many.
    unsigned flush_port(uint16_t port);

    const control_counters& counters() const { return counters_; }
    control_counters& counters() { return counters_; }
    /// The ports were renumbered (a reload).
    void set_port_names(std::vector<std::string> names) { port_names_ = std::move(names); }

  private:
    counter* result_counter(learn_result r);
    /// MAC moves and refusals, rate-limited.
    void log_event(learn_result r, fdb_key key, uint16_t port, uint16_t previous, fdb_time now);

    mac_table& fdb_;
    std::vector<rte_ring*> rings_;
    std::vector<std::string> port_names_;
    logs::limiter move_log_{10, 10};
    logs::limiter full_log_{1, 10};
    logs::limiter static_log_{5, 10};
    unsigned aging_budget_;
    control_counters counters_;
};

} // namespace bridgehost
