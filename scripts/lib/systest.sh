# The common start of a system test (tests/system/*.sh, root, namespaces).
# Source it first: it sources netns.sh, proc.sh and checks.sh, and skips the
# test (exit 77) unless it runs as root. It sets
#
#   ID    this run's number ($$), for unique names, file prefixes and temp dirs
#   NET   198.51.100 (TEST-NET-2): the tests' /24, used only inside their namespaces
#
#   bh_eal_yaml PREFIX [MEMORY_MB]   the eal: section of the tests' configs (no
#                                    hugepages, lcores 0 and 1, file prefix PREFIX)
#   bh_start_switch CONFIG OUT ERR   runs $BIN on CONFIG in the background (stdout
#                                    to OUT, stderr to ERR), sets PID and waits until
#                                    it forwards; if it does not, prints ERR, exit 1
#   check WHAT CMD...                pass or fail by CMD's status; its output on failure
#   in_ns HOST CMD...                runs CMD in the namespace ${NS[HOST]}

BH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BH_LIB/netns.sh"
source "$BH_LIB/proc.sh"
source "$BH_LIB/checks.sh"

[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root for namespaces"; exit 77; }

ID=$$
NET=198.51.100

bh_eal_yaml() {
    printf 'eal:\n  lcores: "0@0,1@1"\n  no_huge: true\n  memory_mb: %s\n  file_prefix: %s\n' \
        "${2:-256}" "$1"
}

bh_start_switch() {
    "$BIN" --config "$1" >"$2" 2>"$3" &
    PID=$!
    bh_wait_for "forwarding between" 20 "$3" && return 0
    cat "$3"
    echo "FAIL: bridgehost did not start"
    exit 1
}

check() {
    local what=$1
    shift
    if "$@" >"$TMP/check.out" 2>&1; then pass "$what"; else fail "$what"; cat "$TMP/check.out"; fi
}

in_ns() {
    local h=$1
    shift
    ip netns exec "${NS[$h]}" "$@"
}
