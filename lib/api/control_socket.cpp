// See control_socket.hpp.
#include "api/control_socket.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace bridgehost {

namespace {

constexpr int kClientTimeoutMs = 2000; ///< a client that stalls longer is dropped

std::runtime_error sys_error(const std::string& what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_un socket_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        throw std::runtime_error("control socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

/// True when something accepts connections on `path` (another instance).
bool someone_listens(const std::string& path) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const sockaddr_un addr = socket_address(path);
    const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

/// Waits until fd is ready for `events` or the client timeout passes.
bool wait_ready(int fd, short events) {
    pollfd p{fd, events, 0};
    return poll(&p, 1, kClientTimeoutMs) == 1 && (p.revents & events) != 0;
}

} // namespace

control_socket::control_socket(std::string path,
                               std::function<std::string(const std::string&)> handle)
    : path_(std::move(path)), handle_(std::move(handle)) {
    const std::string dir = path_.substr(0, path_.rfind('/'));
    if (!dir.empty() && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw sys_error("cannot create the control socket directory " + dir);
    if (someone_listens(path_))
        throw std::runtime_error("another bridgehost serves " + path_ +
                                 " (give this one another eal.file_prefix or control.socket)");
    unlink(path_.c_str()); // stale, from a process that died

    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0)
        throw sys_error("control socket");
    const sockaddr_un addr = socket_address(path_);
    // Created 0600 from the start: no window in which others may connect.
    const mode_t old_mask = umask(0177);
    const int bound = bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    umask(old_mask);
    if (bound != 0 || listen(listen_fd_, 16) != 0) {
        const std::runtime_error e = sys_error("cannot serve the control socket " + path_);
        close(listen_fd_);
        throw e;
    }
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) {
        close(listen_fd_);
        unlink(path_.c_str());
        throw sys_error("eventfd");
    }
    thread_ = std::thread([this] { serve(); });
}

control_socket::~control_socket() {
    const uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof(one)) != sizeof(one))
        std::abort(); // an eventfd write cannot fail here; if it did, join would hang
    thread_.join();
    close(listen_fd_);
    close(stop_fd_);
    unlink(path_.c_str());
}

void control_socket::serve() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0)
            continue; // EINTR
        if (fds[1].revents != 0)
            return;
        if ((fds[0].revents & POLLIN) == 0)
            continue;
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_one(fd);
        close(fd);
    }
}

void control_socket::serve_one(int fd) {
    // Read up to the first newline (or the client's half-close).
    std::string request;
    char buf[4096];
    while (request.find('\n') == std::string::npos) {
        if (request.size() > kMaxRequest) {
            const char reply[] = "{\"ok\":false,\"error\":\"request too large\"}\n";
            (void)!write(fd, reply, sizeof(reply) - 1);
            return;
        }
        if (!wait_ready(fd, POLLIN))
            return;
        const ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        request.append(buf, size_t(n));
    }
    if (const size_t nl = request.find('\n'); nl != std::string::npos)
        request.resize(nl);
    if (request.empty())
        return;
    const std::string reply = handle_(request) + "\n";
    for (size_t done = 0; done < reply.size();) {
        if (!wait_ready(fd, POLLOUT))
            return;
        const ssize_t n = send(fd, reply.data() + done, reply.size() - done, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        done += size_t(n);
    }
}

} // namespace bridgehost
