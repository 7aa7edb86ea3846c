// The control lcore's half of a packet capture: arms the workers' tap, drains
// their copies into a bounded buffer, and hands them to bridgehostctl as JSON.
//
// One capture runs at a time. bridgehostctl starts it ("capture start"),
// polls for frames ("capture read") and ends it ("capture stop"); the pcap
// file is written by the client, so the switch never opens a path an
// operator names. A client that stops polling for kAbandonSeconds loses its
// capture, so a killed client cannot block the next one. Every method runs on
// the control lcore.
#pragma once

#include "fdb/mac_table.hpp"
#include "features/capture/datapath.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgehost {

class packet_capture {
  public:
    static constexpr unsigned kPoolSize = 1023;     ///< copies in flight (jumbo frames chain)
    static constexpr unsigned kRingSize = 1024;     ///< workers -> control lcore
    static constexpr size_t kMaxBuffered = 4096;    ///< frames drained, not yet read
    static constexpr size_t kMaxReadFrames = 256;   ///< frames per "capture read" reply
    static constexpr fdb_time kAbandonSeconds = 10; ///< no request for this long ends it
    static constexpr uint32_t kDefaultSnaplen = 65535;

    /// Creates the capture pool and ring on `socket`. `copies_dropped` returns
    /// the workers' capture_dropped counters summed. Throws std::runtime_error.
    packet_capture(int socket, std::function<uint64_t()> copies_dropped);
    /// The workers must be stopped: frees what is still queued, then the pool and ring.
    ~packet_capture();
    packet_capture(const packet_capture&) = delete;
    packet_capture& operator=(const packet_capture&) = delete;

    /// What the workers' tap reads.
    capture_shared* shared() { return &shared_; }

    /// Arms a capture of port `port` (its name `port_name`); args: direction
    /// ("rx", "tx", "both"; default "rx"), count (1..1000000, default 100),
    /// snaplen (64..65535). Throws std::invalid_argument (bad argument) or
    /// std::runtime_error (one is running).
    nlohmann::json start(uint16_t port, const std::string& port_name, const nlohmann::json& args,
                         fdb_time now);
    /// Frames taken since the last read (up to kMaxReadFrames), and the state; args: {"id"}.
    nlohmann::json read(const nlohmann::json& args, fdb_time now);
    /// Ends the capture (args: {"id"}); frames not read are discarded. Returns the totals.
    nlohmann::json stop(const nlohmann::json& args);
    /// Every control pass: drains the ring into the buffer, ends an abandoned capture.
    void poll(fdb_time now);
    /// A reload renumbered the ports (old index -> new, -1 removed); workers stopped.
    void remap_ports(const std::vector<int>& to);
    /// For show stats: the running capture ("session", null when none) and the pool's use.
    nlohmann::json status() const;
    /// Copies taken from the capture pool and not yet returned (queued or in flight).
    unsigned mbufs_in_use() const;
    /// The copies' pool (tests empty it to see a copy refused).
    rte_mempool* pool() const { return shared_.pool; }

  private:
    struct frame {
        uint64_t time_ns; ///< wall clock (CLOCK_REALTIME)
        uint32_t orig_len;
        capture_dir dir;
        std::vector<uint8_t> data;
    };
    struct session {
        uint64_t id = 0;
        uint16_t port = 0;
        std::string port_name;
        bool rx = false, tx = false;
        uint64_t count = 0;
        uint32_t snaplen = kDefaultSnaplen;
        uint64_t taken = 0;        ///< frames drained from the ring
        uint64_t dropped_base = 0; ///< copies_dropped() at start
        fdb_time last_request = 0;
        std::optional<std::string> ended; ///< why it stopped taking frames
        std::deque<frame> buffer;
        uint64_t wall_ns0 = 0, tsc0 = 0; ///< one moment on both clocks, for the timestamps
    };

    void arm(const session& s);
    void disarm();
    /// Takes up to `room` copies off the ring into the session's buffer (none
    /// when there is no session: the copies are freed).
    void drain();
    session& current(const nlohmann::json& args);
    nlohmann::json totals() const;

    capture_shared shared_;
    std::function<uint64_t()> copies_dropped_;
    std::optional<session> session_;
    uint64_t next_id_ = 1;
};

} // namespace bridgehost
