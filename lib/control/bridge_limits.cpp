// The FDB's reloadable limits: ports' max_macs and MAC flapping, at start and on reload.
#include "control/bridge.hpp"

namespace bridgehost {

namespace {

std::string describe(const port_mac_limit& limit) {
    if (limit.max_macs == 0)
        return "0 (no limit)";
    return std::to_string(limit.max_macs) +
           (limit.action == mac_limit_action::refuse ? " refuse" : " evict_oldest");
}

std::string describe(const flapping_config& f) {
    if (f.moves_per_second == 0)
        return "off";
    return std::to_string(f.moves_per_second) + " moves/s, freeze " +
           std::to_string(f.freeze_seconds) + " s";
}

} // namespace

std::vector<std::string> bridge::apply_fdb_limits(const config& next) {
    std::vector<std::string> changed;
    // The running ports, by their current index: the FDB's limits are by index
    // and follow a renumbering (mac_table::remap_ports); a lowered limit keeps
    // the entries already learned.
    for (uint16_t i = 0; i < cfg_.ports.size(); ++i) {
        port_config& running = cfg_.ports[i];
        const std::optional<uint16_t> j = next.port_index(running.name);
        if (!j)
            continue;
        const port_mac_limit want = next.ports[*j].mac_limit;
        const port_mac_limit had = fdb_->port_limit(i);
        fdb_->set_port_limit(i, want);
        running.mac_limit = want;
        if (had != want)
            changed.push_back("ports." + running.name + ".max_macs " + describe(had) + " -> " +
                              describe(want));
    }
    flap_detector& flaps = control_->flaps();
    if (flaps.settings() != next.fdb.flapping)
        changed.push_back("fdb.flapping " + describe(flaps.settings()) + " -> " +
                          describe(next.fdb.flapping));
    flaps.configure(next.fdb.flapping);
    cfg_.fdb.flapping = next.fdb.flapping;
    return changed;
}

} // namespace bridgehost
