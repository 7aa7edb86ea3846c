// libFuzzer target: arbitrary bytes as a YAML config. parse_config returns a
// config or throws config_error "SOURCE:LINE:COL: ..."; any other exception,
// a crash or a stack overflow is a bug.
#include "config/config.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const bridgehost::config cfg = bridgehost::parse_config(text, "fuzz.yaml");
        if (cfg.ports.size() < 2 || cfg.ports.size() > bridgehost::kMaxPorts) {
            std::fprintf(stderr, "fuzz-config: accepted %zu ports\n", cfg.ports.size());
            std::abort();
        }
    } catch (const bridgehost::config_error& e) {
        // "fuzz.yaml:LINE:COL: ...", both numbers from 1.
        unsigned line = 0, column = 0;
        char colon = 0;
        if (std::sscanf(e.what(), "fuzz.yaml:%u:%u%c", &line, &column, &colon) != 3 ||
            colon != ':' || line == 0 || column == 0) {
            std::fprintf(stderr, "fuzz-config: error without fuzz.yaml:LINE:COL: %s\n", e.what());
            std::abort();
        }
    }
    // Anything else thrown escapes: libFuzzer reports it as a crash.
    return 0;
}
