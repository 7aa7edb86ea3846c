// The control socket: a Unix stream socket, mode 0600 in a 0700 directory,
// that takes one JSON request line per connection and answers one JSON line.
// bridgehostctl is its client. The thread serving it is an ordinary thread,
// not an EAL lcore; what it asks of the switch runs on the control lcore.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace bridgehost {

class control_socket {
  public:
    /// Largest request accepted, in bytes (a request is a short JSON object).
    static constexpr size_t kMaxRequest = 64 * 1024;

    /// Binds `path` (creating its directory 0700 if absent, replacing a stale
    /// socket left by a process that died) and serves it: each request line
    /// goes to `handle`, whose answer is written back. Throws std::runtime_error
    /// when the socket cannot be made or another instance is serving it.
    control_socket(std::string path, std::function<std::string(const std::string&)> handle);
    /// Stops serving and removes the socket file.
    ~control_socket();
    control_socket(const control_socket&) = delete;
    control_socket& operator=(const control_socket&) = delete;

    const std::string& path() const { return path_; }

  private:
    void serve();
    void serve_one(int fd);

    std::string path_;
    std::function<std::string(const std::string&)> handle_;
    int listen_fd_ = -1;
    int stop_fd_ = -1; ///< eventfd: wakes the thread to stop
    std::thread thread_;
};

} // namespace bridgehost
