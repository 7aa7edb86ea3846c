#!/usr/bin/env python3
"""Open tap devices that live in other network namespaces, then exec a command.

Usage: tapfds.py NETNS:TAP [NETNS:TAP ...] -- COMMAND [ARGS...]

Each TAP (created beforehand with `ip -n NETNS tuntap add dev TAP mode tap`)
is opened from inside its namespace and handed to COMMAND as file descriptor
3, 4, ... in order, which is how QEMU takes a tap it cannot open itself
(`-netdev tap,id=n0,fd=3`). One QEMU can so have a NIC in each of several
namespaces. Root. Standard library only (setns through libc).
"""
import ctypes
import fcntl
import os
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    if "--" not in sys.argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    split = sys.argv.index("--")
    taps, command = sys.argv[1:split], sys.argv[split + 1:]
    if not taps or not command:
        print(__doc__, file=sys.stderr)
        return 2
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fds = []
    for spec in taps:
        netns, _, tap = spec.partition(":")
        if not netns or not tap:
            print(f"tapfds.py: expected NETNS:TAP, got {spec!r}", file=sys.stderr)
            return 2
        setns(f"/var/run/netns/{netns}")
        fds.append(open_tap(tap))
    setns(f"/proc/self/fd/{home}")
    os.close(home)
    # Descriptors 3, 4, ... in the order given: first out of the way (no
    # opened descriptor is as high as 100), then into place.
    high = []
    for i, fd in enumerate(fds):
        os.dup2(fd, 100 + i, inheritable=False)
        os.close(fd)
        high.append(100 + i)
    for i, fd in enumerate(high):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    os.execvp(command[0], command)
    return 1


if __name__ == "__main__":
    sys.exit(main())
