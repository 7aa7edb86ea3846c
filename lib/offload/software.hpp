// What a port's peer cannot do for itself, done in software: finishing an L4
// checksum, and cutting a TCP super-frame into segments that fit the MTU.
//
// The worker calls these on the data path: no allocation but from the given
// pool, no syscall, no log, no exception. Each works on chains as well as on
// single mbufs.
//
// Why not rte_gso: DPDK 22.11's rte_gso segments TCP over IPv4 only (no
// IPv6), leaves every TCP checksum to the NIC, and is not built by the
// pinned DPDK of meson_wrap/. Segments here are copies (the headers and up
// to one MSS of payload in one mbuf each), so the super-frame is freed at
// once and every segment leaves with its checksums finished, which every
// kind of port can take.
#pragma once

#include "offload/frame_headers.hpp"

#include <cstdint>

struct rte_mbuf;
struct rte_mempool;

namespace bridgehost::offload {

/// The most segments one super-frame may be cut into: 64 KiB at an MSS of
/// 536 (the smallest IPv4 default) needs 123. A peer announcing a smaller
/// segment size would make one frame cost a burst of mbufs.
inline constexpr unsigned kMaxSegments = 128;

/// Writes the frame's full L4 checksum (whatever the field held before: a
/// partial sum or anything else). The headers must be in the first segment
/// (`h` from parse_l4 on it).
void finish_checksum(rte_mbuf* m, const l4_headers& h);

/// Why a super-frame could not be cut.
enum class segment_status : uint8_t {
    ok,
    no_mbuf,  ///< the pool ran out (nothing is kept)
    too_many, ///< it would take more than `max` segments, or kMaxSegments
};

/// Cuts TCP frame `m` (its headers as `h` says) into frames of at most `mss`
/// payload bytes, copied into mbufs from `pool`: each with its IP length,
/// IPv4 id (one more per segment) and header checksum, TCP sequence number,
/// flags (FIN and PSH on the last only, CWR on the first only) and full TCP
/// checksum. `m` itself is left as it was. On success, the segments are in
/// out[0..count).
segment_status segment_tcp(const rte_mbuf* m, const l4_headers& h, uint16_t mss, rte_mempool* pool,
                           rte_mbuf** out, unsigned max, unsigned& count);

} // namespace bridgehost::offload
