// bridgehostctl: talks to a running bridgehost over its control socket.
#include "common/json_bounds.hpp"
#include "common/plural.hpp"
#include "config/config.hpp"
#include "datapath/drop_reasons.hpp"
#include "features/capture/client.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <getopt.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;

constexpr const char* kUsage = R"(Usage: bridgehostctl [OPTIONS] COMMAND [ARGS] [--json]

Shows and changes a running bridgehost through its control socket.

COMMANDS
    show fdb [--port P] [--mac M]   the MAC table: MAC, VLAN, port, type, age (s),
                                    flags (flapping, frozen)
    show ports                      link, state (forwarding, or blocked by loop
                                    or BPDU guard), promiscuous mode, counters,
                                    learned MACs and max_macs, device stats, the
                                    promiscuous-mode diagnosis
    show stp                        the spanning tree: this bridge's and the
                                    root's IDs, the root port and path cost,
                                    the root's timers, topology changes; per
                                    port its ID, role, state, path cost, edge
                                    (auto: found to be one), point-to-point,
                                    protocol (stp: an 802.1D-only neighbour),
                                    designated bridge, BPDUs in/out/bad; then
                                    the ports blocked by a guard, down, no
                                    longer edge, or losing BPDUs
    show workers                    rx queues, busy cycles/packet, idle %, stalls
    show stats [--all]              per-port counters, the drop reasons that
                                    counted (--all: every reason, zeros too, as
                                    a reason-by-port table), FDB counters
    show config                     the configuration in effect
    fdb add MAC PORT [--vlan V]     pin MAC to PORT in VLAN V (a static entry; replaces
                                    a learned one); default: the port's access or
                                    native VLAN
    fdb del MAC [--vlan V]          remove MAC (static or learned) from VLAN V (default 0)
    fdb flush [--port P]            remove learned entries (static ones stay)
    port enable PORT                unblock a port loop or BPDU guard blocked (a
                                    loop still there blocks it again)
    clear stats                     start the counters shown from zero (the
                                    counters the data path keeps are not reset)
    capture PORT -w FILE [--direction rx|tx|both] [--count N] [--snaplen B]
                                    copy PORT's frames (received: rx, the
                                    default; sent: tx) into FILE, a pcap file
                                    ("-w -": standard output, for tcpdump -r -)
                                    while forwarding goes on; stops after N
                                    frames (default 100), --timeout S seconds,
                                    or Ctrl-C, and prints the frames captured
                                    and the copies dropped; one at a time
    explain [REASON]                what a drop reason means (every reason
                                    without one); needs no running switch
    reload                          re-read the YAML file (as SIGHUP): aging,
                                    static entries, MAC limits and flapping
                                    settings, log levels, the diagnosis
                                    window, and ports added or removed apply
                                    at once; learned entries stay; what needs
                                    a restart is listed; a file that fails
                                    validation is refused (exit 1) and
                                    changes nothing

OPTIONS
    --file-prefix P   the instance whose eal.file_prefix is P (default
                      "bridgehost"): socket /var/run/bridgehost/P.sock
    --socket PATH     the control socket itself (control.socket in the YAML)
    --json            print the reply as JSON (every command); the JSON
                      has every counter whatever --all says
    --all             show stats: every drop reason, zeros too
    --timeout S       seconds to wait for the answer (default 10); for
                      capture, how long to capture
    -h, --help        this text

EXIT STATUS
    0 done; 1 the switch refused the request (the reason is printed);
    2 bad command line; 3 the switch is not running or not answering

The socket is mode 0600, owned by the user bridgehost runs as (root).
)";

/// Bounds on a reply: bigger than any a switch of the largest table sends for
/// a filtered `show fdb`; deeper than any reply's structure (which is 5 levels).
constexpr size_t kMaxReply = size_t(1) << 30;
constexpr unsigned kMaxReplyDepth = 16;

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct connect_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct options {
    std::string socket;
    bool as_json = false;
    bool all = false; ///< show stats --all
    int timeout_s = 10;
    bool timeout_given = false;
    std::vector<std::string> words;
};

options parse_args(int argc, char** argv) {
    options o;
    std::string prefix = "bridgehost";
    enum { kPrefix = 1, kSocket, kJson, kTimeout, kAll, kPort, kMac };
    const option longopts[] = {{"file-prefix", required_argument, nullptr, kPrefix},
                               {"socket", required_argument, nullptr, kSocket},
                               {"json", no_argument, nullptr, kJson},
                               {"all", no_argument, nullptr, kAll},
                               {"timeout", required_argument, nullptr, kTimeout},
                               {"help", no_argument, nullptr, 'h'},
                               {nullptr, 0, nullptr, 0}};
    // Options may follow the command ("show fdb --json"); --port/--mac belong
    // to the command and are kept as words.
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--port" || a == "--mac" || a == "--vlan" || a == "--direction" ||
             a == "--count" || a == "--snaplen" || a == "-w") &&
            i + 1 < argc) {
            o.words.push_back(a);
            o.words.push_back(argv[++i]);
        } else {
            rest.push_back(argv[i]);
        }
    }
    rest.push_back(nullptr);
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(int(rest.size() - 1), rest.data(), "+h", longopts, nullptr)) != -1) {
        switch (c) {
        case kPrefix:
            prefix = optarg;
            break;
        case kSocket:
            o.socket = optarg;
            break;
        case kJson:
            o.as_json = true;
            break;
        case kAll:
            o.all = true;
            break;
        case kTimeout:
            o.timeout_s = std::atoi(optarg);
            if (o.timeout_s <= 0 || o.timeout_s > 3600)
                throw usage_error("--timeout takes seconds, 1..3600");
            o.timeout_given = true;
            break;
        case 'h':
            std::fputs(kUsage, stdout);
            std::exit(0);
        default:
            throw usage_error(std::string("unknown option ") + rest[size_t(optind - 1)]);
        }
    }
    std::vector<std::string> words;
    for (int i = optind; i < int(rest.size() - 1); ++i) {
        const std::string a = rest[size_t(i)];
        if (a == "--json")
            o.as_json = true;
        else if (a == "--all")
            o.all = true;
        else if (a.rfind("--", 0) == 0)
            throw usage_error("unknown option " + a);
        else
            words.push_back(a);
    }
    // Command words first, then the --port/--mac pairs collected above.
    words.insert(words.end(), o.words.begin(), o.words.end());
    o.words = words;
    if (o.socket.empty())
        o.socket = bridgehost::control_config::default_socket_path(prefix);
    return o;
}

/// The request for the command words, or a usage_error.
json make_request(const std::vector<std::string>& w) {
    auto flag = [&](size_t from, const char* name) -> std::optional<std::string> {
        for (size_t i = from; i + 1 < w.size(); ++i)
            if (w[i] == name)
                return w[i + 1];
        return std::nullopt;
    };
    auto expect_flags_only = [&](size_t from, std::initializer_list<const char*> allowed) {
        for (size_t i = from; i < w.size(); i += 2) {
            bool ok = false;
            for (const char* a : allowed)
                ok |= w[i] == a;
            if (!ok || i + 1 >= w.size())
                throw usage_error("unexpected \"" + w[i] + "\"");
        }
    };
    if (w.empty())
        throw usage_error("no command");
    const std::string verb = w[0];
    const std::string noun = w.size() > 1 ? w[1] : "";
    json args = json::object();
    if (verb == "show" && noun == "fdb") {
        expect_flags_only(2, {"--port", "--mac"});
        if (auto p = flag(2, "--port"))
            args["port"] = *p;
        if (auto m = flag(2, "--mac"))
            args["mac"] = *m;
        return {{"cmd", "show fdb"}, {"args", args}};
    }
    if (verb == "show" && (noun == "ports" || noun == "stp" || noun == "workers" ||
                           noun == "stats" || noun == "config")) {
        expect_flags_only(2, {});
        return {{"cmd", "show " + noun}, {"args", args}};
    }
    const auto vlan_arg = [&](size_t from) {
        expect_flags_only(from, {"--vlan"});
        if (auto v = flag(from, "--vlan")) {
            char* end = nullptr;
            const unsigned long vid = std::strtoul(v->c_str(), &end, 10);
            if (v->empty() || *end != '\0' || vid > 4094)
                throw usage_error("--vlan takes a VLAN id, 0..4094");
            args["vlan"] = vid;
        }
    };
    if (verb == "fdb" && noun == "add") {
        if (w.size() != 4 && w.size() != 6)
            throw usage_error("usage: fdb add MAC PORT [--vlan V]");
        vlan_arg(4);
        args["mac"] = w[2];
        args["port"] = w[3];
        return {{"cmd", "fdb add"}, {"args", args}};
    }
    if (verb == "fdb" && noun == "del") {
        if (w.size() != 3 && w.size() != 5)
            throw usage_error("usage: fdb del MAC [--vlan V]");
        vlan_arg(3);
        args["mac"] = w[2];
        return {{"cmd", "fdb del"}, {"args", args}};
    }
    if (verb == "fdb" && noun == "flush") {
        expect_flags_only(2, {"--port"});
        if (auto p = flag(2, "--port"))
            args["port"] = *p;
        return {{"cmd", "fdb flush"}, {"args", args}};
    }
    if (verb == "port" && noun == "enable") {
        if (w.size() != 3)
            throw usage_error("usage: port enable PORT");
        args["port"] = w[2];
        return {{"cmd", "port enable"}, {"args", args}};
    }
    if (verb == "clear" && noun == "stats" && w.size() == 2)
        return {{"cmd", "clear stats"}, {"args", args}};
    if (verb == "reload" && w.size() == 1)
        return {{"cmd", "reload"}, {"args", args}};
    throw usage_error("unknown command \"" + verb + (noun.empty() ? "" : " " + noun) + "\"");
}

/// Sends one request line and reads one reply line.
std::string exchange(const std::string& path, const std::string& request, int timeout_s) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw connect_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        throw usage_error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int err = errno;
        close(fd);
        std::string why = std::strerror(err);
        if (err == ENOENT || err == ECONNREFUSED)
            why = "bridgehost is not running (no one serves " + path + ")";
        else if (err == EACCES)
            why = "permission denied on " + path + " (run as root)";
        throw connect_error("cannot reach bridgehost: " + why);
    }
    const std::string line = request + "\n";
    if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
        close(fd);
        throw connect_error("cannot send the request to " + path);
    }
    std::string reply;
    char buf[65536];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, timeout_s * 1000) != 1) {
            close(fd);
            throw connect_error("bridgehost did not answer within " + std::to_string(timeout_s) +
                                " s");
        }
        const ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        reply.append(buf, size_t(n));
        if (reply.back() == '\n')
            break;
        if (reply.size() > kMaxReply) {
            close(fd);
            throw connect_error("malformed reply from " + path + ": more than " +
                                std::to_string(kMaxReply) + " bytes");
        }
    }
    close(fd);
    return reply;
}

/// A reply checked, not trusted: one JSON object, within the bounds, with a
/// boolean "ok". Throws (the caller says "malformed reply") otherwise.
json parse_reply(const std::string& text) {
    json reply = bridgehost::parse_bounded_json(text, kMaxReply, kMaxReplyDepth);
    if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean())
        throw std::runtime_error("no boolean \"ok\" field");
    return reply;
}

std::string str(const json& v) {
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_null())
        return "-";
    return v.dump();
}

/// show stats --all: every drop reason the switch sent (a row each) by port
/// (a column each), zeros too.
void print_drop_table(const json& ports) {
    std::printf("%-22s", "drops by reason");
    for (const auto& [name, c] : ports.items())
        std::printf(" %12s", name.c_str());
    std::printf("\n");
    if (ports.empty())
        return;
    for (const auto& [reason, n] : ports.begin()->at("drops").items()) {
        std::printf("%-22s", reason.c_str());
        for (const auto& [name, c] : ports.items())
            std::printf(" %12s", str(c.at("drops").value(reason, json())).c_str());
        std::printf("\n");
    }
}

/// printf into a string, whatever its length.
[[gnu::format(printf, 1, 2)]] std::string strf(const char* fmt, ...) {
    va_list args, again;
    va_start(args, fmt);
    va_copy(again, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    std::string text(size_t(n > 0 ? n : 0), '\0');
    std::vsnprintf(text.data(), text.size() + 1, fmt, again);
    va_end(again);
    return text;
}

/// An age for people: "12 s", "5 min 3 s", "3 h 4 min", "2 d 3 h"; o[key] is
/// seconds. A negative one is a malformed reply.
std::string duration_text(const json& o, const char* key) {
    const double seconds = o.at(key).get<double>();
    if (!(seconds >= 0) || seconds > 1e15) // negative, or no time a switch has run
        throw std::runtime_error(std::string("\"") + key + "\" is " + o.at(key).dump() +
                                 ", not a duration");
    const uint64_t s = uint64_t(seconds);
    const auto two = [](uint64_t big, const char* big_unit, uint64_t small,
                        const char* small_unit) {
        return std::to_string(big) + " " + big_unit +
               (small != 0 ? " " + std::to_string(small) + " " + small_unit : std::string());
    };
    if (s < 60)
        return std::to_string(s) + " s";
    if (s < 3600)
        return two(s / 60, "min", s % 60, "s");
    if (s < 86400)
        return two(s / 3600, "h", s % 3600 / 60, "min");
    return two(s / 86400, "d", s % 86400 / 3600, "h");
}

/// o[key] as a count: 0 when absent or null; a negative or non-integer value
/// is a malformed reply.
uint64_t count_field(const json& o, const char* key) {
    const json v = o.value(key, json());
    if (v.is_null())
        return 0;
    if (!v.is_number_unsigned())
        throw std::runtime_error(std::string("\"") + key + "\" is " + v.dump() + ", not a count");
    return v.get<uint64_t>();
}

/// show stp for people: the bridge, the root and its timers, topology changes,
/// a row per port (100 columns), then what needs an operator's eye.
std::string stp_text(const json& r) {
    std::string out;
    const auto line = [&out](const std::string& text) { out += text + "\n"; };
    const json& ports = r.at("ports");
    if (!ports.is_array())
        throw std::runtime_error("\"ports\" is not an array");
    if (!r.at("enabled").get<bool>()) {
        // loop_guard: whether loop guard runs (absent in older replies: say nothing of it).
        const json lg = r.value("loop_guard", json());
        line(std::string("spanning tree off (stp.enabled: false in the config)") +
             (lg.is_boolean() ? lg.get<bool>() ? "; loop guard on" : "; loop guard off too"
                              : ""));
        return out;
    }
    const bool is_root = r.value("is_root", false);
    line("bridge " + str(r.value("bridge_id", json())) + ", " + str(r.value("mode", json())) +
         "; " +
         (is_root ? std::string("this bridge is the root")
                  : "root " + str(r.value("root_id", json())) + " via " +
                        str(r.value("root_port", json())) + ", path cost " +
                        str(r.value("root_path_cost", json()))));
    const auto times = [](const json& t) {
        return "hello " + str(t.value("hello_time", json())) + " s, max age " +
               str(t.value("max_age", json())) + " s, forward delay " +
               str(t.value("forward_delay", json())) + " s";
    };
    const json root_times = r.value("root_times", json::object());
    line("times (the root's): " + times(root_times));
    if (!is_root && r.contains("hello_time") && times(r) != times(root_times))
        line("this bridge's own times (in use when it is the root): " + times(r));

    const json changes = r.value("topology_changes", json());
    const json since = r.value("seconds_since_topology_change", json());
    std::string tc = "topology changes: ";
    if (!since.is_null())
        tc += str(changes) + ", the last " + duration_text(r, "seconds_since_topology_change") +
              " ago";
    else if (changes.is_null() || changes == 0)
        tc += "none since start";
    else
        tc += str(changes);
    if (r.value("topology_change", false))
        tc += "; one is being propagated now";
    line(tc);

    line(strf("%-12s %-5s %-10s %-10s %-9s %-4s %-3s %-5s %-17s %s", "PORT", "ID", "ROLE", "STATE",
              "COST", "EDGE", "P2P", "PROTO", "DESIGNATED BRIDGE", "BPDUS IN/OUT/BAD"));
    std::string notes;
    for (const json& p : ports) {
        const std::string name = str(p.at("name"));
        const bool edge = p.value("edge", false), oper_edge = p.value("oper_edge", false);
        const char* edge_text = edge ? "yes" : oper_edge ? "auto" : "no";
        const json p2p = p.value("point_to_point", json());
        if (!p2p.is_null() && !p2p.is_boolean())
            throw std::runtime_error("\"point_to_point\" is " + p2p.dump() + ", not a boolean");
        const char* p2p_text = p2p.is_null() ? "-" : p2p.get<bool>() ? "yes" : "no";
        const std::string bpdus = str(p.value("bpdus_in", json())) + "/" +
                                  str(p.value("bpdus_out", json())) + "/" +
                                  str(p.value("bpdus_bad", json()));
        line(strf("%-12s %-5s %-10s %-10s %-9s %-4s %-3s %-5s %-17s %s", name.c_str(),
                  str(p.value("port_id", json())).c_str(), str(p.value("role", json())).c_str(),
                  str(p.value("state", json())).c_str(), str(p.value("path_cost", json())).c_str(),
                  edge_text, p2p_text, str(p.value("protocol", json())).c_str(),
                  str(p.value("designated_bridge", json())).c_str(), bpdus.c_str()));
        const json link = p.value("link", json());
        if (link.is_string() && link != "up")
            notes += name + ": link " + link.get<std::string>() + "\n";
        if (p.value("guard_blocked", false))
            notes += name + ": blocked by loop guard or BPDU guard (show ports says which; " +
                     "port enable unblocks it)\n";
        if (edge && !oper_edge)
            notes += name + ": configured as an edge port, but a BPDU arrived: not an edge now\n";
        if (const uint64_t lost = count_field(p, "bpdus_lost"))
            notes +=
                name + ": " + bridgehost::count_of(lost, "BPDU") + " lost (a flood on the port?)\n";
    }
    return out + notes;
}

/// bridgehostctl explain [REASON]: from the switch's own list, no socket.
int explain(const options& o) {
    using bridgehost::drop_reason;
    if (o.words.size() > 2)
        throw usage_error("usage: explain [REASON]");
    std::vector<drop_reason> which;
    if (o.words.size() == 2) {
        const auto r = bridgehost::find_drop_reason(o.words[1]);
        if (!r) {
            std::string known;
            for (unsigned i = 0; i < bridgehost::kDropReasons; ++i)
                known += std::string(known.empty() ? "" : ", ") +
                         bridgehost::drop_reason_name(drop_reason(i));
            throw usage_error("no drop reason \"" + o.words[1] + "\"; the reasons: " + known);
        }
        which.push_back(*r);
    } else {
        for (unsigned i = 0; i < bridgehost::kDropReasons; ++i)
            which.push_back(drop_reason(i));
    }
    if (o.as_json) {
        json out = json::object();
        for (drop_reason r : which)
            out[bridgehost::drop_reason_name(r)] = bridgehost::drop_reason_text(r);
        std::printf("%s\n", out.dump(2).c_str());
    } else {
        for (drop_reason r : which)
            std::printf("%-22s %s\n", bridgehost::drop_reason_name(r),
                        bridgehost::drop_reason_text(r));
    }
    return 0;
}

/// A table for people: the reply's result laid out per command.
void print_human(const std::string& cmd, const json& r, bool all) {
    if (cmd == "show fdb") {
        std::printf("%-17s %4s %-12s %-7s %6s  %s\n", "MAC", "VLAN", "PORT", "TYPE", "AGE(s)",
                    "FLAGS");
        for (const json& e : r.at("entries")) {
            const std::string flags = std::string(e.value("flapping", false) ? "flapping " : "") +
                                      (e.value("frozen", false) ? "frozen" : "");
            std::printf("%-17s %4s %-12s %-7s %6s  %s\n", str(e.at("mac")).c_str(),
                        str(e.at("vlan")).c_str(), str(e.at("port")).c_str(),
                        str(e.at("type")).c_str(), str(e.at("age")).c_str(), flags.c_str());
        }
        std::printf("%zu shown; %s of %s entries in the table; aging %s s\n",
                    r.at("entries").size(), str(r.at("size")).c_str(),
                    str(r.at("capacity")).c_str(), str(r.at("aging_seconds")).c_str());
    } else if (cmd == "show ports") {
        std::printf("%-12s %-5s %-26s %-6s %-17s %12s %12s %10s %10s %13s %-9s %s\n", "PORT",
                    "LINK", "STATE", "PROMISC", "MAC", "RX", "TX", "DROPS", "IMISSED", "MACS/LIMIT",
                    "OFFLOADS", "VLANS");
        for (const json& p : r) {
            uint64_t drops = 0;
            for (const auto& [reason, n] : p.at("counters").at("drops").items())
                drops += n.get<uint64_t>();
            const json& v = p.value("vlans", json::object());
            const std::string vlans =
                v.value("mode", "") == "access"
                    ? "access " + str(v.value("vlan", json()))
                    : "trunk " + str(v.value("allowed_vlans", json("all"))) +
                          (v.value("native_vlan", 0) != 0
                               ? " native " + str(v.value("native_vlan", json()))
                               : std::string());
            const json& limit = p.value("mac_limit", json::object());
            const std::string macs =
                str(p.value("macs", json())) + "/" +
                (limit.value("max_macs", 0) == 0
                     ? std::string("-")
                     : str(limit.at("max_macs")) +
                           (limit.value("mac_limit_action", "") == "evict_oldest" ? "e" : "r"));
            // What the peer takes: "tso" (super-frames and checksums), "csum", or "-".
            bool csum = false, tso = false;
            for (const json& t : p.value("peer_takes", json::array())) {
                csum |= t == "checksum";
                tso |= t == "tso4" || t == "tso6";
            }
            const char* offloads = tso ? "tso" : csum ? "csum" : "-";
            std::printf("%-12s %-5s %-26s %-6s  %-17s %12s %12s %10" PRIu64 " %10s %13s %-9s %s\n",
                        str(p.at("name")).c_str(), str(p.at("link")).c_str(),
                        str(p.value("state_text", json("-"))).c_str(),
                        p.at("promiscuous").get<bool>() ? "on" : "OFF", str(p.at("mac")).c_str(),
                        str(p.at("counters").at("rx_packets")).c_str(),
                        str(p.at("counters").at("tx_packets")).c_str(), drops,
                        str(p.at("device_stats").at("imissed")).c_str(), macs.c_str(), offloads,
                        vlans.c_str());
        }
        for (const json& p : r) {
            // What a port does besides switching, one line each: mtu, storm control, mirror.
            std::string extra;
            if (p.contains("mtu") && !p.at("mtu").is_null())
                extra += "; mtu " + str(p.at("mtu"));
            if (p.contains("storm_control"))
                for (const auto& [kind, rate] : p.at("storm_control").items())
                    if (rate.is_number() && rate.get<uint64_t>() != 0)
                        extra += "; storm control " + kind + " " + str(rate) + "/s";
            if (p.contains("mirror") && p.at("mirror").is_string())
                extra += "; mirror " + p.at("mirror").get<std::string>();
            if (!extra.empty())
                std::printf("%s: %s\n", str(p.at("name")).c_str(), extra.c_str() + 2);
        }
        for (const json& p : r)
            if (p.contains("diagnosis") && p.at("diagnosis").is_string())
                std::printf("warning: %s\n", p.at("diagnosis").get<std::string>().c_str());
    } else if (cmd == "show stp") {
        std::fputs(stp_text(r).c_str(), stdout); // all or nothing: a bad field prints no half
    } else if (cmd == "show workers") {
        std::printf("%-6s %5s %-24s %12s %16s %6s %8s\n", "WORKER", "LCORE", "RX QUEUES",
                    "RX PACKETS", "BUSY CYCLES/PKT", "IDLE%", "STALLS");
        for (const json& w : r) {
            std::string queues;
            for (const json& q : w.at("rx_queues"))
                queues +=
                    (queues.empty() ? "" : ",") + str(q.at("port")) + "/" + str(q.at("queue"));
            std::printf("%-6s %5s %-24s %12s %16.1f %6.1f %8s\n", str(w.at("index")).c_str(),
                        str(w.at("lcore")).c_str(), queues.c_str(), str(w.at("rx_packets")).c_str(),
                        w.at("busy_cycles_per_packet").get<double>(),
                        w.at("idle_percent").get<double>(), str(w.at("stalls")).c_str());
        }
    } else if (cmd == "show stats") {
        for (const auto& [name, c] : r.at("ports").items()) {
            std::printf("port %s: rx %s frames / %s bytes, tx %s frames / %s bytes\n", name.c_str(),
                        str(c.at("rx_packets")).c_str(), str(c.at("rx_bytes")).c_str(),
                        str(c.at("tx_packets")).c_str(), str(c.at("tx_bytes")).c_str());
            std::printf("  unicast %s, flooded %s (multicast %s, unknown unicast %s), unicast out "
                        "%s\n",
                        str(c.at("unicast")).c_str(), str(c.at("flooded")).c_str(),
                        str(c.at("multicast")).c_str(), str(c.at("unknown_unicast")).c_str(),
                        str(c.at("unicast_out")).c_str());
            if (c.value("super_frames", 0) != 0 || c.value("checksums_finished", 0) != 0)
                std::printf("  offloads: super-frames %s (segmented %s), checksums finished %s\n",
                            str(c.at("super_frames")).c_str(), str(c.at("segmented")).c_str(),
                            str(c.at("checksums_finished")).c_str());
            if (!all) { // the reasons that counted; --all: the table below
                std::string drops;
                for (const auto& [reason, n] : c.at("drops").items())
                    if (n != 0)
                        drops += " " + reason + "=" + str(n);
                std::printf("  drops:%s\n", drops.empty() ? " none" : drops.c_str());
            }
        }
        if (all)
            print_drop_table(r.at("ports"));
        // The FDB counters the switch sends (BRIDGEHOST_FDB_COUNTERS), by name:
        // learned first and flushed last, the others when they counted
        // (--all: every one).
        const json& f = r.at("fdb");
        std::string counts = "learned " + str(f.value("learned", json()));
        for (const auto& [name, n] : f.items())
            if (name != "entries" && name != "capacity" && name != "learned" && name != "flushed" &&
                (all || n != 0))
                counts += ", " + name + " " + str(n);
        counts += ", flushed " + str(f.value("flushed", json()));
        std::printf("fdb: %s of %s entries; %s\n", str(f.at("entries")).c_str(),
                    str(f.at("capacity")).c_str(), counts.c_str());
        if (r.contains("capture")) {
            const json& c = r.at("capture");
            const json& s = c.at("session");
            std::printf("capture: %s frames copied, %s copies dropped%s\n",
                        str(c.at("captured")).c_str(), str(c.at("capture_dropped")).c_str(),
                        s.is_null() ? ""
                                    : ("; running on " + str(s.at("port")) + ", " +
                                       str(s.at("captured")) + " of " + str(s.at("count")))
                                          .c_str());
        }
        std::printf("mbufs in use: %s\n", str(r.at("mbufs_in_use")).c_str());
    } else if (cmd == "show config") {
        std::printf("%s\n", r.dump(2).c_str());
    } else if (cmd == "reload") {
        for (const json& a : r.at("applied"))
            std::printf("applied: %s\n", str(a).c_str());
        for (const json& n : r.at("needs_restart"))
            std::printf("not applied, needs a restart: %s\n", str(n).c_str());
        if (r.at("applied").empty() && r.at("needs_restart").empty())
            std::printf("nothing changed\n");
    } else {
        std::printf("ok: %s\n", r.dump().c_str());
    }
}

/// bridgehostctl capture: many requests, each answered within the default 10 s.
int capture(const options& o) {
    bridgehost::capture_options c;
    try {
        c = bridgehost::parse_capture(o.words,
                                      o.timeout_given ? std::optional(o.timeout_s) : std::nullopt);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    const auto request = [&](const json& r) {
        try {
            return parse_reply(exchange(o.socket, r.dump(), 10));
        } catch (const connect_error&) {
            throw;
        } catch (const std::exception& e) {
            throw std::runtime_error("malformed reply from " + o.socket + ": " + e.what());
        }
    };
    try {
        return bridgehost::run_capture(c, request, o.as_json);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehostctl: %s\n", e.what());
        return 3;
    }
}

} // namespace

int main(int argc, char** argv) {
    options o;
    json request;
    try {
        o = parse_args(argc, argv);
        if (!o.words.empty() && o.words[0] == "capture")
            return capture(o);
        if (!o.words.empty() && o.words[0] == "explain")
            return explain(o);
        request = make_request(o.words);
        if (o.all && request["cmd"] != "show stats")
            throw usage_error("--all goes with show stats only");
    } catch (const usage_error& e) {
        std::fprintf(stderr, "bridgehostctl: %s (see bridgehostctl --help)\n", e.what());
        return 2;
    }
    std::string text;
    try {
        text = exchange(o.socket, request.dump(), o.timeout_s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehostctl: %s\n", e.what());
        return 3;
    }
    // The reply is checked, not trusted: a malformed one is an error, never a crash.
    json reply;
    try {
        reply = parse_reply(text);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehostctl: malformed reply from %s: %s\n", o.socket.c_str(),
                     e.what());
        return 3;
    }
    if (!reply["ok"].get<bool>()) {
        std::fprintf(stderr, "bridgehostctl: %s\n",
                     str(reply.value("error", json("refused"))).c_str());
        return 1;
    }
    if (o.as_json) {
        std::printf("%s\n", reply["result"].dump(2).c_str());
        return 0;
    }
    try {
        print_human(request["cmd"].get<std::string>(), reply["result"], o.all);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehostctl: malformed reply from %s: %s\n", o.socket.c_str(),
                     e.what());
        return 3;
    }
    return 0;
}
