// Wiring a config into ports, FDB, rings and workers; the control loop; reports.
#include "control/bridge.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
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

bridge::bridge(const config& cfg)
    : cfg_(cfg), promisc_(cfg.control.promisc_check_seconds, cfg.ports.size()) {
    const unsigned nworkers = unsigned(cfg_.workers.lcores.size());
    for (unsigned lcore : cfg_.workers.lcores)
        if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore())
            throw std::runtime_error("worker lcore " + std::to_string(lcore) +
                                     " is not an EAL worker lcore (check eal.lcores)");
    clock_.store(monotonic_seconds(), std::memory_order_relaxed);
    vlans_ = vlan_map::build(cfg_.ports);

    const size_t rcu_bytes = rte_rcu_qsbr_get_memsize(nworkers);
    rcu_.reset(static_cast<rte_rcu_qsbr*>(rte_zmalloc("bh_rcu", rcu_bytes, RTE_CACHE_LINE_SIZE)));
    if (!rcu_ || rte_rcu_qsbr_init(rcu_.get(), nworkers) != 0)
        throw std::runtime_error("cannot set up RCU for " + std::to_string(nworkers) + " workers");

    pool_ = std::make_unique<mbuf_pool>("bh_mbufs", mbufs_needed(cfg_, uint16_t(nworkers)),
                                        mbuf_data_room(cfg_), int(rte_socket_id()));
    unsigned big_ports = 0;
    uint16_t big_room = 0; // the largest frame size's: one pool serves every such port
    for (const port_config& p : cfg_.ports) {
        const uint16_t room = af_packet_data_room(p, mbuf_data_room(cfg_));
        big_ports += room != 0;
        big_room = RTE_MAX(big_room, room);
    }
    for (uint16_t i = 0; i < cfg_.ports.size(); ++i)
        ports_.push_back(std::make_unique<eth_port>(
            eth_port::params{&cfg_.ports[i], i, uint16_t(nworkers), uint16_t(nworkers),
                             rx_pool_for(cfg_.ports[i], pool_->get(), big_ports, big_room)}));
    for (const auto& port : ports_)
        for (const std::string& note : port->offload_notes())
            logs::write(logs::component::port, log_level::notice, "%s", note.c_str());
    publish_offload_caps();

    build_policy();

    fdb_ = std::make_unique<mac_table>(
        mac_table::params{"bh_fdb", cfg_.fdb.capacity, int(rte_socket_id()), rcu_.get()});
    fdb_->set_aging(cfg_.fdb.aging_seconds);
    for (const static_fdb_entry& s : cfg_.fdb.static_entries)
        if (!fdb_->add_static(make_fdb_key(s.mac, s.vlan), s.port_index, clock_.load()))
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
    std::vector<std::string> port_names;
    for (const port_config& p : cfg_.ports)
        port_names.push_back(p.name);
    control_ = std::make_unique<control_plane>(*fdb_, rings, std::move(port_names));
    apply_fdb_limits(cfg_);
    base_.ports.resize(ports_.size());
    base_.devices.resize(ports_.size());
    watch_.resize(ports_.size());
    started_ = clock_.load(std::memory_order_relaxed);
    base_.workers.resize(nworkers);

    guard_ = std::make_unique<loop_guard>(cfg_.loop_guard, nworkers, pool_->get(), guard_ports());
    stp_ = std::make_unique<spanning_tree>(
        cfg_.stp, stp_ports(),
        spanning_tree::io{[this](uint16_t port, const uint8_t* frame, size_t len) {
                              return guard_->send_frame(port, frame, len);
                          },
                          [this](uint16_t port) { control_->flush_port(port); }});
    const layout l = datapath_layout();
    capture_ = std::make_unique<packet_capture>(int(rte_socket_id()), [this] {
        uint64_t dropped = 0;
        for (const auto& w : workers_)
            dropped += w->counters().capture_dropped.get();
        return dropped;
    });
    const worker_shared shared{fdb_.get(),         &clock_,           &running_,       rcu_.get(),
                               capture_->shared(), &guard_->shared(), &stp_->shared(), &caps_};
    const uint64_t stall_cycles = rte_get_tsc_hz() / 1000000 * cfg_.workers.stall_us;
    for (unsigned w = 0; w < nworkers; ++w)
        workers_.push_back(std::make_unique<worker>(
            worker::params{w, cfg_.workers.lcores[w], cfg_.workers.burst, stall_cycles, l.rx[w],
                           l.port_ids, l.port_macs, rings[w], shared, vlans_.get(), pool_->get(),
                           policy_.get(), guard_->event_ring(w), guard_->probe_ring(w), offloads(),
                           fdb_cache_entries(cfg_.workers, cfg_.fdb.capacity)}));
}

rte_mempool* bridge::rx_pool_for(const port_config& p, rte_mempool* normal, unsigned big_ports,
                                 uint16_t big_room) {
    const uint16_t room = af_packet_data_room(p, mbuf_data_room(cfg_));
    if (room == 0)
        return normal;
    if (!big_pool_) {
        // The PMD copies each frame into one mbuf from here; the worker frees
        // it within the burst (copied or cut), so a few bursts' worth is enough.
        const unsigned queues = big_ports * unsigned(cfg_.workers.lcores.size());
        big_pool_ = std::make_unique<mbuf_pool>("bh_big_mbufs", big_mbufs_needed(cfg_, queues),
                                                RTE_MAX(room, big_room), int(rte_socket_id()),
                                                kBigPoolCache);
    }
    if (rte_pktmbuf_data_room_size(big_pool_->get()) < room)
        throw port_error("port " + p.name + " (" + p.device + "): its frame size needs mbufs of " +
                         std::to_string(room) +
                         " bytes, larger than those of the af_packet ports the switch "
                         "started with: it needs a restart");
    return big_pool_->get();
}

offload_layout bridge::offloads() const {
    offload_layout o;
    for (const auto& port : ports_) {
        const uint32_t bit = 1u << port->index();
        if (port->kernel_port())
            o.rx_kernel |= bit;
        if (port->rx_flagged())
            o.rx_flagged |= bit;
        if (port->tx_holds())
            o.tx_holds |= bit;
        o.mtu[port->index()] = port->ip_mtu();
    }
    o.big_pool = big_pool_ ? big_pool_->get() : nullptr;
    return o;
}

void bridge::publish_offload_caps() {
    uint32_t generation = 0;
    for (const auto& port : ports_)
        generation += port->offload_caps_generation();
    if (generation == caps_generation_)
        return;
    caps_generation_ = generation;
    uint32_t checksum = 0, tso4 = 0, tso6 = 0;
    for (const auto& port : ports_) {
        // The mirror's destination gets every frame finished: its copies are
        // shared with the frames forwarded, and an analyser takes no offload.
        if (cfg_.mirror.enabled() && port->index() == cfg_.mirror.to)
            continue;
        const uint8_t caps = port->offload_caps();
        const uint32_t bit = 1u << port->index();
        checksum |= caps & cap_checksum ? bit : 0;
        tso4 |= caps & cap_tso4 ? bit : 0;
        tso6 |= caps & cap_tso6 ? bit : 0;
    }
    caps_.checksum.store(checksum, std::memory_order_relaxed);
    caps_.tso4.store(tso4, std::memory_order_relaxed);
    caps_.tso6.store(tso6, std::memory_order_relaxed);
}

void bridge::build_policy() {
    policy_ = port_policy::build(cfg_);
    for (const auto& port : ports_)
        if (port->kernel_port() && !cfg_.ports[port->index()].mtu) {
            if (!policy_)
                policy_ = port_policy::plain(cfg_);
            policy_->max_frame[port->index()] = port->ip_mtu() + kKernelFrameOverMtu;
        }
    if (policy_)
        for (const auto& port : ports_)
            policy_->rx_queues[port->index()] = port->rx_queues();
}

bridge::layout bridge::datapath_layout() const {
    // Spread every (port, rx queue) pair over the workers, round robin.
    const size_t nworkers = cfg_.workers.lcores.size();
    layout l;
    l.rx.resize(nworkers);
    unsigned next = 0;
    for (const auto& port : ports_) {
        l.port_ids.push_back(port->id());
        l.port_macs.push_back(make_fdb_key(port->mac()));
        for (uint16_t q = 0; q < port->rx_queues(); ++q)
            l.rx[next++ % nworkers].push_back({port->index(), port->id(), q});
    }
    return l;
}

bridge::~bridge() {
    close_ports();
}

void bridge::close_ports() {
    stop();
    for (const auto& port : ports_)
        if (const std::string problem = port->shut_down(); !problem.empty())
            logs::write(logs::component::port, log_level::warning, "%s", problem.c_str());
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
    if (guard_) // no worker will send them now; the exit report counts mbufs in use
        guard_->discard_queued_probes();
}

void bridge::poll_workers(fdb_time now) {
    if (launched_)
        throw std::logic_error("poll_workers on a started bridge");
    for (const auto& w : workers_)
        w->poll_once(now);
}

unsigned bridge::step(fdb_time now) {
    clock_.store(now, std::memory_order_relaxed);
    const unsigned applied = control_->drain_learn_events(now, kLearnBudget);
    control_->age(now);
    capture_->poll(now);
    return applied;
}

void bridge::housekeeping(fdb_time now) {
    using logs::component;
    for (size_t i = 0; i < ports_.size(); ++i) {
        const eth_port& port = *ports_[i];
        const rte_eth_link link = port.link();
        const int up = link.link_status;
        port_watch& w = watch_[i];
        // Down and up again since the last look (a vhost-user peer restarted
        // within the second): only the PMD's LSC events saw it.
        const uint32_t downs = port.link_downs();
        const bool bounced = up && w.link_up == 1 && downs != w.link_downs;
        w.link_downs = downs;
        if (w.link_up == 1 && (!up || bounced)) {
            // Stations behind a link that went down may come back anywhere:
            // forget them rather than send their frames into a dead port.
            const unsigned flushed = control_->flush_port(port.index());
            logs::write(component::port, log_level::warning,
                        "%s link down%s; %u learned entries on it flushed", port.name().c_str(),
                        bounced ? " and up again" : "", flushed);
        } else if (!up && w.link_up == -1) {
            logs::write(component::port, log_level::warning, "%s link down", port.name().c_str());
        } else if (!up && fdb_->port_count(port.index()) != 0) {
            // Learned after the flush from frames received before the link went
            // down (still in the rx ring or the learn ring): nothing can confirm them.
            control_->flush_port(port.index());
        }
        if (up && (w.link_up != 1 || bounced))
            logs::write(component::port, log_level::notice, "%s link up (%u Mb/s)",
                        port.name().c_str(), link.link_speed);
        w.link_up = up;
    }

    // Losses since the last second.
    uint64_t ring_full = 0;
    for (const auto& w : workers_)
        ring_full += w->counters().learn_ring_full.get();
    std::vector<port_totals> totals;
    for (const auto& p : ports_)
        totals.push_back(raw_port_stats(p->index()));
    std::string losses;
    if (ring_full != last_learn_ring_full_)
        losses += std::to_string(ring_full - last_learn_ring_full_) +
                  " learn events lost (learn rings full: the control lcore falls behind); ";
    last_learn_ring_full_ = ring_full;
    for (size_t i = 0; i < ports_.size(); ++i) {
        const uint64_t tx_full = totals[i].drop(drop_reason::tx_full);
        if (tx_full != watch_[i].last_tx_full)
            losses += std::to_string(tx_full - watch_[i].last_tx_full) + " frames to " +
                      ports_[i]->name() + " dropped (tx queue full); ";
        watch_[i].last_tx_full = tx_full;
    }
    if (!losses.empty() && loss_log_.allow(now)) {
        losses.resize(losses.size() - 2);
        logs::write(component::port, log_level::warning, "%s%s", losses.c_str(),
                    loss_log_.suppressed() ? " (earlier losses not logged)" : "");
    }

    // The seed's diagnosis. What should draw unicast back in through a port:
    // unicast sent to stations learned behind it, and ARP requests flooded out
    // of it in a second when no ARP reply came back anywhere (behind a vSwitch
    // that rejects promiscuous mode, the replies are what goes missing).
    uint64_t arp_replies = 0, arp_requests = 0;
    std::vector<uint64_t> new_requests(ports_.size());
    for (size_t i = 0; i < ports_.size(); ++i) {
        arp_replies += totals[i].arp_replies;
        new_requests[i] = totals[i].arp_requests - watch_[i].last_arp_requests;
        arp_requests += new_requests[i];
        watch_[i].last_arp_requests = totals[i].arp_requests;
    }
    const bool unanswered = arp_requests != 0 && arp_replies == last_arp_replies_;
    last_arp_replies_ = arp_replies;
    for (size_t i = 0; i < ports_.size(); ++i) {
        if (unanswered)
            watch_[i].unanswered_arp_out += arp_requests - new_requests[i];
        const port_totals& t = totals[i];
        const promisc_sample sample{t.foreign_unicast(), t.multicast,
                                    t.unicast_out + watch_[i].unanswered_arp_out};
        switch (promisc_.observe(i, now, sample)) {
        case promisc_monitor::change::suspect:
            logs::write(
                component::diag, log_level::warning,
                "%s (for %u s it heard broadcasts and was sent unicast or ARP requests that "
                "drew no reply, and no unicast for another MAC arrived)",
                promisc_warning(ports_[i]->name()).c_str(), promisc_.quiet_seconds(i, now));
            break;
        case promisc_monitor::change::cleared:
            logs::write(component::diag, log_level::notice,
                        "port %s receives unicast for other MACs again", ports_[i]->name().c_str());
            break;
        case promisc_monitor::change::none:
            break;
        }
    }
}

void bridge::run(const std::function<bool()>& stop_requested) {
    fdb_time last_second = 0;
    while (!stop_requested()) {
        const fdb_time now = monotonic_seconds();
        const unsigned applied = step(now);
        publish_offload_caps();
        guard_step(monotonic_ms());
        serve_requests();
        if (now != last_second) {
            last_second = now;
            housekeeping(now);
        }
        if (applied == 0) // idle: give the CPU back; the control lcore is not the data path
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace bridgehost
