// The /metrics HTTP server on civetweb's C API (Debian's libcivetweb1).
#include "api/metrics_server.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <civetweb.h>

namespace bridgehost {

namespace {

constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kTextType = "text/plain; charset=utf-8";
constexpr unsigned kFeatureIpv6 = 8; // mg_check_feature: built with USE_IPV6

// civetweb says why it could not bind only through the log_message callback,
// on the thread that calls mg_start2; this is where that thread collects it.
thread_local std::vector<std::string>* startup_log = nullptr;

int log_message(const mg_connection*, const char* message) {
    if (startup_log != nullptr) {
        try {
            startup_log->emplace_back(message);
        } catch (const std::bad_alloc&) { // nothing may unwind into civetweb's C frames
        }
    }
    // Nonzero: handled. Later messages are about single clients (a reset, a
    // malformed request); a scraper sees its own failure, the switch's log stays clean.
    return 1;
}

/// Why civetweb could not listen, for an operator. civetweb logs
/// "cannot bind to SPEC: ERRNO (TEXT)"; the errno says what to do about it.
std::string bind_failure(const std::vector<std::string>& log, const std::string& spec,
                         const metrics_listen& where, const char* civetweb_error) {
    for (const std::string& line : log) {
        const std::size_t at = line.find(spec + ": ");
        if (at == std::string::npos)
            continue;
        const char* first = line.data() + at + spec.size() + 2;
        int err = 0;
        if (std::from_chars(first, line.data() + line.size(), err).ec != std::errc() || err <= 0)
            return line;
        switch (err) {
        case EADDRINUSE:
            return "port " + std::to_string(where.port) +
                   " is already in use (another bridgehost, or another exporter?); choose "
                   "another port";
        case EADDRNOTAVAIL:
            return where.address + " is not an address of this host";
        case EACCES:
            return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
        default:
            return std::strerror(err);
        }
    }
    if (!log.empty())
        return log.front();
    return *civetweb_error != '\0' ? civetweb_error : "civetweb did not start";
}

/// civetweb's threads inherit the signal mask of the thread that starts them.
/// bridgehost takes SIGINT and SIGTERM through a signalfd, which sees them only
/// if no thread leaves them unblocked: a civetweb thread would take SIGTERM's
/// default action and kill the switch without its exit report. So civetweb
/// starts with every asynchronous signal blocked.
class signals_blocked {
  public:
    signals_blocked() {
        sigset_t set;
        sigfillset(&set);
        for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT})
            sigdelset(&set, s); // a fault must still kill the thread that made it
        pthread_sigmask(SIG_BLOCK, &set, &saved_);
    }
    ~signals_blocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    signals_blocked(const signals_blocked&) = delete;
    signals_blocked& operator=(const signals_blocked&) = delete;

  private:
    sigset_t saved_;
};

// Debian's civetweb writes the Date header with gmtime(), whose result is one
// static buffer: two threads answering at once can garble each other's date
// (ThreadSanitizer sees it). Our replies take turns at it.
std::mutex header_mutex;

int reply(mg_connection* conn, int status, const char* type, std::string_view body,
          const char* allow = nullptr) {
    const std::string length = std::to_string(body.size());
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", type, -1);
    mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
    if (allow != nullptr)
        mg_response_header_add(conn, "Allow", allow, -1);
    {
        const std::lock_guard lock(header_mutex);
        mg_response_header_send(conn);
    }
    // A HEAD reply has the headers of its GET and no body.
    if (std::string_view(mg_get_request_info(conn)->request_method) != "HEAD")
        mg_write(conn, body.data(), body.size());
    return status; // 1..999: handled, and the status civetweb logs
}

} // namespace

/// The state civetweb's threads share: the render function, called by one
/// thread at a time so that it need not be reentrant.
struct metrics_server::handler {
    std::function<std::string()> render;
    std::mutex render_mutex;
    sockaddr_storage self{}; ///< where a connection reaches the listening socket
    socklen_t self_length = 0;

    static int begin_request(mg_connection* conn) {
        auto* self = static_cast<handler*>(mg_get_user_data(mg_get_context(conn)));
        try {
            return self->serve(conn);
        } catch (...) { // nothing may unwind into civetweb's C frames
            mg_send_http_error(conn, 500, "%s", "internal error\n");
            return 500;
        }
    }

    int serve(mg_connection* conn) {
        const mg_request_info* request = mg_get_request_info(conn);
        const std::string_view uri = request->local_uri != nullptr ? request->local_uri : "";
        const std::string_view method = request->request_method;
        if (uri != "/metrics")
            return reply(conn, 404, kTextType, "not found: bridgehost serves GET /metrics only\n");
        if (method != "GET")
            return reply(conn, 405, kTextType,
                         "method not allowed: bridgehost serves GET /metrics only\n", "GET");
        std::string body;
        try {
            const std::lock_guard lock(render_mutex);
            body = render();
        } catch (const std::exception& e) {
            return reply(conn, 503, kTextType,
                         std::string("metrics unavailable: ") + e.what() + "\n");
        }
        return reply(conn, 200, kMetricsType, body);
    }
};

metrics_server::metrics_server(const std::string& listen, std::function<std::string()> render)
    : handler_(std::make_unique<handler>()) {
    if (!render)
        throw std::invalid_argument("metrics_server: no render function");
    handler_->render = std::move(render);
    const auto fail = [&](const std::string& why) {
        return std::runtime_error("cannot serve metrics on " + listen + ": " + why);
    };

    metrics_listen where;
    try {
        where = parse_metrics_listen(listen);
    } catch (const std::invalid_argument& e) {
        throw fail(e.what());
    }
    if (where.ipv6 && (mg_check_feature(kFeatureIpv6) & kFeatureIpv6) == 0)
        throw fail("this civetweb library was built without IPv6 (USE_IPV6); listen on an IPv4 "
                   "address, e.g. 127.0.0.1:" +
                   std::to_string(where.port));

    // Reference counted, but its first call is not thread-safe: do it once.
    static std::once_flag library;
    std::call_once(library, [] { mg_init_library(0); });

    const std::string spec = where.ipv6 ? "[" + where.address + "]:" + std::to_string(where.port)
                                        : where.address + ":" + std::to_string(where.port);
    // clang-format off
    const char* options[] = {
        "listening_ports", spec.c_str(),
        "num_threads", "2",
        "enable_directory_listing", "no",
        // With two threads, an idle keep-alive connection or a stalled client
        // would hold half the server: one request per connection, and a
        // client gets 10 s to send it.
        "enable_keep_alive", "no",
        "request_timeout_ms", "10000",
        nullptr,
    };
    // clang-format on
    mg_callbacks callbacks{};
    callbacks.begin_request = &handler::begin_request;
    callbacks.log_message = &log_message;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = handler_.get();
    init.configuration_options = options;
    char error_text[256] = "";
    mg_error_data error{};
    error.text = error_text;
    error.text_buffer_size = sizeof error_text;

    std::vector<std::string> log;
    startup_log = &log;
    {
        const signals_blocked blocked;
        ctx_ = mg_start2(&init, &error);
    }
    startup_log = nullptr;
    if (ctx_ == nullptr)
        throw fail(bind_failure(log, spec, where, error_text));

    mg_server_port ports[4]{};
    if (mg_get_server_ports(ctx_, 4, ports) < 1 || ports[0].port <= 0 || ports[0].port > 65535) {
        mg_stop(ctx_);
        throw fail("civetweb started but reports no listening port");
    }
    port_ = uint16_t(ports[0].port);

    // The address ~metrics_server() connects to: the wildcard is reached on loopback.
    if (where.ipv6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port_);
        inet_pton(AF_INET6, where.address == "::" ? "::1" : where.address.c_str(), &a.sin6_addr);
        std::memcpy(&handler_->self, &a, sizeof a);
        handler_->self_length = sizeof a;
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port_);
        inet_pton(AF_INET, where.address == "0.0.0.0" ? "127.0.0.1" : where.address.c_str(),
                  &a.sin_addr);
        std::memcpy(&handler_->self, &a, sizeof a);
        handler_->self_length = sizeof a;
    }
}

metrics_server::~metrics_server() {
    // mg_stop() raises a flag that civetweb's master thread reads only when its
    // poll() of the listening socket returns: up to 2 s later when no client
    // comes, and bridgehost's exit would wait for it. So mg_stop() runs on a
    // thread of its own while this one comes as a client until it returns.
    // Connections are non-blocking and closed at once: a firewall that drops
    // them costs the 2 s, never a hang; one accepted before the flag was seen
    // is at EOF for the worker that reads it.
    std::atomic<bool> stopped{false};
    std::thread stopper;
    try {
        const signals_blocked blocked; // as for civetweb's own threads
        stopper = std::thread([&] {
            mg_stop(ctx_);
            stopped = true;
        });
    } catch (const std::system_error&) {
        mg_stop(ctx_); // no thread to be had: stop the slow way
        return;
    }
    while (!stopped) {
        if (const int fd = socket(handler_->self.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
            fd >= 0) {
            connect(fd, reinterpret_cast<const sockaddr*>(&handler_->self), handler_->self_length);
            close(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stopper.join();
}

} // namespace bridgehost
