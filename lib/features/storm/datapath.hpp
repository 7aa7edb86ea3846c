// Storm control's token bucket, counted in clock ticks (TSC cycles), and the
// class of a frame the switch would flood. Pure: time is passed in.
#pragma once

#include "config/config.hpp"
#include "fdb/fdb_key.hpp"

#include <algorithm>
#include <cstdint>

namespace bridgehost {

/// The kinds of flooded frame storm control limits, each with its own drop reason.
enum class storm_class : uint8_t { broadcast, multicast, unknown_unicast };
inline constexpr unsigned kStormClasses = 3;

/// What kind of flooded frame a destination key makes.
inline storm_class classify_storm(fdb_key dst) {
    if ((dst & kMacMask) == kMacMask)
        return storm_class::broadcast;
    return (dst & 0x01) != 0 ? storm_class::multicast : storm_class::unknown_unicast;
}

/// The limit of `c` in `limits`, frames per second (0: none).
inline uint32_t storm_rate(const storm_limits& limits, storm_class c) {
    switch (c) {
    case storm_class::broadcast:
        return limits.broadcast;
    case storm_class::multicast:
        return limits.multicast;
    case storm_class::unknown_unicast:
        return limits.unknown_unicast;
    }
    return 0;
}

/// A token bucket whose credit is clock ticks: a frame costs hz/rate ticks, the
/// credit grows by one per tick elapsed, up to `depth` frames' worth. take()
/// is an add, a min and a compare: no division on the data path.
class token_bucket {
  public:
    /// `rate` frames per second (0: unlimited) on a clock of `hz` ticks per
    /// second, bursts of up to depth_for(rate) frames; full at `now`.
    void set(uint64_t rate, uint64_t hz, uint64_t now) {
        cost_ = rate == 0 ? 0 : std::max<uint64_t>(hz / rate, 1);
        cap_ = cost_ * depth_for(rate);
        credit_ = cap_;
        last_ = now;
    }
    bool limited() const { return cost_ != 0; }
    /// One frame at `now`: true if it may pass.
    bool take(uint64_t now) {
        if (cost_ == 0)
            return true;
        if (now > last_) { // a bucket set on another lcore may be a few ticks ahead
            credit_ = std::min(credit_ + (now - last_), cap_);
            last_ = now;
        }
        if (credit_ < cost_)
            return false;
        credit_ -= cost_;
        return true;
    }
    /// The burst a bucket of `rate` lets through at once: a tenth of a second's
    /// worth, but at least 32 frames (a burst of ARP at boot), or the rate if lower.
    static uint64_t depth_for(uint64_t rate) {
        return std::max(rate / 10, std::min<uint64_t>(rate, 32));
    }

  private:
    uint64_t cost_ = 0;   ///< ticks per frame; 0: unlimited
    uint64_t cap_ = 0;    ///< the most credit it holds
    uint64_t credit_ = 0; ///< ticks of credit now
    uint64_t last_ = 0;   ///< when credit_ was last brought up to date
};

} // namespace bridgehost
