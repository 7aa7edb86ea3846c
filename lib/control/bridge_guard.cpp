// The bridge's side of loop and BPDU guard: the control pass, `port enable`,
// and what show ports says about it.
#include "control/bridge.hpp"

#include <chrono>
#include <stdexcept>

namespace bridgehost {

using json = nlohmann::json;

uint64_t bridge::monotonic_ms() {
    using namespace std::chrono;
    return uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::vector<loop_guard::port_info> bridge::guard_ports() const {
    std::vector<loop_guard::port_info> ports;
    for (const auto& p : ports_)
        ports.push_back({p->name(), p->mac(), cfg_.ports[p->index()].bpdu_guard});
    return ports;
}

void bridge::guard_step(uint64_t now_ms) {
    // Stations heard through a loop may sit on the wrong port: forget what the
    // blocked port taught; they are learned again where they really are.
    // No probe where it could not leave (links down, as housekeeping() last
    // saw them), nor to the mirror's destination, which gets copies only.
    uint32_t no_probe = 0;
    for (size_t i = 0; i < watch_.size(); ++i)
        if (watch_[i].link_up == 0)
            no_probe |= 1u << i;
    if (cfg_.mirror.enabled())
        no_probe |= 1u << cfg_.mirror.to;
    const uint32_t stp_off = stp_->enabled() ? stp_->not_forwarding() : 0;
    for (uint16_t port : guard_->step(now_ms, no_probe, stp_off))
        control_->flush_port(port);
    stp_step(now_ms);
}

json bridge::port_enable(const json& args) {
    const uint16_t port = port_arg(args, "port");
    if (!guard_->enable(port))
        throw std::runtime_error("port " + ports_[port]->name() + " is not blocked");
    return {{"port", ports_[port]->name()}, {"state", guard_->describe(port)}};
}

json bridge::port_guard_json(uint16_t index) const {
    const loop_guard_state& s = guard_->state();
    const auto state = s.state(index);
    const auto& c = s.counts(index);
    using ps = loop_guard_state::port_state;
    return {{"state", state == ps::forwarding ? "forwarding" : "blocked"},
            {"blocked_reason", state == ps::blocked_loop   ? json("loop")
                               : state == ps::blocked_bpdu ? json("bpdu")
                                                           : json(nullptr)},
            {"loop_with",
             state == ps::blocked_loop ? json(ports_[s.partner(index)]->name()) : json(nullptr)},
            {"state_text", guard_->describe(index)},
            {"bpdu_guard", cfg_.ports[index].bpdu_guard},
            {"loop_guard",
             {{"probes_sent", c.probes_sent},
              {"probes_returned", c.probes_returned},
              {"loops", c.loops},
              {"bpdus", c.bpdus}}}};
}

} // namespace bridgehost
