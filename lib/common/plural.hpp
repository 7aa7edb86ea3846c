// "1 worker", "2 workers": a count with its noun, for messages people read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bridgehost {

/// `n` and `noun`, the noun plural unless n is 1 ("1 port", "0 ports", "2 MACs");
/// `plural` for a noun whose plural is not noun + "s" ("1 entry", "3 entries").
inline std::string count_of(uint64_t n, std::string_view noun, std::string_view plural = {}) {
    std::string s = std::to_string(n) + " ";
    if (n == 1)
        s += noun;
    else if (!plural.empty())
        s += plural;
    else
        (s += noun) += "s";
    return s;
}

} // namespace bridgehost
