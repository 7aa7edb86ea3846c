// FDB micro-benchmarks (Google Benchmark): the worker's bulk lookup, learning through the
// learn ring and the control lcore, budgeted aging, and the table's memory at 1M entries.
// Everything goes through the product's public API; nothing here re-implements the table.
//
// Run pinned to one CPU, e.g. `taskset -c 1 build/bin/bench-fdb`. The EAL's lcore 0 is placed
// on the first CPU of the process's affinity mask, so taskset decides where it runs.
#include "control/control_plane.hpp"
#include "control/eal_session.hpp"
#include "datapath/learn_event.hpp"
#include "fdb/fdb_key.hpp"
#include "fdb/mac_table.hpp"

#include <benchmark/benchmark.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>

#include <malloc.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace bridgehost {
namespace {

constexpr fdb_time kT0 = 1000;             ///< the time every benchmark entry is learned at
constexpr fdb_time kAgingSeconds = 300;    ///< the product's default fdb.aging_seconds
constexpr unsigned kBulk = 64;             ///< keys per lookup_bulk call, as the worker does
constexpr size_t kMinProbeKeys = 1 << 16;  ///< probe sequence length for small tables
constexpr uint64_t kMissBase = 1ull << 40; ///< key numbers from here on are never in a table
constexpr uint64_t kKeySeed = 0x6268666462ull;
constexpr uint32_t kLearnCapacity = 2u << 20; ///< the learn benchmark's table
constexpr unsigned kWorkerBurst = 32;         ///< events per enqueue (workers.burst default)
constexpr unsigned kEventsPerPass = 256;      ///< events posted before each control drain
constexpr unsigned kLearnBudget = 4096;       ///< events per drain, as bridge.cpp's control pass
constexpr unsigned kAgeBudget = 4096;         ///< slots examined per mac_table::age call
constexpr double kLearnTarget = 2e6;          ///< new MACs per second
constexpr size_t kMemoryTarget = 128u << 20;  ///< bytes at 1M entries

static_assert(kBulk == mac_table::kMaxBulk, "the worker looks up 64 keys a call");
static_assert(kEventsPerPass < kLearnRingSize && kEventsPerPass % kWorkerBurst == 0);

rte_rcu_qsbr* g_rcu = nullptr;          ///< the tables' QSBR variable; this thread is reader 0
std::optional<double> g_learn_rate;     ///< new MACs/s of the last BM_Learn run
std::optional<size_t> g_memory_bytes;   ///< BM_Memory's measurement
std::optional<uint32_t> g_memory_count; ///< ... and its entry count

/// The i-th benchmark MAC as an FDB key. A counter-based generator with a fixed seed: odd
/// multiplies and xor-shifts modulo 2^46 are a bijection, so different i never give the same
/// MAC and the hit and miss sets are disjoint by construction. Bit 0 of the first byte is clear
/// (unicast) and bit 1 set (locally administered, so never all-zero).
fdb_key bench_key(uint64_t i) {
    constexpr uint64_t kMask = (uint64_t(1) << 46) - 1;
    uint64_t x = (i + kKeySeed) & kMask;
    x = (x * 0x9e3779b97f4a7c15ull) & kMask;
    x ^= x >> 23;
    x = (x * 0xd6e8feb86659fd93ull) & kMask;
    x ^= x >> 19;
    const uint64_t v = x << 2 | 0x2;
    uint8_t mac[6];
    for (unsigned b = 0; b < 6; ++b)
        mac[b] = uint8_t(v >> (8 * b));
    return make_fdb_key(mac);
}

std::vector<fdb_key> bench_keys(uint64_t first, size_t n) {
    std::vector<fdb_key> keys(n);
    for (size_t i = 0; i < n; ++i)
        keys[i] = bench_key(first + i);
    return keys;
}

uint16_t bench_port(size_t i) {
    return uint16_t(i & 3);
}

/// Lets deferred frees go: the only reader (this thread) reports a quiescent state.
void quiesce() {
    rte_rcu_qsbr_quiescent(g_rcu, 0);
}

double cycles_to_ns(double cycles) {
    return cycles * 1e9 / double(rte_get_tsc_hz());
}

uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

double g_timed_tsc_ns = 0; ///< wall time of every timed loop, from the TSC
double g_timed_cpu_ns = 0; ///< this thread's CPU time over the same spans

/// The TSC cycles of a timed loop without its paused parts. The counters are TSC based, so
/// they include any time the thread was not running; the thread's CPU time is summed over the
/// same spans so that main() can say when the CPU was shared.
class cycle_timer {
  public:
    cycle_timer() { resume(); }
    void pause() {
        cycles_ += rte_rdtsc() - tsc_;
        cpu_ns_ += thread_cpu_ns() - cpu_;
    }
    void resume() {
        cpu_ = thread_cpu_ns();
        tsc_ = rte_rdtsc();
    }
    /// Stops the timer for good and returns the cycles counted.
    uint64_t stop() {
        pause();
        g_timed_tsc_ns += cycles_to_ns(double(cycles_));
        g_timed_cpu_ns += double(cpu_ns_);
        return cycles_;
    }

  private:
    uint64_t tsc_ = 0, cpu_ = 0;
    uint64_t cycles_ = 0, cpu_ns_ = 0;
};

std::unique_ptr<mac_table> make_table(const char* name, uint32_t capacity) {
    auto table =
        std::make_unique<mac_table>(mac_table::params{name, capacity, int(rte_socket_id()), g_rcu});
    table->set_aging(kAgingSeconds);
    return table;
}

/// Learns keys[i] on bench_port(i) at kT0; every one must be new or already there.
void fill(mac_table& table, const std::vector<fdb_key>& keys) {
    for (size_t i = 0; i < keys.size(); ++i) {
        const learn_result r = table.learn(keys[i], bench_port(i), kT0);
        if (r != learn_result::learned && r != learn_result::refreshed)
            throw std::runtime_error("FDB refused entry " + std::to_string(i) + " of " +
                                     std::to_string(keys.size()));
    }
}

/// What a benchmark keeps between the calls Google Benchmark makes (one per iteration-count
/// trial): its table, built and filled once. Only one is alive at a time, so the DPDK heap
/// never holds two large tables.
class fixture {
  public:
    virtual ~fixture() = default;
};

std::unique_ptr<fixture> g_fixture;
std::string g_fixture_id;

void release_fixture() {
    // A table's destructor reclaims its defer queue: the reader must be quiescent first.
    quiesce();
    g_fixture.reset();
    g_fixture_id.clear();
}

template <class F, class... Args> F& fixture_for(const std::string& id, Args... args) {
    if (g_fixture_id != id) {
        release_fixture();
        g_fixture = std::make_unique<F>(args...);
        g_fixture_id = id;
    }
    return static_cast<F&>(*g_fixture);
}

// --- BM_Lookup ---------------------------------------------------------------

/// A full table of `entries` random MACs (capacity == entries) and two probe sequences:
/// its keys in shuffled order (repeated, reshuffled, up to kMinProbeKeys for small tables),
/// and as many keys that are not in it. Walking a sequence covers the whole table in random
/// order, so a 1M-entry table is not served from a cache-sized working set.
class lookup_fixture : public fixture {
  public:
    explicit lookup_fixture(uint32_t entries) : table(make_table("bb_look", entries)) {
        const std::vector<fdb_key> keys = bench_keys(0, entries);
        fill(*table, keys);
        const size_t probe_len = std::max<size_t>(entries, kMinProbeKeys);
        std::mt19937_64 rng(kKeySeed);
        std::vector<fdb_key> order = keys;
        while (hit_probe.size() < probe_len) {
            std::shuffle(order.begin(), order.end(), rng);
            hit_probe.insert(hit_probe.end(), order.begin(), order.end());
        }
        miss_probe = bench_keys(kMissBase, probe_len);
    }

    std::unique_ptr<mac_table> table;
    std::vector<fdb_key> hit_probe;
    std::vector<fdb_key> miss_probe;
};

/// One iteration is the worker's lookup of one bulk: 64 keys copied into its key array,
/// their fdb_hash() signatures computed, then one mac_table::lookup_bulk.
void bm_lookup(benchmark::State& state, uint32_t entries, bool hit) {
    lookup_fixture* f = nullptr;
    try {
        f = &fixture_for<lookup_fixture>("lookup/" + std::to_string(entries), entries);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const std::vector<fdb_key>& probe = hit ? f->hit_probe : f->miss_probe;
    const size_t bulks = probe.size() / kBulk;
    const uint64_t expected = hit ? ~uint64_t(0) : 0;

    fdb_key keys[kBulk];
    const void* key_ptrs[kBulk];
    uint32_t sigs[kBulk];
    fdb_ref refs[kBulk];
    for (unsigned i = 0; i < kBulk; ++i)
        key_ptrs[i] = &keys[i];

    size_t next = 0;
    uint64_t wrong = 0;
    cycle_timer timer;
    for (auto _ : state) {
        const fdb_key* src = &probe[next * kBulk];
        for (unsigned i = 0; i < kBulk; ++i) {
            keys[i] = src[i];
            sigs[i] = fdb_hash(keys[i]);
        }
        const uint64_t hits = f->table->lookup_bulk(key_ptrs, sigs, kBulk, refs);
        benchmark::DoNotOptimize(refs);
        wrong += hits != expected;
        if (++next == bulks)
            next = 0;
    }
    const uint64_t cycles = timer.stop();

    if (wrong != 0) {
        state.SkipWithError(hit ? "lookup_bulk missed keys that are in the table"
                                : "lookup_bulk found keys that are not in the table");
        return;
    }
    const double nkeys = double(state.iterations()) * kBulk;
    state.SetItemsProcessed(int64_t(nkeys));
    state.counters["cycles/key"] = double(cycles) / nkeys;
    state.counters["ns/key"] = cycles_to_ns(double(cycles) / nkeys);
}

// --- BM_Learn ----------------------------------------------------------------

/// The learn path as bridge.cpp builds it: one worker ring (single producer, single
/// consumer), a control_plane draining it into a table of kLearnCapacity, and kLearnCapacity
/// distinct MACs that are all new to each fresh table.
class learn_fixture : public fixture {
  public:
    learn_fixture() : keys(bench_keys(0, kLearnCapacity)) {
        ring_.reset(rte_ring_create_elem("bb_learn", sizeof(learn_event), kLearnRingSize,
                                         int(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ));
        if (!ring_)
            throw std::runtime_error("cannot create the learn ring");
        clear();
    }
    ~learn_fixture() override {
        quiesce();
        control.reset();
        table.reset();
    }

    /// A new empty table (and a control plane over it); MACs are posted from keys[0] again.
    void clear() {
        if (control)
            learned_before += control->counters().learned.get();
        quiesce();
        control.reset();
        table.reset();
        table = make_table("bb_learn", kLearnCapacity);
        control = std::make_unique<control_plane>(*table, std::vector<rte_ring*>{ring_.get()},
                                                  std::vector<std::string>{"p0", "p1"});
        next = 0;
    }
    rte_ring* ring() const { return ring_.get(); }
    uint64_t learned() const { return learned_before + control->counters().learned.get(); }

    const std::vector<fdb_key> keys;
    std::unique_ptr<mac_table> table;
    std::unique_ptr<control_plane> control;
    size_t next = 0; ///< keys[next] is the next MAC to post

  private:
    struct ring_free {
        void operator()(rte_ring* r) const { rte_ring_free(r); }
    };
    std::unique_ptr<rte_ring, ring_free> ring_;
    uint64_t learned_before = 0; ///< learned by control planes that clear() replaced
};

/// One iteration: the worker side posts kEventsPerPass new MACs in bursts of kWorkerBurst with
/// rte_ring_sp_enqueue_burst_elem, then the control side drains them with drain_learn_events.
/// Both run on this one CPU, so the ring's cache lines never move between cores.
void bm_learn(benchmark::State& state) {
    learn_fixture* f = nullptr;
    try {
        f = &fixture_for<learn_fixture>("learn");
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    learn_event events[kWorkerBurst];
    uint64_t posted = 0, drained = 0;
    const uint64_t learned_at_start = f->learned();
    cycle_timer timer;
    for (auto _ : state) {
        if (f->next + kEventsPerPass > f->keys.size()) { // the next pass would not fit
            state.PauseTiming();
            timer.pause();
            f->clear();
            timer.resume();
            state.ResumeTiming();
        }
        for (unsigned b = 0; b < kEventsPerPass; b += kWorkerBurst) {
            for (unsigned i = 0; i < kWorkerBurst; ++i, ++f->next)
                events[i] = learn_event{f->keys[f->next], bench_port(f->next), {0, 0, 0}};
            posted += rte_ring_sp_enqueue_burst_elem(f->ring(), events, sizeof(learn_event),
                                                     kWorkerBurst, nullptr);
        }
        drained += f->control->drain_learn_events(kT0, kLearnBudget);
    }
    const uint64_t cycles = timer.stop();

    const uint64_t learned = f->learned() - learned_at_start;
    if (posted != uint64_t(state.iterations()) * kEventsPerPass || drained != posted ||
        learned != posted) {
        state.SkipWithError("not every posted MAC was enqueued, drained and learned as new");
        return;
    }
    const double rate = double(learned) * double(rte_get_tsc_hz()) / double(cycles);
    g_learn_rate = rate;
    state.SetItemsProcessed(int64_t(learned));
    state.counters["learns_per_sec"] = rate;
    state.counters["cycles/learn"] = double(cycles) / double(learned);
}

// --- BM_Aging ----------------------------------------------------------------

/// A full table of `entries` MACs learned at kT0, aging after kAgingSeconds.
class aging_fixture : public fixture {
  public:
    explicit aging_fixture(uint32_t entries)
        : keys(bench_keys(0, entries)), table(make_table("bb_age", entries)) {
        fill(*table, keys);
    }

    const std::vector<fdb_key> keys;
    std::unique_ptr<mac_table> table;
    uint64_t examined_since_fill = 0; ///< slots the scan examined since the table was full
};

/// Cost per examined slot of mac_table::age(now, kAgeBudget) over a full table; each call
/// examines min(kAgeBudget, slots()) slots from where the last one stopped.
/// none_expire: `now` is one second after kT0, nothing is removed.
/// all_expire: `now` is kT0 + kAgingSeconds, so every live slot examined is removed. Once the
/// scan has examined slots() slots since the table was full (a whole pass), the table is
/// refilled with timing paused. Deleted slots are recycled through the RCU defer queue, so the
/// reader reports quiescence after every call, as the workers do after every poll pass.
void bm_aging(benchmark::State& state, uint32_t entries, bool expire) {
    aging_fixture* f = nullptr;
    try {
        f = &fixture_for<aging_fixture>(
            std::string(expire ? "aging/all/" : "aging/none/") + std::to_string(entries), entries);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const fdb_time now = expire ? kT0 + kAgingSeconds : kT0 + 1;
    const uint32_t per_call = std::min(kAgeBudget, f->table->slots());
    uint64_t removed = 0;
    bool refill_failed = false;
    cycle_timer timer;
    for (auto _ : state) {
        removed += f->table->age(now, kAgeBudget);
        quiesce();
        f->examined_since_fill += per_call;
        if (expire && f->examined_since_fill >= f->table->slots()) { // a whole pass: refill
            state.PauseTiming();
            timer.pause();
            try {
                fill(*f->table, f->keys);
                f->examined_since_fill = 0;
            } catch (const std::exception&) {
                refill_failed = true;
            }
            timer.resume();
            state.ResumeTiming();
            if (refill_failed)
                break;
        }
    }
    const uint64_t cycles = timer.stop();

    if (refill_failed) {
        state.SkipWithError("refilling the aged table failed (table_full)");
        return;
    }
    if (!expire && removed != 0) {
        state.SkipWithError("entries aged out that should not have");
        return;
    }
    const double examined = double(state.iterations()) * per_call;
    state.SetItemsProcessed(int64_t(examined));
    state.counters["cycles/entry"] = double(cycles) / examined;
    state.counters["ns/entry"] = cycles_to_ns(double(cycles) / examined);
    if (expire)
        state.counters["removed/entry"] = double(removed) / examined;
}

// --- BM_Memory ---------------------------------------------------------------

/// Bytes allocated on the DPDK heaps of every socket (hash, key store, buckets, rings,
/// RCU defer queue, entry array all come from there).
size_t dpdk_heap_bytes() {
    size_t total = 0;
    for (unsigned i = 0; i < rte_socket_count(); ++i) {
        rte_malloc_socket_stats s{};
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
            total += s.heap_allocsz_bytes;
    }
    return total;
}

/// Bytes in use on the C++ heap (the table object and its std::vector members).
size_t process_heap_bytes() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/// One iteration builds a table of `entries` capacity, fills it with `entries` MACs and measures
/// what both heaps grew by (the time is that of construct + fill); the table is freed with
/// timing paused. The first measurement is printed.
void bm_memory(benchmark::State& state) {
    const uint32_t entries = uint32_t(state.range(0));
    release_fixture(); // measure next to no other table
    const std::vector<fdb_key> keys = bench_keys(0, entries);
    size_t dpdk = 0, process = 0;
    for (auto _ : state) {
        const size_t dpdk_before = dpdk_heap_bytes();
        const size_t process_before = process_heap_bytes();
        std::unique_ptr<mac_table> table;
        try {
            table = make_table("bb_mem", entries);
            fill(*table, keys);
        } catch (const std::exception& e) {
            state.SkipWithError(e.what());
            break;
        }
        dpdk = dpdk_heap_bytes() - dpdk_before;
        process = process_heap_bytes() - process_before;
        state.PauseTiming();
        quiesce();
        table.reset();
        state.ResumeTiming();
    }
    if (state.error_occurred())
        return;
    const size_t bytes = dpdk + process;
    if (!g_memory_bytes) {
        std::printf("FDB memory at %u entries: %zu bytes (%.1f MiB), %.1f bytes/entry\n", entries,
                    bytes, double(bytes) / (1 << 20), double(bytes) / entries);
        std::printf("  (DPDK heap %zu bytes: hash, its rings and defer queue, per-slot arrays; "
                    "C++ heap %zu bytes: the object and its std::vector members)\n",
                    dpdk, process);
        std::fflush(stdout);
        g_memory_bytes = bytes;
        g_memory_count = entries;
    }
    state.counters["bytes"] = double(bytes);
    state.counters["MiB"] = double(bytes) / (1 << 20);
    state.counters["bytes/entry"] = double(bytes) / entries;
}

void register_benchmarks() {
    benchmark::RegisterBenchmark("BM_Memory", bm_memory)
        ->Arg(1 << 20)
        ->Unit(benchmark::kMillisecond);
    for (uint32_t entries : {1u << 10, 1u << 16, 1u << 20})
        for (bool hit : {true, false})
            benchmark::RegisterBenchmark(
                ("BM_Lookup/" + std::to_string(entries) + (hit ? "/hit" : "/miss")).c_str(),
                bm_lookup, entries, hit);
    benchmark::RegisterBenchmark("BM_Learn", bm_learn)->Unit(benchmark::kMicrosecond);
    for (uint32_t entries : {1u << 16, 1u << 20})
        for (bool expire : {false, true})
            benchmark::RegisterBenchmark(
                ("BM_Aging/" + std::to_string(entries) + (expire ? "/all_expire" : "/none_expire"))
                    .c_str(),
                bm_aging, entries, expire)
                ->Unit(benchmark::kMicrosecond);
}

void print_verdicts() {
    if (g_timed_tsc_ns > 0 && g_timed_cpu_ns < 0.97 * g_timed_tsc_ns)
        std::printf("WARNING: the benchmark thread ran only %.0f%% of the timed wall time: its CPU "
                    "was shared, and the TSC-based counters include the other processes' time. "
                    "Rerun on an idle CPU.\n",
                    100.0 * g_timed_cpu_ns / g_timed_tsc_ns);
    if (g_learn_rate)
        std::printf("Learn: %.2f million new MACs/s; target >= %.0f million/s: %s\n",
                    *g_learn_rate / 1e6, kLearnTarget / 1e6,
                    *g_learn_rate >= kLearnTarget ? "met" : "NOT met");
    if (g_memory_bytes)
        std::printf("Memory: %.1f MiB at %u entries; target <= %zu MiB: %s\n",
                    double(*g_memory_bytes) / (1 << 20), *g_memory_count, kMemoryTarget >> 20,
                    *g_memory_bytes <= kMemoryTarget ? "met" : "NOT met");
}

/// The tables' RCU variable, with this thread registered and online as reader 0.
class rcu_reader {
  public:
    rcu_reader() {
        v_ = static_cast<rte_rcu_qsbr*>(
            rte_zmalloc("bb_rcu", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE));
        if (v_ == nullptr || rte_rcu_qsbr_init(v_, 1) != 0 ||
            rte_rcu_qsbr_thread_register(v_, 0) != 0) {
            rte_free(v_);
            throw std::runtime_error("cannot set up the RCU variable");
        }
        rte_rcu_qsbr_thread_online(v_, 0);
        g_rcu = v_;
    }
    ~rcu_reader() {
        rte_rcu_qsbr_thread_offline(v_, 0);
        rte_rcu_qsbr_thread_unregister(v_, 0);
        rte_free(v_);
        g_rcu = nullptr;
    }
    rcu_reader(const rcu_reader&) = delete;
    rcu_reader& operator=(const rcu_reader&) = delete;

  private:
    rte_rcu_qsbr* v_ = nullptr;
};

/// The first CPU this process may run on (what taskset chose), for the EAL's lcore 0.
int first_allowed_cpu() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set))
                return cpu;
    return 0;
}

} // namespace
} // namespace bridgehost

int main(int argc, char** argv) {
    using namespace bridgehost;
    register_benchmarks();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;

    int status = 0;
    std::string runtime_dir;
    try {
        // One lcore, no hugepages, no PCI, no runtime files (--no-shconf, per-process prefix);
        // 1 GiB of memory holds the largest table (2M entries) with room to spare.
        eal_session eal("bench-fdb", {"--no-huge", "--no-pci", "--no-shconf", "--file-prefix",
                                      "bhbench-" + std::to_string(getpid()), "-m", "1024",
                                      "--lcores", "0@" + std::to_string(first_allowed_cpu()),
                                      "--log-level", "*:error", "--no-telemetry"});
        runtime_dir = rte_eal_get_runtime_dir();
        {
            rcu_reader rcu;
            benchmark::RunSpecifiedBenchmarks();
            release_fixture();
        }
        print_verdicts();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-fdb: %s\n", e.what());
        status = 1;
    }
    benchmark::Shutdown();
    if (!runtime_dir.empty())
        rmdir(runtime_dir.c_str()); // empty under --no-shconf; EAL leaves it behind
    return status;
}
