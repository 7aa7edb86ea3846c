// Limits on a config's text, checked before yaml-cpp sees it: yaml-cpp reads
// nested collections by recursion, so a deep enough nesting would exhaust the
// stack, and a config has no use for megabytes or more than a few levels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bridgehost::yaml {

inline constexpr size_t kMaxTextBytes = size_t(1) << 20; ///< 1 MiB
inline constexpr unsigned kMaxDepth = 64; ///< collections inside collections (a config uses 4)

/// Throws config_error "SOURCE:LINE:COLUMN: ..." when `text` is longer than
/// kMaxTextBytes or nests collections deeper than kMaxDepth. The depth is an
/// upper bound read from the text's structure (indentation, "- " and "? "
/// indicators, flow brackets outside quotes and comments), which may count a
/// level or two too many. Text that fools it still meets yaml-cpp's own
/// limit (DeepRecursion, at a depth its stack survives: fuzz-config checks).
void check_bounds(std::string_view text, const std::string& source);

} // namespace bridgehost::yaml
