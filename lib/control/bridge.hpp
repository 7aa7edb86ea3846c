// One running switch: ports, FDB, workers and the control loop, built from a config.
//
// The EAL must already be up. The object runs on the control (main) lcore; the
// workers run on the lcores the config names, launched by start().
#pragma once

#include "config/config.hpp"
#include "control/control_plane.hpp"
#include "control/metrics_snapshot.hpp"
#include "datapath/worker.hpp"
#include "fdb/mac_table.hpp"
#include "features/capture/control.hpp"
#include "features/loop_guard/guard.hpp"
#include "features/promisc/monitor.hpp"
#include "features/stp/control.hpp"
#include "port/port.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

struct rte_rcu_qsbr;
struct rte_ring;

namespace bridgehost {

class bridge {
  public:
    /// Brings up every port, creates the FDB with its static entries and the
    /// workers. Throws (port_error, std::runtime_error) with an operator-facing message.
    explicit bridge(const config& cfg);
    ~bridge();
    bridge(const bridge&) = delete;
    bridge& operator=(const bridge&) = delete;

    /// Launches the workers on their lcores.
    void start();
    /// Asks the workers to finish their burst and waits for them.
    void stop();
    /// stop(), then stops and closes every port (their rings give back the
    /// mbufs they hold, a kernel interface gets its GRO/LRO back): the end of
    /// the switch, before its final report. Nothing forwards afterwards.
    void close_ports();
    /// Instead of start() (tests, the fuzzer): one pass of every worker over
    /// its rx queues, on the calling thread, at time `now`.
    void poll_workers(fdb_time now);

    /// One control pass at time `now`: publish the clock, apply learn events, age a slice.
    /// Returns the learn events applied.
    unsigned step(fdb_time now);
    /// The once-a-second work of the control loop at time `now`: link changes
    /// (logged; a port that goes down has its learned entries flushed), losses
    /// since the last call (learn rings and tx queues full, logged), and the
    /// promiscuous-mode diagnosis.
    void housekeeping(fdb_time now);
    /// One loop/BPDU guard pass at `now_ms` (milliseconds, any origin): the
    /// workers' guard events, unblocking after the hold time, a round of probes
    /// when due; ports it blocks lose their learned entries. run() calls it
    /// every pass; tests call it with their own clock.
    void guard_step(uint64_t now_ms);
    const loop_guard& guard() const { return *guard_; }
    /// The control loop on the real clock until `stop_requested` returns true;
    /// the caller's predicate is where signals are handled.
    void run(const std::function<bool()>& stop_requested);

    /// Applies what can change while forwarding from `next` (a validated config
    /// of the same file): aging, static entries, ports' MAC limits, MAC
    /// flapping, log levels, loop_guard, the diagnosis window. Learned entries
    /// stay. What needs a restart (ports, EAL, workers, FDB capacity, control
    /// socket, metrics, mirror) is listed and not applied.
    /// Returns {"applied": [...], "needs_restart": [...]}; control lcore only.
    nlohmann::json reload(const config& next);
    /// What the "reload" request runs (re-reading the file is the caller's:
    /// main sets it); without one, "reload" is refused.
    void set_reload_handler(std::function<nlohmann::json()> handler) {
        reload_handler_ = std::move(handler);
    }
    const config& running_config() const { return cfg_; }

    const mac_table& fdb() const { return *fdb_; }
    const control_counters& control_stats() const { return control_->counters(); }
    /// Port `index`'s counters summed over the workers, since `clear stats`.
    port_totals port_stats(uint16_t index) const;
    /// Worker `index`'s load; every worker's summed when index is absent. Since `clear stats`.
    worker_totals worker_stats(std::optional<unsigned> index = std::nullopt) const;
    /// The FDB's learn/move/age counters, since `clear stats`.
    control_totals fdb_stats() const;
    /// The PMD's counters for port `index`, since `clear stats`.
    rte_eth_stats device_stats(uint16_t index) const;
    /// mbufs taken from the switch's pools (rx rings, tx rings, in flight).
    unsigned mbufs_in_use() const;
    /// The packet capture ("capture start/read/stop").
    const packet_capture& capture() const { return *capture_; }
    /// True while the promiscuous-mode diagnosis holds for port `index`.
    bool promisc_suspect(uint16_t index) const { return promisc_.suspect(index); }
    /// Every counter /metrics exports: raw totals since start (never moved by
    /// `clear stats`, as Prometheus counters must only grow). Control lcore only.
    metrics_snapshot metrics() const;

    // --- Requests from other threads (control socket, telemetry, metrics) --
    //
    // Only the control lcore touches the FDB and the counters' baselines, so
    // other threads ask it: call() queues a function, the control loop runs it
    // on its next pass (within about 1 ms) and call() returns its result.

    /// Runs `fn` on the control lcore and returns its result. Throws
    /// std::runtime_error when the control loop does not answer within `timeout`.
    nlohmann::json call(std::function<nlohmann::json()> fn,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Runs the queued requests (the control loop does this every pass).
    void serve_requests();

    /// One operator request, {"cmd": "show fdb", "args": {...}}, answered on
    /// the control lcore: {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
    /// The commands are listed in api/handlers.cpp (kCommands) and in bridgehostctl --help.
    /// Runs on the control lcore only (directly there, or through call()).
    nlohmann::json handle(const nlohmann::json& request);

    /// Human-readable reports, for the exit summary and SIGUSR1/SIGUSR2.
    void print_stats(std::FILE* out) const;
    void print_fdb(std::FILE* out) const;

    /// Seconds on the control lcore's monotonic clock.
    static fdb_time monotonic_seconds();
    /// Milliseconds on the same clock (the loop guard's).
    static uint64_t monotonic_ms();

  private:
    struct rcu_deleter {
        void operator()(rte_rcu_qsbr* v) const;
    };
    struct ring_deleter {
        void operator()(rte_ring* r) const;
    };

    // api/handlers.cpp: the views and actions behind handle(), listed in kCommands.
    struct command;
    static const command kCommands[];
    nlohmann::json show_fdb(const nlohmann::json& args) const;
    nlohmann::json show_ports() const;
    /// The spanning tree: the bridge's and each port's role, state, designated
    /// vector and BPDU counters (control/bridge_stp.cpp).
    nlohmann::json show_stp() const;
    nlohmann::json show_workers() const;
    nlohmann::json show_stats() const;
    nlohmann::json show_config() const;
    nlohmann::json capture_json() const; ///< show stats' "capture"
    nlohmann::json fdb_add(const nlohmann::json& args);
    nlohmann::json fdb_del(const nlohmann::json& args);
    nlohmann::json fdb_flush(const nlohmann::json& args);
    nlohmann::json clear_stats();
    nlohmann::json reload_request();
    nlohmann::json port_enable(const nlohmann::json& args);
    /// show ports' loop/BPDU guard fields for port `index` (bridge_guard.cpp).
    nlohmann::json port_guard_json(uint16_t index) const;
    /// What the loop guard needs of the running ports.
    std::vector<loop_guard::port_info> guard_ports() const;
    // bridge_stp.cpp: the spanning tree's side of the bridge.
    /// What the spanning tree needs of the running ports.
    std::vector<spanning_tree::port_info> stp_ports() const;
    /// One spanning-tree pass: the BPDUs the guard step took off the rings, then the clock.
    void stp_step(uint64_t now_ms);
    /// reload(): `next`'s stp settings and ports' stp settings (by name). Returns what changed.
    std::vector<std::string> apply_stp(const config& next);
    /// show ports' "stp" field for port `index`; null when STP is off.
    nlohmann::json port_stp_json(uint16_t index) const;
    /// metrics()' spanning-tree part.
    void stp_metrics(metrics_snapshot& s) const;
    /// The port index named by args[key] (a port name), or throws.
    uint16_t port_arg(const nlohmann::json& args, const char* key) const;

    /// bridge_limits.cpp: puts `next`'s ports' max_macs/mac_limit_action (by port
    /// name) and fdb.flapping on the running FDB and control plane, and into
    /// cfg_. Returns what changed, for reload's report.
    std::vector<std::string> apply_fdb_limits(const config& next);

    /// What the workers need to know of the ports, from ports_.
    struct layout {
        std::vector<std::vector<rx_queue_ref>> rx; ///< by worker
        std::vector<uint16_t> port_ids;            ///< by port index
        std::vector<fdb_key> port_macs;            ///< by port index
    };
    layout datapath_layout() const;
    /// reload(): brings the ports to `next`'s list: adds, removes, renumbers.
    /// Returns what it did, for the report; throws (changing nothing) when a
    /// new port cannot be brought up.
    std::vector<std::string> replace_ports(const config& next, nlohmann::json& restart);

    /// Totals since start, before `clear stats`' baseline is subtracted.
    port_totals raw_port_stats(uint16_t index) const;
    worker_totals raw_worker_stats(unsigned index) const;

    /// What `clear stats` subtracts: counters are written by their owners only,
    /// so clearing moves the zero instead of resetting them.
    struct stats_base {
        std::vector<port_totals> ports;
        std::vector<rte_eth_stats> devices;
        std::vector<worker_totals> workers;
        control_totals fdb;
    };
    stats_base base_;

    std::mutex requests_mutex_;
    std::deque<std::packaged_task<nlohmann::json()>> requests_;

    config cfg_;
    std::atomic<fdb_time> clock_{0};
    std::atomic<bool> running_{false};
    bool launched_ = false;
    std::unique_ptr<rte_rcu_qsbr, rcu_deleter> rcu_;
    std::unique_ptr<mbuf_pool> pool_;
    std::vector<std::unique_ptr<mbuf_pool>> extra_pools_; ///< for ports a reload added
    /// Large mbufs for the net_af_packet ports whose frame size holds a
    /// super-frame (one frame per mbuf: that PMD does not chain); null when none.
    std::unique_ptr<mbuf_pool> big_pool_;
    /// The pool port `p` receives into: big_pool_ (made here when first
    /// needed, for `big_ports` such ports, with mbufs of `big_room` bytes at
    /// least) or `normal`.
    rte_mempool* rx_pool_for(const port_config& p, rte_mempool* normal, unsigned big_ports,
                             uint16_t big_room = 0);
    offload_caps_shared caps_; ///< what the workers read of each port's peer
    /// The ports' offload_caps_generation() sum when last published; none: publish anew.
    std::optional<uint32_t> caps_generation_;
    /// What the workers need of the ports' offloads, from ports_.
    offload_layout offloads() const;
    /// Publishes the ports' offload caps to the workers if any changed (a
    /// vhost-user guest connected); every control pass.
    void publish_offload_caps();
    std::vector<std::unique_ptr<eth_port>> ports_;
    std::unique_ptr<mac_table> fdb_;
    std::vector<std::unique_ptr<rte_ring, ring_deleter>> learn_rings_;
    std::unique_ptr<packet_capture> capture_;
    std::unique_ptr<control_plane> control_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::unique_ptr<loop_guard> guard_;   ///< owns the rings workers_ use; after pool_
    std::unique_ptr<spanning_tree> stp_;  ///< sends through guard_
    std::unique_ptr<vlan_map> vlans_;     ///< null: no port has VLAN settings
    std::unique_ptr<port_policy> policy_; ///< null: no storm limits, mirror or mtu
    /// Builds policy_ for the running ports (after they are up: it needs their queues).
    void build_policy();

    // housekeeping()'s memory of the last second.
    promisc_monitor promisc_;
    struct port_watch {
        int link_up = -1;        ///< -1 before the first check
        uint32_t link_downs = 0; ///< the port's link_downs() at the last check
        uint64_t last_tx_full = 0;
        uint64_t last_arp_requests = 0; ///< rx
        /// ARP requests flooded out of the port in seconds when no ARP reply
        /// arrived anywhere (cumulative; the diagnosis's evidence with unicast_out).
        uint64_t unanswered_arp_out = 0;
    };
    std::vector<port_watch> watch_; ///< by port index
    uint64_t last_arp_replies_ = 0; ///< every port's
    uint64_t last_learn_ring_full_ = 0;
    logs::limiter loss_log_{5, 60};
    fdb_time started_ = 0;
    std::function<nlohmann::json()> reload_handler_;
};

} // namespace bridgehost
