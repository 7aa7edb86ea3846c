# Shared by scripts/test.sh and scripts/demo.sh: install Debian packages, build.
# Source it; it defines functions only.

BH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BH_BUILD=${BH_BUILD:-$BH_ROOT/build}

# Debian 12 packages: the toolchain, DPDK (libs, headers, testpmd), yaml-cpp,
# GoogleTest, civetweb (the /metrics HTTP server), nlohmann-json (the control
# socket's messages), and what the system tests and the demo run in namespaces.
BH_PACKAGES=(
    build-essential cmake pkg-config
    dpdk dpdk-dev libdpdk-dev
    libyaml-cpp-dev googletest libgtest-dev libgmock-dev libbenchmark-dev
    libcivetweb-dev nlohmann-json3-dev
    iproute2 iputils-ping iputils-arping tcpdump procps curl python3 jq iperf3 ethtool
)

bh_log() { printf '==> %s\n' "$*" >&2; }
bh_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs whatever of BH_PACKAGES is missing (needs root for that).
bh_install() {
    local missing=()
    local p
    for p in "${BH_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        bh_log "packages: all present"
        return
    fi
    [ "$(id -u)" -eq 0 ] || bh_die "missing packages (${missing[*]}); run as root to install them"
    bh_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Configures and builds into $BH_BUILD (binaries land in $BH_BUILD/bin).
bh_build() {
    bh_log "building in $BH_BUILD"
    cmake -S "$BH_ROOT" -B "$BH_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$BH_BUILD" -j "$(nproc)"
}
