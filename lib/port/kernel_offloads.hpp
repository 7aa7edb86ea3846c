// Receive-side coalescing (GRO, LRO and kin) turned off on a kernel interface, and back on at exit.
//
// Design: a net_af_packet port reads frames from a kernel interface's packet
// socket. With GRO or LRO on, the kernel merges a flow's segments into
// super-frames of up to 64 KiB before the socket sees them, which bridgehost
// must cut up again in software, and cannot when they are UDP or longer than
// the port's framesz. So bridgehost holds
// an rx_coalescing_off per such port from start to exit: its constructor
// clears the coalescing features that are on and changeable (ETHTOOL_SFEATURES,
// the generic feature interface of SIOCETHTOOL, found by the kernel's feature
// names, so no bit numbers are compiled in) and reads them back to learn what
// really changed; its destructor asks for exactly those on again. What was
// already off stays off, and a feature it did not change is never touched. The
// interface is kept by index, so a rename while bridgehost runs does not lose
// it. Nothing here throws or logs: failures become one line of text for the
// caller to log (summary(), restore()), and a port is never refused for them,
// since only the size of the frames it delivers is at stake.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bridgehost {

/// One receive-coalescing feature of an interface, as ETHTOOL_GFEATURES reports it.
struct rx_offload {
    std::string name;        ///< the kernel's name: "rx-gro", "rx-lro", "rx-gro-hw", ...
    unsigned bit = 0;        ///< its index in the kernel's feature bits (ETH_SS_FEATURES)
    bool active = false;     ///< on now
    bool changeable = false; ///< the driver lets it be switched; false is ethtool's "[fixed]"
};

/// The coalescing features of an interface, or why they could not be read.
struct rx_offloads {
    std::vector<rx_offload> features; ///< those this kernel knows, in the order of kRxCoalescing
    std::string error;                ///< empty on success; otherwise a line naming the interface
};

/// The feature names this module turns off (those the kernel lacks are skipped).
inline constexpr const char* kRxCoalescing[] = {"rx-gro", "rx-lro", "rx-gro-hw", "rx-gro-list",
                                                "rx-udp-gro-forwarding"};

/// Reads the coalescing features of `ifname` (no privilege needed).
rx_offloads read_rx_offloads(const std::string& ifname);

/// The one line rx_coalescing_off::summary() says for these outcomes: what was
/// turned off, what stays on (fixed by the driver; kept on by the kernel, or
/// because turning it off failed with `error`, e.g. no permission) and what
/// that means.
std::string describe_rx_coalescing(const std::string& ifname,
                                   const std::vector<std::string>& turned_off,
                                   const std::vector<std::string>& fixed_on,
                                   const std::vector<std::string>& kept_on,
                                   const std::string& error);

/// While it lives, receive coalescing is off on one kernel interface, as far
/// as the kernel lets it be; the features it turned off come back on when it
/// is destroyed (or on restore()).
class rx_coalescing_off {
  public:
    /// By index, e.g. rte_eth_dev_info::if_index of a net_af_packet port.
    explicit rx_coalescing_off(unsigned ifindex);
    /// By name; the index is looked up now and used from then on.
    explicit rx_coalescing_off(const std::string& ifname);
    /// restore(), its message lost: call restore() first to log it.
    ~rx_coalescing_off() { restore_quietly(); }

    rx_coalescing_off(const rx_coalescing_off&) = delete;
    rx_coalescing_off& operator=(const rx_coalescing_off&) = delete;
    /// The moved-from object restores nothing.
    rx_coalescing_off(rx_coalescing_off&& other) noexcept : s_(std::exchange(other.s_, {})) {}
    /// Restores this object's features first (message lost), then takes other's.
    rx_coalescing_off& operator=(rx_coalescing_off&& other) noexcept;

    /// One line for the log: "bh-hosta: turned off rx-gro (restored at exit)",
    /// "bh-hosta: GRO/LRO already off", what stays on and why, or why the
    /// interface could not even be asked.
    const std::string& summary() const { return s_.summary; }
    /// True if the features could be read and none is still on.
    bool all_off() const { return s_.error.empty() && s_.fixed_on.empty() && s_.kept_on.empty(); }
    /// Why the interface could not be asked or changed; empty if it could.
    const std::string& error() const { return s_.error; }
    /// The features this object turned off, which restore() turns back on.
    const std::vector<std::string>& turned_off() const { return s_.turned_off; }
    /// The features on and fixed: the driver does not let them be turned off.
    const std::vector<std::string>& fixed_on() const { return s_.fixed_on; }
    /// The features changeable but still on: the kernel kept them on, or
    /// turning them off failed (error() says why).
    const std::vector<std::string>& kept_on() const { return s_.kept_on; }

    /// Turns back on what the constructor turned off, once. Returns "" if that
    /// worked or there was nothing to do, otherwise a line for the log.
    std::string restore();

  private:
    struct state {
        unsigned ifindex = 0;
        std::string ifname;              ///< the name at construction, for messages if it is gone
        std::vector<rx_offload> changed; ///< every feature whose request was cleared
        std::vector<std::string> turned_off, fixed_on, kept_on;
        std::string error, summary;
    };
    void disable();
    void restore_quietly() noexcept; ///< restore(), never throwing: for the destructor

    state s_;
};

} // namespace bridgehost
