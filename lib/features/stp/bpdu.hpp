// Spanning-tree BPDUs as they are on the wire (IEEE 802.1D-2004 clause 9):
// decoded from and encoded into whole Ethernet frames. No DPDK: the parser is
// unit-tested and fuzzed without an EAL.
//
// A BPDU frame is an 802.3 frame with an LLC header:
//   0   dst 01:80:c2:00:00:00 (the bridge group address)
//   6   src the sending port's MAC
//   12  length: LLC header + BPDU (38 for a Config BPDU, 39 for an RST BPDU, 7 for a TCN)
//   14  LLC DSAP 0x42, SSAP 0x42, control 0x03 (UI)
//   17  the BPDU (offsets below are from here)
//       0  protocol identifier 0x0000
//       2  protocol version: 0 (STP), 2 (RSTP); 3 and above (MSTP) are read as RSTP
//       3  type: 0x00 Config, 0x80 TCN, 0x02 RST
//       4  flags (Config and RST only)
//       5  root identifier (8), 13 root path cost (4), 17 bridge identifier (8),
//       25 port identifier (2), 27 message age, 29 max age, 31 hello time,
//       33 forward delay (each 2 bytes, in 1/256 s)
//       35 version 1 length, 0 (RST only)
// Frames are padded to 60 bytes.
#pragma once

#include "common/mac_address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace bridgehost::stp {

inline constexpr std::array<uint8_t, 6> kBridgeGroupAddress = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
inline constexpr size_t kLlcOffset = 14;
inline constexpr size_t kBpduOffset = 17;
inline constexpr size_t kConfigBpduLen = 35;
inline constexpr size_t kRstBpduLen = 36;
inline constexpr size_t kTcnBpduLen = 4;
inline constexpr size_t kBpduFrameLen = 60; ///< what build_bpdu_frame writes (padded)

/// Flag bits (9.3.1, 9.3.3). Config BPDUs carry only tc and tc_ack.
namespace flags {
inline constexpr uint8_t tc = 0x01;
inline constexpr uint8_t proposal = 0x02;
inline constexpr uint8_t role_mask = 0x0c; ///< the sending port's role, rst only
inline constexpr uint8_t learning = 0x10;
inline constexpr uint8_t forwarding = 0x20;
inline constexpr uint8_t agreement = 0x40;
inline constexpr uint8_t tc_ack = 0x80;
} // namespace flags

/// The port role encoded in an RST BPDU's flags (9.3.3).
enum class bpdu_role : uint8_t { unknown = 0, alternate_or_backup = 1, root = 2, designated = 3 };

struct bpdu {
    enum class type_t : uint8_t { config = 0x00, tcn = 0x80, rst = 0x02 };
    type_t type = type_t::config;
    uint8_t version = 0; ///< as received (3 for MSTP); 0 or 2 when we send
    uint8_t flags = 0;
    uint64_t root_id = 0; ///< priority (16 bits, the low 12 the system ID extension) and MAC
    uint32_t root_path_cost = 0;
    uint64_t bridge_id = 0;
    uint16_t port_id = 0; ///< priority (4 bits) and port number (12 bits)
    // In 1/256 s, as on the wire.
    uint16_t message_age = 0, max_age = 0, hello_time = 0, forward_delay = 0;

    bpdu_role role() const { return bpdu_role((flags & flags::role_mask) >> 2); }
    void set_role(bpdu_role r) { flags = uint8_t((flags & ~flags::role_mask) | uint8_t(r) << 2); }
    bool operator==(const bpdu&) const = default;
};

/// Why a frame to the bridge group address is not a BPDU we act on (9.3.4).
enum class bpdu_error : uint8_t {
    ok,
    not_bridge_group, ///< destination is not 01:80:c2:00:00:00
    not_llc,          ///< an Ethernet II frame, or LLC other than 42 42 03
    bad_length,       ///< the 802.3 length field overruns the frame, or is under 3 (the LLC header)
    bad_protocol,     ///< protocol identifier not 0
    bad_type,         ///< unknown type, or RST with version < 2
    too_short,        ///< the length field leaves fewer bytes than its type needs, or the
                      ///< frame is shorter than a TCN's 21
    bad_message_age,  ///< Config/RST whose message age is not less than its max age
};
const char* bpdu_error_name(bpdu_error e);

/// Decodes the Ethernet frame of `len` bytes at `frame` into `out`.
bpdu_error parse_bpdu_frame(const uint8_t* frame, size_t len, bpdu& out);

/// Encodes `b` (type and version as set) from `src` into kBpduFrameLen bytes at `out`.
void build_bpdu_frame(const bpdu& b, const mac_address& src, uint8_t* out);

/// "8000.aabbccddeeff", as the Linux bridge prints bridge identifiers.
std::string bridge_id_str(uint64_t id);
/// "8.001": the port identifier's priority (hex, /16) and port number (hex).
std::string port_id_str(uint16_t id);

} // namespace bridgehost::stp
