#!/usr/bin/env bash
# Installs what is needed (Debian 12, as root), builds, and runs every test with ctest, in two builds:
#
#   build/      gcc, RelWithDebInfo: every test (unit, dpdk, system, vm). The VM
#               tests (label vm) take about 7 minutes; `cd build && ctest -LE vm`
#               skips them.
#   build-san/  clang with ASan and UBSan (BRIDGEHOST_SANITIZE) and the libFuzzer
#               targets (BRIDGEHOST_FUZZ): the unit and in-process DPDK tests
#               again under the sanitizers, and each fuzzer for
#               BRIDGEHOST_FUZZ_SECONDS (default 60) from the corpus in tests/fuzz.
#
# BH_SANITIZE=0 skips the second build.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

# The VM tests (tests/vm: build the image, boot it under QEMU) need these too;
# the sanitizer and fuzzing build needs clang and its runtime libraries.
BH_PACKAGES+=(qemu-system-x86 qemu-utils debootstrap fdisk extlinux syslinux-common e2fsprogs)
BH_PACKAGES+=(clang libclang-rt-14-dev)
bh_install
bh_build
cd "$BH_BUILD"
bh_log "running the tests"
ctest --output-on-failure

[ "${BH_SANITIZE:-1}" = 0 ] && exit 0
SAN_BUILD=${BH_SAN_BUILD:-$BH_ROOT/build-san}
bh_log "building with clang, ASan, UBSan and libFuzzer in $SAN_BUILD"
CC=clang CXX=clang++ cmake -S "$BH_ROOT" -B "$SAN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBRIDGEHOST_SANITIZE=ON -DBRIDGEHOST_FUZZ=ON -DBRIDGEHOST_BENCH=OFF \
    ${BH_FUZZ_SECONDS:+-DBRIDGEHOST_FUZZ_SECONDS=$BH_FUZZ_SECONDS}
cmake --build "$SAN_BUILD" -j "$(nproc)"
cd "$SAN_BUILD"
bh_log "running the unit, in-process DPDK and fuzz tests under ASan and UBSan"
ctest --output-on-failure -L 'unit|dpdk|fuzz'
