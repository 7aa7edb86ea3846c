// bridgehost: the switch's command line. Parses options, loads the config, runs the bridge.
#include "api/control_socket.hpp"
#include "api/metrics_server.hpp"
#include "api/prometheus.hpp"
#include "api/telemetry.hpp"
#include "common/json_bounds.hpp"
#include "common/log.hpp"
#include "common/plural.hpp"
#include "config/config.hpp"
#include "control/bridge.hpp"
#include "control/eal_session.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <sys/signalfd.h>
#include <unistd.h>

namespace {

constexpr const char* kUsage = R"(NAME
    bridgehost - a DPDK learning Ethernet switch that joins two or more L2 segments

SYNOPSIS
    bridgehost --config FILE [--check | --pci-devices]
    bridgehost --help | --version

DESCRIPTION
    bridgehost polls DPDK ports (vmxnet3, virtio, af_packet, vhost-user, ...)
    from dedicated worker lcores, learns source MACs into a lock-free MAC table
    and forwards each frame to the port its destination was learned on, floods
    it (broadcast, multicast, unknown unicast) or drops it for a named reason.
    Everything is set in one YAML file; see config/example.yaml.

OPTIONS
    -c, --config FILE   the YAML configuration (required)
    --check             validate FILE and exit: 0 if usable, 1 with the error
                        (file:line:column: key: what was expected) if not.
                        DPDK is not started; devices are checked for syntax only.
    --pci-devices       validate FILE, print the PCI address of each PCI port
                        (0000:00:04.0 form), one per line, and exit; vdevs are
                        left out. bridgehost-bind uses it to bind the NICs to a
                        DPDK driver before the switch starts.
    -h, --help          this text
    -V, --version       the version

SIGNALS
    SIGINT, SIGTERM     stop: workers finish their burst, ports are stopped and
                        closed, the final counters are printed, exit status 0
    SIGUSR1             print the MAC table and the counters to stdout (a
                        summary line, per-port totals, then only the drop
                        reasons that counted, a line per port and reason)
    SIGHUP              reload the config file (as bridgehostctl reload):
                        fdb.aging_seconds, fdb.static, fdb.flapping, the
                        ports' max_macs and mac_limit_action, log, loop_guard,
                        stp and the ports' stp, and
                        control.promisc_check_seconds apply at once and
                        learned entries stay. Ports added to or removed from
                        the list are attached or detached (workers pause for
                        about 0.1 ms; the other ports keep their learned
                        entries and counters); a port whose device, descriptors,
                        mtu or bpdu_guard changed, and eal, workers, fdb.capacity, the
                        control socket or metrics, need a restart: logged,
                        not applied. A file that fails validation changes
                        nothing (the error is logged); nor does a new port
                        that cannot come up
    SIGUSR2             print the counters only (no MAC table; cheap with a
                        large table, which is what scripts/bench.sh uses)

COUNTERS
    Per port: frames and bytes in and out, unicast and flooded frames, and a
    drop counter per reason (filtered, runt, invalid_src, tx_full,
    vlan_filtered, no_mbuf, storm_broadcast, storm_multicast,
    storm_unknown_unicast, mirror_destination, too_big, mirror_lost,
    loop_probe, bpdu_guard, port_blocked, split_header, truncated,
    unsegmentable, stp_bpdu, stp_bpdu_lost, stp_discarding, stp_learning; `bridgehostctl explain REASON` says what each means;
    docs/counters.md gives the rule for each kind of bad frame), and the
    offload work: TCP super-frames received, those cut into segments in
    software, checksums finished in software (docs/offloads.md). Per worker:
    rx packets, busy cycles/packet (TSC cycles from an rx burst that returned
    frames to the end of their tx, per frame received, counted as
    dpdk-testpmd --record-core-cycles counts them), idle % and stalls
    (bursts longer than workers.stall_us: the CPU was taken away mid-burst,
    by another thread on the same CPU, an interrupt or the hypervisor; their
    cycles are kept out of busy cycles/packet). Then the
    FDB size and its counts (learned, moved, static_kept, table_full, aged,
    flushed, evicted, limit_refused, limit_evicted, flapping, move_frozen;
    docs/features/mac-limits.md says what each means; the report prints
    learned and flushed always, the others when they counted), and the
    mbufs in use. bridgehostctl show stats --json has every counter.

LOGS
    rte_log, one log type per component: bridgehost.control, .fdb, .port,
    .diag, .metrics; levels and stderr/syslog in the YAML (log:), changed by
    a reload. Logged: start, reload results, link up/down (a port that goes
    down has its learned entries flushed), MAC moves, table full and
    evictions, ports at their max_macs, flapping MACs, tx queues
    and learn rings full (rate-limited; workers never log), and the
    promiscuous-mode diagnosis.

DIAGNOSIS
    A port that, for control.promisc_check_seconds (default 30), hears
    broadcasts and is sent what should draw unicast back (unicast to the
    stations behind it; ARP requests that no reply answers), yet receives no
    unicast for another MAC, is reported once: "port X receives no unicast
    for other MACs: the hypervisor may reject promiscuous mode; on ESXi set
    Promiscuous mode and Forged transmits to Accept on the vSwitch or port
    group". Also in bridgehostctl show ports and /metrics. It clears when
    unicast for another MAC arrives.

LOOP GUARD
    Every loop_guard.interval_ms (default 1000) a probe (the port's MAC to
    03:42:48:4c:47:00, ethertype 0x88b6) leaves every port; one of ours
    coming back on another port is a loop, and the higher-numbered port of
    the two is blocked (nothing in or out) until no probe has come back for
    loop_guard.hold_seconds (default 10). A port with bpdu_guard: true is
    blocked by an STP BPDU until bridgehostctl port enable PORT. Logged, in
    bridgehostctl show ports, and in /metrics (bridgehost_port_blocked).

EXIT STATUS
    0 stopped by a signal, or --check passed; 1 bad configuration or a device
    that would not start; 2 bad command line

FILES
    /etc/bridgehost/bridgehost.yaml   the appliance's configuration
    /var/run/bridgehost/PREFIX.sock   the control socket (control.socket;
                                      PREFIX is eal.file_prefix), for
                                      bridgehostctl; mode 0600
    http://127.0.0.1:9417/metrics     Prometheus metrics (metrics.listen;
                                      metrics.enabled: false turns it off)
    /var/run/dpdk/PREFIX/dpdk_telemetry.v2
                                      DPDK telemetry: dpdk-telemetry.py -f PREFIX,
                                      then /bridgehost/fdb, /bridgehost/ports,
                                      /bridgehost/workers, /bridgehost/stats,
                                      /bridgehost/config

EXAMPLES
    bridgehost --config config/demo.yaml --check
    bridgehost --config /etc/bridgehost/bridgehost.yaml
)";

struct options {
    std::string config_path;
    bool check = false;
    bool pci_devices = false;
};

/// nullopt after printing help/version (exit 0); throws on a bad command line.
std::optional<options> parse_args(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return std::nullopt;
        }
        if (a == "-V" || a == "--version") {
            std::printf("bridgehost %s\n", BRIDGEHOST_VERSION);
            return std::nullopt;
        }
        if (a == "--check") {
            o.check = true;
        } else if (a == "--pci-devices") {
            o.pci_devices = true;
        } else if (a == "-c" || a == "--config") {
            if (i + 1 >= argc)
                throw std::invalid_argument(std::string(a) + " needs a file name");
            o.config_path = argv[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            o.config_path = std::string(a.substr(9));
        } else {
            throw std::invalid_argument("unknown option '" + std::string(a) + "'");
        }
    }
    if (o.config_path.empty())
        throw std::invalid_argument("--config FILE is required");
    return o;
}

/// Signals are taken synchronously through a signalfd that the control loop
/// polls, so no handler runs and no global flag is needed. The mask is set
/// before the EAL starts its threads, which inherit it.
class signal_inbox {
  public:
    signal_inbox() {
        sigemptyset(&set_);
        for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP})
            sigaddset(&set_, s);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        fd_ = signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd_ < 0)
            throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
    }
    ~signal_inbox() { close(fd_); }
    /// The next pending signal, or 0.
    int next() const {
        signalfd_siginfo info{};
        return read(fd_, &info, sizeof(info)) == sizeof(info) ? int(info.ssi_signo) : 0;
    }

  private:
    sigset_t set_;
    int fd_;
};

int run(const options& opt) {
    const bridgehost::config cfg = bridgehost::load_config_file(opt.config_path);
    if (opt.pci_devices) {
        for (const bridgehost::port_config& p : cfg.ports)
            if (p.is_pci())
                std::printf("%s\n", p.dpdk_name().c_str());
        return 0;
    }
    if (opt.check) {
        std::printf("%s: ok (%s, %s, fdb capacity %u)\n", opt.config_path.c_str(),
                    bridgehost::count_of(cfg.ports.size(), "port").c_str(),
                    bridgehost::count_of(cfg.workers.lcores.size(), "worker").c_str(),
                    cfg.fdb.capacity);
        return 0;
    }
    if (!cfg.eal.no_huge)
        if (std::string problem = bridgehost::hugepage_problem(); !problem.empty())
            throw bridgehost::eal_error("cannot start DPDK: " + problem);

    signal_inbox signals;
    bridgehost::logs::apply(cfg.log);
    bridgehost::eal_session eal("bridgehost", bridgehost::eal_arguments(cfg));
    // Again: a "--log-level" in eal.args has just set every type it matched,
    // bridgehost's too; the YAML's log levels are the ones that count.
    bridgehost::logs::apply(cfg.log);
    bridgehost::bridge sw(cfg);
    sw.start();
    // Operators' requests (bridgehostctl, telemetry, /metrics) are queued to
    // the control loop below, which answers them between its passes.
    bridgehost::attach_telemetry(&sw);
    struct detach {
        ~detach() { bridgehost::attach_telemetry(nullptr); }
    } detach_telemetry;
    bridgehost::control_socket ctl(
        cfg.control.socket_path(cfg.eal.file_prefix), [&sw](const std::string& line) {
            nlohmann::json reply;
            try {
                // Bounded before it is parsed: a request is 2 levels deep.
                const nlohmann::json request = bridgehost::parse_bounded_json(
                    line, bridgehost::control_socket::kMaxRequest, 8);
                reply = sw.call([&sw, request] { return sw.handle(request); });
            } catch (const std::exception& e) {
                reply = {{"ok", false}, {"error", e.what()}};
            }
            return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        });
    std::optional<bridgehost::metrics_server> metrics;
    if (cfg.metrics.enabled)
        metrics.emplace(cfg.metrics.listen, [&sw] {
            bridgehost::metrics_snapshot snapshot;
            sw.call(
                [&] {
                    snapshot = sw.metrics();
                    return nlohmann::json();
                },
                std::chrono::seconds(2));
            return bridgehost::render_prometheus(snapshot);
        });
    // SIGHUP and `bridgehostctl reload`: re-read the file; a file that fails
    // validation changes nothing. Runs on the control lcore.
    const auto reload = [&sw, &opt]() -> nlohmann::json {
        bridgehost::config next;
        try {
            next = bridgehost::load_config_file(opt.config_path);
        } catch (const std::exception& e) {
            bridgehost::logs::write(bridgehost::logs::component::control,
                                    bridgehost::log_level::err,
                                    "reload rejected, the running config is kept: %s", e.what());
            throw;
        }
        return sw.reload(next);
    };
    sw.set_reload_handler(reload);
    std::string metrics_note =
        metrics ? "; metrics on http://" + cfg.metrics.listen + "/metrics" : "; metrics off";
    if (metrics && metrics->port() != 0 && cfg.metrics.listen.ends_with(":0"))
        metrics_note += " (port " + std::to_string(metrics->port()) + ")";
    bridgehost::logs::write(bridgehost::logs::component::control, bridgehost::log_level::notice,
                            "forwarding between %s with %s; control socket %s%s",
                            bridgehost::count_of(cfg.ports.size(), "port").c_str(),
                            bridgehost::count_of(cfg.workers.lcores.size(), "worker").c_str(),
                            ctl.path().c_str(), metrics_note.c_str());
    sw.run([&] {
        for (int sig; (sig = signals.next()) != 0;) {
            if (sig == SIGHUP) {
                try {
                    reload();
                } catch (const std::exception&) { // logged by reload()
                }
                continue;
            }
            if (sig != SIGUSR1 && sig != SIGUSR2)
                return true;
            if (sig == SIGUSR1)
                sw.print_fdb(stdout);
            sw.print_stats(stdout);
            std::fflush(stdout);
        }
        return false;
    });
    metrics.reset();  // before the switch stops: a scrape in flight still gets its answer
    sw.close_ports(); // the final "mbufs in use" is then what leaked, not what rings hold
    std::printf("bridgehost: stopped; final counters\n");
    sw.print_stats(stdout);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::optional<options> opt;
    try {
        opt = parse_args(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehost: %s (see bridgehost --help)\n", e.what());
        return 2;
    }
    if (!opt)
        return 0;
    try {
        return run(*opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bridgehost: %s\n", e.what());
        return 1;
    }
}
