#!/usr/bin/env bash
# Checks the ESXi appliance scripts/build-image.sh wrote: the OVA is a tar
# with the OVF descriptor first, its manifest's SHA-256 sums match, the OVF
# is well-formed XML describing 2 vCPUs, 2 GiB, one disk of the VMDK's
# capacity and three vmxnet3 NICs, the VMDK is streamOptimized, and it holds
# the same disk as the qcow2.
# Usage: tests/vm/check_ova.sh IMAGE_DIR   (exit 77 when there is no image)
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/checks.sh"
DIR=${1:?usage: check_ova.sh IMAGE_DIR}
[ -f "$DIR/bridgehost.ova" ] || { echo "skipped: no $DIR/bridgehost.ova"; exit 77; }
TMP=$(mktemp -d /tmp/bh-ova.XXXX)
trap 'rm -rf "$TMP"' EXIT

[ "$(tar -tf "$DIR/bridgehost.ova" | tr '\n' ' ')" = "bridgehost.ovf bridgehost.mf bridgehost-disk1.vmdk " ] &&
    pass "OVA holds bridgehost.ovf (first), .mf, -disk1.vmdk" || fail "OVA contents: $(tar -tf "$DIR/bridgehost.ova" | tr '\n' ' ')"
tar -C "$TMP" -xf "$DIR/bridgehost.ova"
(cd "$TMP" && sed -n 's/^SHA256(\(.*\))= \(.*\)$/\2  \1/p' bridgehost.mf | sha256sum -c --quiet) &&
    pass "manifest SHA-256 sums match" || fail "manifest sums"
qemu-img info "$TMP/bridgehost-disk1.vmdk" >"$TMP/info" 2>&1
grep -q "create type: streamOptimized" "$TMP/info" && pass "VMDK is streamOptimized" || { fail "VMDK type"; cat "$TMP/info"; }
capacity=$(qemu-img info --output=json "$TMP/bridgehost-disk1.vmdk" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')
python3 - "$TMP/bridgehost.ovf" "$capacity" <<'EOF' && pass "OVF: 2 vCPUs, 2048 MB, one disk of $capacity bytes, 3 vmxnet3 NICs on segment-a, segment-b, management" || fail "OVF content"
import sys
import xml.etree.ElementTree as ET
ns = {"o": "http://schemas.dmtf.org/ovf/envelope/1",
      "r": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"}
root = ET.parse(sys.argv[1]).getroot()
disk = root.find("o:DiskSection/o:Disk", ns)
assert disk.get("{%s}capacity" % ns["o"]) == sys.argv[2], "disk capacity"
items = root.findall(".//o:VirtualHardwareSection/o:Item", ns)
by_type = {}
for item in items:
    by_type.setdefault(item.find("r:ResourceType", ns).text, []).append(item)
assert by_type["3"][0].find("r:VirtualQuantity", ns).text == "2", "vCPUs"
assert by_type["4"][0].find("r:VirtualQuantity", ns).text == "2048", "memory"
assert len(by_type["17"]) == 1, "one disk"
nics = by_type["10"]
assert [n.find("r:ResourceSubType", ns).text for n in nics] == ["VmxNet3"] * 3, "NIC types"
assert [n.find("r:Connection", ns).text for n in nics] == ["segment-a", "segment-b", "management"]
EOF
if [ -f "$DIR/bridgehost.qcow2" ]; then
    qemu-img compare -q "$DIR/bridgehost.qcow2" "$TMP/bridgehost-disk1.vmdk" &&
        pass "the VMDK holds the same disk as the qcow2" || fail "VMDK and qcow2 differ"
fi
bh_checks_done
