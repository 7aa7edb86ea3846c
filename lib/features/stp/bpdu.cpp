// BPDU codec; see bpdu.hpp.
#include "features/stp/bpdu.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace bridgehost::stp {

namespace {

uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(get16(p)) << 16 | get16(p + 2);
}
uint64_t get64(const uint8_t* p) {
    return uint64_t(get32(p)) << 32 | get32(p + 4);
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, uint16_t(v >> 16));
    put16(p + 2, uint16_t(v));
}
void put64(uint8_t* p, uint64_t v) {
    put32(p, uint32_t(v >> 32));
    put32(p + 4, uint32_t(v));
}

} // namespace

const char* bpdu_error_name(bpdu_error e) {
    switch (e) {
    case bpdu_error::ok:
        return "ok";
    case bpdu_error::not_bridge_group:
        return "not_bridge_group";
    case bpdu_error::not_llc:
        return "not_llc";
    case bpdu_error::bad_length:
        return "bad_length";
    case bpdu_error::bad_protocol:
        return "bad_protocol";
    case bpdu_error::bad_type:
        return "bad_type";
    case bpdu_error::too_short:
        return "too_short";
    case bpdu_error::bad_message_age:
        return "bad_message_age";
    }
    return "unknown";
}

bpdu_error parse_bpdu_frame(const uint8_t* frame, size_t len, bpdu& out) {
    if (len < kBpduOffset + kTcnBpduLen)
        return len >= 6 && std::memcmp(frame, kBridgeGroupAddress.data(), 6) != 0
                   ? bpdu_error::not_bridge_group
                   : bpdu_error::too_short;
    if (std::memcmp(frame, kBridgeGroupAddress.data(), 6) != 0)
        return bpdu_error::not_bridge_group;
    const uint16_t length = get16(frame + 12);
    if (length >= 0x0600 || frame[14] != 0x42 || frame[15] != 0x42 || frame[16] != 0x03)
        return bpdu_error::not_llc;
    // The length field counts the LLC header and the BPDU; what follows is padding.
    if (length < 3 || size_t(length) > len - kLlcOffset)
        return bpdu_error::bad_length;
    const uint8_t* b = frame + kBpduOffset;
    const size_t n = size_t(length) - 3;
    if (n < kTcnBpduLen)
        return bpdu_error::too_short;
    if (get16(b) != 0)
        return bpdu_error::bad_protocol;
    bpdu r;
    r.version = b[2];
    switch (b[3]) {
    case 0x80:
        r.type = bpdu::type_t::tcn;
        out = r;
        return bpdu_error::ok;
    case 0x00:
        r.type = bpdu::type_t::config;
        if (n < kConfigBpduLen)
            return bpdu_error::too_short;
        break;
    case 0x02:
        if (r.version < 2)
            return bpdu_error::bad_type;
        r.type = bpdu::type_t::rst;
        if (n < kRstBpduLen)
            return bpdu_error::too_short;
        break;
    default:
        return bpdu_error::bad_type;
    }
    r.flags = b[4];
    if (r.type == bpdu::type_t::config) // 9.3.4: only TC and TC ack mean anything there
        r.flags &= flags::tc | flags::tc_ack;
    r.root_id = get64(b + 5);
    r.root_path_cost = get32(b + 13);
    r.bridge_id = get64(b + 17);
    r.port_id = get16(b + 25);
    r.message_age = get16(b + 27);
    r.max_age = get16(b + 29);
    r.hello_time = get16(b + 31);
    r.forward_delay = get16(b + 33);
    if (r.message_age >= r.max_age)
        return bpdu_error::bad_message_age;
    out = r;
    return bpdu_error::ok;
}

void build_bpdu_frame(const bpdu& b, const mac_address& src, uint8_t* out) {
    std::memset(out, 0, kBpduFrameLen);
    std::memcpy(out, kBridgeGroupAddress.data(), 6);
    std::memcpy(out + 6, src.bytes.data(), 6);
    const size_t body = b.type == bpdu::type_t::tcn   ? kTcnBpduLen
                        : b.type == bpdu::type_t::rst ? kRstBpduLen
                                                      : kConfigBpduLen;
    put16(out + 12, uint16_t(3 + body));
    out[14] = 0x42;
    out[15] = 0x42;
    out[16] = 0x03;
    uint8_t* p = out + kBpduOffset;
    put16(p, 0);
    p[2] = b.version;
    p[3] = uint8_t(b.type);
    if (b.type == bpdu::type_t::tcn)
        return;
    p[4] = b.flags;
    put64(p + 5, b.root_id);
    put32(p + 13, b.root_path_cost);
    put64(p + 17, b.bridge_id);
    put16(p + 25, b.port_id);
    put16(p + 27, b.message_age);
    put16(p + 29, b.max_age);
    put16(p + 31, b.hello_time);
    put16(p + 33, b.forward_delay);
    // RST: p[35], the version 1 length, is 0 (memset).
}

std::string bridge_id_str(uint64_t id) {
    char text[20];
    std::snprintf(text, sizeof(text), "%04x.%012llx", unsigned(id >> 48),
                  (unsigned long long)(id & 0xffffffffffffULL));
    return text;
}

std::string port_id_str(uint16_t id) {
    char text[8];
    std::snprintf(text, sizeof(text), "%x.%03x", unsigned(id >> 12), unsigned(id & 0xfff));
    return text;
}

} // namespace bridgehost::stp
