// bridgehostctl capture's client side: the pcap bytes, base64, and the command line.
#include "common/base64.hpp"
#include "features/capture/client.hpp"
#include "features/capture/pcap_writer.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int v : b)
        s += char(uint8_t(v));
    return s;
}

TEST(pcap_writer, file_header_is_libpcap_2_4_ethernet_little_endian) {
    EXPECT_EQ(pcap_file_header(65535), bytes({0xd4, 0xc3, 0xb2, 0xa1,    // magic, microseconds
                                              0x02, 0x00, 0x04, 0x00,    // version 2.4
                                              0,    0,    0,    0,       // thiszone
                                              0,    0,    0,    0,       // sigfigs
                                              0xff, 0xff, 0x00, 0x00,    // snaplen
                                              0x01, 0x00, 0x00, 0x00})); // LINKTYPE_ETHERNET
}

TEST(pcap_writer, record_has_seconds_microseconds_lengths_then_the_bytes) {
    const uint8_t data[] = {0xde, 0xad, 0xbe};
    // 1700000000.123456789 s: microseconds truncate to 123456 (0x0001e240).
    EXPECT_EQ(pcap_record(1700000000123456789ull, 1514, data, 3),
              bytes({0x00, 0xf1, 0x53, 0x65, // ts_sec 1700000000
                     0x40, 0xe2, 0x01, 0x00, // ts_usec 123456
                     0x03, 0x00, 0x00, 0x00, // incl_len
                     0xea, 0x05, 0x00, 0x00, // orig_len 1514
                     0xde, 0xad, 0xbe}));
}

TEST(base64, round_trips_every_length_and_matches_rfc4648) {
    EXPECT_EQ(base64_encode(reinterpret_cast<const uint8_t*>("foobar"), 6), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(reinterpret_cast<const uint8_t*>("fooba"), 5), "Zm9vYmE=");
    EXPECT_EQ(base64_encode(reinterpret_cast<const uint8_t*>("foob"), 4), "Zm9vYg==");
    EXPECT_EQ(base64_encode(nullptr, 0), "");
    std::vector<uint8_t> all;
    for (int i = 0; i < 256; ++i) {
        EXPECT_EQ(base64_decode(base64_encode(all.data(), all.size())), all) << i;
        all.push_back(uint8_t(255 - i));
    }
}

TEST(base64, refuses_what_is_not_base64) {
    EXPECT_FALSE(base64_decode("Zm9"));      // not a multiple of 4
    EXPECT_FALSE(base64_decode("Zm9v!A==")); // not in the alphabet
    EXPECT_FALSE(base64_decode("Zm=v"));     // padding inside
    EXPECT_FALSE(base64_decode("Zg==Zm9v")); // padding before the end
}

TEST(capture_command_line, takes_port_direction_count_snaplen_and_file) {
    const capture_options o = parse_capture(
        {"capture", "hosta", "--direction", "both", "--count", "4", "--snaplen", "128", "-w", "-"},
        7);
    EXPECT_EQ(o.port, "hosta");
    EXPECT_EQ(o.direction, "both");
    EXPECT_EQ(o.count, 4u);
    EXPECT_EQ(o.snaplen, 128u);
    EXPECT_EQ(o.seconds, 7);
    EXPECT_EQ(o.file, "-");
    const capture_options d = parse_capture({"capture", "p0", "-w", "x.pcap"}, std::nullopt);
    EXPECT_EQ(d.direction, "rx");
    EXPECT_EQ(d.count, 100u);
    EXPECT_FALSE(d.snaplen);
    EXPECT_FALSE(d.seconds);
}

TEST(capture_command_line, refuses_a_missing_file_or_bad_values) {
    const auto reason = [](std::vector<std::string> w) {
        try {
            parse_capture(w, std::nullopt);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(reason({"capture", "p0"}), "capture needs -w FILE (- for standard output)");
    EXPECT_EQ(reason({"capture", "p0", "--count", "0", "-w", "f"}),
              "--count takes a number, 1..1000000");
    EXPECT_EQ(reason({"capture", "p0", "--count", "-3", "-w", "f"}),
              "--count takes a number, 1..1000000");
    EXPECT_EQ(reason({"capture", "p0", "--direction", "up", "-w", "f"}),
              "--direction takes rx, tx or both");
    EXPECT_EQ(reason({"capture", "p0", "--bogus", "1", "-w", "f"}), "unexpected \"--bogus\"");
    EXPECT_NE(reason({"capture"}).find("usage: capture PORT"), std::string::npos);
}

} // namespace
} // namespace bridgehost
