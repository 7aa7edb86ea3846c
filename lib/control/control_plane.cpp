// Learning and aging on the control lcore.
#include "control/control_plane.hpp"

#include "datapath/learn_event.hpp"

#include <rte_ring_elem.h>

#include <cstdio>

namespace bridgehost {

namespace {
constexpr unsigned kDequeueBurst = 64;
constexpr unsigned kStepsPerSecond = 1000; // the control loop's pace when idle
} // namespace

control_plane::control_plane(mac_table& fdb, std::vector<rte_ring*> learn_rings,
                             std::vector<std::string> port_names)
    : fdb_(fdb), rings_(std::move(learn_rings)), port_names_(std::move(port_names)),
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
            for (unsigned i = 0; i < n; ++i) {
                uint16_t previous = 0;
                const learn_result r = fdb_.learn(events[i].key, events[i].port, now, &previous);
                if (counter* c = result_counter(r)) {
                    c->add(1);
                    if (r != learn_result::learned)
                        log_event(r, events[i].key, events[i].port, previous, now);
                }
            }
            done += n;
            if (n < kDequeueBurst)
                break;
        }
    }
    return done;
}

void control_plane::log_event(learn_result r, fdb_key key, uint16_t port, uint16_t previous,
                              fdb_time now) {
    logs::limiter& limit = r == learn_result::moved         ? move_log_
                           : r == learn_result::table_full ? full_log_
                                                           : static_log_;
    if (!limit.allow(now))
        return;
    char more[64] = "";
    if (limit.suppressed() != 0)
        std::snprintf(more, sizeof(more), " (%llu more not logged)",
                      static_cast<unsigned long long>(limit.suppressed()));
    const std::string mac = key_mac(key).str();
    const char* on = port_names_.at(port).c_str();
    switch (r) {
    case learn_result::moved:
        logs::write(logs::component::fdb, log_level::info, "%s moved from %s to %s%s", mac.c_str(),
                    port_names_.at(previous).c_str(), on, more);
        break;
    case learn_result::table_full:
        logs::write(logs::component::fdb, log_level::warning,
                    "table full (%u entries): %s on %s not learned, frames to it are flooded%s",
                    fdb_.capacity(), mac.c_str(), on, more);
        break;
    case learn_result::static_kept:
        logs::write(logs::component::fdb, log_level::notice,
                    "%s has a static entry on %s but was seen on %s; not moved%s", mac.c_str(),
                    port_names_.at(previous).c_str(), on, more);
        break;
    default:
        break;
    }
}

unsigned control_plane::flush_port(uint16_t port) {
    const unsigned removed = fdb_.flush_port(port);
    counters_.flushed.add(removed);
    return removed;
}

unsigned control_plane::age(fdb_time now) {
    const unsigned removed = fdb_.age(now, aging_budget_);
    counters_.aged.add(removed);
    return removed;
}

} // namespace bridgehost
