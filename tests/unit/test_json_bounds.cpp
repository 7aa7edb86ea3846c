// parse_bounded_json: what both ends of the control socket parse the other's text with.
#include "common/json_bounds.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridgehost {
namespace {

std::string nested(unsigned depth, char open = '[', char close = ']') {
    return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonBounds, NestingCountsArraysAndObjectsButNotBracketsInStrings) {
    EXPECT_EQ(json_nesting("1", 8), 0u);
    EXPECT_EQ(json_nesting("[]", 8), 1u);
    EXPECT_EQ(json_nesting(R"({"a":[{"b":[1]}],"c":{}})", 8), 4u);
    EXPECT_EQ(json_nesting(R"(["[[[[", "\"[[[[", "\\"])", 8), 1u);
    EXPECT_EQ(json_nesting("]]]][", 8), 1u); // stray closers do not go below zero
}

TEST(JsonBounds, AcceptsWhatIsWithinBothBounds) {
    const auto j = parse_bounded_json(R"({"ok":true,"result":{"a":[1,2]}})", 100, 3);
    EXPECT_EQ(j["result"]["a"][1], 2);
    EXPECT_EQ(parse_bounded_json(nested(16), 32, 16).dump(), nested(16));
}

TEST(JsonBounds, RefusesTextNestedDeeperThanTheLimitBeforeParsingIt) {
    try {
        // Deep enough that building, copying and dumping it would take the stack.
        parse_bounded_json(nested(500000), 1 << 20, 16);
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "nested deeper than 16 levels");
    }
    EXPECT_THROW(parse_bounded_json(nested(17, '{', '}'), 100, 16), std::invalid_argument);
}

TEST(JsonBounds, RefusesTextLongerThanTheLimit) {
    try {
        parse_bounded_json(std::string(101, ' ') + "1", 100, 16);
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "102 bytes, more than the 100 allowed");
    }
}

TEST(JsonBounds, TextThatIsNotJsonIsAParseError) {
    EXPECT_THROW(parse_bounded_json("{\"ok\":", 100, 16), nlohmann::json::parse_error);
    EXPECT_THROW(parse_bounded_json("\"\xff\"", 100, 16), nlohmann::json::parse_error);
    EXPECT_THROW(parse_bounded_json("", 100, 16), nlohmann::json::parse_error);
}

} // namespace
} // namespace bridgehost
