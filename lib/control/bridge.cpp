// Wiring a config into ports, FDB, rings and workers; the control loop; reports.
#include "control/bridge.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>

namespace bridgehost {

namespace {

constexpr unsigned kLearnBudget = 4096; ///< events applied per control pass

int launch_worker(void* arg) {
    static_cast<worker*>(arg)->run();
    return 0;
}

} // namespace

void bridge::rcu_deleter::operator()(rte_rcu_qsbr* v) const {
    rte_free(v);
}
void bridge::ring_deleter::operator()(rte_ring* r) const {
    rte_ring_free(r);
}

fdb_time bridge::monotonic_seconds() {
    using namespace std::chrono;
    return fdb_time(duration_cast<seconds>(steady_clock::now().time_since_epoch()).count());
}

bridge::bridge(const config& cfg) : cfg_(cfg) {
    const unsigned nworkers = unsigned(cfg_.workers.lcores.size());
    for (unsigned lcore : cfg_.workers.lcores)
        if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore())
            throw std::runtime_error("worker lcore " + std::to_string(lcore) +
                                     " is not an EAL worker lcore (check eal.lcores)");
    clock_.store(monotonic_seconds(), std::memory_order_relaxed);

    const size_t rcu_bytes = rte_rcu_qsbr_get_memsize(nworkers);
    rcu_.reset(static_cast<rte_rcu_qsbr*>(rte_zmalloc("bh_rcu", rcu_bytes, RTE_CACHE_LINE_SIZE)));
    if (!rcu_ || rte_rcu_qsbr_init(rcu_.get(), nworkers) != 0)
        throw std::runtime_error("cannot set up RCU for " + std::to_string(nworkers) + " workers");

    pool_ = std::make_unique<mbuf_pool>("bh_mbufs", mbufs_needed(cfg_, uint16_t(nworkers)),
                                        RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
    for (uint16_t i = 0; i < cfg_.ports.size(); ++i)
        ports_.push_back(std::make_unique<eth_port>(eth_port::params{
            &cfg_.ports[i], i, uint16_t(nworkers), uint16_t(nworkers), pool_->get()}));

    fdb_ = std::make_unique<mac_table>(
        mac_table::params{"bh_fdb", cfg_.fdb.capacity, int(rte_socket_id()), rcu_.get()});
    fdb_->set_aging(cfg_.fdb.aging_seconds);
    for (const static_fdb_entry& s : cfg_.fdb.static_entries)
        if (!fdb_->add_static(make_fdb_key(s.mac), s.port_index, clock_.load()))
            throw std::runtime_error("FDB: no room for static entry " + s.mac.str());

    std::vector<rte_ring*> rings;
    for (unsigned w = 0; w < nworkers; ++w) {
        const std::string name = "bh_learn_" + std::to_string(w);
        rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(learn_event), kLearnRingSize,
                                           int(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r == nullptr)
            throw std::runtime_error("cannot create learn ring " + name + ": " +
                                     rte_strerror(rte_errno));
        learn_rings_.emplace_back(r);
        rings.push_back(r);
    }
    control_ = std::make_unique<control_plane>(*fdb_, rings);
    base_.ports.resize(ports_.size());
    base_.workers.resize(nworkers);

    // Spread every (port, rx queue) pair over the workers, round robin.
    std::vector<std::vector<rx_queue_ref>> assignment(nworkers);
    std::vector<uint16_t> port_ids;
    unsigned next = 0;
    for (const auto& port : ports_) {
        port_ids.push_back(port->id());
        for (uint16_t q = 0; q < port->rx_queues(); ++q)
            assignment[next++ % nworkers].push_back({port->index(), port->id(), q});
    }
    const worker_shared shared{fdb_.get(), &clock_, &running_, rcu_.get()};
    const uint64_t stall_cycles = rte_get_tsc_hz() / 1000000 * cfg_.workers.stall_us;
    for (unsigned w = 0; w < nworkers; ++w)
        workers_.push_back(std::make_unique<worker>(
            worker::params{w, cfg_.workers.lcores[w], cfg_.workers.burst, stall_cycles,
                           assignment[w], port_ids, rings[w], shared}));
}

bridge::~bridge() {
    stop();
}

void bridge::start() {
    if (launched_)
        return;
    running_.store(true, std::memory_order_release);
    for (const auto& w : workers_)
        if (rte_eal_remote_launch(launch_worker, w.get(), w->lcore()) != 0) {
            stop();
            throw std::runtime_error("cannot launch worker on lcore " + std::to_string(w->lcore()));
        }
    launched_ = true;
}

void bridge::stop() {
    running_.store(false, std::memory_order_release);
    for (const auto& w : workers_)
        rte_eal_wait_lcore(w->lcore());
    launched_ = false;
}

unsigned bridge::step(fdb_time now) {
    clock_.store(now, std::memory_order_relaxed);
    const unsigned applied = control_->drain_learn_events(now, kLearnBudget);
    control_->age(now);
    return applied;
}

void bridge::run(const std::function<bool()>& stop_requested) {
    std::vector<int> link_up(ports_.size(), -1);
    fdb_time last_link_check = 0;
    while (!stop_requested()) {
        const fdb_time now = monotonic_seconds();
        const unsigned applied = step(now);
        serve_requests();
        if (now != last_link_check) {
            last_link_check = now;
            for (size_t i = 0; i < ports_.size(); ++i) {
                const int up = ports_[i]->link().link_status;
                if (up != link_up[i])
                    std::fprintf(stderr, "bridgehost: port %s link %s\n", ports_[i]->name().c_str(),
                                 up ? "up" : "down");
                link_up[i] = up;
            }
        }
        if (applied == 0) // idle: give the CPU back; the control lcore is not the data path
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace bridgehost
