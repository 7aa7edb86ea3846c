/* The vhost-user guest behind a net_vhost port; the contract is in vhost_guest.h. */
#include "port/vhost_guest.h"

#include <rte_eth_vhost.h>
#include <rte_vhost.h>

int bh_vhost_guest_features(uint16_t port_id, uint64_t* features) {
    const int vid = rte_eth_vhost_get_vid_from_port_id(port_id);
    return vid < 0 ? -1 : rte_vhost_get_negotiated_features(vid, features);
}
