// The device strings the EAL is given: the operator's, with what a port's
// offloads need added, and what each driver can negotiate. No DPDK here.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgehost {

/// The frame size (framesz) that holds a 64 KiB TCP super-frame whole. The
/// PMD wants its mbufs' data room (a uint16_t, less the headroom) to hold a
/// frame, so framesz <= 65439; the kernel, a multiple of 16 and blocks of
/// whole pages; and the PMD reads frame i at i * framesz, so a block must
/// be whole frames. 65408 frames, 32 to a block of 511 pages, are all that.
inline constexpr uint32_t kAfPacketSuperFrameSize = 65408;
inline constexpr uint32_t kAfPacketSuperBlockSize = 32 * kAfPacketSuperFrameSize;
/// What TPACKET_V2 puts before each frame in its ring slot: a frame of a
/// slot of framesz bytes has framesz - 66 bytes at most.
inline constexpr uint32_t kAfPacketSlotOverhead = 66;
/// The largest frame the kernel hands over with TSO/GSO on: a 64 KiB GSO
/// skb (65,226 bytes for TCP over IPv4 with timestamps, measured) and a tag.
inline constexpr uint32_t kLargestSuperFrame = 65536 - 256 + 4;

/// The device string for the EAL (--vdev): `port.device`, and what its
/// offloads need that the operator did not set:
///  - net_af_packet: framesz=65408,blocksz=2093056, so the ring holds
///    super-frames whole (unless framesz or blocksz is given);
///  - net_vhost: tso=1, so the guest may send super-frames (unless tso is given).
std::string eal_device(const port_config& port);

/// net_af_packet's frame size as the EAL gets it (the PMD's 2048 when
/// unset); 0 for other drivers.
uint32_t af_packet_frame_size(const port_config& port);

/// Why `offload` ("tso" or "checksum") set to on cannot be negotiated with
/// this port's driver; empty when it can, or may (a PCI NIC: checked against
/// its capabilities when it is brought up).
std::string offload_support(const port_config& port, std::string_view offload);

/// The device's own arguments contradict its offloads (net_vhost's tso=0
/// with tso: on, framesz too small for a super-frame with tso: on, ...);
/// the message for the operator, or nullopt.
std::optional<std::string> device_offload_conflict(const port_config& port);

} // namespace bridgehost
