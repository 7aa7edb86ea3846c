/* The vhost-user guest behind a net_vhost port; the contract is in vhost_guest.h. */
#include "port/vhost_guest.h"

#include <stdlib.h>

#include <rte_eth_vhost.h>
#include <rte_vhost.h>

int bh_vhost_guest_features(uint16_t port_id, uint64_t* features) {
    const int vid = rte_eth_vhost_get_vid_from_port_id(port_id);
    return vid < 0 ? -1 : rte_vhost_get_negotiated_features(vid, features);
}

long bh_vhost_touch_guest_memory(uint16_t port_id) {
    const int vid = rte_eth_vhost_get_vid_from_port_id(port_id);
    struct rte_vhost_memory* mem = NULL;
    if (vid < 0 || rte_vhost_get_mem_table(vid, &mem) != 0)
        return -1;
    long pages = 0;
    for (uint32_t r = 0; r < mem->nregions; ++r) {
        /* A read maps the page (shared and writable: the worker's writes
         * need no fault either); it never races with the guest's writes. */
        const volatile uint8_t* base =
            (const volatile uint8_t*)(uintptr_t)mem->regions[r].host_user_addr;
        for (uint64_t at = 0; at < mem->regions[r].size; at += 4096, ++pages)
            (void)base[at];
    }
    free(mem);
    return pages;
}
