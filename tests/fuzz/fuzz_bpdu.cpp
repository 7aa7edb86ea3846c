// libFuzzer target: arbitrary bytes as an Ethernet frame to the BPDU parser
// (lib/features/stp/bpdu). abort() unless: a frame refused leaves the output
// untouched; a BPDU accepted is one of the three types, with the flags its
// type may carry and a message age below its max age; built back into a frame
// from the same source MAC, it parses again to the same BPDU.
#include "features/stp/bpdu.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace bridgehost;
using namespace bridgehost::stp;

namespace {

[[noreturn]] void violated(const char* what, bpdu_error e) {
    std::fprintf(stderr, "fuzz-bpdu: %s (%s)\n", what, bpdu_error_name(e));
    std::abort();
}

bpdu sentinel() {
    bpdu b;
    b.type = bpdu::type_t::rst;
    b.version = 0xa5;
    b.flags = 0x5a;
    b.root_id = 0x0123'4567'89ab'cdefULL;
    b.root_path_cost = 0xdeadbeef;
    b.bridge_id = 0xfedc'ba98'7654'3210ULL;
    b.port_id = 0x1234;
    b.message_age = 7, b.max_age = 6, b.hello_time = 5, b.forward_delay = 4;
    return b;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    bpdu b = sentinel();
    const bpdu_error e = parse_bpdu_frame(data, size, b);
    if (e != bpdu_error::ok) {
        if (!(b == sentinel()))
            violated("a refused frame changed the output", e);
        if (std::strcmp(bpdu_error_name(e), "unknown") == 0)
            violated("an error without a name", e);
        return 0;
    }
    switch (b.type) {
    case bpdu::type_t::config:
        if ((b.flags & ~(flags::tc | flags::tc_ack)) != 0)
            violated("a Config BPDU kept RST flags", e);
        break;
    case bpdu::type_t::rst:
        if (b.version < 2)
            violated("an RST BPDU of version < 2", e);
        break;
    case bpdu::type_t::tcn:
        if (!(b == bpdu{.type = bpdu::type_t::tcn, .version = b.version}))
            violated("a TCN with fields", e);
        break;
    default:
        violated("an unknown type accepted", e);
    }
    if (b.type != bpdu::type_t::tcn && b.message_age >= b.max_age)
        violated("message age not below max age accepted", e);
    if (bridge_id_str(b.bridge_id).size() != 17 || port_id_str(b.port_id).size() != 5)
        violated("an identifier printed at the wrong width", e);

    mac_address src;
    std::memcpy(src.bytes.data(), data + 6, 6); // accepted: at least 21 bytes
    uint8_t frame[kBpduFrameLen];
    build_bpdu_frame(b, src, frame);
    bpdu again = sentinel();
    const bpdu_error e2 = parse_bpdu_frame(frame, sizeof(frame), again);
    if (e2 != bpdu_error::ok)
        violated("the frame built from a BPDU did not parse", e2);
    if (!(again == b))
        violated("the frame built from a BPDU parsed to another", e2);
    if (std::memcmp(frame + 6, data + 6, 6) != 0)
        violated("the frame built has another source", e2);
    return 0;
}
