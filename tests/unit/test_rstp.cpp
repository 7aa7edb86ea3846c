// RSTP (IEEE 802.1D-2004 clause 17, with 802.1Q-2005's recordDispute) in a
// simulated network: several rstp instances, segments joining their ports (a
// BPDU one port sends reaches every other port on its segment), each BPDU
// passed through build_bpdu_frame and parse_bpdu_frame so the codec is in the
// loop, delivery until nothing more is sent, and a clock that ticks every
// bridge at once (one tick = one second).
//
// Every expectation is the standard's: which port the clause's priority
// vectors (17.6) make root, designated, alternate or backup, and when its
// timers (17.17, with the values of 17.13 and 17.20) let a port learn and
// forward. Each test's comment says which clause it checks and how its numbers
// follow from the timers. Defaults throughout: HelloTime 2, MaxAge 20,
// FwdDelay 15, TxHoldCount 6, MigrateTime 3, port path cost 20000.
//
// Two timer values the clause sets that are easy to misremember:
//  - DISABLED_PORT (17.29) holds fdWhile at MaxAge while a port is down, so a
//    port that comes up as designated and gets no agreement starts its first
//    wait at MaxAge, not at forwardDelay;
//  - forwardDelay (17.20.8) is HelloTime while the port sends RST BPDUs and
//    FwdDelay once it sends 802.1D BPDUs.
#include "features/stp/bpdu.hpp"
#include "features/stp/rstp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace bridgehost::stp {
// For gtest's messages.
std::ostream& operator<<(std::ostream& os, port_role r) {
    return os << role_name(r);
}
std::ostream& operator<<(std::ostream& os, port_state s) {
    return os << state_name(s);
}
} // namespace bridgehost::stp

namespace {

using bridgehost::mac_address;
using namespace bridgehost::stp;

constexpr uint64_t mac_of(unsigned n) {
    return 0x020000000000ULL | n;
}
/// A bridge identifier: priority (the top 16 bits) and MAC 02:00:00:00:00:nn.
constexpr uint64_t bid(uint16_t priority, unsigned n) {
    return uint64_t(priority) << 48 | mac_of(n);
}

constexpr uint16_t kHello = 2, kMaxAge = 20, kFwdDelay = 15, kMigrate = 3;

/// How long a worse root's old, better identifier can live on. The others
/// relayed it; where two root ports face each other each holds what the other
/// said while designated, and root ports send nothing periodically, so it
/// goes only when rcvdInfoWhile (3 x HelloTime, 17.21.23) runs out. Each relay
/// adds one to the message age (17.21.25 c), so every 3 x HelloTime the
/// smallest message age of such information grows by at least one, and at
/// MaxAge it is discarded (17.21.23, 9.3.4): gone after MaxAge x 3 x HelloTime.
/// (This is the count to infinity 802.1D-2004's RSTP allows.) Then MaxAge +
/// FwdDelay covers any timer a port could still be waiting on.
constexpr unsigned kStaleBound = kMaxAge * 3u * kHello + kMaxAge + kFwdDelay;

struct endpoint {
    unsigned bridge = 0, port = 0;
    auto operator<=>(const endpoint&) const = default;
};

/// An RST BPDU as another bridge would send it (times in seconds).
bpdu make_rst(uint64_t root, uint32_t cost, uint64_t bridge, uint16_t port, bpdu_role role,
              uint8_t extra_flags = 0, uint16_t hello = kHello, uint16_t max_age = kMaxAge,
              uint16_t fwd = kFwdDelay, uint16_t age = 0) {
    bpdu b;
    b.type = bpdu::type_t::rst;
    b.version = 2;
    b.flags = extra_flags;
    b.set_role(role);
    b.root_id = root;
    b.root_path_cost = cost;
    b.bridge_id = bridge;
    b.port_id = port;
    b.message_age = uint16_t(age * 256);
    b.max_age = uint16_t(max_age * 256);
    b.hello_time = uint16_t(hello * 256);
    b.forward_delay = uint16_t(fwd * 256);
    return b;
}

/// The simulated network.
class network {
  public:
    struct sent {
        uint64_t time;
        unsigned bridge, port;
        bpdu b;
    };
    struct flushed {
        uint64_t time;
        unsigned bridge, port;
    };
    /// Called for each delivery; may change the BPDU; false drops it.
    using filter_fn = std::function<bool(endpoint from, endpoint to, bpdu& b)>;
    using tweak_fn = std::function<void(rstp::bridge_settings&, std::vector<rstp::port_settings>&)>;

    /// A bridge with `ports` ports numbered 1..ports, every port down.
    unsigned add(const std::string& name, uint64_t id, unsigned ports, const tweak_fn& tweak = {}) {
        node n;
        n.name = name;
        n.settings.bridge_id = id;
        n.ports.resize(ports);
        for (unsigned i = 0; i < ports; ++i)
            n.ports[i].number = uint16_t(i + 1);
        if (tweak)
            tweak(n.settings, n.ports);
        n.r = std::make_unique<rstp>(n.settings, n.ports);
        n.segment.assign(ports, -1);
        n.enabled.assign(ports, false);
        nodes_.push_back(std::move(n));
        collect();
        return unsigned(nodes_.size() - 1);
    }
    /// A bridge that drops RST BPDUs as an 802.1D-1998 bridge does (type 2 is
    /// not a BPDU type it knows, 9.3.4 of that edition); make it force_stp.
    void set_legacy(unsigned b) { nodes_.at(b).legacy = true; }

    /// Joins ports into one segment; with `up`, their links come up now.
    unsigned segment(std::vector<endpoint> ends, bool up = true) {
        const unsigned s = unsigned(segments_.size());
        for (const endpoint& e : ends)
            nodes_.at(e.bridge).segment.at(e.port) = int(s);
        segments_.push_back(std::move(ends));
        if (up)
            set_up(s, true);
        return s;
    }
    unsigned link(endpoint a, endpoint b, bool up = true) { return segment({a, b}, up); }
    /// Every port on the segment up or down at once, then delivery.
    void set_up(unsigned s, bool up) {
        for (const endpoint& e : segments_.at(s)) {
            nodes_[e.bridge].enabled[e.port] = up;
            nodes_[e.bridge].r->set_enabled(e.port, up);
        }
        deliver();
    }
    void set_enabled(endpoint e, bool up) {
        nodes_.at(e.bridge).enabled.at(e.port) = up;
        nodes_[e.bridge].r->set_enabled(e.port, up);
        deliver();
    }
    void set_bridge(unsigned b, const rstp::bridge_settings& s) {
        nodes_.at(b).settings = s;
        nodes_[b].r->set_bridge(s);
        deliver();
    }
    void set_port(endpoint e, const rstp::port_settings& s) {
        nodes_.at(e.bridge).ports.at(e.port) = s;
        nodes_[e.bridge].r->set_port(e.port, s);
        deliver();
    }
    void mcheck(endpoint e) {
        nodes_.at(e.bridge).r->mcheck(e.port);
        deliver();
    }
    /// A BPDU from outside arriving at `to`, through the codec. Returns the
    /// parser's verdict; only an ok BPDU is received.
    bpdu_error inject(endpoint to, const bpdu& b, bool then_deliver = true) {
        uint8_t frame[kBpduFrameLen];
        build_bpdu_frame(b, mac_address{{0x02, 0xee, 0, 0, 0, 1}}, frame);
        bpdu parsed;
        const bpdu_error err = parse_bpdu_frame(frame, sizeof(frame), parsed);
        if (err == bpdu_error::ok)
            nodes_.at(to.bridge).r->receive(to.port, parsed);
        if (then_deliver)
            deliver();
        else
            collect();
        return err;
    }

    void tick(unsigned n = 1) {
        for (unsigned i = 0; i < n; ++i) {
            ++now_;
            for (node& nd : nodes_)
                nd.r->tick();
            deliver();
        }
    }

    /// Sends what the bridges want to send, again and again, until none sends.
    void deliver() {
        for (unsigned rounds = 0;; ++rounds) {
            collect();
            if (pending_.empty())
                return;
            // The bound: TxHoldCount BPDUs a port in one tick (17.26), so a
            // network that does not go quiet has a bug, not a long exchange.
            if (rounds > 100000) {
                ADD_FAILURE() << "the network never went quiet at t=" << now_;
                pending_.clear();
                return;
            }
            const std::vector<sent> batch = std::exchange(pending_, {});
            for (const sent& s : batch)
                send(s);
        }
    }

    rstp& operator[](unsigned b) { return *nodes_.at(b).r; }
    const std::string& name(unsigned b) const { return nodes_.at(b).name; }
    const rstp::bridge_settings& settings(unsigned b) const { return nodes_.at(b).settings; }
    const rstp::port_settings& port_settings(endpoint e) const {
        return nodes_.at(e.bridge).ports.at(e.port);
    }
    unsigned size() const { return unsigned(nodes_.size()); }
    unsigned ports(unsigned b) const { return unsigned(nodes_.at(b).ports.size()); }
    port_role role(endpoint e) { return (*this)[e.bridge].role(e.port); }
    port_state state(endpoint e) { return (*this)[e.bridge].state(e.port); }
    uint64_t now() const { return now_; }
    const std::vector<sent>& log() const { return log_; }
    const std::vector<flushed>& flushes() const { return flushes_; }
    /// When a BPDU last reached this (enabled) port from its segment.
    std::optional<uint64_t> last_rx(endpoint e) const {
        auto it = last_rx_.find(e);
        return it == last_rx_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    }
    filter_fn filter;

    /// The BPDUs bridge b sent on port p at times in [from, to].
    std::vector<sent> sent_by(endpoint e, uint64_t from = 0, uint64_t to = UINT64_MAX) const {
        std::vector<sent> out;
        for (const sent& s : log_)
            if (s.bridge == e.bridge && s.port == e.port && s.time >= from && s.time <= to)
                out.push_back(s);
        return out;
    }
    /// The BPDUs bridge b sent on port p since log()'s size was `mark`.
    std::vector<sent> sent_since(size_t mark, endpoint e) const {
        std::vector<sent> out;
        for (size_t i = mark; i < log_.size(); ++i)
            if (log_[i].bridge == e.bridge && log_[i].port == e.port)
                out.push_back(log_[i]);
        return out;
    }
    /// The ports of bridge b flushed at times in [from, to].
    std::set<unsigned> flushed_ports(unsigned b, uint64_t from, uint64_t to = UINT64_MAX) const {
        std::set<unsigned> out;
        for (const flushed& f : flushes_)
            if (f.bridge == b && f.time >= from && f.time <= to)
                out.insert(f.port);
        return out;
    }

    // ---- the reference model: 17.6's vectors computed over the graph ----

    struct expected {
        uint64_t root = 0;
        uint32_t cost = 0;
        int root_port = -1;
        std::vector<port_role> roles;
    };
    uint16_t port_id(endpoint e) const {
        const rstp::port_settings& ps = port_settings(e);
        return uint16_t((ps.priority >> 4) << 12 | (ps.number & 0xfff));
    }
    bool live(endpoint e) const { return nodes_[e.bridge].enabled[e.port]; }

    /// What 17.6 and 17.21.25 make of the network as it is: each bridge's
    /// root priority vector is the best of its own and every root path
    /// priority vector {root, designated's cost + receiving port's cost,
    /// designated bridge, designated port, receiving port}; each segment's
    /// designated port offers the best designated priority vector there.
    std::vector<expected> model() const {
        const size_t n = nodes_.size();
        std::vector<std::pair<uint64_t, uint32_t>> v(n);
        std::vector<int> rp(n, -1);
        for (size_t i = 0; i < n; ++i)
            v[i] = {nodes_[i].settings.bridge_id, 0};
        const auto designated = [&](int s) -> std::optional<endpoint> {
            std::optional<endpoint> best;
            std::tuple<uint64_t, uint32_t, uint64_t, uint16_t> key{};
            for (const endpoint& e : segments_[size_t(s)]) {
                if (!live(e))
                    continue;
                const auto k = std::make_tuple(v[e.bridge].first, v[e.bridge].second,
                                               nodes_[e.bridge].settings.bridge_id, port_id(e));
                if (!best || k < key) {
                    best = e;
                    key = k;
                }
            }
            return best;
        };
        for (size_t iter = 0; iter < 4 * n + 8; ++iter) {
            std::vector<std::pair<uint64_t, uint32_t>> nv(n);
            std::vector<int> nrp(n, -1);
            for (unsigned x = 0; x < n; ++x) {
                const uint64_t own = nodes_[x].settings.bridge_id;
                auto best = std::make_tuple(own, uint32_t(0), own, uint16_t(0), uint16_t(0));
                for (unsigned p = 0; p < nodes_[x].ports.size(); ++p) {
                    const endpoint e{x, p};
                    const int s = nodes_[x].segment[p];
                    if (!live(e) || s < 0)
                        continue;
                    const std::optional<endpoint> d = designated(s);
                    if (!d || d->bridge == x)
                        continue;
                    const auto cand = std::make_tuple(
                        v[d->bridge].first, v[d->bridge].second + nodes_[x].ports[p].path_cost,
                        nodes_[d->bridge].settings.bridge_id, port_id(*d), port_id(e));
                    if (cand < best) {
                        best = cand;
                        nrp[x] = int(p);
                    }
                }
                nv[x] = {std::get<0>(best), std::get<1>(best)};
            }
            const bool same = nv == v && nrp == rp;
            v = nv;
            rp = nrp;
            if (same)
                break;
        }
        std::vector<expected> out(n);
        for (unsigned x = 0; x < n; ++x) {
            out[x].root = v[x].first;
            out[x].cost = v[x].second;
            out[x].root_port = rp[x];
            for (unsigned p = 0; p < nodes_[x].ports.size(); ++p) {
                const endpoint e{x, p};
                const int s = nodes_[x].segment[p];
                port_role r = port_role::designated;
                if (!live(e))
                    r = port_role::disabled;
                else if (int(p) == rp[x])
                    r = port_role::root;
                else if (s >= 0) {
                    const std::optional<endpoint> d = designated(s);
                    if (d && !(*d == e))
                        r = d->bridge == x ? port_role::backup : port_role::alternate;
                }
                out[x].roles.push_back(r);
            }
        }
        return out;
    }

    /// Every bridge agrees with the model; with `states`, root and designated
    /// ports forward and the others discard.
    void expect_converged(bool states = true) {
        const std::vector<expected> m = model();
        for (unsigned x = 0; x < size(); ++x) {
            rstp& r = (*this)[x];
            EXPECT_EQ(r.root_id(), m[x].root) << name(x) << " at t=" << now_;
            EXPECT_EQ(r.root_path_cost(), m[x].cost) << name(x) << " at t=" << now_;
            EXPECT_EQ(r.root_port(), m[x].root_port) << name(x) << " at t=" << now_;
            for (unsigned p = 0; p < ports(x); ++p) {
                EXPECT_EQ(r.role(p), m[x].roles[p]) << name(x) << " port " << p << " at t=" << now_;
                if (!states)
                    continue;
                const bool fwd =
                    m[x].roles[p] == port_role::root || m[x].roles[p] == port_role::designated;
                EXPECT_EQ(r.state(p), fwd ? port_state::forwarding : port_state::discarding)
                    << name(x) << " port " << p << " at t=" << now_;
            }
        }
    }

    /// A cycle of forwarding ports: two forwarding ports of one bridge on a
    /// segment, or segments whose forwarding ports join bridges already joined.
    bool forwarding_loop() {
        std::vector<unsigned> parent(size());
        for (unsigned i = 0; i < size(); ++i)
            parent[i] = i;
        const std::function<unsigned(unsigned)> find = [&](unsigned x) {
            return parent[x] == x ? x : parent[x] = find(parent[x]);
        };
        for (const std::vector<endpoint>& seg : segments_) {
            std::vector<unsigned> on;
            for (const endpoint& e : seg)
                if (live(e) && state(e) == port_state::forwarding)
                    on.push_back(e.bridge);
            for (size_t i = 1; i < on.size(); ++i) {
                const unsigned a = find(on[0]), b = find(on[i]);
                if (a == b)
                    return true;
                parent[b] = a;
            }
        }
        return false;
    }

  private:
    struct node {
        std::string name;
        rstp::bridge_settings settings;
        std::vector<rstp::port_settings> ports;
        std::unique_ptr<rstp> r;
        std::vector<int> segment;
        std::vector<bool> enabled;
        bool legacy = false;
    };

    void collect() {
        for (unsigned i = 0; i < nodes_.size(); ++i) {
            rstp& r = *nodes_[i].r;
            for (const rstp::transmit& t : r.take_transmits()) {
                const sent s{now_, i, t.port, t.b};
                log_.push_back(s);
                pending_.push_back(s);
                // 17.26: txCount counts BPDUs and loses one a tick; nothing
                // is sent while it is TxHoldCount.
                auto& [when, count] = tx_count_[{i, t.port}];
                if (when != now_)
                    count = 0;
                when = now_;
                ++count;
                EXPECT_LE(count, nodes_[i].settings.tx_hold_count)
                    << name(i) << " port " << t.port
                    << " sent more than TxHoldCount BPDUs at t=" << now_;
            }
            for (unsigned p : r.take_flushes())
                flushes_.push_back({now_, i, p});
            r.take_changes();
        }
    }

    void send(const sent& s) {
        const int seg = nodes_[s.bridge].segment[s.port];
        if (seg < 0)
            return;
        uint8_t frame[kBpduFrameLen];
        const uint64_t m = nodes_[s.bridge].settings.bridge_id;
        const mac_address src{{uint8_t(m >> 40), uint8_t(m >> 32), uint8_t(m >> 24),
                               uint8_t(m >> 16), uint8_t(m >> 8), uint8_t(s.port + 1)}};
        build_bpdu_frame(s.b, src, frame);
        bpdu parsed;
        const bpdu_error err = parse_bpdu_frame(frame, sizeof(frame), parsed);
        if (err == bpdu_error::bad_message_age)
            return; // 9.3.4: information as old as its Max Age is discarded
        EXPECT_EQ(err, bpdu_error::ok) << bpdu_error_name(err);
        if (err != bpdu_error::ok)
            return;
        EXPECT_TRUE(parsed == s.b) << "the codec changed a BPDU of " << name(s.bridge);
        const endpoint from{s.bridge, s.port};
        for (const endpoint& to : segments_[size_t(seg)]) {
            if (to == from)
                continue;
            bpdu b = parsed;
            if (filter && !filter(from, to, b))
                continue;
            if (nodes_[to.bridge].legacy && b.type == bpdu::type_t::rst)
                continue;
            if (!live(to))
                continue;
            last_rx_[to] = now_;
            nodes_[to.bridge].r->receive(to.port, b);
        }
    }

    std::vector<node> nodes_;
    std::vector<std::vector<endpoint>> segments_;
    std::vector<sent> pending_, log_;
    std::vector<flushed> flushes_;
    std::map<endpoint, uint64_t> last_rx_;
    std::map<std::pair<unsigned, unsigned>, std::pair<uint64_t, unsigned>> tx_count_;
    uint64_t now_ = 0;
};

/// Ticks until `pred` holds (at most `limit` ticks); the time it first held.
std::optional<uint64_t> tick_until(network& n, const std::function<bool()>& pred, unsigned limit) {
    for (unsigned i = 0; i <= limit; ++i) {
        if (pred())
            return n.now();
        if (i < limit)
            n.tick();
    }
    return std::nullopt;
}

bool has(const bpdu& b, uint8_t flag) {
    return (b.flags & flag) != 0;
}

// ---- 1. election ------------------------------------------------------------

// 17.6, 17.28 (updtRolesTree, 17.21.25): the bridge with the lowest bridge
// identifier is root; the identifier's priority is its most significant part,
// so priority beats MAC, and between equal priorities the lower MAC wins.
// Five bridges in a mesh, all links cost 20000:
//   b0 8000.05, b1 8000.03, b2 9000.01, b3 7000.09, b4 8000.04
//   b0-b1, b1-b2, b2-b3, b3-b0, b0-b4, b4-b2, b1-b3.
// b3 (priority 7000) is root although its MAC is the highest. Root path costs:
// b0, b1, b2 are one hop from b3 (20000); b4 is two hops either via b0 or via
// b2 (40000), and the tie goes to the lower designated bridge, b0 (8000 <
// 9000). On b0-b1 and b1-b2 both ends have cost 20000, so the lower bridge
// (b1) is designated and the other end alternate. 60 ticks is more than any
// timer of the clause needs (MaxAge + FwdDelay at most).
// Then b3's priority goes to 8000: the tie at 8000 among b0, b1, b3, b4 goes to
// the lowest MAC, b1, once b3's old identifier has died out (kStaleBound).
TEST(RstpElection, LowestPriorityThenLowestMacIsRoot) {
    network n;
    const unsigned b0 = n.add("b0", bid(0x8000, 5), 3);
    const unsigned b1 = n.add("b1", bid(0x8000, 3), 3);
    const unsigned b2 = n.add("b2", bid(0x9000, 1), 3);
    const unsigned b3 = n.add("b3", bid(0x7000, 9), 3);
    const unsigned b4 = n.add("b4", bid(0x8000, 4), 2);
    n.link({b0, 0}, {b1, 0});
    n.link({b1, 1}, {b2, 0});
    n.link({b2, 1}, {b3, 0});
    n.link({b3, 1}, {b0, 1});
    n.link({b0, 2}, {b4, 0});
    n.link({b4, 1}, {b2, 2});
    n.link({b1, 2}, {b3, 2});
    n.tick(60);
    n.expect_converged();

    for (unsigned b = 0; b < n.size(); ++b)
        EXPECT_EQ(n[b].root_id(), bid(0x7000, 9)) << n.name(b);
    EXPECT_TRUE(n[b3].is_root());
    for (unsigned p = 0; p < 3; ++p) {
        EXPECT_EQ(n.role({b3, p}), port_role::designated);
        EXPECT_EQ(n.state({b3, p}), port_state::forwarding);
    }
    EXPECT_EQ(n[b0].root_port(), 1);
    EXPECT_EQ(n[b1].root_port(), 2);
    EXPECT_EQ(n[b2].root_port(), 1);
    EXPECT_EQ(n[b4].root_port(), 0);
    EXPECT_EQ(n[b0].root_path_cost(), 20000u);
    EXPECT_EQ(n[b4].root_path_cost(), 40000u);
    EXPECT_EQ(n.role({b1, 0}), port_role::designated);
    EXPECT_EQ(n.role({b0, 0}), port_role::alternate);
    EXPECT_EQ(n.role({b1, 1}), port_role::designated);
    EXPECT_EQ(n.role({b2, 0}), port_role::alternate);
    EXPECT_EQ(n.role({b0, 2}), port_role::designated);
    EXPECT_EQ(n.role({b2, 2}), port_role::designated);
    EXPECT_EQ(n.role({b4, 1}), port_role::alternate);
    EXPECT_EQ(n.state({b0, 0}), port_state::discarding);
    EXPECT_EQ(n.state({b4, 1}), port_state::discarding);
    EXPECT_FALSE(n.forwarding_loop());

    rstp::bridge_settings s = n.settings(b3);
    s.bridge_id = bid(0x8000, 9);
    n.set_bridge(b3, s);
    n.tick(kStaleBound);
    n.expect_converged();
    for (unsigned b = 0; b < n.size(); ++b)
        EXPECT_EQ(n[b].root_id(), bid(0x8000, 3)) << n.name(b);
    EXPECT_TRUE(n[b1].is_root());
    // b0 and b3 are one hop from b1; b2 one hop over b1-b2; b4 two hops via b0
    // or b2, and b0 (8000.05) beats b2 (9000.01).
    EXPECT_EQ(n[b0].root_port(), 0);
    EXPECT_EQ(n[b2].root_port(), 0);
    EXPECT_EQ(n[b3].root_port(), 2);
    EXPECT_EQ(n[b4].root_port(), 0);
    EXPECT_FALSE(n.forwarding_loop());
}

// 17.6: the root port is the port with the best root path priority vector
// {root, root path cost, designated bridge, designated port, own port}, each
// component compared only when the ones before it tie.
// Cost first: X reaches root R directly over a port of cost 100000, or over Y
// at 20000 + 20000 = 40000. X's root port is the one towards Y, its root path
// cost 40000, and its port to R alternate (R, at cost 0, is designated there).
TEST(RstpRootPort, LowestRootPathCostFirst) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 2);
    const unsigned y = n.add("Y", bid(0x8000, 2), 2);
    const unsigned x =
        n.add("X", bid(0x8000, 3), 2, [](auto&, auto& ports) { ports[0].path_cost = 100000; });
    n.link({x, 0}, {r, 0});
    n.link({r, 1}, {y, 0});
    n.link({y, 1}, {x, 1});
    n.tick(60);
    n.expect_converged();
    EXPECT_EQ(n[x].root_port(), 1);
    EXPECT_EQ(n[x].root_path_cost(), 40000u);
    EXPECT_EQ(n.role({x, 0}), port_role::alternate);
    EXPECT_EQ(n.state({x, 0}), port_state::discarding);
}

// 17.6, equal cost: X is two hops from R over Y1 and over Y2 (40000 either
// way); the lower designated bridge, Y1, gives the root port, although X's
// port to Y2 has the lower port identifier (8001 against 8002).
TEST(RstpRootPort, ThenLowestDesignatedBridge) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 2);
    const unsigned y1 = n.add("Y1", bid(0x8000, 2), 2);
    const unsigned y2 = n.add("Y2", bid(0x8000, 3), 2);
    const unsigned x = n.add("X", bid(0x8000, 4), 2);
    n.link({r, 0}, {y1, 0});
    n.link({r, 1}, {y2, 0});
    n.link({y2, 1}, {x, 0});
    n.link({y1, 1}, {x, 1});
    n.tick(60);
    n.expect_converged();
    EXPECT_EQ(n[x].root_port(), 1);
    EXPECT_EQ(n[x].root_path_cost(), 40000u);
    EXPECT_EQ(n.role({x, 0}), port_role::alternate);
}

// 17.6, equal cost and designated bridge: two links between R and X, crossed:
// X's port 1 (8001) to R's port 2 (8002), X's port 2 (8002) to R's port 1
// (8001). The designated port identifier decides before X's own: X's root
// port is its port 2, the one facing R's port 8001.
TEST(RstpRootPort, ThenLowestDesignatedPort) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 2);
    const unsigned x = n.add("X", bid(0x8000, 2), 2);
    n.link({x, 0}, {r, 1});
    n.link({x, 1}, {r, 0});
    n.tick(60);
    n.expect_converged();
    EXPECT_EQ(n[x].root_port(), 1);
    EXPECT_EQ(n.role({x, 0}), port_role::alternate);
}

// 17.6, everything else equal: two of X's ports on one shared segment with
// R's port 1. Both hear the same designated port, so X's own port identifier
// decides: port 1 (8001) is root, port 2 (8002) alternate (not backup: the
// designated port is R's, 17.21.25 j). With port 2's priority at 64 its
// identifier is 4002, below 8001, and it becomes the root port.
TEST(RstpRootPort, ThenLowestOwnPortId) {
    network n;
    const auto shared = [](auto&, auto& ports) {
        for (auto& p : ports)
            p.point_to_point = false;
    };
    const unsigned r = n.add("R", bid(0x8000, 1), 1, shared);
    const unsigned x = n.add("X", bid(0x8000, 2), 2, shared);
    n.segment({{r, 0}, {x, 0}, {x, 1}});
    n.tick(60);
    n.expect_converged();
    EXPECT_EQ(n[x].root_port(), 0);
    EXPECT_EQ(n.role({x, 1}), port_role::alternate);

    rstp::port_settings ps = n.port_settings({x, 1});
    ps.priority = 64;
    n.set_port({x, 1}, ps);
    n.tick(5);
    n.expect_converged();
    EXPECT_EQ(n[x].root_port(), 1);
    EXPECT_EQ(n.role({x, 0}), port_role::alternate);
}

// ---- 2. parallel links --------------------------------------------------------

// 17.6, 17.28, 17.29: two links between root A and B. Both of A's ports are
// designated and forward (each is designated for its own link, and B's
// alternate agrees to its proposal, ALTERNATE_AGREED). B's root port faces A's
// lower port identifier (8001); its other port is alternate and discards.
// Priority 64 on A's port 2 makes its identifier 4002 < 8001: B's root port
// moves to the second link. Path cost 200000 on B's port 2 then makes the
// first link cheaper again (20000 < 200000) and the root port moves back.
// Each move takes no tick: the old root port becomes alternate
// (ALTERNATE_PORT clears its rrWhile) and the new one makes the rapid
// transition of ROOT_PORT (reRooted, rbWhile 0). The old root port leaves
// forwarding and its entries are flushed (17.31 INACTIVE).
TEST(RstpParallelLinks, AlternateDiscardsAndPriorityOrCostMoveTheRootPort) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2);
    const unsigned b = n.add("B", bid(0x8000, 2), 2);
    n.link({a, 0}, {b, 0});
    n.link({a, 1}, {b, 1});
    n.tick(60);
    n.expect_converged();
    EXPECT_EQ(n[b].root_port(), 0);
    EXPECT_EQ(n.role({b, 1}), port_role::alternate);
    EXPECT_EQ(n.state({b, 1}), port_state::discarding);
    EXPECT_EQ(n.state({a, 0}), port_state::forwarding);
    EXPECT_EQ(n.state({a, 1}), port_state::forwarding);

    rstp::port_settings ps = n.port_settings({a, 1});
    ps.priority = 64;
    const uint64_t t1 = n.now();
    n.set_port({a, 1}, ps);
    EXPECT_EQ(n[b].root_port(), 1);
    EXPECT_EQ(n.state({b, 1}), port_state::forwarding);
    EXPECT_EQ(n.role({b, 0}), port_role::alternate);
    EXPECT_EQ(n.state({b, 0}), port_state::discarding);
    EXPECT_EQ(n.state({a, 0}), port_state::forwarding);
    EXPECT_EQ(n.state({a, 1}), port_state::forwarding);
    EXPECT_TRUE(n.flushed_ports(b, t1).contains(0));
    n.tick(5);
    n.expect_converged();

    ps = n.port_settings({b, 1});
    ps.path_cost = 200000;
    n.set_port({b, 1}, ps);
    EXPECT_EQ(n[b].root_port(), 0);
    EXPECT_EQ(n.state({b, 0}), port_state::forwarding);
    EXPECT_EQ(n.role({b, 1}), port_role::alternate);
    EXPECT_EQ(n.state({b, 1}), port_state::discarding);
    EXPECT_EQ(n[b].root_path_cost(), 20000u);
    n.tick(5);
    n.expect_converged();
}

// ---- 3. proposal and agreement --------------------------------------------------

// 17.29 (DESIGNATED_PROPOSE, ROOT_PROPOSED, ROOT_AGREED), 17.21.9
// (recordAgreement on a point-to-point link): a bridge joining a converged
// tree forwards without waiting for any timer. A-E is converged with A root;
// B-C is converged on its own with B root. When A-B comes up, A's new port
// proposes, B's port becomes root (superior information) and sets sync on its
// other port, which is synced already: it was agreed, and the new information
// is better than what C agreed to, so UPDATE keeps agreed and synced (17.27,
// betterorsameInfo). B agrees at once, A's port forwards on the agreement, and
// B's root port makes the rapid transition. No tick passes; every port of A,
// B and C forwards.
TEST(RstpProposal, JoiningBridgeForwardsInTheSameInstantOnPointToPoint) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2);
    const unsigned e = n.add("E", bid(0x8000, 5), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 2);
    const unsigned c =
        n.add("C", bid(0x8000, 3), 2, [](auto&, auto& ports) { ports[1].admin_edge = true; });
    n.link({a, 0}, {e, 0});
    n.link({b, 1}, {c, 0});
    n.segment({{c, 1}}); // a host port
    const unsigned ab = n.link({a, 1}, {b, 0}, false);
    n.tick(60);
    n.expect_converged();
    EXPECT_TRUE(n[b].is_root());

    const uint64_t t = n.now();
    n.set_up(ab, true);
    EXPECT_EQ(n.now(), t);
    n.expect_converged();
    EXPECT_EQ(n[b].root_id(), bid(0x8000, 1));
    EXPECT_EQ(n[c].root_id(), bid(0x8000, 1));
    EXPECT_EQ(n.state({a, 1}), port_state::forwarding);
    EXPECT_EQ(n.state({b, 0}), port_state::forwarding);
    EXPECT_EQ(n.state({b, 1}), port_state::forwarding);
    EXPECT_EQ(n.state({c, 0}), port_state::forwarding);
}

// The same join over a shared link (operPointToPointMAC false on both ends):
// recordAgreement (17.21.9) ignores agreements there, so A's designated port
// has only its timer. It came up from DISABLED_PORT, which holds fdWhile at
// MaxAge: learning MaxAge = 20 ticks after the link came up, then
// DESIGNATED_LEARN sets fdWhile = forwardDelay = HelloTime (sendRSTP,
// 17.20.8): forwarding 2 ticks later, at 22. B's root port needs no agreement:
// ROOT_PORT's rapid transition (reRooted, rbWhile 0, rstpVersion) makes it
// forward at once. A's port has AutoEdge off: with it on, B's root port going
// quiet would let edgeDelayWhile (MigrateTime after the last BPDU) expire
// while A proposes, and 17.25 would make the port an edge port.
TEST(RstpProposal, SharedLinkDesignatedPortWaitsMaxAgeThenHelloTime) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2, [](auto&, auto& ports) {
        ports[1].point_to_point = false;
        ports[1].auto_edge = false;
    });
    const unsigned e = n.add("E", bid(0x8000, 5), 1);
    const unsigned b =
        n.add("B", bid(0x8000, 2), 1, [](auto&, auto& ports) { ports[0].point_to_point = false; });
    n.link({a, 0}, {e, 0});
    const unsigned ab = n.link({a, 1}, {b, 0}, false);
    n.tick(60);

    const uint64_t t = n.now();
    n.set_up(ab, true);
    EXPECT_EQ(n[b].root_port(), 0);
    EXPECT_EQ(n.state({b, 0}), port_state::forwarding);
    EXPECT_EQ(n.role({a, 1}), port_role::designated);
    EXPECT_EQ(n.state({a, 1}), port_state::discarding);
    std::optional<uint64_t> learning, forwarding;
    for (unsigned i = 0; i < 30; ++i) {
        n.tick();
        if (!learning && n.state({a, 1}) != port_state::discarding)
            learning = n.now();
        if (!forwarding && n.state({a, 1}) == port_state::forwarding)
            forwarding = n.now();
        EXPECT_EQ(n.state({b, 0}), port_state::forwarding) << "t=" << n.now();
    }
    ASSERT_TRUE(learning && forwarding);
    EXPECT_EQ(*learning - t, kMaxAge);
    EXPECT_EQ(*forwarding - t, kMaxAge + kHello);
    n.expect_converged();
}

// 17.27 SUPERIOR_DESIGNATED and UPDATE with betterorsameInfo (17.21.1, as
// 802.1Q-2005 13.26.1 words it: "better than or the same as", the plain
// comparison of 17.6, not the "superior" that lets a message from the same
// designated bridge and port replace what it said before): an agreement holds
// only for information at least as good as what was agreed to.
// B's root port hears, from the same designated bridge and port as before
// (A's port 1), worse information (root path cost 100 instead of 0) with a
// proposal. agree = agree && betterorsameInfo(Received) clears agree, so B
// must sync before it agrees (ROOT_PROPOSED, not ROOT_AGREED at once). B's
// designated port to C takes the worse designated priority in UPDATE, where
// agreed = agreed && betterorsameInfo(Mine) clears agreed and synced; sync
// then finds it not synced and DESIGNATED_DISCARD makes it discard, in the
// same instant, before any BPDU reaches C. Delivered, the handshake runs down
// to C (DESIGNATED_PROPOSE, C's ROOT_AGREED) and B's port forwards again with
// no tick. The real A's next BPDU restores cost 0.
TEST(RstpProposal, WorseInformationMustBeAgreedAgain) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 2);
    const unsigned c = n.add("C", bid(0x8000, 3), 1);
    n.link({a, 0}, {b, 0});
    n.link({b, 1}, {c, 0});
    n.tick(60);
    n.expect_converged();
    const uint64_t aa = bid(0x8000, 1);

    n.inject({b, 0}, make_rst(aa, 100, aa, 0x8001, bpdu_role::designated, flags::proposal), false);
    EXPECT_EQ(n[b].root_path_cost(), 20100u);
    EXPECT_EQ(n[b].root_port(), 0);
    EXPECT_EQ(n.role({b, 1}), port_role::designated);
    EXPECT_EQ(n.state({b, 1}), port_state::discarding);
    const uint64_t t = n.now();
    n.deliver();
    EXPECT_EQ(n.now(), t);
    EXPECT_EQ(n.state({b, 1}), port_state::forwarding);
    EXPECT_EQ(n.state({c, 0}), port_state::forwarding);
    n.tick(kHello);
    n.expect_converged();
}

// ---- 4. edge ports ---------------------------------------------------------------

// 17.25 (Bridge Detection), 17.29: an AdminEdge port is an edge port from
// BEGIN and DESIGNATED_PORT lets an edge port learn and forward at once
// (operEdge in both conditions): forwarding in the instant it comes up, with
// no BPDU heard. 17.31: an edge port forwarding is no topology change (the
// LEARNING -> DETECTED transition needs !operEdge), so X's other port is not
// flushed and no TC goes out. 17.23: a BPDU arriving clears operEdge
// (RECEIVE), and the port, still designated and forwarding, is now a non-edge
// port that forwards, which 17.31 LEARNING -> DETECTED counts as a change:
// X's other port is flushed, the edge port itself is not.
TEST(RstpEdge, AdminEdgeForwardsAtOnceUntilABpduArrives) {
    network n;
    const unsigned x =
        n.add("X", bid(0x8000, 1), 2, [](auto&, auto& ports) { ports[0].admin_edge = true; });
    const unsigned y = n.add("Y", bid(0x8000, 2), 1);
    const unsigned z = n.add("Z", bid(0x8000, 3), 1);
    n.link({x, 1}, {y, 0});
    n.link({x, 0}, {z, 0}, false);
    n.tick(60);
    const uint64_t tcs = n[x].topology_changes();

    const uint64_t t = n.now();
    n.set_enabled({x, 0}, true);
    EXPECT_EQ(n.state({x, 0}), port_state::forwarding);
    EXPECT_TRUE(n[x].status(0).oper_edge);
    EXPECT_EQ(n[x].status(0).bpdus_in, 0u);
    n.tick(5);
    EXPECT_EQ(n[x].topology_changes(), tcs);
    EXPECT_FALSE(n.flushed_ports(x, t).contains(1));
    EXPECT_TRUE(n.flushed_ports(y, t).empty());
    for (const auto& s : n.sent_by({x, 1}, t))
        EXPECT_FALSE(has(s.b, flags::tc)) << "t=" << s.time;

    const uint64_t t2 = n.now();
    n.set_enabled({z, 0}, true);
    EXPECT_GT(n[x].status(0).bpdus_in, 0u);
    EXPECT_FALSE(n[x].status(0).oper_edge);
    EXPECT_EQ(n.role({x, 0}), port_role::designated);
    EXPECT_EQ(n.state({x, 0}), port_state::forwarding);
    EXPECT_EQ(n[x].topology_changes(), tcs + 1);
    EXPECT_EQ(n.flushed_ports(x, t2), std::set<unsigned>{1});
}

// 17.25: with AutoEdge, a designated port that proposes and hears nothing
// becomes an edge port when edgeDelayWhile runs out. It is MigrateTime (3)
// from the port coming up (17.23 DISCARD) and EdgeDelay = MigrateTime on a
// point-to-point link from DESIGNATED_PROPOSE (17.20.4), so: discarding at
// t+0..t+2, operEdge and forwarding at t+3, and no topology change (17.31).
// Without AutoEdge the same port has only fdWhile: MaxAge (20, from
// DISABLED_PORT) to learning, HelloTime (2) more to forwarding, and that
// non-edge port forwarding is a topology change: the other non-edge port (1)
// is flushed, not the detecting one, and X's BPDUs on port 1 carry TC.
TEST(RstpEdge, AutoEdgeAfterMigrateTimeAndNoTopologyChange) {
    network n;
    const unsigned x =
        n.add("X", bid(0x8000, 1), 4, [](auto&, auto& ports) { ports[3].auto_edge = false; });
    const unsigned y = n.add("Y", bid(0x8000, 2), 1);
    n.link({x, 1}, {y, 0});
    n.segment({{x, 0}}, false);
    n.segment({{x, 2}}, false);
    n.segment({{x, 3}}, false);
    n.tick(60);
    const uint64_t tcs = n[x].topology_changes();

    const uint64_t t = n.now();
    n.set_enabled({x, 2}, true);
    for (unsigned i = 0; i < kMigrate; ++i) {
        EXPECT_EQ(n.state({x, 2}), port_state::discarding) << "t+" << i;
        EXPECT_FALSE(n[x].status(2).oper_edge) << "t+" << i;
        n.tick();
    }
    EXPECT_EQ(n.now() - t, kMigrate);
    EXPECT_TRUE(n[x].status(2).oper_edge);
    EXPECT_EQ(n.state({x, 2}), port_state::forwarding);
    n.tick(3);
    EXPECT_EQ(n[x].topology_changes(), tcs);
    EXPECT_FALSE(n.flushed_ports(x, t).contains(1));
    for (const auto& s : n.sent_by({x, 1}, t))
        EXPECT_FALSE(has(s.b, flags::tc)) << "t=" << s.time;

    const uint64_t t2 = n.now();
    n.set_enabled({x, 3}, true);
    std::optional<uint64_t> learning, forwarding;
    for (unsigned i = 0; i < 30; ++i) {
        n.tick();
        if (!learning && n.state({x, 3}) != port_state::discarding)
            learning = n.now();
        if (!forwarding && n.state({x, 3}) == port_state::forwarding)
            forwarding = n.now();
    }
    ASSERT_TRUE(learning && forwarding);
    EXPECT_EQ(*learning - t2, kMaxAge);
    EXPECT_EQ(*forwarding - t2, kMaxAge + kHello);
    EXPECT_FALSE(n[x].status(3).oper_edge);
    EXPECT_EQ(n[x].topology_changes(), tcs + 1);
    EXPECT_EQ(n.flushed_ports(x, *forwarding, *forwarding), std::set<unsigned>{1});
    const auto at = n.sent_by({x, 1}, *forwarding, *forwarding);
    EXPECT_TRUE(
        std::any_of(at.begin(), at.end(), [](const auto& s) { return has(s.b, flags::tc); }));
}

// ---- 5. loss of the root ---------------------------------------------------------

// 17.21.23 (updtRcvdInfoWhile), 17.27: received information lasts
// rcvdInfoWhile = 3 x the Hello Time it came with (2 s here) after the last
// BPDU that repeated it; then CURRENT -> AGED and B reselects. With A's BPDUs
// to B lost (the link stays up), B is root exactly 6 ticks after the last
// one arrived, and not a tick before.
TEST(RstpAgeing, SilentNeighbourAgesOutAfterThreeHelloTimes) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 1);
    n.link({a, 0}, {b, 0});
    n.tick(60);
    ASSERT_FALSE(n[b].is_root());
    n.filter = [&](endpoint from, endpoint, bpdu&) { return from.bridge != a; };
    const std::optional<uint64_t> last = n.last_rx({b, 0});
    ASSERT_TRUE(last);
    const auto root = tick_until(
        n, [&] { return n[b].is_root(); }, 20);
    ASSERT_TRUE(root);
    EXPECT_EQ(*root - *last, 3u * kHello);
}

// 17.29: when the root port's link goes down, an alternate port with valid
// information becomes root port in the same instant (Port Role Selection
// needs no timer) and forwards at once: the old root port, disabled, has
// rrWhile 0 (DISABLED_PORT), so reRooted holds, and the alternate's rbWhile is
// 0, which is ROOT_PORT's rapid transition. Triangle A (root), B, C with
// equal costs: C's port to B is alternate (B's cost equals C's, B's identifier
// is lower, so B's end is designated). A-C goes down: C's root port is the one
// to B, cost 40000.
TEST(RstpAgeing, AlternateBecomesRootPortAtOnceOnLinkDown) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2);
    const unsigned b = n.add("B", bid(0x8000, 2), 2);
    const unsigned c = n.add("C", bid(0x8000, 3), 2);
    n.link({a, 0}, {b, 0});
    const unsigned ac = n.link({a, 1}, {c, 0});
    n.link({b, 1}, {c, 1});
    n.tick(60);
    n.expect_converged();
    ASSERT_EQ(n.role({c, 1}), port_role::alternate);
    ASSERT_EQ(n.state({c, 1}), port_state::discarding);

    const uint64_t t = n.now();
    n.set_up(ac, false);
    EXPECT_EQ(n.now(), t);
    EXPECT_EQ(n[c].root_port(), 1);
    EXPECT_EQ(n.state({c, 1}), port_state::forwarding);
    EXPECT_EQ(n[c].root_path_cost(), 40000u);
    EXPECT_EQ(n[c].root_id(), bid(0x8000, 1));
    EXPECT_EQ(n.state({b, 1}), port_state::forwarding);
    n.expect_converged();
}

// ---- 6. topology change ----------------------------------------------------------

// 17.31: a non-edge root or designated port that starts forwarding is a
// topology change (LEARNING -> DETECTED): setTcPropTree marks every other
// port, and each of them in ACTIVE flushes (PROPAGATING); the detecting port
// does not. tcWhile = HelloTime + 1 = 3 under RSTP (newTcWhile, 17.21.7) and
// every BPDU sent while it runs carries TC (17.21.20): those at t, t+1, t+2,
// none from t+3. A neighbour receiving TC (NOTIFIED_TC) flushes its other
// ACTIVE ports, not the receiving one, and not edge ports (an edge port never
// reaches ACTIVE).
// A (root): a0-B, a1-E. B: b0 root, b1-C, b2-D (comes up at t). C: c0 root,
// c1 an AdminEdge host port. D and E one port each.
// Then D's link goes down: B's port 2 leaves forwarding; leaving is no
// topology change under RSTP, and only that port is flushed (17.31 ACTIVE ->
// LEARNING -> INACTIVE, fdbFlush).
TEST(RstpTopologyChange, ForwardingPortFlushesOthersAndNeighboursPropagate) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2);
    const unsigned b = n.add("B", bid(0x8000, 2), 3);
    const unsigned c =
        n.add("C", bid(0x8000, 3), 2, [](auto&, auto& ports) { ports[1].admin_edge = true; });
    const unsigned d = n.add("D", bid(0x8000, 4), 1);
    const unsigned e = n.add("E", bid(0x8000, 5), 1);
    n.link({a, 0}, {b, 0});
    n.link({a, 1}, {e, 0});
    n.link({b, 1}, {c, 0});
    n.segment({{c, 1}});
    const unsigned bd = n.link({b, 2}, {d, 0}, false);
    n.tick(60);
    n.expect_converged();
    const uint64_t b_tcs = n[b].topology_changes();

    const uint64_t t = n.now();
    const size_t mark = n.log().size(); // what B sends from the link coming up on
    n.set_up(bd, true);
    EXPECT_EQ(n.state({b, 2}), port_state::forwarding);
    EXPECT_GT(n[b].topology_changes(), b_tcs);
    n.tick(kHello);
    EXPECT_TRUE(n[b].topology_change());
    n.tick();
    EXPECT_FALSE(n[b].topology_change());
    n.tick(10 - kHello - 1);
    EXPECT_EQ(n.flushed_ports(b, t, t + 10), (std::set<unsigned>{0, 1}));
    EXPECT_EQ(n.flushed_ports(a, t, t + 10), std::set<unsigned>{1});
    EXPECT_TRUE(n.flushed_ports(c, t, t + 10).empty());
    EXPECT_TRUE(n.flushed_ports(d, t, t + 10).empty());
    EXPECT_TRUE(n.flushed_ports(e, t, t + 10).empty());

    for (unsigned p : {0u, 1u}) {
        const auto since = n.sent_since(mark, {b, p});
        ASSERT_FALSE(since.empty()) << "port " << p;
        EXPECT_EQ(since.front().time, t) << "port " << p;
        for (const auto& s : since) {
            if (s.time <= t + kHello)
                EXPECT_TRUE(has(s.b, flags::tc)) << "port " << p << " t=" << s.time;
            else
                EXPECT_FALSE(has(s.b, flags::tc)) << "port " << p << " t=" << s.time;
        }
    }
    // tcWhile itself: running on some port of B until t+2, on none from t+3.
    // (The BPDUs alone cannot tell 3 from 4: B's next periodic ones after
    // t+2 are at t+4.)
    EXPECT_TRUE(n.sent_by({b, 1}, t + kHello + 1, t + kHello + 1).empty());
    // The designated port to C keeps sending every HelloTime, after TC without it.
    EXPECT_FALSE(n.sent_by({b, 1}, t + kHello + 1, t + 10).empty());

    const uint64_t tcs = n[b].topology_changes();
    const uint64_t t2 = n.now();
    n.set_up(bd, false);
    n.tick(10);
    EXPECT_EQ(n.flushed_ports(b, t2, t2), std::set<unsigned>{2});
    EXPECT_EQ(n.flushed_ports(b, t2), std::set<unsigned>{2});
    EXPECT_EQ(n[b].topology_changes(), tcs);
    for (unsigned p : {0u, 1u})
        for (const auto& s : n.sent_by({b, p}, t2))
            EXPECT_FALSE(has(s.b, flags::tc)) << "port " << p << " t=" << s.time;
    n.expect_converged();
}

// ---- 7. 802.1D compatibility -------------------------------------------------------

// 17.24 (Port Protocol Migration): a port starts in CHECKING_RSTP for
// MigrateTime (3), and SENSING (from t=3) clears rcvdSTP, so the 802.1D
// neighbour N's Config BPDUs at t=0 and t=2 (it believes itself root: it drops
// R's RST BPDUs) change nothing; the one at t=4 makes SELECTING_STP:
// sendRSTP = FALSE. R sends RST BPDUs at t=0, 2, 4 (the one at 4 leaves before
// N's arrives) and Config BPDUs from its next HelloTime, t=6, on.
// N runs ForceProtocolVersion 0 (force_stp): every BPDU it sends is a Config
// or TCN BPDU, version 0, from the start.
// Timings once 802.1D is spoken: R's designated port came up from
// DISABLED_PORT (fdWhile = MaxAge) and gets no agreement (rstpVersion and RST
// needed, 17.21.9): learning at 20, then fdWhile = forwardDelay = FwdDelay
// (sendRSTP FALSE, 17.20.8), forwarding at 35. N's root port has no rapid
// transition (rstpVersion FALSE): learning when fdWhile (MaxAge from
// DISABLED_PORT) runs out at 20, forwarding FwdDelay later, at 35.
TEST(RstpStp, ConfigBpdusFromTheFirstConfigAfterMigrateTime) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 1);
    const unsigned nn = n.add("N", bid(0x8000, 2), 1, [](auto& b, auto&) { b.force_stp = true; });
    n.set_legacy(nn);
    n.link({r, 0}, {nn, 0});
    std::optional<uint64_t> r_learn, r_fwd, n_learn, n_fwd;
    for (unsigned i = 0; i < 60; ++i) {
        n.tick();
        if (!r_learn && n.state({r, 0}) != port_state::discarding)
            r_learn = n.now();
        if (!r_fwd && n.state({r, 0}) == port_state::forwarding)
            r_fwd = n.now();
        if (!n_learn && n.state({nn, 0}) != port_state::discarding)
            n_learn = n.now();
        if (!n_fwd && n.state({nn, 0}) == port_state::forwarding)
            n_fwd = n.now();
    }
    uint64_t last_rst = 0, first_config = UINT64_MAX;
    for (const auto& s : n.sent_by({r, 0})) {
        if (s.b.type == bpdu::type_t::rst)
            last_rst = std::max(last_rst, s.time);
        else if (s.b.type == bpdu::type_t::config)
            first_config = std::min(first_config, s.time);
    }
    EXPECT_EQ(last_rst, 4u);
    EXPECT_EQ(first_config, 6u);
    for (const auto& s : n.sent_by({r, 0}, 5)) {
        EXPECT_NE(s.b.type, bpdu::type_t::rst) << "t=" << s.time;
        EXPECT_EQ(s.b.version, 0) << "t=" << s.time;
    }
    // A designated port under 802.1D sends a Config BPDU every HelloTime.
    for (uint64_t t = 6; t + kHello <= 60; t += kHello) {
        const auto w = n.sent_by({r, 0}, t, t + kHello - 1);
        EXPECT_TRUE(std::any_of(w.begin(), w.end(),
                                [](const auto& s) { return s.b.type == bpdu::type_t::config; }))
            << "t=" << t;
    }
    EXPECT_FALSE(n[r].status(0).send_rstp);
    ASSERT_FALSE(n.sent_by({nn, 0}).empty());
    for (const auto& s : n.sent_by({nn, 0})) {
        EXPECT_NE(s.b.type, bpdu::type_t::rst) << "t=" << s.time;
        EXPECT_EQ(s.b.version, 0) << "t=" << s.time;
    }
    EXPECT_FALSE(n[nn].status(0).send_rstp);
    EXPECT_EQ(n[nn].root_id(), bid(0x8000, 1));
    ASSERT_TRUE(r_learn && r_fwd && n_learn && n_fwd);
    EXPECT_EQ(*r_learn, kMaxAge);
    EXPECT_EQ(*r_fwd, kMaxAge + kFwdDelay);
    EXPECT_EQ(*n_learn, kMaxAge);
    EXPECT_EQ(*n_fwd, kMaxAge + kFwdDelay);
}

// 17.29, 17.27 UPDATE, 17.20.8: R's designated port to the 802.1D bridge N has
// agreed FALSE (DESIGNATED_FORWARD sets agreed = sendRSTP), so when a new
// root Z appears on R's other port, UPDATE leaves it synced FALSE, Z's
// proposal makes R setSyncTree (ROOT_PROPOSED), and the port goes to
// DESIGNATED_DISCARD with fdWhile = forwardDelay = FwdDelay = 15. No agreement
// can come over 802.1D: learning at t+15 (DESIGNATED_LEARN, fdWhile = 15
// again), forwarding at t+30: discarding -> learning -> forwarding in FwdDelay
// each. R's new root port forwards at once (rapid transition, and Z agrees).
TEST(RstpStp, DesignatedPortTowards8021DTakesTwoForwardDelaysToResync) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 2);
    const unsigned nn = n.add("N", bid(0x8000, 2), 1, [](auto& b, auto&) { b.force_stp = true; });
    n.set_legacy(nn);
    const unsigned z = n.add("Z", bid(0x1000, 9), 1);
    n.link({r, 0}, {nn, 0});
    const unsigned rz = n.link({r, 1}, {z, 0}, false);
    n.tick(80);
    ASSERT_EQ(n.state({r, 0}), port_state::forwarding);
    ASSERT_FALSE(n[r].status(0).send_rstp);

    const uint64_t t = n.now();
    n.set_up(rz, true);
    EXPECT_EQ(n[r].root_id(), bid(0x1000, 9));
    EXPECT_EQ(n[r].root_port(), 1);
    EXPECT_EQ(n.state({r, 1}), port_state::forwarding);
    EXPECT_EQ(n.state({z, 0}), port_state::forwarding);
    EXPECT_EQ(n.role({r, 0}), port_role::designated);
    EXPECT_EQ(n.state({r, 0}), port_state::discarding);
    EXPECT_EQ(n[nn].root_id(), bid(0x1000, 9));
    for (unsigned i = 1; i <= 2 * kFwdDelay + 2; ++i) {
        n.tick();
        const port_state want = i < kFwdDelay       ? port_state::discarding
                                : i < 2 * kFwdDelay ? port_state::learning
                                                    : port_state::forwarding;
        EXPECT_EQ(n.state({r, 0}), want) << "t+" << (n.now() - t);
    }
}

// 17.31 with an 802.1D neighbour. N (force_stp) is R's neighbour; its root port
// faces R. N's new port comes up (as a fresh 802.1D designated port it
// forwards at MaxAge + FwdDelay = 35) and that is a topology change
// (DETECTED): N's root port gets tcProp (PROPAGATING: tcWhile = MaxAge +
// FwdDelay, 17.21.7) and, as a root port under 802.1D, sends a TCN BPDU every
// HelloTime (TRANSMIT_PERIODIC: root port with tcWhile != 0; TRANSMIT_TCN)
// until a Config BPDU with TC Acknowledgment arrives (ACKNOWLEDGED: tcWhile =
// 0). R's designated port receiving the TCN (NOTIFIED_TCN, NOTIFIED_TC) sets
// tcAck, and its next Config BPDU (within HelloTime: the designated port's
// periodic one) carries TC ack, and TC too (tcWhile from NOTIFIED_TCN);
// setTcPropTree propagates: R flushes its other port and sends an RST BPDU
// with TC there at once (PROPAGATING sets newInfo under RSTP).
// The acks are stripped for the first 10 ticks so the TCNs repeat.
TEST(RstpStp, TcnRepeatsUntilAcknowledgedAndPropagates) {
    network n;
    const unsigned r = n.add("R", bid(0x8000, 1), 2);
    const unsigned nn = n.add("N", bid(0x8000, 2), 2, [](auto& b, auto&) { b.force_stp = true; });
    n.set_legacy(nn);
    const unsigned s = n.add("S", bid(0x8000, 3), 1);
    n.link({r, 0}, {nn, 0});
    n.link({r, 1}, {s, 0});
    const unsigned lone = n.segment({{nn, 1}}, false);
    n.tick(80);
    n.expect_converged();

    const uint64_t t = n.now();
    const uint64_t strip_until = t + kMaxAge + kFwdDelay + 10;
    n.filter = [&](endpoint from, endpoint to, bpdu& b) {
        if (from.bridge == r && to.bridge == nn && n.now() < strip_until)
            b.flags &= uint8_t(~flags::tc_ack);
        return true;
    };
    n.set_up(lone, true);
    const auto fwd = tick_until(
        n,
        [&] {
            return n.state({nn, 1}) == port_state::forwarding;
        },
        60);
    ASSERT_TRUE(fwd);
    EXPECT_EQ(*fwd - t, kMaxAge + kFwdDelay);
    EXPECT_TRUE(n.sent_by({nn, 0}, t, *fwd - 1).empty()) << "no TCN before the change";

    n.tick(unsigned(strip_until - n.now()));
    std::vector<uint64_t> tcns;
    for (const auto& x : n.sent_by({nn, 0}, *fwd, strip_until - 1))
        if (x.b.type == bpdu::type_t::tcn)
            tcns.push_back(x.time);
    ASSERT_FALSE(tcns.empty());
    EXPECT_LE(tcns.front() - *fwd, kHello);
    for (size_t i = 1; i < tcns.size(); ++i)
        EXPECT_LE(tcns[i] - tcns[i - 1], kHello);
    EXPECT_GE(tcns.size(), size_t((strip_until - *fwd) / kHello - 1));

    // Propagation at the first TCN: R flushed its port to S, not the port to N,
    // and told S at once.
    const uint64_t t1 = tcns.front();
    EXPECT_EQ(n.flushed_ports(r, t1, t1), std::set<unsigned>{1});
    const auto to_s = n.sent_by({r, 1}, t1, t1);
    EXPECT_TRUE(
        std::any_of(to_s.begin(), to_s.end(), [](const auto& x) { return has(x.b, flags::tc); }));
    // Every Config BPDU R sent with TC ack carries TC too, and one follows
    // each TCN within HelloTime.
    for (const auto& x : n.sent_by({r, 0}, t1)) {
        if (has(x.b, flags::tc_ack)) {
            EXPECT_TRUE(has(x.b, flags::tc)) << "t=" << x.time;
        }
    }
    for (uint64_t tcn : tcns) {
        const auto w = n.sent_by({r, 0}, tcn, tcn + kHello);
        EXPECT_TRUE(std::any_of(w.begin(), w.end(),
                                [](const auto& x) {
                                    return x.b.type == bpdu::type_t::config &&
                                           has(x.b, flags::tc_ack);
                                }))
            << "no ack for the TCN at t=" << tcn;
    }

    // Acks now get through: the TCNs stop within two HelloTimes (the next TCN,
    // then R's next Config BPDU) and do not come back.
    n.tick(60);
    uint64_t last_tcn = 0;
    for (const auto& x : n.sent_by({nn, 0}, strip_until))
        if (x.b.type == bpdu::type_t::tcn)
            last_tcn = std::max(last_tcn, x.time);
    EXPECT_LE(last_tcn, strip_until + 2 * kHello);
}

// 17.24: a port that fell back to 802.1D stays there while it hears 802.1D
// BPDUs only; two RSTP bridges R and Q that both fell back because of an
// 802.1D bridge L on their shared segment keep sending Config BPDUs to each
// other after L is gone (SENSING returns to RSTP only on rcvdRSTP). mcheck
// (17.19.13) puts R's port in CHECKING_RSTP (sendRSTP TRUE): its next BPDU,
// within HelloTime, is an RST BPDU, Q's SENSING sees rcvdRSTP and returns to
// CHECKING_RSTP, and from then on both send RST BPDUs.
TEST(RstpStp, McheckBringsRstpBackWhenTheNeighbourSpeaksIt) {
    network n;
    const auto shared = [](auto&, auto& ports) { ports[0].point_to_point = false; };
    const unsigned r = n.add("R", bid(0x8000, 1), 1, shared);
    const unsigned q = n.add("Q", bid(0x8000, 2), 1, shared);
    const unsigned l = n.add("L", bid(0x1000, 3), 1, [](auto& b, auto& ports) {
        b.force_stp = true;
        ports[0].point_to_point = false;
    });
    n.set_legacy(l);
    n.segment({{r, 0}, {q, 0}, {l, 0}});
    n.tick(40);
    ASSERT_FALSE(n[r].status(0).send_rstp);
    ASSERT_FALSE(n[q].status(0).send_rstp);
    ASSERT_EQ(n[r].root_id(), bid(0x1000, 3));

    n.set_enabled({l, 0}, false);
    n.tick(30);
    EXPECT_EQ(n[q].root_id(), bid(0x8000, 1));
    EXPECT_FALSE(n[r].status(0).send_rstp);
    EXPECT_FALSE(n[q].status(0).send_rstp);
    for (unsigned b : {r, q})
        for (const auto& x : n.sent_by({b, 0}, n.now() - 20))
            EXPECT_NE(x.b.type, bpdu::type_t::rst) << n.name(b) << " t=" << x.time;
    EXPECT_FALSE(n.sent_by({r, 0}, n.now() - 20).empty());

    const uint64_t m = n.now();
    n.mcheck({r, 0});
    n.tick(kHello);
    const auto w = n.sent_by({r, 0}, m, m + kHello);
    EXPECT_TRUE(std::any_of(w.begin(), w.end(),
                            [](const auto& x) { return x.b.type == bpdu::type_t::rst; }));
    EXPECT_TRUE(n[q].status(0).send_rstp);
    n.tick(30);
    EXPECT_TRUE(n[r].status(0).send_rstp);
    EXPECT_TRUE(n[q].status(0).send_rstp);
    for (unsigned b : {r, q})
        for (const auto& x : n.sent_by({b, 0}, m + kHello + 1))
            EXPECT_EQ(x.b.type, bpdu::type_t::rst) << n.name(b) << " t=" << x.time;
    n.expect_converged();
}

// ---- 8. backup ports ---------------------------------------------------------------

// 17.21.25 k: a port whose best received information comes from another port
// of the same bridge is a backup port and discards; the lower port identifier
// (8001) is designated. Two of B's ports on one shared segment (A is root
// over B's third port); B's second port must never forward (that would loop
// the segment to itself).
// When the designated port goes down, the backup's information ages out
// 3 x HelloTime = 6 ticks after its last BPDU (17.21.23) and it becomes
// designated. It held fdWhile at forwardDelay = HelloTime in ALTERNATE_PORT;
// on the ageing tick fdWhile has just counted down to 1 and whether
// ALTERNATE_PORT restores it to 2 before AGED deselects the port is a race the
// clause leaves open, so learning comes 1 or 2 ticks later. Forwarding follows
// forwardDelay = 2 ticks after learning (DESIGNATED_LEARN): no agreement on a
// shared segment.
TEST(RstpBackup, SecondPortOnASegmentIsBackupAndTakesOverAfterAgeing) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 3, [](auto&, auto& ports) {
        for (unsigned i = 0; i < 2; ++i) {
            ports[i].point_to_point = false;
            ports[i].auto_edge = false;
        }
    });
    n.link({a, 0}, {b, 2});
    n.segment({{b, 0}, {b, 1}});
    for (unsigned i = 0; i < 60; ++i) {
        n.tick();
        EXPECT_NE(n.state({b, 1}), port_state::forwarding) << "t=" << n.now();
    }
    n.expect_converged();
    EXPECT_EQ(n.role({b, 0}), port_role::designated);
    EXPECT_EQ(n.role({b, 1}), port_role::backup);
    EXPECT_EQ(n.state({b, 1}), port_state::discarding);

    n.set_enabled({b, 0}, false);
    const std::optional<uint64_t> last = n.last_rx({b, 1});
    ASSERT_TRUE(last);
    const auto designated = tick_until(
        n,
        [&] {
            return n.role({b, 1}) == port_role::designated;
        },
        20);
    ASSERT_TRUE(designated);
    EXPECT_EQ(*designated - *last, 3u * kHello);
    const auto learning = tick_until(
        n,
        [&] {
            return n.state({b, 1}) != port_state::discarding;
        },
        10);
    ASSERT_TRUE(learning);
    EXPECT_GE(*learning - *designated, kHello - 1u);
    EXPECT_LE(*learning - *designated, kHello);
    EXPECT_EQ(n.state({b, 1}), port_state::learning);
    const auto forwarding = tick_until(
        n,
        [&] {
            return n.state({b, 1}) == port_state::forwarding;
        },
        10);
    ASSERT_TRUE(forwarding);
    EXPECT_EQ(*forwarding - *learning, kHello);
}

// 17.21.25 b: a root path priority vector whose designated bridge is this
// bridge is never a candidate for the root priority vector. B's backup port
// holds what B's designated port said (root A over B's root port). When B's
// root port's link goes down, that copy would look like a way to A through
// B itself; excluded, B has no way to A left and is root in the same instant.
// The backup stays backup: its information is from B's port 1, which B's new
// designated priority vector (root B, cost 0, port 8002) does not beat.
TEST(RstpBackup, OwnInformationIsNeverARootPath) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 3, [](auto&, auto& ports) {
        for (unsigned i = 0; i < 2; ++i)
            ports[i].point_to_point = false;
    });
    const unsigned ab = n.link({a, 0}, {b, 2});
    n.segment({{b, 0}, {b, 1}});
    n.tick(60);
    ASSERT_EQ(n.role({b, 1}), port_role::backup);
    n.set_up(ab, false);
    EXPECT_TRUE(n[b].is_root());
    EXPECT_EQ(n[b].root_port(), -1);
    EXPECT_EQ(n.role({b, 0}), port_role::designated);
    EXPECT_EQ(n.role({b, 1}), port_role::backup);
    EXPECT_EQ(n.state({b, 1}), port_state::discarding);
    n.tick(10);
    n.expect_converged();
}

// 9.3.4: a BPDU carrying this bridge's identifier and the receiving port's own
// identifier is its own, looped back, and is not processed. An AdminEdge port
// shows it: processing any BPDU would clear operEdge (17.23 RECEIVE). The same
// BPDU arriving on the bridge's other port is another port's: it is processed
// and makes that port a backup (17.21.25 k) that discards.
TEST(RstpBackup, OwnBpduLoopedToTheSendingPortIsIgnored) {
    network n;
    const unsigned x = n.add("X", bid(0x8000, 1), 2, [](auto&, auto& ports) {
        ports[0].admin_edge = true;
        ports[1].auto_edge = false;
    });
    n.segment({{x, 0}});
    n.segment({{x, 1}});
    n.tick(5);
    const auto own = n.sent_by({x, 0});
    ASSERT_FALSE(own.empty());
    const bpdu looped = own.back().b;
    EXPECT_EQ(looped.port_id, 0x8001);

    EXPECT_EQ(n.inject({x, 0}, looped), bpdu_error::ok);
    EXPECT_EQ(n[x].status(0).bpdus_in, 0u);
    EXPECT_TRUE(n[x].status(0).oper_edge);
    EXPECT_EQ(n.state({x, 0}), port_state::forwarding);
    EXPECT_EQ(n.role({x, 0}), port_role::designated);

    EXPECT_EQ(n.inject({x, 1}, looped), bpdu_error::ok);
    EXPECT_EQ(n[x].status(1).bpdus_in, 1u);
    EXPECT_EQ(n.role({x, 1}), port_role::backup);
    EXPECT_EQ(n.state({x, 1}), port_state::discarding);
    EXPECT_EQ(n.role({x, 0}), port_role::designated);
    EXPECT_EQ(n.state({x, 0}), port_state::forwarding);
}

// ---- 9. TxHoldCount --------------------------------------------------------------

// 17.26, 17.22: each BPDU sent adds one to txCount, each tick takes one off,
// and nothing is sent while txCount is TxHoldCount. A flood of information
// changes on X's root port (alternating roots from one designated bridge and
// port, so each replaces the last, 17.6) gives X's designated port newInfo
// each time: in the flood's instant it sends exactly TxHoldCount BPDUs, in
// each following tick exactly one (txCount drops to TxHoldCount - 1 and the
// pending newInfo goes out), and once the flood stops the pending
// information still goes out at the next tick, carrying the last root. The
// harness checks the bound on every port of every test.
TEST(RstpTxHold, NoMoreThanTxHoldCountBpdusInOneTick) {
    for (uint16_t hold : {uint16_t(6), uint16_t(2)}) {
        SCOPED_TRACE(testing::Message() << "TxHoldCount " << hold);
        network n;
        const unsigned x =
            n.add("X", bid(0x8000, 9), 2, [&](auto& b, auto&) { b.tx_hold_count = hold; });
        n.segment({{x, 0}});
        n.segment({{x, 1}});
        n.tick(10);
        const uint64_t r1 = bid(0x1000, 1), r2 = bid(0x1000, 2), q = bid(0x1000, 0xee);
        unsigned k = 0;
        const auto flood = [&] {
            for (unsigned i = 0; i < 20; ++i, ++k)
                n.inject({x, 0}, make_rst(k % 2 ? r2 : r1, 0, q, 0x8001, bpdu_role::designated));
        };
        flood();
        EXPECT_EQ(n.sent_by({x, 1}, n.now(), n.now()).size(), hold);
        for (unsigned i = 0; i < 3; ++i) {
            n.tick();
            flood();
            EXPECT_EQ(n.sent_by({x, 1}, n.now(), n.now()).size(), 1u) << "t=" << n.now();
        }
        const uint64_t last_root = (k - 1) % 2 ? r2 : r1;
        EXPECT_EQ(n[x].root_id(), last_root);
        n.tick();
        const auto after = n.sent_by({x, 1}, n.now(), n.now());
        ASSERT_EQ(after.size(), 1u);
        EXPECT_EQ(after.back().b.root_id, last_root);
    }
}

// ---- 10. dispute ------------------------------------------------------------------

// 17.27 INFERIOR_DESIGNATED, recordDispute as 802.1Q-2005 words it: a
// designated port receiving inferior designated information with the
// Learning flag set is disputed, and DESIGNATED_DISCARD (17.29) makes it
// discard at once. Without the Learning flag nothing changes. After the
// dispute the port proposes again (DESIGNATED_PROPOSE) and B's root port
// agrees (ROOT_AGREED on proposed && agree), so it forwards again in the same
// instant once the BPDUs are delivered.
TEST(RstpDispute, InferiorDesignatedWithLearningFlagDiscards) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 1);
    n.link({a, 0}, {b, 0});
    n.tick(60);
    ASSERT_EQ(n.state({a, 0}), port_state::forwarding);
    const uint64_t bb = bid(0x8000, 2);

    n.inject({a, 0}, make_rst(bb, 0, bb, 0x8001, bpdu_role::designated, flags::proposal), false);
    EXPECT_EQ(n.state({a, 0}), port_state::forwarding);
    n.deliver();
    n.tick(3);

    n.inject({a, 0}, make_rst(bb, 0, bb, 0x8001, bpdu_role::designated, flags::learning), false);
    EXPECT_EQ(n.role({a, 0}), port_role::designated);
    EXPECT_EQ(n.state({a, 0}), port_state::discarding);
    const uint64_t t = n.now();
    n.deliver();
    EXPECT_EQ(n.now(), t);
    EXPECT_EQ(n.state({a, 0}), port_state::forwarding);
    n.expect_converged();
}

// The dispute's use: a link that fails in one direction. A's BPDUs no longer
// reach B; B ages A's information out after 3 x HelloTime (17.21.23) and
// takes over as root, its port, which was forwarding as root port, now a
// designated port still forwarding. Its BPDUs carry the Learning and
// Forwarding flags and are inferior at A: A's designated port is disputed
// and discards. It stays that way: DESIGNATED_DISCARD then forwardDelay (2)
// before it could learn and 2 more before it could forward, while B's BPDUs,
// at most HelloTime (2) apart, dispute it again. So A's port does not forward
// from the first of B's BPDUs on (at most HelloTime after B took over).
TEST(RstpDispute, UnidirectionalLinkKeepsTheDesignatedPortDiscarding) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 1);
    const unsigned b = n.add("B", bid(0x8000, 2), 1);
    n.link({a, 0}, {b, 0});
    n.tick(60);
    n.filter = [&](endpoint from, endpoint, bpdu&) { return from.bridge != a; };
    const std::optional<uint64_t> last = n.last_rx({b, 0});
    ASSERT_TRUE(last);
    const auto root = tick_until(
        n, [&] { return n[b].is_root(); }, 20);
    ASSERT_TRUE(root);
    EXPECT_EQ(*root - *last, 3u * kHello);
    EXPECT_EQ(n.state({b, 0}), port_state::forwarding);
    n.tick(kHello);
    for (unsigned i = 0; i < 30; ++i) {
        EXPECT_NE(n.state({a, 0}), port_state::forwarding) << "t=" << n.now();
        EXPECT_EQ(n.role({a, 0}), port_role::designated) << "t=" << n.now();
        n.tick();
    }
}

// ---- 11. robustness -----------------------------------------------------------------

// Random BPDUs (random type, version, flags, costs, designated bridge and
// port identifiers, often better than the real ones; timers in the ranges
// 802.1D-2004 table 17-1 allows) on random ports, some in bursts before the
// answers are delivered, 3000 rounds per seed, with the real BPDUs flowing and
// the clock ticking. The machines must settle after each input (the harness
// fails a network that does not go quiet, and any port over TxHoldCount in a
// tick). Once the random traffic stops: what it planted at a port lasts at
// most 3 x its Hello Time (2 s at most, 17.21.23); what bridges relayed of it
// names the real root (the random roots are never better than the real root,
// see below) with a root path cost below the real one, and every
// 3 x HelloTime the cheapest such information costs at least one more link
// (20000) or is gone, as in kStaleBound's argument. The real costs here are at
// most 3 links, so 6 + 3 x 6 = 24 < MaxAge + 5 ticks: by then every bridge
// agrees with the model and no loop forwards. After the longest wait a timer
// could still impose (fdWhile and rrWhile up to the largest MaxAge and
// FwdDelay the random BPDUs carried) every root and designated port forwards.
// A random root better than every bridge would be a phantom believed until its
// message age runs out hop by hop (kStaleBound, with the random MaxAge up to
// 40): not a MaxAge + 5 bound, so the roots are drawn from the bridges'
// identifiers and values above the real root's.
TEST(RstpRobustness, RandomBpdusThenTheTreeConverges) {
    for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        network n;
        std::vector<unsigned> b;
        const std::vector<unsigned> nports = {3, 4, 4, 3, 3, 3};
        // The ports on the shared segment (not point-to-point).
        const std::set<endpoint> shared = {{2, 3}, {3, 2}, {5, 0}, {5, 1}};
        for (unsigned i = 0; i < nports.size(); ++i)
            b.push_back(n.add("b" + std::to_string(i), bid(0x8000, i + 1), nports[i],
                              [&](auto&, auto& ports) {
                                  for (unsigned p = 0; p < ports.size(); ++p)
                                      if (shared.contains({i, p}))
                                          ports[p].point_to_point = false;
                              }));
        // A ring b0-b1-b2-b3-b0, a chord b0-b2, two parallel links b1-b4, a
        // shared segment with b2, b3 and two ports of b5 (a backup), and b5's
        // third port to b4, which closes another loop.
        n.link({b[0], 0}, {b[1], 0});
        n.link({b[1], 1}, {b[2], 0});
        n.link({b[2], 1}, {b[3], 0});
        n.link({b[3], 1}, {b[0], 1});
        n.link({b[0], 2}, {b[2], 2});
        n.link({b[1], 2}, {b[4], 0});
        n.link({b[1], 3}, {b[4], 1});
        n.link({b[4], 2}, {b[5], 2});
        n.segment({{b[2], 3}, {b[3], 2}, {b[5], 0}, {b[5], 1}});
        n.tick(60);

        std::mt19937_64 rng(seed);
        const auto pick = [&](uint64_t lo, uint64_t hi) {
            return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
        };
        std::vector<endpoint> all;
        for (unsigned x : b)
            for (unsigned p = 0; p < n.ports(x); ++p)
                all.push_back({x, p});
        uint16_t worst_fwd = kFwdDelay, worst_age = kMaxAge;
        for (unsigned round = 0; round < 3000; ++round) {
            bpdu m;
            const uint64_t kind = pick(0, 99);
            m.type = kind < 40   ? bpdu::type_t::config
                     : kind < 85 ? bpdu::type_t::rst
                                 : bpdu::type_t::tcn;
            m.version = m.type == bpdu::type_t::rst ? uint8_t(pick(2, 4)) : uint8_t(pick(0, 1));
            m.flags = uint8_t(pick(0, 255));
            const uint64_t real_root = n.settings(b[0]).bridge_id;
            const auto some_id = [&] {
                return pick(0, 1) ? n.settings(b[pick(0, b.size() - 1)]).bridge_id
                                  : pick(real_root, UINT64_MAX);
            };
            m.root_id = pick(0, 3) ? n.settings(b[pick(0, b.size() - 1)]).bridge_id : some_id();
            m.root_path_cost = pick(0, 1) ? uint32_t(pick(0, 100000)) : uint32_t(pick(0, ~0u));
            m.bridge_id = pick(0, 2) ? pick(0, UINT64_MAX) : some_id();
            m.port_id = pick(0, 1) ? uint16_t(0x8000 | pick(1, 4)) : uint16_t(pick(0, 0xffff));
            const uint16_t max_age = uint16_t(pick(6, 40));
            const uint16_t fwd = uint16_t(pick(4, 30));
            worst_fwd = std::max(worst_fwd, fwd);
            worst_age = std::max(worst_age, max_age);
            m.max_age = uint16_t(max_age * 256);
            m.forward_delay = uint16_t(fwd * 256);
            m.hello_time = uint16_t(pick(256, 512));
            m.message_age = uint16_t(pick(0, max_age * 256 - 1));
            const endpoint to = all[pick(0, all.size() - 1)];
            // One in four arrives in a burst with the next ones, before the
            // bridges' answers are delivered.
            const bpdu_error err = n.inject(to, m, pick(0, 3) != 0);
            EXPECT_EQ(err, bpdu_error::ok);
            if (round % 7 == 6)
                n.tick();
        }

        n.filter = {};
        n.tick(kMaxAge + 5);
        EXPECT_FALSE(n.forwarding_loop()) << "t=" << n.now();
        n.expect_converged(false);
        for (unsigned x : b)
            EXPECT_EQ(n[x].root_id(), bid(0x8000, 1)) << n.name(x);
        n.tick(2u * (worst_age + 2u * worst_fwd));
        EXPECT_FALSE(n.forwarding_loop());
        n.expect_converged(true);
    }
}

// ---- 12. reconfiguration ----------------------------------------------------------

// 17.13, 17.28: a new bridge priority is a new bridge identifier and every
// port reselects. A ring b0 (root) - b1 - b2 - b3 - b0. b2 at priority 1000 is
// the best bridge: its BPDUs carry superior information that each bridge
// accepts as it arrives (SUPERIOR_DESIGNATED, no timer), so every bridge names
// b2 root in the same instant and the roles are the model's. b2 at priority
// F000 is then the worst: its old, better identifier lives on in the
// information the others relayed until that is replaced or its message age
// runs out (kStaleBound); then b0 is root again everywhere.
TEST(RstpReconfiguration, BridgePriorityReElectsTheRoot) {
    network n;
    std::vector<unsigned> b;
    for (unsigned i = 0; i < 4; ++i)
        b.push_back(n.add("b" + std::to_string(i), bid(0x8000, i + 1), 2));
    for (unsigned i = 0; i < 4; ++i)
        n.link({b[i], 1}, {b[(i + 1) % 4], 0});
    n.tick(60);
    n.expect_converged();

    rstp::bridge_settings s = n.settings(b[2]);
    s.bridge_id = bid(0x1000, 3);
    n.set_bridge(b[2], s);
    for (unsigned x : b)
        EXPECT_EQ(n[x].root_id(), bid(0x1000, 3)) << n.name(x);
    n.expect_converged(false);
    n.tick(kMaxAge + 5);
    n.expect_converged();
    EXPECT_TRUE(n[b[2]].is_root());

    s.bridge_id = bid(0xf000, 3);
    n.set_bridge(b[2], s);
    n.tick(kStaleBound);
    n.expect_converged();
    for (unsigned x : b)
        EXPECT_EQ(n[x].root_id(), bid(0x8000, 1)) << n.name(x);
    EXPECT_FALSE(n.forwarding_loop());
}

// 17.13, 17.28: a new port path cost reselects the roles. Triangle A (root),
// B, C; C's root port is its port to A (20000), its port to B alternate. At
// path cost 100000 on C's port to A, the way over B (20000 + 20000 = 40000)
// is cheaper: the old alternate is root port and forwards at once (ROOT_PORT's
// rapid transition: the old root port, now alternate, has rrWhile 0), the old
// root port is alternate, discards and is flushed (17.31 INACTIVE); the new
// root port forwarding is a topology change, which does not flush the port
// that detected it.
TEST(RstpReconfiguration, PathCostReselectsTheRootPort) {
    network n;
    const unsigned a = n.add("A", bid(0x8000, 1), 2);
    const unsigned b = n.add("B", bid(0x8000, 2), 2);
    const unsigned c = n.add("C", bid(0x8000, 3), 2);
    n.link({a, 0}, {b, 0});
    n.link({a, 1}, {c, 0});
    n.link({b, 1}, {c, 1});
    n.tick(60);
    ASSERT_EQ(n[c].root_port(), 0);
    ASSERT_EQ(n.role({c, 1}), port_role::alternate);

    rstp::port_settings ps = n.port_settings({c, 0});
    ps.path_cost = 100000;
    const uint64_t t = n.now();
    n.set_port({c, 0}, ps);
    EXPECT_EQ(n[c].root_port(), 1);
    EXPECT_EQ(n[c].root_path_cost(), 40000u);
    EXPECT_EQ(n.state({c, 1}), port_state::forwarding);
    EXPECT_EQ(n.role({c, 0}), port_role::alternate);
    EXPECT_EQ(n.state({c, 0}), port_state::discarding);
    EXPECT_EQ(n.flushed_ports(c, t, t), std::set<unsigned>{0});
    n.tick(5);
    n.expect_converged();
}

} // namespace
