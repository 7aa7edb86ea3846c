// MAC table: rte_hash (lock-free readers, one writer) plus an RCU-recycled entry array.
#include "fdb/mac_table.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

namespace bridgehost {

namespace {

uint32_t hash_func(const void* key, uint32_t /*len*/, uint32_t /*init*/) {
    fdb_key k;
    std::memcpy(&k, key, sizeof(k));
    return fdb_hash(k);
}

uint32_t as_index(void* value) {
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(value));
}
void* as_value(uint32_t index) {
    return reinterpret_cast<void*>(uintptr_t(index));
}

std::runtime_error dpdk_error(const std::string& what) {
    return std::runtime_error(what + ": " + rte_strerror(rte_errno));
}

} // namespace

mac_table::mac_table(const params& p) : capacity_(p.capacity) {
    rte_hash_parameters hp{};
    hp.name = p.name.c_str();
    hp.entries = p.capacity;
    hp.key_len = sizeof(fdb_key);
    hp.hash_func = hash_func;
    hp.hash_func_init_val = kFdbHashSeed;
    hp.socket_id = p.socket_id;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    hash_ = rte_hash_create(&hp);
    if (hash_ == nullptr)
        throw dpdk_error("FDB: cannot create a hash of " + std::to_string(p.capacity) + " entries");

    // One index more than the hash has key slots: every live or not-yet-reclaimed
    // key holds one index, so there is always a free index to try an insert with;
    // the hash then reclaims its defer queue, which hands indices back via recycle().
    const size_t slots = size_t(capacity_) + 1;
    entries_ = static_cast<fdb_entry*>(rte_zmalloc_socket("fdb_entries", slots * sizeof(fdb_entry),
                                                          RTE_CACHE_LINE_SIZE, p.socket_id));
    if (entries_ == nullptr) {
        rte_hash_free(hash_);
        throw dpdk_error("FDB: cannot allocate " + std::to_string(slots) + " entries");
    }
    free_.reserve(slots);
    for (size_t i = slots; i-- > 0;)
        free_.push_back(uint32_t(i));

    rte_hash_rcu_config rc{};
    rc.v = p.rcu;
    rc.mode = RTE_HASH_QSBR_MODE_DQ;
    rc.key_data_ptr = this;
    rc.free_key_data_func = &mac_table::recycle;
    if (rte_hash_rcu_qsbr_add(hash_, &rc) != 0) {
        rte_hash_free(hash_);
        rte_free(entries_);
        throw dpdk_error("FDB: cannot attach RCU to the hash");
    }
}

mac_table::~mac_table() {
    // rte_hash_free reclaims the defer queue, which calls recycle(): keep entries_ until after.
    rte_hash_free(hash_);
    rte_free(entries_);
}

void mac_table::recycle(void* self, void* value) {
    static_cast<mac_table*>(self)->free_.push_back(as_index(value));
}

uint64_t mac_table::lookup_bulk(const void** keys, const uint32_t* sigs, unsigned n,
                                uint32_t* index) const {
    void* values[kMaxBulk];
    uint64_t hits = 0;
    rte_hash_lookup_with_hash_bulk_data(hash_, keys, const_cast<uint32_t*>(sigs), n, &hits, values);
    for (unsigned i = 0; i < n; ++i)
        index[i] = as_index(values[i]);
    return hits;
}

std::optional<uint32_t> mac_table::lookup(fdb_key key) const {
    return find(key, fdb_hash(key));
}

std::optional<uint32_t> mac_table::find(fdb_key key, uint32_t sig) const {
    void* value = nullptr;
    if (rte_hash_lookup_with_hash_data(hash_, &key, sig, &value) < 0)
        return std::nullopt;
    return as_index(value);
}

bool mac_table::insert(fdb_key key, uint32_t sig, uint16_t port, uint8_t flags, fdb_time now) {
    if (free_.empty())
        return false; // unreachable by the sizing argument in the constructor
    const uint32_t index = free_.back();
    free_.pop_back();
    fdb_entry& e = entries_[index];
    e.key = key;
    e.last_seen.store(now, std::memory_order_relaxed);
    e.port.store(port, std::memory_order_relaxed);
    e.flags.store(flags, std::memory_order_relaxed);
    // rte_hash publishes the value with release semantics before the key, so a
    // reader that finds the key also sees the entry written above.
    if (rte_hash_add_key_with_hash_data(hash_, &key, sig, as_value(index)) != 0) {
        free_.push_back(index);
        return false;
    }
    ++live_;
    return true;
}

bool mac_table::erase(fdb_key key, uint32_t sig) {
    // The entry index comes back through recycle() once the readers are quiescent.
    if (rte_hash_del_key_with_hash(hash_, &key, sig) < 0)
        return false;
    --live_;
    return true;
}

learn_result mac_table::learn(fdb_key key, uint16_t port, fdb_time now) {
    const uint32_t sig = fdb_hash(key);
    const std::optional<uint32_t> found = find(key, sig);
    if (!found)
        return insert(key, sig, port, fdb_dynamic, now) ? learn_result::learned
                                                        : learn_result::table_full;
    fdb_entry& e = entries_[*found];
    if (e.port.load(std::memory_order_relaxed) == port) {
        e.last_seen.store(now, std::memory_order_relaxed);
        return learn_result::refreshed;
    }
    if (e.flags.load(std::memory_order_relaxed) & fdb_static)
        return learn_result::static_kept;
    e.port.store(port, std::memory_order_relaxed);
    e.last_seen.store(now, std::memory_order_relaxed);
    return learn_result::moved;
}

bool mac_table::add_static(fdb_key key, uint16_t port, fdb_time now) {
    const uint32_t sig = fdb_hash(key);
    if (const std::optional<uint32_t> found = find(key, sig)) {
        fdb_entry& e = entries_[*found];
        e.port.store(port, std::memory_order_relaxed);
        e.flags.store(fdb_static, std::memory_order_relaxed);
        e.last_seen.store(now, std::memory_order_relaxed);
        return true;
    }
    return insert(key, sig, port, fdb_static, now);
}

bool mac_table::remove(fdb_key key) {
    return erase(key, fdb_hash(key));
}

unsigned mac_table::age(fdb_time now, unsigned budget) {
    if (aging_seconds_ == 0)
        return 0;
    unsigned removed = 0;
    for (unsigned examined = 0; examined < budget; ++examined) {
        const void* key = nullptr;
        void* value = nullptr;
        if (rte_hash_iterate(hash_, &key, &value, &age_cursor_) < 0) {
            age_cursor_ = 0; // a full pass is done; the next call starts over
            break;
        }
        const fdb_entry& e = entries_[as_index(value)];
        if (e.flags.load(std::memory_order_relaxed) & fdb_static)
            continue;
        const fdb_time seen = e.last_seen.load(std::memory_order_relaxed);
        // Signed difference: a worker may have stored a newer tick than `now`.
        if (int32_t(now - seen) >= int32_t(aging_seconds_)) {
            erase(e.key, fdb_hash(e.key));
            ++removed;
        }
    }
    return removed;
}

template <class Pred> unsigned mac_table::remove_if(Pred pred) {
    // Collect first: deleting while iterating can move keys between buckets.
    std::vector<fdb_key> doomed;
    const void* key = nullptr;
    void* value = nullptr;
    for (uint32_t it = 0; rte_hash_iterate(hash_, &key, &value, &it) >= 0;)
        if (pred(entries_[as_index(value)]))
            doomed.push_back(entries_[as_index(value)].key);
    for (fdb_key k : doomed)
        erase(k, fdb_hash(k));
    return unsigned(doomed.size());
}

unsigned mac_table::flush_port(uint16_t port) {
    return remove_if([port](const fdb_entry& e) {
        return !(e.flags.load(std::memory_order_relaxed) & fdb_static) &&
               e.port.load(std::memory_order_relaxed) == port;
    });
}

std::vector<fdb_record> mac_table::records() const {
    std::vector<fdb_record> out;
    const void* key = nullptr;
    void* value = nullptr;
    for (uint32_t it = 0; rte_hash_iterate(hash_, &key, &value, &it) >= 0;) {
        const fdb_entry& e = entries_[as_index(value)];
        out.push_back({key_mac(e.key), key_vlan(e.key), e.port.load(std::memory_order_relaxed),
                       (e.flags.load(std::memory_order_relaxed) & fdb_static) != 0,
                       e.last_seen.load(std::memory_order_relaxed)});
    }
    return out;
}

} // namespace bridgehost
