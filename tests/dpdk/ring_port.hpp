// net_ring ports: two rte_rings made an ethdev by the ring PMD (rte_eth_from_rings). Whoever
// holds the rings is the port's peer: it puts frames on the rx ring and takes the sent ones off
// the tx ring. Used by the in-process tests (ring_harness) and by bench-ring.
#pragma once

#include <stdexcept>
#include <string>

#include <rte_eth_ring.h>
#include <rte_ring.h>

namespace bridgehost::test {

/// A ring of mbuf pointers with one producer and one consumer (the peer on one
/// side, the port's single queue on the other). `size` is a power of two; it
/// holds size - 1. Throws when DPDK cannot make it (a name already taken).
inline rte_ring* make_frame_ring(const std::string& name, unsigned size) {
    rte_ring* r = rte_ring_create(name.c_str(), size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr)
        throw std::runtime_error("cannot make ring " + name);
    return r;
}

/// Makes `rx` and `tx` the one rx and tx queue of a new ethdev, net_ring_<name>
/// (a name unique in the process), and returns that device name, which
/// port_config::device takes. The rings stay the caller's: closing the port does
/// not free them, so several ports, one after another, may wrap the same rings.
inline std::string attach_ring_port(const std::string& name, rte_ring* rx, rte_ring* tx) {
    if (rte_eth_from_rings(name.c_str(), &rx, 1, &tx, 1, 0) < 0)
        throw std::runtime_error("cannot make ring port " + name);
    return "net_ring_" + name;
}

} // namespace bridgehost::test
