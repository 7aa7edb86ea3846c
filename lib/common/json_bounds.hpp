// JSON from the other end of the control socket, parsed within bounds.
//
// Both ends of the control socket parse what the other sent: bridgehost its
// requests, bridgehostctl the replies. Neither trusts the other. nlohmann's
// parser itself is iterative, but copying, dumping and comparing a value recurse
// once per level of nesting, so a text of 64 KiB of '[' would overflow the
// stack later, far from the parse. The depth is therefore checked on the text,
// before anything is built from it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bridgehost {

/// The deepest nesting of arrays and objects in `text`, ignoring brackets
/// inside strings; stops counting once it passes `limit`.
inline unsigned json_nesting(std::string_view text, unsigned limit) {
    unsigned depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest && (deepest = depth) > limit)
                break;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

/// Parses `text` as one JSON value no longer than `max_bytes` and nested no
/// deeper than `max_depth`; throws std::invalid_argument saying which bound
/// it broke, or nlohmann's parse_error for text that is not JSON.
inline nlohmann::json parse_bounded_json(std::string_view text, size_t max_bytes,
                                         unsigned max_depth) {
    if (text.size() > max_bytes)
        throw std::invalid_argument(std::to_string(text.size()) + " bytes, more than the " +
                                    std::to_string(max_bytes) + " allowed");
    if (json_nesting(text, max_depth) > max_depth)
        throw std::invalid_argument("nested deeper than " + std::to_string(max_depth) + " levels");
    return nlohmann::json::parse(text);
}

} // namespace bridgehost
