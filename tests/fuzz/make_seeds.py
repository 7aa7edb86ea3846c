#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/frame in fuzz_frame.cpp's encoding.

Run from anywhere; it rewrites the seed_* files only (inputs libFuzzer added keep their names).
"""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "frame"
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

OUT.mkdir(parents=True, exist_ok=True)
for name, data in SEEDS.items():
    (OUT / ("seed_" + name)).write_bytes(data)
print(f"{len(SEEDS)} seeds in {OUT}")
