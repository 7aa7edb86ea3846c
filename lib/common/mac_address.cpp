// Parsing and formatting of MAC addresses.
#include "common/mac_address.hpp"

#include <cstdio>

namespace bridgehost {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
} // namespace

std::optional<mac_address> mac_address::parse(std::string_view text) {
    // Exactly six two-digit groups with one consistent separator.
    if (text.size() != 17)
        return std::nullopt;
    const char sep = text[2];
    if (sep != ':' && sep != '-')
        return std::nullopt;
    mac_address mac;
    for (size_t i = 0; i < 6; ++i) {
        const size_t at = i * 3;
        if (i > 0 && text[at - 1] != sep)
            return std::nullopt;
        const int hi = hex_value(text[at]);
        const int lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        mac.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return mac;
}

std::string mac_address::str() const {
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                  bytes[3], bytes[4], bytes[5]);
    return buf;
}

} // namespace bridgehost
