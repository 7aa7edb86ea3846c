// The loop/BPDU guard state machine; the rules are in state.hpp.
#include "features/loop_guard/state.hpp"

#include <algorithm>
#include <utility>

namespace bridgehost {

loop_guard_state::loop_guard_state(size_t nports, uint32_t interval_ms, uint32_t hold_ms)
    : ports_(nports), interval_ms_(interval_ms), hold_ms_(hold_ms) {}

void loop_guard_state::set_timing(uint32_t interval_ms, uint32_t hold_ms) {
    interval_ms_ = interval_ms;
    hold_ms_ = hold_ms;
    next_probe_.reset(); // the new interval starts with a round now
}

bool loop_guard_state::probe_due(uint64_t now) {
    if (next_probe_ && now < *next_probe_)
        return false;
    next_probe_ = now + interval_ms_;
    return true;
}

std::optional<loop_guard_state::change>
loop_guard_state::probe_returned(uint16_t origin, uint16_t in, uint64_t now) {
    if (origin >= ports_.size() || in >= ports_.size())
        return std::nullopt; // sent before a reload renumbered the ports
    ports_[in].counts.probes_returned++;
    if (origin == in) {
        if (std::exchange(ports_[in].self_reported, true))
            return std::nullopt;
        return change{change::self_loop, in, in};
    }
    const uint16_t victim = std::max(origin, in), other = std::min(origin, in);
    port_entry& p = ports_[victim];
    if (p.state == port_state::blocked_bpdu)
        return std::nullopt;
    p.last_probe = now;
    if (p.state == port_state::blocked_loop)
        return std::nullopt;
    p.state = port_state::blocked_loop;
    p.partner = other;
    p.counts.loops++;
    return change{change::loop_blocked, victim, other};
}

std::optional<loop_guard_state::change> loop_guard_state::bpdu_seen(uint16_t in) {
    if (in >= ports_.size())
        return std::nullopt;
    port_entry& p = ports_[in];
    p.counts.bpdus++;
    if (p.state == port_state::blocked_bpdu)
        return std::nullopt;
    p.state = port_state::blocked_bpdu;
    return change{change::bpdu_blocked, in, in};
}

std::vector<loop_guard_state::change> loop_guard_state::expire(uint64_t now) {
    std::vector<change> cleared;
    for (uint16_t i = 0; i < ports_.size(); ++i) {
        port_entry& p = ports_[i];
        if (p.state == port_state::blocked_loop && now - p.last_probe >= hold_ms_) {
            p.state = port_state::forwarding;
            cleared.push_back({change::loop_cleared, i, p.partner});
        }
    }
    return cleared;
}

bool loop_guard_state::enable(uint16_t port) {
    if (ports_.at(port).state == port_state::forwarding)
        return false;
    ports_[port].state = port_state::forwarding;
    return true;
}

uint32_t loop_guard_state::blocked_mask() const {
    uint32_t mask = 0;
    for (size_t i = 0; i < ports_.size() && i < 32; ++i)
        if (ports_[i].state != port_state::forwarding)
            mask |= 1u << i;
    return mask;
}

void loop_guard_state::remap(const std::vector<int>& to, size_t nports) {
    std::vector<port_entry> out(nports);
    for (size_t i = 0; i < to.size() && i < ports_.size(); ++i)
        if (to[i] >= 0 && size_t(to[i]) < nports)
            out[size_t(to[i])] = ports_[i];
    for (port_entry& p : out) { // a partner that moved is renumbered; one removed ends the block
        if (p.state != port_state::blocked_loop)
            continue;
        if (p.partner < to.size() && to[p.partner] >= 0)
            p.partner = uint16_t(to[p.partner]);
        else
            p.state = port_state::forwarding;
    }
    ports_ = std::move(out);
}

} // namespace bridgehost
