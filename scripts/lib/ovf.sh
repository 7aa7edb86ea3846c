#!/usr/bin/env bash
# Writes the OVF 1.0 descriptor of the bridgehost VM for ESXi to stdout:
# 2 vCPUs, 2 GiB, the disk on an LSI Logic SCSI controller, and three vmxnet3
# NICs: segment-a and segment-b (the switch's ports, in PCI order) and
# management (left to the kernel). Used by scripts/build-image.sh.
# Usage: ovf.sh DISK.vmdk CAPACITY_BYTES
set -euo pipefail
vmdk=${1:?usage: ovf.sh DISK.vmdk CAPACITY_BYTES}
capacity=${2:?usage: ovf.sh DISK.vmdk CAPACITY_BYTES}
file=$(basename "$vmdk")
size=$(stat -c %s "$vmdk")

nic() { # nic INSTANCE_ID ADDRESS_ON_PARENT NETWORK
    cat <<EOF
      <Item>
        <rasd:AddressOnParent>$2</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>$3</rasd:Connection>
        <rasd:Description>VmxNet3 ethernet adapter on "$3"</rasd:Description>
        <rasd:ElementName>$3</rasd:ElementName>
        <rasd:InstanceID>$1</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
EOF
}

cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="bridgehost" xmlns="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
    <File ovf:href="$file" ovf:id="file1" ovf:size="$size"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="$capacity" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1"
          ovf:fileRef="file1"
          ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>The switch joins segment-a and segment-b; management stays with the kernel</Info>
    <Network ovf:name="segment-a"><Description>First L2 segment (bridgehost port lan0)</Description></Network>
    <Network ovf:name="segment-b"><Description>Second L2 segment (bridgehost port lan1)</Description></Network>
    <Network ovf:name="management"><Description>Management (DHCP, SSH is not installed; serial console)</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="bridgehost">
    <Info>bridgehost DPDK L2 switch</Info>
    <Name>bridgehost</Name>
    <OperatingSystemSection ovf:id="96" vmw:osType="debian12_64Guest">
      <Info>Debian 12 (64-bit)</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>2 vCPUs (control and worker lcore), 2 GiB, three vmxnet3 NICs</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>bridgehost</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>2 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>2</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>2048MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>2048</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>SCSI Controller</rasd:Description>
        <rasd:ElementName>SCSI controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk 1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
$(nic 5 7 segment-a)
$(nic 6 8 segment-b)
$(nic 7 9 management)
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
EOF
