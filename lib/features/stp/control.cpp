// The spanning tree on the control lcore; see control.hpp.
#include "features/stp/control.hpp"

#include "common/log.hpp"

#include <algorithm>

namespace bridgehost {

using logs::component;

spanning_tree::spanning_tree(const stp_config& cfg, std::vector<port_info> ports, io out)
    : cfg_(cfg), ports_(std::move(ports)), io_(std::move(out)) {
    counts_.resize(ports_.size());
    rx_this_second_.resize(ports_.size());
    if (cfg_.enabled)
        start();
}

stp::rstp::bridge_settings spanning_tree::bridge_settings() const {
    // The bridge address is the lowest of the ports' MACs, as the Linux bridge takes it.
    mac_address lowest = ports_.empty() ? mac_address{} : ports_[0].mac;
    for (const port_info& p : ports_)
        if (p.mac.bytes < lowest.bytes)
            lowest = p.mac;
    uint64_t id = 0;
    for (uint8_t b : lowest.bytes)
        id = id << 8 | b;
    id |= uint64_t(cfg_.priority) << 48;
    stp::rstp::bridge_settings s;
    s.bridge_id = id;
    s.force_stp = cfg_.mode == stp_config::mode_t::stp;
    s.hello_time = cfg_.hello_time;
    s.max_age = cfg_.max_age;
    s.forward_delay = cfg_.forward_delay;
    s.tx_hold_count = cfg_.tx_hold_count;
    return s;
}

stp::rstp::port_settings spanning_tree::port_settings(uint16_t index) const {
    const port_info& p = ports_[index];
    stp::rstp::port_settings s;
    s.number = uint16_t(index + 1);
    s.priority = p.cfg.priority;
    s.path_cost = p.cfg.path_cost != 0 ? p.cfg.path_cost : stp::path_cost_for_speed(p.speed_mbps);
    s.admin_edge = p.cfg.edge;
    s.auto_edge = true;
    s.point_to_point = p.cfg.point_to_point != port_stp::p2p_t::no;
    return s;
}

void spanning_tree::start() {
    std::vector<stp::rstp::port_settings> settings;
    for (uint16_t i = 0; i < ports_.size(); ++i)
        settings.push_back(port_settings(i));
    rstp_ = std::make_unique<stp::rstp>(bridge_settings(), settings);
    last_rstp_.assign(ports_.size(), true);
    last_root_ = 0;
    last_root_port_ = -2;
    seen_tcs_ = 0;
    next_tick_ms_ = 0;
    shared_.enabled.store(true, std::memory_order_relaxed);
    logs::write(component::port, log_level::notice, "stp: %s on, bridge id %s",
                stp_mode_name(cfg_.mode), stp::bridge_id_str(rstp_->bridge().bridge_id).c_str());
    drain();
}

void spanning_tree::receive(uint16_t port, const uint8_t* frame, size_t len, uint64_t now_ms) {
    if (!rstp_ || port >= ports_.size())
        return;
    now_ms_ = now_ms;
    if (rx_this_second_[port] >= kMaxBpdusPerSecond) {
        ++counts_[port].limited;
        return;
    }
    ++rx_this_second_[port];
    stp::bpdu b;
    const stp::bpdu_error e = stp::parse_bpdu_frame(frame, len, b);
    if (e != stp::bpdu_error::ok) {
        ++counts_[port].bad;
        return;
    }
    const stp::rstp::port_status before = rstp_->status(port);
    rstp_->receive(port, b);
    // Not read although the port is enabled: our own BPDU come back. (On a
    // port not yet enabled, its link not yet seen up, a BPDU is not bad.)
    if (before.enabled && rstp_->status(port).bpdus_in == before.bpdus_in)
        ++counts_[port].bad;
    drain();
}

void spanning_tree::step(uint64_t now_ms, uint32_t enabled_ports) {
    now_ms_ = now_ms;
    if (!rstp_)
        return;
    for (uint16_t p = 0; p < ports_.size(); ++p)
        rstp_->set_enabled(p, (enabled_ports >> p) & 1);
    if (next_tick_ms_ == 0)
        next_tick_ms_ = now_ms + 1000;
    // A control lcore held up for seconds catches up tick by tick (the
    // machines count whole seconds), but never by more than a minute.
    for (unsigned n = 0; now_ms >= next_tick_ms_ && n < 60; ++n) {
        next_tick_ms_ += 1000;
        rstp_->tick();
        std::fill(rx_this_second_.begin(), rx_this_second_.end(), 0);
    }
    if (now_ms >= next_tick_ms_)
        next_tick_ms_ = now_ms + 1000;
    drain();
}

void spanning_tree::configure(const stp_config& cfg, std::vector<port_info> ports) {
    const bool was = cfg_.enabled;
    cfg_ = cfg;
    ports_ = std::move(ports);
    counts_.resize(ports_.size());
    rx_this_second_.resize(ports_.size());
    if (!cfg_.enabled) {
        if (was)
            logs::write(component::port, log_level::notice, "stp: off; every port forwards");
        rstp_.reset();
        shared_.enabled.store(false, std::memory_order_relaxed);
        shared_.ports.store(0, std::memory_order_relaxed);
        return;
    }
    if (!rstp_ || rstp_->size() != ports_.size()) {
        start();
        return;
    }
    rstp_->set_bridge(bridge_settings());
    for (uint16_t i = 0; i < ports_.size(); ++i)
        rstp_->set_port(i, port_settings(i));
    drain();
}

void spanning_tree::restart(std::vector<port_info> ports) {
    ports_ = std::move(ports);
    counts_.assign(ports_.size(), {});
    rx_this_second_.assign(ports_.size(), 0);
    rstp_.reset();
    if (cfg_.enabled)
        start();
}

uint32_t spanning_tree::not_forwarding() const {
    const uint64_t s = shared_.ports.load(std::memory_order_relaxed);
    return uint32_t(s) | uint32_t(s >> 32);
}

int64_t spanning_tree::ms_since_topology_change(uint64_t now_ms) const {
    if (!rstp_ || rstp_->topology_changes() == 0)
        return -1;
    return int64_t(now_ms - last_tc_ms_);
}

void spanning_tree::drain() {
    // States first: a BPDU that agrees to a proposal must leave after this
    // bridge stopped forwarding where the agreement says it did.
    uint32_t discarding = 0, learning = 0;
    for (uint16_t p = 0; p < ports_.size(); ++p)
        switch (rstp_->state(p)) {
        case stp::port_state::discarding:
            discarding |= 1u << p;
            break;
        case stp::port_state::learning:
            learning |= 1u << p;
            break;
        case stp::port_state::forwarding:
            break;
        }
    shared_.ports.store(stp_shared::pack(discarding, learning), std::memory_order_release);

    for (unsigned p : rstp_->take_flushes())
        if (io_.flush)
            io_.flush(uint16_t(p));
    for (const stp::rstp::transmit& t : rstp_->take_transmits()) {
        uint8_t frame[stp::kBpduFrameLen];
        stp::build_bpdu_frame(t.b, ports_[t.port].mac, frame);
        if (io_.send)
            io_.send(uint16_t(t.port), frame, sizeof(frame));
    }
    for (const stp::rstp::change& c : rstp_->take_changes()) {
        const std::string what = std::string(stp::role_name(c.old_role)) + " " +
                                 stp::state_name(c.old_state) + " -> " +
                                 stp::role_name(c.new_role) + " " + stp::state_name(c.new_state);
        logs::write(component::port, log_level::notice, "stp: %s: %s", ports_[c.port].name.c_str(),
                    what.c_str());
    }
    for (uint16_t p = 0; p < ports_.size(); ++p) {
        const bool rstp = rstp_->status(p).send_rstp;
        if (rstp != last_rstp_[p]) {
            last_rstp_[p] = rstp;
            if (rstp)
                logs::write(component::port, log_level::notice,
                            "stp: %s: the neighbour speaks RSTP: sending RST BPDUs",
                            ports_[p].name.c_str());
            else
                logs::write(component::port, log_level::notice,
                            "stp: %s: sending 802.1D BPDUs (the neighbour speaks only 802.1D, or "
                            "mode is stp)",
                            ports_[p].name.c_str());
        }
    }
    const int root_port = rstp_->root_port();
    if (rstp_->root_id() != last_root_ || root_port != last_root_port_) {
        last_root_ = rstp_->root_id();
        last_root_port_ = root_port;
        if (root_port < 0)
            logs::write(component::port, log_level::notice, "stp: this bridge (%s) is the root",
                        stp::bridge_id_str(rstp_->root_id()).c_str());
        else
            logs::write(component::port, log_level::notice, "stp: root %s via %s, path cost %u",
                        stp::bridge_id_str(rstp_->root_id()).c_str(),
                        ports_[size_t(root_port)].name.c_str(), rstp_->root_path_cost());
    }
    if (rstp_->topology_changes() != seen_tcs_) {
        seen_tcs_ = rstp_->topology_changes();
        last_tc_ms_ = now_ms_;
        logs::write(component::port, log_level::info, "stp: topology change (%llu since start)",
                    (unsigned long long)seen_tcs_);
    }
}

} // namespace bridgehost
