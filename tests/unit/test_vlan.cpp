// VLAN membership decisions (lib/features/vlan/datapath.hpp) on parsed port settings.
#include "features/vlan/datapath.hpp"
#include "vlan_ports.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

using test::access_port;
using test::trunk_port;

constexpr frame_tag kUntagged{};
constexpr frame_tag tagged(uint16_t vid) {
    return {true, vid};
}

TEST(VlanIngress, AccessTakesUntaggedAndPriorityTaggedOnly) {
    const port_vlan a = access_port(10);
    EXPECT_TRUE(classify_ingress(a, kUntagged).ok);
    EXPECT_EQ(classify_ingress(a, kUntagged).vlan, 10);
    EXPECT_EQ(classify_ingress(a, tagged(0)).vlan, 10);
    EXPECT_FALSE(classify_ingress(a, tagged(10)).ok);
    EXPECT_FALSE(classify_ingress(a, tagged(20)).ok);
}

TEST(VlanIngress, TrunkTakesAllowedVlansAndPutsUntaggedInTheNative) {
    const port_vlan t = trunk_port("10,20-29", 5);
    EXPECT_EQ(classify_ingress(t, tagged(10)).vlan, 10);
    EXPECT_EQ(classify_ingress(t, tagged(25)).vlan, 25);
    EXPECT_FALSE(classify_ingress(t, tagged(11)).ok);
    EXPECT_FALSE(classify_ingress(t, tagged(4094)).ok);
    EXPECT_EQ(classify_ingress(t, kUntagged).vlan, 5);
    EXPECT_EQ(classify_ingress(t, tagged(0)).vlan, 5);
    EXPECT_EQ(classify_ingress(t, tagged(5)).vlan, 5); // the native VLAN tagged
}

TEST(VlanIngress, DefaultTrunkTakesEverythingAsItCame) {
    const port_vlan d;
    EXPECT_EQ(classify_ingress(d, kUntagged).vlan, 0);
    EXPECT_EQ(classify_ingress(d, tagged(1)).vlan, 1);
    EXPECT_EQ(classify_ingress(d, tagged(4094)).vlan, 4094);
}

TEST(VlanEgress, TagsArePushedPoppedOrKeptAsTheOutputPortWants) {
    const port_vlan a = access_port(10), t = trunk_port("10,20", 20), d;
    // Access -> trunk: push; trunk -> access: pop.
    EXPECT_EQ(egress_action(t, 10, kUntagged), tag_action::push);
    EXPECT_EQ(egress_action(a, 10, tagged(10)), tag_action::pop);
    // Same shape on both sides: untouched.
    EXPECT_EQ(egress_action(a, 10, kUntagged), tag_action::keep);
    EXPECT_EQ(egress_action(t, 10, tagged(10)), tag_action::keep);
    // The native VLAN leaves untagged, even if it came tagged.
    EXPECT_EQ(egress_action(t, 20, tagged(20)), tag_action::pop);
    EXPECT_EQ(egress_action(t, 20, kUntagged), tag_action::keep);
    // A priority tag gets its VLAN's VID on a trunk; where the VLAN leaves
    // untagged it stays (it names no VLAN, only a priority).
    EXPECT_EQ(egress_action(t, 10, tagged(0)), tag_action::set_vid);
    EXPECT_EQ(egress_action(a, 10, tagged(0)), tag_action::keep);
    // Default ports forward every frame unchanged.
    EXPECT_EQ(egress_action(d, 0, kUntagged), tag_action::keep);
    EXPECT_EQ(egress_action(d, 300, tagged(300)), tag_action::keep);
}

TEST(VlanEgress, QinQTravelsUntouchedInTheNativeVlan) {
    // An 802.1ad outer tag is "no 802.1Q tag" to the parser.
    const port_vlan d, t = trunk_port("100", 0);
    const vlan_ingress in = classify_ingress(t, kUntagged);
    ASSERT_TRUE(in.ok);
    EXPECT_EQ(in.vlan, 0);
    EXPECT_EQ(egress_action(d, in.vlan, kUntagged), tag_action::keep);
    EXPECT_EQ(egress_action(t, in.vlan, kUntagged), tag_action::keep);
}

// Found by fuzz-frame: a tag's 12 bits reach VID 4095, one past the tables
// (ASan: heap-buffer-overflow). It is reserved, and refused.
TEST(VlanMap, Vid4095IsRefusedOnEveryPort) {
    std::vector<port_config> ports(2);
    ports[0].vlan = trunk_port("all");
    ports[1].vlan = access_port(10);
    const auto map = vlan_map::build(ports);
    ASSERT_NE(map, nullptr);
    EXPECT_FALSE(map->classify(0, {true, 4095}).ok);
    EXPECT_FALSE(map->classify(1, {true, 4095}).ok);
    EXPECT_TRUE(map->classify(0, {true, 4094}).ok);
}

TEST(VlanMap, IsNullForDefaultPortsAndMatchesTheRulesOtherwise) {
    std::vector<port_config> ports(3);
    EXPECT_EQ(vlan_map::build(ports), nullptr);
    ports[0].vlan = access_port(10);
    ports[1].vlan = trunk_port("10,20", 20);
    const auto map = vlan_map::build(ports);
    ASSERT_NE(map, nullptr);
    for (uint16_t port = 0; port < 3; ++port)
        for (frame_tag tag : {kUntagged, tagged(0), tagged(10), tagged(20), tagged(30)}) {
            const vlan_ingress want = classify_ingress(ports[port].vlan, tag);
            const vlan_ingress got = map->classify(port, tag);
            EXPECT_EQ(got.ok, want.ok) << port << " " << tag.vid;
            if (want.ok) {
                EXPECT_EQ(got.vlan, want.vlan);
                for (uint16_t out = 0; out < 3; ++out) {
                    if (ports[out].vlan.carries(want.vlan)) {
                        EXPECT_EQ(map->action(out, want.vlan, tag),
                                  egress_action(ports[out].vlan, want.vlan, tag));
                    }
                }
            }
        }
    EXPECT_EQ(map->members[10], 0b111u); // port 2 is a default trunk
    EXPECT_EQ(map->members[20], 0b110u);
    EXPECT_EQ(map->tagged[10], 0b110u);
    EXPECT_EQ(map->tagged[20], 0b100u);
    EXPECT_EQ(map->members[0], 0b100u); // only the default trunk carries untagged-as-0
}

} // namespace
} // namespace bridgehost
