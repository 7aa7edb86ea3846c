#!/usr/bin/env bash
# Boots the forwarding VM image under QEMU (TCG: KVM guests hang on this
# machine) with two switch NICs, each on a tap device in its own network
# namespace (hosta 198.51.100.1, hostb 198.51.100.2), and a management NIC on
# QEMU's user network. Then pings hostb from hosta until it crosses the
# switch, and back, and reports the time from QEMU's start to the first ping
# that crossed.
#
# The NICs sit where ESXi puts a VM's second and third vmxnet3 adapters,
# 0000:0b:00.0 and 0000:13:00.0 (behind PCIe expander bridges with bus
# numbers 0x0a and 0x12), so the image's /etc/bridgehost/bridgehost.yaml
# (config/vmxnet3.yaml) is used unchanged. The management NIC is at
# 0000:00:03.0 and stays with the kernel.
#
# Usage: tests/vm/qemu_boot.sh IMAGE.qcow2 [vmxnet3|virtio ...]
#   (default: both models, one boot each). Root. Exit 77: no QEMU or no image.
# The image is not modified (a qcow2 overlay per boot).
set -uo pipefail
IMAGE=${1:?usage: qemu_boot.sh IMAGE.qcow2 [vmxnet3|virtio ...]}
shift
MODELS=("$@")
[ ${#MODELS[@]} -eq 0 ] && MODELS=(vmxnet3 virtio)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/proc.sh"
source "$HERE/../../scripts/lib/checks.sh"

[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "skipped: qemu-system-x86_64 not installed"; exit 77; }
[ -f "$IMAGE" ] || { echo "skipped: no image $IMAGE (scripts/build-image.sh makes it)"; exit 77; }
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600} # seconds to the first ping; TCG is slow

ID=$$
NET=198.51.100
TMP=$(mktemp -d "/tmp/bh-vm.$ID.XXXX")
NSA="vma-$ID" NSB="vmb-$ID" TAPA="bhvma$ID" TAPB="bhvmb$ID"
QEMU=

cleanup() {
    [ -n "$QEMU" ] && kill -KILL "$QEMU" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

for side in a b; do
    ns=$NSA tap=$TAPA addr=$NET.1
    [ $side = b ] && ns=$NSB tap=$TAPB addr=$NET.2
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add dev "$tap" mode tap
    ip -n "$ns" addr add "$addr/24" dev "$tap"
    ip -n "$ns" link set "$tap" up
done

# nic_args MODEL: the two switch NICs at 0000:0b:00.0 and 0000:13:00.0.
nic_args() {
    local dev=$1
    [ "$dev" = virtio ] && dev=virtio-net-pci
    echo "-device pxb-pcie,id=pxb0,bus_nr=10,bus=pcie.0,addr=0x10"
    echo "-device pcie-root-port,id=rp0,bus=pxb0,chassis=10,slot=0"
    echo "-device pxb-pcie,id=pxb1,bus_nr=18,bus=pcie.0,addr=0x11"
    echo "-device pcie-root-port,id=rp1,bus=pxb1,chassis=18,slot=0"
    echo "-netdev tap,id=na,fd=3 -device $dev,netdev=na,bus=rp0,addr=0,mac=52:54:00:bb:00:0a"
    echo "-netdev tap,id=nb,fd=4 -device $dev,netdev=nb,bus=rp1,addr=0,mac=52:54:00:bb:00:0b"
}

boot() { # boot MODEL: one boot, the pings, the report line
    local model=$1 start first=
    qemu-img create -q -f qcow2 -F qcow2 -b "$(realpath "$IMAGE")" "$TMP/$model.qcow2"
    start=$(date +%s%N)
    # shellcheck disable=SC2046 # nic_args is a list of words
    python3 "$HERE/../../scripts/lib/tapfds.py" "$NSA:$TAPA" "$NSB:$TAPB" -- \
        qemu-system-x86_64 -accel tcg,thread=multi -machine q35 -cpu max -smp 2 -m 2048 \
        -drive "file=$TMP/$model.qcow2,if=none,id=disk,cache=unsafe" \
        -device virtio-blk-pci,drive=disk,bus=pcie.0,addr=0x4 \
        -netdev user,id=mgmt -device virtio-net-pci,netdev=mgmt,bus=pcie.0,addr=0x3 \
        $(nic_args "$model") \
        -display none -monitor none -no-reboot \
        -chardev "socket,id=serial0,path=$TMP/$model.serial,server=on,wait=off,logfile=$TMP/$model.console" \
        -serial chardev:serial0 \
        >"$TMP/$model.qemu" 2>&1 &
    QEMU=$!
    echo "booting with two $model NICs (QEMU pid $QEMU); waiting up to $BOOT_TIMEOUT s for a ping to cross"
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    while [ $SECONDS -lt $deadline ] && bh_running "$QEMU"; do
        if ip netns exec "$NSA" ping -c 1 -W 1 "$NET.2" >/dev/null 2>&1; then
            first=$((($(date +%s%N) - start) / 1000000))
            break
        fi
        sleep 1
    done
    if [ -n "$first" ]; then
        pass "$model: hosta -> hostb crossed the switch $((first / 1000)).$((first % 1000 / 100)) s after QEMU started"
        echo "$model boot-to-first-ping-ms $first" >>"$TMP/report"
        ip netns exec "$NSA" ping -c 5 -i 0.3 -W 2 "$NET.2" >"$TMP/ping" 2>&1 &&
            pass "$model: ping hosta -> hostb, 5 of 5" || { fail "$model: ping hosta -> hostb"; cat "$TMP/ping"; }
        ip netns exec "$NSB" ping -c 5 -i 0.3 -W 2 "$NET.1" >"$TMP/ping" 2>&1 &&
            pass "$model: ping hostb -> hosta, 5 of 5" || { fail "$model: ping hostb -> hosta"; cat "$TMP/ping"; }
    else
        fail "$model: no ping crossed within $BOOT_TIMEOUT s"
        echo "--- QEMU:"; tail -20 "$TMP/$model.qemu"
        echo "--- serial console (last 60 lines):"; tail -60 "$TMP/$model.console"
    fi
    bh_wait_for "bridgehost login:" 120 "$TMP/$model.console" &&
        pass "$model: serial console offers a login" || fail "$model: no login prompt on the serial console"
    grep -q "bridgehost.control: forwarding between 2 ports" "$TMP/$model.console" &&
        pass "$model: the console shows the switch starting" || fail "$model: the console lacks the switch's start"
    # Log in on the serial console (the first login must change the password)
    # and look around as an operator would.
    if python3 "$HERE/serial_login.py" "$TMP/$model.serial" bridgehost "vm-test-$ID" \
        "systemctl is-active bridgehost@bridgehost bridgehost-bind@bridgehost" \
        "journalctl -b -o cat -u bridgehost-bind@bridgehost --no-pager" \
        "journalctl -b -p notice -o cat -u bridgehost@bridgehost --no-pager" \
        "bridgehostctl show ports" \
        "ip -br -4 addr show" \
        "grep -E 'HugePages_(Total|Free)' /proc/meminfo" >"$TMP/$model.session" 2>&1; then
        pass "$model: root login on the serial console (password change forced)"
    else
        fail "$model: serial console session"
    fi
    session_has() { # session_has DESCRIPTION EXTENDED_REGEX
        grep -Eq -- "$2" "$TMP/$model.session" && pass "$model: $1" || fail "$model: $1 (no /$2/)"
    }
    session_has "bridgehost and the binding are active" '^active$'
    # Debian's kernel has no VFIO no-IOMMU mode, and QEMU's q35 has no IOMMU
    # here: uio_pci_generic is the driver that works (for vmxnet3 and virtio).
    session_has "0000:0b:00.0 bound to uio_pci_generic" 'bridgehost-bind: 0000:0b:00.0 on uio_pci_generic'
    session_has "0000:13:00.0 bound to uio_pci_generic" 'bridgehost-bind: 0000:13:00.0 on uio_pci_generic'
    session_has "no failed vfio attempt" '^bridgehost-bind: no IOMMU, and this kernel has no VFIO no-IOMMU mode'
    # bridgehost's own log lines carry their rte_log priority into the journal.
    session_has "journalctl -p notice finds bridgehost's start" '^bridgehost.control: forwarding between 2 ports'
    session_has "show ports: lan0 up" '^lan0 +up '
    session_has "show ports: lan1 up" '^lan1 +up '
    session_has "the management NIC stays with the kernel, with a DHCP address" '^en[a-z0-9]+ +UP +10\.0\.2\.15/24'
    session_has "hugepages reserved on the kernel command line" '^HugePages_Total: +384$'
    [ -n "${VM_KEEP_CONSOLE:-}" ] && cp "$TMP/$model.session" "$VM_KEEP_CONSOLE.$model.session"
    bh_stop "$QEMU" TERM 20 || kill -KILL "$QEMU" 2>/dev/null
    QEMU=
    [ -n "${VM_KEEP_CONSOLE:-}" ] && cp "$TMP/$model.console" "$VM_KEEP_CONSOLE.$model"
}

for model in "${MODELS[@]}"; do
    case $model in vmxnet3 | virtio) boot "$model" ;; *) fail "unknown NIC model $model" ;; esac
done
[ -f "$TMP/report" ] && cat "$TMP/report"
bh_checks_done
