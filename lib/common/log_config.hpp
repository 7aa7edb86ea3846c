// The log settings of a config (log.level, log.components, log.destination):
// plain values shared by the config, which reads them, and common/log.hpp,
// which applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridgehost {

/// rte_log levels, as syslog numbers them (RTE_LOG_EMERG = 1 .. RTE_LOG_DEBUG = 8).
enum class log_level : uint8_t { emerg = 1, alert, crit, err, warning, notice, info, debug };
/// "emerg" .. "debug"; nullopt for anything else.
std::optional<log_level> parse_log_level(std::string_view name);
const char* log_level_name(log_level level);

enum class log_destination : uint8_t { stderr_only, syslog_only, both };

/// The components with a log type of their own, bridgehost.<name>.
inline constexpr const char* kLogComponents[] = {"control", "fdb", "port", "diag", "metrics"};

struct log_config {
    log_level level = log_level::info;                         ///< every component's default
    std::vector<std::pair<std::string, log_level>> components; ///< overrides, by component name
    log_destination destination = log_destination::stderr_only;

    /// The level in effect for `component`.
    log_level level_of(std::string_view component) const;

    bool operator==(const log_config&) const = default;
};

} // namespace bridgehost
