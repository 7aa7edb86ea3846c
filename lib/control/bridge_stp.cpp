// The bridge's side of the spanning tree: the ports it runs on, the BPDUs the
// loop guard's rings bring, reload, and what show stp, show ports and
// /metrics say about it.
#include "control/bridge.hpp"

#include <rte_mbuf.h>

namespace bridgehost {

using json = nlohmann::json;

namespace {

json id_or_null(bool known, uint64_t id) {
    return known ? json(stp::bridge_id_str(id)) : json();
}

} // namespace

std::vector<spanning_tree::port_info> bridge::stp_ports() const {
    std::vector<spanning_tree::port_info> ports;
    for (const auto& p : ports_)
        ports.push_back({p->name(), p->mac(), cfg_.ports[p->index()].stp, p->link().link_speed});
    return ports;
}

void bridge::stp_step(uint64_t now_ms) {
    for (const loop_guard::bpdu_frame& b : guard_->take_bpdus()) {
        stp_->receive(b.port, rte_pktmbuf_mtod(b.m, const uint8_t*), b.m->data_len, now_ms);
        rte_pktmbuf_free(b.m);
    }
    // portEnabled: the link is up (as housekeeping() last saw it) and neither
    // loop guard nor BPDU guard holds the port; the mirror's destination
    // takes no part in forwarding.
    const uint32_t guard_blocked = guard_->shared().blocked.load(std::memory_order_relaxed);
    uint32_t enabled = 0;
    for (size_t i = 0; i < watch_.size(); ++i)
        if (watch_[i].link_up == 1 && ((guard_blocked >> i) & 1) == 0 &&
            !(cfg_.mirror.enabled() && i == cfg_.mirror.to))
            enabled |= 1u << i;
    stp_->step(now_ms, enabled);
}

std::vector<std::string> bridge::apply_stp(const config& next) {
    std::vector<std::string> done;
    bool changed = false;
    if (next.stp != cfg_.stp) {
        const auto text = [](const stp_config& s) {
            if (!s.enabled)
                return std::string("off");
            return std::string(stp_mode_name(s.mode)) + ", priority " + std::to_string(s.priority) +
                   ", hello " + std::to_string(s.hello_time) + " s, max age " +
                   std::to_string(s.max_age) + " s, forward delay " +
                   std::to_string(s.forward_delay) + " s, tx hold " +
                   std::to_string(s.tx_hold_count);
        };
        done.push_back("stp " + text(cfg_.stp) + " -> " + text(next.stp));
        cfg_.stp = next.stp;
        changed = true;
    }
    for (port_config& p : cfg_.ports) {
        const auto i = next.port_index(p.name);
        if (!i || next.ports[*i].stp == p.stp)
            continue;
        const port_stp& n = next.ports[*i].stp;
        done.push_back("ports." + p.name + ".stp priority " + std::to_string(n.priority) +
                       ", path_cost " +
                       (n.path_cost == 0 ? std::string("auto") : std::to_string(n.path_cost)) +
                       ", edge " + (n.edge ? "true" : "false"));
        p.stp = n;
        changed = true;
    }
    if (changed)
        stp_->configure(cfg_.stp, stp_ports());
    return done;
}

json bridge::port_stp_json(uint16_t index) const {
    const stp::rstp* r = stp_->machines();
    if (r == nullptr || index >= r->size())
        return nullptr;
    return {{"role", stp::role_name(r->role(index))}, {"state", stp::state_name(r->state(index))}};
}

json bridge::show_stp() const {
    const stp_config& c = cfg_.stp;
    json out = {{"enabled", c.enabled},
                {"mode", stp_mode_name(c.mode)},
                {"loop_guard", cfg_.loop_guard.enabled}};
    const stp::rstp* r = stp_->machines();
    if (r == nullptr) {
        out["ports"] = json::array();
        return out;
    }
    const uint64_t now_ms = monotonic_ms();
    const int root_port = r->root_port();
    const stp::times& rt = r->root_times();
    const int64_t since = stp_->ms_since_topology_change(now_ms);
    out.update(
        {{"bridge_id", stp::bridge_id_str(r->bridge().bridge_id)},
         {"root_id", stp::bridge_id_str(r->root_id())},
         {"is_root", r->is_root()},
         {"root_port", root_port < 0 ? json() : json(ports_[size_t(root_port)]->name())},
         {"root_path_cost", r->root_path_cost()},
         {"hello_time", c.hello_time},
         {"max_age", c.max_age},
         {"forward_delay", c.forward_delay},
         {"tx_hold_count", c.tx_hold_count},
         {"root_times",
          {{"hello_time", rt.hello_time},
           {"max_age", rt.max_age},
           {"forward_delay", rt.forward_delay},
           {"message_age", rt.message_age}}},
         {"topology_change", r->topology_change()},
         {"topology_changes", r->topology_changes()},
         {"seconds_since_topology_change", since < 0 ? json() : json(double(since) / 1000)}});
    const uint32_t guard_blocked = guard_->shared().blocked.load(std::memory_order_relaxed);
    json ports = json::array();
    for (uint16_t i = 0; i < r->size() && i < ports_.size(); ++i) {
        const stp::rstp::port_status s = r->status(i);
        const spanning_tree::port_counts& n = stp_->counts(i);
        const port_totals t = raw_port_stats(i);
        const bool known = s.designated.root != 0 || s.designated.bridge != 0;
        ports.push_back(
            {{"name", ports_[i]->name()},
             {"port_id", stp::port_id_str(s.port_id)},
             {"role", stp::role_name(s.role)},
             {"state", stp::state_name(s.state)},
             {"path_cost", s.path_cost},
             {"edge", s.admin_edge},
             {"oper_edge", s.oper_edge},
             {"point_to_point", s.point_to_point},
             {"protocol", s.send_rstp ? "rstp" : "stp"},
             {"designated_root", id_or_null(known, s.designated.root)},
             {"designated_cost", s.designated.cost},
             {"designated_bridge", id_or_null(known, s.designated.bridge)},
             {"designated_port", known ? json(stp::port_id_str(s.designated.port)) : json()},
             {"link", watch_[i].link_up == 1 ? "up" : "down"},
             {"guard_blocked", ((guard_blocked >> i) & 1) != 0},
             {"bpdus_in", s.bpdus_in},
             {"bpdus_out", s.bpdus_out},
             {"bpdus_bad", n.bad},
             {"bpdus_lost", t.drop(drop_reason::stp_bpdu_lost) + n.limited},
             {"topology_changes", s.topology_changes}});
    }
    out["ports"] = std::move(ports);
    return out;
}

void bridge::stp_metrics(metrics_snapshot& m) const {
    const stp::rstp* r = stp_->machines();
    if (r == nullptr)
        return;
    m.stp.enabled = true;
    m.stp.is_root = r->is_root();
    m.stp.root_path_cost = r->root_path_cost();
    m.stp.topology_changes = r->topology_changes();
    const int64_t since = stp_->ms_since_topology_change(monotonic_ms());
    m.stp.seconds_since_topology_change = since < 0 ? -1 : double(since) / 1000;
    for (uint16_t i = 0; i < r->size() && i < ports_.size(); ++i) {
        const stp::rstp::port_status s = r->status(i);
        const spanning_tree::port_counts& n = stp_->counts(i);
        metrics_snapshot::stp_port& p = m.stp.ports.emplace_back();
        p.name = ports_[i]->name();
        p.role = stp::role_name(s.role);
        p.state = stp::state_name(s.state);
        p.path_cost = s.path_cost;
        p.oper_edge = s.oper_edge;
        p.rstp = s.send_rstp;
        p.bpdus_in = s.bpdus_in;
        p.bpdus_out = s.bpdus_out;
        p.bpdus_bad = n.bad;
        p.bpdus_lost = raw_port_stats(i).drop(drop_reason::stp_bpdu_lost) + n.limited;
        p.topology_changes = s.topology_changes;
    }
}

} // namespace bridgehost
