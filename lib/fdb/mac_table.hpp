// The MAC table (FDB): a lock-free rte_hash from {vlan, mac} to a packed fdb_ref.
//
// Design (thread safety first):
//  - Readers are the worker lcores. They call lookup_bulk(), which hands back
//    the hash's 8-byte value: an fdb_ref packing the port, the static flag and
//    the entry's slot. A destination lookup therefore touches only the hash;
//    the one other array a worker reads or writes is last_seen[slot], and only
//    for sources, with a relaxed store when the coarse clock has ticked.
//  - There is exactly one writer: the control lcore. learn(), add_static(),
//    remove(), flush_port() and age() must only be called from it. It keeps
//    its own copy of every slot (key, port, flags) for aging and dumps.
//  - The hash is created with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF and
//    EXT_TABLE (so `capacity` entries always fit, whatever their hashes), and
//    bound to an rte_rcu_qsbr variable in defer-queue mode. A deleted key, and
//    the slot packed in its value, are recycled only after every registered
//    reader has reported quiescence: a worker that looked a key up just before
//    it aged out still refreshes a slot nobody else owns yet.
//  - A move (same MAC, new port) re-adds the key with a new value; rte_hash
//    replaces the value of an existing key with one atomic store, and the slot
//    stays, so readers see the old or the new port, never a missing key.
//  - Aging walks the slot array, a bounded number of slots per call, so its
//    cost does not depend on how sparse the table is.
//  - Time (`now`, seconds) is always passed in, so tests need no clock.
//
// Limits and eviction (control lcore only; the readers' side is untouched):
//  - Each port keeps its dynamic entries on an intrusive list threaded
//    through the slots, in learn order: "oldest" means first learned on that
//    port (a move counts as a new learn on the new port), not least recently
//    seen. last_seen is refreshed by the workers with a relaxed store the
//    control lcore does not hear about, so a true LRU would cost a scan;
//    learn order costs two indexes per slot and makes every eviction O(1).
//  - A port at its max_macs refuses a new MAC (limit_refused) or evicts its
//    oldest dynamic entry first (learned; evicted_by says why), as the
//    port's mac_limit_action says. A move onto such a port counts as a new
//    MAC there; when refused, the stale entry on the old port is removed too
//    (frames to the MAC flood until it is heard on a port with room).
//  - When the table holds `capacity` entries, a new MAC evicts the oldest
//    dynamic entry of the port with the most dynamic entries (OVS's policy:
//    a flood of random source MACs on one port only churns that port's
//    entries). Finding that port costs one pass over the ports (at most 32).
//    Static entries are never evicted: with nothing evictable the MAC is
//    refused (table_full) and its frames are still flooded.
//  - An evicted key goes the way of every deleted one (RCU-deferred). So
//    that an eviction's insert does not wait for the readers, the hash has
//    up to kEvictionReserve key slots more than `capacity`; size() never
//    exceeds capacity() between calls. The new key goes in before the victim
//    goes out: when no key slot can be had (deletions outran the readers) the
//    result is `deferred`, nothing was lost, and the caller tries again later.
#pragma once

#include "fdb/fdb_key.hpp"
#include "config/mac_limit.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct rte_hash;
struct rte_rcu_qsbr;

namespace bridgehost {

/// A lookup's answer, packed in the 8-byte value rte_hash stores for the key:
/// bits 0..15 the port index, bit 16 static, bits 32..63 the slot.
class fdb_ref {
  public:
    constexpr fdb_ref() = default;
    constexpr fdb_ref(uint32_t slot, uint16_t port, bool is_static)
        : raw_(uint64_t(slot) << 32 | uint64_t(is_static) << 16 | port) {}
    static constexpr fdb_ref from_raw(uint64_t raw) {
        fdb_ref r;
        r.raw_ = raw;
        return r;
    }
    constexpr uint64_t raw() const { return raw_; }
    constexpr uint16_t port() const { return uint16_t(raw_); }
    constexpr bool is_static() const { return (raw_ >> 16) & 1; }
    constexpr uint32_t slot() const { return uint32_t(raw_ >> 32); }

  private:
    uint64_t raw_ = 0;
};

enum class learn_result : uint8_t {
    learned,       ///< a new dynamic entry
    moved,         ///< a dynamic entry changed port
    refreshed,     ///< already there on that port; last_seen updated
    static_kept,   ///< a static entry is elsewhere; not moved
    table_full,    ///< no room and no dynamic entry to evict; nothing changed
    limit_refused, ///< the port is at its max_macs (refuse): not learned there
    deferred,      ///< no key slot until the readers are quiescent; nothing changed, retry
};

/// Why learn() removed another entry to make room.
enum class eviction : uint8_t {
    none,
    port_limit, ///< the port was at its max_macs (evict_oldest): its oldest went
    table_full, ///< the table was full: the biggest port's oldest went
};

/// What learn() did besides its result.
struct learn_detail {
    uint16_t previous_port = 0; ///< moved, static_kept, limit_refused of a move: where it was
    eviction evicted_by = eviction::none;
    fdb_key evicted_key = 0;   ///< with evicted_by: the entry removed
    uint16_t evicted_port = 0; ///< and the port it was on
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
    /// returned mask is set when keys[i] was found; then refs[i] is its entry.
    static constexpr unsigned kMaxBulk = 64;
    /// `keys` point at fdb_key values (rte_hash's own signature).
    uint64_t lookup_bulk(const void** keys, const uint32_t* sigs, unsigned n, fdb_ref* refs) const;
    /// One key; nullopt when absent.
    std::optional<fdb_ref> lookup(fdb_key key) const;

    /// When the MAC in `slot` was last seen.
    fdb_time last_seen(uint32_t slot) const {
        return last_seen_[slot].load(std::memory_order_relaxed);
    }
    /// Worker side: a store without a look first, for a worker that knows it
    /// has not stored `now` there yet (a miss on a large table costs a line
    /// from memory; a store waits for nothing).
    void touch(uint32_t slot, fdb_time now) const {
        last_seen_[slot].store(now, std::memory_order_relaxed);
    }

    /// Bumped (release) after every change that can make an answer a reader
    /// kept stale: a removal (aging, flush, eviction, remove), a move, a
    /// re-pin, a renumbering. New keys do not bump it: nobody keeps a miss.
    /// Workers read it once per burst (fdb_cache).
    uint32_t epoch() const { return epoch_.load(std::memory_order_acquire); }

    // --- Learning (control lcore only) -------------------------------------

    /// Learns, moves or refreshes `key` on `port`, within the limits above.
    /// `detail` (when given) says where a moved entry was and what was evicted.
    learn_result learn(fdb_key key, uint16_t port, fdb_time now, learn_detail* detail = nullptr);
    /// Pins key to port; replaces a dynamic entry. False when the table is full.
    bool add_static(fdb_key key, uint16_t port, fdb_time now);
    /// Removes the key (static or dynamic). False when absent.
    bool remove(fdb_key key);

    // --- Limits (control lcore only) -----------------------------------------

    /// Key slots the hash has beyond `capacity` (this many, or `capacity` if
    /// fewer): room for the deletions and evictions made since the readers
    /// were last all quiescent (the bridge applies at most 4096 learn events
    /// a pass). Beyond that an insert finds no key slot: learn() says
    /// `deferred` until the readers catch up.
    static constexpr uint32_t kEvictionReserve = 4096;

    /// Port `port`'s cap on dynamic entries. A lower limit does not remove
    /// entries already learned; the port takes no more until it is below it
    /// (refuse), or takes one for one (evict_oldest).
    void set_port_limit(uint16_t port, port_mac_limit limit);
    port_mac_limit port_limit(uint16_t port) const;
    /// Dynamic entries on `port`.
    uint32_t port_count(uint16_t port) const;

    // --- Aging and flushing (control lcore only) ---------------------------

    void set_aging(fdb_time aging_seconds) { aging_seconds_ = aging_seconds; }
    /// Examines up to `budget` slots from where the last call stopped and
    /// removes dynamic entries not seen for the aging time. Returns how many it removed.
    unsigned age(fdb_time now, unsigned budget);
    /// Slots in the table: a full aging pass examines this many.
    uint32_t slots() const { return uint32_t(meta_.size()); }
    /// Removes every dynamic entry on `port`. Returns how many.
    unsigned flush_port(uint16_t port);
    /// Ports were renumbered: an entry on port p moves to to[p], or is removed
    /// (static or not) when to[p] is -1; each port's limit and learn order
    /// follow it, a new port starts with no limit. Returns the entries removed.
    unsigned remap_ports(const std::vector<int>& to);

    // --- Introspection (control lcore) -------------------------------------

    /// Live entries (rte_hash_count would include deleted ones awaiting reclamation).
    uint32_t size() const { return live_; }
    uint32_t capacity() const { return capacity_; }
    /// Every entry, in table order.
    std::vector<fdb_record> records() const;

  private:
    static constexpr uint32_t kNoSlot = UINT32_MAX;

    /// The control lcore's view of a slot.
    struct slot_meta {
        fdb_key key = 0;
        uint16_t port = 0;
        bool is_static = false;
        bool live = false;
        uint32_t older = kNoSlot; ///< dynamic: the previous entry learned on the port
        uint32_t newer = kNoSlot; ///< dynamic: the next entry learned on the port
    };
    /// A port's dynamic entries, oldest first, and its limit.
    struct port_entries {
        uint32_t oldest = kNoSlot; ///< slot of the first learned
        uint32_t newest = kNoSlot; ///< slot of the last learned
        uint32_t count = 0;        ///< dynamic entries on the port
        port_mac_limit limit;
    };

    static void recycle(void* self, void* value);
    std::optional<fdb_ref> find(fdb_key key, uint32_t sig) const;
    bool insert(fdb_key key, uint32_t sig, uint16_t port, bool is_static, fdb_time now);
    bool update(fdb_ref ref, uint32_t sig, uint16_t port, bool is_static, fdb_time now);
    bool erase(uint32_t slot, uint32_t sig);
    /// Appends a dynamic slot to its port's list / takes it off.
    void link(uint32_t slot);
    void unlink(uint32_t slot);
    port_entries& entries_of(uint16_t port);
    /// Which entry, if any, must go for `port` to take one more dynamic entry
    /// (a new key, or a move). False, with the result to return, when none may.
    bool choose_victim(uint16_t port, bool new_key, uint32_t& victim, eviction& why,
                       learn_result& refused);
    /// Removes the entry in `victim`, noting it in `detail`.
    void evict(uint32_t victim, eviction why, learn_detail* detail);

    void changed() { epoch_.fetch_add(1, std::memory_order_release); }

    /// On its own line: the control lcore writes it, every worker reads it.
    alignas(64) std::atomic<uint32_t> epoch_{0};
    alignas(64) rte_hash* hash_ = nullptr;
    mutable std::atomic<fdb_time>* last_seen_ = nullptr; ///< by slot; workers refresh it
    std::vector<slot_meta> meta_;                        ///< by slot; control lcore only
    std::vector<uint32_t> free_;                         ///< free slots; control lcore only
    uint32_t capacity_ = 0;
    uint32_t live_ = 0; ///< keys added and not deleted
    fdb_time aging_seconds_ = 0;
    uint32_t age_cursor_ = 0; ///< next slot the aging scan examines
    std::vector<port_entries> ports_; ///< by port index; grows to the highest port seen
};

} // namespace bridgehost
