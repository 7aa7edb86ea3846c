// The worker's side of loop and BPDU guard and of the spanning tree: spotting
// our probes and BPDUs (handing the spanning tree's to the control lcore),
// dropping what a blocked or discarding port receives, sending the probes the control lcore
// queued. Same house rules as datapath/worker.cpp: no syscall, log, allocation or lock.
#include "datapath/worker.hpp"

#include <cstring>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

namespace bridgehost {

drop_reason worker::guard_ingress(rte_mbuf* m, const uint8_t* eth, uint64_t src_and_type,
                                  uint16_t in_port) {
    // Our own probe is consumed wherever it arrives, a blocked port included:
    // that is how the loop is still seen while the port is blocked. Another
    // instance's probe is an ordinary frame (forwarded, so that a loop through
    // two switches is seen by both).
    uint16_t origin = 0;
    if ((src_and_type >> 48) == kProbeEthertypeInMemory &&
        is_own_probe(eth, m->data_len, p_.shared.guard->instance, origin)) {
        post_guard_event({guard_event::probe_returned, 0, in_port, origin, 0});
        return drop_reason::loop_probe;
    }
    if (std::memcmp(eth, kStpDst.data(), kStpDst.size()) == 0) {
        // BPDU guard first: an edge port that hears a bridge is blocked, with
        // or without the spanning tree. Then the spanning tree's, whatever the
        // port's state: BPDUs are how a discarding port learns it may forward.
        if ((p_.shared.guard->bpdu_guard.load(std::memory_order_relaxed) >> in_port) & 1) {
            post_guard_event({guard_event::bpdu, 0, in_port, 0, 0});
            return drop_reason::bpdu_guard;
        }
        if (stp_on_)
            return post_guard_event({guard_event::stp_bpdu, 0, in_port, 0, 0, m})
                       ? drop_reason::stp_bpdu
                       : drop_reason::stp_bpdu_lost;
    }
    if ((guard_blocked_ >> in_port) & 1)
        return drop_reason::port_blocked;
    if ((stp_discarding_ >> in_port) & 1)
        return drop_reason::stp_discarding;
    return drop_reason::count;
}

bool worker::post_guard_event(guard_event e) {
    // A full ring loses the event: the next probe (or BPDU) says it again.
    return p_.guard_ring != nullptr && rte_ring_sp_enqueue_elem(p_.guard_ring, &e, sizeof(e)) == 0;
}

void worker::send_probes() {
    probe_tx probes[8];
    unsigned n;
    while ((n = rte_ring_sc_dequeue_burst_elem(p_.probe_ring, probes, sizeof(probe_tx),
                                               std::size(probes), nullptr)) != 0)
        for (unsigned i = 0; i < n; ++i) {
            if (probes[i].port >= nb_ports_) [[unlikely]] {
                rte_pktmbuf_free(probes[i].m);
                continue;
            }
            transmit(probes[i].port, &probes[i].m, 1); // counted as any frame sent there
        }
}

} // namespace bridgehost
