// bridgehost-gen's traffic pattern and latency histogram.
#include "gen/traffic.hpp"

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace bridgehost::gen {

namespace {

void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

uint16_t ipv4_checksum(const uint8_t* hdr) {
    uint32_t sum = 0;
    for (unsigned i = 0; i < 20; i += 2)
        sum += uint32_t(hdr[i]) << 8 | hdr[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

} // namespace

traffic_pattern::traffic_pattern(uint32_t macs, uint16_t frame_size)
    : pairs_(macs / 2), frame_size_(frame_size) {
    if (macs < kMinMacs || macs > kMaxMacs || macs % 2 != 0)
        throw std::invalid_argument("--macs: expected an even number from 2 to 16M, got " +
                                    std::to_string(macs));
    if (frame_size < kMinFrame || frame_size > kMaxFrame)
        throw std::invalid_argument("--size: expected a frame size from 64 to 1518 bytes, got " +
                                    std::to_string(frame_size));
    for (unsigned side = 0; side < 2; ++side) {
        uint8_t* b = base_[side].data();
        std::memset(b, 0, kHeaderBytes);
        put16(b + 12, 0x0800); // IPv4
        uint8_t* ip = b + 14;
        ip[0] = 0x45; // version 4, 20-byte header
        put16(ip + 2, uint16_t(buffer_bytes() - 14));
        ip[8] = 64; // TTL
        ip[9] = 17; // UDP
        uint8_t* udp = ip + 20;
        put16(udp + 0, uint16_t(1024 + side));
        put16(udp + 2, uint16_t(1024 + (1 - side)));
        put16(udp + 4, uint16_t(buffer_bytes() - 34));
    }
}

std::array<uint8_t, 6> traffic_pattern::mac(unsigned side, uint32_t host) {
    return {
        0x02,         uint8_t(side), uint8_t(host >> 24), uint8_t(host >> 16), uint8_t(host >> 8),
        uint8_t(host)};
}

int traffic_pattern::side_of(const uint8_t* m) {
    return m[0] == 0x02 && m[1] <= 1 ? m[1] : -1;
}

void traffic_pattern::write_headers(uint8_t* buf, unsigned side, uint32_t pair) const {
    std::memcpy(buf, base_[side].data(), kHeaderBytes);
    const std::array<uint8_t, 6> src = mac(side, pair), dst = mac(1 - side, pair);
    std::memcpy(buf, dst.data(), 6);
    std::memcpy(buf + 6, src.data(), 6);
    // 198.18.0.0/15: side 0 hosts in 198.18/16, side 1 in 198.19/16, so RSS on
    // IP addresses spreads the pairs over queues.
    uint8_t* ip = buf + 14;
    const uint8_t src_ip[4] = {198, uint8_t(18 + side), uint8_t(pair >> 8), uint8_t(pair)};
    const uint8_t dst_ip[4] = {198, uint8_t(19 - side), uint8_t(pair >> 8), uint8_t(pair)};
    std::memcpy(ip + 12, src_ip, 4);
    std::memcpy(ip + 16, dst_ip, 4);
    put16(ip + 10, ipv4_checksum(ip));
}

mac_churn::mac_churn(uint32_t pairs, uint32_t pairs_per_second)
    : pairs_(pairs), per_second_(pairs_per_second) {
    if (pairs == 0)
        throw std::invalid_argument("mac_churn: no pairs to rotate");
}

void traffic_pattern::stamp(uint8_t* buf, uint64_t tsc) {
    std::memcpy(buf + kStampOffset, &kStampMagic, 8);
    std::memcpy(buf + kStampOffset + 8, &tsc, 8);
}

void traffic_pattern::unstamp(uint8_t* buf) {
    std::memset(buf + kStampOffset, 0, 8);
}

uint64_t traffic_pattern::read_stamp(const uint8_t* buf, size_t len) {
    if (len < kStampOffset + 16)
        return 0;
    uint64_t magic, tsc;
    std::memcpy(&magic, buf + kStampOffset, 8);
    if (magic != kStampMagic)
        return 0;
    std::memcpy(&tsc, buf + kStampOffset + 8, 8);
    return tsc;
}

unsigned latency_histogram::bucket(uint64_t v) {
    if (v < kSub)
        return unsigned(v);
    const unsigned msb = unsigned(std::bit_width(v)) - 1; // >= 4
    const unsigned sub = unsigned(v >> (msb - 4)) & (kSub - 1);
    return (msb - 3) * kSub + sub;
}

uint64_t latency_histogram::upper(unsigned b) {
    if (b < kSub)
        return b;
    const unsigned msb = b / kSub + 3, sub = b % kSub;
    return ((uint64_t(kSub + sub) + 1) << (msb - 4)) - 1;
}

void latency_histogram::add(uint64_t cycles) {
    ++buckets_[bucket(cycles)];
    ++count_;
    sum_ += cycles;
    if (cycles < min_)
        min_ = cycles;
}

uint64_t latency_histogram::quantile(double q) const {
    if (count_ == 0)
        return 0;
    const uint64_t rank = uint64_t(q * double(count_) + 0.999999);
    uint64_t seen = 0;
    for (unsigned b = 0; b < buckets_.size(); ++b) {
        seen += buckets_[b];
        if (seen >= rank && buckets_[b] != 0)
            return upper(b);
    }
    return upper(unsigned(buckets_.size() - 1));
}

uint64_t parse_count(const std::string& text, const char* what) {
    size_t used = 0;
    unsigned long long v = 0;
    try {
        if (text.empty() || text[0] == '-' || text[0] == '+')
            throw std::invalid_argument(text);
        v = std::stoull(text, &used, 10);
    } catch (const std::exception&) {
        throw std::invalid_argument(std::string(what) + ": expected a whole number, got \"" + text +
                                    "\"");
    }
    const std::string suffix = text.substr(used);
    if (suffix == "K" || suffix == "k")
        v *= 1024;
    else if (suffix == "M" || suffix == "m")
        v *= 1024 * 1024;
    else if (!suffix.empty())
        throw std::invalid_argument(std::string(what) + ": expected a number with an optional K " +
                                    "or M suffix, got \"" + text + "\"");
    return v;
}

uint64_t parse_whole(const std::string& text, const char* what, uint64_t lo, uint64_t hi) {
    const uint64_t v = parse_count(text, what);
    if (v < lo || v > hi)
        throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(lo) + ".." +
                                    std::to_string(hi) + ", got " + text);
    return v;
}

double parse_number(const char* text, const char* what, double lo, double hi) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= lo && v <= hi))
        throw std::invalid_argument(std::string(what) + ": expected a number from " +
                                    std::to_string(lo) + " to " + std::to_string(hi) + ", got \"" +
                                    text + "\"");
    return v;
}

} // namespace bridgehost::gen
