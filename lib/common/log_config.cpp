// The log levels' names and a log config's per-component level; see log_config.hpp.
#include "common/log_config.hpp"

#include <cstddef>
#include <iterator>

namespace bridgehost {

namespace {
constexpr const char* kLogLevelNames[] = {"emerg",   "alert",  "crit", "err",
                                          "warning", "notice", "info", "debug"};
} // namespace

std::optional<log_level> parse_log_level(std::string_view name) {
    for (size_t i = 0; i < std::size(kLogLevelNames); ++i)
        if (name == kLogLevelNames[i])
            return log_level(i + 1);
    return std::nullopt;
}

const char* log_level_name(log_level level) {
    return kLogLevelNames[unsigned(level) - 1];
}

log_level log_config::level_of(std::string_view component) const {
    for (const auto& [name, override_level] : components)
        if (name == component)
            return override_level;
    return level;
}

} // namespace bridgehost
