// Taking "ADDR:PORT" apart for metrics.listen; see listen_address.hpp.
#include "config/listen_address.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace bridgehost {

namespace {

constexpr const char* kForm = "expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:9417, "
                              "[::1]:9417, or 0.0.0.0:9417 for every interface";

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

} // namespace

metrics_listen parse_metrics_listen(const std::string& listen) {
    const std::string_view text = listen;
    metrics_listen out;
    std::string_view addr, port;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw std::invalid_argument(kForm);
        addr = text.substr(1, close - 1);
        port = text.substr(close + 2);
        out.ipv6 = true;
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos)
            throw std::invalid_argument(kForm);
        addr = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (addr.find(':') != std::string_view::npos) {
            unsigned char bin[sizeof(in6_addr)];
            if (inet_pton(AF_INET6, std::string(addr).c_str(), bin) == 1)
                throw std::invalid_argument("write an IPv6 address in brackets, e.g. [::1]:9417");
            throw std::invalid_argument(kForm);
        }
    }

    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size())
        throw std::invalid_argument("the port must be a number from 0 to 65535 (0 picks a free "
                                    "port), got " +
                                    quoted(port));
    if (number > 65535)
        throw std::invalid_argument("port " + std::string(port) +
                                    " is out of range (0 to 65535; 0 picks a free port)");
    out.port = uint16_t(number);

    // Numeric only: civetweb would resolve a host name once, at start, to
    // whichever address the resolver returned first.
    unsigned char bin[sizeof(in6_addr)];
    const std::string a(addr);
    if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, a.c_str(), bin) != 1)
        throw std::invalid_argument(
            out.ipv6 ? quoted(addr) + " is not an IPv6 address"
                     : quoted(addr) + " is not a numeric IPv4 address (host names are not "
                                      "resolved; 0.0.0.0 listens on every interface)");
    char norm[INET6_ADDRSTRLEN];
    inet_ntop(out.ipv6 ? AF_INET6 : AF_INET, bin, norm, sizeof norm);
    out.address = norm;
    return out;
}

} // namespace bridgehost
