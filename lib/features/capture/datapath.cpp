// Copying captured frames on a worker. Data path rules (datapath/worker.hpp): no syscall,
// log or malloc.
#include "features/capture/datapath.hpp"

#include "datapath/counters.hpp"

#include <array>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace bridgehost {

void capture_copy(capture_shared& cap, capture_dir dir, uint16_t port, rte_mbuf* const* pkts,
                  uint16_t n, worker_counters& counters) {
    // Claim this burst's share of the budget in one atomic step: several
    // workers may be capturing the same port, and together they must not copy
    // more than the count asked for.
    int64_t left = cap.budget.load(std::memory_order_relaxed);
    int64_t take = 0;
    do {
        take = left < n ? left : n;
        if (take <= 0)
            return;
    } while (!cap.budget.compare_exchange_weak(left, left - take, std::memory_order_relaxed));

    const uint32_t snaplen = cap.snaplen.load(std::memory_order_relaxed);
    const uint64_t now = rte_rdtsc();
    std::array<rte_mbuf*, kMaxBurst> copies;
    unsigned ncopies = 0;
    for (int64_t i = 0; i < take; ++i) {
        rte_mbuf* c = rte_pktmbuf_copy(pkts[i], cap.pool, 0, snaplen); // whole chain, up to snaplen
        if (c == nullptr)
            continue;
        auto* meta = static_cast<capture_meta*>(rte_mbuf_to_priv(c));
        *meta = {now, pkts[i]->pkt_len, port, dir};
        copies[ncopies++] = c;
    }
    const unsigned queued = rte_ring_mp_enqueue_burst(
        cap.ring, reinterpret_cast<void* const*>(copies.data()), ncopies, nullptr);
    if (queued != ncopies)
        rte_pktmbuf_free_bulk(&copies[queued], ncopies - queued);
    counters.captured.add(queued);
    if (queued != uint64_t(take)) {
        // A lost copy gives its share back: the capture still gets N frames
        // once the control lcore catches up, and the loss shows as a count.
        counters.capture_dropped.add(uint64_t(take) - queued);
        cap.budget.fetch_add(take - int64_t(queued), std::memory_order_relaxed);
    }
}

} // namespace bridgehost
