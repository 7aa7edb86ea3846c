// The validated, immutable configuration of one bridgehost instance, read from YAML.
//
// Every key is checked: unknown keys, wrong types and bad values raise a
// config_error whose message names the file, line, column and key and says what
// was expected. Nothing is defaulted silently because of a typo.
#pragma once

#include "common/log_config.hpp"
#include "common/mac_address.hpp"
#include "config/mac_limit.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridgehost {

inline constexpr unsigned kMaxPorts = 32;      ///< ports one instance can switch between
inline constexpr unsigned kMaxLcoreId = 127;   ///< RTE_MAX_LCORE - 1 in Debian's DPDK
inline constexpr unsigned kMaxBurst = 256;     ///< frames per rx burst
inline constexpr uint32_t kMinFdbCapacity = 8; ///< rte_hash refuses fewer entries
inline constexpr uint32_t kMaxFdbCapacity = 1u << 26;

/// A configuration file that cannot be used; what() is the message for the operator.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct eal_config {
    std::optional<std::string>
        lcores; ///< passed to EAL --lcores; absent: built from control+workers
    std::optional<uint32_t> memory_mb;      ///< EAL -m
    bool no_huge = false;                   ///< EAL --no-huge (tests, demo)
    std::string file_prefix = "bridgehost"; ///< EAL --file-prefix
    std::vector<std::string> args;          ///< extra EAL arguments, passed through verbatim

    bool operator==(const eal_config&) const = default;
};

inline constexpr uint16_t kMaxVlan = 4094; ///< 802.1Q VIDs 1..4094; 0 is "untagged"

/// A port's VLAN membership. The switch works in VLANs 0..4094, 0 standing for
/// untagged frames; the FDB is keyed by (VLAN, MAC) and frames are flooded only
/// within their VLAN.
///  - trunk (the default): carries every VLAN in `allowed` tagged, and its
///    native VLAN untagged. With the defaults (all of 1..4094, native 0) the
///    port forwards every frame as it came, learning per VLAN: what OVS's
///    NORMAL does with a port that has no VLAN settings.
///  - access: carries one VLAN, untagged; tagged frames are refused.
/// Frames whose outer tag is 802.1ad (QinQ, 0x88a8) are not looked into: on a
/// trunk they travel in the native VLAN, untouched.
struct port_vlan {
    enum class mode_t : uint8_t { trunk, access };
    mode_t mode = mode_t::trunk;
    uint16_t access_vlan = 0; ///< access: 1..kMaxVlan
    uint16_t native_vlan = 0; ///< trunk: the VLAN of untagged frames; 0: they stay untagged
    std::vector<bool> allowed =
        std::vector<bool>(kMaxVlan + 1, true); ///< trunk, by VID; [0] unused

    /// The port is a member of `vlan` (0..kMaxVlan).
    bool carries(uint16_t vlan) const {
        if (mode == mode_t::access)
            return vlan == access_vlan;
        return vlan == native_vlan || (vlan != 0 && vlan <= kMaxVlan && allowed[vlan]);
    }
    /// Frames of `vlan` leave the port with an 802.1Q tag (precondition: carries(vlan)).
    bool tags(uint16_t vlan) const { return mode == mode_t::trunk && vlan != native_vlan; }

    bool operator==(const port_vlan&) const = default;
};

/// Storm control: flood limits of one port, in frames per second received on
/// it; 0 is no limit. Only frames the switch would flood count: broadcast,
/// multicast, and unicast to a MAC it has not learned.
struct storm_limits {
    uint32_t broadcast = 0;       ///< to ff:ff:ff:ff:ff:ff
    uint32_t multicast = 0;       ///< to other group addresses
    uint32_t unknown_unicast = 0; ///< to unicast MACs not in the FDB

    bool any() const { return broadcast != 0 || multicast != 0 || unknown_unicast != 0; }
    bool operator==(const storm_limits&) const = default;
};

/// The offloads a port negotiates with its peer, so that TCP from hosts with
/// their default settings (TSO, checksum offload) crosses the switch. What
/// each driver does with them is in lib/offload/negotiate.hpp.
struct port_offloads {
    /// auto: where the driver can; on: as auto, and bringing the port up
    /// fails where it cannot; off: never.
    enum class mode_t : uint8_t { automatic, on, off };
    /// Super-frames (TCP segmentation offload): received whole from the peer
    /// (net_af_packet: a frame size that holds 64 KiB), and given whole to a
    /// peer that cuts them itself. Super-frames for a port that takes none
    /// are cut by the switch. Needs checksum offload.
    mode_t tso = mode_t::automatic;
    /// Unfinished TCP/UDP checksums taken from and given to the peer;
    /// unfinished ones for a port that takes none are finished by the switch.
    mode_t checksum = mode_t::automatic;
    /// net_af_packet only: turn GRO and LRO off on the kernel interface while
    /// the port runs (restored at exit), so it hands over frames as they came.
    bool kernel_gro_off = true;

    bool operator==(const port_offloads&) const = default;
};
/// "auto", "on", "off".
const char* offload_mode_name(port_offloads::mode_t mode);

/// A port's spanning-tree settings (ports[].stp; features/stp).
struct port_stp {
    /// Whether the port's link is point-to-point, as RSTP's rapid transitions
    /// (proposal/agreement, edge auto-detection in 3 s) need. auto: yes, as
    /// every full-duplex link is, and every software port is full duplex.
    enum class p2p_t : uint8_t { automatic, yes, no };
    uint8_t priority = 128; ///< port priority, 0..240 in steps of 16
    uint32_t path_cost = 0; ///< 1..200000000; 0: from the link speed (802.1D-2004 table 17-3)
    bool edge = false;      ///< AdminEdge: an end station's port, forwarding at once
    p2p_t point_to_point = p2p_t::automatic;

    bool operator==(const port_stp&) const = default;
};

struct port_config {
    std::string name;               ///< unique; used in logs, counters, static entries
    std::string device;             ///< vdev string ("net_af_packet0,iface=x") or PCI address
    uint16_t rx_descriptors = 1024; ///< per rx queue
    uint16_t tx_descriptors = 1024; ///< per tx queue
    /// Absent: leave the device's MTU alone. Set: the device's MTU, and the
    /// largest frame (plus Ethernet header and VLAN tags) sent out of the port.
    std::optional<uint16_t> mtu;
    port_vlan vlan;           ///< mode, vlan, allowed_vlans, native_vlan
    storm_limits storm;       ///< storm_control
    port_mac_limit mac_limit; ///< max_macs, mac_limit_action (reloadable)
    bool bpdu_guard = false;  ///< block the port when an STP BPDU arrives on it
    port_stp stp;             ///< priority, path_cost, edge, point_to_point (reloadable)
    port_offloads offloads;   ///< tso, checksum, gro

    bool is_pci() const; ///< device is a PCI address
    /// The DPDK device name: the vdev name before the first ',' or the full PCI address.
    std::string dpdk_name() const;
    /// The driver a vdev name stands for ("net_af_packet" for
    /// "net_af_packet0"); "pci" for a PCI address (its driver is known only
    /// once the EAL has probed it).
    std::string driver() const;
    /// The value of devarg `key` in `device` ("framesz" in
    /// "net_af_packet0,iface=x,framesz=9216"); nullopt when absent.
    std::optional<std::string> devarg(std::string_view key) const;

    bool operator==(const port_config&) const = default;
};

struct static_fdb_entry {
    mac_address mac;         ///< unicast MAC pinned to a port
    std::string port;        ///< port name as written
    uint16_t port_index = 0; ///< index into config::ports
    uint16_t vlan = 0;       ///< in this VLAN (default: the port's access or native VLAN)
};

struct fdb_config {
    uint32_t capacity = 65536;    ///< entries
    uint32_t aging_seconds = 300; ///< 0: never age
    std::vector<static_fdb_entry> static_entries;
    flapping_config flapping; ///< MAC-move loop detection (reloadable)
};

struct workers_config {
    std::vector<unsigned> lcores; ///< lcore ids that poll ports
    uint16_t burst = 32;          ///< frames per rx burst, 1..kMaxBurst
    /// A burst that takes longer than this is a stall (the worker was
    /// descheduled or interrupted), counted apart from busy cycles. The YAML
    /// takes 1..1000000; 0 (tests only) makes every burst a stall.
    uint32_t stall_us = 100;
    /// Entries of each worker's cache in front of the FDB (fdb/fdb_cache.hpp):
    /// 0 (off) or a power of two from 256 to 1048576, 16 bytes each;
    /// kFdbCacheAuto ("auto"): fdb_cache_entries() sizes it from fdb.capacity.
    static constexpr uint32_t kFdbCacheAuto = UINT32_MAX;
    uint32_t fdb_cache = kFdbCacheAuto;

    bool operator==(const workers_config&) const = default;
};

/// The entries each worker's FDB cache gets: `workers.fdb_cache`, or with
/// "auto" half the FDB's capacity rounded up to a power of two, from 4096 to
/// 65536 (64 KiB to 1 MiB a worker: within a core's L2, where a probe that
/// misses costs little; past 128K MACs a worker's cache cannot hold its
/// working set in L2 anyway).
inline uint32_t fdb_cache_entries(const workers_config& w, uint32_t fdb_capacity) {
    if (w.fdb_cache != workers_config::kFdbCacheAuto)
        return w.fdb_cache;
    uint32_t n = 4096;
    while (n < 65536 && n < fdb_capacity / 2)
        n *= 2;
    return n;
}

struct control_config {
    unsigned lcore = 0; ///< the main lcore; the only FDB writer
    /// The "hypervisor hides unicast" diagnosis: a port that, for this many
    /// seconds, hears broadcasts and is sent unicast for stations behind it
    /// but receives no unicast for other MACs is reported. 0: off.
    uint32_t promisc_check_seconds = 30;
    /// The control socket bridgehostctl talks to; empty: the default,
    /// /var/run/bridgehost/<eal.file_prefix>.sock.
    std::string socket;
    /// The socket path in effect.
    std::string socket_path(const std::string& file_prefix) const {
        return socket.empty() ? default_socket_path(file_prefix) : socket;
    }
    static std::string default_socket_path(const std::string& file_prefix) {
        return "/var/run/bridgehost/" + file_prefix + ".sock";
    }
};

/// Port mirroring (SPAN): copies of the frames received on and/or sent out of
/// the `from` ports go out of `to`. The `to` port leaves normal forwarding:
/// frames received on it are dropped (counted) and nothing else is sent to it.
struct mirror_config {
    enum class direction_t : uint8_t { rx, tx, both };
    std::vector<uint16_t> from; ///< port indices; empty: no mirroring
    direction_t direction = direction_t::both;
    uint16_t to = 0; ///< port index

    bool enabled() const { return !from.empty(); }
    bool operator==(const mirror_config&) const = default;
};

/// Loop guard: probes sent out of every port; one of ours coming back on
/// another port is a loop, and one port of the two is blocked (features/loop_guard/guard.hpp).
struct loop_guard_config {
    bool enabled = true;
    uint32_t interval_ms = 1000; ///< one probe per port this often
    uint32_t hold_seconds = 10;  ///< then a blocked port with no probe back forwards again

    bool operator==(const loop_guard_config&) const = default;
};

/// The spanning tree (features/stp): RSTP, IEEE 802.1D-2004 clause 17, with
/// 802.1D STP BPDUs towards a neighbour that speaks only those. Times in
/// seconds; 2 x (forward_delay - 1) >= max_age >= 2 x (hello_time + 1).
/// Everything is reloadable.
struct stp_config {
    enum class mode_t : uint8_t { rstp, stp }; ///< stp: ForceProtocolVersion 0
    bool enabled = false;
    mode_t mode = mode_t::rstp;
    uint16_t priority = 32768;   ///< bridge priority, 0..61440 in steps of 4096
    uint16_t hello_time = 2;     ///< 1..10
    uint16_t max_age = 20;       ///< 6..40
    uint16_t forward_delay = 15; ///< 4..30
    uint16_t tx_hold_count = 6;  ///< BPDUs a port may send per second, 1..10

    bool operator==(const stp_config&) const = default;
};
/// "rstp", "stp".
const char* stp_mode_name(stp_config::mode_t mode);

struct metrics_config {
    bool enabled = true;
    std::string listen = "127.0.0.1:9417"; ///< "ADDR:PORT", checked by parse_metrics_listen

    bool operator==(const metrics_config&) const = default;
};

struct config {
    std::string source; ///< file name (or "<string>") for messages
    eal_config eal;
    std::vector<port_config> ports; ///< 2..kMaxPorts
    fdb_config fdb;
    workers_config workers;
    control_config control;
    metrics_config metrics;
    log_config log;
    mirror_config mirror;
    loop_guard_config loop_guard;
    stp_config stp;

    /// Index of the port with this name, or nullopt.
    std::optional<uint16_t> port_index(std::string_view name) const;
};

/// Parse and validate YAML text; `source` names it in error messages.
config parse_config(std::string_view yaml_text, const std::string& source);
/// Read and validate a file; an unreadable file is a config_error too.
config load_config_file(const std::string& path);

/// The VIDs a list like "10,20,100-199" (or "all") names, as a membership
/// vector indexed by VID (1..kMaxVlan); std::invalid_argument says what is wrong.
std::vector<bool> parse_vlan_list(std::string_view list);

/// True for "DDDD:BB:DD.F" (or "BB:DD.F") PCI addresses.
bool is_pci_address(std::string_view device);

/// The lcore ids an EAL --lcores string names ("0@0,(1-3)@(4-6)"), in order of
/// first appearance; std::invalid_argument says what is malformed and where.
std::vector<unsigned> eal_lcore_ids(std::string_view lcores);

/// EAL argv (after argv[0]) that starts DPDK as the config says:
/// lcores, main lcore, memory, hugepages, file prefix, one --vdev per vdev port,
/// one -a per PCI port (or --no-pci when there is none), then eal.args.
std::vector<std::string> eal_arguments(const config& cfg);

} // namespace bridgehost
