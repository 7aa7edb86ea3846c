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

/* Reads one byte of every page of the connected guest's memory on the
 * calling thread, so that the worker's first access to a guest buffer is not
 * a page fault (one that can sleep on the mm lock while the vhost-user
 * thread maps or unmaps another guest's memory). Returns the pages touched,
 * or -1 while no guest is connected. */
long bh_vhost_touch_guest_memory(uint16_t port_id);

#ifdef __cplusplus
}
#endif
