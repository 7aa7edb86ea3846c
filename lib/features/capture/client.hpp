// bridgehostctl capture: starts a capture on the switch, polls it, writes the frames as pcap.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgehost {

struct capture_options {
    std::string port;
    std::string direction = "rx"; ///< rx, tx or both
    uint64_t count = 100;
    std::optional<uint32_t> snaplen;
    std::optional<int> seconds; ///< stop after this long (--timeout)
    std::string file;           ///< "-": standard output
};

/// The options from bridgehostctl's words ("capture PORT --count N -w FILE
/// ..."); `seconds` comes from --timeout, which main parses. Throws
/// std::invalid_argument with the reason.
capture_options parse_capture(const std::vector<std::string>& words, std::optional<int> seconds);

/// Sends one request and returns the switch's whole reply ({"ok": ...}).
/// Throws when the switch cannot be reached or the reply is malformed.
using capture_request = std::function<nlohmann::json(const nlohmann::json&)>;

/// Runs the capture to its end (count reached, --timeout, SIGINT or SIGTERM)
/// and returns the exit status: 0, or 1 when the switch refused (the reason
/// is printed). Totals go to stderr, or as JSON to stdout when `as_json` and
/// the file is not stdout. Request failures propagate as exceptions.
int run_capture(const capture_options& o, const capture_request& request, bool as_json);

} // namespace bridgehost
