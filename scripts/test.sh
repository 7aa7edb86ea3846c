#!/usr/bin/env bash
# Installs what is needed (Debian 12, as root), builds into build/, runs every test with ctest.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

bh_install
bh_build
cd "$BH_BUILD"
bh_log "running the tests"
ctest --output-on-failure
