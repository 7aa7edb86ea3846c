// STUB: replaced by the spanning tree's bridge side
//
// show stp's reply, fixed: the example the operator view (bridgehostctl show
// stp, /bridgehost/stp) was written against, so that they build and run
// before the spanning tree does.
#include "control/bridge.hpp"

namespace bridgehost {

using json = nlohmann::json;

json bridge::show_stp() const {
    if (!cfg_.stp.enabled)
        return {
            {"enabled", false}, {"mode", stp_mode_name(cfg_.stp.mode)}, {"ports", json::array()}};
    return {{"enabled", true},
            {"mode", "rstp"},
            {"bridge_id", "8000.020000000001"},
            {"root_id", "1000.02aabbccddee"},
            {"is_root", false},
            {"root_port", "hosta"},
            {"root_path_cost", 20000},
            {"hello_time", 2},
            {"max_age", 20},
            {"forward_delay", 15},
            {"root_times",
             {{"hello_time", 2}, {"max_age", 20}, {"forward_delay", 15}, {"message_age", 1}}},
            {"topology_change", false},
            {"topology_changes", 3},
            {"seconds_since_topology_change", 12.5},
            {"ports",
             {{{"name", "hosta"},
               {"port_id", "8.001"},
               {"role", "root"},
               {"state", "forwarding"},
               {"path_cost", 20000},
               {"edge", false},
               {"oper_edge", false},
               {"point_to_point", true},
               {"protocol", "rstp"},
               {"designated_root", "1000.02aabbccddee"},
               {"designated_cost", 0},
               {"designated_bridge", "1000.02aabbccddee"},
               {"designated_port", "8.002"},
               {"link", "up"},
               {"guard_blocked", false},
               {"bpdus_in", 10},
               {"bpdus_out", 11},
               {"bpdus_bad", 0},
               {"bpdus_lost", 0},
               {"topology_changes", 1}}}}};
}

} // namespace bridgehost
