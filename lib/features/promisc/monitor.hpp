// The seed's diagnosis: is the hypervisor hiding the segment's unicast from a port?
//
// A vSwitch that rejects promiscuous mode (ESXi's default) still delivers
// broadcasts and multicasts to the bridge's vNIC, and frames addressed to the
// vNIC's own MAC, but never unicast for the stations behind the bridge. So ARP
// requests cross and the unicast replies never come back. Seen from the port:
// for a while it hears broadcasts, the switch sends it what should draw
// unicast back (unicast to stations learned behind it; ARP requests that no
// reply answers anywhere), and yet not one unicast frame for another MAC
// arrives. (An ARP request that is answered is no such sign: most ports do not
// hold the address asked for. Still, a port whose stations only listen while
// someone ARPs for a dead address looks the same: the message says "may".) One such port is reported, and cleared when unicast for
// other MACs shows up again.
//
// Pure logic on cumulative counters, fed once a second by the control lcore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bridgehost {

/// One port's cumulative counters at one moment.
struct promisc_sample {
    uint64_t foreign_unicast = 0; ///< rx unicast for MACs other than the port's own
    uint64_t group = 0;           ///< rx broadcast and multicast
    uint64_t reply_drawing = 0;   ///< sent out: known unicast, ARP requests nobody answered
};

class promisc_monitor {
  public:
    enum class change : uint8_t { none, suspect, cleared };

    /// `window_s` seconds of the pattern (unicast sent to the port in that
    /// many one-second samples, none for others received) make a port
    /// suspect; 0 turns it off. Feed it once a second.
    promisc_monitor(uint32_t window_s, size_t nports) : window_(window_s), ports_(nports) {}

    void set_window(uint32_t window_s) { window_ = window_s; }
    uint32_t window() const { return window_; }

    /// Feeds port `port`'s counters at `now` (seconds, not decreasing).
    change observe(size_t port, uint32_t now, const promisc_sample& s) {
        state& p = ports_.at(port);
        const bool restarted = s.foreign_unicast < p.last.foreign_unicast ||
                               s.group < p.last.group || s.reply_drawing < p.last.reply_drawing;
        if (!p.started || restarted || s.foreign_unicast != p.last.foreign_unicast ||
            window_ == 0) {
            // Unicast for others arrives (or the first sample, counters that
            // went back, the check turned off): start over.
            const bool was = p.suspect;
            p = state{};
            p.started = true;
            p.quiet_since = now;
            p.since = p.last = s;
            return was ? change::cleared : change::none;
        }
        if (s.reply_drawing != p.last.reply_drawing)
            ++p.drawing_seconds;
        p.last = s;
        // Unicast went to stations behind the port in a window's worth of
        // seconds (a moment of it is no pattern: a silent listener, a
        // one-off), the segment's broadcasts arrive, and no unicast for others
        // came back.
        if (p.suspect || p.drawing_seconds < window_ || s.group == p.since.group)
            return change::none;
        p.suspect = true;
        return change::suspect;
    }

    bool suspect(size_t port) const { return ports_.at(port).suspect; }

    /// Ports were renumbered (a reload): port p's state moves to to[p], or is
    /// dropped when to[p] is -1; `nports` ports after, new ones start afresh.
    void remap(const std::vector<int>& to, size_t nports) {
        std::vector<state> next(nports);
        for (size_t p = 0; p < ports_.size() && p < to.size(); ++p)
            if (to[p] >= 0)
                next.at(size_t(to[p])) = ports_[p];
        ports_ = std::move(next);
    }
    /// Seconds the port has received no unicast for other MACs, as of its last sample.
    uint32_t quiet_seconds(size_t port, uint32_t now) const {
        const state& p = ports_.at(port);
        return p.started ? now - p.quiet_since : 0;
    }

  private:
    struct state {
        bool started = false;
        bool suspect = false;
        uint32_t quiet_since = 0;     ///< when unicast for others last arrived (or sampling began)
        uint32_t drawing_seconds = 0; ///< samples since then in which unicast went out
        promisc_sample since;     ///< the counters then
        promisc_sample last;      ///< the counters at the last sample
    };
    uint32_t window_;
    std::vector<state> ports_;
};

/// The operator's message for a suspect port, as the issue that started the project asked.
inline std::string promisc_warning(const std::string& port) {
    return "port " + port +
           " receives no unicast for other MACs: the hypervisor may reject promiscuous mode; on "
           "ESXi set Promiscuous mode and Forged transmits to Accept on the vSwitch or port group";
}

} // namespace bridgehost
