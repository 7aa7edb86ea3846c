// The message a worker posts to the control lcore: "this MAC was seen on this port".
#pragma once

#include "fdb/fdb_key.hpp"

#include <cstdint>

namespace bridgehost {

struct learn_event {
    fdb_key key;          ///< {vlan, source MAC}
    uint16_t port;        ///< port index it came in on
    uint16_t reserved[3]; ///< keeps the element 16 bytes for rte_ring_*_elem
};
static_assert(sizeof(learn_event) == 16);

inline constexpr unsigned kLearnRingSize = 4096; ///< events per worker ring

} // namespace bridgehost
