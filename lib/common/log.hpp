// bridgehost's logs: rte_log with one log type per component, bridgehost.<name>.
//
// Levels come from the YAML (log.level, log.components) and can change at run
// time (reload). Everything rte_log writes, DPDK's own messages included, goes
// to stderr, syslog or both (log.destination). Only the control side logs:
// a worker never calls anything here.
#pragma once

#include "common/log_config.hpp"

#include <cstdint>

namespace bridgehost::logs {

enum class component : uint8_t { control, fdb, port, diag, metrics };

/// Registers the log types (idempotent) and applies `cfg`'s levels and destination.
void apply(const log_config& cfg);
/// The rte_log type of `c` (registered on first use).
int type(component c);

/// "bridgehost.<component>: " + message, at `level`; warnings and worse say so.
void write(component c, log_level level, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

/// At most `burst` messages per `period_s` seconds for one kind of event; the
/// rest are counted, and the next message that may go says how many were not
/// written. Owned by the thread that logs that kind (the control lcore).
class limiter {
  public:
    limiter(unsigned burst, uint32_t period_s) : burst_(burst), period_(period_s) {}
    /// True if a message may be written at `now` (seconds).
    bool allow(uint32_t now);
    /// Messages refused since the last one allowed; allow() returning true
    /// leaves this set so the caller can mention it, the next allow() clears it.
    uint64_t suppressed() const { return reported_; }

  private:
    unsigned burst_;
    uint32_t period_;
    uint32_t window_start_ = 0;
    unsigned in_window_ = 0;
    uint64_t suppressed_ = 0, reported_ = 0;
    bool started_ = false;
};

} // namespace bridgehost::logs
