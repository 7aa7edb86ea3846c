// The workers' half of a packet capture: copies of wanted frames, on a ring to the control lcore.
//
// The control lcore (lib/features/capture/control.hpp) arms one capture at a time by
// setting bits in `armed`; a worker reads it once per burst with a relaxed
// load, which is all a capture costs while none runs. A matching frame is
// copied (rte_pktmbuf_copy: later in-place tag edits and the tx free do not
// touch the copy) into the capture's own small pool, stamped, and put on a
// multi-producer ring. No pool mbuf or no ring room loses only the copy,
// counted: the forwarded frame never waits for the capture.
#pragma once

#include "config/config.hpp" // kMaxPorts

#include <atomic>
#include <cstdint>

#include <rte_common.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace bridgehost {

struct worker_counters; // datapath/counters.hpp: the worker's, passed through to capture_copy

enum class capture_dir : uint8_t { rx = 0, tx = 1 };

/// What a copy carries beside the frame, in the capture pool's mbuf private area.
struct capture_meta {
    uint64_t tsc;      ///< rte_rdtsc() when the worker copied it
    uint32_t orig_len; ///< the frame's length on the wire (the copy may be cut at snaplen)
    uint16_t port;     ///< port index
    capture_dir dir;
};

/// Shared by the control lcore (writer) and every worker (readers). A cache
/// line of its own: while idle the workers' copy of it is never invalidated by
/// the control lcore writing its neighbours.
struct alignas(RTE_CACHE_LINE_SIZE) capture_shared {
    /// Bit p: port p's received frames are wanted; bit 32 + p: its transmitted ones. 0: idle.
    std::atomic<uint64_t> armed{0};
    /// Copies still wanted; workers take from it (only while armed), so N is never exceeded.
    std::atomic<int64_t> budget{0};
    std::atomic<uint32_t> snaplen{UINT32_MAX}; ///< bytes kept of each frame
    rte_ring* ring = nullptr;                  ///< multi-producer, single-consumer (control lcore)
    rte_mempool* pool = nullptr;               ///< copies come from here, never from the port pools
};

static_assert(kMaxPorts <= 32, "capture_shared::armed has 32 bits per direction");

/// The copying itself, out of line: it runs only while a capture is armed.
void capture_copy(capture_shared& cap, capture_dir dir, uint16_t port, rte_mbuf* const* pkts,
                  uint16_t n, worker_counters& counters);

/// Called once per rx burst (dir rx, as received) and once per tx burst (dir
/// tx, what is handed to the port's tx queue). Idle cost: one relaxed load.
inline void capture_tap(capture_shared* cap, capture_dir dir, uint16_t port, rte_mbuf* const* pkts,
                        uint16_t n, worker_counters& counters) {
    if (cap == nullptr)
        return;
    const uint64_t armed = cap->armed.load(std::memory_order_relaxed);
    if (((armed >> (unsigned(dir) * 32 + port)) & 1) == 0) [[likely]]
        return;
    capture_copy(*cap, dir, port, pkts, n, counters);
}

} // namespace bridgehost
