// MAC flapping: a MAC moving between ports many times a second is a loop symptom.
//
// The control lcore asks on_move() before it applies each move of a dynamic
// entry. Moves are counted per MAC per second of the control clock; more than
// `moves_per_second` within one second starts an episode (reported once),
// which ends after a second at or under the threshold, or a quiet second.
// With `freeze_seconds`, the episode also freezes the MAC where it is: its
// further moves are refused for that long, which breaks the flapping (not
// the loop) and keeps frames to it going one way.
//
// State is kept only for MACs that moved in the last seconds or are frozen,
// in a hash map on the control lcore (it allocates there, never in a worker).
#pragma once

#include "fdb/mac_table.hpp" // fdb_key, fdb_time, flapping_config

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace bridgehost {

class flap_detector {
  public:
    enum class verdict : uint8_t {
        move,    ///< apply the move
        started, ///< apply it; the MAC is flapping from now on (a new episode)
        frozen,  ///< refuse it: the MAC's learning is frozen
    };
    /// What is known of one MAC's recent moves.
    struct mac_state {
        fdb_time second = 0;       ///< the second `moves` counts in
        uint32_t moves = 0;        ///< moves seen in that second
        uint16_t from = 0, to = 0; ///< the last move's ports
        bool flapping = false;     ///< in an episode
        fdb_time frozen_until = 0; ///< moves are refused while now is before this
    };

    explicit flap_detector(flapping_config cfg = {}) : cfg_(cfg) {}
    /// New settings (reload); MACs already frozen stay frozen until their time.
    void configure(flapping_config cfg) { cfg_ = cfg; }
    const flapping_config& settings() const { return cfg_; }
    bool watching() const { return cfg_.moves_per_second != 0; }

    /// A dynamic entry for `key` on port `from` was seen on `to` at `now`.
    verdict on_move(fdb_key key, uint16_t from, uint16_t to, fdb_time now);

    /// The MAC's state, or null when it has not moved lately.
    const mac_state* find(fdb_key key) const;
    /// In a flapping episode at `now` / its moves refused at `now`.
    bool flapping(fdb_key key, fdb_time now) const;
    bool frozen(fdb_key key, fdb_time now) const;
    /// MACs with state kept.
    size_t watched() const { return macs_.size(); }

    /// Forgets MACs quiet for a few seconds and no longer frozen. Cheap to call
    /// every pass: it scans at most once per second.
    void expire(fdb_time now);
    /// Ports were renumbered (see mac_table::remap_ports); MACs last seen on a
    /// removed port are forgotten.
    void remap_ports(const std::vector<int>& to);

  private:
    flapping_config cfg_;
    std::unordered_map<fdb_key, mac_state> macs_;
    fdb_time last_expire_ = 0;
};

} // namespace bridgehost
