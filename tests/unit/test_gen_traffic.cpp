// bridgehost-gen's traffic pattern, timestamps, latency histogram and number parsing.
#include "gen/traffic.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <vector>

namespace bridgehost::gen {
namespace {

uint16_t be16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}

TEST(traffic_pattern, every_destination_is_the_source_of_the_other_side) {
    const traffic_pattern t(8, 64);
    ASSERT_EQ(t.pairs(), 4u);
    std::set<std::array<uint8_t, 6>> sources[2], destinations[2];
    for (unsigned side = 0; side < 2; ++side)
        for (uint32_t pair = 0; pair < t.pairs(); ++pair) {
            std::vector<uint8_t> buf(t.buffer_bytes());
            t.write_headers(buf.data(), side, pair);
            std::array<uint8_t, 6> dst, src;
            std::copy_n(buf.begin(), 6, dst.begin());
            std::copy_n(buf.begin() + 6, 6, src.begin());
            EXPECT_EQ(traffic_pattern::side_of(src.data()), int(side));
            EXPECT_EQ(traffic_pattern::side_of(dst.data()), int(1 - side));
            sources[side].insert(src);
            destinations[side].insert(dst);
        }
    EXPECT_EQ(sources[0].size(), 4u); // 8 distinct MACs in all
    EXPECT_EQ(sources[1].size(), 4u);
    EXPECT_EQ(destinations[0], sources[1]);
    EXPECT_EQ(destinations[1], sources[0]);
}

TEST(traffic_pattern, macs_are_unicast_locally_administered_and_distinct_per_side) {
    EXPECT_EQ(traffic_pattern::mac(0, 0x01020304), (std::array<uint8_t, 6>{2, 0, 1, 2, 3, 4}));
    EXPECT_EQ(traffic_pattern::mac(1, 7), (std::array<uint8_t, 6>{2, 1, 0, 0, 0, 7}));
    const uint8_t foreign[6] = {0x00, 0x50, 0x56, 0, 0, 1};
    EXPECT_EQ(traffic_pattern::side_of(foreign), -1);
}

TEST(traffic_pattern, headers_are_a_valid_ipv4_udp_frame_of_the_size_asked) {
    const traffic_pattern t(2, 128);
    EXPECT_EQ(t.buffer_bytes(), 124); // the FCS is the NIC's
    std::vector<uint8_t> buf(t.buffer_bytes());
    t.write_headers(buf.data(), 0, 0x0102);
    EXPECT_EQ(be16(&buf[12]), 0x0800);
    const uint8_t* ip = &buf[14];
    EXPECT_EQ(ip[0], 0x45);
    EXPECT_EQ(be16(ip + 2), 124 - 14);
    EXPECT_EQ(ip[9], 17);
    EXPECT_EQ(std::vector<uint8_t>(ip + 12, ip + 20),
              (std::vector<uint8_t>{198, 18, 1, 2, 198, 19, 1, 2}));
    uint32_t sum = 0; // a header with its checksum sums to 0xffff
    for (unsigned i = 0; i < 20; i += 2)
        sum += be16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    EXPECT_EQ(sum, 0xffffu);
    EXPECT_EQ(be16(ip + 20 + 4), 124 - 34); // UDP length
}

TEST(traffic_pattern, rejects_odd_or_out_of_range_counts_and_sizes) {
    EXPECT_THROW(traffic_pattern(3, 64), std::invalid_argument);
    EXPECT_THROW(traffic_pattern(0, 64), std::invalid_argument);
    EXPECT_THROW(traffic_pattern(2, 63), std::invalid_argument);
    EXPECT_THROW(traffic_pattern(2, 1519), std::invalid_argument);
    EXPECT_NO_THROW(traffic_pattern(1u << 20, 1518));
}

TEST(timestamps, a_stamp_reads_back_and_an_unstamped_buffer_reads_zero) {
    std::vector<uint8_t> buf(60, 0xaa);
    EXPECT_EQ(traffic_pattern::read_stamp(buf.data(), buf.size()), 0u);
    traffic_pattern::stamp(buf.data(), 123456789);
    EXPECT_EQ(traffic_pattern::read_stamp(buf.data(), buf.size()), 123456789u);
    EXPECT_EQ(traffic_pattern::read_stamp(buf.data(), 57), 0u); // too short to hold one
    traffic_pattern::unstamp(buf.data()); // a reused buffer must not count twice
    EXPECT_EQ(traffic_pattern::read_stamp(buf.data(), buf.size()), 0u);
}

TEST(latency_histogram, min_mean_and_quantiles) {
    latency_histogram h;
    EXPECT_EQ(h.quantile(0.99), 0u);
    for (uint64_t v = 1; v <= 1000; ++v)
        h.add(v * 100);
    EXPECT_EQ(h.count(), 1000u);
    EXPECT_EQ(h.min(), 100u);
    EXPECT_DOUBLE_EQ(h.mean(), 50050.0);
    // Buckets are 1/16 of a power of two wide: the bound is within 6.25 % above.
    const uint64_t p99 = h.quantile(0.99), p50 = h.quantile(0.5);
    EXPECT_GE(p99, 99000u);
    EXPECT_LE(p99, 99000u * 17 / 16);
    EXPECT_GE(p50, 50000u);
    EXPECT_LE(p50, 50000u * 17 / 16);
    EXPECT_GE(h.quantile(1.0), 100000u);
}

TEST(latency_histogram, small_values_are_exact) {
    latency_histogram h;
    for (uint64_t v : {3, 3, 3, 9})
        h.add(v);
    EXPECT_EQ(h.quantile(0.75), 3u);
    EXPECT_EQ(h.quantile(1.0), 9u);
}

TEST(parse_count, suffixes_and_errors) {
    EXPECT_EQ(parse_count("2", "--macs"), 2u);
    EXPECT_EQ(parse_count("64K", "--macs"), 65536u);
    EXPECT_EQ(parse_count("1M", "--macs"), 1048576u);
    EXPECT_THROW(parse_count("", "--macs"), std::invalid_argument);
    EXPECT_THROW(parse_count("-4", "--macs"), std::invalid_argument);
    EXPECT_THROW(parse_count("1G", "--macs"), std::invalid_argument);
    EXPECT_THROW(parse_count("lots", "--macs"), std::invalid_argument);
}

TEST(mac_churn, without_churn_every_slot_keeps_its_host) {
    const mac_churn c(4, 0);
    for (uint32_t slot = 0; slot < 4; ++slot) {
        EXPECT_EQ(c.host(slot, 0), slot);
        EXPECT_EQ(c.host(slot, 3'600'000), slot);
    }
    EXPECT_EQ(c.hosts_used(3'600'000), 4u);
}

TEST(mac_churn, slots_are_replaced_in_turn_spread_over_the_second) {
    // 4 slots, 2 pairs a second: one replacement every 500 ms, slot 0 first.
    const mac_churn c(4, 2);
    const auto hosts = [&](uint64_t ms) {
        std::vector<uint64_t> h;
        for (uint32_t slot = 0; slot < 4; ++slot)
            h.push_back(c.host(slot, ms));
        return h;
    };
    EXPECT_EQ(hosts(0), (std::vector<uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(hosts(499), (std::vector<uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(hosts(500), (std::vector<uint64_t>{4, 1, 2, 3}));
    EXPECT_EQ(hosts(1000), (std::vector<uint64_t>{4, 5, 2, 3}));
    EXPECT_EQ(hosts(1999), (std::vector<uint64_t>{4, 5, 6, 3}));
    EXPECT_EQ(hosts(2000), (std::vector<uint64_t>{4, 5, 6, 7}));
    // Second round: slot 0 again, with a host never used before.
    EXPECT_EQ(hosts(2500), (std::vector<uint64_t>{8, 5, 6, 7}));
    EXPECT_EQ(c.replaced(2500), 5u);
    EXPECT_EQ(c.hosts_used(2500), 9u);
}

TEST(mac_churn, a_host_once_replaced_never_comes_back) {
    const mac_churn c(16, 5);
    std::set<uint64_t> retired, live;
    for (uint32_t slot = 0; slot < 16; ++slot)
        live.insert(c.host(slot, 0));
    uint64_t last = 0;
    for (uint64_t ms = 1; ms <= 20'000; ms += 7) {
        last = ms;
        std::set<uint64_t> now;
        for (uint32_t slot = 0; slot < 16; ++slot)
            now.insert(c.host(slot, ms));
        ASSERT_EQ(now.size(), 16u) << "two slots share a host at " << ms << " ms";
        for (uint64_t h : live)
            if (!now.count(h))
                retired.insert(h);
        for (uint64_t h : now)
            ASSERT_FALSE(retired.count(h)) << "host " << h << " came back at " << ms << " ms";
        live = now;
    }
    // 5 pairs a second for 20 s.
    ASSERT_EQ(last, 20'000u);
    EXPECT_EQ(c.replaced(last), 100u);
    EXPECT_EQ(retired.size(), c.replaced(last));
    // Every host number below hosts_used() was used, none above.
    std::set<uint64_t> all = retired;
    all.insert(live.begin(), live.end());
    EXPECT_EQ(all.size(), c.hosts_used(last));
    EXPECT_EQ(*all.rbegin(), c.hosts_used(last) - 1);
}

TEST(mac_churn, same_time_same_hosts) {
    const mac_churn a(512, 50), b(512, 50);
    for (uint64_t ms : {0ull, 1ull, 999ull, 10'000ull, 3'600'000ull})
        for (uint32_t slot : {0u, 1u, 255u, 511u})
            EXPECT_EQ(a.host(slot, ms), b.host(slot, ms));
    EXPECT_EQ(a.replaced(3'600'000), 180'000u);
    EXPECT_THROW(mac_churn(0, 1), std::invalid_argument);
}

} // namespace
} // namespace bridgehost::gen
