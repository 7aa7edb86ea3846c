// The switch's counters in the Prometheus text exposition format, for GET /metrics.
//
// A pure formatter: the caller fills a metrics_snapshot (from the workers' and
// the control lcore's counters and the PMD's statistics) and gets the text back.
// No DPDK and no I/O here, so the format is tested without ports.
#pragma once

#include "control/metrics_snapshot.hpp"

#include <string>

namespace bridgehost {

/// Prometheus text exposition format 0.0.4: # HELP and # TYPE for every family,
/// counters end in _total, label values escaped. Every name starts with
/// "bridgehost_". A per-port or per-worker family with no series (no ports, no
/// drop reasons) is left out rather than printed empty; the spanning tree's
/// families (bridgehost_stp_*) are there only when s.stp.enabled.
std::string render_prometheus(const metrics_snapshot& s);

} // namespace bridgehost
