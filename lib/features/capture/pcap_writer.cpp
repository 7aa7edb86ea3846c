// The libpcap file format, written byte by byte so the file is the same on any host.
#include "features/capture/pcap_writer.hpp"

namespace bridgehost {

namespace {

void put32(std::string& out, uint32_t v) {
    for (unsigned i = 0; i < 4; ++i)
        out += char(uint8_t(v >> (8 * i)));
}
void put16(std::string& out, uint16_t v) {
    out += char(uint8_t(v));
    out += char(uint8_t(v >> 8));
}

} // namespace

std::string pcap_file_header(uint32_t snaplen) {
    std::string h;
    put32(h, 0xa1b2c3d4); // readers tell the byte order from how this reads
    put16(h, 2);          // version 2.4
    put16(h, 4);
    put32(h, 0); // thiszone: timestamps are UTC
    put32(h, 0); // sigfigs
    put32(h, snaplen);
    put32(h, 1); // LINKTYPE_ETHERNET
    return h;
}

std::string pcap_record(uint64_t time_ns, uint32_t orig_len, const uint8_t* data, uint32_t len) {
    std::string r;
    r.reserve(16 + len);
    put32(r, uint32_t(time_ns / 1000000000));
    put32(r, uint32_t(time_ns % 1000000000 / 1000));
    put32(r, len);
    put32(r, orig_len);
    r.append(reinterpret_cast<const char*>(data), len);
    return r;
}

} // namespace bridgehost
