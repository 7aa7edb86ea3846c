// Live reload: what a new config may change while the switch forwards.
#include "control/bridge.hpp"

#include "common/log.hpp"

#include <map>
#include <string>

namespace bridgehost {

using json = nlohmann::json;

namespace {

// The parts of a config that are compared as wholes.
bool same_ports(const config& a, const config& b) {
    if (a.ports.size() != b.ports.size())
        return false;
    for (size_t i = 0; i < a.ports.size(); ++i) {
        const port_config &x = a.ports[i], &y = b.ports[i];
        if (x.name != y.name || x.device != y.device || x.rx_descriptors != y.rx_descriptors ||
            x.tx_descriptors != y.tx_descriptors || x.mtu != y.mtu)
            return false;
    }
    return true;
}

bool same_eal(const eal_config& a, const eal_config& b) {
    return a.lcores == b.lcores && a.memory_mb == b.memory_mb && a.no_huge == b.no_huge &&
           a.file_prefix == b.file_prefix && a.args == b.args;
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

    // Only a restart can change these: they shape ports, memory and threads.
    if (!same_ports(cfg_, next))
        restart.push_back("ports");
    if (!same_eal(cfg_.eal, next.eal))
        restart.push_back("eal");
    if (cfg_.workers.lcores != next.workers.lcores || cfg_.workers.burst != next.workers.burst ||
        cfg_.workers.stall_us != next.workers.stall_us)
        restart.push_back("workers");
    if (cfg_.fdb.capacity != next.fdb.capacity)
        restart.push_back("fdb.capacity");
    if (cfg_.control.lcore != next.control.lcore || cfg_.control.socket != next.control.socket)
        restart.push_back("control.lcore/control.socket");
    if (cfg_.metrics.enabled != next.metrics.enabled || cfg_.metrics.listen != next.metrics.listen)
        restart.push_back("metrics");

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
        before[make_fdb_key(s.mac)] = &s;
    for (const static_fdb_entry& s : next.fdb.static_entries)
        after[make_fdb_key(s.mac)] = &s;
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
            restart.push_back("fdb.static " + mac + " (port " + entry->port +
                              " is not running)");
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

    if (describe(next.log) != describe(cfg_.log)) {
        logs::apply(next.log);
        note("log " + describe(cfg_.log) + " -> " + describe(next.log));
        cfg_.log = next.log;
    }
    if (next.control.promisc_check_seconds != cfg_.control.promisc_check_seconds) {
        promisc_.set_window(next.control.promisc_check_seconds);
        note("control.promisc_check_seconds " +
             std::to_string(cfg_.control.promisc_check_seconds) + " -> " +
             std::to_string(next.control.promisc_check_seconds));
        cfg_.control.promisc_check_seconds = next.control.promisc_check_seconds;
    }

    for (const json& r : restart)
        logs::write(logs::component::control, log_level::warning,
                    "reload: %s changed; not applied, it needs a restart",
                    r.get<std::string>().c_str());
    if (applied.empty() && restart.empty())
        logs::write(logs::component::control, log_level::notice, "reload: nothing changed");
    return {{"applied", applied}, {"needs_restart", restart}};
}

json bridge::reload_request() {
    if (!reload_handler_)
        throw std::runtime_error("reload is not available in this process");
    return reload_handler_();
}

} // namespace bridgehost
