// GET /metrics over HTTP, served by civetweb threads, never by an lcore.
//
// The server knows nothing of the switch: it calls `render` for each scrape
// and sends what it returns. Two civetweb threads at most, no files, no
// directory listing: the port exposes the counters and nothing else.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct mg_context;

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

class metrics_server {
  public:
    /// Starts serving on `listen` ("127.0.0.1:9417", "[::1]:9417"; port 0
    /// picks a free port). `render` runs on a civetweb thread for each
    /// GET /metrics, never two calls at once; if it throws a std::exception the
    /// scrape gets a 503 with the message. Throws std::runtime_error
    /// "cannot serve metrics on LISTEN: REASON" if the address is malformed, not
    /// this host's, or its port is taken.
    metrics_server(const std::string& listen, std::function<std::string()> render);
    /// Stops civetweb: waits for a scrape in progress (and its render) to finish.
    ~metrics_server();

    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    /// The port actually bound (the free port chosen when `listen` says 0).
    uint16_t port() const { return port_; }

  private:
    struct handler; ///< what civetweb's threads call; defined in the .cpp
    std::unique_ptr<handler> handler_;
    mg_context* ctx_ = nullptr;
    uint16_t port_ = 0;
};

} // namespace bridgehost
