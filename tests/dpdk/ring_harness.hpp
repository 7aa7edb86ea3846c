// A bridge on net_ring ports: the test puts frames on a port's rx ring and reads its tx ring.
#pragma once

#include "control/bridge.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>

#include <gtest/gtest.h>
#include <string>
#include <vector>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace bridgehost::test {

using frame = std::vector<uint8_t>;

/// dst, src, ethertype 0x88b5 (local experimental) and `payload` bytes of a counting pattern.
frame make_frame(const char* dst, const char* src, size_t payload = 46);
/// `f` with a VLAN tag (TPID 0x8100, or 0x88a8 for QinQ's outer tag) after the addresses.
frame with_tag(frame f, uint16_t vid, uint16_t tpid = 0x8100);
/// An Ethernet/IPv4 ARP frame: opcode 1 (request, sent to broadcast) or 2 (reply,
/// unicast to `dst`), sender `src`.
frame make_arp(uint16_t opcode, const char* dst, const char* src);

/// A static entry for `mac` on the harness's port p<port> (named so), in `vlan`.
inline static_fdb_entry static_entry(const char* mac, unsigned port, uint16_t vlan = 0) {
    static_fdb_entry s;
    s.mac = *mac_address::parse(mac);
    s.port = "p" + std::to_string(port);
    s.port_index = uint16_t(port);
    s.vlan = vlan;
    return s;
}

struct harness_options {
    unsigned ports = 3;
    uint32_t fdb_capacity = 1024;
    uint32_t aging_seconds = 300;
    unsigned tx_ring_size = 1024;        ///< small: exercise a full tx queue
    std::vector<unsigned> tx_ring_sizes; ///< per port, when given (instead of tx_ring_size)
    uint32_t stall_us = 100;             ///< 0: every burst counts as a stall
    uint32_t fdb_cache = 16384;          ///< workers.fdb_cache (0: no cache)
    uint32_t promisc_check_seconds = 30;
    std::vector<static_fdb_entry> static_entries;
    std::vector<port_vlan> vlans;    ///< per port, when given (default: every VLAN as it came)
    std::vector<storm_limits> storm; ///< per port, when given
    std::vector<std::optional<uint16_t>> mtu; ///< per port, when given
    mirror_config mirror;
    std::vector<port_mac_limit> mac_limits; ///< per port, when given (default: none)
    flapping_config flapping;
    loop_guard_config loop_guard;
    uint32_t bpdu_guard_ports = 0; ///< bit p: port p has bpdu_guard
    stp_config stp;
    std::vector<port_stp> port_stps; ///< per port, when given (default: the struct's)
    /// false: the worker is not launched; poll() runs it on the caller's thread.
    bool launch_workers = true;
};

class ring_harness {
  public:
    explicit ring_harness(const harness_options& o = {});
    ~ring_harness();

    /// A new net_ring port, named p<slot>, for a reload to add; inject() and
    /// drain() reach it by its slot (the next after the existing ones), which
    /// need not be its index in the bridge.
    port_config add_ring_port(unsigned tx_ring_size = 1024);
    unsigned slots() const { return unsigned(rx_.size()); }

    /// Puts a frame on `port`'s rx ring (an mbuf from the test's own pool).
    void inject(unsigned port, const frame& f);
    /// Puts frames on `port`'s rx ring in one enqueue, so the worker reads
    /// them in one rx burst (up to its burst size).
    void inject_burst(unsigned port, const std::vector<frame>& frames);
    /// inject_burst that injects nothing and returns false when the test pool
    /// or the rx ring cannot take them all (a feeder thread keeping a port busy).
    bool try_inject_burst(unsigned port, const std::vector<frame>& frames);
    /// Puts `f` on `port`'s rx ring as a chain of segments of at most `seg` bytes.
    void inject_chain(unsigned port, const frame& f, uint16_t seg);
    /// inject_chain with a TX offload request on the head mbuf, as a DPDK
    /// application at the ring's other end would hand over a frame for the
    /// switch to finish: `ol_flags` (RTE_MBUF_F_TX_TCP_SEG, _TCP_CKSUM,
    /// _UDP_CKSUM, _IPV4, _IPV6) and, for TSO, the segment size `tso_segsz`.
    /// l2_len/l3_len/l4_len stay 0: the switch reads the headers itself.
    void inject_offloaded(unsigned port, const frame& f, uint16_t seg, uint64_t ol_flags,
                          uint16_t tso_segsz = 0);
    /// Waits (up to 5 s) until the worker has counted `n` frames received on
    /// `port` in total; its counters are written after the burst's tx is done,
    /// so once this returns every output of those frames is on the tx rings.
    void wait_rx(unsigned port, uint64_t n);
    /// Takes every frame the bridge sent on `port` so far, freeing the mbufs.
    std::vector<frame> drain(unsigned port);
    /// A frame the bridge sent, with what its mbuf said besides the bytes.
    struct sent_frame {
        frame bytes;
        uint64_t ol_flags = 0;  ///< the head mbuf's (a request left on it, or none)
        uint16_t tso_segsz = 0; ///< the head mbuf's
        uint16_t nb_segs = 0;   ///< mbufs in its chain
    };
    /// Like drain(), keeping each mbuf's offload fields.
    std::vector<sent_frame> drain_sent(unsigned port);
    /// Like drain(), after waiting (up to 5 s) for `n` frames to be there.
    std::vector<frame> wait_tx(unsigned port, unsigned n);
    /// Without launch_workers: runs the worker on this thread until every rx
    /// ring is empty; every output is then on the tx rings.
    void poll(fdb_time now);
    /// One control pass at `now`: applies learn events, ages.
    void control_step(fdb_time now) { bridge_->step(now); }
    /// One loop/BPDU guard pass at `now_ms`: its events, unblocking, probes when due.
    void guard_step(uint64_t now_ms) { bridge_->guard_step(now_ms); }

    port_totals counters(unsigned port) const { return bridge_->port_stats(uint16_t(port)); }
    bridge& sw() { return *bridge_; }
    unsigned test_mbufs_in_use() const;

  private:
    std::vector<rte_ring*> rx_, tx_;
    rte_mempool* pool_ = nullptr;
    config cfg_;
    std::unique_ptr<bridge> bridge_;
};

/// Takes every free mbuf of the switch's own pool ("bh_mbufs") but `leave`
/// of them, until release() (or the end of the scope). The `leave` go back to
/// the pool's common store, not this lcore's cache, so a worker can take
/// them. Whatever the workers' lcore caches hold when it starts is out of its
/// reach: start it before a worker has taken any mbuf of the pool, or check
/// available().
class pool_hog {
  public:
    explicit pool_hog(unsigned leave = 0);
    ~pool_hog() { release(); }
    pool_hog(const pool_hog&) = delete;
    pool_hog& operator=(const pool_hog&) = delete;
    void release();
    /// Free mbufs anywhere, the workers' lcore caches included.
    unsigned available() const;

  private:
    rte_mempool* pool_;
    std::vector<rte_mbuf*> held_;
};

// Stations the tests use, and a clock reading for control passes.
inline constexpr const char* kA = "02:00:00:00:00:0a";
inline constexpr const char* kB = "02:00:00:00:00:0b";
inline constexpr const char* kS = "02:00:00:00:00:5a"; ///< for static entries
inline constexpr const char* kBroadcast = "ff:ff:ff:ff:ff:ff";
inline constexpr fdb_time kT0 = 5000;

/// A test with a bridge on net_ring ports. Every test ends with the test
/// pool's mbufs back at their baseline: nothing leaked, nothing left queued.
class harness_test : public ::testing::Test {
  protected:
    void start(const harness_options& o = {}) {
        h_ = std::make_unique<ring_harness>(o);
        baseline_ = h_->test_mbufs_in_use();
    }
    void TearDown() override {
        if (!h_)
            return;
        for (unsigned p = 0; p < h_->slots(); ++p)
            h_->drain(p);
        EXPECT_EQ(h_->test_mbufs_in_use(), baseline_) << "mbufs leaked";
        h_.reset();
    }
    /// Injects `f` on `port` and waits until the worker has taken it.
    void send(unsigned port, const frame& f) {
        // The count is read first: a worker quicker than this thread (which a
        // loaded machine can deschedule right after inject) would otherwise
        // have counted the frame already, and the wait would be for one more.
        const uint64_t before = h_->counters(port).rx_packets;
        h_->inject(port, f);
        h_->wait_rx(port, before + 1);
    }
    /// Injects `frames` on `port` in bursts of 32 (one enqueue each) and waits
    /// until the worker has taken them all.
    void send_all(unsigned port, const std::vector<frame>& frames) {
        const uint64_t before = h_->counters(port).rx_packets;
        for (size_t i = 0; i < frames.size(); i += 32)
            h_->inject_burst(
                port, std::vector<frame>(frames.begin() + long(i),
                                         frames.begin() + long(std::min(i + 32, frames.size()))));
        h_->wait_rx(port, before + frames.size());
    }
    /// An operator request's result; fails the test when the bridge refused it.
    nlohmann::json ok(const nlohmann::json& request) {
        const nlohmann::json reply = h_->sw().handle(request);
        EXPECT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
        return reply.value("result", nlohmann::json());
    }
    /// The refusal's message; fails the test when the bridge accepted it.
    std::string refused(const nlohmann::json& request) {
        const nlohmann::json reply = h_->sw().handle(request);
        EXPECT_FALSE(reply.at("ok").get<bool>()) << reply.dump();
        return reply.value("error", "");
    }
    /// A learns on port 0, B on port 1; the floods are drained.
    void learn_a_and_b() {
        send(0, make_frame(kB, kA));
        send(1, make_frame(kA, kB));
        h_->control_step(kT0);
        for (unsigned p = 0; p < h_->slots(); ++p)
            h_->drain(p);
    }

    std::unique_ptr<ring_harness> h_;
    unsigned baseline_ = 0;
};

} // namespace bridgehost::test
