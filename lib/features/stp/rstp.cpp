// The RSTP state machines; see rstp.hpp. Section numbers are IEEE 802.1D-2004's.
#include "features/stp/rstp.hpp"

#include <algorithm>
#include <utility>

namespace bridgehost::stp {

namespace {

/// 17.6: is `a` better than (or, when `same_counts`, the same as) `b`? The
/// vectors compare component by component; a message from the designated
/// bridge and port that `b` was recorded from replaces it whatever it says.
enum class cmp { inferior, same, superior };
cmp compare(const priority_vector& a, const priority_vector& b) {
    const bool same =
        a.root == b.root && a.cost == b.cost && a.bridge == b.bridge && a.port == b.port;
    if (same)
        return cmp::same;
    const bool better =
        a.root < b.root || (a.root == b.root && a.cost < b.cost) ||
        (a.root == b.root && a.cost == b.cost && a.bridge < b.bridge) ||
        (a.root == b.root && a.cost == b.cost && a.bridge == b.bridge && a.port < b.port);
    const bool same_sender = (a.bridge & 0xffffffffffffULL) == (b.bridge & 0xffffffffffffULL) &&
                             (a.port & 0xfff) == (b.port & 0xfff);
    return better || same_sender ? cmp::superior : cmp::inferior;
}

/// Plain "better than or the same as" (17.6), for betterorsameInfo: no
/// same-sender rule, which is for a message replacing the port priority vector
/// only (in UPDATE both vectors always name this bridge and port).
bool better_or_same(const priority_vector& a, const priority_vector& b) {
    if (a.root != b.root)
        return a.root < b.root;
    if (a.cost != b.cost)
        return a.cost < b.cost;
    if (a.bridge != b.bridge)
        return a.bridge < b.bridge;
    return a.port <= b.port;
}

/// The root path priority vectors compare with the receiving port as the last component.
bool better_root_path(const priority_vector& a, const priority_vector& b) {
    if (a.root != b.root)
        return a.root < b.root;
    if (a.cost != b.cost)
        return a.cost < b.cost;
    if (a.bridge != b.bridge)
        return a.bridge < b.bridge;
    if (a.port != b.port)
        return a.port < b.port;
    return a.rx_port < b.rx_port;
}

void decrement(uint16_t& timer) {
    if (timer != 0)
        --timer;
}

uint16_t wire_time(uint16_t seconds) {
    return uint16_t(std::min(seconds * 256u, 0xffffu));
}

} // namespace

const char* role_name(port_role r) {
    switch (r) {
    case port_role::disabled:
        return "disabled";
    case port_role::root:
        return "root";
    case port_role::designated:
        return "designated";
    case port_role::alternate:
        return "alternate";
    case port_role::backup:
        return "backup";
    }
    return "unknown";
}

const char* state_name(port_state s) {
    switch (s) {
    case port_state::discarding:
        return "discarding";
    case port_state::learning:
        return "learning";
    case port_state::forwarding:
        return "forwarding";
    }
    return "unknown";
}

uint32_t path_cost_for_speed(uint32_t speed_mbps) {
    if (speed_mbps == 0)
        return 20000;
    return std::max<uint32_t>(20000000u / speed_mbps, 1);
}

rstp::rstp(const bridge_settings& bridge, const std::vector<port_settings>& ports)
    : bridge_(bridge), ports_(ports.size()) {
    for (size_t i = 0; i < ports.size(); ++i) {
        ports_[i].cfg = ports[i];
        ports_[i].port_id = uint16_t((ports[i].priority >> 4) << 12 | (ports[i].number & 0xfff));
    }
    reported_.assign(ports_.size(), {port_role::disabled, port_state::discarding});
    begin();
}

void rstp::begin() {
    bridge_times_ = {0, bridge_.max_age, bridge_.forward_delay, bridge_.hello_time};
    root_times_ = bridge_times_;
    root_priority_ = {bridge_.bridge_id, 0, bridge_.bridge_id, 0, 0};
    begin_ = true;
    for (port_data& p : ports_) {
        p.designated_times = bridge_times_;
        p.designated_priority = {bridge_.bridge_id, 0, bridge_.bridge_id, p.port_id, p.port_id};
        enter(p, prx_t::discard);
        enter(p, ppm_t::checking_rstp);
        enter(p, p.cfg.admin_edge ? bdm_t::edge : bdm_t::not_edge);
        enter(unsigned(&p - ports_.data()), p, ptx_t::transmit_init);
        enter(p, pim_t::disabled);
        enter(p, prt_t::init_port);
        enter(p, pst_t::discarding);
        enter(p, tcm_t::inactive);
    }
    // Port Role Selection's INIT_BRIDGE: updtRoleDisabledTree.
    for (port_data& p : ports_)
        p.selected_role = port_role::disabled;
    begin_ = false;
    settle();
}

// ---- inputs ---------------------------------------------------------------

void rstp::set_enabled(unsigned index, bool enabled) {
    port_data& p = ports_.at(index);
    if (p.port_enabled == enabled)
        return;
    p.port_enabled = enabled;
    settle();
}

void rstp::receive(unsigned index, const bpdu& b) {
    port_data& p = ports_.at(index);
    if (!p.port_enabled)
        return;
    // 9.3.4: our own BPDU come back to the port that sent it says nothing.
    if (b.type != bpdu::type_t::tcn && is_own_bridge(b.bridge_id) &&
        (b.port_id & 0xfff) == (p.port_id & 0xfff))
        return;
    p.rx = b;
    // 9.2.9: an RST BPDU whose role is Unknown is taken as a Config BPDU.
    if (p.rx.type == bpdu::type_t::rst && p.rx.role() == bpdu_role::unknown)
        p.rx.type = bpdu::type_t::config;
    p.rcvd_bpdu = true;
    ++p.bpdus_in;
    settle();
}

void rstp::tick() {
    ++ticks_;
    for (port_data& p : ports_) {
        decrement(p.hello_when);
        decrement(p.tc_while);
        decrement(p.fd_while);
        decrement(p.rcvd_info_while);
        decrement(p.rr_while);
        decrement(p.rb_while);
        decrement(p.mdelay_while);
        decrement(p.edge_delay_while);
        decrement(p.tx_count);
    }
    settle();
}

void rstp::set_bridge(const bridge_settings& bridge) {
    if (bridge == bridge_)
        return;
    const bool restart = bridge.force_stp != bridge_.force_stp;
    bridge_ = bridge;
    if (restart) { // 17.13.4: a new ForceProtocolVersion starts every machine again
        begin();
        return;
    }
    bridge_times_ = {0, bridge_.max_age, bridge_.forward_delay, bridge_.hello_time};
    for (port_data& p : ports_) {
        p.reselect = true;
        p.selected = false;
    }
    settle();
}

void rstp::set_port(unsigned index, const port_settings& settings) {
    port_data& p = ports_.at(index);
    port_settings next = settings;
    next.number = p.cfg.number;
    if (next == p.cfg)
        return;
    const bool edge_changed = next.admin_edge != p.cfg.admin_edge;
    p.cfg = next;
    p.port_id = uint16_t((next.priority >> 4) << 12 | (next.number & 0xfff));
    if (edge_changed)
        enter(p, next.admin_edge ? bdm_t::edge : bdm_t::not_edge);
    p.reselect = true;
    p.selected = false;
    settle();
}

void rstp::mcheck(unsigned index) {
    ports_.at(index).mcheck = true;
    settle();
}

// ---- outputs --------------------------------------------------------------

std::vector<rstp::transmit> rstp::take_transmits() {
    return std::exchange(tx_, {});
}
std::vector<unsigned> rstp::take_flushes() {
    return std::exchange(flushes_, {});
}
std::vector<rstp::change> rstp::take_changes() {
    return std::exchange(changes_, {});
}

port_state rstp::state(unsigned index) const {
    const port_data& p = ports_.at(index);
    return p.forwarding ? port_state::forwarding
           : p.learning ? port_state::learning
                        : port_state::discarding;
}

rstp::port_status rstp::status(unsigned index) const {
    const port_data& p = ports_.at(index);
    return {p.role,      state(index),         p.port_id,         p.cfg.path_cost, p.cfg.admin_edge,
            p.oper_edge, p.cfg.point_to_point, p.port_enabled,    p.send_rstp,     p.port_priority,
            p.bpdus_in,  p.bpdus_out,          p.topology_changes};
}

int rstp::root_port() const {
    for (size_t i = 0; i < ports_.size(); ++i)
        if (ports_[i].role == port_role::root)
            return int(i);
    return -1;
}

bool rstp::topology_change() const {
    return std::any_of(ports_.begin(), ports_.end(),
                       [](const port_data& p) { return p.tc_while != 0; });
}

// ---- the driver -----------------------------------------------------------

void rstp::settle() {
    // Each pass gives every machine one transition; a machine that moves
    // makes another pass. The bound only guards against a bug: no sequence
    // of the standard's transitions is anywhere near it.
    for (unsigned pass = 0; pass < 1000; ++pass) {
        bool moved = role_selection();
        for (size_t i = 0; i < ports_.size(); ++i) {
            port_data& p = ports_[i];
            moved |= port_receive(p);
            moved |= protocol_migration(p);
            moved |= bridge_detection(p);
            moved |= port_information(p);
            moved |= role_transitions(p);
            moved |= state_transition(p);
            moved |= topology_change_machine(p);
            moved |= port_transmit(unsigned(i), p);
        }
        if (!moved)
            break;
    }
    for (size_t i = 0; i < ports_.size(); ++i) {
        const std::pair<port_role, port_state> now{ports_[i].role, state(unsigned(i))};
        if (now != reported_[i]) {
            changes_.push_back(
                {unsigned(i), reported_[i].first, now.first, reported_[i].second, now.second});
            reported_[i] = now;
        }
    }
}

// ---- 17.23 Port Receive ----------------------------------------------------

void rstp::enter(port_data& p, prx_t s) {
    p.prx = s;
    if (s == prx_t::discard) {
        p.rcvd_bpdu = p.rcvd_rstp = p.rcvd_stp = false;
        p.rcvd_msg = false;
        p.edge_delay_while = bridge_.migrate_time;
    } else {
        // updtBPDUVersion (17.21.22)
        const bool rst = p.rx.type == bpdu::type_t::rst;
        p.rcvd_rstp = rst;
        p.rcvd_stp = !rst;
        p.oper_edge = p.rcvd_bpdu = false;
        p.rcvd_msg = true;
        p.edge_delay_while = bridge_.migrate_time;
    }
}

bool rstp::port_receive(port_data& p) {
    if ((p.rcvd_bpdu || p.edge_delay_while != bridge_.migrate_time) && !p.port_enabled) {
        enter(p, prx_t::discard);
        return true;
    }
    if (p.rcvd_bpdu && p.port_enabled && (p.prx == prx_t::discard || !p.rcvd_msg)) {
        enter(p, prx_t::receive);
        return true;
    }
    return false;
}

// ---- 17.24 Port Protocol Migration ----------------------------------------

void rstp::enter(port_data& p, ppm_t s) {
    p.ppm = s;
    switch (s) {
    case ppm_t::checking_rstp:
        p.mcheck = false;
        p.send_rstp = rstp_version();
        p.mdelay_while = bridge_.migrate_time;
        break;
    case ppm_t::selecting_stp:
        p.send_rstp = false;
        p.mdelay_while = bridge_.migrate_time;
        break;
    case ppm_t::sensing:
        p.rcvd_rstp = p.rcvd_stp = false;
        break;
    }
}

bool rstp::protocol_migration(port_data& p) {
    switch (p.ppm) {
    case ppm_t::checking_rstp:
        if (p.mdelay_while == 0) {
            enter(p, ppm_t::sensing);
            return true;
        }
        if (p.mdelay_while != bridge_.migrate_time && !p.port_enabled) {
            enter(p, ppm_t::checking_rstp);
            return true;
        }
        return false;
    case ppm_t::selecting_stp:
        if (p.mdelay_while == 0 || !p.port_enabled || p.mcheck) {
            enter(p, ppm_t::sensing);
            return true;
        }
        return false;
    case ppm_t::sensing:
        if (!p.port_enabled || p.mcheck || (rstp_version() && !p.send_rstp && p.rcvd_rstp)) {
            enter(p, ppm_t::checking_rstp);
            return true;
        }
        if (p.send_rstp && p.rcvd_stp) {
            enter(p, ppm_t::selecting_stp);
            return true;
        }
        return false;
    }
    return false;
}

// ---- 17.25 Bridge Detection -------------------------------------------------

void rstp::enter(port_data& p, bdm_t s) {
    p.bdm = s;
    p.oper_edge = s == bdm_t::edge;
}

bool rstp::bridge_detection(port_data& p) {
    if (p.bdm == bdm_t::edge) {
        if ((!p.port_enabled && !p.cfg.admin_edge) || !p.oper_edge) {
            enter(p, bdm_t::not_edge);
            return true;
        }
        return false;
    }
    if ((!p.port_enabled && p.cfg.admin_edge) ||
        (p.edge_delay_while == 0 && p.cfg.auto_edge && p.send_rstp && p.proposing)) {
        enter(p, bdm_t::edge);
        return true;
    }
    return false;
}

// ---- 17.26 Port Transmit -----------------------------------------------------

void rstp::tx(unsigned index, port_data& p, bpdu::type_t type) {
    bpdu b;
    b.type = type;
    b.version = type == bpdu::type_t::rst ? 2 : 0;
    if (type != bpdu::type_t::tcn) {
        b.root_id = p.designated_priority.root;
        b.root_path_cost = p.designated_priority.cost;
        b.bridge_id = p.designated_priority.bridge;
        b.port_id = p.designated_priority.port;
        b.message_age = wire_time(p.designated_times.message_age);
        b.max_age = wire_time(p.designated_times.max_age);
        b.hello_time = wire_time(p.designated_times.hello_time);
        b.forward_delay = wire_time(p.designated_times.forward_delay);
        if (p.tc_while != 0)
            b.flags |= flags::tc;
    }
    if (type == bpdu::type_t::config && p.tc_ack)
        b.flags |= flags::tc_ack;
    if (type == bpdu::type_t::rst) {
        b.set_role(p.role == port_role::root         ? bpdu_role::root
                   : p.role == port_role::designated ? bpdu_role::designated
                                                     : bpdu_role::alternate_or_backup);
        if (p.agree)
            b.flags |= flags::agreement;
        if (p.proposing)
            b.flags |= flags::proposal;
        if (p.learning)
            b.flags |= flags::learning;
        if (p.forwarding)
            b.flags |= flags::forwarding;
    }
    tx_.push_back({index, b});
    ++p.bpdus_out;
}

void rstp::enter(unsigned index, port_data& p, ptx_t s) {
    p.ptx = s;
    switch (s) {
    case ptx_t::transmit_init:
        p.new_info = true;
        p.tx_count = 0;
        break;
    case ptx_t::idle:
        p.hello_when = p.designated_times.hello_time;
        break;
    case ptx_t::transmit_periodic:
        p.new_info = p.new_info || p.role == port_role::designated ||
                     (p.role == port_role::root && p.tc_while != 0);
        break;
    case ptx_t::transmit_config:
        p.new_info = false;
        tx(index, p, bpdu::type_t::config);
        p.tx_count += 1;
        p.tc_ack = false;
        break;
    case ptx_t::transmit_tcn:
        p.new_info = false;
        tx(index, p, bpdu::type_t::tcn);
        p.tx_count += 1;
        break;
    case ptx_t::transmit_rstp:
        p.new_info = false;
        tx(index, p, bpdu::type_t::rst);
        p.tx_count += 1;
        p.tc_ack = false;
        break;
    }
}

bool rstp::port_transmit(unsigned index, port_data& p) {
    if (p.ptx != ptx_t::idle) { // every other state goes back to IDLE unconditionally
        enter(index, p, ptx_t::idle);
        return true;
    }
    // allTransmitReady; nothing leaves a disabled port.
    if (!p.selected || p.updt_info || !p.port_enabled || p.role == port_role::disabled)
        return false;
    const bool room = p.tx_count < bridge_.tx_hold_count && p.hello_when != 0;
    if (p.hello_when == 0) {
        enter(index, p, ptx_t::transmit_periodic);
        return true;
    }
    if (p.send_rstp && p.new_info && room) {
        enter(index, p, ptx_t::transmit_rstp);
        return true;
    }
    if (!p.send_rstp && p.new_info && p.role == port_role::root && room) {
        enter(index, p, ptx_t::transmit_tcn);
        return true;
    }
    if (!p.send_rstp && p.new_info && p.role == port_role::designated && room) {
        enter(index, p, ptx_t::transmit_config);
        return true;
    }
    return false;
}

// ---- 17.27 Port Information ---------------------------------------------------

bool rstp::better_or_same_info(const port_data& p, info_is_t new_info_is) const {
    // 17.21.1 (802.1Q-2005 13.26.1): better than or the same as.
    if (new_info_is == info_is_t::received && p.info_is == info_is_t::received)
        return better_or_same(p.msg_priority, p.port_priority);
    if (new_info_is == info_is_t::mine && p.info_is == info_is_t::mine)
        return better_or_same(p.designated_priority, p.port_priority);
    return false;
}

rstp::rcvd_info_t rstp::rcv_info(port_data& p) {
    const bpdu& b = p.rx;
    if (b.type == bpdu::type_t::tcn) // no priority vector: it only says "topology change"
        return rcvd_info_t::inferior_root_alternate;
    p.msg_priority = {b.root_id, b.root_path_cost, b.bridge_id, b.port_id, p.port_id};
    p.msg_times = {uint16_t(b.message_age / 256), uint16_t(b.max_age / 256),
                   uint16_t(b.forward_delay / 256), uint16_t(b.hello_time / 256)};
    // A Config BPDU conveys a Designated Port role (17.21.8's note).
    const bpdu_role role = b.type == bpdu::type_t::config ? bpdu_role::designated : b.role();
    const cmp c = compare(p.msg_priority, p.port_priority);
    const bool same_times = p.msg_times == p.port_times;
    if (role == bpdu_role::designated) {
        if (c == cmp::superior || (c == cmp::same && !same_times))
            return rcvd_info_t::superior_designated;
        if (c == cmp::same)
            return rcvd_info_t::repeated_designated;
        return rcvd_info_t::inferior_designated;
    }
    if ((role == bpdu_role::root || role == bpdu_role::alternate_or_backup) && c != cmp::superior)
        return rcvd_info_t::inferior_root_alternate;
    return rcvd_info_t::other;
}

void rstp::record_agreement(port_data& p) {
    // 17.21.9
    if (rstp_version() && p.cfg.point_to_point && p.rx.type == bpdu::type_t::rst &&
        (p.rx.flags & flags::agreement) != 0) {
        p.agreed = true;
        p.proposing = false;
    } else {
        p.agreed = false;
    }
}

void rstp::record_dispute(port_data& p) {
    // 17.21.10: a designated port that hears another claim the segment while learning.
    if (p.rx.type == bpdu::type_t::rst && (p.rx.flags & flags::learning) != 0) {
        p.disputed = true;
        p.agreed = false;
    }
}

void rstp::record_proposal(port_data& p) {
    // 17.21.11
    if (p.rx.type == bpdu::type_t::rst && p.rx.role() == bpdu_role::designated &&
        (p.rx.flags & flags::proposal) != 0)
        p.proposed = true;
}

void rstp::set_tc_flags(port_data& p) {
    // 17.21.17
    if (p.rx.type == bpdu::type_t::tcn) {
        p.rcvd_tcn = true;
        return;
    }
    if ((p.rx.flags & flags::tc) != 0)
        p.rcvd_tc = true;
    if ((p.rx.flags & flags::tc_ack) != 0)
        p.rcvd_tc_ack = true;
}

void rstp::update_rcvd_info_while(port_data& p) {
    // 17.21.23: three hellos, unless the information is as old as Max Age allows.
    p.rcvd_info_while = p.port_times.message_age + 1 <= p.port_times.max_age
                            ? uint16_t(3 * std::max<uint16_t>(p.port_times.hello_time, 1))
                            : 0;
}

void rstp::enter(port_data& p, pim_t s) {
    p.pim = s;
    switch (s) {
    case pim_t::disabled:
        p.rcvd_msg = false;
        p.proposing = p.proposed = p.agree = p.agreed = false;
        p.rcvd_info_while = 0;
        p.info_is = info_is_t::disabled;
        p.reselect = true;
        p.selected = false;
        break;
    case pim_t::aged:
        p.info_is = info_is_t::aged;
        p.reselect = true;
        p.selected = false;
        break;
    case pim_t::update:
        p.proposing = p.proposed = false;
        p.agreed = p.agreed && better_or_same_info(p, info_is_t::mine);
        p.synced = p.synced && p.agreed;
        p.port_priority = p.designated_priority;
        p.port_times = p.designated_times;
        p.updt_info = false;
        p.info_is = info_is_t::mine;
        p.new_info = true;
        break;
    case pim_t::current:
        break;
    case pim_t::receive:
        p.rcvd_info = rcv_info(p);
        break;
    case pim_t::superior_designated:
        p.agreed = p.proposing = false;
        record_proposal(p);
        set_tc_flags(p);
        p.agree = p.agree && better_or_same_info(p, info_is_t::received);
        p.port_priority = p.msg_priority; // recordPriority
        p.port_times = p.msg_times;       // recordTimes
        if (p.port_times.hello_time == 0)
            p.port_times.hello_time = 1;
        update_rcvd_info_while(p);
        p.info_is = info_is_t::received;
        p.reselect = true;
        p.selected = false;
        p.rcvd_msg = false;
        break;
    case pim_t::repeated_designated:
        record_proposal(p);
        set_tc_flags(p);
        update_rcvd_info_while(p);
        p.rcvd_msg = false;
        break;
    case pim_t::inferior_designated:
        record_dispute(p);
        p.rcvd_msg = false;
        break;
    case pim_t::not_designated:
        record_agreement(p);
        set_tc_flags(p);
        p.rcvd_msg = false;
        break;
    case pim_t::other:
        p.rcvd_msg = false;
        break;
    }
}

bool rstp::port_information(port_data& p) {
    if (!p.port_enabled && p.info_is != info_is_t::disabled) {
        enter(p, pim_t::disabled);
        return true;
    }
    switch (p.pim) {
    case pim_t::disabled:
        if (p.port_enabled) {
            enter(p, pim_t::aged);
            return true;
        }
        if (p.rcvd_msg) {
            enter(p, pim_t::disabled);
            return true;
        }
        return false;
    case pim_t::aged:
        if (p.selected && p.updt_info) {
            enter(p, pim_t::update);
            return true;
        }
        return false;
    case pim_t::current:
        if (p.selected && p.updt_info) {
            enter(p, pim_t::update);
            return true;
        }
        if (p.info_is == info_is_t::received && p.rcvd_info_while == 0 && !p.updt_info &&
            !p.rcvd_msg) {
            enter(p, pim_t::aged);
            return true;
        }
        if (p.rcvd_msg && !p.updt_info) {
            enter(p, pim_t::receive);
            return true;
        }
        return false;
    case pim_t::receive:
        switch (p.rcvd_info) {
        case rcvd_info_t::superior_designated:
            enter(p, pim_t::superior_designated);
            break;
        case rcvd_info_t::repeated_designated:
            enter(p, pim_t::repeated_designated);
            break;
        case rcvd_info_t::inferior_designated:
            enter(p, pim_t::inferior_designated);
            break;
        case rcvd_info_t::inferior_root_alternate:
            enter(p, pim_t::not_designated);
            break;
        case rcvd_info_t::other:
            enter(p, pim_t::other);
            break;
        }
        return true;
    case pim_t::update:
    case pim_t::superior_designated:
    case pim_t::repeated_designated:
    case pim_t::inferior_designated:
    case pim_t::not_designated:
    case pim_t::other:
        enter(p, pim_t::current);
        return true;
    }
    return false;
}

// ---- 17.28 Port Role Selection ------------------------------------------------

void rstp::update_roles_tree() {
    // a-c) the root priority vector and the root times.
    priority_vector best = {bridge_.bridge_id, 0, bridge_.bridge_id, 0, 0};
    int root = -1;
    root_times_ = bridge_times_;
    for (size_t i = 0; i < ports_.size(); ++i) {
        const port_data& p = ports_[i];
        if (p.info_is != info_is_t::received || is_own_bridge(p.port_priority.bridge))
            continue;
        priority_vector candidate = p.port_priority;
        candidate.cost =
            uint32_t(std::min<uint64_t>(uint64_t(candidate.cost) + p.cfg.path_cost, UINT32_MAX));
        candidate.rx_port = p.port_id;
        if (better_root_path(candidate, best)) {
            best = candidate;
            root = int(i);
            root_times_ = p.port_times;
            root_times_.message_age = uint16_t(root_times_.message_age + 1);
        }
    }
    root_priority_ = best;
    // d-e) each port's designated priority vector and times.
    for (port_data& p : ports_) {
        p.designated_priority = {best.root, best.cost, bridge_.bridge_id, p.port_id, p.port_id};
        p.designated_times = root_times_;
        p.designated_times.hello_time = bridge_times_.hello_time;
    }
    // f-l) the roles.
    for (size_t i = 0; i < ports_.size(); ++i) {
        port_data& p = ports_[i];
        switch (p.info_is) {
        case info_is_t::disabled:
            p.selected_role = port_role::disabled;
            break;
        case info_is_t::aged:
            p.selected_role = port_role::designated;
            p.updt_info = true;
            break;
        case info_is_t::mine:
            p.selected_role = port_role::designated;
            if (compare(p.port_priority, p.designated_priority) != cmp::same ||
                p.port_times != p.designated_times)
                p.updt_info = true;
            break;
        case info_is_t::received:
            if (int(i) == root) {
                p.selected_role = port_role::root;
                p.updt_info = false;
            } else if (compare(p.designated_priority, p.port_priority) == cmp::inferior ||
                       compare(p.designated_priority, p.port_priority) == cmp::same) {
                // The segment has a better designated port than this one would be.
                p.selected_role = is_own_bridge(p.port_priority.bridge) ? port_role::backup
                                                                        : port_role::alternate;
                p.updt_info = false;
            } else {
                p.selected_role = port_role::designated;
                p.updt_info = true;
            }
            break;
        }
    }
}

bool rstp::role_selection() {
    if (std::none_of(ports_.begin(), ports_.end(), [](const port_data& p) { return p.reselect; }))
        return false;
    // ROLE_SELECTION: clearReselectTree, updtRolesTree, setSelectedTree.
    for (port_data& p : ports_)
        p.reselect = false;
    update_roles_tree();
    for (port_data& p : ports_)
        p.selected = true;
    return true;
}

// ---- 17.29 Port Role Transitions ----------------------------------------------

bool rstp::all_synced() const {
    return std::all_of(ports_.begin(), ports_.end(), [](const port_data& p) {
        return p.selected && p.role == p.selected_role && (p.role == port_role::root || p.synced);
    });
}

bool rstp::re_rooted(const port_data& self) const {
    return std::all_of(ports_.begin(), ports_.end(),
                       [&](const port_data& p) { return &p == &self || p.rr_while == 0; });
}

uint16_t rstp::edge_delay(const port_data& p) const {
    return p.cfg.point_to_point ? bridge_.migrate_time : p.designated_times.max_age;
}

uint16_t rstp::forward_delay(const port_data& p) const {
    // 17.20.8: HelloTime while the port sends RST BPDUs, FwdDelay towards 802.1D.
    return p.send_rstp ? p.designated_times.hello_time : p.designated_times.forward_delay;
}

void rstp::set_sync_tree() {
    for (port_data& p : ports_)
        p.sync = true;
}

void rstp::set_reroot_tree() {
    for (port_data& p : ports_)
        p.re_root = true;
}

void rstp::enter(port_data& p, prt_t s) {
    p.prt = s;
    const uint16_t fwd_delay = p.designated_times.forward_delay;
    const uint16_t max_age = p.designated_times.max_age;
    switch (s) {
    case prt_t::init_port:
        p.role = port_role::disabled;
        p.learn = p.forward = false;
        p.synced = false;
        p.sync = p.re_root = true;
        p.rr_while = fwd_delay;
        p.fd_while = max_age;
        p.rb_while = 0;
        break;
    case prt_t::disable_port:
        p.role = p.selected_role;
        p.learn = p.forward = false;
        break;
    case prt_t::disabled_port:
        p.fd_while = max_age;
        p.synced = true;
        p.rr_while = 0;
        p.sync = p.re_root = false;
        break;
    case prt_t::root_port:
        p.role = port_role::root;
        p.rr_while = fwd_delay;
        break;
    case prt_t::reroot:
        set_reroot_tree();
        break;
    case prt_t::root_agreed:
        p.proposed = p.sync = false;
        p.agree = true;
        p.new_info = true;
        break;
    case prt_t::root_proposed:
        set_sync_tree();
        p.proposed = false;
        break;
    case prt_t::root_forward:
        p.fd_while = 0;
        p.forward = true;
        break;
    case prt_t::root_learn:
        p.fd_while = forward_delay(p);
        p.learn = true;
        break;
    case prt_t::rerooted:
        p.re_root = false;
        break;
    case prt_t::designated_port:
        p.role = port_role::designated;
        break;
    case prt_t::designated_retired:
        p.re_root = false;
        break;
    case prt_t::designated_synced:
        p.rr_while = 0;
        p.synced = true;
        p.sync = false;
        break;
    case prt_t::designated_propose:
        p.proposing = true;
        p.edge_delay_while = edge_delay(p);
        p.new_info = true;
        break;
    case prt_t::designated_forward:
        p.forward = true;
        p.fd_while = 0;
        p.agreed = p.send_rstp;
        break;
    case prt_t::designated_learn:
        p.learn = true;
        p.fd_while = forward_delay(p);
        break;
    case prt_t::designated_discard:
        p.learn = p.forward = p.disputed = false;
        p.fd_while = forward_delay(p);
        break;
    case prt_t::alternate_port:
        p.fd_while = forward_delay(p);
        p.synced = true;
        p.rr_while = 0;
        p.sync = p.re_root = false;
        break;
    case prt_t::alternate_agreed:
        p.proposed = false;
        p.agree = true;
        p.new_info = true;
        break;
    case prt_t::alternate_proposed:
        set_sync_tree();
        p.proposed = false;
        break;
    case prt_t::block_port:
        p.role = p.selected_role;
        p.learn = p.forward = false;
        break;
    case prt_t::backup_port:
        p.rb_while = uint16_t(2 * p.designated_times.hello_time);
        break;
    }
}

bool rstp::role_transitions(port_data& p) {
    const auto go = [&](prt_t s) {
        enter(p, s);
        return true;
    };
    switch (p.prt) { // states that lead on unconditionally
    case prt_t::init_port:
        return go(prt_t::disable_port);
    case prt_t::reroot:
    case prt_t::root_agreed:
    case prt_t::root_proposed:
    case prt_t::root_forward:
    case prt_t::root_learn:
    case prt_t::rerooted:
        return go(prt_t::root_port);
    case prt_t::designated_retired:
    case prt_t::designated_synced:
    case prt_t::designated_propose:
    case prt_t::designated_forward:
    case prt_t::designated_learn:
    case prt_t::designated_discard:
        return go(prt_t::designated_port);
    case prt_t::alternate_agreed:
    case prt_t::alternate_proposed:
    case prt_t::backup_port:
        return go(prt_t::alternate_port);
    default:
        break;
    }
    if (!p.selected || p.updt_info)
        return false;
    if (p.role != p.selected_role) { // the role changes (from any state of the old one)
        switch (p.selected_role) {
        case port_role::disabled:
            return go(prt_t::disable_port);
        case port_role::root:
            return go(prt_t::root_port);
        case port_role::designated:
            return go(prt_t::designated_port);
        case port_role::alternate:
        case port_role::backup:
            return go(prt_t::block_port);
        }
    }
    const uint16_t fwd_delay = p.designated_times.forward_delay;
    switch (p.prt) {
    case prt_t::disable_port:
        if (!p.learning && !p.forwarding)
            return go(prt_t::disabled_port);
        return false;
    case prt_t::disabled_port:
        if (p.fd_while != p.designated_times.max_age || p.sync || p.re_root || !p.synced)
            return go(prt_t::disabled_port);
        return false;
    case prt_t::root_port: {
        const bool rapid = re_rooted(p) && p.rb_while == 0 && rstp_version();
        if (p.proposed && !p.agree)
            return go(prt_t::root_proposed);
        if ((all_synced() && !p.agree) || (p.proposed && p.agree))
            return go(prt_t::root_agreed);
        if (p.sync && p.agree) {
            // ROOT_SYNCED, as 802.1Q-2005 adds it: a sync set after this port
            // agreed (an alternate port took a proposal) is already met here;
            // left set, it would send the port to DESIGNATED_DISCARD the day
            // it turns designated.
            p.sync = false;
            p.synced = true;
            return true;
        }
        if (!p.forward && !p.re_root)
            return go(prt_t::reroot);
        if (p.rr_while != fwd_delay)
            return go(prt_t::root_port);
        if (p.re_root && p.forward)
            return go(prt_t::rerooted);
        if ((p.fd_while == 0 || rapid) && !p.learn)
            return go(prt_t::root_learn);
        if ((p.fd_while == 0 || rapid) && p.learn && !p.forward)
            return go(prt_t::root_forward);
        return false;
    }
    case prt_t::designated_port: {
        const bool may_go = (p.fd_while == 0 || p.agreed || p.oper_edge) &&
                            (p.rr_while == 0 || !p.re_root) && !p.sync;
        if (((p.sync && !p.synced) || (p.re_root && p.rr_while != 0) || p.disputed) &&
            !p.oper_edge && (p.learn || p.forward))
            return go(prt_t::designated_discard);
        if (may_go && !p.learn)
            return go(prt_t::designated_learn);
        if (may_go && p.learn && !p.forward)
            return go(prt_t::designated_forward);
        if (!p.forward && !p.agreed && !p.proposing && !p.oper_edge)
            return go(prt_t::designated_propose);
        if ((!p.learning && !p.forwarding && !p.synced) || (p.agreed && !p.synced) ||
            (p.oper_edge && !p.synced) || (p.sync && p.synced))
            return go(prt_t::designated_synced);
        if (p.rr_while == 0 && p.re_root)
            return go(prt_t::designated_retired);
        return false;
    }
    case prt_t::alternate_port:
        if (p.proposed && !p.agree)
            return go(prt_t::alternate_proposed);
        if ((all_synced() && !p.agree) || (p.proposed && p.agree))
            return go(prt_t::alternate_agreed);
        if (p.fd_while != forward_delay(p) || p.sync || p.re_root || !p.synced)
            return go(prt_t::alternate_port);
        if (p.rb_while != 2 * p.designated_times.hello_time && p.role == port_role::backup)
            return go(prt_t::backup_port);
        return false;
    case prt_t::block_port:
        if (!p.learning && !p.forwarding)
            return go(prt_t::alternate_port);
        return false;
    default:
        return false;
    }
}

// ---- 17.30 Port State Transition -----------------------------------------------

void rstp::enter(port_data& p, pst_t s) {
    p.pst = s;
    p.learning = s != pst_t::discarding;
    p.forwarding = s == pst_t::forwarding;
}

bool rstp::state_transition(port_data& p) {
    switch (p.pst) {
    case pst_t::discarding:
        if (p.learn) {
            enter(p, pst_t::learning);
            return true;
        }
        return false;
    case pst_t::learning:
        if (!p.learn) {
            enter(p, pst_t::discarding);
            return true;
        }
        if (p.forward) {
            enter(p, pst_t::forwarding);
            return true;
        }
        return false;
    case pst_t::forwarding:
        if (!p.forward) {
            enter(p, pst_t::discarding);
            return true;
        }
        return false;
    }
    return false;
}

// ---- 17.31 Topology Change -------------------------------------------------------

void rstp::new_tc_while(port_data& p) {
    // 17.21.7
    if (p.tc_while != 0)
        return;
    if (p.send_rstp) {
        p.tc_while = uint16_t(p.designated_times.hello_time + 1);
        p.new_info = true;
    } else {
        p.tc_while = uint16_t(root_times_.max_age + root_times_.forward_delay);
    }
}

void rstp::set_tc_prop_tree(const port_data& caller) {
    for (port_data& p : ports_)
        if (&p != &caller)
            p.tc_prop = true;
}

void rstp::note_topology_change(port_data& p) {
    // Counted once per change: a neighbour repeats the TC flag for as long as
    // its tcWhile runs (an 802.1D root for max age + forward delay).
    if (!topology_change()) {
        ++topology_changes_;
        ++p.topology_changes;
    }
    last_tc_tick_ = ticks_;
}

void rstp::enter(port_data& p, tcm_t s) {
    p.tcm = s;
    switch (s) {
    case tcm_t::inactive:
        p.fdb_flush = true;
        p.tc_while = 0;
        p.tc_ack = false;
        break;
    case tcm_t::learning:
        p.rcvd_tc = p.rcvd_tcn = p.rcvd_tc_ack = false;
        p.tc_prop = false;
        break;
    case tcm_t::detected:
        note_topology_change(p);
        new_tc_while(p);
        set_tc_prop_tree(p);
        p.new_info = true;
        break;
    case tcm_t::active:
        break;
    case tcm_t::notified_tcn:
        new_tc_while(p);
        break;
    case tcm_t::notified_tc:
        note_topology_change(p);
        p.rcvd_tcn = p.rcvd_tc = false;
        if (p.role == port_role::designated)
            p.tc_ack = true;
        set_tc_prop_tree(p);
        break;
    case tcm_t::propagating:
        new_tc_while(p);
        p.fdb_flush = true;
        p.tc_prop = false;
        break;
    case tcm_t::acknowledged:
        p.tc_while = 0;
        p.rcvd_tc_ack = false;
        break;
    }
    if (p.fdb_flush) { // the flush is the caller's, and done before anything else
        flushes_.push_back(unsigned(&p - ports_.data()));
        p.fdb_flush = false;
    }
}

bool rstp::topology_change_machine(port_data& p) {
    const bool root_or_designated = p.role == port_role::root || p.role == port_role::designated;
    const bool notified = p.rcvd_tc || p.rcvd_tcn || p.rcvd_tc_ack || p.tc_prop;
    const auto go = [&](tcm_t s) {
        enter(p, s);
        return true;
    };
    switch (p.tcm) {
    case tcm_t::inactive:
        if (p.learn && !p.fdb_flush)
            return go(tcm_t::learning);
        return false;
    case tcm_t::learning:
        if (root_or_designated && p.forward && !p.oper_edge)
            return go(tcm_t::detected);
        if (notified)
            return go(tcm_t::learning);
        if (!root_or_designated && !(p.learn || p.learning))
            return go(tcm_t::inactive);
        return false;
    case tcm_t::detected:
    case tcm_t::notified_tc:
    case tcm_t::propagating:
    case tcm_t::acknowledged:
        return go(tcm_t::active);
    case tcm_t::notified_tcn:
        return go(tcm_t::notified_tc);
    case tcm_t::active:
        if (!root_or_designated || p.oper_edge)
            return go(tcm_t::learning);
        if (p.rcvd_tcn)
            return go(tcm_t::notified_tcn);
        if (p.rcvd_tc)
            return go(tcm_t::notified_tc);
        if (p.tc_prop && !p.oper_edge)
            return go(tcm_t::propagating);
        if (p.rcvd_tc_ack)
            return go(tcm_t::acknowledged);
        return false;
    }
    return false;
}

} // namespace bridgehost::stp
