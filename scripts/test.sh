#!/usr/bin/env bash
# Installs what is needed (Debian 12, as root), builds into build/, runs every test with ctest.
# The VM tests (label vm) take about 4 minutes; `cd build && ctest -LE vm` skips them.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

# The VM tests (tests/vm: build the image, boot it under QEMU) need these too.
BH_PACKAGES+=(qemu-system-x86 qemu-utils debootstrap fdisk extlinux syslinux-common e2fsprogs)
bh_install
bh_build
cd "$BH_BUILD"
bh_log "running the tests"
ctest --output-on-failure
