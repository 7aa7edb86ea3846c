// Device strings and what each driver negotiates; the contract is in device_args.hpp.
#include "config/device_args.hpp"

#include <cstdlib>

namespace bridgehost {

namespace {

using mode = port_offloads::mode_t;

uint32_t number(const std::string& text) {
    return uint32_t(std::strtoul(text.c_str(), nullptr, 10));
}

} // namespace

std::string eal_device(const port_config& port) {
    const std::string driver = port.driver();
    if (port.offloads.tso == mode::off)
        return port.device;
    if (driver == "net_af_packet" && !port.devarg("framesz") && !port.devarg("blocksz"))
        return port.device + ",framesz=" + std::to_string(kAfPacketSuperFrameSize) +
               ",blocksz=" + std::to_string(kAfPacketSuperBlockSize);
    // A guest's super-frames come with unfinished checksums: without
    // checksum offload it is offered no TSO either.
    if (driver == "net_vhost" && !port.devarg("tso") && port.offloads.checksum != mode::off)
        return port.device + ",tso=1";
    return port.device;
}

uint32_t af_packet_frame_size(const port_config& port) {
    if (port.driver() != "net_af_packet")
        return 0;
    port_config effective = port;
    effective.device = eal_device(port);
    const auto framesz = effective.devarg("framesz");
    return framesz ? number(*framesz) : 2048;
}

std::string offload_support(const port_config& port, std::string_view offload) {
    const std::string driver = port.driver();
    if (driver == "net_vhost" || driver == "net_virtio_user" || driver == "pci")
        return {};
    if (driver == "net_af_packet")
        return offload == "tso" ? std::string()
                                : "net_af_packet's kernel hands over unfinished checksums "
                                  "whatever is set: the switch finishes them";
    return driver + " has no peer to negotiate offloads with";
}

std::optional<std::string> device_offload_conflict(const port_config& port) {
    const std::string driver = port.driver();
    const mode tso = port.offloads.tso;
    if (driver == "net_vhost") {
        const auto arg = port.devarg("tso");
        if (arg && ((*arg == "0" && tso == mode::on) || (*arg != "0" && tso == mode::off)))
            return "the device's tso=" + *arg +
                   " contradicts offloads.tso: " + offload_mode_name(tso) +
                   " (leave tso out of the device: bridgehost sets it)";
        if (arg && *arg != "0" && port.offloads.checksum == mode::off)
            return "the device's tso=" + *arg +
                   " contradicts offloads.checksum: off (a "
                   "super-frame's checksum is unfinished; leave tso out of the device)";
    }
    if (driver == "net_af_packet") {
        // The PMD takes any blocksz, then reads frame i at i * framesz: frames
        // that do not tile a block are read from the wrong place (DPDK 22.11).
        const auto block = port.devarg("blocksz"), frame = port.devarg("framesz");
        const uint32_t b = block ? number(*block) : 4096, f = frame ? number(*frame) : 2048;
        if ((block || frame) && (f == 0 || b % f != 0 || b % 4096 != 0))
            return "net_af_packet's blocksz (" + std::to_string(b) + ") must be a multiple of " +
                   "4096 and of framesz (" + std::to_string(f) + "): its frames lie end to end";
    }
    if (driver == "net_af_packet" && tso == mode::on) {
        const uint32_t frame = af_packet_frame_size(port);
        if (frame < kLargestSuperFrame + kAfPacketSlotOverhead)
            return "framesz=" + std::to_string(frame) + " cannot hold a 64 KiB TCP super-frame, " +
                   "which offloads.tso: on asks for (leave framesz and blocksz out: bridgehost " +
                   "sets framesz=" + std::to_string(kAfPacketSuperFrameSize) + ")";
    }
    return std::nullopt;
}

} // namespace bridgehost
