// Operator requests: the control socket, telemetry and bridgehostctl all end
// here, on the control lcore, as JSON.
#include "control/bridge.hpp"

#include "config/device_args.hpp"

#include <algorithm>
#include <stdexcept>

#include <rte_ethdev.h>

namespace bridgehost {

using json = nlohmann::json;

namespace {

/// An error in a request: the operator's fault, reported back as is.
struct request_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string arg_string(const json& args, const char* key) {
    const auto it = args.find(key);
    if (it == args.end() || !it->is_string())
        throw request_error(std::string("missing argument \"") + key + "\" (a string)");
    return it->get<std::string>();
}

mac_address arg_mac(const json& args, const char* key) {
    const std::string text = arg_string(args, key);
    const auto mac = mac_address::parse(text);
    if (!mac)
        throw request_error("\"" + text + "\" is not a MAC address (expected xx:xx:xx:xx:xx:xx)");
    return *mac;
}

/// args["vlan"] (0..4094), or `fallback` when absent.
uint16_t arg_vlan(const json& args, uint16_t fallback) {
    const auto it = args.find("vlan");
    if (it == args.end())
        return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > kMaxVlan)
        throw request_error("\"vlan\" must be a VLAN id, 0..4094");
    return uint16_t(it->get<int64_t>());
}

/// A port's storm_control limits (frames per second; 0: none).
json storm_json(const storm_limits& s) {
    return {{"broadcast", s.broadcast},
            {"multicast", s.multicast},
            {"unknown_unicast", s.unknown_unicast}};
}

const char* mirror_direction_name(mirror_config::direction_t d) {
    using dir = mirror_config::direction_t;
    return d == dir::rx ? "rx" : d == dir::tx ? "tx" : "both";
}

/// The port's part in the mirror: "destination", "source (rx|tx|both)", or null.
json mirror_role(const mirror_config& m, uint16_t port) {
    if (!m.enabled())
        return nullptr;
    if (port == m.to)
        return "destination";
    for (uint16_t from : m.from)
        if (from == port)
            return std::string("source (") + mirror_direction_name(m.direction) + ")";
    return nullptr;
}

/// A port's VLAN settings as show ports / show config print them.
json vlan_json(const port_vlan& v) {
    if (v.mode == port_vlan::mode_t::access)
        return {{"mode", "access"}, {"vlan", v.access_vlan}};
    std::string allowed;
    for (uint16_t vid = 1; vid <= kMaxVlan; ++vid) {
        if (!v.allowed[vid] || (vid > 1 && v.allowed[vid - 1]))
            continue;
        uint16_t last = vid;
        while (last < kMaxVlan && v.allowed[last + 1])
            ++last;
        allowed += (allowed.empty() ? "" : ",") + std::to_string(vid) +
                   (last != vid ? "-" + std::to_string(last) : std::string());
    }
    return {{"mode", "trunk"},
            {"allowed_vlans", allowed == "1-4094" ? "all"
                              : allowed.empty()   ? "none"
                                                  : allowed},
            {"native_vlan", v.native_vlan}};
}

json port_counters_json(const port_totals& t) {
    json drops = json::object();
    for (unsigned r = 0; r < kDropReasons; ++r)
        drops[drop_reason_name(drop_reason(r))] = t.drops[r];
    json counters = json::object();
#define X(name) counters[#name] = t.name;
    BRIDGEHOST_PORT_COUNTERS(X)
#undef X
    counters["drops"] = std::move(drops);
    return counters;
}

/// What a port's peer finishes itself now (eth_port::offload_caps).
json peer_takes_json(uint8_t caps) {
    json takes = json::array();
    if (caps & cap_checksum)
        takes.push_back("checksum");
    if (caps & cap_tso4)
        takes.push_back("tso4");
    if (caps & cap_tso6)
        takes.push_back("tso6");
    return takes;
}

/// A port's offload settings as the config has them.
json offloads_json(const port_config& p) {
    json j = {{"tso", offload_mode_name(p.offloads.tso)},
              {"checksum", offload_mode_name(p.offloads.checksum)}};
    if (p.driver() == "net_af_packet")
        j["gro"] = p.offloads.kernel_gro_off ? "off" : "keep";
    return j;
}

json mac_limit_json(const port_mac_limit& limit) {
    return {
        {"max_macs", limit.max_macs},
        {"mac_limit_action", limit.action == mac_limit_action::refuse ? "refuse" : "evict_oldest"}};
}

/// A port's spanning-tree settings as the config has them (point_to_point
/// as written: "auto", true or false).
json port_stp_settings_json(const port_stp& stp) {
    using p2p = port_stp::p2p_t;
    return {{"priority", stp.priority},
            {"path_cost", stp.path_cost},
            {"edge", stp.edge},
            {"point_to_point", stp.point_to_point == p2p::automatic
                                   ? json("auto")
                                   : json(stp.point_to_point == p2p::yes)}};
}

json log_json(const log_config& log) {
    json components = json::object();
    for (const auto& [name, level] : log.components)
        components[name] = log_level_name(level);
    return {{"level", log_level_name(log.level)},
            {"components", components},
            {"destination", log.destination == log_destination::stderr_only   ? "stderr"
                            : log.destination == log_destination::syslog_only ? "syslog"
                                                                              : "both"}};
}

} // namespace

/// Every request handle() takes, by name.
struct bridge::command {
    const char* name;
    json (*run)(bridge&, const json& args);
};

const bridge::command bridge::kCommands[] = {
    {"show fdb", [](bridge& b, const json& a) { return b.show_fdb(a); }},
    {"show ports", [](bridge& b, const json&) { return b.show_ports(); }},
    {"show stp", [](bridge& b, const json&) { return b.show_stp(); }},
    {"show workers", [](bridge& b, const json&) { return b.show_workers(); }},
    {"show stats", [](bridge& b, const json&) { return b.show_stats(); }},
    {"show config", [](bridge& b, const json&) { return b.show_config(); }},
    {"fdb add", [](bridge& b, const json& a) { return b.fdb_add(a); }},
    {"fdb del", [](bridge& b, const json& a) { return b.fdb_del(a); }},
    {"fdb flush", [](bridge& b, const json& a) { return b.fdb_flush(a); }},
    {"clear stats", [](bridge& b, const json&) { return b.clear_stats(); }},
    {"reload", [](bridge& b, const json&) { return b.reload_request(); }},
    {"capture start",
     [](bridge& b, const json& a) {
         const uint16_t port = b.port_arg(a, "port");
         return b.capture_->start(port, b.cfg_.ports[port].name, a, b.clock_.load());
     }},
    {"capture read", [](bridge& b, const json& a) { return b.capture_->read(a, b.clock_.load()); }},
    {"capture stop", [](bridge& b, const json& a) { return b.capture_->stop(a); }},
    {"port enable", [](bridge& b, const json& a) { return b.port_enable(a); }},
};

json bridge::call(std::function<json()> fn, std::chrono::milliseconds timeout) {
    std::packaged_task<json()> task(std::move(fn));
    std::future<json> answer = task.get_future();
    {
        const std::lock_guard<std::mutex> lock(requests_mutex_);
        requests_.push_back(std::move(task));
    }
    if (answer.wait_for(timeout) != std::future_status::ready)
        throw std::runtime_error("the control loop did not answer within " +
                                 std::to_string(timeout.count()) + " ms");
    return answer.get();
}

void bridge::serve_requests() {
    std::deque<std::packaged_task<json()>> batch;
    {
        const std::lock_guard<std::mutex> lock(requests_mutex_);
        batch.swap(requests_);
    }
    for (auto& task : batch)
        task();
}

json bridge::handle(const json& request) {
    try {
        if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string())
            throw request_error("a request is a JSON object with a string \"cmd\"");
        const std::string cmd = request["cmd"].get<std::string>();
        const json args = request.value("args", json::object());
        if (!args.is_object())
            throw request_error("\"args\" must be a JSON object");
        for (const command& c : kCommands)
            if (cmd == c.name)
                return {{"ok", true}, {"result", c.run(*this, args)}};
        std::string known;
        for (const command& c : kCommands)
            known += (known.empty() ? "" : ", ") + std::string(c.name);
        throw request_error("unknown command \"" + cmd + "\" (expected one of: " + known + ")");
    } catch (const std::exception& e) {
        // json type errors land here too: a request never takes the switch down.
        return {{"ok", false}, {"error", e.what()}};
    }
}

uint16_t bridge::port_arg(const json& args, const char* key) const {
    const std::string name = arg_string(args, key);
    for (const auto& p : ports_)
        if (p->name() == name)
            return p->index();
    std::string known;
    for (const auto& p : ports_)
        known += (known.empty() ? "" : ", ") + p->name();
    throw request_error("no port named \"" + name + "\" (ports: " + known + ")");
}

json bridge::show_fdb(const json& args) const {
    std::optional<uint16_t> port;
    std::optional<mac_address> mac;
    if (args.contains("port"))
        port = port_arg(args, "port");
    if (args.contains("mac"))
        mac = arg_mac(args, "mac");
    const fdb_time now = clock_.load(std::memory_order_relaxed);
    std::vector<fdb_record> records = fdb_->records();
    std::sort(records.begin(), records.end(), [](const fdb_record& a, const fdb_record& b) {
        return std::tie(a.port, a.vlan, a.mac.bytes) < std::tie(b.port, b.vlan, b.mac.bytes);
    });
    json entries = json::array();
    for (const fdb_record& r : records) {
        if ((port && r.port != *port) || (mac && !(r.mac == *mac)))
            continue;
        json e = {{"mac", r.mac.str()},
                  {"vlan", r.vlan},
                  {"port", cfg_.ports[r.port].name},
                  {"type", r.is_static ? "static" : "dynamic"}};
        e["age"] = r.is_static ? json(nullptr) : json(now >= r.last_seen ? now - r.last_seen : 0);
        const fdb_key key = make_fdb_key(r.mac, r.vlan);
        e["flapping"] = control_->flaps().flapping(key, now);
        e["frozen"] = control_->flaps().frozen(key, now);
        entries.push_back(std::move(e));
    }
    return {{"entries", entries},
            {"size", fdb_->size()},
            {"capacity", fdb_->capacity()},
            {"aging_seconds", cfg_.fdb.aging_seconds}};
}

json bridge::show_ports() const {
    json ports = json::array();
    for (const auto& p : ports_) {
        const rte_eth_link link = p->link();
        const rte_eth_stats dev = device_stats(p->index());
        ports.push_back(
            {{"name", p->name()},
             {"device", cfg_.ports[p->index()].device},
             {"port_id", p->id()},
             {"mac", p->mac().str()},
             {"link", link.link_status ? "up" : "down"},
             {"speed_mbps", link.link_speed},
             {"promiscuous", p->promiscuous()},
             {"vlans", vlan_json(cfg_.ports[p->index()].vlan)},
             {"mtu",
              cfg_.ports[p->index()].mtu ? json(*cfg_.ports[p->index()].mtu) : json(nullptr)},
             {"storm_control", storm_json(cfg_.ports[p->index()].storm)},
             {"mirror", mirror_role(cfg_.mirror, p->index())},
             {"offloads", offloads_json(cfg_.ports[p->index()])},
             {"peer_takes", peer_takes_json(p->offload_caps())},
             {"eal_device", eal_device(cfg_.ports[p->index()])},
             {"promisc_suspect", promisc_.suspect(p->index())},
             {"diagnosis",
              promisc_.suspect(p->index()) ? json(promisc_warning(p->name())) : json(nullptr)},
             {"rx_queues", p->rx_queues()},
             {"macs", fdb_->port_count(p->index())},
             {"mac_limit", mac_limit_json(fdb_->port_limit(p->index()))},
             {"counters", port_counters_json(port_stats(p->index()))},
             {"device_stats",
              {{"ipackets", dev.ipackets},
               {"opackets", dev.opackets},
               {"imissed", dev.imissed},
               {"ierrors", dev.ierrors},
               {"oerrors", dev.oerrors},
               {"rx_nombuf", dev.rx_nombuf}}}});
        ports.back().update(port_guard_json(p->index()));
        json stp = port_stp_json(p->index());
        json& shown = ports.back();
        if (stp.is_object() && stp.at("state") != "forwarding" && shown.at("state") == "forwarding") {
            // Loop guard lets it forward; the spanning tree does not.
            shown["state"] = stp.at("state");
            shown["state_text"] = "stp " + stp.at("role").get<std::string>() + ", " +
                                  stp.at("state").get<std::string>();
        }
        shown["stp"] = std::move(stp);
    }
    return ports;
}

json bridge::show_workers() const {
    json workers = json::array();
    for (const auto& w : workers_) {
        const worker_totals t = worker_stats(w->index());
        json queues = json::array();
        for (const rx_queue_ref& q : w->rx_queues())
            queues.push_back({{"port", cfg_.ports[q.port_index].name}, {"queue", q.queue}});
        workers.push_back({{"index", w->index()},
                           {"lcore", w->lcore()},
                           {"rx_queues", queues},
                           {"rx_packets", t.rx_packets},
                           {"busy_cycles", t.busy_cycles},
                           {"idle_cycles", t.idle_cycles},
                           {"stall_cycles", t.stall_cycles},
                           {"stalls", t.stalls},
                           {"busy_cycles_per_packet", t.busy_cycles_per_packet()},
                           {"idle_percent", t.idle_percent()},
                           {"learn_events", w->counters().learn_events.get()},
                           {"learn_ring_full", w->counters().learn_ring_full.get()},
                           {"fdb_cache_hits", w->counters().fdb_cache_hits.get()},
                           {"fdb_cache_misses", w->counters().fdb_cache_misses.get()},
                           {"captured", w->counters().captured.get()},
                           {"capture_dropped", w->counters().capture_dropped.get()}});
    }
    return workers;
}

json bridge::show_stats() const {
    json ports = json::object();
    for (const auto& p : ports_)
        ports[p->name()] = port_counters_json(port_stats(p->index()));
    const control_totals fs = fdb_stats();
    const worker_totals all = worker_stats();
    json fdb = {{"entries", fdb_->size()}, {"capacity", fdb_->capacity()}};
#define X(name, help) fdb[#name] = fs.name;
    BRIDGEHOST_FDB_COUNTERS(X)
#undef X
    return {{"ports", ports},
            {"fdb", fdb},
            {"workers",
             {{"rx_packets", all.rx_packets},
              {"busy_cycles_per_packet", all.busy_cycles_per_packet()},
              {"stalls", all.stalls}}},
            {"capture", capture_json()},
            {"mbufs_in_use", mbufs_in_use()}};
}

json bridge::capture_json() const {
    json j = capture_->status();
    uint64_t captured = 0, dropped = 0;
    for (const auto& w : workers_) {
        captured += w->counters().captured.get();
        dropped += w->counters().capture_dropped.get();
    }
    j["captured"] = captured; // since start: copies are not cleared by `clear stats`
    j["capture_dropped"] = dropped;
    return j;
}

json bridge::show_config() const {
    json ports = json::array();
    for (const port_config& p : cfg_.ports) {
        json j = {{"name", p.name},
                  {"device", p.device},
                  {"rx_descriptors", p.rx_descriptors},
                  {"tx_descriptors", p.tx_descriptors}};
        if (p.mtu)
            j["mtu"] = *p.mtu;
        j.update(vlan_json(p.vlan));
        j.update(mac_limit_json(p.mac_limit));
        if (p.storm.any())
            j["storm_control"] = storm_json(p.storm);
        j["bpdu_guard"] = p.bpdu_guard;
        j["stp"] = port_stp_settings_json(p.stp);
        j["offloads"] = offloads_json(p);
        ports.push_back(std::move(j));
    }
    json mirror = nullptr;
    if (cfg_.mirror.enabled()) {
        json from = json::array();
        for (uint16_t p : cfg_.mirror.from)
            from.push_back(cfg_.ports[p].name);
        mirror = {{"from", from},
                  {"direction", mirror_direction_name(cfg_.mirror.direction)},
                  {"to", cfg_.ports[cfg_.mirror.to].name}};
    }
    json statics = json::array();
    for (const static_fdb_entry& s : cfg_.fdb.static_entries)
        statics.push_back({{"mac", s.mac.str()}, {"port", s.port}, {"vlan", s.vlan}});
    return {{"source", cfg_.source},
            {"eal",
             {{"file_prefix", cfg_.eal.file_prefix},
              {"memory_mb", cfg_.eal.memory_mb ? json(*cfg_.eal.memory_mb) : json(nullptr)}}},
            {"ports", ports},
            {"fdb",
             {{"capacity", cfg_.fdb.capacity},
              {"aging_seconds", cfg_.fdb.aging_seconds},
              {"static", statics},
              {"flapping",
               {{"moves_per_second", cfg_.fdb.flapping.moves_per_second},
                {"freeze_seconds", cfg_.fdb.flapping.freeze_seconds}}}}},
            {"workers",
             {{"lcores", cfg_.workers.lcores},
              {"burst", cfg_.workers.burst},
              {"stall_us", cfg_.workers.stall_us},
              {"fdb_cache", fdb_cache_entries(cfg_.workers, cfg_.fdb.capacity)}}},
            {"control",
             {{"lcore", cfg_.control.lcore},
              {"socket", cfg_.control.socket_path(cfg_.eal.file_prefix)},
              {"promisc_check_seconds", cfg_.control.promisc_check_seconds}}},
            {"metrics", {{"enabled", cfg_.metrics.enabled}, {"listen", cfg_.metrics.listen}}},
            {"log", log_json(cfg_.log)},
            {"mirror", mirror},
            {"loop_guard",
             {{"enabled", cfg_.loop_guard.enabled},
              {"interval_ms", cfg_.loop_guard.interval_ms},
              {"hold_seconds", cfg_.loop_guard.hold_seconds}}},
            {"stp",
             {{"enabled", cfg_.stp.enabled},
              {"mode", stp_mode_name(cfg_.stp.mode)},
              {"priority", cfg_.stp.priority},
              {"hello_time", cfg_.stp.hello_time},
              {"max_age", cfg_.stp.max_age},
              {"forward_delay", cfg_.stp.forward_delay},
              {"tx_hold_count", cfg_.stp.tx_hold_count}}}};
}

json bridge::fdb_add(const json& args) {
    const mac_address mac = arg_mac(args, "mac");
    const uint16_t port = port_arg(args, "port");
    if (mac.is_multicast() || mac.is_zero())
        throw request_error("a static entry needs a unicast MAC, not " + mac.str());
    if (cfg_.mirror.enabled() && port == cfg_.mirror.to)
        throw request_error("port " + cfg_.ports[port].name +
                            " is the mirror's destination; it forwards nothing else");
    const port_vlan& pv = cfg_.ports[port].vlan;
    const uint16_t vlan =
        arg_vlan(args, pv.mode == port_vlan::mode_t::access ? pv.access_vlan : pv.native_vlan);
    if (!pv.carries(vlan))
        throw request_error("port " + cfg_.ports[port].name + " does not carry VLAN " +
                            std::to_string(vlan));
    if (!fdb_->add_static(make_fdb_key(mac, vlan), port, clock_.load(std::memory_order_relaxed)))
        throw request_error("the FDB is full (" + std::to_string(fdb_->capacity()) + " entries)");
    return {
        {"mac", mac.str()}, {"vlan", vlan}, {"port", cfg_.ports[port].name}, {"type", "static"}};
}

json bridge::fdb_del(const json& args) {
    const mac_address mac = arg_mac(args, "mac");
    const uint16_t vlan = arg_vlan(args, 0);
    if (!fdb_->remove(make_fdb_key(mac, vlan)))
        throw request_error(mac.str() + " is not in the FDB" +
                            (vlan != 0 ? " in VLAN " + std::to_string(vlan) : std::string()));
    return {{"mac", mac.str()}, {"vlan", vlan}, {"removed", true}};
}

json bridge::fdb_flush(const json& args) {
    unsigned removed = 0;
    if (args.contains("port")) {
        removed = control_->flush_port(port_arg(args, "port"));
    } else {
        for (const auto& p : ports_)
            removed += control_->flush_port(p->index());
    }
    return {{"removed", removed}};
}

json bridge::clear_stats() {
    for (const auto& p : ports_) {
        base_.ports[p->index()] = raw_port_stats(p->index());
        base_.devices[p->index()] = p->stats();
    }
    for (const auto& w : workers_)
        base_.workers[w->index()] = raw_worker_stats(w->index());
    base_.fdb = control_totals(control_->counters());
    return {{"cleared", true}};
}

} // namespace bridgehost
