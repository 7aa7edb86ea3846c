// An ethdev port as an RAII object: configured, started and promiscuous on
// construction; stopped and closed on destruction.
#pragma once

#include "config/config.hpp"
#include "port/kernel_offloads.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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
    /// `cache`: mbufs each lcore keeps for itself (DPDK's mempool cache).
    mbuf_pool(const std::string& name, unsigned mbufs, uint16_t data_room, int socket_id,
              unsigned cache = 256);
    ~mbuf_pool();
    mbuf_pool(const mbuf_pool&) = delete;
    mbuf_pool& operator=(const mbuf_pool&) = delete;

    rte_mempool* get() const { return pool_; }
    unsigned in_use() const;

  private:
    rte_mempool* pool_;
};

/// What a port's peer finishes itself (eth_port::offload_caps), as bits.
enum offload_cap : uint8_t {
    cap_checksum = 1, ///< takes frames with unfinished TCP/UDP checksums
    cap_tso4 = 2,     ///< takes TCP/IPv4 super-frames and cuts them
    cap_tso6 = 4,     ///< takes TCP/IPv6 super-frames and cuts them
};

class eth_port {
  public:
    struct params {
        const port_config* cfg; ///< outlives the port
        uint16_t index;         ///< position in config::ports
        uint16_t rx_queues;     ///< wanted; fewer if the device has fewer
        uint16_t tx_queues;     ///< one per worker; required
        rte_mempool* pool;      ///< what it receives into
    };

    explicit eth_port(const params& p);
    ~eth_port();
    eth_port(const eth_port&) = delete;
    eth_port& operator=(const eth_port&) = delete;

    /// Stops and closes the device, so that its rings give their mbufs back
    /// (virtio keeps buffers posted while it is open); restores the kernel
    /// interface's GRO/LRO. stats() and link() then tell what they said last.
    /// Returns a line for the log when the restore failed, else "". Once.
    std::string shut_down();

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

    // Offloads (port_offloads.cpp).
    /// What the peer finishes itself now: offload_cap bits, within what the
    /// config allows. A vhost-user guest negotiates anew at each connection
    /// (0 while none is connected). Any thread.
    uint8_t offload_caps() const { return caps_.load(std::memory_order_acquire); }
    /// Changes whenever offload_caps() may have. Any thread.
    uint32_t offload_caps_generation() const {
        return caps_generation_.load(std::memory_order_acquire);
    }
    /// Frames from it are marked by the PMD when offloaded (vhost-user, virtio).
    bool rx_flagged() const { return rx_flagged_; }
    /// A kernel interface's packet socket (net_af_packet): its frames are looked into.
    bool kernel_port() const { return kernel_ifindex_ != 0; }
    /// The PMD keeps sent mbufs until its peer has read them.
    bool tx_holds() const { return tx_holds_; }
    /// The IP MTU super-frames are cut to for this port: the config's mtu,
    /// a kernel interface's own, else 1500.
    uint16_t ip_mtu() const { return ip_mtu_; }
    /// What was negotiated, for the log at start: one line per fact.
    const std::vector<std::string>& offload_notes() const { return offload_notes_; }

  private:
    /// Restores the kernel interface's GRO/LRO (net_af_packet); a line for
    /// the log when that failed, else "".
    std::string restore_kernel_offloads();
    void bring_up(const params& p, const std::string& what);
    /// Picks the rx and tx offloads to ask the device for, by driver, from
    /// the config and the device's capabilities (before configure).
    void choose_offloads(const rte_eth_dev_info& info, rte_eth_conf& conf, const std::string& what);
    /// After start: the caps of a peer that cannot renegotiate, a kernel
    /// interface's MTU and GRO/LRO.
    void settle_offloads(const rte_eth_dev_info& info);
    /// A vhost-user guest's negotiated features, as caps; 0 without a guest.
    uint8_t vhost_guest_caps() const;
    void set_caps(uint8_t caps);
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
    int kernel_ifindex_ = 0;              ///< net_af_packet: the interface it opened; 0 otherwise
    int kernel_sock_ = -1;                ///< for SIOCGIFFLAGS on it
    std::atomic<uint32_t> link_downs_{0}; ///< written by the LSC callback's thread

    bool closed_ = false;
    rte_eth_stats final_stats_{};
    rte_eth_link final_link_{};
    const port_config* cfg_ = nullptr;
    std::string driver_;                         ///< rte_eth_dev_info::driver_name
    uint64_t rx_offloads_ = 0, tx_offloads_ = 0; ///< what configure asked for
    uint8_t allowed_caps_ = 0;                   ///< what the config lets the peer be given
    std::atomic<uint8_t> caps_{0};
    std::atomic<uint32_t> caps_generation_{0};
    bool rx_flagged_ = false;
    bool tx_holds_ = true;
    uint16_t ip_mtu_ = 1500;
    std::vector<std::string> offload_notes_;
    std::unique_ptr<rx_coalescing_off> kernel_gro_; ///< net_af_packet with gro: off
};

/// The data room of the ports' mbufs: DPDK's default (2048 bytes and the
/// headroom), or enough for the largest frame a port's `mtu` allows.
uint16_t mbuf_data_room(const config& cfg);

/// The data room net_af_packet port `port` needs (its rx refuses a pool
/// whose mbufs cannot hold its framesz), or 0 when mbufs of `data_room`
/// (mbuf_data_room) are enough.
uint16_t af_packet_data_room(const port_config& port, uint16_t data_room);

/// How many large mbufs the af_packet ports that need them receive into
/// (`queues` rx queues in all): what a burst per queue holds between its
/// receive and its copy or segmentation, and the lcores' caches.
unsigned big_mbufs_needed(const config& cfg, unsigned queues);
/// The per-lcore cache of that pool.
inline constexpr unsigned kBigPoolCache = 16;

/// How many mbufs the ports need: every rx and tx descriptor, plus bursts in
/// flight and the per-lcore caches, with headroom.
unsigned mbufs_needed(const config& cfg, uint16_t rx_queues_per_port);

} // namespace bridgehost
