#!/usr/bin/env bash
# Builds the bridgehost forwarding VM: a bootable disk image for KVM (qcow2)
# and ESXi (OVA: streamOptimized VMDK + OVF with three vmxnet3 NICs: two for
# the switch, one for management), from
# Debian packages only.
#
# Usage: scripts/build-image.sh [--out DIR] [--deb FILE] [--config FILE]
#                               [--size SIZE] [--hugepages N] [--mirror URL]
#                               [--root-password PW] [--no-ova] [--keep-raw]
#
#   --out DIR         where the images go (default: build/image)
#   --deb FILE        the bridgehost package to install (default: build it
#                     from this tree with cpack into build/)
#   --config FILE     the switch's configuration, installed as
#                     /etc/bridgehost/bridgehost.yaml (default:
#                     config/vmxnet3.yaml: NICs at 0000:00:04.0 and
#                     0000:00:05.0, where the QEMU test puts them)
#   --size SIZE       the virtual disk (default 2G; the files are sparse or
#                     compressed, so they are much smaller)
#   --hugepages N     2 MiB hugepages reserved on the kernel command line
#                     (default 384: 768 MiB; bridgehost's memory_mb must fit)
#   --mirror URL      Debian mirror (default: the first of this machine's
#                     apt sources, else http://deb.debian.org/debian)
#   --root-password PW  the root password for the serial console (default
#                     "bridgehost"; it must be changed at the first login)
#   --no-ova          qcow2 only
#   --keep-raw        keep the raw disk too (bridgehost.raw)
#
# What is in the image: Debian 12 (debootstrap, minbase), the Debian kernel,
# systemd, the bridgehost .deb and what it depends on (DPDK's libraries, the
# dpdk package for dpdk-devbind.py), extlinux as the boot loader. At boot:
# hugepages from the kernel command line; bridgehost-bind@bridgehost gives
# the config's PCI NICs to uio_pci_generic (Debian's kernel has no VFIO
# no-IOMMU mode; vfio-pci where the VM has an IOMMU) before
# the network starts; bridgehost@bridgehost starts the switch; every other NIC
# (the management NIC) stays with the kernel and gets DHCP from
# systemd-networkd; a login on the serial console (ttyS0, 115200) and the
# VGA console.
#
# Root (loop devices, mount, chroot). Needs network access to the Debian
# mirror. Takes about 5 minutes, most of it debootstrap.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

OUT=$BH_BUILD/image
DEB=
CONFIG=$BH_ROOT/config/vmxnet3.yaml
SIZE=2G
HUGEPAGES=384
MIRROR=
ROOTPW=bridgehost
OVA=1
KEEP_RAW=0
while [ $# -gt 0 ]; do
    case $1 in
    --out) OUT=$2; shift ;;
    --deb) DEB=$2; shift ;;
    --config) CONFIG=$2; shift ;;
    --size) SIZE=$2; shift ;;
    --hugepages) HUGEPAGES=$2; shift ;;
    --mirror) MIRROR=$2; shift ;;
    --root-password) ROOTPW=$2; shift ;;
    --no-ova) OVA=0 ;;
    --keep-raw) KEEP_RAW=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) bh_die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || bh_die "run as root (loop devices, mount, chroot)"
[[ $HUGEPAGES =~ ^[0-9]+$ ]] || bh_die "--hugepages takes a number, got '$HUGEPAGES'"
[ -f "$CONFIG" ] || bh_die "no config file $CONFIG"
if [ -z "$MIRROR" ]; then
    MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

BH_PACKAGES+=(debootstrap qemu-utils fdisk extlinux syslinux-common e2fsprogs)
bh_install

# --- The package ------------------------------------------------------------------
if [ -z "$DEB" ]; then
    [ -x "$BH_BUILD/bin/bridgehost" ] || bh_build
    bh_log "building the .deb (cpack)"
    (cd "$BH_BUILD" && cmake --build . -j "$(nproc)" >/dev/null && cpack -G DEB >/dev/null)
    DEB=$(ls -t "$BH_BUILD"/bridgehost_*.deb | head -1)
fi
[ -f "$DEB" ] || bh_die "no package $DEB"
"$BH_BUILD/bin/bridgehost" --config "$CONFIG" --check >/dev/null ||
    bh_die "$CONFIG does not pass bridgehost --check"

# --- A raw disk: one bootable ext4 partition from 1 MiB ------------------------------
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bh-image.XXXXXX")
RAW=$WORK/bridgehost.raw
ROOT=$WORK/root
LOOP=
cleanup() {
    set +e
    for m in dev/pts dev proc sys; do mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"; done
    mountpoint -q "$ROOT" && umount "$ROOT"
    [ -n "$LOOP" ] && losetup -d "$LOOP"
    rm -rf "$WORK"
}
trap cleanup EXIT

bh_log "disk: $SIZE raw, one ext4 partition"
truncate -s "$SIZE" "$RAW"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$RAW"
part_start=$((2048 * 512))
part_size=$(($(stat -c %s "$RAW") - part_start))
# No partition nodes are needed: the partition is a loop device of its own.
LOOP=$(losetup -f --show -o "$part_start" --sizelimit "$part_size" "$RAW")
# extlinux 6.04 reads ext4 without the 64bit and metadata_csum features.
mkfs.ext4 -q -L bridgehost -O ^64bit,^metadata_csum "$LOOP"
mkdir -p "$ROOT"
mount "$LOOP" "$ROOT"

# --- Debian -----------------------------------------------------------------------
bh_log "debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase \
    --include=linux-image-amd64,systemd-sysv,udev,kmod,iproute2,iputils-ping,procps,less,pciutils,python3,ca-certificates \
    bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; bh_die "debootstrap failed"; }
for m in proc sys dev dev/pts; do mount --bind "/$m" "$ROOT/$m"; done
in_root() { chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

bh_log "installing $(basename "$DEB") and its dependencies"
cp "$DEB" "$ROOT/tmp/bridgehost.deb"
in_root apt-get update -q >/dev/null
in_root apt-get install -y -q --no-install-recommends /tmp/bridgehost.deb >"$WORK/apt.log" 2>&1 ||
    { tail -20 "$WORK/apt.log"; bh_die "installing the package failed"; }
rm "$ROOT/tmp/bridgehost.deb"

# --- The appliance's configuration ------------------------------------------------
bh_log "configuring"
echo bridgehost >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tbridgehost\n' >"$ROOT/etc/hosts"
echo 'LABEL=bridgehost / ext4 errors=remount-ro 0 1' >"$ROOT/etc/fstab"
install -m 0644 "$CONFIG" "$ROOT/etc/bridgehost/bridgehost.yaml"
# The kernel reserves the hugepages at boot; the unit's bridgehost-hugepages
# then finds them free and changes nothing.
sed -i "s/^BRIDGEHOST_HUGEPAGES=.*/BRIDGEHOST_HUGEPAGES=$HUGEPAGES/" "$ROOT/etc/default/bridgehost"
echo "root:$ROOTPW" | in_root chpasswd
in_root chage -d 0 root # change it at the first login
# The management NIC: whatever the kernel still owns after the binding.
cat >"$ROOT/etc/systemd/network/80-management.network" <<'EOF'
# Every NIC the kernel still owns after bridgehost-bind@ (which runs before
# the network) took the switch's PCI NICs: the management NIC(s).
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
# The console shows what an operator standing at it needs: bridgehost's
# notices and warnings (start, link changes, reloads, the promiscuous-mode
# diagnosis) and the NIC binding, between the kernel's messages and the login.
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nForwardToConsole=yes\nMaxLevelConsole=notice\n' \
    >"$ROOT/etc/systemd/journald.conf.d/bridgehost-console.conf"
in_root systemctl enable systemd-networkd.service bridgehost@bridgehost.service >/dev/null 2>&1
in_root systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true
# --- Small: drop what a forwarding VM has no use for ----------------------------
# Kernel modules for hardware no ESXi or KVM guest has (graphics, sound,
# cameras, radios, InfiniBand, sensors, staging drivers), documentation and
# translations; dpkg keeps the latter out of later installs. The storage,
# network (vmxnet3, virtio, e1000, ...), USB and HID drivers stay.
[ -d "$ROOT/lib/modules" ] || bh_die "no kernel modules in $ROOT"
kver=$(cd "$ROOT/lib/modules" && ls | sort -V | tail -1)
mods=$ROOT/lib/modules/$kver/kernel
before=$(du -smx "$ROOT" | cut -f1)
rm -rf "$mods"/sound "$mods"/drivers/{gpu,media,infiniband,iio,staging,bluetooth,isdn} \
    "$mods"/drivers/net/{wireless,can} "$mods"/net/{wireless,mac80211,bluetooth}
in_root depmod -a "$kver"
in_root update-initramfs -u -k "$kver" >/dev/null 2>&1 || bh_die "update-initramfs failed"
printf '%s\n' '# bridgehost VM image: no documentation or translations (scripts/build-image.sh)' \
    'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-include /usr/share/doc/bridgehost/*' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    >"$ROOT/etc/dpkg/dpkg.cfg.d/01-bridgehost-small"
find "$ROOT/usr/share/doc" -mindepth 2 ! -type d ! -name copyright ! -path "$ROOT/usr/share/doc/bridgehost/*" -delete
rm -rf "${ROOT:?}"/usr/share/{man,info,locale}/*
in_root apt-get clean
rm -rf "${ROOT:?}"/var/lib/apt/lists/* "${ROOT:?}"/var/log/*.log
bh_log "trimmed $((before - $(du -smx "$ROOT" | cut -f1))) MiB"

# --- Boot loader: extlinux on the partition, syslinux's MBR on the disk -----------
kernel=$(cd "$ROOT/boot" && ls vmlinuz-* | sort -V | tail -1)
initrd=initrd.img-${kernel#vmlinuz-}
[ -f "$ROOT/boot/$initrd" ] || bh_die "no initrd for $kernel"
mkdir -p "$ROOT/boot/extlinux"
cat >"$ROOT/boot/extlinux/extlinux.conf" <<EOF
# bridgehost forwarding VM. Serial console on ttyS0 (115200) and VGA.
# hugepages: bridgehost's memory (eal.memory_mb) comes from them.
# vfio.enable_unsafe_noiommu_mode: for kernels built with VFIO's no-IOMMU mode
# (Debian's is not: bridgehost-bind then uses uio_pci_generic).
DEFAULT bridgehost
TIMEOUT 10
PROMPT 0
SERIAL 0 115200
LABEL bridgehost
    LINUX /boot/$kernel
    INITRD /boot/$initrd
    APPEND root=LABEL=bridgehost ro console=tty0 console=ttyS0,115200n8 default_hugepagesz=2M hugepagesz=2M hugepages=$HUGEPAGES vfio.enable_unsafe_noiommu_mode=1 quiet
EOF
extlinux --install "$ROOT/boot/extlinux" >/dev/null 2>&1 || bh_die "extlinux --install failed"
sync
for m in dev/pts dev proc sys; do umount -l "$ROOT/$m"; done
used=$(df -m --output=used "$ROOT" | tail -1 | tr -d ' ')
# Deleted files (the package cache, trimmed modules) still fill their blocks:
# discard them, so that they are holes in the raw file and nothing in the images.
fstrim "$ROOT" || bh_log "fstrim failed: the images carry the free blocks' old contents"
umount "$ROOT"
e2fsck -fy "$LOOP" >/dev/null 2>&1 || true
losetup -d "$LOOP"
LOOP=
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$RAW" bs=440 count=1 conv=notrunc status=none

# --- Images -------------------------------------------------------------------------
bh_log "qcow2"
qemu-img convert -c -O qcow2 "$RAW" "$OUT/bridgehost.qcow2"
report="root file system: $used MiB used; bridgehost.qcow2: $(du -m "$OUT/bridgehost.qcow2" | cut -f1) MiB"
if ((OVA)); then
    bh_log "OVA (streamOptimized VMDK + OVF)"
    qemu-img convert -O vmdk -o subformat=streamOptimized "$RAW" "$WORK/bridgehost-disk1.vmdk"
    "$BH_ROOT/scripts/lib/ovf.sh" "$WORK/bridgehost-disk1.vmdk" "$(stat -c %s "$RAW")" >"$WORK/bridgehost.ovf"
    (cd "$WORK" && for f in bridgehost.ovf bridgehost-disk1.vmdk; do
        echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
    done >bridgehost.mf)
    # The OVF descriptor must come first in the archive.
    tar -C "$WORK" -cf "$OUT/bridgehost.ova" bridgehost.ovf bridgehost.mf bridgehost-disk1.vmdk
    report+="; bridgehost.ova: $(du -m "$OUT/bridgehost.ova" | cut -f1) MiB"
fi
((KEEP_RAW)) && cp --sparse=always "$RAW" "$OUT/bridgehost.raw"
echo "$report" | tee "$OUT/SIZES"
bh_log "done: $OUT"
