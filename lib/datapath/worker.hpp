// A poll-mode worker: rx burst -> parse -> bulk FDB lookup -> decide -> grouped tx burst.
//
// House rules for this file and worker.cpp: no syscall, no log, no allocation,
// no exception and no lock once run() has started. Everything the loop touches
// is sized in the constructor.
#pragma once

#include "datapath/counters.hpp"
#include "datapath/learn_event.hpp"
#include "fdb/fdb_cache.hpp"
#include "fdb/mac_table.hpp"
#include "features/capture/datapath.hpp"
#include "features/loop_guard/datapath.hpp"
#include "features/storm/datapath.hpp"
#include "features/stp/datapath.hpp"
#include "features/vlan/datapath.hpp"
#include "offload/port_offloads.hpp"
#include "port/port_policy.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include <rte_common.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace bridgehost {

/// One (port, rx queue) pair a worker polls.
struct rx_queue_ref {
    uint16_t port_index; ///< config order
    uint16_t port_id;    ///< DPDK port id
    uint16_t queue;      ///< rx queue id on that port
};

/// What every worker reads and the control lcore owns.
struct worker_shared {
    const mac_table* fdb;               ///< lookups only
    const std::atomic<fdb_time>* clock; ///< coarse time, published by the control lcore
    const std::atomic<bool>* running;   ///< false: finish the burst and return
    rte_rcu_qsbr* rcu;                  ///< report quiescence here once per loop
    capture_shared* capture = nullptr;  ///< what the capture tap reads (null: no capture)
    const guard_shared* guard;          ///< blocked ports, bpdu_guard ports, probe id
    const stp_shared* stp;              ///< the spanning tree's port states
    const offload_caps_shared* caps;    ///< what each port's peer finishes itself
};

class alignas(RTE_CACHE_LINE_SIZE) worker {
  public:
    struct params {
        unsigned index;                 ///< 0..workers-1; also the RCU thread id and tx queue id
        unsigned lcore;                 ///< lcore it runs on (for reports)
        uint16_t burst;                 ///< frames per rx burst
        uint64_t stall_cycles;          ///< a burst longer than this (TSC cycles) is a stall
        std::vector<rx_queue_ref> rx;   ///< queues it polls
        std::vector<uint16_t> port_ids; ///< DPDK port id of every port, by port index
        std::vector<fdb_key> port_macs; ///< each port's own MAC, by port index
        rte_ring* learn_ring;           ///< its single-producer ring to the control lcore
        worker_shared shared;
        const vlan_map* vlans = nullptr;     ///< null: every port carries every VLAN as it came
        rte_mempool* pool = nullptr;         ///< for the copies a flood needs when tags differ
        const port_policy* policy = nullptr; ///< null: no storm limits, mirror or mtu checks
        rte_ring* guard_ring = nullptr;      ///< its single-producer ring of guard_events
        rte_ring* probe_ring = nullptr; ///< probes the control lcore asks it to send; may be null
        offload_layout offloads;        ///< which ports' frames to look into, MTUs, large pool
        uint32_t fdb_cache_entries = 0; ///< its fdb_cache (a power of two; 0: none)
    };

    explicit worker(params p);

    /// The loop. Returns when shared.running turns false, after the current burst.
    void run();
    /// One pass over every rx queue; returns the cycles it spent on frames
    /// (busy and stalled).
    uint64_t poll_once(fdb_time now);

    /// New ports (a reload added or removed some), while the worker is
    /// stopped: the queues it polls, every port's id and MAC by the new index,
    /// and `to`, old port index -> new index (-1: removed). Per-port counters
    /// follow their port; a removed port's rx packets stay in the worker's total.
    void reconfigure(std::vector<rx_queue_ref> rx, std::vector<uint16_t> port_ids,
                     std::vector<fdb_key> port_macs, const std::vector<int>& to,
                     const vlan_map* vlans, const port_policy* policy,
                     const offload_layout& offloads);

    unsigned index() const { return p_.index; }
    unsigned lcore() const { return p_.lcore; }
    const std::vector<rx_queue_ref>& rx_queues() const { return p_.rx; }
    const worker_counters& counters() const { return counters_; }

  private:
    /// `tsc`: when the burst was received (storm control's clock).
    void process(const rx_queue_ref& rxq, uint16_t n, fdb_time now, uint64_t tsc);
    /// Sets the ports a flood reaches and the storm buckets from p_.policy.
    void apply_policy();
    /// Storm control for a frame to flood: true if it may go, else false and why not.
    bool storm_allows(uint16_t in_port, fdb_key dst, uint64_t tsc, drop_reason& reason);
    /// Sends a copy of each of the burst's n frames to the mirror port.
    void mirror_received(uint16_t n, uint16_t in_port);
    /// One more reference on every segment of m (a flood or a mirror shares it).
    static void share(rte_mbuf* m, int16_t extra);

    // Loop and BPDU guard (features/loop_guard/worker.cpp).
    /// Why a frame the guard looks at (a probe, a BPDU, any frame on a
    /// blocked, discarding or bpdu_guard port) is dropped; drop_reason::count:
    /// it goes on as usual. drop_reason::stp_bpdu: the frame went to the
    /// control lcore, which frees it.
    drop_reason guard_ingress(rte_mbuf* m, const uint8_t* eth, uint64_t src_and_type,
                              uint16_t in_port);
    /// False when the ring was full (the event is lost).
    bool post_guard_event(guard_event e);
    /// Not to be sent to: blocked by loop or BPDU guard, or not forwarding in the spanning tree.
    bool port_blocked(uint16_t port) const { return (blocked_ >> port) & 1; }
    /// Why a frame for blocked `port` is dropped.
    drop_reason blocked_reason(uint16_t port) const {
        return (guard_blocked_ >> port) & 1 ? drop_reason::port_blocked
                                            : drop_reason::stp_discarding;
    }
    /// Sends what the control lcore queued on probe_ring (once per loop, not per burst).
    void send_probes();

    // Offloads (worker_offload.cpp; offload/port_offloads.hpp says how a frame carries one).
    /// Looks at each of the burst's n frames from `in_port` for an offload
    /// (a super-frame, an unfinished checksum) and marks it; verdict_[i] says
    /// why frame i is dropped instead, or drop_reason::count. False when no
    /// frame needed a look (verdict_ is then not written).
    bool classify_offloads(uint16_t n, uint16_t in_port);
    /// A frame from a kernel (af_packet) port: the kernel says nothing, so
    /// the frame's own headers tell.
    drop_reason classify_kernel_frame(rte_mbuf* m, uint16_t mtu);
    /// A frame whose PMD marked its offload (vhost-user, virtio).
    drop_reason classify_flagged_frame(rte_mbuf* m);
    /// Queues frame m, which asks for an offload, to `port`: as it is when
    /// the port's peer takes it, else finished in software first.
    /// False when it was dropped instead (freed, counted on the ingress port).
    bool queue_offloaded(uint16_t port, rte_mbuf* m);
    /// Carries out m's offload request in software for port `for_port`
    /// (kMaxPorts: a flood) of IP MTU `mtu`: finishes its checksum in place
    /// (out[0] = m), or cuts it into segments (out[0..), m freed). Returns
    /// how many frames are in out; 0 when m was dropped (freed, count_lost).
    unsigned offload_in_software(rte_mbuf* m, uint16_t mtu, uint16_t for_port, rte_mbuf** out);
    /// A frame for `for_port` lost on its way out (no mbuf for a copy or a
    /// segment, an offload not carried out): counted on the ingress port, as
    /// `why`, or as mirror_lost when it was the mirror's copy (the frame
    /// itself goes on).
    void count_lost(uint16_t for_port, drop_reason why);
    /// Floods frame i, which asks for an offload: finished in software for
    /// the smallest MTU first (flooded frames are shared, so no port gets a
    /// request another could not take).
    bool flood_offloaded(unsigned i, uint16_t in_port);
    /// The smallest MTU of the ports a flood from `in_port` reaches.
    uint16_t flood_mtu(uint16_t in_port) const;
    /// The last key added for one role (destination or source) and its index.
    struct run_key {
        fdb_key key;
        uint16_t index;
    };
    /// Appends `key` to the lookup list unless it equals `last`; returns its index there.
    uint16_t add_key(fdb_key key, run_key& last);
    /// Looks up keys_[0..nkeys) in the worker's cache, then the misses in the
    /// FDB (which fill the cache). A source (bit u of is_source_) is taken from
    /// the cache only when that saves the table's answer too: verified on
    /// in_port this generation, static, or on another port (a move, posted).
    void lookup(unsigned nkeys, uint16_t in_port, fdb_time now);
    /// The FDB's bulk lookup of `n` keys, by their indices in keys_.
    void lookup_table(const uint16_t* which, unsigned n);
    /// What the FDB said about lookup key u, or null for a miss.
    const fdb_ref* found(unsigned u) const {
        return (hits_[u / 64] >> (u % 64)) & 1 ? &refs_[u] : nullptr;
    }
    /// refs_[u] came from the cache: its port and static flag, no slot.
    bool cached(unsigned u) const { return (cached_[u / 64] >> (u % 64)) & 1; }
    /// Posts or refreshes each distinct source of the burst.
    void learn_sources(uint16_t in_port, fdb_time now);
    bool first_post_this_tick(fdb_key key, uint32_t sig, uint16_t port, fdb_time now);
    /// True once per tick per FDB slot: this worker has not stored `now` into
    /// its last_seen yet. A bit per slot (a 2M-entry table: 256 KiB, in L2)
    /// instead of a look at last_seen itself (8 MiB: on a large table, a line
    /// from memory per source).
    bool first_refresh_this_tick(uint32_t slot, fdb_time now);
    void post_events(unsigned n);
    void flood(rte_mbuf* m, uint16_t in_port);
    /// Flooding within `vlan` (frame m came with `tag`), with each output
    /// port's tag action; returns false (the frame is then dropped) when a
    /// copy could not be had.
    bool flood_vlan(rte_mbuf* m, uint16_t vlan, frame_tag tag, uint16_t in_port);
    /// Frame i of the burst to every port of its flood: without VLAN
    /// settings, or within its VLAN.
    bool flood_frame(rte_mbuf* m, unsigned i, uint16_t in_port);
    /// Applies `action` to the frame's tag; false when there is no headroom to push one.
    static bool apply_tag(rte_mbuf* m, tag_action action, uint16_t vlan);
    /// ARP requests and replies of one burst (the promiscuous-mode diagnosis
    /// looks for requests nobody answers).
    struct arp_counts {
        uint16_t requests = 0, replies = 0;
    };
    /// 0x0806 read as the little-endian top half of the 8 bytes at the source MAC.
    static constexpr uint64_t kArpEthertypeInMemory = 0x0608;
    static constexpr uint64_t kDot1qEthertypeInMemory = 0x0081; ///< 0x8100, likewise
    static constexpr uint16_t kTaggedHeaderLen = 18;            ///< Ethernet header + 802.1Q tag
    static constexpr uint16_t kReservedVid = 0xfff;             ///< 802.1Q's VID 4095
    /// Why a frame whose first segment is shorter than its `header` bytes is
    /// dropped: the whole frame is (runt), or the chain split the header.
    static drop_reason short_header(const rte_mbuf* m, uint32_t header);
    /// The outer 802.1Q tag of a frame of TPID 0x8100; drop_reason::count
    /// when it is whole and usable, else why the frame is dropped.
    static drop_reason parse_tag(const rte_mbuf* m, const uint8_t* eth, frame_tag& tag);
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the key loads assume little endian");
    static void count_arp(const rte_mbuf* m, const uint8_t* eth, arp_counts& arp);
    /// What kind of flooded frame (destination `dst`) it is, added to `kinds`.
    struct flood_kinds {
        uint16_t multicast = 0, unknown_unicast = 0;
    };
    void classify_flood(fdb_key dst, uint16_t in_port, flood_kinds& kinds) const {
        if ((dst & 0x01) != 0)
            ++kinds.multicast;
        else // unicast to a MAC not in the FDB; the port's own MAC is not "foreign"
            kinds.unknown_unicast += dst != p_.port_macs[in_port];
    }
    /// Queues m for `port`, carrying out its offload request first if it has
    /// one. False when m was dropped instead (freed, counted on the ingress port).
    bool queue_tx(uint16_t port, rte_mbuf* m) {
        if ((m->ol_flags & kOffloadRequests) != 0) [[unlikely]]
            return queue_offloaded(port, m);
        return queue_plain(port, m);
    }
    /// Queues m for `port` as it is (and for the mirror, when `port` is
    /// mirrored); false when a copy out of the large pool could not be had.
    bool queue_plain(uint16_t port, rte_mbuf* m);
    void flush_tx();
    /// One tx burst of `count` frames to `port`; what the queue refuses is freed and counted.
    void transmit(uint16_t port, rte_mbuf** buf, uint16_t count);
    /// Frees and counts the frames longer than `port` may send; returns how many are left.
    uint16_t drop_too_big(uint16_t port, rte_mbuf** buf, uint16_t count);

    static constexpr unsigned kFilterSlots = 256;
    static constexpr unsigned kMaxKeys = 2 * kMaxBurst;

    // Hot, read every burst.
    worker_counters counters_;
    params p_;
    uint16_t nb_ports_;
    uint32_t flood_ports_ = 0;   ///< bits: the ports a flood may reach (not a mirror destination)
    uint32_t blocked_ = 0;       ///< ports not to send to (loop guard's, the spanning tree's)
    uint32_t guard_blocked_ = 0; ///< guard_shared::blocked as read at the start of the burst
    uint32_t stp_discarding_ = 0, stp_learning_ = 0; ///< stp_shared::ports, likewise
    bool stp_on_ = false;
    uint16_t in_port_ = 0;   ///< the burst's ingress port (offload drops and work count there)
    uint32_t fdb_epoch_ = 0; ///< mac_table::epoch as read at the start of the burst
    // offload_caps_shared as read at the start of the burst
    uint32_t caps_checksum_ = 0, caps_tso4_ = 0, caps_tso6_ = 0;

    // Burst scratch. Frames from one rx burst share the ingress port, and
    // frames in a row often share addresses (one flow's burst), so each
    // address is looked up once per run of equal ones: keys_ holds the
    // distinct-in-a-row destinations and sources, dst_of_/src_of_ map each
    // frame to its lookup, and learning runs once per looked-up source.
    std::array<rte_mbuf*, kMaxBurst> pkts_;
    std::array<rte_mbuf*, kMaxBurst> frames_; ///< frames that passed parsing
    std::array<rte_mbuf*, kMaxBurst> dropped_;
    std::array<uint16_t, kMaxBurst> dst_of_;
    std::array<uint16_t, kMaxBurst> src_of_;
    std::array<uint16_t, kMaxBurst> sources_;    ///< lookup indices of sources
    std::array<uint16_t, kMaxBurst> vlan_of_;    ///< each valid frame's VLAN
    std::array<frame_tag, kMaxBurst> tag_of_;    ///< and its outer 802.1Q tag
    std::array<drop_reason, kMaxBurst> verdict_; ///< classify_offloads: why frame i is dropped
    unsigned nkeys_ = 0, nsources_ = 0;
    std::array<fdb_key, kMaxKeys> keys_;
    std::array<const void*, kMaxKeys> key_ptrs_;
    std::array<uint32_t, kMaxKeys> sigs_;
    std::array<fdb_ref, kMaxKeys> refs_;
    std::array<uint64_t, kMaxKeys / 64> hits_{};      ///< bit u: keys_[u] was found
    std::array<uint64_t, kMaxKeys / 64> cached_{};    ///< bit u: ... in the cache
    std::array<uint64_t, kMaxKeys / 64> is_source_{}; ///< bit u: keys_[u] is a source
    std::array<uint16_t, kMaxKeys> misses_;           ///< keys the cache did not answer
    std::array<const void*, mac_table::kMaxBulk> bulk_keys_;
    std::array<uint32_t, mac_table::kMaxBulk> bulk_sigs_;
    std::array<fdb_ref, mac_table::kMaxBulk> bulk_refs_;
    fdb_cache cache_;
    bool cache_on_ = false; ///< this burst probes and fills cache_ (fdb_cache::probing)
    std::array<learn_event, kMaxBurst> events_;
    std::vector<rte_mbuf*> tx_buf_; ///< nb_ports_ x burst
    std::array<uint16_t, kMaxPorts> tx_count_{};
    std::array<uint16_t, kMaxPorts> unicast_out_{}; ///< known unicast queued per port this burst
    std::array<uint16_t, kMaxPorts> tx_pending_{};  ///< ports with frames queued this burst
    uint16_t nb_pending_ = 0;

    /// Posts of the same source within one clock tick are suppressed, so a fast
    /// flow from a new MAC costs one event, not one per frame, while the control
    /// lcore catches up. Not across a change of the table's epoch: a host whose
    /// entry was flushed or evicted is posted again from its next frame.
    struct posted {
        fdb_key key = 0;
        fdb_time tick = UINT32_MAX;
        uint32_t epoch = 0;
        uint16_t port = UINT16_MAX;
    };
    std::array<posted, kFilterSlots> post_filter_{};

    /// Bit s: this worker stored refreshed_tick_ into last_seen[s] (sized to
    /// the FDB's slots in the constructor, cleared when the clock ticks).
    std::vector<uint64_t> refreshed_;
    fdb_time refreshed_tick_ = UINT32_MAX;

    /// Storm control, by ingress port and class; this worker's share of each
    /// port's limit (its rx queues of the port over all of them).
    std::array<std::array<token_bucket, kStormClasses>, kMaxPorts> storm_{};
};

} // namespace bridgehost
