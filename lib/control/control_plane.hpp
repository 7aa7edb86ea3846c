// The control lcore's FDB work: drain the workers' learn rings, age, count.
// It is the only writer of the MAC table.
#pragma once

#include "datapath/counters.hpp"
#include "fdb/mac_table.hpp"

#include <vector>

struct rte_ring;

namespace bridgehost {

struct control_counters {
    counter learned;     ///< new dynamic entries
    counter moved;       ///< dynamic entries that changed port
    counter static_kept; ///< learn events for a static MAC seen on another port
    counter table_full;  ///< new MACs refused because the table was full
    counter aged;        ///< entries removed by aging
};

class control_plane {
  public:
    control_plane(mac_table& fdb, std::vector<rte_ring*> learn_rings);

    /// Applies up to `budget` learn events from the rings. Returns how many.
    unsigned drain_learn_events(fdb_time now, unsigned budget);
    /// One budgeted slice of the aging scan. Returns entries removed.
    unsigned age(fdb_time now);

    const control_counters& counters() const { return counters_; }

  private:
    counter* result_counter(learn_result r);

    mac_table& fdb_;
    std::vector<rte_ring*> rings_;
    unsigned aging_budget_;
    control_counters counters_;
};

} // namespace bridgehost
