#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/frame in fuzz_frame.cpp's encoding, and those of
tests/fuzz/corpus/bpdu (fuzz_bpdu.cpp: each input is one Ethernet frame).

Run from anywhere; it rewrites the seed_* files only (inputs libFuzzer added keep their names).
"""
import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
OUT = CORPUS / "frame"
A, B, S = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:5a"
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def frame(dst, src, ethertype=0x88B5, payload=46):
    return mac(dst) + mac(src) + struct.pack(">H", ethertype) + bytes(i % 256 for i in range(payload))


def tag(f, vid, tpid=0x8100):
    return f[:12] + struct.pack(">HH", tpid, vid) + f[12:]


def arp(opcode, dst, src):
    f = bytearray(frame(dst, src, 0x0806))
    f[14:22] = bytes([0, 1, 8, 0, 6, 4, 0, opcode])
    return bytes(f)


def tcp4(dst, src, payload, seq=1000, flags=0x18):
    """An Ethernet/IPv4/TCP frame (20-byte headers, no checksums: the fuzzer asks for them)."""
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + payload, 7, 0x4000, 64, 6, 0,
                     bytes([198, 51, 100, 1]), bytes([198, 51, 100, 2]))
    tcp = struct.pack(">HHIIBBHHH", 40000, 5201, seq, 1, 5 << 4, flags, 65535, 0, 0)
    return mac(dst) + mac(src) + b"\x08\x00" + ip + tcp + bytes(i % 251 for i in range(payload))


# Offload requests (fuzz_frame.cpp kRequests), in the length field's top bits.
TCP_CKSUM, UDP_CKSUM, TSO = 1, 2, 3


def rec(port, f, chain=False, seg=0, process_first=False, probe=False, request=0):
    """One frame: control byte, big-endian length (and offload request), bytes."""
    control = port | (4 if chain else 0) | (seg << 3) | (0x40 if process_first else 0)
    control |= 0x80 if probe else 0
    return bytes([control]) + struct.pack(">H", len(f) | request << 14) + f


SEEDS = {
    "plain": rec(0, frame(B, A)),
    "tagged": rec(2, tag(frame(B, A), 10)),
    "double_tagged": rec(0, tag(tag(frame(B, A), 10), 100, 0x88A8)),
    "priority_tagged": rec(1, tag(frame(B, A), 0)),
    "runt": rec(0, frame(B, A)[:10]),
    "runt_first_segment": rec(0, frame(B, A), chain=True, seg=2),  # 13-byte first segment
    "jumbo_chain": rec(2, tag(frame(B, A, payload=8900), 10), chain=True, seg=6),
    "too_big_for_p1": rec(0, frame(B, A, payload=1600), chain=True, seg=6),
    "broadcast": rec(0, frame(BCAST, A)),
    "arp_request_reply": rec(0, arp(1, BCAST, A)) + rec(2, arp(2, A, B), process_first=True),
    "group_source": rec(0, frame(B, "01:00:5e:00:00:01")),
    "zero_macs": rec(0, frame("00:00:00:00:00:00", "00:00:00:00:00:00")),
    "loop_probe": rec(2, frame("03:42:48:4c:47:00", A, 0x88B6, 46), probe=True),
    "bpdu": rec(1, frame("01:80:c2:00:00:00", A, 0x0026, 46)),
    "learn_then_unicast": rec(0, frame(B, A)) + rec(2, tag(frame(A, B), 20), process_first=True)
    + rec(0, frame(B, A), process_first=True),
    "static_destination": rec(2, tag(frame(S, A), 10)),
    "mirror_destination": rec(3, frame(B, A)),
    "burst_one_flow": b"".join(rec(0, frame(B, A)) for _ in range(8)),
    "tcp_checksum_request": rec(0, tcp4(B, A, 100), request=TCP_CKSUM),
    # 8000 payload bytes; tso_segsz 1 + 8 x the last byte (8000 % 251 = 219: 1753).
    "tso_request_flooded": rec(0, tcp4(B, A, 8000), chain=True, seg=6, request=TSO),
    "tso_request_to_p1_tagged": rec(1, frame(A, B)) + rec(0, tcp4(B, A, 5000), request=TSO,
                                                          process_first=True),
    "many_sources": b"".join(rec(0, frame(B, "02:00:00:00:01:%02x" % i)) for i in range(12)),
}


# BPDUs the Linux bridge sent (6.18; tests/unit/test_bpdu.cpp says how they were captured):
# brB (8000.020000000b00) relaying root brA's (7000.020000000a00) Config BPDU, without and with
# TC; brA's with TC and TC ack; brB's TCN. Unpadded, as the kernel hands them to a veth.
LINUX_CONFIG = bytes.fromhex(
    "0180c2000000020000000b0200264242030000000000"
    "7000020000000a00000000028000020000000b0080020001140001000400")
LINUX_CONFIG_TC = LINUX_CONFIG[:21] + b"\x01" + LINUX_CONFIG[22:]
LINUX_ROOT_TC_ACK = bytes.fromhex(
    "0180c2000000020000000a0100264242030000000081"
    "7000020000000a00000000007000020000000a0080010000140001000400")
LINUX_TCN = bytes.fromhex("0180c2000000020000000b01000742420300000080")
BPDU_DST = mac("01:80:c2:00:00:00")


def llc_frame(bpdu, src="02:00:00:00:0c:01", pad=True):
    """An 802.3/LLC frame to the bridge group address carrying `bpdu`, padded to 60 bytes."""
    f = BPDU_DST + mac(src) + struct.pack(">H", 3 + len(bpdu)) + b"\x42\x42\x03" + bpdu
    return f + bytes(max(0, 60 - len(f))) if pad else f


def rst(version=2, flags=0x1E, extra=b""):
    """An RST BPDU (802.1D-2004 9.3.3): proposal, designated, learning by default."""
    return (struct.pack(">HBBB", 0, version, 0x02, flags)
            + bytes.fromhex("6001020000000c00") + struct.pack(">I", 20000)
            + bytes.fromhex("7001020000000d00") + struct.pack(">HHHHH", 0x9005, 3 * 256, 20 * 256,
                                                              2 * 256, 15 * 256)
            + b"\x00" + extra)


# An MST BPDU with no MSTI: version 3 length 64, the MST configuration identifier, CIST internal
# root path cost, CIST bridge identifier, remaining hops.
MST_TAIL = (struct.pack(">H", 64) + b"\x00" + b"region1".ljust(32, b"\x00") + b"\x00\x00"
            + bytes(range(0xA0, 0xB0)) + bytes(4) + bytes.fromhex("8000020000000e00") + b"\x14")

BPDU_SEEDS = {
    "linux_config": LINUX_CONFIG,
    "linux_config_tc": LINUX_CONFIG_TC,
    "linux_root_config_tc_ack": LINUX_ROOT_TC_ACK,
    "linux_tcn": LINUX_TCN,
    "linux_config_padded": LINUX_CONFIG + bytes(8),
    "linux_tcn_padded": LINUX_TCN + bytes(39),
    "rst_proposal": llc_frame(rst()),
    "rst_agreement_unpadded": llc_frame(rst(flags=0xF9), pad=False),
    "mstp": llc_frame(rst(version=3, flags=0x3C, extra=MST_TAIL)),
    "config_all_flags": LINUX_CONFIG[:21] + b"\xff" + LINUX_CONFIG[22:],
    "rst_version_1": llc_frame(rst(version=1)),
    "message_age_is_max_age": LINUX_CONFIG[:44] + b"\x14\x00" + LINUX_CONFIG[46:],
    "truncated_config_51": LINUX_CONFIG[:51],
    "truncated_config_30": LINUX_CONFIG[:30],
    "truncated_tcn_20": LINUX_TCN[:20],
    "truncated_rst_52": llc_frame(rst(), pad=False)[:52],
    "ethernet_ii": BPDU_DST + mac("02:00:00:00:0c:01") + b"\x88\xcc" + bytes(46),
}

for out, seeds in ((OUT, SEEDS), (CORPUS / "bpdu", BPDU_SEEDS)):
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (out / ("seed_" + name)).write_bytes(data)
    print(f"{len(seeds)} seeds in {out}")
