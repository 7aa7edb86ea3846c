// The 8-byte FDB key {vlan, mac} and the hash both the workers and the control lcore use.
#pragma once

#include "common/mac_address.hpp"

#include <cstdint>
#include <cstring>

#include <rte_hash_crc.h>

namespace bridgehost {

/// MAC in the low 48 bits (wire byte 0 lowest), VLAN id in bits 48..59.
/// One 8-byte word: a compare is one instruction and the CRC is one crc32q.
using fdb_key = uint64_t;
static_assert(sizeof(fdb_key) == 8, "the FDB key must stay one machine word");

using fdb_time = uint32_t; ///< seconds on the control lcore's monotonic clock

inline constexpr uint64_t kMacMask = 0x0000ffffffffffffull;
inline constexpr uint32_t kFdbHashSeed = 0x5eed1e55u;

inline fdb_key make_fdb_key(const uint8_t* mac, uint16_t vlan = 0) {
    uint64_t key = 0;
    std::memcpy(&key, mac, 6);
    return key | uint64_t(vlan & 0x0fff) << 48;
}
inline fdb_key make_fdb_key(const mac_address& mac, uint16_t vlan = 0) {
    return make_fdb_key(mac.bytes.data(), vlan);
}

/// Reads 8 bytes at `p` (the caller guarantees they are readable) and keeps the MAC.
inline fdb_key load_mac_key(const uint8_t* p) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    return word & kMacMask;
}

inline mac_address key_mac(fdb_key key) {
    mac_address mac;
    std::memcpy(mac.bytes.data(), &key, 6);
    return mac;
}
inline uint16_t key_vlan(fdb_key key) {
    return uint16_t(key >> 48) & 0x0fff;
}

/// The hash rte_hash is created with: CRC32-C of the 8-byte key.
inline uint32_t fdb_hash(fdb_key key) {
    return rte_hash_crc_8byte(key, kFdbHashSeed);
}

} // namespace bridgehost
