// See telemetry.hpp.
#include "api/telemetry.hpp"

#include "control/bridge.hpp"

#include <atomic>
#include <cerrno>
#include <mutex>
#include <set>
#include <string>

#include <rte_telemetry.h>

namespace bridgehost {

using json = nlohmann::json;

namespace {

std::atomic<bridge*> g_bridge{nullptr};

std::string tel_name(std::string name) {
    for (char& c : name)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '/'))
            c = '_';
    if (name.size() >= RTE_TEL_MAX_STRING_LEN)
        name.resize(RTE_TEL_MAX_STRING_LEN - 1);
    return name;
}

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (s.size() >= RTE_TEL_MAX_STRING_LEN)
            s.resize(RTE_TEL_MAX_STRING_LEN - 1);
        return s;
    }
    return v.dump();
}

int add_to_dict(rte_tel_data* d, const std::string& key, const json& v);

/// An object, or an array of objects keyed by each one's first string field.
int fill_dict(const json& value, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    unsigned n = 0;
    if (value.is_object()) {
        for (const auto& [key, v] : value.items())
            if (n++ < RTE_TEL_MAX_DICT_ENTRIES)
                add_to_dict(d, tel_name(key), v);
        return 0;
    }
    std::set<std::string> used;
    for (size_t i = 0; i < value.size() && n < RTE_TEL_MAX_DICT_ENTRIES; ++i, ++n) {
        const json& item = value[i];
        std::string key = std::to_string(i);
        if (item.is_object())
            for (const auto& [k, v] : item.items())
                if (v.is_string()) {
                    key = v.get<std::string>();
                    break;
                }
        key = tel_name(key);
        while (!used.insert(key).second) // two rx queues of one port, say
            key += "_" + std::to_string(i);
        add_to_dict(d, key, item);
    }
    return 0;
}

bool all_unsigned(const json& a) {
    for (const json& v : a)
        if (!v.is_number_unsigned())
            return false;
    return true;
}

bool all_scalars(const json& a) {
    for (const json& v : a)
        if (v.is_structured())
            return false;
    return true;
}

/// An array of scalars: u64 when all are unsigned, strings otherwise.
int fill_array(const json& value, rte_tel_data* d) {
    const bool u64 = all_unsigned(value);
    rte_tel_data_start_array(d, u64 ? RTE_TEL_U64_VAL : RTE_TEL_STRING_VAL);
    for (size_t i = 0; i < value.size() && i < RTE_TEL_MAX_ARRAY_ENTRIES; ++i) {
        if (u64)
            rte_tel_data_add_array_u64(d, value[i].get<uint64_t>());
        else
            rte_tel_data_add_array_string(d, scalar_text(value[i]).c_str());
    }
    return 0;
}

int add_to_dict(rte_tel_data* d, const std::string& key, const json& v) {
    if (v.is_number_unsigned())
        return rte_tel_data_add_dict_u64(d, key.c_str(), v.get<uint64_t>());
    if (v.is_boolean())
        return rte_tel_data_add_dict_u64(d, key.c_str(), v.get<bool>() ? 1 : 0);
    if (!v.is_structured())
        return rte_tel_data_add_dict_string(d, key.c_str(), scalar_text(v).c_str());
    rte_tel_data* inner = rte_tel_data_alloc();
    if (inner == nullptr)
        return -ENOMEM;
    if (v.is_array() && all_scalars(v))
        fill_array(v, inner);
    else
        fill_dict(v, inner);
    const int rc = rte_tel_data_add_dict_container(d, key.c_str(), inner, 0);
    if (rc != 0)
        rte_tel_data_free(inner);
    return rc;
}

int run_command(const char* cmd, rte_tel_data* d) {
    bridge* sw = g_bridge.load();
    if (sw == nullptr)
        return -ENODEV;
    try {
        const json request = {{"cmd", cmd}, {"args", json::object()}};
        const json reply = sw->call([sw, request] { return sw->handle(request); });
        if (!reply.value("ok", false))
            return -EINVAL;
        return to_telemetry(reply["result"], d);
    } catch (const std::exception&) {
        return -EAGAIN; // the control loop did not answer
    }
}

#define BRIDGEHOST_TELEMETRY(path, command)                                                        \
    int tel_##path(const char*, const char*, rte_tel_data* d) { return run_command(command, d); }
BRIDGEHOST_TELEMETRY(fdb, "show fdb")
BRIDGEHOST_TELEMETRY(ports, "show ports")
BRIDGEHOST_TELEMETRY(stp, "show stp")
BRIDGEHOST_TELEMETRY(workers, "show workers")
BRIDGEHOST_TELEMETRY(stats, "show stats")
BRIDGEHOST_TELEMETRY(config, "show config")
#undef BRIDGEHOST_TELEMETRY

} // namespace

int to_telemetry(const json& value, rte_tel_data* d) {
    if (value.is_array() && all_scalars(value))
        return fill_array(value, d);
    if (value.is_structured())
        return fill_dict(value, d);
    return rte_tel_data_string(d, scalar_text(value).c_str());
}

void attach_telemetry(bridge* sw) {
    static std::once_flag registered;
    std::call_once(registered, [] {
        rte_telemetry_register_cmd("/bridgehost/fdb", tel_fdb,
                                   "The MAC table (up to 256 entries; bridgehostctl shows all).");
        rte_telemetry_register_cmd("/bridgehost/ports", tel_ports,
                                   "Ports: link, promiscuous mode, counters, device stats.");
        rte_telemetry_register_cmd("/bridgehost/stp", tel_stp,
                                   "Spanning tree: root, each port's role, state, BPDU counters.");
        rte_telemetry_register_cmd("/bridgehost/workers", tel_workers,
                                   "Workers: rx queues, busy cycles/packet, idle %, stalls.");
        rte_telemetry_register_cmd("/bridgehost/stats", tel_stats,
                                   "Per-port counters and drops by reason, FDB counters.");
        rte_telemetry_register_cmd("/bridgehost/config", tel_config,
                                   "The configuration in effect.");
    });
    g_bridge.store(sw);
}

} // namespace bridgehost
