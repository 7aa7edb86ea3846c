// An Ethernet MAC address as a value type: parse, format, classify.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgehost {

struct mac_address {
    std::array<uint8_t, 6> bytes{}; ///< network order, as on the wire

    /// Accepts "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (hex, either case).
    static std::optional<mac_address> parse(std::string_view text);
    /// Lower-case, colon-separated.
    std::string str() const;

    bool is_multicast() const { return (bytes[0] & 0x01) != 0; } ///< includes broadcast
    bool is_broadcast() const {
        return bytes == std::array<uint8_t, 6>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    }
    bool is_zero() const { return bytes == std::array<uint8_t, 6>{}; }

    friend bool operator==(const mac_address&, const mac_address&) = default;
};

} // namespace bridgehost
