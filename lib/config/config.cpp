// Reads and validates a bridgehost YAML config; the contract is in config.hpp.
#include "config/config.hpp"

#include "config/device_args.hpp"
#include "config/listen_address.hpp"
#include "config/yaml_bounds.hpp"
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>

namespace bridgehost {

namespace {

constexpr uint16_t kMinDescriptors = 64;
constexpr uint16_t kMaxDescriptors = 32768;
constexpr uint16_t kMinMtu = 68;   // the IPv4 minimum
constexpr uint16_t kMaxMtu = 9600; // the largest jumbo frame common NICs accept
constexpr uint32_t kMaxAgingSeconds = 365 * 24 * 3600;
constexpr uint32_t kMaxMovesPerSecond = 1000000;
constexpr uint32_t kMaxFreezeSeconds = 24 * 3600;
constexpr uint32_t kMinMemoryMb = 64;
constexpr uint32_t kMaxMemoryMb = 1024 * 1024;
constexpr size_t kMaxPortNameLength = 32;
constexpr uint32_t kMaxStormRate = 1000000000; // frames per second; far above any port's rate
// The spanning tree's ranges: IEEE 802.1D-2004 17.14 and table 17-1 (the
// Linux bridge takes the same). Priorities are set in steps because only the
// top 4 bits of a bridge or port ID are the priority: the low 12 bits are the
// system ID extension (0 for one tree) or the port number (802.1D-2004 9.2).
constexpr uint16_t kMaxStpBridgePriority = 61440;
constexpr uint16_t kStpBridgePriorityStep = 4096;
constexpr uint8_t kMaxStpPortPriority = 240;
constexpr uint8_t kStpPortPriorityStep = 16;
constexpr uint32_t kMaxStpPathCost = 200000000; // 802.1D-2004 table 17-3, 100 Kb/s

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

bool is_hex(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
}

bool is_word(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}

// Port names and file prefixes end up in file names, logs and counter names.
bool is_plain_name(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
    });
}

// Why `device` is not a vdev string DPDK will take, or nullopt when it is one.
std::optional<std::string> vdev_problem(std::string_view device) {
    const std::string_view name = device.substr(0, device.find(','));
    if (!name.starts_with("net_"))
        return "expected a PCI address like 0000:0b:00.0 or a vdev like "
               "net_af_packet0,iface=eth0";
    if (!is_word(name.substr(4)))
        return "the vdev name " + quoted(name) + " must be net_ then letters, digits or '_'";
    for (std::string_view rest = device.substr(name.size()); !rest.empty();) {
        rest.remove_prefix(1); // the ','
        const std::string_view devarg = rest.substr(0, rest.find(','));
        const size_t equals = devarg.find('=');
        if (equals == std::string_view::npos || equals == 0)
            return "the devarg " + quoted(devarg) + " is not key=value";
        rest.remove_prefix(devarg.size());
    }
    return std::nullopt;
}

uint16_t read_vid(const yaml::reader& node, uint16_t min) {
    return node.integer(min, kMaxVlan);
}

port_vlan read_port_vlan(const yaml::reader& node) {
    port_vlan v;
    const auto mode = node.find("mode");
    const std::string name = mode ? mode->string() : "trunk";
    if (name == "access") {
        v.mode = port_vlan::mode_t::access;
        for (const char* key : {"allowed_vlans", "native_vlan"})
            if (const auto misplaced = node.find(key))
                misplaced->fail(std::string(key) +
                                " is for mode: trunk; an access port has one vlan");
        v.access_vlan = read_vid(node.require("vlan"), 1);
        return v;
    }
    if (name != "trunk")
        mode->fail("expected access or trunk, got " + quoted(name));
    if (const auto misplaced = node.find("vlan"))
        misplaced->fail("vlan is for mode: access; a trunk has allowed_vlans and native_vlan");
    if (const auto list = node.find("allowed_vlans")) {
        std::vector<yaml::reader> items;
        if (list->is_list())
            items = list->items("VLAN ids or ranges");
        else
            items.push_back(*list);
        std::fill(v.allowed.begin(), v.allowed.end(), false);
        for (const yaml::reader& item : items) {
            const std::string text = item.string();
            try {
                const std::vector<bool> some = parse_vlan_list(text);
                for (size_t vid = 1; vid <= kMaxVlan; ++vid)
                    if (some[vid])
                        v.allowed[vid] = true;
            } catch (const std::invalid_argument& e) {
                item.fail(std::string(e.what()) + " in " + quoted(text) +
                          " (expected VLAN ids 1..4094, ranges like 100-199, or all)");
            }
        }
    }
    if (const auto native = node.find("native_vlan"))
        v.native_vlan = read_vid(*native, 0);
    return v;
}

storm_limits read_storm_limits(const yaml::reader& node) {
    node.expect_mapping({"broadcast", "multicast", "unknown_unicast"});
    storm_limits limits;
    const auto rate = [&](const char* key, uint32_t& into) {
        if (const auto value = node.find(key))
            into = value->integer(0u, kMaxStormRate);
    };
    rate("broadcast", limits.broadcast);
    rate("multicast", limits.multicast);
    rate("unknown_unicast", limits.unknown_unicast);
    return limits;
}

port_mac_limit read_mac_limit(const yaml::reader& port) {
    port_mac_limit limit;
    if (const auto max = port.find("max_macs"))
        limit.max_macs = max->integer(uint32_t{0}, kMaxFdbCapacity);
    if (const auto action = port.find("mac_limit_action")) {
        const std::string name = action->string();
        if (name == "evict_oldest")
            limit.action = mac_limit_action::evict_oldest;
        else if (name != "refuse")
            action->fail("expected refuse or evict_oldest, got " + quoted(name));
    }
    return limit;
}

port_offloads::mode_t read_offload_mode(const yaml::reader& node) {
    // YAML reads an unquoted on/off as a boolean; the text is what was written.
    const std::string text = node.string();
    for (auto mode :
         {port_offloads::mode_t::automatic, port_offloads::mode_t::on, port_offloads::mode_t::off})
        if (text == offload_mode_name(mode))
            return mode;
    node.fail("expected auto, on or off, got " + quoted(text));
}

port_offloads read_offloads(const yaml::reader& node, const port_config& port) {
    node.expect_mapping({"tso", "checksum", "gro"});
    port_offloads o;
    using mode = port_offloads::mode_t;
    if (const auto tso = node.find("tso"))
        o.tso = read_offload_mode(*tso);
    if (const auto checksum = node.find("checksum"))
        o.checksum = read_offload_mode(*checksum);
    const std::string driver = port.driver();
    if (const auto gro = node.find("gro")) {
        if (driver != "net_af_packet")
            gro->fail("gro is the setting of the kernel interface behind a net_af_packet port; "
                      "port " +
                      quoted(port.name) + " is " + driver);
        const std::string text = gro->string();
        if (text == "keep")
            o.kernel_gro_off = false;
        else if (text != "off")
            gro->fail("expected off (turned off while the port runs) or keep (left as it is), "
                      "got " +
                      quoted(text));
    }
    if (o.tso == mode::on && o.checksum == mode::off)
        node.require("tso").fail("tso: on needs checksum offload (a super-frame's checksum is "
                                 "finished by whoever cuts it); set checksum: auto or on");
    for (const char* key : {"tso", "checksum"}) {
        const auto value = node.find(key);
        // af_packet's kernel hands over unfinished checksums whatever is
        // set: neither on nor off means anything there.
        const bool fixed = driver == "net_af_packet" && std::string_view(key) == "checksum";
        if (!value || (read_offload_mode(*value) != mode::on &&
                       !(fixed && read_offload_mode(*value) == mode::off)))
            continue;
        if (fixed)
            value->fail("checksum: " + value->string() + ", but " + offload_support(port, key) +
                        " (leave checksum out)");
        if (const std::string why = offload_support(port, key); !why.empty())
            value->fail(std::string(key) + ": on, but " + why + " (use auto or off)");
    }
    return o;
}

port_stp::p2p_t read_point_to_point(const yaml::reader& node) {
    if (node.is_boolean())
        return node.boolean() ? port_stp::p2p_t::yes : port_stp::p2p_t::no;
    if (node.string() == "auto")
        return port_stp::p2p_t::automatic;
    node.fail("expected auto, true or false, got " + node.describe());
}

port_stp read_port_stp(const yaml::reader& node) {
    node.expect_mapping({"priority", "path_cost", "edge", "point_to_point"});
    port_stp stp;
    if (const auto priority = node.find("priority"))
        stp.priority = priority->integer(uint8_t{0}, kMaxStpPortPriority, kStpPortPriorityStep);
    if (const auto cost = node.find("path_cost"))
        stp.path_cost = cost->integer(uint32_t{0}, kMaxStpPathCost);
    if (const auto edge = node.find("edge"))
        stp.edge = edge->boolean();
    if (const auto p2p = node.find("point_to_point"))
        stp.point_to_point = read_point_to_point(*p2p);
    return stp;
}

port_config read_port(const yaml::reader& node, const std::vector<port_config>& earlier) {
    node.expect_mapping({"name", "device", "rx_descriptors", "tx_descriptors", "mtu", "mode",
                         "vlan", "allowed_vlans", "native_vlan", "max_macs", "mac_limit_action",
                         "storm_control", "bpdu_guard", "stp", "offloads"});
    port_config port;
    const yaml::reader name = node.require("name");
    port.name = name.string();
    if (!is_plain_name(port.name) || port.name.size() > kMaxPortNameLength)
        name.fail("expected 1 to 32 characters of A-Z a-z 0-9 _ . -, got " + quoted(port.name));
    const yaml::reader device = node.require("device");
    port.device = device.string();
    if (!is_pci_address(port.device))
        if (const auto problem = vdev_problem(port.device))
            device.fail(*problem + ", got " + quoted(port.device));
    for (size_t i = 0; i < earlier.size(); ++i) {
        if (earlier[i].name == port.name)
            name.fail("duplicate port name " + quoted(port.name) + " (also ports[" +
                      std::to_string(i) + "])");
        if (earlier[i].dpdk_name() == port.dpdk_name())
            device.fail("device " + quoted(port.dpdk_name()) + " is already used by ports[" +
                        std::to_string(i) + "] (" + quoted(earlier[i].name) + ")");
    }
    if (const auto rx = node.find("rx_descriptors"))
        port.rx_descriptors = rx->integer(kMinDescriptors, kMaxDescriptors);
    if (const auto tx = node.find("tx_descriptors"))
        port.tx_descriptors = tx->integer(kMinDescriptors, kMaxDescriptors);
    if (const auto mtu = node.find("mtu"))
        port.mtu = mtu->integer(kMinMtu, kMaxMtu);
    port.vlan = read_port_vlan(node);
    port.mac_limit = read_mac_limit(node);
    if (const auto storm = node.find("storm_control"))
        port.storm = read_storm_limits(*storm);
    if (const auto bpdu = node.find("bpdu_guard"))
        port.bpdu_guard = bpdu->boolean();
    if (const auto stp = node.find("stp"))
        port.stp = read_port_stp(*stp);
    if (const auto offloads = node.find("offloads"))
        port.offloads = read_offloads(*offloads, port);
    if (const auto conflict = device_offload_conflict(port))
        node.require("device").fail(*conflict);
    return port;
}

std::vector<port_config> read_ports(const yaml::reader& list) {
    const std::vector<yaml::reader> items = list.items("ports");
    if (items.size() < 2 || items.size() > kMaxPorts)
        list.fail("expected 2 to " + std::to_string(kMaxPorts) + " ports, got " +
                  std::to_string(items.size()));
    std::vector<port_config> ports;
    ports.reserve(items.size());
    for (const yaml::reader& item : items)
        ports.push_back(read_port(item, ports));
    return ports;
}

// The lcore keys as written, kept until they can be checked against each other.
struct lcore_keys {
    std::optional<yaml::reader> eal_lcores;
    std::vector<unsigned> eal_lcore_ids; ///< what eal.lcores names, in order
    std::optional<yaml::reader> control;
    std::vector<yaml::reader> workers; ///< the items of workers.lcores; empty when absent
};

eal_config read_eal(const yaml::reader& node, lcore_keys& lcores) {
    node.expect_mapping({"lcores", "memory_mb", "no_huge", "file_prefix", "args"});
    eal_config eal;
    if (const auto list = node.find("lcores")) {
        eal.lcores = list->string();
        try {
            lcores.eal_lcore_ids = eal_lcore_ids(*eal.lcores);
        } catch (const std::invalid_argument& e) {
            list->fail("malformed EAL lcore list " + quoted(*eal.lcores) + ": " + e.what() +
                       " (expected items like 0, 1-3, (4,5)@(6,7), separated by ',')");
        }
        lcores.eal_lcores = list;
    }
    if (const auto memory = node.find("memory_mb"))
        eal.memory_mb = memory->integer(kMinMemoryMb, kMaxMemoryMb);
    if (const auto no_huge = node.find("no_huge"))
        eal.no_huge = no_huge->boolean();
    if (const auto prefix = node.find("file_prefix")) {
        eal.file_prefix = prefix->string();
        if (!is_plain_name(eal.file_prefix))
            prefix->fail("expected a non-empty string of A-Z a-z 0-9 _ . -, got " +
                         quoted(eal.file_prefix));
    }
    if (const auto args = node.find("args"))
        for (const yaml::reader& arg : args->items("strings"))
            eal.args.push_back(arg.string());
    return eal;
}

// A port named by `node`, as an index; an unknown name is an error listing the ports.
uint16_t read_port_name(const yaml::reader& node, const config& cfg) {
    const std::string name = node.string();
    if (const std::optional<uint16_t> index = cfg.port_index(name))
        return *index;
    std::string names;
    for (const port_config& known : cfg.ports)
        names.append(names.empty() ? "" : ", ").append(known.name);
    node.fail("no port named " + quoted(name) + " (ports are: " + names + ")");
}

static_fdb_entry read_static_entry(const yaml::reader& node, const config& cfg) {
    node.expect_mapping({"mac", "port", "vlan"});
    static_fdb_entry entry;
    const yaml::reader mac = node.require("mac");
    const std::string mac_text = mac.string();
    const std::optional<mac_address> parsed = mac_address::parse(mac_text);
    if (!parsed)
        mac.fail("expected a MAC address like 02:00:00:00:00:01, got " + quoted(mac_text));
    entry.mac = *parsed;
    // Frames to group addresses are always flooded, so such an entry would never be
    // used; and all-zero is no station's address.
    if (entry.mac.is_multicast() || entry.mac.is_zero()) {
        const char* kind = entry.mac.is_broadcast()   ? "the broadcast address"
                           : entry.mac.is_multicast() ? "a multicast address"
                                                      : "all zeros";
        mac.fail(quoted(mac_text) + " is " + kind + "; static entries must be unicast");
    }
    const yaml::reader port = node.require("port");
    entry.port = port.string();
    entry.port_index = read_port_name(port, cfg);
    const port_vlan& pv = cfg.ports[entry.port_index].vlan;
    entry.vlan = pv.mode == port_vlan::mode_t::access ? pv.access_vlan : pv.native_vlan;
    if (const auto vlan = node.find("vlan")) {
        entry.vlan = read_vid(*vlan, 0);
        if (!pv.carries(entry.vlan))
            vlan->fail("port " + quoted(entry.port) + " does not carry VLAN " +
                       std::to_string(entry.vlan));
    }
    return entry;
}

flapping_config read_flapping(const yaml::reader& node) {
    node.expect_mapping({"moves_per_second", "freeze_seconds"});
    flapping_config flapping;
    if (const auto moves = node.find("moves_per_second"))
        flapping.moves_per_second = moves->integer(0u, kMaxMovesPerSecond);
    if (const auto freeze = node.find("freeze_seconds")) {
        flapping.freeze_seconds = freeze->integer(0u, kMaxFreezeSeconds);
        if (flapping.freeze_seconds != 0 && flapping.moves_per_second == 0)
            freeze->fail("freezing needs flapping detection; set moves_per_second above 0");
    }
    return flapping;
}

fdb_config read_fdb(const yaml::reader& node, const config& cfg) {
    node.expect_mapping({"capacity", "aging_seconds", "static", "flapping"});
    fdb_config fdb;
    if (const auto capacity = node.find("capacity"))
        fdb.capacity = capacity->integer(kMinFdbCapacity, kMaxFdbCapacity);
    if (const auto aging = node.find("aging_seconds"))
        fdb.aging_seconds = aging->integer(uint32_t{0}, kMaxAgingSeconds);
    if (const auto entries = node.find("static"))
        for (const yaml::reader& item : entries->items("{ mac, port } entries")) {
            static_fdb_entry entry = read_static_entry(item, cfg);
            for (size_t i = 0; i < fdb.static_entries.size(); ++i)
                if (fdb.static_entries[i].mac == entry.mac &&
                    fdb.static_entries[i].vlan == entry.vlan)
                    item.require("mac").fail(
                        entry.mac.str() + " already has a static entry in VLAN " +
                        std::to_string(entry.vlan) + " (fdb.static[" + std::to_string(i) + "])");
            fdb.static_entries.push_back(std::move(entry));
        }
    if (const auto flapping = node.find("flapping"))
        fdb.flapping = read_flapping(*flapping);
    return fdb;
}

bool contains(const std::vector<unsigned>& lcores, unsigned lcore) {
    return std::find(lcores.begin(), lcores.end(), lcore) != lcores.end();
}

workers_config read_workers(const yaml::reader& node, lcore_keys& lcores) {
    node.expect_mapping({"lcores", "burst", "stall_us", "fdb_cache"});
    workers_config workers;
    if (const auto list = node.find("lcores")) {
        lcores.workers = list->items("lcore ids");
        if (lcores.workers.empty())
            list->fail("expected at least one worker lcore, got an empty list");
        for (const yaml::reader& item : lcores.workers) {
            const unsigned lcore = item.integer(0u, kMaxLcoreId);
            if (contains(workers.lcores, lcore))
                item.fail("lcore " + std::to_string(lcore) + " is listed twice");
            workers.lcores.push_back(lcore);
        }
    }
    if (const auto burst = node.find("burst"))
        workers.burst = burst->integer(uint16_t{1}, static_cast<uint16_t>(kMaxBurst));
    if (const auto stall = node.find("stall_us"))
        workers.stall_us = stall->integer(1u, 1000000u);
    if (const auto cache = node.find("fdb_cache"); cache && cache->string() != "auto") {
        workers.fdb_cache = cache->integer(0u, 1u << 20);
        const uint32_t n = workers.fdb_cache;
        if (n != 0 && (n < 256 || (n & (n - 1)) != 0))
            cache->fail("expected auto, 0 (off) or a power of two from 256 to 1048576, got \"" +
                        std::to_string(n) + "\"");
    }
    return workers;
}

control_config read_control(const yaml::reader& node, lcore_keys& lcores) {
    node.expect_mapping({"lcore", "socket", "promisc_check_seconds"});
    control_config control;
    if (const auto lcore = node.find("lcore")) {
        control.lcore = lcore->integer(0u, kMaxLcoreId);
        lcores.control = lcore;
    }
    if (const auto socket = node.find("socket")) {
        control.socket = socket->string();
        if (control.socket.empty() || control.socket[0] != '/')
            socket->fail("expected an absolute path, got \"" + control.socket + "\"");
        if (control.socket.size() >= 108) // sockaddr_un.sun_path
            socket->fail("the path is longer than a Unix socket allows (107 bytes)");
    }
    if (const auto seconds = node.find("promisc_check_seconds"))
        control.promisc_check_seconds = seconds->integer(0u, 86400u);
    return control;
}

metrics_config read_metrics(const yaml::reader& node) {
    node.expect_mapping({"enabled", "listen"});
    metrics_config metrics;
    if (const auto enabled = node.find("enabled"))
        metrics.enabled = enabled->boolean();
    if (const auto listen = node.find("listen")) {
        metrics.listen = listen->string();
        try {
            parse_metrics_listen(metrics.listen);
        } catch (const std::invalid_argument& e) {
            listen->fail(std::string(e.what()) + ", got " + quoted(metrics.listen));
        }
    }
    return metrics;
}

loop_guard_config read_loop_guard(const yaml::reader& node) {
    node.expect_mapping({"enabled", "interval_ms", "hold_seconds"});
    loop_guard_config guard;
    if (const auto enabled = node.find("enabled"))
        guard.enabled = enabled->boolean();
    if (const auto interval = node.find("interval_ms"))
        guard.interval_ms = interval->integer(100u, 60000u);
    if (const auto hold = node.find("hold_seconds")) {
        guard.hold_seconds = hold->integer(1u, 3600u);
        // Fewer than three intervals, and one lost probe would unblock a live loop.
        if (uint64_t(guard.hold_seconds) * 1000 < 3 * uint64_t(guard.interval_ms))
            hold->fail("expected at least 3 probe intervals (3 x loop_guard.interval_ms = " +
                       std::to_string(3 * guard.interval_ms) + " ms), got " +
                       std::to_string(guard.hold_seconds) + " s");
    }
    return guard;
}

stp_config read_stp(const yaml::reader& node) {
    node.expect_mapping(
        {"enabled", "mode", "priority", "hello_time", "max_age", "forward_delay", "tx_hold_count"});
    stp_config stp;
    if (const auto enabled = node.find("enabled"))
        stp.enabled = enabled->boolean();
    if (const auto mode = node.find("mode")) {
        const std::string name = mode->string();
        if (name == stp_mode_name(stp_config::mode_t::stp))
            stp.mode = stp_config::mode_t::stp;
        else if (name != stp_mode_name(stp_config::mode_t::rstp))
            mode->fail("expected rstp or stp, got " + quoted(name));
    }
    if (const auto priority = node.find("priority"))
        stp.priority =
            priority->integer(uint16_t{0}, kMaxStpBridgePriority, kStpBridgePriorityStep);
    const auto hello = node.find("hello_time");
    if (hello)
        stp.hello_time = hello->integer(uint16_t{1}, uint16_t{10});
    const auto max_age = node.find("max_age");
    if (max_age)
        stp.max_age = max_age->integer(uint16_t{6}, uint16_t{40});
    const auto delay = node.find("forward_delay");
    if (delay)
        stp.forward_delay = delay->integer(uint16_t{4}, uint16_t{30});
    if (const auto hold = node.find("tx_hold_count"))
        stp.tx_hold_count = hold->integer(uint16_t{1}, uint16_t{10});
    // 802.1D-2004 17.14: a BPDU must outlive its way across the tree (max_age
    // against forward_delay), and a root's hellos must arrive before its
    // information ages out (max_age against hello_time).
    const unsigned longest = 2u * (stp.forward_delay - 1u), shortest = 2u * (stp.hello_time + 1u);
    // The error points at max_age when it is given, else at the other key of
    // the two (the defaults meet both).
    const auto broken = [&](const std::optional<yaml::reader>& other, const std::string& why) {
        const std::optional<yaml::reader>& key = max_age ? max_age : other;
        (key ? *key : node)
            .fail("expected 2 x (forward_delay - 1) >= max_age >= 2 x (hello_time + 1) (IEEE "
                  "802.1D-2004 17.14), got forward_delay " +
                  std::to_string(stp.forward_delay) + ", max_age " + std::to_string(stp.max_age) +
                  ", hello_time " + std::to_string(stp.hello_time) + ": " + why);
    };
    if (stp.max_age > longest)
        broken(delay, "2 x (" + std::to_string(stp.forward_delay) +
                          " - 1) = " + std::to_string(longest) + " is less than max_age " +
                          std::to_string(stp.max_age));
    if (stp.max_age < shortest)
        broken(hello, "2 x (" + std::to_string(stp.hello_time) +
                          " + 1) = " + std::to_string(shortest) + " is more than max_age " +
                          std::to_string(stp.max_age));
    return stp;
}

log_level read_log_level(const yaml::reader& node) {
    const std::string name = node.string();
    const std::optional<log_level> level = parse_log_level(name);
    if (!level)
        node.fail("expected one of emerg, alert, crit, err, warning, notice, info, debug, got " +
                  quoted(name));
    return *level;
}

log_config read_log(const yaml::reader& node) {
    node.expect_mapping({"level", "components", "destination"});
    log_config log;
    if (const auto level = node.find("level"))
        log.level = read_log_level(*level);
    if (const auto components = node.find("components")) {
        static_assert(std::size(kLogComponents) == 5, "list every component below");
        components->expect_mapping({"control", "fdb", "port", "diag", "metrics"});
        for (const char* name : kLogComponents)
            if (const auto level = components->find(name))
                log.components.emplace_back(name, read_log_level(*level));
    }
    if (const auto destination = node.find("destination")) {
        const std::string name = destination->string();
        if (name == "stderr")
            log.destination = log_destination::stderr_only;
        else if (name == "syslog")
            log.destination = log_destination::syslog_only;
        else if (name == "both")
            log.destination = log_destination::both;
        else
            destination->fail("expected stderr, syslog or both, got " + quoted(name));
    }
    return log;
}

mirror_config read_mirror(const yaml::reader& node, const config& cfg) {
    node.expect_mapping({"from", "direction", "to"});
    mirror_config mirror;
    const yaml::reader to = node.require("to");
    mirror.to = read_port_name(to, cfg);
    for (const yaml::reader& item : node.require("from").items("port names")) {
        const uint16_t port = read_port_name(item, cfg);
        if (port == mirror.to)
            item.fail("port " + quoted(cfg.ports[port].name) +
                      " is the mirror's destination; it cannot also be a source");
        if (std::find(mirror.from.begin(), mirror.from.end(), port) != mirror.from.end())
            item.fail("port " + quoted(cfg.ports[port].name) + " is listed twice");
        mirror.from.push_back(port);
    }
    if (mirror.from.empty())
        node.require("from").fail("expected at least one port to mirror, got an empty list");
    if (const auto direction = node.find("direction")) {
        const std::string d = direction->string();
        if (d == "rx")
            mirror.direction = mirror_config::direction_t::rx;
        else if (d == "tx")
            mirror.direction = mirror_config::direction_t::tx;
        else if (d == "both")
            mirror.direction = mirror_config::direction_t::both;
        else
            direction->fail("expected rx, tx or both, got " + quoted(d));
    }
    // The destination takes no part in forwarding, so nothing may be pinned to it.
    for (size_t i = 0; i < cfg.fdb.static_entries.size(); ++i)
        if (cfg.fdb.static_entries[i].port_index == mirror.to)
            to.fail("port " + quoted(cfg.ports[mirror.to].name) +
                    " has a static entry (fdb.static[" + std::to_string(i) +
                    "]); a mirror destination forwards nothing else");
    return mirror;
}

// Fills in the lcores left out ("control on the first, workers on the rest") and
// checks that control and workers are distinct and started by the EAL.
void resolve_lcores(const lcore_keys& keys, config& cfg) {
    const std::vector<unsigned>& listed = keys.eal_lcore_ids;
    std::vector<unsigned>& workers = cfg.workers.lcores;
    unsigned& control = cfg.control.lcore;
    const std::string not_listed = " is not in eal.lcores " + quoted(cfg.eal.lcores.value_or(""));
    if (keys.eal_lcores && !keys.control) {
        const auto first_free = std::find_if(listed.begin(), listed.end(),
                                             [&](unsigned id) { return !contains(workers, id); });
        if (first_free == listed.end())
            keys.eal_lcores->fail("leaves no lcore for control besides the workers");
        control = *first_free;
    }
    if (keys.control && keys.eal_lcores && !contains(listed, control))
        keys.control->fail("lcore " + std::to_string(control) + not_listed);
    if (keys.workers.empty()) {
        if (!keys.eal_lcores)
            workers = {1};
        else
            std::copy_if(listed.begin(), listed.end(), std::back_inserter(workers),
                         [&](unsigned id) { return id != control; });
        if (workers.empty())
            keys.eal_lcores->fail("names only the control lcore " + std::to_string(control) +
                                  "; list at least one more for the workers");
        if (contains(workers, control)) // only the defaults can collide here
            keys.control->fail("lcore " + std::to_string(control) +
                               " is also the default worker lcore; set workers.lcores");
    }
    for (size_t i = 0; i < keys.workers.size(); ++i) {
        if (keys.eal_lcores && !contains(listed, workers[i]))
            keys.workers[i].fail("lcore " + std::to_string(workers[i]) + not_listed);
        if (workers[i] == control)
            keys.workers[i].fail("lcore " + std::to_string(control) +
                                 " is the control lcore; workers need lcores of their own");
    }
}

struct file_closer {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

} // namespace

bool is_pci_address(std::string_view device) {
    // "DDDD:" is optional; then "BB:DD.F" with device 00..1f and function 0..7.
    if (device.size() == 12) {
        if (!is_hex(device.substr(0, 4)) || device[4] != ':')
            return false;
        device.remove_prefix(5);
    }
    return device.size() == 7 && is_hex(device.substr(0, 2)) && device[2] == ':' &&
           is_hex(device.substr(3, 2)) && std::string_view("01").find(device[3]) != device.npos &&
           device[5] == '.' && device[6] >= '0' && device[6] <= '7';
}

bool port_config::is_pci() const {
    return is_pci_address(device);
}

std::string port_config::driver() const {
    if (is_pci())
        return "pci";
    std::string vdev = dpdk_name();
    while (!vdev.empty() && std::isdigit(static_cast<unsigned char>(vdev.back())) != 0)
        vdev.pop_back();
    return vdev;
}

std::optional<std::string> port_config::devarg(std::string_view key) const {
    for (size_t at = device.find(','); at != std::string::npos; at = device.find(',', at + 1)) {
        const size_t end = std::min(device.find(',', at + 1), device.size());
        const std::string_view arg = std::string_view(device).substr(at + 1, end - at - 1);
        if (arg.size() > key.size() && arg.starts_with(key) && arg[key.size()] == '=')
            return std::string(arg.substr(key.size() + 1));
    }
    return std::nullopt;
}

const char* offload_mode_name(port_offloads::mode_t mode) {
    constexpr const char* names[] = {"auto", "on", "off"};
    return names[unsigned(mode)];
}

const char* stp_mode_name(stp_config::mode_t mode) {
    return mode == stp_config::mode_t::stp ? "stp" : "rstp";
}

std::string port_config::dpdk_name() const {
    if (!is_pci())
        return device.substr(0, device.find(','));
    // DPDK names PCI devices "0000:0b:00.0": full domain, lower-case hex.
    std::string pci = device.size() == 7 ? "0000:" + device : device;
    std::transform(pci.begin(), pci.end(), pci.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return pci;
}

std::vector<bool> parse_vlan_list(std::string_view list) {
    std::vector<bool> vids(kMaxVlan + 1, false);
    if (list == "all") {
        std::fill(vids.begin() + 1, vids.end(), true);
        return vids;
    }
    const auto number = [](std::string_view text) {
        if (text.empty() || text.size() > 4 ||
            !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw std::invalid_argument("\"" + std::string(text) + "\" is not a VLAN id");
        const unsigned vid = unsigned(std::stoul(std::string(text)));
        if (vid < 1 || vid > kMaxVlan)
            throw std::invalid_argument("VLAN " + std::to_string(vid) + " is out of range");
        return vid;
    };
    if (list.empty())
        throw std::invalid_argument("an empty VLAN list");
    while (!list.empty()) {
        const std::string_view item = list.substr(0, list.find(','));
        list.remove_prefix(std::min(list.size(), item.size() + 1));
        const size_t dash = item.find('-');
        const unsigned first = number(item.substr(0, dash));
        const unsigned last =
            dash == std::string_view::npos ? first : number(item.substr(dash + 1));
        if (last < first)
            throw std::invalid_argument("the range " + std::string(item) + " runs backwards");
        for (unsigned vid = first; vid <= last; ++vid)
            vids[vid] = true;
    }
    return vids;
}

std::optional<uint16_t> config::port_index(std::string_view name) const {
    for (size_t i = 0; i < ports.size(); ++i)
        if (ports[i].name == name)
            return static_cast<uint16_t>(i);
    return std::nullopt;
}

config parse_config(std::string_view yaml_text, const std::string& source) {
    const yaml::reader root = yaml::reader::load(yaml_text, source);
    if (root.is_null())
        root.fail("the file is empty; expected a mapping with at least \"ports\"");
    root.expect_mapping({"eal", "ports", "fdb", "workers", "control", "metrics", "log", "mirror",
                         "loop_guard", "stp"});
    config cfg;
    cfg.source = source;
    lcore_keys lcores;
    cfg.ports = read_ports(root.require("ports"));
    if (const auto eal = root.find("eal"))
        cfg.eal = read_eal(*eal, lcores);
    if (const auto fdb = root.find("fdb"))
        cfg.fdb = read_fdb(*fdb, cfg);
    if (const auto workers = root.find("workers"))
        cfg.workers = read_workers(*workers, lcores);
    if (const auto control = root.find("control"))
        cfg.control = read_control(*control, lcores);
    if (const auto metrics = root.find("metrics"))
        cfg.metrics = read_metrics(*metrics);
    if (const auto log = root.find("log"))
        cfg.log = read_log(*log);
    if (const auto mirror = root.find("mirror"))
        cfg.mirror = read_mirror(*mirror, cfg);
    if (const auto guard = root.find("loop_guard"))
        cfg.loop_guard = read_loop_guard(*guard);
    if (const auto stp = root.find("stp"))
        cfg.stp = read_stp(*stp);
    resolve_lcores(lcores, cfg);
    return cfg;
}

config load_config_file(const std::string& path) {
    const auto cannot_read = [&] {
        return config_error(path + ": cannot read: " + std::strerror(errno));
    };
    // fopen succeeds on a directory; the first fread then fails with EISDIR.
    const std::unique_ptr<std::FILE, file_closer> file(std::fopen(path.c_str(), "rb"));
    if (!file)
        throw cannot_read();
    // One byte past the limit is enough for parse_config to refuse the file
    // (and /dev/zero must not be read forever).
    std::string text;
    char buffer[4096];
    while (text.size() <= yaml::kMaxTextBytes)
        if (const size_t got = std::fread(buffer, 1, sizeof(buffer), file.get()))
            text.append(buffer, got);
        else
            break;
    if (std::ferror(file.get()))
        throw cannot_read();
    return parse_config(text, path);
}

} // namespace bridgehost
