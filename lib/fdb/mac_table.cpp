// MAC table: rte_hash (lock-free readers, one writer) plus an RCU-recycled entry array.
#include "fdb/mac_table.hpp"

#include <algorithm>
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

fdb_ref as_ref(void* value) {
    return fdb_ref::from_raw(reinterpret_cast<uintptr_t>(value));
}
void* as_value(fdb_ref ref) {
    return reinterpret_cast<void*>(uintptr_t(ref.raw()));
}
static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "fdb_ref travels as the hash's void* value");

// rte_hash compares keys of lengths it has no special case for with memcmp,
// through the PLT; the FDB key is one word.
int key_equal(const void* a, const void* b, size_t /*len*/) {
    fdb_key x, y;
    std::memcpy(&x, a, sizeof(x));
    std::memcpy(&y, b, sizeof(y));
    return x != y;
}

std::runtime_error dpdk_error(const std::string& what) {
    return std::runtime_error(what + ": " + rte_strerror(rte_errno));
}

} // namespace

mac_table::mac_table(const params& p) : capacity_(p.capacity) {
    rte_hash_parameters hp{};
    hp.name = p.name.c_str();
    hp.entries = p.capacity + std::min(p.capacity, kEvictionReserve);
    hp.key_len = sizeof(fdb_key);
    hp.hash_func = hash_func;
    hp.hash_func_init_val = kFdbHashSeed;
    hp.socket_id = p.socket_id;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    hash_ = rte_hash_create(&hp);
    if (hash_ == nullptr)
        throw dpdk_error("FDB: cannot create a hash of " + std::to_string(hp.entries) + " entries");

    rte_hash_set_cmp_func(hash_, key_equal);

    // One slot more than the hash has key slots: every live or not-yet-reclaimed
    // key holds one slot, so there is always a free slot to try an insert with;
    // the hash then reclaims its defer queue, which hands slots back via recycle().
    const size_t slots = size_t(hp.entries) + 1;
    last_seen_ = static_cast<std::atomic<fdb_time>*>(rte_zmalloc_socket(
        "fdb_last_seen", slots * sizeof(fdb_time), RTE_CACHE_LINE_SIZE, p.socket_id));
    if (last_seen_ == nullptr) {
        rte_hash_free(hash_);
        throw dpdk_error("FDB: cannot allocate " + std::to_string(slots) + " entries");
    }
    meta_.resize(slots);
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
        rte_free(last_seen_);
        throw dpdk_error("FDB: cannot attach RCU to the hash");
    }
}

mac_table::~mac_table() {
    // rte_hash_free reclaims the defer queue, which calls recycle(): keep the slots until after.
    rte_hash_free(hash_);
    rte_free(last_seen_);
}

void mac_table::recycle(void* self, void* value) {
    static_cast<mac_table*>(self)->free_.push_back(as_ref(value).slot());
}

uint64_t mac_table::lookup_bulk(const void** keys, const uint32_t* sigs, unsigned n,
                                fdb_ref* refs) const {
    static_assert(sizeof(fdb_ref) == sizeof(void*));
    uint64_t hits = 0;
    // fdb_ref is a uint64_t the size of the hash's void* values: let the hash write them in place.
    rte_hash_lookup_with_hash_bulk_data(hash_, keys, const_cast<uint32_t*>(sigs), n, &hits,
                                        reinterpret_cast<void**>(refs));
    return hits;
}

std::optional<fdb_ref> mac_table::lookup(fdb_key key) const {
    return find(key, fdb_hash(key));
}

std::optional<fdb_ref> mac_table::find(fdb_key key, uint32_t sig) const {
    void* value = nullptr;
    if (rte_hash_lookup_with_hash_data(hash_, &key, sig, &value) < 0)
        return std::nullopt;
    return as_ref(value);
}

bool mac_table::insert(fdb_key key, uint32_t sig, uint16_t port, bool is_static, fdb_time now) {
    if (free_.empty())
        return false; // unreachable by the sizing argument in the constructor
    const uint32_t slot = free_.back();
    free_.pop_back();
    last_seen_[slot].store(now, std::memory_order_relaxed);
    // rte_hash publishes the value with release semantics, so a reader that
    // finds the key also sees last_seen written above.
    if (rte_hash_add_key_with_hash_data(hash_, &key, sig,
                                        as_value(fdb_ref(slot, port, is_static))) != 0) {
        free_.push_back(slot);
        return false;
    }
    meta_[slot] = {key, port, is_static, true};
    if (!is_static)
        link(slot);
    ++live_;
    return true;
}

bool mac_table::update(fdb_ref ref, uint32_t sig, uint16_t port, bool is_static, fdb_time now) {
    slot_meta& m = meta_[ref.slot()];
    last_seen_[ref.slot()].store(now, std::memory_order_relaxed);
    if (m.port == port && m.is_static == is_static)
        return true;
    // An existing key: rte_hash swaps the value in one atomic store; the slot stays.
    if (rte_hash_add_key_with_hash_data(hash_, &m.key, sig,
                                        as_value(fdb_ref(ref.slot(), port, is_static))) != 0)
        return false;
    changed();
    if (!m.is_static)
        unlink(ref.slot());
    m.port = port;
    m.is_static = is_static;
    if (!is_static)
        link(ref.slot());
    return true;
}

bool mac_table::erase(uint32_t slot, uint32_t sig) {
    slot_meta& m = meta_[slot];
    // The slot comes back through recycle() once the readers are quiescent.
    if (rte_hash_del_key_with_hash(hash_, &m.key, sig) < 0)
        return false;
    changed();
    if (!m.is_static)
        unlink(slot);
    m.live = false;
    --live_;
    return true;
}

void mac_table::link(uint32_t slot) {
    slot_meta& m = meta_[slot];
    port_entries& list = entries_of(m.port);
    m.older = list.newest;
    m.newer = kNoSlot;
    (list.newest != kNoSlot ? meta_[list.newest].newer : list.oldest) = slot;
    list.newest = slot;
    ++list.count;
}

void mac_table::unlink(uint32_t slot) {
    slot_meta& m = meta_[slot];
    port_entries& list = entries_of(m.port);
    (m.older != kNoSlot ? meta_[m.older].newer : list.oldest) = m.newer;
    (m.newer != kNoSlot ? meta_[m.newer].older : list.newest) = m.older;
    m.older = m.newer = kNoSlot;
    --list.count;
}

mac_table::port_entries& mac_table::entries_of(uint16_t port) {
    if (port >= ports_.size())
        ports_.resize(size_t(port) + 1);
    return ports_[port];
}

void mac_table::set_port_limit(uint16_t port, port_mac_limit limit) {
    entries_of(port).limit = limit;
}

port_mac_limit mac_table::port_limit(uint16_t port) const {
    return port < ports_.size() ? ports_[port].limit : port_mac_limit{};
}

uint32_t mac_table::port_count(uint16_t port) const {
    return port < ports_.size() ? ports_[port].count : 0;
}

void mac_table::evict(uint32_t victim, eviction why, learn_detail* detail) {
    const slot_meta m = meta_[victim];
    if (!erase(victim, fdb_hash(m.key)) || detail == nullptr)
        return;
    detail->evicted_by = why;
    detail->evicted_key = m.key;
    detail->evicted_port = m.port;
}

bool mac_table::choose_victim(uint16_t port, bool new_key, uint32_t& victim, eviction& why,
                              learn_result& refused) {
    const port_entries& own = entries_of(port);
    if (own.limit.max_macs != 0 && own.count >= own.limit.max_macs) {
        // One out for one in: the table's total does not grow either.
        if (own.limit.action == mac_limit_action::evict_oldest && own.oldest != kNoSlot) {
            victim = own.oldest;
            why = eviction::port_limit;
            return true;
        }
        refused = learn_result::limit_refused;
        return false;
    }
    if (!new_key || live_ < capacity_)
        return true;
    // Full: take from the port with the most dynamic entries, this one on a tie.
    uint16_t biggest = port;
    for (uint16_t p = 0; p < ports_.size(); ++p)
        if (ports_[p].count > ports_[biggest].count)
            biggest = p;
    victim = ports_[biggest].oldest;
    why = eviction::table_full;
    if (victim != kNoSlot)
        return true;
    refused = learn_result::table_full; // every entry is static
    return false;
}

learn_result mac_table::learn(fdb_key key, uint16_t port, fdb_time now, learn_detail* detail) {
    const uint32_t sig = fdb_hash(key);
    const std::optional<fdb_ref> found = find(key, sig);
    learn_result refused = learn_result::table_full;
    uint32_t victim = kNoSlot;
    eviction why = eviction::none;
    if (!found) {
        if (!choose_victim(port, true, victim, why, refused))
            return refused;
        // In before the victim goes out (the hash has room beyond capacity):
        // when no key slot can be had, the victim stays.
        if (!insert(key, sig, port, false, now))
            return learn_result::deferred;
        if (victim != kNoSlot)
            evict(victim, why, detail);
        return learn_result::learned;
    }
    if (found->port() == port) {
        last_seen_[found->slot()].store(now, std::memory_order_relaxed);
        return learn_result::refreshed;
    }
    if (detail != nullptr)
        detail->previous_port = found->port();
    if (found->is_static())
        return learn_result::static_kept;
    if (!choose_victim(port, false, victim, why, refused)) {
        // The station has left its old port: an entry there would misdirect
        // its frames, and flooding reaches it wherever it is.
        erase(found->slot(), sig);
        return refused;
    }
    if (victim != kNoSlot)
        evict(victim, why, detail);
    update(*found, sig, port, false, now);
    return learn_result::moved;
}

bool mac_table::add_static(fdb_key key, uint16_t port, fdb_time now) {
    const uint32_t sig = fdb_hash(key);
    if (const std::optional<fdb_ref> found = find(key, sig))
        return update(*found, sig, port, true, now);
    return live_ < capacity_ && insert(key, sig, port, true, now);
}

bool mac_table::remove(fdb_key key) {
    const uint32_t sig = fdb_hash(key);
    const std::optional<fdb_ref> found = find(key, sig);
    return found && erase(found->slot(), sig);
}

unsigned mac_table::age(fdb_time now, unsigned budget) {
    if (aging_seconds_ == 0)
        return 0;
    unsigned removed = 0;
    const uint32_t nslots = slots();
    for (unsigned examined = 0; examined < budget && examined < nslots; ++examined) {
        const uint32_t slot = age_cursor_;
        age_cursor_ = age_cursor_ + 1 == nslots ? 0 : age_cursor_ + 1;
        const slot_meta& m = meta_[slot];
        if (!m.live || m.is_static)
            continue;
        const fdb_time seen = last_seen_[slot].load(std::memory_order_relaxed);
        // Signed difference: a worker may have stored a newer tick than `now`.
        if (int32_t(now - seen) >= int32_t(aging_seconds_) && erase(slot, fdb_hash(m.key)))
            ++removed;
    }
    return removed;
}

unsigned mac_table::flush_port(uint16_t port) {
    unsigned removed = 0;
    // The port's list holds exactly its dynamic entries.
    while (port < ports_.size() && ports_[port].oldest != kNoSlot) {
        const uint32_t slot = ports_[port].oldest;
        if (!erase(slot, fdb_hash(meta_[slot].key)))
            break;
        ++removed;
    }
    return removed;
}

unsigned mac_table::remap_ports(const std::vector<int>& to) {
    unsigned removed = 0;
    for (uint32_t slot = 0; slot < slots(); ++slot) {
        slot_meta& m = meta_[slot];
        if (!m.live)
            continue;
        const int port = m.port < to.size() ? to[m.port] : -1;
        const uint32_t sig = fdb_hash(m.key);
        if (port < 0) {
            removed += erase(slot, sig);
        } else if (uint16_t(port) != m.port &&
                   rte_hash_add_key_with_hash_data(
                       hash_, &m.key, sig,
                       as_value(fdb_ref(slot, uint16_t(port), m.is_static))) == 0) {
            m.port = uint16_t(port); // its place in its port's list stays
            changed();
        }
    }
    // The lists (and limits) follow their ports; removed ports' lists are empty now.
    std::vector<port_entries> lists;
    for (size_t p = 0; p < ports_.size() && p < to.size(); ++p)
        if (to[p] >= 0) {
            if (size_t(to[p]) >= lists.size())
                lists.resize(size_t(to[p]) + 1);
            lists[size_t(to[p])] = ports_[p];
        }
    ports_ = std::move(lists);
    return removed;
}

std::vector<fdb_record> mac_table::records() const {
    std::vector<fdb_record> out;
    out.reserve(live_);
    for (uint32_t slot = 0; slot < slots(); ++slot) {
        const slot_meta& m = meta_[slot];
        if (m.live)
            out.push_back({key_mac(m.key), key_vlan(m.key), m.port, m.is_static,
                           last_seen_[slot].load(std::memory_order_relaxed)});
    }
    return out;
}

} // namespace bridgehost
