// Port VLAN settings for tests, as the YAML would give them.
#pragma once

#include "config/config.hpp"

namespace bridgehost::test {

/// mode: access, vlan: `vlan`.
inline port_vlan access_port(uint16_t vlan) {
    port_vlan v;
    v.mode = port_vlan::mode_t::access;
    v.access_vlan = vlan;
    return v;
}

/// mode: trunk, allowed_vlans: `allowed`, native_vlan: `native`.
inline port_vlan trunk_port(const char* allowed, uint16_t native = 0) {
    port_vlan v;
    v.allowed = parse_vlan_list(allowed);
    v.native_vlan = native;
    return v;
}

} // namespace bridgehost::test
