// The MAC table (FDB): a lock-free rte_hash from {vlan, mac} to an entry index.
//
// Design (thread safety first):
//  - Readers are the worker lcores. They call lookup_bulk() and read entry()
//    fields with relaxed loads; they never add or delete keys. The one write a
//    worker makes is refresh(): a relaxed store of last_seen, done only when the
//    coarse clock has ticked since the last store, so not per packet.
//  - There is exactly one writer: the control lcore. learn(), add_static(),
//    remove(), flush_port() and age() must only be called from it.
//  - The hash is created with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF and
//    EXT_TABLE (so `capacity` entries always fit, whatever their hashes), and
//    bound to an rte_rcu_qsbr variable in defer-queue mode. A deleted key, and
//    the entry index stored as its value, are recycled only after every
//    registered reader has reported quiescence: a worker that looked up a key
//    just before it aged out still reads a valid entry.
//  - A move (same MAC, new port) is an in-place relaxed store of the port; the
//    key never leaves the table, so readers see the old or the new port.
//  - Time (`now`, seconds) is always passed in, so tests need no clock.
//
// When the table is full a new MAC is refused (learn() returns table_full) and
// the frame is still forwarded (flooded); existing entries are never evicted.
#pragma once

#include "fdb/fdb_key.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct rte_hash;
struct rte_rcu_qsbr;

namespace bridgehost {

using fdb_time = uint32_t; ///< seconds on the control lcore's monotonic clock

enum fdb_flags : uint8_t {
    fdb_dynamic = 0,
    fdb_static = 1 << 0, ///< from the config: never ages, never moves
};

/// One learned or static MAC. 16 bytes, four to a cache line.
struct alignas(16) fdb_entry {
    fdb_key key;                     ///< copy of the hash key, for iteration and dumps
    std::atomic<fdb_time> last_seen; ///< refreshed by workers when the clock ticks
    std::atomic<uint16_t> port;      ///< port index (config order)
    std::atomic<uint8_t> flags;      ///< fdb_flags
};
static_assert(sizeof(fdb_entry) == 16);

enum class learn_result : uint8_t {
    learned,     ///< a new dynamic entry
    moved,       ///< a dynamic entry changed port
    refreshed,   ///< already there on that port; last_seen updated
    static_kept, ///< a static entry is elsewhere; not moved
    table_full,  ///< no room; nothing changed
};

/// A copy of an entry, for the control side and tests.
struct fdb_record {
    mac_address mac;
    uint16_t vlan;
    uint16_t port;
    bool is_static;
    fdb_time last_seen;
};

class mac_table {
  public:
    struct params {
        std::string name;  ///< unique among hashes in this process
        uint32_t capacity; ///< entries that always fit
        int socket_id;     ///< NUMA socket for the memory
        rte_rcu_qsbr* rcu; ///< readers' QSBR variable (the workers register on it)
    };

    /// Throws std::runtime_error with the DPDK reason if memory cannot be had.
    explicit mac_table(const params& p);
    ~mac_table();
    mac_table(const mac_table&) = delete;
    mac_table& operator=(const mac_table&) = delete;

    // --- Lookup (any lcore, lock-free) -------------------------------------

    /// Up to kMaxBulk keys with precomputed fdb_hash() signatures. Bit i of the
    /// returned mask is set when keys[i] was found; then index[i] is its entry.
    static constexpr unsigned kMaxBulk = 64;
    /// `keys` point at fdb_key values (rte_hash's own signature).
    uint64_t lookup_bulk(const void** keys, const uint32_t* sigs, unsigned n,
                         uint32_t* index) const;
    /// One key; nullopt when absent.
    std::optional<uint32_t> lookup(fdb_key key) const;
    const fdb_entry& entry(uint32_t index) const { return entries_[index]; }

    /// Worker side: note that the MAC was seen at `now`. A store only when the tick changed.
    void refresh(uint32_t index, fdb_time now) const {
        fdb_entry& e = entries_[index];
        if (e.last_seen.load(std::memory_order_relaxed) != now)
            e.last_seen.store(now, std::memory_order_relaxed);
    }

    // --- Learning (control lcore only) -------------------------------------

    learn_result learn(fdb_key key, uint16_t port, fdb_time now);
    /// Pins key to port; replaces a dynamic entry. False when the table is full.
    bool add_static(fdb_key key, uint16_t port, fdb_time now);
    /// Removes the key (static or dynamic). False when absent.
    bool remove(fdb_key key);

    // --- Aging and flushing (control lcore only) ---------------------------

    void set_aging(fdb_time aging_seconds) { aging_seconds_ = aging_seconds; }
    /// Examines up to `budget` entries from where the last call stopped and
    /// removes dynamic ones not seen for aging() seconds. Returns how many it removed.
    unsigned age(fdb_time now, unsigned budget);
    /// Removes every dynamic entry on `port`. Returns how many.
    unsigned flush_port(uint16_t port);

    // --- Introspection (control lcore) -------------------------------------

    /// Live entries (rte_hash_count would include deleted ones awaiting reclamation).
    uint32_t size() const { return live_; }
    uint32_t capacity() const { return capacity_; }
    /// Every entry, in table order.
    std::vector<fdb_record> records() const;

  private:
    static void recycle(void* self, void* value);
    std::optional<uint32_t> find(fdb_key key, uint32_t sig) const;
    bool insert(fdb_key key, uint32_t sig, uint16_t port, uint8_t flags, fdb_time now);
    bool erase(fdb_key key, uint32_t sig);
    template <class Pred> unsigned remove_if(Pred pred);

    rte_hash* hash_ = nullptr;
    fdb_entry* entries_ = nullptr; ///< capacity_ + 1 slots (see insert())
    std::vector<uint32_t> free_;   ///< free entry indices; control lcore only
    uint32_t capacity_ = 0;
    uint32_t live_ = 0; ///< keys added and not deleted
    fdb_time aging_seconds_ = 0;
    uint32_t age_cursor_ = 0; ///< rte_hash_iterate position of the aging scan
};

} // namespace bridgehost
