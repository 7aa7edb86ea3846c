// Unit tests for mac_address: parsing, formatting and classification.
#include "common/mac_address.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

mac_address mac(std::string_view text) {
    const std::optional<mac_address> parsed = mac_address::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(mac_address{});
}

TEST(MacAddress, ParseAndStrRoundTrip) {
    const mac_address parsed = mac("02:1a:2b:3c:4d:5e");
    EXPECT_EQ(parsed.bytes, (std::array<uint8_t, 6>{0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}));
    EXPECT_EQ(parsed.str(), "02:1a:2b:3c:4d:5e");
    EXPECT_EQ(mac(parsed.str()), parsed);
}

TEST(MacAddress, AcceptsDashSeparator) {
    EXPECT_EQ(mac("02-1a-2b-3c-4d-5e"), mac("02:1a:2b:3c:4d:5e"));
}

TEST(MacAddress, AcceptsUpperCaseAndFormatsLowerCase) {
    EXPECT_EQ(mac("AA:BB:CC:DD:EE:0F").str(), "aa:bb:cc:dd:ee:0f");
    EXPECT_EQ(mac("aA:Bb:cC:dD:eE:fF").str(), "aa:bb:cc:dd:ee:ff");
}

TEST(MacAddress, RejectsBadLengths) {
    for (const char* text : {"", "02:1a:2b:3c:4d", "02:1a:2b:3c:4d:5e:", "02:1a:2b:3c:4d:5e:6f",
                             "2:1a:2b:3c:4d:5e", "021a2b3c4d5e"})
        EXPECT_FALSE(mac_address::parse(text)) << '"' << text << '"';
}

TEST(MacAddress, RejectsMixedSeparators) {
    EXPECT_FALSE(mac_address::parse("02:1a-2b:3c:4d:5e"));
    EXPECT_FALSE(mac_address::parse("02-1a-2b-3c-4d:5e"));
    EXPECT_FALSE(mac_address::parse("02.1a.2b.3c.4d.5e"));
}

TEST(MacAddress, RejectsBadHex) {
    EXPECT_FALSE(mac_address::parse("0g:1a:2b:3c:4d:5e"));
    EXPECT_FALSE(mac_address::parse("02:1a:2b:3c:4d:5 "));
    EXPECT_FALSE(mac_address::parse("02:1a:+b:3c:4d:5e"));
}

TEST(MacAddress, Classifies) {
    const mac_address unicast = mac("02:00:00:00:00:01");
    EXPECT_FALSE(unicast.is_multicast());
    EXPECT_FALSE(unicast.is_broadcast());
    EXPECT_FALSE(unicast.is_zero());

    const mac_address multicast = mac("01:00:5e:00:00:01");
    EXPECT_TRUE(multicast.is_multicast());
    EXPECT_FALSE(multicast.is_broadcast());

    const mac_address broadcast = mac("ff:ff:ff:ff:ff:ff");
    EXPECT_TRUE(broadcast.is_multicast()); // broadcast is the all-stations group
    EXPECT_TRUE(broadcast.is_broadcast());
    EXPECT_FALSE(broadcast.is_zero());

    EXPECT_TRUE(mac("00:00:00:00:00:00").is_zero());
    EXPECT_TRUE(mac_address{}.is_zero());
    EXPECT_FALSE(mac("00:00:00:00:00:00").is_multicast());
}

} // namespace
} // namespace bridgehost
