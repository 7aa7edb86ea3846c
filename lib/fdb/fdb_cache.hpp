// A worker's private cache in front of the FDB: what rte_hash said about a
// key, valid for one generation.
//
// Why: a bulk rte_hash lookup costs about 30 cycles a key even when the table
// fits in L1 (signature compare, key compare through a function pointer, the
// lock-free version counter), and a frame needs two (destination and source).
// A hit here is one cache line and four key compares.
//
// Correctness (the cache never says what the FDB would not have said at the
// start of the burst):
//  - An entry is valid only in the generation it was filled in. The worker
//    starts a new generation whenever the coarse clock ticks or the table's
//    epoch changes; the control lcore bumps the epoch after every removal,
//    move or re-pin (mac_table::epoch), so a cached port is never older than
//    the last burst that began after the change.
//  - Only hits are cached: a new MAC is looked up in the table until it is
//    learned, so learning from the first burst is unchanged.
//  - A source is "verified" only once it has been looked up in the table,
//    found on the port it came in on, and its last_seen refreshed in this
//    generation (hence in this tick): a verified source needs no lookup and
//    no refresh until the clock ticks. A source the cache holds for another
//    port is a move and is posted at once, as a table lookup would.
//  - The cache holds no slot: nothing a worker writes is reached through it.
//
// Layout: 4-way sets of 16-byte entries, one 64-byte line per set, indexed by
// the FDB hash the worker computes anyway, newest entry first.
// Pure logic, no DPDK: unit-tested on its own.
#pragma once

#include "fdb/fdb_key.hpp"

#include <cstdint>
#include <cstring>
#include <memory>

namespace bridgehost {

class fdb_cache {
  public:
    static constexpr unsigned kWays = 4;

    /// What the cache knows about a key in the current generation.
    struct entry {
        fdb_key key;
        uint32_t gen;      ///< 0 never matches: the generation starts at 1
        uint16_t port;     ///< where the FDB has it
        uint8_t is_static; ///< a static entry (sources on it are never learned)
        uint8_t verified;  ///< seen as a source on `port` and refreshed this generation
    };
    static_assert(sizeof(entry) == 16);

    /// `entries`: a power of two from kWays, or 0 for no cache.
    explicit fdb_cache(uint32_t entries = 0) { resize(entries); }

    void resize(uint32_t entries) {
        const uint32_t sets = entries / kWays;
        sets_.reset(sets != 0 ? new set[sets] : nullptr);
        mask_ = sets != 0 ? sets - 1 : 0;
        nsets_ = sets;
        clear();
    }
    bool enabled() const { return nsets_ != 0; }
    uint32_t entries() const { return nsets_ * kWays; }
    uint32_t generation() const { return gen_; }

    /// Once per burst: the clock's tick and the table's epoch. A change of
    /// either starts a new generation, and every entry goes stale. Returns
    /// whether this burst should use the cache (probing()).
    bool begin_burst(fdb_time tick, uint32_t epoch) {
        ++bursts_;
        if (tick != tick_) [[unlikely]]
            judge();
        if (tick != tick_ || epoch != epoch_) [[unlikely]] {
            tick_ = tick;
            epoch_ = epoch;
            if (++gen_ == 0) // after 2^32 generations an old entry could match again
                clear();
        }
        return probing();
    }
    /// Whether this burst looks keys up in the cache (and fills it). A cache
    /// that answered under a quarter of the keys it was asked in a second
    /// (a worker seeing far more MACs than it holds: each probe and fill is
    /// a line more than the table's own) is skipped the next second, but
    /// for one burst in kSampleEvery, whose answers decide the second after.
    bool probing() const { return !bypass_ || bursts_ % kSampleEvery == 0; }
    /// What a burst that probed found: `hits` of `keys`.
    void note(unsigned hits, unsigned keys) {
        hits_ += hits;
        probes_ += keys;
    }
    static constexpr unsigned kSampleEvery = 16;
    static constexpr uint64_t kMinProbes = 4096; ///< fewer in a second: no verdict, keep probing
    /// Every entry stale now (ports were renumbered, a test's own reasons).
    void invalidate() {
        if (++gen_ == 0)
            clear();
    }

    /// The key's entry in this generation, or null.
    const entry* find(fdb_key key, uint32_t sig) const {
        const set& s = sets_[sig & mask_];
        for (const entry& e : s.way)
            if (e.key == key && e.gen == gen_)
                return &e;
        return nullptr;
    }

    /// Starts loading the key's set (the lookups of a burst overlap their misses).
    void prefetch(uint32_t sig) const { __builtin_prefetch(&sets_[sig & mask_]); }

    /// The table has `key` on `port`; `verified`: as a source that came in there.
    /// A set is kept newest first: the key's own entry, or else the first
    /// stale one, or else the last (the oldest), makes room at the front.
    void fill(fdb_key key, uint32_t sig, uint16_t port, bool is_static, bool verified) {
        set& s = sets_[sig & mask_];
        unsigned w = 0;
        while (w < kWays - 1 && s.way[w].gen == gen_ && s.way[w].key != key)
            ++w;
        std::memmove(&s.way[1], &s.way[0], sizeof(entry) * w);
        s.way[0] = entry{key, gen_, port, uint8_t(is_static), uint8_t(verified)};
    }

  private:
    /// Once a second: bypass the cache for the next second if it hit under a quarter.
    void judge() {
        bypass_ = probes_ >= kMinProbes && hits_ * 4 < probes_;
        hits_ = probes_ = 0;
    }

    struct alignas(64) set {
        entry way[kWays];
    };
    static_assert(sizeof(set) == 64);

    void clear() {
        if (nsets_ != 0)
            std::memset(static_cast<void*>(sets_.get()), 0, sizeof(set) * nsets_);
        gen_ = 1;
    }

    std::unique_ptr<set[]> sets_;
    uint32_t mask_ = 0, nsets_ = 0;
    uint32_t gen_ = 1;
    fdb_time tick_ = UINT32_MAX;
    uint32_t epoch_ = UINT32_MAX;
    uint64_t bursts_ = 0, hits_ = 0, probes_ = 0;
    bool bypass_ = false;
};

} // namespace bridgehost
