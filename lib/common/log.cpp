// Log types, levels and the stream behind rte_log. See log.hpp.
#include "common/log.hpp"

#include <array>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>
#include <syslog.h>

namespace bridgehost::logs {

namespace {

constexpr unsigned kComponents = std::size(kLogComponents);

std::array<int, kComponents> types = [] {
    std::array<int, kComponents> t{};
    t.fill(-1);
    return t;
}();
std::once_flag registered;
std::atomic<log_destination> destination{log_destination::stderr_only};
std::once_flag syslog_opened;

void register_types() {
    std::call_once(registered, [] {
        for (unsigned i = 0; i < kComponents; ++i) {
            const std::string name = std::string("bridgehost.") + kLogComponents[i];
            const int t = rte_log_register_type_and_pick_level(name.c_str(), RTE_LOG_INFO);
            types[i] = t >= 0 ? t : RTE_LOGTYPE_USER1; // only when out of log types
        }
    });
}

// True when stderr is a journald stream (a systemd service's): journald
// sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it gave the service.
bool stderr_is_journal() {
    const char* env = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (env == nullptr || fstat(STDERR_FILENO, &st) != 0)
        return false;
    unsigned long long dev = 0, ino = 0;
    return std::sscanf(env, "%llu:%llu", &dev, &ino) == 2 && dev == st.st_dev && ino == st.st_ino;
}

// The stream rte_log writes to (DPDK's messages too): stderr, syslog or both.
ssize_t stream_write(void*, const char* buf, size_t size) {
    const log_destination d = destination.load(std::memory_order_relaxed);
    // rte_log levels are syslog's plus one (RTE_LOG_EMERG is 1).
    const int level = rte_log_cur_msg_loglevel();
    const int priority = level >= 1 && level <= 8 ? level - 1 : LOG_INFO;
    if (d != log_destination::syslog_only) {
        // Under systemd, "<N>" at the start of a line is the line's priority
        // (SyslogLevelPrefix=), so `journalctl -p warning` finds warnings.
        static const bool journal = stderr_is_journal();
        if (journal)
            std::fprintf(stderr, "<%d>", priority);
        std::fwrite(buf, 1, size, stderr);
    }
    if (d != log_destination::stderr_only) {
        size_t len = size;
        while (len > 0 && buf[len - 1] == '\n')
            --len;
        if (len > 0)
            syslog(priority, "%.*s", int(len), buf);
    }
    return ssize_t(size);
}

FILE* log_stream() {
    static FILE* stream = [] {
        cookie_io_functions_t io{};
        io.write = stream_write;
        FILE* f = fopencookie(nullptr, "w", io);
        if (f != nullptr)
            setvbuf(f, nullptr, _IOLBF, 0);
        return f;
    }();
    return stream;
}

} // namespace

int type(component c) {
    register_types();
    return types[unsigned(c)];
}

void apply(const log_config& cfg) {
    register_types();
    for (unsigned i = 0; i < kComponents; ++i)
        rte_log_set_level(uint32_t(types[i]), uint32_t(cfg.level_of(kLogComponents[i])));
    if (cfg.destination != log_destination::stderr_only)
        std::call_once(syslog_opened, [] { openlog("bridgehost", LOG_PID, LOG_DAEMON); });
    destination.store(cfg.destination, std::memory_order_relaxed);
    if (FILE* f = log_stream())
        rte_openlog_stream(f);
}

void write(component c, log_level level, const char* format, ...) {
    const int t = type(c);
    if (!rte_log_can_log(uint32_t(t), uint32_t(level)))
        return;
    char message[512];
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(message, sizeof(message), format, ap);
    va_end(ap);
    const char* severity = level <= log_level::err       ? "error: "
                           : level == log_level::warning ? "warning: "
                                                         : "";
    rte_log(uint32_t(level), uint32_t(t), "bridgehost.%s: %s%s\n", kLogComponents[unsigned(c)],
            severity, message);
}

bool limiter::allow(uint32_t now) {
    if (!started_ || now - window_start_ >= period_) {
        started_ = true;
        window_start_ = now;
        in_window_ = 0;
    }
    if (in_window_ >= burst_) {
        ++suppressed_;
        return false;
    }
    ++in_window_;
    reported_ = suppressed_;
    suppressed_ = 0;
    return true;
}

} // namespace bridgehost::logs
