// What workers read of the spanning tree; the control lcore writes it
// (features/stp/control.hpp). Workers never parse a BPDU: a frame to the
// bridge group address 01:80:c2:00:00:00 is handed whole to the control
// lcore on the worker's guard ring (loop_guard/datapath.hpp), and each port's
// state is two bits here.
#pragma once

#include <atomic>
#include <cstdint>

namespace bridgehost {

struct stp_shared {
    /// Low 32 bits: port p discards (neither learns nor forwards); high 32
    /// bits: port p learns but does not forward. Both clear: it forwards.
    /// One word, so that a worker never sees half of a change.
    std::atomic<uint64_t> ports{0};
    std::atomic<bool> enabled{false}; ///< BPDUs go to the control lcore (else they are frames)

    static constexpr uint64_t pack(uint32_t discarding, uint32_t learning) {
        return uint64_t(learning) << 32 | discarding;
    }
};

} // namespace bridgehost
