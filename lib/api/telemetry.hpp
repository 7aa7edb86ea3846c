// bridgehost's commands on DPDK's telemetry socket, so that dpdk-telemetry.py
// and any telemetry client read the switch:
//   /bridgehost/fdb, /bridgehost/ports, /bridgehost/workers,
//   /bridgehost/stats, /bridgehost/config
// (telemetry is read-only; actions go through the control socket).
#pragma once

#include <nlohmann/json.hpp>

struct rte_tel_data;

namespace bridgehost {

class bridge;

/// Registers the commands (once per process) and points them at `sw`;
/// nullptr detaches them (they then answer with an error).
void attach_telemetry(bridge* sw);

/// A JSON value as telemetry data: objects become dicts (keys reduced to the
/// characters telemetry allows, [A-Za-z0-9_/]), arrays of scalars stay arrays,
/// arrays of objects become dicts keyed by their first string field, numbers
/// that are not unsigned integers and nulls become strings. Entries past
/// telemetry's limits (256 per dict, 512 per array) are left out.
/// Returns 0 or a negative errno.
int to_telemetry(const nlohmann::json& value, rte_tel_data* d);

} // namespace bridgehost
