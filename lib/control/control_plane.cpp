// Learning and aging on the control lcore.
#include "control/control_plane.hpp"

#include "datapath/learn_event.hpp"

#include <rte_ring_elem.h>

namespace bridgehost {

namespace {
constexpr unsigned kDequeueBurst = 64;
constexpr unsigned kStepsPerSecond = 1000; // the control loop's pace when idle
} // namespace

control_plane::control_plane(mac_table& fdb, std::vector<rte_ring*> learn_rings)
    : fdb_(fdb), rings_(std::move(learn_rings)),
      // Enough slots per step that a whole pass takes about ten seconds when the
      // loop runs at its idle pace (about one second for a table of 640K slots
      // or fewer): an entry goes at most that long after its aging time, and the
      // scan costs the control lcore next to nothing.
      aging_budget_(fdb.slots() / (10 * kStepsPerSecond) + 64) {}

counter* control_plane::result_counter(learn_result r) {
    switch (r) {
    case learn_result::learned:
        return &counters_.learned;
    case learn_result::moved:
        return &counters_.moved;
    case learn_result::static_kept:
        return &counters_.static_kept;
    case learn_result::table_full:
        return &counters_.table_full;
    case learn_result::refreshed:
        break;
    }
    return nullptr; // a refresh is not worth a counter
}

unsigned control_plane::drain_learn_events(fdb_time now, unsigned budget) {
    unsigned done = 0;
    learn_event events[kDequeueBurst];
    for (rte_ring* ring : rings_) {
        while (done < budget) {
            const unsigned n = rte_ring_sc_dequeue_burst_elem(ring, events, sizeof(learn_event),
                                                              kDequeueBurst, nullptr);
            for (unsigned i = 0; i < n; ++i)
                if (counter* c = result_counter(fdb_.learn(events[i].key, events[i].port, now)))
                    c->add(1);
            done += n;
            if (n < kDequeueBurst)
                break;
        }
    }
    return done;
}

unsigned control_plane::age(fdb_time now) {
    const unsigned removed = fdb_.age(now, aging_budget_);
    counters_.aged.add(removed);
    return removed;
}

} // namespace bridgehost
