// Per-port MAC limits and MAC-flapping settings: plain values shared by the config and the FDB.
#pragma once

#include <cstdint>

namespace bridgehost {

/// What a port at its max_macs does with one more MAC.
enum class mac_limit_action : uint8_t {
    refuse,       ///< the new MAC is not learned (its frames are flooded); counted
    evict_oldest, ///< the port's oldest dynamic entry makes room; counted
};

/// A port's cap on dynamic (learned) entries.
struct port_mac_limit {
    uint32_t max_macs = 0; ///< 0: no limit but the table's
    mac_limit_action action = mac_limit_action::refuse;

    bool operator==(const port_mac_limit&) const = default;
};

/// When a MAC moving between ports is a loop symptom.
struct flapping_config {
    /// A MAC that moves more than this many times within one second is
    /// flapping. 0: not watched.
    uint32_t moves_per_second = 5;
    /// While flapping, further moves of the MAC are refused for this long
    /// (it stays where it is). 0: only reported.
    uint32_t freeze_seconds = 0;

    bool operator==(const flapping_config&) const = default;
};

} // namespace bridgehost
