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

/// The FDB's counts, with what they count; one list makes both structs below.
#define BRIDGEHOST_FDB_COUNTERS(X)                                                                 \
    X(learned)     /* new dynamic entries */                                                       \
    X(moved)       /* dynamic entries that changed port */                                         \
    X(static_kept) /* learn events for a static MAC seen on another port */                        \
    X(table_full)  /* new MACs refused because the table was full */                               \
    X(aged)        /* entries removed by aging */                                                  \
    X(flushed)     /* dynamic entries removed by a flush (operator, link down, removed port) */

struct control_counters {
#define X(name) counter name;
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X
};

/// The control counters as plain numbers.
struct control_totals {
#define X(name) uint64_t name = 0;
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X

    control_totals() = default;
    explicit control_totals(const control_counters& c) {
#define X(name) name = c.name.get();
        BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    }
    /// Counts since `base` was taken (`clear stats`).
    void subtract(const control_totals& base) {
#define X(name) name -= base.name;
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
