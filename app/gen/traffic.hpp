// bridgehost-gen's traffic: which MACs talk to which, the frames they send,
// and the latency histogram. Pure logic, unit-tested without DPDK.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace bridgehost::gen {

/// N MACs split evenly over the two sides: pair i is host A_i behind port 0
/// and host B_i behind port 1. Port 0 sends A_i -> B_i and port 1 sends
/// B_i -> A_i, so every destination is also a source the switch learns.
///
/// MAC of host i on side s: 02:0s:ii:ii:ii:ii (locally administered unicast,
/// i big-endian), so a frame's side is readable from its second byte.
class traffic_pattern {
  public:
    static constexpr uint32_t kMinMacs = 2;
    static constexpr uint32_t kMaxMacs = 1u << 24;
    static constexpr uint16_t kMinFrame = 64;   ///< on the wire, with the 4-byte FCS
    static constexpr uint16_t kMaxFrame = 1518; ///< likewise
    static constexpr size_t kHeaderBytes = 42;  ///< Ethernet + IPv4 + UDP
    static constexpr size_t kStampOffset = kHeaderBytes;
    static constexpr uint64_t kStampMagic = 0x62686765'6e747331ull; // "bhgents1"

    /// Throws std::invalid_argument for an odd or out-of-range MAC count or frame size.
    traffic_pattern(uint32_t macs, uint16_t frame_size);

    uint32_t pairs() const { return pairs_; }
    uint16_t frame_size() const { return frame_size_; }
    /// Bytes in the buffer: the frame without its FCS, which the NIC adds.
    uint16_t buffer_bytes() const { return uint16_t(frame_size_ - 4); }

    static std::array<uint8_t, 6> mac(unsigned side, uint32_t host);
    /// Side (0 or 1) a generated MAC lives on, or -1 if it is not one of ours.
    static int side_of(const uint8_t* mac);

    /// Writes the headers of the frame port `side` sends for pair `pair`
    /// (Ethernet, IPv4 198.18.0.0/15 per RFC 2544, UDP) into buf, which holds
    /// at least buffer_bytes(). The payload past the headers is left as it is.
    void write_headers(uint8_t* buf, unsigned side, uint32_t pair) const;

    /// Timestamps: a magic word and the TSC at kStampOffset. Frames that carry
    /// none get the magic cleared (buffers are reused), so stale stamps never count.
    static void stamp(uint8_t* buf, uint64_t tsc);
    static void unstamp(uint8_t* buf);
    /// The TSC a stamped frame carries, or 0 when it carries none.
    static uint64_t read_stamp(const uint8_t* buf, size_t len);

  private:
    uint32_t pairs_;
    uint16_t frame_size_;
    std::array<uint8_t, kHeaderBytes> base_[2]; ///< per side, MACs and checksum left to fill
};

/// The working set's rotation (--churn): which host holds each of the
/// pattern's pair slots at a given time. `per_second` pairs are replaced per
/// second, spread evenly over the second, slots in turn (0, 1, .., P-1, 0, ..),
/// each by a pair never used before: slot s after its k-th replacement holds
/// host s + k*P. A replaced pair stops sending, so the switch ages its two MACs
/// out, and the new pair is learned when it first sends.
class mac_churn {
  public:
    /// Throws std::invalid_argument for zero pairs.
    mac_churn(uint32_t pairs, uint32_t pairs_per_second);

    /// Pairs replaced in the first `ms` milliseconds.
    uint64_t replaced(uint64_t ms) const { return ms * per_second_ / 1000; }
    /// Host number of slot `slot` (< pairs) at `ms`; the slot itself while ms
    /// is 0 or there is no churn.
    uint64_t host(uint32_t slot, uint64_t ms) const {
        const uint64_t n = replaced(ms);
        return slot + (n / pairs_ + (slot < n % pairs_ ? 1 : 0)) * uint64_t(pairs_);
    }
    /// Hosts used by `ms` (one more than the highest host number): each needs
    /// host numbers below 2^32 (4 bytes of the MAC).
    uint64_t hosts_used(uint64_t ms) const { return pairs_ + replaced(ms); }

  private:
    uint32_t pairs_;
    uint32_t per_second_;
};

/// Latency histogram in TSC cycles: log-linear buckets (16 per power of two),
/// so p99 is exact to within 1/16 of its value, in fixed memory.
class latency_histogram {
  public:
    void add(uint64_t cycles);
    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    double mean() const { return count_ ? double(sum_) / double(count_) : 0.0; }
    /// Upper bound of the bucket holding the q-quantile (0 < q <= 1).
    uint64_t quantile(double q) const;

  private:
    static constexpr unsigned kSub = 16;
    static unsigned bucket(uint64_t v);
    static uint64_t upper(unsigned b);

    std::array<uint64_t, 64 * kSub> buckets_{};
    uint64_t count_ = 0, sum_ = 0, min_ = UINT64_MAX;
};

/// "5", "64K", "1M": a whole number with an optional K (x1024) or M (x1048576)
/// suffix. Throws std::invalid_argument naming `what`.
uint64_t parse_count(const std::string& text, const char* what);
/// parse_count within [lo, hi]; throws std::invalid_argument naming `what`.
uint64_t parse_whole(const std::string& text, const char* what, uint64_t lo, uint64_t hi);
/// A decimal number within [lo, hi]; throws std::invalid_argument naming `what`.
double parse_number(const char* text, const char* what, double lo, double hi);

} // namespace bridgehost::gen
