// The worker loop. See worker.hpp for the rules this file lives by.
#include "datapath/worker.hpp"

#include "datapath/decision.hpp"

#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>

namespace bridgehost {

worker::worker(params p)
    : p_(std::move(p)), nb_ports_(uint16_t(p_.port_ids.size())),
      tx_buf_(size_t(nb_ports_) * p_.burst) {
    cache_.resize(p_.fdb_cache_entries);
    refreshed_.assign((size_t(p_.shared.fdb->slots()) + 63) / 64, 0);
    for (unsigned i = 0; i < key_ptrs_.size(); ++i)
        key_ptrs_[i] = &keys_[i];
    apply_policy();
}

void worker::apply_policy() {
    const uint32_t all = nb_ports_ >= 32 ? ~0u : (1u << nb_ports_) - 1;
    flood_ports_ = p_.policy != nullptr ? p_.policy->forward_ports & all : all;
    const uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc();
    for (uint16_t port = 0; port < kMaxPorts; ++port) {
        unsigned mine = 0;
        for (const rx_queue_ref& q : p_.rx)
            mine += q.port_index == port;
        for (unsigned c = 0; c < kStormClasses; ++c) {
            uint64_t rate = 0;
            if (p_.policy != nullptr && port < nb_ports_ && mine != 0) {
                const uint64_t whole = storm_rate(p_.policy->storm[port], storm_class(c));
                const unsigned queues = RTE_MAX(p_.policy->rx_queues[port], uint16_t(1));
                rate = whole == 0 ? 0 : RTE_MAX(whole * mine / queues, uint64_t(1));
            }
            storm_[port][c].set(rate, hz, now);
        }
    }
}

void worker::reconfigure(std::vector<rx_queue_ref> rx, std::vector<uint16_t> port_ids,
                         std::vector<fdb_key> port_macs, const std::vector<int>& to,
                         const vlan_map* vlans, const port_policy* policy,
                         const offload_layout& offloads) {
    p_.vlans = vlans;
    p_.policy = policy;
    p_.offloads = offloads;
    std::array<port_counters, kMaxPorts> old;
    for (uint16_t p = 0; p < nb_ports_; ++p) {
        old[p].take(counters_.ports[p]);
        if (p >= to.size() || to[p] < 0)
            counters_.retired_rx.add(old[p].rx_packets.get());
    }
    for (uint16_t p = 0; p < nb_ports_; ++p)
        if (p < to.size() && to[p] >= 0)
            counters_.ports[size_t(to[p])].take(old[p]);
    p_.rx = std::move(rx);
    p_.port_ids = std::move(port_ids);
    p_.port_macs = std::move(port_macs);
    nb_ports_ = uint16_t(p_.port_ids.size());
    tx_buf_.assign(size_t(nb_ports_) * p_.burst, nullptr);
    tx_count_.fill(0);
    unicast_out_.fill(0);
    nb_pending_ = 0;
    post_filter_.fill(posted{}); // port numbers in it may mean other ports now
    cache_.invalidate();         // likewise (the table's epoch moved too, if it remapped)
    apply_policy();
}

void worker::run() {
    rte_rcu_qsbr* rcu = p_.shared.rcu;
    rte_rcu_qsbr_thread_register(rcu, p_.index);
    rte_rcu_qsbr_thread_online(rcu, p_.index);
    uint64_t t0 = rte_rdtsc();
    while (p_.shared.running->load(std::memory_order_relaxed)) {
        const uint64_t spent = poll_once(p_.shared.clock->load(std::memory_order_relaxed));
        if (p_.probe_ring != nullptr && !rte_ring_empty(p_.probe_ring)) [[unlikely]]
            send_probes();
        // Quiescent: this worker holds no FDB slot from before this point.
        rte_rcu_qsbr_quiescent(rcu, p_.index);
        const uint64_t t1 = rte_rdtsc();
        // Everything that was not frame work is idle: empty polls, loop overhead.
        counters_.idle_cycles.add(t1 - t0 - spent);
        t0 = t1;
    }
    rte_rcu_qsbr_thread_offline(rcu, p_.index);
    rte_rcu_qsbr_thread_unregister(rcu, p_.index);
}

uint64_t worker::poll_once(fdb_time now) {
    // Busy cycles are counted the way dpdk-testpmd --record-core-cycles counts
    // them, so the two compare: per rx queue that returned frames, from just
    // before rte_eth_rx_burst to the end of tx. A burst far longer than any
    // burst's work means the CPU was taken away mid-burst (another thread on
    // the same CPU, an interrupt, the hypervisor): it is a stall, counted apart,
    // or one preemption would weigh as much as thousands of bursts.
    uint64_t busy = 0, stalled = 0;
    for (const rx_queue_ref& rxq : p_.rx) {
        const uint64_t start = rte_rdtsc();
        const uint16_t n = rte_eth_rx_burst(rxq.port_id, rxq.queue, pkts_.data(), p_.burst);
        if (n == 0)
            continue;
        capture_tap(p_.shared.capture, capture_dir::rx, rxq.port_index, pkts_.data(), n, counters_);
        process(rxq, n, now, start);
        const uint64_t spent = rte_rdtsc() - start;
        if (spent > p_.stall_cycles) [[unlikely]] {
            stalled += spent;
            counters_.stalls.add(1);
        } else {
            busy += spent;
        }
    }
    counters_.busy_cycles.add(busy);
    if (stalled != 0)
        counters_.stall_cycles.add(stalled);
    return busy + stalled;
}

void worker::process(const rx_queue_ref& rxq, uint16_t n, fdb_time now, uint64_t tsc) {
    const uint16_t in_port = rxq.port_index;
    in_port_ = in_port;
    port_counters& in = counters_.ports[in_port];
    fdb_epoch_ = p_.shared.fdb->epoch(); // before any lookup (fdb_cache.hpp says why)
    // Loop and BPDU guard: which ports are blocked, read once per burst; frames
    // on a blocked or bpdu_guard port, and probes, take the guard's look.
    guard_blocked_ = p_.shared.guard->blocked.load(std::memory_order_relaxed);
    const uint64_t stp = p_.shared.stp->ports.load(std::memory_order_relaxed);
    stp_discarding_ = uint32_t(stp);
    stp_learning_ = uint32_t(stp >> 32);
    stp_on_ = p_.shared.stp->enabled.load(std::memory_order_relaxed);
    blocked_ = guard_blocked_ | stp_discarding_ | stp_learning_;
    const bool guarded_in = ((guard_blocked_ | stp_discarding_ |
                              p_.shared.guard->bpdu_guard.load(std::memory_order_relaxed)) >>
                             in_port) &
                            1;
    caps_checksum_ = p_.shared.caps->checksum.load(std::memory_order_relaxed);
    caps_tso4_ = p_.shared.caps->tso4.load(std::memory_order_relaxed);
    caps_tso6_ = p_.shared.caps->tso6.load(std::memory_order_relaxed);

    // Super-frames and unfinished checksums are marked before anything sends
    // the frames anywhere (a mirror does, next).
    const bool inspected = p_.offloads.inspects(in_port) && classify_offloads(n, in_port);

    const port_policy* const policy = p_.policy;
    if (policy != nullptr && policy->mirrors()) [[unlikely]] {
        if (in_port == policy->mirror_to) { // it takes no part in forwarding
            in.rx_packets.add(n);
            in.drop(drop_reason::mirror_destination).add(n);
            rte_pktmbuf_free_bulk(pkts_.data(), n);
            return;
        }
        if ((policy->mirror_rx >> in_port) & 1)
            mirror_received(n, in_port);
    }

    // The mbufs' first lines for the whole burst, then their data: where the
    // frames were written by another CPU (a ring's peer, a NIC's DMA), each
    // header miss overlaps the others instead of stalling the data's address.
    for (uint16_t i = 0; i < n; ++i)
        rte_prefetch0(pkts_[i]);
    for (uint16_t i = 0; i < n; ++i)
        rte_prefetch0(rte_pktmbuf_mtod(pkts_[i], void*));

    // Parse: keep frames with a whole Ethernet header and a learnable source.
    std::array<uint16_t, kDropReasons> drops{};
    arp_counts arp;
    unsigned nvalid = 0, ndropped = 0;
    nkeys_ = nsources_ = 0;
    is_source_.fill(0);
    // Sentinels no real key equals (a key has 12 bits of VLAN and 48 of MAC).
    run_key last_dst{~fdb_key(0), 0}, last_src{~fdb_key(0), 0};
    unsigned dst_runs = 0;
    uint64_t rx_bytes = 0;
    uint64_t any_flags = 0; // every frame's ol_flags, or-ed: does any ask for an offload?
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts_[i];
        rx_bytes += m->pkt_len;
        if (m->data_len < RTE_ETHER_HDR_LEN) [[unlikely]] {
            ++drops[unsigned(short_header(m, RTE_ETHER_HDR_LEN))];
            dropped_[ndropped++] = m;
            continue;
        }
        if (inspected && verdict_[i] != drop_reason::count) [[unlikely]] {
            ++drops[unsigned(verdict_[i])];
            dropped_[ndropped++] = m;
            continue;
        }
        any_flags |= m->ol_flags;
        const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
        uint64_t src_and_type; // the source MAC and the ethertype, as they lie in memory
        std::memcpy(&src_and_type, eth + RTE_ETHER_ADDR_LEN, sizeof(src_and_type));
        // An 802.3 length below 0x600 where the ethertype would be (its high
        // byte below 6) is an LLC frame, a BPDU perhaps: the spanning tree's.
        if (guarded_in || (src_and_type >> 48) == kProbeEthertypeInMemory ||
            (stp_on_ && ((src_and_type >> 48) & 0xff) < 0x06)) [[unlikely]] {
            const drop_reason why = guard_ingress(m, eth, src_and_type, in_port);
            if (why != drop_reason::count) {
                ++drops[unsigned(why)];
                if (why != drop_reason::stp_bpdu) // that one is the control lcore's now
                    dropped_[ndropped++] = m;
                continue;
            }
        }
        if ((src_and_type >> 48) == kArpEthertypeInMemory) [[unlikely]]
            count_arp(m, eth, arp);
        // The outer 802.1Q tag, if any, and the frame's VLAN. Without VLAN
        // settings the VLAN is the tag's VID as it came (0: untagged).
        frame_tag tag;
        if ((src_and_type >> 48) == kDot1qEthertypeInMemory) [[unlikely]] {
            const drop_reason why = parse_tag(m, eth, tag);
            if (why != drop_reason::count) {
                ++drops[unsigned(why)];
                dropped_[ndropped++] = m;
                continue;
            }
        }
        uint16_t vlan = tag.vid;
        if (p_.vlans != nullptr) {
            const vlan_ingress in_vlan = p_.vlans->classify(in_port, tag);
            if (!in_vlan.ok) {
                ++drops[unsigned(drop_reason::vlan_filtered)];
                dropped_[ndropped++] = m;
                continue;
            }
            vlan = in_vlan.vlan;
        }
        const fdb_key in_vlan_bits = fdb_key(vlan) << 48;
        const fdb_key src = (src_and_type & kMacMask) | in_vlan_bits;
        if (invalid_source(src)) {
            ++drops[unsigned(drop_reason::invalid_src)];
            dropped_[ndropped++] = m;
            continue;
        }
        frames_[nvalid] = m;
        if (p_.vlans != nullptr) { // read only where tags may change
            vlan_of_[nvalid] = vlan;
            tag_of_[nvalid] = tag;
        }
        const unsigned before_dst = nkeys_;
        dst_of_[nvalid] = add_key(load_mac_key(eth) | in_vlan_bits, last_dst);
        dst_runs += nkeys_ != before_dst;
        const unsigned before_src = nkeys_;
        src_of_[nvalid] = add_key(src, last_src);
        if (nkeys_ != before_src) {
            sources_[nsources_++] = src_of_[nvalid];
            is_source_[before_src / 64] |= uint64_t(1) << (before_src % 64);
        }
        ++nvalid;
    }
    if (!inspected && (any_flags & RTE_MBUF_F_TX_TCP_SEG) != 0) [[unlikely]] {
        // Super-frames a net_ring peer hands over as TSO requests: counted as
        // arrival counts those of the ports it looks into.
        unsigned super = 0;
        for (unsigned i = 0; i < nvalid; ++i)
            super += (frames_[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
        in.super_frames.add(super);
    }
    lookup(nkeys_, in_port, now);
    // Known sources get their refresh decided after forwarding: start the load now.
    for (unsigned k = 0; k < nsources_; ++k)
        if (const fdb_ref* ref = found(sources_[k]); ref != nullptr && !cached(sources_[k]))
            rte_prefetch0(&refreshed_[ref->slot() / 64]);

    if (((stp_learning_ >> in_port) & 1) != 0) [[unlikely]] {
        // The spanning tree's learning state: the sources are learned (below),
        // nothing is forwarded.
        drops[unsigned(drop_reason::stp_learning)] += uint16_t(nvalid);
        for (unsigned i = 0; i < nvalid; ++i)
            dropped_[ndropped++] = frames_[i];
        nvalid = 0;
    }
    unsigned unicast = 0, flooded = 0;
    flood_kinds kinds;
    // One flow's burst (every frame valid, one destination) to a learned port:
    // one decision, and the frames go out as they came in, in one tx burst.
    // (Ports with VLAN settings may need a tag changed per frame, a policy
    // may mirror or check each frame, an offload request is carried out per
    // frame and output port, and a kernel port's frames may be in the large
    // pool, which some output ports must not keep: not then.)
    const bool kernel_in = (p_.offloads.rx_kernel >> in_port) & 1;
    const forward_decision first = dst_runs == 1 && nvalid == n && p_.vlans == nullptr &&
                                           policy == nullptr && !kernel_in &&
                                           (any_flags & kOffloadRequests) == 0
                                       ? decide_forward(keys_[0], found(0), in_port)
                                       : forward_decision{verdict::flood, 0, {}};
    if (first.action == verdict::unicast && !port_blocked(first.out_port)) {
        transmit(first.out_port, frames_.data(), uint16_t(nvalid));
        unicast = nvalid;
        counters_.ports[first.out_port].unicast_out.add(nvalid);
    } else {
        for (unsigned i = 0; i < nvalid; ++i) {
            rte_mbuf* m = frames_[i];
            const unsigned d = dst_of_[i];
            const forward_decision fd = decide_forward(keys_[d], found(d), in_port);
            switch (fd.action) {
            case verdict::unicast:
                if (port_blocked(fd.out_port)) [[unlikely]] {
                    ++drops[unsigned(blocked_reason(fd.out_port))];
                    dropped_[ndropped++] = m;
                    break;
                }
                if (p_.vlans != nullptr &&
                    !apply_tag(m, p_.vlans->action(fd.out_port, vlan_of_[i], tag_of_[i]),
                               vlan_of_[i])) {
                    ++drops[unsigned(drop_reason::no_mbuf)];
                    dropped_[ndropped++] = m;
                    break;
                }
                if (!queue_tx(fd.out_port, m))
                    break; // its offload could not be carried out: dropped, counted
                ++unicast_out_[fd.out_port];
                ++unicast;
                break;
            case verdict::flood:
                if (policy != nullptr) [[unlikely]] {
                    drop_reason why;
                    if (!storm_allows(in_port, keys_[d], tsc, why)) {
                        ++drops[unsigned(why)];
                        dropped_[ndropped++] = m;
                        break;
                    }
                }
                classify_flood(keys_[d], in_port, kinds);
                if ((m->ol_flags & kOffloadRequests) != 0) [[unlikely]] {
                    if (!flood_offloaded(i, in_port))
                        break; // dropped, freed and counted there
                } else if (!flood_frame(m, i, in_port)) {
                    ++drops[unsigned(drop_reason::no_mbuf)];
                    dropped_[ndropped++] = m;
                    break;
                }
                ++flooded;
                break;
            case verdict::drop:
                ++drops[unsigned(fd.reason)];
                dropped_[ndropped++] = m;
                break;
            }
        }
    }
    flush_tx(); // the rest, and what a mirror queued
    learn_sources(in_port, now);
    if (ndropped != 0)
        rte_pktmbuf_free_bulk(dropped_.data(), ndropped);

    in.rx_packets.add(n);
    in.rx_bytes.add(rx_bytes);
    in.unicast.add(unicast);
    in.flooded.add(flooded);
    if (flooded != 0) {
        in.multicast.add(kinds.multicast);
        in.unknown_unicast.add(kinds.unknown_unicast);
    }
    if (arp.requests != 0)
        in.arp_requests.add(arp.requests);
    if (arp.replies != 0)
        in.arp_replies.add(arp.replies);
    for (unsigned r = 0; r < kDropReasons; ++r)
        if (drops[r] != 0)
            in.drops[r].add(drops[r]);
}

drop_reason worker::short_header(const rte_mbuf* m, uint32_t header) {
    // A chain could hold the rest, but every PMD puts the header in the first
    // segment: not worth a copy on the data path, and never read past data_len.
    return m->pkt_len < header ? drop_reason::runt : drop_reason::split_header;
}

drop_reason worker::parse_tag(const rte_mbuf* m, const uint8_t* eth, frame_tag& tag) {
    // A frame that says 0x8100 has a tag, or is refused: read as untagged, a
    // truncated one would be forwarded and learned in the wrong VLAN.
    if (m->data_len < kTaggedHeaderLen)
        return short_header(m, kTaggedHeaderLen);
    const uint16_t vid = uint16_t((eth[14] & 0x0f) << 8 | eth[15]);
    if (vid == kReservedVid) // 802.1Q: never sent; no port carries it
        return drop_reason::vlan_filtered;
    tag = {true, vid};
    return drop_reason::count;
}

void worker::count_arp(const rte_mbuf* m, const uint8_t* eth, arp_counts& arp) {
    constexpr size_t kOpcodeEnd = RTE_ETHER_HDR_LEN + 8; // htype, ptype, hlen, plen, opcode
    if (m->data_len < kOpcodeEnd || eth[20] != 0)
        return;
    arp.requests += eth[21] == 1;
    arp.replies += eth[21] == 2;
}

uint16_t worker::add_key(fdb_key key, run_key& last) {
    if (key != last.key) {
        keys_[nkeys_] = key;
        last = {key, uint16_t(nkeys_++)};
    }
    return last.index;
}

void worker::lookup(unsigned nkeys, uint16_t in_port, fdb_time now) {
    hits_.fill(0);
    cached_.fill(0);
    for (unsigned i = 0; i < nkeys; ++i)
        sigs_[i] = fdb_hash(keys_[i]);
    unsigned nmiss = 0;
    cache_on_ = cache_.enabled() && cache_.begin_burst(now, fdb_epoch_);
    if (!cache_on_) {
        for (unsigned i = 0; i < nkeys; ++i)
            misses_[nmiss++] = uint16_t(i);
    } else {
        for (unsigned i = 0; i < nkeys; ++i)
            cache_.prefetch(sigs_[i]);
        for (unsigned i = 0; i < nkeys; ++i) {
            const fdb_cache::entry* e = cache_.find(keys_[i], sigs_[i]);
            const bool source = (is_source_[i / 64] >> (i % 64)) & 1;
            if (e != nullptr &&
                (!source || e->verified != 0 || e->is_static != 0 || e->port != in_port)) {
                refs_[i] = fdb_ref(0, e->port, e->is_static != 0);
                hits_[i / 64] |= uint64_t(1) << (i % 64);
                cached_[i / 64] |= uint64_t(1) << (i % 64);
            } else {
                misses_[nmiss++] = uint16_t(i);
            }
        }
    }
    if (cache_on_)
        cache_.note(nkeys - nmiss, nkeys);
    for (unsigned base = 0; base < nmiss; base += mac_table::kMaxBulk)
        lookup_table(&misses_[base], RTE_MIN(nmiss - base, mac_table::kMaxBulk));
    if (nkeys != nmiss)
        counters_.fdb_cache_hits.add(nkeys - nmiss);
    if (nmiss != 0)
        counters_.fdb_cache_misses.add(nmiss);
}

void worker::lookup_table(const uint16_t* which, unsigned n) {
    for (unsigned j = 0; j < n; ++j) {
        bulk_keys_[j] = key_ptrs_[which[j]];
        bulk_sigs_[j] = sigs_[which[j]];
    }
    uint64_t hit =
        p_.shared.fdb->lookup_bulk(bulk_keys_.data(), bulk_sigs_.data(), n, bulk_refs_.data());
    for (; hit != 0; hit &= hit - 1) {
        const unsigned j = unsigned(__builtin_ctzll(hit)), u = which[j];
        refs_[u] = bulk_refs_[j];
        hits_[u / 64] |= uint64_t(1) << (u % 64);
        if (cache_on_) // a source is verified once learn_sources refreshes it
            cache_.fill(keys_[u], sigs_[u], refs_[u].port(), refs_[u].is_static(), false);
    }
}

void worker::learn_sources(uint16_t in_port, fdb_time now) {
    // Every frame of the burst came in on in_port, so each distinct source is
    // decided once, however many frames it sent.
    unsigned nevents = 0;
    for (unsigned k = 0; k < nsources_; ++k) {
        const unsigned u = sources_[k];
        const fdb_ref* ref = found(u);
        switch (decide_learning(ref, in_port)) {
        case learn_action::post:
            if (first_post_this_tick(keys_[u], sigs_[u], in_port, now))
                events_[nevents++] = learn_event{keys_[u], in_port, {}};
            break;
        case learn_action::refresh:
            if (cached(u))
                break; // verified this generation, so refreshed this tick
            if (first_refresh_this_tick(ref->slot(), now))
                p_.shared.fdb->touch(ref->slot(), now);
            if (cache_on_)
                cache_.fill(keys_[u], sigs_[u], in_port, false, true);
            break;
        case learn_action::none:
            break;
        }
    }
    post_events(nevents);
}

bool worker::first_refresh_this_tick(uint32_t slot, fdb_time now) {
    if (refreshed_tick_ != now) [[unlikely]] { // once a second: a bit per FDB slot
        std::fill(refreshed_.begin(), refreshed_.end(), 0);
        refreshed_tick_ = now;
    }
    uint64_t& word = refreshed_[slot / 64];
    const uint64_t bit = uint64_t(1) << (slot % 64);
    if ((word & bit) != 0)
        return false;
    word |= bit;
    return true;
}

bool worker::first_post_this_tick(fdb_key key, uint32_t sig, uint16_t port, fdb_time now) {
    posted& slot = post_filter_[sig % kFilterSlots];
    if (slot.key == key && slot.port == port && slot.tick == now && slot.epoch == fdb_epoch_)
        return false;
    slot = {key, now, fdb_epoch_, port};
    return true;
}

void worker::post_events(unsigned n) {
    if (n == 0)
        return;
    const unsigned sent = rte_ring_sp_enqueue_burst_elem(p_.learn_ring, events_.data(),
                                                         sizeof(learn_event), n, nullptr);
    counters_.learn_events.add(sent);
    if (sent == n)
        return;
    counters_.learn_ring_full.add(n - sent);
    // Let the lost ones be posted again by the next frame instead of next tick.
    for (unsigned i = sent; i < n; ++i)
        post_filter_[fdb_hash(events_[i].key) % kFilterSlots] = posted{};
}

bool worker::storm_allows(uint16_t in_port, fdb_key dst, uint64_t tsc, drop_reason& reason) {
    const storm_class c = classify_storm(dst);
    if (storm_[in_port][unsigned(c)].take(tsc))
        return true;
    constexpr drop_reason kDrop[kStormClasses] = {drop_reason::storm_broadcast,
                                                  drop_reason::storm_multicast,
                                                  drop_reason::storm_unknown_unicast};
    reason = kDrop[unsigned(c)];
    return false;
}

void worker::share(rte_mbuf* m, int16_t extra) {
    // On every segment: the tx path frees segment by segment.
    for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next)
        rte_mbuf_refcnt_update(seg, extra);
}

void worker::mirror_received(uint16_t n, uint16_t in_port) {
    // The copy shows the frame as it came in. Without VLAN settings no frame is
    // ever changed, so the mirror shares the mbuf; otherwise a tag may be pushed
    // or popped in place later in this burst, so the mirror gets a copy.
    const uint16_t to = p_.policy->mirror_to;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts_[i];
        if (m->pkt_len < RTE_ETHER_HDR_LEN) [[unlikely]]
            continue; // a runt is no frame to send anywhere (it is dropped, counted)
        if (p_.vlans == nullptr) {
            share(m, 1);
            queue_tx(to, m);
        } else if (rte_mbuf* copy = rte_pktmbuf_copy(m, p_.pool, 0, UINT32_MAX)) {
            queue_tx(to, copy);
        } else {
            counters_.ports[in_port].drop(drop_reason::mirror_lost).add(1);
        }
    }
}

void worker::flood(rte_mbuf* m, uint16_t in_port) {
    // Every other port that is not blocked (nor a mirror destination) gets the
    // same mbuf: one more reference per extra port.
    const uint32_t ports = flood_ports_ & ~(1u << in_port) & ~blocked_;
    if (ports == 0) [[unlikely]] { // the only other port is blocked or a mirror destination
        rte_pktmbuf_free(m);
        return;
    }
    const int16_t extra = int16_t(__builtin_popcount(ports) - 1);
    if (extra > 0)
        share(m, extra);
    for (uint32_t rest = ports; rest != 0; rest &= rest - 1)
        queue_tx(uint16_t(__builtin_ctz(rest)), m);
}

bool worker::apply_tag(rte_mbuf* m, tag_action action, uint16_t vlan) {
    uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
    switch (action) {
    case tag_action::keep:
        return true;
    case tag_action::pop: // the addresses move over the tag (parse checked the length)
        std::memmove(eth + 4, eth, 2 * RTE_ETHER_ADDR_LEN);
        rte_pktmbuf_adj(m, 4);
        return true;
    case tag_action::push: {
        uint8_t* head = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 4));
        if (head == nullptr)
            return false;
        std::memmove(head, head + 4, 2 * RTE_ETHER_ADDR_LEN);
        head[12] = 0x81;
        head[13] = 0x00;
        head[14] = uint8_t(vlan >> 8);
        head[15] = uint8_t(vlan);
        return true;
    }
    case tag_action::set_vid: // keeps the priority bits
        eth[14] = uint8_t((eth[14] & 0xf0) | (vlan >> 8));
        eth[15] = uint8_t(vlan);
        return true;
    }
    return true;
}

bool worker::flood_frame(rte_mbuf* m, unsigned i, uint16_t in_port) {
    if (p_.vlans == nullptr) {
        flood(m, in_port);
        return true;
    }
    return flood_vlan(m, vlan_of_[i], tag_of_[i], in_port);
}

bool worker::flood_vlan(rte_mbuf* m, uint16_t vlan, frame_tag tag, uint16_t in_port) {
    // The output ports, by what their tag needs; the original frame goes to the
    // first group as it came or changed, each other group gets a copy.
    constexpr unsigned kActions = 4;
    std::array<uint32_t, kActions> group{};
    const uint32_t ports = p_.vlans->members[vlan] & flood_ports_ & ~(1u << in_port) & ~blocked_;
    for (uint32_t rest = ports; rest != 0; rest &= rest - 1) {
        const uint16_t out = uint16_t(__builtin_ctz(rest));
        group[unsigned(p_.vlans->action(out, vlan, tag))] |= 1u << out;
    }
    std::array<rte_mbuf*, kActions> copy{};
    bool original_used = false;
    for (unsigned a = 0; a < kActions; ++a) {
        if (group[a] == 0)
            continue;
        if (!original_used) {
            copy[a] = m;
            original_used = true;
            continue;
        }
        copy[a] = rte_pktmbuf_copy(m, p_.pool, 0, UINT32_MAX);
        if (copy[a] == nullptr) {
            for (unsigned b = 0; b < a; ++b)
                if (copy[b] != nullptr && copy[b] != m)
                    rte_pktmbuf_free(copy[b]);
            return false;
        }
    }
    if (!original_used) { // nobody else carries the VLAN
        rte_pktmbuf_free(m);
        return true;
    }
    // Tags change before any sharing: each mbuf has one reference until queued.
    for (unsigned a = 0; a < kActions; ++a) {
        if (group[a] == 0)
            continue;
        rte_mbuf* x = copy[a];
        if (!apply_tag(x, tag_action(a), vlan)) {
            rte_pktmbuf_free(x); // no headroom for a tag: these ports miss it, counted
            counters_.ports[in_port].drop(drop_reason::no_mbuf).add(1);
            group[a] = 0;
            continue;
        }
        const int16_t extra = int16_t(__builtin_popcount(group[a]) - 1);
        if (extra > 0)
            share(x, extra);
        for (uint32_t rest = group[a]; rest != 0; rest &= rest - 1)
            queue_tx(uint16_t(__builtin_ctz(rest)), x);
    }
    return true;
}

bool worker::queue_plain(uint16_t port, rte_mbuf* m) {
    if (m->pool == p_.offloads.big_pool && ((p_.offloads.tx_holds >> port) & 1)) [[unlikely]] {
        // A PMD that holds sent mbufs would hold the large pool's few.
        rte_mbuf* copy = rte_pktmbuf_copy(m, p_.pool, 0, UINT32_MAX);
        rte_pktmbuf_free(m);
        if (copy == nullptr) {
            count_lost(port, drop_reason::no_mbuf);
            return false;
        }
        m = copy;
    }
    uint16_t& count = tx_count_[port];
    rte_mbuf** buf = &tx_buf_[size_t(port) * p_.burst];
    if (count == 0) {
        tx_pending_[nb_pending_++] = port;
    } else if (count == p_.burst) [[unlikely]] { // a mirror port, or a super-frame's segments
        transmit(port, buf, count);
        count = 0;
    }
    buf[count++] = m;
    if (p_.policy != nullptr && (p_.policy->mirror_tx >> port) & 1) [[unlikely]] {
        share(m, 1); // what leaves the port is final: the mirror can share it
        queue_tx(p_.policy->mirror_to, m);
    }
    return true;
}

void worker::flush_tx() {
    for (unsigned k = 0; k < nb_pending_; ++k) {
        const uint16_t port = tx_pending_[k];
        transmit(port, &tx_buf_[size_t(port) * p_.burst], tx_count_[port]);
        tx_count_[port] = 0;
        if (unicast_out_[port] != 0) {
            counters_.ports[port].unicast_out.add(unicast_out_[port]);
            unicast_out_[port] = 0;
        }
    }
    nb_pending_ = 0;
}

void worker::transmit(uint16_t port, rte_mbuf** buf, uint16_t count) {
    port_counters& out = counters_.ports[port];
    if (p_.policy != nullptr && p_.policy->max_frame[port] != 0) [[unlikely]]
        count = drop_too_big(port, buf, count);
    // Bytes are read before tx: once sent, the PMD may already have freed the mbuf.
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < count; ++i)
        bytes += buf[i]->pkt_len;
    capture_tap(p_.shared.capture, capture_dir::tx, port, buf, count, counters_);
    const uint16_t sent = rte_eth_tx_burst(p_.port_ids[port], uint16_t(p_.index), buf, count);
    if (sent != count) {
        // Never retry in a loop: a stuck peer must not stall the other ports.
        for (uint16_t i = sent; i < count; ++i)
            bytes -= buf[i]->pkt_len;
        rte_pktmbuf_free_bulk(buf + sent, count - sent);
        out.drop(drop_reason::tx_full).add(count - sent);
    }
    out.tx_packets.add(sent);
    out.tx_bytes.add(bytes);
}

uint16_t worker::drop_too_big(uint16_t port, rte_mbuf** buf, uint16_t count) {
    // An L2 switch cannot fragment: a frame the output port's MTU cannot carry
    // is dropped, as a hardware switch does.
    const uint32_t limit = p_.policy->max_frame[port];
    uint16_t kept = 0, dropped = 0;
    for (uint16_t i = 0; i < count; ++i) {
        // A super-frame here is for a peer that cuts it (to its MTU) itself.
        if (buf[i]->pkt_len <= limit || (buf[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0) {
            buf[kept++] = buf[i];
        } else {
            rte_pktmbuf_free(buf[i]);
            ++dropped;
        }
    }
    if (dropped != 0)
        counters_.ports[port].drop(drop_reason::too_big).add(dropped);
    return kept;
}

} // namespace bridgehost
