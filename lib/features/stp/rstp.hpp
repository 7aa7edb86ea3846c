// The Rapid Spanning Tree Protocol's state machines (IEEE 802.1D-2004 clause
// 17), for one bridge and its ports, with an explicit clock: the caller says
// when a second has passed (tick), what arrived (receive) and which links are
// up (set_enabled); it takes back the BPDUs to send, the ports whose learned
// entries to flush, and each port's role and state. No DPDK, no I/O, no
// clock of its own: unit-tested step by step (tests/unit/test_rstp.cpp).
//
// Every machine of the clause is here, each named as the standard names it:
// Port Timers (17.22), Port Receive (17.23), Port Protocol Migration (17.24),
// Bridge Detection (17.25), Port Transmit (17.26), Port Information (17.27),
// Port Role Selection (17.28), Port Role Transitions (17.29), Port State
// Transition (17.30) and Topology Change (17.31). A port whose neighbour sends
// only 802.1D Config and TCN BPDUs migrates to sending those (17.24), which is
// how the bridge takes part in an 802.1D spanning tree; mode stp
// (ForceProtocolVersion 0) sends only those from the start.
//
// Where the clause leaves a choice, what is done here:
//  - A Config BPDU, and an RST BPDU whose role is Unknown, convey a
//    Designated Port role (9.2.9, 17.21.8's note).
//  - recordDispute sets disputed and clears agreed (as 802.1Q-2005 words it;
//    disputed is read by the Port Role Transitions machine and set nowhere else).
//  - fdbFlush removes the port's learned entries at once, in STP
//    compatibility too (17.21.? allows aging them out in FwdDelay instead);
//    flooding for a moment is safe, forwarding to a stale port is not.
#pragma once

#include "features/stp/bpdu.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bridgehost::stp {

enum class port_role : uint8_t { disabled, root, designated, alternate, backup };
enum class port_state : uint8_t { discarding, learning, forwarding };
const char* role_name(port_role r);
const char* state_name(port_state s);

/// A spanning-tree priority vector (17.6): root, root path cost, designated
/// bridge, designated port, and the receiving port (a tie-break for the root port).
struct priority_vector {
    uint64_t root = 0;
    uint32_t cost = 0;
    uint64_t bridge = 0;
    uint16_t port = 0;
    uint16_t rx_port = 0;

    bool operator==(const priority_vector&) const = default;
};

/// Times in whole seconds (17.13; the wire's 1/256 s units divided down).
struct times {
    uint16_t message_age = 0, max_age = 20, forward_delay = 15, hello_time = 2;
    bool operator==(const times&) const = default;
};

/// 20,000,000 / link speed in Mb/s (802.1D-2004 table 17-3's recommended
/// values), at least 1; an unknown speed (0) counts as 1 Gb/s.
uint32_t path_cost_for_speed(uint32_t speed_mbps);

class rstp {
  public:
    struct bridge_settings {
        uint64_t bridge_id = 0;      ///< priority << 48 | MAC
        bool force_stp = false;      ///< ForceProtocolVersion 0: 802.1D BPDUs only
        uint16_t hello_time = 2;     ///< BridgeHelloTime
        uint16_t max_age = 20;       ///< BridgeMaxAge
        uint16_t forward_delay = 15; ///< BridgeForwardDelay
        uint16_t tx_hold_count = 6;  ///< TxHoldCount
        uint16_t migrate_time = 3;   ///< MigrateTime (17.13.9, fixed)
        bool operator==(const bridge_settings&) const = default;
    };
    struct port_settings {
        uint16_t number = 1;    ///< port number, 1..4095
        uint8_t priority = 128; ///< 0..240 in steps of 16
        uint32_t path_cost = 20000;
        bool admin_edge = false;
        bool auto_edge = true;
        bool point_to_point = true; ///< operPointToPointMAC
        bool operator==(const port_settings&) const = default;
    };
    /// A BPDU to send out of port index `port`.
    struct transmit {
        unsigned port;
        bpdu b;
    };
    /// A role or state change, for the log.
    struct change {
        unsigned port;
        port_role old_role, new_role;
        port_state old_state, new_state;
    };
    /// What show stp says about one port.
    struct port_status {
        port_role role;
        port_state state;
        uint16_t port_id;
        uint32_t path_cost;
        bool admin_edge, oper_edge, point_to_point, enabled;
        bool send_rstp; ///< false: 802.1D BPDUs (migrated, or mode stp)
        priority_vector
            designated; ///< the port priority vector (what the segment's designated port says)
        uint64_t bpdus_in = 0, bpdus_out = 0, topology_changes = 0;
    };

    /// Every port starts disabled (its link unknown): call set_enabled.
    rstp(const bridge_settings& bridge, const std::vector<port_settings>& ports);

    // Inputs; each runs the machines until they settle.
    /// portEnabled: the link is up and nothing else (an operator, loop guard) blocks the port.
    void set_enabled(unsigned port, bool enabled);
    /// A BPDU that arrived on `port` (already parsed and validated by parse_bpdu_frame).
    void receive(unsigned port, const bpdu& b);
    /// One second has passed (the Port Timers machine's tick).
    void tick();
    /// New bridge settings (a reload): new identifier or times; a change of
    /// force_stp restarts protocol migration on every port (17.13.4).
    void set_bridge(const bridge_settings& bridge);
    /// New settings for one port; its number stays.
    void set_port(unsigned port, const port_settings& settings);
    /// mcheck (17.19.13): send RST BPDUs again and see whether the neighbour answers in kind.
    void mcheck(unsigned port);

    // Outputs, taken once: the caller sends, flushes and logs them.
    std::vector<transmit> take_transmits();
    /// Ports whose learned FDB entries must go (fdbFlush).
    std::vector<unsigned> take_flushes();
    std::vector<change> take_changes();

    // State.
    unsigned size() const { return unsigned(ports_.size()); }
    port_status status(unsigned port) const;
    port_role role(unsigned index) const { return ports_.at(index).role; }
    port_state state(unsigned index) const;
    bool learning(unsigned index) const { return ports_.at(index).learning; }
    bool forwarding(unsigned index) const { return ports_.at(index).forwarding; }
    const bridge_settings& bridge() const { return bridge_; }
    uint64_t root_id() const { return root_priority_.root; }
    uint32_t root_path_cost() const { return root_priority_.cost; }
    bool is_root() const { return root_priority_.root == bridge_.bridge_id; }
    /// Index of the root port; -1 when this bridge is the root.
    int root_port() const;
    const times& root_times() const { return root_times_; }
    /// tcWhile runs on some port: a topology change is being propagated.
    bool topology_change() const;
    /// Topology changes detected or received (17.31 DETECTED, NOTIFIED_TC entered).
    uint64_t topology_changes() const { return topology_changes_; }
    /// Seconds (ticks) since the last one; -1: none yet.
    int64_t ticks_since_topology_change() const {
        return topology_changes_ == 0 ? -1 : int64_t(ticks_ - last_tc_tick_);
    }

  private:
    enum class info_is_t : uint8_t { disabled, aged, mine, received };
    enum class rcvd_info_t : uint8_t {
        superior_designated,
        repeated_designated,
        inferior_designated,
        inferior_root_alternate,
        other
    };
    // Machine states (each machine's states as the figures name them).
    enum class prx_t : uint8_t { discard, receive };
    enum class ppm_t : uint8_t { checking_rstp, selecting_stp, sensing };
    enum class bdm_t : uint8_t { edge, not_edge };
    enum class ptx_t : uint8_t {
        transmit_init,
        idle,
        transmit_periodic,
        transmit_config,
        transmit_tcn,
        transmit_rstp
    };
    enum class pim_t : uint8_t {
        disabled,
        aged,
        update,
        current,
        receive,
        superior_designated,
        repeated_designated,
        inferior_designated,
        not_designated,
        other
    };
    enum class prt_t : uint8_t {
        init_port,
        disable_port,
        disabled_port,
        root_port,
        reroot,
        root_agreed,
        root_proposed,
        root_forward,
        root_learn,
        rerooted,
        designated_port,
        designated_retired,
        designated_synced,
        designated_propose,
        designated_forward,
        designated_learn,
        designated_discard,
        alternate_port,
        alternate_agreed,
        alternate_proposed,
        block_port,
        backup_port
    };
    enum class pst_t : uint8_t { discarding, learning, forwarding };
    enum class tcm_t : uint8_t {
        inactive,
        learning,
        detected,
        active,
        notified_tcn,
        notified_tc,
        propagating,
        acknowledged
    };

    struct port_data {
        port_settings cfg;
        uint16_t port_id = 0;
        // 17.17 timers
        uint16_t edge_delay_while = 0, fd_while = 0, hello_when = 0, mdelay_while = 0, rb_while = 0,
                 rcvd_info_while = 0, rr_while = 0, tc_while = 0;
        // 17.19 variables
        bool agree = false, agreed = false, disputed = false, fdb_flush = false;
        bool forward = false, forwarding = false, learn = false, learning = false;
        bool mcheck = false, new_info = false, oper_edge = false, port_enabled = false;
        bool proposed = false, proposing = false, rcvd_bpdu = false, rcvd_msg = false;
        bool rcvd_rstp = false, rcvd_stp = false, rcvd_tc = false, rcvd_tc_ack = false;
        bool rcvd_tcn = false, re_root = false, reselect = false, selected = false;
        bool send_rstp = false, sync = false, synced = false, tc_ack = false, tc_prop = false;
        bool updt_info = false;
        uint16_t tx_count = 0;
        info_is_t info_is = info_is_t::disabled;
        rcvd_info_t rcvd_info = rcvd_info_t::other;
        port_role role = port_role::disabled, selected_role = port_role::disabled;
        priority_vector designated_priority, msg_priority, port_priority;
        times designated_times, msg_times, port_times;
        bpdu rx; ///< the BPDU rcvdBpdu stands for
        // Machine states.
        prx_t prx = prx_t::discard;
        ppm_t ppm = ppm_t::checking_rstp;
        bdm_t bdm = bdm_t::not_edge;
        ptx_t ptx = ptx_t::transmit_init;
        pim_t pim = pim_t::disabled;
        prt_t prt = prt_t::init_port;
        pst_t pst = pst_t::discarding;
        tcm_t tcm = tcm_t::inactive;
        // Counters.
        uint64_t bpdus_in = 0, bpdus_out = 0, topology_changes = 0;
    };

    // The machines: each takes at most one transition and says whether it did.
    bool port_receive(port_data& p);
    bool protocol_migration(port_data& p);
    bool bridge_detection(port_data& p);
    bool port_transmit(unsigned index, port_data& p);
    bool port_information(port_data& p);
    bool role_selection();
    bool role_transitions(port_data& p);
    bool state_transition(port_data& p);
    bool topology_change_machine(port_data& p);
    /// Runs every machine until none moves (bounded: a bug must not hang the control lcore).
    void settle();
    void begin();

    // Entering a state: its actions.
    void enter(port_data& p, prx_t s);
    void enter(port_data& p, ppm_t s);
    void enter(port_data& p, bdm_t s);
    void enter(unsigned index, port_data& p, ptx_t s);
    void enter(port_data& p, pim_t s);
    void enter(port_data& p, prt_t s);
    void enter(port_data& p, pst_t s);
    void enter(port_data& p, tcm_t s);

    // 17.20 conditions and 17.21 procedures.
    bool rstp_version() const { return !bridge_.force_stp; }
    bool all_synced() const;
    bool re_rooted(const port_data& p) const;
    uint16_t edge_delay(const port_data& p) const;
    uint16_t forward_delay(const port_data& p) const;
    bool better_or_same_info(const port_data& p, info_is_t new_info_is) const;
    rcvd_info_t rcv_info(port_data& p);
    void record_agreement(port_data& p);
    void record_dispute(port_data& p);
    void record_proposal(port_data& p);
    void set_tc_flags(port_data& p);
    void update_rcvd_info_while(port_data& p);
    void new_tc_while(port_data& p);
    void set_tc_prop_tree(const port_data& caller);
    void set_sync_tree();
    void set_reroot_tree();
    void update_roles_tree();
    void tx(unsigned index, port_data& p, bpdu::type_t type);
    void note_topology_change(port_data& p);
    bool is_own_bridge(uint64_t bridge) const {
        return (bridge & 0xffffffffffffULL) == (bridge_.bridge_id & 0xffffffffffffULL);
    }

    bridge_settings bridge_;
    std::vector<port_data> ports_;
    bool begin_ = true;
    priority_vector root_priority_;
    times bridge_times_, root_times_;
    uint64_t ticks_ = 0, topology_changes_ = 0, last_tc_tick_ = 0;
    std::vector<transmit> tx_;
    std::vector<unsigned> flushes_;
    std::vector<change> changes_;
    std::vector<std::pair<port_role, port_state>> reported_; ///< what take_changes last said
};

} // namespace bridgehost::stp
