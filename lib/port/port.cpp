// Bringing ethdev ports up and down, with errors an operator can act on.
#include "port/port.hpp"

#include "common/plural.hpp"
#include "config/device_args.hpp"
#include "port/port_policy.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

namespace bridgehost {

namespace {

std::string reason(int ret) {
    return rte_strerror(ret < 0 ? -ret : ret);
}

} // namespace

mbuf_pool::mbuf_pool(const std::string& name, unsigned mbufs, uint16_t data_room, int socket_id,
                     unsigned cache)
    : pool_(rte_pktmbuf_pool_create(name.c_str(), mbufs, cache, 0, data_room, socket_id)) {
    if (pool_ == nullptr)
        throw port_error("cannot create a pool of " + std::to_string(mbufs) +
                         " packet buffers: " + rte_strerror(rte_errno) +
                         " (raise eal.memory_mb, or reserve more hugepages)");
    // Every page of it is touched now, on the control lcore: a worker's first
    // touch would be a page fault, which sleeps on the mm lock whenever
    // another thread maps or unmaps memory (the vhost-user thread does at
    // every guest connection). Without hugepages (--no-huge) the buffers'
    // pages are not there until touched; a frame's data area of a large
    // pool may go unused for long.
    rte_mempool_mem_iter(
        pool_,
        [](rte_mempool*, void*, rte_mempool_memhdr* chunk, unsigned) {
            auto* bytes = static_cast<volatile uint8_t*>(chunk->addr);
            for (size_t at = 0; at < chunk->len; at += 4096)
                bytes[at] = bytes[at]; // the object headers live here too: rewritten as they are
        },
        nullptr);
}

mbuf_pool::~mbuf_pool() {
    rte_mempool_free(pool_);
}

unsigned mbuf_pool::in_use() const {
    return rte_mempool_in_use_count(pool_);
}

uint16_t mbuf_data_room(const config& cfg) {
    uint32_t frame = RTE_MBUF_DEFAULT_DATAROOM;
    for (const port_config& p : cfg.ports)
        if (p.mtu)
            frame = RTE_MAX(frame, uint32_t(*p.mtu) + kFrameOverMtu);
    return uint16_t(RTE_MIN(frame + RTE_PKTMBUF_HEADROOM, uint32_t(UINT16_MAX)));
}

uint16_t af_packet_data_room(const port_config& port, uint16_t data_room) {
    const uint32_t frame = af_packet_frame_size(port);
    // What the PMD copies a frame into: its slot less the tpacket header it
    // counts (32 bytes), after the headroom.
    constexpr uint32_t kPmdSlotHeader = 32;
    const uint32_t needed =
        frame > kPmdSlotHeader ? frame - kPmdSlotHeader + RTE_PKTMBUF_HEADROOM : 0;
    return needed > data_room ? uint16_t(RTE_MIN(needed, uint32_t(UINT16_MAX))) : 0;
}

unsigned big_mbufs_needed(const config& cfg, unsigned queues) {
    const unsigned lcores = unsigned(cfg.workers.lcores.size()) + 1;
    const unsigned n = queues * 4 * cfg.workers.burst + lcores * kBigPoolCache * 3 / 2 + 64;
    return RTE_MAX(n, 511u);
}

unsigned mbufs_needed(const config& cfg, uint16_t rx_queues_per_port) {
    const unsigned workers = unsigned(cfg.workers.lcores.size());
    unsigned n = 0;
    for (const port_config& p : cfg.ports)
        n += unsigned(p.rx_descriptors) * rx_queues_per_port + unsigned(p.tx_descriptors) * workers;
    n += workers * unsigned(cfg.ports.size()) * cfg.workers.burst; // frames between rx and tx
    n += (workers + 1) * 256;                                      // the lcores' mempool caches
    return RTE_MAX(n * 2, 8192u) - 1; // 2^k - 1 is the optimal ring-backed pool size; near enough
}

eth_port::eth_port(const params& p) : name_(p.cfg->name), index_(p.index), cfg_(p.cfg) {
    const std::string dev = p.cfg->dpdk_name();
    const std::string what = "port " + name_ + " (" + p.cfg->device + ")";
    if (rte_eth_dev_get_port_by_name(dev.c_str(), &id_) != 0)
        throw port_error(what +
                         ": DPDK has no such device. For a vdev, check the driver name and "
                         "its arguments (for net_af_packet the interface must exist); for "
                         "PCI, bind the NIC to vfio-pci or uio_pci_generic with dpdk-devbind.py");

    try {
        bring_up(p, what);
    } catch (...) {
        if (started_)
            rte_eth_dev_stop(id_);
        rte_eth_dev_close(id_);
        throw;
    }
}

void eth_port::bring_up(const params& p, const std::string& what) {
    rte_eth_dev_info info{};
    if (int ret = rte_eth_dev_info_get(id_, &info); ret != 0)
        throw port_error(what + ": cannot read device info: " + reason(ret));
    if (info.max_tx_queues < p.tx_queues)
        throw port_error(what + ": " + info.driver_name + " offers " +
                         count_of(info.max_tx_queues, "tx queue") + ", and each of the " +
                         count_of(p.tx_queues, "worker") +
                         " needs its own (for net_af_packet add qpairs=N to the device)");
    rx_queues_ = RTE_MIN(p.rx_queues, info.max_rx_queues);

    rte_eth_conf conf{};
    // RSS where the device hashes; devices that do not (vhost-user, virtio-user)
    // still get their queues, and the peer chooses the queue of each frame.
    if (rx_queues_ > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
    }
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    choose_offloads(info, conf, what);
    if (int ret = rte_eth_dev_configure(id_, rx_queues_, p.tx_queues, &conf); ret != 0)
        throw port_error(what + ": cannot configure " + std::to_string(rx_queues_) + " rx and " +
                         std::to_string(p.tx_queues) + " tx queues: " + reason(ret));

    uint16_t rxd = p.cfg->rx_descriptors, txd = p.cfg->tx_descriptors;
    if (int ret = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rxd, &txd); ret != 0)
        throw port_error(what + ": descriptor counts rejected: " + reason(ret));
    // A device without an MTU of its own (net_ring, vhost) takes any frame; the
    // worker still keeps larger frames from leaving the port.
    if (p.cfg->mtu)
        if (int ret = rte_eth_dev_set_mtu(id_, *p.cfg->mtu); ret != 0 && ret != -ENOTSUP)
            throw port_error(
                what + ": cannot set mtu " + std::to_string(*p.cfg->mtu) + ": " + reason(ret) +
                " (the device takes frames up to " + std::to_string(info.max_rx_pktlen) + " bytes" +
                (std::string_view(info.driver_name) == "net_af_packet"
                     ? "; for jumbo frames on net_af_packet set the interface's MTU with ip "
                       "link, add framesz=N to the device, and leave mtu out)"
                     : ")"));

    const int socket = rte_eth_dev_socket_id(id_);
    for (uint16_t q = 0; q < rx_queues_; ++q)
        if (int ret = rte_eth_rx_queue_setup(id_, q, rxd, socket, nullptr, p.pool); ret != 0)
            throw port_error(what + ": rx queue " + std::to_string(q) + ": " + reason(ret));
    for (uint16_t q = 0; q < p.tx_queues; ++q)
        if (int ret = rte_eth_tx_queue_setup(id_, q, txd, socket, nullptr); ret != 0)
            throw port_error(what + ": tx queue " + std::to_string(q) + ": " + reason(ret));

    if (int ret = rte_eth_dev_start(id_); ret != 0)
        throw port_error(what + ": cannot start: " + reason(ret));
    started_ = true;
    // A bridge must see frames addressed to other hosts. Some devices refuse
    // promiscuous mode (a VF, a hypervisor policy): keep going, report it.
    promiscuous_ = rte_eth_promiscuous_enable(id_) == 0 && rte_eth_promiscuous_get(id_) == 1;
    // net_af_packet reports the link up from start to stop (its link_update does
    // nothing in DPDK 22.11): the kernel interface's flags say more.
    if (std::string_view(info.driver_name) == "net_af_packet" && info.if_index != 0) {
        kernel_sock_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (kernel_sock_ >= 0)
            kernel_ifindex_ = int(info.if_index);
    }
    // Events: a link that goes down and up within a second would be missed by
    // polling, and a vhost-user guest negotiates its offloads at each connection.
    lsc_registered_ =
        rte_eth_dev_callback_register(id_, RTE_ETH_EVENT_INTR_LSC, on_link_event, this) == 0;
    settle_offloads(info);
    rte_ether_addr addr{};
    if (rte_eth_macaddr_get(id_, &addr) == 0)
        std::memcpy(mac_.bytes.data(), addr.addr_bytes, RTE_ETHER_ADDR_LEN);
}

eth_port::~eth_port() {
    shut_down();
}

std::string eth_port::shut_down() {
    if (closed_)
        return {};
    final_stats_ = stats(); // what the report says of the port from now on
    final_link_ = link();
    closed_ = true;
    std::string problem = restore_kernel_offloads();
    if (lsc_registered_) // -EAGAIN while the callback runs on another thread: wait for it
        while (rte_eth_dev_callback_unregister(id_, RTE_ETH_EVENT_INTR_LSC, on_link_event, this) ==
               -EAGAIN)
            ;
    if (kernel_sock_ >= 0)
        close(kernel_sock_);
    kernel_sock_ = -1;
    if (started_)
        rte_eth_dev_stop(id_);
    rte_eth_dev_close(id_);
    return problem;
}

rte_eth_stats eth_port::stats() const {
    if (closed_)
        return final_stats_;
    rte_eth_stats s{};
    rte_eth_stats_get(id_, &s);
    return s;
}

rte_eth_link eth_port::link() const {
    if (closed_)
        return final_link_;
    rte_eth_link l{};
    rte_eth_link_get_nowait(id_, &l);
    if (l.link_status == RTE_ETH_LINK_UP && kernel_ifindex_ != 0 && !kernel_link_up())
        l.link_status = RTE_ETH_LINK_DOWN;
    return l;
}

bool eth_port::kernel_link_up() const {
    // By index: the interface may have been renamed since the port opened it.
    ifreq ifr{};
    ifr.ifr_ifindex = kernel_ifindex_;
    if (ioctl(kernel_sock_, SIOCGIFNAME, &ifr) != 0 || ioctl(kernel_sock_, SIOCGIFFLAGS, &ifr) != 0)
        return false; // gone
    // A veth whose peer is down is IFF_UP without IFF_RUNNING (no carrier).
    return (ifr.ifr_flags & IFF_UP) != 0 && (ifr.ifr_flags & IFF_RUNNING) != 0;
}

int eth_port::on_link_event(uint16_t port_id, rte_eth_event_type, void* self, void*) {
    // On the PMD's thread (net_vhost: the vhost-user events thread), after it
    // set the new state; the control lcore reads the count once a second.
    auto* port = static_cast<eth_port*>(self);
    rte_eth_link l{};
    if (rte_eth_link_get_nowait(port_id, &l) == 0 && l.link_status == RTE_ETH_LINK_DOWN)
        port->link_downs_.fetch_add(1, std::memory_order_release);
    if (port->driver_ == "net_vhost") // a guest came or went: what it negotiated
        port->set_caps(port->vhost_guest_caps());
    return 0;
}

} // namespace bridgehost
