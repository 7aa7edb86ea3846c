// The forwarding and learning decisions, from hand-made FDB answers.
#include "datapath/decision.hpp"

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

fdb_key key_of(std::initializer_list<uint8_t> mac) {
    return make_fdb_key(std::data(mac));
}

fdb_ref dynamic_on(uint16_t port) {
    return fdb_ref(7, port, false);
}
fdb_ref static_on(uint16_t port) {
    return fdb_ref(7, port, true);
}

const fdb_key kHostB = key_of({0x02, 0, 0, 0, 0, 0x0b});

TEST(decide_forward, broadcast_floods_even_if_somehow_learned) {
    const fdb_ref e = dynamic_on(1);
    EXPECT_EQ(decide_forward(key_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), &e, 0).action,
              verdict::flood);
}

TEST(decide_forward, multicast_floods) {
    EXPECT_EQ(decide_forward(key_of({0x01, 0x00, 0x5e, 0, 0, 1}), nullptr, 0).action,
              verdict::flood);
    EXPECT_EQ(decide_forward(key_of({0x33, 0x33, 0, 0, 0, 1}), nullptr, 0).action, verdict::flood);
}

TEST(decide_forward, unknown_unicast_floods) {
    EXPECT_EQ(decide_forward(kHostB, nullptr, 0).action, verdict::flood);
}

TEST(decide_forward, known_unicast_goes_to_its_port) {
    const fdb_ref e = dynamic_on(3);
    const forward_decision d = decide_forward(kHostB, &e, 0);
    EXPECT_EQ(d.action, verdict::unicast);
    EXPECT_EQ(d.out_port, 3);
}

TEST(decide_forward, destination_on_the_ingress_port_is_filtered) {
    const fdb_ref e = dynamic_on(2);
    const forward_decision d = decide_forward(kHostB, &e, 2);
    EXPECT_EQ(d.action, verdict::drop);
    EXPECT_EQ(d.reason, drop_reason::filtered);
}

TEST(invalid_source, group_and_zero_addresses_are_never_learned) {
    EXPECT_TRUE(invalid_source(key_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff})));
    EXPECT_TRUE(invalid_source(key_of({0x01, 0, 0x5e, 0, 0, 1})));
    EXPECT_TRUE(invalid_source(key_of({0, 0, 0, 0, 0, 0})));
    EXPECT_FALSE(invalid_source(kHostB));
    EXPECT_FALSE(invalid_source(key_of({0x00, 0x50, 0x56, 0x01, 0x02, 0x03})));
}

TEST(decide_learning, unknown_source_is_posted) {
    EXPECT_EQ(decide_learning(nullptr, 0), learn_action::post);
}

TEST(decide_learning, moved_source_is_posted) {
    const fdb_ref e = dynamic_on(1);
    EXPECT_EQ(decide_learning(&e, 0), learn_action::post);
}

TEST(decide_learning, known_source_is_refreshed) {
    const fdb_ref e = dynamic_on(0);
    EXPECT_EQ(decide_learning(&e, 0), learn_action::refresh);
}

TEST(decide_learning, static_source_is_left_alone_on_any_port) {
    const fdb_ref e = static_on(1);
    EXPECT_EQ(decide_learning(&e, 0), learn_action::none);
    EXPECT_EQ(decide_learning(&e, 1), learn_action::none);
}

TEST(fdb_ref, packs_port_static_flag_and_slot) {
    const fdb_ref r(0xfffffffe, 31, true);
    EXPECT_EQ(r.port(), 31);
    EXPECT_TRUE(r.is_static());
    EXPECT_EQ(r.slot(), 0xfffffffeu);
    EXPECT_EQ(fdb_ref::from_raw(r.raw()).raw(), r.raw());
    EXPECT_FALSE(fdb_ref(5, 2, false).is_static());
}

TEST(drop_reasons, names_come_from_one_list) {
    EXPECT_STREQ(drop_reason_name(drop_reason::filtered), "filtered");
    EXPECT_STREQ(drop_reason_name(drop_reason::tx_full), "tx_full");
    EXPECT_STREQ(drop_reason_name(drop_reason::vlan_filtered), "vlan_filtered");
    EXPECT_STREQ(drop_reason_name(drop_reason::no_mbuf), "no_mbuf");
    EXPECT_STREQ(drop_reason_name(drop_reason::storm_unknown_unicast), "storm_unknown_unicast");
    EXPECT_STREQ(drop_reason_name(drop_reason::mirror_lost), "mirror_lost");
    EXPECT_STREQ(drop_reason_text(drop_reason::too_big),
                 "longer than the output port's mtu allows (mtu + 22 bytes)");
    EXPECT_EQ(kDropReasons, 22u);
    EXPECT_STREQ(drop_reason_name(drop_reason::port_blocked), "port_blocked");
    EXPECT_STREQ(drop_reason_name(drop_reason::split_header), "split_header");
    EXPECT_STREQ(drop_reason_name(drop_reason::truncated), "truncated");
    EXPECT_STREQ(drop_reason_name(drop_reason::unsegmentable), "unsegmentable");
    EXPECT_STREQ(drop_reason_name(drop_reason::stp_bpdu), "stp_bpdu");
    EXPECT_STREQ(drop_reason_name(drop_reason::stp_learning), "stp_learning");
}

} // namespace
} // namespace bridgehost
