// Software checksums and TCP segmentation; the contract is in software.hpp.
#include "offload/software.hpp"

#include <cstring>

#include <rte_mbuf.h>

namespace bridgehost::offload {

namespace {

uint16_t fold(uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

void store_be16(uint8_t* at, uint16_t value) {
    const rte_be16_t be = rte_cpu_to_be_16(value);
    std::memcpy(at, &be, 2);
}

uint16_t load_be16(const uint8_t* at) {
    rte_be16_t be;
    std::memcpy(&be, at, 2);
    return rte_be_to_cpu_16(be);
}

// Copies `len` bytes at `offset` of chain `m` to `to`.
void copy_out(const rte_mbuf* m, uint32_t offset, uint32_t len, uint8_t* to) {
    const void* from = rte_pktmbuf_read(m, offset, len, to);
    if (from != to) // contiguous in one segment: read() pointed into it instead of copying
        std::memcpy(to, from, len);
}

constexpr uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpCwr = 0x80;

// The raw sum of `len` bytes at `offset` of chain `m` (within it). Not
// rte_raw_cksum_mbuf: DPDK 22.11's truncates a segment's sum to 16 bits
// before swapping it when the segment starts at an odd offset of the data,
// losing its carries (rte_ip.h).
uint16_t chain_sum(const rte_mbuf* m, uint32_t offset, uint32_t len) {
    uint32_t sum = 0, done = 0;
    for (const rte_mbuf* seg = m; seg != nullptr && done < len; seg = seg->next) {
        if (offset >= seg->data_len) {
            offset -= seg->data_len;
            continue;
        }
        const uint32_t n = RTE_MIN(uint32_t(seg->data_len) - offset, len - done);
        uint16_t part = raw_sum(rte_pktmbuf_mtod_offset(seg, const uint8_t*, offset), n);
        if (done % 2 != 0) // its bytes sit one place later in the 16-bit words
            part = rte_bswap16(part);
        sum += part;
        done += n;
        offset = 0;
    }
    return fold(sum);
}

} // namespace

void finish_checksum(rte_mbuf* m, const l4_headers& h) {
    uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
    uint8_t* field = frame + h.checksum_offset();
    std::memset(field, 0, 2);
    const uint32_t l4 = uint32_t(h.l2_len) + h.l3_len;
    const uint16_t data =
        m->nb_segs == 1 ? raw_sum(frame + l4, h.l4_length()) : chain_sum(m, l4, h.l4_length());
    uint16_t sum = uint16_t(~fold(uint32_t(data) + pseudo_header_sum(frame, h)));
    if (sum == 0 && h.proto == IPPROTO_UDP) // 0 means "no checksum" in UDP
        sum = 0xffff;
    std::memcpy(field, &sum, 2);
}

segment_status segment_tcp(const rte_mbuf* m, const l4_headers& h, uint16_t mss, rte_mempool* pool,
                           rte_mbuf** out, unsigned max, unsigned& count) {
    const uint32_t hdr = h.header_len();
    const uint32_t payload = h.payload_len();
    const unsigned n = mss == 0 ? UINT32_MAX : RTE_MAX((payload + mss - 1) / mss, 1u);
    if (n > max || n > kMaxSegments)
        return segment_status::too_many;

    const uint8_t* src = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint8_t* src_ip = src + h.l2_len;
    const uint8_t* src_tcp = src_ip + h.l3_len;
    rte_be32_t seq_be;
    std::memcpy(&seq_be, src_tcp + 4, 4);
    const uint32_t seq = rte_be_to_cpu_32(seq_be);
    const uint16_t ip_id = h.ipv6 ? 0 : load_be16(src_ip + 4);

    for (unsigned k = 0; k < n; ++k) {
        const uint32_t offset = k * uint32_t(mss);
        const uint32_t len = RTE_MIN(uint32_t(mss), payload - offset);
        rte_mbuf* seg = rte_pktmbuf_alloc(pool);
        uint8_t* to = seg != nullptr
                          ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(seg, uint16_t(hdr + len)))
                          : nullptr;
        if (to == nullptr) {
            rte_pktmbuf_free(seg);
            for (unsigned j = 0; j < k; ++j)
                rte_pktmbuf_free(out[j]);
            return segment_status::no_mbuf;
        }
        std::memcpy(to, src, hdr);
        copy_out(m, hdr + offset, len, to + hdr);

        uint8_t* ip = to + h.l2_len;
        uint8_t* tcp = ip + h.l3_len;
        if (h.ipv6) {
            store_be16(ip + 4, uint16_t(h.l4_len + len));
        } else {
            store_be16(ip + 2, uint16_t(h.l3_len + h.l4_len + len));
            store_be16(ip + 4, uint16_t(ip_id + k));
            std::memset(ip + 10, 0, 2);
            const uint16_t ip_sum = rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip));
            std::memcpy(ip + 10, &ip_sum, 2);
        }
        const rte_be32_t seg_seq = rte_cpu_to_be_32(seq + offset);
        std::memcpy(tcp + 4, &seg_seq, 4);
        if (k + 1 < n)
            tcp[13] &= uint8_t(~(kTcpFin | kTcpPsh));
        if (k != 0)
            tcp[13] &= uint8_t(~kTcpCwr);

        l4_headers sh = h;
        sh.ip_end = hdr + len;
        seg->port = m->port;
        finish_checksum(seg, sh);
        out[k] = seg;
    }
    count = n;
    return segment_status::ok;
}

} // namespace bridgehost::offload
