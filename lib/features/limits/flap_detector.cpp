// MAC-flapping detection and freezing on the control lcore; the contract is in flap_detector.hpp.
#include "features/limits/flap_detector.hpp"

#include <iterator>

namespace bridgehost {

namespace {
constexpr fdb_time kForgetAfter = 3; ///< seconds without a move before a MAC's state goes

bool is_frozen(const flap_detector::mac_state& s, fdb_time now) {
    return int32_t(s.frozen_until - now) > 0;
}
} // namespace

flap_detector::verdict flap_detector::on_move(fdb_key key, uint16_t from, uint16_t to,
                                              fdb_time now) {
    if (!watching())
        return verdict::move;
    mac_state& s = macs_[key];
    if (is_frozen(s, now))
        return verdict::frozen; // not a move: it does not count
    if (s.second != now) {
        // An episode ends after a second at or under the threshold, or a gap.
        if (s.flapping && (now - s.second > 1 || s.moves <= cfg_.moves_per_second))
            s.flapping = false;
        s.second = now;
        s.moves = 0;
    }
    ++s.moves;
    s.from = from;
    s.to = to;
    if (s.flapping || s.moves <= cfg_.moves_per_second)
        return verdict::move;
    s.flapping = true;
    if (cfg_.freeze_seconds != 0)
        s.frozen_until = now + cfg_.freeze_seconds;
    return verdict::started;
}

const flap_detector::mac_state* flap_detector::find(fdb_key key) const {
    const auto it = macs_.find(key);
    return it == macs_.end() ? nullptr : &it->second;
}

bool flap_detector::flapping(fdb_key key, fdb_time now) const {
    const mac_state* s = find(key);
    return s != nullptr && s->flapping && (now - s->second <= 1 || is_frozen(*s, now));
}

bool flap_detector::frozen(fdb_key key, fdb_time now) const {
    const mac_state* s = find(key);
    return s != nullptr && is_frozen(*s, now);
}

void flap_detector::expire(fdb_time now) {
    if (now == last_expire_)
        return;
    last_expire_ = now;
    std::erase_if(macs_, [now](const auto& item) {
        const mac_state& s = item.second;
        return !is_frozen(s, now) && int32_t(now - s.second) >= int32_t(kForgetAfter);
    });
}

void flap_detector::remap_ports(const std::vector<int>& to) {
    const auto moved = [&](uint16_t& port) {
        const int p = port < to.size() ? to[port] : -1;
        port = uint16_t(p);
        return p >= 0;
    };
    for (auto it = macs_.begin(); it != macs_.end();) {
        const bool from_kept = moved(it->second.from);
        const bool to_kept = moved(it->second.to);
        it = from_kept && to_kept ? std::next(it) : macs_.erase(it);
    }
}

} // namespace bridgehost
