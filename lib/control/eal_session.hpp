// The DPDK EAL for the life of the process: rte_eal_init on construction, rte_eal_cleanup after.
#pragma once

#include "config/config.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace bridgehost {

class eal_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class eal_session {
  public:
    /// `args` are EAL arguments after argv[0]. Throws eal_error with a reason and a remedy.
    eal_session(const std::string& program, const std::vector<std::string>& args);
    ~eal_session();
    eal_session(const eal_session&) = delete;
    eal_session& operator=(const eal_session&) = delete;
};

/// Before starting DPDK with hugepages: a readable reason why it would fail, or "".
std::string hugepage_problem();

} // namespace bridgehost
