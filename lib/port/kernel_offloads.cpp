// Turning GRO/LRO off on a kernel interface with SIOCETHTOOL, and back on what was turned off.
#include "port/kernel_offloads.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bridgehost {

namespace {

// The ioctls need a socket, of any family; one per call keeps objects independent.
struct ioctl_socket {
    ioctl_socket() = default;
    ioctl_socket(const ioctl_socket&) = delete;
    ~ioctl_socket() {
        if (fd >= 0)
            close(fd);
    }
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
};

std::string reason(int err) {
    std::string s = std::strerror(err);
    if (err == EPERM || err == EACCES)
        s += " (bridgehost needs CAP_NET_ADMIN)";
    return s;
}

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const std::string& n : names)
        s += (s.empty() ? "" : ", ") + n;
    return s;
}

// The ethtool commands end in flexible arrays: zeroed storage aligned for their u64 fields.
template <class T> struct ethtool_buffer {
    explicit ethtool_buffer(size_t bytes) : storage((bytes + 7) / 8) {}
    T* operator->() { return reinterpret_cast<T*>(storage.data()); }
    std::vector<uint64_t> storage;
};

// SIOCETHTOOL on `ifname`: the kernel's answer (>= 0; ETHTOOL_F_* flags for SFEATURES) or -errno.
int ethtool(int fd, const std::string& ifname, void* cmd) {
    ifreq ifr{};
    ifname.copy(ifr.ifr_name, IFNAMSIZ - 1);
    ifr.ifr_data = static_cast<char*>(cmd);
    const int ret = ioctl(fd, SIOCETHTOOL, &ifr);
    return ret < 0 ? -errno : ret;
}

// The interface's current name: by index, as it may have been renamed. 0 or an errno.
int name_of(int fd, unsigned ifindex, std::string& name) {
    ifreq ifr{};
    ifr.ifr_ifindex = int(ifindex);
    if (fd < 0 || ioctl(fd, SIOCGIFNAME, &ifr) != 0)
        return errno;
    name = ifr.ifr_name;
    return 0;
}

// Reads the features into `out` and the size ETHTOOL_SFEATURES must be given
// into `words`; returns "" or why it could not.
std::string read_features(int fd, const std::string& ifname, std::vector<rx_offload>& out,
                          uint32_t& words) {
    const std::string cannot = "cannot read the offload features of " + ifname + ": ";
    if (fd < 0)
        return cannot + reason(errno);
    // The feature names are the kernel's, so their bit numbers are asked, not assumed.
    ethtool_buffer<ethtool_sset_info> info(sizeof(ethtool_sset_info) + sizeof(uint32_t));
    info->cmd = ETHTOOL_GSSET_INFO;
    info->sset_mask = 1ULL << ETH_SS_FEATURES;
    if (int ret = ethtool(fd, ifname, info.storage.data()); ret < 0)
        return cannot + reason(-ret);
    if ((info->sset_mask & (1ULL << ETH_SS_FEATURES)) == 0)
        return cannot + "the kernel does not name them (no ETH_SS_FEATURES)";
    const uint32_t count = info->data[0];
    ethtool_buffer<ethtool_gstrings> strings(sizeof(ethtool_gstrings) + count * ETH_GSTRING_LEN);
    strings->cmd = ETHTOOL_GSTRINGS;
    strings->string_set = ETH_SS_FEATURES;
    strings->len = count;
    if (int ret = ethtool(fd, ifname, strings.storage.data()); ret < 0)
        return cannot + reason(-ret);
    words = (count + 31) / 32;
    ethtool_buffer<ethtool_gfeatures> get(sizeof(ethtool_gfeatures) +
                                          words * sizeof(ethtool_get_features_block));
    get->cmd = ETHTOOL_GFEATURES;
    get->size = words;
    if (int ret = ethtool(fd, ifname, get.storage.data()); ret < 0)
        return cannot + reason(-ret);
    const uint32_t blocks = std::min(words, get->size); // the kernel copied this many
    words = get->size; // SFEATURES wants exactly the kernel's count, else EINVAL
    for (const char* wanted : kRxCoalescing)
        for (uint32_t bit = 0; bit < std::min(count, strings->len) && bit / 32 < blocks; ++bit) {
            const char* name = reinterpret_cast<const char*>(strings->data) + bit * ETH_GSTRING_LEN;
            if (std::strncmp(name, wanted, ETH_GSTRING_LEN) != 0)
                continue;
            const ethtool_get_features_block& b = get->features[bit / 32];
            const uint32_t mask = 1u << (bit % 32);
            out.push_back({wanted, bit, (b.active & mask) != 0, (b.available & mask) != 0});
        }
    return "";
}

// Asks for `features` to be `on`; the caller reads back what the kernel made of it.
int request(int fd, const std::string& ifname, uint32_t words,
            const std::vector<rx_offload>& features, bool on) {
    ethtool_buffer<ethtool_sfeatures> cmd(sizeof(ethtool_sfeatures) +
                                          words * sizeof(ethtool_set_features_block));
    cmd->cmd = ETHTOOL_SFEATURES;
    cmd->size = words;
    for (const rx_offload& f : features) {
        cmd->features[f.bit / 32].valid |= 1u << (f.bit % 32);
        if (on)
            cmd->features[f.bit / 32].requested |= 1u << (f.bit % 32);
    }
    return ethtool(fd, ifname, cmd.storage.data());
}

bool active(const std::vector<rx_offload>& now, const rx_offload& f) {
    for (const rx_offload& n : now)
        if (n.bit == f.bit)
            return n.active;
    return false;
}

} // namespace

rx_offloads read_rx_offloads(const std::string& ifname) {
    ioctl_socket sock;
    rx_offloads out;
    uint32_t words = 0;
    out.error = read_features(sock.fd, ifname, out.features, words);
    return out;
}

std::string describe_rx_coalescing(const std::string& ifname,
                                   const std::vector<std::string>& turned_off,
                                   const std::vector<std::string>& fixed_on,
                                   const std::vector<std::string>& kept_on,
                                   const std::string& error) {
    std::string s;
    const auto add = [&s](const std::string& part) { s += (s.empty() ? "" : "; ") + part; };
    if (!turned_off.empty())
        add("turned off " + join(turned_off) + " (restored at exit)");
    if (!kept_on.empty())
        add(error.empty() ? join(kept_on) + (kept_on.size() == 1
                                                 ? " stays on (the kernel would not turn it off)"
                                                 : " stay on (the kernel would not turn them off)")
                          : "cannot turn off " + join(kept_on) + ": " + error);
    if (!fixed_on.empty())
        add(join(fixed_on) + (fixed_on.size() == 1 ? " is" : " are") +
            " on and cannot be changed (fixed)");
    if (!kept_on.empty() || !fixed_on.empty())
        s += ": super-frames will be segmented in software";
    if (s.empty())
        s = error.empty() ? "GRO/LRO already off" : error;
    return ifname + ": " + s;
}

rx_coalescing_off::rx_coalescing_off(unsigned ifindex) {
    s_.ifindex = ifindex;
    ioctl_socket sock;
    if (int err = name_of(sock.fd, ifindex, s_.ifname); err != 0)
        s_.summary = s_.error = "cannot find the kernel interface with index " +
                                std::to_string(ifindex) + ": " + reason(err);
    else
        disable();
}

rx_coalescing_off::rx_coalescing_off(const std::string& ifname) {
    s_.ifname = ifname;
    s_.ifindex = if_nametoindex(ifname.c_str());
    if (s_.ifindex == 0)
        s_.summary = s_.error = "cannot find the kernel interface " + ifname + ": " + reason(errno);
    else
        disable();
}

void rx_coalescing_off::disable() {
    ioctl_socket sock;
    std::vector<rx_offload> before, to_clear;
    uint32_t words = 0;
    s_.error = read_features(sock.fd, s_.ifname, before, words);
    if (!s_.error.empty()) {
        s_.summary = s_.error;
        return;
    }
    for (const rx_offload& f : before) {
        if (f.active && f.changeable)
            to_clear.push_back(f);
        else if (f.active)
            s_.fixed_on.push_back(f.name);
    }
    if (!to_clear.empty()) {
        if (int ret = request(sock.fd, s_.ifname, words, to_clear, false); ret < 0) {
            // The kernel checks before it changes anything: nothing to restore.
            s_.error = reason(-ret);
            for (const rx_offload& f : to_clear)
                s_.kept_on.push_back(f.name);
        } else {
            // Even what the kernel keeps on (ETHTOOL_F_WISH) had its request
            // cleared, which restore() must undo too. The returned flags do not
            // say which feature they are about: the read-back does (and if it
            // fails, the kernel accepted the request, so count them as off).
            s_.changed = to_clear;
            std::vector<rx_offload> after;
            const bool reread = read_features(sock.fd, s_.ifname, after, words).empty();
            for (const rx_offload& f : to_clear)
                (reread && active(after, f) ? s_.kept_on : s_.turned_off).push_back(f.name);
        }
    }
    s_.summary =
        describe_rx_coalescing(s_.ifname, s_.turned_off, s_.fixed_on, s_.kept_on, s_.error);
}

std::string rx_coalescing_off::restore() {
    if (s_.changed.empty())
        return "";
    const std::vector<rx_offload> changed = std::exchange(s_.changed, {});
    std::vector<std::string> names;
    for (const rx_offload& f : changed)
        names.push_back(f.name);
    const std::string cannot = "cannot turn " + join(names) + " back on: ";
    ioctl_socket sock;
    std::string ifname;
    if (int err = name_of(sock.fd, s_.ifindex, ifname); err != 0)
        return s_.ifname + " (index " + std::to_string(s_.ifindex) + "): " + cannot +
               (err == ENODEV ? "the interface is gone" : reason(err));
    std::vector<rx_offload> now;
    uint32_t words = 0;
    if (std::string error = read_features(sock.fd, ifname, now, words); !error.empty())
        return error + ", so " + join(names) + (names.size() == 1 ? " stays" : " stay") + " off";
    if (int ret = request(sock.fd, ifname, words, changed, true); ret < 0)
        return ifname + ": " + cannot + reason(-ret);
    std::vector<rx_offload> after;
    const bool reread = read_features(sock.fd, ifname, after, words).empty();
    std::vector<std::string> off;
    for (const rx_offload& f : changed) // unread, it counts as on, as in disable()
        if (reread && !active(after, f))
            off.push_back(f.name);
    if (!off.empty())
        return ifname + ": " + join(off) + " requested on again, but the kernel keeps " +
               (off.size() == 1 ? "it" : "them") + " off";
    return "";
}

void rx_coalescing_off::restore_quietly() noexcept {
    try {
        restore();
    } catch (...) { // only bad_alloc: not worth terminating over
    }
}

rx_coalescing_off& rx_coalescing_off::operator=(rx_coalescing_off&& other) noexcept {
    if (this != &other) {
        restore_quietly();
        s_ = std::exchange(other.s_, {});
    }
    return *this;
}

} // namespace bridgehost
