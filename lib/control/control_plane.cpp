// Learning and aging on the control lcore.
#include "control/control_plane.hpp"

#include "datapath/learn_event.hpp"

#include <rte_ring_elem.h>

#include <cstdio>
#include <optional>
#include <utility>

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
    case learn_result::limit_refused:
        return &counters_.limit_refused;
    case learn_result::refreshed:
    case learn_result::deferred:
        break;
    }
    return nullptr; // a refresh is not worth a counter
}

unsigned control_plane::apply_all(const learn_event* events, unsigned n, fdb_time now) {
    for (unsigned i = 0; i < n; ++i)
        if (!apply(events[i].key, events[i].port, now)) {
            carried_.insert(carried_.end(), events + i, events + n);
            return i;
        }
    return n;
}

unsigned control_plane::drain_learn_events(fdb_time now, unsigned budget) {
    unsigned done = 0;
    if (!carried_.empty()) {
        const std::vector<learn_event> retry = std::exchange(carried_, {});
        done = apply_all(retry.data(), unsigned(retry.size()), now);
        if (!carried_.empty())
            return done; // still waiting for the workers
    }
    learn_event events[kDequeueBurst];
    for (rte_ring* ring : rings_) {
        while (done < budget) {
            const unsigned n = rte_ring_sc_dequeue_burst_elem(ring, events, sizeof(learn_event),
                                                              kDequeueBurst, nullptr);
            done += apply_all(events, n, now);
            if (!carried_.empty())
                return done;
            if (n < kDequeueBurst)
                break;
        }
    }
    return done;
}

bool control_plane::apply(fdb_key key, uint16_t port, fdb_time now) {
    if (flaps_.watching()) {
        const std::optional<fdb_ref> ref = fdb_.lookup(key);
        if (ref && !ref->is_static() && ref->port() != port) {
            switch (flaps_.on_move(key, ref->port(), port, now)) {
            case flap_detector::verdict::frozen:
                counters_.move_frozen.add(1);
                return true; // it stays where it is
            case flap_detector::verdict::started:
                counters_.flapping.add(1);
                log_flapping(key, *flaps_.find(key), now);
                break;
            case flap_detector::verdict::move:
                break;
            }
        }
    }
    learn_detail detail;
    const learn_result r = fdb_.learn(key, port, now, &detail);
    if (r == learn_result::deferred)
        return false;
    if (detail.evicted_by != eviction::none) {
        (detail.evicted_by == eviction::port_limit ? counters_.limit_evicted : counters_.evicted)
            .add(1);
        log_eviction(detail, key, port, now);
    }
    if (counter* c = result_counter(r)) {
        c->add(1);
        if (r != learn_result::learned)
            log_event(r, key, port, detail.previous_port, now);
    }
    return true;
}

std::string control_plane::more_text(const logs::limiter& limit) {
    if (limit.suppressed() == 0)
        return "";
    return " (" + std::to_string(limit.suppressed()) + " more not logged)";
}

void control_plane::log_eviction(const learn_detail& d, fdb_key key, uint16_t port, fdb_time now) {
    if (!evict_log_.allow(now))
        return;
    const std::string evicted = key_mac(d.evicted_key).str(), mac = key_mac(key).str();
    const char* from = port_names_.at(d.evicted_port).c_str();
    if (d.evicted_by == eviction::port_limit)
        logs::write(logs::component::fdb, log_level::notice,
                    "port %s at its limit of %u MACs: %s evicted to learn %s%s", from,
                    fdb_.port_limit(d.evicted_port).max_macs, evicted.c_str(), mac.c_str(),
                    more_text(evict_log_).c_str());
    else
        logs::write(logs::component::fdb, log_level::warning,
                    "table full (%u entries): %s evicted from %s, the port with the most "
                    "entries, to learn %s on %s%s",
                    fdb_.capacity(), evicted.c_str(), from, mac.c_str(),
                    port_names_.at(port).c_str(), more_text(evict_log_).c_str());
}

void control_plane::log_flapping(fdb_key key, const flap_detector::mac_state& s, fdb_time now) {
    if (!flap_log_.allow(now))
        return;
    const flapping_config& cfg = flaps_.settings();
    const std::string frozen =
        cfg.freeze_seconds != 0
            ? "; its moves are refused for " + std::to_string(cfg.freeze_seconds) + " s"
            : std::string();
    logs::write(logs::component::fdb, log_level::warning,
                "%s is moving between %s and %s %u times a second: possible loop%s%s",
                key_mac(key).str().c_str(), port_names_.at(s.from).c_str(),
                port_names_.at(s.to).c_str(), s.moves, frozen.c_str(),
                more_text(flap_log_).c_str());
}

void control_plane::log_event(learn_result r, fdb_key key, uint16_t port, uint16_t previous,
                              fdb_time now) {
    logs::limiter& limit = r == learn_result::moved           ? move_log_
                           : r == learn_result::table_full    ? full_log_
                           : r == learn_result::limit_refused ? limit_log_
                                                              : static_log_;
    if (!limit.allow(now))
        return;
    const std::string more_s = more_text(limit);
    const char* more = more_s.c_str();
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
    case learn_result::limit_refused:
        logs::write(logs::component::fdb, log_level::warning,
                    "port %s at its limit of %u MACs: %s not learned, frames to it are flooded%s",
                    on, fdb_.port_limit(port).max_macs, mac.c_str(), more);
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
    flaps_.expire(now);
    return removed;
}

} // namespace bridgehost
