// The classic libpcap file format (what tcpdump -r and Wireshark read), for bridgehostctl capture.
#pragma once

#include <cstdint>
#include <string>

namespace bridgehost {

/// The 24-byte file header: magic 0xa1b2c3d4 (microsecond timestamps),
/// version 2.4, thiszone 0, sigfigs 0, `snaplen`, linktype 1 (Ethernet); little endian.
std::string pcap_file_header(uint32_t snaplen);

/// One record: ts_sec, ts_usec (from `time_ns`, wall clock), incl_len
/// (`len`), orig_len (the frame's length on the wire), then the bytes.
std::string pcap_record(uint64_t time_ns, uint32_t orig_len, const uint8_t* data, uint32_t len);

} // namespace bridgehost
