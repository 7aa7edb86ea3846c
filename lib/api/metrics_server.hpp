// GET /metrics over HTTP, served by civetweb threads, never by an lcore.
//
// The server knows nothing of the switch: it calls `render` for each scrape
// and sends what it returns. Two civetweb threads at most, no files, no
// directory listing: the port exposes the counters and nothing else.
#pragma once

#include "config/listen_address.hpp" // parse_metrics_listen

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct mg_context;

namespace bridgehost {

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
