// An ethdev port as an RAII object: configured, started and promiscuous on
// construction; stopped and closed on destruction.
#pragma once

#include "config/config.hpp"

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <rte_ethdev.h>

struct rte_mempool;

namespace bridgehost {

/// A port that cannot be brought up; what() names the port and says what to check.
class port_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The packet buffer pool every port receives into.
class mbuf_pool {
  public:
    mbuf_pool(const std::string& name, unsigned mbufs, uint16_t data_room, int socket_id);
    ~mbuf_pool();
    mbuf_pool(const mbuf_pool&) = delete;
    mbuf_pool& operator=(const mbuf_pool&) = delete;

    rte_mempool* get() const { return pool_; }
    unsigned in_use() const;

  private:
    rte_mempool* pool_;
};

class eth_port {
  public:
    struct params {
        const port_config* cfg; ///< outlives the port
        uint16_t index;         ///< position in config::ports
        uint16_t rx_queues;     ///< wanted; fewer if the device has fewer
        uint16_t tx_queues;     ///< one per worker; required
        rte_mempool* pool;
    };

    explicit eth_port(const params& p);
    ~eth_port();
    eth_port(const eth_port&) = delete;
    eth_port& operator=(const eth_port&) = delete;

    uint16_t id() const { return id_; }
    uint16_t index() const { return index_; }
    /// The port's new position in the config (a reload renumbered the ports).
    void set_index(uint16_t index) { index_ = index; }
    const std::string& name() const { return name_; }
    uint16_t rx_queues() const { return rx_queues_; }
    bool promiscuous() const { return promiscuous_; }
    /// The device's own MAC address, read when the port started.
    const mac_address& mac() const { return mac_; }
    rte_eth_stats stats() const;
    /// The PMD's link state; for net_af_packet, whose PMD reports "up" from
    /// start to stop whatever the interface does, down also while the kernel
    /// interface is not up and running (a syscall: control lcore only).
    rte_eth_link link() const;
    /// Times the PMD reported the link down through an LSC event (net_vhost on
    /// every vhost-user disconnect), so that a link that went down and came
    /// back up between two looks at link() is not missed. Any thread.
    uint32_t link_downs() const { return link_downs_.load(std::memory_order_acquire); }

  private:
    void bring_up(const params& p, const std::string& what);
    /// The kernel interface behind a net_af_packet port is up and running.
    bool kernel_link_up() const;
    static int on_link_event(uint16_t port_id, rte_eth_event_type event, void* self, void* out);

    std::string name_;
    uint16_t id_ = 0;
    uint16_t index_ = 0;
    uint16_t rx_queues_ = 0;
    bool started_ = false;
    bool promiscuous_ = false;
    bool lsc_registered_ = false;
    mac_address mac_;
    int kernel_ifindex_ = 0;  ///< net_af_packet: the interface it opened; 0 otherwise
    int kernel_sock_ = -1;    ///< for SIOCGIFFLAGS on it
    std::atomic<uint32_t> link_downs_{0}; ///< written by the LSC callback's thread
};

/// The data room of the ports' mbufs: DPDK's default (2048 bytes and the
/// headroom), or enough for the largest frame a port's `mtu` allows, or for
/// net_af_packet's `framesz` (its rx refuses a frame size its mbufs cannot hold).
uint16_t mbuf_data_room(const config& cfg);

/// How many mbufs the ports need: every rx and tx descriptor, plus bursts in
/// flight and the per-lcore caches, with headroom.
unsigned mbufs_needed(const config& cfg, uint16_t rx_queues_per_port);

} // namespace bridgehost
