// Which offloads a port negotiates with its peer, by driver (eth_port's
// offload half; the worker's half is in datapath/worker_offload.cpp).
//
//  - net_af_packet: the kernel hands over super-frames and unfinished
//    checksums unasked and says nothing of them (the PMD drops the packet
//    socket's status bits), so every frame is looked into; GRO/LRO are
//    turned off on the interface so that frames arrive as they were sent;
//    the frame size holds a super-frame (config/device_args.hpp). Nothing
//    is given to it but finished, MTU-sized frames: the PMD has no vnet header.
//  - net_vhost: the guest is offered TSO (tso=1) and its unfinished checksums
//    are taken as they are (rx checksum offload on, so the PMD does not finish
//    them); what it takes in return is what it negotiated, read at each
//    connection.
//  - virtio (virtio_user, virtio PCI) and vmxnet3: the tx offloads the device
//    has; virtio's rx LRO and checksum, so its host may send super-frames.
//    vmxnet3's LRO stays off: the vSwitch hands over MTU-sized frames, and
//    LRO would only merge them for the switch to cut again.
//  - others (net_ring, net_tap, ...): no offloads; everything they are given
//    is finished. net_tap's own TSO is software for IPv4 only.
#include "port/port.hpp"

#include "config/device_args.hpp"
#include "port/vhost_guest.h"

#include <cstring>

#include <net/if.h>
#include <sys/ioctl.h>

namespace bridgehost {

namespace {

// virtio-net feature bits (virtio 1.1, 5.1.3): what a guest takes.
constexpr unsigned kGuestCsum = 1, kGuestTso4 = 7, kGuestTso6 = 8;

using mode = port_offloads::mode_t;

constexpr uint64_t kRxChecksum = RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
constexpr uint64_t kTxChecksum = RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;

bool has(uint64_t capa, uint64_t wanted) {
    return (capa & wanted) == wanted;
}

} // namespace

void eth_port::choose_offloads(const rte_eth_dev_info& info, rte_eth_conf& conf,
                               const std::string& what) {
    driver_ = info.driver_name;
    const port_offloads& o = cfg_->offloads;
    const bool checksum = o.checksum != mode::off;
    const bool tso = checksum && o.tso != mode::off;
    allowed_caps_ = uint8_t((checksum ? cap_checksum : 0) | (tso ? cap_tso4 | cap_tso6 : 0));
    // Copying PMDs are done with an mbuf once tx_burst returns.
    tx_holds_ = driver_ != "net_af_packet" && driver_ != "net_vhost" && driver_ != "net_tap";

    uint64_t rx = 0, tx = 0;
    if (driver_ == "net_vhost") {
        if (checksum && has(info.rx_offload_capa, kRxChecksum))
            rx |= kRxChecksum;
        if (checksum && has(info.tx_offload_capa, kTxChecksum))
            tx |= kTxChecksum;
        rx_flagged_ = checksum; // tso=1 went into the device string (eal_device)
    } else if (driver_ == "net_virtio" || driver_ == "net_virtio_user" ||
               driver_ == "net_vmxnet3") {
        if (checksum && has(info.tx_offload_capa, kTxChecksum))
            tx |= kTxChecksum;
        if (tso && has(info.tx_offload_capa, RTE_ETH_TX_OFFLOAD_TCP_TSO | kTxChecksum))
            tx |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
        if (driver_ != "net_vmxnet3") {
            if (checksum && has(info.rx_offload_capa, kRxChecksum))
                rx |= kRxChecksum;
            if (tso && has(info.rx_offload_capa, RTE_ETH_RX_OFFLOAD_TCP_LRO))
                rx |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
        }
        rx_flagged_ = rx != 0;
    }
    const auto require = [&](mode m, bool got, const char* name) {
        if (m == mode::on && !got)
            throw port_error(what + ": offloads." + name + " is on, but " + driver_ +
                             " cannot negotiate it with its peer here (use auto or off)");
    };
    if (driver_ != "net_af_packet" && driver_ != "net_vhost") {
        require(o.checksum, (tx & kTxChecksum) != 0, "checksum");
        require(o.tso, (tx & RTE_ETH_TX_OFFLOAD_TCP_TSO) != 0, "tso");
    }
    conf.rxmode.offloads |= rx;
    conf.txmode.offloads |= tx;
    rx_offloads_ = rx;
    tx_offloads_ = tx;
}

void eth_port::settle_offloads(const rte_eth_dev_info& info) {
    const auto note = [&](const std::string& line) {
        offload_notes_.push_back(name_ + ": " + line);
    };
    if (cfg_->mtu)
        ip_mtu_ = *cfg_->mtu;
    if (driver_ == "net_vhost") {
        set_caps(vhost_guest_caps()); // a guest may have connected before the callback was there
        note(allowed_caps_ & cap_tso4 ? "guests are offered TSO and checksum offload"
                                      : "guests are offered no TSO");
        return;
    }
    if (driver_ != "net_af_packet") {
        uint8_t caps = 0;
        if (tx_offloads_ & kTxChecksum)
            caps |= cap_checksum;
        if (tx_offloads_ & RTE_ETH_TX_OFFLOAD_TCP_TSO)
            caps |= cap_tso4 | cap_tso6;
        set_caps(caps);
        const bool lro = (rx_offloads_ & RTE_ETH_RX_OFFLOAD_TCP_LRO) != 0;
        if (caps != 0 || rx_flagged_)
            note(std::string("peer takes") + (caps & cap_tso4 ? " TSO and" : "") +
                 (caps & cap_checksum ? " checksum offload" : " no offload") +
                 (rx_flagged_ ? lro ? "; it may send super-frames and unfinished checksums"
                                    : "; it may send unfinished checksums"
                              : ""));
        return;
    }
    // A kernel interface: its MTU says which frames are super-frames.
    ifreq ifr{};
    ifr.ifr_ifindex = int(info.if_index);
    if (!cfg_->mtu && kernel_sock_ >= 0 && ioctl(kernel_sock_, SIOCGIFNAME, &ifr) == 0 &&
        ioctl(kernel_sock_, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
        ip_mtu_ = uint16_t(RTE_MIN(ifr.ifr_mtu, int(UINT16_MAX)));
    if (cfg_->offloads.tso != mode::off &&
        af_packet_frame_size(*cfg_) < kLargestSuperFrame + kAfPacketSlotOverhead)
        note("framesz " + std::to_string(af_packet_frame_size(*cfg_)) +
             " cannot hold a TCP super-frame: those from a sender with TSO on are cut by the "
             "kernel and dropped (truncated); leave framesz and blocksz out of the device, and "
             "bridgehost sets a frame size that holds them");
    if (cfg_->offloads.kernel_gro_off && info.if_index != 0) {
        kernel_gro_ = std::make_unique<rx_coalescing_off>(info.if_index);
        note(kernel_gro_->summary());
    }
}

uint8_t eth_port::vhost_guest_caps() const {
    uint64_t features = 0;
    if (bh_vhost_guest_features(id_, &features) != 0)
        return 0;
    const auto bit = [&](unsigned feature) { return (features >> feature) & 1; };
    // A super-frame's checksum is the receiver's to finish: TSO needs GUEST_CSUM.
    uint8_t caps = 0;
    if (bit(kGuestCsum)) {
        caps |= cap_checksum;
        if (bit(kGuestTso4))
            caps |= cap_tso4;
        if (bit(kGuestTso6))
            caps |= cap_tso6;
    }
    return caps;
}

void eth_port::set_caps(uint8_t caps) {
    caps_.store(caps & allowed_caps_, std::memory_order_release);
    caps_generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::string eth_port::restore_kernel_offloads() {
    if (!kernel_gro_)
        return {};
    std::string problem = kernel_gro_->restore();
    kernel_gro_.reset();
    return problem;
}

} // namespace bridgehost
