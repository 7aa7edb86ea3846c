/* The vhost-user guest behind a net_vhost port, in C: rte_vhost.h includes
 * <linux/virtio_net.h>, which C++ cannot compile (a member named "class"). */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The virtio features the guest of net_vhost port `port_id` negotiated, in
 * *features; -1 while no guest is connected. */
int bh_vhost_guest_features(uint16_t port_id, uint64_t* features);

#ifdef __cplusplus
}
#endif
