// libFuzzer target: arbitrary bytes as frames through the real worker (parse,
// decide, learn) on net_ring ports, then checks that nothing leaked or lied.
//
// An input is a sequence of frames, each
//   byte 0   bits 0-1: the port it arrives on (p3 is the mirror's destination)
//            bit 2:    arrives as a chain of segments
//            bits 3-5: segment size choice (kSegments), with bit 2
//            bit 6:    forward and learn what came before it first
//            bit 7:    its first 32 bytes are our own loop-guard probe's header
//   byte 1-2 bits 14-15: a TX offload request on it, as a ring peer hands one
//            over (kRequests: none, TCP checksum, UDP checksum, TCP
//            segmentation with tso_segsz 1 + 8 x its last byte)
//            bits 0-13: its length, modulo kMaxFrame + 1
//   then that many bytes (fewer if the input ends).
// The bridge: p0 a default trunk with storm control and a MAC limit, p1 an
// access port in VLAN 10 with bpdu_guard and mtu 1500, p2 a trunk of VLANs
// 10, 20 and 4094 (native 20) with mtu 9000, p3 the mirror of p0 and p2; a
// 64-entry FDB with a static entry; loop guard on.
//
// After each input, abort() unless: every mbuf is back (the test pool and the
// switch's), every frame received is counted once as forwarded, flooded or
// dropped for an ingress reason, every frame sent came off a tx ring at a
// length its port allows and with no offload request left (net_ring ports'
// peers take none), and the FDB holds no group or all-zero source.
#include "control/eal_session.hpp"
#include "ring_harness.hpp"

#include "features/loop_guard/datapath.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unistd.h>

#include <rte_eal.h>

namespace bridgehost::test {
namespace {

constexpr unsigned kPorts = 4;
constexpr unsigned kMirrorTo = 3;
constexpr size_t kMaxFrame = 9700;  ///< past the largest mtu (9600 + 22)
constexpr unsigned kMaxFrames = 32; ///< one rx burst
constexpr unsigned kMaxSegments = 8;
constexpr uint16_t kSegments[8] = {1, 7, 13, 14, 60, 500, 1024, 2000};
constexpr size_t kDataRoom = 2048;  ///< an mbuf of the test pool holds this much
constexpr uint64_t kGuardMs = 1000; ///< the guard's clock stands still: one round of probes
constexpr uint64_t kRequests[4] = {
    0, RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4, RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV6,
    RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4};

[[noreturn]] __attribute__((format(printf, 1, 2))) void violated(const char* format, ...) {
    va_list args;
    va_start(args, format);
    std::fputs("fuzz-frame: invariant violated: ", stderr);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::abort();
}

harness_options bridge_options() {
    harness_options o;
    o.ports = kPorts;
    o.fdb_capacity = 64;
    o.launch_workers = false;
    o.vlans.resize(kPorts);
    o.vlans[1].mode = port_vlan::mode_t::access;
    o.vlans[1].access_vlan = 10;
    o.vlans[2].allowed = parse_vlan_list("10,20,4094");
    o.vlans[2].native_vlan = 20;
    o.storm = {storm_limits{200, 100, 100}};
    o.mtu = {std::nullopt, 1500, 9000};
    o.mirror.from = {0, 2};
    o.mirror.to = kMirrorTo;
    o.mac_limits.resize(kPorts);
    o.mac_limits[0].max_macs = 8;
    o.mac_limits[0].action = mac_limit_action::evict_oldest;
    o.mac_limits[2].max_macs = 4;
    o.bpdu_guard_ports = 1u << 1;
    o.static_entries = {static_entry(kS, 1, 10)};
    return o;
}

struct fuzz_state {
    std::unique_ptr<eal_session> eal;
    std::unique_ptr<ring_harness> h;
    unsigned test_baseline = 0, switch_baseline = 0;
    std::array<size_t, kPorts> max_out{}; ///< the longest frame each port may send
    fdb_time now = kT0;
};

fuzz_state* state = nullptr;

bool ingress_drop(unsigned r) {
    const auto reason = drop_reason(r);
    return reason != drop_reason::tx_full && reason != drop_reason::too_big &&
           reason != drop_reason::mirror_lost;
}

void check_counters(const std::array<port_totals, kPorts>& before, size_t sent) {
    ring_harness& h = *state->h;
    uint64_t tx = 0;
    for (unsigned p = 0; p < kPorts; ++p) {
        port_totals d = h.counters(p);
        d.subtract(before[p]);
        uint64_t accounted = d.unicast + d.flooded;
        for (unsigned r = 0; r < kDropReasons; ++r)
            if (ingress_drop(r))
                accounted += d.drops[r];
        if (accounted != d.rx_packets)
            violated("p%u received %lu frames but accounted for %lu", p, d.rx_packets, accounted);
        if (d.drop(drop_reason::tx_full) != 0)
            violated("p%u: %lu tx_full with rings far from full", p, d.drop(drop_reason::tx_full));
        tx += d.tx_packets;
    }
    if (tx != sent)
        violated("%lu frames counted as sent, %zu on the tx rings", tx, sent);
}

void check_fdb() {
    for (const fdb_record& r : state->h->sw().fdb().records()) {
        const auto& b = r.mac.bytes;
        const bool zero = std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
        if ((b[0] & 1) != 0 || zero)
            violated("the FDB learned %s", r.mac.str().c_str());
        if (r.port >= kPorts || r.vlan > 4095)
            violated("FDB entry %s on port %u, VLAN %u", r.mac.str().c_str(), r.port, r.vlan);
    }
}

/// Our own probe's header over the frame's first bytes (as many as it has).
void make_probe(frame& f) {
    uint8_t probe[kProbeLen];
    build_probe(probe, *mac_address::parse(kA), state->h->sw().guard().shared().instance,
                f.size() > 32 ? f[32] % kPorts : 0, 1);
    std::copy_n(probe, std::min<size_t>(kProbeHeaderLen, f.size()), f.begin());
}

void process() {
    state->h->poll(state->now);
    state->h->control_step(state->now);
    state->h->guard_step(kGuardMs);
}

} // namespace
} // namespace bridgehost::test

using namespace bridgehost;
using namespace bridgehost::test;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    state = new fuzz_state; // never freed: libFuzzer exits without unwinding
    state->eal = std::make_unique<eal_session>(
        "fuzz-frame", std::vector<std::string>{
                          "--no-huge", "--no-pci", "--no-shconf", "--file-prefix",
                          "bhfuzz-" + std::to_string(getpid()), "-m", "256", "--lcores", "0@0,1@0",
                          "--main-lcore", "0", "--log-level", "*:error", "--no-telemetry"});
    // Empty under --no-shconf, and left behind by the EAL: removed at exit
    // (libFuzzer and the replay both leave through exit()).
    static const std::string runtime_dir = rte_eal_get_runtime_dir();
    std::atexit([] { rmdir(runtime_dir.c_str()); });
    const harness_options o = bridge_options();
    state->h = std::make_unique<ring_harness>(o);
    for (unsigned p = 0; p < kPorts; ++p) // mtu + 22, or what came in with a tag pushed
        state->max_out[p] = p < o.mtu.size() && o.mtu[p] ? size_t(*o.mtu[p]) + 22 : kMaxFrame + 4;
    process(); // the guard's one round of probes stays queued: part of the baseline
    state->test_baseline = state->h->test_mbufs_in_use();
    state->switch_baseline = state->h->sw().mbufs_in_use();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ring_harness& h = *state->h;
    // Each input starts from the same switch: no learned MAC, no blocked port,
    // a clock tick of its own.
    h.sw().handle({{"cmd", "fdb flush"}});
    const uint32_t blocked = h.sw().guard().shared().blocked.load();
    for (unsigned p = 0; p < kPorts; ++p)
        if ((blocked >> p) & 1)
            h.sw().handle({{"cmd", "port enable"}, {"args", {{"port", "p" + std::to_string(p)}}}});
    ++state->now;

    std::array<port_totals, kPorts> before;
    for (unsigned p = 0; p < kPorts; ++p)
        before[p] = h.counters(p);

    size_t at = 0;
    for (unsigned n = 0; n < kMaxFrames && at + 3 <= size; ++n) {
        const uint8_t control = data[at];
        const unsigned length_field = unsigned(data[at + 1] << 8 | data[at + 2]);
        const uint64_t request = kRequests[length_field >> 14];
        const size_t len =
            std::min<size_t>((length_field & 0x3fff) % (kMaxFrame + 1), size - at - 3);
        frame f(data + at + 3, data + at + 3 + len);
        at += 3 + len;
        if ((control & 0x40) != 0)
            process();
        if ((control & 0x80) != 0)
            make_probe(f);
        const unsigned port = control & 3;
        const bool chain = (control & 4) != 0 || f.size() > kDataRoom;
        const size_t fewest = (f.size() + kMaxSegments - 1) / kMaxSegments;
        const uint16_t seg =
            chain ? uint16_t(std::max<size_t>(kSegments[(control >> 3) & 7], fewest)) : kDataRoom;
        if (request != 0 && !f.empty()) {
            h.inject_offloaded(port, f, seg, request, uint16_t(1 + 8 * f.back()));
        } else if (chain && !f.empty()) {
            h.inject_chain(port, f, seg);
        } else {
            h.inject(port, f);
        }
    }
    process();

    size_t sent = 0;
    for (unsigned p = 0; p < kPorts; ++p)
        for (const ring_harness::sent_frame& out : h.drain_sent(p)) {
            ++sent;
            if (out.bytes.size() < 14 || out.bytes.size() > state->max_out[p])
                violated("p%u sent a frame of %zu bytes", p, out.bytes.size());
            if ((out.ol_flags & kOffloadRequests) != 0)
                violated("p%u sent a frame still asking for offload 0x%lx", p, out.ol_flags);
        }
    check_counters(before, sent);
    check_fdb();
    if (h.test_mbufs_in_use() != state->test_baseline)
        violated("test pool: %u mbufs in use, %u before", h.test_mbufs_in_use(),
                 state->test_baseline);
    if (h.sw().mbufs_in_use() != state->switch_baseline)
        violated("switch pool: %u mbufs in use, %u before", h.sw().mbufs_in_use(),
                 state->switch_baseline);
    return 0;
}
