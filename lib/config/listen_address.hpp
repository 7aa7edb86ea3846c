// The metrics listen address (metrics.listen, "ADDR:PORT"): checked by the
// config without binding, and taken apart by api/metrics_server.hpp, which binds it.
#pragma once

#include <cstdint>
#include <string>

namespace bridgehost {

/// A metrics listen address ("ADDR:PORT") taken apart.
struct metrics_listen {
    std::string address; ///< numeric, as inet_ntop writes it: "127.0.0.1", "::1"
    uint16_t port = 0;   ///< 0: any free port
    bool ipv6 = false;   ///< written in brackets: "[::1]:9417"
};

/// Checks "ADDR:PORT" the way metrics_server does, without binding (for a
/// config check). ADDR is a numeric IPv4 address or a bracketed IPv6 one; host
/// names are refused. Throws std::invalid_argument whose what() is the reason
/// alone ("port 99999 is out of range ..."), for the caller to prefix.
metrics_listen parse_metrics_listen(const std::string& listen);

} // namespace bridgehost
