// The loop-guard probe frame and what workers and the control lcore share for
// loop and BPDU guard. No DPDK here beyond a forward declaration: the frame
// format is unit-tested without an EAL.
//
// A probe is 60 bytes (the minimum frame, without FCS):
//   dst  03:42:48:4c:47:00  a locally administered multicast ("BHLG"): vSwitches
//                           and other bridges flood it, unlike 01:80:c2:00:00:0x,
//                           which bridges never forward, so it crosses a loop
//   src  the sending port's own MAC
//   type 0x88b6             IEEE local experimental ethertype 2 (0x88b5, type 1,
//                           is what the tests' and the generator's frames use, so
//                           the worker's check never fires on them)
//   14   "BHLG"             magic
//   18   instance id        64-bit, big-endian, random per process
//   26   origin port index  16-bit, big-endian
//   28   sequence           32-bit, big-endian
//   32   zeros to 60
#pragma once

#include "common/mac_address.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

struct rte_mbuf;

namespace bridgehost {

inline constexpr size_t kProbeLen = 60;
inline constexpr std::array<uint8_t, 6> kProbeDst = {0x03, 0x42, 0x48, 0x4c, 0x47, 0x00};
inline constexpr uint16_t kProbeEthertype = 0x88b6;
/// The ethertype as the top 16 bits of a little-endian 8-byte load at the source MAC.
inline constexpr uint64_t kProbeEthertypeInMemory = 0xb688;
inline constexpr std::array<uint8_t, 4> kProbeMagic = {'B', 'H', 'L', 'G'};
/// Bytes a frame needs for is_own_probe to read it.
inline constexpr size_t kProbeHeaderLen = 32;
/// STP's destination (802.1D bridge group address); bridges never forward it.
inline constexpr std::array<uint8_t, 6> kStpDst = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};

/// Writes a probe into `out` (kProbeLen bytes).
inline void build_probe(uint8_t* out, const mac_address& src, uint64_t instance, uint16_t origin,
                        uint32_t seq) {
    std::memset(out, 0, kProbeLen);
    std::memcpy(out, kProbeDst.data(), 6);
    std::memcpy(out + 6, src.bytes.data(), 6);
    out[12] = uint8_t(kProbeEthertype >> 8);
    out[13] = uint8_t(kProbeEthertype);
    std::memcpy(out + 14, kProbeMagic.data(), 4);
    for (int i = 0; i < 8; ++i)
        out[18 + i] = uint8_t(instance >> (56 - 8 * i));
    out[26] = uint8_t(origin >> 8);
    out[27] = uint8_t(origin);
    for (int i = 0; i < 4; ++i)
        out[28 + i] = uint8_t(seq >> (24 - 8 * i));
}

/// True when the `len` bytes at `eth` (a frame of ethertype kProbeEthertype)
/// are a probe of `instance`; then `origin` is the port it was sent on.
inline bool is_own_probe(const uint8_t* eth, size_t len, uint64_t instance, uint16_t& origin) {
    if (len < kProbeHeaderLen || std::memcmp(eth + 14, kProbeMagic.data(), 4) != 0)
        return false;
    uint64_t id = 0;
    for (int i = 0; i < 8; ++i)
        id = id << 8 | eth[18 + i];
    if (id != instance)
        return false;
    origin = uint16_t(eth[26] << 8 | eth[27]);
    return true;
}

/// What workers read of loop and BPDU guard; the control lcore writes it.
struct guard_shared {
    std::atomic<uint32_t> blocked{0};    ///< bit p: port p blocked (read once per burst)
    std::atomic<uint32_t> bpdu_guard{0}; ///< bit p: port p blocks on a BPDU
    uint64_t instance = 0;               ///< this process's probe id; fixed before workers start
};

/// A worker's message to the control lcore, on its own guard ring.
struct guard_event {
    /// probe_returned: one of our probes came back; bpdu: a BPDU on a
    /// bpdu_guard port; stp_bpdu: a BPDU for the spanning tree, in `m`, which
    /// the control lcore now owns (it frees it).
    enum kind_t : uint8_t { probe_returned, bpdu, stp_bpdu };
    kind_t kind;
    uint8_t reserved = 0;
    uint16_t in_port; ///< where it arrived
    uint16_t origin;  ///< probe_returned: the port the probe was sent on
    uint16_t reserved2 = 0;
    rte_mbuf* m = nullptr; ///< stp_bpdu: the frame
};
static_assert(sizeof(guard_event) == 16);

/// A probe for a worker to send: the control lcore has no tx queue of its own.
struct probe_tx {
    rte_mbuf* m;
    uint16_t port; ///< port index
    uint16_t reserved[3];
};
static_assert(sizeof(probe_tx) == 16);

inline constexpr unsigned kGuardRingSize = 256; ///< events per worker ring
inline constexpr unsigned kProbeRingSize = 128; ///< probes waiting for a worker (over 3 rounds)

} // namespace bridgehost
