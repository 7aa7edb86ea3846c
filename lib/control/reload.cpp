// Live reload: what a new config may change while the switch forwards.
#include "control/bridge.hpp"

#include "common/log.hpp"
#include "config/device_args.hpp"

#include <chrono>
#include <map>
#include <string>
#include <type_traits>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

namespace bridgehost {

using json = nlohmann::json;

namespace {

/// The device behind DPDK port `id`, to detach once the port is closed (so
/// that the same vdev can be probed again by a later reload).
rte_device* device_of(uint16_t id) {
    rte_eth_dev_info info{};
    return rte_eth_dev_info_get(id, &info) == 0 ? info.device : nullptr;
}

/// The port's settings differ in more than what applies live (its MAC limit).
bool needs_reopen(const port_config& running, const port_config& next) {
    port_config same = next;
    same.mac_limit = running.mac_limit;
    same.stp = running.stp; // the spanning tree takes new port settings at once
    return same != running;
}

std::string describe(const log_config& log) {
    std::string text = log_level_name(log.level);
    for (const auto& [name, level] : log.components)
        text += std::string(", ") + name + "=" + log_level_name(level);
    text += log.destination == log_destination::stderr_only   ? " to stderr"
            : log.destination == log_destination::syslog_only ? " to syslog"
                                                              : " to stderr and syslog";
    return text;
}

} // namespace

json bridge::reload(const config& next) {
    json applied = json::array(), restart = json::array();
    const auto note = [&](const std::string& what) {
        applied.push_back(what);
        logs::write(logs::component::control, log_level::notice, "reload: %s", what.c_str());
    };

    // Ports first: the static entries below are resolved against them.
    for (const std::string& what : replace_ports(next, restart))
        note(what);

    // Only a restart can change these: they shape memory and threads.
    if (cfg_.eal != next.eal)
        restart.push_back("eal");
    if (cfg_.workers != next.workers)
        restart.push_back("workers");
    if (cfg_.fdb.capacity != next.fdb.capacity)
        restart.push_back("fdb.capacity");
    if (cfg_.control.lcore != next.control.lcore || cfg_.control.socket != next.control.socket)
        restart.push_back("control.lcore/control.socket");
    if (cfg_.metrics != next.metrics)
        restart.push_back("metrics");
    if (cfg_.mirror != next.mirror)
        restart.push_back("mirror");

    for (const std::string& what : apply_fdb_limits(next))
        note(what);

    if (next.fdb.aging_seconds != cfg_.fdb.aging_seconds) {
        fdb_->set_aging(next.fdb.aging_seconds);
        note("fdb.aging_seconds " + std::to_string(cfg_.fdb.aging_seconds) + " -> " +
             std::to_string(next.fdb.aging_seconds));
        cfg_.fdb.aging_seconds = next.fdb.aging_seconds;
    }

    // Static entries: by MAC, old against new. A port is named, and resolved
    // against the running ports (a port the new file adds does not exist yet).
    std::map<fdb_key, const static_fdb_entry*> before, after;
    for (const static_fdb_entry& s : cfg_.fdb.static_entries)
        before[make_fdb_key(s.mac, s.vlan)] = &s;
    for (const static_fdb_entry& s : next.fdb.static_entries)
        after[make_fdb_key(s.mac, s.vlan)] = &s;
    std::vector<static_fdb_entry> statics;
    for (const auto& [key, old] : before)
        if (after.count(key) == 0) {
            fdb_->remove(key);
            note("fdb.static " + old->mac.str() + " removed (was on " + old->port + ")");
        }
    const fdb_time now = clock_.load(std::memory_order_relaxed);
    for (const auto& [key, entry] : after) {
        const std::string mac = entry->mac.str();
        const auto old = before.find(key);
        const std::optional<uint16_t> port = cfg_.port_index(entry->port);
        if (old != before.end() && old->second->port == entry->port && port) {
            statics.push_back(*old->second);
            continue;
        }
        if (!port) {
            restart.push_back("fdb.static " + mac + " (port " + entry->port + " is not running)");
            if (old != before.end())
                statics.push_back(*old->second);
            continue;
        }
        if (!fdb_->add_static(key, *port, now)) {
            restart.push_back("fdb.static " + mac + " (the FDB is full)");
            continue;
        }
        static_fdb_entry added = *entry;
        added.port_index = *port;
        statics.push_back(added);
        note("fdb.static " + mac + (old != before.end() ? " moved to " : " added on ") +
             entry->port);
    }
    cfg_.fdb.static_entries = std::move(statics);

    if (next.log != cfg_.log) {
        logs::apply(next.log);
        note("log " + describe(cfg_.log) + " -> " + describe(next.log));
        cfg_.log = next.log;
    }
    if (next.control.promisc_check_seconds != cfg_.control.promisc_check_seconds) {
        promisc_.set_window(next.control.promisc_check_seconds);
        note("control.promisc_check_seconds " + std::to_string(cfg_.control.promisc_check_seconds) +
             " -> " + std::to_string(next.control.promisc_check_seconds));
        cfg_.control.promisc_check_seconds = next.control.promisc_check_seconds;
    }

    if (next.loop_guard != cfg_.loop_guard) {
        guard_->configure(next.loop_guard);
        const auto text = [](const loop_guard_config& g) {
            return std::string(g.enabled ? "on" : "off") + ", every " +
                   std::to_string(g.interval_ms) + " ms, hold " + std::to_string(g.hold_seconds) +
                   " s";
        };
        note("loop_guard " + text(cfg_.loop_guard) + " -> " + text(next.loop_guard));
        cfg_.loop_guard = next.loop_guard;
    }

    for (const std::string& what : apply_stp(next))
        note(what);

    for (const json& r : restart)
        logs::write(logs::component::control, log_level::warning,
                    "reload: %s changed; not applied, it needs a restart",
                    r.get<std::string>().c_str());
    if (applied.empty() && restart.empty())
        logs::write(logs::component::control, log_level::notice, "reload: nothing changed");
    return {{"applied", applied}, {"needs_restart", restart}};
}

std::vector<std::string> bridge::replace_ports(const config& next, json& restart) {
    // The ports the switch will have: next's list, except that a port whose
    // settings changed keeps its running ones (reopening a port in place is
    // not built: it needs a restart, or a new name).
    std::vector<port_config> target = next.ports;
    for (port_config& p : target)
        if (const auto i = cfg_.port_index(p.name); i && needs_reopen(cfg_.ports[*i], p)) {
            restart.push_back("ports." + p.name +
                              " (device, descriptors, mtu, VLANs, storm_control or bpdu_guard "
                              "changed)");
            p = cfg_.ports[*i];
        }
    // Old index -> new index; -1: removed.
    std::vector<int> to(ports_.size(), -1);
    bool renumbered = target.size() != ports_.size();
    for (size_t i = 0; i < cfg_.ports.size(); ++i) {
        for (size_t j = 0; j < target.size(); ++j)
            if (target[j].name == cfg_.ports[i].name)
                to[i] = int(j);
        renumbered |= to[i] != int(i);
    }
    if (!renumbered)
        return {};

    // Bring the new ports up before anything changes: if one fails, nothing did.
    const uint16_t nworkers = uint16_t(workers_.size());
    std::vector<std::unique_ptr<eth_port>> added(target.size());
    std::vector<std::string> done;
    std::unique_ptr<mbuf_pool> pool;
    std::vector<rte_device*> probed;
    try {
        config sized = cfg_;
        sized.ports = target;
        const unsigned need = mbufs_needed(sized, nworkers);
        rte_mempool* mp = pool_->get();
        if (need > mp->size) {
            const std::string name = "bh_mbufs_" + std::to_string(extra_pools_.size() + 1);
            pool = std::make_unique<mbuf_pool>(name, need - mp->size, mbuf_data_room(sized),
                                               int(rte_socket_id()));
            mp = pool->get();
        }
        for (size_t j = 0; j < target.size(); ++j) {
            if (cfg_.port_index(target[j].name))
                continue;
            uint16_t id = 0;
            if (rte_eth_dev_get_port_by_name(target[j].dpdk_name().c_str(), &id) != 0) {
                if (int ret = rte_dev_probe(eal_device(target[j]).c_str()); ret != 0)
                    throw port_error("port " + target[j].name + " (" + target[j].device +
                                     "): cannot attach the device: " + rte_strerror(-ret));
                if (rte_eth_dev_get_port_by_name(target[j].dpdk_name().c_str(), &id) == 0)
                    probed.push_back(device_of(id));
            }
            added[j] = std::make_unique<eth_port>(eth_port::params{
                &target[j], uint16_t(j), nworkers, nworkers, rx_pool_for(target[j], mp, 1)});
            for (const std::string& line : added[j]->offload_notes())
                done.push_back(line);
            done.push_back("port " + target[j].name + " added (" + target[j].device + ")");
        }
    } catch (const std::exception& e) {
        added.clear();
        for (rte_device* dev : probed)
            if (dev != nullptr)
                rte_dev_remove(dev);
        throw std::runtime_error(std::string(e.what()) + "; the ports are unchanged");
    }
    if (pool)
        extra_pools_.push_back(std::move(pool));

    // The workers pause (they finish their burst) while the ports are swapped:
    // frames wait in the other ports' rx rings meanwhile.
    const bool was_running = launched_;
    const auto paused = std::chrono::steady_clock::now();
    stop();
    capture_->remap_ports(to);
    // Learn events still queued name ports by their old numbers: apply them now.
    while (control_->drain_learn_events(clock_.load(std::memory_order_relaxed), kLearnRingSize) !=
           0) {
    }
    std::vector<std::unique_ptr<eth_port>> ports(target.size()), removed;
    for (size_t i = 0; i < ports_.size(); ++i) {
        if (to[i] >= 0) {
            ports[size_t(to[i])] = std::move(ports_[i]);
            ports[size_t(to[i])]->set_index(uint16_t(to[i]));
            continue;
        }
        done.push_back("port " + cfg_.ports[i].name + " removed");
        removed.push_back(std::move(ports_[i]));
    }
    for (size_t j = 0; j < target.size(); ++j)
        if (added[j])
            ports[j] = std::move(added[j]);
    ports_ = std::move(ports);

    // Everything kept by port index follows its port.
    const unsigned flushed = fdb_->remap_ports(to);
    control_->flaps().remap_ports(to);
    control_->counters().flushed.add(flushed);
    if (flushed != 0)
        done.push_back(std::to_string(flushed) + " FDB entries on removed ports flushed");
    const auto remapped = [&](auto& by_port) {
        std::remove_reference_t<decltype(by_port)> out(target.size());
        for (size_t i = 0; i < to.size(); ++i)
            if (to[i] >= 0)
                out[size_t(to[i])] = by_port[i];
        by_port = std::move(out);
    };
    remapped(base_.ports);
    remapped(base_.devices);
    remapped(watch_);
    promisc_.remap(to, target.size());
    cfg_.ports = target;
    // The mirror follows its ports; it stops if its destination was removed.
    std::vector<uint16_t> from;
    for (uint16_t p : cfg_.mirror.from)
        if (to[p] >= 0)
            from.push_back(uint16_t(to[p]));
    cfg_.mirror.from = to[cfg_.mirror.to] >= 0 ? from : std::vector<uint16_t>{};
    cfg_.mirror.to = uint16_t(RTE_MAX(to[cfg_.mirror.to], 0));
    std::vector<std::string> names;
    for (const port_config& p : cfg_.ports)
        names.push_back(p.name);
    control_->set_port_names(std::move(names));
    for (static_fdb_entry& s : cfg_.fdb.static_entries) // indexes of the kept ones
        s.port_index = cfg_.port_index(s.port).value_or(0);

    const layout l = datapath_layout();
    // Ports keep their VLAN settings (a change needs a restart); the table follows the numbering.
    vlans_ = vlan_map::build(cfg_.ports);
    build_policy();
    guard_->set_ports(guard_ports(), to);
    stp_->restart(stp_ports()); // new port numbers: the tree starts again
    for (const auto& w : workers_)
        w->reconfigure(l.rx[w->index()], l.port_ids, l.port_macs, to, vlans_.get(), policy_.get(),
                       offloads());
    caps_generation_.reset(); // ports were renumbered: publish anew
    publish_offload_caps();
    if (was_running)
        start();
    logs::write(logs::component::port, log_level::info,
                "reload: forwarding paused %.1f ms while the ports were swapped",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - paused)
                    .count());
    // No worker polls or sends to the removed ports any more: close and detach
    // them now, outside the pause (closing an af_packet socket takes ~30 ms).
    for (std::unique_ptr<eth_port>& port : removed) {
        rte_device* dev = device_of(port->id());
        port.reset(); // stopped and closed
        if (dev != nullptr)
            rte_dev_remove(dev);
    }
    return done;
}

json bridge::reload_request() {
    if (!reload_handler_)
        throw std::runtime_error("reload is not available in this process");
    return reload_handler_();
}

} // namespace bridgehost
