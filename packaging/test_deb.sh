#!/bin/bash
# packaging/test_deb.sh BUILD_DIR: build the Debian package from a built tree
# into a temporary directory and check it: files, modes, control fields
# (Depends, conffiles, maintainer scripts), the packaged binaries and configs,
# the unit (systemd-analyze verify, when installed) and bridgehost-hugepages
# against a fake procfs. Changes nothing outside its temporary directory.
# ctest: packaging.deb.
set -u

build=${1:?usage: test_deb.sh BUILD_DIR}
build=$(cd "$build" && pwd) || exit 1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
pass() { echo "ok:   $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

for tool in cpack dpkg-deb dpkg; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done
[[ -f $build/CPackConfig.cmake ]] || { echo "FAIL: no $build/CPackConfig.cmake (configure first)"; exit 1; }
[[ -x $build/bin/bridgehost ]] || { echo "FAIL: $build/bin/bridgehost not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bridgehost-deb.XXXXXX")
# cpack writes its component's install manifest into the build tree; remove it
# only if this run created it.
manifest=$build/install_manifest_bridgehost.txt
[[ -e $manifest ]] && manifest_existed=1 || manifest_existed=0
cleanup() {
    rm -rf "$tmp"
    ((manifest_existed)) || rm -f "$manifest"
}
trap cleanup EXIT

# --- Build the package ---------------------------------------------------------
start=$SECONDS
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log"
    echo "FAIL: cpack -G DEB"
    exit 1
fi
debs=("$tmp"/out/*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || { cat "$tmp/cpack.log"; echo "FAIL: expected one .deb, got: ${debs[*]}"; exit 1; }
deb=${debs[0]}
pass "cpack -G DEB built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $((SECONDS - start)) s"

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
check "file name bridgehost_${version}_${arch}.deb" test "$(basename "$deb")" == "bridgehost_${version}_${arch}.deb"

# --- Contents --------------------------------------------------------------------
dpkg-deb -c "$deb" >"$tmp/contents" || { echo "FAIL: dpkg-deb -c"; exit 1; }
# "-rwxr-xr-x root/root 123 2026-01-01 00:00 ./usr/bin/bridgehost" -> path and mode
awk '{ p = $6; sub(/^\.\//, "", p); print p "\t" $1 }' "$tmp/contents" >"$tmp/files"
has() { # has PATH [MODE]
    local mode
    mode=$(awk -F'\t' -v p="$1" '$1 == p { print $2 }' "$tmp/files")
    if [[ -z $mode ]]; then
        fail "package contains $1"
    elif [[ -n ${2:-} && $mode != "$2" ]]; then
        fail "$1 has mode $mode, expected $2"
    else
        pass "package contains $1${2:+ ($2)}"
    fi
}
has usr/bin/bridgehost -rwxr-xr-x
has usr/bin/bridgehost-gen -rwxr-xr-x
if [[ -x $build/bin/bridgehostctl ]]; then
    has usr/bin/bridgehostctl -rwxr-xr-x
fi
has usr/lib/bridgehost/bridgehost-hugepages -rwxr-xr-x
has "lib/systemd/system/bridgehost@.service" -rw-r--r--
has usr/lib/bridgehost/bridgehost-bind -rwxr-xr-x
has "lib/systemd/system/bridgehost-bind@.service" -rw-r--r--
has etc/bridgehost/bridgehost.yaml -rw-r--r--
has etc/default/bridgehost -rw-r--r--
for f in "$src"/config/*.yaml; do
    has "usr/share/bridgehost/examples/$(basename "$f")" -rw-r--r--
done
has usr/share/doc/bridgehost/README.md
has usr/share/doc/bridgehost/README.packaging.md
for f in $(cd "$src" && find docs -name '*.md'); do
    has "usr/share/doc/bridgehost/$f"
done
has usr/share/doc/bridgehost/pktgen/README.md
for f in "$src"/scripts/pktgen/*.lua; do
    has "usr/share/doc/bridgehost/pktgen/$(basename "$f")"
done
# Nothing else: no headers, static libraries or test binaries slip in.
stray=$(awk -F'\t' '$2 !~ /^d/ { print $1 }' "$tmp/files" |
    grep -Ev '^(usr/bin/bridgehost(-gen|ctl)?|usr/lib/bridgehost/bridgehost-(hugepages|bind)|lib/systemd/system/bridgehost(-bind)?@\.service|etc/bridgehost/bridgehost\.yaml|etc/default/bridgehost|usr/share/bridgehost/examples/[^/]+\.yaml|usr/share/doc/bridgehost/(README(\.packaging)?\.md|docs/([^/]+/)?[^/]+\.md|pktgen/(README\.md|[^/]+\.lua)))$')
check "no unexpected files${stray:+: $stray}" test -z "$stray"

# --- Control fields ------------------------------------------------------------------
dpkg-deb -I "$deb" >"$tmp/info" || { echo "FAIL: dpkg-deb -I"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }
check "Package: bridgehost" test "$(field Package)" == bridgehost
check "Version: $version" test "$(field Version)" == "$version"
check "Architecture: $arch" test "$(field Architecture)" == "$arch"
check "Section: net" test "$(field Section)" == net
check "Maintainer is set" test -n "$(field Maintainer)"
depends=$(field Depends)
echo "      Depends: $depends"
depends_on() { # exact package name in the comma-separated list, any version/alternative
    tr ',|' '\n' <<<"$depends" | sed 's/(.*)//; s/^ *//; s/ *$//' | grep -qx -- "$1"
}
for pkg in dpdk librte-eal23 librte-ethdev23 librte-mbuf23 librte-net-af-packet23 librte-net-vhost23 \
    librte-net-virtio23 librte-net-vmxnet3-23 librte-bus-pci23 librte-bus-vdev23 librte-mempool-ring23; do
    check "Depends on $pkg" depends_on "$pkg"
done
check "Depends on libyaml-cpp (from dpkg-shlibdeps)" grep -q 'libyaml-cpp' <<<"$depends"
check "Depends on libc6 (from dpkg-shlibdeps)" depends_on libc6

check "control archive lists conffiles" grep -qw conffiles "$tmp/info"
check "control archive lists postinst" grep -qw postinst "$tmp/info"
dpkg-deb -e "$deb" "$tmp/control" || { echo "FAIL: dpkg-deb -e"; exit 1; }
check "conffiles: /etc/bridgehost/bridgehost.yaml and /etc/default/bridgehost" \
    test "$(sort "$tmp/control/conffiles")" == "$(printf '/etc/bridgehost/bridgehost.yaml\n/etc/default/bridgehost')"
check "postinst is executable and valid sh" sh -n "$tmp/control/postinst"
check "postinst mode 0755" test "$(stat -c %a "$tmp/control/postinst")" == 755
check "postinst runs systemctl daemon-reload when systemd runs" \
    grep -Eq '\[ -d /run/systemd/system \].*' "$tmp/control/postinst"
check "postinst daemon-reload" grep -q 'systemctl --system daemon-reload' "$tmp/control/postinst"
check "postinst enables/starts nothing" \
    bash -c "! grep -v '^[[:space:]]*#' '$tmp/control/postinst' | grep -Eq 'systemctl .*(enable|start|restart)|deb-systemd'"

# --- The packaged files work ----------------------------------------------------------
root=$tmp/root
dpkg-deb -x "$deb" "$root" || { echo "FAIL: dpkg-deb -x"; exit 1; }
check "packaged bridgehost runs (--version)" "$root/usr/bin/bridgehost" --version
check "packaged bridgehost-gen runs (--help)" bash -c "'$root/usr/bin/bridgehost-gen' --help >/dev/null"
if command -v readelf >/dev/null; then
    check "packaged bridgehost is stripped (no .debug_info)" \
        bash -c "! readelf -S '$root/usr/bin/bridgehost' | grep -q '\.debug_info'"
fi
check "packaged /etc/bridgehost/bridgehost.yaml passes --check" \
    "$root/usr/bin/bridgehost" --config "$root/etc/bridgehost/bridgehost.yaml" --check
for f in "$root"/usr/share/bridgehost/examples/*.yaml; do
    check "example $(basename "$f") passes --check" "$root/usr/bin/bridgehost" --config "$f" --check
done
check "/etc/default/bridgehost sets BRIDGEHOST_HUGEPAGES=1024" \
    bash -c "set -u; . '$root/etc/default/bridgehost'; test \"\$BRIDGEHOST_HUGEPAGES\" = 1024"

# --- The unit -----------------------------------------------------------------------
unit="$root/lib/systemd/system/bridgehost@.service"
# shellcheck disable=SC2016 # $MAINPID is literal unit text
for line in 'ExecStart=/usr/bin/bridgehost --config /etc/bridgehost/%i.yaml' \
    'ExecStartPre=/usr/lib/bridgehost/bridgehost-hugepages' 'EnvironmentFile=-/etc/default/bridgehost' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' 'RestartSec=2' 'KillSignal=SIGTERM' \
    'RuntimeDirectory=bridgehost' 'RuntimeDirectoryMode=0700' 'LimitMEMLOCK=infinity' \
    'After=bridgehost-bind@%i.service network-pre.target dev-hugepages.mount' \
    'Wants=bridgehost-bind@%i.service' 'WantedBy=multi-user.target'; do
    check "unit has $line" grep -qxF -- "$line" "$unit"
done
for line in 'ExecStart=/usr/lib/bridgehost/bridgehost-bind /etc/bridgehost/%i.yaml' \
    'Before=network-pre.target' 'Type=oneshot' 'RemainAfterExit=yes'; do
    check "bind unit has $line" grep -qxF -- "$line" "$root/lib/systemd/system/bridgehost-bind@.service"
done
if command -v systemd-analyze >/dev/null; then
    # The unit's absolute paths point into the extracted package, so verify
    # finds the executables without installing anything. verify exits 0 on
    # unknown keys or bad values, so any output is a failure too.
    mkdir -p "$tmp/unit"
    for u in bridgehost@.service bridgehost-bind@.service; do
        sed -e "s#/usr/bin/bridgehost#$root/usr/bin/bridgehost#g" \
            -e "s#/usr/lib/bridgehost/#$root/usr/lib/bridgehost/#g" \
            "$root/lib/systemd/system/$u" >"$tmp/unit/$u"
    done
    for u in bridgehost@.service bridgehost-bind@.service; do
        if out=$(cd "$tmp/unit" && systemd-analyze verify "./$u" 2>&1) && [[ -z $out ]]; then
            pass "systemd-analyze verify $u"
        else
            echo "$out"
            fail "systemd-analyze verify $u"
        fi
    done
else
    echo "skip: systemd-analyze not installed, unit not verified"
fi

# --- bridgehost-hugepages against a fake procfs --------------------------------------
hp=$root/usr/lib/bridgehost/bridgehost-hugepages
fake() { # fake DIR TOTAL FREE MOUNTED(0/1): a procfs with meminfo, mounts, sys/vm/nr_hugepages
    mkdir -p "$1/sys/vm"
    printf 'MemTotal:  8000000 kB\nHugePages_Total: %s\nHugePages_Free: %s\nHugePages_Rsvd: 0\nHugePages_Surp: 0\nHugepagesize: 2048 kB\n' \
        "$2" "$3" >"$1/meminfo"
    echo "proc /proc proc rw 0 0" >"$1/mounts"
    (($4)) && echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >>"$1/mounts"
    echo "$2" >"$1/sys/vm/nr_hugepages"
}
run_hp() { # run_hp PROCDIR ARGS... -> $hp_out, $hp_rc
    hp_out=$(env -u BRIDGEHOST_HUGEPAGES -u BRIDGEHOST_HUGEPAGES_MOUNT BRIDGEHOST_PROC="$1" "$hp" "${@:2}" 2>&1)
    hp_rc=$?
}
expect() { # expect DESCRIPTION RC REGEX
    if [[ $hp_rc == "$2" ]] && grep -Eq -- "$3" <<<"$hp_out"; then
        pass "hugepages: $1"
    else
        fail "hugepages: $1 (exit $hp_rc, expected $2; output must match /$3/):"
        echo "      ${hp_out//$'\n'/$'\n'      }"
    fi
}
p=$tmp/proc-empty
fake "$p" 0 0 0
run_hp "$p" --dry-run
expect "--dry-run, nothing set up: would mount and reserve 1024 (the default)" 0 \
    'would mount hugetlbfs on /dev/hugepages'
expect "--dry-run reports the nr_hugepages change" 0 'would raise vm.nr_hugepages from 0 to 1024'
check "hugepages: --dry-run changed nothing" test "$(cat "$p/sys/vm/nr_hugepages")" == 0
run_hp "$p" --check
expect "--check, nothing set up: exit 3" 3 'would raise'
hp_out=$(BRIDGEHOST_PROC="$p" BRIDGEHOST_HUGEPAGES=64 "$hp" --dry-run 2>&1)
hp_rc=$?
expect "BRIDGEHOST_HUGEPAGES from the environment" 0 'from 0 to 64 '

p=$tmp/proc-ready
fake "$p" 2048 1500 1
run_hp "$p"
expect "ready: nothing to do" 0 '1500 of 2048 hugepages of 2048 kB are free, 1024 wanted: nothing to reserve'
run_hp "$p"
expect "ready, second run: still nothing to do (idempotent)" 0 'nothing to reserve'
check "hugepages: ready system untouched" test "$(cat "$p/sys/vm/nr_hugepages")" == 2048
run_hp "$p" --check
expect "--check, ready: exit 0" 0 'hugetlbfs is mounted on /dev/hugepages'
run_hp "$p" --check --mount /dev/hugepages/
expect "a trailing slash on --mount still finds the mount" 0 'hugetlbfs is mounted on /dev/hugepages$'

p=$tmp/proc-short
fake "$p" 600 200 1
run_hp "$p" --pages 1024 --dry-run
expect "in use pages count: raise by the shortfall (600 + 824)" 0 'would raise vm.nr_hugepages from 600 to 1424'
# A real kernel would grant the pages; the fake meminfo does not change, which
# is what a kernel short of contiguous memory looks like.
run_hp "$p" --pages 1024
expect "kernel short of memory: clear error" 1 'asked the kernel for 1424 hugepages.*granted 600.*Lower BRIDGEHOST_HUGEPAGES'
check "hugepages: nr_hugepages given back after the failure" test "$(cat "$p/sys/vm/nr_hugepages")" == 600

p=$tmp/proc-rsvd
fake "$p" 1024 1024 1
sed -i 's/^HugePages_Rsvd: 0/HugePages_Rsvd: 512/' "$p/meminfo"
run_hp "$p" --dry-run
expect "reserved pages are not free" 0 'would raise vm.nr_hugepages from 1024 to 1536'

run_hp "$p" --pages lots
expect "bad page count: clear error" 1 "--pages is 'lots', expected a whole number"
hp_out=$(BRIDGEHOST_PROC="$p" BRIDGEHOST_HUGEPAGES=1k "$hp" 2>&1)
hp_rc=$?
expect "bad BRIDGEHOST_HUGEPAGES: names /etc/default/bridgehost" 1 "BRIDGEHOST_HUGEPAGES \(/etc/default/bridgehost\) is '1k'"
run_hp "$p" --pages 0
expect "0 pages: skipped" 0 'nothing to do'
run_hp "$p" --bogus
expect "unknown argument: exit 2" 2 "unknown argument '--bogus'"
p=$tmp/proc-nohuge
fake "$p" 0 0 1
sed -i '/^Huge/d' "$p/meminfo"
run_hp "$p"
expect "kernel without hugepages: clear error" 1 'no hugepage support'
# On this machine's real /proc, read only.
hp_out=$("$hp" --dry-run 2>&1)
hp_rc=$?
expect "--dry-run on the real /proc" 0 'hugepages of [0-9]+ kB'
check "shellcheck bridgehost-hugepages" bash -c "! command -v shellcheck >/dev/null || shellcheck '$hp'"

# --- bridgehost-bind, dry runs against a fake sysfs --------------------------------
bind=$root/usr/lib/bridgehost/bridgehost-bind
sysfs=$tmp/sys
mkdir -p "$sysfs/bus/pci/devices/0000:00:04.0" "$sysfs/bus/pci/drivers/vmxnet3" "$sysfs/kernel/iommu_groups"
ln -s ../../../bus/pci/drivers/vmxnet3 "$sysfs/bus/pci/devices/0000:00:04.0/driver"
printf 'ports:\n  - { name: a, device: "0000:00:04.0" }\n  - { name: b, device: "00:05.0" }\n' >"$tmp/pci.yaml"
run_bind() { # run_bind ARGS...: bind_out, bind_rc
    bind_out=$(PATH="$root/usr/bin:$PATH" BRIDGEHOST="$root/usr/bin/bridgehost" BRIDGEHOST_SYSFS="$sysfs" \
        timeout 20 "$bind" "$@" 2>&1)
    bind_rc=$?
}
expect_bind() { # expect_bind DESCRIPTION RC REGEX
    if [[ $bind_rc == "$2" ]] && grep -Eq -- "$3" <<<"$bind_out"; then
        pass "bind: $1"
    else
        fail "bind: $1 (exit $bind_rc, expected $2; output must match /$3/):"
        echo "$bind_out" | sed 's/^/    /'
    fi
}
printf 'ports:\n  - { name: a, device: net_null0 }\n  - { name: b, device: net_null1 }\n' >"$tmp/vdev.yaml"
run_bind --dry-run "$tmp/vdev.yaml"
expect_bind "a vdev-only config binds nothing" 0 'has no PCI ports; nothing to bind'
if command -v dpdk-devbind.py >/dev/null; then
    run_bind --dry-run "$tmp/pci.yaml"
    expect_bind "a missing NIC is named" 1 'no PCI device 0000:00:05.0 \(listed in .*pci.yaml\)'
    mkdir -p "$sysfs/bus/pci/devices/0000:00:05.0"
    run_bind --dry-run "$tmp/pci.yaml"
    expect_bind "no IOMMU, no no-IOMMU mode in the kernel: uio_pci_generic" 0 \
        'no IOMMU, and this kernel has no VFIO no-IOMMU mode \(CONFIG_VFIO_NOIOMMU\): uio_pci_generic'
    expect_bind "the vmxnet3 NIC would go to uio_pci_generic" 0 'would bind 0000:00:04.0 \(now: vmxnet3\) to uio_pci_generic'
    mkdir -p "$sysfs/module/vfio/parameters"
    echo N >"$sysfs/module/vfio/parameters/enable_unsafe_noiommu_mode"
    run_bind --dry-run "$tmp/pci.yaml"
    expect_bind "no IOMMU, a kernel with no-IOMMU mode: vfio-pci" 0 '^bridgehost-bind: no IOMMU: vfio-pci in no-IOMMU mode$'
    expect_bind "the vmxnet3 NIC would go to vfio-pci" 0 'would bind 0000:00:04.0 \(now: vmxnet3\) to vfio-pci'
    expect_bind "the NIC without a driver too" 0 'would bind 0000:00:05.0 \(now: none\) to vfio-pci'
    mkdir -p "$sysfs/kernel/iommu_groups/0"
    run_bind --dry-run "$tmp/pci.yaml"
    expect_bind "with an IOMMU: vfio-pci" 0 '^bridgehost-bind: IOMMU present: vfio-pci$'
    run_bind --dry-run --driver uio_pci_generic "$tmp/pci.yaml"
    expect_bind "--driver uio_pci_generic" 0 'would bind 0000:00:05.0 \(now: none\) to uio_pci_generic'
fi
run_bind --driver e1000 "$tmp/pci.yaml"
expect_bind "unknown driver: exit 2" 2 "unknown driver 'e1000'"
printf 'ports: [\n' >"$tmp/bad.yaml"
run_bind "$tmp/bad.yaml"
expect_bind "a broken config: exit 1" 1 'cannot read .*bad.yaml'
check "shellcheck bridgehost-bind" bash -c "! command -v shellcheck >/dev/null || shellcheck '$bind'"

echo
if ((failures)); then
    echo "packaging.deb: $failures check(s) failed"
    exit 1
fi
echo "packaging.deb: all checks passed ($((SECONDS - start)) s)"
