// Packet capture on the control lcore: arming, draining the workers' copies, the JSON requests.
#include "features/capture/control.hpp"

#include "common/base64.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace bridgehost {

using json = nlohmann::json;

namespace {

/// args[key] as an integer in [lo, hi], `fallback` when absent.
uint64_t arg_uint(const json& args, const char* key, uint64_t lo, uint64_t hi, uint64_t fallback) {
    const auto it = args.find(key);
    if (it == args.end())
        return fallback;
    // (JSON from the socket has non-negative numbers unsigned; built in C++, they may be signed.)
    const bool non_negative =
        it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0);
    if (!non_negative || it->get<uint64_t>() < lo || it->get<uint64_t>() > hi)
        throw std::invalid_argument(std::string("\"") + key + "\" must be an integer, " +
                                    std::to_string(lo) + ".." + std::to_string(hi));
    return it->get<uint64_t>();
}

uint64_t wall_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

} // namespace

packet_capture::packet_capture(int socket, std::function<uint64_t()> copies_dropped)
    : copies_dropped_(std::move(copies_dropped)) {
    // No per-lcore cache: every copy is visible in the pool's count, and an
    // empty pool is empty for every worker at once.
    shared_.pool = rte_pktmbuf_pool_create("bh_capture", kPoolSize, 0,
                                           RTE_ALIGN(sizeof(capture_meta), RTE_MBUF_PRIV_ALIGN),
                                           RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (shared_.pool == nullptr)
        throw std::runtime_error(std::string("cannot create the capture pool: ") +
                                 rte_strerror(rte_errno));
    shared_.ring = rte_ring_create("bh_capture", kRingSize, socket, RING_F_SC_DEQ);
    if (shared_.ring == nullptr) {
        rte_mempool_free(shared_.pool);
        throw std::runtime_error(std::string("cannot create the capture ring: ") +
                                 rte_strerror(rte_errno));
    }
}

packet_capture::~packet_capture() {
    session_.reset();
    drain(); // frees what is left
    rte_ring_free(shared_.ring);
    rte_mempool_free(shared_.pool);
}

void packet_capture::arm(const session& s) {
    shared_.snaplen.store(s.snaplen, std::memory_order_relaxed);
    shared_.budget.store(int64_t(s.count), std::memory_order_relaxed);
    const uint64_t bit = uint64_t(1) << s.port;
    // The bit last: a worker that sees it before the new budget copies nothing that burst.
    shared_.armed.store((s.rx ? bit : 0) | (s.tx ? bit << 32 : 0), std::memory_order_release);
}

void packet_capture::disarm() {
    shared_.armed.store(0, std::memory_order_relaxed);
    shared_.budget.store(0, std::memory_order_relaxed);
}

json packet_capture::start(uint16_t port, const std::string& port_name, const json& args,
                           fdb_time now) {
    if (session_)
        throw std::runtime_error("a capture is already running (id " +
                                 std::to_string(session_->id) + ", port " + session_->port_name +
                                 ", " + std::to_string(session_->taken) + " of " +
                                 std::to_string(session_->count) + " frames taken); one at a time");
    session s;
    const std::string dir = args.value("direction", "rx");
    if (dir != "rx" && dir != "tx" && dir != "both")
        throw std::invalid_argument("\"direction\" must be rx, tx or both");
    s.rx = dir != "tx";
    s.tx = dir != "rx";
    s.count = arg_uint(args, "count", 1, 1000000, 100);
    s.snaplen = uint32_t(arg_uint(args, "snaplen", 64, kDefaultSnaplen, kDefaultSnaplen));
    s.id = next_id_++;
    s.port = port;
    s.port_name = port_name;
    s.last_request = now;
    s.dropped_base = copies_dropped_();
    s.tsc0 = rte_rdtsc();
    s.wall_ns0 = wall_ns();
    drain(); // copies a worker was still making for an earlier capture: freed
    session_ = std::move(s);
    arm(*session_);
    return {{"id", session_->id},
            {"port", port_name},
            {"direction", dir},
            {"count", session_->count},
            {"snaplen", session_->snaplen}};
}

packet_capture::session& packet_capture::current(const json& args) {
    const uint64_t id = arg_uint(args, "id", 0, UINT64_MAX, 0);
    if (!session_ || session_->id != id)
        throw std::runtime_error("no capture with id " + std::to_string(id) +
                                 " is running (it ended, or was abandoned after " +
                                 std::to_string(kAbandonSeconds) + " s without a request)");
    return *session_;
}

json packet_capture::totals() const {
    const session& s = *session_;
    return {{"captured", s.taken},
            {"dropped", copies_dropped_() - s.dropped_base},
            {"ended", s.ended ? json(*s.ended) : json(nullptr)}};
}

json packet_capture::read(const json& args, fdb_time now) {
    session& s = current(args);
    s.last_request = now;
    drain();
    json frames = json::array();
    while (!s.buffer.empty() && frames.size() < kMaxReadFrames) {
        const frame& f = s.buffer.front();
        frames.push_back({{"time_ns", f.time_ns},
                          {"orig_len", f.orig_len},
                          {"dir", f.dir == capture_dir::rx ? "rx" : "tx"},
                          {"data", base64_encode(f.data.data(), f.data.size())}});
        s.buffer.pop_front();
    }
    json reply = totals();
    reply["frames"] = std::move(frames);
    // Done: nothing more will come (count reached or the capture ended) and all was read.
    reply["done"] = s.ended.has_value() && s.buffer.empty();
    return reply;
}

json packet_capture::stop(const json& args) {
    session& s = current(args);
    disarm();
    drain();
    json reply = totals();
    reply["unread"] = s.buffer.size();
    session_.reset();
    drain(); // nothing can hold a copy now but the ring
    return reply;
}

void packet_capture::poll(fdb_time now) {
    if (!session_) {
        if (!rte_ring_empty(shared_.ring))
            drain();
        return;
    }
    // (A clock that went back, as tests move it, never abandons.)
    if (now > session_->last_request + kAbandonSeconds) {
        session_.reset(); // nobody is reading: stop copying, free the buffer
        disarm();
    }
    drain();
}

void packet_capture::drain() {
    constexpr unsigned kChunk = 64;
    rte_mbuf* copies[kChunk];
    const uint64_t hz = rte_get_tsc_hz();
    for (;;) {
        unsigned want = kChunk;
        if (session_)
            want = unsigned(std::min<size_t>(kChunk, kMaxBuffered - session_->buffer.size()));
        if (want == 0)
            return; // full: the ring fills and the workers count what they cannot queue
        const unsigned n = rte_ring_sc_dequeue_burst(shared_.ring, reinterpret_cast<void**>(copies),
                                                     want, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            rte_mbuf* m = copies[i];
            const auto* meta = static_cast<const capture_meta*>(rte_mbuf_to_priv(m));
            session* s = session_ ? &*session_ : nullptr;
            // Copies of other ports or directions were made for an earlier
            // capture, while its end reached the workers.
            const bool wanted = s != nullptr && meta->port == s->port &&
                                (meta->dir == capture_dir::rx ? s->rx : s->tx) && !s->ended;
            if (wanted) {
                frame f{s->wall_ns0 + uint64_t((__int128(meta->tsc) - s->tsc0) * 1000000000 / hz),
                        meta->orig_len, meta->dir, std::vector<uint8_t>(m->pkt_len)};
                const auto* p =
                    static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, f.data.data()));
                if (p != f.data.data())
                    std::copy(p, p + m->pkt_len, f.data.begin());
                s->buffer.push_back(std::move(f));
                if (++s->taken == s->count) {
                    s->ended = "count reached";
                    disarm();
                }
            }
            rte_pktmbuf_free(m);
        }
        if (n < want)
            return;
    }
}

void packet_capture::remap_ports(const std::vector<int>& to) {
    if (!session_ || session_->ended)
        return;
    if (session_->port >= to.size() || to[session_->port] < 0) {
        session_->ended = "port " + session_->port_name + " removed by a reload";
        disarm();
        return;
    }
    session_->port = uint16_t(to[session_->port]);
    arm(*session_);
    shared_.budget.store(int64_t(session_->count - session_->taken), std::memory_order_relaxed);
}

json packet_capture::status() const {
    json running = nullptr;
    if (session_) {
        running = totals();
        running["id"] = session_->id;
        running["port"] = session_->port_name;
        running["count"] = session_->count;
    }
    return {{"session", running}, {"mbufs_in_use", mbufs_in_use()}};
}

unsigned packet_capture::mbufs_in_use() const {
    return rte_mempool_in_use_count(shared_.pool);
}

} // namespace bridgehost
