// net_ring ports around a real bridge, for in-process forwarding tests.
#include "ring_harness.hpp"
#include "ring_port.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

namespace bridgehost::test {

frame make_frame(const char* dst, const char* src, size_t payload) {
    frame f(14 + payload);
    const auto d = mac_address::parse(dst), s = mac_address::parse(src);
    if (!d || !s)
        throw std::invalid_argument("bad MAC in test");
    std::copy(d->bytes.begin(), d->bytes.end(), f.begin());
    std::copy(s->bytes.begin(), s->bytes.end(), f.begin() + 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (size_t i = 0; i < payload; ++i)
        f[14 + i] = uint8_t(i);
    return f;
}

frame with_tag(frame f, uint16_t vid, uint16_t tpid) {
    const uint8_t tag[4] = {uint8_t(tpid >> 8), uint8_t(tpid), uint8_t(vid >> 8), uint8_t(vid)};
    f.insert(f.begin() + 12, std::begin(tag), std::end(tag));
    return f;
}

frame make_arp(uint16_t opcode, const char* dst, const char* src) {
    frame f = make_frame(dst, src, 46);
    f[12] = 0x08;
    f[13] = 0x06;
    const uint8_t arp[8] = {0x00, 0x01, 0x08, 0x00, 6, 4, uint8_t(opcode >> 8), uint8_t(opcode)};
    std::copy(std::begin(arp), std::end(arp), f.begin() + 14);
    return f;
}

ring_harness::ring_harness(const harness_options& o) {
    static unsigned instance = 0; // names must be unique within the process
    const std::string tag = std::to_string(instance++);
    pool_ =
        rte_pktmbuf_pool_create(("tpool" + tag).c_str(), 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (pool_ == nullptr)
        throw std::runtime_error("test pool");

    cfg_.source = "<ring_harness>";
    cfg_.workers.lcores = {1};
    cfg_.control.lcore = 0;
    cfg_.fdb.capacity = o.fdb_capacity;
    cfg_.fdb.aging_seconds = o.aging_seconds;
    cfg_.fdb.static_entries = o.static_entries;
    cfg_.workers.stall_us = o.stall_us;
    cfg_.workers.fdb_cache = o.fdb_cache;
    cfg_.control.promisc_check_seconds = o.promisc_check_seconds;
    cfg_.fdb.flapping = o.flapping;
    cfg_.loop_guard = o.loop_guard;
    cfg_.stp = o.stp;
    for (unsigned p = 0; p < o.ports; ++p) {
        cfg_.ports.push_back(
            add_ring_port(p < o.tx_ring_sizes.size() ? o.tx_ring_sizes[p] : o.tx_ring_size));
        if (p < o.vlans.size())
            cfg_.ports.back().vlan = o.vlans[p];
        if (p < o.storm.size())
            cfg_.ports.back().storm = o.storm[p];
        if (p < o.mtu.size())
            cfg_.ports.back().mtu = o.mtu[p];
        if (p < o.mac_limits.size())
            cfg_.ports.back().mac_limit = o.mac_limits[p];
        cfg_.ports.back().bpdu_guard = (o.bpdu_guard_ports >> p) & 1;
        if (p < o.port_stps.size())
            cfg_.ports.back().stp = o.port_stps[p];
    }
    cfg_.mirror = o.mirror;
    bridge_ = std::make_unique<bridge>(cfg_);
    if (o.launch_workers)
        bridge_->start();
}

port_config ring_harness::add_ring_port(unsigned tx_ring_size) {
    static unsigned ports = 0; // ring names must be unique within the process
    const unsigned slot = unsigned(rx_.size());
    const std::string name = "t" + std::to_string(ports++) + "r"; // the port is net_ring_<name>
    rte_ring* rx = make_frame_ring(name + "rx", 1024);
    rte_ring* tx = make_frame_ring(name + "tx", tx_ring_size);
    port_config pc;
    pc.device = attach_ring_port(name, rx, tx);
    rx_.push_back(rx);
    tx_.push_back(tx);
    pc.name = "p" + std::to_string(slot);
    pc.rx_descriptors = 64;
    pc.tx_descriptors = 64;
    return pc;
}

ring_harness::~ring_harness() {
    bridge_.reset(); // stops the worker, closes the ports
    for (unsigned p = 0; p < rx_.size(); ++p) {
        drain(p);
        rte_ring_free(rx_[p]);
        rte_ring_free(tx_[p]);
    }
    rte_mempool_free(pool_);
}

void ring_harness::inject(unsigned port, const frame& f) {
    inject_burst(port, {f});
}

void ring_harness::inject_burst(unsigned port, const std::vector<frame>& frames) {
    if (!try_inject_burst(port, frames))
        throw std::runtime_error("test pool empty or rx ring full");
}

bool ring_harness::try_inject_burst(unsigned port, const std::vector<frame>& frames) {
    std::vector<rte_mbuf*> mbufs;
    for (const frame& f : frames) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr)
            break;
        char* data = rte_pktmbuf_append(m, uint16_t(f.size()));
        std::copy(f.begin(), f.end(), data);
        mbufs.push_back(m);
    }
    if (mbufs.size() == frames.size() &&
        rte_ring_enqueue_bulk(rx_[port], reinterpret_cast<void**>(mbufs.data()),
                              unsigned(mbufs.size()), nullptr) == mbufs.size())
        return true;
    for (rte_mbuf* m : mbufs)
        rte_pktmbuf_free(m);
    return false;
}

void ring_harness::inject_chain(unsigned port, const frame& f, uint16_t seg) {
    inject_offloaded(port, f, seg, 0, 0);
}

void ring_harness::inject_offloaded(unsigned port, const frame& f, uint16_t seg, uint64_t ol_flags,
                                    uint16_t tso_segsz) {
    rte_mbuf* head = nullptr;
    for (size_t at = 0; at < f.size(); at += seg) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr)
            throw std::runtime_error("test pool empty");
        const uint16_t len = uint16_t(std::min<size_t>(seg, f.size() - at));
        std::copy_n(f.begin() + long(at), len, rte_pktmbuf_append(m, len));
        if (head == nullptr)
            head = m;
        else if (rte_pktmbuf_chain(head, m) != 0)
            throw std::runtime_error("chain too long");
    }
    head->ol_flags |= ol_flags;
    head->tso_segsz = tso_segsz;
    if (rte_ring_enqueue(rx_[port], head) != 0)
        throw std::runtime_error("rx ring full");
}

void ring_harness::wait_rx(unsigned port, uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (counters(port).rx_packets < n) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("worker did not receive " + std::to_string(n) +
                                     " frames on p" + std::to_string(port) + " (" +
                                     std::to_string(counters(port).rx_packets) + " in 5 s)");
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

void ring_harness::poll(fdb_time now) {
    const auto pending = [this] {
        return std::any_of(rx_.begin(), rx_.end(),
                           [](rte_ring* r) { return rte_ring_count(r) != 0; });
    };
    while (pending())
        bridge_->poll_workers(now);
}

std::vector<frame> ring_harness::drain(unsigned port) {
    std::vector<frame> out;
    for (sent_frame& s : drain_sent(port))
        out.push_back(std::move(s.bytes));
    return out;
}

std::vector<ring_harness::sent_frame> ring_harness::drain_sent(unsigned port) {
    std::vector<sent_frame> out;
    void* obj;
    while (rte_ring_dequeue(tx_[port], &obj) == 0) {
        rte_mbuf* m = static_cast<rte_mbuf*>(obj);
        frame f(m->pkt_len);
        // Points into the mbuf when contiguous; copies into f when segmented.
        const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, f.data()));
        if (p != f.data())
            std::copy(p, p + m->pkt_len, f.begin());
        out.push_back({std::move(f), m->ol_flags, uint16_t(m->tso_segsz), m->nb_segs});
        rte_pktmbuf_free(m);
    }
    return out;
}

std::vector<frame> ring_harness::wait_tx(unsigned port, unsigned n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rte_ring_count(tx_[port]) < n) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("fewer than " + std::to_string(n) + " frames sent on p" +
                                     std::to_string(port));
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return drain(port);
}

unsigned ring_harness::test_mbufs_in_use() const {
    return rte_mempool_in_use_count(pool_);
}

pool_hog::pool_hog(unsigned leave) : pool_(rte_mempool_lookup("bh_mbufs")) {
    if (pool_ == nullptr)
        throw std::runtime_error("no bh_mbufs pool");
    while (rte_mbuf* m = rte_pktmbuf_alloc(pool_))
        held_.push_back(m);
    // Put back past this lcore's cache, where a worker's allocation finds them.
    leave = unsigned(std::min<size_t>(leave, held_.size()));
    rte_mempool_generic_put(
        pool_, reinterpret_cast<void* const*>(held_.data() + held_.size() - leave), leave, nullptr);
    held_.resize(held_.size() - leave);
}

void pool_hog::release() {
    for (rte_mbuf* m : held_)
        rte_pktmbuf_free(m);
    held_.clear();
}

unsigned pool_hog::available() const {
    return rte_mempool_avail_count(pool_);
}

} // namespace bridgehost::test
