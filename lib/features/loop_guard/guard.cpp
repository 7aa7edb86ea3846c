// Loop guard and BPDU guard on the control lcore; see guard.hpp.
#include "features/loop_guard/guard.hpp"

#include "common/log.hpp"

#include <cstring>
#include <random>
#include <stdexcept>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

namespace bridgehost {

namespace {

rte_ring* make_ring(const std::string& name, size_t elem, unsigned size) {
    rte_ring* r = rte_ring_create_elem(name.c_str(), unsigned(elem), size, SOCKET_ID_ANY,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr)
        throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
    return r;
}

uint32_t bpdu_mask(const std::vector<loop_guard::port_info>& ports) {
    uint32_t mask = 0;
    for (size_t i = 0; i < ports.size(); ++i)
        if (ports[i].bpdu_guard)
            mask |= 1u << i;
    return mask;
}

} // namespace

loop_guard::loop_guard(const loop_guard_config& cfg, unsigned nworkers, rte_mempool* pool,
                       std::vector<port_info> ports)
    : cfg_(cfg), ports_(std::move(ports)),
      state_(ports_.size(), cfg.interval_ms, cfg.hold_seconds * 1000), pool_(pool) {
    // Two instances on one segment must not take each other's probes for their own.
    std::random_device random;
    do
        shared_.instance = uint64_t(random()) << 32 | random();
    while (shared_.instance == 0);
    // Ring names are global to the EAL: several bridges in one process (tests) need their own.
    static unsigned instances = 0;
    const std::string tag = std::to_string(instances++);
    try {
        for (unsigned w = 0; w < nworkers; ++w)
            event_rings_.push_back(make_ring("bh_guard_" + tag + "_" + std::to_string(w),
                                             sizeof(guard_event), kGuardRingSize));
        probe_ring_ = make_ring("bh_probe_" + tag, sizeof(probe_tx), kProbeRingSize);
    } catch (...) {
        for (rte_ring* r : event_rings_)
            rte_ring_free(r);
        throw;
    }
    shared_.bpdu_guard.store(bpdu_mask(ports_), std::memory_order_relaxed);
}

loop_guard::~loop_guard() {
    discard_queued_probes();
    rte_ring_free(probe_ring_);
    for (rte_ring* r : event_rings_)
        rte_ring_free(r);
}

void loop_guard::discard_queued_probes() {
    probe_tx probe;
    while (rte_ring_sc_dequeue_elem(probe_ring_, &probe, sizeof(probe)) == 0)
        rte_pktmbuf_free(probe.m);
    guard_event e;
    for (rte_ring* ring : event_rings_)
        while (rte_ring_sc_dequeue_elem(ring, &e, sizeof(e)) == 0)
            if (e.kind == guard_event::stp_bpdu)
                rte_pktmbuf_free(e.m);
    for (const bpdu_frame& b : bpdus_)
        rte_pktmbuf_free(b.m);
    bpdus_.clear();
}

std::vector<uint16_t> loop_guard::step(uint64_t now_ms, uint32_t links_down, uint32_t stp_off) {
    std::vector<uint16_t> blocked;
    guard_event events[32];
    for (rte_ring* ring : event_rings_) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst_elem(ring, events, sizeof(guard_event),
                                                   std::size(events), nullptr)) != 0)
            for (unsigned i = 0; i < n; ++i) {
                if (events[i].kind == guard_event::stp_bpdu)
                    bpdus_.push_back({events[i].in_port, events[i].m});
                else
                    apply(events[i], now_ms, stp_off, blocked);
            }
    }
    const std::vector<loop_guard_state::change> cleared = state_.expire(now_ms);
    for (const loop_guard_state::change& c : cleared)
        logs::write(logs::component::port, log_level::notice,
                    "%s: no loop-guard probe came back for %u s: the loop is gone, forwarding "
                    "again",
                    ports_[c.port].name.c_str(), cfg_.hold_seconds);
    if (!blocked.empty() || !cleared.empty())
        publish();
    if (cfg_.enabled && state_.probe_due(now_ms))
        send_round(links_down | stp_off);
    return blocked;
}

void loop_guard::apply(const guard_event& e, uint64_t now_ms, uint32_t stp_off,
                       std::vector<uint16_t>& blocked) {
    using change = loop_guard_state::change;
    // A probe sent before the spanning tree stopped a port, or heard on a
    // port it keeps discarding, went round no loop that forwards frames.
    if (e.kind == guard_event::probe_returned &&
        (((stp_off >> e.in_port) & 1) != 0 || ((stp_off >> e.origin) & 1) != 0))
        return;
    const std::optional<change> c = e.kind == guard_event::bpdu
                                        ? state_.bpdu_seen(e.in_port)
                                        : state_.probe_returned(e.origin, e.in_port, now_ms);
    if (!c)
        return;
    const char* port = ports_[c->port].name.c_str();
    switch (c->kind) {
    case change::loop_blocked:
        logs::write(logs::component::port, log_level::warning,
                    "loop detected: probe sent on %s came back on %s; %s blocked",
                    ports_[e.origin].name.c_str(), ports_[e.in_port].name.c_str(), port);
        blocked.push_back(c->port);
        break;
    case change::bpdu_blocked:
        logs::write(logs::component::port, log_level::warning,
                    "%s: STP BPDU received with bpdu_guard on; %s blocked until "
                    "`bridgehostctl port enable %s`",
                    port, port, port);
        blocked.push_back(c->port);
        break;
    case change::self_loop:
        logs::write(logs::component::port, log_level::warning,
                    "%s: a loop-guard probe came back on the port it was sent on: its segment "
                    "reflects frames or loops by itself; not blocked (blocking it would not help)",
                    port);
        break;
    case change::loop_cleared:
        break;
    }
}

bool loop_guard::send_frame(uint16_t port, const uint8_t* frame, size_t len) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr)
        return false;
    char* data = rte_pktmbuf_append(m, uint16_t(len));
    if (data == nullptr) {
        rte_pktmbuf_free(m);
        return false;
    }
    std::memcpy(data, frame, len); // before the worker can see it
    probe_tx tx{m, port, {}};
    if (rte_ring_sp_enqueue_elem(probe_ring_, &tx, sizeof(tx)) != 0) {
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

void loop_guard::send_round(uint32_t links_down) {
    for (uint16_t p = 0; p < ports_.size(); ++p) {
        if ((links_down >> p) & 1) // it could not leave: it would only count as tx_full
            continue;
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr)
            return; // the pool is dry: the next round tries again
        uint8_t frame[kProbeLen];
        build_probe(frame, ports_[p].mac, shared_.instance, p, seq_++);
        char* data = rte_pktmbuf_append(m, kProbeLen);
        if (data == nullptr) { // no room: cannot happen with a default mbuf
            rte_pktmbuf_free(m);
            return;
        }
        std::memcpy(data, frame, kProbeLen);
        probe_tx probe{m, p, {}};
        if (rte_ring_sp_enqueue_elem(probe_ring_, &probe, sizeof(probe)) != 0) {
            rte_pktmbuf_free(m); // the worker has not sent the last rounds yet
            return;
        }
        state_.sent(p);
    }
}

void loop_guard::publish() {
    shared_.blocked.store(state_.blocked_mask(), std::memory_order_relaxed);
}

bool loop_guard::enable(uint16_t port) {
    if (!state_.enable(port))
        return false;
    publish();
    logs::write(logs::component::port, log_level::notice, "%s enabled by the operator",
                ports_[port].name.c_str());
    return true;
}

void loop_guard::configure(const loop_guard_config& cfg) {
    if (cfg.interval_ms != cfg_.interval_ms || cfg.hold_seconds != cfg_.hold_seconds)
        state_.set_timing(cfg.interval_ms, cfg.hold_seconds * 1000);
    if (!cfg.enabled)
        for (uint16_t p = 0; p < state_.size(); ++p)
            if (state_.state(p) == loop_guard_state::port_state::blocked_loop)
                state_.enable(p);
    cfg_ = cfg;
    publish();
}

void loop_guard::set_ports(std::vector<port_info> ports, const std::vector<int>& to) {
    ports_ = std::move(ports);
    state_.remap(to, ports_.size());
    shared_.bpdu_guard.store(bpdu_mask(ports_), std::memory_order_relaxed);
    publish();
}

std::string loop_guard::describe(uint16_t port) const {
    switch (state_.state(port)) {
    case loop_guard_state::port_state::forwarding:
        return "forwarding";
    case loop_guard_state::port_state::blocked_loop:
        return "blocked (loop with " + ports_[state_.partner(port)].name + ")";
    case loop_guard_state::port_state::blocked_bpdu:
        return "blocked (bpdu)";
    }
    return "forwarding";
}

} // namespace bridgehost
